"""Helpers added for notebook 05 (binary and multi-label): data generators and figures."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from lossedu import data, plot
import lossedu.functional as LF


# ----------------------------------------------------------------------------- data
def test_imbalanced_binary_is_seeded_shaped_and_imbalanced():
    x, y = data.imbalanced_binary(200, positive_fraction=0.1)
    x2, y2 = data.imbalanced_binary(200, positive_fraction=0.1)
    assert x.shape == (200, 2) and y.shape == (200,) and x.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert set(np.unique(y)) == {0.0, 1.0} and y.sum() == 20
    assert not np.array_equal(x, data.imbalanced_binary(200, seed=1)[0])


def test_imbalanced_binary_puts_the_classes_around_their_centers():
    x, y = data.imbalanced_binary(400, positive_fraction=0.25, positive_center=(3.0, 0.0),
                                  negative_center=(-3.0, 1.0), noise=0.0)
    np.testing.assert_array_equal(x[y == 1], np.tile([3.0, 0.0], (100, 1)))
    np.testing.assert_array_equal(x[y == 0], np.tile([-3.0, 1.0], (300, 1)))
    assert not np.all(y[:100] == 1)  # shuffled, not all positives first


def test_imbalanced_binary_keeps_one_sample_of_each_class():
    _, y = data.imbalanced_binary(5, positive_fraction=0.01)
    assert y.sum() == 1
    with pytest.raises(ValueError, match="positive_fraction"):
        data.imbalanced_binary(positive_fraction=1.0)
    with pytest.raises(ValueError, match="n must"):
        data.imbalanced_binary(1)


def test_multilabel_tags_are_half_planes():
    x, y = data.multilabel(300, angles=(0.0, 90.0), offsets=(0.5, -0.25), flip_fraction=0.0)
    assert x.shape == (300, 2) and y.shape == (300, 2) and y.dtype == np.float64
    assert np.all(np.abs(x) <= 2)
    np.testing.assert_array_equal(y[:, 0], (x[:, 0] + 0.5 > 0).astype(float))
    np.testing.assert_array_equal(y[:, 1], (x[:, 1] - 0.25 > 0).astype(float))


def test_multilabel_flips_about_the_asked_fraction_and_is_seeded():
    _, clean = data.multilabel(2000, flip_fraction=0.0)
    x, noisy = data.multilabel(2000, flip_fraction=0.1)
    assert 0.08 < np.mean(clean != noisy) < 0.12
    np.testing.assert_array_equal(x, data.multilabel(2000, flip_fraction=0.1)[0])
    with pytest.raises(ValueError, match="same length"):
        data.multilabel(angles=(0.0,), offsets=(0.0, 1.0))
    with pytest.raises(ValueError, match="flip_fraction"):
        data.multilabel(flip_fraction=2.0)


def test_new_generators_leave_numpy_global_state_alone():
    np.random.seed(7)
    before = np.random.random()
    np.random.seed(7)
    data.imbalanced_binary()
    data.multilabel()
    assert np.random.random() == before


# ----------------------------------------------------------------------------- plots
def _bce_curve(y):
    def curve(x):
        t = np.full_like(x, y)
        return (LF.binary_cross_entropy_with_logits(x, t, reduction="none"),
                LF.binary_cross_entropy_with_logits_backward(np.ones_like(x), x, t, reduction="none"))
    return curve


def test_plot_against_logit_draws_loss_and_gradient_against_the_logit():
    fig = plot.plot_against_logit({"y = 1": _bce_curve(1.0)}, np.linspace(-4, 4, 9), title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert all(ax.get_xlabel() == "logit x" for ax in fig.axes) and fig.axes[0].get_ylabel() == "loss ℓ(x)"
    loss_line, grad_line = fig.axes[0].get_lines()[0], fig.axes[1].get_lines()[0]
    np.testing.assert_allclose(loss_line.get_ydata(), np.logaddexp(0, -np.linspace(-4, 4, 9)))
    np.testing.assert_allclose(grad_line.get_ydata(), 1 / (1 + np.exp(-np.linspace(-4, 4, 9))) - 1)


def test_plot_linear_boundaries_draws_the_line_where_w_x_plus_b_is_zero():
    x, y = data.imbalanced_binary(50)
    fig = plot.plot_linear_boundaries(x, y, {"a": ([1.0, 2.0], 0.5), "vertical": ([1.0, 0.0], np.array([-1.0]))},
                                      styles={"a": dict(color="k")})
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    t, s = line.get_xdata(), line.get_ydata()
    np.testing.assert_allclose(1.0 * t + 2.0 * s + 0.5, 0.0, atol=1e-12)
    assert line.get_color() == "k"
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), [1.0, 1.0])
    assert len(ax.collections) == 2  # the two classes


def test_plot_multilabel_boundaries_has_one_panel_per_tag():
    x, y = data.multilabel(60)
    W, b = np.array([[1.0, 0.0], [0.5, 0.9], [-0.4, 0.9]]), np.array([0.0, 0.5, -0.5])
    fig = plot.plot_multilabel_boundaries(x, y, {"true": (W, b)}, tag_names=["a", "b", "c"])
    assert len(fig.axes) == 3 and [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    for c, ax in enumerate(fig.axes):
        line = ax.get_lines()[0]
        t, s = line.get_xdata(), line.get_ydata()
        if len(set(t)) > 1:
            np.testing.assert_allclose(W[c, 0] * t + W[c, 1] * s + b[c], 0.0, atol=1e-12)
        else:
            np.testing.assert_allclose(W[c, 0] * t[0] + b[c], 0.0, atol=1e-12)
