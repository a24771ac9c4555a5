"""Course helpers of notebook 12 (quantiles and proper scoring rules): `lossedu.lessons.scoring`.

The threshold integrals are checked against properscoring, the other libraries' conventions against
hand-worked numbers from their documentation (and scoringrules itself where it can be imported), the
torch transcriptions against the installed homes (scikit-learn, properscoring), and the widgets against
the formulas they draw.
"""
import math
import time

import numpy as np
import properscoring as ps
import pytest
import torch
from matplotlib.figure import Figure
from sklearn.metrics import brier_score_loss, mean_pinball_loss

import lossedu.functional as LF
from lossedu.lessons import contrastive
from lossedu.lessons import scoring as S


def torch_value(fn, *arrays, **options):
    return fn(*(torch.tensor(a) for a in arrays), **options).numpy()


# ----------------------------------------------------------------------------- data
def test_skewed_sample_is_seeded_shaped_and_right_skewed():
    y = S.skewed_sample(101, seed=3)
    assert y.shape == (101,) and y.dtype == np.float64 and np.all(y > 0)
    np.testing.assert_array_equal(y, S.skewed_sample(101, seed=3))
    assert not np.array_equal(y, S.skewed_sample(101, seed=4))
    big = S.skewed_sample(20000)
    assert big.mean() > np.median(big)  # a long right tail
    np.testing.assert_allclose(np.median(big), 1.0, atol=0.02)  # e^Z with median e^0
    for bad in (0, 2.5, -1):
        with pytest.raises(ValueError, match="n"):
            S.skewed_sample(bad)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_pinball_risk_is_the_mean_pinball_and_is_smallest_at_the_quantile(q):
    y = S.skewed_sample()
    c = np.array([0.5, 1.0, 2.0])
    expected = [mean_pinball_loss(y, np.full_like(y, v), alpha=q) for v in c]
    np.testing.assert_allclose(S.pinball_risk(c, y, q), expected, rtol=1e-14)
    points = np.sort(y)
    assert points[np.argmin(S.pinball_risk(points, y, q))] == np.quantile(y, q)


# ----------------------------------------------------------------------------- CRPS as Brier scores
def test_threshold_brier_is_the_squared_gap_to_the_step():
    u = np.array([-1.0, 0.5, 0.5 + 1e-12, 2.0])
    F = np.array([0.1, 0.4, 0.4, 0.9])
    np.testing.assert_allclose(S.threshold_brier(F, 0.5, u), [0.01, 0.36, 0.36, 0.01], rtol=1e-14)  # [0.5 ≤ 0.5] = 1


@pytest.mark.parametrize("mu, sigma, y", [(0.3, 1.2, 0.8), (-2.0, 0.2, 1.0), (5.0, 3.0, 4.9)])
def test_crps_by_thresholds_is_properscorings_gaussian_crps(mu, sigma, y):
    cdf = lambda u: LF.scoring.normal_cdf((u - mu) / sigma)  # noqa: E731
    low, high = min(mu, y) - 12 * sigma - 1, max(mu, y) + 12 * sigma + 1
    np.testing.assert_allclose(S.crps_by_thresholds(cdf, y, low, high), ps.crps_gaussian(y, mu, sigma), rtol=1e-6)
    with pytest.raises(ValueError, match="target"):
        S.crps_by_thresholds(cdf, y, y, high)


def test_ensemble_crps_by_thresholds_is_properscorings_ensemble_crps():
    rng = np.random.default_rng(0)
    for M in (1, 2, 7, 30):
        x, y = rng.normal(size=M), rng.normal()
        np.testing.assert_allclose(S.ensemble_crps_by_thresholds(x, y), ps.crps_ensemble(y, x), rtol=1e-12, atol=1e-15)
    x = np.array([0.0, 0.0, 1.0, 1.0, 2.0])  # ties, and a member on the observation
    np.testing.assert_allclose(S.ensemble_crps_by_thresholds(x, 1.0), ps.crps_ensemble(1.0, x), rtol=1e-14)
    assert S.ensemble_crps_by_thresholds(np.array([0.3]), 1.5) == pytest.approx(1.2, rel=1e-15)  # a point: |x − y|


