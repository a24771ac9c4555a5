"""lossedu.functional contrastive losses against their homes, forward and gradient.

nt_xent_loss, supcon_loss, contrastive_loss, arcface_loss, cosface_loss against
pytorch-metric-learning's modules (their W set to our `weight`); clip_loss against a transcription
of the CLIP paper's symmetric cross-entropy into torch, differentiated by autograd. Every expected
number comes from running the home on the same arrays.
"""

import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from pytorch_metric_learning import losses as pml

import lossedu
import lossedu.functional as LF
from homes import clip_reference
from torchref import assert_close, assert_refused, gradcheck_as_torch

DTYPES = [np.float64, np.float32]


# ============================================================================= the homes
def _module(name, **options):
    if name == "nt_xent_loss":
        return pml.NTXentLoss(**options)
    if name == "supcon_loss":
        return pml.SupConLoss(**options)
    if name == "contrastive_loss":
        return pml.ContrastiveLoss(**options)
    raise KeyError(name)


def home(name, kwargs):
    """The home's loss and the gradients of GRADIENT_OF[name], as numpy arrays."""
    wrt = LF.GRADIENT_OF[name]
    t = {k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    for k in wrt:
        if isinstance(t.get(k), torch.Tensor):
            t[k].requires_grad_(True)
    if name == "clip_loss":
        out = clip_reference(t["image_embeddings"], t["text_embeddings"], t["logit_scale"])
    elif name in ("arcface_loss", "cosface_loss"):
        x, w = t["embeddings"], t["weight"]
        cls = pml.ArcFaceLoss if name == "arcface_loss" else pml.CosFaceLoss
        options = {k: v for k, v in kwargs.items() if k in ("margin", "scale")}
        module = cls(num_classes=w.shape[1], embedding_size=w.shape[0], **options)
        w_param = torch.nn.Parameter(w.detach().clone())
        module.W = w_param
        out = module(x, torch.from_numpy(np.asarray(kwargs["labels"])))
        t["weight"] = w_param
    else:
        options = {k: v for k, v in kwargs.items() if k not in ("embeddings", "labels")}
        out = _module(name, **options)(t["embeddings"], torch.from_numpy(np.asarray(kwargs["labels"])))
    tensors = [t[k] for k in wrt if isinstance(t.get(k), torch.Tensor)]
    if not out.requires_grad:  # pml's zero_loss of an empty batch may hold no graph
        return out.detach().numpy(), [np.zeros(tuple(x.shape), dtype=x.numpy().dtype) for x in tensors]
    grads = torch.autograd.grad(out, tensors, torch.tensor(0.75, dtype=out.dtype), allow_unused=True)
    # an unused input (pml's zero_loss path) gets None from autograd: its gradient is 0
    grads = [np.zeros(tuple(x.shape), dtype=x.detach().numpy().dtype) if g is None else g.numpy()
             for x, g in zip(tensors, grads)]
    return out.detach().numpy(), grads



def check(name, rtol=None, atol=None, grad_atol=None, **kwargs):
    """Our forward and _backward agree with the home's (upstream gradient 0.75); `grad_atol`, when
    given, replaces `atol` for the gradients (whose entries cancel, see the tests that pass it)."""
    ours = getattr(LF, name)(**kwargs)
    theirs, tgrads = home(name, kwargs)
    assert_close(ours, theirs, f"{name} forward", rtol=rtol, atol=atol)
    grads = getattr(LF, f"{name}_backward")(0.75, **kwargs)
    if not isinstance(grads, tuple):
        grads = (grads,)
    wrt = [k for k in LF.GRADIENT_OF[name] if isinstance(kwargs.get(k), np.ndarray)]
    assert len(grads) == len(LF.GRADIENT_OF[name])
    for k, g, tg in zip(wrt, grads, tgrads):
        assert_close(g, tg, f"{name} gradient of {k}", rtol=rtol, atol=atol if grad_atol is None else grad_atol)
    return ours


def batch(rng, n, d, dtype=np.float64, classes=3):
    return rng.normal(size=(n, d)).astype(dtype), rng.integers(0, classes, size=n)


PAIR_LOSSES = ["nt_xent_loss", "supcon_loss", "contrastive_loss"]
PAIR_OPTIONS = {
    "nt_xent_loss": [{}, dict(temperature=0.5), dict(temperature=1.0)],
    "supcon_loss": [{}, dict(temperature=0.07), dict(temperature=1.0)],
    "contrastive_loss": [{}, dict(pos_margin=0.2, neg_margin=0.8), dict(pos_margin=0.0, neg_margin=2.0),
                         dict(pos_margin=0.5, neg_margin=1.5)],
}


# ============================================================================= pair losses
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, options", [(n, o) for n in PAIR_LOSSES for o in PAIR_OPTIONS[n]])
def test_pair_losses_match_pml(rng, name, options, dtype):
    x, y = batch(rng, 10, 5, dtype)
    out = check(name, embeddings=x, labels=y, **options)
    assert out.dtype == dtype and out.shape == ()


@pytest.mark.parametrize("name", PAIR_LOSSES)
def test_simclr_two_views(rng, name):
    x = rng.normal(size=(8, 4))
    x[4:] = x[:4] + 0.1 * rng.normal(size=(4, 4))
    check(name, embeddings=x, labels=np.r_[np.arange(4), np.arange(4)])


@pytest.mark.parametrize("name", PAIR_LOSSES)
@pytest.mark.parametrize(
    "labels",
    [[0, 1, 2, 3], [1, 1, 1, 1], [5], [], [0, 0, 1], [0.5, 0.5, 2.0, 2.0], [True, False, True, False]],
    ids=["no-positive", "no-negative", "one", "empty", "one-pair", "float-labels", "bool-labels"],
)
def test_pair_losses_degenerate_batches(rng, name, labels):
    y = np.array(labels)
    x = rng.normal(size=(len(y), 3))
    out = check(name, embeddings=x, labels=y)
    no_pairs = len(labels) < 2 if name == "contrastive_loss" else len(set(labels)) in (0, 1, len(labels))
    if no_pairs:
        assert out == 0 and not np.any(getattr(LF, f"{name}_backward")(1.0, x, y))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", PAIR_OPTIONS["contrastive_loss"])
@pytest.mark.parametrize("n, d", [(26, 4), (40, 16), (64, 3), (256, 32)])
def test_contrastive_more_than_25_rows(rng, n, d, options, dtype):
    # torch.cdist switches to the matrix-product formula past 25 rows, forward and backward
    x, y = batch(rng, n, d, dtype, classes=4)
    atol = None
    if dtype == np.float32:  # the cancellation of normalised rows, as in test_pair_losses_hypothesis
        atol = 8 * np.finfo(np.float32).eps * 2.0 / min(1.0, np.linalg.norm(x.astype(np.float64), axis=1).min())
    check("contrastive_loss", embeddings=x, labels=y, grad_atol=atol, **options)


def test_contrastive_more_than_25_rows_edges(rng):
    # a zero row (away from the margins: it sits at distance 1 from every other row), a tiny row
    # (F.normalize's clamp), an exactly opposite pair (distance 2), a batch without positives and
    # a row of inf (nan distances: AvgNonZero drops those pairs, torch's gradient is nan throughout)
    x, y = batch(rng, 30, 5, classes=3)
    x[4] = 0
    x[6] *= 1e-13
    x[8] = -x[7]
    check("contrastive_loss", embeddings=x, labels=y, pos_margin=0.3, neg_margin=1.4)
    check("contrastive_loss", embeddings=x, labels=np.arange(30), neg_margin=1.7)
    x[2] = np.inf
    check("contrastive_loss", embeddings=x, labels=y, pos_margin=0.3, neg_margin=1.4)


def test_contrastive_memory_is_n_squared_not_n_squared_d(rng):
    # torch.cdist's matrix-product path never forms the N×N×D differences; neither do we
    n, d = 200, 64
    x, y = batch(rng, n, d, classes=10)
    for f, args in ((LF.contrastive_loss, (x, y)), (LF.contrastive_loss_backward, (1.0, x, y))):
        tracemalloc.start()
        try:
            f(*args)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 32 * n * n * x.itemsize, f"{f.__name__}: peak {peak} bytes, N×N×D is {n * n * d * x.itemsize}"


@pytest.mark.parametrize("name", PAIR_LOSSES)
def test_pair_losses_zero_and_duplicate_rows(rng, name):
    x = rng.normal(size=(6, 3))
    x[1] = 0  # a zero embedding: F.normalize's clamp
    x[3] = x[2] * 2  # same direction: distance 0 after normalising
    x[5] = x[4]
    x[0] *= 1e-13  # a norm under F.normalize's eps = 1e-12: clamped, and the clamp passes no gradient
    check(name, embeddings=x, labels=np.array([0, 0, 1, 1, 0, 2]))
    check(name, embeddings=x, labels=np.array([0, 1, 1, 0, 2, 2]))


@pytest.mark.parametrize(
    "name, labels",
    [(n, [0]) for n in PAIR_LOSSES] + [("nt_xent_loss", [0, 1]), ("supcon_loss", [0, 1])],
)  # (contrastive_loss with [0, 1] has a negative pair: not the zero loss)
def test_pair_losses_zero_loss_is_nan_with_inf(name, labels):
    # pml's zero_loss is Σ(x·0): nan when an embedding is infinite, with a zero gradient
    x = np.array([[np.inf, 1.0], [0.0, 1.0]])[: len(labels)]
    out = check(name, embeddings=x, labels=np.array(labels))
    assert np.isnan(out)


def test_nt_xent_hopeless_pair_is_log_tiny():
    # the positive is opposite, the negative identical: q underflows, pml adds finfo.tiny
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]])
    out = check("nt_xent_loss", embeddings=x, labels=np.array([0, 0, 1]), temperature=0.001)
    assert out > 300


