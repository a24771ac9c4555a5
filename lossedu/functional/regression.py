"""Regression losses: the distance between a prediction and a real-valued target.

All four are elementwise in the difference d = input − target (broadcast together), z = |d|:

    l1_loss         ℓ = z
    mse_loss        ℓ = d²
    smooth_l1_loss  ℓ = ½d²/β if z < β else z − ½β
    huber_loss      ℓ = ½d²   if z < δ else δ(z − ½δ)

and their derivatives ∂ℓ/∂input are

    l1_loss         sign(d)                       (0 at d = 0)
    mse_loss        2d
    smooth_l1_loss  d/β if z < β else sign(d)     = clip(d/β, −1, 1)   (β = 0 is exactly l1)
    huber_loss      d   if z < δ else δ·sign(d)   = clip(d, −δ, δ)

so huber(δ) = δ · smooth_l1(β=δ): the same curve, with the outer slope δ instead of 1.

The reduction is 'none' (ℓ), 'sum' (Σℓ) or 'mean' (Σℓ / N). l1, mse and huber take an
optional `weight` of input's shape: ℓ_w = w·ℓ. Beware torch's inconsistency: a weighted 'mean'
is Σ w·ℓ / Σ w for l1 and mse, but Σ w·ℓ / N for huber.

Each public function is three steps: the preamble `_prepare` (argument checks, torch's dtype
promotion, broadcasting, the legacy `size_average`/`reduce`; notebook 00 explains it), the
formula in numpy, and the reduction (`_reduce`) or its gradient (`_upstream`).

Reference: torch.nn.functional (torch 2.13); Huber, "Robust Estimation of a Location
Parameter" (1964); Girshick, "Fast R-CNN" (2015) for smooth L1.

Matching torch at the edges
---------------------------
Where it costs nothing, the formulas use the operations torch's kernels use, in their order:
then the results are torch's to the last bit and overflow where torch's do. Where they do not
(smooth L1 inside |d| < β), the difference is an ulp, and the edges are handled apart:

- Smooth L1 is computed from its slope s = clip(d/β, −1, 1) as s·(d − ½βs). Outside |d| < β this
  is torch's z − ½β exactly (s = ±1); inside it is (d/β)·(d − ½d) where torch computes
  (½d·d)/β, which may differ in the last bit (rounding order; the tests allow an ulp). torch's
  two-branch kernel would cost an element-by-element select (np.where), several times torch's
  whole loss on this data. s is exactly torch's gradient (|d| ≥ β ⟺ |d/β| ≥ 1 after rounding)
  whenever β is positive and finite in d's dtype. Two kinds of β leave the formula, and
  `_smooth_l1_branches` evaluates torch's branches there: β that rounds to 0 in d's dtype
  (1e-300 in float32: torch's |d| < β never holds, leaving z, and its gradient is sign(d)), and
  β beyond √(2·max) (inf included), where torch's ½d·d overflows while |d| < β and it says inf
  (nan once divided by β = inf), and where torch's gradient at d = ±inf is ±1, not inf/inf.
- float16: smooth L1 inside |d| < β overflows in torch's half kernel as soon as ½d·d > 65 504,
  which happens for β > √(2·65 504) ≈ 362: such a β is "beyond √(2·max)" in float16, so the
  branches give torch's inf there too.
- Huber's forward and gradient are torch's: ψ·(d − ½ψ) with ψ = clip(d, −δ, δ) is d·(½d) inside
  (torch's ½z·z, the same number) and δ·(z − ½δ) outside, both exactly; clip(d, −δ, δ)
  equals torch's three-branch gradient everywhere (nan and inf included). torch casts the
  result to the input's dtype even when the target is wider; its backward refuses mixed
  dtypes, and ours gives the gradient of the same forward.
- torch computes mse, smooth L1 and Huber in fused C++ kernels whose gradient is
  norm·ℓ'(d)·g with norm = 1/N for 'mean' (else 1), so mse's is (2/N)·d·g: 2d is never formed,
  and with a target of 1e308 the 'mean' gradient is finite where 2d would be inf. l1 and every
  weighted loss are composed of autograd operations, which divide g by N (or Σw) first and
  then multiply by the local derivative (so a weighted mse gradient does form 2d). `_upstream`
  returns the (norm, g) pair in each of these two orders.
- float16: torch's fused kernels round every operation to half, like numpy's float16
  arithmetic, so the same expressions give torch's numbers (mse of d = 300 is inf in 'none' and
  so in 'mean'). Sums of half are accumulated in float32 (`_core.accumulator`), and autograd's
  g/N of a half gradient is computed in float32 (`_core.reduction_backward`: N may exceed
  float16's largest number, 65 504).
- l1's gradient at a nan difference is 0 (torch's sign(nan) = 0, `_core.torch_sign`); smooth L1
  and Huber give nan there.
- Weighted reductions follow torch's dtype rules (`_core.result_dtype`): an integer or bool
  weight never widens the loss; a 0-d weight widens only the 0-d ratio Σw·ℓ / Σw. A float16
  weight beside a float64 input is widened before it is used, so nothing is computed in half.
"""
from __future__ import annotations

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_grad_output,
    check_reduction,
    check_scalar,
    grad_like,
    ieee,
    legacy_reduction,
    reduction_backward,
    result_dtype,
    torch_sign,
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


