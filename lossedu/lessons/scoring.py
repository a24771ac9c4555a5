"""Quantiles and proper scoring rules (notebook 12): threshold integrals, other conventions, figures.

The losses themselves live in `lossedu.functional.scoring` (homes: scikit-learn's `mean_pinball_loss` and
`brier_score_loss`, properscoring's `crps_gaussian` and `crps_ensemble`, optax's `log_cosh`). This module
holds what the lecture needs around them:

* `skewed_sample`: a small seeded sample whose quantiles are far apart (the pinball demonstration);
* the CRPS as an integral of Brier scores, `crps_by_thresholds` (any forecast cdf, by the trapezoid rule)
  and `ensemble_crps_by_thresholds` (an ensemble's step cdf, exactly), both through `LF.brier_score`;
  `expected_crps_gaussian`, the CRPS of N(μ, σ²) averaged over Y ~ N(m, s²), in closed form;
* numpy transcriptions of the *other* conventions the lecture compares with the homes, written from each
  library's documented formula: the fair ensemble CRPS (Ferro 2013; scoringrules' `estimator="fair"`),
  TensorFlow Addons' `pinball_loss`, GluonTS's `quantile_loss`, keras's `log_cosh`, Brier's original score;
* torch transcriptions of the homes (`torch_pinball`, `torch_crps_gaussian`, `torch_crps_ensemble`,
  `torch_log_cosh`, `torch_brier`), differentiated by autograd: the gradient parity and the tiny models'
  "home" runs (scikit-learn and properscoring are numpy, optax is not installed);
* the figures: the pinball loss, its step gradient and a sample's empirical risk at a quantile
  (`pinball_widget`), and the Gaussian CRPS as the area between a forecast cdf and the step of what
  happened (`crps_widget`), each `(fig, update)` for `lossedu.plot.interactive`'s fast path.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from .. import functional as LF
from ..functional.scoring import normal_cdf
from .contrastive import markdown_table
from ..i18n import tr

__all__ = [
    "skewed_sample",
    "pinball_risk",
    "threshold_brier",
    "crps_by_thresholds",
    "ensemble_crps_by_thresholds",
    "expected_crps_gaussian",
    "crps_ensemble_fair",
    "tfa_pinball",
    "gluonts_quantile_loss",
    "keras_log_cosh",
    "brier_1950",
    "brier_decomposition",
    "torch_pinball",
    "torch_crps_gaussian",
    "torch_crps_ensemble",
    "torch_log_cosh",
    "torch_brier",
    "markdown_table",
    "plot_pinball",
    "pinball_widget",
    "plot_crps",
    "crps_widget",
    "plot_quantile_band",
]

_INV_SQRT_PI = 1 / math.sqrt(math.pi)


# ----------------------------------------------------------------------------- data
def skewed_sample(n=101, seed=0):
    """n draws of a right-skewed variable, Y = e^Z with Z ~ N(0, 0.6²) (a log-normal: mean > median).

    Returns a float64 array of shape (n,), in the order drawn. With n·q not an integer the empirical
    q-quantile is one sample point, the unique minimiser of the mean pinball loss (the default
    n = 101 makes that so for q = 0.1, 0.5, 0.9).
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return np.exp(0.6 * np.random.default_rng(seed).standard_normal(int(n)))


def pinball_risk(c, sample, quantile):
    """R(c) = (1/n) Σ_i pinball(c, y_i; q) for every constant prediction c of the array `c` at once.

    A grid of constants is one call of `LF.pinball_loss` with reduction 'none', averaged over the sample.
    """
    c = np.asarray(c, dtype=np.float64)
    y = np.asarray(sample, dtype=np.float64)
    prediction, target = np.broadcast_arrays(c[..., None], y)
    return LF.pinball_loss(prediction, target, quantile, reduction="none").mean(axis=-1)


