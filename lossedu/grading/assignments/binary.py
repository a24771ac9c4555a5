"""Assignment 05: binary_cross_entropy, binary_cross_entropy_with_logits, soft_margin_loss,
multilabel_soft_margin_loss and their gradients.

Cases cover every reduction on 0-d, 1-D, 2-D and 3-D inputs, hard and soft targets, elementwise and
broadcast (C,) weights, pos_weight (with and without weight), a broadcast and an int64 target for soft
margin, (N, 1) weights and int64 targets for the multi-label loss, plus the tricky ones of the semantics
reference: BCE's log clamp at −100 (p = 0 or 1, and 1e-50) with its floored gradient denominator,
logits of ±1000 with pos_weight (softplus), targets outside [0, 1] for BCE with logits, and a 3-D
multi-label input (classes on the LAST axis). Soft margin is only tested where torch's naive
log1p(exp(−y·x)) does not overflow, so a stable solution is never penalised.
"""

from __future__ import annotations

import numpy as np

from ..cases import REDUCTIONS, describe
from ..cases import backward_of as _backward

from ..spec import Assignment, Case, Mistake, Part, tuple_map

SHAPES = [(7,), (4, 5), (2, 3, 4)]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _random_shape(rng, min_ndim=0):
    return tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(max(min_ndim, 1), 4))))


def _soft_or_hard(rng, shape, soft):
    return rng.uniform(0, 1, size=shape) if soft else rng.integers(0, 2, size=shape).astype(np.float64)


def _label(args, extra=""):
    return describe(args) + extra


# ----------------------------------------------------------------------------- binary_cross_entropy
def _bce_args(rng, shape, reduction, *, soft=False, weight=None):
    args = {"input": rng.uniform(0.02, 0.98, size=shape), "target": _soft_or_hard(rng, shape, soft),
            "reduction": reduction}
    if weight == "full":
        args["weight"] = rng.uniform(0.2, 3.0, size=shape)
    elif weight == "class":
        args["weight"] = rng.uniform(0.2, 3.0, size=shape[-1:])
    return args


def bce_cases(rng, hidden):
    out = []
    if hidden:
        for _ in range(10):
            shape = _random_shape(rng)
            args = _bce_args(rng, shape, str(rng.choice(REDUCTIONS)), soft=bool(rng.random() < 0.5),
                             weight=rng.choice([None, "full", "class"]))
            out.append(Case(_label(args), args))
        return out
    for r in REDUCTIONS:
        for i, shape in enumerate(SHAPES):
            args = _bce_args(rng, shape, r, soft=i == 1)
            out.append(Case(_label(args, ", soft targets" if i == 1 else ", targets 0/1"), args))
        args = _bce_args(rng, (3, 4), r, weight="full")
        out.append(Case(_label(args), args))
        args = _bce_args(rng, (4, 3), r, soft=True, weight="class")
        out.append(Case(_label(args, " (broadcast over the rows), soft targets"), args))
        x, y = np.array([0.0, 1e-50, 1.0, 0.0, 1.0]), np.array([1.0, 1.0, 0.0, 0.5, 0.25])
        out.append(Case(f"p = 0, 1e-50 and 1 (each log clamped at −100), reduction={r!r}",
                        {"input": x, "target": y, "reduction": r}))
    out.append(Case("a 0-d input and target", {"input": np.array(0.3), "target": np.array(1.0)}))
    return out


# ----------------------------------------------------------------------------- BCE with logits
def _bcel_args(rng, shape, reduction, *, soft=False, weight=None, pos_weight=None, scale=2.0):
    args = {"input": rng.normal(scale=scale, size=shape), "target": _soft_or_hard(rng, shape, soft),
            "reduction": reduction}
    if weight == "full":
        args["weight"] = rng.uniform(0.2, 3.0, size=shape)
    elif weight == "class":
        args["weight"] = rng.uniform(0.2, 3.0, size=shape[-1:])
    if pos_weight == "class":
        args["pos_weight"] = rng.uniform(0.5, 9.0, size=shape[-1:])
    elif pos_weight == "full":
        args["pos_weight"] = rng.uniform(0.5, 9.0, size=shape)
    return args


