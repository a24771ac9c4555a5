"""Learning from preferences (notebook 13): the aligned policy, preference data, a table policy, figures.

The losses themselves live in `lossedu.functional.preference` (their homes: TRL 0.28's reward, DPO,
CPO/SimPO, ORPO and KTO losses). This module holds what the lecture needs around them:

* the closed form of RLHF's KL-regularised objective on a small discrete set of answers:
  `rlhf_objective`, `aligned_policy` (π* = π_ref·e^{r/β}/Z) and `implicit_reward` (its inverse);
* `preference_data`: seeded prompts with a handful of answers each, a hidden reward, a reference
  policy and pairwise preferences sampled from the Bradley-Terry model of that reward;
* `ScoreTable`: the tiny "model" — one learnable score per (prompt, answer), read either as a
  reward model (raw scores) or as a softmax policy (log-probabilities);
* numpy transcriptions of the DPO conventions the lecture compares with TRL 0.28's `dpo_loss`,
  written from their formulas: the DPO paper (no label smoothing), TRL's 'robust' loss;
* the figures: the aligned policy as β moves (`aligned_policy_widget`) and the DPO loss and its
  gradient against the implicit reward margin (`dpo_widget`), each `(fig, update)` for
  `lossedu.plot.interactive`'s fast path, and `plot_dpo_variants`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure

from .. import functional as LF
from .dense import markdown_table  # one table helper for the Part II lessons
from .sparse import softmax  # one softmax for the lessons of notebooks 13 and 14 (along the last axis)
from ..i18n import tr

__all__ = [
    "softmax",
    "log_softmax",
    "kl_divergence",
    "rlhf_objective",
    "aligned_policy",
    "implicit_reward",
    "PreferenceData",
    "preference_data",
    "bradley_terry_mle",
    "ScoreTable",
    "dpo_paper_loss",
    "robust_dpo_loss",
    "stationary_margin",
    "plot_aligned_policy",
    "aligned_policy_widget",
    "plot_dpo_variants",
    "plot_dpo",
    "dpo_widget",
    "plot_policies",
    "markdown_table",
]


# ----------------------------------------------------------------------------- the closed form
def log_softmax(logits, axis=-1):
    """z_k − log Σ_j e^{z_j} along `axis`."""
    z = np.asarray(logits, dtype=np.float64)
    top = z.max(axis=axis, keepdims=True)
    return z - top - np.log(np.exp(z - top).sum(axis=axis, keepdims=True))


def kl_divergence(p, q, axis=-1):
    """KL(p‖q) = Σ_y p(y)·log(p(y)/q(y)) along `axis` (0·log 0 = 0)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=axis)


def rlhf_objective(policy, reference, rewards, beta):
    """RLHF's objective for one prompt: E_{y~π}[r(y)] − β·KL(π‖π_ref), along the last axis."""
    policy = np.asarray(policy, dtype=np.float64)
    return np.sum(policy * rewards, axis=-1) - beta * kl_divergence(policy, reference)


def aligned_policy(reference, rewards, beta):
    """The maximiser of `rlhf_objective`: π*(y) = π_ref(y)·e^{r(y)/β} / Z, Z = Σ_y π_ref(y)·e^{r(y)/β}.

    Computed as a softmax of log π_ref + r/β (so a large r/β does not overflow).
    """
    return softmax(np.log(np.asarray(reference, dtype=np.float64)) + np.asarray(rewards) / beta)


def implicit_reward(policy, reference, beta):
    """β·log(π/π_ref): the reward `policy` is optimal for, up to a constant per prompt (β·log Z)."""
    return beta * (np.log(np.asarray(policy, dtype=np.float64)) - np.log(np.asarray(reference, dtype=np.float64)))


# ----------------------------------------------------------------------------- preference data
@dataclass
class PreferenceData:
    """What `preference_data` draws.

    rewards:          (prompts, answers) the hidden reward r(x, y) the "labellers" judge by;
    reference_logits: (prompts, answers) the reference policy's logits (π_ref = their softmax);
    pairs:            (n, 3) int64 rows [prompt, chosen answer, rejected answer];
    """

    rewards: np.ndarray
    reference_logits: np.ndarray
    pairs: np.ndarray

    @property
    def reference(self):
        """π_ref(y | x), (prompts, answers)."""
        return softmax(self.reference_logits)

    def reference_logps(self):
        """(n, 2) float64: log π_ref of each pair's chosen and rejected answer."""
        logp = log_softmax(self.reference_logits)
        p, c, r = self.pairs.T
        return np.stack([logp[p, c], logp[p, r]], axis=1)

    def win_rates(self):
        """(prompts, answers, answers): the share of the comparisons of (a, b) that a won (nan if never met)."""
        n_prompts, n_answers = self.rewards.shape
        wins = np.zeros((n_prompts, n_answers, n_answers))
        np.add.at(wins, tuple(self.pairs.T), 1.0)
        met = wins + wins.transpose(0, 2, 1)
        with np.errstate(invalid="ignore"):
            return wins / met


