"""Quantiles and proper scoring rules (notebook 12): pinball, CRPS, log-cosh, Brier.

A scoring rule S(F, y) compares a forecast F with what happened, y; it is *proper* when the
expected score is smallest for the forecast equal to the truth's distribution, so that honest
forecasts are the ones training rewards. With d = y − ŷ (or ŷ − y where said):

    pinball_loss   ℓ = τ·d if d ≥ 0 else (τ − 1)·d          (the τ-quantile's loss; τ = ½: ½|d|)
    crps_gaussian  ℓ = σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π),  z = (y − μ)/σ
    crps_ensemble  ℓ = (1/M)Σ_i|x_i − y| − (1/2M²)Σ_ij|x_i − x_j|
    log_cosh_loss  ℓ = log cosh(ŷ − y)                       (½d² near 0, |d| − log 2 far away)
    brier_score    ℓ = Σ_k (p_k − [y = k])²                  (halved when K ≤ 2; (p − y)² when binary)

and their derivatives

    pinball_loss   ∂ℓ/∂ŷ = −τ if d ≥ 0 else 1 − τ
    crps_gaussian  ∂ℓ/∂μ = 1 − 2Φ(z),  ∂ℓ/∂σ = 2φ(z) − 1/√π
    crps_ensemble  ∂ℓ/∂x_k = sign(x_k − y)/M − (1/M²)Σ_j sign(x_k − x_j)
    log_cosh_loss  ∂ℓ/∂ŷ = tanh(ŷ − y)
    brier_score    ∂ℓ/∂p_k = 2(p_k − [y = k])                (times ½ when halved)

Every loss takes `reduction` in 'none', 'mean' (the default, the mean over the elements the
home averages: every element, or every sample for Brier) and 'sum'.

Homes: scikit-learn 1.9 `mean_pinball_loss` and `brier_score_loss`; properscoring 0.1
`crps_gaussian` (its `grad=True` gives our gradient) and `crps_ensemble`; optax `log_cosh`.

Matching the homes at the edges
-------------------------------
- pinball: a tie d = 0 takes the d ≥ 0 branch, as scikit-learn's `sign = (diff >= 0)` does: the
  loss is 0 and its gradient −τ. τ = 0 and τ = 1 are allowed (scikit-learn's interval is closed):
  ℓ = max(−d, 0) and max(d, 0), one-sided absolute errors. (τ − 1)·d is scikit-learn's
  −(1 − τ)·d exactly (a float difference changes sign exactly).
- crps_gaussian: Φ is computed here (numpy has no erf) with the rational approximations of the
  Cephes library, the ones scipy's `ndtr` (properscoring's Φ) uses, so both agree to a few ulps
  (float32 inputs in float32: Φ within 9e−8, 1.5e−5 relative in the far tail, z ≈ −13).
  σ = 0 gives nan, as properscoring does (z = ±inf and σ·inf); as σ → 0 the CRPS tends to |y − μ|,
  the absolute error of a point forecast. μ, σ and target broadcast together, as in properscoring.
  The gradient is the closed form (properscoring's `grad=True`): autograd through the formula
  gets ∂ℓ/∂σ as f(z) − z·f′(z), which cancels for large |z| (σ = 1e−3 already loses 8 digits).
- crps_ensemble: the plain (not the "fair") ensemble CRPS of properscoring. The pairwise term is
  taken after a sort, Σ_ij|x_i − x_j| = 2Σ_i (2i − M + 1)·s_i over the sorted members s, in
  O(M log M) like properscoring's numba kernel. At tied members sign(0) = 0 (autograd's |·| at 0):
  the count Σ_j sign(x_k − x_j) is #(smaller) − #(larger). An ensemble of one member is the absolute
  error |x − y|. nan members are skipped, as properscoring does (M counts the others; a
  forecast without any is nan, so is an empty ensemble), and get a zero gradient.
- log_cosh: optax's logaddexp(d, −d) − log 2, which never overflows (cosh(800) is inf in float64).
- brier: (n,) probabilities of class 1 with targets in {0, 1} (or {−1, 1}) give (p − y)², scikit-learn's
  halved two-column score; (n, K) with integer targets give the sum of K squared errors, halved
  when K ≤ 2 (`scale_by_half="auto"`). Like scikit-learn, probabilities outside [0, 1] are refused;
  unlike it, rows are not required to sum to 1 (a gradient step or a finite difference would break
  that), and every class 0…K−1 is a label (scikit-learn infers labels from the targets unless
  `labels` is given: the tests pass labels=range(K)).
"""
from __future__ import annotations

