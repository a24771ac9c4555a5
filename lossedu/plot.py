"""Figures for the course: static plot functions that return a Figure, and one widget wrapper.

Every plot function builds a `matplotlib.figure.Figure` directly (the object API, no pyplot):
nothing is registered with a pyplot window manager, so nothing leaks or shows twice, and it works
headless (Agg) the same as in Jupyter, where the returned figure renders as a PNG. Make it the
last expression of a cell, or `fig.savefig(...)` it.

Widgets: `interactive(plot_fn, **controls)` turns any such function into sliders and dropdowns
above ONE live figure (an ipympl canvas, JupyterLab's interactive matplotlib widget; the notebook
keeps `%matplotlib inline` for everything else). A move never builds a new picture from scratch:

* the generic path — `plot_fn` returns a Figure. The first one is the widget's figure: laid out
  once (constrained layout, then frozen) and shown. On a move `plot_fn` runs again; its new Figure
  is never drawn, only read: lines, scatter points, images, meshes, arrows, texts, titles, legend
  entries, limits and chosen ticks are copied into the live figure's artists (`_sync_figure`).
  A new Figure whose structure differs (another number of lines, axes…) is shown instead.
* the fast path, for new widgets — `plot_fn` returns `(fig, update)`: `fig` is built once, and each
  move calls `update(**values)`, which changes its artists in place:

      def setup(beta):
          fig = Figure(figsize=(6, 4), layout="constrained")
          ax = fig.subplots()
          (line,) = ax.plot(d, pointwise(LF.smooth_l1_loss, beta=beta)(d)[0])
          def update(beta):
              line.set_ydata(pointwise(LF.smooth_l1_loss, beta=beta)(d)[0])
              ax.set_title(f"β = {beta:.2f}")
          return fig, update

      interactive(setup, beta=(0.1, 3.0, 0.1, 1.0))

Either way only what changes is drawn: axes frames, grids and tick labels are kept as a saved
picture while the limits stay (`_Blitter`), and limits stay while the data still fill them
(`_steady_limits`), so a curve is seen moving instead of the axes rescaling under it. Sliders made
from the shorthands send their value when released (one redraw per move, never a queue); a slider
passed in as a widget keeps its own `continuous_update` until an update takes longer than
`Interactive.debounce_ms`.

Code can move a control (`ui.controls["beta"].value = 2.0`): the figure is updated at once and
`ui.figure` (always the live figure) shows the new state. A static render of the notebook
(nbconvert, nbval, GitHub) shows the widget's starting figure: its output carries a PNG of it.

Language: every text these figures and controls show goes through `lossedu.i18n.tr` (English is the key;
`lossedu.set_language("zh")` draws them in Chinese, from `lossedu/i18n/zh_plot.py`, with the course's own
subset font). A control's keyword stays what the code passes; only its description is translated.
"""
from __future__ import annotations

import base64
import io
import time

import ipywidgets as W
import numpy as np
from IPython.display import Image, clear_output, display
from matplotlib.figure import Figure

from .i18n import tr

__all__ = ["pointwise", "plot_losses_and_gradients", "plot_histories", "plot_fit", "interactive", "Interactive", "png"]


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


def _loss_gradient_figure(curves, x, *, xlabel, loss_label, gradient_label, at=None, title=None,
                          figsize=(10, 4)):
    """The two panels every loss figure shares: losses (left) and their gradients (right) against x.

    curves: mapping label → callable x ↦ (loss, gradient), or label → (callable, line keywords).
    at:     optional value of x where each curve gets a dot on both panels (a slider's position).
    Returns (fig, ax_loss, ax_grad), so a caller can add what is particular to its figure.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_grad = fig.subplots(1, 2)
    for label, curve in curves.items():
        curve, style = curve if isinstance(curve, tuple) else (curve, {})
        value, slope = curve(x)
        (line,) = ax_loss.plot(x, value, label=label, **style)
        ax_grad.plot(x, slope, label=label, **{"color": line.get_color(), **style})
        if at is not None:
            v, g = curve(np.array([float(at)]))
            ax_loss.plot([at], v, "o", color=line.get_color())
            ax_grad.plot([at], g, "o", color=line.get_color())
    ax_loss.set(xlabel=_shown(xlabel), ylabel=_shown(loss_label), title=tr("loss"))
    ax_grad.set(xlabel=_shown(xlabel), ylabel=_shown(gradient_label), title=tr("gradient"))
    for ax in (ax_loss, ax_grad):
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.grid(alpha=0.3)
    # Below both panels (they share the curves): inside either one it would cover some of them.
    handles, labels = ax_loss.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4))
    if title:
        fig.suptitle(title)
    return fig, ax_loss, ax_grad


def _shown(text):
    """A text a caller passed (or a default): in the course's language if the catalogue has it."""
    return tr(text) if isinstance(text, str) else text


def plot_losses_and_gradients(curves, d=None, *, title=None, figsize=(10, 4)):
    """Several losses (left) and their gradients (right) against d = input − target.

    curves: mapping label → callable d ↦ (loss, gradient), e.g. `{"L1": pointwise(LF.l1_loss)}`.
    d:      the differences to evaluate at (default 601 points on [−3, 3]).
    Returns the Figure.
    """
    d = np.linspace(-3.0, 3.0, 601) if d is None else np.asarray(d, dtype=np.float64)
    fig, ax_loss, ax_grad = _loss_gradient_figure(
        curves, d, xlabel=tr("d = input − target"), loss_label=tr("loss ℓ(d)"), gradient_label="∂ℓ/∂input",
        title=title, figsize=figsize,
    )
    for ax in (ax_loss, ax_grad):
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    return fig


def plot_histories(histories, *, styles=None, logy=False, title=None, figsize=(6, 4)):
    """Loss curves on one axis.

    histories: mapping label → `lossedu.train.History` (or any 1-D array of losses).
    styles:    optional mapping label → matplotlib line keywords; they override the defaults below.
    By default a run labelled "… (ours)" is drawn thick and pale and its "… (torch)" twin thin,
    dashed, in the same colour and on top, so that both stay visible where they coincide (which
    is the point of drawing them together). With more than three curves the legend goes to the
    right of the axes, off the curves.
    Returns the Figure.
    """
    styles = styles or {}
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    colours = {}
    for label, history in histories.items():
        losses = np.asarray(getattr(history, "losses", history))
        colour = colours.setdefault(_run_name(label), f"C{len(colours) % 10}")
        style = {"color": colour, **_history_style(label), **styles.get(label, {})}
        ax.plot(np.arange(len(losses)), losses, label=label, **style)
    ax.set(xlabel=tr("step"), ylabel=tr("training loss"), title=title)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if len(histories) > 3:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    else:
        ax.legend()
    return fig


def _run_name(label):
    """A history's label without its "ours"/"torch" tag: the twin runs of one loss share a colour."""
    name = str(label)
    for tag in ("(ours)", "(yours)", "(torch)", *_CHINESE_TAGS, "ours", "torch"):
        name = name.replace(tag, "")
    return name.strip(" ,:-")


# The Chinese notebooks' labels of the twin runs: "dpo_loss（你的）" beside "dpo_loss（torch）".
_CHINESE_TAGS = ("（你的）", "（我们的）", "（torch）")


def _history_style(label):
    lowered = str(label).lower()
    if "torch" in lowered:
        return {"ls": "--", "lw": 1.2, "zorder": 3}
    if "ours" in lowered or "你的" in lowered or "我们的" in lowered:
        return {"lw": 4, "alpha": 0.4, "zorder": 2}
    return {}


def _data_figure(x, y, figsize, *, size):
    """A Figure with the (x, y) data scattered in grey, and 200 grid points over x's range to draw on."""
    x, y = np.asarray(x), np.asarray(y)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    ax.scatter(x, y, s=size, color="0.4", label=tr("data"), zorder=3)
    return fig, ax, np.linspace(x.min(), x.max(), 200)


def plot_fit(x, y, lines, *, styles=None, title=None, figsize=(6, 4)):
    """Data points and fitted lines (or curves).

    lines:  mapping label → (slope, intercept), or label → callable x ↦ ŷ (numpy in, numpy out).
    styles: optional mapping label → matplotlib line keywords (e.g. the true line in black).
    Returns the Figure.
    """
    styles = styles or {}
    fig, ax, grid = _data_figure(x, y, figsize, size=14)
    for label, line in lines.items():
        if callable(line):
            fitted = line(grid)
        else:
            slope, intercept = line
            fitted = slope * grid + intercept
        ax.plot(grid, fitted, label=label, **styles.get(label, {}))
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.grid(alpha=0.3)
    _legend_right(ax)
    return fig