@pytest.mark.parametrize("name", ["nt_xent_loss", "supcon_loss"])
def test_reducers_and_zero_losses(name):
    # τ = 0.001: the negatives' e^{−2000} underflow, so the well-separated pairs' losses are exactly 0.
    # NT-Xent's MeanReducer averages those zeros in; SupCon's AvgNonZeroReducer leaves them out.
    x = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    assert check(name, embeddings=x, labels=y, temperature=0.001) == 0
    # a third class at [−1, 0]: pairs (2, 3) now face a negative as close as their positive, ℓ = log 2;
    # pairs (0, 1) keep ℓ = 0, and anchor 4 has no positive (SupCon's ℓ = −0/(0 + tiny))
    x5 = np.vstack([x, [[-1.0, 0.0]]])
    y5 = np.array([0, 0, 1, 1, 2])
    out = check(name, embeddings=x5, labels=y5, temperature=0.001)
    expected = np.log(2) / 2 if name == "nt_xent_loss" else np.log(2)  # mean of [0, 0, log2, log2] vs of [log2, log2]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    check(name, embeddings=x5, labels=y5, temperature=0.3)


def test_contrastive_margin_kinks():
    # distances exactly on the margins: relu(0) = 0, left out of AvgNonZero's mean, no gradient
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]])
    check("contrastive_loss", embeddings=x, labels=np.array([0, 0, 1, 1]), pos_margin=np.sqrt(2), neg_margin=2.0)
    check("contrastive_loss", embeddings=x, labels=np.array([0, 1, 0, 1]), neg_margin=0.0)