def preference_data(prompts=4, answers=6, comparisons=40, reward_scale=1.0, reference_scale=0.5, seed=0):
    """Seeded synthetic preferences, the way a preference data set is collected.

    Each prompt x has `answers` candidate answers with a hidden reward r(x, y) ~ N(0, reward_scale²)
    and a reference policy π_ref = softmax(N(0, reference_scale²) logits). Every unordered pair
    {a, b} of answers to a prompt is shown `comparisons` times to a labeller who prefers a with the
    Bradley-Terry probability σ(r(x, a) − r(x, b)). Each comparison is one row [x, chosen, rejected].
    """
    for name, value, least in (("prompts", prompts, 1), ("answers", answers, 2), ("comparisons", comparisons, 1)):
        if int(value) != value or value < least:
            raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
    rng = np.random.default_rng(seed)
    rewards = reward_scale * rng.standard_normal((int(prompts), int(answers)))
    reference_logits = reference_scale * rng.standard_normal((int(prompts), int(answers)))
    a, b = np.triu_indices(int(answers), k=1)
    x = np.repeat(np.arange(int(prompts)), a.size * int(comparisons))
    a = np.tile(np.repeat(a, int(comparisons)), int(prompts))
    b = np.tile(np.repeat(b, int(comparisons)), int(prompts))
    p_a_wins = 1 / (1 + np.exp(-(rewards[x, a] - rewards[x, b])))
    a_wins = rng.random(x.size) < p_a_wins
    pairs = np.stack([x, np.where(a_wins, a, b), np.where(a_wins, b, a)], axis=1).astype(np.int64)
    return PreferenceData(rewards=rewards, reference_logits=reference_logits, pairs=pairs)


def bradley_terry_mle(pairs, shape, steps=300, lr=2.0):
    """The maximum-likelihood Bradley-Terry rewards of `pairs`, (prompts, answers), each prompt's centred.

    Rewards are identified up to a constant per prompt (only differences enter σ(r_c − r_r)), so each
    row is returned with mean 0. Full-batch gradient descent on the package's `bradley_terry_loss`
    and its hand-derived gradient (the log-likelihood is concave: gradient descent from 0 converges, as
    long as every answer both wins and loses somewhere; otherwise its reward runs off to ±∞).
    """
    pairs = np.asarray(pairs)
    size = int(np.prod(shape))
    chosen, rejected = np.ravel_multi_index((pairs[:, 0], pairs[:, 1]), shape), np.ravel_multi_index((pairs[:, 0], pairs[:, 2]), shape)
    # each entry's step is its gradient per comparison it appears in (a diagonal preconditioner): the
    # curvature per comparison is σ'(·) ≤ 1/4 whatever the data's size, so one learning rate fits all
    count = np.bincount(chosen, minlength=size) + np.bincount(rejected, minlength=size)
    scale = np.where(count > 0, len(pairs) / np.maximum(count, 1), 0.0)
    r = np.zeros(size)
    for _ in range(int(steps)):
        g_c, g_r = LF.bradley_terry_loss_backward(1.0, r[chosen], r[rejected])
        r -= lr * scale * (np.bincount(chosen, g_c, size) + np.bincount(rejected, g_r, size))
    r = r.reshape(shape)
    return r - r.mean(axis=1, keepdims=True)


class ScoreTable(torch.nn.Module):
    """The tiny model: one learnable score s(x, y) per prompt and answer, started at `init`.

    forward(pairs) takes (n, 3) int64 rows [prompt, chosen, rejected] and returns (n, 2): the scores
    of the chosen and the rejected answer. With `policy=True` the scores are log-probabilities,
    log π(y | x) = log_softmax_y s(x, y), so the table is a softmax policy; with `policy=False` they
    are raw rewards, and the table is a Bradley-Terry reward model.
    """

    def __init__(self, init, policy=True):
        super().__init__()
        self.scores = torch.nn.Parameter(torch.as_tensor(np.asarray(init, dtype=np.float64)).clone())
        self.policy = policy

    def table(self):
        """(prompts, answers): log π(y | x) for a policy, r(x, y) for a reward model."""
        return torch.log_softmax(self.scores, dim=-1) if self.policy else self.scores

    def forward(self, pairs):
        t = self.table()
        return torch.stack([t[pairs[:, 0], pairs[:, 1]], t[pairs[:, 0], pairs[:, 2]]], dim=1)

    def probabilities(self):
        """softmax of the scores, as numpy (prompts, answers)."""
        with torch.no_grad():
            return torch.softmax(self.scores, dim=-1).numpy()


