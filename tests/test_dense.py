"""lossedu.functional dense-prediction losses against their homes, forward and gradient.

sigmoid_focal_loss against a transcription of torchvision.ops.sigmoid_focal_loss into torch
(torchvision does not import beside this torch); focal_loss, dice_loss, tversky_loss,
lovasz_hinge_loss and lovasz_softmax_loss against kornia 0.9.0 itself. Every expected number
comes from running the home (autograd for the gradients) on the same arrays.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import lossedu
import lossedu.functional as LF
from homes import torchvision_sigmoid_focal_loss
from torchref import TOL, assert_close, assert_refused, gradcheck_as_torch, to_torch

kornia_losses = pytest.importorskip("kornia.losses")

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["none", "mean", "sum"]


# ============================================================================= the homes (torchvision's focal loss transcribed in tests/homes.py)
def kornia_lovasz_hinge_stable(pred, target):
    """kornia's lovasz_hinge_loss with a stable sort: the convention COURSE.md fixes for ties
    (torch's descending sort is stable only for rows of at most 16 elements)."""
    p = pred.reshape(pred.shape[0], -1)
    t = target.reshape(target.shape[0], -1).to(p.dtype)
    signs = 2.0 * t - 1.0
    errors = 1.0 - p * signs
    errors_sorted, perm = errors.sort(dim=1, descending=True, stable=True)
    return (errors_sorted.relu() * _jaccard_weights(t.gather(1, perm))).sum(1).mean()


def kornia_lovasz_softmax_stable(pred, target, weight=None):
    """kornia's lovasz_softmax_loss with a stable sort (see above)."""
    s = pred.reshape(pred.shape[0], pred.shape[1], -1).softmax(1)
    fg = F.one_hot(target.reshape(target.shape[0], -1).long(), s.shape[1]).permute(0, 2, 1).to(s.dtype)
    errors_sorted, perm = (s - fg).abs().sort(dim=2, descending=True, stable=True)
    per_class = (errors_sorted * _jaccard_weights(fg.gather(2, perm))).sum(2).mean(0)
    return (per_class if weight is None else per_class * weight).mean()


def _jaccard_weights(t):
    total = t.sum(-1, keepdim=True)
    jac = 1.0 - (total - t.cumsum(-1)) / (total + (1.0 - t).cumsum(-1))
    return torch.cat([jac[..., :1], jac[..., 1:] - jac[..., :-1]], -1)


HOME = {
    "sigmoid_focal_loss": torchvision_sigmoid_focal_loss,
    "focal_loss": kornia_losses.focal_loss,
    "dice_loss": kornia_losses.dice_loss,
    "tversky_loss": kornia_losses.tversky_loss,
    "lovasz_hinge_loss": kornia_losses.lovasz_hinge_loss,
    "lovasz_softmax_loss": kornia_losses.lovasz_softmax_loss,
}
# kornia calls our `input` `pred`.
HOME_NAMES = {"input": "pred"}


def home_run(name, kwargs, grad_output, home=None):
    """The home's value and its autograd gradient of our first argument."""
    wrt = LF.GRADIENT_OF[name][0]
    tk = {HOME_NAMES.get(k, k): to_torch(v, k == wrt) for k, v in kwargs.items()}
    out = (home or HOME[name])(**tk)
    x = tk[HOME_NAMES.get(wrt, wrt)]
    if not out.requires_grad:
        return out.detach().numpy(), np.zeros_like(kwargs[wrt])
    (g,) = torch.autograd.grad(out, [x], torch.as_tensor(np.asarray(grad_output), dtype=out.dtype))
    return out.detach().numpy(), g.numpy()


def check(name, home=None, rtol=None, atol=None, seed=1, **kwargs):
    """Our forward and `_backward` equal the home's forward and autograd (values, dtype, nan/inf)."""
    ours = getattr(LF, name)(**kwargs)
    grad_output = np.random.default_rng(seed).uniform(0.5, 1.5, size=np.shape(ours)).astype(ours.dtype)
    theirs, tgrad = home_run(name, kwargs, grad_output, home)
    assert_close(ours, theirs, f"{name} forward", rtol=rtol, atol=atol)
    ograd = getattr(LF, f"{name}_backward")(grad_output, **kwargs)
    assert_close(ograd, tgrad, f"{name} gradient", rtol=rtol, atol=atol)
    return ours, ograd


# float32 logits with a float64 weight give a float64 result of float32 accuracy (the softmax is float32).
F32 = dict(rtol=TOL[np.float32]["rtol"], atol=TOL[np.float32]["atol"])


def logits(rng, shape, dtype=np.float64, scale=2.0):
    return (scale * rng.normal(size=shape)).astype(dtype)


def labels(rng, shape, n_classes, ignore=0.0, ignore_index=-100):
    t = rng.integers(0, n_classes, size=shape)
    if ignore_index is None:
        return t
    return np.where(rng.uniform(size=shape) < ignore, ignore_index, t).astype(np.int64)


# ============================================================================= sigmoid_focal_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (-1, 2.0), (0.5, 0.0), (0.9, 0.5), (0.0, 1), (1.0, 3.5)])
def test_sigmoid_focal_matches_torchvision(rng, dtype, reduction, alpha, gamma):
    x = logits(rng, (4, 3, 5), dtype)
    t = rng.integers(0, 2, size=x.shape).astype(dtype)
    out, _ = check("sigmoid_focal_loss", inputs=x, targets=t, alpha=alpha, gamma=gamma, reduction=reduction)
    assert out.dtype == dtype


def test_sigmoid_focal_soft_targets_and_mixed_dtypes(rng):
    x = logits(rng, (6, 4), np.float32)
    t = rng.uniform(size=(6, 4))  # float64 targets: the result is float64, as in torch
    out, grad = check("sigmoid_focal_loss", inputs=x, targets=t, reduction="mean")
    assert out.dtype == np.float64 and grad.dtype == np.float32


def test_sigmoid_focal_is_bce_without_alpha_and_gamma(rng):
    x, t = logits(rng, (5, 7)), rng.integers(0, 2, size=(5, 7)).astype(float)
    bce = F.binary_cross_entropy_with_logits(to_torch(x), to_torch(t), reduction="none").numpy()
    np.testing.assert_allclose(LF.sigmoid_focal_loss(x, t, alpha=-1, gamma=0.0), bce, rtol=1e-12)


def test_sigmoid_focal_saturated_logits(rng):
    # σ(±40) rounds to 1 / 0: b = 1 − p_t is exactly 0 for correct labels; with 0 < γ < 1
    # torch's pow gradient is inf there and 0·inf = nan, and we follow it.
    x = np.array([40.0, -40.0, 40.0, -40.0, 0.0, 800.0])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    for gamma in (0.0, 0.5, 1.0, 2.0):
        check("sigmoid_focal_loss", inputs=x, targets=t, gamma=gamma)


def test_sigmoid_focal_empty(rng):
    x = np.zeros((0, 3))
    assert np.isnan(LF.sigmoid_focal_loss(x, x, reduction="mean"))
    check("sigmoid_focal_loss", inputs=x, targets=x, reduction="sum")
    check("sigmoid_focal_loss", inputs=x, targets=x, reduction="none")


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    alpha=st.sampled_from([0.25, -1, 0.75]),
    gamma=st.floats(0, 4),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 2**16),
)
def test_sigmoid_focal_hypothesis(shape, alpha, gamma, reduction, seed):
    rng = np.random.default_rng(seed)
    x = logits(rng, shape, scale=5)
    t = rng.uniform(size=shape).round(1)
    check("sigmoid_focal_loss", inputs=x, targets=t, alpha=alpha, gamma=gamma, reduction=reduction)


