"""Classification losses: the negative log-likelihood of the true class.

The input has the class axis at 1 — shape (N, C) or (N, C, d1, …, dK) — or is a single
unbatched sample of shape (C). Write i for one item (a sample, or a sample at one spatial
position), z for logits, lsm = log_softmax(z), s = softmax(z) = exp(lsm), y_i for the item's
class, w_c for the class weight (1 when `weight` is None), m_i = [y_i ≠ ignore_index] for
"this item counts" and w_y = m_i·w[y_i].

    log_softmax   lsm_c = z_c − log Σ_k exp(z_k)          (computed with the maximum subtracted)
    nll_loss      ℓ_i = −w_y·x[i, y_i]                       (x holds log-probabilities)
    cross_entropy index targets, label smoothing ε:
                  ℓ_i = (1−ε)·(−w_y·lsm[i, y_i]) + (ε/C)·(−Σ_c w_c·lsm_ic)·m_i
                  probability targets p (the input's shape), q = (1−ε)·p + ε/C:
                  ℓ_i = −Σ_c w_c·q_ic·lsm_ic

Reductions: 'none' gives ℓ of shape (), (N) or (N, d1, …, dK); 'sum' gives Σℓ; 'mean' gives
Σℓ / W with W = Σ_i w_y for index targets (a weighted average: every counted item brings its
class weight to the denominator) but W = N·d1⋯dK for probability targets.

Gradients go to the input only. The chain rule through log_softmax turns a gradient G with
respect to lsm into G − s·Σ_c G_c, which gives

    nll_loss       ∂ℓ_i/∂x_ic = −w_y·[c = y_i]
    cross_entropy  index:  (1−ε)·w_y·(s_ic − [c = y_i]) + (ε/C)·(s_ic·Σ_k w_k − w_c)·m_i
                   probability:  s_ic·Σ_k w_k·q_ik − w_c·q_ic

each times ∂L/∂ℓ_i: the upstream gradient g, divided by W for 'mean'.

Every public function starts with one call, `_prepare`, that checks the arguments the way torch
does and returns them batched, with the class axis kept as length 1 in every per-item array so
that per-item and per-class arrays broadcast against each other. The lectures do not show it.

Matching torch at the edges
---------------------------
- A target of the input's exact shape holds probabilities; any other shape holds class indices
  (int64, or uint8 where torch's kernels take it: (C) and (N, C) inputs, and not for the gather
  torch does for a weighted, smoothed 'mean').
- Ignored items get y = −1 (they match no class), so their one-hot row is zero and their
  gradient is exactly 0, even when 'mean' divides by W = 0 (torch: a nan loss, a zero gradient).
  A zero weight sum with counted items gives 0/0 = nan at those items, as in torch.
- ε = 0 adds no smoothing term at all (a −inf logit makes that term +inf); ε/C is inf for C = 0
  (torch divides in C++ doubles), which makes the loss nan where torch's is.
- cross_entropy reduces its two terms separately and then mixes them, in torch's order.
- float16: log_softmax and softmax compute in float32 (torch's opmath) and log_softmax rounds
  its result to float16 once; the gradients are formed from that float32 softmax and rounded
  once. Sums and means of float16 losses are accumulated in float32 and the total rounded to
  float16 before 'mean' divides it, so a total beyond 65 504 is inf, as torch's.
- A 3-D or ≥ 5-D input with no classes but some positions is refused: torch cannot view it as
  (N, C, 1, −1). A uint8 target with a K-dim input is refused (torch's forward still answers
  an empty one with 'sum' or 'mean'; its backward never does).
- Memory: log_softmax subtracts log Σ in place, `_sum_exp` sums a block of rows at a time, and
  the backward writes s − onehot over the fresh softmax. A second array of the input's size per
  step made the forward + backward several times slower (page faults), not the arithmetic.

Reference: torch.nn.functional.nll_loss / cross_entropy (torch 2.13); Szegedy et al.,
"Rethinking the Inception Architecture for Computer Vision" (2016) for label smoothing.
"""
from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ._core import (
    accumulator,
    as_float_array,
    check_grad_output,
    check_scalar,
    grad_like,
    ieee,
    resolve_reduction,
    result_dtype,
)

__all__ = [
    "log_softmax",
    "nll_loss",
    "nll_loss_backward",
    "cross_entropy",
    "cross_entropy_backward",
]


