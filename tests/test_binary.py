"""lossedu.functional binary and multi-label losses against torch, forward and gradient."""
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

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]
SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
BCE, BCEL = "binary_cross_entropy", "binary_cross_entropy_with_logits"
SOFT, MLSM = "soft_margin_loss", "multilabel_soft_margin_loss"


def option_shape(kind, shape):
    """Shapes an optional weight can take relative to the input's `shape` (all broadcast to it)."""
    return {
        "same": shape,
        "last": shape[-1:],  # per class: (C,) on (N, C)
        "ones": (1,) * len(shape),
        "scalar": (),
    }[kind]


def probabilities(rng, shape, dtype):
    return rng.uniform(0.02, 0.98, size=shape).astype(dtype)


def positive(rng, shape, dtype):
    return rng.uniform(0.3, 2.5, size=shape).astype(dtype)


def option(rng, kind, shape, dtype):
    return None if kind is None else positive(rng, option_shape(kind, shape), dtype)


def torch_grad(name, x, **kwargs):
    """torch's input gradient of `name(x, **kwargs)` summed, for exact single-value checks."""
    xt = torch.from_numpy(x).requires_grad_(True)
    out = getattr(F, name)(xt, **{k: torch.from_numpy(v) for k, v in kwargs.items()}, reduction="sum")
    out.backward()
    return xt.grad.numpy()


# ----------------------------------------------------------------------------- binary_cross_entropy
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("weight", [None, "same", "last", "ones", "scalar"])
def test_bce_matches_torch(rng, dtype, reduction, shape, weight):
    compare(BCE, input=probabilities(rng, shape, dtype), target=rng.uniform(0, 1, shape).astype(dtype),
            weight=option(rng, weight, shape, dtype), reduction=reduction)


@st.composite
def same_shape_pair(draw, first, second, min_dims=0, dtype=np.float64):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=0, max_side=4))
    return draw(hnp.arrays(dtype, shape, elements=first)), draw(hnp.arrays(dtype, shape, elements=second))


UNIT = st.floats(0, 1)