# ============================================================================= focal_loss
FOCAL_OPTIONS = [
    dict(alpha=0.25),
    dict(alpha=None),
    dict(alpha=0.5, gamma=0.0),
    dict(alpha=0.8, gamma=0.5),
    dict(alpha=None, gamma=1),
    dict(alpha=0.25, weight=True),
    dict(alpha=0.25, ignore_index=None),
    dict(alpha=0.25, ignore_index=2),
    dict(alpha=1.5, gamma=2.0),  # not validated by kornia
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", FOCAL_OPTIONS, ids=str)
def test_focal_matches_kornia(rng, dtype, reduction, options):
    x = logits(rng, (2, 4, 3, 5), dtype)
    t = labels(rng, (2, 3, 5), 4, ignore=0.2, ignore_index=options.get("ignore_index", -100))
    if options.get("weight") is True:
        options = dict(options, weight=rng.uniform(0.1, 2, size=4).astype(dtype))
    out, _ = check("focal_loss", input=x, target=t, reduction=reduction, **options)
    assert out.dtype == dtype
    if reduction == "none":
        assert out.shape == x.shape


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 7), (1, 2, 2, 2, 3)])
def test_focal_any_spatial_rank(rng, shape):
    x = logits(rng, shape)
    t = labels(rng, (shape[0],) + shape[2:], shape[1], ignore=0.2)
    check("focal_loss", input=x, target=t, alpha=0.3, reduction="mean")