def _legend_right(ax, **kwargs):
    """The axes' legend outside, to its right: over the points it would hide some of them."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small", **kwargs)


# ----------------------------------------------------------------------------- the widget wrapper
def _control(name, spec):
    """An ipywidget from a short description, in the spirit of ipywidgets.interact:

    a Widget        → itself
    a bool          → Checkbox
    a list          → Dropdown of its items (first item selected)
    (min, max[, step[, value]]) → IntSlider if all are ints, else FloatSlider
                      (value defaults to the middle, step to 1/100 of the range; the value is
                      sent when the handle is released)
    """
    if isinstance(spec, W.Widget):
        return spec
    # "initial": the label takes the width its text needs; the default cuts "label_smoothing" short.
    style = {"description_width": "initial"}
    # The learner reads the description and the dropdown's labels: in the course's language (the
    # keyword itself, what the code passes to plot_fn, and the dropdown's values never change).
    description = tr(name)
    if isinstance(spec, bool):
        return W.Checkbox(value=spec, description=description, style=style)
    if isinstance(spec, list):
        # an option that is an identifier is a value the code passes on ('mean', 'hinge'): shown as it is
        labels = [tr(option) if isinstance(option, str) and not option.isidentifier() else str(option)
                  for option in spec]
        shown = spec if labels == [str(option) for option in spec] else list(zip(labels, spec))
        return W.Dropdown(options=shown, value=spec[0], description=description, style=style)
    if isinstance(spec, tuple) and 2 <= len(spec) <= 4 and all(isinstance(v, (int, float)) for v in spec):
        lo, hi = spec[:2]
        integer = all(isinstance(v, int) and not isinstance(v, bool) for v in spec)
        step = spec[2] if len(spec) > 2 else (1 if integer else (hi - lo) / 100)
        value = spec[3] if len(spec) > 3 else (lo + hi) // 2 if integer else (lo + hi) / 2
        slider = W.IntSlider if integer else W.FloatSlider
        # continuous_update=False: the value is sent when the handle is let go. A redraw costs
        # 40–200 ms of CPU here, more than the ~16 ms between a drag's events, so sending every
        # value would only queue redraws behind the hand (a widget passed in keeps its own setting).
        return slider(value=value, min=lo, max=hi, step=step, description=description, style=style,
                      continuous_update=False)
    raise TypeError(
        f"control {name!r}: expected a widget, a bool, a list of options or a (min, max[, step[, value]]) "
        f"tuple, got {spec!r} (fix other arguments with functools.partial)"
    )


def interactive(plot_fn, **controls):
    """Turn a plot function into a widget UI: one control per keyword, the figure redrawn in place.

        ui = interactive(lambda beta: plot_losses_and_gradients({...}), beta=(0.1, 3.0, 0.1, 1.0))
        ui            # last expression of a cell: the controls above one live figure

    Each keyword becomes a control (see `_control` for the shorthands). `plot_fn(**values)` is
    called once straight away; the Figure it returns is THE figure of the widget, shown on an
    ipympl canvas. On each change `plot_fn` runs again and its new, never-drawn Figure is only
    read: its data are copied into the live figure's artists (see `_sync_figure`), which is then
    redrawn. Two ways for `plot_fn` to answer:

    * return a Figure (every plot function of this module): the generic path above. It falls
      back to showing the new Figure itself when its structure differs (another number of lines,
      axes, images…).
    * return `(fig, update)`: `fig` is shown, and each later change calls `update(**values)`,
      which changes `fig`'s artists in place (`line.set_ydata(...)`, `image.set_data(...)`,
      `ax.set_title(...)`) — the fast way to write a new widget, nothing is built twice.

    Returns an `Interactive` (an ipywidgets VBox) exposing `.controls`, `.kwargs` (the last
    call's values), `.figure` (the live Figure, showing the current state) and `.calls`, so a
    headless test can set a control and check the figure: `ui.controls["beta"].value = 2.0`
    redraws synchronously.
    """
    return Interactive(plot_fn, {name: _control(name, spec) for name, spec in controls.items()})


class Interactive(W.VBox):
    """Controls above one live figure that shows `plot_fn(**current values)`; see `interactive`.

    Attributes besides those `interactive` lists: `canvas` (the ipympl canvas, None when plot_fn
    returns something other than a Figure, which is then shown in the Output `out`), `rebuilds`
    (how often the generic path had to show a new Figure), `timings` (the last update's stages,
    in ms) and `debounce_ms`: an update slower than this turns the sliders' `continuous_update`
    off, so a drag sends one value when released instead of a queue of slow redraws.
    """

    debounce_ms = 100.0  # the course's goal for a move: slower than that, answer on release
    width_px = 880  # a JupyterLab notebook's output area, beside the side bar

    def __init__(self, plot_fn, controls):
        self.plot_fn = plot_fn
        self.controls = dict(controls)
        self.out = W.Output()
        self.canvas, self._update_fn = None, None
        self.kwargs, self.figure, self.calls, self.rebuilds, self.timings = None, None, 0, 0, {}
        super().__init__(children=list(self.controls.values()))
        self.add_class("lossedu-interactive")  # how the browser walkthrough finds a UI
        for widget in self.controls.values():
            widget.observe(self.update, names="value")
        self.update()

    # -- the update, in three stages: build (plot_fn), sync (copy into the live figure), draw
    def update(self, change=None):
        """Call plot_fn (or its update) with the controls' current values and redraw the figure."""
        start = time.perf_counter()
        self.kwargs = {name: widget.value for name, widget in self.controls.items()}
        if self._update_fn is not None:
            self._update_fn(**self.kwargs)
            built, synced = time.perf_counter(), True
        else:
            result = self.plot_fn(**self.kwargs)
            built = time.perf_counter()
            fig, self._update_fn = result if _is_fig_and_update(result) else (result, None)
            synced = (self.canvas is not None and isinstance(fig, Figure)
                      and self._update_fn is None and _sync_figure(self.figure, fig))
            if not synced:
                self._show(fig)
        self.calls += 1
        copied = time.perf_counter()
        if synced:
            self._draw()
        done = time.perf_counter()
        self.timings = {"build_ms": 1e3 * (built - start), "sync_ms": 1e3 * (copied - built),
                        "draw_ms": 1e3 * (done - copied), "total_ms": 1e3 * (done - start)}
        # The first call lays out and draws everything, several times a move's work: judge it so.
        if self.timings["total_ms"] > (self.debounce_ms if change is not None else 3 * self.debounce_ms):
            self.debounce()

    def debounce(self):
        """Sliders send their value on release only (latest value wins, no queue of redraws)."""
        for widget in self.controls.values():
            if hasattr(widget, "continuous_update"):
                widget.continuous_update = False

    def _show(self, fig):
        """Make `fig` the live figure (first call, or a rebuild): on the canvas, its layout frozen."""
        if not isinstance(fig, Figure):  # something else to display: the Output shows it
            self.figure, self.canvas = fig, None
            with self.out:
                clear_output(wait=True)
                display(fig)
            self.children = [*self.controls.values(), self.out]
            return
        if self.figure is not None:
            self.rebuilds += 1
        self.figure = fig
        _fit_width(fig, self.width_px)
        if self.canvas is None:
            self.canvas = _live_canvas(fig)
            self.children = [*self.controls.values(), self.canvas]
        else:
            _swap_figure(self.canvas, fig)
        self._blitter = _Blitter()
        _freeze_layout(fig)
        self._draw(force=True)

    def _draw(self, force=False):
        """Render the live figure and send it to the browser, if a browser shows it.

        Without a browser view (nbval, nbconvert, a test) nobody sees the pixels: the artists
        are already up to date for any assert, so the Agg render is skipped. `force` renders
        anyway (the first figure: its layout and the static PNG need it).
        """
        canvas = self.canvas
        if not canvas.syncing_data_url:  # a browser shows the canvas: send it the changed pixels
            self._blitter.draw(canvas)
        elif force:
            # No browser yet: render, and keep the picture as the canvas's starting image (what a
            # view shows before it connects, and what an embedded static widget shows).
            canvas.syncing_data_url = False  # ipympl would store it without its data: prefix
            try:
                self._blitter.draw(canvas)
            finally:
                canvas.syncing_data_url = True
            canvas._data_url = "data:image/png;base64," + base64.b64encode(_canvas_png(canvas)).decode()
            width, height = canvas.figure.bbox.size / canvas.device_pixel_ratio
            canvas._size = (width, height)

    # -- what a static render (nbconvert, GitHub, a book) shows: the starting figure as a PNG
    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if self.canvas is not None:
            bundle = dict(bundle)
            bundle["image/png"] = _canvas_png(self.canvas)
        return bundle


class _Blitter:
    """Redraw only what a move can change, over a saved picture of what it cannot.

    The background is the figure without its data and texts: axes frames, grids, ticks, tick
    and axis labels, colourbars — most of the cost of a draw (text). It is rendered again only
    when its key changes (limits, scales, fixed ticks, axis labels, colour limits, size). Each
    frame restores it, draws the lines, collections, images, patches, texts, titles and legends
    on top in z-order, and sends the changed pixels to the browser. (The one difference from a full
    draw: a line drawn below the grid, zorder < 1.5, now lies on it — the faint axis lines at 0.)
    """

    def __init__(self):
        self.key, self.background, self.titles = None, None, {}

    def draw(self, canvas):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = canvas.figure
        if any(ax.get_aspect() != "auto" and ax.get_adjustable() == "datalim" for ax in fig.axes):
            # Its draw moves the limits to keep the aspect, under the artists' clipping: draw it whole.
            self.key = self.background = None
            FigureCanvasAgg.draw(canvas)
            canvas.blit()
            return
        _cache_text(canvas.get_renderer())
        layers = _dynamic_layers(fig)
        for ax, _ in layers:  # equal-aspect axes: the limits or box a full draw would use, here too
            if ax is not None:
                ax.apply_aspect()
        key = _background_key(fig)
        if key != self.key or self.background is None:
            shown = [a for _, artists in layers for a in artists if a.get_visible()]
            for artist in shown:
                artist.set_visible(False)
            try:
                FigureCanvasAgg.draw(canvas)
            finally:
                for artist in shown:
                    artist.set_visible(True)
            self.background, self.key = canvas.copy_from_bbox(fig.bbox), key
        else:
            canvas.restore_region(self.background)
        renderer = canvas.get_renderer()
        for ax, artists in layers:
            if ax is not None and hasattr(ax, "_update_title_position"):
                # As Axes.draw does: the title above the top tick labels. Its place depends on the
                # ticks (the background's key) and on its number of lines: work it out again only
                # when one of those changed (it measures every tick label: ~8 ms an axes).
                lines = tuple(t.get_text().count("\n") if t.get_text() else -1
                              for t in (ax.title, ax._left_title, ax._right_title))
                if self.titles.get(id(ax)) != (key, lines):
                    ax._update_title_position(renderer)
                    self.titles[id(ax)] = (key, lines)
            for artist in sorted(artists, key=lambda a: a.get_zorder()):
                if artist.get_visible():
                    artist.draw(renderer)
        canvas.blit()  # webagg: the changed pixels go to the browser


class _GlyphRecorder:
    """Stands in for an Agg renderer's C++ core while one text is drawn: passes every call on,
    and keeps the glyph images it blends (and whether it drew anything else)."""

    def __init__(self, core):
        self.core, self.glyphs, self.other = core, [], False

    def draw_text_image(self, image, x, y, angle, gc):
        self.glyphs.append((np.array(image, copy=True), x, y, angle))
        return self.core.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name):
        self.other = True
        return getattr(self.core, name)


def _cache_text(renderer, size=4000):
    """Make `renderer` (an Agg renderer) keep the glyph images of each text it draws, by what
    decides them (string, font, angle, exact position, dpi): a text drawn again at the same place,
    as most are on every frame (titles, legends, labels), is blended from them, pixel for pixel
    the same, without laying it out and rasterising every glyph again (0.5 ms a text)."""
    if getattr(renderer, "_lossedu_text_cache", None) is not None:
        return
    cache, draw_text = {}, renderer.draw_text

    def cached_draw_text(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath == "TeX" or (mtext is not None and (mtext.get_fontfeatures() or mtext.get_language())):
            return draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        key = (s, hash(prop), prop.get_size_in_points(), angle, x, y, bool(ismath), gc.get_antialiased(),
               renderer.dpi, renderer.height)
        glyphs = cache.get(key)
        if glyphs is None:
            core, recorder = renderer._renderer, _GlyphRecorder(renderer._renderer)
            renderer._renderer = recorder
            try:
                draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            finally:
                renderer._renderer = core
            if not recorder.other:  # only glyphs (no rules of a fraction, no boxes): replayable
                if len(cache) >= size:
                    cache.clear()
                cache[key] = recorder.glyphs
            return
        core = renderer._renderer
        for image, gx, gy, gangle in glyphs:
            core.draw_text_image(image, gx, gy, gangle, gc)

    renderer.draw_text = cached_draw_text
    renderer._lossedu_text_cache = cache


def _dynamic_layers(fig):
    """(axes, its artists a move may change) per data axes, then (None, the figure's texts)."""
    layers = []
    for ax in fig.axes:
        if hasattr(ax, "_colorbar"):
            continue
        artists = [*ax.lines, *ax.collections, *ax.images, *ax.patches, *ax.texts,
                   ax.title, ax._left_title, ax._right_title]
        if ax.get_legend() is not None:
            artists.append(ax.get_legend())
        layers.append((ax, artists))
    texts = [*fig.texts, *fig.legends]
    for sub in getattr(fig, "subfigs", []):
        texts += sub.texts
    layers.append((None, texts))
    return layers


def _background_key(fig):
    """Everything the background picture depends on that a move may change."""
    def ticks(axis):  # automatic ticks follow the limits; any others were copied in: new objects
        return tuple(_ticks_key(ticker) for ticker in (axis.major, axis.minor))

    key = [tuple(fig.bbox.bounds)]
    for ax in fig.axes:
        colorbar = getattr(ax, "_colorbar", None)
        if colorbar is not None:
            key.append(("colorbar", colorbar.mappable.get_clim(), colorbar.mappable.get_cmap().name))
            continue
        key.append((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(), ticks(ax.xaxis), ticks(ax.yaxis),
                    ax.xaxis.label.get_text(), ax.yaxis.label.get_text(), tuple(ax.get_position().bounds)))
    return tuple(key)


def _ticks_key(ticker):
    """What an axis's major or minor ticks draw. Fixed places with labels from a list or a
    function are compared by value: each move copies in new objects that say the same, and the
    background must not be redrawn for those. Any other locator or formatter by identity."""
    locator, formatter = ticker.locator, ticker.formatter
    if type(locator).__name__ == "FixedLocator" and locator.nbins is None and type(formatter).__name__ in (
            "FixedFormatter", "FuncFormatter", "StrMethodFormatter", "FormatStrFormatter"):
        places = np.asarray(locator.locs).tolist()
        return ("fixed", tuple(places), tuple(formatter.format_ticks(places)))
    return id(locator), id(formatter)


def _is_fig_and_update(result):
    return (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Figure)
            and callable(result[1]))


