"""lossedu.functional ranking and embedding losses against torch, forward and gradient.

margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss,
triplet_margin_with_distance_loss, and the distances they use (pairwise_distance,
cosine_distance). Every expected number comes from running torch on the same arrays.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
from torchref import assert_close, assert_refused, compare, gradcheck_as_torch, to_torch

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]
P_VALUES = [1, 2, 3, 0.5, np.inf]
ONE = np.float64(1.0)


def normal(rng, shape, dtype=np.float64):
    return rng.normal(size=shape).astype(dtype)


def torch_cosine_distance(x1, x2):
    return 1 - F.cosine_similarity(x1, x2, dim=-1)


raises_both = assert_refused  # forward and backward both refuse, naming the argument

# ============================================================================= margin_ranking_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0, 0.5, -0.3, 2])
def test_margin_ranking_matches_torch(rng, dtype, reduction, margin):
    y = rng.choice([-1.0, 1.0], size=(3, 4)).astype(dtype)
    compare("margin_ranking_loss", input1=normal(rng, (3, 4), dtype), input2=normal(rng, (3, 4), dtype),
            target=y, margin=margin, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "s1, s2, st_",
    [((), (), ()), ((4,), (4,), (1,)), ((4,), (1,), (4,)), ((3, 1), (1, 4), (3, 4)), ((2, 3), (2, 3), (1, 3)),
     ((0,), (0,), (0,))],
)
def test_margin_ranking_shapes_broadcast(rng, reduction, s1, s2, st_):
    y = rng.choice([-1.0, 1.0], size=st_)
    compare("margin_ranking_loss", input1=normal(rng, s1), input2=normal(rng, s2), target=y,
            margin=0.1, reduction=reduction)


def test_margin_ranking_target_values_and_dtypes(rng):
    x1, x2 = normal(rng, 6), normal(rng, 6)
    # targets other than ±1 scale the hinge; an integer target takes the inputs' dtype
    compare("margin_ranking_loss", input1=x1, input2=x2, target=np.array([0.5, 2, 0, -3, 1, -1]), reduction="none")
    out = compare("margin_ranking_loss", input1=x1.astype(np.float32), input2=x2.astype(np.float32),
                  target=np.array([1, -1, 1, -1, 2, 0]), reduction="none")
    assert out.dtype == np.float32
    out = compare("margin_ranking_loss", input1=x1.astype(np.float32), input2=x2, target=np.ones(6, np.float32),
                  rtol=1e-6)
    assert out.dtype == np.float64
    out = compare("margin_ranking_loss", input1=x1.astype(np.float32), input2=x2.astype(np.float32),
                  target=np.ones(6), rtol=1e-6)
    assert out.dtype == np.float64


def test_margin_ranking_kink_is_active_case_41():
    # z = −y(x1 − x2) + margin = 0 exactly: torch's clamp_min passes the gradient (−y = 1 for x1)
    compare("margin_ranking_loss", input1=np.array(3.0), input2=np.array(3.0), target=np.array(-1.0), margin=0,
            grad_output=ONE)
    x1 = np.array([1.0, 2.0, 0.5, 0.0])
    x2 = np.array([1.0, 1.5, 1.0, 0.0])
    y = np.array([1.0, 1.0, -1.0, 1.0])
    compare("margin_ranking_loss", input1=x1, input2=x2, target=y, margin=0.5, reduction="sum", grad_output=ONE)


def test_margin_ranking_broadcast_target_case_46(rng):
    compare("margin_ranking_loss", input1=normal(rng, 4), input2=normal(rng, 4), target=np.array([-1.0]),
            reduction="none")


def test_margin_ranking_nan_and_inf():
    x1 = np.array([np.nan, 1.0, np.inf, -np.inf])
    x2 = np.array([0.0, np.nan, 1.0, 1.0])
    compare("margin_ranking_loss", input1=x1, input2=x2, target=np.ones(4), reduction="none")


def test_margin_ranking_legacy_arguments(rng):
    x1, x2, y = normal(rng, 5), normal(rng, 5), np.ones(5)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = LF.margin_ranking_loss(x1, x2, y, size_average=False, reduction="mean")
    with pytest.warns(UserWarning):
        ref = F.margin_ranking_loss(*map(to_torch, (x1, x2, y)), size_average=False)
    assert_close(out, ref.numpy(), "legacy")
    with pytest.warns(UserWarning, match="elementwise_mean"):
        LF.margin_ranking_loss(x1, x2, y, reduction="elementwise_mean")


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=st.floats(-100, 100)),
    st.floats(-2, 2),
    st.sampled_from(REDUCTIONS),
)
def test_margin_ranking_hypothesis(x1, margin, reduction):
    x2 = np.round(x1[::-1] if x1.ndim else x1) + 0.25
    y = np.sign(x1 + 0.5) + (x1 == -0.5)
    compare("margin_ranking_loss", input1=x1, input2=x2, target=y, margin=margin, reduction=reduction)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(input2=np.ones((1, 4))), ValueError, "input2"),
        (dict(target=np.ones((1, 4))), ValueError, "target"),
        (dict(input2=np.ones(3)), ValueError, "input2"),
        (dict(target=np.ones(2)), ValueError, "target"),
        (dict(input1=np.ones(4, dtype=np.complex128)), TypeError, "input1"),
        (dict(input2=np.ones(4, dtype=np.complex128)), TypeError, "input2"),
        (dict(target=np.ones(4, dtype=bool)), TypeError, "target"),
        (dict(margin="1"), TypeError, "margin"),
        (dict(margin=np.ones(2)), TypeError, "margin"),
    ],
)
def test_margin_ranking_bad_input(kwargs, error, match):
    args = dict(input1=np.ones(4), input2=np.zeros(4), target=np.ones(4))
    args.update(kwargs)
    raises_both("margin_ranking_loss", error, match, **args)


def test_margin_ranking_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.margin_ranking_loss_backward(np.ones(3), np.ones(4), np.zeros(4), np.ones(4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_gradcheck(rng, reduction):
    x1 = normal(rng, (3, 4))
    gradcheck_as_torch("margin_ranking_loss", input1=x1, input2=x1 + rng.choice([-1, 1], size=(3, 4)),
                       target=rng.choice([-1.0, 1.0], size=(3, 4)), margin=0.5, reduction=reduction)


# ============================================================================= cosine_embedding_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0, 0.3, -0.5])
def test_cosine_embedding_matches_torch(rng, dtype, reduction, margin):
    t = np.array([1, -1, 1, -1, -1, 1], dtype=dtype)
    compare("cosine_embedding_loss", input1=normal(rng, (6, 5), dtype), input2=normal(rng, (6, 5), dtype),
            target=t, margin=margin, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "s1, s2, st_",
    [((5,), (5,), ()), ((1, 5), (4, 5), (4,)), ((4, 5), (1, 5), (4,)), ((4, 1), (4, 5), (4,)),
     ((1,), (5,), ()), ((3, 5), (3, 5), (1,)), ((1, 5), (1, 5), (3,)), ((0, 5), (0, 5), (0,)),
     ((2, 0), (2, 0), (2,))],
)
def test_cosine_embedding_shapes_broadcast(rng, reduction, s1, s2, st_):
    t = rng.choice([-1.0, 1.0], size=st_)
    compare("cosine_embedding_loss", input1=normal(rng, s1), input2=normal(rng, s2), target=t,
            margin=-0.2, reduction=reduction)


def test_cosine_embedding_other_targets_give_zero_case_45(rng):
    a, b = normal(rng, (7, 3)), normal(rng, (7, 3))
    compare("cosine_embedding_loss", input1=a, input2=b, target=np.array([0, 2, 0.5, 1, -1, -0.5, 3]),
            reduction="none")
    compare("cosine_embedding_loss", input1=a, input2=b, target=np.array([0, 2, 1, -1, -1, 1, 1]), reduction="sum")
    compare("cosine_embedding_loss", input1=a, input2=b, target=np.array([True, False] * 3 + [True]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cosine_embedding_zero_vector_case_44(rng, dtype):
    # the ~1e6 gradient needs the float32 ε = 1e-12 in both squared norms
    b = normal(rng, (1, 3), dtype)
    compare("cosine_embedding_loss", input1=np.zeros((1, 3), dtype), input2=b, target=np.array([1.0]),
            grad_output=dtype(1.0))
    compare("cosine_embedding_loss", input1=np.zeros((2, 3), dtype), input2=np.zeros((2, 3), dtype),
            target=np.array([1.0, -1.0]), margin=-0.5, reduction="none")


def test_cosine_embedding_kink_and_parallel_vectors():
    # cos − margin = 0 exactly for the second pair (cos = 0): the clamp counts it as active
    a = np.array([[1.0, 2.0], [1.0, 0.0], [2.0, 2.0]])
    b = np.array([[2.0, 4.0], [0.0, 3.0], [-1.0, -1.0]])
    compare("cosine_embedding_loss", input1=a, input2=b, target=np.array([1.0, -1.0, -1.0]), margin=0.0,
            reduction="none", grad_output=np.ones(3))


def test_cosine_embedding_nan_and_mixed_dtype(rng):
    a = normal(rng, (4, 3))
    a[0, 1] = np.nan
    a[2, 0] = np.nan
    compare("cosine_embedding_loss", input1=a, input2=normal(rng, (4, 3)), target=np.array([1, -1, 0, 1]),
            reduction="none")
    out = compare("cosine_embedding_loss", input1=normal(rng, (4, 3), np.float32), input2=normal(rng, (4, 3)),
                  target=np.array([1, -1, 1, 1]), rtol=1e-6)
    assert out.dtype == np.float64
    out = compare("cosine_embedding_loss", input1=normal(rng, (4, 3), np.float32),
                  input2=normal(rng, (4, 3), np.float32), target=np.array([1.0, -1, 1, 1]))
    assert out.dtype == np.float32


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), elements=st.floats(-10, 10)),
    st.floats(-1, 1),
    st.sampled_from(REDUCTIONS),
)
def test_cosine_embedding_hypothesis(a, margin, reduction):
    b = np.round(a[::-1] * 0.7 + 0.3, 1)
    t = np.where(np.arange(a.shape[0]) % 2 == 0, 1.0, -1.0)
    compare("cosine_embedding_loss", input1=a, input2=b, target=t, margin=margin, reduction=reduction)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="batchmean"), ValueError, "reduction"),
        (dict(target=np.ones((3, 1))), ValueError, "target"),
        (dict(input1=np.ones(4), input2=np.ones(4)), ValueError, "input1"),
        (dict(target=np.array(1.0)), ValueError, "input1"),
        (dict(input1=np.ones((3, 4, 1)), input2=np.ones((3, 4, 1))), ValueError, "input1"),
        (dict(input2=np.ones((3, 2))), ValueError, "input2"),
        (dict(input2=np.ones((2, 4))), ValueError, "input2"),
        (dict(target=np.ones(2)), ValueError, "target"),
        (dict(input1=np.ones((3, 4), dtype=np.complex128)), TypeError, "input1"),
        (dict(input2=np.ones((3, 4), dtype=np.complex64)), TypeError, "input2"),
        (dict(target=np.array(["a", "b", "c"])), TypeError, "target"),
        (dict(margin=None), TypeError, "margin"),
    ],
)
def test_cosine_embedding_bad_input(kwargs, error, match):
    args = dict(input1=np.ones((3, 4)), input2=np.arange(12.0).reshape(3, 4), target=np.ones(3))
    args.update(kwargs)
    raises_both("cosine_embedding_loss", error, match, **args)


def test_cosine_embedding_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.cosine_embedding_loss_backward(np.ones(2), np.ones((3, 4)), np.ones((3, 4)), np.ones(3), reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_gradcheck(rng, reduction):
    a = normal(rng, (4, 3))
    # targets −1 with margin −2 keep every negative pair strictly active (cos > −1 > −2)
    gradcheck_as_torch("cosine_embedding_loss", input1=a, input2=normal(rng, (4, 3)),
                       target=np.array([1.0, -1.0, 1.0, -1.0]), margin=-2.0, reduction=reduction)


# ============================================================================= pairwise_distance
def compare_distance(name, torch_fn, x1, x2, rng=None, rtol=None, atol=None, **opts):
    """Our distance and its backward against torch's function and autograd."""
    ours = getattr(LF, name)(x1, x2, **opts)
    t1, t2 = to_torch(x1, True), to_torch(x2, True)
    out = torch_fn(t1, t2, **opts)
    assert_close(ours, out.detach().numpy(), f"{name} forward", rtol=rtol, atol=atol)
    g = (rng or np.random.default_rng(1)).uniform(0.5, 1.5, size=ours.shape).astype(ours.dtype)
    tg = torch.autograd.grad(out, [t1, t2], torch.from_numpy(g), allow_unused=True)
    for k, og, tgr, x in zip(("x1", "x2"), getattr(LF, f"{name}_backward")(g, x1, x2, **opts), tg, (x1, x2)):
        theirs = np.zeros_like(x) if tgr is None else tgr.numpy()
        assert_close(og, theirs, f"{name} gradient of {k}", rtol=rtol, atol=atol)
    return ours


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", P_VALUES + [1.5, 0, -1, -np.inf])
@pytest.mark.parametrize("eps", [1e-6, 0.0, 0.3])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_torch(rng, dtype, p, eps, keepdim):
    compare_distance("pairwise_distance", F.pairwise_distance, normal(rng, (4, 5), dtype), normal(rng, (4, 5), dtype),
                     p=p, eps=eps, keepdim=keepdim)