# ----------------------------------------------------------------------------- log-softmax
@ieee()
def log_softmax(x, axis=-1):
    """lsm = (z − m) − log Σ_k exp(z_k − m) along `axis`, m = max(z), for logits z = x.

    Subtracting the maximum first means exp never overflows (logits of ±1e4 are fine) and the
    largest term of the sum is exp(0) = 1, so the log never sees 0. As in torch, a row holding
    +inf or nan, or only −inf, comes out all nan.
    """
    z = _opmath(as_float_array(x, "x"))
    m = np.max(z, axis=axis, keepdims=True, initial=-np.inf)
    lsm = z - m
    lsm -= np.log(_sum_exp(z, m, axis))
    return lsm.astype(np.asarray(x).dtype, copy=False)


def _sum_exp(z, m, axis, block=1 << 16):
    """Σ_k exp(z_k − m) along `axis` (kept, length 1), a block of rows at a time.

    The same sums as np.sum(np.exp(z − m)), without a second array of the input's size: fresh
    memory for it (page faults, once the allocator has returned the last one to the system)
    made cross_entropy's forward + backward 4× slower than the arithmetic at 4096 × 100.
    """
    axis = axis % z.ndim
    other = next((k for k in range(z.ndim) if k != axis), None)
    if other is None or z.size <= block:
        return np.sum(np.exp(z - m), axis=axis, keepdims=True)
    step = max(1, block * z.shape[other] // z.size)
    rows = [slice(None)] * z.ndim
    parts = []
    for start in range(0, z.shape[other], step):
        rows[other] = slice(start, start + step)
        parts.append(np.sum(np.exp(z[tuple(rows)] - m[tuple(rows)]), axis=axis, keepdims=True))
    return np.concatenate(parts, axis=other)


def _softmax(z, axis):
    """s = exp(z − m) / Σ_k exp(z_k − m), m = max(z): the probabilities log_softmax is the log of.

    float16 is computed in float32 (torch's opmath). The quotients overwrite the exponentials:
    one fresh array of the input's size, not two (see `_sum_exp`).
    """
    z = _opmath(z)
    e = z - np.max(z, axis=axis, keepdims=True, initial=-np.inf)
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _opmath(z):
    """float16 as float32, the precision torch computes half-precision softmaxes in (others as they are)."""
    return z.astype(np.float32) if z.dtype == np.float16 else z


def _log_softmax_backward(G, lsm, axis):
    """∂L/∂z_c = G_c − s_c·Σ_k G_k for G = ∂L/∂lsm, since ∂lsm_k/∂z_c = [k = c] − s_c."""
    s = np.exp(lsm)
    return G - s * np.sum(G, axis=axis, keepdims=True)


# ----------------------------------------------------------------------------- the preamble
class _Problem(NamedTuple):
    """The checked arguments `a`, batched: x is (N, C, d1..dK); per-item arrays are (N, 1, d1..dK)."""

    x: np.ndarray  # the input: log-probabilities for nll_loss, logits z for cross_entropy
    y: np.ndarray | None  # class indices, −1 for an ignored item (index targets)
    m: np.ndarray | None  # m_i = [y_i ≠ ignore_index] (index targets)
    w_y: np.ndarray | None  # m_i·w[y_i] (index targets)
    p: np.ndarray | None  # the target distribution p (probability targets), else None
    w: np.ndarray  # (1, C, 1..) class weights, ones when `weight` is None
    C: int  # the number of classes
    eps: float  # label smoothing ε
    eps_c: float  # ε/C, what label smoothing gives every class (inf for C = 0 and ε > 0, as in torch)
    W: object  # the 'mean' denominator: Σ_i w_y, or the number of items
    reduction: str
    items: tuple  # the shape of the 'none' result
    dtype: np.dtype  # the result's dtype


def _prepare(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing=0.0,
             *, allow_probabilities=False, backward=False):
    """Check the arguments as torch does; return a `_Problem`. Not shown in the lectures."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    eps = _check_label_smoothing(label_smoothing)
    x, unbatched = _batched_input(input)
    C = x.shape[1]
    eps_c = eps / C if C else (math.inf if eps else 0.0)
    items = () if unbatched else (x.shape[0],) + x.shape[2:]
    ignore_index = _check_ignore_index(ignore_index)
    if allow_probabilities and np.shape(target) == np.shape(input):
        p = _probability_target(target, x, unbatched, ignore_index)
        w = _class_weight(weight, C)
        dtype = result_dtype(x, p, w)
        w = np.ones(C, dtype=x.dtype) if w is None else w
        n_items = x.size // C if x.size else 0
        return _Problem(x, None, None, None, p, _class_view(w, x.ndim), C, eps, eps_c, n_items, reduction,
                        items, dtype)
    _check_k_dim_classes(x)
    w = _class_weight(weight, C, x.dtype)
    y, m = _index_target(target, x, unbatched, ignore_index)
    _check_index_dtype(target, x, eps, weight, reduction, unbatched, m, backward)
    w = np.ones(C, dtype=x.dtype) if w is None else w
    w_y = np.where(m, w[np.maximum(y, 0)] if C else 0, 0).astype(x.dtype)
    W = np.asarray(np.sum(w_y, dtype=accumulator(x.dtype)), dtype=x.dtype)
    return _Problem(x, y, m, w_y, None, _class_view(w, x.ndim), C, eps, eps_c, W, reduction, items, x.dtype)


def _batched_input(input):
    """`input` as a float array with a batch axis: (C) → (1, C); returns (x, unbatched)."""
    x = as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError(
            "input must have 1 or more dimensions: (C), (N, C) or (N, C, d1, ..., dK); got a 0-d array"
        )
    return (x[None], True) if x.ndim == 1 else (x, False)


def _check_k_dim_classes(x):
    """torch views a 3-D or ≥ 5-D input as (N, C, 1, −1): impossible with C = 0 and some positions."""
    if x.ndim in (3,) + tuple(range(5, 33)) and x.shape[1] == 0 and x.shape[0] and math.prod(x.shape[2:]):
        raise ValueError(
            f"input of shape {x.shape} has no classes (axis 1 is empty) but {math.prod(x.shape[2:])} "
            "positions per sample; torch refuses it"
        )


def _check_ignore_index(ignore_index):
    """ignore_index as an int; torch refuses floats and bools here."""
    return check_scalar(ignore_index, "ignore_index", integer=True)


def _check_label_smoothing(label_smoothing):
    """ε as a float; torch treats ε < 0 (and nan) as no smoothing and refuses ε > 1."""
    if isinstance(label_smoothing, np.ndarray) and label_smoothing.ndim == 0:
        label_smoothing = label_smoothing.item()
    if not isinstance(label_smoothing, numbers.Real):
        raise TypeError(f"label_smoothing must be a real number in [0, 1], got {label_smoothing!r}")
    eps = float(label_smoothing)
    if eps > 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {eps}")
    return eps if eps > 0.0 else 0.0


def _class_weight(weight, n_classes, dtype=None):
    """`weight` as a (C,) float array, or None.

    On the index-target path torch insists on the input's exact dtype (pass `dtype`); on the
    probability path the weight simply joins the arithmetic, so integers are promoted.
    """
    if weight is None:
        return None
    w = as_float_array(weight, "weight", allow_int=dtype is None)
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight must be a 1-D array with one entry per class ({n_classes}), got shape {w.shape}"
        )
    if dtype is not None and w.dtype != dtype:
        raise TypeError(f"weight must have the input's dtype {dtype}, got {w.dtype}")
    return w


def _class_view(w, ndim):
    """The (C,) weight reshaped to broadcast along axis 1 of an ndim-dimensional array."""
    return w.reshape((1, -1) + (1,) * (ndim - 2))


def _index_target(target, x, unbatched, ignore_index):
    """Check class-index targets; return (y, m) of shape (N, 1, d1..dK).

    y holds the targets with ignored items set to −1 (no class); m is [t_i ≠ ignore_index].
    Ignored items are skipped before the range check, so ignore_index may be any integer.
    """
    t = np.asarray(target)
    if t.dtype not in (np.int64, np.uint8):
        raise TypeError(
            f"target must hold class indices as int64 or uint8 (as torch requires), got dtype {t.dtype}"
        )
    if unbatched:
        if t.shape not in ((), (1,)):
            raise ValueError(
                f"target must be 0-d (or of shape (1,)) for unbatched input of shape {x.shape[1:]}, "
                f"got shape {t.shape}"
            )
        expected = (1,)
    else:
        expected = (x.shape[0],) + x.shape[2:]
        if t.shape != expected:
            raise ValueError(
                f"target of class indices must have shape {expected} for input of shape {x.shape} "
                f"(input without its class axis 1), got target shape {t.shape}"
            )
    t = t.reshape(expected[:1] + (1,) + expected[1:]).astype(np.int64, copy=False)
    m = t != ignore_index
    n_classes = x.shape[1]
    bad = m & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"target {t[bad][0]} is out of bounds: class indices must be in [0, {n_classes - 1}] "
            f"or equal ignore_index ({ignore_index})"
        )
    return np.where(m, t, -1), m


def _check_index_dtype(target, x, eps, weight, reduction, unbatched, m, backward):
    """uint8 class indices only where torch's kernels take them; and the (1,) unbatched form."""
    t = np.asarray(target)
    # torch's forward sums an empty target before it looks at the dtype; its backward does not
    if t.dtype == np.uint8 and x.ndim > 2 and (t.size or reduction == "none" or backward):
        raise TypeError(f"target must be int64 for a K-dim input of shape {x.shape}, got uint8 (torch refuses it)")
    if t.dtype == np.uint8 and eps > 0.0 and weight is not None and reduction == "mean" and m.any():
        raise TypeError(
            "target must be int64 with weight, label_smoothing > 0 and reduction='mean' (torch gathers "
            "the weights with it), got uint8"
        )
    if unbatched and eps > 0.0 and t.ndim == 1:
        # torch's smoothing term cannot take the (1,) form of an unbatched target
        raise ValueError("target must be 0-d for unbatched input when label_smoothing > 0, got shape (1,)")


def _probability_target(target, x, unbatched, ignore_index):
    """Check a probability target (the input's shape, floating point); return it batched."""
    p = np.asarray(target)
    if p.dtype.kind != "f":
        raise TypeError(
            "target has the input's shape, so it holds class probabilities and must be a "
            f"floating-point array; got dtype {p.dtype} (use shape "
            f"{(x.shape[0],) + x.shape[2:] if not unbatched else ()} for class indices)"
        )
    if ignore_index >= 0:
        raise ValueError(
            f"ignore_index={ignore_index} is not supported with class-probability targets "
            "(only a negative value, like the default -100)"
        )
    return p[None] if unbatched else p


def _pick(x, y):
    """x[i, y_i, …]: the entry of each item's class along axis 1 (an ignored item, y = −1, reads
    class 0 and is masked by the caller; with no classes at all there is nothing to read: 0)."""
    if x.shape[1] == 0:
        return np.zeros(y.shape, x.dtype)
    return np.take_along_axis(x, np.maximum(y, 0), axis=1)


def _on_class(v, y, like):
    """v_i·[c = y_i]: zeros shaped like `like`, with v_i at each counted item's class.

    Written, not multiplied, so that a nan v_i (0/0 under 'mean') stays at the target alone, as
    in torch, and an ignored item (y = −1) gets exactly 0.
    """
    return _minus_on_class(np.zeros(like.shape, np.result_type(v, like)), -v, y)


def _s_minus_onehot(s, y, coef):
    """coef_i·(s_ic − [c = y_i]), written over s: a fresh softmax, used up here (one array of the
    input's size less, see `_sum_exp`)."""
    s *= coef
    return _minus_on_class(s, coef, y)


def _minus_on_class(grad, v, y):
    """grad − v_i·[c = y_i]: v_i subtracted at each counted item's class (an ignored item, y = −1,
    has none). Done in `grad` itself, a fresh array: one more of the input's size would cost
    more than the arithmetic (see `_sum_exp`)."""
    if grad.shape[1]:
        at = list(np.indices(y.shape, sparse=True))  # [i, y_i, …]: one entry per item, none repeated
        at[1] = np.maximum(y, 0)
        grad[tuple(at)] -= np.where(y >= 0, v, 0)
    return grad


def _reduce(loss, a):
    """'none' → ℓ (shaped like the target), 'sum' → Σℓ, 'mean' → Σℓ / W.

    float16 is summed in float32 and rounded once, as torch does.
    """
    loss = np.asarray(loss)
    if a.reduction == "none":
        return loss.reshape(a.items).astype(a.dtype, copy=False)
    total = np.asarray(np.sum(loss, dtype=accumulator(loss.dtype)), dtype=a.dtype)  # inf beyond the dtype's range
    return total if a.reduction == "sum" else np.asarray(total / a.W, dtype=a.dtype)


def _per_item(grad_output, a):
    """∂L/∂ℓ_i: the upstream gradient g (per item for 'none'), divided by W for 'mean'.

    Returned as (N, 1, d1..dK) for 'none', else as a 0-d array, in the result's dtype.
    """
    if a.reduction == "none":
        g = check_grad_output(grad_output, a.items, a.dtype)
        return g.reshape(a.x.shape[:1] + (1,) + a.x.shape[2:])
    g = check_grad_output(grad_output, (), a.dtype)
    return np.asarray(g / a.W, dtype=a.dtype) if a.reduction == "mean" else g


# ----------------------------------------------------------------------------- nll_loss
@ieee()
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood: ℓ_i = −w[y_i]·x[i, y_i], 0 where y_i == ignore_index.

    `input` x holds log-probabilities (e.g. from `log_softmax`), shape (C), (N, C) or
    (N, C, d1..dK); `target` holds class indices (int64, or uint8), shape (), (N) or (N, d1..dK).
    The loss is linear in x and reads one entry per item. 'mean' is the weighted average
    Σℓ / Σ_i w_y (nan when nothing is counted).
    """
    a = _prepare(input, target, weight, size_average, ignore_index, reduce, reduction)
    loss = np.where(a.m, -a.w_y * _pick(a.x, a.y), 0)
    return _reduce(loss, a)


@ieee()
def nll_loss_backward(grad_output, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                      reduction="mean"):
    """∂ℓ_i/∂x_ic = −w_y·[c = y_i], times ∂L/∂ℓ_i (the upstream g, divided by Σ_i w_y for 'mean').

    Only the target entry of each counted item has a gradient; nll_loss alone does not know
    that raising one log-probability must lower the others.
    """
    a = _prepare(input, target, weight, size_average, ignore_index, reduce, reduction, backward=True)
    g = _per_item(grad_output, a)
    return grad_like(_on_class(-g * a.w_y, a.y, a.x), input)


# ----------------------------------------------------------------------------- cross_entropy
@ieee()
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between softmax(z) and the target, from logits z: log_softmax, then nll.

    Index targets (any shape but the input's), ε = label_smoothing:
        ℓ_i = (1−ε)·(−w_y·lsm[i, y_i]) + (ε/C)·(−Σ_c w_c·lsm_ic)·m_i,
        'mean' divides both terms by Σ_i w_y.
    Probability targets p (exactly the input's shape), q = (1−ε)·p + ε/C:
        ℓ_i = −Σ_c w_c·q_ic·lsm_ic, 'mean' divides by the number of items N·d1⋯dK.
    Label smoothing mixes the one-hot target with the uniform distribution, so the best
    prediction is no longer one-hot: the logits stop growing at a finite margin.
    """
    a = _prepare(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing,
                 allow_probabilities=True)
    lsm = log_softmax(a.x, axis=1)
    if a.p is not None:
        q = (1 - a.eps) * a.p + a.eps_c
        return _reduce(-np.sum(a.w * q * lsm, axis=1, keepdims=True), a)
    nll = np.where(a.m, -a.w_y * _pick(lsm, a.y), 0)
    if not a.eps:
        return _reduce(nll, a)
    smooth = np.where(a.m, -np.sum(a.w * lsm, axis=1, keepdims=True), 0)
    return np.asarray((1 - a.eps) * _reduce(nll, a) + a.eps_c * _reduce(smooth, a))


@ieee()
def cross_entropy_backward(grad_output, input, target, weight=None, size_average=None, ignore_index=-100,
                           reduce=None, reduction="mean", label_smoothing=0.0):
    """∂ℓ/∂z, with s = softmax(z): prediction minus target, in three cases

    index targets:        (1−ε)·w_y·(s_ic − [c = y_i]) + (ε/C)·(s_ic·Σ_k w_k − w_c)·m_i
    probability targets:  s_ic·Σ_k w_k·q_ik − w_c·q_ic
    each times ∂L/∂ℓ_i (the upstream g, divided by the forward's 'mean' denominator).
    """
    a = _prepare(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing,
                 allow_probabilities=True, backward=True)
    g = _per_item(grad_output, a)
    s = _softmax(a.x, axis=1)
    if a.p is not None:
        wq = a.w * ((1 - a.eps) * a.p + a.eps_c)
        return grad_like(g * (s * np.sum(wq, axis=1, keepdims=True) - wq), input)
    g = np.where(a.m, g, 0)  # an ignored item has no gradient, even when 'mean' divides by 0
    if a.eps:  # the smoothing term, taken before s is used up below
        smooth = a.eps_c * g * (s * np.sum(a.w, axis=1, keepdims=True) - a.w)
    grad = _s_minus_onehot(s, a.y, (1 - a.eps) * g * a.w_y)
    return grad_like(grad + smooth if a.eps else grad, input)