def test_expected_crps_gaussian_is_a_monte_carlo_average_and_proper():
    y = np.random.default_rng(1).normal(1.0, 2.0, 400_000)
    for mu, sigma in ((1.0, 2.0), (0.0, 0.5), (2.5, 3.0)):
        np.testing.assert_allclose(S.expected_crps_gaussian(mu, sigma, 1.0, 2.0), ps.crps_gaussian(y, mu, sigma).mean(),
                                   rtol=5e-3)
    mus, sigmas = np.meshgrid(np.linspace(-1, 3, 81), np.linspace(0, 4, 81))
    E = S.expected_crps_gaussian(mus, sigmas, 1.0, 2.0)
    i = np.unravel_index(np.argmin(E), E.shape)
    assert (mus[i], sigmas[i]) == pytest.approx((1.0, 2.0))  # smallest at the truth
    np.testing.assert_allclose(S.expected_crps_gaussian(0.0, 1.0), 1 / math.sqrt(math.pi), rtol=1e-14)


# ----------------------------------------------------------------------------- other conventions
def test_fair_crps_by_hand_and_against_the_plain_one():
    x, y = np.array([[0.0, 2.0]]), np.array([1.0])
    # accuracy (1 + 1)/2 = 1; the fair spread Σ_ij|x_i − x_j|/(2M(M − 1)) = 4/4 = 1: the plain one 4/8
    np.testing.assert_allclose(S.crps_ensemble_fair(x, y), [0.0], atol=1e-15)
    np.testing.assert_allclose(LF.crps_ensemble(x, y, reduction="none"), [0.5], rtol=1e-15)
    rng = np.random.default_rng(2)
    e, t = rng.normal(size=(6, 5)), rng.normal(size=6)
    M = 5
    spread = np.abs(e[:, :, None] - e[:, None, :]).sum(axis=(1, 2))
    np.testing.assert_allclose(S.crps_ensemble_fair(e, t) - LF.crps_ensemble(e, t, reduction="none"),
                               spread / (2 * M * M) - spread / (2 * M * (M - 1)), rtol=1e-12)
    with pytest.raises(ValueError, match="2 members"):
        S.crps_ensemble_fair(np.zeros((3, 1)), np.zeros(3))


def test_fair_and_plain_crps_against_scoringrules():
    sr = pytest.importorskip("scoringrules")  # not a dev dependency: checked where it is installed
    rng = np.random.default_rng(3)
    e, t = rng.normal(size=(8, 6)), rng.normal(size=8)
    np.testing.assert_allclose(S.crps_ensemble_fair(e, t), sr.crps_ensemble(t, e, estimator="fair"), rtol=1e-12)
    np.testing.assert_allclose(S.crps_ensemble_fair(e, t), sr.crps_ensemble(t, e, estimator="pwm"), rtol=1e-12)
    np.testing.assert_allclose(LF.crps_ensemble(e, t, reduction="none"), sr.crps_ensemble(t, e, estimator="nrg"), rtol=1e-12)
    np.testing.assert_allclose(LF.crps_ensemble(e, t, reduction="none"), sr.crps_ensemble(t, e), rtol=1e-12)  # default


def test_tfa_pinball_by_hand_and_per_sample():
    # TensorFlow Addons' docstring example: tau = 0.1 → (0.9 + 0.9 + 0 + 0.1) / 4 = 0.475
    np.testing.assert_allclose(S.tfa_pinball([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0], tau=0.1).mean(), 0.475, rtol=1e-14)
    rng = np.random.default_rng(4)
    y, p = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    per_sample = S.tfa_pinball(y, p, 0.7)
    assert per_sample.shape == (5,)
    np.testing.assert_allclose(per_sample, LF.pinball_loss(p, y, 0.7, reduction="none").mean(axis=1), rtol=1e-14)


def test_gluonts_quantile_loss_is_twice_the_summed_pinball():
    # one under-prediction by 2 at q = 0.9 and one over-prediction by 1: 2·(0.9·2 + 0.1·1) = 3.8
    assert S.gluonts_quantile_loss([3.0, 0.0], [1.0, 1.0], 0.9) == pytest.approx(3.8, rel=1e-14)
    rng = np.random.default_rng(5)
    y, p = rng.normal(size=20), rng.normal(size=20)
    np.testing.assert_allclose(S.gluonts_quantile_loss(y, p, 0.3), 2 * LF.pinball_loss(p, y, 0.3, reduction="sum"), rtol=1e-13)
    np.testing.assert_allclose(S.gluonts_quantile_loss(y, p, 0.5), np.abs(y - p).sum(), rtol=1e-13)


