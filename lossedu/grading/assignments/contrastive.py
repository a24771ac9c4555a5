"""Assignment 11: nt_xent_loss, supcon_loss, contrastive_loss, cosface_loss and their gradients.

The homes are pytorch-metric-learning's `NTXentLoss`, `SupConLoss`, `ContrastiveLoss` and `CosFaceLoss`
(with the class weights passed in, shape (embedding_size, num_classes)), as fixed in COURSE.md. The grader
runs where only numpy and torch are installed, so the right answers below are short transcriptions of
pml's formulas into torch, differentiated by autograd; `lossedu.functional.contrastive`, which is checked
against pml itself in tests/test_contrastive.py, passes every case (tests/test_grading_cases.py).

What the transcriptions keep from pml, because it changes a number a learner can see:
* embeddings are L2-normalised with F.normalize (the norm clamped at 1e-12): a zero row stays zero, its
  similarities are 0 and its gradient is the upstream one divided by 1e-12;
* pairs come from the labels: (a, p) positive when y_a = y_p and a ≠ p, (a, n) negative when y_a ≠ y_n;
  a batch without a positive or a negative pair gives 0 (pml's zero_loss) and a zero gradient;
* NT-Xent's denominator holds the positive and the anchor's negatives only (not its other positives);
  the mean is over every ordered positive pair; pml adds finfo.tiny inside the log, kept here;
* SupCon's denominator is every other sample; ℓ_a = −mean_p log softmax; the mean is over the anchors
  whose loss is > 0 (an anchor without positives has loss −0 and is left out);
* contrastive: d = ‖û_a − û_b‖ (torch.cdist, whose gradient at d = 0 is 0), [d − m_pos]₊ over positive
  pairs and [m_neg − d]₊ over negative pairs, each averaged over its pairs with loss > 0, then added;
* CosFace: cos = û·ŵ_c (weight's COLUMNS normalised), the target's cosine minus the margin, times the
  scale, then the mean cross-entropy.
"""

from __future__ import annotations

import functools

import numpy as np

from ..cases import loss_parts
from ..spec import Assignment, Case, Mistake, autograd_reference

EMB = ("embeddings",)
EMB_W = ("embeddings", "weight")


# ============================================================================= the references (torch)
def _normalize(x, unit=True, dim=1):
    import torch.nn.functional as F

    return F.normalize(x, dim=dim) if unit else x


def _masks(labels):
    import torch

    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool)
    return same & ~eye, ~same


def _zero(x):
    """pml's zero_loss: 0, with a zero gradient."""
    return (x * 0).sum()


def _avg_non_zero(losses, x, all_terms=False):
    """pml's AvgNonZeroReducer: the mean of the losses > 0 (0 when none is); all_terms: a plain mean."""
    if all_terms:
        return losses.mean() if losses.numel() else _zero(x)
    kept = losses > 0
    return losses[kept].mean() if bool(kept.any()) else _zero(x)


def nt_xent(embeddings, labels, temperature=0.07, *, unit=True, other_positives=False):
    """pml's NTXentLoss: −log(e^{s_ap/τ} / (e^{s_ap/τ} + Σ_n e^{s_an/τ}) + tiny), mean over the pairs (a, p).
    other_positives: the mistake of keeping the anchor's other positives in the denominator."""
    import torch

    x = embeddings
    pos, neg = _masks(labels)
    if not (bool(pos.any()) and bool(neg.any())):
        return _zero(x)
    u = _normalize(x, unit)
    s = u @ u.T / temperature
    a, p = torch.nonzero(pos, as_tuple=True)
    keep = neg[a]
    if other_positives:
        keep = (pos | neg)[a]
        keep[torch.arange(len(a)), p] = False  # the positive itself is the numerator
    lowest = torch.finfo(x.dtype).min
    neg_logits = torch.where(keep, s[a], torch.full_like(s[a], lowest))
    pos_logits = s[a, p][:, None]
    m = torch.maximum(pos_logits, neg_logits.max(dim=1, keepdim=True).values).detach()
    num = torch.exp(pos_logits - m)[:, 0]
    den = torch.exp(neg_logits - m).sum(dim=1) + num
    return -torch.log(num / den + torch.finfo(x.dtype).tiny).mean()


