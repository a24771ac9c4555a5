"""Binary and multi-label losses: one independent yes/no decision per element.

With x a logit, p = σ(x) = 1 / (1 + e^{−x}) the probability of "yes" it encodes, y the target,
w an elementwise weight and pw (`pos_weight`) a weight on the positive term:

    binary_cross_entropy              ℓ = −w·[ y·log p + (1 − y)·log(1 − p) ]      (input is p ∈ [0, 1])
    binary_cross_entropy_with_logits  ℓ = w·[ (1 − y)·x + ℓ_w·softplus(−x) ],  ℓ_w = 1 + (pw − 1)·y
    soft_margin_loss                  ℓ = log(1 + e^{−t·x})                          (labels t = ±1)
    multilabel_soft_margin_loss       ℓ = (1/C)·Σ_c w_c·[ y_c·softplus(−x_c) + (1 − y_c)·softplus(x_c) ]

The second is the first with p = σ(x), because −log σ(x) = softplus(−x) and
−log(1 − σ(x)) = −log σ(−x) = x + softplus(−x). Working with logits lets us evaluate

    softplus(z) = log(1 + e^z) = max(z, 0) + log(1 + e^{−|z|}),

which never exponentiates a positive number: finite for logits of ±1e4, where computing
σ(x) first would round p to exactly 0 or 1 and the log would give inf. The derivatives all
come from one identity, d softplus(z)/dz = σ(z), hence d log σ(x)/dx = σ(−x) = 1 − σ(x) and

    ∂ℓ/∂x = w·[ (pw·y + 1 − y)·σ(x) − pw·y ]      (= w·(σ(x) − y) when pw = 1).

Each public loss starts with its preamble (`_prepare_…`): the argument checks, torch's dtype
promotion and the legacy `size_average`/`reduce`; then the formula, in torch's order of operations.

Reference: torch.nn.functional (torch 2.13): BCELoss, BCEWithLogitsLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss.

Matching torch at the edges
---------------------------
- BCE's logs are clamped at −100 *separately*, so p = 0 with y = 1 costs 100, as does p = 1e-50
  (log 1e-50 = −115). log(1 − p) is `log1p(−p)`: for p = 1e-10 the plain log(1 − p) is off by ~1e-7.
- The 'mean' of a gradient is divided by N at the end, after the formula, as in torch (it matters
  for float16, where g/N first can land among the subnormals).
- BCE's backward ignores that clamp and floors p(1 − p) at ε, ATen's C++ literal `1e-12f`: a float32
  constant, 9.999999960041972e-13, even in float64 (p = 0, y = 0.5 gives −500 000 001 997.9, not −5e11).
  In float16 ε rounds to 0, as in torch, so p = 0 there gives ∓inf.
- softplus and σ are written as torch's kernels write them (max(z, 0) + log1p(e^{−|z|}), and
  1/(1 + e^{−x}) with e^{−x} = inf giving 0): softplus(−x) is torch's −log_sigmoid(x), operation for
  operation, and (1 − y)·x + ℓ_w·softplus(−x) its (1 − y)·x − ℓ_w·log_sigmoid(x) (negation is exact).
  Its vectorised exp and log1p and numpy's differ by an ulp at most.
- soft_margin_loss is torch's naive log1p(exp(−t·x)): inf once −t·x > 709.78 (float64) or 88.72
  (float32), with a nan gradient (inf/inf); the stable softplus form would give −t·x and −t.
- float16: torch evaluates log_sigmoid and sigmoid in float32 and rounds once (`_opmath`); every other
  tensor operation rounds its result to float16, as numpy's float16 operations do. Sums of float16
  are accumulated in float32 (`apply_reduction`, and the class sum of the multi-label loss).
- Mixed dtypes follow torch's promotion (`result_dtype`): an integer operand takes the floats'
  dtype and a 0-d array never widens one with dimensions. torch writes some intermediates into an
  existing tensor (`loss.mul_(weight)`, `log_sigmoid.mul_(log_weight)`, soft margin's output), so
  they are rounded to that tensor's dtype (`_in_dtype_of`): BCE's loss keeps the input's dtype,
  BCE with logits' the target's, whatever the weight's. torch rounds each step of BCE with logits'
  loss to the target's dtype; we round ℓ_w·softplus(−x) to the input's and the loss once, at the
  end. With a target narrower than the input (float16 beside float64 logits) the two agree to the
  target's precision while no intermediate overflows the target's dtype; past that (|x| ≈ 65504
  with a float16 target) torch's intermediate is inf and ours is not: (1 − y)·x = −1e6 is −inf in
  float16 before softplus(1e6) is added, where our sum is 0. Left open on purpose: matching it means
  three more roundings inside the one-line formula notebook 05 shows; tests/test_fuzz_binary.py
  pins it against torch (strict xfail). pos_weight − 1 is computed in pos_weight's own dtype (a
  float16 pos_weight of 1e-4 gives exactly −1 there, in torch too); a bool pos_weight is refused,
  as torch refuses `bool − 1`. BCE with logits' backward runs in torch in place, in the dtype of
  pos_weight·target (of the input without pos_weight); we round once, at the end, so with a
  float16 target and pos_weight beside a float64 input the gradient agrees to float16's
  precision (tests/test_fuzz_binary.py compares mixed dtypes at the narrowest one's tolerance).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ._core import (
    accumulated_sum,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    grad_like,
    ieee,
    reduction_backward,
    resolve_reduction,
    result_dtype,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_backward",
    "soft_margin_loss",
    "soft_margin_loss_backward",
    "multilabel_soft_margin_loss",
    "multilabel_soft_margin_loss_backward",
]

# ATen floors BCE's p(1 − p) at the C++ literal 1e-12f, a float32; a Python float takes the array's dtype.
_EPS = float(np.float32(1e-12))


# ----------------------------------------------------------------------------- the pieces of the formulas
def _opmath(f):
    """Evaluate the elementwise formula `f` of a float16 array in float32 and round once, as torch's kernels do."""

    @functools.wraps(f)
    def in_float32(x):
        if x.dtype == np.float16:
            return f(x.astype(np.float32)).astype(np.float16)
        return f(x)

    return in_float32


