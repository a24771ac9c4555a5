"""Likelihood losses: the negative log-likelihood of an observation under a predicted distribution.

The model predicts the parameters of a distribution; the loss is −log p(target | prediction),
with the terms that do not depend on the prediction dropped unless `full=True`.

Poisson (counts). With rate λ and an observed count t, −log p(t | λ) = λ − t·log λ + log t!.

    log_input=True   input x = log λ:   ℓ = exp(x) − t·x
    log_input=False  input x = λ:       ℓ = x − t·log(x + eps)      (eps keeps log away from 0)

    log t! does not depend on λ; `full=True` adds its Stirling approximation
    log t! ≈ t·log t − t + ½·log(2πt), and only where t > 1 (for t ∈ {0, 1}, log t! = 0 exactly,
    and torch adds nothing for any t ≤ 1).

Gaussian (a mean and a variance). With mean x, variance v and an observation t,
−log p(t | x, v) = ½·(log v + (x − t)²/v) + ½·log(2π):

    ℓ = ½·(log v' + (x − t)²/v')  (+ ½·log(2π) if full),   v' = max(var, eps)

    The clamp keeps log v' and 1/v' finite when the predicted variance collapses to 0. torch
    applies it outside autograd, so the gradient flows "straight through" it: ∂ℓ/∂var is
    ½·(1/v' − (x − t)²/v'²) evaluated at v' even where var < eps (not 0, as a true max would give).
    Minimising over v gives v = (x − t)²: the net learns its own squared error.

Reference: torch.nn.functional (torch 2.13); Nix & Weigend, "Estimating the mean and variance of
the target probability distribution" (1994) for the Gaussian loss with a predicted variance.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_reduction,
    check_scalar,
    reduction_backward,
    resolve_reduction,
    sum_to_shape,
    result_dtype,
)

__all__ = [
    "poisson_nll_loss",
    "poisson_nll_loss_backward",
    "gaussian_nll_loss",
    "gaussian_nll_loss_backward",
]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# ----------------------------------------------------------------------------- shared plumbing
def _as_bool(value, name):
    """A flag such as `log_input`: torch accepts only a real bool (we also take numpy's)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _real_arrays(*named):
    """`(name, value)` pairs → (float arrays, result dtype), promoted as torch does.

    Integer arrays (and bool ones, where `_refuse_bool` lets them through) are accepted, as
    torch does, and become float32.
    torch computes in the result dtype, so a wider 0-d float array is cast down to it.
    """
    raw = [np.asarray(value) for _, value in named]
    dtype = result_dtype(*raw)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float32)
    arrays = [as_float_array(value, name, allow_int=True) for (name, _), value in zip(named, raw)]
    return [a.astype(dtype) if a.dtype.itemsize > dtype.itemsize else a for a in arrays], dtype


def _reduce(loss, reduction):
    """apply_reduction, silent about inf − inf = nan in a sum (torch gives the same nan)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return apply_reduction(loss, reduction)


def _refuse_bool(value, name, when=""):
    """torch cannot subtract a bool tensor, so where the formula does, a bool array is an error."""
    if np.asarray(value).dtype.kind == "b":
        raise TypeError(f"{name} must be a numeric array, not bool{when} (the loss subtracts it)")


def _grad_of(grad, arg, shape, dtype):
    """The gradient of `arg` (of `shape`): un-broadcast, in arg's dtype (the loss's if arg is integer)."""
    a = np.asarray(arg)
    out_dtype = a.dtype if a.dtype.kind == "f" else dtype
    with np.errstate(invalid="ignore", over="ignore"):  # inf − inf in a sum is nan in torch too
        grad = sum_to_shape(np.asarray(grad), shape)
    return grad.reshape(a.shape).astype(out_dtype, copy=False)


# ----------------------------------------------------------------------------- Poisson
def _poisson_args(input, target, log_input, full, size_average, eps, reduce, reduction):
    """Validate poisson_nll_loss's arguments: (x, t, log_input, full, eps, reduction, shape, dtype)."""
    # torch checks the reduction in Python and, unlike most losses, refuses 'elementwise_mean'.
    reduction = resolve_reduction(size_average, reduce, reduction, elementwise_mean=False)
    log_input = _as_bool(log_input, "log_input")
    full = _as_bool(full, "full")
    # A Python float, as torch passes eps to C++ as a double: it never widens a float32 input.
    eps = float(check_scalar(eps, "eps"))
    if not log_input:
        _refuse_bool(input, "input", " when log_input=False")
    if full:
        _refuse_bool(target, "target", " when full=True")
    if np.asarray(input).dtype.kind == "b":
        _refuse_bool(target, "target", " when input is bool")
    (x, t), dtype = _real_arrays(("input", input), ("target", target))
    shape = broadcast_shape(("input", x.shape), ("target", t.shape))
    return x, t, log_input, full, eps, reduction, shape, dtype