def supcon(embeddings, labels, temperature=0.1, *, unit=True, self_in_denominator=False, all_anchors=False):
    """pml's SupConLoss: ℓ_a = −(1/|P(a)|)·Σ_p log(e^{z_ap} / Σ_{k≠a} e^{z_ak}), mean over ℓ_a > 0."""
    import torch

    x = embeddings
    pos, neg = _masks(labels)
    if not (bool(pos.any()) and bool(neg.any())):
        return _zero(x)
    u = _normalize(x, unit)
    z = u @ u.T / temperature
    z = z - z.max(dim=1, keepdim=True).values.detach()
    keep = pos | neg
    if self_in_denominator:
        keep = torch.ones_like(keep)
    lse = torch.logsumexp(torch.where(keep, z, torch.full_like(z, -torch.inf)), dim=1, keepdim=True)
    log_prob = z - lse
    count = pos.sum(dim=1).to(x.dtype) + torch.finfo(x.dtype).tiny
    losses = -(pos.to(x.dtype) * log_prob).sum(dim=1) / count
    return _avg_non_zero(losses, x, all_terms=all_anchors)


def contrastive(embeddings, labels, pos_margin=0.0, neg_margin=1.0, *, unit=True, swapped=False, squared=False,
                all_pairs=False, one_mean=False):
    """pml's ContrastiveLoss: mean_{>0}[d_ap − m_pos]₊ + mean_{>0}[m_neg − d_an]₊, d between normalised rows."""
    import torch

    x = embeddings
    if len(labels) < 2:
        return _zero(x)
    pos, neg = _masks(labels)
    u = _normalize(x, unit)
    d = torch.cdist(u, u)
    if swapped:  # the margins on the wrong side of the distance
        pos_loss, neg_loss = torch.relu(pos_margin - d[pos]), torch.relu(d[neg] - neg_margin)
    else:
        pos_loss, neg_loss = torch.relu(d[pos] - pos_margin), torch.relu(neg_margin - d[neg])
    if squared:
        pos_loss, neg_loss = pos_loss ** 2, neg_loss ** 2
    if one_mean:
        return _avg_non_zero(torch.cat([pos_loss, neg_loss]), x, all_pairs)
    return _avg_non_zero(pos_loss, x, all_pairs) + _avg_non_zero(neg_loss, x, all_pairs)


def cosface(embeddings, labels, weight, margin=0.35, scale=64.0, *, unit=True, weight_dim=0, every_class=False,
            margin_unscaled=False):
    """pml's CosFaceLoss: CE(σ·(cos + onehot·((cos − m) − cos))), cos = û·ŵ (weight's columns), mean."""
    import torch
    import torch.nn.functional as F

    cos = _normalize(embeddings, unit) @ _normalize(weight, unit, dim=weight_dim)
    onehot = F.one_hot(labels, cos.shape[1]).to(cos.dtype)
    if every_class:
        onehot = torch.ones_like(onehot)
    if margin_unscaled:
        logits = scale * cos - margin * onehot
    else:
        logits = (cos + onehot * ((cos - margin) - cos)) * scale
    return F.cross_entropy(logits, labels)


REFERENCES = {
    "nt_xent_loss": (nt_xent, EMB),
    "supcon_loss": (supcon, EMB),
    "contrastive_loss": (contrastive, EMB),
    "cosface_loss": (cosface, EMB_W),
}


def reference(loss, **flags):
    """autograd_reference of a loss's transcription (with a mistake's flags, if any)."""
    fn, wrt = REFERENCES[loss]
    return autograd_reference(functools.partial(fn, **flags) if flags else fn, wrt)


