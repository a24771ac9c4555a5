"""lossedu.functional margin losses against torch, forward and gradient.

hinge_embedding_loss, multi_margin_loss and multilabel_margin_loss: every reduction, dtype and
option; unbatched and 0-d shapes; ties at the kink; NaN/inf scores; bad inputs; gradcheck.
"""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
import torchref
from torchref import compare, gradcheck_as_torch

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]
ONE = np.float64(1.0)  # a fixed upstream gradient, to read off the raw ∂ℓ/∂x
nan, inf = np.nan, np.inf


def values(dtype=np.float64):
    return st.floats(-10, 10, width=np.dtype(dtype).itemsize * 8)


def assert_refused(name, args, error, match, torch_refuses=True):
    """Our forward and backward both raise `error` naming the argument; torch refuses too."""
    torchref.assert_refused(name, error, match, torch_refuses=torch_refuses, **args)

def test_module_exports_the_family():
    from lossedu.functional import margin

    assert sorted(margin.__all__) == sorted(
        f"{n}{s}" for n in ("hinge_embedding_loss", "multi_margin_loss", "multilabel_margin_loss")
        for s in ("", "_backward")
    )


# ============================================================================= hinge_embedding_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, -0.5, 2])
def test_hinge_matches_torch(rng, dtype, reduction, margin):
    x = rng.normal(size=(4, 5)).astype(dtype)
    t = rng.choice([-1.0, 1.0], size=(4, 5)).astype(dtype)
    compare("hinge_embedding_loss", input=x, target=t, margin=margin, reduction=reduction)


@given(
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
    st.sampled_from(REDUCTIONS),
    st.floats(-3, 3),
    st.sampled_from(DTYPES),
    st.data(),
)
def test_hinge_hypothesis(shapes, reduction, margin, dtype, data):
    x_shape, t_shape = shapes.input_shapes
    x = data.draw(hnp.arrays(dtype, x_shape, elements=values(dtype)))
    t = data.draw(hnp.arrays(np.float64, t_shape, elements=st.sampled_from([-1.0, 1.0, 0.0, 2.0, 0.5])))
    compare("hinge_embedding_loss", input=x, target=t, margin=margin, reduction=reduction)


def test_hinge_non_pm1_targets_get_both_terms():
    # reference §3 case 37: [max(0, 1 − x) + x] = [1, 1]
    out = compare("hinge_embedding_loss", input=np.array([0.3, 0.7]), target=np.array([0.0, 2.0]),
                  reduction="none")
    np.testing.assert_allclose(out, [1.0, 1.0])


@pytest.mark.parametrize("margin", [1.0, -0.5, 0.0])
def test_hinge_tie_at_margin_is_active(margin):
    # clamp_min's backward uses ≥: at x == margin with t = −1 the gradient is −1, not 0
    x = np.array([margin, margin, margin])
    t = np.array([-1.0, 1.0, 0.0])
    compare("hinge_embedding_loss", input=x, target=t, margin=margin, reduction="sum", grad_output=ONE)
    np.testing.assert_array_equal(LF.hinge_embedding_loss_backward(ONE, x, t, margin, reduction="sum"),
                                  [-1.0, 1.0, 0.0])


def test_hinge_nan_and_inf():
    # nan input: nan loss; gradient 0 for t = −1 (the ≥ test fails), the x slope 1 otherwise;
    # ±inf scores are selected, not multiplied by 0; nan targets get both terms.
    x = np.array([nan, nan, nan, inf, -inf, -inf, inf, 0.5])
    t = np.array([1.0, -1.0, 0.0, -1.0, -1.0, 0.0, 1.0, nan])
    compare("hinge_embedding_loss", input=x, target=t, reduction="none", grad_output=np.ones(8))
    compare("hinge_embedding_loss", input=x[:4], target=t[:4], reduction="mean")


@pytest.mark.parametrize(
    "x_shape, t_shape", [((4,), (3, 4)), ((3, 1), (4,)), ((2, 3), (2, 3)), ((), (3,)), ((3,), ())]
)
def test_hinge_broadcasts_silently_and_sums_gradient_back(rng, x_shape, t_shape):
    x = rng.normal(size=x_shape)
    t = np.asarray(rng.choice([-1.0, 1.0], size=t_shape))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch does not warn here, so neither do we
        for reduction in REDUCTIONS:
            compare("hinge_embedding_loss", input=x, target=t, reduction=reduction)


