"""lossedu.functional classification losses (nll_loss, cross_entropy) against torch."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
from torchref import assert_close, assert_refused, compare, gradcheck_as_torch

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]
C = 4
# input shapes: unbatched (C), (N, C), K = 1 and K = 2 spatial dims
SHAPES = {"unbatched": (C,), "2d": (3, C), "k1": (2, C, 3), "k2": (2, C, 3, 2)}
INF = np.inf


def _items(shape):
    """The target / 'none' shape for an input shape: the class axis dropped."""
    return () if len(shape) == 1 else (shape[0],) + shape[2:]


def _index_target(rng, shape, ignore_index=None):
    """Random class indices; the first item (and every third) set to ignore_index if given."""
    t = rng.integers(0, shape[0] if len(shape) == 1 else shape[1], size=_items(shape))
    if ignore_index is not None:
        t.reshape(-1)[::3] = ignore_index
    return t


def _weight(rng, weighted, dtype, n=C):
    return rng.uniform(0.2, 2.0, size=n).astype(dtype) if weighted else None


def _prob_target(rng, shape, dtype):
    p = rng.uniform(0.0, 1.0, size=shape)
    return (p / p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)).astype(dtype)


_both = assert_refused  # forward and backward both refuse, naming the argument

# ----------------------------------------------------------------------------- log_softmax
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_log_softmax_matches_torch(rng, dtype, axis):
    x = rng.normal(scale=5, size=(3, 4, 2)).astype(dtype)
    x[0, 0, 0] = 1e4
    x[1, 1, 1] = -1e4
    assert_close(LF.log_softmax(x, axis), torch.log_softmax(torch.from_numpy(x), axis).numpy(), "log_softmax")


def test_log_softmax_inf_and_nan_rows_match_torch():
    x = np.array([[-INF, -INF, -INF], [INF, 1.0, 0.0], [np.nan, 1.0, 0.0], [-INF, 0.0, 1.0], [1e4, -1e4, 0.0]])
    ours = LF.log_softmax(x, 1)
    assert_close(ours, torch.log_softmax(torch.from_numpy(x), 1).numpy(), "log_softmax")
    assert np.isfinite(ours[4]).all()


def test_log_softmax_accepts_array_likes_and_refuses_integers():
    assert_close(LF.log_softmax([1.0, 2.0, 3.0]),
                 torch.log_softmax(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), 0).numpy(), "list")
    with pytest.raises(TypeError, match="x"):
        LF.log_softmax(np.arange(3))


# ----------------------------------------------------------------------------- nll_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1, 7])  # default, a valid class, a value ≥ C
@pytest.mark.parametrize("kind", SHAPES)
def test_nll_matches_torch(rng, dtype, reduction, weighted, ignore_index, kind):
    shape = SHAPES[kind]
    x = rng.normal(size=shape).astype(dtype)
    t = _index_target(rng, shape, None if ignore_index == -100 else ignore_index)
    compare("nll_loss", input=x, target=t, weight=_weight(rng, weighted, dtype), ignore_index=ignore_index,
            reduction=reduction)


def test_nll_uint8_target_matches_torch(rng):  # §3 case 13
    x = rng.normal(size=(4, 3))
    compare("nll_loss", input=x, target=np.array([0, 2, 1, 2], dtype=np.uint8), reduction="sum")
    compare("nll_loss", input=x, target=np.array([0, 255, 1, 2], dtype=np.uint8), ignore_index=255)


def test_nll_weighted_mean_divides_by_the_target_weights(rng):  # §3 case 9
    x = rng.normal(size=(4, 3))
    t = np.array([0, 1, 2, 1])
    w = np.array([0.2, 0.5, 2.0])
    ours = compare("nll_loss", input=x, target=t, weight=w)
    total = torch.nn.functional.nll_loss(torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(w),
                                         reduction="sum").item()
    np.testing.assert_allclose(ours, total / (0.2 + 0.5 + 2.0 + 0.5), rtol=1e-12)


@pytest.mark.parametrize("loss, label_smoothing", [("nll_loss", None), ("cross_entropy", 0.0),
                                                   ("cross_entropy", 0.3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 2)])
def test_all_ignored_gives_nan_mean_and_zero_gradient(rng, loss, reduction, label_smoothing, shape):  # §3 case 10
    extra = {} if label_smoothing is None else {"label_smoothing": label_smoothing}
    x = rng.normal(size=shape)
    t = np.full(_items(shape), -100)
    out = compare(loss, input=x, target=t, reduction=reduction, weight=np.array([1.0, 2.0, 3.0]), **extra)
    assert np.isnan(out).all() if reduction == "mean" else not np.isnan(out).any()
    grad = getattr(LF, f"{loss}_backward")(np.ones(np.shape(out)), input=x, target=t, reduction=reduction, **extra)
    assert not grad.any()


@pytest.mark.parametrize("loss, label_smoothing", [("nll_loss", None), ("cross_entropy", 0.0),
                                                   ("cross_entropy", 0.2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_zero_weight_sum_gives_nan(rng, loss, label_smoothing, reduction):  # §3 case 11
    extra = {} if label_smoothing is None else {"label_smoothing": label_smoothing}
    out = compare(loss, input=rng.normal(size=(3, 3)), target=np.array([0, 0, -100]), weight=np.array([0.0, 1, 2]),
                  reduction=reduction, **extra)
    assert np.isnan(out).all() == (reduction == "mean")


def test_nll_ignore_index_is_skipped_before_the_range_check(rng):  # §3 case 12
    x = rng.normal(size=(3, 3))
    compare("nll_loss", input=x, target=np.array([5, 0, 2]), ignore_index=5, reduction="none")
    _both("nll_loss", IndexError, r"target -1 .*\[0, 2\]", input=x, target=np.array([0, -1, 2]))


def test_nll_accepts_positive_inputs_and_nan(rng):
    x = np.array([[1.5, 2.0, np.nan], [np.nan, -INF, 3.0], [INF, 0.5, 0.5]])
    compare("nll_loss", input=x, target=np.array([1, 0, 1]), reduction="none")
    compare("nll_loss", input=x, target=np.array([1, 1, -100]), reduction="sum")


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, target", [
    ((0, 3), np.zeros(0, np.int64)),
    ((2, 3, 0), np.zeros((2, 0), np.int64)),
    ((2, 0), np.full(2, -100)),  # no classes at all: only possible when everything is ignored
])
def test_empty_inputs_match_torch(loss, reduction, shape, target):
    compare(loss, input=np.zeros(shape), target=target, reduction=reduction)


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
def test_legacy_reduction_arguments(rng, loss):
    x, t = rng.normal(size=(3, 4)), np.array([0, 3, 1])
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = getattr(LF, loss)(x, t, size_average=False, reduction="none")
    assert_close(out, getattr(torch.nn.functional, loss)(torch.from_numpy(x), torch.from_numpy(t),
                                                         reduction="sum").numpy(), "legacy")
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert getattr(LF, loss)(x, t, reduce=False).shape == (3,)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        compare(loss, input=x, target=t, reduction="elementwise_mean")


# ----------------------------------------------------------------------------- cross_entropy, index targets
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1, 7])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25, 1.0])
@pytest.mark.parametrize("kind", SHAPES)
def test_ce_index_matches_torch(rng, dtype, reduction, weighted, ignore_index, label_smoothing, kind):
    shape = SHAPES[kind]
    x = rng.normal(scale=3, size=shape).astype(dtype)
    t = _index_target(rng, shape, None if ignore_index == -100 else ignore_index)
    compare("cross_entropy", input=x, target=t, weight=_weight(rng, weighted, dtype), ignore_index=ignore_index,
            reduction=reduction, label_smoothing=label_smoothing)


def test_ce_label_smoothing_with_weight_and_ignore_index(rng):  # §3 case 14
    x = rng.normal(size=(4, 3))
    for reduction in REDUCTIONS:
        compare("cross_entropy", input=x, target=np.array([0, 1, 2, 1]), weight=np.array([0.2, 0.5, 2.0]),
                ignore_index=1, label_smoothing=0.2, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_ce_extreme_logits_stay_finite(dtype, label_smoothing):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    for target in (np.array([1, 0, 2]), np.array([[0.0, 1.0, 0.0], [0.5, 0.25, 0.25], [1, 0, 0]], dtype=dtype)):
        for reduction in REDUCTIONS:
            out = compare("cross_entropy", input=x, target=target, reduction=reduction,
                          label_smoothing=label_smoothing)
            assert np.isfinite(out).all()


def test_ce_label_smoothing_range(rng):  # §3 case 16
    x, t, p = rng.normal(size=(3, 4)), np.array([0, 3, 1]), _prob_target(rng, (3, 4), np.float64)
    for target in (t, p):
        plain = LF.cross_entropy(x, target)
        for ls in (-0.5, np.nan):  # below 0 (and nan) silently mean no smoothing
            np.testing.assert_array_equal(compare("cross_entropy", input=x, target=target, label_smoothing=ls), plain)
        compare("cross_entropy", input=x, target=target, label_smoothing=1.0)
        compare("cross_entropy", input=x, target=target, label_smoothing=1)
        _both("cross_entropy", ValueError, "label_smoothing", input=x, target=target, label_smoothing=1.5)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ce_minus_inf_logit(label_smoothing, reduction):  # §3 case 19
    x = np.array([[-INF, 0.0, 1.0], [0.5, -INF, 2.0]])
    out = compare("cross_entropy", input=x, target=np.array([1, 2]), reduction=reduction,
                  label_smoothing=label_smoothing)
    assert np.isinf(out).any() == (label_smoothing > 0)
    # p = 0 at the −inf logit: 0·(−inf) = nan, unless smoothing makes that probability ε/C > 0
    p = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])
    out = compare("cross_entropy", input=x, target=p, reduction=reduction, label_smoothing=label_smoothing)
    assert np.isnan(out).any() == (label_smoothing == 0)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ce_plus_inf_and_nan_logits_make_rows_nan(label_smoothing, reduction):
    x = np.array([[INF, 0.0, 1.0], [np.nan, 0.0, 1.0], [0.0, 1.0, 2.0], [np.nan, 1.0, 0.0], [-INF, -INF, -INF]])
    compare("cross_entropy", input=x, target=np.array([1, 0, 2, -100, 0]), reduction=reduction,
            label_smoothing=label_smoothing)
    compare("cross_entropy", input=x, target=_prob_target(np.random.default_rng(3), x.shape, np.float64),
            reduction=reduction, label_smoothing=label_smoothing)


@pytest.mark.parametrize("loss, label_smoothing", [("nll_loss", None), ("cross_entropy", 0.0),
                                                   ("cross_entropy", 0.3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched(rng, loss, reduction, label_smoothing):  # §3 case 20
    extra = {} if label_smoothing is None else {"label_smoothing": label_smoothing}
    x = rng.normal(size=5)
    for t in (np.array(3), np.array(-100)):
        assert compare(loss, input=x, target=t, reduction=reduction, **extra).shape == ()
    _both(loss, ValueError, "target", input=x, target=np.array([1, 2]), **extra)


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_target_of_shape_1(rng, loss, reduction):
    # torch's forward accepts a (1,) target for a (C) input, but its backward refuses it
    # ("size mismatch"); ours returns the gradient of the equivalent 0-d target.
    x, g = rng.normal(size=5), np.float64(0.7)
    for t in (3, -100):
        out = compare(loss, input=x, target=np.array([t]), reduction=reduction, grad=False)
        assert out.shape == ()
        compare(loss, input=x, target=np.array(t), reduction=reduction, grad_output=g)
        np.testing.assert_array_equal(getattr(LF, f"{loss}_backward")(g, x, np.array([t]), reduction=reduction),
                                      getattr(LF, f"{loss}_backward")(g, x, np.array(t), reduction=reduction))


def test_ce_unbatched_target_of_shape_1_refused_with_label_smoothing(rng):
    with pytest.raises(RuntimeError):  # torch
        torch.nn.functional.cross_entropy(torch.zeros(5), torch.tensor([1]), label_smoothing=0.1)
    _both("cross_entropy", ValueError, "target", input=rng.normal(size=5), target=np.array([1]), label_smoothing=0.1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ce_k_dim_with_ignored_weight_and_smoothing(rng, reduction):  # §3 case 21
    x = rng.normal(size=(2, 3, 4, 5))
    t = rng.integers(0, 3, size=(2, 4, 5))
    t[0, 1] = -100
    t[1, :, 2] = -100
    out = compare("cross_entropy", input=x, target=t, weight=np.array([0.3, 1.0, 2.5]), label_smoothing=0.15,
                  reduction=reduction)
    assert out.shape == ((2, 4, 5) if reduction == "none" else ())


def test_ce_five_dim_input(rng):
    x = rng.normal(size=(2, 3, 2, 2, 2))
    compare("cross_entropy", input=x, target=rng.integers(0, 3, size=(2, 2, 2, 2)), reduction="none")
    compare("cross_entropy", input=x, target=_prob_target(rng, x.shape, np.float64), label_smoothing=0.1)


# ----------------------------------------------------------------------------- cross_entropy, probability targets
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25, 1.0])
@pytest.mark.parametrize("kind", SHAPES)
def test_ce_prob_matches_torch(rng, dtype, reduction, weighted, label_smoothing, kind):
    shape = SHAPES[kind]
    x = rng.normal(scale=3, size=shape).astype(dtype)
    compare("cross_entropy", input=x, target=_prob_target(rng, shape, dtype), weight=_weight(rng, weighted, dtype),
            reduction=reduction, label_smoothing=label_smoothing)


def test_ce_prob_weight_mean_divides_by_item_count(rng):  # §3 case 15
    x, p, w = rng.normal(size=(4, 3)), _prob_target(rng, (4, 3), np.float64), np.array([0.2, 0.5, 2.0])
    ours = compare("cross_entropy", input=x, target=p, weight=w)
    total = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(p), torch.from_numpy(w),
                                              reduction="sum").item()
    np.testing.assert_allclose(ours, total / 4, rtol=1e-12)


def test_ce_target_kind_is_decided_by_shape(rng):  # §3 case 17
    x = rng.normal(size=(3, 3))
    assert compare("cross_entropy", input=x, target=np.array([0, 2, 1]), reduction="none").shape == (3,)
    assert compare("cross_entropy", input=x, target=_prob_target(rng, (3, 3), np.float64),
                   reduction="none").shape == (3,)
    _both("cross_entropy", TypeError, "target", input=x, target=np.zeros((3, 3), np.int64))
    _both("cross_entropy", TypeError, "target", input=x, target=np.zeros((3, 3), np.uint8))
    # a single class, unbatched: target (1,) has the input's shape, so it is a probability
    compare("cross_entropy", input=np.array([0.3]), target=np.array([1.0]))
    _both("cross_entropy", TypeError, "target", input=np.array([0.3]), target=np.array([0]))


def test_ce_prob_targets_refuse_nonnegative_ignore_index(rng):  # §3 case 18
    x, p = rng.normal(size=(3, 4)), _prob_target(rng, (3, 4), np.float64)
    _both("cross_entropy", ValueError, "ignore_index", input=x, target=p, ignore_index=0)
    compare("cross_entropy", input=x, target=p, ignore_index=-1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.float64, np.float32), (np.float32, np.float16)])
def test_ce_prob_target_dtype_promotes(rng, reduction, label_smoothing, dtypes):
    x = rng.normal(size=(3, 4)).astype(dtypes[0])
    p = _prob_target(rng, (3, 4), dtypes[1])
    # float16 smoothing rounds (1−ε)·p + ε/C to float16 steps (torch and numpy round ε's
    # factor differently), hence the float16 tolerance there
    tol = dict(rtol=2e-3, atol=1e-4) if dtypes[1] == np.float16 and label_smoothing else dict(rtol=2e-5, atol=2e-6)
    out = compare("cross_entropy", input=x, target=p, reduction=reduction, label_smoothing=label_smoothing, **tol)
    assert out.dtype == np.result_type(*dtypes)


@pytest.mark.parametrize("weight", [np.array([1, 2, 0, 3]), np.array([0.5, 1, 2, 1], np.float64),
                                    np.array([True, False, True, True])])
def test_ce_prob_weight_joins_the_arithmetic(rng, weight):
    # torch promotes the weight on the probability path (integer, bool or wider float)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    out = compare("cross_entropy", input=x, target=_prob_target(rng, (3, 4), np.float32), weight=weight,
                  reduction="none", rtol=2e-5, atol=2e-6)
    assert out.dtype == (np.float64 if weight.dtype == np.float64 else np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_probability_targets_match_torch(reduction):
    for shape in ((0, 3), (2, 3, 0)):
        compare("cross_entropy", input=np.zeros(shape), target=np.zeros(shape), reduction=reduction)


# ----------------------------------------------------------------------------- hypothesis
@st.composite
def problems(draw, probabilities=False):
    """(input, target, weight) of a random shape: unbatched (C), (N, C) or (N, C, d1[, d2]).

    float64 logits span ±1e4; float32 ones stay within ±30, where torch's and our float32
    roundings agree to float32 tolerance.
    """
    dtype = draw(st.sampled_from(DTYPES))
    c = draw(st.integers(1, 5))
    shape = draw(st.one_of(st.just((c,)), st.tuples(st.integers(1, 4)).map(lambda n: (*n, c)),
                           st.lists(st.integers(1, 3), min_size=1, max_size=2).map(lambda d: (2, c, *d))))
    bound = 1e4 if dtype == np.float64 else 30.0
    x = draw(hnp.arrays(dtype, shape, elements=st.floats(-bound, bound, width=np.finfo(dtype).bits)))
    if probabilities:
        # unnormalised and even negative "probabilities" are taken as they are
        target = draw(hnp.arrays(dtype, shape, elements=st.floats(-0.5, 2.0, width=np.finfo(dtype).bits)))
    else:
        target = draw(hnp.arrays(np.int64, _items(shape), elements=st.integers(0, c - 1) | st.just(-100)))
    weight = draw(st.none() | hnp.arrays(dtype, (c,), elements=st.floats(0.125, 4.0, width=np.finfo(dtype).bits)))
    return x, target, weight


@given(problems(), st.sampled_from(REDUCTIONS))
def test_nll_hypothesis(problem, reduction):
    x, t, w = problem
    compare("nll_loss", input=x, target=t, weight=w, reduction=reduction)


@given(problems(), st.sampled_from(REDUCTIONS), st.sampled_from([0.0, 0.1, 0.7]))
def test_ce_index_hypothesis(problem, reduction, label_smoothing):
    x, t, w = problem
    out = compare("cross_entropy", input=x, target=t, weight=w, reduction=reduction, label_smoothing=label_smoothing)
    assert np.isfinite(out).all() or reduction == "mean"  # all ignored: nan mean


@given(problems(probabilities=True), st.sampled_from(REDUCTIONS), st.sampled_from([0.0, 0.3]))
def test_ce_prob_hypothesis(problem, reduction, label_smoothing):
    x, p, w = problem
    out = compare("cross_entropy", input=x, target=p, weight=w, reduction=reduction, label_smoothing=label_smoothing)
    assert np.isfinite(out).all()


# ----------------------------------------------------------------------------- bad input
def _base():
    return dict(input=np.zeros((3, 4)), target=np.array([0, 1, 3]))


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("kwargs, error, match", [
    (dict(reduction="avg"), ValueError, "reduction"),
    (dict(reduction="batchmean"), ValueError, "reduction"),
    (dict(reduction=None), TypeError, "reduction"),
    (dict(input=np.array(1.0), target=np.array(0)), ValueError, "input"),
    (dict(input=np.zeros((3, 4), np.int64)), TypeError, "input"),
    (dict(input=np.zeros((3, 4), bool)), TypeError, "input"),
    (dict(target=np.array([0, 1, 3], np.int32)), TypeError, "target.*int64 or uint8"),
    (dict(target=np.array([0.0, 1.0, 3.0])), TypeError, "target.*int64 or uint8"),
    (dict(target=np.array([True, False, True])), TypeError, "target.*int64 or uint8"),
    (dict(target=np.array([0, 1, 4])), IndexError, r"target 4 .*\[0, 3\]"),
    (dict(target=np.array([0, -1, 3])), IndexError, r"target -1 .*\[0, 3\]"),
    (dict(target=np.array([0, 1, 5]), ignore_index=4), IndexError, "target 5"),
    (dict(target=np.array([0, 1, 3, 2])), ValueError, r"target.*\(3,\).*input.*\(3, 4\)"),
    (dict(target=np.array(1)), ValueError, "target.*input"),
    (dict(target=np.zeros((3, 1), np.int64)), ValueError, "target.*input"),
    (dict(target=np.zeros((3, 5), np.int64)), ValueError, "target.*input"),
    (dict(input=np.zeros((2, 4, 3)), target=np.zeros((2, 5), np.int64)), ValueError, r"target.*\(2, 3\)"),
    (dict(input=np.zeros((2, 4, 3)), target=np.zeros((2,), np.int64)), ValueError, "target.*input"),
    (dict(input=np.zeros((2, 4, 3, 5)), target=np.zeros((2, 3, 4), np.int64)), ValueError, "target.*input"),
    (dict(input=np.zeros((2, 4, 3, 5)), target=np.zeros((2, 15), np.int64)), ValueError, "target.*input"),
    (dict(input=np.zeros(4), target=np.array([1, 2])), ValueError, "target"),
    (dict(input=np.zeros(4), target=np.zeros((1, 1), np.int64)), ValueError, "target"),
    (dict(weight=np.ones(5)), ValueError, "weight"),
    (dict(weight=np.ones((1, 4))), ValueError, "weight"),
    (dict(weight=np.array(1.0)), ValueError, "weight"),
    (dict(weight=np.ones(4, np.int64)), TypeError, "weight"),
    (dict(weight=np.ones(4, np.float32)), TypeError, "weight"),
    (dict(ignore_index=-100.0), TypeError, "ignore_index"),
    (dict(ignore_index=True), TypeError, "ignore_index"),
    (dict(ignore_index=None), TypeError, "ignore_index"),
])
def test_bad_input(loss, kwargs, error, match):
    args = _base()
    args.update(kwargs)
    _both(loss, error, match, **args)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(label_smoothing=1.5), ValueError, "label_smoothing"),
    (dict(label_smoothing="a"), TypeError, "label_smoothing"),
    (dict(label_smoothing=None), TypeError, "label_smoothing"),
    (dict(target=np.full((3, 4), 0.25), label_smoothing=1.01), ValueError, "label_smoothing"),
    (dict(target=np.full((3, 4), 0.25), weight=np.ones(5)), ValueError, "weight"),
    (dict(target=np.full((3, 4), 0.25), weight=np.ones((1, 4))), ValueError, "weight"),
    (dict(target=np.full((3, 4), 0.25), weight=np.array(["a"] * 4)), TypeError, "weight"),
    (dict(target=np.full((3, 4), 0.25), ignore_index=2), ValueError, "ignore_index"),
    (dict(target=np.full((3, 4), 0.25), ignore_index=0.5), TypeError, "ignore_index"),
    (dict(target=np.ones((3, 4), np.int64)), TypeError, "target"),
    (dict(target=np.full((3, 5), 0.25)), TypeError, "target"),  # float, not the input's shape: not indices
    (dict(input=np.zeros((3, 4), np.int64), target=np.full((3, 4), 0.25)), TypeError, "input"),
])
def test_ce_bad_input(kwargs, error, match):
    args = _base()
    args.update(kwargs)
    _both("cross_entropy", error, match, **args)


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("reduction, grad_output", [("none", np.ones(2)), ("mean", np.ones(3)),
                                                    ("sum", np.ones((1,))), ("none", np.ones((3, 1)))])
def test_backward_checks_grad_output_shape(loss, reduction, grad_output):
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{loss}_backward")(grad_output, np.zeros((3, 4)), np.array([0, 1, 2]), reduction=reduction)
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{loss}_backward")(grad_output, np.zeros(4), np.array(1), reduction=reduction)


def test_ce_prob_backward_checks_grad_output_shape():
    with pytest.raises(ValueError, match="grad_output"):
        LF.cross_entropy_backward(np.ones(4), np.zeros((3, 4)), np.full((3, 4), 0.25), reduction="none")


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_gradcheck(rng, reduction):
    gradcheck_as_torch("nll_loss", input=rng.normal(size=(3, 4, 2)), target=np.array([[0, 3], [-100, 1], [2, 2]]),
                       weight=rng.uniform(0.5, 2, size=4), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_ce_index_gradcheck(rng, reduction, label_smoothing):
    gradcheck_as_torch("cross_entropy", input=rng.normal(size=(3, 4, 2)),
                       target=np.array([[0, 3], [-100, 1], [2, 2]]), weight=rng.uniform(0.5, 2, size=4),
                       reduction=reduction, label_smoothing=label_smoothing)
    gradcheck_as_torch("cross_entropy", input=rng.normal(size=4), target=np.array(2),
                       reduction=reduction, label_smoothing=label_smoothing)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_ce_prob_gradcheck(rng, reduction, label_smoothing):
    gradcheck_as_torch("cross_entropy", input=rng.normal(size=(3, 4, 2)), target=_prob_target(rng, (3, 4, 2), np.float64),
                       weight=rng.uniform(0.5, 2, size=4), reduction=reduction, label_smoothing=label_smoothing)