def test_supcon_anchor_without_positive(rng):
    x = rng.normal(size=(5, 4))
    check("supcon_loss", embeddings=x, labels=np.array([0, 0, 1, 2, 3]))


@given(
    st.integers(0, 12), st.integers(1, 4), st.integers(1, 4), st.sampled_from(PAIR_LOSSES),
    st.integers(0, 2 ** 32 - 1), st.booleans(), st.sampled_from(DTYPES),
)
def test_pair_losses_hypothesis(n, d, classes, name, seed, zero_row, dtype):
    rng = np.random.default_rng(seed)
    x, y = batch(rng, n, d, dtype, classes=classes)
    # (not in float32 contrastive: a zero row sits at distance 1 = neg_margin, a tie cdist's rounding decides)
    if zero_row and n and not (dtype == np.float32 and name == "contrastive_loss"):
        x[rng.integers(n)] = 0
    if n > 1 and classes > 1:
        x[-1] = x[0]  # a duplicate row
    options = PAIR_OPTIONS[name][seed % len(PAIR_OPTIONS[name])]
    atol = None
    if dtype == np.float32 and n:
        # ∂L/∂x = (I − ûûᵀ)·∂L/∂û/‖x‖ cancels: float32 leaves about ε·|∂L/∂û|/‖x‖, |∂L/∂û| ≲ 2/τ
        norms = np.linalg.norm(x.astype(np.float64), axis=1)
        scale = 2 / options.get("temperature", 0.07 if name == "nt_xent_loss" else 0.1)
        scale = 2.0 if name == "contrastive_loss" else scale
        atol = 8 * np.finfo(np.float32).eps * scale / min(1.0, norms[norms > 0].min(initial=1.0))
    check(name, embeddings=x, labels=y, grad_atol=atol, **options)


