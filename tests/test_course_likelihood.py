"""Course helpers added for notebook 02 (counts and variances): the Poisson-count and
heteroscedastic data generators, and the likelihood figures."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import data, plot


# ----------------------------------------------------------------------------- data
def test_poisson_counts_is_seeded_shaped_and_whole():
    x, y = data.poisson_counts()
    x2, y2 = data.poisson_counts()
    assert x.shape == y.shape == (120,) and x.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert np.all(np.diff(x) >= 0) and x.min() >= -1 and x.max() <= 1
    assert np.all(y >= 0) and np.all(y == np.round(y))
    assert not np.array_equal(y, data.poisson_counts(seed=1)[1])


def test_poisson_counts_follow_the_log_linear_rate():
    # Many samples: the mean count in a bin is close to exp(weight·x + bias) at the bin's centre.
    x, y = data.poisson_counts(20_000, weight=1.2, bias=1.0, seed=3)
    for lo in (-1.0, -0.2, 0.6):
        inside = (x >= lo) & (x < lo + 0.1)
        expected = np.mean(np.exp(1.2 * x[inside] + 1.0))
        assert abs(y[inside].mean() - expected) < 4 * np.sqrt(expected / inside.sum())


def test_heteroscedastic_truth_is_the_sine_and_a_linear_std():
    mean, std = data.heteroscedastic_truth(np.array([-1.0, 0.0, 1.0]), amplitude=2.0, frequency=1.0,
                                           noise_low=0.1, noise_high=0.5)
    np.testing.assert_allclose(mean, 2.0 * np.sin([-1.0, 0.0, 1.0]))
    np.testing.assert_allclose(std, [0.1, 0.3, 0.5])


def test_heteroscedastic_is_seeded_and_its_noise_grows_with_x():
    x, y = data.heteroscedastic()
    assert x.shape == y.shape == (200,) and x.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(y, data.heteroscedastic()[1])
    assert np.all(np.diff(x) >= 0)
    x, y = data.heteroscedastic(20_000, seed=1)
    mean, std = data.heteroscedastic_truth(x)
    z = (y - mean) / std  # standardised residuals are N(0, 1) everywhere
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    assert np.std((y - mean)[x > 0.8]) > 5 * np.std((y - mean)[x < -0.8])
    x, y = data.heteroscedastic(10, noise_low=0.0, noise_high=0.0)
    np.testing.assert_allclose(y, data.heteroscedastic_truth(x)[0])


@pytest.mark.parametrize("fn", [data.poisson_counts, data.heteroscedastic])
def test_new_generators_check_n_and_leave_global_state_alone(fn):
    with pytest.raises(ValueError, match="n must"):
        fn(0)
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    fn()
    assert np.random.random() == before


def test_heteroscedastic_refuses_negative_noise():
    with pytest.raises(ValueError, match="noise"):
        data.heteroscedastic(noise_low=-0.1)


# ----------------------------------------------------------------------------- figures
def _poisson(t):
    def curve(x):
        target = np.full_like(x, t)
        return (LF.poisson_nll_loss(x, target, reduction="none"),
                LF.poisson_nll_loss_backward(np.ones_like(x), x, target, reduction="none"))
    return curve


def test_plot_nll_curves_draws_each_curve_and_its_dot():
    x = np.linspace(-2.0, 2.0, 50)
    fig = plot.plot_nll_curves({"t = 1": _poisson(1.0), "t = 3": _poisson(3.0)}, x, xlabel="log λ", at=0.5)
    assert isinstance(fig, Figure)
    ax_loss, ax_grad = fig.axes
    lines = ax_loss.get_lines()
    assert len(lines) == 5  # line, dot, line, dot, then the axis line y = 0
    loss, grad = _poisson(3.0)(x)
    np.testing.assert_array_equal(lines[2].get_ydata(), loss)
    np.testing.assert_array_equal(ax_grad.get_lines()[2].get_ydata(), grad)
    np.testing.assert_allclose(lines[3].get_xydata(), [[0.5, np.exp(0.5) - 1.5]])
    np.testing.assert_allclose(ax_grad.get_lines()[3].get_ydata(), [np.exp(0.5) - 3.0])
    assert ax_loss.get_xlabel() == "log λ" and ax_grad.get_ylabel() == "∂ℓ/∂input"


def test_plot_nll_curves_scales_and_limits():
    x = np.logspace(-3, 1, 20)
    fig = plot.plot_nll_curves({"c": lambda v: (np.log(v), -1 / v)}, x, xlabel="v", gradient_label="∂ℓ/∂var",
                               logx=True, symlog_gradient=True, loss_ylim=(-2, 2), title="t")
    ax_loss, ax_grad = fig.axes
    assert ax_loss.get_xscale() == ax_grad.get_xscale() == "log"
    assert ax_grad.get_yscale() == "symlog" and ax_loss.get_ylim() == (-2, 2)
    assert len(ax_loss.get_lines()) == 2 and fig._suptitle.get_text() == "t"


def test_plot_mean_and_spread_draws_mean_and_band():
    x, y = data.heteroscedastic(50)
    fig = plot.plot_mean_and_spread(x, y, {"truth": data.heteroscedastic_truth}, k=2.0,
                                    styles={"truth": dict(color="k")})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    grid = np.linspace(x.min(), x.max(), 200)
    mean, std = data.heteroscedastic_truth(grid)
    np.testing.assert_allclose(line.get_ydata(), mean)
    assert line.get_label() == "truth: mean ± 2·std"
    band = ax.collections[-1].get_paths()[0].vertices  # fill_between's polygon
    assert np.isclose(band[:, 1].max(), (mean + 2 * std).max()) and np.isclose(band[:, 1].min(), (mean - 2 * std).min())
