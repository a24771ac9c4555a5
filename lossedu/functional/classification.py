"""Classification losses: the negative log-likelihood of the true class.

The input has the class axis at 1 — shape (N, C) or (N, C, d1, …, dK) — or is a single
unbatched sample of shape (C). Write i for one item (a sample, or a sample at one spatial
position), t_i for its class index, w_c for the class weight (1 when `weight` is None) and
m_i = [t_i ≠ ignore_index] for "this item counts".

    log_softmax   lsm_ic = x_ic − log Σ_k exp(x_ik)          (computed stably, max subtracted)
    nll_loss      ℓ_i = −w[t_i]·x[i, t_i]·m_i                (x holds log-probabilities)
    cross_entropy index targets, label smoothing ε:
                  ℓ_i = (1−ε)·(−w[t_i]·lsm[i, t_i])·m_i + (ε/C)·(−Σ_c w_c·lsm_ic)·m_i
                  probability targets p (same shape as input), q = (1−ε)·p + ε/C:
                  ℓ_i = −Σ_c w_c·q_ic·lsm_ic

Reductions: 'none' gives ℓ of shape (), (N) or (N, d1, …, dK); 'sum' gives Σℓ; 'mean' gives
Σℓ / Σ_i m_i·w[t_i] for index targets (a weighted average: every counted item contributes its
class weight to the denominator) but Σℓ / (N·d1⋯dK) for probability targets.

Gradients go to the input only. With s = softmax(x) = exp(lsm), the chain rule through
log_softmax turns a gradient G with respect to lsm into G − s·Σ_c G_c, which gives

    nll_loss       ∂ℓ_i/∂x_ic = −w[t_i]·[c = t_i]·m_i
    cross_entropy  index:  (1−ε)·w[t_i]·(s_ic − [c = t_i])·m_i + (ε/C)·(s_ic·Σ_k w_k − w_c)·m_i
                   probability:  s_ic·Σ_k w_k·q_ik − w_c·q_ic

each divided by the 'mean' denominator where that reduction is used.

Reference: torch.nn.functional.nll_loss / cross_entropy (torch 2.13); Szegedy et al.,
"Rethinking the Inception Architecture for Computer Vision" (2016) for label smoothing.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._core import (
    ieee,
    as_float_array,
    check_grad_output,
    check_scalar,
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
    """lsm = x − max(x) − log Σ exp(x − max(x)) along `axis`: log of the softmax probabilities.

    Subtracting the row maximum first means exp never overflows (logits of ±1e4 are fine) and
    the largest term of the sum is exp(0) = 1, so the log never sees 0. As in torch, a row
    holding +inf or nan, or only −inf, comes out all nan.
    """
    x = as_float_array(x, "x")
    # `initial` keeps an empty class axis legal; it never changes a non-empty maximum.
    shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    shifted -= np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True, dtype=x.dtype))
    return shifted


def _log_softmax_backward(grad, lsm, axis):
    """∂L/∂x = G − softmax·Σ_c G_c for G = ∂L/∂lsm, since ∂lsm_k/∂x_c = [k = c] − s_c.

    softmax is recovered as exp(lsm), as torch does, so a nan row stays nan. Both arrays are
    the caller's own temporaries, used up here: the result is written over `grad` (and the
    softmax over `lsm`), so the chain rule allocates nothing of the input's size.
    """
    total = np.sum(grad, axis=axis, keepdims=True, dtype=grad.dtype)
    s = np.exp(lsm, out=lsm)
    s *= total
    return np.subtract(grad, s, out=grad)


@ieee()
def _log_softmax_at(x, index):
    """log_softmax(x, axis=1) at one class per item, index (N, d1..dK): shaped like index.

    The same arithmetic as `log_softmax` (so the same numbers), but the last subtraction is
    done only where it is needed, and exp overwrites the shifted logits once they are read.
    """
    shifted = x - np.max(x, axis=1, keepdims=True, initial=-np.inf)
    at = _take(shifted, index)
    log_total = np.log(np.sum(np.exp(shifted, out=shifted), axis=1, dtype=x.dtype))
    return at - log_total


# ----------------------------------------------------------------------------- argument checks
def _batched_input(input):
    """`input` as a float array with a batch axis: (C) → (1, C); returns (x, unbatched)."""
    x = as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError(
            "input must have 1 or more dimensions: (C), (N, C) or (N, C, d1, ..., dK); got a 0-d array"
        )
    return (x[None], True) if x.ndim == 1 else (x, False)


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


def _index_target(target, x, unbatched, ignore_index):
    """Check class-index targets; return (t, keep) of shape (N, d1..dK).

    t holds the targets with ignored items replaced by class 0, so that it can index safely;
    keep is m_i = [t_i ≠ ignore_index]. Ignored items are skipped before the range check,
    so ignore_index may be any integer, even one ≥ C.
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
    t = t.reshape(expected).astype(np.int64, copy=False)
    keep = t != ignore_index
    n_classes = x.shape[1]
    bad = keep & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"target {t[bad][0]} is out of bounds: class indices must be in [0, {n_classes - 1}] "
            f"or equal ignore_index ({ignore_index})"
        )
    return np.where(keep, t, 0), keep


