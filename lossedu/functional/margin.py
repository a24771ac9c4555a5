"""Margin losses: zero once a score clears a margin, linear (or quadratic) in the violation.

With x the scores, m the margin and the hinge h = max(0, z) of a violation z:

    hinge_embedding_loss    ℓ = [t ≠ 1]·max(0, m − x) + [t ≠ −1]·x
                            (t = 1: pull the distance x down to 0; t = −1: push it beyond m;
                             any other target gets both terms)
    multi_margin_loss       ℓ = Σ_{j ≠ y} w_y·h_j^p / C,   h_j = max(0, m − x_y + x_j)
                            (the target score x_y must beat every other score by m)
    multilabel_margin_loss  ℓ = Σ_{j ∈ J} Σ_{i ∉ J} h_ji / C,   h_ji = max(0, 1 − x_j + x_i)
                            (every listed class j must beat every unlisted class i by 1)

y is the target class, C the number of classes, w_y the weight of the target class, J the
classes listed in the target row (duplicates count again).

Two conventions differ between the losses and are easy to get wrong:
* at the kink z = 0, hinge_embedding_loss (built from clamp_min) is active: gradient −1;
  the two multi-class losses (hand-written C++ kernels) test z > 0 strictly: gradient 0.
  The same strict test silently drops nan scores (nan > 0 is false).
* both multi-class losses divide by C, not by the C − 1 (or |J|·|not J|) terms in the sum.

Each public function starts with one call to a module-private `_prepare…` function, built on
`_core` (notebook 00 explains this preamble): it checks the arguments, puts the scores in an
(N, C) matrix and the targets in the form the formulas use, and resolves the reduction.

Reference: torch.nn.functional (torch 2.13); Weston & Watkins, "Multi-class support vector
machines" (1998) for the multi-class hinge.

Matching torch at the edges
---------------------------
* Order of the backward's products. ATen's multi-class kernel scales first: with
  s = 1/C (1/(N·C) for 'mean') it forms p·s·z (p = 2), then multiplies by w_y, and only then
  by the upstream gradient. `multi_margin_loss_backward` writes the product in that order, so a
  violation of 1e308 with p = 2 gives (2/C)·1e308, finite, where 2·z first would be inf.
* Both multi-class kernels add up the batch for 'mean'/'sum' in double (their CPU
  accumulator), also for float32: two float32 losses of 2e38 have the mean 2e38, not inf.
  `_reduce_in_double` does the same.
* Within a row, the multi-label kernel adds the hinges in double but returns the row's total
  in the input's dtype before dividing by C: a float32 row whose hinges add up past 3.4e38 is
  inf under every reduction. Adding them in the input's dtype gives the same up to rounding.
  The backward counts each class's pairs and scales the count once (torch adds 1/C once per
  pair): the same up to rounding.
* torch converts the margin to the input's dtype and refuses a finite margin beyond its range
  ("value cannot be converted to type float without overflow"); so do we (a ValueError).
* float16: torch has no half-precision kernel for the two multi-class losses
  (NotImplementedError); we refuse float16 input with a TypeError, and a weight of another
  dtype than the input's, as torch does. hinge_embedding_loss takes float16: each elementwise
  operation rounds once to half (numpy and torch agree bit for bit), sums are accumulated in
  float32 (`_core.apply_reduction`), and the 'mean' gradient g/N is divided in float32 and
  rounded once, since N itself may exceed 65 504.
* ATen multiplies a multi-class term by its weight only when the term counts (z > 0), so an
  inf or nan class weight leaves a sample whose margins are met at 0 (0·inf would be nan):
  `_weighted`. np.where is kept for that case only, since on a random mask it costs as much as
  the rest of the loss; for the same reason the hinges use fmax (which drops nan, as the strict
  test does) and the target's own entry is set to 0 after.
* The hinge of hinge_embedding_loss is selected with `where`, not multiplied by an indicator:
  x = ±inf with the other target then gives 0, not inf·0 = nan.
* On an empty batch torch's multi-class kernels return uninitialised memory for 'mean'/'sum';
  we return the natural nan (mean) and 0 (sum).
"""
from __future__ import annotations

import numpy as np

