"""Dense prediction (notebook 10): focal, Dice, Tversky and Lovász losses.

    sigmoid_focal_loss   ℓ = α_t·(1 − p_t)^γ·BCE(x, t),  p = σ(x)          every element its own binary task
    focal_loss           ℓ = −α_t·w_t·(1 − p_t)^γ·log p_t,  p = softmax     one class per pixel, class axis 1
    dice_loss            1 − 2|X∩Y| / (|X| + |Y| + ε)                       soft F1 of softmax and one-hot
    tversky_loss         1 − TP / (TP + α·FP + β·FN + ε)                    Dice with unequal FP/FN costs
    lovasz_hinge_loss    Lovász extension of the Jaccard loss at hinge errors max(0, 1 − x·(2t − 1))
    lovasz_softmax_loss  the same extension at the errors |softmax − one-hot|, one per class

Homes (the implementations whose names, defaults and edge rules we follow): torchvision's
`ops.sigmoid_focal_loss` for the first, kornia 0.9.0's `losses.<name>` for the others (their
first argument is called `pred` there, `input` here). `<name>_backward(grad_output, <the same
arguments>)` returns ∂L/∂(first argument).

The softmax losses share one chain: ∂L/∂z_c = s_c·(G_c − Σ_k s_k G_k) for G = ∂L/∂s, the
softmax s over the class axis. Each `_backward` computes G from its own formula and hands it to
`_softmax_backward`.

Matching the homes at the edges
-------------------------------
* `sigmoid_focal_loss`: a negative α switches the α-weighting off (torchvision's `alpha >= 0`
  test; −1 is the documented value). α outside [0, 1] and any γ are not validated. The modulating
  factor (1 − p_t)^γ has torch's `pow` gradient: 0 for γ = 0, γ·b^(γ−1) otherwise, so a saturated
  σ (b = 0) with 0 < γ < 1 gives 0·inf = nan, as torch does. 'mean' over no element is nan.
* `focal_loss`: α weights class 0 by 1 − α and every other class by α (kornia's convention, not
  torchvision's). 'none' returns the (B, C, *) map, the focal term in the target's slice and 0 in
  the others; 'mean' divides by every element of that map (C × the pixels). An ignored pixel is
  0 in every slice but stays in the 'mean' denominator; its logits are set to 0 before the
  log-softmax, so it gets exactly zero gradient. Where p_t rounds to 1 the factor's gradient is
  dropped (kornia detaches it), so γ < 1 gives no nan.
* `dice_loss` / `tversky_loss`: ignored pixels leave both sums of their own sample (unlike
  focal). 'macro' (and Tversky always) averages over the classes present in the sample's
  non-ignored target; a sample with none (all pixels ignored, or every present class weighted 0)
  counts as loss 1 with zero gradient. A Dice with an empty denominator (cardinality 0) is 0.
  `weight` in 'micro' scales class c's terms in both sums.
* Lovász: the Jaccard weights come from the targets sorted by decreasing error. Tied errors are
  taken in stable order (first pixel first). kornia calls torch's `sort(descending=True)`, which
  is stable for rows of at most 16 pixels and not beyond; the loss is the same for any order of
  the ties, only the split of the gradient among tied pixels can differ there. The hinge's
  ReLU and |·| at 0 pass zero gradient, as in torch. `lovasz_hinge_loss` does not check its
  labels (a 2 or −100 is used as it is) and has no `ignore_index`; `lovasz_softmax_loss` takes
  class indices (any numeric dtype, truncated to integers like torch's `.to(int64)`), scores an
  absent class with its largest probability, divides by C whatever `weight` is, and accepts a
  single prediction for a batch of targets.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    check_reduction,
    check_scalar,
    ieee,
    reduction_backward,
    result_dtype,
    torch_sign,
)
from .binary import _sigmoid, _softplus
from .classification import _softmax, log_softmax

__all__ = [
    "sigmoid_focal_loss",
    "sigmoid_focal_loss_backward",
    "focal_loss",
    "focal_loss_backward",
    "dice_loss",
    "dice_loss_backward",
    "tversky_loss",
    "tversky_loss_backward",
    "lovasz_hinge_loss",
    "lovasz_hinge_loss_backward",
    "lovasz_softmax_loss",
    "lovasz_softmax_loss_backward",
]


# ----------------------------------------------------------------------------- shared checks
def _logits(x, name, ndim=None, min_ndim=None):
    """`x` as a float array of `ndim` dimensions (or at least `min_ndim`)."""
    a = as_float_array(x, name)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions (B, C, H, W), got shape {a.shape}")
    if min_ndim is not None and a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions (B, C, *), got shape {a.shape}")
    return a


def _labels(target, name="target"):
    """Integer class labels (kornia wants int64; any integer dtype is taken and widened)."""
    if target is None:
        raise TypeError(f"{name} must be an array of integer class labels, got None")
    t = np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels (int64), got dtype {t.dtype}")
    return t.astype(np.int64, copy=False)


def _check_target_shape(x, t, name="target"):
    """The target is (B, *) for an input (B, C, *)."""
    expected = (x.shape[0],) + x.shape[2:]
    if t.shape != expected:
        raise ValueError(f"{name} must have shape {expected} for input of shape {x.shape}, got {t.shape}")


def _ignore(t, ignore_index):
    """(labels with ignored pixels set to class 0, valid mask or None), as kornia's mask_ignore_pixels."""
    if ignore_index is None:
        return t, None
    check_scalar(ignore_index, "ignore_index", integer=True)
    valid = t != ignore_index
    return np.where(valid, t, 0), valid