def bcel_cases(rng, hidden):
    out = []
    if hidden:
        for _ in range(12):
            shape = _random_shape(rng, min_ndim=1)
            args = _bcel_args(rng, shape, str(rng.choice(REDUCTIONS)), soft=bool(rng.random() < 0.5),
                              weight=rng.choice([None, "full", "class"]), pos_weight=rng.choice([None, "class", "full"]))
            out.append(Case(_label(args), args))
        return out
    for r in REDUCTIONS:
        for i, shape in enumerate(SHAPES):
            args = _bcel_args(rng, shape, r, soft=i == 1)
            out.append(Case(_label(args, ", soft targets" if i == 1 else ", targets 0/1"), args))
        for opts in ({"weight": "full"}, {"pos_weight": "class"}, {"weight": "class", "pos_weight": "class", "soft": True},
                     {"pos_weight": "full"}):
            args = _bcel_args(rng, (4, 3), r, **opts)
            out.append(Case(_label(args, " (broadcast over the rows)" if "class" in opts.values() else ""), args))
        x, y = np.array([-1000.0, 1000.0, -800.0, 40.0]), np.array([1.0, 0.0, 0.0, 1.0])
        out.append(Case(f"logits ±1000 (needs softplus), pos_weight [2.], reduction={r!r}",
                        {"input": x, "target": y, "reduction": r, "pos_weight": np.array([2.0])}))
    x, y = np.array([-1000.0, 1000.0, 3.0]), np.array([1.0, 0.0, 1.0])
    out.append(Case("logits ±1000 (needs softplus), reduction='none'", {"input": x, "target": y, "reduction": "none"}))
    out.append(Case("targets outside [0, 1] (2 and −1: no range check, a negative loss is fine)",
                    {"input": np.array([1.0, -0.5, 2.0]), "target": np.array([2.0, -1.0, 0.5]), "reduction": "none"}))
    out.append(Case("a 0-d input and target", {"input": np.array(-0.7), "target": np.array(1.0)}))
    return out


# ----------------------------------------------------------------------------- soft margin
def _sm_args(rng, shape, reduction, *, target_shape=None, integer=False):
    t = rng.choice([-1, 1], size=shape if target_shape is None else target_shape).astype(
        np.int64 if integer else np.float64)
    return {"input": rng.normal(scale=2.5, size=shape), "target": t, "reduction": reduction}


def sm_cases(rng, hidden):
    out = []
    if hidden:
        for _ in range(10):
            shape = _random_shape(rng)
            ts = shape[-1:] if shape and rng.random() < 0.3 else None
            args = _sm_args(rng, shape, str(rng.choice(REDUCTIONS)), target_shape=ts, integer=bool(rng.random() < 0.3))
            out.append(Case(_label(args), args))
        return out
    for r in REDUCTIONS:
        for shape in SHAPES:
            args = _sm_args(rng, shape, r)
            out.append(Case(_label(args, ", targets ±1"), args))
        args = _sm_args(rng, (4, 3), r, target_shape=(3,))
        out.append(Case(f"input (4, 3), target (3,) broadcast over the rows, reduction={r!r}", args))
        args = _sm_args(rng, (6,), r, integer=True)
        out.append(Case(f"input (6,), int64 target ±1, reduction={r!r}", args))
    x = np.array([-30.0, 30.0, 0.0, -2.0, 15.0])
    out.append(Case("large margins y·x = ±30 (and 0)", {"input": x, "target": np.array([1.0, -1.0, 1.0, -1.0, 1.0]),
                                                        "reduction": "none"}))
    out.append(Case("a 0-d input and target", {"input": np.array(0.4), "target": np.array(-1.0)}))
    return out


