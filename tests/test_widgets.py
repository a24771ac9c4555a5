"""`lossedu.plot.interactive`: one live figure per widget, its artists updated in place.

What a learner sees is checked in a real browser by `tools/walkthrough.py`; here, headless: the
figure object and its artists survive a move, the data they show is the new state, a changed
structure falls back to a new figure, slow widgets are debounced, a static render keeps a PNG of
the starting figure, and the picture drawn the fast way (blitting) is the picture a full draw gives.
"""
import time

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import plot

PNG = b"\x89PNG\r\n\x1a\n"


def _regression_draw(beta, delta=1.0):
    # notebook 01's widget, in short
    curves = {"L1": plot.pointwise(LF.l1_loss), f"SmoothL1 (β = {beta:.2f})": plot.pointwise(LF.smooth_l1_loss, beta=beta),
              f"Huber (δ = {delta:.2f})": plot.pointwise(LF.huber_loss, delta=delta)}
    return plot.plot_losses_and_gradients(curves, d=np.linspace(-3, 3, 121), title=f"β = {beta:.2f}")


def _live(ui):
    """Pretend a browser shows the widget: ipympl then renders and sends every change."""
    ui.canvas.syncing_data_url = False
    ui.canvas.send = lambda *args, **kwargs: None
    return ui


def _pixels(canvas):
    return np.asarray(canvas.get_renderer().buffer_rgba()).copy()


# ----------------------------------------------------------------------------- one figure, updated in place
def test_a_move_keeps_the_figure_and_its_lines_and_shows_the_new_state():
    ui = plot.interactive(_regression_draw, beta=(0.0, 3.0, 0.05, 1.0))
    fig, lines = ui.figure, list(ui.figure.axes[0].get_lines())
    assert isinstance(fig, Figure) and ui.canvas.figure is fig and ui.canvas in ui.children

    ui.controls["beta"].value = 0.0
    assert ui.calls == 2 and ui.kwargs == {"beta": 0.0} and ui.rebuilds == 0
    assert ui.figure is fig and ui.figure.axes[0].get_lines() == lines  # the same Line2D objects
    smooth = lines[1]
    np.testing.assert_array_equal(smooth.get_ydata(), np.abs(smooth.get_xdata()))  # β = 0: SmoothL1 is L1
    assert fig.get_suptitle() == "β = 0.00"
    assert fig.legends[0].get_texts()[1].get_text() == "SmoothL1 (β = 0.00)"


def test_the_copy_carries_images_meshes_scatter_texts_and_fixed_ticks():
    def draw(k):
        fig = Figure(figsize=(6, 3), layout="constrained")
        ax_image, ax_mesh = fig.subplots(1, 2)
        image = ax_image.imshow(np.arange(12.0).reshape(3, 4) * k)
        fig.colorbar(image, ax=ax_image)
        g = np.linspace(0, 1, 5)
        ax_mesh.pcolormesh(g, g, np.outer(g, g) + k, shading="auto")
        ax_mesh.scatter([k, 0.5], [0.5, k], s=10)
        ax_mesh.text(0.1, 0.1, f"k = {k}")
        ax_image.set_yticks(range(3), [f"row {i}{'!' * k}" for i in range(3)])
        return fig

    ui = plot.interactive(draw, k=(1, 5, 1, 1))
    image, mesh = ui.figure.axes[0].images[0], ui.figure.axes[1].collections[0]
    ui.controls["k"].value = 3
    assert ui.rebuilds == 0 and ui.figure.axes[0].images[0] is image
    np.testing.assert_array_equal(image.get_array(), np.arange(12.0).reshape(3, 4) * 3)
    assert image.get_clim() == (0.0, 33.0)  # the colour scale followed the data
    np.testing.assert_array_equal(np.ravel(mesh.get_array()), np.outer(np.linspace(0, 1, 5), np.linspace(0, 1, 5)).ravel() + 3)
    np.testing.assert_array_equal(ui.figure.axes[1].collections[1].get_offsets(), [[3, 0.5], [0.5, 3]])
    assert ui.figure.axes[1].texts[0].get_text() == "k = 3"
    yaxis = ui.figure.axes[0].yaxis
    assert [yaxis.get_major_formatter()(v, i) for i, v in enumerate(yaxis.get_majorticklocs())] == ["row 0!!!", "row 1!!!", "row 2!!!"]