# ----------------------------------------------------------------------------- index targets
class _IndexProblem(NamedTuple):
    """A checked index-target problem, everything batched: x is (N, C, d1..dK)."""

    x: np.ndarray  # input (log-probabilities for nll, logits for cross_entropy)
    t: np.ndarray  # (N, d1..dK) class indices, ignored items set to 0
    keep: np.ndarray  # (N, d1..dK) m_i, False where the target is ignore_index
    w: np.ndarray | None  # (C,) class weights
    w_t: np.ndarray  # (N, d1..dK) m_i·w[t_i]: each item's share of the 'mean' denominator
    total: np.ndarray  # Σ_i m_i·w[t_i], the 'mean' denominator
    reduction: str
    unbatched: bool


def _index_problem(input, target, weight, ignore_index, reduction):
    x, unbatched = _batched_input(input)
    ignore_index = _check_ignore_index(ignore_index)
    w = _class_weight(weight, x.shape[1], x.dtype)
    t, keep = _index_target(target, x, unbatched, ignore_index)
    w_t = keep.astype(x.dtype) if w is None else np.where(keep, _take(w, t), 0).astype(x.dtype)
    return _IndexProblem(x, t, keep, w, w_t, np.sum(w_t, dtype=x.dtype), reduction, unbatched)


def _take(a, t):
    """a[t_i] for the 1-D weights, a[i, t_i, …] (class axis 1) for a batched input; shaped like t.

    A class axis of length 0 only passes the checks when every item is ignored; its (masked)
    values are then zeros.
    """
    axis = 0 if a.ndim == 1 else 1
    if a.shape[axis] == 0:
        return np.zeros(t.shape, a.dtype)
    if a.ndim == 1:
        return a[t]
    return a[_target_index(t)]


def _target_index(t):
    """The fancy index of the entries [i, t_i, …] of a batched (N, C, d1..dK) array.

    t has shape (N, d1..dK); the other axes get open ranges (np.indices(sparse=True)), so
    indexing with it reads or writes exactly one entry per item, without take_along_axis's
    extra work of building a full index for the length-1 class axis.
    """
    grids = np.indices(t.shape, sparse=True)
    return (grids[0], t) + tuple(grids[1:])


def _class_view(w, ndim):
    """The (C,) weight reshaped to broadcast along axis 1 of an ndim-dimensional array."""
    return w.reshape((1, -1) + (1,) * (ndim - 2))


def _reduce_items(loss, reduction, total):
    """'none' → ℓ, 'sum' → Σℓ, 'mean' → Σℓ / total (nan when total is 0: nothing counted)."""
    if reduction == "none":
        return loss
    s = np.sum(loss, dtype=loss.dtype)
    return np.asarray(s if reduction == "sum" else s / total, dtype=loss.dtype)


