"""Assignment 06: hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss and their gradients."""

from __future__ import annotations

import numpy as np

from ...functional import GRADIENT_OF
from ..cases import REDUCTIONS, describe
from ..cases import backward_of as _backward

from ..spec import Assignment, Case, Mistake, Part

MARGINS = (1.0, 0.5, 2.0, 1.5, -0.5)


def _hidden_shape(rng, max_dims=3):
    return tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, max_dims + 1)))


# ----------------------------------------------------------------------------- hinge embedding
def _pm1(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def hinge_cases(rng, hidden):
    out = []
    shapes = [(7,), (4, 5), (2, 3, 4)] if not hidden else [_hidden_shape(rng) for _ in range(3)]
    for reduction in REDUCTIONS:
        for k, shape in enumerate(shapes):
            args = {"input": rng.uniform(-0.5, 2.5, size=shape), "target": _pm1(rng, shape), "reduction": reduction}
            margin = float(rng.choice(MARGINS)) if hidden else (None, 0.5, 2.0)[k]
            if margin is not None:
                args["margin"] = margin
            out.append(Case(describe(args), args))
    # the kink: x exactly at the margin with t = −1 counts as active (clamp_min's ≥)
    for reduction, margin in (("none", 1.0), ("mean", 0.5)) if not hidden else (("sum", float(rng.choice(MARGINS))),):
        x = rng.uniform(-0.5, 2.5, size=8)
        x[[0, 2, 5]] = margin
        t = _pm1(rng, 8)
        t[[0, 2]] = -1.0
        args = {"input": x, "target": t, "margin": margin, "reduction": reduction}
        out.append(Case(f"input exactly at the margin ({margin}) with target −1, reduction={reduction!r}", args))
    # targets that are neither 1 nor −1 get both terms
    shape = (9,) if not hidden else _hidden_shape(rng, 2)
    t = rng.choice([0.0, 2.0, 0.5, 1.0, -1.0], size=shape)
    if not hidden:
        t[:5] = [0.0, 2.0, 0.5, 1.0, -1.0]
    args = {"input": rng.uniform(-0.5, 2.5, size=shape), "target": t, "reduction": "none" if not hidden else "mean"}
    out.append(Case("targets that are neither 1 nor −1 (0, 2, 0.5): both terms", args))
    n = 6 if not hidden else int(rng.integers(1, 8))
    args = {"input": rng.uniform(-0.5, 2.5, size=n), "target": rng.choice([-1, 1], size=n).astype(np.int64),
            "reduction": "sum", "margin": 0.5 if not hidden else float(rng.choice(MARGINS))}
    out.append(Case("int64 targets ±1, " + describe(args), args))
    rows, cols = (4, 5) if not hidden else tuple(int(s) for s in rng.integers(1, 6, size=2))
    for reduction in ("none", "mean"):
        t = _pm1(rng, (cols,))
        t[:2] = (1.0, -1.0)[:cols]  # both kinds of target: all +1 would make the loss the input itself
        args = {"input": rng.uniform(-0.5, 2.5, size=(rows, cols)), "target": t, "reduction": reduction}
        out.append(Case(f"target ({cols},) broadcast over input ({rows}, {cols}), reduction={reduction!r}", args))
    # t = −1 and x below the margin 1: an active hinge, 1 − x (t = +1 would give x, the input echoed back)
    out.append(Case("a 0-d input and target (−1)", {"input": np.array(rng.uniform(-0.5, 0.4)), "target": np.array(-1.0)}))
    return out


# ----------------------------------------------------------------------------- multi-class margin
def _classes(rng, n, c):
    return rng.integers(0, c, size=n).astype(np.int64)


def multi_margin_cases(rng, hidden):
    out = []

    def add(label, args):
        out.append(Case(label or describe(args), args))

    options = [{}, {"p": 2}, {"weight": True}, {"margin": 0.5}, {"p": 2, "margin": 2.0, "weight": True}]
    for reduction in REDUCTIONS:
        for k in range(3):
            if hidden:
                n, c = int(rng.integers(1, 7)), int(rng.integers(2, 7))
                opt = {"p": int(rng.choice([1, 2])), "margin": float(rng.choice(MARGINS)), "weight": bool(rng.random() < 0.5)}
            else:
                n, c = ((6, 4), (5, 3), (4, 5))[k]
                opt = options[(k + REDUCTIONS.index(reduction)) % len(options)]
            args = {"input": rng.normal(size=(n, c)), "target": _classes(rng, n, c), "reduction": reduction}
            for name, value in opt.items():
                args[name] = rng.uniform(0.2, 3.0, size=c) if name == "weight" and value else value
            args = {k: v for k, v in args.items() if v is not False}
            add("", args)
    # a margin below zero is allowed
    n, c = (4, 3) if not hidden else (int(rng.integers(1, 6)), int(rng.integers(2, 6)))
    add("", {"input": rng.normal(size=(n, c)), "target": _classes(rng, n, c), "margin": -0.5, "reduction": "sum"})
    # exact ties: on a grid of quarters many z = margin − x_y + x_j are exactly 0 (strict: they count nothing)
    for p in (1, 2):
        n, c = (6, 4) if not hidden else (int(rng.integers(2, 7)), int(rng.integers(2, 6)))
        x = rng.integers(-4, 5, size=(n, c)) / 4.0
        y = _classes(rng, n, c)
        x[0, :2], y[0] = [1.0, 0.0], 0  # z = 1 − 1 + 0 = 0 for class 1 of the first row
        add(f"scores on a grid of quarters: some z = margin − x_y + x_j exactly 0, p={p}",
            {"input": x, "target": y, "p": p, "reduction": "sum" if p == 1 else "none"})
    # one sample: a vector of C scores with a 0-d target ('none' is 0-d) or a (1,) target
    c = 5 if not hidden else int(rng.integers(2, 7))
    add(f"one sample: input ({c},), 0-d target, reduction='none'",
        {"input": rng.normal(size=c), "target": np.array(int(rng.integers(0, c)), dtype=np.int64), "reduction": "none"})
    add(f"one sample: input ({c},), target (1,), reduction='none', p=2",
        {"input": rng.normal(size=c), "target": _classes(rng, 1, c), "reduction": "none", "p": 2})
    add(f"one sample: input ({c},), 0-d target, with weight",
        {"input": rng.normal(size=c), "target": np.array(int(rng.integers(0, c)), dtype=np.int64),
         "weight": rng.uniform(0.2, 3.0, size=c)})
    add("a 0-d input (one class: the loss is 0)", {"input": np.array(rng.normal()), "target": np.array(0, dtype=np.int64)})
    return out


# ----------------------------------------------------------------------------- multi-label margin
def _label_row(rng, c, kind=None):
    """A target row: some classes, the terminator −1, then anything in [−1, C)."""
    kind = kind or rng.choice(["plain", "plain", "dupes", "empty", "full"])
    if kind == "empty":
        k = 0
    elif kind == "full":
        return rng.permutation(c).astype(np.int64)
    else:
        k = int(rng.integers(1, c))
    labels = rng.integers(0, c, size=k) if kind == "dupes" else rng.permutation(c)[:k]
    rest = rng.integers(-1, c, size=c - k - 1)
    return np.concatenate([labels, [-1], rest]).astype(np.int64)


def _labels(rng, n, c):
    return np.stack([_label_row(rng, c) for _ in range(n)])


def multilabel_cases(rng, hidden):
    out = []

    def add(label, args):
        out.append(Case(label or describe(args), args))

    for reduction in REDUCTIONS:
        for shape in [(5, 4), (3, 6)] if not hidden else [(int(rng.integers(1, 7)), int(rng.integers(2, 7)))
                                                          for _ in range(2)]:
            add("", {"input": rng.normal(size=shape), "target": _labels(rng, *shape), "reduction": reduction})
    c = 5 if not hidden else int(rng.integers(4, 7))
    x = rng.normal(size=(4, c))
    t = np.stack([_label_row(rng, c, "plain") for _ in range(4)])
    t[0, :3] = [c - 1, 0, -1]  # [C−1, 0, −1, …]: entries after the first −1 do not count
    t[0, 3:] = rng.integers(0, c, size=c - 3)
    add("entries after the first −1 are ignored (the terminator)", {"input": x, "target": t, "reduction": "none"})
    t = np.stack([_label_row(rng, c, "plain") for _ in range(3)])
    t[0, :3] = [2, 2, -1]
    t[1, :4] = [1, 0, 1, -1]
    add("a class listed twice counts twice", {"input": rng.normal(size=(3, c)), "target": t, "reduction": "none"})
    t = np.stack([_label_row(rng, c, kind) for kind in ("empty", "full", "plain")])
    add("a row with no labels, a row listing every class (no terminator): both 0",
        {"input": rng.normal(size=(3, c)), "target": t, "reduction": "sum"})
    n = 5 if not hidden else int(rng.integers(2, 6))
    x = rng.integers(-4, 5, size=(n, c)) / 4.0
    t = _labels(rng, n, c)
    x[0, :2], t[0, :2] = [0.5, -0.5], [0, -1]  # z = 1 − 0.5 + (−0.5) = 0 exactly for class 1
    add("scores on a grid of quarters: some z = 1 − x_j + x_i exactly 0 (strict: no loss, no gradient)",
        {"input": x, "target": t, "reduction": "mean"})
    add(f"one sample: input ({c},) and target ({c},), reduction='none' (0-d result)",
        {"input": rng.normal(size=c), "target": _label_row(rng, c, "plain"), "reduction": "none"})
    add(f"one sample: input ({c},), target ({c},)", {"input": rng.normal(size=c), "target": _label_row(rng, c)})
    add("a 0-d input (one class: the loss is 0)", {"input": np.array(rng.normal()), "target": np.array(0, dtype=np.int64)})
    return out


# ----------------------------------------------------------------------------- usual mistakes
def _variant(loss, per_sample):
    """A mistake's answer computed with torch: `per_sample(T)` returns the unreduced loss (a tensor)
    from T (the case's arrays as float64/int64 tensors, those in GRADIENT_OF[loss] requiring grad), or
    None when the mistake cannot show in this case. The reduction and, for a backward case, autograd
    (with the case's grad_output) are applied here."""

    def expected(case, reference):
        import torch

        args = dict(case.args)
        grad_output = args.pop("grad_output", None)
        T = {k: torch.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        leaves = [T[name].requires_grad_() for name in GRADIENT_OF[loss]] if grad_output is not None else []
        ell = per_sample(T)
        if ell is None:
            return None
        reduction = args.get("reduction", "mean")
        out = ell.sum() if reduction == "sum" else ell.mean() if reduction == "mean" else ell
        if grad_output is None:
            return out.detach().numpy()
        grads = torch.autograd.grad(out, leaves, torch.from_numpy(np.asarray(grad_output, dtype=np.float64)),
                                    allow_unused=True)
        grads = tuple(np.zeros(leaf.shape) if g is None else g.numpy() for g, leaf in zip(grads, leaves))
        return grads[0] if len(grads) == 1 else grads

    return expected


def _hinge(z, strict=True):
    """max(0, z) whose gradient at z = 0 is 0 (strict) or 1 (clamp_min's ≥)."""
    return z * ((z > 0) if strict else (z >= 0)).to(z.dtype)


def _changed(name, new):
    """The answer with argument `name` set to `new` (None when the case does not differ from that)."""

    def expected(case, reference):
        args = dict(case.args)
        if args.get(name, new) == new:
            return None
        args[name] = new
        return reference(args)

    return expected


def _he_one_term(T):
    x, t, m = T["input"], T["target"], T.get("margin", 1.0)
    if bool(((t == 1) | (t == -1)).all()):
        return None
    return torch_where(t == 1, x, _hinge(m - x, strict=False))


def torch_where(cond, a, b):
    import torch

    return torch.where(cond, a, b)


def _he_strict_kink(T):
    x, t, m = T["input"], T["target"], T.get("margin", 1.0)
    if not bool(((m - x) == 0).any()):
        return None
    zero = x * 0
    return torch_where(t != 1, _hinge(m - x, strict=True), zero) + torch_where(t != -1, x, zero)


def _he_neg_target_only(T):
    """the hinge term for t == −1 only and x for t == 1 only (0/1 labels as in BCE: t ≠ 1 read as 0)."""
    x, t, m = T["input"], T["target"], T.get("margin", 1.0)
    if bool(((t == 1) | (t == -1)).all()):
        return None
    zero = x * 0
    return torch_where(t == -1, _hinge(m - x, strict=False), zero) + torch_where(t == 1, x, zero)


HINGE_MISTAKES = (
    Mistake("a target that is neither 1 nor −1 gets BOTH terms in torch: ℓ = [t≠1]·max(0, margin − x) + [t≠−1]·x "
            "(you treated every t ≠ 1 as −1)", _variant("hinge_embedding_loss", _he_one_term)),
    Mistake("a target that is neither 1 nor −1 gets both terms: [t≠1]·max(0, margin − x) + [t≠−1]·x "
            "(you gave it none)", _variant("hinge_embedding_loss", _he_neg_target_only)),
    Mistake("at x == margin (t = −1) torch's hinge is clamp_min, whose gradient counts the kink as active (≥): "
            "the slope there is −1, not 0", _variant("hinge_embedding_loss", _he_strict_kink)),
    Mistake("you ignored `margin` (used 1)", _changed("margin", 1.0)),
)


def _mm_parts(T):
    x = T["input"]
    c = x.shape[-1] if x.dim() else 1
    scores = x.reshape(-1, c)
    import torch

    y = T["target"].reshape(-1)
    rows = torch.arange(y.shape[0])
    z = T.get("margin", 1.0) - scores[rows, y][:, None] + scores
    other = np.ones(tuple(scores.shape), dtype=bool)
    other[rows.numpy(), y.numpy()] = False
    return x, c, scores, y, z, other


def _mm_variant(divide=None, weight_at_j=False, strict=True, p=None):
    def per_sample(T):
        import torch

        x, c, scores, y, z, other = _mm_parts(T)
        w = T.get("weight")
        if weight_at_j and w is None:
            return None
        if not strict and not bool(((z == 0) & torch.from_numpy(other)).any()):
            return None
        power = T.get("p", 1) if p is None else p
        h = _hinge(z, strict) * torch.from_numpy(other).to(z.dtype)
        h = h ** power
        if w is not None:
            h = h * (w[None, :] if weight_at_j else w[y][:, None])
        d = {None: c, "C-1": max(c - 1, 1), "1": 1}[divide]
        return (h.sum(dim=1) / d).reshape(T["target"].shape)

    return per_sample


def _mm_mean_over_weights(case, reference):
    if case.args.get("weight") is None or case.args.get("reduction", "mean") != "mean":
        return None
    y = np.asarray(case.args["target"]).reshape(-1)
    total = reference({**case.args, "reduction": "sum"})
    return total / case.args["weight"][y].sum() if not isinstance(total, tuple) else None


MULTI_MARGIN_MISTAKES = (
    Mistake("the sum over the classes j ≠ y is divided by C (the number of classes), not by C − 1",
            _variant("multi_margin_loss", _mm_variant(divide="C-1"))),
    Mistake("the sum over the classes j ≠ y must be divided by C (the number of classes)",
            _variant("multi_margin_loss", _mm_variant(divide="1"))),
    Mistake("`weight` is taken at the TARGET class y (w[y] multiplies the whole sample), not at each competing class j",
            _variant("multi_margin_loss", _mm_variant(weight_at_j=True))),
    Mistake("a term counts only when z = margin − x_y + x_j > 0 strictly: at z == 0 the gradient is 0",
            _variant("multi_margin_loss", _mm_variant(strict=False))),
    Mistake("you ignored `p`: p=2 squares each hinge", _changed("p", 1)),
    Mistake("you ignored `margin` (used 1)", _changed("margin", 1.0)),
    Mistake("with weight, reduction='mean' still divides by N (the number of samples), not by Σ w[y]",
            _mm_mean_over_weights),
)


def _ml_variant(dedupe=False, no_terminator=False, divide=None, strict=True):
    def per_sample(T):
        import torch

        x = T["input"]
        c = x.shape[-1] if x.dim() else 1
        scores = x.reshape(-1, c)
        labels = T["target"].reshape(-1, c).numpy()
        counts = np.zeros(labels.shape)
        for n, row in enumerate(labels):
            for label in row:
                if label < 0 and not no_terminator:
                    break
                if label >= 0:
                    counts[n, label] += 1
        if dedupe:
            counts = np.minimum(counts, 1)
        listed = counts > 0
        pairs = torch.from_numpy((listed[:, :, None] & ~listed[:, None, :]) * counts[:, :, None])
        z = 1 - scores[:, :, None] + scores[:, None, :]
        if not strict and not bool(((z == 0) & (pairs > 0)).any()):
            return None
        d = {None: c, "C-1": max(c - 1, 1)}[divide]
        ell = (_hinge(z, strict) * pairs).sum(dim=(1, 2)) / d
        return ell.reshape((-1,) if x.dim() == 2 else ())

    return per_sample


MULTILABEL_MISTAKES = (
    Mistake("a class listed twice counts twice in torch (you counted each listed class once)",
            _variant("multilabel_margin_loss", _ml_variant(dedupe=True))),
    Mistake("a target row ends at its first negative entry: the classes after the −1 are not labels",
            _variant("multilabel_margin_loss", _ml_variant(no_terminator=True))),
    Mistake("the sum over (listed, unlisted) pairs is divided by C (the number of classes), not by C − 1",
            _variant("multilabel_margin_loss", _ml_variant(divide="C-1"))),
    Mistake("a pair counts only when z = 1 − x_j + x_i > 0 strictly: at z == 0 the gradient is 0",
            _variant("multilabel_margin_loss", _ml_variant(strict=False))),
    Mistake("the sum over (listed, unlisted) pairs must be divided by C (the number of classes)",
            lambda case, reference: _scale_by_classes(case, reference)),
)


def _scale_by_classes(case, reference):
    x = case.args["input"]
    c = x.shape[-1] if x.ndim else 1
    ans = reference(case.args)
    return tuple(c * np.asarray(a) for a in ans) if isinstance(ans, tuple) else c * np.asarray(ans)


ASSIGNMENT = Assignment(
    name="06_margins",
    title="Margin losses: hinge embedding, multi-class margin, multi-label margin",
    parts=(
        Part("hinge_embedding_loss", 2, hinge_cases, HINGE_MISTAKES),
        Part("hinge_embedding_loss_backward", 2, _backward("hinge_embedding_loss", hinge_cases), HINGE_MISTAKES),
        Part("multi_margin_loss", 2, multi_margin_cases, MULTI_MARGIN_MISTAKES),
        Part("multi_margin_loss_backward", 2, _backward("multi_margin_loss", multi_margin_cases), MULTI_MARGIN_MISTAKES),
        Part("multilabel_margin_loss", 2, multilabel_cases, MULTILABEL_MISTAKES),
        Part("multilabel_margin_loss_backward", 2, _backward("multilabel_margin_loss", multilabel_cases),
             MULTILABEL_MISTAKES),
    ),
)
