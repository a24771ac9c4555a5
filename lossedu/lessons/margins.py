"""The margin view (notebook 06): the 0-1 loss, its convex surrogates, and classification calibration.

For a label y ∈ {−1, +1} and a real score f(x), the margin is m = y·f(x): positive when the sign
of f is right, and the larger the more confidently right. The loss we care about is the 0-1 loss
[m ≤ 0]; it has no useful gradient, so training minimises a convex surrogate φ(m) instead:

    hinge            max(0, 1 − m)
    logistic         log(1 + e^{−m}) / log 2      (scaled to pass through (0, 1))
    exponential      e^{−m}
    squared          (1 − m)²
    squared hinge    max(0, 1 − m)²

At an input x with η = P(y = 1 | x), a score f has the conditional φ-risk

    C_η(f) = η·φ(f) + (1 − η)·φ(−f),

and the Bayes classifier predicts sign(2η − 1). φ is classification-calibrated when every
minimiser f*(η) of C_η has that sign (η ≠ ½). For convex φ this holds iff φ is differentiable
at 0 with φ'(0) < 0 (Bartlett, Jordan & McAuliffe, "Convexity, classification, and risk
bounds", JASA 2006). The minimisers in closed form: hinge sign(2η − 1); logistic
log(η/(1 − η)); exponential ½·log(η/(1 − η)); squared and squared hinge 2η − 1.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..i18n import tr

__all__ = [
    "SURROGATES",
    "zero_one",
    "conditional_risk",
    "risk_minimiser",
    "BAYES_SCORE",
    "plot_surrogates",
    "plot_conditional_risk",
]


def zero_one(m):
    """The 0-1 loss [m ≤ 0] of the margin m (a tie counts as an error)."""
    return (np.asarray(m) <= 0).astype(float)


# name → (φ(m), φ'(m)); each a convex function with φ(0) = 1 and φ'(0) < 0
SURROGATES = {
    "hinge": (lambda m: np.maximum(0, 1 - m), lambda m: np.where(np.asarray(m) < 1, -1.0, 0.0)),
    "logistic": (lambda m: np.logaddexp(0, -m) / np.log(2), lambda m: -1 / ((1 + np.exp(m)) * np.log(2))),
    "exponential": (lambda m: np.exp(-m), lambda m: -np.exp(-m)),
    "squared": (lambda m: (1 - m) ** 2, lambda m: -2 * (1 - m)),
    "squared hinge": (lambda m: np.maximum(0, 1 - m) ** 2, lambda m: -2 * np.maximum(0, 1 - m)),
}

# name → η ↦ f*(η), the minimiser of the conditional risk in closed form (η in (0, 1))
BAYES_SCORE = {
    "hinge": lambda eta: np.sign(2 * eta - 1),
    "logistic": lambda eta: np.log(eta / (1 - eta)),
    "exponential": lambda eta: 0.5 * np.log(eta / (1 - eta)),
    "squared": lambda eta: 2 * eta - 1,
    "squared hinge": lambda eta: 2 * eta - 1,
}

COLORS = {"0-1": "k", "hinge": "C0", "logistic": "C1", "exponential": "C2", "squared": "C3", "squared hinge": "C4"}
# the squared hinge equals the squared loss for m < 1: dashed, so that both stay visible
STYLES = {name: dict(color=color, ls="--" if name == "squared hinge" else "-") for name, color in COLORS.items()}


def conditional_risk(phi, eta, f):
    """C_η(f) = η·φ(f) + (1 − η)·φ(−f): the expected surrogate loss of score f where P(y = 1) = η."""
    return eta * phi(f) + (1 - eta) * phi(-f)


def risk_minimiser(phi, eta, f=None):
    """argmin_f C_η(f) by search over a grid f (default: 8001 points on [−4, 4]), for each η.

    eta: a number or an array; returns f*(η) of its shape. A tie (a flat minimum, as the hinge's at
    η = ½) returns the first grid point of the minimum.
    """
    f = np.linspace(-4, 4, 8001) if f is None else np.asarray(f)
    eta = np.asarray(eta, dtype=float)
    risks = conditional_risk(phi, eta[..., None], f)
    return f[np.argmin(risks, axis=-1)]


def plot_surrogates(m=None, *, figsize=(10, 4)):
    """Left: the 0-1 loss and the five surrogates against the margin m = y·f(x).
    Right: their derivatives φ'(m) (the 0-1 loss has none: 0 everywhere but at m = 0).
    m: the abscissa (default 601 points on [−2, 3]). Returns the Figure."""
    m = np.linspace(-2, 3, 601) if m is None else np.asarray(m, dtype=float)
    fig = Figure(figsize=figsize, layout="constrained")
    loss_ax, slope_ax = fig.subplots(1, 2)
    loss_ax.step(m, zero_one(m), where="post", color=COLORS["0-1"], lw=2.5, label=tr("0-1 loss [m ≤ 0]"))
    for name, (phi, dphi) in SURROGATES.items():
        loss_ax.plot(m, phi(m), label=tr(name), **STYLES[name])
        slope_ax.plot(m, dphi(m), label=tr(name), **STYLES[name])
    loss_ax.plot([0], [1], "o", color="k", ms=5)
    loss_ax.set(xlabel=tr("margin m = y·f(x)"), ylabel=tr("loss φ(m)"), ylim=(-0.1, 4),
                title=tr("the 0-1 loss and its surrogates"))
    slope_ax.axhline(0, color="0.7", lw=0.8)
    slope_ax.axvline(0, color="0.7", lw=0.8)
    slope_ax.set(xlabel=tr("margin m = y·f(x)"), ylabel="φ'(m)", ylim=(-4, 2), title=tr("their slopes: all negative at m = 0"))
    loss_ax.legend(loc="upper center", fontsize="small")
    slope_ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_conditional_risk(eta=0.7, *, figsize=(10, 4)):
    """Left: the conditional risk C_η(f) of each surrogate against the score f, its minimiser f*(η)
    marked. Right: the minimisers f*(η) over η (closed forms), the current η marked.
    Returns the Figure."""
    f = np.linspace(-3, 3, 601)
    etas = np.linspace(0.005, 0.995, 199)
    fig = Figure(figsize=figsize, layout="constrained")
    risk_ax, star_ax = fig.subplots(1, 2)
    for name, (phi, _) in SURROGATES.items():
        color = COLORS[name]
        risk_ax.plot(f, conditional_risk(phi, eta, f), label=tr(name), **STYLES[name])
        best = risk_minimiser(phi, eta)
        risk_ax.plot([best], [conditional_risk(phi, eta, best)], "o", color=color)
        star_ax.plot(etas, BAYES_SCORE[name](etas), label=tr(name), **STYLES[name])
        star_ax.plot([eta], [BAYES_SCORE[name](eta)], "o", color=color)
    risk_ax.axvline(0, color="0.7", lw=0.8)
    # Fixed limits: a minimiser beyond ±3 (logistic's at η > 0.95) must not rescale the axes on a move.
    risk_ax.set(xlabel=tr("score f"), ylabel="C_η(f) = η·φ(f) + (1 − η)·φ(−f)", xlim=(-3, 3), ylim=(0, 5),
                title=tr("conditional risk at η = {eta:.2f} (dots: the minimisers)", eta=eta))  # legend: on the right
    star_ax.axhline(0, color="0.7", lw=0.8)
    star_ax.axvline(0.5, color="0.7", lw=0.8)
    star_ax.axvline(eta, color="0.4", lw=0.8, ls=":")
    star_ax.set(xlabel="η = P(y = 1 | x)", ylabel="f*(η)", ylim=(-3, 3),
                title=tr("every minimiser has the sign of 2η − 1"))
    star_ax.legend(loc="upper left", fontsize="small")
    return fig