# ============================================================================= CLIP
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("logit_scale", [np.log(1 / 0.07), 0.0, 4.6])
def test_clip_matches_transcription(rng, dtype, logit_scale):
    img, txt = rng.normal(size=(6, 5)).astype(dtype), rng.normal(size=(6, 5)).astype(dtype)
    out = check("clip_loss", image_embeddings=img, text_embeddings=txt, logit_scale=logit_scale)
    assert out.dtype == dtype
    check("clip_loss", image_embeddings=img, text_embeddings=txt, logit_scale=np.array(logit_scale, dtype))


def test_clip_edges(rng):
    img, txt = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    img[2] = 0
    check("clip_loss", image_embeddings=img, text_embeddings=txt, logit_scale=np.array(2.0))
    check("clip_loss", image_embeddings=img[:1], text_embeddings=txt[:1], logit_scale=np.array(2.0))
    out = check("clip_loss", image_embeddings=np.zeros((0, 3)), text_embeddings=np.zeros((0, 3)),
                logit_scale=np.array(1.0))
    assert np.isnan(out)  # the mean cross-entropy of no pairs


@given(st.integers(1, 8), st.integers(1, 5), st.floats(-2, 5), st.integers(0, 2 ** 32 - 1))
def test_clip_hypothesis(n, d, t, seed):
    rng = np.random.default_rng(seed)
    check("clip_loss", image_embeddings=rng.normal(size=(n, d)), text_embeddings=rng.normal(size=(n, d)),
          logit_scale=np.array(t))


