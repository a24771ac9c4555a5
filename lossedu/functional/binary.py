"""Binary and multi-label losses: one independent yes/no decision per element.

With x a logit, σ(x) = 1 / (1 + e^{−x}) the probability of "yes" it encodes, and y the target:

    binary_cross_entropy              ℓ = −w·[ y·log p + (1 − y)·log(1 − p) ]      (input is p ∈ [0, 1])
    binary_cross_entropy_with_logits  ℓ = w·[ (1 − y)·x + (1 + (pw − 1)·y)·softplus(−x) ]
    soft_margin_loss                  ℓ = log(1 + e^{−y·x})                          (y = ±1)
    multilabel_soft_margin_loss       ℓ = (1/C)·Σ_c w_c·[ −y_c·log σ(x_c) − (1 − y_c)·log σ(−x_c) ]

The second is the first with p = σ(x), because −log σ(x) = softplus(−x) and
−log(1 − σ(x)) = −log σ(−x) = x + softplus(−x). Working with logits lets us evaluate

    softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}),

which never exponentiates a positive number: finite for logits of ±1e4, where computing
σ(x) first would round p to exactly 0 or 1 and the log would give inf. The derivatives all
come from one identity, d softplus(z)/dz = σ(z), hence d log σ(x)/dx = σ(−x) = 1 − σ(x) and

    ∂ℓ/∂x = w·[ (pw·y + 1 − y)·σ(x) − pw·y ]      (= w·(σ(x) − y) when pw = 1).

Reference: torch.nn.functional (torch 2.13): BCELoss, BCEWithLogitsLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss.
"""
from __future__ import annotations


import numpy as np