# ----------------------------------------------------------------------------- CRPS as Brier scores
def threshold_brier(cdf_values, target, thresholds):
    """The Brier score of each threshold event {Y ≤ u}: (F(u) − [y ≤ u])², by `LF.brier_score`.

    cdf_values: the forecast's probabilities F(u) of the event, one per threshold u of `thresholds`.
    """
    u = np.asarray(thresholds, dtype=np.float64)
    happened = (target <= u).astype(np.int64)
    return LF.brier_score(np.asarray(cdf_values, dtype=np.float64), happened, reduction="none")


def crps_by_thresholds(cdf, target, low, high, points=20001):
    """∫ (F(u) − [y ≤ u])² du over [low, high], F = `cdf` (a callable), by the trapezoid rule.

    The integral is split at u = y, where the step jumps, so that each half is smooth and the
    trapezoid rule converges as h² (with the default 20 001 points a side, to about 1e−7 relative for a
    Gaussian integrated over μ ± 12σ). low < y < high.
    """
    if not low < target < high:
        raise ValueError(f"target must lie between low and high, got {target} not in ({low}, {high})")
    total = 0.0
    for a, b in ((low, target), (target, high)):
        u = np.linspace(a, b, int(points))
        # at u = y itself the event has happened: the left half's last point takes its limit from below
        values = threshold_brier(cdf(u), target, u)
        if b == target:
            values[-1] = cdf(np.array([b]))[0] ** 2
        total += np.trapezoid(values, u)
    return float(total)


def ensemble_crps_by_thresholds(members, target):
    """∫ (F_M(u) − [y ≤ u])² du for an ensemble's step cdf F_M(u) = #{x_i ≤ u}/M, exactly.

    Between consecutive break points (the members and y, sorted) the integrand is constant: it is
    summed as (width × its value at the interval's midpoint). Outside them it is 0.
    """
    x = np.asarray(members, dtype=np.float64)
    edges = np.sort(np.append(x, target))
    middles = (edges[1:] + edges[:-1]) / 2
    F = np.mean(x[:, None] <= middles[None, :], axis=0)
    return float(np.sum(np.diff(edges) * threshold_brier(F, target, middles)))


def expected_crps_gaussian(mu, sigma, true_mu=0.0, true_sigma=1.0):
    """E_Y[CRPS(N(μ, σ²), Y)] for Y ~ N(m, s²), in closed form.

    CRPS(F, y) = E|X − y| − ½E|X − X′| (X, X′ ~ F independent). Over Y: X − Y ~ N(μ − m, σ² + s²),
    whose absolute value has mean r·√(2/π)·e^(−a²/2r²) + a·(2Φ(a/r) − 1) (a = μ − m, r² = σ² + s²),
    and E|X − X′| = 2σ/√π. Proper: for fixed (m, s) it is smallest at μ = m, σ = s.
    """
    a = np.asarray(mu, dtype=np.float64) - true_mu
    sigma = np.asarray(sigma, dtype=np.float64)
    r = np.sqrt(sigma**2 + true_sigma**2)
    folded = r * math.sqrt(2 / math.pi) * np.exp(-(a**2) / (2 * r**2)) + a * (2 * normal_cdf(a / r) - 1)
    return folded - sigma * _INV_SQRT_PI