def test_keras_log_cosh_by_its_documented_example():
    # keras' docstring: y_true = [[0, 1], [0, 0]], y_pred = [[1, 1], [0, 0]] → loss 0.108 (sum_over_batch_size)
    values = S.keras_log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    assert values.shape == (2,)
    np.testing.assert_allclose(values, [math.log(math.cosh(1.0)) / 2, 0.0], rtol=1e-14)
    assert round(float(values.mean()), 3) == 0.108


def test_brier_1950_is_unhalved():
    rng = np.random.default_rng(6)
    p, t = rng.uniform(size=30), rng.integers(0, 2, 30)
    np.testing.assert_allclose(S.brier_1950(p, t), 2 * (p - t) ** 2, rtol=1e-14)
    np.testing.assert_allclose(S.brier_1950(p, t).mean(), brier_score_loss(t, p, scale_by_half=False), rtol=1e-14)
    p3, t3 = rng.dirichlet(np.ones(3), 30), rng.integers(0, 3, 30)
    np.testing.assert_allclose(S.brier_1950(p3, t3).mean(), brier_score_loss(t3, p3, labels=[0, 1, 2]), rtol=1e-14)


def test_brier_decomposition_by_hand_and_exact():
    # two forecast values: 0.2 (4 cases, 1 came true) and 0.9 (2 cases, both true); ō = 3/6
    p, y = np.array([0.2, 0.2, 0.2, 0.2, 0.9, 0.9]), np.array([0, 0, 1, 0, 1, 1])
    reliability, resolution, uncertainty = S.brier_decomposition(p, y)
    assert reliability == pytest.approx((4 * (0.2 - 0.25) ** 2 + 2 * (0.9 - 1.0) ** 2) / 6, rel=1e-14)
    assert resolution == pytest.approx((4 * (0.25 - 0.5) ** 2 + 2 * (1.0 - 0.5) ** 2) / 6, rel=1e-14)
    assert uncertainty == 0.25
    rng = np.random.default_rng(8)
    p, y = rng.integers(0, 11, 500) / 10, rng.integers(0, 2, 500)
    reliability, resolution, uncertainty = S.brier_decomposition(p, y)
    np.testing.assert_allclose(reliability - resolution + uncertainty, LF.brier_score(p, y), rtol=1e-12)
    assert S.brier_decomposition(np.full(500, y.mean()), y)[:2] == (0.0, 0.0)  # climatology


# ----------------------------------------------------------------------------- the torch transcriptions
def test_torch_transcriptions_are_their_homes():
    rng = np.random.default_rng(7)
    y, p = rng.normal(size=(12, 2)), rng.normal(size=(12, 2))
    for q in (0.0, 0.3, 1.0):
        np.testing.assert_allclose(torch_value(S.torch_pinball, p, y, quantile=q), mean_pinball_loss(y, p, alpha=q), rtol=1e-14)
    mu, sigma, t = rng.normal(size=9), rng.uniform(0.1, 2, 9), rng.normal(size=9)
    np.testing.assert_allclose(torch_value(S.torch_crps_gaussian, mu, sigma, t, reduction="none"), ps.crps_gaussian(t, mu, sigma),
                               rtol=1e-13)
    e = rng.normal(size=(9, 4))
    np.testing.assert_allclose(torch_value(S.torch_crps_ensemble, e, t, reduction="none"), ps.crps_ensemble(t, e), rtol=1e-13)
    np.testing.assert_allclose(torch_value(S.torch_log_cosh, p, y, reduction="none"), np.log(np.cosh(p - y)), rtol=1e-13)
    pb, tb = rng.uniform(size=12), rng.integers(0, 2, 12)
    np.testing.assert_allclose(torch_value(S.torch_brier, pb, tb), brier_score_loss(tb, pb), rtol=1e-14)
    for K in (2, 3):
        pk, tk = rng.dirichlet(np.ones(K), 12), rng.integers(0, K, 12)
        np.testing.assert_allclose(torch_value(S.torch_brier, pk, tk), brier_score_loss(tk, pk, labels=np.arange(K)), rtol=1e-14)
    assert torch_value(S.torch_pinball, p, y, reduction="sum").shape == ()


def test_markdown_table_is_contrastives():
    assert S.markdown_table is contrastive.markdown_table


