"""Notebook 10's lesson: dense prediction — focal, Dice, Tversky, Lovász and the box IoU losses.

What lives here is the notebook's plumbing, so that the cells a learner reads stay short:

* seeded synthetic data: `disc_images` (one small bright disc per noisy image: a segmentation task
  where the foreground is a few per cent of the pixels) and `rectangle_images` (one filled rectangle
  per image and its box: a box-regression task);
* **the conventions table**: small numpy transcriptions of how each library writes the same loss
  (torchvision, optax, keras and segmentation_models_pytorch focal α rules; kornia micro/macro,
  optax per-sample smooth = 1 and keras whole-tensor Dice; kornia's and keras's Tversky α), put
  side by side by `markdown_table`;
* the figures and widgets (`plot_focal`, `focal_widget`, `dice_vs_size`, `plot_boxes_sliding`,
  `boxes_widget`, `plot_segmentations`). The widgets return `(fig, update)` for
  `lossedu.plot.interactive`'s fast path: artists are updated in place.

The transcriptions are written from each library's documented formula (none of these libraries is
imported here). The notebook checks the ones that have an importable home (kornia) against it.
"""
from __future__ import annotations

import numpy as np
from IPython.display import Markdown
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import functional as LF
from ..i18n import tr

__all__ = [
    "disc_images", "rectangle_images", "disc_logits",
    "sigmoid_focal", "FOCAL_CONVENTIONS", "focal_conventions", "smp_multiclass_focal",
    "softmax", "one_hot", "kornia_dice", "optax_dice", "keras_dice", "DICE_CONVENTIONS", "dice_conventions",
    "kornia_tversky", "keras_tversky",
    "box_iou", "sliding_boxes", "markdown_table",
    "plot_focal", "focal_widget", "dice_vs_size", "plot_dice_vs_size", "dice_widget",
    "box_losses_along", "plot_boxes_sliding", "boxes_widget", "plot_segmentations", "plot_box_predictions",
]


# ----------------------------------------------------------------------------- data
def _check_n(n, least=1):
    if int(n) != n or n < least:
        raise ValueError(f"n must be an integer ≥ {least}, got {n!r}")


def disc_images(n=48, size=16, radius=(1.2, 2.6), noise=0.6, seed=0):
    """`n` noisy grey images (n, 1, size, size) float64, each with one bright disc, and its mask (n, size, size) int64.

    The disc's centre is uniform in the image (a margin of its radius kept), its radius uniform in
    `radius`; pixel = [inside] + N(0, noise²). With the default sizes the foreground (class 1) is
    about 2–8 % of the pixels: a class imbalance of the kind that segmentation losses are made for.
    """
    _check_n(n)
    lo, hi = radius
    if not 0 < lo <= hi < size / 2:
        raise ValueError(f"radius must satisfy 0 < low ≤ high < size / 2, got {radius!r} for size {size}")
    rng = np.random.default_rng(seed)
    r = rng.uniform(lo, hi, n)
    centre = rng.uniform(r[:, None], size - 1 - r[:, None], (n, 2))
    grid = np.arange(size)
    yy, xx = grid[None, :, None], grid[None, None, :]
    masks = ((yy - centre[:, 0, None, None]) ** 2 + (xx - centre[:, 1, None, None]) ** 2 <= r[:, None, None] ** 2)
    images = masks + noise * rng.standard_normal(masks.shape)
    return images[:, None].astype(np.float64), masks.astype(np.int64)


def rectangle_images(n=128, size=12, min_side=3, noise=0.2, seed=0):
    """`n` flattened images (n, size²) with one filled rectangle each, and its box (n, 4) float64.

    Boxes are (x1, y1, x2, y2) in units of the image side (0 to 1), torchvision's layout; the
    rectangle covers the pixels [x1·size, x2·size) × [y1·size, y2·size), sides from `min_side` pixels.
    """
    _check_n(n)
    if not 1 <= min_side < size:
        raise ValueError(f"min_side must be in [1, size), got {min_side!r}")
    rng = np.random.default_rng(seed)
    w, h = rng.integers(min_side, size + 1, (2, n))
    x1, y1 = rng.integers(0, size - w + 1), rng.integers(0, size - h + 1)
    grid = np.arange(size)
    inside = ((grid[None, :, None] >= y1[:, None, None]) & (grid[None, :, None] < (y1 + h)[:, None, None])
              & (grid[None, None, :] >= x1[:, None, None]) & (grid[None, None, :] < (x1 + w)[:, None, None]))
    images = inside + noise * rng.standard_normal(inside.shape)
    boxes = np.stack([x1, y1, x1 + w, y1 + h], axis=1) / size
    return images.reshape(n, -1).astype(np.float64), boxes.astype(np.float64)


