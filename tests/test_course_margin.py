"""Course helpers of notebook 06 (margins): the `blobs` data set and `plot_margin_losses`."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import data, plot


# ----------------------------------------------------------------------------- blobs
def test_blobs_is_seeded_shaped_and_balanced():
    x, y = data.blobs(151)
    x2, y2 = data.blobs(151)
    assert x.shape == (151, 2) and x.dtype == np.float64
    assert y.shape == (151,) and y.dtype == np.int64
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, data.blobs(151, seed=1)[0])
    assert np.bincount(y).tolist() == [51, 50, 50]
    assert np.all(np.diff(y) >= 0)  # class 0 first


def test_blobs_are_centred_on_their_centers():
    centers = ((0.0, 0.0), (5.0, 1.0))
    x, y = data.blobs(4000, centers=centers, spread=0.5)
    for k, c in enumerate(centers):
        np.testing.assert_allclose(x[y == k].mean(axis=0), c, atol=0.05)
        np.testing.assert_allclose(x[y == k].std(axis=0), 0.5, atol=0.05)
    x0, _ = data.blobs(6, centers=centers, spread=0.0)
    np.testing.assert_array_equal(x0, np.repeat(np.array(centers), 3, axis=0))


def test_blobs_checks_its_arguments():
    with pytest.raises(ValueError, match="n must"):
        data.blobs(0)
    with pytest.raises(ValueError, match="centers"):
        data.blobs(10, centers=((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)))
    with pytest.raises(ValueError, match="centers"):
        data.blobs(10, centers=((0.0, 0.0),))
    with pytest.raises(ValueError, match="spread"):
        data.blobs(10, spread=-1.0)


def test_blobs_leaves_numpy_global_state_alone():
    np.random.seed(7)
    before = np.random.random()
    np.random.seed(7)
    data.blobs()
    assert np.random.random() == before


# ----------------------------------------------------------------------------- plot_margin_losses
def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


@pytest.mark.parametrize("margin, p", [(1.0, 1), (0.5, 2)])
def test_plot_margin_losses_draws_the_package_losses(margin, p):
    fig = plot.plot_margin_losses(margin, p)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    he_loss, he_grad, mc_loss, mc_grad = fig.axes
    u = _lines(he_loss)["t = -1"].get_xdata()
    ones = np.ones_like(u)
    np.testing.assert_allclose(_lines(he_loss)["t = -1"].get_ydata(), np.maximum(margin - u, 0))
    np.testing.assert_allclose(_lines(he_loss)["t = +1"].get_ydata(), u)
    np.testing.assert_allclose(
        _lines(he_grad)["t = -1"].get_ydata(),
        LF.hinge_embedding_loss_backward(ones, u, -ones, margin, reduction="none"),
    )
    label = f"multi_margin_loss (p = {p}, margin = {margin:g})"
    np.testing.assert_allclose(_lines(mc_loss)[label].get_ydata(), np.maximum(margin - u, 0) ** p / 2)
    np.testing.assert_allclose(
        _lines(mc_grad)[label].get_ydata(), -p * np.maximum(margin - u, 0) ** (p - 1) * (margin - u > 0) / 2
    )
    np.testing.assert_allclose(
        _lines(mc_loss)["multilabel_margin_loss (margin 1)"].get_ydata(), np.maximum(1 - u, 0) / 2
    )
    np.testing.assert_allclose(_lines(mc_loss)["cross_entropy (for comparison)"].get_ydata(), np.log1p(np.exp(-u)))


def test_plot_margin_losses_marks_the_two_kink_conventions():
    fig = plot.plot_margin_losses(0.7, 1)
    he_dot = _lines(fig.axes[1])["value at x = margin"]
    mc_dot = _lines(fig.axes[3])["value at u = margin"]
    assert he_dot.get_xdata()[0] == mc_dot.get_xdata()[0] == 0.7
    assert he_dot.get_ydata()[0] == -1.0  # clamp_min: the kink is active
    assert mc_dot.get_ydata()[0] == 0.0  # strict z > 0: the kink is not


def test_plot_margin_losses_takes_an_abscissa():
    fig = plot.plot_margin_losses(x=np.linspace(0, 1, 11))
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == 11