def _check_classes(t, n_classes, name="target"):
    """Every label in [0, C): kornia's one_hot raises for anything else (ignored pixels already 0)."""
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"{name} must hold class labels in [0, {n_classes}) (or ignore_index), "
            f"got values from {t.min()} to {t.max()}"
        )


def _one_hot(t, n_classes, dtype):
    """(B, *) labels → (B, C, *) one-hot, the class axis at 1 as in kornia."""
    classes = np.arange(n_classes).reshape((1, n_classes) + (1,) * (t.ndim - 1))
    return (t[:, None] == classes).astype(dtype)


def _class_weight(weight, n_classes, name="weight"):
    """A (C,) float array of class weights, or None."""
    if weight is None:
        return None
    w = as_float_array(weight, name)
    if w.ndim != 1 or w.shape[0] != n_classes:
        raise ValueError(f"{name} must hold one value per class, shape ({n_classes},), got {w.shape}")
    return w


def _per_class(v, ndim):
    """A (C,) vector shaped to broadcast along axis 1 of an ndim-dimensional array."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _softmax_backward(G, s, axis=1):
    """∂L/∂z_c = s_c·(G_c − Σ_k s_k G_k) for G = ∂L/∂s, s = softmax(z) along `axis`."""
    return s * (G - np.sum(G * s, axis=axis, keepdims=True))


def _batch_mean_upstream(grad_output, batch, dtype):
    """g / B: the gradient of a mean over `batch` samples of a 0-d result."""
    g = reduction_backward(grad_output, (batch,), "mean", dtype)
    return g.reshape((batch,))


# ----------------------------------------------------------------------------- sigmoid focal
def _prepare_sigmoid_focal(inputs, targets, alpha, gamma, reduction):
    x = as_float_array(inputs, "inputs")
    t = as_float_array(targets, "targets")
    if x.shape != t.shape:
        raise ValueError(f"targets must have the shape of inputs {x.shape}, got {t.shape}")
    alpha = check_scalar(alpha, "alpha")
    gamma = check_scalar(gamma, "gamma")
    reduction = check_reduction(reduction, elementwise_mean=False)
    # No cast: σ(x) is rounded in x's own dtype, as torch computes it, before meeting t.
    return x, t, alpha, gamma, reduction


def _focal_pieces(x, t, alpha, gamma):
    """p = σ(x), the BCE ce, the base b = 1 − p_t of the modulating factor, and α_t (1 without α)."""
    p = _sigmoid(x)
    ce = (1 - t) * x + _softplus(-x)
    b = 1 - (p * t + (1 - p) * (1 - t))
    a = alpha * t + (1 - alpha) * (1 - t) if alpha >= 0 else np.ones_like(x)
    return p, ce, b, a


@ieee()
def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Sigmoid focal loss (Lin et al. 2017, RetinaNet): ℓ = α_t·(1 − p_t)^γ·BCE(x, t).

    p = σ(x), p_t = p·t + (1 − p)(1 − t) (the probability of the true label), BCE the binary
    cross-entropy on logits and α_t = α·t + (1 − α)(1 − t), dropped when α < 0. With γ = 0 and
    α < 0 it is `binary_cross_entropy_with_logits`; γ > 0 shrinks the loss of easy examples
    (p_t → 1) so the rare hard ones dominate the sum. `targets` are floats of the inputs' shape.

    Reference: torchvision.ops.sigmoid_focal_loss (its α = 0.25 default is on).
    """
    x, t, alpha, gamma, reduction = _prepare_sigmoid_focal(inputs, targets, alpha, gamma, reduction)
    _, ce, b, a = _focal_pieces(x, t, alpha, gamma)
    loss = a * (ce * b**gamma)
    return apply_reduction(loss.astype(result_dtype(x, t), copy=False), reduction)


