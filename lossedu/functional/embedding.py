"""Ranking and embedding losses: compare two (or three) inputs, not an input with a label.

    margin_ranking_loss      ℓ = max(0, −y·(x1 − x2) + m)                y = ±1: which input ranks higher
    cosine_embedding_loss    ℓ = 1 − cos(a, b)              if y = 1      pull a pair together
                             ℓ = max(0, cos(a, b) − m)      if y = −1     push it apart
    triplet_margin_loss      ℓ = max(0, m + d(a, p) − d(a, n))           anchor nearer its positive
                             with d(u, v) = ‖u − v + eps‖_p over the last axis
    triplet_margin_with_distance_loss   the same hinge with any distance d

All the hinges are torch's `clamp_min(z, 0)`, whose gradient counts z = 0 as active (≥, not >).
With `swap=True` the triplet losses use min(d(a, n), d(p, n)) as the negative distance
(Balntas et al., "Learning local feature descriptors with triplets and shallow convolutional
neural networks", BMVC 2016).

`triplet_margin_with_distance_loss` takes a numpy distance function. Its `_backward` needs that
function's gradient too: a distance carries it as an attribute, `distance.backward(grad, x1, x2)
→ (grad_x1, grad_x2)`. `pairwise_distance` and `cosine_distance` come with one; `with_backward`
attaches one to your own distance.

Each public function starts with a `_prepare_…` call (argument checks, torch's dtype promotion,
broadcasting, the legacy reduction arguments); what follows it is the formula.

Reference: torch.nn.functional and ATen's Loss.cpp / Distance.cpp / LinearAlgebra.cpp,
FunctionsManual.cpp's norm_backward (torch 2.13).

Matching torch at the edges
---------------------------
* Hinges. `clamp_min(z, 0)` passes the gradient where z ≥ 0, so a pair exactly on the margin
  still learns; a nan z gives a nan loss and no gradient (`np.where(z >= 0, g, 0)`).
* The cosine of cosine_embedding_loss is Σab / √((Σa² + ε)(Σb² + ε)), ε the C++ float 1e-12f
  (9.999999960041972e-13 in float64, and 0 once rounded to float16): ε sits inside each squared
  norm, there is no clamp. A zero vector has cos = 0 and a gradient of order 1/√ε ≈ 1e6 (float64
  1e-12 instead changes it in the 8th digit); in float16 the zero vector gives 0/0 = nan, as in
  torch. Every product is rounded in the inputs' dtype as torch rounds it, so in float16 a² of
  300 is inf and A·B overflows beyond about 255² — torch gives the same infs and nans. Only the
  sums are accumulated in float32 (`_sum`): torch adds half values in float32 and rounds once.
  The gradient goes back through cos = a·b/r, r = √(A·B), one node at a time as autograd does
  (∂cos/∂r = −cos/r, ∂r/∂(AB) = 1/(2r), …), not by the multiplied-out b/r − cos·a/A: where A·B
  overflows, torch meets 0·∞ = nan, which the multiplied-out form would cancel to 0.
* `cosine_distance` follows F.cosine_similarity instead: each norm is clamped at eps (not ε
  inside), and the gradient goes through the norm as if unclamped (torch clamps under no_grad).
* pairwise_distance adds eps to the difference, then takes torch.linalg.vector_norm of the last
  axis: Σ|v|^p, then ^(1/p), with no rescaling, so (Σ v²) overflows from |v| ≈ 1.3e154 in float64
  exactly where torch's does. Two of its rules matter at the edges: an axis of one number returns
  |v| itself (no power, so 1e308 stays finite: the "triplet with 1e308 and swap" case), and float16
  is reduced in float32 and rounded once (the norm of 300 is 300, not √inf).
* The norm's gradient follows torch's norm_backward case by case, in its order of operations:
  p = 1: sign(v)·g;  p = 2: g·(v/‖v‖), 0 where ‖v‖ = 0;  p = ±∞: sign(v)·(g/#ties)·[|v_i| = ‖v‖ or
  nan];  p < 1: sign(v)·|v|^(p−1) (0 where v = 0)·g·‖v‖^(1−p);  1 < p < 2: sign(v)·|v|^(p−1)·
  (g/‖v‖^(p−1));  p > 2: v·|v|^(p−2)·(g/‖v‖^(p−1)), the last two 0 where ‖v‖ = 0. sign is torch's:
  sign(nan) = 0. Its powers are torch's `pow` (`_pow`), which computes x^−2 as 1/(x·x), x³ as x·x·x
  and x^−½ as 1/√x (the first two not in float16): in float32 (1e20)^−2 is then 0, not the
  subnormal 1e-40, and 0·‖v‖² = 0·∞ gives torch's nan. The forward norm uses std::pow itself, as
  `x ** p` does.
* swap takes torch.minimum's gradient: all of it to the smaller distance, half to each on a tie,
  all of it to both where one is nan.
* Dtypes follow torch's type promotion operation by operation: x1 − x2 in the two inputs'
  common dtype (an integer array joins the other's floating dtype, float32 if both are integers),
  then the target's dtype joins in the product. So float16 scores with an int32 target stay
  float16, and two float16 embeddings beside a float64 one are subtracted in float16 exactly as
  torch does, while every pair with the float64 array is computed in float64. Python scalars
  (margin, eps) are rounded to the array's dtype before the operation, where torch computes the
  operation in float32 and rounds once; for float16 the two can differ in the last bit.
  Integer arrays are converted before they are subtracted, so differences of integers beyond
  float32's 2^24 round where torch's integer arithmetic is exact. cosine_embedding_loss converts
  integer inputs to float32 (torch sums their squares as int64 and adds ε in float32); beside a
  float16 input torch rounds the products a·b in float16 and we do not. Left open on purpose: torch
  uses the integer input in two dtypes (float16 in a·b, int64 in Σa²), and `_cosine` writes one
  array a into both; the tests pin it against torch (strict xfail) and compare that pair at
  moderate scales, where the two agree to float16's precision.
* Summation order: torch adds float32 norms and sums in its own vectorised order, so a float32
  distance can differ from ours in the last bits; a float64 result computed from float32 (or
  float16) parts agrees to the narrower dtype's precision.
"""
from __future__ import annotations

