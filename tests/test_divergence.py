"""lossedu.functional.kl_div against torch, forward and gradient."""
import contextlib
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
from torchref import compare, gradcheck_as_torch

REDUCTIONS = ["none", "mean", "sum", "batchmean"]
DTYPES = [np.float64, np.float32]
ONE = np.float64(1.0)
inf, nan = np.inf, np.nan


@contextlib.contextmanager
def _quiet():
    """Silence the 'mean' UserWarning (checked on its own in test_kl_warnings_match_torch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(w.category, str(w.message)) for w in caught]


def _distributions(rng, n, c, dtype, log=False):
    p = rng.dirichlet(np.ones(c), size=n)
    return (np.log(p) if log else p).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_matches_torch(rng, dtype, reduction, log_target):
    x = _distributions(rng, 4, 5, dtype, log=True)
    t = _distributions(rng, 4, 5, dtype, log=log_target)
    with _quiet():
        compare("kl_div", input=x, target=t, reduction=reduction, log_target=log_target)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4, max_side=4),
               elements=st.floats(-20, 2)),
    st.booleans(), st.sampled_from(REDUCTIONS), st.sampled_from(DTYPES),
)
def test_kl_hypothesis(x, log_target, reduction, dtype):
    # Targets in [0, 1] with exact zeros (no log_target) or log-targets down to −20.
    t = np.exp(x[::-1] if x.ndim else x) if not log_target else (x[::-1] if x.ndim else x) / 2
    t = np.where(t < 1e-4, 0.0, t) if not log_target else t
    with _quiet():
        compare("kl_div", input=x.astype(dtype), target=t.astype(dtype), reduction=reduction,
                log_target=log_target)


def test_kl_is_the_divergence_with_batchmean(rng):
    # 'batchmean' of input = log Q, target = P is the mean over rows of Σ_c P·log(P/Q); compare with
    # torch's own KL through torch.distributions.
    p, q = _distributions(rng, 3, 4, np.float64), _distributions(rng, 3, 4, np.float64)
    ours = LF.kl_div(np.log(q), p, reduction="batchmean")
    cat = torch.distributions.Categorical
    theirs = torch.distributions.kl_divergence(cat(probs=torch.from_numpy(p)), cat(probs=torch.from_numpy(q)))
    np.testing.assert_allclose(ours, theirs.mean().item(), rtol=1e-12)


def test_kl_zero_and_negative_targets():
    # §3 case 22: xlogy: t = 0 contributes exactly 0, t < 0 gives nan; the input gradient is −t.
    x = np.array([0.1, 0.2, -0.3, -inf, -inf, nan, 1.0])
    t = np.array([0.0, -0.5, 0.3, 0.0, 0.5, 0.2, nan])
    out = compare("kl_div", input=x, target=t, reduction="none", grad_output=np.ones(7))
    assert out[0] == 0 and np.isnan(out[1]) and np.isposinf(out[4])
    compare("kl_div", input=x, target=t, reduction="sum", grad_output=ONE)


def test_kl_log_target_extremes():
    # §3 case 24: log_target with t = −inf gives nan (exp(−inf)·(−inf − x) = 0·−inf).
    x = np.array([-inf, -inf, 1.0, nan, 1.0, 1.0, -1.0])
    t = np.array([0.0, 0.5, inf, 0.2, nan, -inf, 800.0])
    out = compare("kl_div", input=x, target=t, reduction="none", log_target=True, grad_output=np.ones(7))
    assert np.isnan(out[5])
    compare("kl_div", input=x, target=t, reduction="batchmean", log_target=True, grad_output=ONE)


def test_kl_float32_extremes():
    x = np.array([-1e30, -100.0, 0.0], dtype=np.float32)
    t = np.array([1e-38, 1e-45, 1.0], dtype=np.float32)
    compare("kl_div", input=x, target=t, reduction="none")
    compare("kl_div", input=x, target=np.array([90.0, -104.0, 0.0], np.float32), reduction="none", log_target=True)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_batchmean_uses_inputs_size0(rng, log_target):
    # §3 case 23: input (3,) with target (2, 3): Σ over the broadcast (2, 3) loss / 3.
    x = np.log(np.array([0.2, 0.3, 0.5]))
    compare("kl_div", input=x, target=_distributions(rng, 2, 3, np.float64, log_target),
            reduction="batchmean", log_target=log_target)
    # …and a 0-d input is not divided at all.
    compare("kl_div", input=np.array(-1.0), target=_distributions(rng, 2, 3, np.float64, log_target),
            reduction="batchmean", log_target=log_target)
    compare("kl_div", input=np.array(-1.0), target=np.array(0.25), reduction="batchmean")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_broadcasts_silently(rng, reduction):
    # §3 case 36: no target-size warning; the input gradient is summed back to (3, 1).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="reduction: 'mean'")
        out = compare("kl_div", input=rng.normal(size=(3, 1)), target=rng.uniform(size=(2, 1, 4)),
                      reduction=reduction)
    assert out.shape == ((2, 3, 4) if reduction == "none" else ())


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_any_shape(rng, shape, reduction):
    with _quiet():
        compare("kl_div", input=rng.normal(size=shape), target=rng.uniform(size=shape), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_empty(reduction):
    with _quiet():
        compare("kl_div", input=np.zeros((0, 3)), target=np.zeros((0, 3)), reduction=reduction)
        compare("kl_div", input=np.zeros((2, 0)), target=np.zeros((2, 0)), reduction=reduction)


def test_kl_mixed_dtypes_promote(rng):
    x32 = rng.normal(size=(3, 4)).astype(np.float32)
    out = compare("kl_div", input=x32, target=rng.uniform(size=(3, 4)), reduction="sum")
    assert out.dtype == np.float64
    out = compare("kl_div", input=rng.normal(size=(3, 4)), target=rng.uniform(size=(3, 4)).astype(np.float32),
                  reduction="batchmean", log_target=True, rtol=1e-6)
    assert out.dtype == np.float64
    # A 0-d float64 does not widen a float32 array (torch's zero-dim promotion rule).
    out = compare("kl_div", input=x32, target=np.float64(0.3), reduction="none")
    assert out.dtype == np.float32
    out = compare("kl_div", input=np.float64(-0.3), target=rng.uniform(size=3).astype(np.float32), reduction="sum")
    assert out.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(reduction="mean"), dict(reduction="batchmean"), dict(reduction="sum"), dict(reduction="none"),
     dict(reduction="elementwise_mean"), dict(size_average=False), dict(reduce=False, reduction="mean"),
     dict(size_average=True, reduction="batchmean")],
)
def test_kl_warnings_match_torch(rng, kwargs):
    # §3 case 25: 'mean' (also the default) warns on every call; 'batchmean' does not; with the
    # legacy arguments only the legacy warning; 'elementwise_mean' only the deprecation warning.
    x, t = _distributions(rng, 2, 3, np.float64, log=True), _distributions(rng, 2, 3, np.float64)
    theirs = _messages(lambda: F.kl_div(torch.from_numpy(x), torch.from_numpy(t), **kwargs))
    for _ in range(2):
        assert _messages(lambda: LF.kl_div(x, t, **kwargs)) == theirs
    # The backward is not a second forward call: it does not repeat the 'mean' warning.
    with _quiet():
        g = np.ones(LF.kl_div(x, t, **kwargs).shape)
    backward = _messages(lambda: LF.kl_div_backward(g, x, t, **kwargs))
    assert not [m for _, m in backward if "batchmean" in m]


@pytest.mark.parametrize(
    "legacy", [dict(reduce=False), dict(size_average=False), dict(size_average=True), dict(reduce=True)]
)
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "not-checked"])
def test_kl_legacy_arguments(rng, legacy, reduction):
    # The legacy pair overrides `reduction` (which torch then does not validate), yet
    # reduction='batchmean' still divides the result by the batch size afterwards.
    x, t = rng.normal(size=(2, 3)), rng.uniform(size=(2, 3))
    with _quiet():
        compare("kl_div", input=x, target=t, reduction=reduction, **legacy)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(reduction="batch_mean"), ValueError, "reduction"),
        (dict(log_target=1), TypeError, "log_target"),
        (dict(log_target=None), TypeError, "log_target"),
        (dict(input=np.ones((2, 3), dtype=np.int64)), TypeError, "input"),
        (dict(target=np.ones((2, 3), dtype=np.int64)), TypeError, "target"),
        (dict(target=np.ones((2, 3), dtype=bool)), TypeError, "target"),
        (dict(input=None), TypeError, "input"),
        (dict(target=None), TypeError, "target"),
        (dict(input=np.ones((2, 3), complex)), TypeError, "input"),
        (dict(target=np.ones((2, 4))), ValueError, "target"),
    ],
)
def test_kl_bad_input(kwargs, error, match):
    args = dict(input=np.ones((2, 3)), target=np.full((2, 3), 0.5), reduction="sum")
    args.update(kwargs)
    with _quiet():
        with pytest.raises(error, match=match):
            LF.kl_div(**args)
        with pytest.raises(error, match=match):
            LF.kl_div_backward(1.0, **args)


def test_kl_torch_refuses_the_same():
    x = torch.ones(2, 3)
    for args, kwargs in [((x, x), dict(reduction="avg")), ((x, x), dict(log_target=1)),
                         ((x.long(), x), {}), ((x, x.long()), {}), ((x, x.bool()), {}),
                         ((x, torch.ones(2, 4)), {})]:
        with _quiet(), pytest.raises((ValueError, TypeError, RuntimeError)):
            F.kl_div(*args, **kwargs)


def test_kl_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.kl_div_backward(np.ones(3), np.ones((2, 3)), np.ones((2, 3)), reduction="none")
    with pytest.raises(ValueError, match="grad_output"):
        LF.kl_div_backward(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), reduction="batchmean")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_gradcheck(rng, reduction, log_target):
    with _quiet():
        gradcheck_as_torch("kl_div", input=rng.normal(size=(3, 4)),
                           target=_distributions(rng, 3, 4, np.float64, log=log_target),
                           reduction=reduction, log_target=log_target)
