"""Notebook 10's lesson module (lossedu.lessons.dense): data, the conventions transcriptions, figures, widgets.

The transcriptions are checked against an independent computation: kornia itself where it is the
library transcribed, torch's own cross-entropy for the shared focal formula, and hand-made cases
(numbers worked out on paper in the comments) for optax, keras and segmentation_models_pytorch,
which cannot be imported here.
"""
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu.lessons import dense as D

kornia_losses = pytest.importorskip("kornia.losses")

HAS_DENSE = all(hasattr(LF, n) for n in ("sigmoid_focal_loss", "dice_loss"))
HAS_BOXES = all(hasattr(LF, n) for n in ("generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"))
needs_dense = pytest.mark.skipif(not HAS_DENSE, reason="lossedu.functional.dense not written yet")
needs_boxes = pytest.mark.skipif(not HAS_BOXES, reason="lossedu.functional.boxes not written yet")


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- data
def test_disc_images_are_seeded_imbalanced_discs():
    images, masks = D.disc_images(20, size=16, seed=3)
    assert images.shape == (20, 1, 16, 16) and masks.shape == (20, 16, 16)
    assert images.dtype == np.float64 and masks.dtype == np.int64 and set(np.unique(masks)) == {0, 1}
    np.testing.assert_array_equal(images, D.disc_images(20, size=16, seed=3)[0])
    assert not np.array_equal(masks, D.disc_images(20, size=16, seed=4)[1])
    share = masks.mean(axis=(1, 2))
    assert np.all(share > 0) and share.mean() < 0.1  # every image has a disc, a small one
    clean, clean_masks = D.disc_images(20, size=16, noise=0.0, seed=3)
    np.testing.assert_array_equal(clean[:, 0], clean_masks)
    np.testing.assert_array_equal(clean_masks, masks)  # the noise does not move the discs


def test_disc_images_refuse_bad_sizes():
    with pytest.raises(ValueError, match="n must"):
        D.disc_images(0)
    with pytest.raises(ValueError, match="radius"):
        D.disc_images(4, size=8, radius=(1.0, 5.0))


def test_rectangle_images_draw_their_boxes():
    images, boxes = D.rectangle_images(30, size=10, min_side=2, noise=0.0, seed=1)
    assert images.shape == (30, 100) and boxes.shape == (30, 4)
    assert np.all(boxes[:, 2] - boxes[:, 0] >= 0.2 - 1e-12) and np.all(boxes[:, 3] - boxes[:, 1] >= 0.2 - 1e-12)
    assert np.all((0 <= boxes) & (boxes <= 1))
    for image, (x1, y1, x2, y2) in zip(images.reshape(30, 10, 10), boxes * 10):
        expected = np.zeros((10, 10))
        expected[round(y1):round(y2), round(x1):round(x2)] = 1
        np.testing.assert_array_equal(image, expected)
    with pytest.raises(ValueError, match="min_side"):
        D.rectangle_images(3, size=5, min_side=5)


def test_disc_logits_put_the_prediction_and_the_target_where_asked():
    logits, target = D.disc_logits(9, true_radius=1.0, predicted_radius=0.0, sharpness=3.0)
    assert logits.shape == (1, 2, 9, 9) and target.shape == (1, 9, 9)
    assert target.sum() == 5  # the centre and its four neighbours
    assert (logits[0, 1] == 3.0).sum() == 1 and np.all(logits[0, 0] == 0)


# ----------------------------------------------------------------------------- focal conventions
def test_sigmoid_focal_is_cross_entropy_at_gamma_zero_and_decays_with_p_t():
    x, t = _rng().normal(size=(5, 7)) * 3, (_rng(1).random((5, 7)) > 0.5).astype(float)
    bce = F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), reduction="none").numpy()
    np.testing.assert_allclose(D.sigmoid_focal(x, t, gamma=0.0), bce, rtol=1e-12)
    p = torch.sigmoid(torch.tensor(x)).numpy()
    p_t = np.where(t == 1, p, 1 - p)
    np.testing.assert_allclose(D.sigmoid_focal(x, t, alpha=0.25, gamma=2.0),
                               np.where(t == 1, 0.25, 0.75) * (1 - p_t) ** 2 * bce, rtol=1e-12)


def test_sigmoid_focal_takes_soft_targets_as_torchvision_does():
    # torchvision weights a soft target through p_t = p·t + (1 − p)(1 − t), not as a mix of two terms
    x, t = np.array([0.3]), np.array([0.8])
    p = 1 / (1 + np.exp(-0.3))
    p_t = p * 0.8 + (1 - p) * 0.2
    ce = -(0.8 * np.log(p) + 0.2 * np.log(1 - p))
    np.testing.assert_allclose(D.sigmoid_focal(x, t, alpha=0.25), (0.25 * 0.8 + 0.75 * 0.2) * (1 - p_t) ** 2 * ce)