def _fit_width(fig, width_px):
    """Lower the figure's dpi so that it is at most `width_px` wide on screen (a canvas, unlike an
    <img>, is not shrunk to fit the cell); everything scales together, as the static PNG did."""
    dpi = min(fig.dpi, width_px / fig.get_figwidth())
    fig.set_dpi(dpi)
    fig._original_dpi = dpi  # what the web canvas multiplies by the screen's device pixel ratio


def _live_canvas(fig):
    """An ipympl canvas for `fig` (JupyterLab's interactive matplotlib widget), without switching
    the global matplotlib backend: the notebook keeps `%matplotlib inline` for its static figures."""
    from ipympl.backend_nbagg import FigureManager

    import warnings

    canvas = _canvas_class()(fig)
    with warnings.catch_warnings():  # ipympl's toolbar passes the canvas on to traitlets, which warns
        warnings.simplefilter("ignore", DeprecationWarning)
        FigureManager(canvas, 0)  # the web canvas needs a manager to send its frames through
    canvas.header_visible = canvas.footer_visible = False
    canvas.toolbar_visible = False  # the controls are the interface; zoom would fight the limits
    return canvas


_CANVAS = None


def _canvas_class():
    """ipympl's Canvas, whose frames (the changed pixels, as a PNG) are compressed at zlib level 1,
    without PNG row filters (`_png_unfiltered`).

    The frame is mostly transparent (only changed pixels are sent), so level 1 is hardly larger
    than the default 6, and several times faster to make: tens of ms a move on a full redraw.
    """
    global _CANVAS
    if _CANVAS is None:
        from ipympl.backend_nbagg import Canvas

        class FastCanvas(Canvas):
            def get_diff_image(self):
                if not self._png_is_old:
                    return None
                buff = np.asarray(self.get_renderer().buffer_rgba()).view(np.uint32).squeeze(2)
                if self._force_full or buff.shape != self._last_buff.shape or (buff >> 24 != 255).any():
                    self.set_image_mode("full")
                    output = buff
                else:
                    self.set_image_mode("diff")
                    output = np.where(buff != self._last_buff, buff, 0)
                self._last_buff = buff.copy()
                self._force_full = self._png_is_old = False
                return _png_unfiltered(output.view(np.uint8).reshape((*output.shape, 4)))

        _CANVAS = FastCanvas
    return _CANVAS


def _png_unfiltered(rgba, level=1):
    """RGBA pixels as a PNG with no row filter, zlib level 1: half the time of PIL's (which tries
    every filter on every row) for the same size here — a frame is mostly zeros (unchanged pixels)."""
    import struct
    import zlib

    height, width, _ = rgba.shape
    rows = np.zeros((height, 4 * width + 1), np.uint8)  # each row: filter type 0, then its bytes
    rows[:, 1:] = rgba.reshape(height, 4 * width)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))


def _swap_figure(canvas, fig):
    """Show another Figure on the same canvas (a rebuild), keeping the browser's view."""
    old = canvas.figure
    ratio = old.dpi / old._original_dpi  # the browser's device pixel ratio, already applied to old
    fig.set_canvas(canvas)
    canvas.figure = fig
    fig._set_dpi(fig._original_dpi * ratio, forward=False)
    canvas._force_full = True
    if tuple(fig.bbox.size) != tuple(old.bbox.size) and not canvas.syncing_data_url:
        canvas.manager.resize(*fig.bbox.size)


def _freeze_layout(fig):
    """Lay the figure out once (constrained layout, as built), then keep that layout: recomputing
    it on every draw costs more than the draw itself, and the panels should not jump as a slider moves."""
    engine = fig.get_layout_engine()
    if engine is not None and not type(engine).__name__.startswith("PlaceHolder"):
        engine.execute(fig)
        fig.set_layout_engine("none")
    _freeze_legends(fig)


def _freeze_legends(fig):
    """A legend placed at loc="best" stays where the first draw put it: finding the best place
    again tests every line's points against nine candidate boxes on every draw."""
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or legend._loc not in (0, "best"):
            continue
        box, anchor = legend.get_window_extent(fig._get_renderer()), legend.get_bbox_to_anchor()
        legend.set_loc(((box.x0 - anchor.x0) / anchor.width, (box.y0 - anchor.y0) / anchor.height))


def _canvas_png(canvas):
    """The canvas's last frame as PNG bytes, without drawing again (the live figure's starting state)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.get_renderer().buffer_rgba())).save(buffer, format="png")
    return buffer.getvalue()


# ----------------------------------------------------------------------------- copying one figure into another
def _structure(fig):
    """What must match for `_sync_figure` to copy artist by artist: the axes and, per axes, the kind
    and number of each artist, the scales and the legend's entries; subfigures recursively."""
    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append((
            type(ax).__name__, hasattr(ax, "_colorbar"), ax.get_xscale(), ax.get_yscale(), len(ax.lines),
            tuple(_collection_kind(c) for c in ax.collections), len(ax.images), len(ax.texts),
            tuple(type(p).__name__ for p in ax.patches),
            None if legend is None else len(legend.get_texts()),
        ))
    return (tuple(axes), len(fig.texts), tuple(len(legend.get_texts()) for legend in fig.legends),
            tuple(_structure(sub) for sub in getattr(fig, "subfigs", [])))


def _collection_kind(collection):
    name = type(collection).__name__
    if name == "QuadMesh":
        return name, np.shape(collection.get_coordinates())
    if name == "Quiver":
        return name, np.shape(collection.get_offsets())
    return name


_COPYABLE_PATCHES = {"Rectangle", "Polygon"}
_COPYABLE_COLLECTIONS = {"PathCollection", "PolyCollection", "FillBetweenPolyCollection", "LineCollection",
                         "QuadMesh", "Quiver"}


def _sync_figure(dst, src):
    """Copy what `src` (a Figure built but never drawn) shows into `dst`, the live figure, in place.

    Lines get their data and style, scatter points their offsets, images and meshes their arrays
    and colour limits, texts, titles, axis labels, legends' texts, limits and fixed ticks their
    values. Returns False, changing nothing, when the two differ in structure (then the caller
    shows `src` instead). Colourbars follow their image by themselves.
    """
    if _structure(dst) != _structure(src) or not _copyable(src):
        return False
    _sync_texts(dst.texts, src.texts, placed=_laid_out(dst))
    for d_legend, s_legend in zip(dst.legends, src.legends):
        _sync_texts(d_legend.get_texts(), s_legend.get_texts())
    for dst_sub, src_sub in zip(getattr(dst, "subfigs", []), getattr(src, "subfigs", [])):
        _sync_texts(dst_sub.texts, src_sub.texts, placed=_laid_out(dst_sub))
    for dst_ax, src_ax in zip(dst.axes, src.axes):
        if not hasattr(dst_ax, "_colorbar"):
            _sync_axes(dst_ax, src_ax)
    return True


def _copyable(fig):
    return all(
        {type(p).__name__ for p in ax.patches} <= _COPYABLE_PATCHES
        and {type(c).__name__ for c in ax.collections} <= _COPYABLE_COLLECTIONS
        for ax in fig.axes if not hasattr(ax, "_colorbar")
    )


def _sync_texts(dst_texts, src_texts, placed=()):
    """Text, colour, visibility and position; `placed` texts keep their own position (a suptitle,
    put where the frozen layout made room for it: the new figure's was never laid out)."""
    for d, s in zip(dst_texts, src_texts):
        d.set_text(s.get_text())
        if not any(d is p for p in placed):
            d.set_position(s.get_position())
        d.set_color(s.get_color())
        d.set_visible(s.get_visible())


def _laid_out(fig):
    return [getattr(fig, name, None) for name in ("_suptitle", "_supxlabel", "_supylabel")]


_LINE_STYLE = ("color", "linestyle", "linewidth", "marker", "markersize", "markerfacecolor", "markeredgecolor",
               "alpha", "label", "visible", "zorder", "drawstyle")


def _sync_axes(dst, src):
    for d, s in zip(dst.lines, src.lines):
        d.set_data(s.get_xdata(orig=True), s.get_ydata(orig=True))
        d.set(**{name: getattr(s, f"get_{name}")() for name in _LINE_STYLE})
    for d, s in zip(dst.collections, src.collections):
        _sync_collection(d, s)
    for d, s in zip(dst.images, src.images):
        d.set_data(s.get_array())
        if tuple(d.get_extent()) != tuple(s.get_extent()):
            d.set_extent(s.get_extent())
        _sync_clim(d, s)
    for d, s in zip(dst.patches, src.patches):
        if type(s).__name__ == "Rectangle":
            d.set_bounds(*s.get_bbox().bounds)
        else:
            d.set_xy(s.get_xy())
        d.set_facecolor(s.get_facecolor())
        d.set_edgecolor(s.get_edgecolor())
    _sync_texts(dst.texts, src.texts)
    titles = [getattr(dst, name) for name in ("title", "_left_title", "_right_title")]
    _sync_texts(titles, [getattr(src, name) for name in ("title", "_left_title", "_right_title")], placed=titles)
    for d_axis, s_axis in ((dst.xaxis, src.xaxis), (dst.yaxis, src.yaxis)):
        _sync_texts([d_axis.label], [s_axis.label])
        _sync_ticks(d_axis, s_axis)
    dst.set_xlim(_steady_limits(dst.get_xlim(), src.get_xlim(), src.get_autoscalex_on(), src.get_xscale()),
                 auto=None)
    dst.set_ylim(_steady_limits(dst.get_ylim(), src.get_ylim(), src.get_autoscaley_on(), src.get_yscale()),
                 auto=None)
    if src.get_legend() is not None:
        d_legend, s_legend = dst.get_legend(), src.get_legend()
        _sync_texts(d_legend.get_texts(), s_legend.get_texts())
        for d, s in zip(d_legend.legend_handles, s_legend.legend_handles):
            if d is not None and s is not None and hasattr(s, "get_color"):
                d.set_color(s.get_color())
                if hasattr(s, "get_linestyle"):
                    d.set_linestyle(s.get_linestyle())


def _sync_collection(d, s):
    kind = type(s).__name__
    if kind == "Quiver":
        d.set_UVC(s.U, s.V)
    elif kind == "QuadMesh":
        d.set_array(s.get_array())
    elif kind == "PathCollection":
        d.set_offsets(s.get_offsets())
        d.set_sizes(s.get_sizes())
    else:  # fill_between and other polygons, line collections: take the new paths as they are
        d._paths = list(s.get_paths())  # (their set_paths wants vertices and would close them again)
        d.stale = True
    if kind != "Quiver":
        if s.get_array() is not None and kind != "QuadMesh":
            d.set_array(s.get_array())
        if s.get_array() is None:
            d.set_facecolor(s.get_facecolor())
            d.set_edgecolor(s.get_edgecolor())
        else:
            _sync_clim(d, s)
    d.set_alpha(s.get_alpha())
    d.set_visible(s.get_visible())


def _sync_clim(d, s):
    automatic = s.norm.vmin is None or s.norm.vmax is None
    s.autoscale_None()  # an image built with vmin=vmax=None gets its limits from its data here
    if d.get_cmap().name != s.get_cmap().name:  # (each set_ redraws a colourbar: only when needed)
        d.set_cmap(s.get_cmap())
    clim = _steady_limits(d.get_clim(), s.get_clim(), automatic, getattr(s.norm, "_scale", None) or "linear")
    if tuple(clim) != tuple(d.get_clim()):
        d.set_clim(*clim)