# ----------------------------------------------------------------------------- the preamble
def _prepare(loss, input, target, weight, size_average, reduce, reduction, *, warn=True):
    """The preamble of regression loss `loss`: return (x, d, w, reduction).

    x is input as a float array; d = x − target, broadcast, in torch's promoted dtype; w is None or
    the weight (input's shape, its own dtype); reduction is resolved from the legacy
    `size_average`/`reduce` and checked. `warn=False` in a backward: the forward has warned.
    torch's rules that differ between the losses: l1 (and a weighted mse) subtract in Python,
    which refuses a bool target; huber writes its result in the input's dtype, so an integer
    input cannot hold it (the others compute an integer input in the float target's dtype).
    """
    bool_target = not (loss == "l1_loss" or (loss == "mse_loss" and weight is not None))
    int_input = loss != "huber_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
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


def _threshold(value, name, loss, *, allow_zero):
    """beta / delta as a float; `not value >= 0` also refuses nan, as torch's check does."""
    value = float(check_scalar(value, name))
    if not (value >= 0 if allow_zero else value > 0):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} for {loss}, got {value}")
    return value


# ----------------------------------------------------------------------------- reductions
def _total(a):
    """Σa as torch.sum gives it: half summed in float32 and rounded once; bool and int as int64."""
    if a.dtype.kind != "f":
        return np.sum(a, dtype=np.int64)
    return apply_reduction(a, "sum")


def _reduce(loss, w, reduction, *, mean_over_weights=True):
    """Reduce ℓ; with a weight, ℓ_w = w·ℓ and 'mean' is Σ w·ℓ / Σ w (huber: Σ w·ℓ / N)."""
    if w is None:
        return apply_reduction(loss, reduction)
    # w·ℓ in torch's dtype: an int weight, or a 0-d one beside a loss with dimensions, never widens
    loss = np.multiply(loss, w, dtype=result_dtype(loss, w))
    if reduction == "mean" and mean_over_weights:
        numerator, denominator = _total(loss), _total(w)
        return np.asarray(np.divide(numerator, denominator, dtype=result_dtype(numerator, denominator)))
    return apply_reduction(loss, reduction)