def test_a_different_structure_falls_back_to_the_new_figure():
    def draw(n):
        fig = Figure()
        ax = fig.subplots()
        for k in range(n):
            ax.plot([0, 1], [k, k + 1])
        return fig

    ui = plot.interactive(draw, n=(1, 4, 1, 2))
    first = ui.figure
    ui.controls["n"].value = 3
    assert ui.rebuilds == 1 and ui.figure is not first and len(ui.figure.axes[0].get_lines()) == 3
    assert ui.canvas.figure is ui.figure and ui.figure.canvas is ui.canvas  # the same canvas shows it
    ui.controls["n"].value = 3 - 1
    assert ui.rebuilds == 2 and len(ui.figure.axes[0].get_lines()) == 2


def test_a_plot_function_may_return_the_figure_and_its_own_update():
    built = []

    def setup(a):
        built.append(a)
        fig = Figure()
        ax = fig.subplots()
        x = np.linspace(0, 1, 11)
        (line,) = ax.plot(x, a * x)

        def update(a):
            line.set_ydata(a * x)
            ax.set_title(f"a = {a}")

        return fig, update

    ui = plot.interactive(setup, a=(0.0, 2.0, 0.5, 1.0))
    line = ui.figure.axes[0].get_lines()[0]
    ui.controls["a"].value = 2.0
    assert built == [1.0] and ui.calls == 2  # built once, updated after
    np.testing.assert_allclose(line.get_ydata(), 2.0 * line.get_xdata())
    assert ui.figure.axes[0].get_title() == "a = 2.0"


def test_something_other_than_a_figure_is_shown_in_an_output():
    ui = plot.interactive(lambda k: f"k is {k}", k=(1, 9))
    assert ui.canvas is None and ui.out in ui.children and ui.figure == "k is 5"
    ui.controls["k"].value = 2
    assert ui.figure == "k is 2"


# ----------------------------------------------------------------------------- what is drawn
def test_a_blitted_frame_is_the_frame_a_full_draw_gives():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ui = _live(plot.interactive(_regression_draw, beta=(0.0, 3.0, 0.05, 1.0)))
    for beta in (1.05, 1.1, 0.5):  # small steps keep the axes: the saved background is reused
        ui.controls["beta"].value = beta
    assert ui._blitter.background is not None
    blitted = _pixels(ui.canvas)
    FigureCanvasAgg.draw(ui.canvas)
    full = _pixels(ui.canvas)
    assert blitted.shape == full.shape
    # The only licensed difference: a zorder-0 line (the y = 0 axis line) drawn over a faint grid line.
    assert np.mean(np.any(blitted != full, axis=-1)) < 0.005  # 0.0036 here: the lines at 0 only


def test_small_moves_keep_the_limits_and_a_curve_leaving_the_view_gets_new_ones():
    def draw(a):
        fig = Figure()
        ax = fig.subplots()
        ax.plot([0, 1], [0, a])
        return fig

    ui = plot.interactive(draw, a=(0.5, 100.0, 0.5, 10.0))
    ylim = ui.figure.axes[0].get_ylim()
    ui.controls["a"].value = 9.5
    assert ui.figure.axes[0].get_ylim() == ylim  # still inside, still filling most of the view
    ui.controls["a"].value = 50.0
    assert ui.figure.axes[0].get_ylim()[1] >= 50.0
    ui.controls["a"].value = 1.0
    assert ui.figure.axes[0].get_ylim()[1] < 5.0  # shrunk to a corner: rescaled
    assert plot._steady_limits((0, 10), (0, 20), automatic=False) == (0, 20)  # set by the plot function: followed
    assert plot._steady_limits((0, 10), (1, 2), automatic=True) == (1, 2)
    assert plot._steady_limits((0, 10), (1, 9), automatic=True) == (0, 10)
    assert plot._steady_limits((0, 10), (0, 12), automatic=True) == (0, 15)  # grew: a quarter span more
    assert plot._steady_limits((1, 10), (0.5, 10), automatic=True, scale="log") == pytest.approx((0.5 * 20**-0.25, 10))  # in decades