def disc_logits(size, true_radius, predicted_radius, sharpness=4.0):
    """One image's (logits (1, 2, size, size), target (1, size, size)): a centred disc and a centred prediction.

    The target is the disc of `true_radius`; the prediction says ±`sharpness` for class 1 inside /
    outside the disc of `predicted_radius` (class 0's logit is 0), so softmax(logits)[1] ≈ 0.98 inside.
    """
    grid = np.arange(size) - (size - 1) / 2
    d2 = grid[:, None] ** 2 + grid[None, :] ** 2
    target = (d2 <= true_radius ** 2).astype(np.int64)[None]
    logits = np.zeros((1, 2, size, size))
    logits[0, 1] = np.where(d2 <= predicted_radius ** 2, sharpness, -sharpness)
    return logits, target


# ----------------------------------------------------------------------------- focal conventions
def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def sigmoid_focal(x, t, alpha=None, gamma=2.0):
    """Lin et al.'s focal term for logits `x` and targets `t` in [0, 1], elementwise:

        p = σ(x),  p_t = p·t + (1 − p)(1 − t),  CE = −t·log p − (1 − t)·log(1 − p),
        FL = α_t · (1 − p_t)^γ · CE,   α_t = α·t + (1 − α)(1 − t)  (α_t = 1 when α is None).

    Every library below computes this same term; they differ in α's default and in the reduction.
    """
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    p = np.exp(_log_sigmoid(x))
    ce = -(t * _log_sigmoid(x) + (1 - t) * _log_sigmoid(-x))
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return loss


def _torchvision_focal(x, t):  # torchvision.ops.sigmoid_focal_loss: α = 0.25, reduction 'none'
    return sigmoid_focal(x, t, alpha=0.25)


def _optax_focal(x, t):  # optax.losses.sigmoid_focal_loss: alpha=None (no weighting), elementwise
    return sigmoid_focal(x, t, alpha=None)


def _keras_focal(x, t):
    # keras BinaryFocalCrossentropy(from_logits=True): apply_class_balancing=False, so its alpha=0.25 is
    # ignored; the mean over the last axis, then 'sum_over_batch_size' averages what is left
    return np.mean(sigmoid_focal(x, t, alpha=None), axis=-1)


def _keras_focal_balanced(x, t):  # the same with apply_class_balancing=True: α = 0.25 applied
    return np.mean(sigmoid_focal(x, t, alpha=0.25), axis=-1)


FOCAL_CONVENTIONS = {
    "torchvision (α = 0.25)": _torchvision_focal,
    "optax (alpha=None)": _optax_focal,
    "keras (α ignored)": _keras_focal,
    "keras apply_class_balancing": _keras_focal_balanced,
}


def focal_conventions(x, t):
    """Each library's default sigmoid focal loss of logits `x` (n, k) and targets `t`: {name: mean value}.

    All are reduced to one number by a plain mean (what each library's 'mean' / keras's default gives),
    so the columns differ only by the α rule.
    """
    return {name: float(np.mean(fn(x, t))) for name, fn in FOCAL_CONVENTIONS.items()}


def smp_multiclass_focal(logits, target, alpha=None, gamma=2.0):
    """segmentation_models_pytorch FocalLoss(mode='multiclass'): one-vs-rest *sigmoid* focal terms.

    For each class c, the sigmoid focal loss of logits[:, c] against [target == c], averaged over the
    pixels; the classes' means are **summed**. No softmax: the classes do not compete.
    """
    logits = np.asarray(logits, dtype=float)
    return float(sum(np.mean(sigmoid_focal(logits[:, c], (target == c).astype(float), alpha, gamma))
                     for c in range(logits.shape[1])))