def _upstream(grad_output, d, w, reduction, *, fused=True, mean_over_weights=True):
    """(norm, g) with ∂S/∂ℓᵢ = norm·gᵢ, split the way torch splits it (g is 0-d or d's shape).

    torch's fused kernels (mse, smooth L1, huber; `fused=True`) get norm = 1/N for 'mean' (else
    1) and multiply it in first: norm·ℓ'(d)·g. Autograd (l1, and every weighted loss) divides g
    by N, or by Σw, before it reaches ℓ: then norm = 1 and g is the divided gradient.
    """
    n = d.size
    if w is None:
        if not fused:  # autograd's g, g/N (in float32 for half: N may pass float16's 65 504)
            return 1.0, reduction_backward(grad_output, d.shape, reduction, d.dtype)
        g = check_grad_output(grad_output, d.shape if reduction == "none" else (), d.dtype)
        return (1.0 / n if reduction == "mean" and n else 1.0), g
    # autograd through w·ℓ, Σ and / Σw (or / N), in the order torch's Python code composes them
    product = result_dtype(d, w)  # the dtype of w·ℓ
    if reduction == "mean" and mean_over_weights:
        total = _total(w)
        g = check_grad_output(grad_output, (), result_dtype(np.zeros((), product), total))
        g = np.divide(g, total, dtype=g.dtype)
    else:
        g = reduction_backward(grad_output, d.shape, reduction, product)
    return 1.0, np.multiply(g, w, dtype=product).astype(d.dtype, copy=False)