def _steady_limits(current, new, automatic, scale="linear", fill=0.5, headroom=0.25):
    """The limits to show: `new`, unless they were chosen automatically and fit inside `current`
    while still filling at least `fill` of it — then `current` stays.

    So small moves of a control leave the axes (and colour scales) still, and the learner sees the
    curve move rather than the axes rescale under it; a curve that leaves the view gets new limits
    with some headroom on the side it left by, one that shrinks to a corner of it gets its own
    limits. Limits a plot function sets itself are always followed. Still axes are also what lets
    a redraw reuse the saved background (see `_Blitter`).
    """
    if not automatic:
        return new
    lo, hi = sorted(map(float, current))
    new_lo, new_hi = sorted(map(float, new))
    if scale == "log":
        if min(lo, new_lo) <= 0:
            return new
        lo, hi, new_lo, new_hi = np.log([lo, hi, new_lo, new_hi])
    if not np.all(np.isfinite([lo, hi, new_lo, new_hi])) or hi <= lo or new_hi <= new_lo:
        return new
    if lo <= new_lo and new_hi <= hi and (new_hi - new_lo) >= fill * (hi - lo):
        return current
    # New limits; a side that grew past the old view gets a quarter of the span as headroom, so
    # that a curve still growing as the slider moves on stays in view without rescaling again.
    span = new_hi - new_lo
    grown_lo = new_lo - (headroom * span if new_lo < lo else 0.0)
    grown_hi = new_hi + (headroom * span if new_hi > hi else 0.0)
    if scale == "log":
        grown_lo, grown_hi = np.exp([grown_lo, grown_hi])
    return (grown_hi, grown_lo) if new[0] > new[1] else (grown_lo, grown_hi)


def _sync_ticks(d_axis, s_axis):
    """Ticks a plot function chose (`set_yticks(range(n), labels)`: fixed places, labels by a
    function) are copied; automatic ones stay and follow the new limits by themselves."""
    for which in ("major", "minor"):
        d_ticker, s_ticker = getattr(d_axis, which), getattr(s_axis, which)
        if not (type(s_ticker.locator) is type(d_ticker.locator) and type(s_ticker.locator).__name__ in _AUTO_TICKS):
            getattr(d_axis, f"set_{which}_locator")(s_ticker.locator)
        if not (type(s_ticker.formatter) is type(d_ticker.formatter) and type(s_ticker.formatter).__name__ in _AUTO_TICKS):
            getattr(d_axis, f"set_{which}_formatter")(s_ticker.formatter)


_AUTO_TICKS = {"AutoLocator", "MaxNLocator", "LogLocator", "SymmetricalLogLocator", "AutoMinorLocator", "NullLocator",
               "ScalarFormatter", "LogFormatterSciNotation", "LogFormatterMathtext", "NullFormatter"}


