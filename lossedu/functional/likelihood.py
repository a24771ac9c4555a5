"""Likelihood losses: the negative log-likelihood of an observation under a predicted distribution.

The model predicts the parameters of a distribution; the loss is −log p(y | prediction), with
the terms that do not depend on the prediction dropped unless `full=True`. Notebook 02 derives
both; the names here are its names (x the input, y the target, v the variance, g the upstream
gradient).

Poisson (counts). With rate λ and an observed count y, −log p(y | λ) = λ − y·log λ + log y!.

    log_input=True   x = log λ:   ℓ = eˣ − y·x                ∂ℓ/∂x = eˣ − y
    log_input=False  x = λ:       ℓ = x − y·log(x + eps)      ∂ℓ/∂x = 1 − y/(x + eps)

    log y! does not depend on λ; `full=True` adds its Stirling approximation
    log y! ≈ y·log y − y + ½·log(2πy) where y > 1 (torch adds nothing where y ≤ 1, and
    log 0! = log 1! = 0 exactly).

Gaussian (a mean and a variance). With mean x, variance v and an observation y,
−log p(y | x, v) = ½·(log v + (x − y)²/v) + ½·log(2π). With d = x − y and v' = max(v, eps):

    ℓ = ½·(log v' + d²/v')  (+ ½·log(2π) if full)
    ∂ℓ/∂x = d/v'            ∂ℓ/∂v = ½·(1/v' − d²/v'²)

    The clamp keeps log v' and 1/v' finite when the predicted variance collapses to 0. torch
    applies it outside autograd, so the gradient goes "straight through" it: ∂ℓ/∂v is taken at
    v' even where v < eps (not 0, as a true max would give). Minimising over v gives v = d²: the
    net learns its own squared error.

Each public function starts with one call, `_prepare_poisson(…)` or `_prepare_gaussian(…)`, that
checks the arguments in torch's order, promotes dtypes as torch does and resolves the reduction
(notebook 00 explains this preamble); the lines after it are the formulas above.

Reference: torch.nn.functional (torch 2.13); Nix & Weigend, "Estimating the mean and variance of
the target probability distribution" (1994) for the Gaussian loss with a predicted variance.

Matching torch at the edges
---------------------------
- torch computes both losses op by op (Poisson in ATen's Loss.cpp, Gaussian in Python), and every
  op rounds to its own result dtype. So a float16 target beside a float64 input gives a Stirling
  term computed in float16 (inf from y ≈ 7 000 on), and a float16 var gives log v' in float16. We
  compute those parts in the same dtypes on purpose: a wider intermediate would differ from torch
  by float16's rounding. What the preamble guarantees is the other direction: no array is used
  in a dtype narrower than torch uses it (integers become float32, as torch's exp and log make
  them; a wider array is cast down to the result dtype, which torch's 0-d rule can make narrow).
- The result dtype follows torch's op order, not one promotion of all arguments: exp/log turn an
  integer input into float32 before it meets the target, so an int64 input with a float16 target
  gives float32 (`_poisson_dtype`, `_gaussian_dtype`).
- 2π·y in float16: torch multiplies a half tensor by the double 2π in float32 and rounds once;
  numpy would round 2π to half (6.28125) first (`_two_pi_times`).
- Gradients are written in torch's autograd order: g·eˣ − g·y (not g·(eˣ − y)), g − g·y/(x + eps),
  ½g/v'·(2d), ½g/v' − ½g·(d²/v'/v'). Autograd hands each of the two terms back in the argument's
  dtype before adding them, so each term goes through `_grad_like` on its own: a float32 input
  beside a float64 target then gives inf − inf = nan where torch does, not a float64 inf.
- Reductions of float16 accumulate in float32 (`_core.apply_reduction`); the 'mean' gradient
  g/n of float16 is divided in float32 too (`_core.reduction_backward`: numpy would round n to
  float16, and n > 65 504 to inf).
- In the same way the gradient hands −g·y to log(x + eps) in x's dtype (`slope_log`), and ½g/v'
  to d² in d's dtype (`slope_d2`), before the division or product that follows: with a float16
  input beside a float64 target, torch rounds there, and so inf and nan land where torch's do.
- Known differences, at float16's extremes with a second dtype only (tests/test_fuzz_likelihood.py
  compares the dtype and every value finite on both sides there): beside a float16 input, an
  integer target's Stirling term is float32 in torch (finite) and float16 here (inf from
  y ≈ 7 000); an integer input times a float16 target (log_input=True) is rounded to float16 in
  torch, not here. Both are left open on purpose: each needs one symbol in two dtypes inside the
  formula notebook 02 shows (y as float16 in y·x but float32 in the Stirling term; x as float32 in
  eˣ but float16 in y·x), which a numpy array, having one dtype, gives only through casts in those
  lines. The fuzz test pins both against torch (strict xfail: it fails the day they match).
"""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from ._core import (
    accumulator,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_reduction,
    check_scalar,
    ieee,
    reduction_backward,
    resolve_reduction,
    result_dtype,
    sum_to_shape,
)