from ._core import (
    ieee,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    grad_like,
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

# ATen's BCE backward guards x(1 − x) with a *float* 1e-12, so even in float64 the floor is
# float32(1e-12) = 9.999999960041972e-13, not 1e-12: at x = 0, y = .5 this is visible.
_BCE_EPS = np.float32(1e-12)

# torch clamps each log of binary_cross_entropy at −100, so p = 0 costs 100, not inf.
_LOG_FLOOR = -100


# ----------------------------------------------------------------------------- stable pieces
# Speed: these run on every element, so each one makes as few passes over the data as it can
# and updates the temporaries it creates in place (`out=`, `+=`) rather than allocating more.
# np.asarray turns a 0-d result, which numpy returns as a scalar, into an array `out=` accepts.
def _log1p(e):
    """log(1 + e) for e ≥ −1, within a few ulps of np.log1p and ≈ 4× faster in float32.

    numpy's log is SIMD code but its log1p is not (≈ 4 ms against 16 ms for 2^20 float32s; measured
    at most 4 ulps from the exact value in float32, 1 in float64, over e ∈ [−1, 5e8]). Plain
    log(1 + e) would lose e's low bits when 1 + e is rounded to u, but for |e| ≤ 1 the rounding
    error d = (u − 1) − e is computed exactly (Fast2Sum), and log(1 + e) = log(u − d) ≈ log(u) − d/u
    to within (d/u)². A tiny e gives u = 1 and exactly e back. For e > 1, d/u is at most an ulp,
    negligible next to log(u) > log 2.

    `e` must be a temporary of ours: it is overwritten by u, then by the result, so the whole
    computation needs one more array, not two.
    """
    d = np.asarray(1 + e)
    d -= 1
    d -= e  # d = (u − 1) − e
    u = np.asarray(e)
    u += 1  # e is not needed any more: u = 1 + e again, in its place
    d /= u
    # u = 0 or inf (e = −1 or inf): d/u is 0/0 or (inf − inf)/inf, and log(u) = ∓inf is the answer
    d[np.isnan(d)] = 0
    out = np.log(u, out=u)
    out -= d
    return out


def _softplus_tail(x):
    """log1p(e^{−|x|}): softplus(±x) = log(1 + e^{±x}) = max(±x, 0) + this; the exponent is never positive.

    Both softplus(x) and softplus(−x) share it, so a loss that needs both computes it once.
    """
    e = np.asarray(np.abs(x))
    np.negative(e, out=e)
    return _log1p(np.exp(e, out=e))


def _softplus(z):
    """softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}); the exponent is never positive."""
    out = _softplus_tail(z)
    out += np.maximum(z, 0)
    return out


def _scaled(a, b):
    """a·b, written into `a` (a temporary of ours) when that keeps a's shape and dtype, else new."""
    if np.result_type(a, b) == a.dtype and np.broadcast_shapes(a.shape, np.shape(b)) == a.shape:
        return np.multiply(a, b, out=a)
    return a * b


def _sigmoid(x):
    """σ(x) = 1/(1 + e^{−x}), written as torch's kernel writes it: e^{−x} = inf for x ≪ 0 gives 1/inf = 0."""
    s = np.asarray(np.negative(x))
    np.exp(s, out=s)
    s += 1
    return np.reciprocal(s, out=s)


# ----------------------------------------------------------------------------- argument checks
def _operand(a, name, *, allow_bool=True):
    """`a` as an array torch would multiply into a float loss: floats, ints (and bools if allowed)."""
    if a is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    arr = np.asarray(a)
    if arr.dtype.kind not in ("fiub" if allow_bool else "fiu"):
        accepted = "float, int or bool" if allow_bool else "float or int, not bool"
        raise TypeError(f"{name} must be a numeric array ({accepted}), got dtype {arr.dtype}")
    return arr


def _join(a, *others):
    """`a` in the dtype torch computes a·others in (torch's promotion, not numpy's): ints and
    bools take the floats' dtype, and a 0-d float64 never widens a float32 array with dimensions."""
    return a.astype(result_dtype(a, *others), copy=False)


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


def _weight(weight, name, x, *others):
    """An optional elementwise weight: None, or an array broadcastable to x's shape (not beyond)."""
    if weight is None:
        return None
    w = _operand(weight, name)
    _check_fits(w, name, x.shape)
    return _join(w, x, *others)


def _weighted(values, w):
    """values·w kept in values' dtype: torch multiplies the weight in place (`loss.mul_(weight)`),
    and so do we: `values` is always a temporary of ours (w broadcasts to it without enlarging it)."""
    if w is None:
        return values
    values = np.asarray(values)
    return np.multiply(values, w, out=values)


# ----------------------------------------------------------------------------- binary cross-entropy
def _bce_arguments(input, target, weight):
    """(x, y, w) for binary_cross_entropy, checked in torch's order; w is None or broadcastable to x."""
    x = as_float_array(input, "input")
    y = as_float_array(target, "target")
    _check_same_shape(x, y)
    if y.dtype != x.dtype:
        raise TypeError(
            f"target must have input's dtype {x.dtype}, got {y.dtype} "
            "(binary_cross_entropy does not promote dtypes)"
        )
    w = _weight(weight, "weight", x)
    _check_unit_interval(x, "input")
    _check_unit_interval(y, "target")
    return x, y, w


@ieee()
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Cross-entropy of probabilities: ℓ = −w·[ y·max(log x, −100) + (1 − y)·max(log(1 − x), −100) ].

    `input` x and `target` y are probabilities in [0, 1] of the same shape and dtype (anything
    else, nan included, is an error). Each log is clamped at −100 separately, so a confident
    wrong answer costs 100 instead of inf. `weight` broadcasts to the input's shape; 'mean'
    divides by numel. For logits use `binary_cross_entropy_with_logits`: it is exact where
    this one saturates.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, y, w = _bce_arguments(input, target, weight)  # x and y share one dtype: in-place is safe
    log_q = _log1p(-x)
    np.maximum(log_q, _LOG_FLOOR, out=log_q)  # log 0 = −inf is exactly what the clamp is for
    log_p = np.asarray(np.log(x))
    np.maximum(log_p, _LOG_FLOOR, out=log_p)
    loss = np.asarray(y - 1)
    loss *= log_q
    log_p *= y
    loss -= log_p  # (y − 1)·log_q − y·log_p
    return apply_reduction(_weighted(loss, w), reduction)


@ieee()
def binary_cross_entropy_backward(
    grad_output, input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """∂ℓ/∂x = w·(x − y) / max(x(1 − x), ε), with ε = float32(1e-12).

    From d/dx[−y log x − (1 − y) log(1 − x)] = −y/x + (1 − y)/(1 − x) = (x − y)/(x(1 − x)).
    Like torch, the gradient ignores the −100 clamp of the forward and instead floors the
    denominator at ε, so at x = 0 or 1 it is huge but finite (x = 0, y = .5 → −5.000000019979e11).
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, y, w = _bce_arguments(input, target, weight)
    g = reduction_backward(grad_output, x.shape, reduction, x.dtype)
    eps = _BCE_EPS.astype(x.dtype)
    denominator = np.asarray(1 - x)
    denominator *= x
    np.maximum(denominator, eps, out=denominator)
    grad = np.asarray(x - y)
    grad *= g
    grad /= denominator  # g·(x − y) / max((1 − x)·x, ε)
    return grad_like(_weighted(grad, w), input)


# ----------------------------------------------------------------------------- BCE with logits
def _bce_logits_arguments(input, target, weight, pos_weight):
    """(x, y, w, pw) for binary_cross_entropy_with_logits; w and pw are None or broadcastable to x."""
    x = as_float_array(input, "input")
    y = as_float_array(target, "target")
    _check_same_shape(x, y)
    w = _weight(weight, "weight", x, y)
    pw = _weight(pos_weight, "pos_weight", x, y)
    return x, y, w, pw


@ieee()
def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """BCE on logits: ℓ = w·[ (1 − y)·x + lw·softplus(−x) ], lw = 1 + (pw − 1)·y.

    This is −w·[ pw·y·log σ(x) + (1 − y)·log(1 − σ(x)) ] rewritten with softplus, so it stays
    finite for any finite logit (x = −1e4, y = 1 gives 1e4). `pos_weight` pw scales the positive
    term, e.g. pw = #negatives/#positives for imbalanced labels. `weight` and `pos_weight`
    broadcast to the input's shape (a (C,) pos_weight weighs each class of an (N, C) input);
    target must have the input's shape. Targets are not range-checked (y = 2 is accepted, as in
    torch). The result has the target's dtype (torch builds the loss from `1 − target` in place).
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, y, w, pw = _bce_logits_arguments(input, target, weight, pos_weight)
    # torch evaluates lw·log σ(x) in a tensor of the input's dtype, even when the target is wider
    # (its log_sigmoid, min(x, 0) − log1p(e^{−|x|}), is exactly −softplus(−x))
    positive = _softplus(-x)
    if pw is not None:
        lw = (pw - 1) * y + 1
        positive = (lw * positive).astype(x.dtype, copy=False)
    loss = np.asarray((1 - y) * x)  # in the wider of x's and y's dtypes, so adding in place is safe
    loss += positive
    return apply_reduction(_weighted(loss, w).astype(y.dtype, copy=False), reduction)


@ieee()
def binary_cross_entropy_with_logits_backward(
    grad_output, input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """∂ℓ/∂x = w·[ (pw·y + 1 − y)·σ(x) − pw·y ]  (σ(x) − y without weights).

    From d softplus(−x)/dx = −σ(−x) = σ(x) − 1:
    ∂ℓ/∂x = w·[ (1 − y) + lw·(σ(x) − 1) ] and lw = 1 − y + pw·y collects the terms.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, y, w, pw = _bce_logits_arguments(input, target, weight, pos_weight)
    # the result has y's dtype, but torch scales the gradient in the wider of x's and y's
    g = reduction_backward(grad_output, x.shape, reduction, result_dtype(x, y))
    if pw is None:
        d = np.asarray(_sigmoid(x) - y)
    else:
        t = pw * y
        d = np.asarray((t + 1 - y) * _sigmoid(x) - t)
    d *= g  # d has the input's shape and at least g's dtype (the wider of x's and y's)
    return grad_like(_weighted(d, w), input)


# ----------------------------------------------------------------------------- soft margin
def _soft_margin_arguments(input, target):
    """(x, y): y may broadcast to x's shape but not beyond; an int/bool y joins in x's dtype."""
    x = as_float_array(input, "input")
    y = _join(_operand(target, "target"), x)
    _check_fits(y, "target", x.shape)
    return x, y


@ieee()
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss with labels y = ±1: ℓ = log(1 + e^{−y·x}).

    It equals softplus(−y·x), the logistic regression loss written with a margin y·x.
    Computed NAIVELY, as torch does: log1p(exp(−y·x)) overflows to inf once −y·x > ~709.78 in
    float64 (~88.72 in float32), e.g. x = −1000, y = 1 gives inf where the true loss is 1000.
    We copy that on purpose: lossedu promises parity with torch, inf and nan positions
    included. The stable form would be softplus(−y·x) = max(−yx, 0) + log1p(e^{−|yx|}).
    The result has the input's dtype (torch writes into a tensor like the input).
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, y = _soft_margin_arguments(input, target)
    z = np.asarray((x * y).astype(x.dtype, copy=False))  # a new array (the product, or its cast)
    np.negative(z, out=z)  # −(x·y) = (−x)·y exactly
    loss = _log1p(np.exp(z, out=z))  # overflows like torch, see above
    return apply_reduction(loss, reduction)


@ieee()
def soft_margin_loss_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean"):
    """∂ℓ/∂x = −y·e^{−yx} / (1 + e^{−yx})  (= −y·σ(−yx)), computed naively like torch.

    Where e^{−yx} overflows the ratio is inf/inf = nan, exactly torch's nan gradient; the stable
    form −y·σ(−yx) would give −y there.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    x, y = _soft_margin_arguments(input, target)
    g = reduction_backward(grad_output, x.shape, reduction, x.dtype)
    z = np.asarray(y * x)  # in the wider of x's and y's dtypes
    np.negative(z, out=z)  # −(y·x) = (−y)·x exactly
    np.exp(z, out=z)
    # torch stores y·z in a tensor of the input's dtype before dividing, so a float32
    # input with a float64 target overflows to −inf there, not to nan.
    grad = np.asarray((y * z).astype(x.dtype, copy=False))
    np.negative(grad, out=grad)
    z += 1
    grad /= z  # computed in z's dtype, stored in the input's, as torch does
    grad *= g
    return grad_like(grad, input)


# ----------------------------------------------------------------------------- multi-label soft margin
def _mlsm_arguments(input, target, weight):
    """(x, y, w, shape, dtype): y and w broadcast with x (freely, as in torch) to `shape`."""
    x = as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError("input must have at least 1 dimension (its last axis holds the classes), got a 0-d array")
    y = _join(_operand(target, "target", allow_bool=False), x)
    named = [("input", x.shape), ("target", y.shape)]
    w = None
    if weight is not None:
        w = _join(_operand(weight, "weight"), x, y)
        named.append(("weight", w.shape))
    return x, y, w, broadcast_shape(*named), result_dtype(x, y, w)


def _class_axis(x):
    """torch sums over dim input.dim() − 1 of the (possibly larger) broadcast loss."""
    return x.ndim - 1


@ieee()
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """One binary cross-entropy per class, averaged over classes: the class axis is the LAST axis.

    e_c = −[ y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c) ] = y_c·softplus(−x_c) + (1 − y_c)·softplus(x_c)
    (the stable form; the same numbers as torch's logsigmoid), ℓ = Σ_c w_c·e_c / C.
    An (N, C) input gives a 'none' loss of shape (N,), a (C,) input a 0-d one; 'mean' averages
    those. `target` and `weight` (e.g. (C,) or (N, 1)) broadcast with input. torch quirk we copy:
    if they enlarge the shape, the sum still runs over axis input.ndim − 1 of the broadcast
    loss, divided by C = input.shape[-1]. 'elementwise_mean' is refused, as in torch.
    """
    reduction = resolve_reduction(size_average, reduce, reduction, elementwise_mean=False)
    x, y, w, _, _ = _mlsm_arguments(input, target, weight)
    tail = _softplus_tail(x)  # one exp and one log for both softplus(−x) and softplus(x)
    negative = np.maximum(-x, 0)
    negative += tail  # softplus(−x)
    tail += np.maximum(x, 0)  # softplus(x)
    e = _scaled(negative, y)  # in the broadcast shape and the wider of x's and y's dtypes
    e += _scaled(tail, 1 - y)
    if w is not None:
        e = e * w
    loss = np.sum(e, axis=_class_axis(x), dtype=e.dtype) / x.shape[-1]  # C = 0: 0/0 = nan, as in torch
    return apply_reduction(np.asarray(loss, dtype=e.dtype), reduction)


@ieee()
def multilabel_soft_margin_loss_backward(
    grad_output, input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """∂ℓ/∂x_c = w_c·(σ(x_c) − y_c) / C.

    d e_c/dx_c = −y_c·σ(−x_c) + (1 − y_c)·σ(x_c) = σ(x_c) − y_c, using d log σ(x)/dx = σ(−x).
    The upstream gradient of each row is shared by its C classes (the sum's gradient).
    """
    reduction = resolve_reduction(size_average, reduce, reduction, elementwise_mean=False)
    x, y, w, shape, dtype = _mlsm_arguments(input, target, weight)
    axis = _class_axis(x)
    g = reduction_backward(grad_output, shape[:axis] + shape[axis + 1:], reduction, dtype)
    d = np.asarray(_sigmoid(x) - y)
    if w is not None:
        d = d * w  # not in place: w may enlarge the shape or widen the dtype
    d /= x.shape[-1]  # d is a fresh array, so dividing it in place costs no copy
    d *= np.expand_dims(g, axis)  # g has d's dtype, and its shape once the class axis is back
    return grad_like(d, input)