def _item_upstream(grad_output, reduction, total, dtype):
    """∂(reduced loss)/∂ℓ_i times the upstream gradient: g, or g/total for 'mean'."""
    return (grad_output / total).astype(dtype, copy=False) if reduction == "mean" else grad_output


def _finish(out, unbatched):
    """The unbatched 'none' result is 0-d, like the unbatched input's single item."""
    return out.reshape(()) if unbatched and out.ndim else out


def _upstream(grad_output, p, dtype):
    """grad_output checked against the forward's shape; for 'none' given the batched item shape."""
    if p.reduction != "none":
        return check_grad_output(grad_output, (), dtype)
    items = (p.x.shape[0],) + p.x.shape[2:]
    return check_grad_output(grad_output, () if p.unbatched else items, dtype).reshape(items)


def _nll(logp, p):
    """Forward of nll on batched log-probabilities: ℓ_i = −w[t_i]·logp[i, t_i]·m_i, reduced."""
    return _nll_at(_take(logp, p.t), p)


def _nll_at(logp_t, p):
    """The same from logp_t = logp[i, t_i] alone, the only entries nll reads."""
    # where, not a product with m_i: an ignored item's input may be nan or inf.
    loss = np.where(p.keep, -(logp_t * p.w_t), 0).astype(logp_t.dtype, copy=False)
    return _reduce_items(loss, p.reduction, p.total)


def _nll_grad_at(g, p, dtype):
    """∂(nll)/∂logp[i, t_i], the only non-zero entries: −upstream_i·w[t_i]·m_i, shape (N, d1..dK).

    With 'mean' and Σ m_i·w[t_i] = 0 the counted targets get −g/0·0 = nan, as in torch; items
    that are ignored get exactly 0.
    """
    up = _item_upstream(g, p.reduction, p.total, dtype)
    return np.where(p.keep, -up * p.w_t, 0).astype(dtype, copy=False)


def _nll_grad(g, p, out):
    """Add ∂(nll)/∂logp to `out` (shape of x): −upstream_i·w[t_i] at each counted target."""
    if out.shape[1]:
        out[_target_index(p.t)] += _nll_grad_at(g, p, out.dtype)  # one target per item: no index repeats
    return out


# ----------------------------------------------------------------------------- nll_loss
@ieee()
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood: ℓ_i = −w[t_i]·input[i, t_i], 0 where t_i == ignore_index.

    `input` holds log-probabilities (e.g. from `log_softmax`), shape (C), (N, C) or
    (N, C, d1..dK); `target` holds class indices (int64 or uint8), shape (), (N) or (N, d1..dK).
    'mean' is the weighted average Σℓ / Σ_{counted i} w[t_i] (nan when nothing is counted).
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    p = _index_problem(input, target, weight, ignore_index, reduction)
    return _finish(_nll(p.x, p), p.unbatched)