# ----------------------------------------------------------------------------- Dice conventions
def softmax(z, axis=1):
    """Softmax along `axis` (the class axis of (B, C, H, W) logits by default)."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def one_hot(target, classes):
    """(B, H, W) class indices → (B, C, H, W) float one-hot, the class axis second as in kornia."""
    return np.moveaxis(np.eye(classes)[target], -1, 1)


def kornia_dice(logits, target, average="micro", eps=1e-8):
    """kornia.losses.dice_loss without weights or ignored pixels, from its documented formula.

    X = softmax(logits) over classes, Y = one-hot target, sums over the pixels of each sample:
    'micro' — one Dice per sample over all classes, 1 − 2Σ_c|X_c∩Y_c| / (Σ_c(|X_c| + |Y_c|) + ε);
    'macro' — one Dice per sample and class, 1 − 2|X_c∩Y_c| / (|X_c| + |Y_c| + ε), averaged over the
    classes *present in the sample's target*. Then the mean over the batch.
    """
    x, y = softmax(logits), one_hot(target, logits.shape[1])
    inter, total = np.sum(x * y, axis=(2, 3)), np.sum(x + y, axis=(2, 3))  # (B, C)
    if average == "micro":
        per_sample = 1 - 2 * inter.sum(1) / (total.sum(1) + eps)
    else:
        present = y.sum(axis=(2, 3)) > 0
        per_class = 1 - 2 * inter / (total + eps)
        per_sample = np.sum(per_class * present, 1) / np.maximum(present.sum(1), 1)
    return float(np.mean(per_sample))


def optax_dice(logits, target, smooth=1.0):
    """optax.losses.dice_loss (apply_softmax=True, reduction='mean'), then the mean over the batch.

    Per sample and class: 1 − (2|X_c∩Y_c| + smooth) / (|X_c| + |Y_c| + smooth), the mean over **all**
    classes (present or not: an absent class scores (smooth) / (|X_c| + smooth)). optax returns one
    value per sample (its class axis is last; the layout does not change the number).
    """
    x, y = softmax(logits), one_hot(target, logits.shape[1])
    inter, total = np.sum(x * y, axis=(2, 3)), np.sum(x + y, axis=(2, 3))
    return float(np.mean(np.mean(1 - (2 * inter + smooth) / (total + smooth), axis=1)))


def keras_dice(logits, target, epsilon=1e-7, foreground_only=False):
    """keras.losses.Dice() (axis=None) on softmax probabilities and one-hot targets: ONE Dice over the
    whole tensor — every sample and every class pooled — 1 − 2Σ y·p / (Σ y + Σ p + 1e-7).

    `foreground_only=True` passes keras the channels of classes 1, 2, … only (the usual binary use:
    a sigmoid foreground map against a 0/1 mask), still pooled over the whole batch.
    """
    x, y = softmax(logits), one_hot(target, logits.shape[1])
    if foreground_only:
        x, y = x[:, 1:], y[:, 1:]
    return float(1 - 2 * np.sum(x * y) / (np.sum(y) + np.sum(x) + epsilon))


DICE_CONVENTIONS = {
    "kornia micro (default)": lambda z, t: kornia_dice(z, t, "micro"),
    "kornia macro": lambda z, t: kornia_dice(z, t, "macro"),
    "optax (per sample, smooth = 1)": optax_dice,
    "keras Dice (whole tensor)": keras_dice,
    "keras Dice (foreground channel)": lambda z, t: keras_dice(z, t, foreground_only=True),
}


def dice_conventions(logits, target):
    """{name: loss} for each Dice convention on the same (B, C, H, W) logits and (B, H, W) target."""
    return {name: fn(logits, target) for name, fn in DICE_CONVENTIONS.items()}


# ----------------------------------------------------------------------------- Tversky conventions
def kornia_tversky(logits, target, alpha, beta, eps=1e-8):
    """kornia.losses.tversky_loss without ignored pixels: per sample and class
    S_c = TP / (TP + α·FP + β·FN + ε) with FP = Σ p(1 − y), FN = Σ (1 − p)y, averaged over the classes
    present in the sample, 1 − the batch mean. **α weights the false positives.**"""
    x, y = softmax(logits), one_hot(target, logits.shape[1])
    tp, fp, fn = (np.sum(a, axis=(2, 3)) for a in (x * y, x * (1 - y), (1 - x) * y))
    present = y.sum(axis=(2, 3)) > 0
    score = np.where(present, tp / (tp + alpha * fp + beta * fn + eps), 0.0)
    return float(1 - np.mean(score.sum(1) / np.maximum(present.sum(1), 1)))


def keras_tversky(y_true, y_pred, alpha=0.5, beta=0.5, epsilon=1e-7):
    """keras.losses.Tversky on probabilities, one score over the whole tensor, as keras writes it:

        fp = Σ (1 − y_pred)·y_true,   fn = Σ y_pred·(1 − y_true),   1 − TP / (TP + α·fp + β·fn + 1e-7).

    keras names the sum of (1 − y_pred)·y_true "fp", but that is the mass of **missed** foreground:
    its α weights the false negatives — the opposite of kornia's (and the Tversky paper's) α.
    """
    y_true, y_pred = np.ravel(y_true).astype(float), np.ravel(y_pred).astype(float)
    tp = np.sum(y_true * y_pred)
    fp, fn = np.sum((1 - y_pred) * y_true), np.sum(y_pred * (1 - y_true))
    return float(1 - tp / (tp + fp * alpha + fn * beta + epsilon))


# ----------------------------------------------------------------------------- boxes
def box_iou(boxes1, boxes2):
    """Plain IoU of matching rows of two (n, 4) arrays of (x1, y1, x2, y2) boxes (0 where they do not overlap)."""
    b1, b2 = np.asarray(boxes1, dtype=float), np.asarray(boxes2, dtype=float)
    w = np.clip(np.minimum(b1[:, 2], b2[:, 2]) - np.maximum(b1[:, 0], b2[:, 0]), 0, None)
    h = np.clip(np.minimum(b1[:, 3], b2[:, 3]) - np.maximum(b1[:, 1], b2[:, 1]), 0, None)
    inter = w * h
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    return inter / (area(b1) + area(b2) - inter)


def sliding_boxes(offsets, width=2.0, height=2.0, dy=0.0):
    """A `width` × `height` box whose centre slides along x by each offset (and `dy` in y), and the fixed
    2 × 2 target box centred at the origin: (predicted (m, 4), target (m, 4))."""
    offsets = np.asarray(offsets, dtype=float)
    predicted = np.stack([offsets - width / 2, np.full_like(offsets, dy - height / 2),
                          offsets + width / 2, np.full_like(offsets, dy + height / 2)], axis=1)
    return predicted, np.tile([-1.0, -1.0, 1.0, 1.0], (len(offsets), 1))


BOX_LOSSES = ("1 − IoU", "GIoU", "DIoU", "CIoU")


def box_losses_along(offsets, width=2.0, height=2.0, dy=0.0):
    """{name: (loss (m,), ∂loss/∂offset (m,))} for the box sliding along x (see `sliding_boxes`).

    The derivative with respect to the offset is the sum of ∂loss/∂x1 and ∂loss/∂x2 of the predicted
    box (moving it moves both edges), from lossedu's backward passes. 1 − IoU's comes from the same
    formula, the GIoU loss minus its enclosing-box term, (|C| − |U|)/|C|, differentiated by finite
    differences (it is only drawn, for comparison).
    """
    pred, target = sliding_boxes(offsets, width, height, dy)
    ones = np.ones(len(pred))
    out = {}
    for name, fn, backward in (
            ("GIoU", LF.generalized_box_iou_loss, LF.generalized_box_iou_loss_backward),
            ("DIoU", LF.distance_box_iou_loss, LF.distance_box_iou_loss_backward),
            ("CIoU", LF.complete_box_iou_loss, LF.complete_box_iou_loss_backward)):
        grad = backward(ones, pred, target)[0]
        out[name] = (fn(pred, target), grad[:, 0] + grad[:, 2])
    iou_loss = 1 - box_iou(pred, target)
    h = 1e-6
    slope = ((1 - box_iou(*sliding_boxes(offsets + h, width, height, dy)))
             - (1 - box_iou(*sliding_boxes(offsets - h, width, height, dy)))) / (2 * h)
    return {"1 − IoU": (iou_loss, slope), **out}


def markdown_table(rows, columns, *, digits=4, fmt=None):
    """A Markdown table: one row per (label, {column: number}), numbers rounded to `digits` decimals
    (or formatted by the format spec `fmt`, e.g. ".2e" for numbers of very different sizes)."""
    spec = fmt or f".{digits}f"

    def shown(text):  # headers and row labels in the course's language
        return tr(text) if isinstance(text, str) else text

    head = "| | " + " | ".join(str(shown(c)) for c in columns) + " |\n|---|" + "---:|" * len(columns) + "\n"
    body = "".join(f"| {shown(label)} | " + " | ".join(f"{values[c]:{spec}}" for c in columns) + " |\n"
                   for label, values in rows)
    return Markdown(head + body)


# ----------------------------------------------------------------------------- figures and widgets
_GAMMAS = (0.0, 0.5, 1.0, 2.0, 5.0)


def _focal_curves(x, gamma, alpha):
    """(loss, ∂loss/∂x) for targets 1 and 0 along the logits `x`, from lossedu's sigmoid focal loss."""
    out = {}
    for t in (1.0, 0.0):
        target = np.full_like(x, t)
        loss = LF.sigmoid_focal_loss(x, target, alpha=alpha, gamma=gamma)
        grad = LF.sigmoid_focal_loss_backward(np.ones_like(x), x, target, alpha=alpha, gamma=gamma)
        out[t] = (loss, grad)
    return out