import math

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_reduction,
    check_scalar,
    grad_like,
    ieee,
    reduction_backward,
    result_dtype,
    torch_sign,
)

__all__ = [
    "pinball_loss",
    "pinball_loss_backward",
    "crps_gaussian",
    "crps_gaussian_backward",
    "crps_ensemble",
    "crps_ensemble_backward",
    "log_cosh_loss",
    "log_cosh_loss_backward",
    "brier_score",
    "brier_score_backward",
]


# ----------------------------------------------------------------------------- shared preamble
def _prediction_and_truth(input, target, reduction, *, broadcast=False):
    """(x, t, dtype, reduction) for the elementwise losses: target of input's shape, or (with
    `broadcast`, as optax allows) any shape that broadcasts to it, returned broadcast."""
    x = as_float_array(input, "input")
    t = as_float_array(target, "target", allow_int=True)
    if broadcast and x.shape != t.shape and broadcast_shape(("input", x.shape), ("target", t.shape)) == x.shape:
        t = np.broadcast_to(t, x.shape)
    if x.shape != t.shape:
        raise ValueError(f"target must have input's shape {x.shape}, got {t.shape}")
    reduction = check_reduction(reduction, elementwise_mean=False)
    return x, t, result_dtype(x, t), reduction


# ----------------------------------------------------------------------------- pinball
def _check_quantile(quantile):
    quantile = check_scalar(quantile, "quantile")
    if not 0 <= quantile <= 1:
        raise ValueError(f"quantile must be in [0, 1], got {quantile!r}")
    return quantile


@ieee()
def pinball_loss(input, target, quantile=0.5, reduction="mean"):
    """Pinball (quantile) loss: ℓ = τ·d if d ≥ 0 else (τ − 1)·d, with d = target − input.

    Minimising its mean over ŷ = input gives the τ-quantile of the targets: under-predicting
    costs τ per unit, over-predicting 1 − τ. τ = ½ is half the absolute error (the median).

    Reference: scikit-learn `mean_pinball_loss(y_true=target, y_pred=input, alpha=quantile)`.
    """
    x, t, dtype, reduction = _prediction_and_truth(input, target, reduction)
    quantile = _check_quantile(quantile)
    d = (t - x).astype(dtype, copy=False)
    loss = np.where(d >= 0, quantile * d, (quantile - 1) * d).astype(dtype, copy=False)
    return apply_reduction(loss, reduction)


@ieee()
def pinball_loss_backward(grad_output, input, target, quantile=0.5, reduction="mean"):
    """∂ℓ/∂input = −τ where d = target − input ≥ 0 (ties included), else 1 − τ."""
    x, t, dtype, reduction = _prediction_and_truth(input, target, reduction)
    quantile = _check_quantile(quantile)
    g = reduction_backward(grad_output, x.shape, reduction, dtype)
    slope = np.where(t - x >= 0, -quantile, 1 - quantile).astype(dtype, copy=False)
    return (g * slope).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- Φ, the normal cdf
# Cephes' rational approximations (S. L. Moshier), the ones behind scipy.special.ndtr:
# erf(x) = x·T(x²)/U(x²) for |x| < 1, erfc(x) = e^(−x²)·P(x)/Q(x) for 1 ≤ x < 8, R(x)/S(x) beyond.
# Coefficients from the highest power down; U, Q, S have a leading 1 left out.
_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
      7.00332514112805075473e3, 5.55923013010394962768e4)