@pytest.mark.parametrize("p", P_VALUES + [0, -1, -np.inf])
@pytest.mark.parametrize("s1, s2", [((), ()), ((5,), (5,)), ((5,), (3, 5)), ((), (4,)), ((2, 3, 4), (3, 1)),
                                    ((3, 1), (3, 4)), ((0, 3), (0, 3))])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_shapes(rng, p, s1, s2, keepdim):
    compare_distance("pairwise_distance", F.pairwise_distance, normal(rng, s1), normal(rng, s2), p=p,
                     keepdim=keepdim)


@pytest.mark.parametrize("p", P_VALUES + [1.5, 0, -1, -np.inf])
def test_pairwise_distance_zeros_and_ties(p):
    # rows: all-zero difference (norm 0: gradient 0), a zero entry, a tie for the max (p = ∞ splits)
    x1 = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 3.0], [2.0, -2.0, 1.0], [np.nan, 1.0, 0.0]])
    x2 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    compare_distance("pairwise_distance", F.pairwise_distance, x1, x2, p=p, eps=0.0)
    compare_distance("pairwise_distance", F.pairwise_distance, x1, x2, p=p, eps=0.0, keepdim=True)


def test_pairwise_distance_eps_asymmetry_case_49():
    u, v = np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])
    forward = compare_distance("pairwise_distance", F.pairwise_distance, u, v, eps=0.5)
    backward = compare_distance("pairwise_distance", F.pairwise_distance, v, u, eps=0.5)
    assert not np.allclose(forward, backward)