# ----------------------------------------------------------------------------- other conventions (numpy)
def crps_ensemble_fair(ensemble, target):
    """The *fair* ensemble CRPS (Ferro 2013; scoringrules `crps_ensemble(obs, fct, estimator="fair")`):

        ℓ = (1/M)Σ_i|x_i − y| − (1/(2M(M − 1)))Σ_ij|x_i − x_j|,   members on the last axis, M ≥ 2.

    The plain score (properscoring's, `LF.crps_ensemble`) divides the spread by 2M² instead: it is the
    CRPS of the ensemble's own step cdf, while the fair one estimates, without bias, the CRPS of the
    distribution the members were drawn from. Per forecast (no reduction).
    """
    x = np.asarray(ensemble, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    M = x.shape[-1]
    if M < 2:
        raise ValueError(f"the fair CRPS needs at least 2 members, got {M}")
    accuracy = np.mean(np.abs(x - y[..., None]), axis=-1)
    spread = np.sum(np.abs(x[..., :, None] - x[..., None, :]), axis=(-2, -1)) / (2 * M * (M - 1))
    return accuracy - spread


def tfa_pinball(y_true, y_pred, tau=0.5):
    """TensorFlow Addons `pinball_loss(y_true, y_pred, tau)`: max(τ·d, (τ − 1)·d), d = y_true − y_pred,
    averaged over every axis but the first: one number per sample, shape (batch,)."""
    d = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    loss = np.maximum(tau * d, (tau - 1) * d)
    return loss.reshape(len(loss), -1).mean(axis=1)


def gluonts_quantile_loss(target, forecast, q):
    """GluonTS's evaluation metric `quantile_loss(target, forecast, q)`:
    2·Σ|(forecast − target)·([target ≤ forecast] − q)| — twice the SUM of pinball losses."""
    target = np.asarray(target, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    return 2 * np.sum(np.abs((forecast - target) * ((target <= forecast) - q)))


def keras_log_cosh(y_true, y_pred):
    """keras `losses.log_cosh(y_true, y_pred)`: x + softplus(−2x) − log 2 with x = y_pred − y_true,
    averaged over the LAST axis: shape (batch, d0, …, dN−1), one value less than the input's rank."""
    x = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    return np.mean(x + np.logaddexp(0, -2 * x) - math.log(2), axis=-1)


def brier_1950(probabilities, target):
    """Brier's original score (1950): Σ_k (p_k − [y = k])² over ALL K classes, never halved; for a
    binary forecast p of class 1 (two classes, 1 − p and p) it is 2(p − y)². Per sample."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 1:
        p = np.stack([1 - p, p], axis=1)
    onehot = np.asarray(target)[:, None] == np.arange(p.shape[1])
    return np.sum((p - onehot) ** 2, axis=1)


def brier_decomposition(probabilities, target):
    """Murphy's (1973) decomposition of the mean binary Brier score: (reliability, resolution, uncertainty).

    Group the forecasts by their distinct values f_k (n_k forecasts each, ō_k of them followed by a 1);
    ō is the overall frequency of 1s. Then, exactly,

        mean (p − y)² = Σ_k n_k (f_k − ō_k)²/N  −  Σ_k n_k (ō_k − ō)²/N  +  ō(1 − ō)
                      =        reliability      −       resolution       +  uncertainty.

    Reliability (small is good) is the miscalibration: how far "70 %" is from the frequency it came true.
    Resolution (large is good) is how much the forecasts sort the cases apart. Uncertainty is the data's,
    the score of always forecasting ō. Forecasts that take many values are usually rounded first.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    values, group = np.unique(p, return_inverse=True)
    count = np.bincount(group, minlength=values.size)
    observed = np.bincount(group, weights=y, minlength=values.size) / count
    base_rate = y.mean()
    reliability = np.sum(count * (values - observed) ** 2) / y.size
    resolution = np.sum(count * (observed - base_rate) ** 2) / y.size
    return float(reliability), float(resolution), float(base_rate * (1 - base_rate))


# ----------------------------------------------------------------------------- the homes, in torch
def _reduce(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def torch_pinball(input, target, quantile=0.5, reduction="mean"):
    """scikit-learn 1.9 mean_pinball_loss: sign = (diff >= 0); α·sign·diff − (1 − α)(1 − sign)·diff."""
    diff = target - input
    sign = (diff >= 0).to(diff.dtype)
    return _reduce(quantile * sign * diff - (1 - quantile) * (1 - sign) * diff, reduction)


def torch_crps_gaussian(mu, sigma, target, reduction="mean"):
    """properscoring 0.1 crps_gaussian: σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π)."""
    import torch

    z = (target - mu) / sigma
    pdf = torch.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return _reduce(sigma * (z * (2 * torch.special.ndtr(z) - 1) + 2 * pdf - 1 / math.sqrt(math.pi)), reduction)


def torch_crps_ensemble(ensemble, target, reduction="mean"):
    """properscoring 0.1 _crps_ensemble_vectorized: E|X − y| − ½E|X − X'| as nan-means over the members
    (nan members skipped; autograd's |·|'(0) = 0 and nansum's 0 for a nan)."""
    accuracy = (ensemble - target[..., None]).abs().nanmean(-1)
    spread = (ensemble[..., :, None] - ensemble[..., None, :]).abs().nanmean((-2, -1))
    return _reduce(accuracy - 0.5 * spread, reduction)


def torch_log_cosh(input, target, reduction="mean"):
    """optax log_cosh (optax/losses/_regression.py, 0.2.x): logaddexp(d, −d) − log 2."""
    import torch

    d = input - target
    return _reduce(torch.logaddexp(d, -d) - math.log(2.0), reduction)


def torch_brier(input, target, reduction="mean"):
    """scikit-learn 1.9 brier_score_loss: Σ_k (onehot − p)² per sample, halved when K ≤ 2;
    a vector (or one column) of probabilities of class 1 is the two columns (1 − p, p)."""
    import torch

    if input.ndim == 2 and input.shape[1] == 1:
        input = input[:, 0]
    if input.ndim == 1:
        p = torch.stack([1 - input, input], 1)
        onehot = torch.stack([1 - target.to(p.dtype), target.to(p.dtype)], 1)
    else:
        p = input
        onehot = torch.nn.functional.one_hot(target.long(), p.shape[1]).to(p.dtype)
    loss = ((onehot - p) ** 2).sum(1)
    if p.shape[1] < 3:
        loss = 0.5 * loss
    return _reduce(loss, reduction)



# ----------------------------------------------------------------------------- the pinball figure
def _pinball_curves(d, quantile):
    """(ℓ, ∂ℓ/∂ŷ) at d = y − ŷ, by the package: prediction 0, target d."""
    zeros = np.zeros_like(d)
    return (LF.pinball_loss(zeros, d, quantile, reduction="none"),
            LF.pinball_loss_backward(np.ones_like(d), zeros, d, quantile, reduction="none"))


def plot_pinball(quantile=0.9, sample=None, *, figsize=(11, 3.8)):
    """`pinball_widget`'s figure alone. Returns the Figure."""
    return pinball_widget(quantile, sample, figsize=figsize)[0]


def pinball_widget(quantile=0.9, sample=None, *, figsize=(11, 3.8)):
    """The pinball loss at quantile q, for `lossedu.plot.interactive`: (figure, update(quantile)).

    Left: ℓ(d) = q·d for d = y − ŷ ≥ 0, (q − 1)·d below, and its gradient ∂ℓ/∂ŷ, a step: 1 − q where
    d < 0 (over-predicted), −q where d ≥ 0 (the tie included), both by the package.
    Right: a sample (`skewed_sample()` by default) as a rug and the empirical risk R(c) of a constant
    prediction c (`pinball_risk`); its minimiser on the grid (a dot) and the sample's q-quantile
    (`np.quantile`, dashed) move together. The risk axis is sized once for every q: R is linear in q,
    so its largest value over q ∈ [0, 1] is at q = 0 or q = 1.
    """
    y = skewed_sample() if sample is None else np.asarray(sample, dtype=np.float64)
    d = np.linspace(-3.0, 3.0, 601)
    c = np.linspace(0.0, float(np.quantile(y, 0.995)) * 1.05, 401)
    fig = Figure(figsize=figsize, layout="constrained")
    loss_ax, risk_ax = fig.subplots(1, 2)
    value, slope = _pinball_curves(d, quantile)
    (loss_line,) = loss_ax.plot(d, value, color="C0", label=tr("loss ℓ(d)"))
    (grad_line,) = loss_ax.plot(d, slope, color="C3", drawstyle="steps-post", label=tr("gradient ∂ℓ/∂ŷ"))
    loss_ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    loss_ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    loss_ax.set(xlabel=tr("d = y − ŷ  (d > 0: under-predicted)"), ylim=(-1.1, 3.1))
    loss_ax.grid(alpha=0.3)
    loss_ax.legend(loc="upper center", fontsize="small")

    risk_ax.plot(y, np.zeros_like(y), "|", color="0.3", ms=12, label=tr("sample (n = {n})", n=y.size))
    top = max(pinball_risk(c, y, 0.0).max(), pinball_risk(c, y, 1.0).max())
    (risk_line,) = risk_ax.plot(c, pinball_risk(c, y, quantile), color="C0", label=tr("mean pinball R(c)"))
    (best_dot,) = risk_ax.plot([], [], "o", color="C0", mec="k", label=tr("its minimiser"))
    quantile_line = risk_ax.axvline(0.0, color="C1", ls="--", label="np.quantile(sample, q)")
    risk_ax.set(xlabel=tr("constant prediction c"), ylim=(-0.05 * top, 1.05 * top), xlim=(c[0], c[-1]))
    risk_ax.grid(alpha=0.3)
    risk_ax.legend(loc="upper center", fontsize="small")

    def update(quantile):
        value, slope = _pinball_curves(d, quantile)
        loss_line.set_ydata(value)
        grad_line.set_ydata(slope)
        R = pinball_risk(c, y, quantile)
        i = np.argmin(R)
        risk_line.set_ydata(R)
        best_dot.set_data([c[i]], [R[i]])
        q_value = float(np.quantile(y, quantile))
        quantile_line.set_xdata([q_value, q_value])
        loss_ax.set_title(tr("q = {q:.2f}: slopes −{q:.2f} and {p:.2f}", q=quantile, p=1 - quantile))
        risk_ax.set_title(tr("minimiser {c:.3f}, {q:.2f}-quantile {value:.3f}", c=c[i], q=quantile, value=q_value))

    update(quantile)
    return fig, update


# ----------------------------------------------------------------------------- the CRPS figure
def plot_crps(mu=0.0, sigma=1.0, target=0.8, *, figsize=(12, 3.8)):
    """`crps_widget`'s figure alone. Returns the Figure."""
    return crps_widget(mu, sigma, target, figsize=figsize)[0]


def crps_widget(mu=0.0, sigma=1.0, target=0.8, *, figsize=(12, 3.8), mus=(-3.0, 3.0), sigmas=(0.05, 3.0), span=6.0):
    """The CRPS of N(μ, σ²) against the observation y = target, for `lossedu.plot.interactive`:
    (figure, update(mu, sigma)).

    Left: the forecast's cdf F(u) = Φ((u − μ)/σ) and the step [y ≤ u] of what happened, the gap shaded.
    Middle: the threshold Brier scores (F(u) − [y ≤ u])² (`threshold_brier`): their area is the CRPS.
    Right: CRPS(μ, σ) against σ for the current μ, the current σ a dot, and its σ → 0 limit |μ − y| dotted.
    The u axis is [y − span, y + span] and the CRPS axis is sized for the slider ranges `mus`, `sigmas`,
    once: a move never rescales them.
    """
    u = np.linspace(target - span, target + span, 1201)
    s_grid = np.linspace(*sigmas, 200)
    step = (u >= target).astype(np.float64)
    fig = Figure(figsize=figsize, layout="constrained")
    cdf_ax, brier_ax, sigma_ax = fig.subplots(1, 3)
    cdf_ax.plot(u, step, color="k", lw=1.5, label=tr("what happened: [y ≤ u], y = {target:g}", target=target))
    (cdf_line,) = cdf_ax.plot(u, step, color="C0", label=tr("forecast cdf F(u)"))
    gap = cdf_ax.fill_between(u, step, step, color="C0", alpha=0.2)
    cdf_ax.set(xlabel=tr("threshold u"), ylabel=tr("probability of {Y ≤ u}"), ylim=(-0.05, 1.05))
    cdf_ax.legend(loc="upper left", fontsize="small")
    (brier_line,) = brier_ax.plot(u, np.zeros_like(u), color="C1")
    area = brier_ax.fill_between(u, 0, np.zeros_like(u), color="C1", alpha=0.3)
    brier_ax.set(xlabel=tr("threshold u"), ylabel=tr("Brier score of {Y ≤ u}"), ylim=(-0.02, 1.02))
    (crps_line,) = sigma_ax.plot(s_grid, np.zeros_like(s_grid), color="C2", label=tr("CRPS(μ, σ) at this μ"))
    (crps_dot,) = sigma_ax.plot([], [], "o", color="C2", mec="k")
    limit_line = sigma_ax.axhline(0.0, color="0.4", ls=":", label="σ → 0: |μ − y|")
    corners = np.array([mus[0], mus[0], mus[1], mus[1]]), np.array([sigmas[0], sigmas[1]] * 2)
    top = LF.crps_gaussian(*corners, np.full(4, target), reduction="none").max()  # the CRPS is convex in (μ, σ)
    sigma_ax.set(xlabel="σ", ylabel="CRPS", xlim=sigmas, ylim=(0, 1.05 * top))
    sigma_ax.legend(loc="upper left", fontsize="small")
    for ax in fig.axes:
        ax.grid(alpha=0.3)

    def update(mu, sigma):
        F = normal_cdf((u - mu) / sigma)
        cdf_line.set_ydata(F)
        gap.set_data(u, F, step)
        brier = threshold_brier(F, target, u)
        brier_line.set_ydata(brier)
        area.set_data(u, 0, brier)
        crps = float(LF.crps_gaussian(np.float64(mu), np.float64(sigma), np.float64(target)))
        crps_line.set_ydata(LF.crps_gaussian(np.full(s_grid.shape, float(mu)), s_grid, np.full(s_grid.shape, float(target)),
                                             reduction="none"))
        crps_dot.set_data([sigma], [crps])
        limit_line.set_ydata([abs(mu - target)] * 2)
        cdf_ax.set_title(f"N(μ = {mu:.2f}, σ = {sigma:.2f})")
        brier_ax.set_title(tr("shaded area = CRPS = {crps:.4f}", crps=crps))

    update(mu, sigma)
    return fig, update


# ----------------------------------------------------------------------------- the quantile band
def plot_quantile_band(x, y, grid, bands, *, truth=None, title=None, figsize=(7, 4)):
    """Data points and, per model, its predicted quantiles on `grid` (lower, middle, upper), the band shaded.

    bands: mapping label → array (len(grid), 3) of the q = 0.1, 0.5, 0.9 predictions (any three, in order).
    truth: optional array (len(grid), 3) of the true quantiles, drawn dotted. Returns the Figure.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    ax.plot(x, y, ".", color="0.6", ms=4, label=tr("data"))
    for k, (label, band) in enumerate(bands.items()):
        band = np.asarray(band, dtype=np.float64)
        ax.plot(grid, band[:, 1], color=f"C{k}", label=tr("{label}: median", label=label))
        ax.fill_between(grid, band[:, 0], band[:, 2], color=f"C{k}", alpha=0.2, label=tr("{label}: 0.1 to 0.9", label=label))
    if truth is not None:
        truth = np.asarray(truth, dtype=np.float64)
        for j in range(truth.shape[1]):
            ax.plot(grid, truth[:, j], color="k", ls=":", lw=1, label=tr("true quantiles") if j == 0 else None)
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    return fig
