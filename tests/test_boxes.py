"""lossedu.functional box losses (GIoU, DIoU, CIoU) against torchvision's formulas, forward and gradient.

torchvision does not import beside this torch, so the reference is a transcription of
torchvision 0.28's `torchvision/ops/{giou,diou,ciou}_loss.py` and `_utils.py` into torch, run
through autograd: the same operations in the same order (torch.max/min of two tensors for the
corners, the masked intersection, CIoU's α under no_grad and its `_diou_iou_loss` called
without eps, the 'mean' of nothing as 0.0 · sum). Every expected number comes from it.
(torchvision 0.28.0's and 0.29.1's files are identical; loaded from the 0.28.0 wheel with its
usage logging stubbed, they agreed with lossedu on 300 random, integer-grid and edge batches
in both dtypes, every reduction and two eps values.)
"""
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu
import lossedu.functional as LF
from homes import tv_ciou, tv_diou, tv_giou
from torchref import TOL, assert_close, assert_refused, gradcheck_as_torch

LOSSES = ["generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]
REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]


# ============================================================================= the home (torchvision transcribed in tests/homes.py)
HOME = {"generalized_box_iou_loss": tv_giou, "distance_box_iou_loss": tv_diou, "complete_box_iou_loss": tv_ciou}


# ============================================================================= comparing
def compare(name, boxes1, boxes2, reduction="none", eps=1e-7, grad_output=None, rtol=None, atol=None):
    """Our forward and `_backward` against the transcription's forward and autograd gradient."""
    ours = getattr(LF, name)(boxes1, boxes2, reduction=reduction, eps=eps)
    t1 = torch.from_numpy(np.array(boxes1))
    t2 = torch.from_numpy(np.array(boxes2))
    diff = [t for t in (t1, t2) if t.is_floating_point()]
    for t in diff:
        t.requires_grad_(True)
    theirs = HOME[name](t1, t2, reduction=reduction, eps=eps)
    assert_close(ours, theirs.detach().numpy(), f"{name} forward", rtol=rtol, atol=atol)
    if grad_output is None:
        rng = np.random.default_rng(1)
        grad_output = rng.uniform(0.5, 1.5, size=ours.shape).astype(ours.dtype)
    ograds = getattr(LF, f"{name}_backward")(grad_output, boxes1, boxes2, reduction=reduction, eps=eps)
    assert isinstance(ograds, tuple) and len(ograds) == 2
    if diff and theirs.requires_grad:
        tgrads = torch.autograd.grad(theirs, diff, torch.from_numpy(np.array(grad_output)), allow_unused=True)
        k = 0
        for t, og, what in ((t1, ograds[0], "boxes1"), (t2, ograds[1], "boxes2")):
            if t.is_floating_point():
                tg = tgrads[k]
                k += 1
                tg = torch.zeros_like(t) if tg is None else tg
                assert_close(og, tg.numpy(), f"{name} gradient of {what}", rtol=rtol, atol=atol)
    for og, b in zip(ograds, (boxes1, boxes2)):
        assert og.shape == np.shape(b)
    return ours, ograds


def random_boxes(rng, shape, dtype=np.float64, scale=10.0):
    """Proper boxes: x1 < x2, y1 < y2."""
    corner = rng.uniform(-scale, scale, size=(*shape, 2))
    size = rng.uniform(0.1, scale, size=(*shape, 2))
    return np.concatenate([corner, corner + size], axis=-1).astype(dtype)


# ============================================================================= parity
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_matches_torchvision(rng, name, reduction, dtype):
    b1, b2 = random_boxes(rng, (12,), dtype), random_boxes(rng, (12,), dtype)
    out, grads = compare(name, b1, b2, reduction=reduction)
    assert out.dtype == dtype and all(g.dtype == dtype for g in grads)


@pytest.mark.parametrize("eps", [0.0, 1e-3, 0.5, 2.0])
@pytest.mark.parametrize("name", LOSSES)
def test_eps(rng, name, eps):
    # small boxes so that eps weighs: CIoU's eps only enters α (torchvision's quirk), so a CIoU that
    # passed eps on to the IoU would fail here
    b1, b2 = random_boxes(rng, (8,), scale=0.5), random_boxes(rng, (8,), scale=0.5)
    compare(name, b1, b2, reduction="none", eps=eps)