def test_focal_conventions_differ_only_by_alpha():
    x, t = _rng(2).normal(size=(6, 3)), (_rng(3).random((6, 3)) > 0.7).astype(float)
    values = D.focal_conventions(x, t)
    assert values["optax (alpha=None)"] == pytest.approx(values["keras (α ignored)"], rel=1e-12)
    assert values["torchvision (α = 0.25)"] == pytest.approx(values["keras apply_class_balancing"], rel=1e-12)
    all_positive = D.focal_conventions(x, np.ones_like(x))
    assert all_positive["torchvision (α = 0.25)"] == pytest.approx(0.25 * all_positive["optax (alpha=None)"], rel=1e-12)


def test_smp_multiclass_focal_sums_one_vs_rest_means():
    logits, target = _rng(4).normal(size=(2, 3, 4, 4)), _rng(5).integers(0, 3, (2, 4, 4))
    z, y = torch.tensor(logits), torch.tensor(target)
    expected = sum(F.binary_cross_entropy_with_logits(z[:, c], (y == c).double()).item() for c in range(3))
    assert D.smp_multiclass_focal(logits, target, gamma=0.0) == pytest.approx(expected, rel=1e-12)
    assert D.smp_multiclass_focal(logits, target) < expected


# ----------------------------------------------------------------------------- Dice and Tversky conventions
@pytest.mark.parametrize("average", ["micro", "macro"])
def test_kornia_dice_transcription_is_kornia(average):
    logits = _rng(6).normal(size=(3, 4, 5, 6)) * 2
    target = _rng(7).integers(0, 3, (3, 5, 6))  # class 3 absent everywhere: macro leaves it out
    theirs = kornia_losses.dice_loss(torch.tensor(logits), torch.tensor(target), average=average).item()
    assert D.kornia_dice(logits, target, average) == pytest.approx(theirs, rel=1e-12)


def test_micro_dice_over_all_classes_is_one_minus_the_mean_target_probability():
    logits, target = _rng(8).normal(size=(2, 3, 4, 4)), _rng(9).integers(0, 3, (2, 4, 4))
    p = D.softmax(logits)
    p_y = np.take_along_axis(p, target[:, None], axis=1)
    assert D.kornia_dice(logits, target, "micro", eps=0.0) == pytest.approx(1 - p_y.mean(), rel=1e-12)


def test_optax_dice_by_hand():
    # one 1 × 2 image, both pixels class 1, logits (0, ln 3): p(class 1) = 3/4 everywhere.
    logits = np.array([[[[0.0, 0.0]], [[np.log(3), np.log(3)]]]])
    target = np.array([[[1, 1]]])
    # class 0 (absent): inter 0, |X| + |Y| = 0.5  → 1 − 1/1.5 = 1/3;
    # class 1: inter 1.5, |X| + |Y| = 1.5 + 2 = 3.5 → 1 − (3 + 1)/(3.5 + 1) = 1/9; mean (1/3 + 1/9)/2 = 2/9
    assert D.optax_dice(logits, target) == pytest.approx(2 / 9, rel=1e-12)
    # keras pools both classes: Σ y·p = 1.5, Σ y = 2, Σ p = 2 → 1 − 3/4
    assert D.keras_dice(logits, target) == pytest.approx(0.25, rel=1e-6)
    # kornia macro only sees class 1: 1 − 3/3.5
    assert D.kornia_dice(logits, target, "macro") == pytest.approx(1 - 3 / 3.5, rel=1e-6)


def test_dice_conventions_agree_on_one_perfect_image_with_every_class_present():
    target = np.array([[[0, 1], [1, 0]]])
    logits = 60.0 * (D.one_hot(target, 2) - 0.5)  # a softmax of 1 on the true class, to 1e-26
    values = D.dice_conventions(logits, target)
    assert set(values) == set(D.DICE_CONVENTIONS)
    for value in values.values():
        assert abs(value) < 1e-7


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.5), (0.7, 0.3), (0.2, 0.9)])
def test_kornia_tversky_transcription_is_kornia(alpha, beta):
    logits, target = _rng(10).normal(size=(2, 3, 5, 5)), _rng(11).integers(0, 2, (2, 5, 5))
    theirs = kornia_losses.tversky_loss(torch.tensor(logits), torch.tensor(target), alpha, beta).item()
    assert D.kornia_tversky(logits, target, alpha, beta) == pytest.approx(theirs, rel=1e-12)


