"""Notebook 05's lesson: why cross-entropy trains a classifier faster than MSE.

Through a sigmoid, p = σ(x), the squared error's gradient with respect to the logit carries σ'(x):

    ∂/∂x (p − y)² = 2(p − y)·p(1 − p),        ∂/∂x BCE(σ(x), y) = p − y.

When the model is confidently wrong (x = −6 for y = 1, p ≈ 0.0025) the factor p(1 − p) ≈ 0.0025
all but switches MSE's gradient off, exactly where the model most needs to move; cross-entropy's
log cancels it. `train_logistic` runs full-batch gradient descent on a logistic regression with
either loss, through lossedu's own forward and backward passes, so the race can be watched.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu.i18n import tr

__all__ = ["LOSSES", "logit_gradients", "confidently_wrong_start", "train_logistic", "steps_to_reach",
           "plot_race"]

LOSSES = ("BCE with logits", "MSE on σ(x)")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def logit_gradients(x, y=1.0):
    """(MSE's, BCE's) ∂ℓ/∂x at the logits `x` for target `y`, elementwise, from lossedu's backward passes.

    MSE is taken on p = σ(x), so its gradient is mse_loss_backward's 2(p − y) times σ'(x) = p(1 − p).
    """
    x = np.asarray(x, dtype=float)
    t = np.full_like(x, y)
    ones = np.ones_like(x)
    p = _sigmoid(x)
    mse = LF.mse_loss_backward(ones, p, t, reduction="none") * p * (1 - p)
    bce = LF.binary_cross_entropy_with_logits_backward(ones, x, t, reduction="none")
    return mse, bce


def confidently_wrong_start(u, y, logit):
    """Weights (w, b) that give the mean of the positives the logit −`logit` and that of the negatives +`logit`."""
    centre = u[y == 1].mean(axis=0) - u[y == 0].mean(axis=0)
    w = -2 * logit * centre / (centre @ centre)
    b = -w @ (u[y == 1].mean(axis=0) + u[y == 0].mean(axis=0)) / 2
    return w, b


@dataclass
class Run:
    """One training run: the loss and the accuracy before each step, and the final weights."""

    losses: list = field(default_factory=list)
    accuracies: list = field(default_factory=list)
    w: np.ndarray = None
    b: float = 0.0


def train_logistic(u, y, loss, w, b, *, lr, steps):
    """Full-batch gradient descent on the logistic regression x = u·w + b under `loss` (one of LOSSES).

    'BCE with logits' is binary_cross_entropy_with_logits(x, y); 'MSE on σ(x)' is mse_loss(σ(x), y),
    whose gradient with respect to x is mse_loss_backward times σ'(x) = p(1 − p). Both 'mean'.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    w, b = np.array(w, dtype=float), float(b)
    run = Run()
    for _ in range(steps + 1):
        x = u @ w + b
        run.accuracies.append(float(np.mean((x > 0) == (y == 1))))
        if loss == LOSSES[0]:
            run.losses.append(float(LF.binary_cross_entropy_with_logits(x, y)))
            dx = LF.binary_cross_entropy_with_logits_backward(1.0, x, y)
        else:
            p = _sigmoid(x)
            run.losses.append(float(LF.mse_loss(p, y)))
            dx = LF.mse_loss_backward(1.0, p, y) * p * (1 - p)
        if len(run.losses) <= steps:
            w, b = w - lr * (u.T @ dx), b - lr * float(np.sum(dx))
    run.w, run.b = w, b
    return run


def steps_to_reach(run, accuracy):
    """The first step at which `run` classifies at least `accuracy` of the points right (inf if never)."""
    hits = np.flatnonzero(np.asarray(run.accuracies) >= accuracy)
    return int(hits[0]) if hits.size else np.inf


def plot_race(runs, *, target_accuracy=None, title=None, figsize=(9.5, 3.6)):
    """Two panels against the step: each run's loss (divided by its value at step 0) and its accuracy.

    The legend sits below the panels, so it never covers a curve.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for i, (name, run) in enumerate(runs.items()):
        steps = np.arange(len(run.losses))
        ax_loss.plot(steps, np.asarray(run.losses) / run.losses[0], color=f"C{i}", lw=2, label=name)
        ax_acc.plot(steps, run.accuracies, color=f"C{i}", lw=2)
    ax_loss.set(xlabel=tr("step"), ylabel=tr("loss / loss at step 0"), ylim=(0, 1.05), title=tr("training loss"))
    ax_acc.set(xlabel=tr("step"), ylabel=tr("accuracy"), ylim=(0, 1.02), title=tr("accuracy"))
    if target_accuracy is not None:
        ax_acc.axhline(target_accuracy, color="0.6", ls=":", lw=1)
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.legend(loc="outside lower center", ncol=len(runs), frameon=False)
    return fig