@pytest.mark.parametrize("t_dtype", [np.int64, np.int32, np.bool_, np.float32])
def test_hinge_target_dtypes(rng, t_dtype):
    x = rng.normal(size=6)
    t = np.array([1, -1, 0, 2, 1, 0]).astype(t_dtype)
    compare("hinge_embedding_loss", input=x, target=t, reduction="none")


@pytest.mark.parametrize("x_dtype, t_dtype", [(np.float32, np.float64), (np.float64, np.float32)])
def test_hinge_mixed_dtypes_follow_input(rng, x_dtype, t_dtype):
    x = rng.normal(size=5).astype(x_dtype)
    t = rng.choice([-1.0, 1.0], size=5).astype(t_dtype)
    out = compare("hinge_embedding_loss", input=x, target=t)
    assert out.dtype == x_dtype


def test_hinge_empty_and_0d(rng):
    for reduction in REDUCTIONS:
        compare("hinge_embedding_loss", input=np.zeros(0), target=np.zeros(0), reduction=reduction)
        compare("hinge_embedding_loss", input=np.array(0.25), target=np.array(-1.0), reduction=reduction)


def test_hinge_array_likes():
    out = LF.hinge_embedding_loss([0.3, 2.0], [1, -1], margin=1, reduction="none")
    expected = F.hinge_embedding_loss(torch.tensor([0.3, 2.0], dtype=torch.float64), torch.tensor([1, -1]),
                                      margin=1, reduction="none")
    np.testing.assert_allclose(out, expected.numpy())
    assert isinstance(LF.hinge_embedding_loss(np.float64(0.5), -1.0), np.ndarray)


def test_hinge_legacy_and_deprecated_reductions(rng):
    x, t = rng.normal(size=(2, 3)), rng.choice([-1.0, 1.0], size=(2, 3))
    for legacy in [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduction="sum")]:
        with pytest.warns(UserWarning, match="size_average and reduce"):
            compare("hinge_embedding_loss", input=x, target=t, **legacy)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        compare("hinge_embedding_loss", input=x, target=t, reduction="elementwise_mean")


@pytest.mark.parametrize(
    "kwargs, error, match, torch_refuses",
    [
        (dict(reduction="avg"), ValueError, "reduction", True),
        (dict(reduction="batchmean"), ValueError, "reduction", True),
        (dict(reduction=None), TypeError, "reduction", True),
        (dict(input=np.ones((2, 3), dtype=np.int64)), TypeError, "input", True),
        (dict(input=None), TypeError, "input", True),
        (dict(target=np.ones((2, 4))), ValueError, "input .*target", True),
        (dict(target=np.array(["a", "b", "c"])), TypeError, "target", False),
        (dict(target=np.ones((2, 3), dtype=complex)), TypeError, "target", False),
        (dict(margin=None), TypeError, "margin", True),
        (dict(margin="1"), TypeError, "margin", True),
        (dict(margin=np.ones(2)), TypeError, "margin", True),
    ],
)
def test_hinge_bad_input(kwargs, error, match, torch_refuses):
    args = dict(input=np.ones((2, 3)), target=-np.ones((2, 3)))
    args.update(kwargs)
    assert_refused("hinge_embedding_loss", args, error, match, torch_refuses)