def _stirling(t):
    """log t! ≈ t·log t − t + ½·log(2πt) where t > 1, and 0 where t ≤ 1 (nan stays nan)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = t * np.log(t) - t + 0.5 * np.log(2 * math.pi * t)
    return np.where(t <= 1, 0, term)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood of the counts `target` under the rate given by `input`.

    log_input=True:  ℓ = exp(x) − t·x            (x = log λ; eps is unused)
    log_input=False: ℓ = x − t·log(x + eps)      (x = λ)
    full=True adds t·log t − t + ½·log(2πt) where t > 1.
    input and target broadcast together silently (no warning, unlike mse_loss); an integer
    input is accepted and gives a float32 loss, as in torch.
    """
    x, t, log_input, full, eps, reduction, _, dtype = _poisson_args(
        input, target, log_input, full, size_average, eps, reduce, reduction
    )
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if log_input:
            loss = np.exp(x) - t * x
        else:
            loss = x - t * np.log(x + eps)
        if full:
            loss = loss + _stirling(t)
    return _reduce(loss.astype(dtype, copy=False), reduction)


def poisson_nll_loss_backward(grad_output, input, target, log_input=True, full=False, size_average=None,
                              eps=1e-08, reduce=None, reduction="mean"):
    """∂ℓ/∂input: exp(x) − t (log_input=True) or 1 − t/(x + eps) (log_input=False).

    The Stirling term of `full` depends on the target only, so it adds nothing here. Where input
    was broadcast against a larger target, its gradient is summed back to its shape.
    """
    x, t, log_input, _, eps, reduction, shape, dtype = _poisson_args(
        input, target, log_input, full, size_average, eps, reduce, reduction
    )
    g = reduction_backward(grad_output, shape, reduction, dtype)
    # The same association as torch's autograd (g·exp(x) − g·t), so inf/nan land where torch's do.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if log_input:
            grad = g * np.exp(x) - g * t
        else:
            grad = g - g * t / (x + eps)
    return _grad_of(grad, input, x.shape, dtype)


# ----------------------------------------------------------------------------- Gaussian
def _check_var(var, input_dtype):
    """var's type and sign, checked in torch's order: returns (v as an array, is_float).

    A Python float var becomes a 0-d array of input's dtype (float32 for an integer input),
    to be filled to input's shape; it gets no gradient, as in torch.
    """
    if isinstance(var, float):  # includes np.float64, a subclass of float
        if var < 0:
            raise ValueError(f"var has negative entry/entries: var must be >= 0, got {var!r}")
        dtype = input_dtype if input_dtype.kind == "f" else np.dtype(np.float32)
        return np.asarray(var, dtype=dtype), True
    if isinstance(var, (bool, np.bool_, numbers.Integral)):
        # torch raises TypeError for var=1 too (only a float or a tensor is handled).
        raise TypeError(f"var must be a float or an array of floats, got {type(var).__name__} {var!r}")
    v = np.asarray(var)
    if v.dtype.kind not in "biuf":
        raise TypeError(f"var must be a float or an array of floats, got {var!r}")
    if np.any(v < 0):
        raise ValueError("var has negative entry/entries: every variance must be >= 0")
    return v, False