def test_pairwise_distance_extremes():
    # no rescaling: squares overflow to inf and underflow to 0 exactly as in torch
    x = np.array([[1e200, 1e200], [1e-200, 1e-200], [np.inf, 1.0]])
    for p in (1, 2, 3, np.inf):
        compare_distance("pairwise_distance", F.pairwise_distance, x, np.zeros((3, 2)), p=p, eps=0.0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(x1=np.ones((2, 3), dtype=np.complex128)), TypeError, "x1"),
        (dict(x2=np.ones(4)), ValueError, "x2"),
        (dict(p="2"), TypeError, "p"),
        (dict(eps=None), TypeError, "eps"),
        (dict(keepdim=1), TypeError, "keepdim"),
        (dict(x1=np.ones((2, 0)), x2=np.ones((2, 0)), p=np.inf), ValueError, "p=inf"),
        (dict(x1=np.ones((2, 0)), x2=np.ones((2, 0)), p=-1), ValueError, "p=-1"),
    ],
)
def test_pairwise_distance_bad_input(kwargs, error, match):
    args = dict(x1=np.ones((2, 3)), x2=np.zeros((2, 3)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        LF.pairwise_distance(**args)
    with pytest.raises(error, match=match):
        LF.pairwise_distance_backward(np.ones(2), **args)


def test_pairwise_distance_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.pairwise_distance_backward(np.ones(2), np.ones((2, 3)), np.ones((2, 3)), keepdim=True)


# ============================================================================= cosine_distance
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s1, s2", [((4, 5), (4, 5)), ((5,), (5,)), ((1, 5), (4, 5)), ((4, 1), (4, 5)),
                                    ((2, 3, 4), (3, 4))])