import functools

import numpy as np

from ._core import (
    accumulated_sum,
    accumulator,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_grad_output,
    check_reduction,
    check_scalar,
    grad_like,
    ieee,
    reduction_backward,
    resolve_reduction,
    result_dtype,
    sum_to_shape,
    torch_sign,
)

__all__ = [
    "margin_ranking_loss",
    "margin_ranking_loss_backward",
    "cosine_embedding_loss",
    "cosine_embedding_loss_backward",
    "triplet_margin_loss",
    "triplet_margin_loss_backward",
    "triplet_margin_with_distance_loss",
    "triplet_margin_with_distance_loss_backward",
    "pairwise_distance",
    "pairwise_distance_backward",
    "cosine_distance",
    "cosine_distance_backward",
    "with_backward",
]

# ATen adds a C++ `float` 1e-12 to the squared norms (see "Matching torch at the edges").
_COSINE_EPS = float(np.float32(1e-12))


# ============================================================================= the preamble
# Checks, dtypes and shapes, in torch's order. Notebook 00 explains this part once; the
# lectures show what comes after it.
def _real(value, name):
    """A numeric option as a Python float, so a numpy float64 scalar cannot promote float32 arrays."""
    return float(check_scalar(value, name))


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _positive_margin(margin):
    margin = _real(margin, "margin")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return margin


def _numeric(x, name):
    """`x` as a float or integer array (torch cannot subtract bools or order complex numbers)."""
    if x is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    a = np.asarray(x)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a float (or integer) array, got dtype {a.dtype}")
    return a


def _float_dtype(*arrays):
    """torch's result dtype of an operation on `arrays`; float32 (torch's default) if all are integers."""
    dtype = result_dtype(*arrays)
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _floats(arrays, dtype):
    """The integer arrays among `arrays` converted to `dtype`, the floating ones as they are."""
    return tuple(a if a.dtype.kind == "f" else a.astype(dtype) for a in arrays)


def _grad_like(grad, x):
    """grad_like(grad, x) for a term of ∂ℓ/∂x that may be narrower than x (the other input of a
    pair was broadcast along the vector axis: then every entry of x gets it), and that leaves an
    integer x, which torch cannot differentiate, a float gradient."""
    grad = np.broadcast_to(grad, np.broadcast_shapes(np.shape(grad), x.shape))
    return grad_like(grad, x) if x.dtype.kind == "f" else sum_to_shape(grad, x.shape)


