"""Margin losses: zero once a score clears a margin, linear (or quadratic) in the violation.

With x the scores and max(0, z) the hinge:

    hinge_embedding_loss    ℓ = [t ≠ 1]·max(0, margin − x) + [t ≠ −1]·x
                            (t = 1: pull x down to 0; t = −1: push x above margin;
                             any other target gets both terms)
    multi_margin_loss       ℓ_n = Σ_{j ≠ y} w_y·max(0, margin − x_y + x_j)^p / C
                            (the target score must beat every other score by `margin`)
    multilabel_margin_loss  ℓ_n = Σ_{j ∈ J} Σ_{i ∉ J} max(0, 1 − (x_j − x_i)) / C
                            (every listed class j must beat every unlisted class i by 1)

x_y is the target class's score, C the number of classes, w_y the weight of the target
class, J the classes listed in the target row (duplicates count again).

Two conventions differ between the losses and are easy to get wrong:
* at the kink z = 0, hinge_embedding_loss (built from clamp_min) is active: gradient −1;
  the two multi-class losses (hand-written C++ kernels) test z > 0 strictly: gradient 0.
  The same strict test silently drops NaN scores (NaN > 0 is false).
* both multi-class losses divide by C, not by the C − 1 (or |J|·|not J|) terms in the sum.

Reference: torch.nn.functional (torch 2.13); Weston & Watkins, "Multi-class support vector
machines" (1998) for the multi-class hinge.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._core import (
    ieee,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_scalar,
    grad_like,
    reduction_backward,
    resolve_reduction,
)

__all__ = [
    "hinge_embedding_loss",
    "hinge_embedding_loss_backward",
    "multi_margin_loss",
    "multi_margin_loss_backward",
    "multilabel_margin_loss",
    "multilabel_margin_loss_backward",
]


# ----------------------------------------------------------------------------- shared pieces
def _batch_of_scores(input):
    """input and its (N, C) view: a 0-d score is (1, 1), a vector (C,) is one row (1, C).

    torch's multi-class margin kernels take float32/float64 only, and no more than 2 dims.
    """
    x = as_float_array(input, "input")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"input must be a float32 or float64 array, got dtype {x.dtype}")
    if x.ndim > 2 or (x.ndim > 0 and x.shape[-1] == 0):
        raise ValueError(
            "input must be a 0-d score, a non-empty vector (C,) or a matrix (N, C) with C ≥ 1, "
            f"got shape {x.shape}"
        )
    return x, x.reshape(-1, x.shape[-1] if x.ndim else 1)


def _long_target(target):
    """target as an int64 array: torch's margin kernels refuse every other dtype (even int32)."""
    if target is None:
        raise TypeError("target must be an int64 array of class indices, got None")
    t = np.asarray(target)
    if t.dtype != np.int64:
        raise TypeError(
            f"target must be an int64 array of class indices, got dtype {t.dtype} "
            "(convert it with .astype(np.int64))"
        )
    return t


def _check_target_range(t, low, num_classes):
    """IndexError unless every entry of t is in [low, num_classes)."""
    bad = t[(t < low) | (t >= num_classes)]
    if bad.size:
        raise IndexError(
            f"target holds {bad.flat[0]}, out of range: entries must lie in "
            f"[{low}, {num_classes}) for C = {num_classes} classes"
        )


def _per_sample(grad_output, out_shape, reduction, dtype, n):
    """∂(reduced loss)/∂ℓ_n for the N per-sample losses, as a flat (N,) array."""
    g = reduction_backward(grad_output, out_shape, reduction, dtype)
    return np.broadcast_to(g, out_shape).reshape(n)


