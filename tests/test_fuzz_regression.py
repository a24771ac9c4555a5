"""Fuzz classes of issue 10 for the regression losses: float16, mixed precision, overflow order.

Every case is compared with torch (forward and, where torch can, the gradient) through
`torchref.compare`, at the tolerance of the result's dtype. Each class failed on the code before
the fix: float16 means over more than 65 504 elements (g/N rounded to 0 in half), float16 sums
that pass 65 504 while the mean does not, and mse's 'mean' gradient at |d| = 1e308 (2d overflowed).
"""
import contextlib
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
from torchref import TOL, compare

LOSSES = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"]
WEIGHTED = ["l1_loss", "mse_loss", "huber_loss"]
REDUCTIONS = ["none", "sum", "mean"]
h = np.float16


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _compare(name, **kwargs):
    """compare(), without torch's backward where torch 2.13 refuses it (huber with mixed dtypes).

    With arrays of several float dtypes, at the tolerance of the narrowest: e.g. a float32 weight
    is summed in float32 before a float64 division, and torch's float32 summation order is not
    numpy's (an ulp of float32 apart), so the float64 result carries a float32 error.
    """
    dtypes = {np.asarray(kwargs[k]).dtype for k in ("input", "target", "weight") if kwargs.get(k) is not None}
    grad = not (name == "huber_loss" and len(dtypes) > 1)
    floats = [d for d in dtypes if d.kind == "f"]
    narrowest = min(floats, key=lambda d: d.itemsize).type
    tol = TOL[narrowest] if len(floats) > 1 else {}
    with _quiet():
        return compare(name, grad=grad, **tol, **kwargs)


# ----------------------------------------------------------------------------- float16
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float16_mean_of_many_elements_accumulates_in_float32(name, reduction):
    # the case: mse of 30 000 threes is 9 in torch (a float16 running sum passes 65 504)
    x, y = np.full(30000, 3, h), np.zeros(30000, h)
    out = _compare(name, input=x, target=y, reduction=reduction)
    if reduction == "mean":
        assert np.isfinite(out)


@pytest.mark.parametrize("name", LOSSES)
def test_float16_mean_gradient_over_more_elements_than_float16_holds(name):
    # N = 100 000 > 65 504: g/N must not be computed as g / float16(N) = g / inf = 0
    x, y = np.full(100000, 3, h), np.zeros(100000, h)
    g = np.float16(1.0)
    compare(name, input=x, target=y, reduction="mean", grad_output=g)
    assert LF.__dict__[f"{name}_backward"](g, x, y)[0] > 0


@pytest.mark.parametrize("name", WEIGHTED)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float16_weighted(name, reduction):
    # Σw·ℓ and Σw are summed in float32 and rounded to half once, as torch.sum does
    x, y = np.full(20000, 1.5, h), np.zeros(20000, h)
    w = np.full(20000, 3, h)
    _compare(name, input=x, target=y, weight=w, reduction=reduction)
    w = np.linspace(0, 2, 20000).astype(h)
    _compare(name, input=x, target=y, weight=w, reduction=reduction)


@pytest.mark.parametrize("name, options", [("l1_loss", {}), ("mse_loss", {}), ("smooth_l1_loss", {"beta": 1.0}),
                                           ("smooth_l1_loss", {"beta": 1000.0}), ("huber_loss", {"delta": 1.0}),
                                           ("huber_loss", {"delta": 1000.0})])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float16_near_the_top_of_its_range(name, options, reduction):
    # d = 300: d² = 90 000 > 65 504 is inf in torch's half kernel (mse 'none' and so 'mean');
    # smooth L1 with β = 1000 computes ½d·d in half inside |d| < β: inf at d = 400, 45 at d = 300
    x = np.array([300, -300, 400, 250, 1, 60000, -60000, 0.5], h)
    y = np.array([0, 0, 0, 0, 0, -60000, 60000, 0], h)
    _compare(name, input=x, target=y, reduction=reduction, **options)


def test_float16_mse_none_overflows_like_torch():
    out = _compare("mse_loss", input=np.array([300, 3], h), target=np.zeros(2, h), reduction="none")
    assert np.isinf(out[0]) and out[1] == 9


# ----------------------------------------------------------------------------- mixed precision
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("x_dtype, y_dtype", [(np.float64, h), (h, np.float64), (np.float32, h), (h, np.float32)])
def test_float16_target_beside_a_wider_input(rng, name, reduction, x_dtype, y_dtype):
    # nothing is computed in half once the other array is wider: 1e-4 and 3e-8 survive
    x = (rng.normal(scale=200, size=8)).astype(x_dtype)
    y = np.array([0.1, 0.2, 1e-4, 3e-8, -300, 250, 2, 0]).astype(y_dtype)
    out = _compare(name, input=x, target=y, reduction=reduction)
    assert out.dtype == (x_dtype if name == "huber_loss" else np.result_type(x_dtype, y_dtype))


@pytest.mark.parametrize("name", WEIGHTED)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("x_dtype, w_dtype", [(np.float64, h), (np.float32, h), (h, np.float64), (h, np.float32),
                                              (h, np.int32), (h, np.bool_), (np.float64, np.int64)])