@ieee()
def sigmoid_focal_loss_backward(grad_output, inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """∂ℓ/∂x = α_t·[(p − t)·b^γ + ce·γ·b^(γ−1)·(−(2t − 1))·p(1 − p)],  b = 1 − p_t.

    Product rule on ce·b^γ: ∂ce/∂x = σ(x) − t; ∂b/∂p = −(t − (1 − t)) and ∂p/∂x = p(1 − p).
    torch's pow gradient is 0 for γ = 0 (so b = 0 gives no 0·inf there).
    """
    x, t, alpha, gamma, reduction = _prepare_sigmoid_focal(inputs, targets, alpha, gamma, reduction)
    g = reduction_backward(grad_output, x.shape, reduction, result_dtype(x, t))
    p, ce, b, a = _focal_pieces(x, t, alpha, gamma)
    db = np.zeros_like(b) if gamma == 0 else gamma * b ** (gamma - 1)
    d = (p - t) * b**gamma + ce * (db * -(t - (1 - t)) * (p * (1 - p)))
    return (g * a * d).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- softmax focal
def _prepare_focal(input, target, alpha, gamma, reduction, weight, ignore_index):
    x = _logits(input, "input", min_ndim=2)
    t = _labels(target)
    _check_target_shape(x, t)
    if alpha is not None:
        alpha = check_scalar(alpha, "alpha")
    gamma = check_scalar(gamma, "gamma")
    reduction = check_reduction(reduction, elementwise_mean=False)
    C = x.shape[1]
    w = _class_weight(weight, C)
    t, valid = _ignore(t, ignore_index)
    _check_classes(t, C)
    dtype = result_dtype(x, w)
    onehot = _one_hot(t, C, x.dtype)
    if valid is not None:
        onehot = onehot * valid[:, None]
        # The logits of an ignored pixel become 0 first: an overflowing log-probability times 0 is nan.
        x = np.where(valid[:, None], x, np.zeros((), x.dtype))
    # The class factors: α_c = 1 − α for class 0, α for the others (kornia's convention), and w_c.
    a = np.ones(C, x.dtype) if alpha is None else np.asarray([1 - alpha] + [alpha] * (C - 1), dtype=x.dtype)
    w = np.ones(C, x.dtype) if w is None else w
    return x, onehot, valid, gamma, reduction, _per_class(a, x.ndim), _per_class(w, x.ndim), dtype


@ieee()
def focal_loss(input, target, alpha, gamma=2.0, reduction="none", weight=None, ignore_index=-100):
    """Softmax focal loss: ℓ_c = −α_c·w_c·(1 − p_c)^γ·log p_c on the target class c, 0 elsewhere.

    p = softmax(input) over axis 1; input (B, C, *) logits, target (B, *) class indices. α_c is
    1 − α for class 0 (the background) and α for the other classes (α = None: 1); w = `weight`.
    γ = 0 and α = None give cross-entropy. 'none' returns the (B, C, *) map; 'mean' divides its
    sum by all its elements, C × the pixels (so it is C times smaller than a mean per pixel).

    Reference: kornia.losses.focal_loss (kornia 0.9.0).
    """
    x, onehot, valid, gamma, reduction, a, w, dtype = _prepare_focal(
        input, target, alpha, gamma, reduction, weight, ignore_index
    )
    lsm = log_softmax(x, axis=1)
    # Every slice is computed, as kornia does: the non-target ones are −(1 − p_c)^γ·0·0 = 0 (nan
    # only where a factor is inf).
    loss = w * (a * (-((1 - np.exp(lsm)) ** gamma) * np.where(onehot == 0, 0, lsm) * onehot))
    return apply_reduction(loss.astype(dtype, copy=False), reduction)


@ieee()
def focal_loss_backward(grad_output, input, target, alpha, gamma=2.0, reduction="none", weight=None,
                        ignore_index=-100):
    """∂ℓ/∂lsm_c = α_c·w_c·[−(1 − p)^γ + γ·(1 − p)^(γ−1)·p·lsm_c] on the target slice, then log-softmax.

    With ℓ = −(1 − e^l)^γ·l: dℓ/dl = −(1 − p)^γ + γ(1 − p)^(γ−1)·p·l. The gradient goes back
    through kornia's graph one node at a time, so that an inf factor gives nan where autograd
    does (inf·0 in a non-target slice): ℓ = w·(α·(−f·m·Y)) with m = lsm masked to the target,
    f = b^γ and b = 1 − e^lsm. Where b = 0 exactly kornia detaches f, so the second term is 0 there
    (no 0·inf for γ < 1); γ = 0 drops it too (torch's pow gradient). Through lsm = z − logΣe^z:
    ∂L/∂z = G − softmax·ΣG. An ignored pixel had its logits replaced by 0: zero gradient.
    """
    x, onehot, valid, gamma, reduction, a, w, dtype = _prepare_focal(
        input, target, alpha, gamma, reduction, weight, ignore_index
    )
    g = reduction_backward(grad_output, x.shape, reduction, dtype)
    lsm = log_softmax(x, axis=1)
    p = np.exp(lsm)
    b = 1 - p
    m = np.where(onehot == 0, 0, lsm)
    g_term = g * w * a  # ∂L/∂(−f·m·Y)
    g_lsm = np.where(onehot == 0, 0, g_term * onehot * -(b**gamma))  # through m (masked_fill: 0 off target)
    g_f = -(g_term * onehot * m)
    live = b != 0  # kornia's `saturated` entries pass nothing to b
    g_b = np.where(live, g_f * (gamma * np.where(live, b, 1) ** (gamma - 1)), 0) if gamma != 0 else 0 * b
    G = g_lsm - g_b * p  # b = 1 − e^lsm
    dz = G - p * np.sum(G, axis=1, keepdims=True)
    if valid is not None:
        dz = np.where(valid[:, None], dz, 0)  # the masked logits: 0 (not nan) at ignored pixels
    return dz.astype(np.asarray(input).dtype, copy=False)


# ----------------------------------------------------------------------------- Dice and Tversky
def _prepare_overlap(input, target, ignore_index):
    """Softmax s (B, C, H, W), one-hot Y and the validity mask m (B, 1, H, W), both as floats."""
    x = _logits(input, "input", ndim=4)
    t = _labels(target)
    _check_target_shape(x, t)
    t, valid = _ignore(t, ignore_index)
    _check_classes(t, x.shape[1])
    s = _softmax(x, 1).astype(x.dtype, copy=False)
    Y = _one_hot(t, x.shape[1], x.dtype)
    m = np.ones_like(Y[:, :1]) if valid is None else valid[:, None].astype(x.dtype)
    return x, s, Y * m, m


def _prepare_dice(input, target, average, eps, weight, ignore_index):
    if average not in ("micro", "macro"):
        raise ValueError(f"average must be 'micro' or 'macro', got {average!r}")
    eps = check_scalar(eps, "eps")
    x, s, Y, m = _prepare_overlap(input, target, ignore_index)
    w = _class_weight(weight, x.shape[1])
    dtype = result_dtype(x, w)
    w = np.ones(x.shape[1], x.dtype) if w is None else w
    return x, s, Y, m, average, eps, w, dtype


def _dice_sums(P, Y, w, average):
    """Intersection Σ w·P·Y and cardinality Σ w·(P + Y): per sample ('micro') or per sample and class."""
    if average == "micro":
        wc = w.reshape(-1, 1, 1)
        return np.sum((P * wc) * Y, axis=(1, 2, 3)), np.sum(P * wc + Y * wc, axis=(1, 2, 3))
    return np.sum(P * Y, axis=(2, 3)), np.sum(P + Y, axis=(2, 3))


def _macro_weights(Y, w):
    """The weights w_c·[class c present in the sample] (B, C) and their sums (B,)."""
    wp = w * np.any(Y == 1, axis=(2, 3))
    return wp, np.sum(wp, axis=-1)


@ieee()
def dice_loss(input, target, average="micro", eps=1e-8, weight=None, ignore_index=-100):
    """Dice loss: 1 − 2|X∩Y| / (|X| + |Y| + ε), averaged over the batch.

    X = softmax(input) over the classes, Y = one-hot(target), |X∩Y| = Σ X·Y, |X| = Σ X: the soft
    version of the F1 score 2TP / (2TP + FP + FN). 'micro': one Dice per sample over all classes
    and pixels, class c's terms scaled by w_c. 'macro': one Dice per sample and class, averaged as
    Σ_c w_c·loss_c / Σ_c w_c over the classes present in the sample's target. ε is in the
    denominator only. input (B, C, H, W) logits, target (B, H, W) class indices; a 0-d result.

    Reference: kornia.losses.dice_loss (kornia 0.9.0).
    """
    x, s, Y, m, average, eps, w, dtype = _prepare_dice(input, target, average, eps, weight, ignore_index)
    inter, card = _dice_sums(s * m, Y, w, average)
    empty = card == 0
    loss = 1 - np.where(empty, 0, 2 * inter / np.where(empty, 1, card + eps))
    if average == "macro":
        wp, norm = _macro_weights(Y, w)
        loss = np.where(norm == 0, 1, np.sum(loss * wp, axis=-1) / np.where(norm == 0, 1, norm))
    return apply_reduction(np.asarray(loss, dtype=dtype), "mean")


@ieee()
def dice_loss_backward(grad_output, input, target, average="micro", eps=1e-8, weight=None, ignore_index=-100):
    """∂(1 − 2I/D)/∂P = −2·w_c·(Y/D − I/D²),  D = cardinality + ε, P = softmax·mask.

    I = Σ w·P·Y and D = Σ w·(P + Y) + ε both grow with P: the quotient rule gives the line above
    ('micro' per sample; 'macro' per sample and class, then times w_c·present_c / Σ w·present).
    An empty denominator, or a sample with no weighted present class, passes no gradient.
    """
    x, s, Y, m, average, eps, w, dtype = _prepare_dice(input, target, average, eps, weight, ignore_index)
    g = _batch_mean_upstream(grad_output, x.shape[0], dtype)
    inter, card = _dice_sums(s * m, Y, w, average)
    empty = card == 0
    D = np.where(empty, 1, card + eps)
    coef = np.where(empty, 0, g.reshape((-1,) + (1,) * (inter.ndim - 1)))  # ∂L/∂loss_(b[,c])
    if average == "macro":
        wp, norm = _macro_weights(Y, w)
        coef = coef * np.where(norm[:, None] == 0, 0, wp / np.where(norm == 0, 1, norm)[:, None])
        coef, inter, D = coef[..., None, None], inter[..., None, None], D[..., None, None]
        wc = 1
    else:
        coef, inter, D = coef[:, None, None, None], inter[:, None, None, None], D[:, None, None, None]
        wc = w.reshape(1, -1, 1, 1)
    dP = coef * (-2 * wc * (Y / D - inter / D**2))
    return _softmax_backward(dP * m, s).astype(x.dtype, copy=False)


def _prepare_tversky(input, target, alpha, beta, eps, ignore_index):
    alpha = check_scalar(alpha, "alpha")
    beta = check_scalar(beta, "beta")
    eps = check_scalar(eps, "eps")
    x, s, Y, m = _prepare_overlap(input, target, ignore_index)
    return x, s, m, Y, alpha, beta, eps


def _tversky_sums(P, Y, alpha, beta, eps):
    """TP, the denominator TP + α·FP + β·FN + ε, the present classes (B, C) and their count per sample."""
    tp = np.sum(P * Y, axis=(2, 3))
    fp = np.sum(P * (1 - Y), axis=(2, 3))
    fn = np.sum((1 - P) * Y, axis=(2, 3))
    present = np.sum(Y, axis=(2, 3)) > 0
    return tp, tp + alpha * fp + beta * fn + eps, present, np.maximum(np.sum(present, axis=-1), 1)


@ieee()
def tversky_loss(input, target, alpha, beta, eps=1e-8, ignore_index=-100):
    """Tversky loss: 1 − mean_b mean_(c present) TP / (TP + α·FP + β·FN + ε).

    TP = Σ P·Y, FP = Σ P·(1 − Y), FN = Σ (1 − P)·Y per sample and class, P the softmax and Y the
    one-hot target, over the non-ignored pixels. α = β = ½ is the macro Dice (with 2ε); α > β
    punishes false positives more, α < β false negatives (small structures). Absent classes do not
    count; a sample without any non-ignored pixel scores 0 (loss 1).

    Reference: kornia.losses.tversky_loss (kornia 0.9.0).
    """
    x, s, m, Y, alpha, beta, eps = _prepare_tversky(input, target, alpha, beta, eps, ignore_index)
    tp, den, present, count = _tversky_sums(s * m, Y, alpha, beta, eps)
    score = np.where(present, tp / np.where(present, den, 1), 0)
    score = np.sum(score, axis=-1) / count
    return np.asarray(1 - apply_reduction(score.astype(x.dtype, copy=False), "mean"), dtype=x.dtype)


@ieee()
def tversky_loss_backward(grad_output, input, target, alpha, beta, eps=1e-8, ignore_index=-100):
    """∂S/∂P = Y/den − TP·(Y + α(1 − Y) − β·Y)/den², S = TP/den, per present class; loss = 1 − mean S.

    ∂TP/∂P = Y, ∂FP/∂P = 1 − Y, ∂FN/∂P = −Y: the quotient rule. Each present class of sample b
    enters with weight 1 / (B · #present_b); ignored pixels get zero.
    """
    x, s, m, Y, alpha, beta, eps = _prepare_tversky(input, target, alpha, beta, eps, ignore_index)
    g = _batch_mean_upstream(grad_output, x.shape[0], x.dtype)
    tp, den, present, count = _tversky_sums(s * m, Y, alpha, beta, eps)
    den = np.where(present, den, 1)[..., None, None]
    coef = (-g[:, None] * present / count[:, None])[..., None, None]
    dP = coef * (Y / den - tp[..., None, None] * (Y + alpha * (1 - Y) - beta * Y) / den**2)
    return _softmax_backward(dP * m, s).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- Lovász
def _descending_order(errors):
    """Indices sorting each row of `errors` by decreasing value, ties in stable (index) order.

    nan sorts first, as in torch's descending sort; lexsort is stable, its last key the primary.
    """
    return np.lexsort((-errors, ~np.isnan(errors)), axis=-1)


def _jaccard_weights(t_sorted):
    """g_i = J(i) − J(i − 1): the Lovász weights of the Jaccard loss along sorted labels (last axis).

    J(i) = 1 − |Y ∖ first i| / |Y ∪ first i| is the Jaccard loss of predicting the first i pixels
    (in decreasing error) as foreground; its increments weight the sorted errors. Only labels enter.
    """
    total = np.sum(t_sorted, axis=-1, keepdims=True)
    intersection = total - np.cumsum(t_sorted, axis=-1)
    union = total + np.cumsum(1 - t_sorted, axis=-1)
    J = 1 - intersection / union
    return np.concatenate([J[..., :1], np.diff(J, axis=-1)], axis=-1)


def _unsort(values, order):
    """Put values computed along sorted rows back where the pixels came from."""
    out = np.empty_like(values)
    np.put_along_axis(out, order, values, axis=-1)
    return out


def _prepare_lovasz_hinge(input, target):
    x = as_float_array(input, "input", allow_int=True)
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"input must have shape (B, 1, H, W): one logit channel, got {x.shape}")
    t = np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"target must be a numeric array of labels (0 or 1), got dtype {t.dtype}")
    if t.ndim != 3 or t.shape[0] != x.shape[0] or t.shape[1:] != x.shape[2:]:
        raise ValueError(f"target must have shape {(x.shape[0],) + x.shape[2:]} for input {x.shape}, got {t.shape}")
    acc = np.float64 if x.dtype == np.float64 else np.float32  # kornia: promote(pred, float32)
    n = int(np.prod(x.shape[1:]))
    xf = x.reshape(x.shape[0], n).astype(acc)
    signs = 2 * t.reshape(t.shape[0], n).astype(acc) - 1
    errors = 1 - xf * signs
    order = _descending_order(errors)
    weights = _jaccard_weights(np.take_along_axis((signs + 1) / 2, order, axis=-1))
    return x, signs, errors, order, weights