# ============================================================================= the cases
def _batch(rng, n, d, classes, scale=1.0):
    """n embeddings in d dimensions (not unit: the normalisation is part of the loss) and labels in which
    every class present has at least two members (so that every label has a positive) when n allows."""
    x = rng.normal(scale=scale, size=(n, d))
    labels = np.concatenate([np.arange(classes), np.arange(classes), rng.integers(0, classes, size=n - 2 * classes)])
    return x, rng.permutation(labels).astype(np.int64)


def _sizes(rng, hidden, public):
    if not hidden:
        return public
    return int(rng.integers(6, 11)), int(rng.integers(2, 7)), int(rng.integers(2, 4))


def _label(args, what=""):
    x = args["embeddings"]
    options = ", ".join(f"{k}={v!r}" for k, v in args.items() if not isinstance(v, np.ndarray))
    text = f"embeddings {tuple(x.shape)}, labels {args['labels'].tolist()}"
    text += f", {options}" if options else ""
    return f"{what}: {text}" if what else text


def _pair_cases(option_sets, hidden_options, common_edges):
    """cases(rng, hidden) for a pair loss: each option set on a random batch, then the edges."""

    def cases(rng, hidden):
        out = []
        public = [(8, 4, 3), (9, 3, 2), (7, 5, 3), (10, 2, 4)]
        for k, options in enumerate(option_sets):
            n, d, c = _sizes(rng, hidden, public[k % len(public)])
            options = hidden_options(rng) if hidden else options
            x, y = _batch(rng, n, d, c, scale=float(rng.choice([0.5, 2.0, 3.0])) if hidden else 1.0 + k)
            args = {"embeddings": x, "labels": y, **options}
            out.append(Case(_label(args), args))
        for label, args in common_edges(rng, hidden):
            out.append(Case(_label(args, label), args))
        return out

    return cases


def _simclr(rng, hidden, options):
    """Two views of each of N images: labels [0..N−1, 0..N−1], the second view near the first."""
    n = int(rng.integers(3, 6)) if hidden else 4
    d = int(rng.integers(2, 6)) if hidden else 3
    x = rng.normal(size=(n, d))
    x = np.concatenate([x, x + 0.3 * rng.normal(size=(n, d))])
    return ("SimCLR's two views (labels [0..N−1, 0..N−1]: one positive per anchor)",
            {"embeddings": x, "labels": np.tile(np.arange(n), 2).astype(np.int64), **options})


def _many_positives(rng, hidden, options):
    """One class with four members: each anchor of it has three positives."""
    n = int(rng.integers(7, 10)) if hidden else 7
    labels = np.array([0, 0, 0, 0] + [1 + k % 2 for k in range(n - 4)], dtype=np.int64)
    return ("duplicate labels (class 0 has four members: three positives per anchor)",
            {"embeddings": rng.normal(size=(n, 3)), "labels": rng.permutation(labels), **options})


def _singleton(rng, hidden, options):
    """A label that appears once: that anchor has no positive, but it is a negative for the others."""
    n = int(rng.integers(5, 9)) if hidden else 6
    labels = np.array([0, 0, 1, 1] + [2 + k for k in range(n - 4)], dtype=np.int64)  # labels ≥ 2 appear once
    return ("labels that appear once (anchors without a positive, still negatives for the others)",
            {"embeddings": rng.normal(size=(n, 4)), "labels": rng.permutation(labels), **options})


def _zero_row(rng, hidden, options, n=6):
    """A zero embedding: F.normalize keeps it zero (‖x‖ clamped at 1e-12)."""
    x, y = _batch(rng, n, 3, 2)
    x[int(rng.integers(0, n)) if hidden else 1] = 0.0
    return ("a zero embedding (F.normalize clamps its norm at 1e-12: û = 0, and its gradient is g/1e-12)",
            {"embeddings": x, "labels": y, **options})