# ----------------------------------------------------------------------------- hinge embedding
def _hinge_embedding_args(input, target, margin, size_average, reduce, reduction):
    """Checked (x, t, margin, reduction, shape): shape is input and target broadcast together."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    x = as_float_array(input, "input")
    t = np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"target must be a real array (usually of ±1), got dtype {t.dtype}")
    # A Python float keeps a float32 input in float32 (torch casts the scalar margin the same way).
    margin = float(check_scalar(margin, "margin"))
    shape = broadcast_shape(("input", x.shape), ("target", t.shape))
    return x, t, margin, reduction, shape


@ieee()
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """Hinge embedding loss: ℓ = [t ≠ 1]·max(0, margin − x) + [t ≠ −1]·x.

    x is usually a distance: similar pairs (t = 1) pay x, dissimilar pairs (t = −1) pay
    max(0, margin − x) until they are at least `margin` apart. A target that is neither 1 nor
    −1 gets both terms. input and target broadcast silently (no warning, as in torch); the
    result has the input's dtype.
    """
    x, t, margin, reduction, _ = _hinge_embedding_args(input, target, margin, size_average, reduce, reduction)
    # where(), not multiplication by the indicator: torch selects, so x = ±inf with the
    # other target gives 0, not inf·0 = nan.
    loss = np.where(t != 1, np.maximum(margin - x, 0), 0) + np.where(t != -1, x, 0)
    return apply_reduction(loss.astype(x.dtype, copy=False), reduction)


@ieee()
def hinge_embedding_loss_backward(grad_output, input, target, margin=1.0, size_average=None, reduce=None,
                                  reduction="mean"):
    """∂ℓ/∂x = [t ≠ −1] − [t ≠ 1]·[margin − x ≥ 0].

    The hinge is torch's clamp_min, whose backward counts z = margin − x = 0 as active, so at
    x == margin with t = −1 the gradient is −1. A NaN input fails the ≥ test: only the
    [t ≠ −1] slope remains. Broadcast axes are summed back to the input's shape.
    """
    x, t, margin, reduction, shape = _hinge_embedding_args(input, target, margin, size_average, reduce, reduction)
    g = reduction_backward(grad_output, shape, reduction, x.dtype)
    active = (t != 1) & (margin - x >= 0)
    slope = np.subtract(t != -1, active, dtype=x.dtype)
    slope *= g  # slope is ours, of the broadcast shape: scaled in place
    return grad_like(slope, input)


# ----------------------------------------------------------------------------- multi-class margin
class _MultiMarginArgs(NamedTuple):
    x: np.ndarray  # the input as given
    scores: np.ndarray  # (N, C) view of x
    y: np.ndarray  # (N,) target classes
    w_y: np.ndarray | None  # (N,) weight of each sample's target class
    p: int
    margin: float
    reduction: str
    out_shape: tuple  # 'none' shape: the target's, () or (N,)


def _check_p(p):
    """p as an int; torch's kernel has the hinge (p = 1) and the squared hinge (p = 2) only."""
    p = check_scalar(p, "p")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2 (the hinge or the squared hinge), got {p!r}")
    return int(p)


def _class_weight(weight, scores):
    """weight as a (C,) array of the input's dtype, or None."""
    if weight is None:
        return None
    w = as_float_array(weight, "weight")
    if w.ndim != 1:
        raise ValueError(f"weight must be one-dimensional (one weight per class), got shape {w.shape}")
    if w.shape[0] != scores.shape[1]:
        raise ValueError(f"weight must have one entry per class (C = {scores.shape[1]}), got shape {w.shape}")
    if w.dtype != scores.dtype:
        raise TypeError(f"weight must have the input's dtype {scores.dtype}, got {w.dtype}")
    return w


