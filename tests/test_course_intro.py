"""Helpers of notebook 00 (introduction): the risk of one constant and its figure."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import data, plot


def test_constant_risk_of_mse_is_the_mean_squared_distance_and_its_slope():
    y = data.constant_with_outliers(25)
    c = np.linspace(-1.0, 4.0, 11)
    risk, slope = plot.constant_risk(LF.mse_loss, y, c)
    assert risk.shape == slope.shape == (11,) and risk.dtype == np.float64
    np.testing.assert_allclose(risk, ((c[:, None] - y) ** 2).mean(axis=1))
    np.testing.assert_allclose(slope, 2 * (c - y.mean()))  # zero exactly at the mean


def test_constant_risk_reductions():
    y = data.constant_with_outliers(9, seed=3)
    c = np.array([0.0, 1.0, 2.5])
    mean, slope_mean = plot.constant_risk(LF.l1_loss, y, c, reduction="mean")
    total, slope_sum = plot.constant_risk(LF.l1_loss, y, c, reduction="sum")
    each, slope_each = plot.constant_risk(LF.l1_loss, y, c, reduction="none")
    assert each.shape == slope_each.shape == (3, 9)
    np.testing.assert_allclose(each, np.abs(c[:, None] - y))
    np.testing.assert_allclose(slope_each, np.sign(c[:, None] - y))
    np.testing.assert_allclose(total, each.sum(axis=1))
    np.testing.assert_allclose(mean, total / 9)
    np.testing.assert_allclose(slope_sum, 9 * slope_mean)


def test_constant_risk_l1_slope_changes_sign_at_the_median():
    y = data.constant_with_outliers(25)
    m = np.median(y)
    _, slope = plot.constant_risk(LF.l1_loss, y, [m - 1e-6, m + 1e-6])
    assert slope[0] < 0 < slope[1]


def test_constant_risk_passes_options():
    y = np.array([0.0, 3.0])
    risk, slope = plot.constant_risk(LF.huber_loss, y, [0.0], delta=0.5)
    np.testing.assert_allclose(risk, [0.5 * 0.5 * (3 - 0.25) / 1])  # (0 + δ(3 − δ/2)) / 2
    np.testing.assert_allclose(slope, [-0.5 / 2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_plot_constant_risk_draws_data_mean_median_and_curves(reduction):
    y = data.constant_with_outliers(12, seed=1)
    losses = {"L2": LF.mse_loss, "L1": LF.l1_loss}
    fig = plot.plot_constant_risk(y, losses, reduction=reduction, c=np.linspace(-1, 7, 50),
                                  marks={"learned": 1.5}, styles={"learned": dict(color="r")})
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    data_ax, risk_ax, slope_ax = fig.axes
    lines = {line.get_label(): line for line in data_ax.get_lines()}
    assert lines["mean"].get_xdata()[0] == np.mean(y)
    assert lines["median"].get_xdata()[0] == np.median(y)
    assert lines["learned"].get_xdata()[0] == 1.5 and lines["learned"].get_color() == "r"
    curves = [line for line in slope_ax.get_lines() if len(line.get_xdata()) == 50]
    assert len(curves) == (2 * 12 if reduction == "none" else 2)
    expected, _ = plot.constant_risk(LF.mse_loss, y, np.linspace(-1, 7, 50), reduction=reduction)
    first = [line for line in risk_ax.get_lines() if len(line.get_xdata()) == 50][0]
    np.testing.assert_allclose(first.get_ydata(), expected if reduction != "none" else expected[:, 0])


def test_plot_constant_risk_in_a_widget_redraws():
    def draw(outlier_shift, reduction):
        y = data.constant_with_outliers(10, outlier_shift=outlier_shift)
        return plot.plot_constant_risk(y, {"L2": LF.mse_loss}, reduction=reduction, c=np.linspace(-2, 8, 20))

    ui = plot.interactive(draw, outlier_shift=(-5.0, 5.0, 0.5, 5.0), reduction=["mean", "sum", "none"])
    ui.controls["outlier_shift"].value = 0.0
    assert ui.kwargs == {"outlier_shift": 0.0, "reduction": "mean"} and ui.calls == 2
    mean_line = [l for l in ui.figure.axes[0].get_lines() if l.get_label() == "mean"][0]
    assert mean_line.get_xdata()[0] == np.mean(data.constant_with_outliers(10, outlier_shift=0.0))


# ----------------------------------------------------------------------------- notebooks 00 and 01
import ast
import inspect
import json
from pathlib import Path

import lossedu

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _cells(name):
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _shown(name):
    """The expressions passed to show_source in the notebook's code cells."""
    shown = []
    for cell in _cells(name):
        if cell["cell_type"] != "code":
            continue
        code = "".join(line for line in cell["source"] if not line.startswith("%"))  # no IPython magics
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_source":
                shown += [ast.unparse(arg) for arg in node.args]
    return shown


def test_regression_lecture_shows_only_the_losses_not_their_preamble():
    shown = _shown("01_regression.ipynb")
    assert shown == ["LF.l1_loss", "LF.l1_loss_backward", "LF.mse_loss", "LF.mse_loss_backward",
                     "LF.smooth_l1_loss", "LF.smooth_l1_loss_backward", "LF.huber_loss", "LF.huber_loss_backward"]
    for expr in shown:
        source = inspect.getsource(eval(expr, {"LF": LF}))
        body = source.split('"""')[-1]  # the code after the docstring
        assert "out=" not in body and "_prepare(" in body
        assert len(body.strip().splitlines()) <= 10, expr


def test_introduction_shows_the_shared_preamble_once():
    shown = _shown("00_introduction.ipynb")
    for piece in ["_core.legacy_reduction", "_core.check_reduction", "_core.as_float_array", "_core.result_dtype",
                  "_core.broadcast_shape", "_core.ieee", "_core.apply_reduction", "_core.reduction_backward",
                  "_core.grad_like", "LF.regression._prepare"]:
        assert piece in shown, piece
    assert "LF.regression._prepare" not in _shown("01_regression.ipynb")


def test_introduction_slips_stay_fixed():
    text = "\n".join("".join(c["source"]) for c in _cells("00_introduction.ipynb"))
    assert "\\ell(\\hat y, y) \\ge 0$" not in text and "bounded below" in text
    assert "is the whole of" not in text
    assert "SGD hovers" not in text