def test_the_layout_is_computed_once_and_legends_stay_put():
    ui = plot.interactive(lambda scale: plot.plot_histories({"a": scale * np.arange(5.0), "b": np.ones(5)}),
                          scale=(0.5, 2.0, 0.1, 1.0))
    assert ui.figure.get_layout_engine() is None or "PlaceHolder" in type(ui.figure.get_layout_engine()).__name__
    position, legend = ui.figure.axes[0].get_position().bounds, ui.figure.axes[0].get_legend()
    assert isinstance(legend._loc, tuple)  # "best" found once, then fixed
    _live(ui).controls["scale"].value = 1.9
    assert ui.figure.axes[0].get_position().bounds == position
    np.testing.assert_array_equal(ui.figure.axes[0].get_lines()[0].get_ydata(), 1.9 * np.arange(5.0))


# ----------------------------------------------------------------------------- dragging
def test_a_slow_widget_is_debounced_and_a_fast_one_is_not(monkeypatch):
    calls = []

    def slow_after_the_first(a):
        calls.append(a)
        if len(calls) > 1:
            time.sleep(0.25)
        return _regression_draw(a)

    monkeypatch.setattr(plot.Interactive, "debounce_ms", 1e6)  # whatever the machine's load, not at the start
    live = lambda: W.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.05)  # noqa: E731 (continuous by default)
    fast = plot.interactive(_regression_draw, beta=live())
    fast.debounce_ms = 5000.0
    fast.controls["beta"].value = 1.5
    assert fast.controls["beta"].continuous_update  # faster than its limit: stays live while dragged

    ui = plot.interactive(slow_after_the_first, a=live())
    ui.debounce_ms = 150.0
    assert ui.controls["a"].continuous_update
    ui.controls["a"].value = 1.5
    assert ui.timings["total_ms"] > ui.debounce_ms
    assert not ui.controls["a"].continuous_update  # the value now comes on release: no queue


def test_a_widget_whose_first_draw_is_very_slow_starts_debounced():
    def slow(a):
        time.sleep(3.5 * plot.Interactive.debounce_ms / 1e3)
        return _regression_draw(a)

    ui = plot.interactive(slow, a=W.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.05))
    assert not ui.controls["a"].continuous_update


def test_shorthand_sliders_send_their_value_on_release():
    ui = plot.interactive(lambda a, k: _regression_draw(a), a=(0.0, 3.0, 0.05, 1.0), k=(1, 5))
    assert not ui.controls["a"].continuous_update and not ui.controls["k"].continuous_update


def test_timings_name_the_stages():
    ui = _live(plot.interactive(_regression_draw, beta=(0.0, 3.0, 0.05, 1.0)))
    ui.controls["beta"].value = 1.1
    assert set(ui.timings) == {"build_ms", "sync_ms", "draw_ms", "total_ms"}
    assert ui.timings["total_ms"] >= ui.timings["build_ms"] + ui.timings["draw_ms"] > 0


# ----------------------------------------------------------------------------- static renders
def test_the_mimebundle_carries_a_png_of_the_starting_figure_beside_the_live_widget():
    ui = plot.interactive(_regression_draw, beta=(0.0, 3.0, 0.05, 1.0))
    bundle = ui._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"][:8] == PNG
    width, height = ui.figure.bbox.size
    from PIL import Image
    import io

    assert Image.open(io.BytesIO(bundle["image/png"])).size == (round(width), round(height))