def test_ciou_eps_is_not_passed_to_its_iou():
    # one pair, eps = 1: torchvision's CIoU = DIoU(eps=1e-7) + α(eps=1)·v, not DIoU(eps=1) + …
    b1, b2 = np.array([0.0, 0.0, 2.0, 1.0]), np.array([0.5, 0.0, 1.5, 2.0])
    ours = LF.complete_box_iou_loss(b1, b2, eps=1.0)
    diou_default = LF.distance_box_iou_loss(b1, b2)
    diou_one = LF.distance_box_iou_loss(b1, b2, eps=1.0)
    v = 4 / math.pi**2 * (math.atan(1 / 2) - math.atan(2)) ** 2
    iou = 1.0 / (2 + 2 - 1 + 1e-7)
    assert ours == pytest.approx(diou_default + v / (1 - iou + v + 1.0) * v, rel=1e-12)
    assert abs(ours - diou_one) > 1e-2


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 1, 3)])
def test_leading_shapes(rng, name, shape):
    b1, b2 = random_boxes(rng, shape), random_boxes(rng, shape)
    for reduction in REDUCTIONS:
        out, _ = compare(name, b1, b2, reduction=reduction)
        assert out.shape == (shape if reduction == "none" else ())


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("s1, s2", [((5, 4), (4,)), ((5, 4), (1, 4)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (2, 1, 4))])
def test_boxes2_broadcasts_to_boxes1(rng, name, s1, s2):
    # torchvision broadcasts boxes2 against boxes1 (not the other way); the gradient is summed back
    b1, b2 = random_boxes(rng, s1[:-1]), random_boxes(rng, s2[:-1])
    for reduction in REDUCTIONS:
        compare(name, b1, b2, reduction=reduction)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty(name, reduction):
    # 'mean' of no boxes is 0 (torchvision: 0.0 * loss.sum()), not nan
    b = np.zeros((0, 4))
    out, grads = compare(name, b, b, reduction=reduction)
    assert out.shape == ((0,) if reduction == "none" else ())
    if reduction != "none":
        assert out == 0.0 and not np.isnan(out)
    assert grads[0].shape == (0, 4) and grads[1].shape == (0, 4)


# ============================================================================= edges
def _edge_boxes():
    """Pairs at every edge: identical, touching, disjoint, nested, zero width/height/area, points,
    x2 < x1, shared corners (ties in every max/min), far apart."""
    pairs = [
        ([0, 0, 1, 1], [0, 0, 1, 1]),        # identical: every max/min tied
        ([0, 0, 1, 1], [1, 0, 2, 1]),        # touching edge: I = 0 by the strict mask
        ([0, 0, 1, 1], [2, 3, 4, 5]),        # disjoint
        ([0, 0, 4, 4], [1, 1, 2, 2]),        # nested
        ([0, 0, 2, 3], [0, 1, 2, 2]),        # shared x corners
        ([0, 0, 0, 2], [0, 0, 1, 2]),        # zero width
        ([0, 0, 2, 0], [1, 0, 3, 1]),        # zero height (CIoU: atan(inf))
        ([1, 1, 1, 1], [0, 0, 2, 2]),        # a point
        ([1, 1, 1, 1], [1, 1, 1, 1]),        # two equal points (CIoU: 0/0 = nan)
        ([2, 0, 0, 1], [0, 0, 1, 1]),        # x2 < x1
        ([0, 2, 1, 0], [0, 0, 1, -1]),       # y2 < y1 both
        ([0, 0, 1, 1], [1e6, 1e6, 1e6 + 1, 1e6 + 2]),  # far apart
        ([0.5, 0.5, 3, 2], [0.5, 0.25, 3, 2]),           # ties on three corners
    ]
    b1 = np.array([p for p, _ in pairs], dtype=np.float64)
    b2 = np.array([q for _, q in pairs], dtype=np.float64)
    return b1, b2


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_degenerate_touching_tied_boxes(name, reduction):
    b1, b2 = _edge_boxes()
    if reduction != "none" and name == "complete_box_iou_loss":
        # the nan of two equal points would swallow the sum; its row is tested with 'none'
        b1, b2 = np.delete(b1, 8, axis=0), np.delete(b2, 8, axis=0)
    compare(name, b1, b2, reduction=reduction)
    compare(name, b2, b1, reduction=reduction)


def test_ciou_nan_of_two_points_matches():
    b = np.array([[1.0, 1.0, 1.0, 1.0]])
    out, (g1, g2) = compare("complete_box_iou_loss", b, b)
    assert np.isnan(out).all()


@pytest.mark.parametrize("name", LOSSES)
def test_ties_split_the_gradient_in_half(name):
    # identical boxes: every corner max/min is tied, and autograd gives each box half (`compare`
    # asserts our gradient is the transcription's)
    b = np.array([0.0, 0.0, 2.0, 1.0])
    _, (g1, g2) = compare(name, b, b.copy(), grad_output=np.float64(1.0))
    # a box moved by a hair breaks the ties: the tie gradient is the mean of the two one-sided ones
    h = 1e-9
    left = getattr(LF, f"{name}_backward")(1.0, b, b + np.array([h, h, h, h]))
    right = getattr(LF, f"{name}_backward")(1.0, b, b - np.array([h, h, h, h]))
    for k in range(2):
        np.testing.assert_allclose((left[k] + right[k]) / 2, (g1, g2)[k], atol=1e-6)


