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

LOSSES = LF.TORCH_LOSSES
DTYPES = {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16}
# Importing torch's OpInfo database takes ~6 s and making the samples ~7 s: done when a test first
# needs them (not at collection, in every xdist worker), and all these tests run on one worker
# (`--dist loadgroup` in `make test`), so that cost is paid once.
pytestmark = pytest.mark.xdist_group("torch_opinfo")


@functools.lru_cache(maxsize=None)
def _opinfo(name):
    methods = pytest.importorskip("torch.testing._internal.common_methods_invocations")
    ops = [op for op in methods.op_db if op.name == f"nn.functional.{name}"]
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


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("name", LOSSES)
def test_torch_opinfo_samples(name, dtype):
    """Every sample torch's OpInfo makes for `name` in `dtype`: our forward and gradients equal torch's.
    (A sample whose distance_function is a torch callable is left out: the numpy API takes a numpy one,
    tests/test_embedding.py checks it.)"""
    if _only_torch_callables(name, dtype):
        pytest.skip("every sample's distance_function is a torch callable: the numpy API takes a numpy one "
                    "(tests/test_embedding.py checks it)")
    assert _check_samples(name, dtype) > 0


def test_torch_opinfo_samples_in_float16():
    """The same in float16, for each loss torch computes in float16 on the CPU."""
    supported = [name for name in LOSSES if torch.float16 in _opinfo(name).supported_dtypes("cpu")]
    assert len(supported) >= 10, supported
    for name in supported:
        if not _only_torch_callables(name, torch.float16):
            assert _check_samples(name, torch.float16) > 0, name


def _only_torch_callables(name, dtype):
    """Whether every sample of `name` passes a torch callable (distance_function), which the numpy API cannot take."""
    return all(_uses_torch_callable(sample) for sample in _samples(name, dtype))


def _check_samples(name, dtype):
    """Check every sample of `name` in `dtype`; returns how many were checked."""
    checked = 0
    for index, sample in enumerate(_samples(name, dtype)):
        if not _uses_torch_callable(sample):
            _check_sample(name, dtype, index, sample)
            checked += 1
    return checked


def _check_sample(name, dtype, index, sample):
    args = [_numpy(a) for a in sample.args]
    kwargs = {k: _numpy(v) for k, v in sample.kwargs.items()}
    x = _numpy(sample.input)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _call_torch(name, sample)
        ours = getattr(LF, name)(x, *args, **kwargs)
    assert_close(ours, expected.detach().numpy(), f"{name} forward, {dtype} sample {index}")

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
        assert_close(ours_g, theirs_g, f"{name} gradient of {arg}, {dtype} sample {index}")


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


@pytest.mark.parametrize("name", LOSSES)
def test_torch_error_inputs_are_refused(name):
    """Every input torch's OpInfo says torch refuses: torch does, and so do we."""
    if _opinfo(name).error_inputs_func is None:
        return  # torch's OpInfo lists no error input for this loss
    for index, error in enumerate(_errors(name)):
        sample = error.sample_input
        with pytest.raises(error.error_type):
            _call_torch(name, sample)  # the input really is one torch refuses
        args = [_numpy(a) for a in sample.args]
        kwargs = {k: _numpy(v) for k, v in sample.kwargs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                getattr(LF, name)(_numpy(sample.input), *args, **kwargs)
            except (ValueError, TypeError, IndexError):
                continue
        pytest.fail(f"{name}: torch refuses error input {index} ({error.error_regex!r}), we accepted it")