def _prepare_ranking(input1, input2, target, margin, size_average, reduce, reduction):
    """margin_ranking_loss's checks, then x1, x2 and y in the dtypes torch computes them in.

    All three need the same number of dimensions, then broadcast. x1 − x2 is computed in the
    inputs' common dtype and y joins in the product, so an integer array takes the floating
    dtype of its partner in that operation (float16 scores with an int32 target stay float16).
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _real(margin, "margin")
    x1, x2 = _numeric(input1, "input1"), _numeric(input2, "input2")
    y = np.asarray(target)
    if y.dtype.kind not in "iuf":
        raise TypeError(f"target must be an array of ±1 (float or integer), got dtype {y.dtype}")
    if not x1.ndim == x2.ndim == y.ndim:
        raise ValueError(
            "input1, input2 and target must have the same number of dimensions, got "
            f"input1 {x1.shape}, input2 {x2.shape}, target {y.shape}"
        )
    broadcast_shape(("input1", x1.shape), ("input2", x2.shape), ("target", y.shape))
    whole = _float_dtype(x1, x2, y)
    pair = result_dtype(x1, x2)
    x1, x2 = _floats((x1, x2), pair if pair.kind == "f" else whole)
    y = y if y.dtype.kind == "f" else y.astype(whole)
    return x1, x2, y, margin, reduction


def _prepare_cosine(input1, input2, target, margin, size_average, reduce, reduction):
    """cosine_embedding_loss's checks; returns a, b, y (broadcast to the loss's shape, with a
    trailing axis of length 1 so that it lines up with the cosines), margin and reduction.

    A 1-D target (N) pairs with 2-D inputs (N, D); a 0-d target with 1-D inputs (D). The inputs
    broadcast with each other, and the target with the batch.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _real(margin, "margin")
    a = as_float_array(input1, "input1", allow_int=True)
    b = as_float_array(input2, "input2", allow_int=True)
    y = np.asarray(target)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"target must be an array of ±1 labels, got dtype {y.dtype}")
    if y.ndim > 1:
        raise ValueError(f"target must be 0-d or 1-D (one ±1 label per pair), got shape {y.shape}")
    want = y.ndim + 1
    if not a.ndim == b.ndim == want:
        raise ValueError(
            f"a {y.ndim}-D target expects {want}-D input1 and input2, got input1 {a.shape} and input2 {b.shape}"
        )
    batch = broadcast_shape(("input1", a.shape), ("input2", b.shape))[:-1]
    shape = broadcast_shape(("target", y.shape), ("the batch of input1 and input2", batch))
    return a, b, np.broadcast_to(y, shape)[..., None], margin, reduction


def _prepare_distance(x1, x2, p, eps, keepdim):
    """pairwise_distance's checks; x1 and x2 in the dtype torch subtracts them in.

    Two 0-d inputs give a 0-d distance whatever keepdim says (torch's rule), so keepdim is
    turned off for them.
    """
    p, eps, keepdim = _real(p, "p"), _real(eps, "eps"), _flag(keepdim, "keepdim")
    x1, x2 = _numeric(x1, "x1"), _numeric(x2, "x2")
    shape = broadcast_shape(("x1", x1.shape), ("x2", x2.shape))
    if shape and shape[-1] == 0 and (p < 0 or np.isinf(p)):
        raise ValueError(f"the p={p} norm of an empty last axis is undefined (it has no identity)")
    x1, x2 = _floats((x1, x2), _float_dtype(x1, x2))
    return x1, x2, p, eps, keepdim and bool(shape)


def _kept_axis(grad_output, d, keepdim):
    """grad_output (shaped like the distance) on the norm's kept axis, in the distance's dtype."""
    return check_grad_output(grad_output, d.shape if keepdim else d.shape[:-1], d.dtype).reshape(d.shape)


def _prepare_cosine_distance(x1, x2, eps):
    """cosine_distance's checks; x1 and x2 in their common dtype (integers and bools join the
    other's floating dtype) and broadcast to one shape, as torch.cosine_similarity does."""
    a, b = np.asarray(x1), np.asarray(x2)
    for x, name in ((a, "x1"), (b, "x2")):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a float (or integer) array, got dtype {x.dtype}")
    shape = broadcast_shape(("x1", a.shape), ("x2", b.shape))
    if not shape:
        raise ValueError("x1 and x2 must be vectors (at least 1-D): the cosine is taken over the last axis")
    a, b = _floats((a, b), _float_dtype(a, b))
    return np.broadcast_to(a, shape), np.broadcast_to(b, shape), _real(eps, "eps")


