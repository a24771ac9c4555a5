"""Regression losses: the distance between a prediction and a real-valued target.

All four are elementwise in the difference d = input − target (broadcast together):

    l1_loss         ℓ = |d|
    mse_loss        ℓ = d²
    smooth_l1_loss  ℓ = ½d²/β if |d| < β else |d| − ½β
    huber_loss      ℓ = ½d²   if |d| < δ else δ(|d| − ½δ)

and their derivatives ∂ℓ/∂input are

    l1_loss         sign(d)                      (0 at d = 0)
    mse_loss        2d
    smooth_l1_loss  d/β if |d| < β else sign(d)  (β = 0 is exactly l1)
    huber_loss      d   if |d| < δ else δ·sign(d) = clip(d, −δ, δ)

so huber(δ) = δ · smooth_l1(β=δ): the same curve, with the outer slope δ instead of 1.

The reduction is 'none' (ℓ), 'sum' (Σℓ) or 'mean' (Σℓ / numel). l1, mse and huber take an
optional `weight` of input's shape: ℓ_w = w·ℓ. Beware torch's inconsistency: a weighted 'mean'
is Σ w·ℓ / Σ w for l1 and mse, but Σ w·ℓ / numel for huber.

Speed: each loss computes in its own temporary d (`out=d`, plus at most one more full-size
array), one vectorised pass per operation, and writes each two-sided rule as one formula
(clip, never np.where between two computed branches, which takes as long as ~25 multiplications
when the side flips at random): forward + backward cost about what torch's C++ kernels do.

Reference: torch.nn.functional (torch 2.13); Huber, "Robust Estimation of a Location
Parameter" (1964); Girshick, "Fast R-CNN" (2015) for smooth L1.
"""
from __future__ import annotations

import numpy as np

from ._core import (
    ieee,
    torch_sign,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_grad_output,
    check_reduction,
    check_scalar,
    grad_like,
    legacy_reduction,
    reduction_backward,
    warn_if_target_size_differs,
)

__all__ = [
    "l1_loss",
    "l1_loss_backward",
    "mse_loss",
    "mse_loss_backward",
    "smooth_l1_loss",
    "smooth_l1_loss_backward",
    "huber_loss",
    "huber_loss_backward",
]


# ----------------------------------------------------------------------------- shared plumbing
def _prepare(input, target, weight, reduction, *, warn=True, bool_target=True, int_input=True):
    """Check the arguments of a regression loss; return (x, d, w, reduction).

    x is input as a float array, d = x − target broadcast to the common shape in torch's
    promoted dtype, w is None or the weight (input's shape, its own dtype). d is always a
    fresh ndarray (0-d included), so the losses may compute in it with `out=d`.
    `bool_target=False` where torch subtracts in Python, which refuses a bool tensor.
    `int_input=False` where torch writes the result in the input's dtype (huber), so an
    integer input cannot hold it.
    """
    x = np.asarray(input)
    t = np.asarray(target)
    if int_input and x.dtype.kind in "iu" and t.dtype.kind == "f":
        # torch computes in the float target's dtype (an integer input just has no gradient).
        x = x.astype(t.dtype)
    x = as_float_array(x, "input")
    # torch promotes an integer target to the input's float dtype (float32 − int64 → float32).
    if t.dtype.kind in ("iub" if bool_target else "iu"):
        t = t.astype(x.dtype)
    t = as_float_array(t, "target")
    if warn:
        warn_if_target_size_differs(x.shape, t.shape)
    broadcast_shape(("input", x.shape), ("target", t.shape))  # a clear error, not numpy's
    w = None
    if weight is not None:
        w = np.asarray(weight)
        if w.dtype.kind not in "iub":
            w = as_float_array(w, "weight")
        if w.shape != x.shape:
            raise ValueError(
                f"weight must have the same shape as input {x.shape}, got {w.shape} "
                "(weights are not broadcast)"
            )
        # torch validates the weighted path in Python and refuses the old 'elementwise_mean'.
        reduction = check_reduction(reduction, elementwise_mean=False)
    else:
        reduction = check_reduction(reduction)
    return x, np.asarray(x - t), w, reduction


def _weighted_dtypes(loss, w):
    """torch's dtypes of w·ℓ and of the 0-d ratio Σ(w·ℓ) / Σw.

    An integer or bool weight never widens a float loss. A 0-d weight does not widen a loss
    that has dimensions either (torch lets 0-d tensors set the dtype only among themselves),
    but it does take part in the 0-d division.
    """
    if w.dtype.kind != "f":
        return loss.dtype, loss.dtype
    both = np.result_type(loss.dtype, w.dtype)
    return (loss.dtype if w.ndim == 0 < loss.ndim else both), both