def test_cosine_distance_matches_torch(rng, dtype, s1, s2):
    compare_distance("cosine_distance", torch_cosine_distance, normal(rng, s1, dtype), normal(rng, s2, dtype))


def test_cosine_distance_zero_and_tiny_vectors():
    # a norm below eps is clamped in the forward and passed straight through in the gradient
    x1 = np.array([[0.0, 0.0, 0.0], [1e-9, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    x2 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.0, 1e-10], [2.0, 4.0, 6.0]])
    compare_distance("cosine_distance", torch_cosine_distance, x1, x2)


def test_cosine_distance_bad_input():
    with pytest.raises(ValueError, match="x1"):
        LF.cosine_distance(np.array(1.0), np.array(2.0))
    with pytest.raises(ValueError, match="x2"):
        LF.cosine_distance_backward(np.ones(2), np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="x1"):
        LF.cosine_distance(np.ones(3, dtype=np.complex128), np.ones(3))


# ============================================================================= triplet_margin_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("eps", [1e-6, 0.0, 0.3])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("margin", [1.0, 3.0])
def test_triplet_matches_torch(rng, dtype, reduction, p, eps, swap, margin):
    a, pos, neg = (normal(rng, (5, 4), dtype) for _ in range(3))
    compare("triplet_margin_loss", anchor=a, positive=pos, negative=neg, margin=margin, p=p, eps=eps, swap=swap,
            reduction=reduction)