@ieee()
def lovasz_hinge_loss(input, target):
    """Lovász hinge: mean over images of Σ_i relu(e_(i))·g_i, e = 1 − x·(2t − 1) sorted decreasingly.

    The Jaccard loss 1 − IoU is a set function of the mispredicted pixels; its Lovász extension is
    the piecewise-linear function Σ_i e_(i)·g_i over the errors sorted in decreasing order, g the
    increments of the Jaccard loss along that order (`_jaccard_weights`). It is convex, and equals
    the Jaccard loss when the errors are 0 or 1. input (B, 1, H, W) logits, target (B, H, W) 0/1.

    Reference: kornia.losses.lovasz_hinge_loss (kornia 0.9.0); Berman et al., CVPR 2018.
    """
    x, signs, errors, order, weights = _prepare_lovasz_hinge(input, target)
    e_sorted = np.take_along_axis(errors, order, axis=-1)
    per_image = np.sum(np.maximum(e_sorted, 0) * weights, axis=-1)
    return apply_reduction(per_image, "mean").astype(x.dtype)


@ieee()
def lovasz_hinge_loss_backward(grad_output, input, target):
    """∂L/∂x_j = −(2t_j − 1)·g_(rank of j)·[e_j > 0] / B: piecewise linear.

    Within the region where the order of the errors is fixed, the loss is Σ_i relu(e_(i))·g_i
    with constant g (it depends only on the labels in that order), so ∂L/∂e_(i) = g_i where
    e_(i) > 0 (torch's ReLU passes nothing at 0) and ∂e/∂x = −(2t − 1). At ties the order is the
    stable one (see the module docstring).
    """
    x, signs, errors, order, weights = _prepare_lovasz_hinge(input, target)
    g = _batch_mean_upstream(grad_output, x.shape[0], errors.dtype)
    e_sorted = np.take_along_axis(errors, order, axis=-1)
    # torch's ReLU gradient is 0 where relu(e) <= 0: at e = 0, and not at e = nan (which passes).
    d_sorted = np.where(e_sorted <= 0, 0, g[:, None] * weights)
    return (-signs * _unsort(d_sorted, order)).reshape(x.shape).astype(x.dtype)