def _triplet_arrays(anchor, positive, negative):
    arrays = tuple(
        _numeric(x, name) for x, name in ((anchor, "anchor"), (positive, "positive"), (negative, "negative"))
    )
    a, p, n = (x.ndim for x in arrays)
    if not a == p == n:
        raise ValueError(
            "anchor, positive and negative must have the same number of dimensions, got "
            f"anchor {a}-D, positive {p}-D and negative {n}-D"
        )
    return arrays


def _check_triplet_shapes(a, p, n, swap):
    """The shapes pairwise_distance would meet, named as the triplet's arguments."""
    pos = broadcast_shape(("anchor", a.shape), ("positive", p.shape))[:-1]
    neg = broadcast_shape(("anchor", a.shape), ("negative", n.shape))[:-1]
    shapes = [("d(anchor, positive)", pos), ("d(anchor, negative)", neg)]
    if swap:
        shapes.append(("d(positive, negative)", broadcast_shape(("positive", p.shape), ("negative", n.shape))[:-1]))
    broadcast_shape(*shapes)


def _pairwise(p, eps):
    """pairwise_distance(·, ·, p, eps) as a distance d(x1, x2) carrying its gradient."""
    return with_backward(functools.partial(pairwise_distance_backward, p=p, eps=eps))(
        functools.partial(pairwise_distance, p=p, eps=eps)
    )


def _user_distance(distance_function):
    """A user's distance with array outputs, and its `.backward` (None if it has none)."""
    def d(x1, x2):
        return np.asarray(distance_function(x1, x2))

    d.backward = getattr(distance_function, "backward", None)
    return d


def _prepare_triplet(anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction):
    """triplet_margin_loss's checks in torch's order (reduction, margin, options, shapes).

    Returns the three arrays as given (each distance promotes its own pair, as torch does),
    the distance d = pairwise_distance(·, ·, p, eps), margin, swap and reduction.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _positive_margin(margin)
    p, eps = _real(p, "p"), _real(eps, "eps")
    swap = _flag(swap, "swap")
    a, pos, n = _triplet_arrays(anchor, positive, negative)
    _check_triplet_shapes(a, pos, n, swap)
    return a, pos, n, _pairwise(p, eps), margin, swap, reduction


def _prepare_triplet_with_distance(anchor, positive, negative, distance_function, margin, swap, reduction,
                                   backward=False):
    """triplet_margin_with_distance_loss's checks in torch's order: reduction (no 'elementwise_mean'),
    margin > 0, equal ndim. The distance defaults to pairwise_distance (p = 2, eps = 1e-6)."""
    reduction = check_reduction(reduction, elementwise_mean=False)
    margin = _positive_margin(margin)
    swap = _flag(swap, "swap")
    a, p, n = _triplet_arrays(anchor, positive, negative)
    if distance_function is None:
        _check_triplet_shapes(a, p, n, swap)
        return a, p, n, _pairwise(2.0, 1e-6), margin, swap, reduction
    if not callable(distance_function):
        raise TypeError(f"distance_function must be a callable (x1, x2) -> distances, got {distance_function!r}")
    if backward and not callable(getattr(distance_function, "backward", None)):
        raise TypeError(
            "distance_function has no gradient: give it a `.backward(grad, x1, x2) -> (grad_x1, grad_x2)` "
            "attribute, e.g. with lossedu.functional.with_backward(your_backward)(your_distance)"
        )
    return a, p, n, _user_distance(distance_function), margin, swap, reduction


# ============================================================================= shared pieces
def _hinge_backward(grad_output, z, reduction):
    """∂(reduced max(0, z))/∂z = g·[z ≥ 0]: torch's clamp_min counts the kink z = 0 as active."""
    g = reduction_backward(grad_output, z.shape, reduction, z.dtype)
    return np.where(z >= 0, g, 0)


def _sum(x):
    """Σ over the last axis, kept as an axis of length 1; float16 is added up in float32 and
    rounded once, as torch does."""
    return accumulated_sum(x, axis=-1, keepdims=True)


# ============================================================================= margin ranking
def _ranking_z(x1, x2, y, margin):
    """z = −y·(x1 − x2) + m: positive while the pair is in the wrong order, or right by less than m."""
    return -y * (x1 - x2) + margin


