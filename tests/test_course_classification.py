"""Course helpers for notebook 03 (cross-entropy): the spirals data set and its two figures."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from lossedu import data, plot
import lossedu.functional as LF


# ----------------------------------------------------------------------------- spirals
def test_spirals_is_seeded_shaped_and_balanced():
    x, y = data.spirals(300, classes=3)
    assert x.shape == (300, 2) and x.dtype == np.float64
    assert y.shape == (300,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    x2, y2 = data.spirals(300, classes=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, data.spirals(300, classes=3, seed=1)[0])


def test_spirals_uneven_split_and_radius():
    x, y = data.spirals(7, classes=3)
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 2, 2])
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.min() >= 0.05 - 1e-12 and r.max() <= 1.0 + 1e-12


def test_spirals_without_noise_lie_on_their_arm():
    classes, turns = 4, 1.0
    x, y = data.spirals(40, classes=classes, turns=turns, noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1])
    expected = 2 * np.pi * turns * r + 2 * np.pi * y / classes
    np.testing.assert_allclose(x[:, 0], r * np.cos(expected), atol=1e-12)
    np.testing.assert_allclose(x[:, 1], r * np.sin(expected), atol=1e-12)


def test_spirals_checks_its_arguments_and_leaves_global_state_alone():
    with pytest.raises(ValueError, match="classes"):
        data.spirals(classes=1)
    with pytest.raises(ValueError, match="noise"):
        data.spirals(noise=-0.1)
    with pytest.raises(ValueError, match="n must"):
        data.spirals(0)
    np.random.seed(7)
    before = np.random.random()
    np.random.seed(7)
    data.spirals()
    assert np.random.random() == before


# ----------------------------------------------------------------------------- figures
def test_plot_loss_and_gradient_vs_draws_each_curve_on_both_panels():
    z = np.linspace(-2, 2, 5)
    calls = []

    def curve(values):
        calls.append(values)
        return values ** 2, 2 * values

    fig = plot.plot_loss_and_gradient_vs({"a": curve, "b": (lambda v: (v, np.ones_like(v)), {"ls": "--"})}, z,
                                         xlabel="logit", gradient_label="slope", title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_loss, ax_grad = fig.axes
    np.testing.assert_array_equal(calls[0], z)
    np.testing.assert_array_equal(ax_loss.get_lines()[0].get_ydata(), z ** 2)
    np.testing.assert_array_equal(ax_grad.get_lines()[0].get_ydata(), 2 * z)
    assert ax_grad.get_lines()[1].get_linestyle() == "--"
    assert ax_loss.get_lines()[0].get_color() == ax_grad.get_lines()[0].get_color()
    assert ax_loss.get_xlabel() == "logit" and ax_grad.get_ylabel() == "slope"


def test_plot_decision_boundary_colours_the_predicted_class():
    x = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 1, 1])

    def predict(points):  # class 1 right of x1 = 0
        return np.stack([-points[:, 0], points[:, 0]], axis=1)

    fig = plot.plot_decision_boundary(x, y, predict, resolution=50, title="one")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (50, 50)
    assert np.all(image[:, :20] == 0) and np.all(image[:, -20:] == 1)
    assert len(fig.axes[0].collections) >= 1  # the scattered points

    two = plot.plot_decision_boundary(x, y, {"a": predict, "b": lambda p: -predict(p)}, resolution=20)
    assert [ax.get_title() for ax in two.axes] == ["a", "b"]


def test_plot_decision_boundary_checks_shapes():
    with pytest.raises(ValueError, match="x must"):
        plot.plot_decision_boundary(np.zeros((3, 3)), np.zeros(3, dtype=int), lambda p: p)
    with pytest.raises(ValueError, match="predict must"):
        plot.plot_decision_boundary(np.zeros((3, 2)) + np.arange(3)[:, None], np.zeros(3, dtype=int),
                                    lambda p: p[:, 0], resolution=10)


def test_spirals_work_with_cross_entropy():
    x, y = data.spirals(30, classes=3)
    logits = np.zeros((30, 3))
    np.testing.assert_allclose(LF.cross_entropy(logits, y), np.log(3))