def plot_focal(gammas=_GAMMAS, *, figsize=(11, 3.8)):
    """Lin et al.'s figure: the focal loss against p_t = σ(x) for a positive, one curve per γ (α off), and
    its gradient with respect to the logit."""
    x = np.linspace(-5, 5, 401)
    p = 1 / (1 + np.exp(-x))
    fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_grad = fig.subplots(1, 2)
    for i, gamma in enumerate(gammas):
        loss, grad = _focal_curves(x, gamma, -1.0)[1.0]
        label = f"γ = {gamma:g}" + (tr(" (cross-entropy)") if gamma == 0 else "")
        ax_loss.plot(p, loss, color=f"C{i}", lw=2, label=label)
        ax_grad.plot(p, grad, color=f"C{i}", lw=2)
    ax_loss.set(xlabel=tr("probability of the true class $p_t$"), ylabel=tr("loss"), ylim=(0, 5),
                title=tr("focal loss, target 1"))
    ax_grad.set(xlabel=tr("probability of the true class $p_t$"), ylabel=tr("∂loss/∂logit"), ylim=(-1.05, 0.05),
                title=tr("its gradient"))
    ax_loss.axvspan(0.6, 1.0, color="0.9", zorder=0)
    ax_loss.text(0.8, 4.5, tr("well-classified"), ha="center", color="0.4")
    for ax in (ax_loss, ax_grad):
        ax.grid(alpha=0.3)
    ax_loss.legend(frameon=False)
    return fig