# ============================================================================= ArcFace, CosFace
CLASS_OPTIONS = {
    "arcface_loss": [{}, dict(margin=10.0, scale=8.0), dict(margin=60.0, scale=2.0)],
    "cosface_loss": [{}, dict(margin=0.1, scale=8.0), dict(margin=0.5, scale=1.0)],
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, options", [(n, o) for n in CLASS_OPTIONS for o in CLASS_OPTIONS[n]])
def test_class_losses_match_pml(rng, name, options, dtype):
    x, y = batch(rng, 7, 5, dtype, classes=4)
    w = rng.normal(size=(5, 4)).astype(dtype)
    out = check(name, embeddings=x, labels=y, weight=w, **options)
    assert out.dtype == dtype


@pytest.mark.parametrize("name", list(CLASS_OPTIONS))
def test_class_losses_edges(rng, name):
    x, y = batch(rng, 5, 3, classes=3)
    w = rng.normal(size=(3, 3))
    x[0] = 0  # zero embedding
    w[:, 1] = 0  # zero class weight
    check(name, embeddings=x, labels=y, weight=w, margin=40.0 if name == "arcface_loss" else 0.3)
    # cosines of exactly ±1 and 0 (axis-aligned rows): acos′ is infinite at ±1, θ = π is past π − m
    e = np.array([[0.0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, 0, 2]])
    w = np.array([[2.0, 0, 0], [0, 0, 3], [0, 0, 0]])
    for labels in ([2, 0, 0, 1, 2], [0, 1, 2, 2, 1], [1, 2, 2, 0, 0]):
        check(name, embeddings=e, labels=np.array(labels), weight=w)
    out = check(name, embeddings=np.zeros((0, 3)), labels=np.zeros(0, np.int64), weight=w)
    assert np.isnan(out)  # MeanReducer over an empty batch
    # a float32 weight beside float64 embeddings: pml casts W to the embeddings' dtype
    g = getattr(LF, f"{name}_backward")(1.0, x, y, w.astype(np.float32))
    assert g[0].dtype == np.float64 and g[1].dtype == np.float32


@given(st.integers(1, 8), st.integers(1, 4), st.integers(1, 4), st.sampled_from(list(CLASS_OPTIONS)),
       st.integers(0, 2 ** 32 - 1))
def test_class_losses_hypothesis(n, d, classes, name, seed):
    rng = np.random.default_rng(seed)
    x, y = batch(rng, n, d, classes=classes)
    options = CLASS_OPTIONS[name][seed % 3]
    check(name, embeddings=x, labels=y, weight=rng.normal(size=(d, classes)), **options)


# ============================================================================= as_torch, refused input
GRADCHECK = {
    "nt_xent_loss": dict(labels=np.array([0, 0, 1, 1, 2]), temperature=0.5),
    "supcon_loss": dict(labels=np.array([0, 0, 1, 1, 2]), temperature=0.5),
    "contrastive_loss": dict(labels=np.array([0, 0, 1, 1, 2]), pos_margin=0.1, neg_margin=1.9),
    "arcface_loss": dict(labels=np.array([0, 1, 2, 1, 0]), margin=20.0, scale=2.0),
    "cosface_loss": dict(labels=np.array([0, 1, 2, 1, 0]), scale=2.0),
}


@pytest.mark.parametrize("name", list(GRADCHECK) + ["clip_loss"])
def test_gradcheck_as_torch(rng, name):
    if name == "clip_loss":
        gradcheck_as_torch(name, image_embeddings=rng.normal(size=(4, 3)), text_embeddings=rng.normal(size=(4, 3)),
                           logit_scale=np.array(0.5))
        return
    kwargs = dict(GRADCHECK[name], embeddings=rng.normal(size=(5, 3)))
    if name in CLASS_OPTIONS:
        kwargs["weight"] = rng.normal(size=(3, 3))
    gradcheck_as_torch(name, **kwargs)


def test_gradcheck_as_torch_more_than_25_rows(rng):
    # the matrix-product regime's backward, against finite differences (margins away from every distance)
    gradcheck_as_torch("contrastive_loss", embeddings=rng.normal(size=(27, 3)), labels=rng.integers(0, 3, 27),
                       pos_margin=0.05, neg_margin=1.9)


def test_as_torch_trains(rng):
    x = torch.tensor(rng.normal(size=(6, 3)), requires_grad=True)
    loss = lossedu.as_torch(LF.nt_xent_loss)(x, torch.tensor([0, 0, 1, 1, 2, 2]))
    loss.backward()
    assert x.grad.shape == (6, 3)


BAD_PAIRS = [
    (dict(embeddings=np.ones(4)), ValueError, "embeddings"),
    (dict(embeddings=np.ones((4, 2), dtype=np.int64)), TypeError, "embeddings"),
    (dict(labels=np.zeros((4, 1))), ValueError, "labels"),
    (dict(labels=np.zeros(3)), ValueError, "labels"),
    (dict(labels=np.array(["a"] * 4)), TypeError, "labels"),
    (dict(labels=None), TypeError, "labels"),
]


@pytest.mark.parametrize("name", PAIR_LOSSES)
@pytest.mark.parametrize("kwargs, error, match", BAD_PAIRS)
def test_pair_losses_bad_input(name, kwargs, error, match):
    args = {**dict(embeddings=np.ones((4, 2)), labels=np.array([0, 0, 1, 1])), **kwargs}
    assert_refused(name, error, match, **args)


@pytest.mark.parametrize("name, option", [("nt_xent_loss", "temperature"), ("supcon_loss", "temperature"),
                                          ("contrastive_loss", "pos_margin"), ("contrastive_loss", "neg_margin")])
@pytest.mark.parametrize("value", ["0.1", None, np.ones(2)])
def test_pair_losses_bad_option(name, option, value):
    assert_refused(name, TypeError, option, embeddings=np.ones((4, 2)), labels=np.array([0, 0, 1, 1]),
                   **{option: value})


@pytest.mark.parametrize("name", list(CLASS_OPTIONS))
@pytest.mark.parametrize(
    "kwargs, error, match",
    BAD_PAIRS[:2] + [
        (dict(labels=np.zeros(3, np.int64)), ValueError, "labels"),
        (dict(labels=np.zeros(4)), TypeError, "labels"),
        (dict(labels=np.array([0, 1, 3, 1])), ValueError, "labels"),
        (dict(labels=np.array([0, -1, 2, 1])), ValueError, "labels"),
        (dict(weight=np.ones((3, 3))), ValueError, "weight"),
        (dict(weight=np.ones(2)), ValueError, "weight"),
        (dict(margin="1"), TypeError, "margin"),
        (dict(scale=None), TypeError, "scale"),
    ],
)
def test_class_losses_bad_input(name, kwargs, error, match):
    args = dict(embeddings=np.ones((4, 2)), labels=np.array([0, 0, 1, 2]), weight=np.ones((2, 3)))
    args.update(kwargs)
    assert_refused(name, error, match, **args)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(image_embeddings=np.ones(3)), "image_embeddings"),
     (dict(text_embeddings=np.ones((2, 3))), "text_embeddings"),
     (dict(logit_scale=np.ones(2)), "logit_scale"), (dict(logit_scale="1"), "logit_scale")],
)
def test_clip_bad_input(kwargs, match):
    args = dict(image_embeddings=np.ones((3, 2)), text_embeddings=np.ones((3, 2)), logit_scale=1.0)
    args.update(kwargs)
    error = TypeError if "logit_scale" in kwargs else ValueError
    assert_refused("clip_loss", error, match, **args)


