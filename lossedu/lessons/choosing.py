"""The lessons of notebook 09 (choosing a loss): loss landscapes, proper scoring rules, temperature scaling.

Every number here is computed with the package's own losses (`lossedu.functional`), vectorised:
a whole grid of models is one call of a loss with `reduction="none"`, averaged over the samples.

- **Loss landscapes.** The empirical risk of the linear model f(x) = w·x + b,

      R(w, b) = (1/N) Σₙ ℓ(w·xₙ + b, yₙ),

  drawn over a grid of (w, b) for MSE and L1 (regression, on `line_with_outliers`) and for the
  hinge and cross-entropy (classification, on a small 1-D two-class set made here).
- **Proper scoring rules.** For an outcome Y ~ Bernoulli(η) and a forecast q of P(Y = 1), the
  expected score S(q; η) = η·ℓ(q, 1) + (1 − η)·ℓ(q, 0). A score is *proper* when S is minimised
  at q = η: the log loss and the Brier score are, the hinge and the absolute error are not.
- **Temperature scaling.** One number T > 0 divides a trained classifier's logits, fitted on
  held-out data by minimising the negative log-likelihood; it changes the confidences, never
  the predicted class.

The 1-D classification data live here rather than in `lossedu.data` because only this lesson
uses them; they follow its conventions (n first, `seed` last, fresh Generator, numpy out).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from .. import functional as LF
from ..data import flip_labels, line_with_outliers
from ..i18n import tr

__all__ = [
    "scattered_outliers", "two_classes_1d",
    "squared_error", "absolute_error", "hinge", "logistic", "LANDSCAPE_LOSSES",
    "risk", "Minimum", "minimise", "landscape_data", "plot_landscapes", "landscape_widget",
    "log_loss", "brier", "absolute", "hinge_on_probability", "SCORING_RULES",
    "expected_score", "best_forecast", "plot_expected_scores", "expected_scores_widget",
    "softmax", "fit_temperature",
]


# ----------------------------------------------------------------------------- data
def scattered_outliers(n=60, outlier_fraction=0.2, outlier_shift=-6.0, seed=0):
    """`line_with_outliers`'s line and noise, with the outliers at random x instead of the largest x.

    The clean points are exactly those of `line_with_outliers(n, outlier_fraction=0, seed=seed)`
    (y = 2x − 1 + N(0, 0.3²) on x ∈ [−1, 1]); then round(n·outlier_fraction) points chosen at
    random (a second generator seeded from `seed`) are moved by `outlier_shift`. Scattered over
    the x range they have no lever on the slope: the contrast with outliers all at one end.

    Returns (x, y): float64 arrays of shape (n,), x sorted ascending.
    """
    x, y = line_with_outliers(n, outlier_fraction=0.0, seed=seed)
    if not 0.0 <= outlier_fraction <= 1.0:
        raise ValueError(f"outlier_fraction must be in [0, 1], got {outlier_fraction}")
    chosen = np.random.default_rng([seed, 1]).choice(x.size, int(round(x.size * outlier_fraction)), replace=False)
    y[chosen] += outlier_shift
    return x, y


def two_classes_1d(n=40, gap=0.5, reach=2.0, seed=0):
    """A small 1-D two-class set that a threshold separates: x < 0 is class 0, x > 0 class 1.

    Half the samples (class 1, the first n − n//2) have x ~ Uniform[gap/2, reach], the other half
    the mirror image; the order is shuffled. There is an empty gap of width `gap` around 0, so the
    clean labels are separable with margin ≥ gap/2 — the case where cross-entropy's minimiser runs
    off to infinity. Add label noise with `lossedu.data.flip_labels(t, fraction, classes=2)`.

    Returns (x, t): x float64 of shape (n,), t int64 labels in {0, 1} of shape (n,).
    """
    n = int(n)
    if n < 2 or not 0 <= gap / 2 < reach:
        raise ValueError(f"need n ≥ 2 and 0 ≤ gap/2 < reach, got n={n}, gap={gap}, reach={reach}")
    rng = np.random.default_rng(seed)
    t = (np.arange(n) < n - n // 2).astype(np.int64)
    x = (2 * t - 1) * rng.uniform(gap / 2, reach, size=n)
    order = rng.permutation(n)
    return x[order], t[order]


# ----------------------------------------------------------------------------- one loss per sample, of a score f
def squared_error(f, y):
    """ℓ = (f − y)²: `mse_loss` per sample."""
    return LF.mse_loss(f, y, reduction="none")


def absolute_error(f, y):
    """ℓ = |f − y|: `l1_loss` per sample."""
    return LF.l1_loss(f, y, reduction="none")


def hinge(f, t):
    """The plain hinge ℓ = max(0, 1 − s·f) with s = 2t − 1 = ±1, from `multi_margin_loss`.

    With two classes and the scores (0, f), multi_margin_loss is (1/C)·max(0, 1 − x_t + x_other)
    = ½·max(0, 1 − s·f): the binary hinge of an SVM, halved by its 1/C. So the hinge is
    C = 2 times it. (soft_margin_loss is not a hinge: it is the logistic loss log(1 + e^{−s·f}).)
    """
    f = np.asarray(f, dtype=np.float64)
    scores = np.stack([np.zeros_like(f), f], axis=-1).reshape(-1, 2)
    loss = 2 * LF.multi_margin_loss(scores, np.asarray(t, dtype=np.int64).reshape(-1), reduction="none")
    return loss.reshape(f.shape)


def logistic(f, t):
    """Cross-entropy of the logit f for a 0/1 label t: `binary_cross_entropy_with_logits` per sample."""
    return LF.binary_cross_entropy_with_logits(f, np.asarray(t, dtype=np.float64), reduction="none")


#: The four losses of the landscape figure: name → per-sample loss ℓ(f, y) of a score f.
LANDSCAPE_LOSSES = {"MSE": squared_error, "L1": absolute_error, "hinge": hinge, "cross-entropy": logistic}


# ----------------------------------------------------------------------------- landscapes
def risk(loss, x, y, w, b):
    """R(w, b) = (1/N) Σₙ ℓ(w·xₙ + b, yₙ) for every model (w, b) of the arrays w, b at once.

    loss: a per-sample loss ℓ(f, y) such as `squared_error` or `hinge`; x, y: the N samples;
    w, b: arrays of one shape (e.g. a meshgrid). Returns R with the shape of w.
    """
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    f = w[..., None] * x + b[..., None]  # one row of N scores per model
    return loss(f, np.broadcast_to(y, f.shape)).mean(axis=-1)


class Minimum(NamedTuple):
    """Where a risk is smallest on a box of (w, b): the model, its risk, and whether the box's edge stopped it."""

    w: float
    b: float
    risk: float
    on_edge: bool


def _argmin_widest_margin(R, W, B):
    """The grid index of the smallest R; among ties (a flat valley) the smallest |w|, then the smallest |b|.

    On separable labels the hinge is 0 on a whole region; its model with the smallest |w| has the
    widest margin 1/|w|: the hard-margin SVM.
    """
    ties = np.flatnonzero(R.ravel() <= R.min() + 1e-12 * max(1.0, abs(R.min())))
    return ties[np.lexsort((np.abs(B.ravel()[ties]), np.abs(W.ravel()[ties])))[0]]


def minimise(loss, x, y, w_range, b_range, size=41, zooms=5):
    """The minimiser of R(w, b) on the box w_range × b_range, by a grid search that zooms in.

    Evaluate R on a size × size grid, keep the best point, then repeat on a grid of ±3 cells
    around it (clipped to the box), `zooms` times: each zoom shrinks the cell by (size − 1)/6.
    A convex risk (all four here) has no other valley to miss. Ties, as in the hinge's flat
    valley where R = 0 on a whole region, go to the smallest |w| (the widest margin). `on_edge` says the
    minimum sat on the box's edge: the true minimiser is outside the box, or at infinity.
    """
    (lo_w, hi_w), (lo_b, hi_b) = w_range, b_range
    w0, w1, b0, b1 = lo_w, hi_w, lo_b, hi_b
    for _ in range(zooms + 1):
        W, B = np.meshgrid(np.linspace(w0, w1, size), np.linspace(b0, b1, size), indexing="ij")
        R = risk(loss, x, y, W, B)
        i, j = np.unravel_index(_argmin_widest_margin(R, W, B), R.shape)
        w, b = W[i, j], B[i, j]
        dw, db = 3 * (w1 - w0) / (size - 1), 3 * (b1 - b0) / (size - 1)
        w0, w1, b0, b1 = max(w - dw, lo_w), min(w + dw, hi_w), max(b - db, lo_b), min(b + db, hi_b)
    on_edge = bool(np.isclose(w, [lo_w, hi_w]).any() or np.isclose(b, [lo_b, hi_b]).any())
    return Minimum(float(w), float(b), float(R[i, j]), on_edge)


#: The boxes the landscape figure draws (wide enough for every position of its sliders).
REGRESSION_BOX = ((-3.0, 7.0), (-4.0, 2.0))
CLASSIFICATION_BOX = ((-1.0, 6.0), (-3.0, 3.0))


def landscape_data(outlier_shift=-6.0, outlier_fraction=0.1, label_noise=0.0):
    """The two data sets of the landscape figure, as {"regression": (x, y), "classification": (x, t)}.

    Regression: `line_with_outliers(60, outlier_fraction, outlier_shift, seed=0)` (the outliers
    are the largest x); classification: `two_classes_1d()` with round(40·label_noise) labels
    flipped by `flip_labels(..., seed=0)`. The defaults of the other arguments give the clean data.
    """
    x, y = line_with_outliers(60, outlier_fraction=outlier_fraction, outlier_shift=outlier_shift, seed=0)
    xc, t = two_classes_1d()
    return {"regression": (x, y), "classification": (xc, flip_labels(t, label_noise, classes=2, seed=0)[0])}


_PANELS = {"MSE": "regression", "L1": "regression", "hinge": "classification", "cross-entropy": "classification"}
_BOXES = {"regression": REGRESSION_BOX, "classification": CLASSIFICATION_BOX}
_CLEAN = {}  # loss name → its minimiser on the clean data (the same for every redraw)


def _clean_minimum(name):
    if name not in _CLEAN:
        data = landscape_data(outlier_fraction=0.0)[_PANELS[name]]
        _CLEAN[name] = minimise(LANDSCAPE_LOSSES[name], *data, *_BOXES[_PANELS[name]], size=15, zooms=5)
    return _CLEAN[name]


class _Landscapes:
    """The landscape figure: built once, then `show(...)` draws any position of the controls in place.

    Everything that depends on the data is replaced on each `show`: the contour lines (a new
    ContourSet: the levels move with the data), the shaded flat valley, and the data of the
    stars, lines and points (`set_data`, `set_offsets`), level labels, titles and legend texts.
    The axes, their limits and the clean minimisers (hollow circles) are drawn once. A panel
    whose data did not change (the outlier sliders move only the regression data, label noise
    only the classification data) keeps what it shows: half the work of a move.
    """

    levels = 9  # contour lines per panel, spaced quadratically: denser near the minimum

    def __init__(self, size=60, figsize=(13, 7.5)):
        self.fig = Figure(figsize=figsize, layout="constrained")
        self.axes = self.fig.subplots(2, 3)
        self.grids, self.stars, self.drawn, self.level_labels, self.shown = {}, {}, {}, {}, {}
        for k, name in enumerate(LANDSCAPE_LOSSES):
            ax, ((w0, w1), (b0, b1)) = self.axes[k // 2, 1 + k % 2], _BOXES[_PANELS[name]]
            self.grids[name] = np.meshgrid(np.linspace(w0, w1, size), np.linspace(b0, b1, size), indexing="ij")
            clean = _clean_minimum(name)
            ax.plot(clean.w, clean.b, "o", mfc="none", mec="k", ms=10)
            (self.stars[name],) = ax.plot([], [], "*", color=f"C{k}", mec="k", ms=15)
            ax.set(xlim=(w0, w1), ylim=(b0, b1), xlabel="w", ylabel="b")
            self.drawn[name] = []
            self.level_labels[name] = [ax.text(0, 0, "", fontsize=7, ha="center", va="center", visible=False,
                                               bbox=dict(boxstyle="round,pad=0.1", fc="w", ec="none", alpha=0.8))
                                       for _ in range(self.levels // 2 + 1)]
        self.fig.suptitle(tr("contours of the risk R(w, b), every other level labelled;  ★ its minimiser,  "
                          "○ the minimiser without outliers / with clean labels"), fontsize="medium")

        ax, ends = self.axes[0, 0], np.array([-1.0, 1.0])
        self.points = ax.scatter([], [], s=12, color="0.4", zorder=3)
        ax.plot(ends, 2 * ends - 1, "k:", label=tr("truth y = 2x − 1"))
        self.fits = {name: ax.plot(ends, ends, color=f"C{k}", label=name)[0] for k, name in enumerate(("MSE", "L1"))}
        ax.set(xlabel="x", ylabel="y", xlim=(-1.1, 1.1), ylim=(-12, 10))
        ax.legend(fontsize="small", loc="upper center", ncol=2)

        ax, self.grid = self.axes[1, 0], np.linspace(-2.2, 2.2, 200)
        self.labels = ax.scatter([], [], s=14, color="0.4", zorder=3)
        self.flipped = ax.scatter([], [], s=50, facecolors="none", edgecolors="r", zorder=4, label=tr("flipped label"))
        (self.sigmoid,) = ax.plot(self.grid, self.grid, color="C3", label=tr("σ(w·x + b), cross-entropy"))
        self.thresholds = {name: ax.axvline(0.0, color=f"C{k}", ls="--", lw=1,
                                            label=tr("{name}: threshold −b/w", name=tr(name)))
                           for k, name in ((2, "hinge"), (3, "cross-entropy"))}
        ax.set(xlabel="x", ylabel=tr("label t"), xlim=(-2.3, 2.3), ylim=(-0.1, 1.1))
        ax.legend(fontsize="x-small", loc="center right")  # the empty band between the two rows of labels
        for ax in self.axes[:, 0]:
            ax.grid(alpha=0.3)

    def _panel(self, k, name, data):
        """Contours of R (labelled, denser near the minimum), the flat valley shaded, the minimiser starred."""
        last = self.shown.get(name)
        if last is not None and all(np.array_equal(a, b) for a, b in zip(last[0], data)):
            return last[1]  # the same data: the panel already shows it
        ax, (W, B) = self.axes[k // 2, 1 + k % 2], self.grids[name]
        for artist in self.drawn[name]:
            artist.remove()
        R = risk(LANDSCAPE_LOSSES[name], *data, W, B)
        lo, hi = float(R.min()), float(np.percentile(R, 95))
        levels = lo + (hi - lo) * np.linspace(0, 1, self.levels + 1)[1:] ** 2
        self.drawn[name] = [ax.contour(W, B, R, levels=levels, cmap="viridis", linewidths=0.9)]
        _label_levels(self.level_labels[name], W, B, R, levels[::2])
        if lo == 0.0:  # a flat valley: the risk is exactly 0 on a whole region
            self.drawn[name].append(ax.contourf(W, B, R, levels=[-1.0, 1e-12], colors=[f"C{k}"], alpha=0.3))
        m = minimise(LANDSCAPE_LOSSES[name], *data, *_BOXES[_PANELS[name]], size=15, zooms=5)
        self.stars[name].set_data([m.w], [m.b])
        where = tr("no minimum: → ∞") if m.on_edge else f"★ ({m.w:.2f}, {m.b:.2f})"
        ax.set_title(f"{tr(name)}: {where}" + (tr("; shaded: R = 0") if lo == 0.0 else ""))
        self.shown[name] = (tuple(np.copy(a) for a in data), m)
        return m

    def show(self, outlier_shift=-6.0, outlier_fraction=0.1, label_noise=0.0):
        data = landscape_data(outlier_shift, outlier_fraction, label_noise)
        best = {name: self._panel(k, name, data[_PANELS[name]]) for k, name in enumerate(LANDSCAPE_LOSSES)}

        ax, (x, y) = self.axes[0, 0], data["regression"]
        self.points.set_offsets(np.c_[x, y])
        for k, name in enumerate(self.fits):
            self.fits[name].set_ydata(best[name].w * np.array([-1.0, 1.0]) + best[name].b)
            ax.get_legend().get_texts()[1 + k].set_text(tr("{name}: slope {w:.2f}", name=tr(name), w=best[name].w))
        ax.set_title(tr("{fraction:.0%} of the points (largest x) moved by {shift:+g}", fraction=outlier_fraction,
                        shift=outlier_shift))

        ax, (x, t) = self.axes[1, 0], data["classification"]
        flipped = t != landscape_data()["classification"][1]
        self.labels.set_offsets(np.c_[x, t])
        self.flipped.set_offsets(np.c_[x[flipped], t[flipped]])
        m = best["cross-entropy"]
        self.sigmoid.set_ydata(1 / (1 + np.exp(-(m.w * self.grid + m.b))))
        for name, line in self.thresholds.items():
            threshold = -best[name].b / best[name].w if best[name].w else np.nan
            line.set_xdata([threshold, threshold])
        ax.set_title(tr("{noise:.0%} of the labels flipped", noise=label_noise))
        return self.fig


def _label_levels(texts, W, B, R, levels):
    """Write each contour level's value where its line crosses the ray from the grid's minimum along w.

    The ray runs towards the farther edge, so every level that rises above the minimum within
    the box gets a label (a ruler through the valley); the others are hidden. (Matplotlib's
    clabel places labels better, but costs ~0.1 s per panel: too slow for a slider.)
    """
    i, j = np.unravel_index(np.argmin(R), R.shape)
    ray = np.arange(i, R.shape[0]) if i < R.shape[0] / 2 else np.arange(i, -1, -1)
    for text, level in zip(texts, levels):
        crossed = ray[R[ray, j] >= level]
        text.set_visible(crossed.size > 0)
        if crossed.size:
            text.set_position((W[crossed[0], j], B[crossed[0], j]))
            text.set_text(f"{level:.2g}")


def plot_landscapes(outlier_shift=-6.0, outlier_fraction=0.1, label_noise=0.0, *, size=60, figsize=(13, 7.5)):
    """The empirical risk R(w, b) of f = w·x + b under MSE and L1 (top) and hinge and cross-entropy (bottom).

    The data are `landscape_data(outlier_shift, outlier_fraction, label_noise)`. Left: the data and
    each loss's best model; then one panel per loss with labelled contour levels of R on a
    size × size grid, its minimiser as a star, and the minimiser on the clean data (no outliers,
    no flipped labels) as a hollow circle, so you see how far the data moved it. Where R = 0 on a
    whole region (the hinge on separable data) the region is shaded. Returns the Figure.
    """
    return _Landscapes(size, figsize).show(outlier_shift, outlier_fraction, label_noise)


def landscape_widget(outlier_shift=-6.0, outlier_fraction=0.1, label_noise=0.0, *, size=60):
    """`plot_landscapes` for `lossedu.plot.interactive`: (figure, update), the update redrawing in place.

        interactive(landscape_widget, outlier_shift=(-10.0, 10.0, 1.0, -6.0), ...)
    """
    figure = _Landscapes(size)
    figure.show(outlier_shift, outlier_fraction, label_noise)
    return figure.fig, figure.show


# ----------------------------------------------------------------------------- proper scoring rules
def log_loss(q, y):
    """ℓ(q, y) = −[y·log q + (1 − y)·log(1 − q)]: `binary_cross_entropy` per sample."""
    return LF.binary_cross_entropy(q, y, reduction="none")


def brier(q, y):
    """ℓ(q, y) = (q − y)²: the Brier score, `mse_loss` per sample."""
    return LF.mse_loss(q, y, reduction="none")


def absolute(q, y):
    """ℓ(q, y) = |q − y|: `l1_loss` per sample (the bounded loss of notebook 09's noisy labels)."""
    return LF.l1_loss(q, y, reduction="none")


def hinge_on_probability(q, y):
    """ℓ(q, y) = max(0, 1 − s·(2q − 1)), s = 2y − 1: the hinge of the score f = 2q − 1 ∈ [−1, 1]."""
    return hinge(2 * np.asarray(q, dtype=np.float64) - 1, y)


#: The scores compared for properness: name → ℓ(q, y) of a forecast q ∈ [0, 1] and an outcome y ∈ {0, 1}.
SCORING_RULES = {"log loss": log_loss, "Brier": brier, "absolute error": absolute, "hinge on 2q − 1": hinge_on_probability}


def expected_score(score, q, eta):
    """S(q; η) = η·ℓ(q, 1) + (1 − η)·ℓ(q, 0): the score of forecast q, averaged over Y ~ Bernoulli(η).

    The score ℓ is *proper* when S(·; η) is smallest at q = η for every η: the honest forecast
    is the best one. q and eta broadcast against each other (e.g. q of shape (Q,), eta (E, 1)).
    Reference: Gneiting & Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation", JASA 2007.
    """
    q, eta = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(eta, dtype=np.float64))
    return eta * score(q, np.ones_like(q)) + (1 - eta) * score(q, np.zeros_like(q))


def best_forecast(score, eta, q=None):
    """The forecast q that minimises S(q; η), on the grid q (default 1001 points of [0, 1]), for each η.

    A proper score answers q = η; ties go to the smallest q.
    """
    q = np.linspace(0.0, 1.0, 1001) if q is None else np.asarray(q, dtype=np.float64)
    eta = np.asarray(eta, dtype=np.float64)
    return q[np.argmin(expected_score(score, q, eta[..., None]), axis=-1)]


def plot_expected_scores(etas=(0.1, 0.3, 0.7), *, figsize=(13, 3.6)):
    """S(q; η) against the forecast q, one panel per scoring rule, one curve per η (its minimiser a dot).

    The true probability η is a dotted vertical line of the curve's colour: on a proper score
    the dot sits on it. Returns the Figure.
    """
    q = np.linspace(0.0, 1.0, 501)
    etas = np.atleast_1d(np.asarray(etas, dtype=np.float64))
    fig = Figure(figsize=figsize, layout="constrained")
    for ax, (name, score) in zip(fig.subplots(1, len(SCORING_RULES)), SCORING_RULES.items()):
        for k, eta in enumerate(etas):
            S = expected_score(score, q, eta)
            i = np.argmin(S)
            ax.plot(q, S, color=f"C{k}", label=f"η = {eta:.2f}")
            ax.plot(q[i], S[i], "o", color=f"C{k}", mec="k", ms=7)
            ax.axvline(eta, color=f"C{k}", ls=":", lw=1.2)
        ax.set(xlabel=tr("forecast q"), ylabel=tr("expected score S(q; η)"), title=tr(name),
               ylim=(0, min(2.5, ax.get_ylim()[1])))
        ax.grid(alpha=0.3)
    fig.axes[0].legend(fontsize="small", loc="upper center")
    fig.suptitle(tr("dots: the best forecast; dotted: the true probability η"))
    return fig


def expected_scores_widget(eta=0.3):
    """`plot_expected_scores((eta,))` for `lossedu.plot.interactive`: (figure, update), redrawn in place.

    The update moves each panel's curve (`set_ydata`), its minimiser's dot and the dotted η line.
    """
    q = np.linspace(0.0, 1.0, 501)
    fig = plot_expected_scores((eta,))
    limits = {"log loss": 2.5, "Brier": 1.05, "absolute error": 1.05, "hinge on 2q − 1": 2.1}

    def update(eta):
        for ax, (name, score) in zip(fig.axes, SCORING_RULES.items()):
            curve, dot, truth = ax.get_lines()
            S = expected_score(score, q, eta)
            i = np.argmin(S)
            curve.set_ydata(S)
            dot.set_data([q[i]], [S[i]])
            truth.set_xdata([eta, eta])
            ax.set_ylim(0, limits[name])
        fig.axes[0].get_legend().get_texts()[0].set_text(f"η = {eta:.2f}")
        return fig

    update(eta)
    return fig, update


# ----------------------------------------------------------------------------- temperature scaling
def softmax(z):
    """s_k = e^{z_k} / Σ_j e^{z_j} along the last axis (shifted by the max, so it cannot overflow)."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits, labels, *, lo=1e-3, hi=1e3, iterations=100):
    """The temperature T minimising NLL(T) = cross_entropy(logits / T, labels) on held-out data.

    Write β = 1/T. NLL(β) = mean_n [log Σ_k e^{β z_nk} − β z_{n,y}] is convex in β (a log-sum-exp
    of lines minus a line), so its minimum is where the slope changes sign, and

        dNLL/dβ = Σ_nk (∂NLL/∂z'_nk)·z_nk,  z' = β·z,

    uses `cross_entropy_backward` for ∂NLL/∂z'. Bisection on that slope, in log β between 1/hi
    and 1/lo, finds it. If the held-out set is perfectly separated the NLL keeps falling as T → 0
    (until its slope underflows to 0), and T = lo comes back.
    Reference: Guo, Pleiss, Sun & Weinberger, "On Calibration of Modern Neural Networks", ICML 2017.
    """
    z = np.asarray(logits, dtype=np.float64)

    def slope(log_beta):  # dNLL/dβ at β = e^log_beta
        return np.sum(LF.cross_entropy_backward(1.0, np.exp(log_beta) * z, labels) * z)

    low, high = -np.log(hi), -np.log(lo)  # the bracket, in log β (β = 1/T)
    for _ in range(iterations):
        middle = (low + high) / 2
        if slope(middle) <= 0:  # still falling: the minimum is at a larger β
            low = middle
        else:
            high = middle
    return float(np.exp(-(low + high) / 2))  # T = 1/β
