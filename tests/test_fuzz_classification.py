"""Fuzzing nll_loss, cross_entropy and kl_div against torch: dtypes, degenerate shapes, every option.

Each case runs torch first. Where torch refuses the input, lossedu must refuse it too (with a
TypeError, ValueError or IndexError, never a bare ZeroDivisionError); where torch answers,
lossedu's forward and gradient must equal torch's (`torchref.compare`: values, shape, dtype,
nan/inf positions) at the dtype's tolerance.
"""
import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossedu.functional as LF
from torchref import TOL, assert_refused, compare, to_torch

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [np.float16, np.float32, np.float64]
OUR_ERRORS = (TypeError, ValueError, IndexError)


def _torch_answers(name, kwargs):
    """(whether torch's forward answers, whether its backward does too)."""
    args = {k: to_torch(v, requires_grad=k == "input") for k, v in kwargs.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F, name)(**args)
    except (RuntimeError, ValueError, TypeError, IndexError):
        return False, False
    try:
        out.sum().backward()
    except (RuntimeError, ValueError, TypeError, IndexError):
        return True, False
    return True, True


def _check(name, **kwargs):
    """lossedu agrees with torch on this input: the same numbers, or both refuse it.

    The tolerance is that of the least precise float among the arguments, whatever the result's
    dtype: a float32 log_softmax (or float16 label smoothing, rounded by torch in its float32
    arithmetic and by numpy after rounding ε) is ulps apart between the two libraries, and a wider
    target carries those ulps into a wider result.
    """
    floats = [v.dtype for v in kwargs.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    narrowest = min(floats, key=lambda d: d.itemsize) if floats else None
    tol = TOL[narrowest.type] if narrowest is not None and narrowest.itemsize < 8 else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forward, backward = _torch_answers(name, kwargs)
        if forward:
            compare(name, grad=backward, **tol, **kwargs)
        else:
            with pytest.raises(OUR_ERRORS):
                getattr(LF, name)(**kwargs)
        if not backward:
            with pytest.raises(OUR_ERRORS):
                getattr(LF, f"{name}_backward")(1.0, **kwargs)


def _items(shape):
    return () if len(shape) == 1 else (shape[0],) + shape[2:]


# input shapes: ordinary ones, and every kind of empty one (no classes, no samples, an empty spatial axis)
SHAPES = [(3,), (0,), (2, 3), (2, 0), (0, 3), (0, 0), (2, 3, 2), (2, 0, 3), (2, 3, 0), (0, 3, 2), (2, 0, 0),
          (2, 3, 0, 4), (2, 0, 3, 4)]


def _index_target(rng, shape, dtype, ignore_index):
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    items = _items(shape)
    if n_classes == 0:  # only an ignored item can have no class
        return np.full(items, ignore_index).astype(dtype)
    t = rng.integers(0, n_classes, size=items)
    if ignore_index >= 0 and t.size:
        t.reshape(-1)[::2] = ignore_index
    return t.astype(dtype)


# ----------------------------------------------------------------------------- index targets
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("target_dtype", [np.int64, np.uint8, np.int32, np.bool_])
def test_index_targets_fuzz(shape, dtype, target_dtype):
    rng = np.random.default_rng(0)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    for reduction, weighted, ignore_index, eps in itertools.product(REDUCTIONS, (False, True), (-100, 1),
                                                                     (0.0, 0.2)):
        if target_dtype == np.bool_ and ignore_index == -100:
            ignore_index = 1  # a bool target can only hold 0 and 1
        x = (rng.normal(size=shape) * 3).astype(dtype)
        t = _index_target(rng, shape, target_dtype, ignore_index if target_dtype != np.uint8 else 1)
        opts = dict(reduction=reduction, ignore_index=ignore_index if target_dtype != np.uint8 else 1)
        if weighted:
            opts["weight"] = rng.uniform(0.2, 2.0, size=n_classes).astype(dtype)
        if eps == 0.0:
            _check("nll_loss", input=x, target=t, **opts)
        _check("cross_entropy", input=x, target=t, label_smoothing=eps, **opts)


def test_nll_k_dim_uint8_target_is_refused_like_torch():
    x = np.log(np.full((2, 3, 4), 1 / 3))
    t = np.zeros((2, 4), np.uint8)
    assert_refused("nll_loss", TypeError, "target", torch_refuses=True, input=x, target=t)
    assert_refused("cross_entropy", TypeError, "target", torch_refuses=True, input=x, target=t)
    # (N, C) and (C,) inputs keep accepting uint8 targets, as torch does
    compare("nll_loss", input=x[:, :, 0], target=t[:, 0])
    compare("cross_entropy", input=x[0, :, 0], target=t[0, 0])


def test_ce_0d_uint8_target_like_torch():
    # torch 2.13 takes a 0-d uint8 target for an unbatched input (as it takes (N,) uint8 for (N, C)),
    # except where its smoothing term gathers the weights with it: weight, ε > 0 and 'mean'
    x = np.array([0.5, -1.0, 2.0])
    w = np.array([0.5, 2.0, 1.0])
    for reduction in REDUCTIONS:
        for eps in (0.0, 0.3):
            compare("cross_entropy", input=x, target=np.array(2, np.uint8), reduction=reduction, label_smoothing=eps)
            if reduction != "mean" or eps == 0.0:
                compare("cross_entropy", input=x, target=np.array(2, np.uint8), weight=w, reduction=reduction,
                        label_smoothing=eps)
        compare("nll_loss", input=x, target=np.array(2, np.uint8), reduction=reduction)
    for t in (np.array(2, np.uint8), np.array([2, 0], np.uint8)):
        xs = x if t.ndim == 0 else np.stack([x, x])
        assert_refused("cross_entropy", TypeError, "target", torch_refuses=True, input=xs, target=t, weight=w,
                       label_smoothing=0.3)
    # ... unless nothing is counted: the gather then has no index to read
    compare("cross_entropy", input=x, target=np.array(2, np.uint8), weight=w, label_smoothing=0.3, ignore_index=2)


@pytest.mark.parametrize("shape", [(2, 0, 3), (1, 0, 1), (2, 0, 3, 4, 5)], ids=str)
def test_nll_k_dim_input_with_no_classes_is_refused_like_torch(shape):
    # torch views a 3-D or ≥ 5-D input as (N, C, 1, -1), which it cannot do with C = 0 and positions
    x = np.zeros(shape)
    items = (shape[0],) + shape[2:]
    for name in ("nll_loss", "cross_entropy"):
        assert_refused(name, ValueError, "input", torch_refuses=True, input=x, target=np.full(items, -100))
        assert_refused(name, ValueError, "input", torch_refuses=True, input=x, target=np.zeros(items, np.int64))
    # a 4-D input with no classes is viewed as it is, and answered
    compare("nll_loss", input=np.zeros((2, 0, 3, 4)), target=np.full((2, 3, 4), -100), reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", ["index", "index_unbatched", "prob", "prob_unbatched"])
def test_ce_no_classes_with_label_smoothing_gives_torchs_nan(reduction, weighted, kind):
    x = np.zeros((0,) if "unbatched" in kind else (2, 0))
    if kind.startswith("index"):
        t = np.array(-100) if "unbatched" in kind else np.full(2, -100)
    else:
        t = np.zeros_like(x)
    w = np.zeros(0) if weighted else None
    for eps in (0.0, 0.1, 1.0):
        compare("cross_entropy", input=x, target=t, weight=w, reduction=reduction, label_smoothing=eps)


# ----------------------------------------------------------------------------- probability targets
@pytest.mark.parametrize("shape", [s for s in SHAPES if s != (2, 0, 3) and s != (2, 0, 3, 4)], ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("target_dtype", FLOATS)
def test_prob_targets_fuzz(shape, dtype, target_dtype):
    rng = np.random.default_rng(1)
    axis = 0 if len(shape) == 1 else 1
    n_classes = shape[axis]
    for reduction, weighted, eps in itertools.product(REDUCTIONS, (False, True), (0.0, 0.2)):
        x = (rng.normal(size=shape) * 3).astype(dtype)
        p = rng.uniform(size=shape)
        p = (p / np.maximum(p.sum(axis=axis, keepdims=True), 1e-3)).astype(target_dtype)
        w = rng.uniform(0.2, 2.0, size=n_classes).astype(dtype) if weighted else None
        _check("cross_entropy", input=x, target=p, weight=w, reduction=reduction, label_smoothing=eps)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_ce_float16_logits_with_float64_probabilities_compute_in_float64(reduction, eps):
    # torch: log_softmax in float16, then the product with the float64 target and everything after in
    # float64. Equal logits give the same float16 log_softmax, −log 7, in both libraries, so the loss
    # must agree to float64's last digits: a float16 step in the smoothed target q would show at 1e-4.
    rng = np.random.default_rng(2)
    x = np.zeros((64, 7), np.float16)
    np.testing.assert_array_equal(LF.log_softmax(x, 1), torch.log_softmax(torch.from_numpy(x), 1).numpy())
    p = rng.dirichlet(np.ones(7) * 0.3, size=64)
    p[:, 3] = 1e-6  # below float16's resolution near 1: a float16 intermediate would lose it
    p /= p.sum(axis=1, keepdims=True)
    out = LF.cross_entropy(x, p, reduction=reduction, label_smoothing=eps)
    theirs = F.cross_entropy(torch.from_numpy(x), torch.from_numpy(p), reduction=reduction, label_smoothing=eps)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, theirs.numpy(), rtol=1e-12, atol=0)
    compare("cross_entropy", input=(rng.normal(size=(64, 7)) * 4).astype(np.float16), target=p,
            reduction=reduction, label_smoothing=eps, rtol=5e-3, atol=1e-3)  # float16's log_softmax: ulps apart


# ----------------------------------------------------------------------------- float16 at large values
def _check_half(name, **kwargs):
    """Forward at float16's tolerance; the gradient at an absolute 2e-3.

    torch's float16 log_softmax is itself a few float16 steps off where a log-probability is near
    0 (it rounds max + log Σ to float16 first: −0.01165 for a true −0.01210), and the gradient
    s − onehot is then a difference of nearly equal numbers: a few steps of 2.4e-4 apart.
    """
    ours = getattr(LF, name)(**kwargs)
    compare(name, grad=False, **kwargs)
    g = np.random.default_rng(1).uniform(0.5, 1.5, size=np.shape(ours)).astype(np.float16)
    x = torch.from_numpy(kwargs["input"]).requires_grad_()
    theirs = getattr(F, name)(**{**{k: to_torch(v) for k, v in kwargs.items()}, "input": x})
    theirs.backward(torch.from_numpy(g))
    np.testing.assert_allclose(getattr(LF, f"{name}_backward")(g, **kwargs), x.grad.numpy(), rtol=5e-3, atol=2e-3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(2000, 4), (200, 4, 10), (6000, 4)], ids=str)
def test_float16_large_values_match_torch(reduction, weighted, eps, shape):
    """Losses near float16's range. Totals of about 40 000 stay finite; above 65 504 (the 6000
    items) they are inf in torch too, and so is their 'mean' (torch rounds the total first)."""
    rng = np.random.default_rng(3)
    x = (rng.normal(size=shape) * 8).astype(np.float16)
    x[:, 0] += np.float16(20)  # a confident wrong class: losses of about 20 per item
    t = rng.integers(1, 4, size=_items(shape))
    w = np.array([1.0, 1.5, 0.5, 1.2], np.float16) if weighted else None
    _check_half("cross_entropy", input=x, target=t, weight=w, reduction=reduction, label_smoothing=eps)
    if eps == 0.0:
        _check_half("nll_loss", input=LF.log_softmax(x, 1), target=t, weight=w, reduction=reduction)
    p = np.eye(4, dtype=np.float16)[t]
    if len(shape) > 2:
        p = np.moveaxis(p, -1, 1)
    _check_half("cross_entropy", input=x, target=p, weight=w, reduction=reduction, label_smoothing=eps)
    if shape[0] == 6000 and reduction != "none":
        assert np.isinf(LF.cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=eps))


