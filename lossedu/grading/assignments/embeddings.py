"""Assignment 07: margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss,
triplet_margin_with_distance_loss and their gradients.

triplet_margin_with_distance_loss is graded with its default distance only (distance_function=None):
a case's arguments are arrays and plain values, so no function can be handed to the learner's code in
the grader's sandbox. The solution notebook checks a learner's own distance in an ungraded cell.
"""

from __future__ import annotations

import numpy as np

from ..cases import REDUCTIONS, describe
from ..cases import backward_of as _backward

from ..spec import Assignment, Case, Mistake, Part
from .margins import _changed, _hinge, _variant

COSINE_EPS = float(np.float32(1e-12))


def _pm1(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def _quarters(rng, shape, low=-8, high=9):
    return rng.integers(low, high, size=shape) / 4.0


# ----------------------------------------------------------------------------- margin ranking
def ranking_cases(rng, hidden):
    out = []

    def add(label, args):
        out.append(Case(label or describe(args, skip=("input1", "input2", "target")), args))

    shapes = [(7,), (4, 5)] if not hidden else [tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 3)))
                                                for _ in range(2)]
    margins = (None, 0.5, 1.0, -0.3, 0.2, 2.0)
    for reduction in REDUCTIONS:
        for k, shape in enumerate(shapes):
            args = {"input1": rng.normal(size=shape), "input2": rng.normal(size=shape), "target": _pm1(rng, shape),
                    "reduction": reduction}
            margin = float(rng.choice(margins[1:])) if hidden else margins[2 * REDUCTIONS.index(reduction) + k]
            if margin is not None:
                args["margin"] = margin
            add(f"input1, input2, target {shape}, " + describe({k: v for k, v in args.items() if "input" not in k
                                                                 and k != "target"}), args)
    # the kink: z = margin − y·(x1 − x2) exactly 0 counts as active (clamp_min's ≥)
    n = 8 if not hidden else int(rng.integers(3, 9))
    x1, x2, y = _quarters(rng, n), _quarters(rng, n), _pm1(rng, n)
    margin = 0.5
    x2[:2] = x1[:2] - y[:2] * margin  # y·(x1 − x2) = margin: z = 0
    add(f"z = margin − y·(x1 − x2) exactly 0 in places (margin={margin})",
        {"input1": x1, "input2": x2, "target": y, "margin": margin, "reduction": "sum"})
    x = _quarters(rng, 6)
    x2 = x.copy()
    x2[3:] += (0.75, -0.5, 1.25)  # the other half not equal: a loss that is not 0 everywhere
    add("x1 == x2 in places with margin 0 (z = 0 exactly there)",
        {"input1": x, "input2": x2, "target": np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0]), "reduction": "none"})
    # targets that are not ±1 scale the hinge
    n = 6 if not hidden else int(rng.integers(2, 8))
    t = rng.choice([0.0, 0.5, 2.0, 1.0, -1.0], size=n)
    add("targets that are not ±1 (0, 0.5, 2) scale the hinge",
        {"input1": rng.normal(size=n), "input2": rng.normal(size=n), "target": t, "margin": 0.3, "reduction": "none"})
    add("int64 targets ±1", {"input1": rng.normal(size=n), "input2": rng.normal(size=n),
                             "target": rng.choice([-1, 1], size=n).astype(np.int64), "margin": 0.5})
    # broadcasting within the same number of dimensions
    n = 5 if not hidden else int(rng.integers(2, 8))
    add(f"target (1,) broadcast over inputs ({n},)",
        {"input1": rng.normal(size=n), "input2": rng.normal(size=n), "target": np.array([1.0]), "margin": 0.5,
         "reduction": "sum"})
    add(f"input2 (1,) broadcast over input1 ({n},): its gradient sums over the batch",
        {"input1": rng.normal(size=n), "input2": rng.normal(size=1), "target": _pm1(rng, n), "margin": 0.5,
         "reduction": "mean"})
    add("0-d inputs and target", {"input1": np.array(rng.normal()), "input2": np.array(rng.normal()),
                                  "target": np.array(float(rng.choice([-1.0, 1.0]))), "margin": 1.0})
    return out