def test_focal_float64_weight_promotes(rng):
    x = logits(rng, (2, 3, 2, 2), np.float32)
    out, grad = check("focal_loss", input=x, target=labels(rng, (2, 2, 2), 3), alpha=0.25,
                      weight=np.array([1.0, 2.0, 0.5]), reduction="sum", **F32)
    assert out.dtype == np.float64 and grad.dtype == np.float32


def test_focal_ignored_pixels_are_zero_but_counted(rng):
    x = logits(rng, (1, 3, 2, 2))
    t = np.array([[[0, 1], [-100, -100]]])
    none = LF.focal_loss(x, t, alpha=None, reduction="none")
    assert np.all(none[0, :, 1] == 0)
    # 'mean' still divides by all C·B·H·W elements, the ignored ones too.
    assert LF.focal_loss(x, t, alpha=None, reduction="mean") == pytest.approx(none.sum() / 12, rel=1e-12)
    grad = LF.focal_loss_backward(1.0, x, t, alpha=None, reduction="mean")
    assert np.all(grad[0, :, 1] == 0)
    check("focal_loss", input=x, target=t, alpha=None, reduction="mean")
    all_ignored = np.full((1, 2, 2), -100)
    check("focal_loss", input=x, target=all_ignored, alpha=0.25, reduction="mean")
    check("focal_loss", input=1e4 * x, target=t, alpha=0.25, reduction="sum")  # huge logits at ignored pixels


def test_focal_gamma_zero_is_cross_entropy_over_c(rng):
    x, t = logits(rng, (3, 4, 5)), labels(rng, (3, 5), 4)
    ce = F.cross_entropy(to_torch(x), to_torch(t)).item()
    assert LF.focal_loss(x, t, alpha=None, gamma=0.0, reduction="mean") == pytest.approx(ce / 4, rel=1e-12)


def test_focal_saturated_probabilities(rng):
    # p_t rounds to 1: kornia detaches the factor, so 0 < γ < 1 gives no nan gradient.
    x = np.zeros((2, 3, 4))
    t = labels(rng, (2, 4), 3)
    np.put_along_axis(x, t[:, None], 60.0, axis=1)
    x[0, :, 0] = [-60.0, 0.0, 60.0]
    for gamma in (0.0, 0.3, 1.0, 2.0):
        _, grad = check("focal_loss", input=x, target=t, alpha=0.25, gamma=gamma, reduction="sum")
        assert np.all(np.isfinite(grad))


def test_focal_empty_and_large(rng):
    x = np.zeros((0, 3, 2))
    assert np.isnan(LF.focal_loss(x, np.zeros((0, 2), np.int64), alpha=0.25, reduction="mean"))
    check("focal_loss", input=x, target=np.zeros((0, 2), np.int64), alpha=0.25, reduction="sum")
    # 2**19 logits: kornia's chunked target-log-probability path; the same numbers.
    x = logits(rng, (2, 4, 256, 256), scale=1)
    check("focal_loss", input=x, target=labels(rng, (2, 256, 256), 4, ignore=0.1), alpha=0.25, reduction="mean")