def test_weight_dtypes_mixed_with_half(rng, name, reduction, x_dtype, w_dtype):
    x = rng.normal(scale=100, size=(3, 4)).astype(x_dtype)
    y = rng.normal(scale=100, size=(3, 4)).astype(x_dtype)
    w = rng.integers(0, 3, size=(3, 4)).astype(w_dtype)
    w.flat[0] = 1
    _compare(name, input=x, target=y, weight=w, reduction=reduction)


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("int_dtype", [np.int32, np.int64, np.uint8])
def test_integer_target_with_half_input_stays_half(rng, name, int_dtype):
    x = rng.normal(scale=3, size=6).astype(h)
    y = rng.integers(0, 5, size=6).astype(int_dtype)
    for reduction in REDUCTIONS:
        assert _compare(name, input=x, target=y, reduction=reduction).dtype == h


# ----------------------------------------------------------------------------- overflow order
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("g", [1.0, 0.25, 3.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_mse_backward_with_a_target_of_1e308_follows_torchs_order(reduction, g, weighted):
    # torch's kernel computes (2/N)·d·g: with 'mean' and N ≥ 2 that is finite at d = −1e308, where
    # 2d (and autograd's order for a weighted loss, or 'none'/'sum') gives −inf
    x = np.array([0.0, 0.0, -1e308, 1.0])
    y = np.array([1e308, 1.0, 1e308, -1e308])
    options = {"weight": np.array([1.0, 2.0, 0.5, 1.0])} if weighted else {}
    grad_output = np.full(4, g) if reduction == "none" else np.float64(g)
    compare("mse_loss", input=x, target=y, reduction=reduction, grad_output=grad_output, **options)


def test_mse_mean_gradient_at_1e308_is_finite():
    grad = LF.mse_loss_backward(1.0, np.zeros(2), np.array([1e308, 1.0]))
    assert np.all(np.isfinite(grad)) and grad[0] == -1e308


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, h])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_extremes_of_each_dtype(name, dtype, reduction):
    big = float(np.finfo(dtype).max)
    x = np.array([big, -big, big / 2, 0.6 * big, np.finfo(dtype).tiny, 1.0, -0.0, np.inf], dtype)
    y = np.array([-big, big, -big / 2, 0.0, 0.0, -1.0, 0.0, 1.0], dtype)
    options = {"beta": 2.0} if name == "smooth_l1_loss" else {"delta": 2.0} if name == "huber_loss" else {}
    _compare(name, input=x, target=y, reduction=reduction, **options)


# ----------------------------------------------------------------------------- grid and hypothesis
MAGNITUDES = {np.float64: [1.0, 1e150, 1e300], np.float32: [1.0, 1e18, 1e36], h: [1.0, 100.0, 3e4]}


@pytest.mark.parametrize("name, dtype", list(itertools.product(LOSSES, [np.float64, np.float32, h])))
def test_grid_of_dtypes_magnitudes_reductions_and_weights(rng, name, dtype):
    for scale, reduction, weighted in itertools.product(MAGNITUDES[dtype], REDUCTIONS, [False, True]):
        if weighted and name == "smooth_l1_loss":
            continue
        with np.errstate(over="ignore"):  # a float16 beyond 65 504 is inf, on purpose
            x = (rng.normal(size=(3, 5)) * scale).astype(dtype)
            y = (rng.normal(size=(3, 5)) * scale).astype(dtype)
        options = {"weight": rng.uniform(0, 2, size=(3, 5)).astype(dtype)} if weighted else {}
        if name in ("smooth_l1_loss", "huber_loss"):
            options["beta" if name == "smooth_l1_loss" else "delta"] = float(scale)
        _compare(name, input=x, target=y, reduction=reduction, **options)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(LOSSES),
    st.sampled_from([np.float64, np.float32, h]),
    st.sampled_from([np.float64, np.float32, h]),
    st.sampled_from(REDUCTIONS),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 1e-3, 0.5, 1.0, 7.0, 1e4]),
    st.booleans(),
)
def test_hypothesis_dtypes_and_extremes(name, x_dtype, y_dtype, reduction, seed, threshold, weighted):
    rng = np.random.default_rng(seed)
    exponent = rng.uniform(-3, np.log10(float(np.finfo(min(x_dtype, y_dtype, key=lambda d: np.finfo(d).max)).max)), 6)
    x = (rng.choice([-1, 1], 6) * 10.0 ** exponent).astype(x_dtype)
    y = (rng.choice([-1, 1], 6) * 10.0 ** rng.permutation(exponent)).astype(y_dtype)
    options = {}
    if weighted and name in WEIGHTED:
        options["weight"] = rng.uniform(0, 3, 6).astype(rng.choice([np.float64, np.float32, h]))
    if name == "smooth_l1_loss":
        options["beta"] = threshold
    if name == "huber_loss":
        options["delta"] = threshold or 1.0
    _compare(name, input=x, target=y, reduction=reduction, **options)
