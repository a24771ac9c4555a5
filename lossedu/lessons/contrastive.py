"""Contrastive and metric learning (notebook 11): a two-view batch, other libraries' conventions, figures.

The losses themselves live in `lossedu.functional.contrastive` (their homes: pytorch-metric-learning's
`NTXentLoss`, `SupConLoss`, `ContrastiveLoss`, `ArcFaceLoss`, `CosFaceLoss`, and the CLIP paper). This module
holds what the lecture needs around them:

* `two_view_batch`: a small seeded batch of "images" seen twice (two augmented views), with both the image
  ids (the labels self-supervised SimCLR uses) and the class labels (the labels a supervised loss uses);
* numpy transcriptions of the *other* conventions the lecture compares with the homes, written from each
  library's formula (no code copied): optax's `ntxent`, SimCLR's two-view NT-Xent, Hadsell et al.'s
  contrastive loss and insightface's ArcFace (margin in radians);
* `conventions_table` / `markdown_table`: those numbers side by side;
* the figures: InfoNCE as a cross-entropy over similarities at a temperature (`temperature_widget`) and
  the ArcFace/CosFace logit of the target class and the decision boundary they draw between two classes
  (`angular_margin_widget`), each `(fig, update)` for `lossedu.plot.interactive`'s fast path.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..i18n import tr

__all__ = [
    "two_view_batch",
    "infonce_logits",
    "optax_ntxent",
    "simclr_nt_xent",
    "hadsell_contrastive",
    "insightface_arcface",
    "insightface_cosface",
    "conventions_table",
    "markdown_table",
    "target_logit",
    "boundary_angle",
    "plot_temperature",
    "temperature_widget",
    "plot_angular_margins",
    "angular_margin_widget",
]


# ----------------------------------------------------------------------------- data
def two_view_batch(images=4, classes=2, dim=3, spread=1.0, view_noise=0.25, seed=0):
    """A batch of `images` points seen twice, the way SimCLR builds a batch.

    Each class k gets a centre drawn from N(0, spread²·I_dim); image i (of class i % classes) is its
    class centre plus N(0, (spread/2)²) noise; each of its two *views* is the image plus
    N(0, view_noise²) noise (the "augmentation"). The rows are laid out as SimCLR's code does: the
    first views of all images, then the second views, so row i and row i + images are one image.

    Returns (embeddings, image_ids, class_labels): float64 (2·images, dim), int64 (2·images,) twice.
    With labels = image_ids each row has exactly one positive (its other view); with labels =
    class_labels it also has the other images of its class as positives.
    """
    if int(images) != images or images < 2:
        raise ValueError(f"images must be an integer of at least 2, got {images!r}")
    if int(classes) != classes or not 1 <= classes <= images:
        raise ValueError(f"classes must be an integer between 1 and images, got {classes!r}")
    rng = np.random.default_rng(seed)
    centres = spread * rng.standard_normal((int(classes), int(dim)))
    class_of_image = np.arange(int(images)) % int(classes)
    points = centres[class_of_image] + 0.5 * spread * rng.standard_normal((int(images), int(dim)))
    views = [points + view_noise * rng.standard_normal(points.shape) for _ in range(2)]
    image_ids = np.tile(np.arange(int(images), dtype=np.int64), 2)
    return np.concatenate(views), image_ids, class_of_image[image_ids].astype(np.int64)


# ----------------------------------------------------------------------------- InfoNCE as a classifier
def infonce_logits(s_pos, s_neg, temperature):
    """The logits of InfoNCE's classification problem for one anchor: [s_pos, s_neg...] / τ.

    Class 0 is the positive. `LF.cross_entropy(infonce_logits(...), 0)` is the anchor's loss
    −log(e^{s_pos/τ} / (e^{s_pos/τ} + Σ_k e^{s_k/τ})). s_pos may be an array (one row per value).
    """
    s_pos = np.atleast_1d(np.asarray(s_pos, dtype=np.float64))
    s_neg = np.broadcast_to(np.asarray(s_neg, dtype=np.float64), (s_pos.size, np.size(s_neg)))
    return np.concatenate([s_pos[:, None], s_neg], axis=1) / temperature


# ----------------------------------------------------------------------------- other conventions
def _cosine_matrix(x, min_norm):
    """All cosine similarities of the rows of x, each norm clamped from below at `min_norm`."""
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), min_norm)
    return unit @ unit.T


def _logsumexp(a, axis, where):
    """log Σ exp(a) over `axis` counting only the `where` entries (−inf where there are none)."""
    a = np.where(where, a, -np.inf)
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - top), axis=axis)) + np.squeeze(top, axis=axis)


def optax_ntxent(embeddings, labels, temperature=0.07):
    """optax.losses.ntxent, transcribed: the mean over positive pairs (i, j) of

        −log( e^{s_ij/τ} / (e^{s_ij/τ} + Σ_{k: label_k ≠ label_i} e^{s_ik/τ}) ),

    the anchor's OTHER positives left out of the denominator, like pytorch-metric-learning. Its cosine
    clamps each squared norm at machine epsilon (√eps ≈ 1.5e-8 on the norm, pml: 1e-12) and its mean
    is Σ / (number of positive pairs): a batch without a positive pair gives 0/0 = nan (pml: 0).
    """
    x = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    s = _cosine_matrix(x, np.sqrt(np.finfo(x.dtype).eps)) / temperature
    same = labels[:, None] == labels[None, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    negatives = _logsumexp(s, axis=1, where=~same)  # log Σ over the anchor's negatives
    per_pair = np.logaddexp(s, negatives[:, None]) - s
    with np.errstate(invalid="ignore"):
        return per_pair[positive].sum() / positive.sum()


def simclr_nt_xent(view1, view2, temperature):
    """SimCLR's NT-Xent on two views (Chen et al. 2020): 2N rows, row i's positive is its other view,
    and EVERY other row (2N − 2 of them, same class or not) is a negative:

        ℓ_i = −log( e^{s_{i,p(i)}/τ} / Σ_{k ≠ i} e^{s_ik/τ} ),   loss = mean over the 2N rows.

    It has no labels: two images of one class push each other apart. (The norm clamp is 1e-12, as
    tf.math.l2_normalize's and torch's F.normalize.)
    """
    z = np.concatenate([np.asarray(view1, dtype=np.float64), np.asarray(view2, dtype=np.float64)])
    n = len(view1)
    s = _cosine_matrix(z, 1e-12) / temperature
    partner = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    others = ~np.eye(2 * n, dtype=bool)
    return np.mean(_logsumexp(s, axis=1, where=others) - s[np.arange(2 * n), partner])


def hadsell_contrastive(embeddings, labels, margin=1.0):
    """The contrastive loss of Hadsell, Chopra & LeCun (2006): over all pairs i ≠ j,

        ½·d² for a same-label pair,  ½·max(0, m − d)² for a different-label pair,  averaged over the pairs,

    with d the Euclidean distance. Here the rows are L2-normalised first, as pytorch-metric-learning's
    default distance does, so that the two conventions see the same distances.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    labels = np.asarray(labels)
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    same = labels[:, None] == labels[None, :]
    per_pair = np.where(same, 0.5 * d**2, 0.5 * np.maximum(0.0, margin - d) ** 2)
    return per_pair[~np.eye(len(labels), dtype=bool)].mean()


