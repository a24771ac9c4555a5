"""Contrastive and metric learning (notebook 11): losses on a batch of embeddings, not on one prediction.

    nt_xent_loss      ℓ_ap = −log( e^{s_ap/τ} / (e^{s_ap/τ} + Σ_{n: y_n ≠ y_a} e^{s_an/τ}) ),  mean over (a, p)
    clip_loss         ½·(CE(e^t·Î·T̂ᵀ, diag) + CE(e^t·T̂·Îᵀ, diag))          image i belongs to text i
    supcon_loss       ℓ_a = −(1/|P(a)|)·Σ_{p∈P(a)} log( e^{s_ap/τ} / Σ_{k≠a} e^{s_ak/τ} ), mean over ℓ_a > 0
    contrastive_loss  mean_{(a,p), >0} [d_ap − m_pos]₊ + mean_{(a,n), >0} [m_neg − d_an]₊
    arcface_loss      CE(σ·logits), the target logit cos θ_y replaced by cos(θ_y + m)   (m in degrees)
    cosface_loss      CE(σ·logits), the target logit cos θ_y replaced by cos θ_y − m

s_ij = ûᵢ·ûⱼ is the cosine of two L2-normalised embeddings, d_ij = ‖ûᵢ − ûⱼ‖ their Euclidean distance,
P(a) the other samples with a's label (its positives), (a, p) every ordered pair a ≠ p of equal labels.

Home: pytorch-metric-learning 2.9.0 (`NTXentLoss`, `SupConLoss`, `ContrastiveLoss`, `ArcFaceLoss`,
`CosFaceLoss`, each with its default distance, reducer and all-pairs mining from the labels), and for
`clip_loss` the symmetric cross-entropy of the CLIP paper (Radford et al. 2021, Figure 3), rows
normalised with torch's `F.normalize`. Each `<name>_backward(grad_output, <the same arguments>)` returns
∂L/∂embeddings (clip: the image and text embeddings and ∂L/∂logit_scale; arcface/cosface: the embeddings
and the class weights), derived by hand below, one step of the chain at a time.

Every loss starts from the same two steps:
    û = x / max(‖x‖₂, 1e-12)        (F.normalize: a zero row stays zero instead of 0/0)
    S = Û·Ûᵀ  (or Û·Ŵ for the class losses)
and its gradient ends with the same two steps back (`_normalize_backward`).

Matching pytorch-metric-learning at the edges
---------------------------------------------
* Pairs come from the labels: (i, j) is positive when labels agree and i ≠ j, negative when they differ,
  in row-major order. A batch without a positive pair, or without a negative one, gives pml's
  `zero_loss`, Σ(x·0): 0 with a zero gradient (and nan when an embedding holds inf or nan). So does an
  AvgNonZeroReducer that keeps no loss: its zero gradient never enters the graph (no 0·inf = nan).
* Norms are torch's vector norm: the squares are summed in the input's dtype, so rows past |x| ≈ 1e19
  (float32) or 1e154 (float64) have ‖x‖ = inf and û = 0, there as here; a row of one number has
  ‖x‖ = |x|. The normalisation's backward divides as torch's does, (x/c)/c, never forming c².
* NT-Xent's denominator holds the positive itself and the anchor's negatives only: the anchor's other
  positives are left out. The shift by the row maximum is detached (no gradient), the masked entries are
  float's most negative number (not −inf), and the log adds the smallest normal number (finfo.tiny), so a
  hopeless pair gives −log(tiny) ≈ 708 (float64), not inf, with a zero gradient. MeanReducer: the mean
  over every positive pair.
* SupCon's denominator is every other sample (positives and negatives, not the anchor); its row maximum
  includes the anchor's own similarity 1/τ. The per-anchor mean divides by |P(a)| + tiny, so an anchor
  without positives has loss −0. AvgNonZeroReducer: the mean over the anchors whose loss is > 0; none →
  zero_loss.
* Contrastive uses LpDistance (normalised, p = 2, torch.cdist) and two sub-losses, each reduced by
  AvgNonZeroReducer (pairs with loss exactly 0, or nan, are left out of the mean), then added.
  The distance's gradient at d = 0 (two identical rows) is 0, as cdist's backward gives. In float32
  cdist adds the squares in its own vectorised order, so a distance can differ in the last bit: a pair
  exactly on a margin (a zero row is at distance ‖û‖ = 1 from every other) may then fall on the other
  side of AvgNonZero's "> 0" and change the count (float64 too, once rows have more than a few
  columns). Beyond 25 rows torch.cdist switches to the ‖x‖² + ‖y‖² − 2x·y formula (a matrix
  product, clamped at 0) and its backward to matrix products; so do we (`_distance_matrix`). That
  formula is off by about ε absolute, so near-duplicate rows get distances of order √ε, ours and
  torch's alike but rounded by different BLAS: their gradients (x − y)/d agree only roughly.
* ArcFace: the margin is given in degrees and converted with np.radians; θ = acos(clamp(cos, −1, 1)),
  whose gradient is 0 outside [−1, 1] and infinite at ±1 (acos′), as torch's autograd gives. Past
  θ > π − m the target logit is cos θ − m·sin m (kept monotonic). The class weights are normalised per
  class (column of `weight`, shape (embedding_size, num_classes)) and cast to the embeddings' dtype,
  as pml's `cast_types` does; their gradient comes back in `weight`'s dtype. MeanReducer over samples.
* CLIP normalises with F.normalize (the norm clamped at 1e-12), not with x / ‖x‖ as the paper's code
  does, so a zero row has logits 0 rather than nan. logit_scale is a number t (a float or a 0-d
  array); the logits are e^t·Î·T̂ᵀ, ∂L/∂t = Σ G∘Z comes back in t's dtype (the embeddings' dtype for
  a Python float). No pairs: the mean of no cross-entropies, nan.
* Empty batches: ArcFace and CosFace average no samples (nan); the pair losses have no pair (0).
* The forward computes logits as pml does, cos + mask·(modified − cos), so the target logit is
  rounded the same way; the gradient through that sum is 1 − 1 + ∂modified/∂cos.
"""
from __future__ import annotations