@_opmath
def _softplus(z):
    """softplus(z) = log(1 + e^z) = max(z, 0) + log(1 + e^{−|z|}): the exponent is never positive."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


@_opmath
def _sigmoid(x):
    """σ(x) = 1 / (1 + e^{−x}); for x ≪ 0, e^{−x} = inf and 1/inf = 0."""
    return 1 / (1 + np.exp(-x))


def _in_dtype_of(a, value):
    """`value` rounded to a's dtype: torch writes this result into a tensor like `a`."""
    return np.asarray(value, dtype=a.dtype)


def _upstream(grad_output, shape, reduction, dtype):
    """(g, n): the upstream gradient broadcast to `shape`, and what torch divides the gradient by at
    the end — the number of elements for 'mean', else 1 — after the formula, not before."""
    n = math.prod(shape) if reduction == "mean" else 1
    return reduction_backward(grad_output, shape, "sum" if reduction == "mean" else reduction, dtype), n


def _sum_over(values, axis):
    """Σ over one axis in values' dtype; float16 is accumulated in float32, as torch does."""
    return accumulated_sum(values, axis)


# ----------------------------------------------------------------------------- the preambles
def _operand(a, name, *others, allow_bool=True):
    """`a` as torch combines it with `others`: a number array; ints and bools (if allowed) take the
    floats' dtype, a 0-d array never widens arrays with dimensions; other floats keep their dtype."""
    if a is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    arr = np.asarray(a)
    if arr.dtype.kind not in ("fiub" if allow_bool else "fiu"):
        accepted = "float, int or bool" if allow_bool else "float or int, not bool"
        raise TypeError(f"{name} must be a numeric array ({accepted}), got dtype {arr.dtype}")
    dtype = result_dtype(arr, *others)
    if arr.dtype.kind != "f" or (arr.ndim == 0 and arr.dtype.itemsize > dtype.itemsize):
        return arr.astype(dtype)
    return arr