def _one_class(rng, hidden, options):
    n = int(rng.integers(3, 6)) if hidden else 4
    return ("every embedding has the same label: no negative pair (one class: the loss is 0)",
            {"embeddings": rng.normal(size=(n, 3)), "labels": np.zeros(n, dtype=np.int64), **options})


def _float32(rng, hidden, options):
    x, y = _batch(rng, 6, 3, 2)
    return ("float32 embeddings (the home computes in float32)",
            {"embeddings": x.astype(np.float32), "labels": y, **options})


def _temperature(rng):
    return {"temperature": float(rng.choice([0.07, 0.1, 0.2, 0.5, 1.0]))}


def _nt_xent_edges(rng, hidden):
    t = _temperature(rng) if hidden else {"temperature": 0.5}
    return [_simclr(rng, hidden, t), _many_positives(rng, hidden, t), _singleton(rng, hidden, t),
            _zero_row(rng, hidden, t), _one_class(rng, hidden, {}), _float32(rng, hidden, {"temperature": 0.5})]


def _supcon_edges(rng, hidden):
    t = _temperature(rng) if hidden else {"temperature": 0.2}
    return [_simclr(rng, hidden, t), _many_positives(rng, hidden, t), _singleton(rng, hidden, t),
            _zero_row(rng, hidden, t), _one_class(rng, hidden, {}), _float32(rng, hidden, {"temperature": 0.5})]


def _margins(rng):
    pos_margin = float(rng.choice([0.0, 0.2, 0.5]))
    return {"pos_margin": pos_margin, "neg_margin": float(rng.choice([0.8, 1.2, 1.5]))}


def _contrastive_edges(rng, hidden):
    m = _margins(rng) if hidden else {"pos_margin": 0.2, "neg_margin": 1.2}
    out = [_simclr(rng, hidden, m), _many_positives(rng, hidden, m), _singleton(rng, hidden, m)]
    # a zero row is at distance ‖û‖ = 1 from every other row: keep the margins away from 1
    out.append(_zero_row(rng, hidden, {"pos_margin": 0.3, "neg_margin": 1.5}))
    n = int(rng.integers(4, 8)) if hidden else 5
    out.append(("no positive pair (every label once): only the negative term",
                {"embeddings": rng.normal(size=(n, 3)), "labels": np.arange(n, dtype=np.int64), **m}))
    x, y = _batch(rng, 6, 3, 2)
    j = int(np.flatnonzero(y != y[0])[0])
    x[j] = 2.0 * x[0]  # same direction, other label: d = 0, a kink of the distance
    out.append(("two embeddings with the same direction and different labels (d = 0: torch.cdist's gradient "
                "there is 0)", {"embeddings": x, "labels": y, **m}))
    out.append(("pairs beyond the margins have loss 0 and are left out of the means",
                {"embeddings": _batch(rng, 8, 2, 2)[0], "labels": np.array([0, 0, 0, 0, 1, 1, 1, 1]),
                 "pos_margin": 0.6, "neg_margin": 0.9}))
    out.append(_float32(rng, hidden, {"pos_margin": 0.1, "neg_margin": 1.3}))
    return out


NT_XENT_OPTIONS = [{}, {"temperature": 0.5}, {"temperature": 0.1}, {"temperature": 1.0}]
SUPCON_OPTIONS = [{}, {"temperature": 0.5}, {"temperature": 0.07}, {"temperature": 1.0}]
CONTRASTIVE_OPTIONS = [{}, {"pos_margin": 0.2, "neg_margin": 0.8}, {"pos_margin": 0.0, "neg_margin": 1.5},
                       {"pos_margin": 0.5, "neg_margin": 1.2}]

nt_xent_cases = _pair_cases(NT_XENT_OPTIONS, _temperature, _nt_xent_edges)
supcon_cases = _pair_cases(SUPCON_OPTIONS, _temperature, _supcon_edges)
contrastive_cases = _pair_cases(CONTRASTIVE_OPTIONS, _margins, _contrastive_edges)