__all__ = [
    "poisson_nll_loss",
    "poisson_nll_loss_backward",
    "gaussian_nll_loss",
    "gaussian_nll_loss_backward",
]


# ----------------------------------------------------------------------------- Poisson
@ieee()
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood of the counts y = `target` under the rate given by x = `input`.

        log_input=True:  ℓ = eˣ − y·x            (x = log λ; eps is unused)
        log_input=False: ℓ = x − y·log(x + eps)  (x = λ)
        full=True adds log y! ≈ y·log y − y + ½·log(2πy) where y > 1.

    Intuition: −log p(y | λ) = λ − y·log λ + log y!. The rate λ pulls the loss up, the count y
    pulls it down through log λ, and the balance, ∂ℓ/∂λ = 1 − y/λ = 0, is at λ = y. log y!
    depends on the data only: it changes the value (a true NLL), never the gradient.
    input and target broadcast silently.

    Reference: torch.nn.functional.poisson_nll_loss (torch 2.13).
    """
    x, y, eps, reduction = _prepare_poisson(input, target, log_input, full, size_average, eps, reduce, reduction)
    if log_input:
        loss = np.exp(x) - y * x
    else:
        loss = x - y * np.log(x + eps)
    if full:
        loss = loss + _stirling(y)
    return apply_reduction(loss, reduction)


@ieee()
def poisson_nll_loss_backward(grad_output, input, target, log_input=True, full=False, size_average=None,
                              eps=1e-08, reduce=None, reduction="mean"):
    """∂loss/∂input = g·(eˣ − y) (log_input=True) or g·(1 − y/(x + eps)) (log_input=False).

    g is the upstream gradient of each element (grad_output, over N for 'mean'). The Stirling
    term of `full` depends on the target only: it adds nothing here. `_grad_like(input, …)`
    adds the derivative's two terms, g·eˣ and −g·y (or g and −g·y/(x + eps), through the log's
    slope −g·y), summed back to input's shape where it was broadcast.
    """
    g, x, y, eps = _prepare_poisson_backward(grad_output, input, target, log_input, full, size_average, eps,
                                             reduce, reduction)
    if log_input:
        return _grad_like(input, g * np.exp(x), -g * y)
    slope_log = (-g * y).astype(x.dtype)  # ∂ℓ/∂log(x + eps) = −y, handed to the log in its dtype
    return _grad_like(input, g, slope_log / (x + eps))


def _stirling(y):
    """log y! ≈ y·log y − y + ½·log(2πy) where y > 1, and 0 where y ≤ 1.

    Stirling's approximation, within 1/(12y) of log y! for y ≥ 1. Below 1 it would be wrong
    (at y = 1 it gives −0.081, not log 1! = 0; at y = 0, log 0 is −inf), so torch adds nothing
    there; nan stays nan.
    """
    term = y * np.log(y) - y + 0.5 * np.log(_two_pi_times(y))
    return np.where(y <= 1, 0, term)


def _two_pi_times(y):
    """2π·y in y's dtype, a float16 y multiplied in float32 and rounded once, as torch's kernel does."""
    return (2 * math.pi * y.astype(accumulator(y.dtype))).astype(y.dtype, copy=False)


# ----------------------------------------------------------------------------- Gaussian
@ieee()
def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    """Gaussian negative log-likelihood of y = `target` under mean x = `input` and variance v = `var`.

        ℓ = ½·(log v' + (x − y)²/v')  (+ ½·log(2π) if full),   v' = max(v, eps)

    Intuition: the squared error d² = (x − y)² is divided by the variance the model claims, so
    a point declared noisy costs less; ½·log v' charges for claiming noise. The balance is at
    v' = d². var is a float (one variance for all) or an array of input's shape, of input's
    shape without its last dim, or with one dim of size 1 (torch's rule). input and target
    broadcast silently; 'mean' divides by the number of elements of the broadcast loss.

    Reference: torch.nn.functional.gaussian_nll_loss (torch 2.13); Nix & Weigend (1994).
    """
    x, y, v, eps, reduction = _prepare_gaussian(input, target, var, full, eps, reduction)
    v = np.maximum(v, eps)
    loss = 0.5 * (np.log(v) + (x - y) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


@ieee()
def gaussian_nll_loss_backward(grad_output, input, target, var, full=False, eps=1e-06, reduction="mean"):
    """(∂loss/∂input, ∂loss/∂var), with d = x − y and v' = max(v, eps):

        ∂ℓ/∂x = d/v'                written ½g/v'·(2d): the derivative of ½·d²/v'
        ∂ℓ/∂v = ½·(1/v' − d²/v'²)   at v' even where v < eps (torch's clamp is straight-through)

    times the upstream gradient g. The var gradient is None when var is a Python float, which
    torch does not differentiate. Both are summed back to their argument's shape where broadcast.
    """
    g, x, y, v, eps = _prepare_gaussian_backward(grad_output, input, target, var, full, eps, reduction)
    v = np.maximum(v, eps)
    d = x - y
    slope_d2 = (0.5 * g / v).astype(d.dtype)  # ∂ℓ/∂(d²) = ½/v', handed to d² in its dtype
    grad_input = _grad_like(input, slope_d2 * (2 * d))
    grad_var = _grad_like(v, 0.5 * g / v, -0.5 * g * (d**2 / v / v))
    return grad_input, _as_var_grad(grad_var, var)


# ----------------------------------------------------------------------------- the preamble
def _prepare_poisson(input, target, log_input, full, size_average, eps, reduce, reduction):
    """Check poisson_nll_loss's arguments as torch does; return (x, y, eps, reduction).

    x and y are float arrays in the dtypes torch computes with (module docstring, "Matching
    torch at the edges"); eps is a Python float, as torch passes it to C++ as a double, so it
    never widens a float32 input.
    """
    # torch checks the reduction in Python and, unlike most losses, refuses 'elementwise_mean'.
    reduction = resolve_reduction(size_average, reduce, reduction, elementwise_mean=False)
    log_input = _check_bool(log_input, "log_input")
    full = _check_bool(full, "full")
    eps = float(check_scalar(eps, "eps"))
    if not log_input:
        _refuse_bool(input, "input", " when log_input=False")
    if full:
        _refuse_bool(target, "target", " when full=True")
    if np.asarray(input).dtype.kind == "b":
        _refuse_bool(target, "target", " when input is bool")
    raw_x, raw_y = _numeric(input, "input"), _numeric(target, "target")
    x, y = _as_floats(_poisson_dtype(raw_x, raw_y, log_input), raw_x, raw_y)
    broadcast_shape(("input", x.shape), ("target", y.shape))
    return x, y, eps, reduction


def _prepare_poisson_backward(grad_output, input, target, log_input, full, size_average, eps, reduce, reduction):
    """`_prepare_poisson`, then g: grad_output as the upstream gradient of each loss element."""
    x, y, eps, reduction = _prepare_poisson(input, target, log_input, full, size_average, eps, reduce, reduction)
    return _upstream(grad_output, reduction, x, y), x, y, eps


def _poisson_dtype(x, y, log_input):
    """torch's result dtype, op by op: exp and log make an integer input float32 first."""
    if log_input:
        return _op(_float(x), _op(y, x)).dtype  # eˣ − y·x
    return _op(x, _op(y, _float(x))).dtype      # x − y·log(x + eps)


def _prepare_gaussian(input, target, var, full, eps, reduction):
    """Check gaussian_nll_loss's arguments in torch's order; return (x, y, v, eps, reduction).

    v is the variance before the clamp, reshaped to broadcast against x (`_fit_var`); a Python
    float var becomes an array of input's shape. eps is a Python float.
    """
    raw_x = _numeric(input, "input")  # torch takes an integer input and target here
    _refuse_bool(input, "input")
    _refuse_bool(target, "target")
    v = _fit_var(_check_var(var, raw_x), raw_x.shape)
    reduction = check_reduction(reduction, elementwise_mean=False)
    if v.dtype.kind != "f":
        raise TypeError(f"var must be a float or an array of floats, got dtype {v.dtype}")
    eps = float(check_scalar(eps, "eps"))
    raw_y = _numeric(target, "target")
    # An integer input or target is converted where it meets the other in d = x − y.
    x, y = _meeting(raw_x, raw_y), _meeting(raw_y, raw_x)
    x, y, v = _as_floats(_gaussian_dtype(raw_x, raw_y, v), x, y, v)
    broadcast_shape(("input", x.shape), ("target", y.shape), ("var", v.shape))
    return x, y, v, eps, reduction


def _prepare_gaussian_backward(grad_output, input, target, var, full, eps, reduction):
    """`_prepare_gaussian`, then g: grad_output as the upstream gradient of each loss element."""
    x, y, v, eps, reduction = _prepare_gaussian(input, target, var, full, eps, reduction)
    return _upstream(grad_output, reduction, x, y, v), x, y, v, eps


def _gaussian_dtype(x, y, v):
    """torch's result dtype, op by op: d = x − y, then d²/v, then log v + d²/v."""
    quotient = _op(_op(x, y), v)
    return _op(v, quotient).dtype


def _check_var(var, x):
    """var's type and sign, checked in torch's order; a Python float var becomes an array of x's shape.

    That array has input's dtype (float32 for an integer input: torch computes var·ones_like(input))
    and is not a Python float any more, but `_as_var_grad` still gives it no gradient, as torch.
    """
    if isinstance(var, float):  # includes np.float64, a subclass of float
        if var < 0:
            raise ValueError(f"var has negative entry/entries: var must be >= 0, got {var!r}")
        return np.broadcast_to(np.asarray(var, dtype=_float(x).dtype), x.shape)
    if isinstance(var, (bool, np.bool_, numbers.Integral)):
        # torch raises TypeError for var=1 too (only a float or a tensor is handled).
        raise TypeError(f"var must be a float or an array of floats, got {type(var).__name__} {var!r}")
    v = np.asarray(var)
    if v.dtype.kind not in "biuf":
        raise TypeError(f"var must be a float or an array of floats, got {var!r}")
    if np.any(v < 0):
        raise ValueError("var has negative entry/entries: every variance must be >= 0")
    return v


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


def _as_var_grad(grad, var):
    """The var gradient in var's own shape ((N,) when it was used as (N, 1)); None for a Python float."""
    return None if isinstance(var, float) else grad.reshape(np.shape(var))


# ----------------------------------------------------------------------------- shared plumbing
def _check_bool(value, name):
    """A flag such as `log_input`: torch accepts only a real bool (we also take numpy's)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _refuse_bool(value, name, when=""):
    """torch cannot subtract a bool tensor, so where the formula does, a bool array is an error."""
    if np.asarray(value).dtype.kind == "b":
        raise TypeError(f"{name} must be a numeric array, not bool{when} (the loss subtracts it)")


def _numeric(value, name):
    """`value` as an array of floats, integers or bools; a clear TypeError for anything else."""
    a = np.asarray(value) if value is not None else None
    as_float_array(a, name, allow_int=True)  # raises for None, strings, complex
    return a


def _float(a):
    """What exp and log make of array `a` in torch: `a` if floating, else float32 (the default dtype)."""
    return a if a.dtype.kind == "f" else np.empty((0,) * min(a.ndim, 1), np.float32)


def _op(*arrays):
    """A stand-in for the result of one torch op on `arrays`: its dtype, 0-d only if all are."""
    return np.empty((0,) * max((min(np.ndim(a), 1) for a in arrays), default=0), result_dtype(*arrays))


def _meeting(a, b):
    """Array `a` as torch converts it in an op with `b`: an integer `a` takes b's floating dtype
    (float32 when b is an integer too)."""
    if a.dtype.kind == "f":
        return a
    dtype = _op(a, b).dtype
    return a.astype(dtype if dtype.kind == "f" else np.float32)


def _as_floats(dtype, *arrays):
    """The arrays as torch computes with them: integers as float32, none wider than the result `dtype`."""
    floats = [a if a.dtype.kind == "f" else a.astype(np.float32) for a in arrays]
    return [a.astype(dtype) if a.dtype.itemsize > dtype.itemsize else a for a in floats]


def _upstream(grad_output, reduction, *arrays):
    """g = ∂(reduced loss)/∂ℓ for the elementwise loss of the arrays' broadcast shape and dtype."""
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return reduction_backward(grad_output, shape, reduction, np.result_type(*arrays))


def _grad_like(arg, *terms):
    """The gradient of argument `arg`: the sum of `terms`, as autograd adds them.

    Each term is summed back to arg's shape where arg was broadcast and rounded to arg's dtype
    (the loss's dtype for an integer arg) before the terms are added.
    """
    a = np.asarray(arg)
    dtype = a.dtype if a.dtype.kind == "f" else np.result_type(*terms)
    grads = [sum_to_shape(np.asarray(term), a.shape).astype(dtype, copy=False) for term in terms]
    return np.asarray(functools.reduce(np.add, grads))