def focal_widget(gamma=2.0, alpha=0.25, *, figsize=(11, 3.8)):
    """(fig, update): the focal loss and its gradient against the logit for a positive and a negative,
    at `gamma` and `alpha` (α < 0 turns the weighting off, as in torchvision); cross-entropy dotted."""
    x = np.linspace(-6, 6, 241)
    fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_grad = fig.subplots(1, 2)
    ce = _focal_curves(x, 0.0, -1.0)
    lines = {}
    for t, color in ((1.0, "C0"), (0.0, "C3")):
        ax_loss.plot(x, ce[t][0], color=color, ls=":", lw=1.2, label=tr("cross-entropy, target {t:g}", t=t))
        ax_grad.plot(x, ce[t][1], color=color, ls=":", lw=1.2)
        lines[t] = (ax_loss.plot(x, x, color=color, lw=2, label=tr("focal, target {t:g}", t=t))[0],
                    ax_grad.plot(x, x, color=color, lw=2)[0])
    ax_loss.set(xlabel=tr("logit x"), ylabel=tr("loss"), ylim=(0, 6.5))
    ax_grad.set(xlabel=tr("logit x"), ylabel=tr("∂loss/∂x"), ylim=(-1.05, 1.05))
    for ax in (ax_loss, ax_grad):
        ax.grid(alpha=0.3)
    ax_loss.legend(frameon=False, loc="upper center", fontsize=8)

    def update(gamma, alpha):
        curves = _focal_curves(x, gamma, alpha)
        for t, (loss_line, grad_line) in lines.items():
            loss_line.set_ydata(curves[t][0])
            grad_line.set_ydata(curves[t][1])
        ax_loss.set_title(tr("focal loss, γ = {gamma:g}, α = {alpha:g}", gamma=gamma, alpha=alpha)
                          + (tr(" (off)") if alpha < 0 else ""))

    update(gamma, alpha)
    return fig, update


