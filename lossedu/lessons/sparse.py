"""Sparse and structured outputs (notebook 14): the Fenchel–Young view, other conventions, data, figures.

The losses themselves live in `lossedu.functional.sparse` (homes: entmax's `sparsemax` and `SparsemaxLoss`,
optax's `ranking_softmax_loss` and `poly_loss_cross_entropy`). This module holds what the lecture needs
around them:

* `softmax`, `sparsemax_threshold`, `sparsemax_jacobian`, `softmax_jacobian`: the pieces the lecture
  derives, written the way the derivation reads (the package's `sparsemax` is the one that is checked
  against entmax; these are checked against it);
* `fenchel_young_loss`: L_Ω(z; y) = Ω*(z) + Ω(y) − ⟨z, y⟩ for the two regularisers Ω of the lecture
  (Shannon's negative entropy → softmax cross-entropy, Gini's ½‖p‖² → the sparsemax loss), each piece
  written out;
* numpy transcriptions of the *other* conventions the lecture compares with the homes, written from each
  library's formula (no code copied): optax's `multiclass_sparsemax_loss` (one value per sample),
  entmax's `SparsemaxLoss` reductions and `ignore_index`, rax's `softmax_loss` (labels normalised to sum
  to 1) and the ListNet paper's top-one target softmax(relevance) (Cao et al. 2007);
* data for the tiny models (`attention_sets`, `ranking_lists`), `ndcg` and `plot_attention`;
* the figures: softmax against sparsemax for three scores, on bars and on the simplex
  (`simplex_widget`), and the threshold τ over sorted scores (`threshold_widget`), each `(fig, update)`
  for `lossedu.plot.interactive`'s fast path.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .contrastive import markdown_table
from ..i18n import tr

__all__ = [
    "softmax",
    "sparsemax_threshold",
    "sparsemax_jacobian",
    "softmax_jacobian",
    "REGULARISERS",
    "fenchel_young_loss",
    "margin_losses",
    "plot_margin_losses",
    "optax_multiclass_sparsemax_loss",
    "entmax_sparsemax_loss",
    "rax_softmax_loss",
    "listnet_paper_loss",
    "OPTAX_POLY_EPSILON",
    "attention_sets",
    "plot_attention",
    "ranking_lists",
    "ndcg",
    "markdown_table",
    "simplex_xy",
    "plot_simplex",
    "simplex_widget",
    "plot_threshold",
    "threshold_widget",
]


# ----------------------------------------------------------------------------- the pieces of the derivation
def softmax(z, axis=-1):
    """e^{z_i} / Σ_j e^{z_j} along `axis` (the maximum subtracted first: the same number, no overflow)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def sparsemax_threshold(z):
    """(τ, support) of sparsemax for one score vector z, by sorting:

        z_(1) ≥ z_(2) ≥ …;   k = max{ρ : 1 + ρ·z_(ρ) > Σ_{j≤ρ} z_(j)};   τ = (Σ_{j≤k} z_(j) − 1) / k,

    and the support is {i : z_i > τ}. Then sparsemax(z) = max(z − τ, 0).
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1 or z.size == 0 or not np.all(np.isfinite(z)):
        raise ValueError(f"z must be a non-empty 1-D array of finite scores, got shape {z.shape}")
    srt = np.sort(z)[::-1]
    rho = np.arange(1, z.size + 1)
    k = np.max(rho[1 + rho * srt > np.cumsum(srt)])
    tau = (np.sum(srt[:k]) - 1) / k
    return tau, z > tau


def sparsemax_jacobian(z):
    """∂sparsemax(z)/∂z = diag(s) − s sᵀ/|S|, s the 0/1 indicator of the support S."""
    _, s = sparsemax_threshold(z)
    s = s.astype(np.float64)
    return np.diag(s) - np.outer(s, s) / s.sum()


def softmax_jacobian(z):
    """∂softmax(z)/∂z = diag(p) − p pᵀ, p = softmax(z): never a zero row, since p > 0."""
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


# ----------------------------------------------------------------------------- Fenchel–Young losses
def _shannon(p):
    """Ω(p) = Σ p_i log p_i (the negative entropy; 0 log 0 = 0)."""
    p = np.asarray(p, dtype=np.float64)
    return np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def _shannon_conjugate(z):
    """Ω*(z) = max_{p ∈ Δ} ⟨p, z⟩ − Ω(p) = log Σ e^{z_i}, reached at p = softmax(z)."""
    z = np.asarray(z, dtype=np.float64)
    top = np.max(z, axis=-1)
    return top + np.log(np.sum(np.exp(z - top[..., None]), axis=-1))


def _gini(p):
    """Ω(p) = ½‖p‖²."""
    return 0.5 * np.sum(np.square(p), axis=-1)


def _gini_conjugate(z):
    """Ω*(z) = max_{p ∈ Δ} ⟨p, z⟩ − ½‖p‖² = ⟨p̂, z⟩ − ½‖p̂‖², reached at p̂ = sparsemax(z)."""
    from .. import functional as LF

    p = LF.sparsemax(np.asarray(z, dtype=np.float64))
    return np.sum(p * z, axis=-1) - _gini(p)


def _sparsemax(z):
    from .. import functional as LF

    return LF.sparsemax(np.asarray(z, dtype=np.float64))


#: name → (Ω, Ω*, the prediction ŷ_Ω = ∇Ω* = argmax_{p∈Δ} ⟨p, z⟩ − Ω(p)).
REGULARISERS = {
    "shannon": (_shannon, _shannon_conjugate, softmax),
    "gini": (_gini, _gini_conjugate, _sparsemax),
}


def fenchel_young_loss(z, y, regulariser):
    """The Fenchel–Young loss of scores z (…, C) and a target distribution y (…, C), one value per row:

        L_Ω(z; y) = Ω*(z) + Ω(y) − ⟨z, y⟩ ≥ 0,   its gradient ∇_z L_Ω = ŷ_Ω(z) − y.

    regulariser "shannon" gives softmax cross-entropy, "gini" the sparsemax loss.
    Returns (loss, gradient).
    """
    if regulariser not in REGULARISERS:
        raise ValueError(f"regulariser must be one of {sorted(REGULARISERS)}, got {regulariser!r}")
    omega, conjugate, predict = REGULARISERS[regulariser]
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y, dtype=np.float64)
    loss = conjugate(z) + omega(y) - np.sum(z * y, axis=-1)
    return loss, predict(z) - y


def margin_losses(margins, classes=3):
    """Three losses of one sample whose right class leads every other class by `margin` (z = (m, 0, …, 0),
    class 0), and their gradients with respect to z_0: name → (loss, ∂loss/∂z_0), arrays like `margins`.

    cross-entropy and the sparsemax loss come from `fenchel_young_loss` (gradient ŷ_0 − 1), the
    multi-class hinge from the package's `multi_margin_loss` (notebook 06) and its backward.
    """
    from .. import functional as LF

    m = np.atleast_1d(np.asarray(margins, dtype=np.float64))
    z = np.zeros((m.size, int(classes)))
    z[:, 0] = m
    target = np.zeros(m.size, dtype=np.int64)
    onehot = np.eye(int(classes))[target]
    out = {}
    for name, regulariser in (("cross-entropy", "shannon"), ("sparsemax loss", "gini")):
        loss, grad = fenchel_young_loss(z, onehot, regulariser)
        out[name] = (loss, grad[:, 0])
    hinge = LF.multi_margin_loss(z, target, reduction="none")
    hinge_grad = LF.multi_margin_loss_backward(np.ones(m.size), z, target, reduction="none")[:, 0]
    out["multi-class hinge"] = (hinge, hinge_grad)
    return out


def plot_margin_losses(margins=None, *, figsize=(10, 3.8)):
    """The loss (left) and its gradient on the right class's score (right) against the margin m, for
    `margin_losses`. The sparsemax loss and the hinge reach exactly 0 at m = 1; cross-entropy never does.
    Returns the Figure."""
    m = np.linspace(-2.0, 3.0, 501) if margins is None else np.asarray(margins, dtype=np.float64)
    fig = Figure(figsize=figsize, layout="constrained")
    loss_ax, grad_ax = fig.subplots(1, 2)
    styles = {"cross-entropy": dict(color="C0"), "sparsemax loss": dict(color="C1", lw=2.5),
              "multi-class hinge": dict(color="0.4", ls="--")}
    for name, (loss, grad) in margin_losses(m).items():
        loss_ax.plot(m, loss, label=tr(name), **styles[name])
        grad_ax.plot(m, grad, label=tr(name), **styles[name])
    for ax in (loss_ax, grad_ax):
        ax.axvline(1.0, color="0.8", lw=0.8, zorder=0)
        ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
        ax.grid(alpha=0.3)
        ax.set_xlabel(tr("margin m = z_y − max_{j≠y} z_j"))
    loss_ax.set(ylabel=tr("loss"), title=tr("loss of z = (m, 0, 0), class 1"))
    grad_ax.set(ylabel=tr("∂loss/∂z_y"), title=tr("the pull on the right class"))
    loss_ax.legend()
    return fig


# ----------------------------------------------------------------------------- other conventions
def optax_multiclass_sparsemax_loss(scores, labels):
    """optax.losses.multiclass_sparsemax_loss, transcribed: ONE VALUE PER SAMPLE (no reduction),

        ℓ_i = Σ_j p_j (z_j − z_y) + ½(1 − ‖p‖²),   p = sparsemax(z_i),

    which is the same per-sample loss as entmax's (⟨p, z⟩ − z_y + ½(1 − ‖p‖²)), written relative to z_y.
    """
    z = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    p = _sparsemax(z)
    relative = z - z[np.arange(len(y)), y][:, None]
    return np.sum(p * relative, axis=1) + 0.5 * (1 - np.sum(p * p, axis=1))


def entmax_sparsemax_loss(scores, labels, reduction="elementwise_mean", ignore_index=-100):
    """entmax.SparsemaxLoss(ignore_index, reduction), transcribed from entmax 1.3's `_GenericLoss`:

    per-sample losses as above; an `ignore_index` ≥ 0 zeroes the samples whose label equals it and
    'elementwise_mean' divides by the number of the others; a negative `ignore_index` (the default −100)
    masks nothing and divides by n. 'sum' adds, 'none' returns the vector (ignored samples as 0).
    """
    if reduction not in ("elementwise_mean", "sum", "none"):
        raise ValueError(f"reduction must be 'elementwise_mean', 'sum' or 'none', got {reduction!r}")
    labels = np.asarray(labels)
    loss = optax_multiclass_sparsemax_loss(scores, labels)
    size = len(labels)
    if ignore_index >= 0:
        ignored = labels == ignore_index
        loss = np.where(ignored, 0.0, loss)
        size = len(labels) - ignored.sum()
    if reduction == "sum":
        return loss.sum()
    if reduction == "elementwise_mean":
        return loss.sum() / size
    return loss


def rax_softmax_loss(scores, relevance):
    """rax's softmax_loss, transcribed (rax/_src/losses.py), its mean over lists:

        ℓ(s, y) = −Σ_i (y_i / Σ_j y_j) · log softmax(s)_i,

    the labels NORMALISED to sum to 1 first (optax's ranking_softmax_loss does not).
    Lists whose labels sum to 0 are refused here (rax's rule for them is not reproduced).
    """
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(relevance, dtype=np.float64)
    total = np.sum(y, axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("relevance must have a positive sum in every list")
    log_p = s - _shannon_conjugate(s)[..., None]
    return np.mean(-np.sum(y / total * log_p, axis=-1))


def listnet_paper_loss(scores, relevance):
    """ListNet as Cao et al. (2007) wrote it, with φ = exp: the cross-entropy between the top-one
    distributions of the relevance and of the scores, mean over lists:

        ℓ(s, y) = −Σ_i softmax(y)_i · log softmax(s)_i.
    """
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(relevance, dtype=np.float64)
    log_p = s - _shannon_conjugate(s)[..., None]
    return np.mean(-np.sum(softmax(y) * log_p, axis=-1))


#: optax's `poly_loss_cross_entropy(logits, labels, *, epsilon=2.0)` (optax/losses/_classification.py):
#: its docstring recommends 2.0 for ImageNet and −1.0 for detection. lossedu's default is 1.0 (COURSE.md).
OPTAX_POLY_EPSILON = 2.0


# ----------------------------------------------------------------------------- attention data
def attention_sets(sets=64, items=6, relevant=2, features=3, noise=0.5, seed=0):
    """Sets of items for a tiny attention model: in each set `relevant` items (chosen at random) carry a
    marker m (a fixed vector of norm 2, plus N(0, 0.05²) noise), the others N(0, noise²) features; every
    item has a value v ~ N(0, 1). The target is the mean value of the relevant items, so the ideal
    attention puts 1/relevant on each of them and exactly 0 elsewhere.

    Returns (inputs, target, is_relevant): inputs float64 (sets, items, features + 1), the features then
    the value in the last column; target float64 (sets,); is_relevant bool (sets, items).
    """
    if int(items) != items or int(relevant) != relevant or not 1 <= relevant < items:
        raise ValueError(f"relevant must be an integer in [1, items), got {relevant!r} of {items!r}")
    sets, items, relevant, features = int(sets), int(items), int(relevant), int(features)
    rng = np.random.default_rng(seed)
    marker = rng.standard_normal(features)
    marker *= 2 / np.linalg.norm(marker)
    is_relevant = np.zeros((sets, items), dtype=bool)
    for i in range(sets):
        is_relevant[i, rng.choice(items, relevant, replace=False)] = True
    f = np.where(is_relevant[..., None], marker + 0.05 * rng.standard_normal((sets, items, features)),
                 noise * rng.standard_normal((sets, items, features)))
    values = rng.standard_normal((sets, items))
    target = np.sum(values * is_relevant, axis=1) / relevant
    return np.concatenate([f, values[..., None]], axis=-1), target, is_relevant


def plot_attention(weights, is_relevant, *, sets=4, figsize=(11, 3)):
    """The attention weights of the first `sets` sets, one panel per set: for each item a bar per run
    (`weights`: mapping label → (sets, items) array), the relevant items marked by a grey band.
    Returns the Figure."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, sets, sharey=True)
    width = 0.8 / len(weights)
    for s, ax in enumerate(axes):
        items = np.arange(is_relevant.shape[1])
        for i in items[is_relevant[s]]:
            ax.axvspan(i - 0.45, i + 0.45, color="0.9", zorder=0)
        for k, (label, w) in enumerate(weights.items()):
            ax.bar(items - 0.4 + width * (k + 0.5), w[s], width=width, color=f"C{k}", label=label)
        ax.set(title=tr("set {s}", s=s + 1), xticks=items, xticklabels=[str(i + 1) for i in items], xlabel=tr("item"))
    axes[0].set_ylabel(tr("attention weight"))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize="small")
    return fig


# ----------------------------------------------------------------------------- ranking data
def ranking_lists(lists=48, items=8, features=4, noise=0.5, seed=0):
    """Lists of items to rank: features x (lists, items, features) ~ N(0, 1), and graded relevance
    0–3 made from a hidden linear utility u = x·w* + N(0, noise²): within each list the items are
    graded by the quartile of u over all items (3 = the top quarter).

    Returns (x float64, relevance float64 (lists, items), w*). A linear scorer can learn w*'s
    direction; its NDCG then approaches the noise's limit.
    """
    if int(lists) != lists or lists < 1 or int(items) != items or items < 2:
        raise ValueError(f"lists must be ≥ 1 and items ≥ 2 (integers), got {lists!r} and {items!r}")
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(int(features))
    x = rng.standard_normal((int(lists), int(items), int(features)))
    u = x @ w + noise * rng.standard_normal((int(lists), int(items)))
    relevance = np.searchsorted(np.quantile(u, [0.25, 0.5, 0.75]), u).astype(np.float64)
    return x, relevance, w


def ndcg(scores, relevance, k=None):
    """Mean NDCG@k over lists: DCG = Σ_{r ≤ k} (2^{y_(r)} − 1) / log2(r + 1) with the items ranked by
    score (ties by position), divided by the DCG of the ideal order. A list without a relevant item
    counts 1 (nothing to get wrong)."""
    s, y = np.atleast_2d(np.asarray(scores, dtype=np.float64)), np.atleast_2d(np.asarray(relevance, dtype=np.float64))
    k = s.shape[-1] if k is None else int(k)
    discount = 1 / np.log2(np.arange(2, s.shape[-1] + 2))[:k]
    gain = 2**y - 1
    ranked = np.take_along_axis(gain, np.argsort(-s, axis=-1, kind="stable"), axis=-1)[..., :k]
    ideal = -np.sort(-gain, axis=-1)[..., :k]
    best = ideal @ discount
    return float(np.mean(np.where(best > 0, ranked @ discount / np.where(best > 0, best, 1), 1.0)))


# ----------------------------------------------------------------------------- the simplex figure
def simplex_xy(p):
    """The points of the 2-simplex (rows p of 3 probabilities) in the plane: corner i at CORNERS[i]."""
    return np.asarray(p, dtype=np.float64) @ _CORNERS


_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
#: the two fixed scores of the simplex figure; the third (z₃) and the temperature are the sliders.
SIMPLEX_SCORES = (1.0, 0.4)


def _three(z3, temperature, fixed):
    z = np.empty(np.shape(z3) + (3,))
    z[..., :2] = fixed
    z[..., 2] = z3
    return z / temperature


def plot_simplex(z3=0.0, temperature=1.0, *, fixed=SIMPLEX_SCORES, figsize=(11, 4)):
    """`simplex_widget`'s figure alone. Returns the Figure."""
    return simplex_widget(z3, temperature, fixed=fixed, figsize=figsize)[0]


def simplex_widget(z3=0.0, temperature=1.0, *, fixed=SIMPLEX_SCORES, figsize=(11, 4), sweep=(-3.0, 3.0)):
    """Softmax against sparsemax of three scores z = (z₁, z₂, z₃)/T, for `lossedu.plot.interactive`:
    (figure, update(z3, temperature)).

    Left: the two distributions as bars. Right: the probability simplex (a triangle, one corner per
    class); the path each mapping traces as z₃ sweeps over `sweep` at this temperature, and the current
    point. Softmax stays strictly inside; sparsemax runs along the edges and sits in a corner.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    bar_ax, tri_ax = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[1, 1.1]))
    x = np.arange(3)
    z = _three(z3, temperature, fixed)
    soft_bars = bar_ax.bar(x - 0.2, softmax(z), width=0.4, color="C0", label="softmax")
    sparse_bars = bar_ax.bar(x + 0.2, _sparsemax(z), width=0.4, color="C1", label="sparsemax")
    labels = [bar_ax.text(i + 0.2, 0, "", ha="center", va="bottom", fontsize="small", color="C1") for i in x]
    bar_ax.set(ylim=(0, 1.08), xticks=x, xticklabels=[tr("class {k}", k=k) for k in (1, 2, 3)], ylabel=tr("probability"))
    bar_ax.legend(loc="upper right")

    outline = np.vstack([_CORNERS, _CORNERS[:1]])
    tri_ax.plot(outline[:, 0], outline[:, 1], color="0.5", lw=1)
    for i, (cx, cy) in enumerate(_CORNERS):
        tri_ax.text(cx + (-0.06 if i == 0 else 0.06 if i == 1 else 0), cy + (0.05 if i == 2 else -0.05),
                    tr("class {k}", k=i + 1), ha="center", va="center", fontsize="small")
    grid = np.linspace(*sweep, 241)
    (soft_path,) = tri_ax.plot([], [], color="C0", lw=1.5, label=tr("softmax, z₃ swept"))
    (sparse_path,) = tri_ax.plot([], [], color="C1", lw=3, alpha=0.6, label=tr("sparsemax, z₃ swept"))
    (soft_dot,) = tri_ax.plot([], [], "o", color="C0", ms=8)
    (sparse_dot,) = tri_ax.plot([], [], "s", color="C1", ms=8)
    tri_ax.set(xlim=(-0.15, 1.15), ylim=(-0.12, 0.95), aspect="equal", xticks=[], yticks=[])
    tri_ax.legend(loc="upper left", fontsize="small")

    def update(z3, temperature):
        z = _three(z3, temperature, fixed)
        p, q = softmax(z), _sparsemax(z)
        for bar, v in zip(soft_bars, p):
            bar.set_height(v)
        for bar, text, v in zip(sparse_bars, labels, q):
            bar.set_height(v)
            text.set_position((text.get_position()[0], v + 0.01))
            text.set_text("0" if v == 0 else "")
        paths = _three(grid, temperature, fixed)
        soft_path.set_data(*simplex_xy(softmax(paths)).T)
        sparse_path.set_data(*simplex_xy(_sparsemax(paths)).T)
        soft_dot.set_data(*simplex_xy(p[None]).T)
        sparse_dot.set_data(*simplex_xy(q[None]).T)
        zeros = int(np.sum(q == 0))
        bar_ax.set_title(tr("z = ({z1:g}, {z2:g}, {z3:.2f}) / {t:.2f}: sparsemax has {zeros} zero(s)", z1=fixed[0], z2=fixed[1],
                             z3=z3, t=temperature, zeros=zeros))

    update(z3, temperature)
    return fig, update


# ----------------------------------------------------------------------------- the threshold figure
#: the scores of the threshold figure (8 items); the slider moves the first, the temperature all.
THRESHOLD_SCORES = (0.9, 1.6, 0.3, -0.4, 1.1, -1.0, 0.6, 0.0)


def plot_threshold(first=0.9, temperature=1.0, *, scores=THRESHOLD_SCORES, figsize=(7, 4)):
    """`threshold_widget`'s figure alone. Returns the Figure."""
    return threshold_widget(first, temperature, scores=scores, figsize=figsize)[0]


def threshold_widget(first=0.9, temperature=1.0, *, scores=THRESHOLD_SCORES, figsize=(7, 4), limits=(-6.2, 6.2)):
    """The sparsemax threshold, for `lossedu.plot.interactive`: (figure, update(first, temperature)).

    The scores z/T as grey bars (item 1's score is the `first` slider), the threshold τ as a line,
    and each probability p_i = max(z_i/T − τ, 0) as the orange part of its bar above τ: the orange
    lengths add up to 1, and every bar below the line gets exactly 0. The y axis is sized once for
    `limits`, which hold every z/T for `first` in [−3, 3] and T in [0.5, 3] (the notebook's sliders),
    so a move never rescales it.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    x = np.arange(1, len(scores) + 1)
    base = np.asarray(scores, dtype=np.float64)
    score_bars = ax.bar(x, base, width=0.6, color="0.75", label=tr("score z_i / T"))
    prob_bars = ax.bar(x, np.zeros_like(base), width=0.6, color="C1", label="p_i = [z_i/T − τ]₊")
    tau_line = ax.axhline(0, color="C3", lw=1.5, ls="--", label="τ")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set(xticks=x, xlabel=tr("item"), ylabel=tr("score"), ylim=limits)
    ax.legend(loc="lower left", fontsize="small")

    def update(first, temperature):
        z = base.copy()
        z[0] = first
        z = z / temperature
        tau, _ = sparsemax_threshold(z)
        p = np.maximum(z - tau, 0)
        for bar, v in zip(score_bars, z):
            bar.set_height(v)
        for bar, v in zip(prob_bars, p):
            bar.set_y(tau)
            bar.set_height(v)
        tau_line.set_ydata([tau, tau])
        ax.set_title(tr("τ = {tau:.3f}: {k} of {n} items in the support, Σ p = {total:.3f}",
                        tau=tau, k=int(np.sum(p > 0)), n=len(z), total=p.sum()))

    update(first, temperature)
    return fig, update