@pytest.mark.parametrize("name", LOSSES)
def test_nan_and_inf_coordinates(name):
    b1 = np.array([[np.nan, 0, 1, 1], [0, 0, np.inf, 1], [0, 0, 1, 1], [-np.inf, 0, 1, 1]])
    b2 = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [0, np.nan, 1, 1], [0, 0, 1, 1]])
    compare(name, b1, b2)


# ============================================================================= hypothesis
coordinates = st.one_of(
    st.integers(-4, 4).map(float),                       # ties and degenerate boxes are common
    st.floats(-50, 50, allow_nan=False, allow_infinity=False),
)


@given(
    st.sampled_from(LOSSES),
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(lambda s: (*s[:-1], 4)),
    st.data(),
    st.sampled_from(REDUCTIONS),
    st.sampled_from([1e-7, 1e-3, 1.0]),
)
def test_hypothesis_any_boxes(name, shape, data, reduction, eps):
    b1 = data.draw(hnp.arrays(np.float64, shape, elements=coordinates))
    b2 = data.draw(hnp.arrays(np.float64, shape, elements=coordinates))
    out = getattr(LF, name)(b1, b2)
    if reduction != "none" and np.isnan(out).any():
        reduction = "none"  # nan (CIoU's 0/0 heights) poisons every reduced gradient alike
    compare(name, b1, b2, reduction=reduction, eps=eps)


@given(
    st.sampled_from(LOSSES),
    st.integers(1, 6),
    st.sampled_from(REDUCTIONS),
    st.randoms(use_true_random=False),
)
def test_hypothesis_proper_boxes_float32(name, n, reduction, random):
    rng = np.random.default_rng(random.getrandbits(32))
    b1, b2 = random_boxes(rng, (n,), np.float32), random_boxes(rng, (n,), np.float32)
    # snap some coordinates to a grid so that corners tie
    b2 = np.where(rng.random(b2.shape) < 0.3, np.round(b1), b2).astype(np.float32)
    b1 = np.where(rng.random(b1.shape) < 0.3, np.round(b1), b1).astype(np.float32)
    compare(name, b1, b2, reduction=reduction)


# ============================================================================= dtypes
@pytest.mark.parametrize("name", LOSSES)
def test_integer_and_float16_boxes_are_computed_in_float32(rng, name):
    b1 = np.array([[0, 0, 4, 3], [1, 1, 5, 6]])
    b2 = np.array([[1, 0, 3, 5], [0, 2, 2, 4]], dtype=np.int32)
    out, (g1, g2) = compare(name, b1, b2)
    assert out.dtype == np.float32 and g1.dtype == np.float32
    h1, h2 = b1.astype(np.float16), b2.astype(np.float16)
    out, (g1, g2) = compare(name, h1, h2, rtol=TOL[np.float32]["rtol"], atol=TOL[np.float32]["atol"])
    assert out.dtype == np.float32 and g1.dtype == np.float16 and g2.dtype == np.float16


@pytest.mark.parametrize("name", LOSSES)
def test_mixed_float_dtypes(rng, name):
    b64, b32 = random_boxes(rng, (4,)), random_boxes(rng, (4,), np.float32)
    out, (g1, g2) = compare(name, b64, b32, rtol=1e-6)
    assert out.dtype == np.float64 and g1.dtype == np.float64 and g2.dtype == np.float32
    # the other way round torchvision refuses (index_put of float64 into float32)
    with pytest.raises(RuntimeError, match="Index put requires"):
        HOME[name](torch.from_numpy(b32), torch.from_numpy(b64))
    assert_refused(name, TypeError, "boxes2.*boxes1", boxes1=b32, boxes2=b64)