def dice_vs_size(true_radius, radii, size=32):
    """{name: losses along `radii`}: the Dice losses (kornia micro and macro, through lossedu) and the mean
    cross-entropy of a centred predicted disc of each radius against a true disc of `true_radius`."""
    out = {"Dice, macro": [], "Dice, micro (kornia's default)": [], "cross-entropy (mean)": []}
    for r in radii:
        logits, target = disc_logits(size, true_radius, r)
        out["Dice, macro"].append(float(LF.dice_loss(logits, target, average="macro")))
        out["Dice, micro (kornia's default)"].append(float(LF.dice_loss(logits, target)))
        out["cross-entropy (mean)"].append(float(LF.cross_entropy(logits, target)))
    return {k: np.asarray(v) for k, v in out.items()}


_RADII = np.linspace(0, 12, 121)


def plot_dice_vs_size(true_radius=3.0, *, radii=_RADII, size=32, figsize=(7.5, 3.8)):
    """The static figure: each loss against the predicted disc's radius, the true radius marked."""
    return dice_widget(true_radius, radii=radii, size=size, figsize=figsize)[0]


def dice_widget(true_radius=3.0, *, radii=_RADII, size=32, figsize=(7.5, 3.8)):
    """(fig, update): Dice (macro, micro) and cross-entropy against the predicted radius, for a true disc
    of `true_radius` pixels in a `size` × `size` image."""
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    curves = dice_vs_size(true_radius, radii, size)
    lines = {name: ax.plot(radii, values, lw=2, label=tr(name))[0] for name, values in curves.items()}
    marker = ax.axvline(true_radius, color="0.5", ls="--", lw=1)
    ax.set(xlabel=tr("radius of the predicted disc (pixels)"), ylabel=tr("loss"), ylim=(0, 1.05))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper right")

    def update(true_radius):
        for name, values in dice_vs_size(true_radius, radii, size).items():
            lines[name].set_ydata(values)
        marker.set_xdata([true_radius, true_radius])
        share = np.mean(disc_logits(size, true_radius, 0)[1])
        ax.set_title(tr("true disc: radius {radius:g}, {percent:.1f} % of the pixels", radius=true_radius, percent=100 * share))

    update(true_radius)
    return fig, update


_OFFSETS = np.linspace(-6, 6, 241)


def plot_boxes_sliding(width=2.0, height=2.0, dy=0.0, *, offsets=_OFFSETS, figsize=(12, 3.8)):
    """The static figure of `boxes_widget`."""
    return boxes_widget(width, height, dy, offsets=offsets, figsize=figsize)[0]


