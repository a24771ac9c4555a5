"""Sparse and structured outputs (notebook 14): sparsemax and its loss, ListNet, Poly-1.

    sparsemax            p = argmin_{q ∈ Δ} ‖q − z‖²  =  [z − τ(z)]₊,   τ chosen so that Σ p = 1
    sparsemax_loss       ℓ(z, y) = ½(1 − ‖p‖²) + ⟨p − e_y, z⟩,            Σ over samples / n
    listnet_loss         ℓ(s, y) = −Σ_i y_i · log softmax(s)_i,          mean over lists
    poly1_cross_entropy  ℓ(x, y) = −Σ_i y_i · log softmax(x)_i + ε · Σ_i y_i (1 − softmax(x)_i)

Sparsemax (Martins & Astudillo 2016) is the Euclidean projection of the scores onto the probability
simplex: unlike softmax it gives exact zeros. With the scores sorted, z_(1) ≥ z_(2) ≥ …, the support
size is k = max{ρ : ρ·z_(ρ) > Σ_{j≤ρ} z_(j) − 1} and the threshold τ = (Σ_{j≤k} z_(j) − 1)/k.
The sparsemax loss is its Fenchel–Young loss: ∂ℓ/∂z = p − e_y, as softmax cross-entropy's is
softmax(z) − e_y. ListNet compares the top-one distribution of the scores with the relevance labels;
Poly-1 adds ε times the first term (1 − P_t) of cross-entropy's Taylor series.

Homes: entmax 1.3 (`entmax.sparsemax`, `entmax.SparsemaxLoss` with its defaults), and, transcribed
(optax is not installed), optax's `ranking_softmax_loss` (optax/losses/_ranking.py, reduce_fn=jnp.mean)
and `poly_loss_cross_entropy` (optax/losses/_classification.py). Each `<name>_backward(grad_output,
<the same arguments>)` returns the gradient with respect to the first argument.

Matching the homes at the edges
-------------------------------
* sparsemax subtracts the maximum first (as softmax does), sorts in descending order and adds up the
  sorted scores with a cumulative sum; torch's CPU cumsum accumulates float32 in float64 and rounds each
  partial sum once, so ours does too (the support test ρ·z_(ρ) > cumsum − 1 then sees the same numbers).
* Ties at the threshold: an entry equal to τ gets 0 and is outside the support (the test is strict);
  entries tied with the last support entry enter together. The backward is entmax's hand-written one,
  not autograd through the sort: on the entries with p ≠ 0, g − (Σ_{p≠0} g)/k, and 0 elsewhere, where
  k is the support size of the forward's test (the two agree except when rounding makes z − τ = 0).
* All-equal scores give the uniform 1/C; one class gives p = 1 and a zero gradient; huge scores are
  fine (the shift by the maximum); a score of −inf gets p = 0. A slice holding nan or +inf, or only
  −inf, has an empty support (z − max z is nan or −inf everywhere): entmax's gather then fails with
  "index −1 out of bounds", and we raise a ValueError naming `input`.
* SparsemaxLoss's defaults: reduction 'elementwise_mean' (Σ / n), ignore_index = −100, which being
  negative masks nothing, so every target must be a class in [0, C) (entmax's scatter refuses the
  others; we raise a ValueError). No sample: 0 / 0 = nan, with an empty gradient.
* ListNet takes the relevance as given (not normalised to sum to 1), cast to the scores' dtype:
  all-equal relevance r gives r·Σ_i −log softmax(s)_i, zero relevance everywhere gives 0 with a zero
  gradient. optax's mean goes through `_safe_reduce`: a nan mean of lists that hold no nan (no list
  at all, or +inf and −inf losses) is replaced by 0 (gradient 0). A relevance 0 at a score −inf gives
  0·(−inf) = nan, as optax's (non-safe) product does.
* Poly-1: optax's Σ y·(1 − p) (which is 1 − P_t only when y sums to 1); the default ε = 1.0 is the one
  COURSE.md fixes (Poly-1's paper), not optax's 2.0.
"""
from __future__ import annotations

import numpy as np

from ._core import as_float_array, check_grad_output, check_scalar, ieee
from .classification import _softmax, log_softmax

__all__ = [
    "sparsemax",
    "sparsemax_backward",
    "sparsemax_loss",
    "sparsemax_loss_backward",
    "listnet_loss",
    "listnet_loss_backward",
    "poly1_cross_entropy",
    "poly1_cross_entropy_backward",
]


# ============================================================================= checks
def _scores(x, name, *, min_ndim=1):
    """A float array with at least one entry along its last axis (the homes' max needs one)."""
    a = as_float_array(x, name)
    if a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {a.shape}")
    if a.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry along its last axis, got shape {a.shape}")
    return a


def _dim(dim, ndim):
    d = check_scalar(dim, "dim", integer=True)
    if not -ndim <= d < ndim:
        raise ValueError(f"dim must be in [{-ndim}, {ndim - 1}] for an input of {ndim} dimensions, got {d}")
    return d % ndim


