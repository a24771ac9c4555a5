"""Ranking and embedding losses: compare two (or three) inputs, not an input with a label.

    margin_ranking_loss      ℓ = max(0, −y·(x1 − x2) + margin)            y = ±1: which input ranks higher
    cosine_embedding_loss    ℓ = 1 − cos(a, b)              if y = 1      pull a pair together
                             ℓ = max(0, cos(a, b) − margin) if y = −1     push it apart
    triplet_margin_loss      ℓ = max(0, margin + d(a, p) − d(a, n))       anchor nearer its positive
                             with d(u, v) = ‖u − v + eps‖_p over the last axis
    triplet_margin_with_distance_loss   the same hinge with any distance d

All the hinges are torch's `clamp_min(z, 0)`, whose gradient counts z = 0 as active (≥, not >).
The cosine is cos(a, b) = Σab / √((Σa² + ε)(Σb² + ε)) with torch's float32 ε = 1e−12.
With `swap=True` the triplet losses use min(d(a, n), d(p, n)) as the negative distance
(Balntas et al., "Learning local feature descriptors with triplets and shallow convolutional
neural networks", BMVC 2016); a tie splits the gradient in half between the two, as
`torch.minimum` does.

`triplet_margin_with_distance_loss` takes a numpy distance function. Its `_backward` needs that
function's gradient too: a distance carries it as an attribute, `distance.backward(grad, x1, x2)
→ (grad_x1, grad_x2)`. `pairwise_distance` and `cosine_distance` come with one; `with_backward`
attaches one to your own distance.

Reference: torch.nn.functional and ATen's Loss.cpp / Distance.cpp (torch 2.13).
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_grad_output,
    check_reduction,
    check_scalar,
    grad_like,
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

# ATen adds a C++ `float` 1e-12 to the squared norms, so in float64 it is 9.999999960041972e-13;
# a float64 1e-12 changes the ~1e6 gradient at a zero vector in the 8th digit.
_COSINE_EPS = float(np.float32(1e-12))


# ----------------------------------------------------------------------------- shared plumbing
def _real(value, name):
    """A numeric option as a Python float, so a numpy float64 scalar cannot promote float32 arrays."""
    return float(check_scalar(value, name))


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _hinge_mask(z):
    """Where clamp_min(z, 0) passes the gradient: z ≥ 0 (the kink counts as active; nan does not)."""
    return z >= 0


def _hinge_backward(grad_output, z, reduction):
    """∂(reduced max(0, z))/∂z: the upstream gradient where z ≥ 0, else 0."""
    g = reduction_backward(grad_output, z.shape, reduction, z.dtype)
    return np.where(_hinge_mask(z), g, np.zeros((), z.dtype))


def _positive_margin(margin):
    margin = _real(margin, "margin")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return margin



def _numeric(x, name):
    """`x` as a float array; integers become float32 as in torch, but torch cannot subtract bools."""
    if np.asarray(x).dtype.kind == "b":
        raise TypeError(f"{name} must be a float (or integer) array, got dtype bool")
    return as_float_array(x, name, allow_int=True)


# ----------------------------------------------------------------------------- margin ranking
def _ranking_arrays(input1, input2, target):
    """input1, input2 and target as arrays of one float dtype, after torch's same-ndim check.

    An integer target is fine (it only scales); it takes the inputs' dtype, as torch promotes it.
    """
    x1 = _numeric(input1, "input1")
    x2 = _numeric(input2, "input2")
    y = np.asarray(target)
    if y.dtype.kind not in "iuf":
        raise TypeError(f"target must be an array of ±1 (float or integer), got dtype {y.dtype}")
    if not x1.ndim == x2.ndim == y.ndim:
        raise ValueError(
            "input1, input2 and target must have the same number of dimensions, got "
            f"input1 {x1.shape}, input2 {x2.shape}, target {y.shape}"
        )
    broadcast_shape(("input1", x1.shape), ("input2", x2.shape), ("target", y.shape))
    if y.dtype.kind != "f":
        y = y.astype(result_dtype(x1, x2))
    return x1, x2, y


def _ranking_z(x1, x2, y, margin):
    """z = −y·(x1 − x2) + margin, in torch's result dtype."""
    return margin - y * (x1 - x2)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = max(0, −y·(x1 − x2) + margin).

    y = 1 asks for x1 ≥ x2 + margin, y = −1 for x2 ≥ x1 + margin; other values of y scale the
    hinge. All three arrays need the same number of dimensions and then broadcast.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _real(margin, "margin")
    x1, x2, y = _ranking_arrays(input1, input2, target)
    return apply_reduction(np.maximum(_ranking_z(x1, x2, y, margin), 0), reduction)