def _reduce(loss, w, reduction, *, mean_over_weights=True):
    """Reduce ℓ; with a weight, ℓ_w = w·ℓ and 'mean' is Σ w·ℓ / Σ w (or / numel for huber)."""
    if w is None:
        return apply_reduction(loss, reduction)
    product, ratio = _weighted_dtypes(loss, w)
    loss = np.multiply(loss, w, dtype=product)
    if reduction == "mean" and mean_over_weights:
        return np.asarray(np.sum(loss) / np.sum(w), dtype=ratio)
    return apply_reduction(loss, reduction)


def _reduce_backward(grad_output, w, reduction, d, *, mean_over_weights=True):
    """∂(reduced loss)/∂ℓ for `_reduce`: the upstream gradient, times w, over Σw for a weighted mean."""
    if w is not None and reduction == "mean" and mean_over_weights:
        return check_grad_output(grad_output, (), d.dtype) / np.sum(w) * w
    g = reduction_backward(grad_output, d.shape, reduction, d.dtype)
    return g if w is None else g * w


def _times(g, s):
    """g·s for the gradient, written into s (a temporary we own) when that keeps g·s's dtype.

    A float64 weight makes g·s float64 while s may be float32: then a new array, so that the
    result is rounded to the input's dtype once, as before.
    """
    if np.result_type(g, s) == s.dtype:
        return np.multiply(s, g, out=s)
    return g * s


def _check_threshold(value, name, loss, *, allow_zero):
    """beta / delta as a float; `not value >= 0` also refuses nan, as torch's check does."""
    value = float(check_scalar(value, name))
    if not (value >= 0 if allow_zero else value > 0):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} for {loss}, got {value}")
    return value


# ----------------------------------------------------------------------------- L1
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: ℓ = |input − target|, optionally weighted.

    With `weight` (same shape as input), ℓ = w·|d| and 'mean' is Σ w|d| / Σ w.
    The minimiser of Σ|x − yᵢ| over a constant x is the median of the yᵢ.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    with ieee():
        _, d, w, reduction = _prepare(input, target, weight, reduction, bool_target=False)
        return _reduce(np.abs(d, out=d), w, reduction)


def l1_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """∂ℓ/∂input = sign(input − target): +1 above the target, −1 below, 0 at a tie.

    torch takes sign(nan) = 0, so a nan difference gets gradient 0 (numpy's sign gives nan).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    with ieee():
        x, d, w, reduction = _prepare(input, target, weight, reduction, warn=False, bool_target=False)
        g = _reduce_backward(grad_output, w, reduction, d)
        return grad_like(_times(g, torch_sign(d, out=d)), x)


# ----------------------------------------------------------------------------- MSE
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ℓ = (input − target)², optionally weighted.

    With `weight` (same shape as input), ℓ = w·d² and 'mean' is Σ w d² / Σ w.
    The minimiser of Σ(x − yᵢ)² over a constant x is the mean of the yᵢ.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    with ieee():
        _, d, w, reduction = _prepare(input, target, weight, reduction, bool_target=weight is None)
        return _reduce(np.multiply(d, d, out=d), w, reduction)


def mse_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """∂ℓ/∂input = 2(input − target): the pull grows with the error (hence outliers dominate)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    with ieee():
        x, d, w, reduction = _prepare(input, target, weight, reduction, warn=False, bool_target=weight is None)
        g = _reduce_backward(grad_output, w, reduction, d)
        return grad_like(_times(g, np.multiply(d, 2, out=d)), x)


# ----------------------------------------------------------------------------- smooth L1
def _half_clipped(d, bound):
    """(½c, d − ½c) for c = clip(d, −bound, bound): smooth L1 and Huber are built from these.

    Inside |d| < bound, c = d and d − ½d = ½d exactly; outside, c = ±bound and d − ½c =
    ±(|d| − ½·bound), torch's own subtraction with d's sign. d − ½c is written into d, so the
    two losses need one full-size array besides d (a third would cost page faults, not just memory).
    """
    half_c = np.clip(d, -bound, bound, out=np.empty_like(d))  # (out=: an array even when d is 0-d)
    np.multiply(half_c, 0.5, out=half_c)
    return half_c, np.subtract(d, half_c, out=d)


def _smooth_l1(d, beta):
    """½d²/β inside |d| < β, |d| − ½β outside: slope·(d − ½c), c = clip(d, −β, β), slope = c/β.

    The slope is the gradient clip(d/β, −1, 1): d/β inside, where d − ½c = ½d, and exactly ±1
    outside, where d − ½c = ±(|d| − ½β). One formula, so no branch to pick per element; slope
    is computed as (½c)/(½β), the same number as c/β. Outside this is torch's number exactly;
    inside, (d/β)·½d may differ from torch's (½d·d)/β in the last bit (rounding order), and
    cannot overflow where torch's does (only possible for a huge β, handled apart).
    β is a Python float, so numpy computes in d's dtype (float32 stays float32), as torch does.
    d is overwritten.
    """
    if beta == 1:
        # c/1 is c: the same numbers as huber's c·(d − ½c)
        return _huber(d, 1.0)
    if np.asarray(0.5 * beta, dtype=d.dtype) == 0:
        # β is (all but) 0 in d's dtype: torch's |d| < β never holds, leaving |d| − ½β = |d|
        return np.abs(d, out=d)
    if 0.5 * beta * beta > np.finfo(d.dtype).max:
        # Only a β beyond √(2·max) lets torch's ½|d|·|d| overflow while |d| < β, making its
        # loss inf (nan for β = inf) where (d/β)·½d is finite: follow its two branches there.
        z = np.abs(d, out=d)
        return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    half_c, rest = _half_clipped(d, beta)
    slope = np.divide(half_c, 0.5 * beta, out=half_c)
    return np.multiply(slope, rest, out=slope)


