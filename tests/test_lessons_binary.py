"""lossedu.lessons.binary (notebook 05's lesson: cross-entropy against MSE through a sigmoid), against torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from lossedu.data import imbalanced_binary
from lossedu.lessons import binary as lesson


def test_logit_gradients_are_autograds_through_the_sigmoid():
    x = np.linspace(-12, 8, 81)
    for y in (1.0, 0.0, 0.3):
        xt = torch.tensor(x, requires_grad=True)
        target = torch.full_like(xt, y)
        mse_t, = torch.autograd.grad(F.mse_loss(torch.sigmoid(xt), target, reduction="sum"), xt)
        bce_t, = torch.autograd.grad(F.binary_cross_entropy_with_logits(xt, target, reduction="sum"), xt)
        mse, bce = lesson.logit_gradients(x, y)
        np.testing.assert_allclose(mse, mse_t.numpy(), rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(bce, bce_t.numpy(), rtol=1e-9, atol=1e-15)


def test_mse_gradient_vanishes_when_confidently_wrong():
    mse, bce = lesson.logit_gradients(np.array([-6.0, -10.0, 0.0]), 1.0)
    p = 1 / (1 + np.exp(6.0))
    assert mse[0] / bce[0] == pytest.approx(2 * p * (1 - p), rel=1e-12) and mse[0] / bce[0] < 0.01
    assert abs(mse[1]) < 1e-4 < 0.99 < abs(bce[1])
    assert mse[2] == pytest.approx(2 * bce[2] * 0.25)  # at p = ½: 2(p − y)·¼


def test_confidently_wrong_start_gives_the_class_means_the_asked_logits():
    u, y = imbalanced_binary(100, positive_fraction=0.3, seed=2)
    w, b = lesson.confidently_wrong_start(u, y, logit=5.0)
    assert u[y == 1].mean(axis=0) @ w + b == pytest.approx(-5.0)
    assert u[y == 0].mean(axis=0) @ w + b == pytest.approx(5.0)


@pytest.mark.parametrize("name", lesson.LOSSES)
def test_train_logistic_is_gradient_descent_in_torch(name):
    u, y = imbalanced_binary(60, positive_fraction=0.5, positive_center=(1.0, 1.0), negative_center=(-1.0, -1.0),
                             noise=0.8, seed=1)
    w0, b0 = lesson.confidently_wrong_start(u, y, logit=4.0)
    run = lesson.train_logistic(u, y, name, w0, b0, lr=0.7, steps=25)
    w, b = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    inputs, labels = torch.tensor(u), torch.tensor(y)
    losses, accuracies = [], []
    for step in range(26):
        x = inputs @ w + b
        loss = (F.binary_cross_entropy_with_logits(x, labels) if name == lesson.LOSSES[0]
                else F.mse_loss(torch.sigmoid(x), labels))
        losses.append(loss.item())
        accuracies.append(((x > 0).double() == labels).double().mean().item())
        if step < 25:
            gw, gb = torch.autograd.grad(loss, (w, b))
            with torch.no_grad():
                w, b = (w - 0.7 * gw).requires_grad_(), (b - 0.7 * gb).requires_grad_()
    np.testing.assert_allclose(run.losses, losses, rtol=1e-10)
    assert run.accuracies == accuracies
    np.testing.assert_allclose(run.w, w.detach().numpy(), rtol=1e-10)
    assert run.b == pytest.approx(b.item(), rel=1e-10, abs=1e-12)


def test_steps_to_reach_and_bad_loss():
    run = lesson.Run(losses=[1, 1, 1, 1], accuracies=[0.1, 0.5, 0.95, 0.9])
    assert lesson.steps_to_reach(run, 0.9) == 2 and lesson.steps_to_reach(run, 0.99) == np.inf
    with pytest.raises(ValueError, match="loss"):
        lesson.train_logistic(np.zeros((2, 2)), np.zeros(2), "hinge", np.zeros(2), 0.0, lr=1.0, steps=1)


def test_plot_race_draws_each_run_and_keeps_the_legend_off_the_axes():
    runs = {"a": lesson.Run(losses=[2.0, 1.0, 0.5], accuracies=[0.0, 0.5, 1.0]),
            "b": lesson.Run(losses=[1.0, 1.0, 0.9], accuracies=[0.0, 0.0, 0.2])}
    fig = lesson.plot_race(runs, target_accuracy=0.9, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(acc_ax.get_lines()[1].get_ydata(), [0.0, 0.0, 0.2])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b"]
    fig.canvas.draw()
    legend_box = fig.legends[0].get_window_extent()
    assert all(not legend_box.overlaps(ax.get_window_extent()) for ax in fig.axes)