def boxes_widget(width=2.0, height=2.0, dy=0.0, at=3.0, *, offsets=_OFFSETS, figsize=(12, 3.8)):
    """(fig, update): a box of `width` × `height` slides along x past the 2 × 2 target box (its centre
    `dy` above the target's); left: the boxes at offset `at`; middle and right: each loss and its
    derivative with respect to the offset."""
    fig = Figure(figsize=figsize, layout="constrained")
    ax_box, ax_loss, ax_grad = fig.subplots(1, 3, width_ratios=(1, 1.4, 1.4))
    ax_box.add_patch(Rectangle((-1, -1), 2, 2, fill=False, lw=2, color="k", label=tr("target")))
    moving = Rectangle((0, 0), 1, 1, alpha=0.35, color="0.45", label=tr("prediction"))
    ax_box.add_patch(moving)
    ax_box.set(xlim=(-7, 7), ylim=(-4, 4), aspect="equal", title=tr("the two boxes"))
    ax_box.legend(frameon=False, loc="lower center", fontsize=8, ncol=2)
    lines, dots = {}, {}
    for i, name in enumerate(BOX_LOSSES):
        # DIoU and CIoU coincide for boxes of one aspect ratio: CIoU dashed on top keeps both visible
        style = dict(color=f"C{i}", lw=2, ls={"1 − IoU": ":", "CIoU": "--"}.get(name, "-"))
        lines[name] = (ax_loss.plot(offsets, offsets, label=name, **style)[0], ax_grad.plot(offsets, offsets, **style)[0])
        dots[name] = ax_loss.plot([at], [0.0], "o", color=f"C{i}", ms=5)[0]
    ax_loss.set(xlabel=tr("offset of the predicted box along x"), ylabel=tr("loss"), ylim=(0, 2.05))
    ax_grad.set(xlabel=tr("offset of the predicted box along x"), ylabel=tr("∂loss/∂offset"), ylim=(-1.0, 1.0))
    for ax in (ax_loss, ax_grad):
        ax.grid(alpha=0.3)
    ax_loss.legend(frameon=False, loc="upper center", fontsize=8, ncol=2)

    def update(width, height, dy, at=at):
        curves = box_losses_along(offsets, width, height, dy)
        here = box_losses_along(np.array([at]), width, height, dy)
        for name, (loss_line, grad_line) in lines.items():
            loss_line.set_ydata(curves[name][0])
            grad_line.set_ydata(curves[name][1])
            dots[name].set_data([at], here[name][0])
        moving.set_bounds(at - width / 2, dy - height / 2, width, height)
        ax_grad.set_title(tr("prediction {width:g} × {height:g}, {dy:+g} in y", width=width, height=height, dy=dy))

    update(width, height, dy, at)
    return fig, update


def plot_segmentations(images, masks, predictions, *, titles=None, columns=6, size=1.6):
    """Rows: the images, the true masks, then each model's predicted mask ({name: (n, H, W) 0/1})."""
    rows = [("image", images[:, 0], "gray"), ("truth", masks, "Greens")]
    rows += [(name, pred, "Blues") for name, pred in predictions.items()]
    fig = Figure(figsize=(size * columns, size * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), columns, squeeze=False)
    for r, (label, data, cmap) in enumerate(rows):
        for c in range(columns):
            ax = axes[r, c]
            ax.imshow(data[c], cmap=cmap, vmin=0 if cmap != "gray" else None, vmax=1 if cmap != "gray" else None)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=8)
    return fig


def plot_box_predictions(images, boxes, predictions, *, size=12, columns=6, scale=1.8):
    """One panel per image: the image, its true box (black) and each model's predicted box ({name: (n, 4)})."""
    fig = Figure(figsize=(scale * columns, scale + 0.4), layout="constrained")
    axes = fig.subplots(1, columns)
    for c, ax in enumerate(axes):
        ax.imshow(images[c].reshape(size, size), cmap="gray", extent=(0, 1, 1, 0))
        for (name, pred), color in zip([("truth", boxes), *predictions.items()], ("k", "C0", "C1", "C2")):
            x1, y1, x2, y2 = pred[c]
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=2, color=color,
                                   label=name if c == 0 else None))
        ax.set(xlim=(0, 1), ylim=(1, 0), xticks=[], yticks=[])
    fig.legend(loc="outside lower center", ncol=1 + len(predictions), frameon=False, fontsize=8)
    return fig