@given(
    b=st.integers(1, 3), c=st.integers(1, 5), hw=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    alpha=st.sampled_from([None, 0.25, 0.6]), gamma=st.floats(0, 3),
    reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(), seed=st.integers(0, 2**16),
)
def test_focal_hypothesis(b, c, hw, alpha, gamma, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x = logits(rng, (b, c, *hw), scale=4)
    t = labels(rng, (b, *hw), c, ignore=0.2)
    weight = rng.uniform(0, 2, size=c) if weighted else None
    check("focal_loss", input=x, target=t, alpha=alpha, gamma=gamma, reduction=reduction, weight=weight)


# ============================================================================= dice_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("average", ["micro", "macro"])
@pytest.mark.parametrize("options", [{}, dict(eps=0.0), dict(eps=1.0), dict(weight=True),
                                     dict(ignore_index=None), dict(ignore_index=1)], ids=str)
def test_dice_matches_kornia(rng, dtype, average, options):
    x = logits(rng, (3, 4, 5, 6), dtype)
    t = labels(rng, (3, 5, 6), 4, ignore=0.2, ignore_index=options.get("ignore_index", -100))
    if options.get("weight") is True:
        options = dict(options, weight=rng.uniform(0.1, 2, size=4).astype(dtype))
    out, _ = check("dice_loss", input=x, target=t, average=average, **options)
    assert out.dtype == dtype and out.shape == ()


@pytest.mark.parametrize("average", ["micro", "macro"])
def test_dice_edges(rng, average):
    x = logits(rng, (3, 3, 2, 3))
    t = labels(rng, (3, 2, 3), 3)
    t[0] = -100  # a fully ignored sample: loss 1, no gradient
    t[1] = 2  # one class present: macro averages over it alone
    out, grad = check("dice_loss", input=x, target=t, average=average, eps=0.0)
    assert np.all(grad[0] == 0)
    # Zero weights: macro with every present class weighted 0 is loss 1 too.
    check("dice_loss", input=x, target=t, average=average, weight=np.array([1.0, 1.0, 0.0]))
    check("dice_loss", input=x, target=t, average=average, weight=np.zeros(3))
    # A float64 weight with float32 logits gives float64, as kornia's promotion does.
    out, grad = check("dice_loss", input=x.astype(np.float32), target=t, average=average, weight=np.ones(3),
                      **F32)
    assert out.dtype == np.float64 and grad.dtype == np.float32
    # One channel: softmax 1 everywhere, a constant loss with zero gradient.
    check("dice_loss", input=x[:, :1], target=np.zeros((3, 2, 3), np.int64), average=average)


@pytest.mark.parametrize("average", ["micro", "macro"])
def test_dice_large_input_path(rng, average):
    # ≥ 2**15 logits: kornia skips the one-hot target; the same numbers to rounding.
    x = logits(rng, (2, 4, 64, 64), scale=1)
    check("dice_loss", input=x, target=labels(rng, (2, 64, 64), 4, ignore=0.1), average=average,
          weight=np.array([0.5, 1.0, 2.0, 1.0]))


def test_dice_micro_and_macro_differ_under_imbalance(rng):
    x = logits(rng, (1, 2, 8, 8))
    t = np.zeros((1, 8, 8), np.int64)
    t[0, :2, :2] = 1  # a small foreground
    assert abs(LF.dice_loss(x, t, average="micro") - LF.dice_loss(x, t, average="macro")) > 1e-3


@given(
    b=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(1, 4),
    average=st.sampled_from(["micro", "macro"]), eps=st.sampled_from([1e-8, 0.0, 0.5]),
    weighted=st.booleans(), ignore=st.sampled_from([0.0, 0.3, 1.0]), seed=st.integers(0, 2**16),
)
def test_dice_hypothesis(b, c, h, w, average, eps, weighted, ignore, seed):
    rng = np.random.default_rng(seed)
    x = logits(rng, (b, c, h, w), scale=3)
    weight = rng.uniform(0, 2, size=c) if weighted else None
    check("dice_loss", input=x, target=labels(rng, (b, h, w), c, ignore=ignore), average=average, eps=eps,
          weight=weight)


# ============================================================================= tversky_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha, beta", [(0.5, 0.5), (0.3, 0.7), (0.7, 0.3), (1.0, 1.0), (0.0, 0.0)])
@pytest.mark.parametrize("options", [{}, dict(eps=0.0), dict(ignore_index=None), dict(ignore_index=3)], ids=str)
def test_tversky_matches_kornia(rng, dtype, alpha, beta, options):
    x = logits(rng, (3, 4, 5, 4), dtype)
    t = labels(rng, (3, 5, 4), 4, ignore=0.2, ignore_index=options.get("ignore_index", -100))
    out, _ = check("tversky_loss", input=x, target=t, alpha=alpha, beta=beta, **options)
    assert out.dtype == dtype and out.shape == ()


def test_tversky_edges_and_dice(rng):
    x = logits(rng, (3, 3, 2, 2))
    t = labels(rng, (3, 2, 2), 3)
    t[0] = -100
    t[1] = 1
    _, grad = check("tversky_loss", input=x, target=t, alpha=0.4, beta=0.6, eps=0.0)
    assert np.all(grad[0] == 0)
    # α = β = ½ is the macro Dice with twice the ε (kornia's documented identity).
    t[0] = 0
    assert LF.tversky_loss(x, t, 0.5, 0.5, eps=1e-3) == pytest.approx(
        LF.dice_loss(x, t, average="macro", eps=2e-3), rel=1e-12)


@given(
    b=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(1, 4),
    alpha=st.floats(0, 1), beta=st.floats(0, 1), ignore=st.sampled_from([0.0, 0.3, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_tversky_hypothesis(b, c, h, w, alpha, beta, ignore, seed):
    rng = np.random.default_rng(seed)
    x = logits(rng, (b, c, h, w), scale=3)
    check("tversky_loss", input=x, target=labels(rng, (b, h, w), c, ignore=ignore), alpha=alpha, beta=beta)


# ============================================================================= lovasz_hinge_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 1, 3, 4), (3, 1, 8, 9), (1, 1, 1, 1)])
def test_lovasz_hinge_matches_kornia(rng, dtype, shape):
    x = logits(rng, shape, dtype)
    t = rng.integers(0, 2, size=(shape[0],) + shape[2:])
    out, _ = check("lovasz_hinge_loss", input=x, target=t)
    assert out.dtype == dtype


def test_lovasz_hinge_ties_follow_the_stable_sort(rng):
    # Logits in {−1, 0, 1}: many tied errors, and errors exactly 0 (the ReLU's kink passes 0).
    # Up to 16 pixels torch's descending sort is stable: kornia itself agrees pixel by pixel.
    for shape in [(3, 1, 4, 4), (2, 1, 2, 3)]:
        x = rng.integers(-1, 2, size=shape).astype(float)
        t = rng.integers(0, 2, size=(shape[0],) + shape[2:])
        check("lovasz_hinge_loss", input=x, target=t)
    # Beyond 16 pixels torch's sort is not stable: the loss is still kornia's, the gradient is
    # that of the same formula with a stable sort.
    x = rng.integers(-1, 2, size=(2, 1, 6, 7)).astype(float)
    t = rng.integers(0, 2, size=(2, 6, 7))
    check("lovasz_hinge_loss", input=x, target=t, home=kornia_lovasz_hinge_stable)
    np.testing.assert_allclose(LF.lovasz_hinge_loss(x, t),
                               kornia_losses.lovasz_hinge_loss(to_torch(x), to_torch(t)).numpy(), rtol=1e-12)


def test_lovasz_hinge_unchecked_labels_and_types(rng):
    x = logits(rng, (2, 1, 2, 3))
    check("lovasz_hinge_loss", input=x, target=np.array([[[2, 0, 1], [-100, 1, 0]]] * 2))
    check("lovasz_hinge_loss", input=x, target=rng.integers(0, 2, size=(2, 2, 3)).astype(np.float32))
    check("lovasz_hinge_loss", input=x.astype(np.float32), target=rng.integers(0, 2, size=(2, 2, 3)).astype(bool))
    # An integer input is computed in float32, as torch promotes it.
    xi = rng.integers(-3, 4, size=(2, 1, 2, 3))
    assert LF.lovasz_hinge_loss(xi, np.ones((2, 2, 3))).dtype == np.float32
    # All-correct confident logits: loss 0; no pixels: 0; no images: nan.
    assert LF.lovasz_hinge_loss(np.full((1, 1, 2, 2), 5.0), np.ones((1, 2, 2))) == 0
    check("lovasz_hinge_loss", input=np.zeros((2, 1, 0, 3)), target=np.zeros((2, 0, 3)))
    assert np.isnan(LF.lovasz_hinge_loss(np.zeros((0, 1, 2, 2)), np.zeros((0, 2, 2))))


@given(
    b=st.integers(1, 3), h=st.integers(1, 4), w=st.integers(1, 4), ties=st.booleans(), seed=st.integers(0, 2**16),
)
def test_lovasz_hinge_hypothesis(b, h, w, ties, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=(b, 1, h, w)) / 2 if ties else logits(rng, (b, 1, h, w))
    check("lovasz_hinge_loss", input=x, target=rng.integers(0, 2, size=(b, h, w)))


# ============================================================================= lovasz_softmax_loss
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 3, 4), (3, 5, 6, 7), (1, 2, 1, 1)])
def test_lovasz_softmax_matches_kornia(rng, dtype, weighted, shape):
    x = logits(rng, shape, dtype)
    t = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    weight = rng.uniform(0.1, 2, size=shape[1]).astype(dtype) if weighted else None
    out, _ = check("lovasz_softmax_loss", input=x, target=t, weight=weight)
    assert out.dtype == dtype


def test_lovasz_softmax_ties_and_broadcast(rng):
    # Equal logits on pixels give tied errors; up to 16 pixels kornia's sort is stable.
    x = np.repeat(rng.integers(-1, 2, size=(2, 3, 1, 4)).astype(float), 4, axis=2)
    t = rng.integers(0, 3, size=(2, 4, 4))
    check("lovasz_softmax_loss", input=x, target=t)
    check("lovasz_softmax_loss", input=np.zeros((2, 3, 2, 2)), target=t[:, :2, :2])  # all errors tie per class
    # One prediction scored against every target: its gradients add up.
    check("lovasz_softmax_loss", input=x[:1], target=t, weight=np.array([1.0, 0.0, 3.0]))
    # Larger rows with ties: the stable-sort transcription, and kornia's value.
    x = np.repeat(rng.integers(-1, 2, size=(2, 3, 1, 6)).astype(float), 5, axis=2)
    t = rng.integers(0, 3, size=(2, 5, 6))
    check("lovasz_softmax_loss", input=x, target=t, home=kornia_lovasz_softmax_stable)
    np.testing.assert_allclose(LF.lovasz_softmax_loss(x, t),
                               kornia_losses.lovasz_softmax_loss(to_torch(x), to_torch(t)).numpy(), rtol=1e-12)


def test_lovasz_softmax_types_and_absent_classes(rng):
    x = logits(rng, (2, 4, 2, 3))
    t = np.zeros((2, 2, 3), np.int64)  # classes 1..3 absent: they still count
    check("lovasz_softmax_loss", input=x, target=t)
    check("lovasz_softmax_loss", input=x, target=rng.integers(0, 4, size=(2, 2, 3)).astype(np.float64) + 0.7)
    out, grad = check("lovasz_softmax_loss", input=x.astype(np.float32), target=t, weight=np.ones(4), **F32)
    assert out.dtype == np.float64 and grad.dtype == np.float32
    assert np.isnan(LF.lovasz_softmax_loss(np.zeros((0, 2, 1, 1)), np.zeros((0, 1, 1), np.int64)))


@given(
    b=st.integers(1, 3), c=st.integers(2, 4), h=st.integers(1, 4), w=st.integers(1, 4),
    ties=st.booleans(), weighted=st.booleans(), seed=st.integers(0, 2**16),
)
def test_lovasz_softmax_hypothesis(b, c, h, w, ties, weighted, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, size=(b, c, h, w)).astype(float) if ties else logits(rng, (b, c, h, w))
    weight = rng.uniform(0, 2, size=c) if weighted else None
    check("lovasz_softmax_loss", input=x, target=rng.integers(0, c, size=(b, h, w)), weight=weight)


# ============================================================================= as_torch
GRADCHECK = {
    "sigmoid_focal_loss": lambda rng: dict(inputs=logits(rng, (3, 4)), targets=rng.uniform(size=(3, 4)),
                                           reduction="mean"),
    "focal_loss": lambda rng: dict(input=logits(rng, (2, 3, 4)), target=labels(rng, (2, 4), 3, ignore=0.2),
                                   alpha=0.25, gamma=1.5, reduction="sum", weight=np.array([1.0, 2.0, 0.5])),
    "dice_loss": lambda rng: dict(input=logits(rng, (2, 3, 2, 3)), target=labels(rng, (2, 2, 3), 3, ignore=0.2),
                                  average="macro"),
    "tversky_loss": lambda rng: dict(input=logits(rng, (2, 3, 2, 3)), target=labels(rng, (2, 2, 3), 3),
                                     alpha=0.3, beta=0.7),
    "lovasz_hinge_loss": lambda rng: dict(input=logits(rng, (2, 1, 2, 3)), target=rng.integers(0, 2, (2, 2, 3))),
    "lovasz_softmax_loss": lambda rng: dict(input=logits(rng, (2, 3, 2, 2)), target=rng.integers(0, 3, (2, 2, 2)),
                                            weight=np.array([1.0, 0.5, 2.0])),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_as_torch(rng, name):
    gradcheck_as_torch(name, **GRADCHECK[name](rng))


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_registered(name):
    assert name in LF.PART_II_LOSSES
    loss = lossedu.as_torch(getattr(LF, name))
    kwargs = GRADCHECK[name](np.random.default_rng(0))
    first = LF.GRADIENT_OF[name][0]
    t = {k: to_torch(v, k == first) for k, v in kwargs.items()}
    loss(**t).sum().backward()
    assert t[first].grad is not None


# ============================================================================= refused inputs
X4 = np.zeros((2, 3, 2, 2))
T3 = np.zeros((2, 2, 2), np.int64)


# Refused here, not by the home: kornia compares labels with a float ignore_index, takes a (C, 1) weight in 'micro', and the
# test cannot hand kornia a string array.
HOME_ACCEPTS = {("focal_loss", "ignore_index"), ("dice_loss", "weight"),
                ("lovasz_hinge_loss", "target")}


@pytest.mark.parametrize("name, error, match, kwargs", [
    ("sigmoid_focal_loss", ValueError, "targets", dict(inputs=np.zeros(3), targets=np.zeros(4))),
    ("sigmoid_focal_loss", TypeError, "targets", dict(inputs=np.zeros(3), targets=np.zeros(3, np.int64))),
    ("sigmoid_focal_loss", TypeError, "inputs", dict(inputs=np.zeros(3, np.int64), targets=np.zeros(3))),
    ("sigmoid_focal_loss", ValueError, "reduction", dict(inputs=np.zeros(3), targets=np.zeros(3), reduction="avg")),
    ("sigmoid_focal_loss", TypeError, "alpha", dict(inputs=np.zeros(3), targets=np.zeros(3), alpha=None)),
    ("sigmoid_focal_loss", TypeError, "gamma", dict(inputs=np.zeros(3), targets=np.zeros(3), gamma="2")),
    ("focal_loss", ValueError, "input", dict(input=np.zeros(3), target=np.zeros(3, np.int64), alpha=0.25)),
    ("focal_loss", ValueError, "target", dict(input=X4, target=np.zeros((2, 2), np.int64), alpha=0.25)),
    ("focal_loss", TypeError, "target", dict(input=X4, target=T3.astype(float), alpha=0.25)),
    ("focal_loss", ValueError, "target", dict(input=X4, target=T3 + 3, alpha=0.25)),
    ("focal_loss", ValueError, "target", dict(input=X4, target=T3 - 1, alpha=0.25)),
    ("focal_loss", ValueError, "weight", dict(input=X4, target=T3, alpha=0.25, weight=np.ones(2))),
    ("focal_loss", ValueError, "reduction", dict(input=X4, target=T3, alpha=0.25, reduction="mean ")),
    ("focal_loss", TypeError, "alpha", dict(input=X4, target=T3, alpha="0.25")),
    ("focal_loss", TypeError, "ignore_index", dict(input=X4, target=T3, alpha=0.25, ignore_index=1.5)),
    ("dice_loss", ValueError, "input", dict(input=np.zeros((2, 3, 4)), target=np.zeros((2, 4), np.int64))),
    ("dice_loss", ValueError, "target", dict(input=X4, target=np.zeros((2, 2, 3), np.int64))),
    ("dice_loss", ValueError, "average", dict(input=X4, target=T3, average="weighted")),
    ("dice_loss", ValueError, "target", dict(input=X4, target=T3 + 5)),
    ("dice_loss", TypeError, "target", dict(input=X4, target=T3.astype(np.float32))),
    ("dice_loss", ValueError, "weight", dict(input=X4, target=T3, weight=np.ones((3, 1)))),
    ("dice_loss", TypeError, "eps", dict(input=X4, target=T3, eps=None)),
    ("tversky_loss", ValueError, "input", dict(input=np.zeros((2, 3)), target=np.zeros(2, np.int64), alpha=.5,
                                               beta=.5)),
    ("tversky_loss", ValueError, "target", dict(input=X4, target=T3 + 3, alpha=0.5, beta=0.5)),
    ("tversky_loss", TypeError, "beta", dict(input=X4, target=T3, alpha=0.5, beta=None)),
    ("lovasz_hinge_loss", ValueError, "input", dict(input=X4, target=T3)),
    ("lovasz_hinge_loss", ValueError, "target", dict(input=X4[:, :1], target=T3[:1])),
    ("lovasz_hinge_loss", TypeError, "target", dict(input=X4[:, :1], target=np.array([["a"]]))),
    ("lovasz_softmax_loss", ValueError, "C > 1", dict(input=X4[:, :1], target=T3)),
    ("lovasz_softmax_loss", ValueError, "target", dict(input=X4, target=np.zeros((3, 2, 2), np.int64))),
    ("lovasz_softmax_loss", ValueError, "target", dict(input=X4, target=T3 - 100)),
    ("lovasz_softmax_loss", ValueError, "weight", dict(input=X4, target=T3, weight=np.ones(4))),
])
def test_refused(name, error, match, kwargs):
    assert_refused(name, error, match, **kwargs)
    if (name, match) in HOME_ACCEPTS:
        return
    # The home refuses it too (kornia raises its own exception types).
    home_kwargs = {HOME_NAMES.get(k, k): to_torch(v) for k, v in kwargs.items()}
    with pytest.raises(Exception):
        HOME[name](**home_kwargs)


# ============================================================================= nan, inf and unvalidated options
def _edge_cases():
    rng = np.random.default_rng(3)
    x = logits(rng, (2, 3, 2, 2))
    t = labels(rng, (2, 2, 2), 3, ignore=0.2)
    bad = x.copy()
    bad[0, 1, 0, 0], bad[1, 0, 0, 0] = np.nan, np.inf
    sat = x.copy()
    sat[0, 1] = 80.0  # p_c rounds to 1 off the target: (1 − p_c)^γ = inf for γ < 0
    hinge = logits(rng, (1, 1, 3, 3))
    hinge[0, 0, 0, 0], hinge[0, 0, 1, 1], hinge[0, 0, 2, 2] = np.nan, np.inf, -np.inf
    inf_weight = np.array([1.0, np.inf, 1.0])
    return [
        # An inf class weight times the zero non-target slices: nan values and gradients, as autograd.
        ("focal_loss", dict(input=x, target=t, alpha=0.25, weight=inf_weight, reduction="none")),
        ("focal_loss", dict(input=x, target=t, alpha=0.25, weight=inf_weight, reduction="mean")),
        ("focal_loss", dict(input=x, target=t, alpha=0.25, gamma=-1.0, reduction="sum")),
        ("focal_loss", dict(input=sat, target=t, alpha=0.25, gamma=-1.0, reduction="none")),
        ("focal_loss", dict(input=bad, target=t, alpha=0.25, reduction="none")),
        ("focal_loss", dict(input=bad, target=t, alpha=None, reduction="mean")),
        ("focal_loss", dict(input=x, target=t, alpha=1, gamma=np.float64(2))),
        ("dice_loss", dict(input=bad, target=t)),
        ("dice_loss", dict(input=bad, target=t, average="macro")),
        ("dice_loss", dict(input=x, target=t, eps=-1.0)),
        ("tversky_loss", dict(input=bad, target=t, alpha=0.5, beta=0.5)),
        ("tversky_loss", dict(input=x, target=t, alpha=-0.5, beta=2.0, eps=0.0)),
        ("lovasz_softmax_loss", dict(input=bad, target=np.abs(t) % 3)),
        ("lovasz_hinge_loss", dict(input=bad[:, :1], target=np.abs(t) % 2)),
        # nan sorts first; relu(nan) = nan passes its gradient (torch's ReLU blocks only ≤ 0).
        ("lovasz_hinge_loss", dict(input=hinge, target=rng.integers(0, 2, (1, 3, 3)))),
        ("sigmoid_focal_loss", dict(inputs=np.array([np.nan, np.inf, -np.inf, 1.0]),
                                    targets=np.array([1.0, 1.0, 0.0, 0.5]))),
        ("sigmoid_focal_loss", dict(inputs=np.array([30.0, -2, 1.0]), targets=np.array([1.0, 1.0, 0.0]),
                                    gamma=-0.5)),
    ]


@pytest.mark.parametrize("case", range(len(_edge_cases())))
def test_nan_inf_and_unvalidated_options(case):
    name, kwargs = _edge_cases()[case]
    check(name, **kwargs)


# ============================================================================= float16
@pytest.mark.parametrize("name, kwargs", [
    ("focal_loss", dict(alpha=0.25, reduction="mean")),
    ("dice_loss", {}),
    ("dice_loss", dict(average="macro")),
    ("tversky_loss", dict(alpha=0.3, beta=0.7)),
    ("lovasz_softmax_loss", {}),
])
def test_float16_within_half_precision(rng, name, kwargs):
    x = logits(rng, (2, 3, 4, 4), np.float16)
    t = labels(rng, (2, 4, 4), 3, ignore=0.0 if name == "lovasz_softmax_loss" else 0.1)
    out, grad = check(name, input=x, target=t, **kwargs)
    assert out.dtype == grad.dtype == np.float16


def test_float16_sigmoid_focal_and_hinge(rng):
    x = logits(rng, (2, 1, 4, 4), np.float16)
    check("sigmoid_focal_loss", inputs=x, targets=(rng.uniform(size=x.shape) > 0.5).astype(np.float16),
          reduction="mean")
    check("lovasz_hinge_loss", input=x, target=rng.integers(0, 2, (2, 4, 4)))