def _check_fits(a, name, shape):
    """`a` must broadcast to `shape` without enlarging it (torch writes the result in place)."""
    try:
        fits = np.broadcast_shapes(a.shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} of shape {a.shape} cannot be broadcast to input's shape {tuple(shape)} "
            "(it may broadcast, but not enlarge the result)"
        )


def _check_same_shape(x, y):
    """The BCE losses refuse to broadcast target against input at all."""
    if x.shape != y.shape:
        raise ValueError(
            f"target must have the same shape as input: target {y.shape}, input {x.shape} "
            "(binary cross-entropy does not broadcast them)"
        )


def _check_unit_interval(a, name):
    """Probabilities must lie in [0, 1]; the comparison is False for nan, so nan is refused too."""
    if not np.all((a >= 0) & (a <= 1)):
        raise ValueError(f"all elements of {name} should be between 0 and 1 (and not nan)")


def _elementwise_weight(weight, name, x, *others, allow_bool=True):
    """1 when `weight` is None, else the weight, which broadcasts to x's shape without enlarging it."""
    if weight is None:
        return 1
    w = _operand(weight, name, x, *others, allow_bool=allow_bool)
    _check_fits(w, name, x.shape)
    return w


def _prepare_bce(input, target, weight, size_average, reduce, reduction):
    """binary_cross_entropy's preamble, in torch's order: (p, y, w, reduction).

    p and y are float arrays of one shape and one dtype, every element in [0, 1] (nan refused);
    w is 1 or an array that broadcasts to p's shape.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    p = as_float_array(input, "input")
    y = as_float_array(target, "target")
    _check_same_shape(p, y)
    if y.dtype != p.dtype:
        raise TypeError(
            f"target must have input's dtype {p.dtype}, got {y.dtype} "
            "(binary_cross_entropy does not promote dtypes)"
        )
    w = _elementwise_weight(weight, "weight", p)
    _check_unit_interval(p, "input")
    _check_unit_interval(y, "target")
    return p, y, w, reduction


def _prepare_logits(input, target, weight, pos_weight, size_average, reduce, reduction):
    """binary_cross_entropy_with_logits' preamble: (x, y, w, pw, reduction).

    x and y are float arrays of one shape (any float dtypes); w is 1 or an array, pw None or an
    array (not bool: torch computes pos_weight − 1), each broadcasting to x's shape.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x = as_float_array(input, "input")
    y = as_float_array(target, "target")
    _check_same_shape(x, y)
    w = _elementwise_weight(weight, "weight", x, y)
    pw = None if pos_weight is None else _elementwise_weight(pos_weight, "pos_weight", x, y, allow_bool=False)
    return x, y, w, pw, reduction