@pytest.mark.parametrize("p", [1.5, 0, -1, -np.inf])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_unusual_p_runs_like_torch_case_50(rng, p, swap):
    a, pos, neg = (normal(rng, (5, 4)) for _ in range(3))
    compare("triplet_margin_loss", anchor=a, positive=pos, negative=neg, margin=2.0, p=p, swap=swap,
            reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize(
    "sa, sp, sn",
    [((4,), (4,), (4,)), ((), (), ()), ((2, 3, 4), (2, 3, 4), (2, 3, 4)), ((1, 4), (5, 4), (5, 4)),
     ((5, 4), (1, 4), (5, 4)), ((5, 4), (5, 4), (1, 4)), ((5, 1), (5, 4), (5, 4)), ((2, 1, 4), (1, 3, 4), (2, 3, 4)),
     ((0, 4), (0, 4), (0, 4)), ((3, 0), (3, 0), (3, 0))],
)
def test_triplet_shapes(rng, reduction, swap, sa, sp, sn):
    compare("triplet_margin_loss", anchor=normal(rng, sa), positive=normal(rng, sp), negative=normal(rng, sn),
            margin=1.5, swap=swap, reduction=reduction)


def test_triplet_output_shapes(rng):
    assert LF.triplet_margin_loss(*(normal(rng, 4) for _ in range(3)), reduction="none").shape == ()
    assert LF.triplet_margin_loss(*(normal(rng, (2, 3, 4)) for _ in range(3)), reduction="none").shape == (2, 3)


@pytest.mark.parametrize("eps", [1e-6, 0.0])
@pytest.mark.parametrize("p", P_VALUES)
def test_triplet_anchor_equals_positive_case_47(rng, eps, p):
    # d(a, a) = eps·D^(1/p); its gradient is 1/√D per coordinate for p = 2 (0 with eps = 0)
    a = normal(rng, (2, 3))
    compare("triplet_margin_loss", anchor=a, positive=a.copy(), negative=a + 5, margin=10.0, p=p, eps=eps,
            reduction="sum", grad_output=ONE)


@pytest.mark.parametrize("p", P_VALUES)
def test_triplet_swap_tie_splits_gradient_case_48(p):
    a = np.array([[0.0, 0.0], [1.0, 2.0]])
    n = np.array([[1.0, 0.0], [3.0, -1.0]])
    compare("triplet_margin_loss", anchor=a, positive=a.copy(), negative=n, eps=0.0, swap=True, p=p,
            reduction="sum", grad_output=ONE)


def test_triplet_swap_picks_the_smaller_distance(rng):
    a = np.array([[0.0, 0.0], [0.0, 0.0]])
    pos = np.array([[0.5, 0.0], [3.0, 0.0]])
    n = np.array([[1.0, 0.0], [3.5, 0.0]])
    compare("triplet_margin_loss", anchor=a, positive=pos, negative=n, eps=0.0, swap=True, reduction="none",
            grad_output=np.ones(2))


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_hinge_kink_is_active(swap):
    # z = 1 + d(a, p) − d(a, n) = 1 + 1 − 2 = 0 exactly (p = 1, eps = 0): gradient passes
    a = np.array([[0.0, 0.0]])
    compare("triplet_margin_loss", anchor=a, positive=np.array([[1.0, 0.0]]), negative=np.array([[2.0, 0.0]]),
            p=1, eps=0.0, swap=swap, reduction="sum", grad_output=ONE)


def test_triplet_nan_and_mixed_dtype(rng):
    a = normal(rng, (3, 4))
    a[1, 2] = np.nan
    compare("triplet_margin_loss", anchor=a, positive=normal(rng, (3, 4)), negative=normal(rng, (3, 4)),
            reduction="none", margin=3.0)
    out = compare("triplet_margin_loss", anchor=normal(rng, (3, 4), np.float32), positive=normal(rng, (3, 4)),
                  negative=normal(rng, (3, 4)), margin=3.0, rtol=1e-6)
    assert out.dtype == np.float64


def test_triplet_legacy_arguments(rng):
    a, pos, neg = (normal(rng, (3, 4)) for _ in range(3))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = LF.triplet_margin_loss(a, pos, neg, margin=3.0, reduce=False)
    assert_close(out, F.triplet_margin_loss(*map(to_torch, (a, pos, neg)), margin=3.0, reduction="none").numpy(),
                 "legacy")


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-10, 10)),
    st.sampled_from(P_VALUES),
    st.booleans(),
    st.sampled_from(REDUCTIONS),
)
def test_triplet_hypothesis(a, p, swap, reduction):
    pos = np.round(a[::-1] * 0.5, 1)
    neg = np.round(a * -0.3 + 1, 1)
    compare("triplet_margin_loss", anchor=a, positive=pos, negative=neg, margin=2.0, p=p, swap=swap,
            reduction=reduction)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction="avg", margin=0), ValueError, "reduction"),  # reduction is checked first
        (dict(margin=0), ValueError, "margin"),
        (dict(margin=-1.0), ValueError, "margin"),
        (dict(margin="1"), TypeError, "margin"),
        (dict(margin=0, positive=np.ones(4)), ValueError, "margin"),  # margin before shapes
        (dict(positive=np.ones(4)), ValueError, "positive"),
        (dict(negative=np.ones((1, 2, 4))), ValueError, "negative"),
        (dict(positive=np.ones((2, 4))), ValueError, "positive"),
        (dict(negative=np.ones((3, 5))), ValueError, "negative"),
        (dict(positive=np.ones((2, 4)), negative=np.ones((1, 4)), swap=True), ValueError, "positive"),
        (dict(anchor=np.ones((3, 4), dtype=np.complex128)), TypeError, "anchor"),
        (dict(negative=np.ones((3, 4), dtype=bool)), TypeError, "negative"),
        (dict(p="2"), TypeError, "p"),
        (dict(eps=None), TypeError, "eps"),
        (dict(swap=1), TypeError, "swap"),
        (dict(anchor=np.ones((3, 0)), positive=np.ones((3, 0)), negative=np.ones((3, 0)), p=np.inf), ValueError, "p"),
    ],
)
def test_triplet_bad_input(kwargs, error, match):
    args = dict(anchor=np.ones((3, 4)), positive=np.zeros((3, 4)), negative=np.full((3, 4), 2.0))
    args.update(kwargs)
    raises_both("triplet_margin_loss", error, match, **args)


