"""The course helpers: synthetic data, the training loop, the figures, the widget wrapper, show_source."""
import functools
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

import lossedu
import lossedu.functional as LF
from lossedu import data, plot, show, train


# ----------------------------------------------------------------------------- data
def test_line_with_outliers_is_seeded_and_shaped():
    x, y = data.line_with_outliers()
    x2, y2 = data.line_with_outliers()
    assert x.shape == y.shape == (60,) and x.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert np.all(np.diff(x) >= 0) and x.min() >= -1 and x.max() <= 1
    assert not np.array_equal(y, data.line_with_outliers(seed=1)[1])


def test_line_with_outliers_puts_the_outliers_at_large_x():
    n, k = 60, 6
    x, y = data.line_with_outliers(n, slope=2.0, intercept=-1.0, noise=0.0, outlier_shift=-6.0)
    residual = y - (2.0 * x - 1.0)
    np.testing.assert_allclose(residual[: n - k], 0.0, atol=1e-12)
    np.testing.assert_allclose(residual[n - k:], -6.0)


def test_line_without_outliers_is_the_line():
    x, y = data.line_with_outliers(10, noise=0.0, outlier_fraction=0.0)
    np.testing.assert_allclose(y, 2.0 * x - 1.0)


def test_constant_with_outliers_mean_moves_median_does_not():
    y = data.constant_with_outliers(25, value=1.0, noise=0.3, outlier_fraction=0.2, outlier_shift=5.0)
    assert y.shape == (25,) and y.dtype == np.float64
    np.testing.assert_array_equal(y, data.constant_with_outliers(25))
    assert abs(np.median(y) - 1.0) < 0.3 < 0.5 < np.mean(y) - 1.0


@pytest.mark.parametrize("fn", [data.line_with_outliers, data.constant_with_outliers])
def test_data_checks_its_arguments(fn):
    with pytest.raises(ValueError, match="outlier_fraction"):
        fn(outlier_fraction=1.5)
    with pytest.raises(ValueError, match="n must"):
        fn(0)


def test_data_leaves_numpy_global_state_alone():
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    data.line_with_outliers()
    assert np.random.random() == before


# ----------------------------------------------------------------------------- train
def _line_data():
    x, y = data.line_with_outliers(40, outlier_fraction=0.0, noise=0.1)
    return x[:, None], y[:, None]


def _make_line():
    return torch.nn.Linear(1, 1).double()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_decreases_the_loss_and_returns_its_history(optimizer):
    x, y = _line_data()
    torch.manual_seed(0)
    model = _make_line()
    history = train.fit(model, F.mse_loss, x, y, steps=150, lr=0.1, optimizer=optimizer)
    assert isinstance(history, train.History) and history.model is model
    assert history.losses.shape == (150,) and history.losses.dtype == np.float64
    assert history.final == history.losses[-1] < 0.1 * history.losses[0]


def test_fit_records_the_loss_before_each_update():
    x, y = _line_data()
    torch.manual_seed(0)
    model = _make_line()
    expected = F.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y)).item()
    history = train.fit(model, F.mse_loss, x, y, steps=3, lr=0.1)
    assert history.losses[0] == expected


def test_fit_casts_data_to_the_models_dtype():
    x, y = _line_data()
    history = train.fit(torch.nn.Linear(1, 1), F.mse_loss, x, y, steps=2, lr=0.1)  # float32 model
    assert np.isfinite(history.losses).all()


def test_fit_keeps_class_indices_integer():
    x = np.random.default_rng(0).normal(size=(20, 2))
    y = (x[:, 0] > 0).astype(np.int64)
    seen = []

    def loss(logits, target):
        seen.append(target.dtype)
        return F.cross_entropy(logits, target)

    train.fit(torch.nn.Linear(2, 2).double(), loss, x, y, steps=2, lr=0.1)
    assert seen == [torch.int64, torch.int64]


def test_fit_does_not_disturb_the_callers_torch_generator():
    x, y = _line_data()
    torch.manual_seed(5)
    model = _make_line()
    state = torch.random.get_rng_state()
    train.fit(model, F.mse_loss, x, y, steps=2, lr=0.1, seed=99)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_fit_rejects_unknown_optimizer_and_bad_steps():
    x, y = _line_data()
    with pytest.raises(ValueError, match="optimizer"):
        train.fit(_make_line(), F.mse_loss, x, y, steps=2, lr=0.1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="steps"):
        train.fit(_make_line(), F.mse_loss, x, y, steps=0, lr=0.1)


def test_progress_is_silent_headless(capsys):
    x, y = _line_data()
    train.fit(_make_line(), F.mse_loss, x, y, steps=5, lr=0.1, progress=True)
    assert capsys.readouterr() == ("", "")
    assert isinstance(train.progress_bar(5), train._NoBar)