def _prepare_soft_margin(input, target, size_average, reduce, reduction):
    """soft_margin_loss' preamble: (x, t, reduction); the labels t broadcast to x's shape (not beyond)."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    x = as_float_array(input, "input")
    t = _operand(target, "target", x)
    _check_fits(t, "target", x.shape)
    return x, t, reduction


def _prepare_multilabel(input, target, weight, size_average, reduce, reduction):
    """multilabel_soft_margin_loss' preamble: (x, y, w, reduction).

    x has at least one axis (its last axis holds the C classes); y and w (1 when None)
    broadcast with x freely, as in torch. 'elementwise_mean' is refused, as in torch.
    """
    reduction = resolve_reduction(size_average, reduce, reduction, elementwise_mean=False)
    x = as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError("input must have at least 1 dimension (its last axis holds the classes), got a 0-d array")
    y = _operand(target, "target", x, allow_bool=False)
    w = 1 if weight is None else _operand(weight, "weight", x, y)
    broadcast_shape(("input", x.shape), ("target", y.shape), ("weight", np.shape(w)))
    return x, y, w, reduction


# ----------------------------------------------------------------------------- binary cross-entropy
@ieee()
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Cross-entropy of probabilities: ℓ = −w·[ y·max(log p, −100) + (1 − y)·max(log(1 − p), −100) ].

    The negative log-likelihood of a yes/no outcome y under the probability p of "yes". `input`
    p and `target` y are probabilities of the same shape and dtype; `weight` w broadcasts to
    their shape, and 'mean' divides by the number of elements. torch clamps each log at −100, so a
    confident wrong answer costs 100 instead of inf. For logits use
    `binary_cross_entropy_with_logits`: it stays exact where this one saturates.

    Reference: torch.nn.BCELoss.
    """
    p, y, w, reduction = _prepare_bce(input, target, weight, size_average, reduce, reduction)
    log_p = np.maximum(np.log(p), -100)
    log_q = np.maximum(np.log1p(-p), -100)  # log(1 − p)
    loss = -w * (y * log_p + (1 - y) * log_q)
    return apply_reduction(_in_dtype_of(p, loss), reduction)