def test_triplet_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.triplet_margin_loss_backward(np.ones(3), np.ones((3, 4)), np.zeros((3, 4)), np.ones((3, 4)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2, 3, np.inf])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_gradcheck(rng, reduction, p, swap):
    a = normal(rng, (3, 4))
    gradcheck_as_torch("triplet_margin_loss", anchor=a, positive=a + normal(rng, (3, 4)) * 0.5,
                       negative=a + normal(rng, (3, 4)), margin=5.0, p=p, swap=swap, reduction=reduction)


# ============================================================================= triplet_margin_with_distance_loss
def sq_backward(grad, x1, x2):
    g = 2 * np.asarray(grad)[..., None] * (x1 - x2)
    return g, -g


@LF.with_backward(sq_backward)
def sq_distance(x1, x2):
    return np.sum((x1 - x2) ** 2, axis=-1)


def torch_sq_distance(x1, x2):
    return ((x1 - x2) ** 2).sum(-1)


def abs_backward(grad, x1, x2):
    g = grad * np.sign(x1 - x2)
    return g, -g


# an elementwise "distance": its (N, D) output gives an (N, D) loss (case 51)
abs_distance = LF.with_backward(abs_backward)(lambda x1, x2: np.abs(x1 - x2))

DISTANCES = {
    "default": (None, None),
    "pairwise": (LF.pairwise_distance, F.pairwise_distance),
    "cosine": (LF.cosine_distance, torch_cosine_distance),
    "squared": (sq_distance, torch_sq_distance),
    "elementwise": (abs_distance, lambda x1, x2: (x1 - x2).abs()),
}


