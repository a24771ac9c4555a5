"""Helpers of notebook 09 (choosing a loss): flip_labels, reliability, plot_reliability; the notebook's questions."""
import ast
import inspect
import json
import pathlib

import numpy as np
import pytest
from matplotlib.figure import Figure

from lossedu.data import flip_labels, line_with_outliers
from lossedu.plot import plot_reliability, reliability


def test_flip_labels_changes_exactly_the_chosen_labels():
    y = np.repeat(np.arange(3), 20)
    noisy, flipped = flip_labels(y, 0.25, seed=3)
    assert noisy.dtype == np.int64 and flipped.size == 15
    assert np.all(noisy[flipped] != y[flipped])
    keep = np.setdiff1d(np.arange(y.size), flipped)
    np.testing.assert_array_equal(noisy[keep], y[keep])
    assert np.all((noisy >= 0) & (noisy < 3))
    np.testing.assert_array_equal(y, np.repeat(np.arange(3), 20))  # the input is untouched
    again, flipped_again = flip_labels(y, 0.25, seed=3)
    np.testing.assert_array_equal(again, noisy)
    np.testing.assert_array_equal(flipped_again, flipped)


def test_flip_labels_edge_cases_and_errors():
    y = np.array([0, 1, 0, 1])
    noisy, flipped = flip_labels(y, 1.0)
    np.testing.assert_array_equal(noisy, 1 - y)  # two classes: the other class is the only choice
    assert flip_labels(y, 0.0)[1].size == 0
    with pytest.raises(ValueError, match="fraction"):
        flip_labels(y, 1.5)
    with pytest.raises(TypeError, match="y must"):
        flip_labels(y.astype(float), 0.1)
    with pytest.raises(ValueError, match="classes"):
        flip_labels(y, 0.1, classes=1)


def test_reliability_by_hand():
    p = np.array([[0.95, 0.05], [0.95, 0.05], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([0, 1, 0, 0])
    r = reliability(p, labels, bins=10)
    assert r["count"][9] == 2 and r["count"][6] == 1 and r["count"][7] == 1 and r["count"].sum() == 4
    assert r["accuracy"][9] == 0.5 and r["confidence"][9] == pytest.approx(0.95)
    assert np.isnan(r["accuracy"][0])
    # bins: 0.95 vs 0.5 (2 samples), 0.6 vs 1 (1), 0.7 vs 0 (1)
    assert r["ece"] == pytest.approx(0.5 * 0.45 + 0.25 * 0.4 + 0.25 * 0.7)


def test_reliability_is_zero_for_a_calibrated_model_and_checks_shapes():
    p = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert reliability(p, np.array([0, 1]))["ece"] == 0.0  # confidence 1.0 goes into the last bin
    with pytest.raises(ValueError, match="probabilities"):
        reliability(p, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="bins"):
        reliability(p, np.array([0, 1]), bins=0)


def test_plot_reliability_draws_one_panel_per_model():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 3))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = rng.integers(0, 3, 50)
    fig = plot_reliability({"a": p, "b": p ** 0}, labels, bins=5, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert f"ECE = {reliability(p, labels, 5)['ece']:.3f}" in fig.axes[0].get_title()


# ----------------------------------------------------------------------------- notebook 09 itself
NOTEBOOK = pathlib.Path(__file__).resolve().parent.parent / "notebooks" / "09_choosing_a_loss.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def test_09_states_the_outliers_distance_in_noise_standard_deviations_correctly():
    # line_with_outliers moves its outliers by 6 with noise σ = 0.3: 20 σ, not "6 standard deviations"
    text = "".join("".join(c["source"]) for c in _cells() if c["cell_type"] == "markdown")
    assert "6 standard deviations" not in text and "20 standard deviations" in text
    defaults = inspect.signature(line_with_outliers).parameters
    assert abs(defaults["outlier_shift"].default) / defaults["noise"].default == pytest.approx(20)


def test_09_shows_the_lesson_code_it_explains():
    shown = []
    for cell in _cells():
        if cell["cell_type"] == "code":
            code = "".join(line for line in cell["source"] if not line.startswith("%"))
            shown += [ast.unparse(node.args[0]) for node in ast.walk(ast.parse(code))
                      if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_source"]
    assert shown == ["choosing.risk", "choosing.hinge", "choosing.expected_score", "reliability",
                     "choosing.fit_temperature"]