_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
      2.26290000613890934246e4, 4.92673942608635921086e4)
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
      4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
      9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
      9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
      1.65666309194161350182e3, 5.57535340817727675546e2)
_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
      6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
      1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)
_SQRTH = math.sqrt(0.5)
_MAXLOG = math.log(np.finfo(np.float64).max)


def _polynomial(x, coefficients, monic=False):
    """Horner's rule, the highest power first (with an implicit leading 1 when `monic`), in place."""
    y = x + coefficients[0] if monic else x * coefficients[0]
    if not monic:
        y += coefficients[1]
        coefficients = coefficients[1:]
    for c in coefficients[1:]:
        y *= x
        y += c
    return y


def _erf_central(x):
    """erf(x) for |x| < 1: x·T(x²)/U(x²)."""
    x2 = x * x
    return x * _polynomial(x2, _T) / _polynomial(x2, _U, monic=True)


def _erfc_tail(a):
    """erfc(a) for a ≥ 1: e^(−a²) times P(a)/Q(a) below 8, R(a)/S(a) from 8 on (rare: computed apart)."""
    ratio = _polynomial(a, _P) / _polynomial(a, _Q, monic=True)
    far = a >= 8
    if far.any():
        af = a[far]
        ratio[far] = _polynomial(af, _R) / _polynomial(af, _S, monic=True)
    # Past a² > 709.78 e^(−a²) underflows to 0 (and a⁸ in the ratio overflows: inf/inf): erfc is 0.
    a2 = a * a
    return np.where(a2 > _MAXLOG, 0.0, np.exp(-a2) * ratio)


@ieee()
def normal_cdf(z):
    """Φ(z) = ½·erfc(−z/√2), the standard normal cdf (scipy.special.ndtr's method).

    With x = z/√2: for |x| < 1, ½ + ½·erf(x); beyond, ½·erfc(|x|) on the left and 1 − ½·erfc(x) on
    the right, which keeps Φ(−10) ≈ 7.6e−24 accurate where 1 − ½·erfc(…) would round it to 0.
    Each branch is evaluated on its own elements only (the rational functions are the cost).
    """
    z = np.asarray(z)
    # float32 (and float16) in float32: its accuracy, twice as fast; everything else in float64
    x = z.astype(np.float32 if z.dtype in (np.float16, np.float32) else np.float64) * _SQRTH
    a = np.abs(x)
    out = np.empty_like(x)
    central = a < 1
    out[central] = 0.5 + 0.5 * _erf_central(x[central])
    tail = ~central
    half = 0.5 * _erfc_tail(a[tail])
    out[tail] = np.where(x[tail] > 0, 1 - half, half)
    return out


# ----------------------------------------------------------------------------- Gaussian CRPS
# Python floats, so that they never widen a float32 array.
_INV_SQRT_PI = 1 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _prepare_gaussian(mu, sigma, target, reduction):
    m = as_float_array(mu, "mu")
    s = as_float_array(sigma, "sigma")
    y = as_float_array(target, "target", allow_int=True)
    shape = broadcast_shape(("mu", m.shape), ("sigma", s.shape), ("target", y.shape))
    reduction = check_reduction(reduction, elementwise_mean=False)
    return m, s, y, shape, result_dtype(m, s, y), reduction


def _gaussian_pieces(m, s, y, dtype):
    """z = (y − μ)/σ, Φ(z) and φ(z), in `dtype`."""
    z = ((y - m) / s).astype(dtype, copy=False)
    cdf = normal_cdf(z).astype(dtype, copy=False)
    pdf = (_INV_SQRT_2PI * np.exp(-(z * z) / 2)).astype(dtype, copy=False)
    return z, cdf, pdf