@pytest.mark.parametrize("reduction, shape", [("none", (2, 3)), ("mean", (2, 3)), ("sum", ())])
def test_hinge_bad_grad_output(reduction, shape):
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="grad_output"):
        LF.hinge_embedding_loss_backward(np.ones(shape + (1,)), x, -x, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_gradcheck(rng, reduction):
    x = rng.normal(size=(3, 4))
    t = rng.choice([-1.0, 1.0, 0.0], size=(3, 4))
    gradcheck_as_torch("hinge_embedding_loss", input=x, target=t, margin=0.5, reduction=reduction)
    gradcheck_as_torch("hinge_embedding_loss", input=x[:, :1], target=t, reduction=reduction)


# ============================================================================= multi_margin_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.3, -0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_matches_torch(rng, dtype, reduction, p, margin, weighted):
    x = rng.normal(size=(6, 5)).astype(dtype)
    y = rng.integers(0, 5, size=6)
    w = rng.uniform(0.1, 2, size=5).astype(dtype) if weighted else None
    compare("multi_margin_loss", input=x, target=y, p=p, margin=margin, weight=w, reduction=reduction)


@pytest.mark.parametrize("p", [2.0, np.int64(2), np.array(1)])
def test_multi_margin_p_spellings(rng, p):
    x, y = rng.normal(size=(3, 4)), rng.integers(0, 4, size=3)
    compare("multi_margin_loss", input=x, target=y, p=p, margin=np.float64(0.5))


@st.composite
def batch_and_labels(draw, dtype=np.float64):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    x = draw(hnp.arrays(dtype, (n, c), elements=values(dtype)))
    return x, n, c


@given(batch_and_labels(), st.sampled_from(REDUCTIONS), st.sampled_from([1, 2]), st.floats(-2, 3),
       st.booleans(), st.data())
def test_multi_margin_hypothesis(batch, reduction, p, margin, weighted, data):
    x, n, c = batch
    y = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    w = data.draw(hnp.arrays(np.float64, (c,), elements=st.floats(0, 3))) if weighted else None
    compare("multi_margin_loss", input=x, target=y, p=p, margin=margin, weight=w, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "x_shape, y",
    [((), np.array(0)), ((), np.array([0])), ((4,), np.array(2)), ((4,), np.array([2])),
     ((1, 4), np.array(3)), ((1, 4), np.array([3])), ((1,), np.array(0))],
)
def test_multi_margin_unbatched_shapes(rng, reduction, x_shape, y):
    # 'none' has the target's shape: 0-d for a 0-d target, (1,) for a (1,) target
    x = np.asarray(rng.normal(size=x_shape))
    out = compare("multi_margin_loss", input=x, target=y, reduction=reduction)
    assert out.shape == (y.shape if reduction == "none" else ())


def test_multi_margin_0d_input_is_zero():
    out = compare("multi_margin_loss", input=np.array(0.7), target=np.array(0), weight=np.array([2.0]))
    assert out == 0


def test_multi_margin_strict_at_zero():
    # reference §3 case 41: class 1 has z = 1 − 1 + 0 = 0 exactly: no loss, gradient 0
    x = np.array([[1.0, 0.0, 0.5]])
    for p in (1, 2):
        out = compare("multi_margin_loss", input=x, target=np.array([0]), p=p, reduction="sum", grad_output=ONE)
        np.testing.assert_allclose(out, 0.5**p / 3)
        assert LF.multi_margin_loss_backward(ONE, x, np.array([0]), p=p, reduction="sum")[0, 1] == 0


def test_multi_margin_reference_details():
    # reference §3 case 42: weight at the target class, division by C, p = 2 squares,
    # negative margin, 1-D input with a 0-d target gives a 0-d 'none'
    x = np.array([[0.2, 0.9, -0.4, 0.5], [1.0, 0.1, 0.3, 0.8]])
    y = np.array([1, 3])
    w = np.array([1.0, 3.0, 0.5, 0.25])
    for p in (1, 2, 2.0):
        for margin in (1.0, -0.2, 0.0):
            compare("multi_margin_loss", input=x, target=y, p=p, margin=margin, weight=w, reduction="none")
    out = compare("multi_margin_loss", input=x[0], target=np.array(1), reduction="none")
    assert out.shape == ()


def test_multi_margin_nan_and_inf_scores():
    # reference §3 case 43: NaN scores are silently dropped (NaN > 0 is false)
    x = np.array([
        [nan, 0.2, 0.4, 0.1],   # nan target logit: loss 0, gradient 0
        [0.5, nan, 0.4, 0.1],   # nan other logit: that term dropped
        [0.5, 0.2, inf, 0.1],   # inf other logit: inf loss
        [-inf, 0.2, 0.4, 0.1],  # −inf target logit
        [inf, inf, 0.4, 0.1],   # inf − inf = nan: dropped
    ])
    y = np.array([0, 0, 0, 0, 0])
    for p in (1, 2):
        for reduction in REDUCTIONS:
            compare("multi_margin_loss", input=x, target=y, p=p, reduction=reduction)
        compare("multi_margin_loss", input=x, target=y, p=p, weight=np.array([0.0, 1, 1, 1]), reduction="none")
    compare("multi_margin_loss", input=np.array([[0.1, 0.2]]), target=np.array([1]), margin=nan)
    compare("multi_margin_loss", input=np.array([[0.1, 0.2]]), target=np.array([1]), margin=inf)


def test_multi_margin_empty_batch():
    # torch returns uninitialised memory for 'mean'/'sum' here (reference §1.1, case 63):
    # compare 'none' only; for the reductions we give the natural mean → nan, sum → 0.
    x, y = np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
    compare("multi_margin_loss", input=x, target=y, reduction="none")
    assert np.isnan(LF.multi_margin_loss(x, y))
    assert LF.multi_margin_loss(x, y, reduction="sum") == 0
    assert LF.multi_margin_loss_backward(1.0, x, y).shape == (0, 4)


def test_multi_margin_array_likes():
    out = LF.multi_margin_loss([[0.1, 0.2, 0.8]], [2], p=2, margin=1)
    expected = F.multi_margin_loss(torch.tensor([[0.1, 0.2, 0.8]], dtype=torch.float64), torch.tensor([2]),
                                   p=2, margin=1)
    np.testing.assert_allclose(out, expected.numpy())


def test_multi_margin_legacy_and_deprecated_reductions(rng):
    x, y = rng.normal(size=(3, 4)), rng.integers(0, 4, size=3)
    for legacy in [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduction="sum")]:
        with pytest.warns(UserWarning, match="size_average and reduce"):
            compare("multi_margin_loss", input=x, target=y, **legacy)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        compare("multi_margin_loss", input=x, target=y, reduction="elementwise_mean")