def margin_ranking_loss_backward(grad_output, input1, input2, target, margin=0, size_average=None, reduce=None,
                                 reduction="mean"):
    """∂ℓ/∂x1 = −y·[z ≥ 0],  ∂ℓ/∂x2 = +y·[z ≥ 0]; returns (grad_input1, grad_input2).

    The kink z = 0 counts as active (torch's clamp_min); a nan z passes no gradient.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _real(margin, "margin")
    x1, x2, y = _ranking_arrays(input1, input2, target)
    g = _hinge_backward(grad_output, _ranking_z(x1, x2, y, margin), reduction)
    return grad_like(-y * g, input1), grad_like(y * g, input2)


# ----------------------------------------------------------------------------- cosine embedding
def _cosine_arrays(input1, input2, target):
    """Check torch's shape rules; return (x1, x2, t, output shape).

    A 1-D target (N) pairs with 2-D inputs (N, D); a 0-d target with 1-D inputs (D). The inputs
    broadcast with each other, and the target with the batch.
    """
    x1 = as_float_array(input1, "input1", allow_int=True)
    x2 = as_float_array(input2, "input2", allow_int=True)
    t = np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"target must be an array of ±1 labels, got dtype {t.dtype}")
    if t.ndim > 1:
        raise ValueError(f"target must be 0-d or 1-D (one ±1 label per pair), got shape {t.shape}")
    want = t.ndim + 1
    if not x1.ndim == x2.ndim == want:
        raise ValueError(
            f"a {t.ndim}-D target expects {want}-D input1 and input2, got input1 {x1.shape} and input2 {x2.shape}"
        )
    batch = broadcast_shape(("input1", x1.shape), ("input2", x2.shape))[:-1]
    shape = broadcast_shape(("target", t.shape), ("the batch of input1 and input2", batch))
    return x1, x2, t, shape


def _cosine(x1, x2):
    """cos = Σab / √(A·B) with A = Σa² + ε, B = Σb² + ε (each norm over the array's own shape)."""
    dot = np.asarray(np.sum(x1 * x2, axis=-1))
    sq1 = np.sum(x1 * x1, axis=-1) + _COSINE_EPS
    sq2 = np.sum(x2 * x2, axis=-1) + _COSINE_EPS
    denom = np.sqrt(sq1 * sq2)
    return dot / denom, sq1, sq2, denom


def _cosine_loss(cos, t, margin):
    zero = np.zeros((), cos.dtype)
    return np.where(t == 1, 1 - cos, zero) + np.where(t == -1, np.maximum(cos - margin, 0), zero)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = 1 − cos(a, b) if y = 1;  max(0, cos(a, b) − margin) if y = −1;  0 for any other y.

    cos(a, b) = Σab / √((Σa² + ε)(Σb² + ε)), ε = float32(1e−12), so a zero vector has cos = 0.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _real(margin, "margin")
    x1, x2, t, _ = _cosine_arrays(input1, input2, target)
    cos = _cosine(x1, x2)[0]
    return apply_reduction(_cosine_loss(cos, t, margin), reduction)


def cosine_embedding_loss_backward(grad_output, input1, input2, target, margin=0, size_average=None, reduce=None,
                                   reduction="mean"):
    """Returns (grad_input1, grad_input2).

    ∂ℓ/∂cos = −1 if y = 1, [cos − margin ≥ 0] if y = −1, 0 otherwise, and
    ∂cos/∂a = b/√(AB) − cos·a/A   (∂cos/∂b likewise, with a ↔ b and A ↔ B).
    The two terms are un-broadcast separately: A sums a's own squares, so an input broadcast
    along D gets its norm term once, not once per broadcast copy.
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _real(margin, "margin")
    x1, x2, t, shape = _cosine_arrays(input1, input2, target)
    cos, sq1, sq2, denom = _cosine(x1, x2)
    g = reduction_backward(grad_output, shape, reduction, cos.dtype)
    zero = np.zeros((), cos.dtype)
    dcos = np.where(t == 1, -g, zero) + np.where((t == -1) & _hinge_mask(cos - margin), g, zero)
    dcos = sum_to_shape(np.asarray(dcos), cos.shape)

    pair_shape = np.broadcast_shapes(x1.shape, x2.shape)

    def grad_of(own, other, sq_own):
        cross = (dcos / denom)[..., None] * other
        if cross.shape != pair_shape:  # `other` broadcast along D: every copy gets its share
            cross = np.broadcast_to(cross, pair_shape)
        cross = grad_like(cross, own)
        norm = grad_like((dcos * cos / sq_own)[..., None] * own, own)
        # a writeable `cross` is a fresh array of ours (a broadcast view is read-only): reuse it
        return np.subtract(cross, norm, out=cross if cross.flags.writeable else None)

    return grad_of(x1, x2, sq1), grad_of(x2, x1, sq2)


# ----------------------------------------------------------------------------- pairwise distance
def _difference(x1, x2, eps):
    """v = x1 − x2 + eps (broadcast), at least 1-D so the norm can run over its last axis."""
    a = _numeric(x1, "x1")
    b = _numeric(x2, "x2")
    broadcast_shape(("x1", a.shape), ("x2", b.shape))
    v = a - b
    v += eps  # in place: v is our own fresh array, so this saves a full-size temporary
    return np.atleast_1d(v), np.ndim(v) == 0


def _vector_norm(v, p):
    """‖v‖_p over the last axis, kept as a size-1 axis: (Σ|v|^p)^(1/p), max|v| (p = ∞),
    min|v| (p = −∞), the count of non-zeros (p = 0) — torch.linalg.vector_norm's semantics."""
    if v.shape[-1] == 0 and (p < 0 or np.isinf(p)):
        raise ValueError(f"the p={p} norm of an empty last axis is undefined (it has no identity)")
    if p == 0:
        return np.sum(v != 0, axis=-1, keepdims=True).astype(v.dtype)
    if np.isinf(p):
        return (np.max if p > 0 else np.min)(np.abs(v), axis=-1, keepdims=True)
    # |0|^p = inf for p < 0 makes the norm 0, as in torch; silence numpy's warning about it.
    with np.errstate(divide="ignore", over="ignore"):
        if p == 2:
            # the usual case, without the |v| pass: v² = |v|² exactly (what `a ** 2` computes)
            return np.sqrt(np.sum(np.square(v), axis=-1, keepdims=True))
        return np.sum(np.abs(v) ** p, axis=-1, keepdims=True) ** (1 / p)


def _vector_norm_backward(g, v, norm, p, out=None):
    """∂‖v‖_p/∂v = sign(v)·|v|^(p−1) / ‖v‖^(p−1), times g; torch's conventions (norm_backward):

    * p = 0: 0 (a count of non-zeros is piecewise constant);
    * p = ±∞: sign(v) on the entries with |v| = ‖v‖, the gradient shared equally among ties;
    * p < 1: entries with v = 0 get 0 (|v|^(p−1) would be ∞), and the factor is ‖v‖^(1−p);
    * p ≥ 1: 0 wherever the whole norm is 0 (p = 2 gives v/‖v‖, p = 1 gives sign(v)).

    `out` (p = 2 only) may be v itself, when the caller has no further use for v.
    """
    if p == 0:
        return np.zeros_like(v)
    zero = np.zeros((), v.dtype)
    if p == 2:
        # sign(v)·|v| is v itself (nan too), so this is torch's v·g/‖v‖: one pass over v, not five
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return np.multiply(v, np.where(norm == 0, zero, g / norm), out=out)
    sign = torch_sign(v)
    a = np.abs(v)
    if np.isinf(p):
        hit = (a == norm) | np.isnan(a)
        return sign * (g / np.sum(hit, axis=-1, keepdims=True)) * hit
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if p < 1:
            scaled = np.where(v == 0, zero, sign * a ** (p - 1))
            return scaled * g * norm ** (1 - p)
        scale = np.where(norm == 0, zero, g / norm ** (p - 1))
        return sign * a ** (p - 1) * scale


def _norm_options(p, eps, keepdim):
    return _real(p, "p"), _real(eps, "eps"), _flag(keepdim, "keepdim")


class _Pairwise(NamedTuple):
    """One pairwise distance with the pieces its gradient reuses (so a backward computes them once)."""

    v: np.ndarray  # x1 − x2 + eps, at least 1-D
    norm: np.ndarray  # ‖v‖_p over the last axis, kept as a size-1 axis
    scalar: bool  # both inputs were 0-d: the distance is 0-d too

    def value(self, keepdim=False):
        return self.norm.reshape(()) if self.scalar else (self.norm if keepdim else self.norm[..., 0])


def _pairwise(x1, x2, p, eps):
    v, scalar = _difference(x1, x2, eps)
    return _Pairwise(v, _vector_norm(v, p), scalar)


def _pairwise_backward(grad_output, d, x1, x2, p, keepdim):
    """(grad_x1, grad_x2) from the pieces `d` of `_pairwise(x1, x2, p, eps)`; d.v is used up."""
    out_shape = () if d.scalar else (d.norm.shape if keepdim else d.norm.shape[:-1])
    g = check_grad_output(grad_output, out_shape, d.v.dtype).reshape(d.norm.shape)
    grad_v = _vector_norm_backward(g, d.v, d.norm, p, out=d.v if p == 2 else None)
    return grad_like(grad_v, x1), grad_like(-grad_v, x2)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """d(x1, x2) = ‖x1 − x2 + eps‖_p over the last axis (x1 and x2 broadcast).

    eps is added to the difference, not to the norm, so d(x, x) = eps·D^(1/p) and
    d(u, v) ≠ d(v, u) in general. `p` follows vector-norm semantics for every real p and ±∞.
    """
    p, eps, keepdim = _norm_options(p, eps, keepdim)
    return _pairwise(x1, x2, p, eps).value(keepdim)


def pairwise_distance_backward(grad_output, x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """∂d/∂x1 = ∂‖v‖_p/∂v and ∂d/∂x2 = −∂‖v‖_p/∂v, with v = x1 − x2 + eps; returns (grad_x1, grad_x2).

    See `_vector_norm_backward` for ∂‖v‖_p/∂v and its conventions at 0 and at ties (p = ∞).
    """
    p, eps, keepdim = _norm_options(p, eps, keepdim)
    return _pairwise_backward(grad_output, _pairwise(x1, x2, p, eps), x1, x2, p, keepdim)


# ----------------------------------------------------------------------------- distances with gradients
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


def _cosine_similarity(x1, x2, eps):
    """torch.cosine_similarity(x1, x2, dim=-1, eps): cos = Σ (a/c_a)(b/c_b), c = max(‖·‖₂, eps).

    Like torch, the inputs are broadcast first, then each is divided by its own clamped norm.
    """
    a = as_float_array(x1, "x1", allow_int=True)
    b = as_float_array(x2, "x2", allow_int=True)
    shape = broadcast_shape(("x1", a.shape), ("x2", b.shape))
    if not shape:
        raise ValueError("x1 and x2 must be vectors (at least 1-D): the cosine is taken over the last axis")
    a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    n1 = np.sqrt(np.sum(a * a, axis=-1, keepdims=True))
    n2 = np.sqrt(np.sum(b * b, axis=-1, keepdims=True))
    c1, c2 = np.maximum(n1, eps), np.maximum(n2, eps)
    return np.sum((a / c1) * (b / c2), axis=-1, keepdims=True), (a, b, n1, n2, c1, c2)


def cosine_distance(x1, x2, eps=1e-8):
    """d(x1, x2) = 1 − cos(x1, x2) over the last axis, cos as torch.nn.functional.cosine_similarity.

    The same as torch's `lambda x1, x2: 1 - F.cosine_similarity(x1, x2, dim=-1, eps=eps)`.
    """
    cos = _cosine_similarity(x1, x2, _real(eps, "eps"))[0]
    return np.asarray(1 - cos[..., 0])


def cosine_distance_backward(grad_output, x1, x2, eps=1e-8):
    """∂d/∂a = −(b/(c_a c_b) − (cos/c_a)·a/‖a‖), c = max(‖·‖, eps); returns (grad_x1, grad_x2).

    torch clamps the norm without recording it, so the gradient flows through ‖a‖ as if
    unclamped (straight through), and the ‖a‖ term is 0 for a zero vector.
    """
    cos, (a, b, n1, n2, c1, c2) = _cosine_similarity(x1, x2, _real(eps, "eps"))
    g = -check_grad_output(grad_output, cos.shape[:-1], cos.dtype)[..., None]
    zero = np.zeros((), cos.dtype)

    def grad_of(own, other, n_own, c_own, c_other):
        unit = np.where(n_own == 0, zero, own / np.where(n_own == 0, 1, n_own))
        return g * (other / c_other / c_own - cos / c_own * unit)

    return grad_like(grad_of(a, b, n1, c1, c2), x1), grad_like(grad_of(b, a, n2, c2, c1), x2)


# The ready-made distances carry their gradients, as `with_backward` would attach them.
pairwise_distance.backward = pairwise_distance_backward
cosine_distance.backward = cosine_distance_backward


# ----------------------------------------------------------------------------- triplet losses
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


class _Distance(NamedTuple):
    """A distance as the triplet losses call it.

    `measure(x1, x2) → (d, kept)` and `grad(g, kept, x1, x2) → (grad_x1, grad_x2)`: `kept` is
    whatever the gradient can reuse from the forward computation (nothing for a user's distance,
    the difference and its norm for `pairwise_distance`, which then need not be recomputed).
    """

    measure: Callable
    grad: Callable


def _user_distance(distance):
    """Any numpy distance: its values, and its `.backward` for the gradient."""
    return _Distance(lambda x1, x2: (np.asarray(distance(x1, x2)), None),
                     lambda g, _, x1, x2: distance.backward(g, x1, x2))


def _pairwise_distance(p, eps):
    """pairwise_distance(·, ·, p, eps), whose gradient reuses the forward's v and ‖v‖."""
    def measure(x1, x2):
        d = _pairwise(x1, x2, p, eps)
        return d.value(), d

    return _Distance(measure, lambda g, d, x1, x2: _pairwise_backward(g, d, x1, x2, p, False))


def _triplet_z(distance, a, p, n, margin, swap):
    """z = margin + d(a, p) − d_neg, d_neg = d(a, n), or min(d(a, n), d(p, n)) with swap.

    Returns z, the distances (d(p, n) is None without swap) and what their gradients reuse.
    """
    d_pos, k_pos = distance.measure(a, p)
    d_neg, k_neg = distance.measure(a, n)
    d_swap, k_swap = distance.measure(p, n) if swap else (None, None)
    named = [("distance(anchor, positive)", d_pos.shape), ("distance(anchor, negative)", d_neg.shape)]
    if swap:
        named.append(("distance(positive, negative)", d_swap.shape))
    broadcast_shape(*named)
    nearest = np.minimum(d_neg, d_swap) if swap else d_neg
    return np.asarray(margin + d_pos - nearest), (d_pos, d_neg, d_swap), (k_pos, k_neg, k_swap)


def _triplet_backward(grad_output, distance, a, p, n, margin, swap, reduction):
    """(grad_anchor, grad_positive, grad_negative) of the reduced max(0, z).

    ∂ℓ/∂d(a, p) = [z ≥ 0] and ∂ℓ/∂d_neg = −[z ≥ 0]; with swap, min(d_an, d_pn) sends that to
    the smaller distance, half to each on a tie (torch.minimum). Each distance's gradient then
    comes from `distance.grad(grad, kept, x1, x2)`.
    """
    z, (d_pos, d_neg, d_swap), (k_pos, k_neg, k_swap) = _triplet_z(distance, a, p, n, margin, swap)
    g = _hinge_backward(grad_output, z, reduction)
    zero = np.zeros((), g.dtype)
    if swap:
        share = np.where(d_neg == d_swap, g / 2, g)
        g_an = np.where(d_neg > d_swap, zero, share)
        g_pn = np.where(d_neg < d_swap, zero, share)
    else:
        g_an = g
    ga, gp = distance.grad(sum_to_shape(g, d_pos.shape), k_pos, a, p)
    ga2, gn = distance.grad(-sum_to_shape(g_an, d_neg.shape), k_neg, a, n)
    grad_a, grad_p, grad_n = grad_like(ga, a) + grad_like(ga2, a), grad_like(gp, p), grad_like(gn, n)
    if swap:
        gp2, gn2 = distance.grad(-sum_to_shape(g_pn, d_swap.shape), k_swap, p, n)
        grad_p, grad_n = grad_p + grad_like(gp2, p), grad_n + grad_like(gn2, n)
    return grad_a, grad_p, grad_n


def _triplet_margin_setup(anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction):
    """torch's order of checks (reduction, margin, options, shapes); returns the checked pieces."""
    reduction = resolve_reduction(size_average, reduce, reduction)
    margin = _positive_margin(margin)
    p, eps = _real(p, "p"), _real(eps, "eps")
    swap = _flag(swap, "swap")
    arrays = _triplet_arrays(anchor, positive, negative)
    _check_triplet_shapes(*arrays, swap)
    return arrays, _pairwise_distance(p, eps), margin, swap, reduction


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """ℓ = max(0, margin + d(a, p) − d(a, n)),  d(u, v) = ‖u − v + eps‖_p over the last axis.

    With swap, d(a, n) becomes min(d(a, n), d(p, n)): the positive stands in for the anchor when
    it is nearer the negative. margin must be > 0. Inputs share their ndim and broadcast over
    the batch; 1-D inputs give a 0-d loss.
    """
    arrays, distance, margin, swap, reduction = _triplet_margin_setup(
        anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction
    )
    z = _triplet_z(distance, *arrays, margin, swap)[0]
    return apply_reduction(np.maximum(z, 0), reduction)


def triplet_margin_loss_backward(grad_output, anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                                 size_average=None, reduce=None, reduction="mean"):
    """Returns (grad_anchor, grad_positive, grad_negative), all 0 where z < 0. Where z ≥ 0:

    ∂ℓ/∂a = ∇d(a, p) − ∇d(a, n),  ∂ℓ/∂p = −∇d(a, p),  ∂ℓ/∂n = ∇d(a, n)  (without swap),
    with ∇d(u, v) = sign(w)|w|^(p−1)/‖w‖^(p−1), w = u − v + eps (= w/‖w‖ for p = 2).
    With swap, d(p, n) takes the negative's share when it is the smaller (half on a tie).
    """
    arrays, distance, margin, swap, reduction = _triplet_margin_setup(
        anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction
    )
    return _triplet_backward(grad_output, distance, *arrays, margin, swap, reduction)


def _distance_setup(anchor, positive, negative, distance_function, margin, swap, reduction):
    """torch's order of checks: reduction (no 'elementwise_mean'), margin > 0, equal ndim."""
    reduction = check_reduction(reduction, elementwise_mean=False)
    margin = _positive_margin(margin)
    swap = _flag(swap, "swap")
    arrays = _triplet_arrays(anchor, positive, negative)
    if distance_function is None:
        _check_triplet_shapes(*arrays, swap)
        return arrays, _pairwise_distance(2.0, 1e-6), margin, swap, reduction  # pairwise_distance's defaults
    if not callable(distance_function):
        raise TypeError(f"distance_function must be a callable (x1, x2) -> distances, got {distance_function!r}")
    return arrays, _user_distance(distance_function), margin, swap, reduction


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """ℓ = max(0, margin + d(a, p) − d_neg) for any numpy distance d (default `pairwise_distance`).

    d_neg = d(a, n), or min(d(a, n), d(p, n)) with swap. The loss has whatever shape d returns.
    """
    arrays, distance, margin, swap, reduction = _distance_setup(
        anchor, positive, negative, distance_function, margin, swap, reduction
    )
    z = _triplet_z(distance, *arrays, margin, swap)[0]
    return apply_reduction(np.maximum(z, 0), reduction)


def triplet_margin_with_distance_loss_backward(grad_output, anchor, positive, negative, *, distance_function=None,
                                               margin=1.0, swap=False, reduction="mean"):
    """The chain rule through the hinge and the (optional) min, as in `triplet_margin_loss_backward`,
    with ∇d taken from `distance_function.backward(grad, x1, x2) → (grad_x1, grad_x2)`.

    Returns (grad_anchor, grad_positive, grad_negative). Attach a backward to your own distance
    with `with_backward`.
    """
    arrays, distance, margin, swap, reduction = _distance_setup(
        anchor, positive, negative, distance_function, margin, swap, reduction
    )
    if distance_function is not None and not callable(getattr(distance_function, "backward", None)):
        raise TypeError(
            "distance_function has no gradient: give it a `.backward(grad, x1, x2) -> (grad_x1, grad_x2)` "
            "attribute, e.g. with lossedu.functional.with_backward(your_backward)(your_distance)"
        )
    return _triplet_backward(grad_output, distance, *arrays, margin, swap, reduction)