@ieee()
def crps_gaussian(mu, sigma, target, reduction="mean"):
    """CRPS of the forecast N(μ, σ²) for the observation y = target (Gneiting et al. 2005, eq. 5):

        ℓ = σ·(z·(2Φ(z) − 1) + 2φ(z) − 1/√π),   z = (y − μ)/σ.

    It is ∫(F(u) − [u ≥ y])² du for the normal cdf F: the squared distance between the forecast's
    cdf and the step of what happened. In units of y; it tends to |y − μ| as σ → 0.

    Reference: properscoring `crps_gaussian(x=target, mu=mu, sig=sigma)`.
    """
    m, s, y, shape, dtype, reduction = _prepare_gaussian(mu, sigma, target, reduction)
    z, cdf, pdf = _gaussian_pieces(m, s, y, dtype)
    loss = (s * (z * (2 * cdf - 1) + 2 * pdf - _INV_SQRT_PI)).astype(dtype, copy=False)
    return apply_reduction(np.broadcast_to(loss, shape), reduction)


@ieee()
def crps_gaussian_backward(grad_output, mu, sigma, target, reduction="mean"):
    """(∂ℓ/∂μ, ∂ℓ/∂σ) = (1 − 2Φ(z), 2φ(z) − 1/√π), properscoring's `grad=True` pair.

    ℓ = σ·f(z) with f(z) = z(2Φ − 1) + 2φ − 1/√π and f′(z) = 2Φ − 1 (the φ terms cancel, as
    φ′ = −zφ). With ∂z/∂μ = −1/σ and ∂z/∂σ = −z/σ: ∂ℓ/∂μ = −f′(z), ∂ℓ/∂σ = f(z) − z·f′(z).
    """
    m, s, y, shape, dtype, reduction = _prepare_gaussian(mu, sigma, target, reduction)
    g = reduction_backward(grad_output, shape, reduction, dtype)
    _, cdf, pdf = _gaussian_pieces(m, s, y, dtype)
    d_mu = g * (1 - 2 * cdf)
    d_sigma = g * (2 * pdf - _INV_SQRT_PI)
    return grad_like(np.broadcast_to(d_mu, shape), m), grad_like(np.broadcast_to(d_sigma, shape), s)


# ----------------------------------------------------------------------------- ensemble CRPS
def _prepare_ensemble(ensemble, target, reduction):
    x = as_float_array(ensemble, "ensemble")
    if x.ndim < 1:
        raise ValueError("ensemble must have at least one dimension (the members, on the last axis)")
    y = as_float_array(target, "target", allow_int=True)
    if y.shape != x.shape[:-1]:
        raise ValueError(
            f"target must have ensemble's shape without its last (member) axis, {x.shape[:-1]}, got {y.shape}"
        )
    reduction = check_reduction(reduction, elementwise_mean=False)
    return x, y, result_dtype(x, y), reduction


@ieee()
def crps_ensemble(ensemble, target, reduction="mean"):
    """CRPS of an ensemble of M members x_i (last axis) for the observation y = target:

        ℓ = (1/M)Σ_i|x_i − y| − (1/2M²)Σ_ij|x_i − x_j|

    the CRPS of the empirical cdf of the members (Gneiting & Raftery 2007): accuracy minus half the
    spread. The spread term, over the sorted members s_0 ≤ … ≤ s_{M−1}, is (1/M²)Σ_i (2i − M + 1)·s_i.

    Reference: properscoring `crps_ensemble(observations=target, forecasts=ensemble)`.
    """
    x, y, dtype, reduction = _prepare_ensemble(ensemble, target, reduction)
    x = x.astype(dtype, copy=False)
    missing, count = _members(x)
    error = np.abs(x - y[..., None])
    s = np.sort(x, axis=-1)  # nan members sort last
    rank_weights = 2 * np.arange(x.shape[-1], dtype=dtype) + (1 - count)[..., None]
    if missing is not None:  # only the members present count (their ranks come first)
        error = np.where(missing, 0, error)
        s = np.where(np.arange(x.shape[-1]) < count[..., None], s, 0)
    accuracy = np.sum(error, axis=-1) / count
    spread = np.sum(s * rank_weights, axis=-1) / (count * count)
    return apply_reduction((accuracy - spread).astype(dtype, copy=False), reduction)