@ieee()
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = max(0, −y·(x1 − x2) + m).

    y = 1 asks for x1 ≥ x2 + m, y = −1 for x2 ≥ x1 + m: a hinge on the score difference, as in
    a ranking SVM (Herbrich et al., 1999). Other values of y scale the hinge. The three arrays
    need the same number of dimensions and then broadcast.
    """
    x1, x2, y, margin, reduction = _prepare_ranking(input1, input2, target, margin, size_average, reduce, reduction)
    return apply_reduction(np.maximum(_ranking_z(x1, x2, y, margin), 0), reduction)


@ieee()
def margin_ranking_loss_backward(grad_output, input1, input2, target, margin=0, size_average=None, reduce=None,
                                 reduction="mean"):
    """∂ℓ/∂x1 = −y·[z ≥ 0]·g,  ∂ℓ/∂x2 = +y·[z ≥ 0]·g;  returns (grad_input1, grad_input2).

    z is linear in the scores (∂z/∂x1 = −y, ∂z/∂x2 = +y) and the hinge passes g where z ≥ 0.
    """
    x1, x2, y, margin, reduction = _prepare_ranking(input1, input2, target, margin, size_average, reduce, reduction)
    g = _hinge_backward(grad_output, _ranking_z(x1, x2, y, margin), reduction)
    return grad_like(-y * g, x1), grad_like(y * g, x2)


# ============================================================================= cosine embedding
def _cosine(a, b):
    """cos(a, b) = a·b / √(A·B) with A = ‖a‖² + ε and B = ‖b‖² + ε, over the last axis (kept).

    ε inside each squared norm makes the cosine of a zero vector 0 instead of 0/0.
    Returns cos, A and B (the gradient needs them).
    """
    A = _sum(a * a) + _COSINE_EPS
    B = _sum(b * b) + _COSINE_EPS
    return _sum(a * b) / np.sqrt(A * B), A, B


def _cosine_loss(cos, y, margin):
    """ℓ = 1 − cos where y = 1, max(0, cos − m) where y = −1, and 0 for any other y."""
    return np.where(y == 1, 1 - cos, 0) + np.where(y == -1, np.maximum(cos - margin, 0), 0)


@ieee()
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = 1 − cos(a, b) if y = 1;  max(0, cos(a, b) − m) if y = −1;  0 for any other y.

    A similar pair (y = 1) is pulled until a and b point the same way; a dissimilar one (y = −1)
    is pushed only until its cosine is at most m (Hadsell, Chopra and LeCun, 2006, measured by
    angle). cos(a, b) = Σab / √((Σa² + ε)(Σb² + ε)), ε = float32(1e−12).
    """
    a, b, y, margin, reduction = _prepare_cosine(input1, input2, target, margin, size_average, reduce, reduction)
    cos, A, B = _cosine(a, b)
    return apply_reduction(_cosine_loss(cos, y, margin)[..., 0], reduction)


@ieee()
def cosine_embedding_loss_backward(grad_output, input1, input2, target, margin=0, size_average=None, reduce=None,
                                   reduction="mean"):
    """Returns (∂ℓ/∂a, ∂ℓ/∂b).

    ∂ℓ/∂cos = −1 if y = 1, [cos − m ≥ 0] if y = −1, 0 otherwise (times g). Then back through
    cos = a·b / r with r = √(A·B), one node at a time as autograd does it: ∂cos/∂(a·b) = 1/r,
    ∂cos/∂r = −cos/r, ∂r/∂(AB) = 1/(2r), ∂(AB)/∂A = B, ∂A/∂a = 2a. Multiplied out this is
    ∂cos/∂a = b/r − cos·a/A; step by step, an A·B that overflows (float16) gives torch's 0·∞ = nan.
    """
    a, b, y, margin, reduction = _prepare_cosine(input1, input2, target, margin, size_average, reduce, reduction)
    cos, A, B = _cosine(a, b)
    g = reduction_backward(grad_output, y.shape[:-1], reduction, cos.dtype)[..., None]  # one g per pair
    dcos = np.where(y == 1, -g, 0) + np.where((y == -1) & (cos - margin >= 0), g, 0)
    r = np.sqrt(A * B)
    d_r = -dcos * (cos / r)
    d_AB = d_r / (2 * r)
    grad_a = _grad_like(dcos / r * b, a) + _grad_like(2 * (d_AB * B) * a, a)
    grad_b = _grad_like(dcos / r * a, b) + _grad_like(2 * (d_AB * A) * b, b)
    return grad_a, grad_b


