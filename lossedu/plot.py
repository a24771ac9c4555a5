"""Figures for the course: static plot functions that return a Figure, and one widget wrapper.

Every plot function builds a `matplotlib.figure.Figure` directly (the object API, no pyplot):
nothing is registered with a pyplot window manager, so nothing leaks or shows twice, and it works
headless (Agg) the same as in Jupyter, where the returned figure renders as a PNG. Make it the
last expression of a cell, or `fig.savefig(...)` it.

`interactive(plot_fn, **controls)` turns any such function into sliders and dropdowns that
redraw the figure on every change.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
from IPython.display import clear_output, display
from matplotlib.figure import Figure

__all__ = ["pointwise", "plot_losses_and_gradients", "plot_histories", "plot_fit", "interactive", "Interactive"]


# ----------------------------------------------------------------------------- static figures
def pointwise(loss, **options):
    """d ↦ (ℓ(d), ∂ℓ/∂d) for a lossedu regression-style loss, evaluated elementwise at target 0.

    `loss` is e.g. `lossedu.functional.smooth_l1_loss`; its `_backward` is looked up by name, so
    the curves drawn are the package's own forward and hand-derived gradient. With target = 0,
    input = d, so ∂ℓ/∂input is the slope against d.
    """
    from . import functional

    backward = getattr(functional, f"{loss.__name__}_backward")

    def curve(d):
        d = np.asarray(d, dtype=np.float64)
        target = np.zeros_like(d)
        value = loss(d, target, reduction="none", **options)
        slope = backward(np.ones_like(d), d, target, reduction="none", **options)
        return value, slope

    curve.__name__ = f"pointwise({loss.__name__})"
    return curve


def plot_losses_and_gradients(curves, d=None, *, title=None, figsize=(10, 4)):
    """Several losses (left) and their gradients (right) against d = input − target.

    curves: mapping label → callable d ↦ (loss, gradient), e.g. `{"L1": pointwise(LF.l1_loss)}`.
    d:      the differences to evaluate at (default 601 points on [−3, 3]).
    Returns the Figure.
    """
    d = np.linspace(-3.0, 3.0, 601) if d is None else np.asarray(d, dtype=np.float64)
    fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_grad = fig.subplots(1, 2)
    for label, curve in curves.items():
        value, slope = curve(d)
        (line,) = ax_loss.plot(d, value, label=label)
        ax_grad.plot(d, slope, label=label, color=line.get_color())
    ax_loss.set(xlabel="d = input − target", ylabel="loss ℓ(d)", title="loss")
    ax_grad.set(xlabel="d = input − target", ylabel="∂ℓ/∂input", title="gradient")
    for ax in (ax_loss, ax_grad):
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
        ax.grid(alpha=0.3)
    ax_loss.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_histories(histories, *, styles=None, logy=False, title=None, figsize=(6, 4)):
    """Loss curves on one axis.

    histories: mapping label → `lossedu.train.History` (or any 1-D array of losses).
    styles:    optional mapping label → matplotlib line keywords, e.g. make torch's curve
               dashed so that it stays visible on top of ours when the two coincide.
    Returns the Figure.
    """
    styles = styles or {}
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    for label, history in histories.items():
        losses = np.asarray(getattr(history, "losses", history))
        ax.plot(np.arange(len(losses)), losses, label=label, **styles.get(label, {}))
    ax.set(xlabel="step", ylabel="training loss", title=title)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_fit(x, y, lines, *, styles=None, title=None, figsize=(6, 4)):
    """Data points and fitted lines (or curves).

    lines:  mapping label → (slope, intercept), or label → callable x ↦ ŷ (numpy in, numpy out).
    styles: optional mapping label → matplotlib line keywords (e.g. the true line in black).
    Returns the Figure.
    """
    styles = styles or {}
    x, y = np.asarray(x), np.asarray(y)
    grid = np.linspace(x.min(), x.max(), 200)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    ax.scatter(x, y, s=14, color="0.4", label="data", zorder=3)
    for label, line in lines.items():
        if callable(line):
            fitted = line(grid)
        else:
            slope, intercept = line
            fitted = slope * grid + intercept
        ax.plot(grid, fitted, label=label, **styles.get(label, {}))
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- the widget wrapper
def _control(name, spec):
    """An ipywidget from a short description, in the spirit of ipywidgets.interact:

    a Widget        → itself
    a bool          → Checkbox
    a list          → Dropdown of its items (first item selected)
    (min, max[, step[, value]]) → IntSlider if all are ints, else FloatSlider
                      (value defaults to the middle, step to 1/100 of the range)
    """
    if isinstance(spec, W.Widget):
        return spec
    if isinstance(spec, bool):
        return W.Checkbox(value=spec, description=name)
    if isinstance(spec, list):
        return W.Dropdown(options=spec, value=spec[0], description=name)
    if isinstance(spec, tuple) and 2 <= len(spec) <= 4 and all(isinstance(v, (int, float)) for v in spec):
        lo, hi = spec[:2]
        integer = all(isinstance(v, int) and not isinstance(v, bool) for v in spec)
        step = spec[2] if len(spec) > 2 else (1 if integer else (hi - lo) / 100)
        value = spec[3] if len(spec) > 3 else (lo + hi) // 2 if integer else (lo + hi) / 2
        slider = W.IntSlider if integer else W.FloatSlider
        return slider(value=value, min=lo, max=hi, step=step, description=name)
    raise TypeError(
        f"control {name!r}: expected a widget, a bool, a list of options or a (min, max[, step[, value]]) "
        f"tuple, got {spec!r} (fix other arguments with functools.partial)"
    )


def interactive(plot_fn, **controls):
    """Turn a plot function into a widget UI: one control per keyword, a redraw on every change.

        ui = interactive(lambda beta: plot_losses_and_gradients({...}), beta=(0.1, 3.0, 0.1, 1.0))
        ui            # last expression of a cell: sliders above the figure

    Each keyword becomes a control (see `_control` for the shorthands); `plot_fn(**values)` is
    called once straight away, then on each change, and the Figure it returns is shown in an Output
    widget. Returns an `Interactive` (an ipywidgets VBox) exposing `.controls`, `.kwargs` (the
    last call's arguments), `.figure` (its result) and `.calls`, so a headless test can set a
    slider and check the plot function ran with the new value.
    """
    return Interactive(plot_fn, {name: _control(name, spec) for name, spec in controls.items()})


class Interactive(W.VBox):
    """Controls above an Output that shows `plot_fn(**current values)`; see `interactive`."""

    def __init__(self, plot_fn, controls):
        self.plot_fn = plot_fn
        self.controls = dict(controls)
        self.out = W.Output()
        self.kwargs, self.figure, self.calls = None, None, 0
        super().__init__(children=[*self.controls.values(), self.out])
        for widget in self.controls.values():
            widget.observe(self.update, names="value")
        self.update()

    def update(self, change=None):
        """Call plot_fn with the controls' current values and show what it returns."""
        self.kwargs = {name: widget.value for name, widget in self.controls.items()}
        self.figure = self.plot_fn(**self.kwargs)
        self.calls += 1
        with self.out:
            # wait=True: the old figure stays until the new one is ready, so no flicker.
            clear_output(wait=True)
            display(self.figure)