def torch_distance(theirs):
    """compare()'s torch_kwargs: torch gets the torch twin of our distance (None: torch's default)."""
    return None if theirs is None else {"distance_function": theirs}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("margin", [0.5, 2.0])
@pytest.mark.parametrize("distance", list(DISTANCES))
def test_with_distance_matches_torch(rng, dtype, reduction, swap, margin, distance):
    ours, theirs = DISTANCES[distance]
    a, pos, neg = (normal(rng, (5, 4), dtype) for _ in range(3))
    compare("triplet_margin_with_distance_loss", anchor=a, positive=pos, negative=neg, distance_function=ours,
            margin=margin, swap=swap, reduction=reduction,
            torch_kwargs=torch_distance(theirs))


def test_with_distance_default_is_triplet_margin_loss(rng):
    a, pos, neg = (normal(rng, (5, 4)) for _ in range(3))
    expected = LF.triplet_margin_loss(a, pos, neg, swap=True, reduction="none")
    np.testing.assert_array_equal(
        LF.triplet_margin_with_distance_loss(a, pos, neg, swap=True, reduction="none"), expected)
    for ours, theirs in zip(LF.triplet_margin_with_distance_loss_backward(ONE, a, pos, neg, swap=True),
                            LF.triplet_margin_loss_backward(ONE, a, pos, neg, swap=True)):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("distance", ["default", "cosine", "squared"])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize(
    "sa, sp, sn",
    [((4,), (4,), (4,)), ((2, 3, 4), (2, 3, 4), (2, 3, 4)), ((1, 4), (5, 4), (5, 4)), ((5, 4), (5, 4), (1, 4))],
)
def test_with_distance_shapes(rng, distance, swap, sa, sp, sn):
    ours, theirs = DISTANCES[distance]
    compare("triplet_margin_with_distance_loss", anchor=normal(rng, sa), positive=normal(rng, sp),
            negative=normal(rng, sn), distance_function=ours, swap=swap, margin=1.5, reduction="none",
            torch_kwargs=torch_distance(theirs))


def test_with_distance_elementwise_output_shape_case_51(rng):
    out = LF.triplet_margin_with_distance_loss(*(normal(rng, (3, 4)) for _ in range(3)),
                                               distance_function=abs_distance, reduction="none")
    assert out.shape == (3, 4)


@pytest.mark.parametrize("distance", ["default", "squared", "cosine"])
def test_with_distance_swap_tie(distance):
    ours, theirs = DISTANCES[distance]
    a = np.array([[0.0, 1.0], [1.0, 2.0]])
    n = np.array([[1.0, 0.0], [3.0, -1.0]])
    compare("triplet_margin_with_distance_loss", anchor=a, positive=a.copy(), negative=n, distance_function=ours,
            swap=True, margin=5.0, reduction="sum", grad_output=ONE,
            torch_kwargs=torch_distance(theirs))


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-10, 10)),
    st.sampled_from(["default", "cosine", "squared"]),
    st.booleans(),
    st.sampled_from(REDUCTIONS),
)
def test_with_distance_hypothesis(a, distance, swap, reduction):
    ours, theirs = DISTANCES[distance]
    compare("triplet_margin_with_distance_loss", anchor=a, positive=np.round(a[::-1] * 0.5, 1) + 0.1,
            negative=np.round(a * -0.3 + 1, 1), distance_function=ours, swap=swap, margin=1.0,
            reduction=reduction, torch_kwargs=torch_distance(theirs))