def _margin_softmax(embeddings, labels, weight, scale, target_fn):
    """Mean cross-entropy of scale·cos(θ_j), the target class's cosine replaced by target_fn(cos θ_y)."""
    x = np.asarray(embeddings, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    cos = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (w / np.linalg.norm(w, axis=0, keepdims=True))
    rows = np.arange(len(labels))
    logits = cos.copy()
    logits[rows, labels] = target_fn(cos[rows, labels])
    logits *= scale
    return np.mean(_logsumexp(logits, axis=1, where=True) - logits[rows, labels])


def insightface_arcface(embeddings, labels, weight, margin=0.5, scale=64.0):
    """insightface's ArcFace (arcface_torch), transcribed: margin in RADIANS (0.5 ≈ 28.65°).

    The target logit is cos(θ + m) while cos θ > cos(π − m), else cos θ − m·sin m (which keeps it
    decreasing in θ); weight is (embedding_size, num_classes) here, pml's layout, for comparison.
    """
    def target(c):
        theta = np.arccos(np.clip(c, -1.0, 1.0))
        return np.where(c > np.cos(np.pi - margin), np.cos(theta + margin), c - margin * np.sin(margin))

    return _margin_softmax(embeddings, labels, weight, scale, target)


def insightface_cosface(embeddings, labels, weight, margin=0.4, scale=64.0):
    """insightface's CosFace: target logit cos θ − m, default m = 0.40 (pml's default: 0.35)."""
    return _margin_softmax(embeddings, labels, weight, scale, lambda c: c - margin)


# ----------------------------------------------------------------------------- tables
def markdown_table(rows, columns, digits=6):
    """A Markdown table (IPython.display.Markdown) of `rows`, a list of dicts keyed by `columns`.

    Numbers are printed with `digits` significant digits; anything else as str().
    """
    from IPython.display import Markdown

    def cell(value):
        if isinstance(value, (float, np.floating, np.ndarray)) and np.ndim(value) == 0:
            return f"{float(value):.{digits}g}"  # a 0-d array too: the package's losses return those
        return tr(str(value))

    lines = ["| " + " | ".join(tr(c) if isinstance(c, str) else c for c in columns) + " |",  # headers: in the
             "|" + "---|" * len(columns)]  # course's language
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return Markdown("\n".join(lines))


def conventions_table(embeddings, image_ids, class_labels, temperature=0.1):
    """The same two-view batch through each NT-Xent convention, at one temperature.

    Returns a list of rows (dicts): `convention`, `negatives` (what enters the denominator), `default τ`,
    `image ids` (the loss with labels = image ids: one positive per row) and `classes` (labels = classes:
    several positives per row). The package's `nt_xent_loss` and `supcon_loss` are pml's conventions.
    """
    from .. import functional as LF

    n = len(embeddings) // 2
    simclr = simclr_nt_xent(embeddings[:n], embeddings[n:], temperature)
    return [
        dict(convention="pml NTXentLoss = LF.nt_xent_loss", negatives="other labels only (the anchor's other positives left out)",
             default="0.07", ids=LF.nt_xent_loss(embeddings, image_ids, temperature),
             classes=LF.nt_xent_loss(embeddings, class_labels, temperature)),
        dict(convention="optax ntxent (transcribed)", negatives="other labels only (the same rule)", default="0.07",
             ids=optax_ntxent(embeddings, image_ids, temperature), classes=optax_ntxent(embeddings, class_labels, temperature)),
        dict(convention="SimCLR, two views (transcribed)", negatives="every other row, same class or not", default="a tuned hyperparameter",
             ids=simclr, classes=f"{simclr:.6g} (no labels)"),
        dict(convention="pml SupConLoss = LF.supcon_loss", negatives="every other row; averaged over all positives", default="0.1",
             ids=LF.supcon_loss(embeddings, image_ids, temperature), classes=LF.supcon_loss(embeddings, class_labels, temperature)),
    ]


# ----------------------------------------------------------------------------- the temperature figure
#: One anchor's cosine similarities: its positive, then six negatives (one hard, at 0.7).
SIMILARITIES = (0.6, 0.7, 0.3, 0.1, -0.2, -0.5, -0.8)


def _softmax_and_gradient(similarities, temperature):
    """p = softmax(s/τ) over [positive, negatives] and ∂ℓ/∂s = (p − [k = positive]) / τ, by the package."""
    from .. import functional as LF

    logits = infonce_logits(similarities[0], similarities[1:], temperature)
    target = np.zeros(1, dtype=np.int64)
    loss = float(LF.cross_entropy(logits, target))
    # the chain rule through s/τ: ∂ℓ/∂s = ∂ℓ/∂logits / τ
    grad = LF.cross_entropy_backward(np.float64(1.0), logits, target)[0] / temperature
    probabilities = np.exp(logits[0] - logits[0].max())
    return probabilities / probabilities.sum(), grad, loss


def plot_temperature(temperature=0.1, similarities=SIMILARITIES, *, figsize=(11, 3.8)):
    """`temperature_widget`'s figure alone. Returns the Figure."""
    return temperature_widget(temperature, similarities, figsize=figsize)[0]


def temperature_widget(temperature=0.1, similarities=SIMILARITIES, *, figsize=(11, 3.8), temperatures=(0.02, 2.0)):
    """InfoNCE for one anchor at temperature τ, for `lossedu.plot.interactive`: (figure, update(temperature)).

    Left: the softmax p_k = e^{s_k/τ} / Σ_j e^{s_j/τ} over the positive (first bar) and the negatives.
    Middle: the gradient ∂ℓ/∂s_k = (p_k − [k = positive]) / τ (the pull on the positive, the push on
    each negative). Right: the loss −log p_positive against τ (log axis), the current τ marked.
    Both bar axes are sized once for the whole slider range `temperatures`, so a move never rescales them.
    """
    s = np.asarray(similarities, dtype=np.float64)
    names = ([f"{tr('pos')}\n{s[0]:+.1f}"]  # with their cosines
             + [f"{tr('neg {k}', k=k)}\n{v:+.1f}" for k, v in enumerate(s[1:], 1)])
    colours = ["C2"] + ["C3"] * (s.size - 1)
    fig = Figure(figsize=figsize, layout="constrained")
    prob_ax, grad_ax, loss_ax = fig.subplots(1, 3)
    p, g, loss = _softmax_and_gradient(s, temperature)
    prob_bars = prob_ax.bar(names, p, color=colours)
    grad_bars = grad_ax.bar(names, g, color=colours)
    prob_ax.set(ylim=(0, 1), ylabel=tr("softmax probability p_k"))
    grid = np.geomspace(*temperatures, 121)
    curve = [_softmax_and_gradient(s, t) for t in grid]
    low = min(c[1].min() for c in curve)
    high = max(c[1].max() for c in curve)
    grad_ax.set(ylim=(1.05 * low, 1.05 * high), ylabel="∂ℓ/∂s_k", title=tr("pull on the positive, push on negatives"))
    grad_ax.axhline(0, color="0.6", lw=0.8)
    loss_ax.plot(grid, [c[2] for c in curve], color="C0")
    (marker,) = loss_ax.plot([temperature], [loss], "o", color="C0")
    loss_ax.set(xscale="log", xlabel=tr("temperature τ"), ylabel=tr("loss −log p_pos"), title=tr("the anchor's loss"))
    for ax in (prob_ax, grad_ax):
        ax.tick_params(axis="x", labelsize="small")
    loss_ax.grid(alpha=0.3)

    def update(temperature):
        p, g, loss = _softmax_and_gradient(s, temperature)
        for bar, value in zip(prob_bars, p):
            bar.set_height(value)
        for bar, value in zip(grad_bars, g):
            bar.set_height(value)
        marker.set_data([temperature], [loss])
        prob_ax.set_title(f"τ = {temperature:.3g}: p_pos = {p[0]:.3f}")

    update(temperature)
    return fig, update


# ----------------------------------------------------------------------------- ArcFace / CosFace
def target_logit(theta, kind, margin):
    """The (unscaled) logit of the target class at angle θ (radians) to its class weight.

    kind "softmax": cos θ; "cosface": cos θ − m; "arcface": pml's rule, m in DEGREES as in pml —
    cos(θ + m) while θ ≤ π − m, beyond it cos θ − m·sin m (so that the logit keeps decreasing).
    """
    theta = np.asarray(theta, dtype=np.float64)
    if kind == "softmax":
        return np.cos(theta)
    if kind == "cosface":
        return np.cos(theta) - margin
    if kind == "arcface":
        m = np.radians(margin)
        return np.where(theta <= np.pi - m, np.cos(theta + m), np.cos(theta) - m * np.sin(m))
    raise ValueError(f"kind must be 'softmax', 'cosface' or 'arcface', got {kind!r}")


def boundary_angle(kind, margin, phi):
    """Where class 1 starts to win *with its margin*: the angle θ₁ from W₁, between two class weights
    W₁, W₂ that are φ radians apart (a point between them has θ₂ = φ − θ₁).

    softmax: cos θ₁ = cos θ₂ → θ₁ = φ/2 (the bisector);
    arcface: cos(θ₁ + m) = cos θ₂ → θ₁ = (φ − m)/2 (m converted from degrees);
    cosface: cos θ₁ − m = cos(φ − θ₁) → 2·sin(φ/2)·sin(φ/2 − θ₁) = m → θ₁ = φ/2 − arcsin(m / (2 sin(φ/2))).
    Class 2's boundary is the mirror image, φ − θ₁ from W₁; the wedge between them belongs to neither.
    """
    if kind == "softmax":
        return phi / 2
    if kind == "arcface":
        return (phi - np.radians(margin)) / 2
    if kind == "cosface":
        return phi / 2 - np.arcsin(margin / (2 * np.sin(phi / 2)))
    raise ValueError(f"kind must be 'softmax', 'cosface' or 'arcface', got {kind!r}")


def plot_angular_margins(arcface_margin=28.6, cosface_margin=0.35, *, phi=np.pi / 2, figsize=(11, 4.2)):
    """`angular_margin_widget`'s figure alone. Returns the Figure."""
    return angular_margin_widget(arcface_margin, cosface_margin, phi=phi, figsize=figsize)[0]


def angular_margin_widget(arcface_margin=28.6, cosface_margin=0.35, *, phi=np.pi / 2, figsize=(11, 4.2)):
    """ArcFace vs CosFace, for `lossedu.plot.interactive`: (figure, update(arcface_margin, cosface_margin)).

    Left: the target logit against θ (degrees) — softmax cos θ, CosFace cos θ − m, ArcFace cos(θ + m)
    with pml's linear continuation beyond θ = 180° − m. Right: two class weights φ apart on the unit
    circle and the boundaries where each class starts to win with its margin: one bisector for
    softmax, two rays per margin loss with a no-man's-land wedge between them.
    """
    theta = np.linspace(0, np.pi, 361)
    fig = Figure(figsize=figsize, layout="constrained")
    logit_ax, circle_ax = fig.subplots(1, 2)
    styles = {"softmax": dict(color="0.4", ls=":"), "arcface": dict(color="C0"), "cosface": dict(color="C1", ls="--")}
    margins = {"softmax": 0.0, "arcface": arcface_margin, "cosface": cosface_margin}
    curves = {kind: logit_ax.plot(np.degrees(theta), target_logit(theta, kind, m), label=kind, **styles[kind])[0]
              for kind, m in margins.items()}
    logit_ax.set(xlabel=tr("angle θ to the class weight (degrees)"), ylabel=tr("target logit (before the scale s)"),
                 ylim=(-2.2, 1.1), xlim=(0, 180))
    logit_ax.axhline(0, color="0.8", lw=0.8)
    logit_ax.grid(alpha=0.3)
    logit_ax.legend(loc="lower left", fontsize="small")

    ring = np.linspace(0, 2 * np.pi, 200)
    circle_ax.plot(np.cos(ring), np.sin(ring), color="0.85", lw=1)
    for k, angle in ((1, 0.0), (2, phi)):
        circle_ax.plot([0, np.cos(angle)], [0, np.sin(angle)], color="k", lw=1.5)  # a line: cheaper to redraw than an arrow
        circle_ax.text(1.08 * np.cos(angle), 1.08 * np.sin(angle), f"$W_{k}$", ha="center", va="center")

    def ray_xy(kind, margin):  # two rays from the origin, joined through it: x, y of 3 points
        a = boundary_angle(kind, margin, phi)
        return [np.cos(a), 0.0, np.cos(phi - a)], [np.sin(a), 0.0, np.sin(phi - a)]

    boundaries = {kind: circle_ax.plot(*ray_xy(kind, m), label=kind, **styles[kind])[0] for kind, m in margins.items()}
    circle_ax.set(xlim=(-0.3, 1.25), ylim=(-0.3, 1.25), aspect="equal", xticks=[], yticks=[],
                  title=tr("where each class wins with its margin"))
    circle_ax.legend(loc="lower left", fontsize="small")

    def update(arcface_margin, cosface_margin):
        for kind, m in (("arcface", arcface_margin), ("cosface", cosface_margin)):
            curves[kind].set_ydata(target_logit(theta, kind, m))
            boundaries[kind].set_data(*ray_xy(kind, m))
        logit_ax.set_title(tr("ArcFace m = {arcface:g}° ({radians:.3f} rad), CosFace m = {cosface:g}", arcface=arcface_margin,
                               radians=np.radians(arcface_margin), cosface=cosface_margin))

    update(arcface_margin, cosface_margin)
    return fig, update