from ._core import (
    accumulator,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_grad_output,
    check_scalar,
    grad_like,
    ieee,
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


# ----------------------------------------------------------------------------- the preamble (not shown in 06)
def _checked_margin(margin, dtype):
    """margin as a float; torch converts it to the input's dtype and refuses a finite overflow."""
    m = float(check_scalar(margin, "margin"))
    largest = float(np.finfo(dtype).max)
    if np.isfinite(m) and abs(m) > largest:
        raise ValueError(
            f"margin={m!r} cannot be converted to the input's dtype {np.dtype(dtype)} without overflow "
            f"(its largest value is {largest:g})"
        )
    return m


def _prepare_hinge_embedding(input, target, margin, size_average, reduce, reduction):
    """(x, t, m, reduction): the input, the target (any real dtype), the margin, the reduction."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    x = as_float_array(input, "input")
    t = np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"target must be a real array (usually of ±1), got dtype {t.dtype}")
    broadcast_shape(("input", x.shape), ("target", t.shape))  # silently, as in torch
    return x, t, _checked_margin(margin, x.dtype), reduction


def _prepare_hinge_embedding_backward(grad_output, input, target, margin, size_average, reduce, reduction):
    """(x, t, m, g): as the forward's, and g = ∂(reduced loss)/∂ℓ for every element.

    g is divided by N (for 'mean') in float32 when x is float16, as torch does: N may be beyond
    float16's range.
    """
    x, t, m, reduction = _prepare_hinge_embedding(input, target, margin, size_average, reduce, reduction)
    shape = np.broadcast_shapes(x.shape, t.shape)
    g = reduction_backward(grad_output, shape, reduction, accumulator(x.dtype))
    return x, t, m, g.astype(x.dtype, copy=False)


def _scores(input):
    """input as an (N, C) matrix: a 0-d score is (1, 1), a vector (C,) one row (1, C).

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
    return x.reshape(-1, x.shape[-1] if x.ndim else 1)


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


def _per_sample(grad_output, shape, reduction, x):
    """(s, g): torch's scale s = 1/C (1/(N·C) for 'mean') in x's dtype, and the upstream gradient
    g as an (N, 1) column ('none') or a 0-d array, unscaled: ATen multiplies by it last."""
    n, c = x.shape
    s = x.dtype.type(1 / (max(n, 1) * c) if reduction == "mean" else 1 / c)
    g = check_grad_output(grad_output, shape if reduction == "none" else (), x.dtype)
    return s, (g.reshape(n, 1) if reduction == "none" else g)


def _check_p(p):
    """p as an int; torch's kernel has the hinge (p = 1) and the squared hinge (p = 2) only."""
    p = check_scalar(p, "p")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2 (the hinge or the squared hinge), got {p!r}")
    return int(p)


def _class_weight(weight, x):
    """weight as a (C,) array of the input's dtype (torch refuses any other), or ones without one."""
    n, c = x.shape
    if weight is None:
        return np.ones(c, dtype=x.dtype)
    w = as_float_array(weight, "weight")
    if w.ndim != 1:
        raise ValueError(f"weight must be one-dimensional (one weight per class), got shape {w.shape}")
    if w.shape[0] != c:
        raise ValueError(f"weight must have one entry per class (C = {c}), got shape {w.shape}")
    if w.dtype != x.dtype:
        raise TypeError(f"weight must have the input's dtype {x.dtype}, got {w.dtype}")
    return w


def _prepare_multi_margin(input, target, p, margin, weight, size_average, reduce, reduction):
    """(x, y, w_y, m, p, reduction): scores (N, C), target classes (N,), target weights (N, 1)."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    p = _check_p(p)
    margin = check_scalar(margin, "margin")
    x = _scores(input)
    t = _long_target(target)
    n, c = x.shape
    if t.ndim > 1 or t.size != n:
        raise ValueError(
            f"target must be 1-D with one class index per sample: expected shape ({n},) for input "
            f"of shape {np.shape(input)}, got {t.shape}"
        )
    w = _class_weight(weight, x)
    y = t.reshape(n)
    _check_target_range(y, 0, c)
    return x, y, w[y][:, None], _checked_margin(margin, x.dtype), p, reduction


def _prepare_multi_margin_backward(grad_output, input, target, p, margin, weight, size_average, reduce,
                                   reduction):
    """(x, y, w_y, m, p, s, g): as the forward's, with torch's scale s and upstream g (`_per_sample`)."""
    x, y, w_y, m, p, reduction = _prepare_multi_margin(input, target, p, margin, weight, size_average, reduce,
                                                       reduction)
    s, g = _per_sample(grad_output, np.shape(target), reduction, x)
    return x, y, w_y, m, p, s, g


def _prepare_multilabel_margin(input, target, size_average, reduce, reduction):
    """(x, J, listed, reduction, shape): scores (N, C); J (N, K) the listed classes of each row,
    −1 from its terminator on (K = the longest list); listed (N, C): is class i in J?; the
    'none' shape ((N,) for a matrix input, () otherwise)."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    x = _scores(input)
    t = _long_target(target)
    n, c = x.shape
    same_shape = t.shape == np.shape(input) if np.ndim(input) == 2 else (t.ndim <= 1 and t.size == c)
    if not same_shape:
        raise ValueError(f"target must have the input's shape {np.shape(input)}, got {t.shape}")
    _check_target_range(t, -1, c)  # torch checks every entry, even those after the terminator
    t = t.reshape(n, c)
    ended = np.cumsum(t < 0, axis=1) > 0  # at or after the row's first negative entry
    J = np.where(ended, -1, t)[:, : int((~ended).sum(axis=1).max(initial=0))]
    listed = np.zeros((n, c), dtype=bool)
    rows, k = np.nonzero(J >= 0)
    listed[rows, J[rows, k]] = True
    return x, J, listed, reduction, (n,) if np.ndim(input) == 2 else ()


def _prepare_multilabel_margin_backward(grad_output, input, target, size_average, reduce, reduction):
    """(x, J, listed, s, g): as the forward's, with torch's scale s and upstream g (`_per_sample`)."""
    x, J, listed, reduction, shape = _prepare_multilabel_margin(input, target, size_average, reduce, reduction)
    s, g = _per_sample(grad_output, shape, reduction, x)
    return x, J, listed, s, g


def _reduce_in_double(loss, reduction):
    """apply_reduction, accumulated in double as ATen's multi-class kernel does (also for float32)."""
    if reduction == "none":
        return loss
    return apply_reduction(loss.astype(np.float64), reduction).astype(loss.dtype)


# ----------------------------------------------------------------------------- hinge embedding
@ieee()
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """Hinge embedding loss: ℓ = [t ≠ 1]·max(0, m − x) + [t ≠ −1]·x.

    x is a distance between the two embeddings of a pair: similar pairs (t = 1) pay the
    distance x, dissimilar pairs (t = −1) pay max(0, m − x) until they are at least m apart.
    A target that is neither 1 nor −1 gets both terms. input and target broadcast silently (as
    in torch); the result has the input's dtype.

    Reference: torch.nn.functional.hinge_embedding_loss; Hadsell, Chopra & LeCun (2006).
    """
    x, t, m, reduction = _prepare_hinge_embedding(input, target, margin, size_average, reduce, reduction)
    hinge = np.maximum(m - x, 0)
    loss = np.where(t != 1, hinge, 0) + np.where(t != -1, x, 0)
    return apply_reduction(loss, reduction)


@ieee()
def hinge_embedding_loss_backward(grad_output, input, target, margin=1.0, size_average=None, reduce=None,
                                  reduction="mean"):
    """∂ℓ/∂x = [t ≠ −1] − [t ≠ 1]·[m − x ≥ 0], times the upstream gradient g.

    The distance term has slope 1, the hinge slope −1 while it is active. torch builds the
    hinge with clamp_min, whose backward counts the kink m − x = 0 as active (≥), so at x = m
    with t = −1 the gradient is −1. A nan input fails the ≥ test: only the [t ≠ −1] slope
    remains. Broadcast axes are summed back to the input's shape.
    """
    x, t, m, g = _prepare_hinge_embedding_backward(grad_output, input, target, margin, size_average, reduce,
                                                   reduction)
    grad = np.where(t != -1, g, 0) - np.where((t != 1) & (m - x >= 0), g, 0)
    return grad_like(grad, input)


# ----------------------------------------------------------------------------- multi-class margin
def _multi_margin_hinges(x, y, m):
    """h_j = max(0, z_j) with z_j = m − x_y + x_j, for every class j ≠ y; h_y = 0.

    z_j is how far competitor j comes within the margin m of the target's score x_y. ATen counts
    a term only when z > 0 strictly, so a margin met exactly (z = 0) and a nan score count
    nothing: fmax, the max that drops nan (fmax(nan, 0) = 0), gives exactly that, and h > 0
    marks the terms that count.
    """
    x_y = np.take_along_axis(x, y[:, None], axis=1)  # (N, 1): each sample's target score
    h = np.fmax(m - x_y + x, 0)
    h[np.arange(len(y)), y] = 0  # the target is no competitor of itself
    return h


def _weighted(terms, w_y):
    """terms·w_y, where a term that does not count (0) stays 0 even for an inf or nan class weight,
    as ATen skips it rather than multiplying. (np.where only then: it is slow on a random mask.
    terms is a fresh array of the caller's, scaled in place: one full-size array fewer.)"""
    if np.isfinite(w_y).all():
        terms *= w_y
        return terms
    return np.where(terms != 0, terms * w_y, 0)


@ieee()
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge: ℓ = Σ_{j ≠ y} w_y·h_j^p / C with h_j = max(0, m − x_y + x_j), p ∈ {1, 2}.

    The target score x_y must beat every other score by the margin m; each competitor that comes
    closer pays its shortfall (or its square). The optional class weight is taken at the TARGET
    class y, and the sum is divided by C (not C − 1). input (N, C), (C,) or a 0-d score; target
    int64 (N,) (or () / (1,) for one sample); 'none' has the target's shape.

    Reference: Weston & Watkins (1998); torch.nn.functional.multi_margin_loss.
    """
    x, y, w_y, m, p, reduction = _prepare_multi_margin(input, target, p, margin, weight, size_average, reduce,
                                                       reduction)
    h = _multi_margin_hinges(x, y, m)
    loss = _weighted(h**p, w_y).sum(axis=1) / x.shape[1]
    return _reduce_in_double(loss.reshape(np.shape(target)), reduction)


@ieee()
def multi_margin_loss_backward(grad_output, input, target, p=1, margin=1.0, weight=None, size_average=None,
                               reduce=None, reduction="mean"):
    """∂ℓ/∂x_j = s·w_y·p·h_j^(p−1) for every counted j (h_j > 0), and ∂ℓ/∂x_y = −Σ_j ∂ℓ/∂x_j.

    z_j = m − x_y + x_j rises with x_j and falls with x_y: each violating competitor is pushed
    down, the target pushed up by as much as all of them. s = 1/C (1/(N·C) for 'mean'); the
    upstream gradient g multiplies last, in ATen's order.
    """
    x, y, w_y, m, p, s, g = _prepare_multi_margin_backward(grad_output, input, target, p, margin, weight,
                                                           size_average, reduce, reduction)
    h = _multi_margin_hinges(x, y, m)
    dx = _weighted(p * s * h ** (p - 1) * (h > 0), w_y)
    dx[np.arange(len(y)), y] = -dx.sum(axis=1)
    return (dx * g).reshape(np.shape(input))


# ----------------------------------------------------------------------------- multi-label margin
def _multilabel_pairs(x, J, listed):
    """The (listed j, unlisted i) pairs, one list position k at a time: yields (j, z, counted).

    j (N,): the class each row lists at position k (−1 once its list has ended);
    z (N, C): the violations z_ji = 1 − x_j + x_i of its pairs;
    counted (N, C): the pairs that count: the list has not ended, i is not listed, and z > 0
    strictly (ATen's test, which also drops nan). A class listed twice is two positions, so its
    pairs count twice. One position at a time keeps memory at N·C, as ATen's loop does.
    """
    rows = np.arange(len(x))
    for j in J.T:
        z = 1 - x[rows, j][:, None] + x
        counted = (j[:, None] >= 0) & ~listed & (z > 0)
        yield j, z, counted


@ieee()
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge: ℓ = Σ_{j ∈ J} Σ_{i ∉ J} max(0, 1 − x_j + x_i) / C.

    Every listed class j must beat every unlisted class i by a margin of 1. Each target row
    (int64, the input's shape) lists the row's classes and ends at its first negative entry:
    [3, 0, −1, 1] means J = (3, 0). A class listed twice counts twice. The sum is divided by C.
    'none' gives (N,), or 0-d for a vector.

    Reference: torch.nn.functional.multilabel_margin_loss; Elisseeff & Weston (2001).
    """
    x, J, listed, reduction, shape = _prepare_multilabel_margin(input, target, size_average, reduce, reduction)
    loss = np.zeros(len(x), dtype=x.dtype)
    for j, z, counted in _multilabel_pairs(x, J, listed):
        loss += np.where(counted, z, 0).sum(axis=1)
    loss = loss / x.shape[1]
    return _reduce_in_double(loss.reshape(shape), reduction)


@ieee()
def multilabel_margin_loss_backward(grad_output, input, target, size_average=None, reduce=None,
                                    reduction="mean"):
    """∂ℓ/∂x_k = s·(#counted pairs with k as the unlisted i − #counted pairs with k as the listed j).

    Each counted pair adds z_ji = 1 − x_j + x_i: slope +1 for x_i, −1 for x_j, once per listing
    of j. s = 1/C (1/(N·C) for 'mean'); the upstream gradient g multiplies last.
    """
    x, J, listed, s, g = _prepare_multilabel_margin_backward(grad_output, input, target, size_average, reduce,
                                                             reduction)
    rows = np.arange(len(x))
    pairs = np.zeros_like(x)
    for j, z, counted in _multilabel_pairs(x, J, listed):
        pairs += counted
        pairs[rows, j] -= counted.sum(axis=1)
    return (pairs * s * g).reshape(np.shape(input))
