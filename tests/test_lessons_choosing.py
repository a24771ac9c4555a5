"""lossedu.lessons.choosing (notebook 09): landscapes, proper scoring rules, temperature scaling.

Every number a loss computes is compared with torch's own loss; the rest are property checks
(properness over random η, exact minimisers of MSE and L1, temperature scaling keeps the argmax).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from lossedu.data import line_with_outliers
from lossedu.lessons import choosing as C

RTOL = 1e-12


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


# ----------------------------------------------------------------------------- per-sample losses against torch
def test_hinge_is_the_plain_hinge_and_twice_torchs_two_class_multi_margin_loss():
    rng = np.random.default_rng(0)
    f = rng.normal(scale=2, size=(7, 5))
    f[0, :3] = [1.0, -1.0, 0.0]  # at and around the kinks
    t = rng.integers(0, 2, size=f.shape)
    ours = C.hinge(f, t)
    np.testing.assert_array_equal(ours, np.maximum(0, 1 - (2 * t - 1) * f))
    scores = torch.stack([torch.zeros(f.size, dtype=torch.float64), _t(f).reshape(-1)], dim=1)
    theirs = 2 * F.multi_margin_loss(scores, torch.as_tensor(t.reshape(-1)), reduction="none")
    np.testing.assert_allclose(ours.reshape(-1), theirs.numpy(), rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", ["MSE", "L1", "cross-entropy"])
def test_landscape_losses_match_torch(name):
    rng = np.random.default_rng(1)
    f = rng.normal(scale=3, size=(4, 6))
    y = rng.integers(0, 2, size=f.shape).astype(np.float64) if name == "cross-entropy" else rng.normal(size=f.shape)
    torch_loss = {"MSE": F.mse_loss, "L1": F.l1_loss, "cross-entropy": F.binary_cross_entropy_with_logits}[name]
    np.testing.assert_allclose(C.LANDSCAPE_LOSSES[name](f, y), torch_loss(_t(f), _t(y), reduction="none").numpy(),
                               rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", list(C.LANDSCAPE_LOSSES))
def test_risk_on_a_grid_is_torchs_mean_loss_at_every_grid_point(name):
    if name in ("MSE", "L1"):
        x, y = line_with_outliers(30, outlier_fraction=0.1, seed=3)
    else:
        x, y = C.two_classes_1d(20, seed=3)
    W, B = np.meshgrid(np.linspace(-2, 3, 4), np.linspace(-1, 1, 3), indexing="ij")
    R = C.risk(C.LANDSCAPE_LOSSES[name], x, y, W, B)
    assert R.shape == W.shape
    for w, b, r in zip(W.ravel(), B.ravel(), R.ravel()):
        f = w * _t(x) + b
        if name == "MSE":
            expected = F.mse_loss(f, _t(y))
        elif name == "L1":
            expected = F.l1_loss(f, _t(y))
        elif name == "hinge":
            expected = torch.clamp(1 - (2 * _t(y) - 1) * f, min=0).mean()
        else:
            expected = F.binary_cross_entropy_with_logits(f, _t(y))
        np.testing.assert_allclose(r, expected.item(), rtol=RTOL, atol=1e-15)


# ----------------------------------------------------------------------------- minimisers
def test_minimise_finds_least_squares_for_mse():
    x, y = line_with_outliers(60, outlier_fraction=0.1, seed=0)
    w, b = np.linalg.lstsq(np.c_[x, np.ones_like(x)], y, rcond=None)[0]
    m = C.minimise(C.squared_error, x, y, (-3, 7), (-4, 2))
    assert abs(m.w - w) < 1e-4 and abs(m.b - b) < 1e-4 and not m.on_edge


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.2])
def test_minimise_finds_the_exact_least_absolute_deviations_line(fraction):
    # An L1 line through two data points is optimal (a vertex of the linear programme): try them all.
    x, y = line_with_outliers(60, outlier_fraction=fraction, seed=0)
    i, j = np.triu_indices(x.size, 1)
    w = (y[j] - y[i]) / (x[j] - x[i])
    b = y[i] - w * x[i]
    best = np.argmin(np.abs(y - w[:, None] * x - b[:, None]).mean(axis=1))
    m = C.minimise(C.absolute_error, x, y, (-3, 7), (-4, 2))
    assert abs(m.w - w[best]) < 1e-3 and abs(m.b - b[best]) < 1e-3


def test_separable_labels_hinge_has_a_flat_zero_valley_and_cross_entropy_no_minimum():
    x, t = C.two_classes_1d()
    hinge = C.minimise(C.hinge, x, t, *C.CLASSIFICATION_BOX)
    assert hinge.risk == 0.0 and not hinge.on_edge
    # the zero-risk model with the smallest |w|: the hard-margin SVM, which in 1-D puts the margins
    # ±1 at the two innermost points, w = 2/(x₊ − x₋), b = −w·(x₊ + x₋)/2
    inner_pos, inner_neg = x[t == 1].min(), x[t == 0].max()
    w_svm = 2 / (inner_pos - inner_neg)
    assert abs(hinge.w - w_svm) < 1e-3 and abs(hinge.b + w_svm * (inner_pos + inner_neg) / 2) < 1e-3
    ce = C.minimise(C.logistic, x, t, *C.CLASSIFICATION_BOX)
    assert ce.on_edge and ce.risk > 0
    along = C.risk(C.logistic, x, t, ce.w * np.array([1, 2, 4, 8]), ce.b * np.array([1, 2, 4, 8]))
    assert np.all(np.diff(along) < 0)


def test_two_classes_1d_and_scattered_outliers():
    x, t = C.two_classes_1d(41, gap=0.5, seed=2)
    assert x.dtype == np.float64 and t.dtype == np.int64 and x.shape == t.shape == (41,)
    assert t.sum() == 21 and np.all(x[t == 1] >= 0.25) and np.all(x[t == 0] <= -0.25)
    np.testing.assert_array_equal(C.two_classes_1d(41, gap=0.5, seed=2)[0], x)
    with pytest.raises(ValueError, match="gap"):
        C.two_classes_1d(10, gap=5.0)
    xs, ys = C.scattered_outliers(60, outlier_fraction=0.2, outlier_shift=-6.0, seed=0)
    x0, y0 = line_with_outliers(60, outlier_fraction=0.0, seed=0)
    np.testing.assert_array_equal(xs, x0)
    moved = np.flatnonzero(ys != y0)
    assert moved.size == 12 and np.allclose(ys[moved] - y0[moved], -6.0)
    assert moved.min() < 20 and moved.max() > 40  # scattered, not all at the largest x
    with pytest.raises(ValueError, match="outlier_fraction"):
        C.scattered_outliers(outlier_fraction=1.5)


def _star(fig, panel):
    return fig.axes[panel].get_lines()[1].get_xydata()[0]


def test_plot_landscapes_draws_data_and_four_landscapes():
    fig = C.plot_landscapes(outlier_shift=4.0, outlier_fraction=0.2, label_noise=0.1, size=20)
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert fig.axes[1].get_title().startswith("MSE: ★") and "no minimum" not in fig.axes[5].get_title()
    x, y = C.landscape_data(4.0, 0.2, 0.1)["regression"]
    m = C.minimise(C.squared_error, x, y, *C.REGRESSION_BOX)
    np.testing.assert_allclose(_star(fig, 1), [m.w, m.b], atol=0.01)
    clean = C.plot_landscapes(size=20)  # clean labels: separable, no minimum; the hinge's flat valley shaded
    assert "no minimum" in clean.axes[5].get_title() and "R = 0" in clean.axes[4].get_title()


def test_landscape_widget_redraws_the_same_figure_in_place():
    fig, update = C.landscape_widget(size=20)
    axes, contours = list(fig.axes), fig.axes[1].collections[0]
    assert update(outlier_shift=6.0, outlier_fraction=0.2, label_noise=0.2) is fig and fig.axes == axes
    assert contours not in fig.axes[1].collections and len(fig.axes[1].collections) == 1  # replaced, not piled up
    reference = C.plot_landscapes(outlier_shift=6.0, outlier_fraction=0.2, label_noise=0.2, size=20)
    for panel in (1, 2, 4, 5):
        np.testing.assert_array_equal(_star(fig, panel), _star(reference, panel))
        assert fig.axes[panel].get_title() == reference.axes[panel].get_title()
    np.testing.assert_array_equal(fig.axes[0].collections[0].get_offsets(), reference.axes[0].collections[0].get_offsets())


def test_landscape_data_moves_only_what_the_controls_say():
    clean, noisy = C.landscape_data(outlier_fraction=0.0), C.landscape_data(3.0, 0.1, 0.25)
    np.testing.assert_array_equal(clean["regression"][0], noisy["regression"][0])
    assert np.sum(clean["regression"][1] != noisy["regression"][1]) == 6
    assert np.sum(clean["classification"][1] != noisy["classification"][1]) == 10


# ----------------------------------------------------------------------------- proper scoring rules
@pytest.mark.parametrize("name", list(C.SCORING_RULES))
def test_expected_score_matches_torch(name):
    q, eta = np.linspace(0.01, 0.99, 9), 0.37
    one, zero = torch.ones(9, dtype=torch.float64), torch.zeros(9, dtype=torch.float64)
    if name == "log loss":
        fn = lambda y: F.binary_cross_entropy(_t(q), y, reduction="none")  # noqa: E731
    elif name == "Brier":
        fn = lambda y: F.mse_loss(_t(q), y, reduction="none")  # noqa: E731
    elif name == "absolute error":
        fn = lambda y: F.l1_loss(_t(q), y, reduction="none")  # noqa: E731
    else:
        fn = lambda y: 2 * F.multi_margin_loss(  # noqa: E731
            torch.stack([torch.zeros(9, dtype=torch.float64), 2 * _t(q) - 1], 1), y.long(), reduction="none")
    expected = eta * fn(one) + (1 - eta) * fn(zero)
    np.testing.assert_allclose(C.expected_score(C.SCORING_RULES[name], q, eta), expected.numpy(), rtol=RTOL)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 0.99))
def test_log_loss_and_brier_are_proper_hinge_and_absolute_error_are_not(eta):
    q = np.linspace(0, 1, 2001)
    for name in ("log loss", "Brier"):
        # the minimiser over the grid is one of the two grid points around η: not always the nearer one,
        # since the expected score is not symmetric about η (η = 0.01375 picks 0.0140, 0.00025 away)
        assert abs(C.best_forecast(C.SCORING_RULES[name], eta, q) - eta) <= 1 / 2000 + 1e-12, name
        # strictly proper: any other forecast scores worse in expectation
        S = C.expected_score(C.SCORING_RULES[name], q, eta)
        assert np.all(S[np.abs(q - eta) > 0.01] > S.min())
    if abs(eta - 0.5) > 1e-3:  # at η = ½ every q ties
        for name in ("absolute error", "hinge on 2q − 1"):
            assert C.best_forecast(C.SCORING_RULES[name], eta, q) == float(eta > 0.5), name


def test_plot_expected_scores():
    fig = C.plot_expected_scores((0.2, 0.9))
    assert isinstance(fig, Figure) and len(fig.axes) == len(C.SCORING_RULES)


def test_expected_scores_widget_moves_curves_and_dots_in_place():
    fig, update = C.expected_scores_widget(0.3)
    assert update(0.8) is fig
    reference = C.plot_expected_scores((0.8,))
    for ax, ref in zip(fig.axes, reference.axes):
        for line, ref_line in zip(ax.get_lines(), ref.get_lines()):
            np.testing.assert_array_equal(line.get_xydata(), ref_line.get_xydata())
    assert fig.axes[1].get_lines()[1].get_xdata()[0] == pytest.approx(0.8)  # Brier: the best forecast is η


# ----------------------------------------------------------------------------- temperature scaling
def test_softmax_matches_torch():
    z = np.random.default_rng(4).normal(scale=30, size=(5, 3))
    np.testing.assert_allclose(C.softmax(z), torch.softmax(_t(z), 1).numpy(), rtol=1e-12)


def test_fit_temperature_is_where_torchs_nll_is_flat_and_recovers_a_known_temperature():
    rng = np.random.default_rng(5)
    z_true = rng.normal(scale=1.5, size=(20000, 3))
    labels = np.array([rng.choice(3, p=p) for p in C.softmax(z_true)])
    logits = 3.0 * z_true  # a model three times too confident
    T = C.fit_temperature(logits, labels)
    assert abs(T - 3.0) < 0.1
    t = torch.tensor(T, dtype=torch.float64, requires_grad=True)
    nll = F.cross_entropy(_t(logits) / t, torch.as_tensor(labels))
    (grad,) = torch.autograd.grad(nll, t)
    assert abs(grad.item()) < 1e-9  # torch's autograd: the NLL is flat in T there
    for other in (0.9 * T, 1.1 * T):
        assert F.cross_entropy(_t(logits) / other, torch.as_tensor(labels)).item() > nll.item()
    np.testing.assert_array_equal(C.softmax(logits / T).argmax(1), logits.argmax(1))  # accuracy unchanged


def test_fit_temperature_sharpens_an_under_confident_model_and_stops_at_lo_when_separable():
    rng = np.random.default_rng(6)
    z_true = rng.normal(scale=2, size=(5000, 4))
    labels = np.array([rng.choice(4, p=p) for p in C.softmax(z_true)])
    assert abs(C.fit_temperature(z_true / 4, labels) - 0.25) < 0.02
    z = np.eye(3)[[0, 1, 2, 0]]  # every argmax right: the NLL falls as T → 0
    assert C.fit_temperature(z, np.array([0, 1, 2, 0]), lo=1e-2) == pytest.approx(1e-2, rel=1e-9)


def test_landscape_widget_redraws_only_the_panels_whose_data_moved():
    fig, update = C.landscape_widget(size=20)
    regression, classification = fig.axes[1].collections[0], fig.axes[4].collections[0]
    update(outlier_shift=3.0, outlier_fraction=0.1, label_noise=0.0)  # moves the regression data only
    assert regression not in fig.axes[1].collections
    assert fig.axes[4].collections[0] is classification
    update(outlier_shift=3.0, outlier_fraction=0.1, label_noise=0.2)  # the labels only
    assert fig.axes[4].collections[0] is not classification
    # kept or redrawn, every panel shows what a fresh figure of these settings shows
    reference = C.plot_landscapes(outlier_shift=3.0, outlier_fraction=0.1, label_noise=0.2, size=20)
    for panel in (1, 2, 4, 5):
        np.testing.assert_array_equal(_star(fig, panel), _star(reference, panel))
        assert fig.axes[panel].get_title() == reference.axes[panel].get_title()
        for ours, theirs in zip(fig.axes[panel].collections, reference.axes[panel].collections):
            for p, q in zip(ours.get_paths(), theirs.get_paths()):
                np.testing.assert_allclose(p.vertices, q.vertices)