# ============================================================================= pairwise distance
def _vector_norm(v, p):
    """‖v‖_p = (Σ_i |v_i|^p)^(1/p) over the last axis, kept as an axis of length 1.

    torch.linalg.vector_norm's conventions: p = ∞ gives max_i |v_i|, p = −∞ the min, p = 0 the
    number of non-zero v_i, and an axis holding one number gives |v| itself.
    """
    if v.shape[-1] == 1 and p != 0:
        return np.abs(v)
    w = v.astype(accumulator(v.dtype), copy=False)  # float16 is summed in float32, as torch does
    if p == 0:
        norm = np.sum(w != 0, axis=-1, keepdims=True)
    elif np.isinf(p):
        norm = (np.max if p > 0 else np.min)(np.abs(w), axis=-1, keepdims=True)
    elif p == 2:
        norm = np.sqrt(np.sum(w * w, axis=-1, keepdims=True))
    else:
        norm = np.sum(np.abs(w) ** p, axis=-1, keepdims=True) ** (1 / p)
    return norm.astype(v.dtype)


def _vector_norm_backward(g, v, norm, p):
    """g·∂‖v‖_p/∂v = g·sign(v)·|v|^(p−1) / ‖v‖^(p−1), case by case as torch's norm_backward:

    p = 1 gives sign(v), p = 2 the unit vector v/‖v‖, p = ±∞ sign(v) on the entries with
    |v_i| = ‖v‖ (shared equally among ties), p = 0 nothing (a count does not change). Where
    ‖v‖ = 0 the gradient is 0 (for p < 1: wherever v_i = 0, since |v_i|^(p−1) would be ∞).
    """
    if p == 0:
        return np.zeros_like(v)
    if p == 1:
        return torch_sign(v) * g
    if p == 2:
        return g * np.where(norm == 0, 0, v / norm)
    if np.isinf(p):
        top = (np.abs(v) == norm) | np.isnan(v)
        return torch_sign(v) * (g / np.sum(top, axis=-1, keepdims=True, dtype=v.dtype) * top)
    if p < 1:
        return torch_sign(v) * np.where(v == 0, 0, _pow(np.abs(v), p - 1)) * g * _pow(norm, 1 - p)
    scale = np.where(norm == 0, 0, g / _pow(norm, p - 1))
    if p < 2:
        return torch_sign(v) * _pow(np.abs(v), p - 1) * scale
    return v * _pow(np.abs(v), p - 2) * scale


@ieee()
def _pow(x, e):
    """x ** e as torch's pow kernel computes it: 1/√x for e = −½, and (except in float16) x·x·x
    for 3 and 1/(x·x) for −2 — shortcuts that round, overflow and underflow unlike pow itself.
    (numpy's own shortcuts for 2, ½, −1 and 1 give torch's numbers.)"""
    if e == -0.5:
        return 1 / np.sqrt(x)
    if e == 3 and x.dtype != np.float16:
        return x * x * x
    if e == -2 and x.dtype != np.float16:
        return 1 / (x * x)
    return x ** e


@ieee()
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """d(x1, x2) = ‖x1 − x2 + eps‖_p over the last axis (x1 and x2 broadcast).

    eps is added to the difference, not to the norm, so d(x, x) = eps·D^(1/p) and
    d(u, v) ≠ d(v, u) in general. `p` follows vector-norm semantics for every real p and ±∞.
    """
    x1, x2, p, eps, keepdim = _prepare_distance(x1, x2, p, eps, keepdim)
    v = np.atleast_1d(x1 - x2 + eps)  # two numbers are two vectors of length 1
    d = _vector_norm(v, p)
    return d if keepdim else d[..., 0]