def _labels_like(target, x, name, *, kinds):
    """`target` cast to x's dtype, broadcast to x's shape (it may not enlarge it)."""
    if target is None:
        raise TypeError(f"{name} must be an array, got None")
    t = np.asarray(target)
    if t.dtype.kind not in kinds:
        raise TypeError(f"{name} must be an array of {'floats' if kinds == 'f' else 'numbers'}, got dtype {t.dtype}")
    try:
        shape = np.broadcast_shapes(t.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(f"{name} must have the shape of {x.shape} (or broadcast to it), got {t.shape}")
    return np.broadcast_to(t.astype(x.dtype, copy=False), x.shape)


# ============================================================================= sparsemax
def _sparsemax_last(x):
    """Sparsemax along the last axis: (p, k) with k the support size (kept axis), as entmax computes.

        z = x − max(x);  z sorted descending;  c_ρ = Σ_{j≤ρ} z_(j) − 1;
        k = #{ρ : ρ·z_(ρ) > c_ρ};  τ = c_k / k;  p = max(z − τ, 0)
    """
    z = x - np.max(x, axis=-1, keepdims=True)
    srt = -np.sort(-z, axis=-1)
    # torch's CPU cumsum adds float32 in float64, rounding each partial sum once
    acc = np.float64 if x.dtype == np.float32 else x.dtype
    c = np.cumsum(srt, axis=-1, dtype=acc).astype(x.dtype) - x.dtype.type(1)
    rho = np.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    k = np.sum(rho * srt > c, axis=-1, keepdims=True)
    if k.size and k.min() == 0:  # nan, +inf or only −inf: z − max(z) has no number left to project
        raise ValueError("input must hold a finite score in every slice along dim (no nan or +inf, not only "
                         "-inf): sparsemax has no support there (entmax's gather fails on it too)")
    tau = np.take_along_axis(c, k - 1, axis=-1) / k.astype(x.dtype)
    return np.maximum(z - tau, 0), k


def _sparsemax_jvp(g, p, k):
    """entmax's backward: on the support (p ≠ 0) g − Σ_{p≠0} g / k, zero off it."""
    on = p != 0
    g = np.where(on, g, 0)
    return np.where(on, g - np.sum(g, axis=-1, keepdims=True) / k.astype(g.dtype), g).astype(p.dtype, copy=False)


@ieee()
def sparsemax(input, dim=-1):
    """Sparsemax along `dim`: the Euclidean projection of the scores onto the probability simplex.

        sparsemax(z) = argmin_{p ≥ 0, Σp = 1} ‖p − z‖² = max(z − τ, 0),  Σ max(z − τ, 0) = 1

    Home: entmax 1.3 `entmax.sparsemax(X, dim=-1)` (full sort, k=None).
    """
    x = _scores(input, "input")
    d = _dim(dim, x.ndim)
    p, _ = _sparsemax_last(np.moveaxis(x, d, -1))
    return np.moveaxis(p, -1, d)


@ieee()
def sparsemax_backward(grad_output, input, dim=-1):
    """∂L/∂z = J·g with J = diag(s) − s·sᵀ/k (s the support indicator):
    on the support g_i − mean_{j∈S} g_j, 0 off it."""
    x = _scores(input, "input")
    d = _dim(dim, x.ndim)
    p, k = _sparsemax_last(np.moveaxis(x, d, -1))
    g = check_grad_output(grad_output, x.shape, x.dtype)
    return np.moveaxis(_sparsemax_jvp(np.moveaxis(g, d, -1), p, k), -1, d)


# ============================================================================= sparsemax loss
def _prepare_sparsemax_loss(input, target):
    x = _scores(input, "input")
    if x.ndim != 2:
        raise ValueError(f"input must be a 2-D array (n_samples, n_classes), got shape {x.shape}")
    if target is None:
        raise TypeError("target must be a 1-D array of class indices, got None")
    y = np.asarray(target)
    if y.dtype.kind not in "iu":
        raise TypeError(f"target must be an array of integer class indices (int64), got dtype {y.dtype}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"target must have shape ({x.shape[0]},), one class per row of input, got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= x.shape[1]):
        raise ValueError(f"target must hold class indices in [0, {x.shape[1]}), got values in [{y.min()}, {y.max()}]")
    return x, y


def _p_minus_onehot(p, y):
    q = p.copy()
    q[np.arange(len(y)), y] -= 1
    return q


@ieee()
def sparsemax_loss(input, target):
    """The sparsemax loss, Σ over samples / n (entmax's 'elementwise_mean'):

        ℓ(z, y) = ½(1 − ‖p‖²) + ⟨p − e_y, z⟩,   p = sparsemax(z)

    zero exactly when p = e_y. Home: entmax 1.3 `SparsemaxLoss()` (k=None, ignore_index=-100,
    reduction='elementwise_mean').
    """
    x, y = _prepare_sparsemax_loss(input, target)
    p, _ = _sparsemax_last(x)
    per_sample = (1 - np.sum(p * p, axis=1)) / 2 + np.sum(_p_minus_onehot(p, y) * x, axis=1)
    return np.asarray(np.sum(per_sample) / x.dtype.type(x.shape[0]), dtype=x.dtype)


@ieee()
def sparsemax_loss_backward(grad_output, input, target):
    """∂L/∂z = g·(p − e_y)/n: the Fenchel–Young gradient (the p-derivatives of ½‖p‖² and ⟨p, z⟩
    cancel, since p maximises ⟨p, z⟩ − ½‖p‖² over the simplex)."""
    x, y = _prepare_sparsemax_loss(input, target)
    g = check_grad_output(grad_output, (), x.dtype)
    p, _ = _sparsemax_last(x)
    return (g / x.dtype.type(x.shape[0]) * _p_minus_onehot(p, y)).astype(x.dtype, copy=False)


# ============================================================================= ListNet
def _prepare_listnet(scores, relevance):
    s = _scores(scores, "scores")
    return s, _labels_like(relevance, s, "relevance", kinds="biuf")


def _listnet_terms(s, y):
    """log softmax(s), the mean of the per-list losses −Σ y·log softmax(s), and whether optax's safe
    mean replaces that mean by 0 (a nan mean of lists that hold no nan)."""
    lsm = log_softmax(s, axis=-1)
    per_list = -np.sum(y * lsm, axis=-1)
    mean = np.mean(per_list) if per_list.size else s.dtype.type(np.nan)
    safe_zero = bool(np.isnan(mean) and not np.isnan(per_list).any())
    return lsm, mean, safe_zero


@ieee()
def listnet_loss(scores, relevance):
    """ListNet's top-one cross-entropy, the mean over lists (last axis = the items of a list):

        ℓ(s, y) = −Σ_i y_i · log( e^{s_i} / Σ_j e^{s_j} )

    Home (transcribed): optax `ranking_softmax_loss(logits, labels)`, reduce_fn = jnp.mean.
    """
    s, y = _prepare_listnet(scores, relevance)
    _, mean, safe_zero = _listnet_terms(s, y)
    return np.asarray(0 if safe_zero else mean, dtype=s.dtype)


@ieee()
def listnet_loss_backward(grad_output, scores, relevance):
    """∂L/∂s = g/m · ((Σ_j y_j)·softmax(s) − y), m the number of lists (0 where the safe mean fired)."""
    s, y = _prepare_listnet(scores, relevance)
    g = check_grad_output(grad_output, (), s.dtype)
    lsm, _, safe_zero = _listnet_terms(s, y)
    lists = max(s.size // s.shape[-1], 1)
    grad = np.sum(y, axis=-1, keepdims=True) * np.exp(lsm) - y  # softmax = exp(log softmax)
    scale = s.dtype.type(0) if safe_zero else g / s.dtype.type(lists)
    return (scale * grad).astype(s.dtype, copy=False)


# ============================================================================= Poly-1
def _prepare_poly1(input, target, epsilon):
    x = _scores(input, "input")
    return x, _labels_like(target, x, "target", kinds="f"), float(check_scalar(epsilon, "epsilon"))


@ieee()
def poly1_cross_entropy(input, target, epsilon=1.0):
    """Poly-1 (Leng et al. 2022): cross-entropy plus ε times its first polynomial term, one value per sample:

        ℓ(x, y) = −Σ_i y_i log p_i + ε·Σ_i y_i (1 − p_i),   p = softmax(x) over the last axis

    `target` a distribution over the classes (one-hot for hard labels). Home (transcribed): optax
    `poly_loss_cross_entropy(logits, labels, epsilon)`, axis=-1, no `where`.
    """
    x, y, eps = _prepare_poly1(input, target, epsilon)
    p = _softmax(x, -1).astype(x.dtype, copy=False)
    ce = -np.sum(y * log_softmax(x, axis=-1), axis=-1)
    return (ce + x.dtype.type(eps) * np.sum(y * (1 - p), axis=-1)).astype(x.dtype, copy=False)


@ieee()
def poly1_cross_entropy_backward(grad_output, input, target, epsilon=1.0):
    """∂ℓ/∂x_j = (Σ_i y_i)·p_j − y_j − ε·p_j·(y_j − P_t),   P_t = Σ_i y_i p_i
    (the cross-entropy's gradient, then −ε times ∂P_t/∂x_j = p_j (y_j − P_t))."""
    x, y, eps = _prepare_poly1(input, target, epsilon)
    g = check_grad_output(grad_output, x.shape[:-1], x.dtype)[..., None]
    p = _softmax(x, -1).astype(x.dtype, copy=False)
    pt = np.sum(y * p, axis=-1, keepdims=True)
    grad = np.sum(y, axis=-1, keepdims=True) * p - y - x.dtype.type(eps) * p * (y - pt)
    return (g * grad).astype(x.dtype, copy=False)