# ----------------------------------------------------------------------------- L1
@ieee()
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: ℓ = |d| = z, with d = input − target; optionally weighted.

    The negative log-likelihood of Laplace noise. Every point pulls on the fit with the same
    force however far away it is, so the best constant under L1 is the median of the targets.
    With `weight` (input's shape), ℓ = w·z and 'mean' is Σ w·z / Σ w.
    Reference: torch.nn.functional.l1_loss.
    """
    x, d, w, reduction = _prepare("l1_loss", input, target, weight, size_average, reduce, reduction)
    z = np.abs(d)
    return _reduce(z, w, reduction)


@ieee()
def l1_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """∂ℓ/∂input = sign(d): +1 above the target, −1 below, 0 at a tie (and at a nan, as in torch).

    The size of the pull never shrinks: a point 0.01 away pulls as hard as a point 100 away.
    """
    x, d, w, reduction = _prepare("l1_loss", input, target, weight, size_average, reduce, reduction,
                                  warn=False)
    norm, g = _upstream(grad_output, d, w, reduction, fused=False)  # torch's autograd: g/N, norm = 1
    return grad_like(norm * torch_sign(d) * g, x)


# ----------------------------------------------------------------------------- MSE
@ieee()
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ℓ = d², with d = input − target; optionally weighted.

    The negative log-likelihood of Gaussian noise (up to scale and a constant). The pull 2d grows
    with the error, so outliers dominate; the best constant under MSE is the mean of the targets.
    With `weight` (input's shape), ℓ = w·d² and 'mean' is Σ w·d² / Σ w.
    Reference: torch.nn.functional.mse_loss.
    """
    x, d, w, reduction = _prepare("mse_loss", input, target, weight, size_average, reduce, reduction)
    loss = d * d
    return _reduce(loss, w, reduction)


@ieee()
def mse_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """∂ℓ/∂input = 2d: the pull grows with the error. With 'mean': (2/N)·d·g."""
    x, d, w, reduction = _prepare("mse_loss", input, target, weight, size_average, reduce, reduction,
                                  warn=False)
    norm, g = _upstream(grad_output, d, w, reduction)
    return grad_like(2 * norm * d * g, x)


# ----------------------------------------------------------------------------- smooth L1
def _branches_needed(beta, dtype):
    """Whether β is 0 or beyond √(2·max) in d's dtype, where c/β or ½d·d leave the textbook."""
    return float(np.asarray(beta, dtype=dtype)) == 0 or 0.5 * beta * beta > float(np.finfo(dtype).max)


def _smooth_l1_branches(d, beta):
    """Smooth L1 and its slope as torch's kernel computes them, branch by branch (slow, exact)."""
    z = np.abs(d)
    loss = np.where(z < beta, 0.5 * d * d / beta, z - 0.5 * beta)
    slope = np.where(z >= beta, np.sign(d), d / beta)
    return loss, slope


@ieee()
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 (Fast R-CNN): ℓ = ½d²/β if z < β else z − ½β, with d = input − target, z = |d|.

    L1 with its kink rounded off: a parabola near 0, L1's slope-1 line beyond β, joined so that
    value and slope are continuous at z = β. Both pieces are one product: with the slope
    s = clip(d/β, −1, 1), ℓ = s·(d − ½βs) (inside s = d/β and d − ½d = ½d; outside s = ±1).
    β → 0 gives L1 (torch computes β = 0 as l1_loss); a large β gives MSE/(2β). No `weight`.
    Reference: torch.nn.functional.smooth_l1_loss; Girshick, "Fast R-CNN" (2015).
    """
    beta = _threshold(beta, "beta", "smooth_l1_loss", allow_zero=True)
    if beta == 0:  # torch computes β = 0 as l1_loss
        return l1_loss(input, target, size_average, reduce, reduction)
    x, d, _, reduction = _prepare("smooth_l1_loss", input, target, None, size_average, reduce, reduction)
    if _branches_needed(beta, d.dtype):  # β is 0 or beyond √(2·max) in d's dtype
        return apply_reduction(_smooth_l1_branches(d, beta)[0], reduction)
    slope = np.clip(d / beta, -1, 1)
    loss = slope * (d - 0.5 * beta * slope)
    return apply_reduction(loss, reduction)


@ieee()
def smooth_l1_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """∂ℓ/∂input = d/β if z < β else sign(d), i.e. clip(d/β, −1, 1): L1's ±1, with a ramp near 0.

    A nan difference gives a nan gradient (unlike l1's 0), except at β = 0, which is l1.
    """
    beta = _threshold(beta, "beta", "smooth_l1_loss", allow_zero=True)
    if beta == 0:  # torch computes β = 0 as l1_loss
        return l1_loss_backward(grad_output, input, target, size_average, reduce, reduction)
    x, d, _, reduction = _prepare("smooth_l1_loss", input, target, None, size_average, reduce, reduction, warn=False)
    slope = np.clip(d / beta, -1, 1)
    if _branches_needed(beta, d.dtype):  # β is 0 or beyond √(2·max) in d's dtype
        slope = _smooth_l1_branches(d, beta)[1]
    norm, g = _upstream(grad_output, d, None, reduction)
    return grad_like(norm * slope * g, x)


# ----------------------------------------------------------------------------- Huber
@ieee()
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss: ℓ = ½d² if z < δ else δ(z − ½δ), with d = input − target, z = |d|; δ > 0.

    Gaussian (quadratic) for small residuals, Laplace (linear, slope δ) for large ones: the
    maximum-likelihood loss of the least favourable contaminated Gaussian. Both pieces are one
    product: with ψ = clip(d, −δ, δ) (the gradient), ℓ = ψ·(d − ½ψ) (d·½d inside, δ(z − ½δ)
    outside: torch's own operations on each side). It equals δ · smooth_l1_loss(β=δ).
    The result has the INPUT's dtype even when the target is wider. With `weight` (input's
    shape), ℓ_w = w·ℓ and — unlike l1/mse — 'mean' is Σ w·ℓ / N.
    Reference: torch.nn.functional.huber_loss; Huber, "Robust Estimation of a Location
    Parameter" (1964).
    """
    delta = _threshold(delta, "delta", "huber_loss", allow_zero=False)
    x, d, w, reduction = _prepare("huber_loss", input, target, weight, None, None, reduction)
    psi = np.clip(d, -delta, delta)
    loss = psi * (d - 0.5 * psi)
    loss = loss.astype(x.dtype, copy=False)  # torch returns huber in the input's dtype
    return _reduce(loss, w, reduction, mean_over_weights=False)  # weighted 'mean': Σ w·ℓ / N


@ieee()
def huber_loss_backward(grad_output, input, target, reduction="mean", delta=1.0, weight=None):
    """∂ℓ/∂input = d if z < δ else δ·sign(d), i.e. ψ = clip(d, −δ, δ); with a weight, times w.

    torch 2.13's own backward raises a dtype error when target's dtype differs from input's;
    here that case gets the gradient of the same forward (computed in the promoted dtype).
    """
    delta = _threshold(delta, "delta", "huber_loss", allow_zero=False)
    x, d, w, reduction = _prepare("huber_loss", input, target, weight, None, None, reduction, warn=False)
    psi = np.clip(d, -delta, delta)
    norm, g = _upstream(grad_output, d, w, reduction, mean_over_weights=False)  # weighted: w/N
    return grad_like(norm * psi * g, x)