def _fit_var(v, input_shape):
    """var reshaped to broadcast against input, by torch's rules, or a ValueError.

    Accepted: input's shape; input's shape without its last dim (one variance per row, given a
    trailing axis of size 1); or input's number of dims with exactly one dim that differs, where
    var has size 1 (e.g. (N, 1) for input (N, D)).
    """
    if v.shape == input_shape:
        return v
    if v.shape == input_shape[:-1]:
        return v[..., None]
    if v.ndim == len(input_shape) and sum(s for s, n in zip(v.shape, input_shape) if s != n) == 1:
        return v
    raise ValueError(
        f"var is of incorrect size: for input of shape {input_shape}, var must have shape "
        f"{input_shape}, {input_shape[:-1]}, or {input_shape} with one dim replaced by 1; got {v.shape}"
    )


def _gaussian_args(input, target, var, full, eps, reduction):
    """Validate gaussian_nll_loss's arguments (in torch's order).

    Returns (x, t, v, var_shape, full, eps, reduction, shape, dtype): v is the variance
    before the clamp, shaped to broadcast against input; var_shape is None when var was a
    Python float (no gradient), else the shape v had before it was fitted.
    """
    input_arr = as_float_array(input, "input", allow_int=True)  # torch takes integer input here
    _refuse_bool(input, "input")
    _refuse_bool(target, "target")
    v, is_float = _check_var(var, np.asarray(input).dtype)
    if is_float:
        v = np.broadcast_to(v, input_arr.shape)
    var_shape = None if is_float else v.shape
    v = _fit_var(v, input_arr.shape)
    reduction = check_reduction(reduction, elementwise_mean=False)
    if v.dtype.kind != "f":
        raise TypeError(f"var must be a float or an array of floats, got dtype {v.dtype}")
    full = bool(full)  # torch tests `if full:`, so any truthy value works
    eps = float(check_scalar(eps, "eps"))
    (x, t, v), dtype = _real_arrays(("input", input), ("target", target), ("var", v))
    shape = broadcast_shape(("input", x.shape), ("target", t.shape), ("var", v.shape))
    return x, t, v, var_shape, full, eps, reduction, shape, dtype


def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    """Gaussian negative log-likelihood of `target` under mean `input` and variance `var`.

    ℓ = ½·(log v' + (input − target)²/v')  (+ ½·log(2π) if full),  v' = max(var, eps).
    var is a float (one variance for all) or an array: of input's shape, of input's shape
    without its last dim, or with one dim of size 1 (see `_fit_var`). input and target
    broadcast silently; 'mean' divides by the number of elements of the broadcast loss.
    """
    x, t, v, _, full, eps, reduction, _, dtype = _gaussian_args(input, target, var, full, eps, reduction)
    v = np.maximum(v, eps)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        loss = 0.5 * (np.log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + _HALF_LOG_2PI
    return _reduce(loss.astype(dtype, copy=False), reduction)


def gaussian_nll_loss_backward(grad_output, input, target, var, full=False, eps=1e-06, reduction="mean"):
    """(∂ℓ/∂input, ∂ℓ/∂var), with v' = max(var, eps) and d = input − target:

    ∂ℓ/∂input = d/v'
    ∂ℓ/∂var   = ½·(1/v' − d²/v'²), at the clamped v' even where var < eps (torch's clamp is
                straight-through); None when var is a Python float, which torch does not
                differentiate. Both are summed back to their argument's shape where broadcast.
    """
    x, t, v, var_shape, _, eps, reduction, shape, dtype = _gaussian_args(
        input, target, var, full, eps, reduction
    )
    v_fit_shape = v.shape
    v = np.maximum(v, eps)
    half_g = 0.5 * reduction_backward(grad_output, shape, reduction, dtype)
    d = x - t
    # torch's autograd association: ∂(d²/v')·2d for input; log and division branches for var.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        grad_input = half_g / v * (2 * d)
        grad_var = None if var_shape is None else half_g / v - half_g * ((d**2 / v) / v)
    grad_input = _grad_of(grad_input, input, x.shape, dtype)
    if grad_var is not None:
        grad_var = _grad_of(grad_var, var, v_fit_shape, dtype)
    return grad_input, grad_var