def _multi_margin_args(input, target, p, margin, weight, size_average, reduce, reduction):
    """Every argument checked and gathered in a `_MultiMarginArgs`."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    p = _check_p(p)
    margin = float(check_scalar(margin, "margin"))
    x, scores = _batch_of_scores(input)
    t = _long_target(target)
    n, c = scores.shape
    if t.ndim > 1 or t.size != n:
        raise ValueError(
            f"target must be 1-D with one class index per sample: expected shape ({n},) for input "
            f"of shape {x.shape}, got {t.shape}"
        )
    w = _class_weight(weight, scores)
    y = t.reshape(n)
    _check_target_range(y, 0, c)
    w_y = None if w is None else w[y]
    return _MultiMarginArgs(x, scores, y, w_y, p, margin, reduction, t.shape)


def _multi_margin_hinges(a):
    """h_nj = max(0, z_nj) with z_nj = margin − x_{n,y_n} + x_nj, and h = 0 at j = y_n.

    A term counts when j ≠ y_n and z > 0 strictly (ATen's kernel): z = 0 and NaN drop out,
    so h > 0 marks exactly the terms that count. fmax, not maximum: fmax(nan, 0) = 0 drops
    a NaN z (maximum would keep it). One (N, C) array, computed in place.
    """
    rows = np.arange(a.y.shape[0])
    h = (a.margin - a.scores[rows, a.y])[:, None] + a.scores
    np.fmax(h, 0, out=h)
    h[rows, a.y] = 0
    return h


@ieee()
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge: ℓ_n = Σ_{j ≠ y} w_y·max(0, margin − x_y + x_j)^p / C, p ∈ {1, 2}.

    input (N, C), (C,) or a 0-d score; target int64 (N,) (or () / (1,) for one sample).
    The optional class weight is taken at the TARGET class y, and the sum is divided by C
    (not C − 1). 'none' has the target's shape; 'mean' averages over N.
    """
    a = _multi_margin_args(input, target, p, margin, weight, size_average, reduce, reduction)
    h = _multi_margin_hinges(a)  # ours: squared and weighted in place
    if a.p == 2:
        h *= h
    if a.w_y is not None:
        h *= a.w_y[:, None]
    loss = h.sum(axis=1) / a.scores.shape[1]
    return apply_reduction(loss.reshape(a.out_shape), a.reduction)


@ieee()
def multi_margin_loss_backward(grad_output, input, target, p=1, margin=1.0, weight=None, size_average=None,
                               reduce=None, reduction="mean"):
    """For every counted term (j ≠ y, z = margin − x_y + x_j > 0):

        ∂ℓ/∂x_j = w_y·(1 or 2z)/C   and   ∂ℓ/∂x_y = −Σ_j ∂ℓ/∂x_j,

    since z rises with x_j and falls with x_y. z == 0 and NaN scores contribute nothing.
    """
    a = _multi_margin_args(input, target, p, margin, weight, size_average, reduce, reduction)
    n, c = a.scores.shape
    g = _per_sample(grad_output, a.out_shape, a.reduction, a.x.dtype, n) / c
    # The slope, written over the hinges h (ours): [h > 0] as 1.0/0.0 for p = 1, 2h for p = 2;
    # then weighted and scaled in place.
    grad = _multi_margin_hinges(a)
    if a.p == 1:
        np.greater(grad, 0, out=grad)
    else:
        grad *= 2
    if a.w_y is not None:
        grad *= a.w_y[:, None]
    grad *= g[:, None]
    grad[np.arange(n), a.y] = -grad.sum(axis=1)
    return grad.reshape(a.x.shape)


# ----------------------------------------------------------------------------- multi-label margin
class _MultiLabelArgs(NamedTuple):
    x: np.ndarray  # the input as given
    scores: np.ndarray  # (N, C) view of x
    labels: np.ndarray  # (N, C) target rows: classes, then a negative terminator
    reduction: str
    out_shape: tuple  # 'none' shape: (N,) for a matrix input, () otherwise


def _multilabel_margin_args(input, target, size_average, reduce, reduction):
    """Every argument checked and gathered in a `_MultiLabelArgs`."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, scores = _batch_of_scores(input)
    t = _long_target(target)
    n, c = scores.shape
    same_shape = t.shape == x.shape if x.ndim == 2 else (t.ndim <= 1 and t.size == c)
    if not same_shape:
        raise ValueError(f"target must have the input's shape {x.shape}, got {t.shape}")
    # torch checks every entry, even those after the terminator.
    _check_target_range(t, -1, c)
    return _MultiLabelArgs(x, scores, t.reshape(n, c), reduction, (n,) if x.ndim == 2 else ())


def _list_lengths(labels):
    """How many classes each row lists: its entries before the first negative one (C if none)."""
    negative = labels < 0
    return np.where(negative.any(axis=1), negative.argmax(axis=1), labels.shape[1])


def _unlisted_scores(a, listed):
    """The scores with every listed class set to −inf: a listed class is never the unlisted i."""
    unlisted = a.scores.copy()
    unlisted[np.nonzero(listed)[0], a.labels[listed]] = -np.inf
    return unlisted


def _multilabel_pairs(a):
    """The (listed j, unlisted i) pairs, one list position k at a time: yields (j, z).

    j (N,) is the class each row lists at position k, and z (N, C) holds the violations
    z_ji = 1 − x_j + x_i of its pairs. A row's list is its entries before the first negative
    one; a duplicate is another position, so it counts again. Wherever there is no pair (i is
    a listed class, or the row's list ended before k) z is −inf or nan, so the strict test
    z > 0 of ATen's kernel, which also drops ties and nan scores, keeps exactly the pairs
    that count.

    Position by position instead of all (N, C, C) pairs at once: memory stays O(N·C) and the
    work is N·|J|·C, as in ATen's loop. z is one buffer, overwritten at the next position.
    """
    n, c = a.scores.shape
    length = _list_lengths(a.labels)
    listed = np.arange(c) < length[:, None]
    unlisted = _unlisted_scores(a, listed)
    rows = np.arange(n)
    z = np.empty_like(unlisted)
    for k in range(int(length.max(initial=0))):
        live = listed[:, k]
        j = np.where(live, a.labels[:, k], 0)
        margin = 1 - a.scores[rows, j]
        margin[~live] = -np.inf  # this row's list has ended: no pairs
        np.add(margin[:, None], unlisted, out=z)
        yield j, z


@ieee()
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge: ℓ_n = Σ_{j ∈ J} Σ_{i ∉ J} max(0, 1 − (x_j − x_i)) / C.

    Each target row (int64, the input's shape) lists the row's classes and ends at the first
    negative entry: [3, 0, −1, 1] means J = (3, 0). A class listed twice counts twice. The
    margin is fixed at 1 and the sum is divided by C. 'none' gives (N,), or 0-d for a vector.
    """
    a = _multilabel_margin_args(input, target, size_average, reduce, reduction)
    n, c = a.scores.shape
    # torch sums the float hinges in double (its accscalar_t on CPU); so do we.
    total = np.zeros(n)
    for _, z in _multilabel_pairs(a):
        # fmax, not maximum: a nan z is dropped (fmax(nan, 0) = 0), as ATen's z > 0 test does.
        total += np.fmax(z, 0, out=z).sum(axis=1, dtype=np.float64)
    loss = (total / c).astype(a.x.dtype)
    return apply_reduction(loss.reshape(a.out_shape), a.reduction)


@ieee()
def multilabel_margin_loss_backward(grad_output, input, target, size_average=None, reduce=None,
                                    reduction="mean"):
    """Each counted pair (j listed, i unlisted, z = 1 − x_j + x_i > 0) adds

        ∂ℓ/∂x_i += 1/C   and   ∂ℓ/∂x_j −= 1/C,

    once per listing of j. So ∂ℓ/∂x_k = (#counted pairs with k as the unlisted i
    − #counted pairs with k as the listed j) / C.
    """
    a = _multilabel_margin_args(input, target, size_average, reduce, reduction)
    n, c = a.scores.shape
    g = _per_sample(grad_output, a.out_shape, a.reduction, a.x.dtype, n) / c
    rows = np.arange(n)
    # pairs[n, k] = #counted pairs with k as the unlisted i − #counted pairs with k as the listed
    # j: one array holds both counts, since a class is either listed or unlisted, never both.
    # Integers, exact where float32 would stop counting past 2²⁴: an entry is at most C² (C
    # listings of one class, C pairs each), so int32 holds it unless C > 46340.
    pairs = np.zeros((n, c), dtype=np.int32 if c * c < 2**31 else np.int64)
    counted = np.empty((n, c), dtype=bool)
    for j, z in _multilabel_pairs(a):
        np.greater(z, 0, out=counted)
        pairs += counted
        pairs[rows, j] -= np.count_nonzero(counted, axis=1)
    grad = pairs.astype(a.x.dtype)
    grad *= g[:, None]  # grad is ours: scaled in place, no second full-size array
    return grad.reshape(a.x.shape)