# ============================================================================= as_torch
def _same_aspect(rng, b1, b2):
    """b2 with b1's aspect ratios (v = 0): there CIoU's α·v has the true derivative α·∂v = 0."""
    k = rng.uniform(0.5, 2, size=(len(b2), 1))
    size = (b1[:, 2:] - b1[:, :2]) * k
    return np.concatenate([b2[:, :2], b2[:, :2] + size], axis=-1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_gradcheck_as_torch(rng, name, reduction):
    b1, b2 = random_boxes(rng, (5,), scale=3), random_boxes(rng, (5,), scale=3)
    b2[:2] = b1[:2] + rng.uniform(-0.3, 0.3, size=(2, 4))  # overlapping pairs too
    if name == "complete_box_iou_loss":
        # α is held constant, so the gradient is not the derivative of the loss (finite
        # differences see α move) except where v = 0; elsewhere see the next test
        b2 = _same_aspect(rng, b1, b2)
    gradcheck_as_torch(name, boxes1=b1, boxes2=b2, reduction=reduction)


def test_ciou_gradient_holds_alpha_constant(rng):
    # finite differences of DIoU + α₀·v with α₀ frozen at the base point equal our gradient; those of
    # the loss itself (α moving) do not: the gradient is torchvision's, not the derivative
    from lossedu.functional import boxes as B

    b1, b2 = random_boxes(rng, (4,), scale=3), random_boxes(rng, (4,), scale=3)
    b2[:2] = b1[:2] + rng.uniform(-0.3, 0.3, size=(2, 4))
    p, q = B._corners(b1), B._corners(b2)
    _, iou = B._diou(p, q, 1e-7)
    v, _ = B._aspect(p, q)
    alpha0 = v / (1 - iou + v + 1e-7)

    def frozen(x1):
        pp = B._corners(x1)
        return np.sum(LF.distance_box_iou_loss(x1, b2) + alpha0 * B._aspect(pp, q)[0])

    ours, _ = LF.complete_box_iou_loss_backward(np.ones(4), b1, b2)
    h = 1e-6
    numeric = np.zeros_like(b1)
    moving = np.zeros_like(b1)
    for idx in np.ndindex(b1.shape):
        e = np.zeros_like(b1)
        e[idx] = h
        numeric[idx] = (frozen(b1 + e) - frozen(b1 - e)) / (2 * h)
        moving[idx] = (np.sum(LF.complete_box_iou_loss(b1 + e, b2)) - np.sum(LF.complete_box_iou_loss(b1 - e, b2))) / (2 * h)
    np.testing.assert_allclose(ours, numeric, rtol=1e-5, atol=1e-7)
    assert not np.allclose(ours, moving, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", LOSSES)
def test_as_torch_trains_like_the_home(rng, name):
    b1, b2 = random_boxes(rng, (6,)), random_boxes(rng, (6,))
    fn = lossedu.as_torch(getattr(LF, name))
    t1 = torch.from_numpy(b1).requires_grad_()
    out = fn(t1, torch.from_numpy(b2), reduction="mean")
    out.backward()
    r1 = torch.from_numpy(b1).requires_grad_()
    HOME[name](r1, torch.from_numpy(b2), reduction="mean").backward()
    np.testing.assert_allclose(t1.grad.numpy(), r1.grad.numpy(), rtol=1e-9, atol=1e-12)


# ============================================================================= refused
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(boxes1=np.zeros((3, 5))), ValueError, "boxes1.*\\(\\.\\.\\., 4\\)"),
        (dict(boxes2=np.zeros((3, 3))), ValueError, "boxes2.*\\(\\.\\.\\., 4\\)"),
        (dict(boxes1=np.zeros(())), ValueError, "boxes1"),
        (dict(boxes2=np.zeros((2, 4))), ValueError, "boxes2.*boxes1"),
        (dict(boxes1=np.zeros((1, 4)), boxes2=np.zeros((3, 4))), ValueError, "boxes2.*boxes1"),
        (dict(boxes1=np.zeros((3, 4), dtype=complex)), TypeError, "boxes1"),
        (dict(boxes2=np.array([["a", "b", "c", "d"]] * 3)), TypeError, "boxes2"),
        (dict(boxes1=None), TypeError, "boxes1"),
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction="elementwise_mean"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(eps="small"), TypeError, "eps"),
        (dict(eps=None), TypeError, "eps"),
    ],
)
def test_refused(name, kwargs, error, match):
    args = dict(boxes1=np.zeros((3, 4)), boxes2=np.zeros((3, 4)))
    args.update(kwargs)
    assert_refused(name, error, match, **args)


@pytest.mark.parametrize("name", LOSSES)
def test_grad_output_must_have_the_result_shape(rng, name):
    b1, b2 = random_boxes(rng, (3,)), random_boxes(rng, (3,))
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{name}_backward")(np.ones(4), b1, b2)
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{name}_backward")(np.ones(3), b1, b2, reduction="sum")


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("s1, s2", [((1, 4), (3, 4)), ((4,), (3, 4)), ((2, 4), (3, 4))])
def test_boxes1_does_not_broadcast_to_boxes2(name, s1, s2):
    # torchvision's intersection lives in zeros of boxes1's shape: a larger mask cannot index it
    with pytest.raises(Exception):
        HOME[name](torch.zeros(s1), torch.zeros(s2))
    assert_refused(name, ValueError, "boxes2.*boxes1", boxes1=np.zeros(s1), boxes2=np.zeros(s2))