def _smooth_l1_slope(d, beta):
    """d/β inside, sign(d) from |d| ≥ β on, i.e. clip(d/β, −1, 1); computed in d.

    The clip is the two-branch rule whenever β (in d's dtype) is positive and finite: |d| ≥ β
    makes |d/β| ≥ 1 even after rounding, and |d| < β keeps |d/β| ≤ 1. torch tests |d| ≥ β
    first, so β = inf, d = inf gives 1 where inf/inf is nan: that case (and a β that rounds
    to 0 in d's dtype) keeps the two-branch rule.
    """
    if 0 < np.asarray(beta, dtype=d.dtype) < np.inf:
        if beta != 1:  # d/1 is d: skip the pass
            np.divide(d, beta, out=d)
        return np.clip(d, -1, 1, out=d)
    return np.where(np.abs(d) >= beta, np.sign(d), d / beta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 (Fast R-CNN): ℓ = ½d²/β if |d| < β else |d| − ½β, with d = input − target.

    Quadratic near 0, linear (slope 1) beyond β; value and slope are continuous at |d| = β.
    β = 0 is exactly l1_loss (torch dispatches to it); β < 0 is refused. No `weight`.
    """
    beta = _check_threshold(beta, "beta", "smooth_l1_loss", allow_zero=True)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    with ieee():
        _, d, _, reduction = _prepare(input, target, None, reduction)
        return apply_reduction(_smooth_l1(d, beta), reduction)


def smooth_l1_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """∂ℓ/∂input = d/β if |d| < β else sign(d), i.e. clip(d/β, −1, 1).

    A nan difference gives a nan gradient (unlike l1's 0), except at β = 0, which is l1.
    """
    beta = _check_threshold(beta, "beta", "smooth_l1_loss", allow_zero=True)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta == 0:
        return l1_loss_backward(grad_output, input, target, reduction=reduction)
    with ieee():
        x, d, _, reduction = _prepare(input, target, None, reduction, warn=False)
        g = reduction_backward(grad_output, d.shape, reduction, d.dtype)
        return grad_like(_times(g, _smooth_l1_slope(d, beta)), x)


# ----------------------------------------------------------------------------- Huber
def _huber(d, delta):
    """½d² inside |d| < δ, δ(|d| − ½δ) outside: both are c·(d − ½c) with c = clip(d, −δ, δ).

    c is the gradient ψ(d): d inside, where the product is d·½d; ±δ outside, where both factors
    change sign with d, giving δ(|d| − ½δ). These are torch's own operations on each side, so
    the same bits, with no branch to pick. δ is a Python float: d's dtype is kept; d is overwritten.
    """
    half_c, rest = _half_clipped(d, delta)
    c = np.add(half_c, half_c, out=half_c)  # 2·½c is c again, exactly
    return np.multiply(c, rest, out=c)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss: ℓ = ½d² if |d| < δ else δ(|d| − ½δ), with d = input − target; δ > 0.

    It equals δ · smooth_l1_loss(β=δ). The result has the INPUT's dtype even when target is
    wider (torch computes in the promoted dtype, then casts back). With `weight` (input's
    shape), ℓ_w = w·ℓ and — unlike l1/mse — 'mean' is Σ w·ℓ / numel, not / Σ w.
    """
    delta = _check_threshold(delta, "delta", "huber_loss", allow_zero=False)
    with ieee():
        x, d, w, reduction = _prepare(input, target, weight, reduction, int_input=False)
        loss = _huber(d, delta).astype(x.dtype, copy=False)
        return _reduce(loss, w, reduction, mean_over_weights=False)


def huber_loss_backward(grad_output, input, target, reduction="mean", delta=1.0, weight=None):
    """∂ℓ/∂input = d if |d| ≤ δ else δ·sign(d) = clip(d, −δ, δ); with a weight, times w.

    torch 2.13's own backward raises a dtype error when target's dtype differs from input's;
    here that case gets the gradient of the same forward (computed in the promoted dtype).
    """
    delta = _check_threshold(delta, "delta", "huber_loss", allow_zero=False)
    with ieee():
        x, d, w, reduction = _prepare(input, target, weight, reduction, warn=False, int_input=False)
        g = _reduce_backward(grad_output, w, reduction, d, mean_over_weights=False)
        return grad_like(_times(g, np.clip(d, -delta, delta, out=d)), x)