def _members(x):
    """(missing, count): the nan members properscoring skips (None when there are none) and how
    many members each forecast has left, in x's dtype (0 when all are missing: the score is 0/0 = nan)."""
    missing = np.isnan(x)
    if not missing.any():
        return None, np.full(x.shape[:-1], x.shape[-1], dtype=x.dtype)
    return missing, (x.shape[-1] - np.sum(missing, axis=-1)).astype(x.dtype)


def _signed_counts(x):
    """#{x_j < x_k} + #{x_j ≤ x_k} along the last axis (nan members last, each apart).

    After a stable sort, a member at sorted position i whose tie group spans [lo, hi) has lo
    smaller members and hi members at most equal to it: Σ_j sign(x_k − x_j) over the M present
    members is #smaller − #larger = lo − (M − hi) = lo + hi − M (ties count 0).
    """
    M = x.shape[-1]
    order = np.argsort(x, axis=-1, kind="stable")
    s = np.take_along_axis(x, order, axis=-1)
    position = np.broadcast_to(np.arange(M), x.shape)
    differs = s[..., 1:] != s[..., :-1]
    first = np.concatenate([np.ones(x.shape[:-1] + (1,), bool), differs], axis=-1)
    last = np.concatenate([differs, np.ones(x.shape[:-1] + (1,), bool)], axis=-1)
    lo = np.maximum.accumulate(np.where(first, position, 0), axis=-1)
    hi = np.minimum.accumulate(np.where(last, position + 1, M)[..., ::-1], axis=-1)[..., ::-1]
    counts = np.empty(x.shape, np.int64)
    np.put_along_axis(counts, order, lo + hi, axis=-1)
    return counts


@ieee()
def crps_ensemble_backward(grad_output, ensemble, target, reduction="mean"):
    """∂ℓ/∂x_k = sign(x_k − y)/M − (1/M²)·Σ_j sign(x_k − x_j), with sign(0) = 0.

    The pair (k, j) appears twice in Σ_ij|x_i − x_j|, which cancels the ½. A member equal to y, or
    tied with others, gets autograd's |·|′(0) = 0 from those terms. M counts the members present;
    a missing (nan) member gets 0 (nan when the forecast has no member left, as autograd's).
    """
    x, y, dtype, reduction = _prepare_ensemble(ensemble, target, reduction)
    g = reduction_backward(grad_output, x.shape[:-1], reduction, dtype)[..., None]
    xd = x.astype(dtype, copy=False)
    missing, count = _members(xd)
    count = count[..., None]
    accuracy = torch_sign(xd - y[..., None]) / count
    spread = (_signed_counts(xd) - count) / (count * count)
    grad = g * (accuracy - spread)
    if missing is not None:
        # 0 for a missing member; 0/0 = nan where none is left (autograd's g/0 through the nan-mean)
        grad = np.where(missing, 0 / count, grad)
    return grad.astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- log-cosh
@ieee()
def log_cosh_loss(input, target, reduction="mean"):
    """ℓ = log cosh(d), d = input − target: ½d² for small d, |d| − log 2 for large |d|.

    Computed as logaddexp(d, −d) − log 2 = |d| + log(1 + e^(−2|d|)) − log 2, which cannot overflow.

    `target` may have any shape that broadcasts to input's (optax: "broadcastable to that of
    predictions"); the loss has input's shape.

    Reference: optax `log_cosh(predictions=input, targets=target)`.
    """
    x, t, dtype, reduction = _prediction_and_truth(input, target, reduction, broadcast=True)
    a = np.abs((x - t).astype(dtype, copy=False))
    # logaddexp(d, −d) as jax computes it, max + log1p(e^(−|d − (−d)|)), with max = |d|: in place,
    # ten times faster than np.logaddexp (which also handles two unrelated arguments)
    loss = np.multiply(a, -2, dtype=dtype)
    np.exp(loss, out=loss)
    np.log1p(loss, out=loss)
    loss += a
    loss -= dtype.type(math.log(2))
    return apply_reduction(loss, reduction)