def png(fig):
    """The Figure rendered to a PNG image for display (trimmed to what is drawn).

    A bare Figure is only drawn as a picture where `%matplotlib inline` set up IPython's formatters,
    elsewhere it shows as "<Figure size …>"; `display(png(fig))` shows it anywhere.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")


# ----------------------------------------------------------------------------- binary / multi-label (notebook 05)
__all__ += ["plot_against_logit", "plot_linear_boundaries", "plot_multilabel_boundaries"]


def plot_against_logit(curves, x=None, *, title=None, figsize=(10, 4)):
    """`plot_losses_and_gradients` for losses of a logit: the same two panels, the x axis labelled
    "logit x" (binary losses are functions of the logit, not of input − target).

    curves: mapping label → callable x ↦ (loss, gradient); x defaults to 601 points on [−6, 6].
    Returns the Figure.
    """
    x = np.linspace(-6.0, 6.0, 601) if x is None else x
    fig = plot_losses_and_gradients(curves, x, title=title, figsize=figsize)
    for ax in fig.axes:
        ax.set_xlabel(tr("logit x"))
    fig.axes[0].set_ylabel(tr("loss ℓ(x)"))
    return fig


def _draw_boundaries(ax, x, labels, boundaries, styles):
    """Points coloured by their 0/1 label and, for each (w, b), the line w·x + b = 0 on ax."""
    x, labels = np.asarray(x), np.asarray(labels)
    positive = labels > 0.5
    ax.scatter(*x[~positive].T, s=12, color="C0", alpha=0.6, label=tr("label 0"))
    ax.scatter(*x[positive].T, s=16, color="C3", marker="^", label=tr("label 1"))
    lo, hi = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    t = np.linspace(lo[0], hi[0], 200)
    for label, (w, b) in boundaries.items():
        w = np.ravel(np.asarray(w, dtype=np.float64))
        b = float(np.ravel(np.asarray(b, dtype=np.float64))[0]) if np.ndim(b) else float(b)
        if abs(w[1]) > 1e-12 * max(abs(w[0]), 1.0):  # solve w0·t + w1·s + b = 0 for s
            ax.plot(t, -(w[0] * t + b) / w[1], label=label, **styles.get(label, {}))
        else:  # a vertical line
            ax.axvline(-b / w[0], label=label, **styles.get(label, {}))
    ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), xlabel="$x_1$", ylabel="$x_2$")
    ax.grid(alpha=0.3)


def plot_linear_boundaries(x, labels, boundaries, *, styles=None, title=None, figsize=(6, 5)):
    """2-D points of two classes and linear decision boundaries.

    x:          (n, 2) points; labels: (n,) 0/1 labels (floats or ints).
    boundaries: mapping label → (w, b) with w of 2 numbers and b a number (or a 1-element array),
                drawn as the line w·x + b = 0 (where a logistic model's probability is 1/2).
    styles:     optional mapping label → matplotlib line keywords.
    Returns the Figure.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    _draw_boundaries(ax, x, labels, boundaries, styles or {})
    _legend_right(ax)
    ax.set_title(title)
    return fig


def plot_multilabel_boundaries(x, labels, boundaries, *, styles=None, tag_names=None, title=None, size=3.5):
    """One panel per tag of a multi-label problem: the points coloured by that tag and its boundaries.

    x:          (n, 2) points; labels: (n, C) 0/1 labels.
    boundaries: mapping label → (W, b) with W of shape (C, 2) and b of shape (C,) (e.g. a
                `torch.nn.Linear(2, C)`'s weight and bias); panel c draws W[c]·x + b[c] = 0.
    Returns the Figure.
    """
    labels = np.asarray(labels)
    n_tags = labels.shape[1]
    names = tag_names or [tr("tag {c}", c=c) for c in range(n_tags)]
    fig = Figure(figsize=(size * n_tags, size + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n_tags))
    for c, ax in enumerate(axes):
        per_tag = {label: (np.asarray(W)[c], np.asarray(b)[c]) for label, (W, b) in boundaries.items()}
        _draw_boundaries(ax, x, labels[:, c], per_tag, styles or {})
        ax.set_title(names[c])
    handles, legend_labels = axes[0].get_legend_handles_labels()  # below the panels, off the points
    fig.legend(handles, legend_labels, loc="outside lower center", ncols=min(len(legend_labels), 5), fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- classification (03)
__all__ += ["plot_loss_and_gradient_vs", "plot_decision_boundary"]


def plot_loss_and_gradient_vs(curves, x, *, xlabel, gradient_label="∂ℓ/∂input", loss_label="loss", at=None,
                              title=None, figsize=(10, 4)):
    """Like `plot_losses_and_gradients`, against any scalar `x` (a logit, a margin, a temperature).

    curves: mapping label → callable x ↦ (loss, gradient), two arrays shaped like x; a label may
            also map to (callable, line keywords) to style both of its lines.
    x:      the values to evaluate at; `xlabel` names them; `gradient_label` and `loss_label` the axes.
    at:     optional value of x where each curve gets a dot on both panels (a slider's position).
    Returns the Figure (loss left, gradient right, one colour per curve).
    """
    x = np.asarray(x, dtype=np.float64)
    fig, _, _ = _loss_gradient_figure(curves, x, xlabel=xlabel, loss_label=loss_label, gradient_label=gradient_label,
                                      at=at, title=title, figsize=figsize)
    return fig


def plot_decision_boundary(x, y, predict, *, resolution=200, margin=0.15, title=None, figsize=None):
    """2-D points coloured by class over the regions where a classifier predicts each class.

    x:       (N, 2) points; y: (N,) integer class labels.
    predict: callable (M, 2) float64 array ↦ (M, C) scores (logits or probabilities; the
             region is their argmax, the shading their softmax confidence) — or a mapping
             panel title ↦ such a callable, for several classifiers side by side.
    The grid spans the data plus `margin` of its range on each side, `resolution` points a side.
    Two contours, labelled on the figure, mark where the predicted class's probability (the
    softmax of the scores) is 0.5 (dotted) and 0.9 (solid): the boundary's uncertain band.
    Returns the Figure.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (N, 2), got {x.shape}")
    panels = dict(predict) if isinstance(predict, dict) else {title or "": predict}
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = margin * (hi - lo)
    g0, g1 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1)
    n_classes = int(y.max()) + 1
    colors = [f"C{k}" for k in range(max(n_classes, 1))]
    from matplotlib.colors import ListedColormap, to_rgb

    cmap = ListedColormap([to_rgb(c) for c in colors])
    figsize = figsize or (4.5 * len(panels), 4.5)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (name, fn) in zip(axes, panels.items()):
        scores = np.asarray(fn(grid), dtype=np.float64)
        if scores.ndim != 2 or scores.shape[0] != grid.shape[0]:
            raise ValueError(f"predict must return (M, C) scores for M grid points, got shape {scores.shape}")
        label = scores.argmax(axis=1).reshape(g0.shape)
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        confidence = (shifted.max(axis=1) / shifted.sum(axis=1)).reshape(g0.shape)
        ax.imshow(label, origin="lower", cmap=cmap, vmin=0, vmax=len(colors) - 1, alpha=0.35,
                  extent=(g0.min(), g0.max(), g1.min(), g1.max()), aspect="auto", interpolation="nearest")
        levels = ax.contour(g0, g1, confidence, levels=[0.5, 0.9], colors="0.3", linewidths=0.6,
                            linestyles=[":", "-"])
        ax.clabel(levels, fmt={0.5: "p=0.5", 0.9: "p=0.9"}, fontsize=7, inline_spacing=2)
        ax.scatter(x[:, 0], x[:, 1], c=[colors[k] for k in y], s=12, edgecolors="k", linewidths=0.3)
        ax.set(xlabel="$x_1$", ylabel="$x_2$", title=name)
        ax.set_aspect("equal")
    if title and isinstance(predict, dict):
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- CTC (notebook 08)
__all__ += ["ctc_lattice", "plot_ctc_lattice", "ctc_lattice_widget", "plot_ctc_decoding"]


def ctc_lattice(log_probs, target, blank=0):
    """The CTC lattice of ONE sequence, computed by the package's own recursions.

    log_probs (T, C) and a 1-D target without blanks. Returns a dict with
      ext        the extended label l' (2L + 1,),
      log_alpha  log α_t(s) (T, 2L + 1), the forward variable of `lossedu.functional.ctc`,
      occupancy  γ_t(s) = exp(α_t(s) + β̃_t(s) + nll) (T, 2L + 1): the posterior probability that
                 the alignment is in state s at time t (each row sums to 1 when nll is finite),
      grad       ∂nll/∂log_probs (T, C) = −γ_t(c), from `ctc_loss_backward` (reduction 'sum'),
      nll        the loss, a float.
    """
    from .functional import ctc

    lp = np.asarray(log_probs, dtype=np.float64)
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    T = lp.shape[0]
    args = ctc._prepare(lp, target[None, :], [T], [target.size], blank, "none", False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ext, em, skip, alpha, nll = ctc._forward(args)
        beta = ctc._beta_tilde(em, skip, args.input_lengths, args.target_lengths)
        occupancy = np.exp(alpha + beta + nll[:, None])
    grad = ctc.ctc_loss_backward(1.0, lp, target, T, target.size, blank=blank, reduction="sum")
    return {"ext": ext[0], "log_alpha": alpha[:, 0], "occupancy": occupancy[:, 0], "grad": grad,
            "nll": float(nll[0])}


def plot_ctc_lattice(log_probs, target, blank=0, *, symbols=None, title=None, figsize=(12, 3.8)):
    """Three pictures of the CTC lattice of one sequence (see `ctc_lattice`).

    Left: log α_t(s), states s of the extended label down, time across (white = −inf: no
    prefix of an alignment reaches that cell). Middle: the occupancy γ_t(s), where the
    alignments actually go. Right: the gradient ∂nll/∂log_probs[t, c] = −γ_t(c), per class.
    `symbols` optionally names the classes (a string or list indexed by class, e.g. "-abc").
    Returns the Figure (`ctc_lattice_widget` returns it with an update that redraws it in place).
    """
    return ctc_lattice_widget(log_probs, target, blank, symbols=symbols, title=title, figsize=figsize)[0]


def ctc_lattice_widget(log_probs, target, blank=0, *, symbols=None, title=None, figsize=(12, 3.8)):
    """`plot_ctc_lattice` for `lossedu.plot.interactive`: (figure, update(log_probs, target)).

    The update puts the new lattice into the same three images (their data, extent and the
    colour scale of log α), the states' tick labels and the title, in place. The number of
    classes C must stay the same.
    """
    C = np.shape(log_probs)[1]
    names = list(symbols) if symbols is not None else [("∅" if c == blank else str(c)) for c in range(C)]
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 3)
    styles = [("log α_t(s)", "viridis", None, None), (tr("occupancy γ_t(s)"), "Greys", 0.0, 1.0),
              (tr("gradient ∂nll/∂log_probs = −γ_t(c)"), "RdBu", -1.0, 1.0)]
    images = []
    for ax, (label, cmap, lo, hi) in zip(axes, styles):
        images.append(ax.imshow(np.zeros((1, 1)), aspect="auto", cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"))
        fig.colorbar(images[-1], ax=ax, shrink=0.85)
        ax.set(title=label, xlabel=tr("time t"))
    for ax in axes[:2]:
        ax.set_ylabel(tr("state s of l'"))
    axes[2].set_yticks(range(C), names)
    axes[2].set_ylabel(tr("class c"))
    fig.suptitle(" ")

    def update(log_probs, target):
        lat = ctc_lattice(log_probs, target, blank)
        alpha = np.where(np.isneginf(lat["log_alpha"]), np.nan, lat["log_alpha"])
        for ax, image, picture in zip(axes, images, (alpha.T, lat["occupancy"].T, lat["grad"].T)):
            rows, columns = picture.shape
            image.set_data(picture)
            image.set_extent((-0.5, columns - 0.5, rows - 0.5, -0.5))  # as imshow places it
            ax.set(xlim=(-0.5, columns - 0.5), ylim=(rows - 0.5, -0.5))
        if np.isfinite(alpha).any():  # log α's colour scale follows the data, steadily
            new = (np.nanmin(alpha), np.nanmax(alpha))
            images[0].set_clim(*_steady_limits(images[0].get_clim(), new, automatic=True))
        for ax in axes[:2]:
            ax.set_yticks(range(lat["ext"].size), [names[c] for c in lat["ext"]])
        word = " ".join(names[c] for c in np.asarray(target).reshape(-1))
        fig._suptitle.set_text(title or tr("target [{word}], T = {T}, nll = {nll:.3f}", word=word, T=np.shape(log_probs)[0],
                                            nll=lat["nll"]))

    update(log_probs, target)
    return fig, update


def plot_ctc_decoding(x, log_probs, targets, decoded, *, symbols=None, title=None, figsize=None):
    """A few recognised sequences: for each, the input frames above the model's posteriors.

    x (T, k, F) inputs and log_probs (T, k, C) outputs of k sequences, already cut to their
    input lengths or padded (padding shows as noise); targets and decoded are k label sequences
    (lists or arrays). Each column of the figure titles its sequence "target → decoded".
    Returns the Figure.
    """
    x, log_probs = np.asarray(x), np.asarray(log_probs)
    k, C = x.shape[1], log_probs.shape[2]
    names = list(symbols) if symbols is not None else ["∅"] + [str(c) for c in range(1, C)]
    fig = Figure(figsize=figsize or (3.2 * k, 4.2), layout="constrained")
    axes = fig.subplots(2, k, squeeze=False)
    for b in range(k):
        top, bottom = axes[0, b], axes[1, b]
        top.imshow(x[:, b].T, aspect="auto", cmap="magma", interpolation="nearest")
        top.set_yticks(range(x.shape[2]), names[: x.shape[2]])
        word = lambda seq: "".join(names[int(c)] for c in seq) or tr("(empty)")  # noqa: E731
        ok = list(map(int, targets[b])) == list(map(int, decoded[b]))
        top.set_title(f"{word(targets[b])} → {word(decoded[b])} {'✓' if ok else '✗'}",
                      color="k" if ok else "C3")
        bottom.imshow(np.exp(log_probs[:, b]).T, aspect="auto", cmap="Greys", vmin=0, vmax=1,
                      interpolation="nearest")
        bottom.set_yticks(range(C), names)
        bottom.set_xlabel(tr("time t"))
    axes[0, 0].set_ylabel(tr("input feature"))
    axes[1, 0].set_ylabel(tr("p(class | t)"))
    if title:
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- embeddings (notebook 07)
__all__ += ["plot_embeddings", "plot_field"]


def plot_embeddings(embeddings, labels, *, title=None, figsize=None):
    """2-D embeddings side by side, each point coloured by its class (e.g. before/after training).

    embeddings: mapping panel title → (n, 2) array (numpy or a detached tensor's `.numpy()`);
    labels:     (n,) integer class labels, shared by all panels.
    Returns the Figure (one axis per panel, equal aspect, a legend of the classes right of the last).
    """
    labels = np.asarray(labels)
    panels = {name: np.asarray(e, dtype=np.float64) for name, e in embeddings.items()}
    for name, e in panels.items():
        if e.ndim != 2 or e.shape != (labels.size, 2):
            raise ValueError(f"embedding {name!r} must have shape ({labels.size}, 2), got {e.shape}")
    figsize = figsize or (4.2 * len(panels), 4.2)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (name, e) in zip(axes, panels.items()):
        for k in np.unique(labels):
            ax.scatter(*e[labels == k].T, s=14, color=f"C{int(k) % 10}", alpha=0.8, label=tr("class {k}", k=k))
        ax.set(title=name, xlabel="$e_1$", ylabel="$e_2$")
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(alpha=0.3)
    _legend_right(axes[-1])  # outside: the clusters fill every corner of a panel
    if title:
        fig.suptitle(title)
    return fig


def plot_field(field, points=None, *, extent=(-2.0, 2.0, -2.0, 2.0), grid=81, arrows=15, title=None,
               label="loss", figsize=(5, 4.2), ax=None, vmin=None, vmax=None):
    """A scalar function of a point's position in the plane, as a heat map, with −gradient arrows.

    field:  callable (M, 2) positions → (values (M,), gradients (M, 2)), e.g. a triplet loss as a
            function of where the negative is, built from a lossedu loss and its `_backward`;
    points: optional mapping name → (x, y) of fixed points to mark and name (the anchor, the positive);
    extent: (xmin, xmax, ymin, ymax); grid: heat-map resolution; arrows: arrows per side
            (the arrows point downhill, where gradient descent would move the point; 0 for none).
    ax:     draw on this axis (e.g. one panel of a bigger figure) instead of a new Figure.
    vmin, vmax: the colour scale (default: the values' range), e.g. one scale for every position of
            a widget's slider, so that the colours compare across positions.
    Returns the Figure.
    """
    from matplotlib import patheffects

    x0, x1, y0, y1 = extent
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    gx, gy = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    values = np.asarray(field(np.stack([gx.ravel(), gy.ravel()], axis=1))[0]).reshape(gx.shape)
    image = ax.pcolormesh(gx, gy, values, shading="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    fig.colorbar(image, ax=ax, label=_shown(label))
    if arrows:
        ax_, ay_ = np.meshgrid(np.linspace(x0, x1, arrows), np.linspace(y0, y1, arrows))
        grads = np.asarray(field(np.stack([ax_.ravel(), ay_.ravel()], axis=1))[1])
        ax.quiver(ax_.ravel(), ay_.ravel(), -grads[:, 0], -grads[:, 1], color="w", alpha=0.8,
                  angles="xy", pivot="mid")
    for i, (name, (px, py)) in enumerate((points or {}).items()):
        ax.scatter([px], [py], s=80, color=f"C{i + 1}", edgecolor="k", zorder=3, label=name)
        # the name next to its point, white on a dark edge: a legend box would hide part of the map
        ax.annotate(name, (px, py), xytext=(6, 6), textcoords="offset points", color="w", fontsize="small",
                    fontweight="bold", zorder=4, path_effects=[patheffects.withStroke(linewidth=2, foreground="k")])
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.set_aspect("equal")
    return fig


# ----------------------------------------------------------------------------- counts and variances (02)
__all__ += ["plot_nll_curves", "plot_mean_and_spread"]


def plot_nll_curves(curves, x, *, xlabel, gradient_label="∂ℓ/∂input", at=None, logx=False,
                    symlog_gradient=False, loss_ylim=None, title=None, figsize=(10, 4)):
    """A likelihood loss (left) and its gradient (right) against one parameter the model predicts.

    curves: mapping label → callable x ↦ (loss, gradient), two arrays shaped like x (e.g. the
            Poisson loss against a rate, the Gaussian loss against a variance).
    x:      the values to evaluate at, named by `xlabel`; `gradient_label` names the right axis.
    at:     optional value of x where each curve gets a dot on both panels (a slider's position).
    logx:   a log-scaled x axis (variances over decades); symlog_gradient: a symmetric-log gradient
            axis, for gradients that span many orders of magnitude with either sign.
    loss_ylim: optional (bottom, top) of the loss axis, to see the minima next to a curve that explodes.
    Returns the Figure.
    """
    x = np.asarray(x, dtype=np.float64)
    fig, ax_loss, ax_grad = _loss_gradient_figure(
        curves, x, xlabel=xlabel, loss_label=tr("loss ℓ"), gradient_label=gradient_label, at=at,
        title=title, figsize=figsize,
    )
    if logx:
        for ax in (ax_loss, ax_grad):
            ax.set_xscale("log")
    if symlog_gradient:
        ax_grad.set_yscale("symlog", linthresh=1.0)
    if loss_ylim is not None:
        ax_loss.set_ylim(*loss_ylim)
    return fig



__all__ += ["nll_curves_widget", "loss_gradient_widget"]


def nll_curves_widget(view, sizes=()):
    """`plot_nll_curves` for `lossedu.plot.interactive`: a setup(**values) → (figure, update).

    view:  function of the controls' values returning the keywords of `plot_nll_curves` (curves,
           x, at, xlabel, …), plus optionally grad_ylim, the limits of the gradient axis.
    sizes: optional settings of the controls (dicts) whose curves the axes are sized to hold.
    The figure is drawn once; a move changes the curves, the dots, the labels and the title in
    place. Limits the view gives (loss_ylim, grad_ylim) or `sizes` imply stay put; the others
    follow the curves steadily (they stay while the curves still fill them), so moving the dot
    never rescales.
    """
    return _curves_widget(plot_nll_curves, view, sizes)


def loss_gradient_widget(view, sizes=()):
    """`plot_loss_and_gradient_vs` for `lossedu.plot.interactive`, as `nll_curves_widget` is for
    `plot_nll_curves`: view(**values) returns its keywords (curves, x, xlabel, …)."""
    return _curves_widget(plot_loss_and_gradient_vs, view, sizes)


def _curves_widget(plot, view, sizes):
    def span(options):  # (low, high) of the loss and of the gradient curves the options draw
        x = np.asarray(options["x"], dtype=np.float64)
        found = [curve[0](x) if isinstance(curve, tuple) else curve(x) for curve in options["curves"].values()]
        finite = [[np.asarray(f[k])[np.isfinite(f[k])] for f in found] for k in (0, 1)]
        return [(min(v.min() for v in values), max(v.max() for v in values)) for values in finite]

    def setup(**values):
        options = view(**values)
        grad_ylim = options.pop("grad_ylim", None)
        fig = plot(**options)
        ax_loss, ax_grad = fig.axes[:2]
        fixed = {}
        if sizes:
            spans = [span(view(**{**values, **size})) for size in sizes]
            for k, ax in enumerate((ax_loss, ax_grad)):
                low, high = min(s[k][0] for s in spans), max(s[k][1] for s in spans)
                fixed[ax] = (low - 0.05 * (high - low), high + 0.05 * (high - low))
        if options.get("loss_ylim") is not None:
            fixed[ax_loss] = options["loss_ylim"]
        if grad_ylim is not None:
            fixed[ax_grad] = grad_ylim
        for ax, limits in fixed.items():
            ax.set_ylim(*limits)

        def update(**values):
            options = view(**values)
            x = np.asarray(options["x"], dtype=np.float64)
            at = options.get("at")
            for i, (label, curve) in enumerate(options["curves"].items()):
                curve = curve[0] if isinstance(curve, tuple) else curve
                lines = [ax.get_lines()[2 * i:2 * i + 2] if at is not None else ax.get_lines()[i:i + 1]
                         for ax in (ax_loss, ax_grad)]
                for (line, *dot), value in zip(lines, curve(x)):
                    line.set_data(x, value)
                    line.set_label(label)
                if at is not None:
                    for (line, dot), value in zip(lines, curve(np.array([float(at)]))):
                        dot.set_data([at], value)
                if fig.legends:
                    fig.legends[0].get_texts()[i].set_text(label)
            for ax in (ax_loss, ax_grad):
                ax.set_xlabel(_shown(options["xlabel"]))
                shown = ax.get_ylim()
                ax.relim()
                ax.autoscale_view(scaley=ax not in fixed)
                if ax not in fixed:
                    ax.set_ylim(_steady_limits(shown, ax.get_ylim(), automatic=ax.get_yscale() == "linear"), auto=None)
            if options.get("title"):
                fig.suptitle(options["title"])

        return fig, update

    return setup

def plot_mean_and_spread(x, y, models, *, k=2.0, styles=None, title=None, figsize=(7, 4)):
    """Data points and, per model, a predicted mean with a band mean ± k·std around it.

    models: mapping label → callable x ↦ (mean, std), numpy in, numpy out (a true curve, or a
            trained net's mean and √variance); evaluated on 200 points over x's range.
    styles: optional mapping label → matplotlib line keywords (the band takes the line's colour).
    Returns the Figure.
    """
    styles = styles or {}
    fig, ax, grid = _data_figure(x, y, figsize, size=10)
    for label, model in models.items():
        mean, std = (np.asarray(a, dtype=np.float64) for a in model(grid))
        (line,) = ax.plot(grid, mean, label=tr("{label}: mean ± {k:g}·std", label=label, k=k), **styles.get(label, {}))
        ax.fill_between(grid, mean - k * std, mean + k * std, color=line.get_color(), alpha=0.15)
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.grid(alpha=0.3)
    _legend_right(ax)
    return fig


# ----------------------------------------------------------------------------- 00: one constant
__all__ += ["constant_risk", "plot_constant_risk"]


def constant_risk(loss, y, c, *, reduction="mean", **options):
    """The empirical risk of predicting one constant c for every target y, and its slope dR/dc.

    For each c of the grid `c` this calls the package's own forward and hand-derived backward,
    `loss(full(c), y, reduction=...)` and `<name>_backward(1, full(c), y, ...)`. Every prediction
    equals c, so by the chain rule dR/dc = Σᵢ ∂R/∂inputᵢ (the backward's gradient summed).
    With reduction='none' the per-sample losses ℓᵢ(c) and their slopes are returned instead.

    loss: e.g. `lossedu.functional.mse_loss` (any lossedu loss of (input, target)).
    Returns (risk, slope): float64 arrays of shape (len(c),), or (len(c), len(y)) for 'none'.
    """
    from . import functional

    backward = getattr(functional, f"{loss.__name__}_backward")
    y = np.asarray(y, dtype=np.float64).ravel()
    grid = np.atleast_1d(np.asarray(c, dtype=np.float64))
    risks, slopes = [], []
    for value in grid:
        x = np.full_like(y, value)
        risk = loss(x, y, reduction=reduction, **options)
        upstream = np.ones_like(y) if reduction == "none" else 1.0
        grad = backward(upstream, x, y, reduction=reduction, **options)
        risks.append(risk)
        slopes.append(grad if reduction == "none" else np.sum(grad))
    return np.asarray(risks, dtype=np.float64), np.asarray(slopes, dtype=np.float64)


def plot_constant_risk(y, losses, *, reduction="mean", c=None, marks=None, styles=None, title=None,
                       figsize=(12, 3.8)):
    """Fitting one constant: the data (left), the risk R(c) (middle) and its slope dR/dc (right).

    y:         the targets, drawn as sample index against value; the panels share the value axis.
    losses:    mapping label → lossedu loss, e.g. `{"L2 (MSE)": LF.mse_loss, "L1": LF.l1_loss}`;
               curves come from `constant_risk` (the package's forward and backward). With
               reduction='none' each sample's ℓᵢ(c) is a thin line; otherwise the minimiser on the
               grid is marked with a dot.
    c:         the grid of constants (default 301 points from min(y) − 1 to max(y) + 1).
    marks:     optional mapping label → value drawn as a vertical line on every panel (e.g. what a
               model learned); styles: optional mapping label → line keywords for those lines.
    The mean and the median of y are drawn on every panel as black dashed / dotted vertical lines,
    labelled "mean" and "median" on the data panel.
    Returns the Figure.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    grid = np.linspace(y.min() - 1.0, y.max() + 1.0, 301) if c is None else np.asarray(c, dtype=np.float64)
    marks, styles = marks or {}, styles or {}
    fig = Figure(figsize=figsize, layout="constrained")
    ax_data, ax_risk, ax_slope = fig.subplots(1, 3, sharex=True)
    ax_data.scatter(y, np.arange(y.size), s=14, color="0.4", zorder=3, label=tr("data $y_i$"))
    for ax in (ax_data, ax_risk, ax_slope):
        ax.axvline(np.mean(y), color="k", ls="--", lw=1, label=tr("mean") if ax is ax_data else None)
        ax.axvline(np.median(y), color="k", ls=":", lw=1.5, label=tr("median") if ax is ax_data else None)
        for label, value in marks.items():
            ax.axvline(value, label=label if ax is ax_data else None, **styles.get(label, {}))
    for i, (label, loss) in enumerate(losses.items()):
        risk, slope = constant_risk(loss, y, grid, reduction=reduction)
        color = f"C{i}"
        if reduction == "none":
            ax_risk.plot(grid, risk, color=color, lw=0.8, alpha=0.35)
            ax_slope.plot(grid, slope, color=color, lw=0.8, alpha=0.35)
            ax_risk.plot([], [], color=color, label=tr("{label}: each $\\ell_i(c)$", label=label))  # one legend entry
        else:
            ax_risk.plot(grid, risk, color=color, label=label)
            ax_slope.plot(grid, slope, color=color, label=label)
            best = np.argmin(risk)
            ax_risk.plot(grid[best], risk[best], "o", color=color, ms=6)
    ax_data.set(xlabel=tr("value"), ylabel=tr("sample i"), title=tr("data"))
    ax_risk.set(xlabel=tr("constant c"), ylabel=f"R(c)   (reduction='{reduction}')", title=tr("risk"))
    ax_slope.set(xlabel=tr("constant c"), ylabel="dR/dc", title=tr("slope (from the _backward)"))
    ax_slope.axhline(0, color="0.6", lw=0.8, zorder=0)
    for ax in (ax_data, ax_risk, ax_slope):
        ax.grid(alpha=0.3)
    # One legend for the figure, below the panels: inside them it would sit on the data or the curves,
    # which move (with the widget's outliers) to wherever a legend is.
    _legend_below(fig, (ax_data, ax_risk))
    if title:
        fig.suptitle(title)
    return fig



def _legend_below(fig, axes):
    """One legend for the figure, below the panels, gathering the entries of `axes`; returns it."""
    handles, labels = [], []
    for ax in axes:
        h, l = ax.get_legend_handles_labels()
        handles, labels = handles + h, labels + l
    return fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), fontsize="small")


__all__ += ["constant_risk_widget"]  # plot_constant_risk with an update, for notebook 00


def _each_risk(loss, y, c):
    """ℓᵢ(c) and ∂ℓᵢ/∂c for every constant of the grid c (rows) and every sample yᵢ (columns),
    from one call of the package's forward and backward on the (len(c), len(y)) grid."""
    from . import functional

    backward = getattr(functional, f"{loss.__name__}_backward")
    x, y = np.broadcast_arrays(c[:, None], y[None, :])
    return loss(x, y, reduction="none"), backward(np.ones_like(x), x, y, reduction="none")


def constant_risk_widget(data, losses, *, c, reduction="mean", sizes=(), figsize=(12, 3.8), **values):
    """`plot_constant_risk` for `lossedu.plot.interactive`: (figure, update(reduction, **values)).

    data:   function of the other controls (**values) returning the targets y;
    sizes:  a few target arrays (the controls' extreme settings) that the risk and slope axes are
            sized to hold, with the starting y, so no move rescales them (each reduction has its
            own limits).
    The update moves the data points, the mean and median lines, the curves and the minimiser
    dots in place; with reduction='none' each loss shows its per-sample curves ℓᵢ(c) instead.
    The title gives the mean and the median of y.
    """
    from matplotlib.collections import LineCollection

    c = np.asarray(c, dtype=np.float64)
    y = np.asarray(data(**values), dtype=np.float64).ravel()
    fig = Figure(figsize=figsize, layout="constrained")
    ax_data, ax_risk, ax_slope = fig.subplots(1, 3, sharex=True)
    points = ax_data.scatter(y, np.arange(y.size), s=14, color="0.4", zorder=3, label=tr("data $y_i$"))
    centres = []  # (mean line, median line) on each panel
    for ax in (ax_data, ax_risk, ax_slope):
        centres.append((ax.axvline(np.mean(y), color="k", ls="--", lw=1, label=tr("mean") if ax is ax_data else None),
                        ax.axvline(np.median(y), color="k", ls=":", lw=1.5, label=tr("median") if ax is ax_data else None)))
    curves = {}  # label → (risk line, slope line, minimiser dot, per-sample risks, per-sample slopes)
    for i, label in enumerate(losses):
        color = f"C{i}"
        curves[label] = (ax_risk.plot(c, 0 * c, color=color, label=label)[0],
                         ax_slope.plot(c, 0 * c, color=color, label=label)[0],
                         ax_risk.plot([c[0]], [0.0], "o", color=color, ms=6)[0],
                         ax_risk.add_collection(LineCollection([], color=color, lw=0.8, alpha=0.35)),
                         ax_slope.add_collection(LineCollection([], color=color, lw=0.8, alpha=0.35)))
    ax_data.set(xlabel=tr("value"), ylabel=tr("sample i"), title=tr("data"), xlim=(c[0], c[-1]), ylim=(-1, y.size))
    ax_risk.set(xlabel=tr("constant c"), title=tr("risk"))
    ax_slope.set(xlabel=tr("constant c"), ylabel="dR/dc", title=tr("slope (from the _backward)"))
    ax_slope.axhline(0, color="0.6", lw=0.8, zorder=0)
    for ax in (ax_data, ax_risk, ax_slope):
        ax.grid(alpha=0.3)
    legend = _legend_below(fig, (ax_data, ax_risk))
    entries = legend.get_texts()[-len(losses):]

    def reduce(each, reduction):
        return {"mean": each.mean(axis=1), "sum": each.sum(axis=1), "none": each}[reduction]

    def limits(reduction):  # the range of every curve at every setting in `sizes`, with some room
        found = [reduce(e, reduction) for t in (y, *sizes) for loss in losses.values()
                 for e in _each_risk(loss, np.asarray(t, dtype=np.float64).ravel(), c)]
        return [(min(f.min() for f in found[k::2]), max(f.max() for f in found[k::2])) for k in (0, 1)]

    shown = {}  # reduction → its (risk, slope) limits, computed once

    def update(reduction, **values):
        y = np.asarray(data(**values), dtype=np.float64).ravel()
        points.set_offsets(np.column_stack([y, np.arange(y.size)]))
        for mean_line, median_line in centres:
            mean_line.set_xdata([np.mean(y)] * 2)
            median_line.set_xdata([np.median(y)] * 2)
        for entry, (label, loss) in zip(entries, losses.items()):
            risk_line, slope_line, dot, each_risk, each_slope = curves[label]
            each = _each_risk(loss, y, c)
            risk, slope = (reduce(e, reduction) for e in each)
            if reduction == "none":
                each_risk.set_segments([np.column_stack([c, r]) for r in risk.T])
                each_slope.set_segments([np.column_stack([c, g]) for g in slope.T])
                entry.set_text(tr("{label}: each $\\ell_i(c)$", label=label))
            else:
                risk_line.set_ydata(risk)
                slope_line.set_ydata(slope)
                best = np.argmin(risk)
                dot.set_data([c[best]], [risk[best]])
                entry.set_text(label)
            for artist in (risk_line, slope_line, dot):
                artist.set_visible(reduction != "none")
            for artist in (each_risk, each_slope):
                artist.set_visible(reduction == "none")
        if reduction not in shown:
            shown[reduction] = limits(reduction)
        for ax, (low, high) in zip((ax_risk, ax_slope), shown[reduction]):
            room = 0.05 * (high - low or 1.0)
            ax.set_ylim(low - room, high + room)
        ax_risk.set_ylabel(f"R(c)   (reduction='{reduction}')")
        fig.suptitle(tr("mean {mean:.2f}, median {median:.2f}", mean=np.mean(y), median=np.median(y)))

    update(reduction, **values)
    return fig, update


# ----------------------------------------------------------------------------- margins (notebook 06)
__all__ += ["plot_margin_losses", "margin_losses_widget"]


def plot_margin_losses(margin=1.0, p=1, *, x=None, figsize=(10, 7)):
    """The three margin losses and their gradients, drawn with the package's own forward and backward.

    Top row, `hinge_embedding_loss(x, t, margin)` of one score x for t = 1 and t = −1.
    Bottom row, the multi-class losses for C = 2 classes, target class y = 0 and scores (u, 0),
    against the gap u = x_y − x_j: `multi_margin_loss(p, margin)`, `multilabel_margin_loss`
    (its margin is fixed at 1) and, for comparison, `cross_entropy`; the gradient is ∂ℓ/∂x_y.
    A dot marks each hinge's gradient exactly at its kink: −1 for hinge_embedding (clamp_min
    counts the kink as active), 0 for the multi-class kernels (strict z > 0).
    x: the abscissa (default 601 points on [−2, 3], for both rows). Returns the Figure
    (`margin_losses_widget` returns it with an update that moves its curves in place).
    """
    return margin_losses_widget(margin, p, x=x, figsize=figsize)[0]


def margin_losses_widget(margin=1.0, p=1, *, x=None, figsize=(10, 7), margins=(-0.5, 2.5)):
    """`plot_margin_losses` for `lossedu.plot.interactive`: (figure, update(margin, p)).

    The update changes, in place, what margin and p change: the hinge curves, their kink dots,
    the dashed lines at the margin, a title and a legend entry (the multilabel and cross-entropy
    curves do not depend on them). The axes are sized once for every margin in `margins` (the
    slider's range) and p = 1, 2, so a move does not rescale them; a curve beyond them (a margin
    outside that range) widens them.
    """
    from . import functional as LF

    u = np.linspace(-2.0, 3.0, 601) if x is None else np.asarray(x, dtype=np.float64)
    fig = Figure(figsize=figsize, layout="constrained")
    (he_loss, he_grad), (mc_loss, mc_grad) = fig.subplots(2, 2)

    def hinge_embedding(s, t, margin):
        t = np.full_like(s, t)
        return (LF.hinge_embedding_loss(s, t, margin, reduction="none"),
                LF.hinge_embedding_loss_backward(np.ones_like(s), s, t, margin, reduction="none"))

    def two_class(s):
        scores = np.stack([s, np.zeros_like(s)], axis=1)
        return scores, np.zeros(s.size, dtype=np.int64), np.ones(s.size)

    def multi_margin(s, margin, p):
        scores, y, g = two_class(s)
        return (LF.multi_margin_loss(scores, y, p, margin, reduction="none"),
                LF.multi_margin_loss_backward(g, scores, y, p, margin, reduction="none")[:, 0])

    def multilabel(s):
        scores, y, g = two_class(s)
        target = np.stack([y, np.full_like(y, -1)], axis=1)  # class 0, then the terminator
        return (LF.multilabel_margin_loss(scores, target, reduction="none"),
                LF.multilabel_margin_loss_backward(g, scores, target, reduction="none")[:, 0])

    def softmax(s):
        scores, y, g = two_class(s)
        return (LF.cross_entropy(scores, y, reduction="none"),
                LF.cross_entropy_backward(g, scores, y, reduction="none")[:, 0])

    hinges = {}  # t → (loss line, gradient line)
    for t, color in ((1, "C2"), (-1, "C3")):
        value, slope = hinge_embedding(u, t, margin)
        hinges[t] = (he_loss.plot(u, value, color=color, label=f"t = {t:+d}")[0],
                     he_grad.plot(u, slope, color=color, label=f"t = {t:+d}")[0])
    kink = np.array([float(margin)])
    (he_kink,) = he_grad.plot(kink, hinge_embedding(kink, -1, margin)[1], "o", color="C3", label=tr("value at x = margin"))
    he_loss.set(xlabel=tr("score x (usually a distance)"), ylabel=tr("loss"),
                title=tr("hinge_embedding_loss, margin = {margin:g}", margin=margin))
    he_grad.set(xlabel=tr("score x (usually a distance)"), ylabel="∂ℓ/∂x", title=tr("its gradient"))

    def multi_margin_label(margin, p):
        return f"multi_margin_loss (p = {p}, margin = {margin:g})"

    curves = {
        multi_margin_label(margin, p): (lambda s: multi_margin(s, margin, p), dict(color="C0", lw=2)),
        "multilabel_margin_loss (margin 1)": (multilabel, dict(color="C1", ls="--")),
        tr("cross_entropy (for comparison)"): (softmax, dict(color="0.5", ls=":")),
    }
    multi = None
    for label, (curve, style) in curves.items():
        value, slope = curve(u)
        lines = (mc_loss.plot(u, value, label=label, **style)[0], mc_grad.plot(u, slope, label=label, **style)[0])
        multi = multi or lines  # the first: multi_margin_loss, the curves that margin and p move
    (mc_kink,) = mc_grad.plot(kink, multi_margin(kink, margin, p)[1], "o", color="C0", label=tr("value at u = margin"))
    mc_loss.set(xlabel=tr("gap u = x_y − x_j (C = 2)"), ylabel=tr("loss"), title=tr("multi-class margin losses"))
    mc_grad.set(xlabel=tr("gap u = x_y − x_j (C = 2)"), ylabel="∂ℓ/∂x_y", title=tr("their gradient"))
    at_margin = []
    for ax in (he_loss, he_grad, mc_loss, mc_grad):
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        at_margin.append(ax.axvline(margin, color="0.8", lw=0.8, ls="--", zorder=0))
        ax.grid(alpha=0.3)
    legends = [_legend_right(ax) for ax in (he_grad, mc_grad)]  # each row's curves, named once, right of the row

    fixed = [multilabel(u), softmax(u)]  # the multi-class curves that margin and p do not move

    def moving(margin, p):  # the curves they move: the two hinges (t = ±1), then multi_margin_loss
        return [hinge_embedding(u, t, margin) for t in hinges], multi_margin(u, margin, p)

    def ranges(he, mm):  # (low, high) of what each axes shows, from those curves
        return [(min(c[k].min() for c in curves), max(c[k].max() for c in curves))
                for curves in (he, [mm, *fixed]) for k in (0, 1)]

    extremes = [ranges(*moving(m, q)) for m in np.linspace(*margins, 7) for q in (1, 2)]
    for ax, found in zip((he_loss, he_grad, mc_loss, mc_grad), zip(*extremes)):
        low, high = min(f[0] for f in found), max(f[1] for f in found)
        room = 0.05 * (high - low or 1.0)
        ax.set_ylim(low - room, high + room)

    def update(margin, p):
        he, mm = moving(margin, p)
        for (loss_line, grad_line), (value, slope) in zip(hinges.values(), he):
            loss_line.set_ydata(value)
            grad_line.set_ydata(slope)
        kink = np.array([float(margin)])
        he_kink.set_data(kink, hinge_embedding(kink, -1, margin)[1])
        multi[0].set_ydata(mm[0])
        multi[1].set_ydata(mm[1])
        mc_kink.set_data(kink, multi_margin(kink, margin, p)[1])
        label = multi_margin_label(margin, p)
        multi[0].set_label(label)
        multi[1].set_label(label)
        legends[1].get_texts()[0].set_text(label)
        for line in at_margin:
            line.set_xdata([margin, margin])
        he_loss.title.set_text(tr("hinge_embedding_loss, margin = {margin:g}", margin=margin))
        for ax, (low, high) in zip((he_loss, he_grad, mc_loss, mc_grad), ranges(he, mm)):
            shown = ax.get_ylim()
            if low < shown[0] or high > shown[1]:  # beyond the slider's range: widen, never clip
                room = 0.05 * (high - low or 1.0)
                ax.set_ylim(min(shown[0], low - room), max(shown[1], high + room))

    return fig, update


# ----------------------------------------------------------------------------- KL divergence / distillation (notebook 04)
__all__ += ["kl_two_classes", "plot_kl_two_classes", "kl_two_classes_widget", "plot_forward_reverse_kl", "forward_reverse_kl_widget", "plot_class_probabilities"]


def kl_two_classes(p, z):
    """Both KLs between P = (p, 1 − p) and Q = (σ(z), 1 − σ(z)), and their gradients in the logit z.

    Returns (q, forward, reverse, forward_grad, reverse_grad), arrays of the shape of z:
      forward  = KL(P‖Q) = kl_div(log Q, P)  and  ∂/∂z = (∂/∂ log Q)·(∂ log Q/∂z) = q − p, the chain
                 rule applied to the package's `kl_div_backward` (−P) and log σ' = (1 − q, −q);
      reverse  = KL(Q‖P) = kl_div(log P, Q)  and  ∂/∂z = q(1 − q)·(logit q − logit p), derived by
                 hand (kl_div_backward differentiates the input only, and here Q is the target).
    """
    from . import functional as LF

    z = np.asarray(z, dtype=np.float64)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, got {p}")
    q = 1.0 / (1.0 + np.exp(-z))
    log_q = np.stack([-np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)], axis=-1)  # log σ(z), log σ(−z)
    P = np.broadcast_to(np.array([p, 1.0 - p]), log_q.shape)
    forward = LF.kl_div(log_q, P, reduction="none").sum(axis=-1)
    reverse = LF.kl_div(np.log(P), np.exp(log_q), reduction="none").sum(axis=-1)
    d_log_q = LF.kl_div_backward(np.ones_like(log_q), log_q, P, reduction="none")  # = −P
    forward_grad = d_log_q[..., 0] * (1.0 - q) + d_log_q[..., 1] * (-q)
    reverse_grad = q * (1.0 - q) * (z - np.log(p / (1.0 - p)))
    return q, forward, reverse, forward_grad, reverse_grad


def plot_kl_two_classes(p=0.3, z=None, *, title=None, figsize=(10, 4)):
    """KL(P‖Q) and KL(Q‖P) for two classes (left) and their gradients in Q's logit (right).

    P = (p, 1 − p) is fixed, Q = (q, 1 − q) with q = σ(z); the x axis is q (z defaults to 601
    points on [−7, 7]). Both KLs are 0 at q = p; the forward one blows up as q → 0 or 1 where
    P has mass, the reverse one stays finite there. See `kl_two_classes` for the formulas.
    Returns the Figure (`kl_two_classes_widget` returns it with an update that moves it in place).
    """
    z = np.linspace(-7.0, 7.0, 601) if z is None else np.asarray(z, dtype=np.float64)
    fig, _ = kl_two_classes_widget(p, z, title=title, figsize=figsize, ps=(p,))
    return fig


def kl_two_classes_widget(p=0.3, z=None, *, ps=(0.05, 0.95), title=None, figsize=(10, 4)):
    """`plot_kl_two_classes` for `lossedu.plot.interactive`: (figure, update(p)).

    ps: the values of p the axes are sized for (the slider's ends), so no move rescales them.
    The update moves both curves, the dotted line at q = p and the title in place.
    """
    z = np.linspace(-7.0, 7.0, 601) if z is None else np.asarray(z, dtype=np.float64)
    fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_grad = fig.subplots(1, 2)
    lines = []  # (loss line, gradient line) of the forward, then the reverse KL
    for i, label in enumerate((tr("forward KL(P‖Q)"), tr("reverse KL(Q‖P)"))):
        lines.append((ax_loss.plot(z, z, color=f"C{i}", label=label)[0], ax_grad.plot(z, z, color=f"C{i}", label=label)[0]))
    at_p = [ax.axvline(p, color="0.6", ls=":", lw=1, zorder=0) for ax in (ax_loss, ax_grad)]
    ax_loss.set(xlabel=tr("q = Q(class 0)"), ylabel=tr("KL (nats)"))
    ax_grad.set(xlabel=tr("q = Q(class 0)"), ylabel=tr("∂KL/∂z  (z = logit of q)"), title=tr("gradient in the logit"))
    extremes = [kl_two_classes(value, z) for value in (p, *ps)]
    top = max(3.0, 1.2 * max(float(np.max(e[2])) for e in extremes))
    low = min(float(np.min(e[k])) for e in extremes for k in (3, 4))
    high = max(float(np.max(e[k])) for e in extremes for k in (3, 4))
    ax_loss.set(xlim=(0.0, 1.0), ylim=(-0.1, top))
    ax_grad.set(xlim=(0.0, 1.0), ylim=(low - 0.05 * (high - low), high + 0.05 * (high - low)))
    for ax in (ax_loss, ax_grad):
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.grid(alpha=0.3)
    ax_loss.legend()
    if title:
        fig.suptitle(title)

    def update(p):
        q, forward, reverse, forward_grad, reverse_grad = kl_two_classes(p, z)
        for (loss_line, grad_line), value, slope in zip(lines, (forward, reverse), (forward_grad, reverse_grad)):
            loss_line.set_data(q, value)
            grad_line.set_data(q, slope)
        for line in at_p:
            line.set_xdata([p, p])
        ax_loss.set_title(tr("loss, P = ({p:.2f}, {q:.2f})", p=p, q=1 - p))

    update(p)
    return fig, update


def plot_forward_reverse_kl(log_p, mean, std, support, *, title=None, figsize=(11, 4)):
    """A fixed distribution P and a one-Gaussian Q(mean, std) on the same points, and both KLs.

    log_p:   log-probabilities of P on `support` (e.g. `lossedu.data.log_gaussian_mixture`);
    Q:       `log_gaussian_mixture(support, [mean], [std])`.
    Left:  P and Q, with KL(P‖Q) and KL(Q‖P) in the title. Right: both KLs as Q's mean slides over
    the support at this std, their minima marked: forward KL is mean-seeking (Q covers all of P),
    reverse KL is mode-seeking (Q sits on one mode). Every KL is `lossedu.functional.kl_div` with
    log_target=True, reduction summed over the support. Returns the Figure
    (`forward_reverse_kl_widget` returns it with an update that moves it in place).
    """
    return forward_reverse_kl_widget(log_p, mean, std, support, title=title, figsize=figsize)[0]


def forward_reverse_kl_widget(log_p, mean, std, support, *, stds=None, title=None, figsize=(11, 4)):
    """`plot_forward_reverse_kl` for `lossedu.plot.interactive`: (figure, update(mean, std)).

    stds: the smallest and largest std of the slider; the axes are sized to hold Q and both KL
    curves at every std between them, so no move rescales them (default: this std only).
    The update moves Q, the title, the legend entry, the mean's line and, when std changes,
    the KL curves and their minima, in place.
    """
    from . import functional as LF
    from .data import log_gaussian_mixture

    support, log_p = np.asarray(support, dtype=np.float64), np.asarray(log_p, dtype=np.float64)
    if support.ndim != 1 or support.shape != log_p.shape:
        raise ValueError(f"support and log_p must be 1-D of the same length, got {support.shape} and {log_p.shape}")
    means = np.linspace(support.min(), support.max(), 81)

    def kl_curves(std):  # both KLs as Q's mean slides over the support, at this std
        log_qs = np.stack([log_gaussian_mixture(support, [m], [std]) for m in means])
        return (LF.kl_div(log_qs, log_p, reduction="none", log_target=True).sum(axis=1),
                LF.kl_div(log_p, log_qs, reduction="none", log_target=True).sum(axis=1))

    fig = Figure(figsize=figsize, layout="constrained")
    ax_pq, ax_kl = fig.subplots(1, 2)
    ax_pq.fill_between(support, np.exp(log_p), color="0.6", alpha=0.5, label=tr("P (fixed)"))
    (q_line,) = ax_pq.plot(support, np.exp(log_p), color="C3", lw=2, label="Q")
    ax_pq.set(xlabel="x", ylabel=tr("probability"))
    legend = ax_pq.legend(fontsize="small")
    curves = [(ax_kl.plot(means, means, color=color, label=label)[0], ax_kl.plot([0], [0], "o", color=color)[0])
              for label, color in ((tr("forward KL(P‖Q)"), "C0"), (tr("reverse KL(Q‖P)"), "C1"))]
    at_mean = ax_kl.axvline(mean, color="C3", lw=1.5)
    ax_kl.set(xlabel=tr("mean of Q"), ylabel=tr("KL (nats)"), title=tr("both KLs against Q's mean (std {std:.2f})", std=std))
    ax_kl.legend(fontsize="small")
    for ax in (ax_pq, ax_kl):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    # Limits for every std in `stds`: Q is tallest at the smallest std, the KLs are capped at 10 nats.
    sizes = [std] + list(stds or ())
    peak = max(float(np.exp(log_p).max()), max(float(np.exp(log_gaussian_mixture(support, [0.0], [s])).max()) for s in sizes))
    ax_pq.set(xlim=(support.min(), support.max()), ylim=(0.0, 1.05 * peak))
    top = max(min(float(max(c.max() for c in kl_curves(s))), 10.0) for s in sizes)
    ax_kl.set(xlim=(means[0], means[-1]), ylim=(0.0, 1.05 * top))
    shown = {}  # the std whose KL curves are drawn

    def update(mean, std):
        log_q = log_gaussian_mixture(support, [mean], [std])
        forward = float(LF.kl_div(log_q, log_p, reduction="sum", log_target=True))  # KL(P‖Q)
        reverse = float(LF.kl_div(log_p, log_q, reduction="sum", log_target=True))  # KL(Q‖P)
        q_line.set_ydata(np.exp(log_q))
        label = f"Q = N({mean:.2f}, {std:.2f}²)"
        q_line.set_label(label)
        legend.get_texts()[1].set_text(label)
        ax_pq.set_title(f"KL(P‖Q) = {forward:.3f}    KL(Q‖P) = {reverse:.3f}")
        at_mean.set_xdata([mean, mean])
        if shown.get("std") != std:  # the KL curves depend on std only
            for (line, dot), curve in zip(curves, kl_curves(std)):
                line.set_ydata(curve)
                best = np.argmin(curve)
                dot.set_data([means[best]], [curve[best]])
            ax_kl.set_title(tr("both KLs against Q's mean (std {std:.2f})", std=std))
            shown["std"] = std

    update(mean, std)
    return fig, update


def plot_class_probabilities(models, *, lim=(-2.0, 2.0), resolution=120, points=None, title=None, size=3.5):
    """What models believe over the square [lim]²: each class's probability mixed into one colour.

    models: mapping label → callable x ↦ probabilities, x an (n, 2) float64 array, the result
            (n, C) with rows summing to 1 (a teacher's softmax, a trained student's).
    A pixel's colour is Σ_c p_c·colour_c (matplotlib's C0, C1, …): pure where a model is sure,
    greyish where it hesitates. points: optional (n, 2) array drawn as small dots (the training
    inputs). One panel per model, side by side. Returns the Figure.
    """
    from matplotlib.colors import to_rgb

    g = np.linspace(lim[0], lim[1], int(resolution))
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    fig = Figure(figsize=(size * len(models), size + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    for ax, (label, model) in zip(axes, models.items()):
        probs = np.asarray(model(grid), dtype=np.float64)
        palette = np.array([to_rgb(f"C{c}") for c in range(probs.shape[1])])
        image = np.clip(probs @ palette, 0.0, 1.0).reshape(len(g), len(g), 3)
        ax.imshow(image, origin="lower", extent=(lim[0], lim[1], lim[0], lim[1]), interpolation="nearest")
        if points is not None:
            ax.scatter(*np.asarray(points).T, s=3, color="k", alpha=0.4)
        ax.set(title=label, xlabel="$x_1$", ylabel="$x_2$")
    if title:
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- calibration (notebook 09)
__all__ += ["reliability", "plot_reliability"]


def reliability(probabilities, labels, bins=10):
    """The numbers behind a reliability diagram, and the expected calibration error.

    probabilities: (N, C) predicted class probabilities; labels: (N,) integer true classes.
    Each sample's confidence is its largest probability, and it is correct when that class is
    the label. The confidences are put into `bins` equal bins of [0, 1] (1.0 goes into the last).
    Returns a dict of float64 arrays of length `bins` — "confidence" (mean confidence per bin,
    NaN where empty), "accuracy" (fraction correct per bin, NaN where empty), "count" — and
    "ece" = Σ_b (count_b / N)·|accuracy_b − confidence_b|, a number (0 for a calibrated model).
    """
    p, labels = np.asarray(probabilities, dtype=np.float64), np.asarray(labels)
    if p.ndim != 2 or labels.shape != (p.shape[0],):
        raise ValueError(f"probabilities must be (N, C) and labels (N,), got {p.shape} and {labels.shape}")
    if int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    bins = int(bins)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == labels).astype(np.float64)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, weights=confidence, minlength=bins) / count
        accuracy = np.bincount(which, weights=correct, minlength=bins) / count
    filled = count > 0
    ece = float(np.sum(count[filled] / p.shape[0] * np.abs(accuracy[filled] - mean_confidence[filled])))
    return {"confidence": mean_confidence, "accuracy": accuracy, "count": count, "ece": ece}


def plot_reliability(models, labels, bins=10, *, title=None, size=4.0):
    """Reliability diagrams side by side: accuracy against confidence, one panel per model.

    models: mapping panel title → (N, C) predicted probabilities for the same labels (N,).
    Bars show each bin's accuracy at its mean confidence; the diagonal is perfect calibration
    (bars below it: over-confident, above it: under-confident). The ECE is in each title.
    Returns the Figure.
    """
    fig = Figure(figsize=(size * len(models), size), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    width = 1.0 / bins
    for i, (ax, (name, probabilities)) in enumerate(zip(axes, models.items())):
        r = reliability(probabilities, labels, bins)
        filled = r["count"] > 0
        left = np.arange(bins) * width
        ax.bar(left[filled], r["accuracy"][filled], width=width, align="edge", color=f"C{i}", alpha=0.6,
               edgecolor="k", label=tr("accuracy in bin"))
        ax.plot(r["confidence"][filled], r["accuracy"][filled], "o", color="k", ms=3, label=tr("(confidence, accuracy)"))
        ax.plot([0, 1], [0, 1], ":", color="0.3", label=tr("calibrated"))
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=tr("confidence (max probability)"), ylabel=tr("accuracy"),
               title=f"{name}\nECE = {r['ece']:.3f}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    if title:
        fig.suptitle(title)
    return fig