import numpy as np

from ._core import apply_reduction, as_float_array, check_grad_output, check_scalar, grad_like, ieee, result_dtype
from .classification import cross_entropy, cross_entropy_backward
from .embedding import _vector_norm, _vector_norm_backward

__all__ = [
    "nt_xent_loss",
    "nt_xent_loss_backward",
    "clip_loss",
    "clip_loss_backward",
    "supcon_loss",
    "supcon_loss_backward",
    "contrastive_loss",
    "contrastive_loss_backward",
    "arcface_loss",
    "arcface_loss_backward",
    "cosface_loss",
    "cosface_loss_backward",
]

_NORMALIZE_EPS = 1e-12  # F.normalize's default clamp on the norm


# ============================================================================= the preamble
def _embeddings(x, name="embeddings"):
    """A (batch_size, embedding_size) float array, as pml's distances require."""
    e = as_float_array(x, name)
    if e.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (batch_size, embedding_size), got shape {e.shape}")
    return e


def _labels(labels, n, *, integer=False):
    """One label per embedding (1-D, length n). The pair losses compare labels with ==, so any real
    labels do; the class losses index with them, so those need integers in [0, num_classes)."""
    if labels is None:
        raise TypeError("labels must be a 1-D array of labels, got None")
    y = np.asarray(labels)
    kinds = "iu" if integer else "biuf"
    if y.dtype.kind not in kinds:
        want = "integer class indices" if integer else "labels (integers or reals)"
        raise TypeError(f"labels must be a 1-D array of {want}, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of shape (batch_size,), got shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"labels must have one label per embedding ({n}), got {y.shape[0]}")
    return y


def _real(value, name):
    """An option as a Python float; like pml, no range is checked (a τ of 0 is not guarded either)."""
    return float(check_scalar(value, name))


def _pair_masks(y):
    """pos[i, j] = [y_i = y_j, i ≠ j], neg[i, j] = [y_i ≠ y_j]: pml's all-pairs mining."""
    same = y[:, None] == y[None, :]
    pos = same.copy()
    np.fill_diagonal(pos, False)
    return pos, ~same


def _zero_loss(x):
    """pml's zero_loss: Σ(x·0), 0 but nan when x holds inf or nan; its gradient is 0."""
    with ieee():
        return np.asarray(np.sum(x * 0), dtype=x.dtype)


# ============================================================================= normalise, compare
def _normalize(x):
    """û = x / c with c = max(‖x‖₂, eps) per row; returns û, ‖x‖ and c (the backward needs both).

    ‖x‖ is torch's vector norm (`embedding._vector_norm`): squares summed in x's dtype, so past
    |x| ≈ 1e19 (float32) or 1e154 (float64) ‖x‖ = inf and û = 0, there as here; a row of one
    number has ‖x‖ = |x| (no square, no overflow).
    """
    norm = _vector_norm(x, 2)
    c = np.maximum(norm, x.dtype.type(_NORMALIZE_EPS))
    return x / c, norm, c


def _normalize_backward(gu, x, norm, c):
    """∂L/∂x = g/c − (Σ g·x / c²)·[‖x‖ ≥ eps]·∂‖x‖/∂x: the quotient's two paths, the clamp passing its
    gradient only where it did not clamp, and ∂‖x‖/∂x = x/‖x‖ taken as 0 at x = 0 (torch's rule)."""
    gc = -np.sum(gu * ((x / c) / c), axis=-1, keepdims=True)  # torch's order: x/c² would overflow first
    return gu / c + _vector_norm_backward(np.where(norm >= c, gc, 0), x, norm, 2)


def _cosine_matrix(x):
    """S = Û·Ûᵀ and what its backward needs (pml's CosineSimilarity)."""
    u, norm, c = _normalize(x)
    return u @ u.T, (u, norm, c)


def _cosine_matrix_backward(gs, x, cache):
    """S = Û·Ûᵀ uses Û twice: ∂L/∂Û = (G + Gᵀ)·Û, then back through the normalisation."""
    u, norm, c = cache
    return _normalize_backward((gs + gs.T) @ u, x, norm, c)


# ============================================================================= NT-Xent
def _nt_xent_parts(x, pos, neg, temperature):
    """The positive pairs (a, p), their logits and the masked negative logits, row per positive pair."""
    s, cache = _cosine_matrix(x)
    a, p = np.nonzero(pos)
    big = np.finfo(x.dtype).min  # pml masks with float's lowest number, not −inf
    pos_logit = s[a, p][:, None] / temperature
    neg_logit = np.where(neg[a], s[a] / temperature, big)
    return s, cache, a, p, pos_logit, neg_logit


def _nt_xent_terms(pos_logit, neg_logit, dtype):
    """num = e^{pos − m}, den = num + Σ e^{neg − m} (m the detached row maximum), q = num/den."""
    m = np.maximum(pos_logit, np.max(neg_logit, axis=1, keepdims=True))
    num = np.exp(pos_logit - m)[:, 0]
    e_neg = np.exp(neg_logit - m)
    den = np.sum(e_neg, axis=1) + num
    return num, e_neg, den, num / den + np.finfo(dtype).tiny


def _prepare_pairs(embeddings, labels):
    x = _embeddings(embeddings)
    return x, _labels(labels, x.shape[0])


def _has_pairs(pos, neg):
    return pos.any() and neg.any()


@ieee()
def nt_xent_loss(embeddings, labels, temperature=0.07):
    """NT-Xent (InfoNCE with labels), pytorch-metric-learning's `NTXentLoss`.

    For every positive pair (a, p), with s the cosine similarity and τ the temperature,
        ℓ_ap = −log( e^{s_ap/τ} / (e^{s_ap/τ} + Σ_{n: y_n ≠ y_a} e^{s_an/τ}) ),
    and the loss is the mean of ℓ_ap over all ordered positive pairs. SimCLR is the case of two
    views per image: labels [0..N−1, 0..N−1].
    """
    x, y = _prepare_pairs(embeddings, labels)
    temperature = _real(temperature, "temperature")
    pos, neg = _pair_masks(y)
    if not _has_pairs(pos, neg):
        return _zero_loss(x)
    *_, pos_logit, neg_logit = _nt_xent_parts(x, pos, neg, temperature)
    q = _nt_xent_terms(pos_logit, neg_logit, x.dtype)[3]
    return apply_reduction(-np.log(q), "mean")


@ieee()
def nt_xent_loss_backward(grad_output, embeddings, labels, temperature=0.07):
    """∂L/∂x. Per pair, with w = 1/(q + tiny) and L = mean ℓ:
        ∂ℓ/∂pos = −w·num·(den − num)/den²,   ∂ℓ/∂neg_n = w·num·e_n/den²,
    each over τ, scattered into ∂L/∂S at (a, p) and (a, n), then back through S = Û·Ûᵀ."""
    x, y = _prepare_pairs(embeddings, labels)
    temperature = _real(temperature, "temperature")
    g = check_grad_output(grad_output, (), x.dtype)
    pos, neg = _pair_masks(y)
    if not _has_pairs(pos, neg):
        return np.zeros_like(x)
    s, cache, a, p, pos_logit, neg_logit = _nt_xent_parts(x, pos, neg, temperature)
    num, e_neg, den, q = _nt_xent_terms(pos_logit, neg_logit, x.dtype)
    gl = -(g / len(a)) / q  # ∂L/∂q for each pair
    g_num = gl * (1 / den - num / (den * den))  # num is in den too
    g_den = -gl * num / (den * den)
    g_pos = g_num * num / temperature
    g_neg = np.where(neg[a], g_den[:, None] * e_neg, 0) / temperature
    gs = np.zeros_like(s)
    np.add.at(gs, (a, p), g_pos)
    np.add.at(gs, a, g_neg)
    return _cosine_matrix_backward(gs, x, cache)


# ============================================================================= SupCon
def _supcon_parts(x, pos, neg, temperature):
    """Per anchor: ℓ_a = −Σ_p P_ap·(z_ap − lse_a)/(|P(a)| + tiny), z = S/τ − (row max, detached)."""
    s, cache = _cosine_matrix(x)
    z = s / temperature
    z = z - np.max(z, axis=1, keepdims=True)
    keep = pos | neg
    zk = np.where(keep, z, np.finfo(x.dtype).min)
    mk = np.max(zk, axis=1, keepdims=True)
    lse = mk + np.log(np.sum(np.exp(zk - mk), axis=1, keepdims=True))
    lse = np.where(keep.any(axis=1, keepdims=True), lse, 0)
    count = np.sum(pos, axis=1).astype(x.dtype) + np.finfo(x.dtype).tiny
    losses = -np.sum(np.where(pos, z - lse, 0), axis=1) / count
    return cache, keep, zk, lse, count, losses


@ieee()
def supcon_loss(embeddings, labels, temperature=0.1):
    """Supervised contrastive loss (Khosla et al. 2020), pytorch-metric-learning's `SupConLoss`.

        ℓ_a = −(1/|P(a)|)·Σ_{p∈P(a)} log( e^{s_ap/τ} / Σ_{k≠a} e^{s_ak/τ} ),
    all positives in the numerator's average, every other sample in the denominator; the loss is
    the mean of ℓ_a over the anchors with ℓ_a > 0 (pml's AvgNonZeroReducer).
    """
    x, y = _prepare_pairs(embeddings, labels)
    temperature = _real(temperature, "temperature")
    pos, neg = _pair_masks(y)
    if not _has_pairs(pos, neg):
        return _zero_loss(x)
    losses = _supcon_parts(x, pos, neg, temperature)[-1]
    return _avg_non_zero(losses, x)


@ieee()
def supcon_loss_backward(grad_output, embeddings, labels, temperature=0.1):
    """∂ℓ_a/∂z_aj = −P_aj/c_a + (Σ_p P_ap/c_a)·softmax_j(z_a over k ≠ a), c_a = |P(a)| + tiny;
    each kept anchor gets g/#kept, then ×1/τ, then back through S = Û·Ûᵀ."""
    x, y = _prepare_pairs(embeddings, labels)
    temperature = _real(temperature, "temperature")
    g = check_grad_output(grad_output, (), x.dtype)
    pos, neg = _pair_masks(y)
    if not _has_pairs(pos, neg):
        return np.zeros_like(x)
    cache, keep, zk, lse, count, losses = _supcon_parts(x, pos, neg, temperature)
    if not (losses > 0).any():  # pml's zero_loss: a gradient of 0 that never enters the graph
        return np.zeros_like(x)
    gl = _avg_non_zero_backward(g, losses)[:, None]
    softmax = np.where(keep, np.exp(zk - lse), 0)
    p = pos.astype(x.dtype)
    gz = gl * (-p / count[:, None] + (np.sum(p, axis=1) / count)[:, None] * softmax)
    return _cosine_matrix_backward(gz / temperature, x, cache)


def _avg_non_zero(losses, x):
    """pml's AvgNonZeroReducer: the mean of the losses > 0, or zero_loss when there are none."""
    kept = losses > 0
    if not kept.any():
        return _zero_loss(x)
    return apply_reduction(losses[kept], "mean")


def _avg_non_zero_backward(g, losses):
    """g/#kept on each kept loss, 0 elsewhere (and everywhere when none is kept)."""
    kept = losses > 0
    return np.where(kept, g / max(int(kept.sum()), 1), 0).astype(losses.dtype)


# ============================================================================= contrastive
# torch.cdist (p = 2, its default compute_mode) has two regimes: with more than this many rows on
# either side it uses the matrix product ‖u‖² + ‖v‖² − 2u·v, below it the differences themselves.
_CDIST_MM_ROWS = 25


def _distance_matrix(x):
    """D_ij = ‖ûᵢ − ûⱼ‖₂ (pml's LpDistance: normalised, p = 2, torch.cdist) and what its backward needs.

    Up to 25 rows, as cdist: the N×N×D differences, squared and summed (exact, but N·N·D numbers).
    Beyond, as cdist's `_euclidean_dist`: D² = ‖ûᵢ‖² + ‖ûⱼ‖² − 2·ûᵢ·ûⱼ, one N×N matrix product
    (N·N numbers), clamped at 0 before the square root, since rounding can make D² of two
    (near-)equal rows slightly negative. Its absolute error is about ε, so near-duplicate rows get
    distances of order √ε instead of ~0, in torch as here: which is why we follow its switch.
    """
    u, norm, c = _normalize(x)
    d = _cdist_by_mm(u) if len(u) > _CDIST_MM_ROWS else _cdist_by_differences(u)
    return d, (u, norm, c, d)


def _cdist_by_differences(u):
    """D_ij = √Σ_k (u_ik − u_jk)²: cdist's direct path."""
    diff = u[:, None, :] - u[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def _cdist_by_mm(u):
    """D_ij = √max(−2·uᵢ·uⱼ + ‖uᵢ‖² + ‖uⱼ‖², 0): cdist's matrix-product path, its terms in its order."""
    sq = np.sum(u * u, axis=1)
    return np.sqrt(np.maximum((-2 * u) @ u.T + sq[:, None] + sq[None, :], 0))


def _distance_matrix_backward(gd, x, cache):
    """∂L/∂û from G = ∂L/∂D, through cdist(Û, Û) — Û is both of cdist's arguments, so both sides add up.

    With W = G ⊘ D (0 where D = 0: cdist's subgradient for two equal rows; a nan distance stays nan),
    ∂D_ij/∂ûᵢ = (ûᵢ − ûⱼ)/D_ij gives, as the first argument's gradient, Σⱼ W_ij·(ûᵢ − ûⱼ)
    = rowsum(W)ᵢ·ûᵢ − (W·Û)ᵢ, and as the second's Σⱼ W_ji·(ûᵢ − ûⱼ) = colsum(W)ᵢ·ûᵢ − (Wᵀ·Û)ᵢ:
        ∂L/∂Û = (rowsum(W) + colsum(W))·Û − (W + Wᵀ)·Û.
    Beyond 25 rows torch computes exactly these matrix products (`_euclidean_dist_backward`, no N×N×D
    array); up to 25 its kernel sums W_ij·(ûᵢ − ûⱼ) pair by pair, and so do we.
    """
    u, norm, c, d = cache
    w = np.where(d == 0, 0, gd / d)
    if len(u) > _CDIST_MM_ROWS:
        first = np.sum(w, axis=1)[:, None] * u - w @ u
        second = np.sum(w, axis=0)[:, None] * u - w.T @ u
        return _normalize_backward(first + second, x, norm, c)
    wdiff = w[..., None] * (u[:, None, :] - u[None, :, :])
    return _normalize_backward(np.sum(wdiff, axis=1) - np.sum(wdiff, axis=0), x, norm, c)


def _contrastive_parts(x, pos, neg, pos_margin, neg_margin):
    """[d_ap − m_pos]₊ over the positive pairs and [m_neg − d_an]₊ over the negative ones (row-major)."""
    d, cache = _distance_matrix(x)
    pos_loss = np.maximum(d[pos] - pos_margin, 0)
    neg_loss = np.maximum(neg_margin - d[neg], 0)
    return d, cache, pos_loss, neg_loss


def _prepare_contrastive(embeddings, labels, pos_margin, neg_margin):
    x, y = _prepare_pairs(embeddings, labels)
    return x, y, _real(pos_margin, "pos_margin"), _real(neg_margin, "neg_margin")


def _no_pairs(y):
    """pml's first check: every pair list holds at most one index (here: none at all)."""
    return y.shape[0] < 2


@ieee()
def contrastive_loss(embeddings, labels, pos_margin=0.0, neg_margin=1.0):
    """The contrastive loss (Hadsell et al. 2006, unsquared), pytorch-metric-learning's `ContrastiveLoss`.

        L = mean_{(a,p): ℓ > 0} [d_ap − m_pos]₊  +  mean_{(a,n): ℓ > 0} [m_neg − d_an]₊,
    d the Euclidean distance of the normalised embeddings; each mean leaves out the pairs whose
    loss is 0 (pml's AvgNonZeroReducer), and an empty one counts 0.
    """
    x, y, pos_margin, neg_margin = _prepare_contrastive(embeddings, labels, pos_margin, neg_margin)
    if _no_pairs(y):
        return _zero_loss(x)
    *_, pos_loss, neg_loss = _contrastive_parts(x, *_pair_masks(y), pos_margin, neg_margin)
    total = _avg_non_zero(pos_loss, x) + _avg_non_zero(neg_loss, x)
    return np.asarray(total, dtype=x.dtype)


@ieee()
def contrastive_loss_backward(grad_output, embeddings, labels, pos_margin=0.0, neg_margin=1.0):
    """∂L/∂d_ap = g/#kept⁺ and ∂L/∂d_an = −g/#kept⁻ on the kept pairs (relu′(0) = 0), then back
    through the distances and the normalisation."""
    x, y, pos_margin, neg_margin = _prepare_contrastive(embeddings, labels, pos_margin, neg_margin)
    g = check_grad_output(grad_output, (), x.dtype)
    if _no_pairs(y):
        return np.zeros_like(x)
    pos, neg = _pair_masks(y)
    d, cache, pos_loss, neg_loss = _contrastive_parts(x, pos, neg, pos_margin, neg_margin)
    if not ((pos_loss > 0).any() or (neg_loss > 0).any()):  # two zero_losses: 0, outside the graph
        return np.zeros_like(x)
    gd = np.zeros_like(d)
    gd[pos] = _avg_non_zero_backward(g, pos_loss)
    gd[neg] = -_avg_non_zero_backward(g, neg_loss)
    return _distance_matrix_backward(gd, x, cache)


# ============================================================================= ArcFace, CosFace
def _prepare_classes(embeddings, labels, weight, margin, scale):
    x = _embeddings(embeddings)
    w = _embeddings(weight, "weight")
    if w.shape[0] != x.shape[1]:
        raise ValueError(
            f"weight must be (embedding_size, num_classes) = ({x.shape[1]}, C), got shape {w.shape}"
        )
    y = _labels(labels, x.shape[0], integer=True)
    if y.size and (y.min() < 0 or y.max() >= w.shape[1]):
        raise ValueError(f"labels must be class indices in [0, {w.shape[1]}), got values in "
                         f"[{y.min()}, {y.max()}]")
    return x, y.astype(np.int64), w, _real(margin, "margin"), _real(scale, "scale")


def _class_cosines(x, w):
    """C = Û·Ŵ: the cosine of every embedding with every class's weight column (cast to x's dtype)."""
    wt = w.T.astype(x.dtype)
    ux, nx, cx = _normalize(x)
    uw, nw, cw = _normalize(wt)
    return ux @ uw.T, (ux, nx, cx, wt, uw, nw, cw)


def _class_cosines_backward(gc, x, w, cache):
    ux, nx, cx, wt, uw, nw, cw = cache
    gx = _normalize_backward(gc @ uw, x, nx, cx)
    gw = _normalize_backward(gc.T @ ux, wt, nw, cw)
    return gx, grad_like(gw.T, w)


def _margin_logits(x, y, w, modify, scale):
    """logits = σ·(C + onehot·(modify(c_y) − c_y)), pml's LargeMarginSoftmaxLoss.compute_loss."""
    cos, cache = _class_cosines(x, w)
    rows = np.arange(len(y))
    c_y = cos[rows, y]
    logits = cos.copy()
    logits[rows, y] = cos[rows, y] + (modify(c_y) - c_y)
    return logits * scale, cos, cache


def _margin_loss(x, y, w, modify, scale):
    logits = _margin_logits(x, y, w, modify, scale)[0]
    return apply_reduction(cross_entropy(logits, y, reduction="none"), "mean")  # nan for no samples


def _margin_loss_backward(grad_output, x, y, w, modify, modify_grad, scale):
    g = check_grad_output(grad_output, (), x.dtype)
    logits, cos, cache = _margin_logits(x, y, w, modify, scale)
    gl = cross_entropy_backward(np.full(len(y), g / len(y), dtype=x.dtype), logits, y, reduction="none")
    gc = gl * scale
    rows = np.arange(len(y))
    # the target logit is c + (modify(c) − c): 1 − 1 + modify′(c)
    gt = gc[rows, y]
    gc[rows, y] = gt + gt * modify_grad(cos[rows, y]) - gt
    return _class_cosines_backward(gc, x, w, cache)


def _arcface(margin_rad):
    """cos(θ + m) for θ ≤ π − m, else cos θ − m·sin m, with θ = acos(clamp(c, −1, 1)); and its c-derivative."""
    def modify(c):
        theta = np.arccos(np.clip(c, -1, 1))
        return np.where(theta <= np.deg2rad(180) - margin_rad, np.cos(theta + margin_rad),
                        np.cos(theta) - margin_rad * np.sin(margin_rad))

    def modify_grad(c):
        with ieee():
            theta = np.arccos(np.clip(c, -1, 1))
            dtheta = np.where((c >= -1) & (c <= 1), -1 / np.sqrt(1 - c * c), 0)  # acos′, clamp′
            dmod = np.where(theta <= np.deg2rad(180) - margin_rad, -np.sin(theta + margin_rad), -np.sin(theta))
            return (dmod * dtheta).astype(c.dtype)

    return modify, modify_grad


def _cosface(margin):
    return (lambda c: c - c.dtype.type(margin)), (lambda c: np.ones_like(c))


@ieee()
def arcface_loss(embeddings, labels, weight, margin=28.6, scale=64.0):
    """ArcFace (Deng et al. 2019), pytorch-metric-learning's `ArcFaceLoss` with its W passed in.

    cos θ_ic = ûᵢ·ŵ_c (weight's columns normalised); the target class's angle gets the additive
    margin m (given in DEGREES, as pml takes it), then softmax cross-entropy on σ·logits:
        ℓ_i = −log( e^{σ cos(θ_{iy}+m)} / (e^{σ cos(θ_{iy}+m)} + Σ_{c≠y} e^{σ cos θ_ic}) ),  mean over i.
    """
    x, y, w, margin, scale = _prepare_classes(embeddings, labels, weight, margin, scale)
    return _margin_loss(x, y, w, _arcface(np.radians(margin))[0], scale)


@ieee()
def arcface_loss_backward(grad_output, embeddings, labels, weight, margin=28.6, scale=64.0):
    """(∂L/∂embeddings, ∂L/∂weight): cross-entropy's s − onehot, ×σ, the target entry ×∂cos(θ+m)/∂c
    = sin(θ+m)/√(1 − c²), then back through both normalisations."""
    x, y, w, margin, scale = _prepare_classes(embeddings, labels, weight, margin, scale)
    return _margin_loss_backward(grad_output, x, y, w, *_arcface(np.radians(margin)), scale)


@ieee()
def cosface_loss(embeddings, labels, weight, margin=0.35, scale=64.0):
    """CosFace (Wang et al. 2018), pytorch-metric-learning's `CosFaceLoss` with its W passed in.

        ℓ_i = −log( e^{σ(cos θ_{iy} − m)} / (e^{σ(cos θ_{iy} − m)} + Σ_{c≠y} e^{σ cos θ_ic}) ),  mean over i.
    """
    x, y, w, margin, scale = _prepare_classes(embeddings, labels, weight, margin, scale)
    return _margin_loss(x, y, w, _cosface(margin)[0], scale)


@ieee()
def cosface_loss_backward(grad_output, embeddings, labels, weight, margin=0.35, scale=64.0):
    """(∂L/∂embeddings, ∂L/∂weight): the margin is a constant shift, so only σ·(s − onehot) and
    the normalisations remain."""
    x, y, w, margin, scale = _prepare_classes(embeddings, labels, weight, margin, scale)
    return _margin_loss_backward(grad_output, x, y, w, *_cosface(margin), scale)


# ============================================================================= CLIP
def _prepare_clip(image_embeddings, text_embeddings, logit_scale):
    img = _embeddings(image_embeddings, "image_embeddings")
    txt = _embeddings(text_embeddings, "text_embeddings")
    if img.shape != txt.shape:
        raise ValueError(f"image_embeddings and text_embeddings must have the same shape (n pairs), "
                         f"got {img.shape} and {txt.shape}")
    t = np.asarray(logit_scale)
    if t.ndim or t.dtype.kind not in "iuf":
        raise TypeError(f"logit_scale must be a real number (a float or a 0-d array), got {logit_scale!r}")
    dtype = result_dtype(img, txt, t)
    return img.astype(dtype), txt.astype(dtype), float(t), dtype


def _clip_logits(img, txt, t):
    ui, ni, ci = _normalize(img)
    ut, nt, ct = _normalize(txt)
    return img.dtype.type(np.exp(t)) * (ui @ ut.T), (ui, ni, ci, ut, nt, ct)


@ieee()
def clip_loss(image_embeddings, text_embeddings, logit_scale):
    """CLIP's symmetric cross-entropy (Radford et al. 2021, Figure 3).

        Z = e^t·Î·T̂ᵀ (rows L2-normalised),  L = ½·(CE(Z, [0..n−1]) + CE(Zᵀ, [0..n−1])),
    each CE the mean over the n pairs: image i must pick text i among all texts, and text i image i.
    """
    img, txt, t, dtype = _prepare_clip(image_embeddings, text_embeddings, logit_scale)
    z = _clip_logits(img, txt, t)[0]
    target = np.arange(len(z))
    return np.asarray((cross_entropy(z, target) + cross_entropy(z.T, target)) / 2, dtype=dtype)


@ieee()
def clip_loss_backward(grad_output, image_embeddings, text_embeddings, logit_scale):
    """(∂L/∂image, ∂L/∂text, ∂L/∂logit_scale): G = ½(∂CE/∂Z + (∂CE/∂Zᵀ)ᵀ); ∂L/∂t = Σ G∘Z (Z = e^t·…);
    ∂L/∂Î = e^t·G·T̂ and ∂L/∂T̂ = e^t·Gᵀ·Î, then back through each normalisation."""
    img, txt, t, dtype = _prepare_clip(image_embeddings, text_embeddings, logit_scale)
    g = check_grad_output(grad_output, (), dtype) / 2
    z, (ui, ni, ci, ut, nt, ct) = _clip_logits(img, txt, t)
    target = np.arange(len(z))
    gz = cross_entropy_backward(g, z, target) + cross_entropy_backward(g, z.T, target).T
    g_t = np.asarray(np.sum(gz * z), dtype=dtype)
    gz = gz * dtype.type(np.exp(t))
    g_img = _normalize_backward(gz @ ut, img, ni, ci)
    g_txt = _normalize_backward(gz.T @ ui, txt, nt, ct)
    t_dtype = np.asarray(logit_scale).dtype if isinstance(logit_scale, np.ndarray) else dtype
    return (grad_like(g_img, image_embeddings), grad_like(g_txt, text_embeddings),
            np.asarray(g_t, dtype=t_dtype))