def test_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.nt_xent_loss_backward(np.ones(2), np.ones((4, 2)), np.array([0, 0, 1, 1]))


def test_as_torch_clip_float32_with_a_learned_scale(rng):
    # CLIP learns t: as_torch gives it a gradient in its own dtype, equal to the transcription's
    img, txt = (torch.tensor(rng.normal(size=(5, 4)), dtype=torch.float32, requires_grad=True) for _ in range(2))
    t = torch.tensor(2.0, dtype=torch.float32, requires_grad=True)
    lossedu.as_torch(LF.clip_loss)(img, txt, t).backward()
    ours = [v.grad.clone() for v in (img, txt, t)]
    for v in (img, txt, t):
        v.grad = None
    clip_reference(img, txt, t).backward()
    for o, v in zip(ours, (img, txt, t)):
        assert o.dtype == torch.float32
        assert_close(o.numpy(), v.grad.numpy(), "clip as_torch float32")


@pytest.mark.parametrize("name", PAIR_LOSSES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pair_losses_at_extreme_scales(rng, name, dtype):
    # |x| past 1e19 (float32) / 1e154 (float64): x² overflows, ‖x‖ = inf and û = 0, as in torch, except
    # a row of one number, whose norm is |x|; inf rows make every loss nan, which AvgNonZero drops (zero_loss)
    for scale in (1e-20, 1e25 if dtype == np.float32 else 1e160, np.inf):
        for d in (1, 3):
            x, y = batch(rng, 7, d, dtype)
            x = (x * scale).astype(dtype)
            # one number per row: û = ±1 is flat, the exact gradient is 0 and both sides return the
            # rounding of g/c − g·û/c, about ε·|∂L/∂û|/‖x‖ with |∂L/∂û| ≲ 2/τ < 30
            norms = np.abs(x[np.isfinite(x) & (x != 0)].astype(np.float64))
            atol = 16 * np.finfo(dtype).eps * 30 / norms.min(initial=np.inf) if d == 1 else None
            check(name, embeddings=x, labels=y, grad_atol=atol)