def _class_weight(rng, d, classes):
    return rng.normal(size=(d, classes))


def cosface_cases(rng, hidden):
    """Every option on random batches; a zero embedding, a zero class weight, unused classes, float32."""
    out = []

    def add(label, args):
        out.append(Case(_label(args, label) + f", weight {args['weight'].shape}", args))

    options = [{}, {"margin": 0.2, "scale": 10.0}, {"margin": 0.5, "scale": 30.0}, {"margin": 0.35, "scale": 1.0},
               {"scale": 4.0}]
    for k, opt in enumerate(options):
        if hidden:
            n, d, c = int(rng.integers(3, 9)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
            opt = {"margin": float(rng.choice([0.1, 0.2, 0.35, 0.5])),
                   "scale": float(rng.choice([1.0, 4.0, 16.0, 64.0]))}
        else:
            n, d, c = ((6, 3, 4), (5, 4, 3), (8, 2, 5), (4, 5, 2), (7, 3, 3))[k]
        args = {"embeddings": rng.normal(scale=1.0 + k, size=(n, d)), "labels": rng.integers(0, c, size=n),
                "weight": _class_weight(rng, d, c), **opt}
        add("", args)
    extra = {"margin": 0.35, "scale": 8.0} if not hidden else {"margin": float(rng.choice([0.2, 0.35])),
                                                                "scale": float(rng.choice([4.0, 8.0, 16.0]))}
    x = rng.normal(size=(5, 3))
    x[2] = 0.0
    add("a zero embedding (cos = 0 with every class)",
        {"embeddings": x, "labels": rng.integers(0, 4, size=5), "weight": _class_weight(rng, 3, 4), **extra})
    w = _class_weight(rng, 3, 4)
    w[:, 1] = 0.0
    add("a zero class weight column (F.normalize keeps it zero: cos = 0 with that class)",
        {"embeddings": rng.normal(size=(5, 3)), "labels": np.array([1, 0, 2, 1, 3]), "weight": w, **extra})
    add("classes no sample has (their columns still in the softmax)",
        {"embeddings": rng.normal(size=(4, 3)), "labels": np.array([0, 0, 2, 2]), "weight": _class_weight(rng, 3, 6),
         **extra})
    add("float32 embeddings and weight",
        {"embeddings": rng.normal(size=(5, 3)).astype(np.float32), "labels": rng.integers(0, 3, size=5),
         "weight": _class_weight(rng, 3, 3).astype(np.float32), "margin": 0.35, "scale": 4.0})
    for case in out:  # pml's labels are int64 (and rng.integers' default int is not int64 everywhere)
        case.args["labels"] = np.asarray(case.args["labels"], dtype=np.int64)
    return out


# ============================================================================= the usual mistakes
def _flagged(loss, **flags):
    """A mistake's answer: the loss's transcription with `flags`, forward or autograd backward."""
    variant = reference(loss, **flags)

    def expected(case, _reference):
        return variant.backward(case.args) if "grad_output" in case.args else variant.forward(case.args)

    return expected


def _option(name, default, change):
    """A mistake's answer: the right one with option `name` changed (from its value or default)."""

    def expected(case, reference):
        value = case.args.get(name, default)
        new = change(value, case.args)
        return None if new == value else reference({**case.args, name: new})

    return expected


def _temperature_mistakes(default):
    return (
        Mistake("the temperature divides the similarities once: s/τ (you divided twice, s/τ²)",
                _option("temperature", default, lambda t, _: t * t)),
        Mistake("the similarities must be divided by the temperature τ (you left it out)",
                _option("temperature", default, lambda t, _: 1.0)),
    )


UNNORMALISED = ("the similarities are cosines: L2-normalise each embedding first (û = x / max(‖x‖, 1e-12)); "
                "you used the raw dot products")

NT_XENT_MISTAKES = (
    Mistake("NT-Xent's denominator holds the positive and the anchor's NEGATIVES only: you left the anchor's "
            "other positives in it", _flagged("nt_xent_loss", other_positives=True)),
    *_temperature_mistakes(0.07),
    Mistake(UNNORMALISED, _flagged("nt_xent_loss", unit=False)),
)

SUPCON_MISTAKES = (
    Mistake("SupCon's denominator is every OTHER sample (k ≠ a): you left the anchor itself in it",
            _flagged("supcon_loss", self_in_denominator=True)),
    Mistake("the mean is over the anchors whose loss is > 0 (pml's AvgNonZeroReducer): an anchor without "
            "positives is left out, you averaged over every anchor", _flagged("supcon_loss", all_anchors=True)),
    *_temperature_mistakes(0.1),
    Mistake(UNNORMALISED, _flagged("supcon_loss", unit=False)),
)

CONTRASTIVE_MISTAKES = (
    Mistake("the margins are on the wrong side: positives pay [d − m_pos]₊ (pulled closer than m_pos), "
            "negatives [m_neg − d]₊ (pushed beyond m_neg)", _flagged("contrastive_loss", swapped=True)),
    Mistake("each sub-loss is averaged over its pairs with loss > 0 (pml's AvgNonZeroReducer): you averaged "
            "over every pair, zeros included", _flagged("contrastive_loss", all_pairs=True)),
    Mistake("the positive and the negative terms are averaged separately, then added: you took one mean over "
            "all the pairs together", _flagged("contrastive_loss", one_mean=True)),
    Mistake("pml's contrastive loss is not squared: [d − m_pos]₊ and [m_neg − d]₊ (you squared them, as "
            "Hadsell et al. do)", _flagged("contrastive_loss", squared=True)),
    Mistake("the distances are between L2-normalised embeddings (û = x / max(‖x‖, 1e-12)); you used the raw "
            "embeddings", _flagged("contrastive_loss", unit=False)),
)

COSFACE_MISTAKES = (
    Mistake("CosFace SUBTRACTS the margin from the target class's cosine (cos θ_y − m); you added it",
            _option("margin", 0.35, lambda m, _: -m)),
    Mistake("the margin goes on the target class only: you ignored it, or subtracted it from every class "
            "(a shift of all the logits changes nothing)", _option("margin", 0.35, lambda m, _: 0.0)),
    Mistake("the scale multiplies the margin too: σ·(cos θ_y − m) (you computed σ·cos θ_y − m)",
            _flagged("cosface_loss", margin_unscaled=True)),
    Mistake("normalise each class's weight COLUMN (weight is (embedding_size, num_classes)): you normalised "
            "its rows", _flagged("cosface_loss", weight_dim=1)),
    Mistake("both the embeddings and the class weights are L2-normalised (logits are cosines); you used raw "
            "dot products", _flagged("cosface_loss", unit=False)),
)


def _float64(case):
    """The float32 cases check the forward only: a float32 gradient's cancellations are far coarser than
    the grader's atol (1e-9), so a sound float32 backward could fail there."""
    return case.args["embeddings"].dtype == np.float64


def _parts(loss, cases, mistakes):
    ref = reference(loss)
    return loss_parts(loss, cases, points=(2, 2), mistakes=mistakes, reference=ref.forward,
                      backward_reference=ref.backward, wrt=REFERENCES[loss][1], keep=_float64)


ASSIGNMENT = Assignment(
    name="11_contrastive_and_metric_learning",
    title="Contrastive and metric learning: NT-Xent, SupCon, the contrastive loss, CosFace",
    parts=(*_parts("nt_xent_loss", nt_xent_cases, NT_XENT_MISTAKES),
           *_parts("supcon_loss", supcon_cases, SUPCON_MISTAKES),
           *_parts("contrastive_loss", contrastive_cases, CONTRASTIVE_MISTAKES),
           *_parts("cosface_loss", cosface_cases, COSFACE_MISTAKES)),
)