def _prepare_lovasz_softmax(input, target, weight):
    x = _logits(input, "input", ndim=4)
    if x.shape[1] < 2:
        raise ValueError(f"input must have C > 1 classes (B, C, H, W), got {x.shape}; use lovasz_hinge_loss")
    t = np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"target must be a numeric array of class labels, got dtype {t.dtype}")
    if t.ndim != 3 or x.shape[0] not in (t.shape[0], 1) or t.shape[1:] != x.shape[2:]:
        raise ValueError(f"target must have shape (B, H, W) = {(x.shape[0],) + x.shape[2:]} for input {x.shape}"
                         f" (or any B for a single input), got {t.shape}")
    C = x.shape[1]
    w = _class_weight(weight, C)
    labels = t.reshape(t.shape[0], t.shape[1] * t.shape[2]).astype(np.int64)
    _check_classes(labels, C)
    s = _softmax(x.reshape(x.shape[0], C, labels.shape[1]), 1).astype(x.dtype, copy=False)
    fg = _one_hot(labels, C, x.dtype)
    diff = s - fg  # (B, C, N); a single input broadcasts over the targets
    order = _descending_order(np.abs(diff))
    acc = np.float64 if x.dtype == np.float64 else np.float32
    weights = _jaccard_weights(np.take_along_axis(fg, order, axis=-1).astype(acc))
    return x, s, diff, order, weights, w, result_dtype(x, w)