@pytest.mark.parametrize(
    "kwargs, error, match, torch_refuses",
    [
        (dict(reduction="avg"), ValueError, "reduction", True),
        (dict(reduction="batchmean"), ValueError, "reduction", True),
        (dict(reduction=None), TypeError, "reduction", True),
        (dict(p=3), ValueError, "p must be", True),
        (dict(p=0), ValueError, "p must be", True),
        (dict(p=1.5), ValueError, "p must be", True),
        (dict(p="2"), TypeError, "p must be", True),
        (dict(margin=None), TypeError, "margin", True),
        (dict(input=np.ones((2, 3, 4))), ValueError, "input", True),
        (dict(input=np.ones((2, 0))), ValueError, "input", True),
        (dict(input=np.ones(0), target=np.array([0])), ValueError, "input", True),
        (dict(input=np.ones((2, 3), dtype=np.int64)), TypeError, "input", True),
        (dict(input=np.ones((2, 3), dtype=np.float16)), TypeError, "input", True),
        (dict(target=np.array([0, 1], dtype=np.int32)), TypeError, "target", True),
        (dict(target=np.array([0, 1], dtype=np.uint8)), TypeError, "target", True),
        (dict(target=np.array([0.0, 1.0])), TypeError, "target", True),
        (dict(target=None), TypeError, "target", True),
        (dict(target=np.array([0, 1, 2])), ValueError, "target", True),
        (dict(target=np.array([[0], [1]])), ValueError, "target", True),
        (dict(target=np.array(0)), ValueError, "target", True),
        (dict(target=np.array([0, -1])), IndexError, "target", True),
        (dict(target=np.array([3, 0])), IndexError, "target", True),
        (dict(weight=np.ones((1, 3))), ValueError, "weight", True),
        (dict(weight=np.array(1.0)), ValueError, "weight", True),
        (dict(weight=np.ones(4)), ValueError, "weight", True),
        (dict(weight=np.ones(3, dtype=np.float32)), TypeError, "weight", True),
        (dict(weight=np.ones(3, dtype=np.int64)), TypeError, "weight", True),
    ],
)
def test_multi_margin_bad_input(kwargs, error, match, torch_refuses):
    args = dict(input=np.ones((2, 3)), target=np.array([0, 2]))
    args.update(kwargs)
    assert_refused("multi_margin_loss", args, error, match, torch_refuses)