# ----------------------------------------------------------------------------- multi-label soft margin
def _mlsm_args(rng, shape, reduction, *, weight=None, integer=False, scale=2.0):
    t = rng.integers(0, 2, size=shape)
    args = {"input": rng.normal(scale=scale, size=shape), "target": t if integer else t.astype(np.float64),
            "reduction": reduction}
    if weight == "class":
        args["weight"] = rng.uniform(0.2, 3.0, size=shape[-1:])
    elif weight == "row":
        args["weight"] = rng.uniform(0.2, 3.0, size=shape[:-1] + (1,))
    return args


def mlsm_cases(rng, hidden):
    out = []
    if hidden:
        for _ in range(10):
            shape = _random_shape(rng, min_ndim=1)
            args = _mlsm_args(rng, shape, str(rng.choice(REDUCTIONS)), weight=rng.choice([None, "class", "row"]),
                              integer=bool(rng.random() < 0.3))
            out.append(Case(_label(args), args))
        return out
    for r in REDUCTIONS:
        args = _mlsm_args(rng, (5, 4), r)
        out.append(Case(_label(args), args))
        args = _mlsm_args(rng, (4, 3), r, weight="class")
        out.append(Case(_label(args, " (one weight per class)"), args))
        args = _mlsm_args(rng, (4, 3), r, weight="row", integer=True)
        out.append(Case(_label(args, " (one weight per sample), int64 target"), args))
        args = _mlsm_args(rng, (2, 3, 4), r)
        out.append(Case(f"3-D input (2, 3, 4): the classes are on the LAST axis, reduction={r!r}", args))
        args = _mlsm_args(rng, (5,), r)
        out.append(Case(f"unbatched input (5,) (a 0-d loss), reduction={r!r}", args))
    out.append(Case("logits ±1000 (needs a stable log σ)",
                    {"input": np.array([[-1000.0, 1000.0, 2.0], [1000.0, -1000.0, -3.0]]),
                     "target": np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), "reduction": "none"}))
    return out