def test_with_distance_forward_takes_any_callable_backward_needs_its_gradient(rng):
    a, pos, neg = (normal(rng, (3, 4)) for _ in range(3))

    def plain(x1, x2):
        return np.sum((x1 - x2) ** 2, axis=-1)

    out = LF.triplet_margin_with_distance_loss(a, pos, neg, distance_function=plain)
    theirs = F.triplet_margin_with_distance_loss(*map(to_torch, (a, pos, neg)), distance_function=torch_sq_distance)
    assert_close(out, theirs.numpy(), "plain callable")
    with pytest.raises(TypeError, match="distance_function.*backward"):
        LF.triplet_margin_with_distance_loss_backward(ONE, a, pos, neg, distance_function=plain)
    assert not hasattr(plain, "backward")  # with_backward leaves the original alone
    assert LF.with_backward(sq_backward)(plain).backward is sq_backward


def test_with_distance_is_keyword_only(rng):
    a, pos, neg = (normal(rng, (3, 4)) for _ in range(3))
    with pytest.raises(TypeError, match="positional"):
        LF.triplet_margin_with_distance_loss(a, pos, neg, LF.pairwise_distance)
    with pytest.raises(TypeError, match="positional"):
        LF.triplet_margin_with_distance_loss_backward(ONE, a, pos, neg, LF.pairwise_distance)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="elementwise_mean"), ValueError, "reduction"),
        (dict(reduction="avg", margin=0), ValueError, "reduction"),  # reduction first
        (dict(margin=0), ValueError, "margin"),
        (dict(margin=-2.0, positive=np.ones(4)), ValueError, "margin"),  # margin before shapes
        (dict(margin=None), TypeError, "margin"),
        (dict(positive=np.ones(4)), ValueError, "positive"),
        (dict(negative=np.ones((3, 5))), ValueError, "negative"),
        (dict(anchor=np.ones((3, 4), dtype=np.complex128)), TypeError, "anchor"),
        (dict(distance_function="euclidean"), TypeError, "distance_function"),
        (dict(swap="yes"), TypeError, "swap"),
    ],
)
def test_with_distance_bad_input(kwargs, error, match):
    args = dict(anchor=np.ones((3, 4)), positive=np.zeros((3, 4)), negative=np.full((3, 4), 2.0))
    args.update(kwargs)
    raises_both("triplet_margin_with_distance_loss", error, match, **args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("distance", ["default", "cosine", "squared"])
@pytest.mark.parametrize("swap", [False, True])
def test_with_distance_gradcheck(rng, reduction, distance, swap):
    a = normal(rng, (3, 4))
    gradcheck_as_torch("triplet_margin_with_distance_loss", anchor=a, positive=a + normal(rng, (3, 4)) * 0.5,
                       negative=a + normal(rng, (3, 4)), distance_function=DISTANCES[distance][0], margin=50.0,
                       swap=swap, reduction=reduction)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])  # uint8 wraps around in torch (a − b mod 256)
def test_integer_inputs_are_promoted_like_torch(dtype):
    """torch accepts integer embeddings and computes in float32; so do we (forward only: no gradient)."""
    rng = np.random.default_rng(5)
    a, p, n = (rng.integers(0, 5, size=(3, 4)).astype(dtype) for _ in range(3))
    y = np.array([1, -1, 1])
    compare("margin_ranking_loss", grad=False, input1=a[:, 0], input2=p[:, 0], target=y, reduction="none")
    compare("cosine_embedding_loss", grad=False, input1=a, input2=p, target=y, reduction="none")
    compare("triplet_margin_loss", grad=False, anchor=a, positive=p, negative=n, reduction="none")
    compare("triplet_margin_with_distance_loss", grad=False, anchor=a, positive=p, negative=n, reduction="none")