# ----------------------------------------------------------------------------- cosine embedding
def cosine_cases(rng, hidden):
    out = []

    def add(label, args):
        out.append(Case(label or describe(args, skip=("input1", "input2", "target")), args))

    def nd(rng, k):
        # D ≥ 2: in one dimension cos is exactly ±1 and every loss a small integer a constant can guess
        return (int(rng.integers(1, 7)), int(rng.integers(2, 6))) if hidden else ((5, 3), (4, 6))[k]

    margins = (None, 0.5, -0.5, 0.2, None, 0.8)
    for reduction in REDUCTIONS:
        for k in range(2):
            n, d = nd(rng, k)
            args = {"input1": rng.normal(size=(n, d)), "input2": rng.normal(size=(n, d)), "target": _pm1(rng, n),
                    "reduction": reduction}
            margin = float(rng.choice([0.0, 0.5, -0.5, 0.2, 0.8])) if hidden else margins[2 * REDUCTIONS.index(reduction) + k]
            if margin is not None:
                args["margin"] = margin
            add(f"inputs ({n}, {d}), " + describe({k: v for k, v in args.items() if "input" not in k and k != "target"}),
                args)
    n, d = (6, 4) if not hidden else nd(rng, 0)
    t = rng.choice([0.0, 2.0, 0.5, 1.0, -1.0], size=n)
    add("targets that are neither 1 nor −1 (0, 2, 0.5): loss 0",
        {"input1": rng.normal(size=(n, d)), "input2": rng.normal(size=(n, d)), "target": t, "reduction": "none"})
    # a zero vector: cos = 0 thanks to ε in the norms (float32 1e-12), and a huge but finite gradient
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    a[0] = 0.0
    b[2] = 0.0
    add("a zero vector in each input (ε in the norms keeps cos finite)",
        {"input1": a, "input2": b, "target": np.array([1.0, -1.0, 1.0]), "margin": -0.5, "reduction": "none"})
    # the kink: orthogonal pair, y = −1, margin 0: cos − margin = 0 exactly counts as active
    # (the last pair is not orthogonal: an active hinge, so the summed loss is not 0)
    a = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.5, 0.5, 0.0], [1.0, 2.0, 3.0], [1.0, 1.0, 0.0]])
    b = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.5], [-1.0, 1.0, 2.0], [3.0, 0.0, -1.0], [1.0, 0.5, 0.0]])
    if hidden:
        perm = rng.permutation(3)
        a, b = a[:, perm] * rng.choice([0.5, 2.0, 4.0]), b[:, perm] * rng.choice([0.25, 1.0, 2.0])  # exact: powers of 2
    add("orthogonal pairs with y = −1 and margin 0: cos − margin = 0 exactly (the kink counts as active)",
        {"input1": a, "input2": b, "target": -np.ones(5), "margin": 0.0, "reduction": "sum"})
    d = 5 if not hidden else int(rng.integers(2, 7))
    x = rng.normal(size=d)  # a pair pointing roughly the same way: cos − margin > 0, an active hinge
    add(f"one pair: inputs ({d},), 0-d target",
        {"input1": x, "input2": x + 0.3 * rng.normal(size=d), "target": np.array(-1.0), "margin": -0.2})
    n = 4 if not hidden else int(rng.integers(2, 6))
    add(f"input1 (1, {d}) broadcast over input2 ({n}, {d}): its gradient sums over the batch",
        {"input1": rng.normal(size=(1, d)), "input2": rng.normal(size=(n, d)), "target": _pm1(rng, n),
         "margin": -0.3, "reduction": "mean"})
    add("int64 targets ±1", {"input1": rng.normal(size=(n, d)), "input2": rng.normal(size=(n, d)),
                             "target": rng.choice([-1, 1], size=n).astype(np.int64), "reduction": "sum"})
    return out


# ----------------------------------------------------------------------------- triplets
def _triplet(rng, shape, scale=1.0):
    return {"anchor": rng.normal(scale=scale, size=shape), "positive": rng.normal(scale=scale, size=shape),
            "negative": rng.normal(scale=scale, size=shape)}


def _triplet_label(args):
    return f"inputs {tuple(args['anchor'].shape)}, " + describe(
        {k: v for k, v in args.items() if k not in ("anchor", "positive", "negative")})