# ----------------------------------------------------------------------------- other conventions
def _log_sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def dpo_paper_loss(h, beta):
    """The DPO paper's loss (Rafailov et al. 2023, eq. 7), per pair: −log σ(β·h). No label smoothing."""
    return -_log_sigmoid(beta * np.asarray(h, dtype=np.float64))


def robust_dpo_loss(h, beta, label_smoothing):
    """TRL's loss_type 'robust' (Chowdhury et al. 2024, provably robust DPO), per pair:

        ( −(1 − ε)·log σ(βh) + ε·log σ(−βh) ) / (1 − 2ε),

    an unbiased estimate of the clean loss when each label is flipped with probability ε < ½.
    """
    eps = float(label_smoothing)
    if not 0 <= eps < 0.5:
        raise ValueError(f"label_smoothing must be in [0, 0.5) for the robust loss, got {label_smoothing!r}")
    bh = beta * np.asarray(h, dtype=np.float64)
    return (-(1 - eps) * _log_sigmoid(bh) + eps * _log_sigmoid(-bh)) / (1 - 2 * eps)


def stationary_margin(beta, label_smoothing=0.0, loss_type="sigmoid"):
    """The implicit reward margin h where the DPO variant stops pushing (dℓ/dh = 0 from there on):

    * 'sigmoid', ε = 0: never (inf): −β·σ(−βh) < 0 for every h;
    * 'sigmoid', ε > 0 (conservative DPO): σ(βh) = 1 − ε, h = log((1 − ε)/ε) / β;
    * 'hinge': 1/β (the gradient is 0 once βh ≥ 1);
    * 'ipo': 1/(2β), the target of its square.
    """
    if loss_type == "sigmoid":
        return np.inf if label_smoothing == 0 else np.log((1 - label_smoothing) / label_smoothing) / beta
    if loss_type == "hinge":
        return 1 / beta
    if loss_type == "ipo":
        return 1 / (2 * beta)
    raise ValueError(f"loss_type must be 'sigmoid', 'hinge' or 'ipo', got {loss_type!r}")


# ----------------------------------------------------------------------------- the aligned policy figure
#: One prompt's six answers: the reference policy and the hidden reward of each.
REFERENCE = (0.30, 0.25, 0.20, 0.12, 0.08, 0.05)
REWARDS = (-0.5, 0.2, -1.0, 1.0, 0.4, 1.5)


def _beta_curves(reference, rewards, betas):
    """E_π*[r] and KL(π*‖π_ref) of the aligned policy at each β."""
    policies = np.array([aligned_policy(reference, rewards, b) for b in betas])
    return policies @ np.asarray(rewards), kl_divergence(policies, np.asarray(reference))


def plot_aligned_policy(beta=0.5, reference=REFERENCE, rewards=REWARDS, *, figsize=(11, 3.8)):
    """`aligned_policy_widget`'s figure alone. Returns the Figure."""
    return aligned_policy_widget(beta, reference, rewards, figsize=figsize)[0]