@pytest.mark.parametrize(
    "name, options",
    [("l1_loss", {}), ("mse_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {"delta": 0.5})],
)
def test_train_both_ours_and_torchs_coincide(name, options):
    x, y = data.line_with_outliers(30)
    x, y = x[:, None], y[:, None]
    ours = functools.partial(lossedu.as_torch(getattr(LF, name)), **options)
    theirs = functools.partial(getattr(F, name), **options)
    a, b = train.train_both(_make_line, ours, theirs, x, y, steps=60, lr=0.1, optimizer="adam", seed=3)
    assert a.model is not b.model
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-12, atol=1e-14)
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_train_both_starts_both_models_from_the_same_seed():
    x, y = _line_data()
    # zero steps of change: lr=0 keeps the initial weights, which must be equal
    a, b = train.train_both(_make_line, F.mse_loss, F.l1_loss, x, y, steps=1, lr=0.0, seed=7)
    assert torch.equal(a.model.weight, b.model.weight) and torch.equal(a.model.bias, b.model.bias)


# ----------------------------------------------------------------------------- static figures
def _renders(fig):
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_pointwise_uses_the_package_loss_and_backward():
    d = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    value, slope = plot.pointwise(LF.smooth_l1_loss, beta=1.0)(d)
    np.testing.assert_allclose(value, [1.5, 0.125, 0.0, 0.125, 1.5])
    np.testing.assert_allclose(slope, [-1.0, -0.5, 0.0, 0.5, 1.0])


def test_plot_losses_and_gradients_draws_each_curve_on_both_panels():
    curves = {
        "L1": plot.pointwise(LF.l1_loss),
        "L2": plot.pointwise(LF.mse_loss),
        "SmoothL1": plot.pointwise(LF.smooth_l1_loss),
    }
    d = np.linspace(-2, 2, 41)
    fig = plot.plot_losses_and_gradients(curves, d=d, title="seed")
    ax_loss, ax_grad = fig.axes
    assert [line.get_label() for line in ax_loss.get_lines() if not line.get_label().startswith("_")] == list(curves)
    np.testing.assert_allclose(ax_loss.get_lines()[1].get_ydata(), d**2)
    np.testing.assert_allclose(ax_grad.get_lines()[1].get_ydata(), 2 * d)
    _renders(fig)


def test_plot_histories_accepts_histories_and_arrays():
    h = train.History(losses=np.array([3.0, 2.0, 1.0]))
    fig = plot.plot_histories({"ours": h, "torch": [3.0, 2.0, 1.0]}, styles={"torch": {"ls": "--"}}, logy=True)
    (ax,) = fig.axes
    ours, theirs = ax.get_lines()
    np.testing.assert_array_equal(ours.get_ydata(), theirs.get_ydata())
    assert theirs.get_linestyle() == "--" and ax.get_yscale() == "log"
    _renders(fig)


def test_plot_fit_draws_data_and_lines():
    x, y = data.line_with_outliers(20)
    fig = plot.plot_fit(x, y, {"true": (2.0, -1.0), "flat": lambda g: 0 * g}, styles={"true": {"color": "k"}})
    (ax,) = fig.axes
    true, flat = ax.get_lines()
    assert true.get_color() == "k"
    np.testing.assert_allclose(true.get_ydata(), 2.0 * true.get_xdata() - 1.0)
    np.testing.assert_array_equal(flat.get_ydata(), 0.0)
    _renders(fig)


# ----------------------------------------------------------------------------- the widget wrapper
def test_interactive_redraws_when_a_slider_moves():
    import ipywidgets as W

    calls = []

    def draw(beta, name, log):
        calls.append((beta, name, log))
        return plot.plot_losses_and_gradients({name: plot.pointwise(LF.smooth_l1_loss, beta=beta)})

    ui = plot.interactive(draw, beta=(0.1, 3.0, 0.1, 1.0), name=["smooth L1", "other"], log=False)
    assert isinstance(ui, W.VBox) and ui.canvas in ui.children  # the live figure, below the controls
    assert isinstance(ui.controls["beta"], W.FloatSlider) and ui.controls["beta"].value == 1.0
    assert isinstance(ui.controls["name"], W.Dropdown) and isinstance(ui.controls["log"], W.Checkbox)
    assert calls == [(1.0, "smooth L1", False)] and ui.calls == 1  # drawn once straight away

    ui.controls["beta"].value = 2.5
    assert ui.kwargs == {"beta": 2.5, "name": "smooth L1", "log": False}
    assert calls[-1] == (2.5, "smooth L1", False) and ui.calls == 2
    np.testing.assert_allclose(ui.figure.axes[1].get_lines()[0].get_ydata()[-1], 1.0)  # slope 1 at d=3

    ui.controls["name"].value = "other"
    assert calls[-1] == (2.5, "other", False) and ui.calls == 3


def test_png_renders_a_figure_whatever_the_matplotlib_backend():
    fig = plot.plot_losses_and_gradients({"L1": plot.pointwise(LF.l1_loss)})
    image = plot.png(fig)
    assert image.format == "png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_interactive_shorthands():
    import ipywidgets as W

    ui = plot.interactive(lambda k, x: None, k=(1, 9), x=W.FloatText(value=0.5))
    assert isinstance(ui.controls["k"], W.IntSlider) and ui.controls["k"].value == 5
    assert ui.kwargs == {"k": 5, "x": 0.5}
    ui.controls["x"].value = 0.25
    assert ui.kwargs["x"] == 0.25
    assert plot._control("s", (0.0, 2.0)).value == 1.0
    # long names such as label_smoothing must not be cut short next to their control
    for spec in [(0.0, 1.0), (1, 9), True, ["a", "b"]]:
        assert plot._control("label_smoothing", spec).style.description_width == "initial"


def test_interactive_refuses_what_it_cannot_make_a_control_of():
    with pytest.raises(TypeError, match="control 'd'"):
        plot.interactive(lambda d: None, d=np.arange(3))


# ----------------------------------------------------------------------------- show_source
def test_show_source_shows_the_package_code():
    shown = show.show_source(LF.huber_loss, LF.huber_loss_backward)
    text = shown.data
    assert text.startswith("```python\n# lossedu/functional/regression.py, line ") and text.endswith("\n```")
    assert "def huber_loss(input, target" in text and "def huber_loss_backward(" in text
    import inspect

    assert inspect.getsource(LF.huber_loss) in text


def test_show_source_unwraps_as_torch():
    assert "def mse_loss(input" in show.source(lossedu.as_torch(LF.mse_loss))


def test_show_source_needs_a_function():
    with pytest.raises(TypeError):
        show.show_source()


# ----------------------------------------------------------------------------- legends, contours, twin curves
def _overlaps_axes(fig, legend):
    """Whether a drawn legend's box overlaps the data area of any (non-colourbar) axes."""
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    box = legend.get_window_extent(renderer)
    return any(box.overlaps(ax.bbox) for ax in fig.axes if not hasattr(ax, "_colorbar"))


@pytest.mark.parametrize("make", [
    lambda: plot.plot_losses_and_gradients({"L1": plot.pointwise(LF.l1_loss), "L2": plot.pointwise(LF.mse_loss)}),
    lambda: plot.plot_fit(*data.line_with_outliers(20), {"true": (2.0, -1.0)}),
    lambda: plot.plot_linear_boundaries(np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2,
                                        {"w": ([1.0, 1.0], 0.0)}),
    lambda: plot.plot_multilabel_boundaries(np.random.default_rng(0).normal(size=(20, 2)),
                                            np.stack([np.arange(20) % 2, np.arange(20) // 10], 1),
                                            {"w": (np.ones((2, 2)), np.zeros(2))}),
    lambda: plot.plot_embeddings({"a": np.random.default_rng(0).normal(size=(12, 2))}, np.arange(12) % 3),
    lambda: plot.plot_constant_risk(data.constant_with_outliers(25), {"L2": LF.mse_loss, "L1": LF.l1_loss}),
    lambda: plot.plot_margin_losses(),
])
def test_legends_sit_outside_the_data(make):
    fig = make()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    assert legends and not any(_overlaps_axes(fig, legend) for legend in legends)
    _renders(fig)


def test_plot_field_names_its_points_instead_of_a_legend():
    fig = plot.plot_field(lambda p: (np.sum(p**2, axis=1), 2 * p), {"anchor": (0.0, 0.0), "positive": (1.0, 0.0)},
                          grid=11, arrows=3)
    ax = fig.axes[0]
    assert ax.get_legend() is None and [t.get_text() for t in ax.texts] == ["anchor", "positive"]


def test_decision_boundary_contours_are_labelled():
    x = np.random.default_rng(0).normal(size=(40, 2))
    y = (x[:, 0] > 0).astype(np.int64)
    fig = plot.plot_decision_boundary(x, y, lambda g: np.stack([-3 * g[:, 0], 3 * g[:, 0]], axis=1), resolution=60)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert labels == {"p=0.5", "p=0.9"} or labels == {"p=0.9"}  # p = 0.5 may sit on the grid's edge
    assert "p=0.9" in labels


def test_plot_histories_draws_torch_dashed_on_top_of_ours_in_the_same_colour():
    same = np.linspace(3, 1, 10)
    fig = plot.plot_histories({"mse (ours)": same, "mse (torch)": same, "l1 (ours)": same / 2, "l1 (torch)": same / 2})
    ours, theirs, ours_l1, theirs_l1 = fig.axes[0].get_lines()
    assert ours.get_color() == theirs.get_color() != ours_l1.get_color() == theirs_l1.get_color()
    assert theirs.get_linestyle() == "--" and ours.get_linestyle() == "-"
    assert theirs.get_zorder() > ours.get_zorder() and ours.get_linewidth() > theirs.get_linewidth()
    assert not _overlaps_axes(fig, fig.axes[0].get_legend())  # four curves: the legend goes outside
    # a notebook's own styles still win
    fig = plot.plot_histories({"a (ours)": same, "a (torch)": same}, styles={"a (torch)": {"color": "k"}})
    assert fig.axes[0].get_lines()[1].get_color() == "k"
