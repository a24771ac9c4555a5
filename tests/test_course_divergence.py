"""The course helpers of notebook 04 (KL divergence): mixtures, the random teacher, distillation data, figures."""
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import data, plot

SUPPORT = np.linspace(-5.0, 5.0, 201)


# ----------------------------------------------------------------------------- data
def test_log_gaussian_mixture_is_a_normalised_log_pmf():
    lp = data.log_gaussian_mixture(SUPPORT, [-2.0, 2.0], [0.6, 0.6])
    assert lp.shape == SUPPORT.shape and lp.dtype == np.float64
    np.testing.assert_allclose(np.exp(lp).sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(lp, lp[::-1], atol=1e-12)  # symmetric mixture on a symmetric grid
    assert abs(SUPPORT[np.argmax(lp)]) == pytest.approx(2.0, abs=0.06)


def test_log_gaussian_mixture_one_gaussian_and_tails_stay_finite():
    lp = data.log_gaussian_mixture(SUPPORT, [1.0], [0.1])  # exp underflows far away, the log does not
    assert np.all(np.isfinite(lp)) and np.exp(lp).min() == 0.0
    mean = (np.exp(lp) * SUPPORT).sum()
    assert mean == pytest.approx(1.0, abs=1e-9)


def test_log_gaussian_mixture_weights():
    lp = data.log_gaussian_mixture(SUPPORT, [-2.0, 2.0], [0.5, 0.5], weights=[3.0, 1.0])
    left = np.exp(lp)[SUPPORT < 0].sum()
    assert left == pytest.approx(0.75, abs=1e-3)


@pytest.mark.parametrize("kwargs", [dict(means=[0.0, 1.0], stds=[1.0]), dict(means=[0.0], stds=[0.0]),
                                    dict(means=[0.0], stds=[1.0], weights=[-1.0])])
def test_log_gaussian_mixture_checks_its_arguments(kwargs):
    with pytest.raises(ValueError):
        data.log_gaussian_mixture(SUPPORT, **kwargs)


def test_random_teacher_is_seeded_and_shaped():
    t, t2 = data.random_teacher(dim=2, classes=3, seed=7), data.random_teacher(dim=2, classes=3, seed=7)
    x = np.random.default_rng(0).normal(size=(5, 2))
    assert t(x).shape == (5, 3) and t(x).dtype == np.float64
    np.testing.assert_array_equal(t(x), t2(x))
    assert not np.array_equal(t(x), data.random_teacher(seed=8)(x))
    assert (t.dim, t.classes) == (2, 3)
    with pytest.raises(ValueError, match="shape"):
        t(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="classes"):
        data.random_teacher(classes=0)


def test_distillation_data_is_the_softened_teacher():
    teacher = data.random_teacher(seed=7)
    x, p = data.distillation_data(50, teacher=teacher, temperature=2.0, seed=0)
    assert x.shape == (50, 2) and p.shape == (50, 3)
    assert x.min() >= -2.0 and x.max() <= 2.0
    np.testing.assert_allclose(p, torch.softmax(torch.tensor(teacher(x) / 2.0), dim=1).numpy(), rtol=1e-12)
    x2, p2 = data.distillation_data(50, teacher=teacher, temperature=2.0, seed=0)
    np.testing.assert_array_equal(p, p2)
    # A higher temperature flattens: larger entropy.
    _, hot = data.distillation_data(50, teacher=teacher, temperature=10.0, seed=0)
    entropy = lambda q: -(q * np.log(q)).sum(axis=1).mean()
    assert entropy(hot) > entropy(p)
    with pytest.raises(ValueError, match="temperature"):
        data.distillation_data(temperature=0.0)


def test_new_data_leaves_numpy_global_state_alone():
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    data.distillation_data()
    assert np.random.random() == before


# ----------------------------------------------------------------------------- figures
def test_kl_two_classes_matches_torch_autograd():
    p, z = 0.3, np.linspace(-4.0, 4.0, 9)
    q, forward, reverse, forward_grad, reverse_grad = plot.kl_two_classes(p, z)
    zt = torch.tensor(z, requires_grad=True)
    log_q = torch.stack([torch.nn.functional.logsigmoid(zt), torch.nn.functional.logsigmoid(-zt)], dim=-1)
    P = torch.tensor([p, 1 - p], dtype=torch.float64).expand_as(log_q)
    fwd = torch.nn.functional.kl_div(log_q, P, reduction="none").sum(-1)
    rev = torch.nn.functional.kl_div(P.log(), log_q.exp(), reduction="none").sum(-1)
    np.testing.assert_allclose(forward, fwd.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(reverse, rev.detach().numpy(), rtol=1e-12, atol=1e-15)
    (g_fwd,) = torch.autograd.grad(fwd.sum(), zt, retain_graph=True)
    np.testing.assert_allclose(forward_grad, g_fwd.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(forward_grad, q - p, rtol=1e-10, atol=1e-15)
    (g_rev,) = torch.autograd.grad(rev.sum(), zt)
    np.testing.assert_allclose(reverse_grad, g_rev.numpy(), rtol=1e-10, atol=1e-15)
    with pytest.raises(ValueError, match="p must"):
        plot.kl_two_classes(1.0, z)


def test_plot_kl_two_classes_draws_both_directions():
    fig = plot.plot_kl_two_classes(0.25)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax in fig.axes:
        assert [l.get_label() for l in ax.get_lines() if not l.get_label().startswith("_")] == [
            "forward KL(P‖Q)", "reverse KL(Q‖P)"]
    loss = fig.axes[0].get_lines()[0]
    assert loss.get_xdata()[np.argmin(loss.get_ydata())] == pytest.approx(0.25, abs=0.01)


def test_plot_forward_reverse_kl_titles_the_package_values():
    lp = data.log_gaussian_mixture(SUPPORT, [-2.0, 2.0], [0.6, 0.6])
    fig = plot.plot_forward_reverse_kl(lp, 0.5, 1.0, SUPPORT)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    lq = data.log_gaussian_mixture(SUPPORT, [0.5], [1.0])
    forward = LF.kl_div(lq, lp, reduction="sum", log_target=True)
    reverse = LF.kl_div(lp, lq, reduction="sum", log_target=True)
    assert fig.axes[0].get_title() == f"KL(P‖Q) = {forward:.3f}    KL(Q‖P) = {reverse:.3f}"
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), np.exp(lq))
    # mean-seeking vs mode-seeking: the forward minimum sits between the modes, the reverse on one.
    curves = [l for l in fig.axes[1].get_lines() if l.get_label() in ("forward KL(P‖Q)", "reverse KL(Q‖P)")]
    best = [c.get_xdata()[np.argmin(c.get_ydata())] for c in curves]
    assert abs(best[0]) < 0.1 and abs(abs(best[1]) - 2.0) < 0.3
    with pytest.raises(ValueError, match="same length"):
        plot.plot_forward_reverse_kl(lp[:-1], 0.0, 1.0, SUPPORT)


def test_plot_class_probabilities_one_panel_per_model():
    uniform = lambda x: np.full((len(x), 3), 1 / 3)
    sure = lambda x: np.tile([1.0, 0.0, 0.0], (len(x), 1))
    fig = plot.plot_class_probabilities({"uniform": uniform, "sure": sure}, resolution=10,
                                        points=np.zeros((4, 2)), title="t")
    assert isinstance(fig, Figure) and [ax.get_title() for ax in fig.axes] == ["uniform", "sure"]
    image = fig.axes[1].get_images()[0].get_array()
    assert image.shape == (10, 10, 3)
    from matplotlib.colors import to_rgb
    np.testing.assert_allclose(image[0, 0], to_rgb("C0"))