@given(same_shape_pair(UNIT, UNIT), st.sampled_from(REDUCTIONS), st.booleans())
def test_bce_hypothesis(xy, reduction, weighted):
    x, y = xy
    w = np.linspace(0.5, 2, x.shape[-1]) if weighted and x.ndim else None
    compare(BCE, input=x, target=y, weight=w, reduction=reduction)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_log_clamp_at_exact_zero_and_one(dtype):
    # §3.1: each log is clamped at −100 separately, so these all cost 100, never inf.
    x = np.array([0.0, 1e-30, 1.0, 0.0, 1.0, 0.5], dtype)
    y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.5], dtype)
    out = compare(BCE, input=x, target=y, reduction="none")
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_small_probabilities_use_log1p(dtype):
    # log(1 − x) would lose ~1e-7 relative accuracy at x = 1e-10; torch uses log1p(−x).
    x = np.array([1e-10, 1e-7, 3e-5, 1 - 1e-6], dtype)
    compare(BCE, input=x, target=np.zeros(4, dtype), reduction="none", atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_gradient_epsilon_is_float32_1e_12(dtype):
    # §3.2: the denominator floor is float32(1e-12), even in float64.
    x, y = np.array([0.0, 1.0, 0.0, 1.0], dtype), np.array([0.5, 0.5, 0.0, 1.0], dtype)
    compare(BCE, input=x, target=y, reduction="sum", grad_output=dtype(1.0))
    ours = LF.binary_cross_entropy_backward(1.0, x[:1], y[:1], reduction="sum")
    assert ours[0] == pytest.approx(torch_grad(BCE, x[:1], target=y[:1])[0], rel=1e-12)


def test_bce_array_likes_and_numpy_scalars():
    compare(BCE, input=np.float64(0.25), target=np.float64(1.0))
    out = LF.binary_cross_entropy([0.2, 0.7], [0.0, 1.0], reduction="none")
    expected = LF.binary_cross_entropy(np.array([0.2, 0.7]), np.array([0.0, 1.0]), reduction="none")
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("wdtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_weight_dtype_never_changes_the_result_dtype(rng, dtype, wdtype):
    x = probabilities(rng, (3, 4), dtype)
    out = compare(BCE, input=x, target=probabilities(rng, (3, 4), dtype),
                  weight=np.arange(1, 5).astype(wdtype), reduction="none")
    assert out.dtype == dtype


# ----------------------------------------------------------------------------- with logits
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("weight", [None, "same", "last"])
@pytest.mark.parametrize("pos_weight", [None, "same", "last", "ones"])
def test_bce_logits_matches_torch(rng, dtype, reduction, shape, weight, pos_weight):
    compare(BCEL, input=rng.normal(0, 3, size=shape).astype(dtype),
            target=rng.uniform(0, 1, size=shape).astype(dtype),
            weight=option(rng, weight, shape, dtype), pos_weight=option(rng, pos_weight, shape, dtype),
            reduction=reduction)


@given(same_shape_pair(st.floats(-1e4, 1e4), st.floats(-0.5, 1.5)), st.sampled_from(REDUCTIONS),
       st.sampled_from([None, 0.25, 3.0]))
def test_bce_logits_hypothesis(xy, reduction, pw):
    x, y = xy
    compare(BCEL, input=x, target=y, reduction=reduction,
            pos_weight=None if pw is None else np.full(x.shape[-1:], pw))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pos_weight", [None, 2.0])
def test_bce_logits_extremes_are_finite(dtype, pos_weight):
    # §3.6: the softplus form is finite for |x| = 1e4 (x = −1e4, y = 1 costs 1e4, or 2e4 with pw = 2).
    x = np.array([-1e4, 1e4, -1e4, 1e4, -1000.0, 1000.0, 0.0], dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0], dtype)
    pw = None if pos_weight is None else np.array([pos_weight], dtype)
    out = compare(BCEL, input=x, target=y, pos_weight=pw, reduction="none")
    assert np.all(np.isfinite(out))


@pytest.mark.filterwarnings("error")
def test_bce_logits_infinite_and_nan_logits():
    x = np.array([np.inf, -np.inf, np.nan, np.inf, -np.inf])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    compare(BCEL, input=x, target=y, reduction="none")
    compare(BCEL, input=x, target=y, reduction="none", pos_weight=np.array([2.0]))


def test_bce_logits_targets_are_not_range_checked():
    # §3.7: y = 2 gives a negative loss, no error.
    out = compare(BCEL, input=np.array([1.0, -0.5]), target=np.array([2.0, -1.0]), reduction="none")
    assert out[0] < 0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_logits_pos_weight_gradient(rng, reduction):
    # §3.8: ∂x = w·((pw·y + 1 − y)σ(x) − pw·y) with per-class weights on an (N, C) batch.
    compare(BCEL, input=rng.normal(size=(6, 3)), target=(rng.uniform(size=(6, 3)) > 0.5).astype(float),
            weight=np.array([1.0, 0.5, 2.0]), pos_weight=np.array([4.0, 1.0, 0.25]), reduction=reduction)


@pytest.mark.parametrize(
    "xdtype, ydtype, wdtype, rtol",
    [
        # torch evaluates log σ(x) in float32 and promotes afterwards: its float32 libm and
        # numpy's differ by an ulp there, so the float64 result agrees to float32 accuracy only.
        (np.float32, np.float64, None, 1e-6),
        (np.float64, np.float32, None, None),
        (np.float32, np.float32, np.float64, None),
        (np.float64, np.float64, np.float32, None),
        (np.float32, np.float32, np.int64, None),
    ],
)
def test_bce_logits_mixed_dtypes(rng, xdtype, ydtype, wdtype, rtol):
    # The result has the target's dtype; weight and pos_weight never change it.
    w = None if wdtype is None else np.array([1, 2, 3, 2]).astype(wdtype)
    out = compare(BCEL, input=rng.normal(size=(3, 4)).astype(xdtype),
                  target=rng.uniform(size=(3, 4)).astype(ydtype), weight=w, pos_weight=w, rtol=rtol)
    assert out.dtype == ydtype


# ----------------------------------------------------------------------------- soft margin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("target", ["sign", "real", "int", "last"])
def test_soft_margin_matches_torch(rng, dtype, reduction, shape, target):
    x = rng.normal(0, 2, size=shape).astype(dtype)
    signs = np.where(rng.uniform(size=shape) > 0.5, 1, -1)
    y = {
        "sign": signs.astype(dtype),
        "real": rng.normal(size=shape).astype(dtype),
        "int": signs,
        "last": np.where(rng.uniform(size=shape[-1:]) > 0.5, 1.0, -1.0).astype(dtype),  # broadcast, no warning
    }[target]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(SOFT, input=x, target=y, reduction=reduction)
    assert out.dtype == dtype


@given(
    st.sampled_from(DTYPES).flatmap(
        lambda dt: same_shape_pair(st.floats(-1e3, 1e3, width=32), st.sampled_from([-1.0, 1.0, 0.5]), dtype=dt)
    ),
    st.sampled_from(REDUCTIONS),
)
def test_soft_margin_hypothesis(xy, reduction):
    # Includes logits past the overflow point, where torch (and we) give inf and a nan gradient.
    x, y = xy
    compare(SOFT, input=x, target=y, reduction=reduction)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", DTYPES)
def test_soft_margin_overflows_like_torch(dtype):
    # §3.38: naive log1p(exp(−yx)): inf loss and nan gradient past ~709.78 (float64) / ~88.72 (float32).
    big = 709.8 if dtype == np.float64 else 88.8
    x = np.array([-1000.0, -big, -big + 1, 1000.0, 0.0, 3.0, np.nan], dtype)
    y = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0], dtype)
    out = compare(SOFT, input=x, target=y, reduction="none")
    assert np.isinf(out[0]) and np.isinf(out[1]) and np.isfinite(out[2])
    assert np.isnan(LF.soft_margin_loss_backward(np.ones(7, dtype), x, y, reduction="none")[:2]).all()


