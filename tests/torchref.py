"""Run torch.nn.functional on the same numbers as lossedu, and compare.

Every parity test goes through `compare`: it calls our forward and `_backward` and torch's
forward and autograd backward on copies of the same arrays, with the same upstream gradient,
and asserts that values, shapes, dtypes and nan/inf positions agree.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import lossedu.functional as LF

# float64: exact parity up to summation order; float32: torch's own float32 accuracy.
# float16: torch accumulates half in float32, numpy in half; a few ulps apart.
TOL = {
    np.float64: dict(rtol=1e-9, atol=1e-12),
    np.float32: dict(rtol=2e-5, atol=2e-6),
    np.float16: dict(rtol=5e-3, atol=1e-3),
}


def to_torch(value, requires_grad=False):
    if isinstance(value, (np.ndarray, np.generic)):
        t = torch.from_numpy(np.array(value))
        if requires_grad:
            t.requires_grad_(True)
        return t
    return value


def torch_run(name, kwargs, wrt, grad_output, torch_kwargs=None):
    """torch's loss and the gradients of `wrt` for upstream gradient `grad_output`."""
    tk = {k: to_torch(v, k in wrt) for k, v in kwargs.items()}
    tk.update(torch_kwargs or {})
    out = getattr(F, name)(**tk)
    grads = None
    if wrt and out.requires_grad:
        g = torch.from_numpy(np.asarray(grad_output, dtype=out.detach().numpy().dtype).copy())
        grads = torch.autograd.grad(out, [tk[k] for k in wrt], g, allow_unused=True)
        grads = tuple(
            np.zeros_like(kwargs[k]) if gr is None else gr.numpy() for k, gr in zip(wrt, grads)
        )
    return out.detach().numpy(), grads


def assert_close(ours, theirs, what, rtol=None, atol=None, dtype=None):
    ours = np.asarray(ours)
    theirs = np.asarray(theirs)
    assert isinstance(ours, np.ndarray)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
    tol = TOL.get(np.dtype(dtype or theirs.dtype).type, dict(rtol=0, atol=0))
    rtol = tol["rtol"] if rtol is None else rtol
    atol = tol["atol"] if atol is None else atol
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: nan positions")
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(theirs), err_msg=f"{what}: +inf positions")
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(theirs), err_msg=f"{what}: -inf positions")
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def compare(name, grad=True, grad_output=None, rng=None, torch_kwargs=None, rtol=None, atol=None, **kwargs):
    """Assert lossedu and torch agree on `name(**kwargs)`: forward, then every gradient.

    `grad_output` defaults to random numbers of the output's shape, so a gradient that is off
    by a constant factor, or ignores the upstream gradient, fails. Returns our forward value.
    """
    ours = getattr(LF, name)(**kwargs)
    wrt = LF.GRADIENT_OF[name] if grad else ()
    if grad_output is None:
        rng = rng or np.random.default_rng(1)
        grad_output = rng.uniform(0.5, 1.5, size=np.shape(ours)).astype(np.asarray(ours).dtype)
    theirs, tgrads = torch_run(name, kwargs, wrt, grad_output, torch_kwargs)
    assert_close(ours, theirs, f"{name} forward", rtol=rtol, atol=atol)
    if grad and tgrads is not None:
        ograds = getattr(LF, f"{name}_backward")(grad_output, **kwargs)
        if not isinstance(ograds, tuple):
            ograds = (ograds,)
        assert len(ograds) == len(wrt), f"{name}_backward returned {len(ograds)} gradients, expected {wrt}"
        for k, og, tg in zip(wrt, ograds, tgrads):
            assert_close(og, tg, f"{name} gradient of {k}", rtol=rtol, atol=atol)
    return ours


def gradcheck_as_torch(name, **kwargs):
    """`torch.autograd.gradcheck` on `lossedu.as_torch(<name>)` for every differentiable array.

    kwargs are numpy float64 arrays (differentiated where GRADIENT_OF says so) and options.
    Choose inputs away from kinks (|d| ≠ β, z ≠ 0, …): finite differences straddle them.
    """
    import lossedu

    fn = lossedu.as_torch(getattr(LF, name))
    diff = [k for k in LF.GRADIENT_OF[name] if isinstance(kwargs.get(k), np.ndarray)]
    fixed = {k: to_torch(v) for k, v in kwargs.items() if k not in diff}

    def f(*tensors):
        return fn(**fixed, **dict(zip(diff, tensors)))

    inputs = tuple(to_torch(kwargs[k], requires_grad=True) for k in diff)
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def assert_refused(name, error, match, torch_refuses=False, **kwargs):
    """Our forward and our `_backward` both raise `error` whose message matches `match`
    (the argument's name). With `torch_refuses`, torch must refuse the same input too."""
    import warnings

    import pytest

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            getattr(LF, name)(**kwargs)
        with pytest.raises(error, match=match):
            getattr(LF, f"{name}_backward")(1.0, **kwargs)
        if torch_refuses:
            with pytest.raises(Exception):
                getattr(F, name)(**{k: to_torch(v) for k, v in kwargs.items()})