@ieee()
def log_cosh_loss_backward(grad_output, input, target, reduction="mean"):
    """∂ℓ/∂input = tanh(d): the slope of a smooth |d|, ±1 far away, d near 0."""
    x, t, dtype, reduction = _prediction_and_truth(input, target, reduction, broadcast=True)
    g = reduction_backward(grad_output, x.shape, reduction, dtype)
    return (g * np.tanh((x - t).astype(dtype, copy=False))).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- Brier
def _prepare_brier(input, target, reduction):
    """(p, onehot, scale, dtype, reduction): p of shape (n,) or (n, K), its 0/1 truth of p's shape."""
    p = as_float_array(input, "input")
    if p.ndim not in (1, 2):
        raise ValueError(f"input must be (n,) probabilities of class 1 or (n, K) probabilities, got shape {p.shape}")
    if p.ndim == 2 and p.shape[1] == 1:  # one column: class 1, as scikit-learn reads it
        p = p[:, 0]
    t = np.asarray(target)
    if t.shape != p.shape[:1]:
        raise ValueError(f"target must have shape ({p.shape[0]},), one label per sample, got {t.shape}")
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
        raise ValueError("input must hold probabilities in [0, 1]")
    reduction = check_reduction(reduction, elementwise_mean=False)
    if p.ndim == 1:
        # scikit-learn's binary labels: {0, 1} or {−1, 1}, class 1 the positive one (never 0 and −1 together)
        if t.dtype.kind not in "biuf" or not (np.all((t == 0) | (t == 1)) or np.all((t == -1) | (t == 1))):
            raise ValueError("target must hold 0 or 1 (or −1 or 1) when input is (n,) probabilities of class 1")
        # scikit-learn's two columns (1 − p, p), halved: ½·2(p − y)² = (p − y)².
        return p, (t == 1).astype(p.dtype), 1, p.dtype, reduction
    if t.dtype.kind not in "iu":
        raise TypeError(f"target must be integer class indices for (n, K) input, got dtype {t.dtype}")
    K = p.shape[1]
    if t.size and (t.min() < 0 or t.max() >= K):
        raise ValueError(f"target must hold class indices in [0, {K - 1}]")
    onehot = (t[:, None] == np.arange(K)).astype(p.dtype)
    # scale_by_half="auto": halved for two classes, so that it equals the binary score.
    return p, onehot, 0.5 if K <= 2 else 1, p.dtype, reduction


@ieee()
def brier_score(input, target, reduction="mean"):
    """Brier score: ℓ_n = Σ_k (p_nk − [y_n = k])², halved when K ≤ 2; (p_n − y_n)² for (n,) input.

    The squared error of a probability forecast, strictly proper: its expectation is smallest when
    p is the true class distribution. 'mean' averages over the n samples.

    Reference: scikit-learn `brier_score_loss(y_true=target, y_proba=input)` (its default
    `scale_by_half="auto"`).
    """
    p, y, scale, dtype, reduction = _prepare_brier(input, target, reduction)
    sq = (p - y) ** 2
    loss = sq if p.ndim == 1 else scale * np.sum(sq, axis=1)
    return apply_reduction(np.asarray(loss, dtype=dtype), reduction)


@ieee()
def brier_score_backward(grad_output, input, target, reduction="mean"):
    """∂ℓ_n/∂p_nk = 2·(p_nk − [y_n = k]) (times ½ when halved), times the upstream gradient."""
    shape = np.shape(input)
    p, y, scale, dtype, reduction = _prepare_brier(input, target, reduction)
    g = reduction_backward(grad_output, p.shape[:1], reduction, dtype)
    if p.ndim == 2:
        g = g[:, None]
    return np.asarray(g * (2 * scale) * (p - y), dtype=dtype).reshape(shape)