@pytest.mark.filterwarnings("error")
def test_soft_margin_mixed_dtypes_keep_the_input_dtype(rng):
    x32, x64 = np.array([-100.0, 3.0, -0.5], np.float32), rng.normal(size=3)
    # float32 input, float64 target: the float64 e^{−yx} is finite but y·e^{−yx} overflows float32.
    assert compare(SOFT, input=x32, target=np.array([1.0, -1.0, 1.0]), reduction="none").dtype == np.float32
    assert compare(SOFT, input=x64, target=np.array([1.0, -1.0, 1.0], np.float32)).dtype == np.float64
    assert compare(SOFT, input=x32, target=np.array([1, -1, 1])).dtype == np.float32
    # torch's own backward fails on a bool target (it negates it); its forward is fine.
    compare(SOFT, grad=False, input=x64, target=np.array([True, False, True]))


# ----------------------------------------------------------------------------- multi-label soft margin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES[1:])
@pytest.mark.parametrize("weight", [None, "last", "same", "row"])
def test_mlsm_matches_torch(rng, dtype, reduction, shape, weight):
    x = rng.normal(0, 2, size=shape).astype(dtype)
    y = (rng.uniform(size=shape) > 0.5).astype(dtype)
    w = positive(rng, shape[:-1] + (1,), dtype) if weight == "row" else option(rng, weight, shape, dtype)
    out = compare(MLSM, input=x, target=y, weight=w, reduction=reduction)
    assert out.shape == (shape[:-1] if reduction == "none" else ())


@given(same_shape_pair(st.floats(-1e4, 1e4), UNIT, min_dims=1), st.sampled_from(REDUCTIONS), st.booleans())
def test_mlsm_hypothesis(xy, reduction, weighted):
    x, y = xy
    w = np.linspace(2, 0.5, x.shape[-1]) if weighted else None
    compare(MLSM, input=x, target=y, weight=w, reduction=reduction)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", DTYPES)
def test_mlsm_extreme_logits(dtype):
    x = np.array([[-1e4, 1e4, -1000.0, 1000.0], [np.inf, -np.inf, np.nan, 0.0]], dtype)
    y = np.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.5]], dtype)
    out = compare(MLSM, input=x, target=y, reduction="none")
    assert np.isfinite(out[0])


def test_mlsm_class_axis_is_the_last(rng):
    # §3.39: a (2, 3, 4) input has 4 classes and a (2, 3) 'none' loss.
    out = compare(MLSM, input=rng.normal(size=(2, 3, 4)), target=rng.uniform(size=(2, 3, 4)),
                  weight=positive(rng, (4,), np.float64), reduction="none")
    assert out.shape == (2, 3)


