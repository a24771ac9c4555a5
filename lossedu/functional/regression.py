"""Regression losses: the distance between a prediction and a real-valued target.

All four are elementwise in the difference d = input − target (broadcast together):

    l1_loss         ℓ = |d|
    mse_loss        ℓ = d²
    smooth_l1_loss  ℓ = ½d²/β if |d| < β else |d| − ½β
    huber_loss      ℓ = ½d²   if |d| < δ else δ(|d| − ½δ)

Reference: torch.nn.functional (torch 2.13); Huber, "Robust Estimation of a Location
Parameter" (1964); Girshick, "Fast R-CNN" (2015) for smooth L1.
"""
from __future__ import annotations

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_reduction,
    legacy_reduction,
    reduction_backward,
    result_dtype,
    grad_like,
    torch_sign,
    warn_if_target_size_differs,
)

__all__ = ["l1_loss", "l1_loss_backward"]


# ----------------------------------------------------------------------------- shared plumbing
def _prepare(input, target, weight, reduction, *, warn=True):
    """Check and broadcast the arguments of an elementwise regression loss.

    Returns (x, t, w, reduction, shape, dtype): x and t are broadcast views of the common
    `shape`; w is None or an array of input's shape; dtype is the result's dtype.
    """
    x = as_float_array(input, "input")
    t = as_float_array(target, "target", allow_int=True)
    if warn:
        warn_if_target_size_differs(x.shape, t.shape)
    shape = broadcast_shape(("input", x.shape), ("target", t.shape))
    dtype = result_dtype(x, t)
    w = None
    if weight is not None:
        w = as_float_array(weight, "weight")
        if w.shape != x.shape:
            raise ValueError(
                f"weight must have the same shape as input {x.shape}, got {w.shape} "
                "(weights are not broadcast)"
            )
        # torch validates the weighted path in Python and refuses the old 'elementwise_mean'.
        reduction = check_reduction(reduction, elementwise_mean=False)
    else:
        reduction = check_reduction(reduction)
    return np.broadcast_to(x, shape), np.broadcast_to(t, shape), w, reduction, shape, dtype


def _reduce(loss, w, reduction):
    """Reduce ℓ; with a weight, ℓ_w = w·ℓ and 'mean' is Σ w·ℓ / Σ w (not / numel)."""
    if w is None:
        return apply_reduction(loss, reduction)
    loss = w * loss
    if reduction == "mean":
        return np.asarray(np.sum(loss) / np.sum(w), dtype=loss.dtype)
    return apply_reduction(loss, reduction)


def _reduce_backward(grad_output, w, reduction, shape, dtype):
    """∂(reduced loss)/∂ℓ for `_reduce`: the upstream gradient, times w, over Σw for a weighted mean."""
    if w is None:
        return reduction_backward(grad_output, shape, reduction, dtype)
    if reduction == "mean":
        g = reduction_backward(grad_output, (), "sum", dtype)
        return (g / np.sum(w)).astype(dtype) * w
    return reduction_backward(grad_output, shape, reduction, dtype) * w


# ----------------------------------------------------------------------------- L1
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: ℓ = |input − target|, optionally weighted.

    With `weight` (same shape as input), ℓ = w·|d| and 'mean' is Σ w|d| / Σ w.
    The minimiser of Σ|x − yᵢ| over a constant x is the median of the yᵢ.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t, w, reduction, _, dtype = _prepare(input, target, weight, reduction)
    loss = np.abs(x - t).astype(dtype, copy=False)
    return _reduce(loss, w, reduction)


def l1_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """∂ℓ/∂input = sign(input − target): +1 above the target, −1 below, 0 at a tie.

    torch takes sign(nan) = 0, so a nan difference gets gradient 0 (numpy's sign gives nan).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t, w, reduction, shape, dtype = _prepare(input, target, weight, reduction, warn=False)
    g = _reduce_backward(grad_output, w, reduction, shape, dtype)
    return grad_like(g * torch_sign(x - t), input)