@ieee()
def nll_loss_backward(grad_output, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                      reduction="mean"):
    """∂ℓ/∂input[i, c] = −w[t_i]·[c = t_i]·m_i (divided by Σ m_i·w[t_i] for 'mean').

    Only the target entry of each counted item has a gradient. Everything ignored under 'mean'
    gives a nan loss but a zero gradient; a zero weight sum with counted items gives nan at the
    targets (0/0), exactly as torch.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    p = _index_problem(input, target, weight, ignore_index, reduction)
    g = _upstream(grad_output, p, p.x.dtype)
    grad = _nll_grad(g, p, np.zeros_like(p.x))
    return grad.reshape(np.shape(input))


# ----------------------------------------------------------------------------- cross_entropy
def _ce_index(lsm, p, eps):
    """(1−ε)·nll(lsm) + (ε/C)·smooth, each reduced separately, smooth_i = −Σ_c w_c·lsm_ic·m_i.

    The smoothing term is skipped entirely when ε = 0, so a −inf logit (whose smooth term is
    +inf) keeps the loss finite without smoothing.
    """
    nll = _nll(lsm, p)
    if eps == 0.0:
        return nll
    n_classes = lsm.shape[1]
    weighted = lsm if p.w is None else lsm * _class_view(p.w, lsm.ndim)
    smooth = np.where(p.keep, -np.sum(weighted, axis=1, dtype=lsm.dtype), 0).astype(lsm.dtype, copy=False)
    smooth = _reduce_items(smooth, p.reduction, p.total)
    return (1 - eps) * nll + smooth * lsm.dtype.type(eps / n_classes)


def _ce_index_grad(g, lsm, p, eps):
    """∂/∂lsm of `_ce_index`: −(1−ε)·up_i·w[t_i] at the targets, −(ε/C)·up_i·w_c everywhere."""
    dtype = lsm.dtype
    n_classes = lsm.shape[1]
    if eps == 0.0:
        return _nll_grad(g, p, np.zeros_like(lsm))
    up = _item_upstream(g * dtype.type(eps / n_classes), p.reduction, p.total, dtype)
    up = np.where(p.keep, up, 0).astype(dtype, copy=False)[:, None]
    grad = np.zeros_like(lsm)
    grad -= up if p.w is None else up * _class_view(p.w, lsm.ndim)
    return _nll_grad(g * dtype.type(1 - eps), p, grad)


class _ProbProblem(NamedTuple):
    """A checked probability-target problem, batched: x and q are (N, C, d1..dK)."""

    x: np.ndarray  # logits
    q: np.ndarray  # smoothed target probabilities (1−ε)·p + ε/C
    w: np.ndarray | None  # (C,) class weights, already in the class-axis view
    dtype: np.dtype  # the result's dtype: input, target and weight promoted together
    reduction: str
    unbatched: bool


def _prob_problem(input, target, weight, ignore_index, reduction, eps):
    x, unbatched = _batched_input(input)
    prob = np.asarray(target)
    if prob.dtype.kind != "f":
        raise TypeError(
            "target has the input's shape, so it holds class probabilities and must be a "
            f"floating-point array; got dtype {prob.dtype} (use shape "
            f"{(x.shape[0],) + x.shape[2:] if not unbatched else ()} for class indices)"
        )
    if _check_ignore_index(ignore_index) >= 0:
        raise ValueError(
            f"ignore_index={ignore_index} is not supported with class-probability targets "
            "(only a negative value, like the default -100)"
        )
    prob = prob[None] if unbatched else prob
    w = _class_weight(weight, x.shape[1])
    q = prob * (1 - eps) + eps / x.shape[1] if eps > 0.0 else prob
    dtype = result_dtype(x, prob, w)
    w = None if w is None else _class_view(w, x.ndim)
    return _ProbProblem(x, q, w, dtype, reduction, unbatched)


def _ce_prob(lsm, p):
    """ℓ_i = −Σ_c w_c·q_ic·lsm_ic; 'mean' divides by the number of items N·d1⋯dK, not by Σw."""
    prod = lsm * p.q if p.w is None else lsm * p.q * p.w
    if p.reduction == "none":
        return -np.sum(prod, axis=1, dtype=p.dtype)
    total = -np.sum(prod, dtype=p.dtype)
    return np.asarray(total if p.reduction == "sum" else total / _n_items(lsm), dtype=p.dtype)


def _n_items(x):
    """N·d1⋯dK, the 'mean' denominator of probability targets (0 for an empty input → nan)."""
    return x.size // x.shape[1] if x.size else 0


def _ce_prob_grad(g, lsm, p):
    """∂/∂lsm of `_ce_prob`: −up_i·w_c·q_ic, with up_i = g, g_i or g/(N·d1⋯dK)."""
    if p.reduction == "none":
        g = g[:, None]
    elif p.reduction == "mean":
        g = g / p.dtype.type(_n_items(lsm))
    grad = -g if p.w is None else -g * p.w
    return (grad * p.q).astype(lsm.dtype, copy=False)


def _ce_setup(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing):
    """Resolve options and pick the target kind: the input's shape means probabilities."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    eps = _check_label_smoothing(label_smoothing)
    if np.shape(target) == np.shape(input):
        return _prob_problem(input, target, weight, ignore_index, reduction, eps), eps
    p = _index_problem(input, target, weight, ignore_index, reduction)
    if p.unbatched and eps > 0.0 and np.ndim(target) == 1:
        # torch's smoothing term cannot take the (1,) form of an unbatched target
        raise ValueError("target must be 0-d for unbatched input when label_smoothing > 0, got shape (1,)")
    return p, eps