def test_an_executed_notebook_keeps_a_png_of_each_widget(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\nimport lossedu.functional as LF\n"
                                  "from lossedu.plot import interactive, plot_losses_and_gradients, pointwise"),
        nbformat.v4.new_code_cell("ui = interactive(lambda beta: plot_losses_and_gradients("
                                  "{'SmoothL1': pointwise(LF.smooth_l1_loss, beta=beta)}), beta=(0.1, 3.0, 0.1, 1.0))\n"
                                  "ui.controls['beta'].value = 2.0\nassert ui.calls == 2\nui"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["execute_result"]
    data = outputs[0].data
    assert "application/vnd.jupyter.widget-view+json" in data
    import base64

    assert base64.b64decode(data["image/png"])[:8] == PNG


def test_filled_areas_follow_the_data():
    def draw(top):
        fig = Figure()
        ax = fig.subplots()
        x = np.linspace(0, 1, 5)
        ax.fill_between(x, 0, top * x)
        return fig

    ui = plot.interactive(draw, top=(1.0, 3.0, 0.5, 1.0))
    area = ui.figure.axes[0].collections[0]
    ui.controls["top"].value = 2.0
    assert ui.rebuilds == 0 and ui.figure.axes[0].collections[0] is area
    assert np.isclose(area.get_paths()[0].vertices[:, 1].max(), 2.0)


def test_a_blitted_equal_aspect_frame_is_the_frame_a_full_draw_gives():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def draw(k):
        fig = Figure(figsize=(6, 3), layout="constrained")
        ax = fig.subplots()
        ax.scatter([0.0, 1.0 + 0.01 * k], [0.0, 0.5 + 0.01 * k])
        ax.set_aspect("equal")  # adjustable="box", as plot_field (notebook 07)
        ax.set_title(f"k = {k}")
        return fig

    ui = _live(plot.interactive(draw, k=(0, 10, 1, 0)))
    for k in (1, 2, 3):
        ui.controls["k"].value = k
    key = ui._blitter.key
    blitted = _pixels(ui.canvas)
    FigureCanvasAgg.draw(ui.canvas)
    assert ui._blitter.key == key  # the background was reused, not redrawn
    np.testing.assert_array_equal(blitted, _pixels(ui.canvas))


def test_an_equal_aspect_datalim_figure_is_always_drawn_whole():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def draw(k):
        fig = Figure(figsize=(6, 3), layout="constrained")
        ax = fig.subplots()
        ax.scatter([0.0, 1.0 + 0.01 * k], [0.0, 0.5 + 0.01 * k])
        ax.set_aspect("equal", adjustable="datalim")
        return fig

    ui = _live(plot.interactive(draw, k=(0, 10, 1, 0)))
    for k in (1, 2, 3):
        ui.controls["k"].value = k
    drawn = _pixels(ui.canvas)
    FigureCanvasAgg.draw(ui.canvas)
    np.testing.assert_array_equal(drawn, _pixels(ui.canvas))


def test_a_suptitle_stays_where_the_layout_put_it():
    def draw(k):
        fig = Figure(figsize=(6, 3), layout="constrained")
        fig.subplots(1, 2)[0].set_title("panel")
        fig.suptitle(f"k = {k}")
        return fig

    ui = plot.interactive(draw, k=(0, 10, 1, 0))
    placed = ui.figure._suptitle.get_position()
    ui.controls["k"].value = 3
    assert ui.figure.get_suptitle() == "k = 3" and ui.figure._suptitle.get_position() == placed


def test_a_frame_png_is_the_pixels_it_was_made_from():
    from PIL import Image
    import io

    rng = np.random.default_rng(0)
    rgba = (rng.random((7, 5, 4)) < 0.3) * rng.integers(0, 256, (7, 5, 4))
    frame = plot._png_unfiltered(rgba.astype(np.uint8))
    assert frame.startswith(PNG)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(frame))), rgba)