@ieee()
def pairwise_distance_backward(grad_output, x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """∂d/∂x1 = ∂‖v‖_p/∂v and ∂d/∂x2 = −∂‖v‖_p/∂v, with v = x1 − x2 + eps; returns (grad_x1, grad_x2)."""
    x1, x2, p, eps, keepdim = _prepare_distance(x1, x2, p, eps, keepdim)
    v = np.atleast_1d(x1 - x2 + eps)
    d = _vector_norm(v, p)
    grad_v = _vector_norm_backward(_kept_axis(grad_output, d, keepdim), v, d, p)
    return grad_like(grad_v, x1), grad_like(-grad_v, x2)


# ============================================================================= distances with gradients
def with_backward(backward):
    """Attach a gradient to a numpy distance function, for `triplet_margin_with_distance_loss_backward`.

    `backward(grad, x1, x2)` must return (grad_x1, grad_x2): the upstream gradient `grad` (shaped
    like the distance's output) times ∂distance/∂x1 and ∂distance/∂x2. Use it as a decorator:

        def sq_backward(grad, x1, x2):
            g = 2 * grad[..., None] * (x1 - x2)
            return g, -g

        @with_backward(sq_backward)
        def sq_distance(x1, x2):
            return np.sum((x1 - x2) ** 2, axis=-1)

    It returns a new function (the original is left untouched) carrying `.backward`.
    """
    def attach(distance):
        @functools.wraps(distance)
        def distance_with_backward(x1, x2):
            return distance(x1, x2)

        distance_with_backward.backward = backward
        return distance_with_backward

    return attach


@ieee()
def cosine_distance(x1, x2, eps=1e-8):
    """d(x1, x2) = 1 − cos(x1, x2) over the last axis, with torch.nn.functional.cosine_similarity's
    cos = Σ (a/c_a)·(b/c_b), c = max(‖·‖₂, eps): each vector is divided by its clamped norm first.

    The same as torch's `lambda x1, x2: 1 - F.cosine_similarity(x1, x2, dim=-1, eps=eps)`.
    """
    a, b, eps = _prepare_cosine_distance(x1, x2, eps)
    c_a, c_b = np.maximum(_vector_norm(a, 2), eps), np.maximum(_vector_norm(b, 2), eps)
    return 1 - _sum((a / c_a) * (b / c_b))[..., 0]


@ieee()
def cosine_distance_backward(grad_output, x1, x2, eps=1e-8):
    """∂d/∂a = −(b/(c_a c_b) − cos/c_a · ∂‖a‖/∂a),  ∂‖a‖/∂a = a/‖a‖;  returns (grad_x1, grad_x2).

    torch clamps the norm outside autograd, so the gradient flows through ‖a‖ as if unclamped
    (straight through), and ∂‖a‖/∂a is 0 for a zero vector.
    """
    a, b, eps = _prepare_cosine_distance(x1, x2, eps)
    norm_a, norm_b = _vector_norm(a, 2), _vector_norm(b, 2)
    c_a, c_b = np.maximum(norm_a, eps), np.maximum(norm_b, eps)
    cos = _sum((a / c_a) * (b / c_b))
    g = -check_grad_output(grad_output, cos.shape[:-1], cos.dtype)[..., None]
    grad_a = g * (b / c_b / c_a) - _vector_norm_backward(g * cos / c_a, a, norm_a, 2)
    grad_b = g * (a / c_a / c_b) - _vector_norm_backward(g * cos / c_b, b, norm_b, 2)
    return _grad_like(grad_a, np.asarray(x1)), _grad_like(grad_b, np.asarray(x2))


# The ready-made distances carry their gradients, as `with_backward` would attach them.
pairwise_distance.backward = pairwise_distance_backward
cosine_distance.backward = cosine_distance_backward


# ============================================================================= triplet losses
def _triplet_z(d, a, p, n, margin, swap):
    """z = m + d(a, p) − d_neg, where d_neg = d(a, n), or min(d(a, n), d(p, n)) with swap.

    Returns z and the distances (d(a, p), d(a, n), d(p, n) or None), which the gradient reuses.
    """
    d_ap, d_an = d(a, p), d(a, n)
    d_pn = d(p, n) if swap else None
    d_neg = np.minimum(d_an, d_pn) if swap else d_an
    return margin + d_ap - d_neg, (d_ap, d_an, d_pn)


def _minimum_backward(g, s, t):
    """torch.minimum's gradient: g goes to the smaller of s and t, half to each on a tie."""
    share = np.where(s == t, g / 2, g)
    return np.where(s > t, 0, share), np.where(s < t, 0, share)


def _through_distance(d, g, x1, x2, d12):
    """(∂ℓ/∂x1, ∂ℓ/∂x2) from g = ∂ℓ/∂d(x1, x2), by the distance's own `backward`.

    g has the loss's shape: it is summed back to the distance's shape d12 first (a batch of 1
    broadcast against N), and each result to its argument's shape.
    """
    g1, g2 = d.backward(sum_to_shape(g, np.shape(d12)), x1, x2)
    return _grad_like(g1, x1), _grad_like(g2, x2)


def _triplet_backward(grad_output, d, a, p, n, margin, swap, reduction):
    """(∂ℓ/∂a, ∂ℓ/∂p, ∂ℓ/∂n) of the reduced max(0, z), z = m + d(a, p) − d_neg.

    The hinge passes g where z ≥ 0; ∂z/∂d(a, p) = 1 and ∂z/∂d_neg = −1, and with swap the min
    sends that −g to the smaller of d(a, n) and d(p, n). Each distance passes its share on to its
    two arguments, and the shares of an argument in two distances add up.
    """
    z, (d_ap, d_an, d_pn) = _triplet_z(d, a, p, n, margin, swap)
    g = _hinge_backward(grad_output, z, reduction)
    g_an, g_pn = _minimum_backward(-g, d_an, d_pn) if swap else (-g, None)
    ga, gp = _through_distance(d, g, a, p, d_ap)
    ga_n, gn = _through_distance(d, g_an, a, n, d_an)
    if not swap:
        return ga + ga_n, gp, gn
    gp_n, gn_p = _through_distance(d, g_pn, p, n, d_pn)
    return ga + ga_n, gp + gp_n, gn + gn_p


@ieee()
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """ℓ = max(0, m + d(a, p) − d(a, n)),  d(u, v) = ‖u − v + eps‖_p over the last axis.

    The anchor should be nearer its positive than its negative, by the margin m > 0 (Weinberger
    and Saul's LMNN, FaceNet). With swap, d(a, n) becomes min(d(a, n), d(p, n)): the positive
    stands in for the anchor when it is nearer the negative. Inputs share their ndim and broadcast
    over the batch; 1-D inputs give a 0-d loss.
    """
    anchor, positive, negative, d, margin, swap, reduction = _prepare_triplet(
        anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction
    )
    z, _ = _triplet_z(d, anchor, positive, negative, margin, swap)
    return apply_reduction(np.maximum(z, 0), reduction)


@ieee()
def triplet_margin_loss_backward(grad_output, anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                                 size_average=None, reduce=None, reduction="mean"):
    """Returns (grad_anchor, grad_positive, grad_negative), all 0 where z < 0. Where z ≥ 0:

    ∂ℓ/∂a = ∇d(a, p) − ∇d(a, n),  ∂ℓ/∂p = −∇d(a, p),  ∂ℓ/∂n = ∇d(a, n)  (without swap),
    with ∇d(u, v) = sign(w)|w|^(p−1)/‖w‖^(p−1), w = u − v + eps (= w/‖w‖ for p = 2).
    With swap, d(p, n) takes the negative's share when it is the smaller (half on a tie).
    """
    anchor, positive, negative, d, margin, swap, reduction = _prepare_triplet(
        anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction
    )
    return _triplet_backward(grad_output, d, anchor, positive, negative, margin, swap, reduction)


@ieee()
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """ℓ = max(0, m + d(a, p) − d_neg) for any numpy distance d (default `pairwise_distance`).

    d_neg = d(a, n), or min(d(a, n), d(p, n)) with swap. The loss has whatever shape d returns.
    """
    anchor, positive, negative, d, margin, swap, reduction = _prepare_triplet_with_distance(
        anchor, positive, negative, distance_function, margin, swap, reduction
    )
    z, _ = _triplet_z(d, anchor, positive, negative, margin, swap)
    return apply_reduction(np.maximum(z, 0), reduction)


@ieee()
def triplet_margin_with_distance_loss_backward(grad_output, anchor, positive, negative, *, distance_function=None,
                                               margin=1.0, swap=False, reduction="mean"):
    """The chain rule through the hinge and the (optional) min, as in `triplet_margin_loss_backward`,
    with ∇d taken from `distance_function.backward(grad, x1, x2) → (grad_x1, grad_x2)`.

    Returns (grad_anchor, grad_positive, grad_negative). Attach a backward to your own distance
    with `with_backward`.
    """
    anchor, positive, negative, d, margin, swap, reduction = _prepare_triplet_with_distance(
        anchor, positive, negative, distance_function, margin, swap, reduction, backward=True
    )
    return _triplet_backward(grad_output, d, anchor, positive, negative, margin, swap, reduction)