def _triplet_cases(with_p_eps):
    """cases(rng, hidden) for triplet_margin_loss (with_p_eps) or triplet_margin_with_distance_loss."""

    def cases(rng, hidden):
        out = []

        def add(label, args):
            out.append(Case(label or _triplet_label(args), args))

        options = [{}, {"margin": 0.5}, {"swap": True}, {"margin": 2.0, "swap": True}, {"margin": 1.5}, {}]
        if with_p_eps:
            options = [{}, {"p": 1}, {"swap": True, "margin": 0.5}, {"p": 3, "eps": 0.1}, {"p": 1.5, "margin": 2.0},
                       {"eps": 0.0, "swap": True}]
        for reduction in REDUCTIONS:
            for k in range(2):
                if hidden:
                    shape = (int(rng.integers(1, 7)), int(rng.integers(1, 6)))
                    opt = {"margin": float(rng.choice([1.0, 0.5, 2.0, 1.5])), "swap": bool(rng.random() < 0.5)}
                    if with_p_eps:
                        opt.update(p=float(rng.choice([1.0, 2.0, 3.0, 1.5])), eps=float(rng.choice([1e-6, 0.1, 0.0])))
                else:
                    shape = ((5, 3), (4, 6))[k]
                    opt = options[2 * REDUCTIONS.index(reduction) + k]
                add("", {**_triplet(rng, shape), **opt, "reduction": reduction})
        d = 4 if not hidden else int(rng.integers(1, 6))
        add("", {**_triplet(rng, d), "margin": 2.0})  # one triplet: a 0-d loss
        add("", {**_triplet(rng, (2, 3, d)), "reduction": "none", "swap": True})  # distances over the last axis
        n = 5 if not hidden else int(rng.integers(2, 7))
        args = _triplet(rng, (n, d))
        args["positive"] = args["positive"][:1]
        add(f"positive (1, {d}) broadcast over anchor and negative ({n}, {d}): its gradient sums over the batch",
            {**args, "margin": 2.0, "reduction": "sum"})
        # anchor == positive: d(a, p) = eps·D^(1/p) (eps is inside the norm), and with swap d(a, n) == d(p, n):
        # a tie in the min, whose gradient torch splits in half
        args = _triplet(rng, (n, d))
        args["positive"] = args["anchor"].copy()
        add("positive equal to the anchor, swap=True: d(a, n) == d(p, n), a tie in the min",
            {**args, "margin": 4.0, "swap": True, "reduction": "none"})
        add("small embeddings (scale 1e-4): the eps added inside the distance matters",
            {**_triplet(rng, (n, d), scale=1e-4), "margin": 1e-4})
        if with_p_eps:
            args = _triplet(rng, (n, d))
            args["positive"] = args["anchor"].copy()
            add("eps=0 and positive equal to the anchor: d(a, p) = 0, whose gradient torch takes as 0",
                {**args, "eps": 0.0, "margin": 3.0, "reduction": "sum"})
            a = np.zeros((3, 2))
            p = np.array([[0.5, 0.0], [0.0, 0.25], [1.0, 1.0]])
            neg = np.array([[1.0, 0.5], [0.5, 0.75], [-1.0, 0.5]])
            if hidden:
                shift = _quarters(rng, (3, 2))
                a, p, neg = a + shift, p + shift, neg + shift
            add("p=1, eps=0: z = margin + d(a, p) − d(a, n) exactly 0 in one row (the kink counts as active)",
                {"anchor": a, "positive": p, "negative": neg, "p": 1, "eps": 0.0, "reduction": "none"})
        return out

    return cases


# ----------------------------------------------------------------------------- usual mistakes
def _ranking_strict(T):
    z = T.get("margin", 0) - T["target"] * (T["input1"] - T["input2"])
    return _hinge(z, strict=True) if bool((z == 0).any()) else None


RANKING_MISTAKES = (
    Mistake("z = margin − y·(x1 − x2): y = 1 asks for x1 above x2 (you used + y·(x1 − x2))",
            lambda case, reference: reference({**case.args, "target": np.array(-case.args["target"])})),
    Mistake("at z == 0 torch's hinge (clamp_min) counts as active (≥): the gradient there is −y for input1, not 0",
            _variant("margin_ranking_loss", _ranking_strict)),
    Mistake("you ignored `margin`", _changed("margin", 0.0)),
)


def _cosine_variant(strict=False, other_targets_as_negative=False, eps=COSINE_EPS):
    def per_sample(T):
        import torch

        t, m = T["target"], T.get("margin", 0)
        a, b = T["input1"], T["input2"]
        cos = (a * b).sum(-1) / torch.sqrt(((a * a).sum(-1) + eps) * ((b * b).sum(-1) + eps))
        if strict and not bool(((t == -1) & (cos - m == 0)).any()):
            return None
        if other_targets_as_negative and bool(((t == 1) | (t == -1)).all()):
            return None
        zero = cos * 0
        negative = (t != 1) if other_targets_as_negative else (t == -1)
        return torch.where(t == 1, 1 - cos, zero) + torch.where(negative, _hinge(cos - m, strict), zero)

    return per_sample


COSINE_MISTAKES = (
    Mistake("a target that is neither 1 nor −1 gives loss 0 in torch (you treated it as −1)",
            _variant("cosine_embedding_loss", _cosine_variant(other_targets_as_negative=True))),
    Mistake("at cos − margin == 0 (y = −1) torch's hinge (clamp_min) counts as active (≥): the gradient is ∂cos, not 0",
            _variant("cosine_embedding_loss", _cosine_variant(strict=True))),
    Mistake("you ignored `margin`", _changed("margin", 0.0)),
)