# ----------------------------------------------------------------------------- usual mistakes
def _variant(loss):
    """A mistake computed by `loss(**torch tensors) → tensor` (None if it does not apply), with
    autograd with respect to input for a backward case."""

    def expected(case, reference):
        import torch

        args = dict(case.args)
        grad_output = args.pop("grad_output", None)
        t = {k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        t["input"] = t["input"].to(torch.float64).requires_grad_(grad_output is not None)
        out = loss(**t)
        if out is None:
            return None
        if grad_output is None:
            return out.detach().numpy()
        (g,) = torch.autograd.grad(out, t["input"], torch.from_numpy(np.array(grad_output, dtype=np.float64)))
        return g.numpy()

    return expected


def _reduce(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _flip_target(flip):
    def expected(case, reference):
        if "target" not in case.args or case.args.get("pos_weight") is not None:
            return None
        return reference({**case.args, "target": flip(np.asarray(case.args["target"]))})

    return expected


def _pw_everywhere(case, reference):
    args = case.args
    pw = args.get("pos_weight")
    if pw is None:
        return None
    w = args.get("weight")
    return reference({**args, "weight": pw if w is None else w * pw, "pos_weight": None})


def _pw_on_negatives(input, target, weight=None, reduction="mean", pos_weight=None):
    import torch.nn.functional as F

    if pos_weight is None:
        return None
    sp = F.softplus(-input)
    loss = pos_weight * (1 - target) * (input + sp) + target * sp
    return _reduce(loss if weight is None else weight * loss, reduction)


def _bce_of_sigmoid(input, target, weight=None, reduction="mean"):
    import torch

    return torch.nn.functional.binary_cross_entropy(torch.sigmoid(input), target, weight=weight, reduction=reduction)


def _mlsm_times_c(case, reference):
    c = np.shape(case.args["input"])[-1]
    return None if c == 1 else tuple_map(lambda a: c * a, reference(case.args))


def _mlsm_axis1(input, target, weight=None, reduction="mean"):
    import torch.nn.functional as F

    if input.ndim < 3:
        return None
    e = target * F.softplus(-input) + (1 - target) * F.softplus(input)
    e = e if weight is None else e * weight
    return _reduce(e.sum(1) / input.shape[1], reduction)


def _pw_grad_without_sigma_term(case, reference):
    """∂ℓ/∂x = w·(σ(x) − pw·y): pos_weight left out of the σ(x) factor."""
    args = case.args
    if "grad_output" not in args or args.get("pos_weight") is None:
        return None
    x, y, pw = (np.asarray(args[k], dtype=np.float64) for k in ("input", "target", "pos_weight"))
    local = 1 / (1 + np.exp(-np.clip(x, -700, 700))) - pw * y
    if args.get("weight") is not None:
        local = args["weight"] * local
    g = np.asarray(args["grad_output"], dtype=np.float64)
    if args.get("reduction", "mean") == "mean":
        g = g / x.size
    return np.broadcast_to(g, x.shape) * local if args.get("reduction", "mean") != "none" else g * local


FLIPPED_LABELS = Mistake("y and 1 − y are swapped: the y term goes with log p (log σ(x)), the 1 − y term with "
                         "log(1 − p)", _flip_target(lambda y: 1 - y))
BCE_SIGMOID = Mistake("binary_cross_entropy takes probabilities as they are: you applied a sigmoid (that is "
                      "binary_cross_entropy_with_logits)", _variant(_bce_of_sigmoid))
PW_EVERYWHERE = Mistake("pos_weight multiplies only the positive term y·softplus(−x), not the whole loss",
                        _pw_everywhere)
PW_NEGATIVES = Mistake("pos_weight weighs the positive (y) term, not the negative (1 − y) one",
                       _variant(_pw_on_negatives))
SM_SIGN = Mistake("the margin is y·x and the loss log(1 + e^{−y·x}): the sign in the exponential is flipped",
                  _flip_target(lambda y: -y))
PW_GRAD = Mistake("with pos_weight the gradient is w·[(pw·y + 1 − y)·σ(x) − pw·y]: the σ(x) of the positive term "
                  "is scaled by pw too (you have w·(σ(x) − pw·y))", _pw_grad_without_sigma_term)
MLSM_C = Mistake("each sample's loss is the MEAN over its C classes: divide the sum over the last axis by C",
                 _mlsm_times_c)
MLSM_AXIS = Mistake("the classes are on the LAST axis of the input (not axis 1)", _variant(_mlsm_axis1))

ASSIGNMENT = Assignment(
    name="05_binary_and_multilabel",
    title="Binary and multi-label losses: BCE, BCE with logits, soft margin, multi-label soft margin",
    parts=(
        Part("binary_cross_entropy", 2, bce_cases, (FLIPPED_LABELS, BCE_SIGMOID)),
        Part("binary_cross_entropy_backward", 2, _backward("binary_cross_entropy", bce_cases),
             (FLIPPED_LABELS, BCE_SIGMOID)),
        Part("binary_cross_entropy_with_logits", 2, bcel_cases, (FLIPPED_LABELS, PW_EVERYWHERE, PW_NEGATIVES)),
        Part("binary_cross_entropy_with_logits_backward", 2, _backward("binary_cross_entropy_with_logits", bcel_cases),
             (FLIPPED_LABELS, PW_EVERYWHERE, PW_NEGATIVES, PW_GRAD)),
        Part("soft_margin_loss", 2, sm_cases, (SM_SIGN,)),
        Part("soft_margin_loss_backward", 2, _backward("soft_margin_loss", sm_cases), (SM_SIGN,)),
        Part("multilabel_soft_margin_loss", 2, mlsm_cases, (MLSM_C, MLSM_AXIS)),
        Part("multilabel_soft_margin_loss_backward", 2, _backward("multilabel_soft_margin_loss", mlsm_cases),
             (MLSM_C, MLSM_AXIS)),
    ),
)