def test_fixed_ticks_copied_again_with_the_same_labels_keep_the_background_and_new_labels_redraw_it():
    def draw(k, rows=3):
        fig = Figure(figsize=(4, 3))
        ax = fig.subplots()
        ax.plot(np.arange(rows), np.arange(rows) * k)
        ax.set_ylim(-1, 20)
        ax.set_xticks(range(rows), [f"r{i}" for i in range(rows)])  # fixed places, labels: new objects each call
        return fig

    ui = _live(plot.interactive(draw, k=(1, 5, 1, 1), rows=(2, 4, 1, 3)))
    key = ui._blitter.key
    ui.controls["k"].value = 2
    assert ui._blitter.key == key  # the same ticks: the saved background was reused
    ui.controls["rows"].value = 4
    assert ui._blitter.key != key  # other ticks: drawn again
    assert [t.get_text() for t in ui.figure.axes[0].get_xticklabels()] == ["r0", "r1", "r2", "r3"]


def test_a_moved_title_keeps_its_place_above_the_axes():
    def draw(k):
        fig = Figure(figsize=(4, 3))
        ax = fig.subplots()
        ax.plot([0, 1], [0, k])
        ax.set_ylim(0, 5)
        ax.set_title("one line" if k < 3 else "two\nlines")
        return fig

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ui = _live(plot.interactive(draw, k=(1, 5, 1, 1)))
    for k in (2, 4):
        ui.controls["k"].value = k
        placed = ui.figure.axes[0].title.get_position()
        FigureCanvasAgg.draw(ui.canvas)  # a full draw places the title itself
        assert ui.figure.axes[0].title.get_position() == placed


def test_text_drawn_again_from_the_glyph_cache_is_pixel_for_pixel_a_fresh_drawing():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def figure():
        fig = Figure(figsize=(4, 3), dpi=70)
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1], label="a line, $\\beta^2$ = 1")
        ax.set_title("a title, rotated labels", color="C3")
        ax.text(0.3, 0.6, "dy/dx = ½", rotation=30, fontsize=13)
        ax.text(0.1, 0.2, r"$\frac{1}{2}$ with a rule")  # a fraction's rule is not a glyph: drawn anew
        ax.legend()
        fig.suptitle("suptitle")
        return fig

    fresh = FigureCanvasAgg(figure())
    fresh.draw()
    cached = FigureCanvasAgg(figure())
    plot._cache_text(cached.get_renderer())
    cached.draw()  # fills the cache
    assert cached.get_renderer()._lossedu_text_cache
    cached.draw()  # drawn from it
    np.testing.assert_array_equal(np.asarray(cached.buffer_rgba()), np.asarray(fresh.buffer_rgba()))


# ----------------------------------------------------------------------------- figures with their own update
def _same_figure(a, b):
    """Two figures that show the same: line data, image data and extents, colour limits, titles, tick labels."""
    assert len(a.axes) == len(b.axes)
    for ax, bx in zip(a.axes, b.axes):
        assert ax.get_title() == bx.get_title()
        if type(bx.yaxis.major.locator).__name__ == "FixedLocator":  # chosen ticks (automatic ones follow the limits)
            assert [t.get_text() for t in ax.get_yticklabels()] == [t.get_text() for t in bx.get_yticklabels()]
        assert len(ax.lines) == len(bx.lines)
        for la, lb in zip(ax.lines, bx.lines):
            np.testing.assert_array_equal(la.get_xydata(), lb.get_xydata())
            assert la.get_label() == lb.get_label()
        for ia, ib in zip(ax.images, bx.images):
            np.testing.assert_array_equal(ia.get_array(), ib.get_array())
            assert ia.get_extent() == ib.get_extent() and ia.get_clim() == ib.get_clim()
        if ax.get_legend() is not None:
            assert [t.get_text() for t in ax.get_legend().get_texts()] == [t.get_text() for t in bx.get_legend().get_texts()]
    assert a.get_suptitle() == b.get_suptitle()


def test_the_margin_widget_update_shows_what_plot_margin_losses_draws():
    fig, update = plot.margin_losses_widget(1.0, 1)
    for margin, p in ((1.5, 2), (-0.5, 1), (2.5, 2)):
        update(margin, p)
        _same_figure(fig, plot.plot_margin_losses(margin, p))
        low, high = fig.axes[2].get_ylim()  # the limits follow the curves: the squared hinge stays in view
        assert low <= fig.axes[2].lines[0].get_ydata().min() and fig.axes[2].lines[0].get_ydata().max() <= high