# ----------------------------------------------------------------------------- widgets
def _median_update_ms(update, values):
    times = []
    for kw in values:
        start = time.perf_counter()
        update(**kw)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def test_pinball_widget_draws_what_the_plot_draws():
    fig, update = S.pinball_widget(0.5)
    assert isinstance(fig, Figure)
    update(quantile=0.8)
    fresh = S.plot_pinball(0.8)
    for ax, fresh_ax in zip(fig.axes, fresh.axes):
        for line, fresh_line in zip(ax.get_lines(), fresh_ax.get_lines()):
            np.testing.assert_array_equal(line.get_xydata(), fresh_line.get_xydata())
        assert ax.get_title() == fresh_ax.get_title() and ax.get_ylim() == fresh_ax.get_ylim()
    d = fig.axes[0].get_lines()[0].get_xdata()
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), np.maximum(0.8 * d, -0.2 * d), atol=1e-15)
    np.testing.assert_array_equal(fig.axes[0].get_lines()[1].get_ydata(), np.where(d >= 0, -0.8, 1 - 0.8))
    dot_x = fig.axes[1].get_lines()[2].get_xdata()[0]
    c = fig.axes[1].get_lines()[1].get_xdata()
    assert abs(dot_x - np.quantile(S.skewed_sample(), 0.8)) <= c[1] - c[0]
    lo, hi = fig.axes[1].get_ylim()
    for q in (0.0, 1.0):  # sized for the whole slider range
        update(quantile=q)
        assert fig.axes[1].get_lines()[1].get_ydata().max() <= hi
    assert _median_update_ms(update, [{"quantile": q} for q in np.linspace(0, 1, 21)]) < 30


def test_crps_widget_draws_the_cdf_its_brier_scores_and_their_area():
    fig, update = S.crps_widget(0.0, 1.0, target=0.8)
    update(mu=1.5, sigma=0.4)
    fresh = S.plot_crps(1.5, 0.4, target=0.8)
    for ax, fresh_ax in zip(fig.axes, fresh.axes):
        for line, fresh_line in zip(ax.get_lines(), fresh_ax.get_lines()):
            np.testing.assert_array_equal(line.get_xydata(), fresh_line.get_xydata())
        assert ax.get_title() == fresh_ax.get_title()
        for poly, fresh_poly in zip(ax.collections, fresh_ax.collections):  # the shaded areas moved in place
            np.testing.assert_allclose(poly.get_paths()[0].vertices, fresh_poly.get_paths()[0].vertices)
    cdf_line, brier_line = fig.axes[0].get_lines()[1], fig.axes[1].get_lines()[0]
    u = cdf_line.get_xdata()
    np.testing.assert_allclose(cdf_line.get_ydata(), [0.5 * math.erfc(-(v - 1.5) / 0.4 / math.sqrt(2)) for v in u],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(brier_line.get_ydata(), (cdf_line.get_ydata() - (u >= 0.8)) ** 2, rtol=1e-14)
    crps = ps.crps_gaussian(0.8, 1.5, 0.4)
    assert abs(np.trapezoid(brier_line.get_ydata(), u) - crps) < 5e-3  # the area, up to the grid's step at y
    # each shaded polygon (shoelace: its signed area) is filled between the curves drawn beside it
    step = (u >= 0.8).astype(float)
    for ax, between in ((fig.axes[0], cdf_line.get_ydata() - step), (fig.axes[1], brier_line.get_ydata())):
        x_v, y_v = ax.collections[0].get_paths()[0].vertices.T
        shaded = 0.5 * abs(np.dot(x_v, np.roll(y_v, 1)) - np.dot(y_v, np.roll(x_v, 1)))
        np.testing.assert_allclose(shaded, abs(np.trapezoid(between, u)), rtol=1e-6, atol=1e-9)
    dot = fig.axes[2].get_lines()[1]
    np.testing.assert_allclose(dot.get_ydata(), [crps], rtol=1e-13)
    np.testing.assert_allclose(fig.axes[2].get_lines()[2].get_ydata(), [0.7, 0.7], rtol=1e-14)  # |μ − y|
    top = fig.axes[2].get_ylim()[1]
    for mu, sigma in ((-3.0, 3.0), (3.0, 0.05), (-3.0, 0.05)):
        update(mu=mu, sigma=sigma)
        assert fig.axes[2].get_lines()[0].get_ydata().max() <= top  # sized for the slider ranges
    moves = [{"mu": m, "sigma": s} for m, s in zip(np.linspace(-3, 3, 21), np.linspace(0.05, 3, 21))]
    assert _median_update_ms(update, moves) < 30


def test_quantile_band_figure():
    x = np.linspace(-1, 1, 20)
    band = np.stack([x - 1, x, x + 1], axis=1)
    fig = S.plot_quantile_band(x, x, x, {"a": band, "b": band + 0.1}, truth=band)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 1 + 2 + 3 and len(ax.collections) == 2
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), x)