@ieee()
def binary_cross_entropy_backward(
    grad_output, input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """∂ℓ/∂p = w·(p − y) / max(p(1 − p), ε),  ε ≈ 1e-12, times g (and 1/N for 'mean').

    From d/dp[−y log p − (1 − y) log(1 − p)] = −y/p + (1 − y)/(1 − p) = (p − y)/(p(1 − p)).
    Like torch, the gradient ignores the −100 clamp of the forward and floors the denominator
    at ε instead, so at p = 0 or 1 it is huge but finite.
    """
    p, y, w, reduction = _prepare_bce(input, target, weight, size_average, reduce, reduction)
    g, n = _upstream(grad_output, p.shape, reduction, p.dtype)  # n = N for 'mean', else 1
    return grad_like(g * (p - y) / np.maximum(p * (1 - p), _EPS) * w / n, input)


# ----------------------------------------------------------------------------- BCE with logits
@ieee()
def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """BCE on logits: ℓ = w·[ (1 − y)·x + ℓ_w·softplus(−x) ],  ℓ_w = 1 + (pw − 1)·y.

    This is −w·[ pw·y·log σ(x) + (1 − y)·log(1 − σ(x)) ] rewritten with softplus, so it stays
    finite for any finite logit (x = −1e4, y = 1 gives 1e4). `pos_weight` pw scales the positive
    term, e.g. pw = #negatives/#positives for imbalanced labels; `weight` w and pw broadcast to
    the input's shape (a (C,) pos_weight weighs each class of an (N, C) input). Targets are not
    range-checked (y = 2 is accepted), and the result has the target's dtype, as in torch.

    Reference: torch.nn.BCEWithLogitsLoss.
    """
    x, y, w, pw, reduction = _prepare_logits(input, target, weight, pos_weight, size_average, reduce, reduction)
    lw = 1 if pw is None else (pw - 1) * y + 1
    loss = w * ((1 - y) * x + _in_dtype_of(x, lw * _softplus(-x)))
    return apply_reduction(_in_dtype_of(y, loss), reduction)


@ieee()
def binary_cross_entropy_with_logits_backward(
    grad_output, input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """∂ℓ/∂x = w·[ (pw·y + 1 − y)·σ(x) − pw·y ]  (σ(x) − y without weights).

    From d softplus(−x)/dx = −σ(−x) = σ(x) − 1:
    ∂ℓ/∂x = w·[ (1 − y) + ℓ_w·(σ(x) − 1) ], and ℓ_w − (1 − y) = pw·y collects the terms.
    """
    x, y, w, pw, reduction = _prepare_logits(input, target, weight, pos_weight, size_average, reduce, reduction)
    g, n = _upstream(grad_output, x.shape, reduction, np.result_type(x, y))  # n = N for 'mean', else 1
    p = _sigmoid(x)
    d = p - y if pw is None else (pw * y + 1 - y) * p - pw * y
    return grad_like(d * g * w / n, input)


# ----------------------------------------------------------------------------- soft margin
@ieee()
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss with labels t = ±1: ℓ = log(1 + e^{−t·x}).

    It equals softplus(−t·x), the logistic regression loss written with the margin t·x: BCE with
    logits for the label y = (1 + t)/2. torch computes it NAIVELY, as log1p(exp(−t·x)), which
    overflows to inf once −t·x > 709.78 in float64 (88.72 in float32): x = −1000, t = 1 gives
    inf where the true loss is 1000. lossedu copies that on purpose (parity with torch, inf
    included). `target` may broadcast to the input's shape; the result has the input's dtype.

    Reference: torch.nn.SoftMarginLoss.
    """
    x, t, reduction = _prepare_soft_margin(input, target, size_average, reduce, reduction)
    loss = np.log1p(np.exp(_in_dtype_of(x, -x * t)))
    return apply_reduction(loss, reduction)


@ieee()
def soft_margin_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean"):
    """∂ℓ/∂x = −t·e^{−tx} / (1 + e^{−tx})  (= −t·σ(−tx)), computed naively like torch.

    Where e^{−tx} overflows the ratio is inf/inf = nan, torch's nan gradient.
    """
    x, t, reduction = _prepare_soft_margin(input, target, size_average, reduce, reduction)
    g = reduction_backward(grad_output, x.shape, reduction, x.dtype)
    z = np.exp(-t * x)
    return grad_like(-_in_dtype_of(x, t * z) / (1 + z) * g, input)


# ----------------------------------------------------------------------------- multi-label soft margin
@ieee()
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """One binary cross-entropy per class, averaged over the classes (the LAST axis):

    ℓ = (1/C)·Σ_c w_c·[ y_c·softplus(−x_c) + (1 − y_c)·softplus(x_c) ],
    softplus(−x) = −log σ(x) and softplus(x) = −log σ(−x).

    A sample with C tags is C independent yes/no questions. An (N, C) input gives a 'none' loss
    of shape (N,), a (C,) input a 0-d one; 'mean' averages those. `target` and `weight` (e.g.
    (C,) or (N, 1)) broadcast with the input; if they enlarge it, torch still sums over axis
    input.ndim − 1 of the broadcast loss and divides by C = input.shape[-1].

    Reference: torch.nn.MultiLabelSoftMarginLoss.
    """
    x, y, w, reduction = _prepare_multilabel(input, target, weight, size_average, reduce, reduction)
    loss = w * (y * _softplus(-x) + (1 - y) * _softplus(x))
    loss = _sum_over(loss, axis=x.ndim - 1) / x.shape[-1]
    return apply_reduction(loss, reduction)


@ieee()
def multilabel_soft_margin_loss_backward(
    grad_output, input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """∂ℓ/∂x_c = w_c·(σ(x_c) − y_c) / C.

    d/dx_c [y_c·softplus(−x_c) + (1 − y_c)·softplus(x_c)] = −y_c·σ(−x_c) + (1 − y_c)·σ(x_c)
    = σ(x_c) − y_c. The upstream gradient of each sample is shared by its C classes.
    """
    x, y, w, reduction = _prepare_multilabel(input, target, weight, size_average, reduce, reduction)
    d = w * (_sigmoid(x) - y) / x.shape[-1]
    g = _per_sample(grad_output, d, x.ndim - 1, reduction)
    return grad_like(d * g, input)


def _per_sample(grad_output, d, axis, reduction):
    """The upstream gradient of each sample (the loss summed over `axis`), with that axis back as 1."""
    g = reduction_backward(grad_output, d.shape[:axis] + d.shape[axis + 1:], reduction, d.dtype)
    return np.expand_dims(g, axis)