def test_the_ctc_lattice_widget_update_shows_what_plot_ctc_lattice_draws():
    rng = np.random.default_rng(0)

    def log_probs(T, sharpness=1.0):
        z = sharpness * rng.normal(size=(T, 4))
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    fig, update = plot.ctc_lattice_widget(log_probs(10), [1, 2], symbols="-abc")
    for lp, target in ((log_probs(7, 3.0), [1, 2, 2, 1]), (log_probs(3), [1, 1]), (log_probs(12, 0.5), [3])):
        update(lp, target)
        fresh = plot.plot_ctc_lattice(lp, target, symbols="-abc")
        fresh_alpha = fresh.axes[0].images[0]
        fresh_alpha.set_clim(*fig.axes[0].images[0].get_clim())  # the widget's colour scale is steady
        _same_figure(fig, fresh)


def test_the_constant_risk_widget_update_draws_the_risk_and_keeps_its_axes():
    from lossedu.data import constant_with_outliers

    def data(shift, fraction):
        return constant_with_outliers(25, outlier_fraction=fraction, outlier_shift=shift, seed=0)

    losses = {"L2": LF.mse_loss, "L1": LF.l1_loss}
    c = np.linspace(-3.0, 13.0, 161)
    extremes = [data(s, 0.48) for s in (-10.0, 10.0)]
    fig, update = plot.constant_risk_widget(data, losses, c=c, sizes=extremes, reduction="mean", shift=5.0, fraction=0.2)
    _, ax_risk, ax_slope = fig.axes
    limits = {}
    for reduction in ("mean", "sum", "none", "mean"):
        for shift, fraction in ((5.0, 0.2), (-10.0, 0.48), (10.0, 0.0), (2.5, 0.36)):
            update(reduction, shift=shift, fraction=fraction)
            y = data(shift, fraction)
            assert fig.axes[0].lines[0].get_xdata()[0] == np.mean(y) and fig.axes[0].lines[1].get_xdata()[0] == np.median(y)
            np.testing.assert_array_equal(fig.axes[0].collections[0].get_offsets()[:, 0], y)
            for i, loss in enumerate(losses.values()):
                risk, slope = plot.constant_risk(loss, y, c, reduction=reduction)
                if reduction == "none":
                    drawn = [s[:, 1] for s in ax_risk.collections[i].get_segments()]
                    np.testing.assert_allclose(np.array(drawn).T, risk, rtol=1e-12)
                    drawn = [s[:, 1] for s in ax_slope.collections[i].get_segments()]
                    np.testing.assert_allclose(np.array(drawn).T, slope, rtol=1e-12, atol=1e-15)
                else:
                    curve = ax_risk.lines[2 + 2 * i]
                    np.testing.assert_allclose(curve.get_ydata(), risk, rtol=1e-12)
                    np.testing.assert_allclose(ax_slope.lines[2 + i].get_ydata(), slope, rtol=1e-12, atol=1e-12)
                    assert ax_risk.lines[3 + 2 * i].get_xdata()[0] == c[np.argmin(risk)]
                    low, high = ax_risk.get_ylim()
                    assert low <= risk.min() and risk.max() <= high  # the curves stay inside the fixed axes
            # each reduction keeps one set of limits over every setting of the sliders: no move rescales
            assert limits.setdefault(reduction, (ax_risk.get_ylim(), ax_slope.get_ylim())) == (ax_risk.get_ylim(), ax_slope.get_ylim())