def aligned_policy_widget(beta=0.5, reference=REFERENCE, rewards=REWARDS, *, figsize=(11, 3.8), betas=(0.05, 20.0)):
    """The aligned policy π* = π_ref·e^{r/β}/Z as β moves, for `lossedu.plot.interactive`: (figure, update(beta)).

    Left: the reward of each answer. Middle: π_ref (grey) and π* (blue) over the answers. Right: the
    expected reward E_π*[r] and KL(π*‖π_ref) against β (log axis), the current β marked: small β
    buys reward with KL (π* → the best answer), large β stays at π_ref.
    """
    reference, rewards = np.asarray(reference, dtype=np.float64), np.asarray(rewards, dtype=np.float64)
    names = [f"y{k + 1}" for k in range(reference.size)]
    fig = Figure(figsize=figsize, layout="constrained")
    reward_ax, policy_ax, curve_ax = fig.subplots(1, 3)
    reward_ax.bar(names, rewards, color=np.where(rewards >= 0, "C2", "C3"))
    reward_ax.axhline(0, color="0.6", lw=0.8)
    reward_ax.set(title=tr("hidden reward r(y)"), ylabel=tr("reward"))
    width = 0.4
    k = np.arange(reference.size)
    policy_ax.bar(k - width / 2, reference, width, color="0.7", label="π_ref")
    aligned_bars = policy_ax.bar(k + width / 2, aligned_policy(reference, rewards, beta), width, color="C0",
                                 label="π* = π_ref·exp(r/β)/Z")
    policy_ax.set(xticks=k, xticklabels=names, ylim=(0, 1), ylabel=tr("probability"))
    policy_ax.legend(loc="upper left", fontsize="small")
    grid = np.geomspace(*betas, 161)
    expected, kl = _beta_curves(reference, rewards, grid)
    curve_ax.plot(grid, expected, color="C2", label="E_π*[r]")
    curve_ax.plot(grid, kl, color="C1", label="KL(π*‖π_ref)")
    (reward_marker,) = curve_ax.plot([beta], [0.0], "o", color="C2")
    (kl_marker,) = curve_ax.plot([beta], [0.0], "o", color="C1")
    curve_ax.set(xscale="log", xlabel="β", title=tr("what β trades"))
    curve_ax.grid(alpha=0.3)
    curve_ax.legend(loc="upper right", fontsize="small")

    def update(beta):
        policy = aligned_policy(reference, rewards, beta)
        for bar, value in zip(aligned_bars, policy):
            bar.set_height(value)
        reward_marker.set_data([beta], [policy @ rewards])
        kl_marker.set_data([beta], [kl_divergence(policy, reference)])
        policy_ax.set_title(f"β = {beta:.3g}: E[r] = {policy @ rewards:.3f}, KL = {kl_divergence(policy, reference):.3f}")

    update(beta)
    return fig, update


# ----------------------------------------------------------------------------- the DPO figures
H = np.linspace(-10.0, 40.0, 501)  # the implicit reward margin h = log-ratio(chosen) − log-ratio(rejected)


def _dpo_curve(h, beta, label_smoothing, loss_type):
    """(ℓ(h), dℓ/dh) of one pair, from the package: h enters as the chosen log-prob, the rest 0."""
    zero = np.zeros_like(h)
    options = dict(beta=beta, label_smoothing=label_smoothing, loss_type=loss_type, reduction="none")
    loss = LF.dpo_loss(h, zero, zero, zero, **options)
    grad = LF.dpo_loss_backward(np.ones_like(h), h, zero, zero, zero, **options)[0]
    return loss, grad


def plot_dpo_variants(beta=0.1, label_smoothing=0.1, *, h=H, figsize=(11, 4)):
    """DPO's loss types at one β: the loss and dℓ/dh (= ∂ℓ/∂log π(y_c)) against the margin h.

    Curves: 'sigmoid' (the paper's), 'sigmoid' with label smoothing ε (conservative DPO), 'hinge',
    'ipo'; a dotted line marks where each stops pushing (`stationary_margin`). Returns the Figure.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    loss_ax, grad_ax = fig.subplots(1, 2)
    variants = {"sigmoid (DPO)": (0.0, "sigmoid"), f"sigmoid, ε = {label_smoothing:g} (cDPO)": (label_smoothing, "sigmoid"),
                "hinge (SLiC)": (0.0, "hinge"), "ipo": (0.0, "ipo")}
    for k, (label, (eps, loss_type)) in enumerate(variants.items()):
        loss, grad = _dpo_curve(h, beta, eps, loss_type)
        loss_ax.plot(h, loss, color=f"C{k}", label=label)
        grad_ax.plot(h, grad, color=f"C{k}", label=label)
        stop = stationary_margin(beta, eps, loss_type)
        if np.isfinite(stop):
            grad_ax.axvline(stop, color=f"C{k}", ls=":", lw=1)
    loss_ax.set(xlabel=tr("implicit reward margin h"), ylabel=tr("loss ℓ"), ylim=(-0.1, 3.0), title=f"β = {beta:g}")
    grad_ax.set(xlabel=tr("implicit reward margin h"), ylabel="dℓ/dh = ∂ℓ/∂log π(y_c)", ylim=(-1.5 * beta, 1.5 * beta),
                title=tr("the push on the chosen answer (negative: up)"))
    for ax in (loss_ax, grad_ax):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.grid(alpha=0.3)
    loss_ax.legend(fontsize="small")
    return fig


def _power_of_two_above(x):
    """The smallest power of 2 that is at least 1.05·x: an axis limit that moves only in octaves."""
    return float(2.0 ** np.ceil(np.log2(1.05 * x)))


def plot_dpo(beta=0.1, label_smoothing=0.0, loss_type="sigmoid", *, figsize=(11, 3.8)):
    """`dpo_widget`'s figure alone. Returns the Figure."""
    return dpo_widget(beta, label_smoothing, loss_type, figsize=figsize)[0]


