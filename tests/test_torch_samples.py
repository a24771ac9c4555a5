"""torch's own test inputs: every OpInfo sample of the 21 losses, forward and gradient, and its error inputs.

PyTorch tests each `torch.nn.functional` loss on the inputs its OpInfo (`op_db` in
`torch.testing._internal.common_methods_invocations`) generates: odd shapes, broadcasting, every
option. lossedu must give torch's numbers on every one of them (float64 and float32), its
hand-derived gradients must equal autograd's, and every input torch refuses (`error_inputs`) must be
refused too. This is the check that the lecture code, however rewritten for reading, stays exact.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch

import lossedu.functional as LF

from torchref import assert_close

common_methods_invocations = pytest.importorskip("torch.testing._internal.common_methods_invocations")

LOSSES = LF.LOSSES
DTYPES = {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16}


@functools.lru_cache(maxsize=None)
def _opinfo(name):
    ops = [op for op in common_methods_invocations.op_db if op.name == f"nn.functional.{name}"]
    assert len(ops) == 1, f"expected one OpInfo for {name}, found {len(ops)}"
    return ops[0]


def _numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        return type(value)(_numpy(v) for v in value)
    return value


@functools.lru_cache(maxsize=None)
def _samples(name, dtype):
    # Fixed seed: the samples are random tensors (made once; tests only read them).
    torch.manual_seed(0)
    return tuple(_opinfo(name).sample_inputs("cpu", dtype, requires_grad=True))


def _sample_ids():
    ids = []
    for name in LOSSES:
        for dtype in DTYPES:
            if dtype not in _opinfo(name).supported_dtypes("cpu"):
                continue  # torch itself refuses float16 for this loss on the CPU
            n = len(_samples(name, dtype))
            ids += [(name, dtype, i) for i in range(n)]
    return ids


def _call_torch(name, sample):
    fn = getattr(torch.nn.functional, name)
    return fn(sample.input, *sample.args, **sample.kwargs)


def _differentiated(name, sample):
    """The tensors of `sample` our `_backward` differentiates, by GRADIENT_OF's argument names."""
    params = list(_signature_names(name))
    values = dict(zip(params, [sample.input, *sample.args]))
    values.update(sample.kwargs)
    return [values[arg] for arg in LF.GRADIENT_OF[name]]


@functools.lru_cache(maxsize=None)
def _signature_names(name):
    import inspect

    return tuple(inspect.signature(getattr(LF, name)).parameters)


def _uses_torch_callable(sample):
    return any(callable(v) and not isinstance(v, torch.Tensor) for v in sample.kwargs.values())


@pytest.mark.parametrize("name,dtype,index", _sample_ids(), ids=lambda v: str(v).replace("torch.", ""))
def test_torch_opinfo_sample(name, dtype, index):
    sample = _samples(name, dtype)[index]
    if _uses_torch_callable(sample):
        pytest.skip("distance_function is a torch callable: the numpy API takes a numpy one (tests/test_embedding.py)")
    args = [_numpy(a) for a in sample.args]
    kwargs = {k: _numpy(v) for k, v in sample.kwargs.items()}
    x = _numpy(sample.input)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _call_torch(name, sample)
        ours = getattr(LF, name)(x, *args, **kwargs)
    assert_close(ours, expected.detach().numpy(), f"{name} forward, sample {index}")

    wrt = [t for t in _differentiated(name, sample)]
    if not expected.requires_grad or not all(isinstance(t, torch.Tensor) and t.requires_grad for t in wrt):
        return
    rng = np.random.default_rng(index)
    upstream = rng.standard_normal(expected.shape).astype(DTYPES[dtype])
    torch_grads = torch.autograd.grad(expected, wrt, torch.from_numpy(upstream), allow_unused=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        our_grads = getattr(LF, f"{name}_backward")(upstream, x, *args, **kwargs)
    if not isinstance(our_grads, tuple):
        our_grads = (our_grads,)
    if name == "ctc_loss":
        our_grads = (our_grads[0] + _ctc_torch_term(upstream, x, args, kwargs).astype(x.dtype),)
        if dtype == torch.float32:
            _check_ctc_float32_gradient(sample, our_grads[0], torch_grads[0].numpy(), upstream)
            return
    for arg, ours_g, theirs_g, t in zip(LF.GRADIENT_OF[name], our_grads, torch_grads, wrt):
        theirs_g = np.zeros(t.shape, DTYPES[dtype]) if theirs_g is None else theirs_g.numpy()
        assert_close(ours_g, theirs_g, f"{name} gradient of {arg}, sample {index}")


def _ctc_torch_term(upstream, log_probs, args, kwargs):
    """torch's CTC leaf gradient adds g·exp(lp) on counted steps to the true one (see tests/test_ctc.py)."""
    from test_ctc import _torch_extra_term

    names = ("targets", "input_lengths", "target_lengths", "blank", "reduction", "zero_infinity")
    given = dict(zip(names, args), **kwargs)
    reduction = given.get("reduction", "mean")
    per_sample = LF.ctc_loss(log_probs, given["targets"], given["input_lengths"], given["target_lengths"],
                             given.get("blank", 0), "none", False)
    zeroed = given.get("zero_infinity", False) & np.isinf(np.atleast_1d(per_sample))
    return _torch_extra_term(upstream, log_probs, given["input_lengths"], given["target_lengths"], reduction, zeroed)


@functools.lru_cache(maxsize=None)
def _errors(name):
    return tuple(_opinfo(name).error_inputs("cpu"))


def _check_ctc_float32_gradient(sample, ours, theirs, upstream):
    """In float32 on long sequences both CTC implementations drift from the exact gradient by ~1e-4
    (products of many probabilities in log space): ours must be as close to torch's float64
    gradient as torch's own float32 gradient is (within twice its error)."""
    leaf = sample.input.detach().double().requires_grad_(True)
    args = [a.double() if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in sample.args]
    loss = torch.nn.functional.ctc_loss(leaf, *args, **sample.kwargs)
    (exact,) = torch.autograd.grad(loss, [leaf], torch.from_numpy(upstream.astype(np.float64)))
    exact = exact.numpy()
    assert ours.dtype == np.float32 and ours.shape == exact.shape
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    torch_error = np.nanmax(np.abs(theirs - exact))
    our_error = np.nanmax(np.abs(ours - exact))
    assert our_error <= 2 * torch_error + 2e-6, f"ctc float32 gradient error {our_error:.3g}, torch's {torch_error:.3g}"


@functools.lru_cache(maxsize=None)
def _error_ids():
    ids = []
    for name in LOSSES:
        op = _opinfo(name)
        if op.error_inputs_func is None:
            continue
        n = len(_errors(name))
        ids += [(name, i) for i in range(n)]
    return ids


@pytest.mark.parametrize("name,index", _error_ids(), ids=str)
def test_torch_error_input_is_refused(name, index):
    error = _errors(name)[index]
    sample = error.sample_input
    with pytest.raises(error.error_type):
        _call_torch(name, sample)  # the input really is one torch refuses
    args = [_numpy(a) for a in sample.args]
    kwargs = {k: _numpy(v) for k, v in sample.kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError, IndexError)):
            getattr(LF, name)(_numpy(sample.input), *args, **kwargs)