def test_the_nll_curves_widget_update_shows_what_plot_nll_curves_draws_and_keeps_given_limits():
    def curve(t, scale):
        return lambda x: (scale * (np.exp(x) - t * x), scale * (np.exp(x) - t))

    def view(at, scale, wide):
        x = np.linspace(-3.0, 3.0 if wide else 1.0, 50)
        return dict(curves={f"y = {t}": curve(t, scale) for t in (0, 2)}, x=x, at=at, xlabel=f"x {wide}",
                    title=f"scale {scale}", grad_ylim=(-50.0, 50.0))

    fig, update = plot.nll_curves_widget(view)(at=0.0, scale=1.0, wide=True)
    for at, scale, wide in ((0.5, 2.0, True), (-1.0, 0.5, False), (0.2, 3.0, False)):
        update(at=at, scale=scale, wide=wide)
        options = view(at, scale, wide)
        options.pop("grad_ylim")
        _same_figure(fig, plot.plot_nll_curves(**options))
        assert fig.axes[1].get_ylim() == (-50.0, 50.0) and fig.axes[0].get_xlabel() == f"x {wide}"
        low, high = fig.axes[0].get_ylim()  # the loss axis follows the curves
        assert low <= fig.axes[0].lines[0].get_ydata().min() and fig.axes[0].lines[0].get_ydata().max() <= high


def test_the_kl_widgets_update_shows_what_their_plot_functions_draw_on_steady_axes():
    from lossedu.data import log_gaussian_mixture

    fig, update = plot.kl_two_classes_widget(0.3, ps=(0.05, 0.95))
    limits = [ax.get_ylim() for ax in fig.axes]
    for p in (0.05, 0.6, 0.95):
        update(p)
        _same_figure(fig, plot.plot_kl_two_classes(p))
        assert [ax.get_ylim() for ax in fig.axes] == limits
        for ax in fig.axes[1:]:
            low, high = ax.get_ylim()
            assert all(low <= line.get_ydata().min() and line.get_ydata().max() <= high for line in ax.lines[:2])
    support = np.linspace(-5.0, 5.0, 201)
    log_p = log_gaussian_mixture(support, means=[-2.0, 2.0], stds=[0.6, 0.6])
    fig, update = plot.forward_reverse_kl_widget(log_p, 0.5, 0.6, support, stds=(0.3, 3.0))
    limits = [ax.get_ylim() for ax in fig.axes]
    for mean, std in ((2.0, 0.3), (-1.0, 3.0), (0.0, 1.2)):
        update(mean, std)
        _same_figure(fig, plot.plot_forward_reverse_kl(log_p, mean, std, support))
        assert [ax.get_ylim() for ax in fig.axes] == limits
        assert fig.axes[0].lines[0].get_ydata().max() <= limits[0][1]


def test_the_loss_gradient_widget_holds_every_size_and_renames_the_legend():
    def view(scale):
        return dict(curves={f"scale {scale}": lambda x: (scale * x**2, 2 * scale * x)}, x=np.linspace(-1.0, 1.0, 41),
                    xlabel="x")

    fig, update = plot.loss_gradient_widget(view, sizes=[dict(scale=0.5), dict(scale=3.0)])(scale=1.0)
    limits = [ax.get_ylim() for ax in fig.axes]
    assert limits[0][0] < 0 < 3.0 < limits[0][1] and limits[1][0] < -6.0 and 6.0 < limits[1][1]
    for scale in (3.0, 0.5, 2.0):
        update(scale=scale)
        _same_figure(fig, plot.plot_loss_and_gradient_vs(**view(scale)))
        assert [ax.get_ylim() for ax in fig.axes] == limits
        assert [t.get_text() for t in fig.legends[0].get_texts()] == [f"scale {scale}"]


def test_a_learners_run_and_torchs_share_one_colour():
    # "(yours)" was cut to "(y)" by the "ours" tag: the learner's curve and torch's got different colours
    from lossedu import plot

    assert plot._run_name("dpo_loss (yours)") == plot._run_name("dpo_loss (torch)") == "dpo_loss"
    fig = plot.plot_histories({"dpo_loss (yours)": [3.0, 2.0, 1.0], "dpo_loss (torch)": [3.0, 2.0, 1.0]})
    first, second = fig.axes[0].get_lines()[:2]
    assert first.get_color() == second.get_color()