def dpo_widget(beta=0.1, label_smoothing=0.0, loss_type="sigmoid", *, h=H, figsize=(11, 3.8)):
    """One pair's DPO loss against the implicit reward margin h, for `lossedu.plot.interactive`:
    (figure, update(beta, label_smoothing, loss_type)).

    Left: the loss ℓ(h). Right: dℓ/dh, the push on log π(y_c) (and the opposite one on log π(y_r)),
    from `dpo_loss_backward`; the dotted line marks where it stops (`stationary_margin`), the dot the
    first step, h = 0 (policy = reference). The axes' limits move in powers of 2 (IPO's parabola
    grows like 1/β²), so most moves keep them and only the curves are redrawn.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    loss_ax, grad_ax = fig.subplots(1, 2)
    loss, grad = _dpo_curve(h, beta, label_smoothing, loss_type)
    (loss_line,) = loss_ax.plot(h, loss, color="C0")
    (grad_line,) = grad_ax.plot(h, grad, color="C0")
    (start_loss,) = loss_ax.plot([0.0], [loss[0]], "o", color="k", label=tr("first step"))
    (start_grad,) = grad_ax.plot([0.0], [grad[0]], "o", color="k", label=tr("first step"))
    stop_line = grad_ax.axvline(0.0, color="C1", ls=":", lw=1.5, label=tr("the push stops"))
    for ax in (loss_ax, grad_ax):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.grid(alpha=0.3)
    loss_ax.set(xlabel=tr("implicit reward margin h"), ylabel=tr("loss ℓ"))
    grad_ax.set(xlabel=tr("implicit reward margin h"), ylabel="dℓ/dh = ∂ℓ/∂log π(y_c)", xlim=(h[0], h[-1]))

    def update(beta, label_smoothing, loss_type):
        loss, grad = _dpo_curve(h, beta, label_smoothing, loss_type)
        at_zero = _dpo_curve(np.zeros(1), beta, label_smoothing, loss_type)
        loss_line.set_ydata(loss)
        grad_line.set_ydata(grad)
        start_loss.set_data([0.0], at_zero[0])
        start_grad.set_data([0.0], at_zero[1])
        stop = stationary_margin(beta, label_smoothing, loss_type)
        stop_line.set_xdata([stop, stop] if np.isfinite(stop) else [np.nan, np.nan])
        # limits snap to powers of 2: a small move keeps them (and the saved background), a large one rescales
        top = _power_of_two_above(max(float(loss.max()), 1.0))
        if loss_ax.get_ylim()[1] != top:
            loss_ax.set_ylim(-0.05 * top, top)
        span = _power_of_two_above(max(float(np.abs(grad).max()), 1e-3))
        if grad_ax.get_ylim()[1] != span:
            grad_ax.set_ylim(-span, span)
        where = tr("never stops") if not np.isfinite(stop) else tr("stops at h = {stop:.3g}", stop=stop)
        loss_ax.set_title(f"{loss_type}, β = {beta:.3g}, ε = {label_smoothing:.2g}: ℓ(0) = {float(at_zero[0][0]):.4f}")
        grad_ax.set_title(tr("dℓ/dh(0) = {slope:.4f}; the push {where}", slope=float(at_zero[1][0]), where=where))

    loss_ax.set_ylim(0, 1)
    grad_ax.set_ylim(-1, 1)
    update(beta, label_smoothing, loss_type)
    return fig, update


# ----------------------------------------------------------------------------- the trained policies
def plot_policies(policies, prompts=(0, 1, 2, 3), *, title=None, size=(2.8, 3.0)):
    """Grouped bars: for each prompt in `prompts`, each policy's probability of each answer.

    policies: mapping label → (prompts, answers) array of probabilities (e.g. π_ref, π* and a trained
    policy). One axes per prompt. Returns the Figure.
    """
    prompts = list(prompts)
    fig = Figure(figsize=(size[0] * len(prompts), size[1]), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(prompts), sharey=True))
    width = 0.8 / len(policies)
    for ax, x in zip(axes, prompts):
        for k, (label, table) in enumerate(policies.items()):
            table = np.asarray(table)
            answers = np.arange(table.shape[1])
            ax.bar(answers - 0.4 + (k + 0.5) * width, table[x], width, color=f"C{k}" if k else "0.7", label=label)
        ax.set(title=tr("prompt {x}", x=x), xticks=answers, xticklabels=[f"y{a + 1}" for a in answers])
    axes[0].set_ylabel(tr("probability"))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4))
    if title:
        fig.suptitle(title)
    return fig
