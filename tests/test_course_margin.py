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


# ----------------------------------------------------------------------------- the margin view (lossedu.lessons.margins)
from lossedu.lessons import margins as MV  # noqa: E402


def test_surrogates_pass_through_one_bound_the_zero_one_loss_and_are_convex():
    m = np.linspace(-4, 5, 9001)
    for name, (phi, dphi) in MV.SURROGATES.items():
        assert np.isclose(phi(0.0), 1.0), name
        assert np.all(phi(m) >= MV.zero_one(m)), name
        assert np.all(np.diff(phi(m), 2) >= -1e-12), name
        assert dphi(0.0) < 0, name
        smooth = np.abs(m - 1) > 0.01  # the hinge's kink
        np.testing.assert_allclose(np.gradient(phi(m), m)[1:-1][smooth[1:-1]], dphi(m)[1:-1][smooth[1:-1]],
                                   atol=1e-5, err_msg=name)
    assert MV.zero_one(0.0) == 1 and MV.zero_one(1e-9) == 0


@pytest.mark.parametrize("name", list(MV.SURROGATES))
def test_closed_form_minimisers_minimise_the_conditional_risk(name):
    phi = MV.SURROGATES[name][0]
    etas = np.linspace(0.03, 0.97, 48)
    etas = etas[np.abs(etas - 0.5) > 1e-9]
    grid = np.linspace(-4, 4, 16001)
    best = MV.risk_minimiser(phi, etas, grid)
    np.testing.assert_allclose(best, MV.BAYES_SCORE[name](etas), atol=5e-4)
    assert np.array_equal(np.sign(best), np.sign(2 * etas - 1))  # classification-calibrated
    # the closed form's risk is no larger than any grid point's
    for eta in etas:
        f_star = MV.BAYES_SCORE[name](eta)
        assert MV.conditional_risk(phi, eta, f_star) <= MV.conditional_risk(phi, eta, grid).min() + 1e-12


def test_a_convex_loss_without_slope_at_zero_is_not_calibrated():
    perceptron = lambda m: np.maximum(0, -m)  # noqa: E731
    assert np.all(MV.risk_minimiser(perceptron, [0.1, 0.6, 0.9]) == 0)


def test_plot_surrogates_draws_each_surrogate_and_its_slope():
    fig = MV.plot_surrogates(np.linspace(-1, 2, 31))
    loss_ax, slope_ax = fig.axes
    lines = {line.get_label(): line for line in loss_ax.get_lines()}
    slopes = {line.get_label(): line for line in slope_ax.get_lines()}
    for name, (phi, dphi) in MV.SURROGATES.items():
        m = lines[name].get_xdata()
        np.testing.assert_allclose(lines[name].get_ydata(), phi(m))
        np.testing.assert_allclose(slopes[name].get_ydata(), dphi(m))


@pytest.mark.parametrize("eta", [0.2, 0.7])
def test_plot_conditional_risk_marks_the_minimisers(eta):
    fig = MV.plot_conditional_risk(eta)
    risk_ax, star_ax = fig.axes
    dots = [line for line in risk_ax.get_lines() if line.get_marker() == "o"]
    assert len(dots) == len(MV.SURROGATES)
    for dot, name in zip(dots, MV.SURROGATES):
        np.testing.assert_allclose(dot.get_xdata(), MV.BAYES_SCORE[name](eta), atol=2e-3)
        assert np.sign(dot.get_xdata()[0]) == np.sign(2 * eta - 1)
    curves = {line.get_label(): line for line in star_ax.get_lines()}
    np.testing.assert_allclose(curves["logistic"].get_ydata(), np.log(curves["logistic"].get_xdata()
                                                                      / (1 - curves["logistic"].get_xdata())))