@pytest.mark.parametrize(
    "xshape, yshape, wshape",
    [((3, 4), (2, 3, 4), None), ((4,), (3, 4), None), ((3, 4), (3, 1), None), ((3, 1), (3, 4), None),
     ((3, 4), (3, 4), (2, 3, 1)), ((3, 4), (4,), (3, 1))],
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mlsm_broadcasting_follows_torch(rng, xshape, yshape, wshape, reduction):
    # torch broadcasts target and weight freely and sums over axis input.ndim − 1 of the result.
    compare(MLSM, input=rng.normal(size=xshape), target=rng.uniform(size=yshape),
            weight=None if wshape is None else positive(rng, wshape, np.float64), reduction=reduction)


@pytest.mark.parametrize(
    "xdtype, ydtype, wdtype, rtol",
    [
        (np.float32, np.float64, None, 1e-6),  # log σ(x) in float32, then promoted (see bce_logits)
        (np.float64, np.float32, None, None),
        (np.float32, np.int64, None, None),
        (np.float32, np.float32, np.float64, 1e-6),
        (np.float32, np.float32, np.int64, None),
    ],
)
def test_mlsm_mixed_dtypes_promote(rng, xdtype, ydtype, wdtype, rtol):
    x = rng.normal(size=(3, 4)).astype(xdtype)
    y = (rng.uniform(size=(3, 4)) > 0.5).astype(ydtype)
    w = None if wdtype is None else np.array([1, 2, 3, 2]).astype(wdtype)
    out = compare(MLSM, input=x, target=y, weight=w, rtol=rtol)
    assert out.dtype == np.result_type(*[a for a in (x, y, w) if a is not None and a.dtype.kind == "f"])


@pytest.mark.parametrize(
    "name, kwargs",
    [
        (MLSM, dict(target=np.float64(1.0))),
        (MLSM, dict(target=np.full((3, 4), 0.5, np.float32), weight=np.array(2.0))),
        (MLSM, dict(target=np.array(0.3), weight=np.array([1.0, 2.0, 3.0, 4.0]))),
        (SOFT, dict(target=np.array(1.0))),
        (BCEL, dict(target=np.full((3, 4), 0.5, np.float32), pos_weight=np.array(3.0), weight=np.array(0.5))),
    ],
)
def test_zero_dim_float64_operands_do_not_widen_float32(name, kwargs):
    # torch's promotion: a 0-d float64 next to a float32 array with dimensions computes in float32.
    x = np.array([[-100.0, -3.0, 0.5, 2.0]] * 3, np.float32)  # −100: float32 e^{100} overflows
    compare(name, input=x, reduction="none", rtol=1e-6, **kwargs)  # float32 log σ, see mixed dtypes


# ----------------------------------------------------------------------------- shared rules
@pytest.mark.parametrize("name", [BCE, BCEL, SOFT, MLSM])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float16_works_as_in_torch(rng, name, reduction):
    x = probabilities(rng, (3, 4), np.float16) if name == BCE else rng.normal(size=(3, 4)).astype(np.float16)
    y = (rng.uniform(size=(3, 4)) > 0.5).astype(np.float16)
    assert compare(name, input=x, target=y, reduction=reduction).dtype == np.float16


@pytest.mark.parametrize("name", [BCE, BCEL, SOFT, MLSM])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_inputs(name, shape, reduction):
    compare(name, input=np.full(shape, 0.5), target=np.zeros(shape), reduction=reduction)


@pytest.mark.parametrize("name", [BCE, BCEL, SOFT])
def test_elementwise_mean_warns_and_means(rng, name):
    x, y = probabilities(rng, (2, 3), np.float64), probabilities(rng, (2, 3), np.float64)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        out = getattr(LF, name)(x, y, reduction="elementwise_mean")
    np.testing.assert_allclose(out, getattr(F, name)(torch.from_numpy(x), torch.from_numpy(y)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", [BCE, BCEL, SOFT, MLSM])
def test_legacy_arguments(rng, name):
    x, y = probabilities(rng, (2, 3), np.float64), probabilities(rng, (2, 3), np.float64)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = getattr(LF, name)(x, y, size_average=False, reduction="mean")
    expected = getattr(F, name)(torch.from_numpy(x), torch.from_numpy(y), reduction="sum").numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    with pytest.warns(UserWarning):
        assert getattr(LF, name)(x, y, reduce=False).shape == ((2,) if name == MLSM else (2, 3))


BAD = {
    BCE: [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(target=np.full((3,), 0.5)), ValueError, "target"),
        (dict(input=np.full((2, 3, 1), 0.5), target=np.full((2, 3), 0.5)), ValueError, "target"),
        (dict(weight=np.ones(2)), ValueError, "weight"),
        (dict(weight=np.ones((2, 2, 3))), ValueError, "weight"),
        (dict(weight=np.ones((1, 2, 3))), ValueError, "weight"),
        (dict(weight=np.array(["a", "b", "c"])), TypeError, "weight"),
        (dict(input=np.ones((2, 3), np.int64), target=np.ones((2, 3), np.int64)), TypeError, "input"),
        (dict(target=np.ones((2, 3), np.int64)), TypeError, "target"),
        (dict(target=np.full((2, 3), 0.5, np.float32)), TypeError, "target"),
        (dict(input=np.full((2, 3), 0.5, np.float32)), TypeError, "target"),
        (dict(input=np.full((2, 3), 1.5)), ValueError, "input"),
        (dict(input=np.full((2, 3), -0.1)), ValueError, "input"),
        (dict(input=np.full((2, 3), np.nan)), ValueError, "input"),
        (dict(target=np.full((2, 3), 1.5)), ValueError, "target"),
        (dict(target=np.full((2, 3), np.nan)), ValueError, "target"),
        (dict(input=None), TypeError, "input"),
    ],
    BCEL: [
        (dict(reduction="batchmean"), ValueError, "reduction"),
        (dict(target=np.full((3,), 0.5)), ValueError, "target"),
        (dict(weight=np.ones(2)), ValueError, "weight"),
        (dict(weight=np.ones((1, 2, 3))), ValueError, "weight"),
        (dict(pos_weight=np.ones(2)), ValueError, "pos_weight"),
        (dict(pos_weight=np.ones((2, 2, 3))), ValueError, "pos_weight"),
        (dict(pos_weight=np.array(["a", "b", "c"])), TypeError, "pos_weight"),
        (dict(input=np.float64(0.5), target=np.float64(1.0), pos_weight=np.ones(1)), ValueError, "pos_weight"),
        (dict(target=np.ones((2, 3), np.int64)), TypeError, "target"),
        (dict(target=np.ones((2, 3), bool)), TypeError, "target"),
        (dict(input=np.ones((2, 3), np.int64)), TypeError, "input"),
    ],
    SOFT: [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(target=np.ones((2, 2, 3))), ValueError, "target"),
        (dict(target=np.ones((1, 2, 3))), ValueError, "target"),
        (dict(target=np.ones(2)), ValueError, "target"),
        (dict(input=np.float64(0.5), target=np.ones(1)), ValueError, "target"),
        (dict(input=np.ones((2, 3), np.int64)), TypeError, "input"),
        (dict(target=np.array(["a", "b", "c"])), TypeError, "target"),
    ],
    MLSM: [
        (dict(reduction="elementwise_mean"), ValueError, "reduction"),
        (dict(reduction="bad"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(input=np.float64(0.5), target=np.float64(1.0)), ValueError, "input"),
        (dict(weight=np.ones(2)), ValueError, "weight"),
        (dict(target=np.ones((2, 4))), ValueError, "target"),
        (dict(input=np.ones((2, 3), np.int64)), TypeError, "input"),
        (dict(target=np.ones((2, 3), bool)), TypeError, "target"),
    ],
}


@pytest.mark.parametrize(
    "name, kwargs, error, match",
    [(name, *case) for name, cases in BAD.items() for case in cases],
)
def test_bad_input(name, kwargs, error, match):
    args = dict(input=np.full((2, 3), 0.5), target=np.full((2, 3), 0.25))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        getattr(LF, name)(**args)
    with pytest.raises(error, match=match):
        getattr(LF, f"{name}_backward")(1.0, **args)


@pytest.mark.parametrize("name", [BCE, BCEL, SOFT, MLSM])
def test_backward_checks_grad_output_shape(name):
    x = np.full((2, 3), 0.5)
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{name}_backward")(np.ones(5), x, x, reduction="none")
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{name}_backward")(np.ones(2), x, x, reduction="sum")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck(rng, reduction):
    x, y = rng.uniform(0.1, 0.9, size=(3, 4)), rng.uniform(size=(3, 4))
    w = rng.uniform(0.5, 1.5, size=(4,))
    gradcheck_as_torch(BCE, input=x, target=y, weight=w, reduction=reduction)
    gradcheck_as_torch(BCEL, input=rng.normal(size=(3, 4)), target=y, weight=w,
                       pos_weight=rng.uniform(0.5, 3, size=(4,)), reduction=reduction)
    gradcheck_as_torch(SOFT, input=rng.normal(size=(3, 4)), target=np.sign(y - 0.5), reduction=reduction)
    gradcheck_as_torch(MLSM, input=rng.normal(size=(3, 4)), target=y, weight=w, reduction=reduction)