@ieee()
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between softmax(input) and the target, from logits (log_softmax + nll).

    Index targets (any shape but the input's):
        ℓ_i = (1−ε)·(−w[t_i]·lsm[i, t_i])·m_i + (ε/C)·(−Σ_c w_c·lsm_ic)·m_i,
        'mean' divides both terms by Σ_i m_i·w[t_i].
    Probability targets (exactly the input's shape, floating point), q = (1−ε)·p + ε/C:
        ℓ_i = −Σ_c w_c·q_ic·lsm_ic, 'mean' divides by N·d1⋯dK.
    lsm = log_softmax(input) along the class axis (1, or 0 when unbatched); ε = label_smoothing.
    """
    p, eps = _ce_setup(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing)
    if isinstance(p, _ProbProblem):
        out = _ce_prob(log_softmax(p.x, axis=1), p)
    elif eps == 0.0:
        # plain nll of log_softmax, which reads one log-probability per item: skip the rest
        out = _nll_at(_log_softmax_at(p.x, p.t), p)
    else:
        out = _ce_index(log_softmax(p.x, axis=1), p, eps)
    return _finish(np.asarray(out), p.unbatched)


@ieee()
def cross_entropy_backward(grad_output, input, target, weight=None, size_average=None, ignore_index=-100,
                           reduce=None, reduction="mean", label_smoothing=0.0):
    """∂ℓ/∂input, with s = softmax(input):

    index targets:        (1−ε)·w[t_i]·(s_ic − [c = t_i])·m_i + (ε/C)·(s_ic·Σ_k w_k − w_c)·m_i
    probability targets:  s_ic·Σ_k w_k·q_ik − w_c·q_ic
    divided by the forward's 'mean' denominator. Computed as ∂ℓ/∂lsm followed by the
    log_softmax chain rule G − s·Σ_c G_c, which also gives torch's nan/inf pattern; plain
    index targets (ε = 0) write the result, w[t_i]·(s_ic − [c = t_i])·m_i, straight down.
    """
    p, eps = _ce_setup(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing)
    if isinstance(p, _IndexProblem) and eps == 0.0 and p.x.shape[1]:
        grad = _softmax_minus_onehot(_upstream(grad_output, p, p.x.dtype), p)
        return grad.reshape(np.shape(input))
    lsm = log_softmax(p.x, axis=1)
    if isinstance(p, _ProbProblem):
        grad_lsm = _ce_prob_grad(_upstream(grad_output, p, p.dtype), lsm, p)
    else:
        grad_lsm = _ce_index_grad(_upstream(grad_output, p, lsm.dtype), lsm, p, eps)
    return _log_softmax_backward(grad_lsm, lsm, 1).reshape(np.shape(input))


def _softmax_minus_onehot(g, p):
    """The plain cross-entropy gradient (ε = 0) in its textbook form: coef_i·(s_ic − [c = t_i]).

    coef_i = up_i·w[t_i]·m_i = −G_i, where G_i = ∂ℓ/∂lsm[i, t_i] is nll's only non-zero
    gradient. It is the log-softmax rule G − s·Σ_c G_c with Σ_c G_c = G_i, so it is the same
    number, but s·coef_i is formed as exp(x − max)·(coef_i / Σ_k exp(x_k − max)) from one
    array of exponentials instead of log_softmax's exp(lsm): half the passes over the input.
    """
    shifted = p.x - np.max(p.x, axis=1, keepdims=True)
    e = np.exp(shifted, out=shifted)
    at_target = _nll_grad_at(g, p, e.dtype)
    e *= np.expand_dims(-at_target, 1) / np.sum(e, axis=1, keepdims=True, dtype=e.dtype)
    e[_target_index(p.t)] += at_target
    return e