def test_keras_tversky_alpha_weights_the_missed_foreground():
    y_true = np.array([1.0, 1.0, 0.0, 0.0])
    y_pred = np.array([1.0, 0.0, 1.0, 1.0])  # TP 1, one missed pixel, two false alarms
    # keras's alpha multiplies Σ(1 − y_pred)·y_true = 1 (the missed pixel): 1 − 1/(1 + 0.9·1 + 0.1·2)
    assert D.keras_tversky(y_true, y_pred, alpha=0.9, beta=0.1) == pytest.approx(1 - 1 / 2.1, rel=1e-6)
    # α = β = ½ is keras's Dice
    p = np.array([0.9, 0.2, 0.4, 0.1])
    dice = 1 - 2 * np.sum(y_true * p) / (y_true.sum() + p.sum())
    assert D.keras_tversky(y_true, p) == pytest.approx(dice, rel=1e-6)


# ----------------------------------------------------------------------------- boxes and tables
def test_box_iou_by_hand():
    a = np.array([[0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 2, 2]], dtype=float)
    b = np.array([[1, 1, 3, 3], [2, 2, 3, 3], [0, 0, 2, 2]], dtype=float)
    np.testing.assert_allclose(D.box_iou(a, b), [1 / 7, 0.0, 1.0])


def test_sliding_boxes_slide_along_x():
    pred, target = D.sliding_boxes([-1.0, 2.0], width=1.0, height=4.0, dy=0.5)
    np.testing.assert_array_equal(pred, [[-1.5, -1.5, -0.5, 2.5], [1.5, -1.5, 2.5, 2.5]])
    np.testing.assert_array_equal(target, [[-1, -1, 1, 1]] * 2)


def test_markdown_table():
    table = D.markdown_table([("a", {"x": 1.0, "y": 0.123456}), ("b", {"x": 2.0, "y": -1.0})], ["x", "y"], digits=3)
    assert table.data.splitlines() == ["| | x | y |", "|---|---:|---:|", "| a | 1.000 | 0.123 |", "| b | 2.000 | -1.000 |"]
    assert D.markdown_table([("a", {"x": 0.000123})], ["x"], fmt=".2e").data.splitlines()[-1] == "| a | 1.23e-04 |"


# ----------------------------------------------------------------------------- figures and widgets
@needs_dense
def test_focal_figure_and_widget():
    assert isinstance(D.plot_focal(), Figure)
    fig, update = D.focal_widget(2.0, 0.25)
    loss_line = fig.axes[0].lines[1]  # after the dotted cross-entropy of target 1
    x = loss_line.get_xdata()
    start = time.perf_counter()
    update(gamma=0.0, alpha=-1.0)
    assert time.perf_counter() - start < 0.1
    np.testing.assert_allclose(loss_line.get_ydata(), np.logaddexp(0, -x), rtol=1e-9)  # γ = 0, α off: cross-entropy


@needs_dense
def test_dice_vs_size_widget():
    fig, update = D.dice_widget(3.0)
    macro = fig.axes[0].lines[0]
    update(true_radius=5.0)
    radii = macro.get_xdata()
    best = radii[np.argmin(macro.get_ydata())]
    assert abs(best - 5.0) <= 0.6  # the macro Dice is smallest near the true radius
    assert "radius 5" in fig.axes[0].get_title()


@needs_boxes
def test_box_losses_along_and_widget():
    offsets = np.array([-5.0, 0.0, 5.0])
    curves = D.box_losses_along(offsets)
    np.testing.assert_allclose(curves["1 − IoU"][0], [1.0, 0.0, 1.0])
    assert curves["1 − IoU"][1][0] == 0  # disjoint: plain IoU has no gradient
    assert curves["GIoU"][1][0] < 0 < curves["GIoU"][1][2]  # GIoU pulls the box back in from both sides
    fig, update = D.boxes_widget()
    start = time.perf_counter()
    update(width=1.0, height=1.0, dy=0.0, at=0.5)
    assert time.perf_counter() - start < 0.1
    assert fig.axes[0].patches[1].get_x() == 0.0


def test_segmentation_and_box_pictures():
    images, masks = D.disc_images(6)
    assert len(D.plot_segmentations(images, masks, {"model": masks}).axes) == 18
    pictures, boxes = D.rectangle_images(6)
    assert len(D.plot_box_predictions(pictures, boxes, {"L1": boxes}).axes) == 6