@ieee()
def lovasz_softmax_loss(input, target, weight=None):
    """Lovász-Softmax: (1/C)·Σ_c w_c·mean_b Σ_i e_(i)·g_i, e = |softmax − one-hot| per class.

    For each image and class the errors |p_c − [t = c]| are sorted decreasingly and weighted by
    the increments g of that class's Jaccard loss (see `lovasz_hinge_loss`). Every class counts,
    present or not; `weight` scales each class and the mean still divides by C.

    Reference: kornia.losses.lovasz_softmax_loss (kornia 0.9.0); Berman et al., CVPR 2018.
    """
    x, s, diff, order, weights, w, dtype = _prepare_lovasz_softmax(input, target, weight)
    e_sorted = np.take_along_axis(np.abs(diff), order, axis=-1)
    per_image = np.sum(e_sorted * weights, axis=-1)  # (B, C)
    # The mean over images (nan for none, as torch's mean of nothing).
    per_class = np.sum(per_image, axis=0) / per_image.shape[0] if per_image.shape[0] else np.full(
        per_image.shape[1], np.nan, per_image.dtype)
    if w is not None:
        per_class = per_class * w
    return apply_reduction(np.asarray(per_class, dtype=dtype), "mean")


@ieee()
def lovasz_softmax_loss_backward(grad_output, input, target, weight=None):
    """∂L/∂p_(b,c,j) = w_c/(C·B)·g_(rank of j)·sign(p − [t = c]), then the softmax's chain rule.

    As for the hinge: with the order fixed, the loss is linear in the sorted errors; |·| passes
    sign(·), 0 at 0 as in torch. A single input scored against B targets adds their gradients.
    """
    x, s, diff, order, weights, w, dtype = _prepare_lovasz_softmax(input, target, weight)
    B, C = diff.shape[:2]
    g = reduction_backward(grad_output, (), "none", dtype)
    wc = np.ones(C, dtype) if w is None else w.astype(dtype)
    coef = (g * wc / C / B).reshape(1, C, 1) if B else np.zeros((1, C, 1), dtype)
    dE = _unsort(coef * weights, order)
    dp = np.sum(dE * torch_sign(diff), axis=0, keepdims=True) if x.shape[0] == 1 else dE * torch_sign(diff)
    return _softmax_backward(dp, s).reshape(x.shape).astype(x.dtype, copy=False)