@pytest.mark.parametrize("reduction, target, shape", [
    ("none", np.array([0, 2]), (3,)), ("none", np.array([0, 2]), ()), ("mean", np.array([0, 2]), (2,)),
    ("none", np.array(1), (1,)),
])
def test_multi_margin_bad_grad_output(reduction, target, shape):
    x = np.ones((2, 3)) if target.ndim else np.ones(3)
    with pytest.raises(ValueError, match="grad_output"):
        LF.multi_margin_loss_backward(np.ones(shape), x, target, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_gradcheck(rng, reduction, p):
    x = rng.normal(size=(4, 5))
    y = rng.integers(0, 5, size=4)
    gradcheck_as_torch("multi_margin_loss", input=x, target=y, p=p, margin=0.8,
                       weight=rng.uniform(0.5, 2, size=5), reduction=reduction)
    gradcheck_as_torch("multi_margin_loss", input=x[0], target=y[0], p=p, reduction=reduction)


# ============================================================================= multilabel_margin_loss
def random_label_rows(rng, n, c):
    """Target rows with duplicates, early terminators (−1) and junk after them."""
    t = rng.integers(-1, c, size=(n, c))
    t[0] = np.arange(c)  # every class listed: loss 0
    if n > 1:
        t[1, 0] = -1  # nothing listed: loss 0
    return t


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_matches_torch(rng, dtype, reduction):
    x = rng.normal(size=(8, 6)).astype(dtype)
    compare("multilabel_margin_loss", input=x, target=random_label_rows(rng, 8, 6), reduction=reduction)


@given(batch_and_labels(), st.sampled_from(REDUCTIONS), st.sampled_from(DTYPES), st.data())
def test_multilabel_hypothesis(batch, reduction, dtype, data):
    x, n, c = batch
    t = data.draw(hnp.arrays(np.int64, (n, c), elements=st.integers(-1, c - 1)))
    compare("multilabel_margin_loss", input=x.astype(dtype), target=t, reduction=reduction)


def test_multilabel_duplicates_and_terminator():
    # reference §3 case 40: duplicates count again; entries after the first −1 are ignored
    x = np.array([[0.1, 0.2, 0.4, 0.8]])
    for t, expected in [([3, 0, -1, 1], 0.85), ([3, 3, -1, 1], 0.65), ([3, -1, 0, 0], 0.325)]:
        out = compare("multilabel_margin_loss", input=x, target=np.array([t]), reduction="none")
        np.testing.assert_allclose(out, [expected])
    args = dict(input=x, target=np.array([[3, -1, -2, 0]]))
    assert_refused("multilabel_margin_loss", args, IndexError, "target")


def test_multilabel_strict_at_zero():
    # z = 1 − x_0 + x_1 = 0 exactly: that pair gives no loss and no gradient
    x = np.array([[1.0, 0.0, 0.25]])
    t = np.array([[0, -1, 2]])
    compare("multilabel_margin_loss", input=x, target=t, reduction="sum", grad_output=ONE)
    assert LF.multilabel_margin_loss_backward(ONE, x, t, reduction="sum")[0, 1] == 0


def test_multilabel_nan_and_inf_scores():
    t = np.array([[3, 0, -1, 1]] * 6)
    x = np.array([
        [nan, 0.2, 0.4, 0.8],   # nan listed score: its pairs dropped
        [0.1, nan, 0.4, 0.8],   # nan unlisted score
        [0.1, 0.2, inf, 0.8],   # inf unlisted score: inf loss
        [0.1, 0.2, 0.4, inf],   # inf listed score: its pairs are 0
        [inf, 0.2, 0.4, inf],
        [-inf, 0.2, 0.4, 0.8],  # −inf listed score: inf loss
    ])
    for reduction in REDUCTIONS:
        compare("multilabel_margin_loss", input=x, target=t, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "x_shape, t",
    [((), np.array(0)), ((), np.array(-1)), ((), np.array([0])), ((4,), np.array([2, 0, -1, 3])),
     ((1,), np.array(0)), ((1, 4), np.array([[1, -1, 0, 0]]))],
)
def test_multilabel_unbatched_shapes(rng, reduction, x_shape, t):
    # 'none' is (N,) for a matrix input, 0-d otherwise
    x = np.asarray(rng.normal(size=x_shape))
    out = compare("multilabel_margin_loss", input=x, target=t, reduction=reduction)
    assert out.shape == ((1,) if reduction == "none" and len(x_shape) == 2 else ())


def test_multilabel_empty_batch():
    # torch returns uninitialised memory for 'mean'/'sum' (reference case 63): natural answers
    x, t = np.zeros((0, 4)), np.zeros((0, 4), dtype=np.int64)
    compare("multilabel_margin_loss", input=x, target=t, reduction="none")
    assert np.isnan(LF.multilabel_margin_loss(x, t))
    assert LF.multilabel_margin_loss(x, t, reduction="sum") == 0
    assert LF.multilabel_margin_loss_backward(1.0, x, t).shape == (0, 4)


def test_multilabel_legacy_and_deprecated_reductions(rng):
    x, t = rng.normal(size=(3, 4)), random_label_rows(rng, 3, 4)
    for legacy in [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduction="sum")]:
        with pytest.warns(UserWarning, match="size_average and reduce"):
            compare("multilabel_margin_loss", input=x, target=t, **legacy)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        compare("multilabel_margin_loss", input=x, target=t, reduction="elementwise_mean")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction="batchmean"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(input=np.ones((2, 3, 4)), target=np.zeros((2, 3, 4), dtype=np.int64)), ValueError, "input"),
        (dict(input=np.ones((2, 0)), target=np.zeros((2, 0), dtype=np.int64)), ValueError, "input"),
        (dict(input=np.ones(0), target=np.zeros(0, dtype=np.int64)), ValueError, "input"),
        (dict(input=np.ones((2, 3), dtype=np.int64)), TypeError, "input"),
        (dict(input=np.ones((2, 3), dtype=np.float16)), TypeError, "input"),
        (dict(target=np.zeros((2, 3), dtype=np.int32)), TypeError, "target"),
        (dict(target=np.zeros((2, 3))), TypeError, "target"),
        (dict(target=None), TypeError, "target"),
        (dict(target=np.zeros((2, 4), dtype=np.int64)), ValueError, "target"),
        (dict(target=np.zeros(3, dtype=np.int64)), ValueError, "target"),
        (dict(input=np.ones(3), target=np.zeros((1, 3), dtype=np.int64)), ValueError, "target"),
        (dict(target=np.array([[0, -1, 1], [0, 3, -1]])), IndexError, "target"),
        (dict(target=np.array([[0, -1, 3], [0, 1, -1]])), IndexError, "target"),
        (dict(target=np.array([[-2, 0, 1], [0, 1, -1]])), IndexError, "target"),
        (dict(input=np.array(0.5), target=np.array(1)), IndexError, "target"),
    ],
)
def test_multilabel_bad_input(kwargs, error, match):
    args = dict(input=np.ones((2, 3)), target=np.array([[0, -1, 1], [2, 1, -1]]))
    args.update(kwargs)
    assert_refused("multilabel_margin_loss", args, error, match)


@pytest.mark.parametrize("reduction, shape", [("none", (3,)), ("none", ()), ("sum", (2,))])
def test_multilabel_bad_grad_output(reduction, shape):
    with pytest.raises(ValueError, match="grad_output"):
        LF.multilabel_margin_loss_backward(np.ones(shape), np.ones((2, 3)), np.array([[0, -1, 1], [2, 1, -1]]),
                                           reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_gradcheck(rng, reduction):
    x = rng.normal(size=(5, 6))
    gradcheck_as_torch("multilabel_margin_loss", input=x, target=random_label_rows(rng, 5, 6), reduction=reduction)
    gradcheck_as_torch("multilabel_margin_loss", input=x[0], target=np.array([4, 1, 1, -1, 3, 0]),
                       reduction=reduction)