@pytest.mark.parametrize("scale", [1.0, 100.0, 1e4])
def test_float16_log_softmax_rounds_once_like_torch(scale):
    x = (np.random.default_rng(4).normal(size=(50, 9)) * scale).astype(np.float16)
    ours = LF.log_softmax(x, 1)
    theirs = torch.log_softmax(torch.from_numpy(x), 1).numpy()
    assert ours.dtype == np.float16
    np.testing.assert_allclose(ours, theirs, rtol=5e-3, atol=1e-3)


# ----------------------------------------------------------------------------- kl_div
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("target_dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3,), (0,), (2, 3), (0, 3), (2, 0), (2, 3, 0), ()], ids=str)
def test_kl_div_fuzz(dtype, target_dtype, shape):
    rng = np.random.default_rng(5)
    for reduction, log_target in itertools.product(REDUCTIONS + ["batchmean"], (False, True)):
        x = np.log(rng.uniform(0.01, 1.0, size=shape)).astype(dtype)
        t = rng.uniform(0.0, 1.0, size=shape)
        t = (np.log(t) if log_target else t).astype(target_dtype)
        _check("kl_div", input=x, target=t, reduction=reduction, log_target=log_target)


@pytest.mark.parametrize("reduction", ["sum", "mean", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_float16_large_values_match_torch(reduction, log_target):
    # 30 000 terms of about 3: torch's float16 'mean' accumulates in float32 and stays finite; the
    # total (and 'batchmean', the total divided afterwards) is beyond 65 504: inf
    rng = np.random.default_rng(6)
    x = rng.uniform(-3.5, -2.5, size=(3000, 10)).astype(np.float16)
    p = rng.uniform(0.5, 1.5, size=(3000, 10))
    t = (np.log(p) if log_target else p).astype(np.float16)
    out = compare("kl_div", input=x, target=t, reduction=reduction, log_target=log_target)
    assert out.dtype == np.float16 and np.isfinite(out) == (reduction == "mean")