def _pdist(u, v, p, eps, eps_in_norm=False):
    import torch

    if eps_in_norm:
        return torch.linalg.vector_norm(u - v, ord=p, dim=-1) + eps
    return torch.linalg.vector_norm(u - v + eps, ord=p, dim=-1)


def _triplet_variant(eps_in_norm=False, no_eps=False, strict=False, swap=None, whole_tie=False):
    def per_sample(T):
        import torch

        a, pos, neg = T["anchor"], T["positive"], T["negative"]
        p, eps, margin = float(T.get("p", 2.0)), float(T.get("eps", 1e-6)), float(T.get("margin", 1.0))
        use_swap = T.get("swap", False) if swap is None else swap
        if (eps_in_norm or no_eps) and eps == 0:
            return None
        eps = 0.0 if no_eps else eps
        d_pos = _pdist(a, pos, p, eps, eps_in_norm)
        d_neg = _pdist(a, neg, p, eps, eps_in_norm)
        if whole_tie:  # min as a choice: on a tie all the gradient goes to d(a, n)
            if not use_swap:
                return None
            d_pn = _pdist(pos, neg, p, eps, eps_in_norm)
            if not bool((d_pn == d_neg).any()):
                return None
            d_neg = torch.where(d_neg <= d_pn, d_neg, d_pn)
        elif use_swap:
            d_neg = torch.minimum(d_neg, _pdist(pos, neg, p, eps, eps_in_norm))
        z = margin + d_pos - d_neg
        if strict and not bool((z == 0).any()):
            return None
        return _hinge(z, strict=strict)

    return per_sample


#: eps added to the norm cancels in d(a, p) − d(a, n) (without swap), so it gives the same answers as eps left
#: out: one message for both
EPS_MESSAGE = ("the distance is ‖u − v + eps‖_p: eps is added to the difference inside the norm (you left it out, "
               "or added it to the norm itself); it matters for small or equal embeddings")


def _triplet_mistakes(loss, with_p_eps):
    out = [
        Mistake(EPS_MESSAGE, _variant(loss, _triplet_variant(eps_in_norm=True))),
        Mistake(EPS_MESSAGE, _variant(loss, _triplet_variant(no_eps=True))),
        Mistake("with swap, a tie d(a, n) == d(p, n) in the min splits the gradient in half between the two "
                "distances (torch.minimum); you gave all of it to one",
                _variant(loss, _triplet_variant(whole_tie=True))),
        Mistake("you ignored `swap`: with swap=True the negative distance is min(d(a, n), d(p, n))",
                _changed("swap", False)),
        Mistake("you ignored `margin` (used 1)", _changed("margin", 1.0)),
    ]
    if with_p_eps:  # (only triplet_margin_loss has a case with z exactly 0: p=1, eps=0)
        out.append(Mistake("you ignored `p` (used the Euclidean norm, p = 2)", _changed("p", 2.0)))
        out.append(Mistake("at z == 0 torch's hinge (clamp_min) counts as active (≥): the gradient there is not 0",
                           _variant(loss, _triplet_variant(strict=True))))
    return tuple(out)


ranking = ranking_cases
cosine = cosine_cases
triplet = _triplet_cases(with_p_eps=True)
triplet_distance = _triplet_cases(with_p_eps=False)
TRIPLET_MISTAKES = _triplet_mistakes("triplet_margin_loss", True)
TRIPLET_DISTANCE_MISTAKES = _triplet_mistakes("triplet_margin_with_distance_loss", False)

ASSIGNMENT = Assignment(
    name="07_ranking_and_embeddings",
    title="Ranking and embedding losses: margin ranking, cosine embedding, triplet margin (with distance)",
    parts=(
        Part("margin_ranking_loss", 2, ranking, RANKING_MISTAKES),
        Part("margin_ranking_loss_backward", 2, _backward("margin_ranking_loss", ranking), RANKING_MISTAKES),
        Part("cosine_embedding_loss", 2, cosine, COSINE_MISTAKES),
        Part("cosine_embedding_loss_backward", 2, _backward("cosine_embedding_loss", cosine), COSINE_MISTAKES),
        Part("triplet_margin_loss", 2, triplet, TRIPLET_MISTAKES),
        Part("triplet_margin_loss_backward", 2, _backward("triplet_margin_loss", triplet), TRIPLET_MISTAKES),
        Part("triplet_margin_with_distance_loss", 2, triplet_distance, TRIPLET_DISTANCE_MISTAKES),
        Part("triplet_margin_with_distance_loss_backward", 2,
             _backward("triplet_margin_with_distance_loss", triplet_distance), TRIPLET_DISTANCE_MISTAKES),
    ),
)
