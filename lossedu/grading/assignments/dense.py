"""Assignment 10: sigmoid_focal_loss, dice_loss (micro and macro), generalized_box_iou_loss,
distance_box_iou_loss and their gradients.

The homes are torchvision's `ops.sigmoid_focal_loss`, `ops.generalized_box_iou_loss`,
`ops.distance_box_iou_loss` and kornia's `losses.dice_loss` (COURSE.md, Part II). The grader runs where
only numpy and torch are installed, so the right answers here are short transcriptions of the homes'
formulas into torch operations, differentiated by autograd (`spec.autograd_reference`); the package's own
`lossedu.functional` versions are checked against the homes themselves in tests/test_dense.py and
tests/test_boxes.py, and tests/test_grading.py checks them against these references.
"""

from __future__ import annotations

import numpy as np

from ..cases import REDUCTIONS, backward_only, describe, flagged, loss_parts
from ..spec import Assignment, Case, Mistake, autograd_reference


# ============================================================================= the references (torch)
def _reduce(loss, reduction, empty_mean_is_zero=False):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if empty_mean_is_zero and loss.numel() == 0:  # torchvision's box losses: 0.0 * loss.sum()
        return 0.0 * loss.sum()
    return loss.mean()


def focal(inputs, targets, alpha=0.25, gamma=2.0, reduction="none", *, swap_alpha=False, alpha_always=False,
          p_t_factor=False, constant_factor=False):
    """torchvision's sigmoid focal loss: α_t·(1 − p_t)^γ·BCE(x, t), α_t dropped for α < 0.

    The keyword-only flags model the usual mistakes (see FOCAL_MISTAKES); all False is the home."""
    import torch
    import torch.nn.functional as F

    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    base = p_t if p_t_factor else 1 - p_t
    if constant_factor:
        base = base.detach()
    loss = ce * base**gamma
    if alpha >= 0 or alpha_always:
        a = 1 - alpha if swap_alpha else alpha
        loss = (a * targets + (1 - a) * (1 - targets)) * loss
    return _reduce(loss, reduction)


def dice(input, target, average="micro", eps=1e-8, weight=None, ignore_index=-100, *, eps_in_numerator=False,
         mask_target_only=False, all_classes=False, no_softmax=False):
    """kornia 0.9.0's dice_loss: softmax over axis 1, one-hot target, ignored pixels out of both sums,
    'micro' one Dice per sample (weight scales class c's terms in both sums), 'macro' one per sample and
    class averaged with weights over the classes present in the sample; empty sums give Dice 0, a sample
    with no weighted present class loss 1; then the mean over the batch. Flags: the usual mistakes."""
    import torch
    import torch.nn.functional as F

    C = input.shape[1]
    P = input if no_softmax else torch.softmax(input, dim=1)
    valid = target != ignore_index
    Y = F.one_hot(torch.where(valid, target, 0), C).permute(0, 3, 1, 2).to(input.dtype)
    m = valid.unsqueeze(1).to(input.dtype)
    Y = Y * m
    if not mask_target_only:
        P = P * m
    w = torch.ones(C, dtype=input.dtype) if weight is None else weight
    if average == "micro":
        wc = w.view(-1, 1, 1)
        inter = (P * wc * Y).sum((1, 2, 3))
        card = (P * wc + Y * wc).sum((1, 2, 3))
    else:
        inter, card = (P * Y).sum((2, 3)), (P + Y).sum((2, 3))
    empty = card == 0
    top = 2 * inter + eps if eps_in_numerator else 2 * inter
    score = (top / (card + eps).masked_fill(empty, 1.0)).masked_fill(empty, 0.0)
    loss = 1 - score
    if average == "macro":
        present = torch.ones_like(inter, dtype=torch.bool) if all_classes else (Y == 1).any(-1).any(-1)
        wp = w * present
        norm = wp.sum(-1)
        loss = ((loss * wp).sum(-1) / norm.masked_fill(norm == 0, 1)).masked_fill(norm == 0, 1)
    return loss.mean()


def _corners(boxes):
    return boxes.unbind(dim=-1)


def _inter_union(b1, b2, clamp=True, ties_to_first=False):
    import torch

    x1, y1, x2, y2 = _corners(b1)
    u1, v1, u2, v2 = _corners(b2)
    if ties_to_first:  # a max/min as a choice: a tie gives all its gradient to boxes1
        big = lambda a, b: torch.where(a >= b, a, b)  # noqa: E731
        small = lambda a, b: torch.where(a <= b, a, b)  # noqa: E731
    else:  # torch.max/min: a tie splits the gradient ½/½
        big, small = torch.max, torch.min
    xa, ya, xb, yb = big(x1, u1), big(y1, v1), small(x2, u2), small(y2, v2)
    if clamp:  # torchvision: the intersection only where both sides are strictly positive
        inter = torch.where((xb > xa) & (yb > ya), (xb - xa) * (yb - ya), torch.zeros_like(xa))
    else:
        inter = (xb - xa) * (yb - ya)
    union = (x2 - x1) * (y2 - y1) + (u2 - u1) * (v2 - v1) - inter
    enclosing = (small(x1, u1), small(y1, v1), big(x2, u2), big(y2, v2))
    return inter, union, enclosing


def giou(boxes1, boxes2, reduction="none", eps=1e-7, *, no_enclosing=False, clamp=True, ties_to_first=False):
    """torchvision's generalized_box_iou_loss: 1 − IoU + (C − U)/C, with eps in both denominators."""
    inter, union, (cx1, cy1, cx2, cy2) = _inter_union(boxes1, boxes2, clamp, ties_to_first)
    iou = inter / (union + eps)
    area_c = (cx2 - cx1) * (cy2 - cy1)
    loss = 1 - iou if no_enclosing else 1 - (iou - (area_c - union) / (area_c + eps))
    return _reduce(loss, reduction, empty_mean_is_zero=True)


def diou(boxes1, boxes2, reduction="none", eps=1e-7, *, no_distance=False, diagonal_not_squared=False, clamp=True,
         ties_to_first=False):
    """torchvision's distance_box_iou_loss: 1 − IoU + ρ²/c² (centres' squared distance over the enclosing
    box's squared diagonal + eps)."""
    inter, union, (cx1, cy1, cx2, cy2) = _inter_union(boxes1, boxes2, clamp, ties_to_first)
    iou = inter / (union + eps)
    c2 = (cx2 - cx1) ** 2 + (cy2 - cy1) ** 2 + eps
    if diagonal_not_squared:
        c2 = c2.sqrt()
    x1, y1, x2, y2 = _corners(boxes1)
    u1, v1, u2, v2 = _corners(boxes2)
    rho2 = ((x1 + x2) / 2 - (u1 + u2) / 2) ** 2 + ((y1 + y2) / 2 - (v1 + v2) / 2) ** 2
    loss = 1 - iou if no_distance else 1 - iou + rho2 / c2
    return _reduce(loss, reduction, empty_mean_is_zero=True)


BOXES = ("boxes1", "boxes2")
FOCAL = autograd_reference(focal, wrt=("inputs",))
DICE = autograd_reference(dice, wrt=("input",))
GIOU = autograd_reference(giou, wrt=BOXES)
DIOU = autograd_reference(diou, wrt=BOXES)


# ============================================================================= the cases
def _shape(rng, hidden, public, max_rank=3):
    if not hidden:
        return public
    return tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, max_rank + 1))))


def focal_cases(rng, hidden):
    """Every reduction, α on/off (α < 0), several γ, hard and soft targets, saturated logits, empty input."""
    out = []

    def add(label, args):
        out.append(Case(label or describe(args, skip=("inputs", "targets")), args))

    def hard(shape):
        return (rng.random(size=shape) < 0.3).astype(np.float64)

    shapes = [(7,), (4, 5), (2, 3, 4)]
    options = [{}, {"alpha": 0.5, "gamma": 1.0}, {"alpha": -1, "gamma": 2.0}, {"alpha": 0.9, "gamma": 0.0},
               {"alpha": 0.25, "gamma": 3.0}, {"alpha": 0.1, "gamma": 1.5}, {"alpha": -1, "gamma": 0.5},
               {"alpha": 0.75}, {"gamma": 2.5}]
    for r, reduction in enumerate(REDUCTIONS):
        for k, public in enumerate(shapes):
            shape = _shape(rng, hidden, public)
            if hidden:
                opt = {"alpha": float(rng.choice([0.25, 0.5, 0.8, -1.0, 0.1])),
                       "gamma": float(rng.choice([0.0, 1.0, 2.0, 3.0, 1.5]))}
            else:
                opt = options[3 * r + k]
            args = {"inputs": rng.normal(scale=2.0, size=shape), "targets": hard(shape), **opt, "reduction": reduction}
            add(f"inputs {shape}, " + describe({k: v for k, v in args.items() if k not in ("inputs", "targets")}), args)
    n = 8 if not hidden else int(rng.integers(5, 10))
    add("only inputs and targets (the defaults: alpha=0.25, gamma=2.0, reduction='none')",
        {"inputs": rng.normal(scale=2.0, size=n), "targets": hard(n)})
    t = rng.choice([0.0, 0.2, 0.5, 0.9, 1.0], size=n)
    add("soft targets in [0, 1] (torchvision's formula takes them as they are)",
        {"inputs": rng.normal(scale=2.0, size=n), "targets": t, "alpha": 0.3, "gamma": 2.0, "reduction": "none"})
    x = rng.normal(scale=2.0, size=n)
    t = hard(n)
    x[:2] = (30.0, -30.0)
    t[:2] = (1.0, 0.0)
    x[2:4] = (-12.0, 12.0)
    t[2:4] = (1.0, 0.0)
    add("saturated logits: two confident right answers (loss ≈ 0) and two confident wrong ones (loss ≈ α_t·|x|)",
        {"inputs": x, "targets": t, "alpha": 0.25, "gamma": 2.0, "reduction": "none"})
    if not hidden:
        add("float32 inputs and targets (the reference computes in float32 too)",
            {"inputs": rng.normal(scale=1.5, size=(3, 4)).astype(np.float32),
             "targets": (rng.random(size=(3, 4)) < 0.4).astype(np.float32), "alpha": 0.25, "gamma": 2.0,
             "reduction": "sum"})
        for reduction in REDUCTIONS:
            add(f"empty inputs (0,), reduction={reduction!r} ('mean' of nothing is nan, 'sum' 0)",
                {"inputs": np.zeros(0), "targets": np.zeros(0), "reduction": reduction})
    return out


def _labels(rng, shape, C, ignore=0.0):
    t = rng.integers(0, C, size=shape).astype(np.int64)
    if ignore:
        t[rng.random(size=shape) < ignore] = -100
    return t


def dice_cases(rng, hidden):
    """micro and macro, eps, class weights, ignore_index, absent classes, fully ignored and empty samples."""
    out = []

    def add(label, args):
        out.append(Case(label, args))

    def bchw(public):
        if not hidden:
            return public
        return int(rng.integers(1, 4)), int(rng.integers(2, 5)), int(rng.integers(1, 5)), int(rng.integers(2, 5))

    variants = [
        ({}, (2, 3, 4, 4)),
        ({"eps": 1.0}, (3, 2, 3, 5)),
        ({"weight": np.array([0.5, 2.0, 1.0, 0.25])}, (2, 4, 3, 3)),
        ({"ignore_index": 255, "eps": 0.5}, (2, 3, 4, 3)),
    ]
    for average in ("micro", "macro"):
        for opt, public in variants:
            B, C, H, W = bchw(public)
            opt = dict(opt)
            if "weight" in opt:
                opt["weight"] = rng.uniform(0.2, 2.0, size=C) if hidden else opt["weight"]
            if "eps" in opt and hidden:
                opt["eps"] = float(rng.choice([1e-8, 0.5, 1.0, 0.1]))
            target = rng.integers(0, C, size=(B, H, W)).astype(np.int64)
            if "ignore_index" in opt:
                target[rng.random(size=target.shape) < 0.3] = opt["ignore_index"]
            args = {"input": rng.normal(scale=1.5, size=(B, C, H, W)), "target": target, "average": average, **opt}
            add(f"input {(B, C, H, W)}, " + describe({k: v for k, v in args.items() if k not in ("input", "target")}),
                args)
    B, C, H, W = bchw((2, 4, 3, 4))
    target = _labels(rng, (B, H, W), max(C - 2, 1))  # the last classes absent from every target
    add("classes absent from the target: 'macro' averages over the present classes only",
        {"input": rng.normal(scale=1.5, size=(B, C, H, W)), "target": target, "average": "macro"})
    add("classes absent from the target, 'micro' with eps=1",
        {"input": rng.normal(scale=1.5, size=(B, C, H, W)), "target": target, "average": "micro", "eps": 1.0})
    for average in ("micro", "macro"):
        B, C, H, W = bchw((3, 3, 3, 3))
        B = max(B, 2)
        target = _labels(rng, (B, H, W), C, ignore=0.2)
        target[0] = -100  # the first sample fully ignored: loss 1, no gradient
        add(f"the first sample fully ignored (ignore_index=-100), average={average!r}: it counts as loss 1",
            {"input": rng.normal(scale=1.5, size=(B, C, H, W)), "target": target, "average": average, "eps": 0.0})
    B, C, H, W = bchw((2, 3, 3, 3))
    target = _labels(rng, (B, H, W), C)
    target[:, 0, 0] = 0
    add("macro with a zero class weight and a weighted present class",
        {"input": rng.normal(scale=1.5, size=(B, C, H, W)), "target": target, "average": "macro",
         "weight": np.concatenate([[0.0], rng.uniform(0.5, 2.0, size=C - 1)]), "eps": 0.1})
    add("only input and target (the defaults: average='micro', eps=1e-8, weight=None, ignore_index=-100)",
        {"input": rng.normal(scale=1.5, size=(2, 3, 2, 3)), "target": _labels(rng, (2, 2, 3), 3)})
    if not hidden:
        add("float32 logits, average='macro' (the reference computes in float32 too)",
            {"input": rng.normal(scale=1.5, size=(2, 3, 3, 4)).astype(np.float32),
             "target": _labels(rng, (2, 3, 4), 3), "average": "macro", "eps": 0.1})
    return out


def _boxes(rng, shape, scale=4.0):
    """Proper boxes (x1 < x2, y1 < y2), shape (..., 4), on a grid of quarters so that some corners tie."""
    a = rng.integers(-4 * int(scale), 4 * int(scale), size=shape[:-1] + (2,)) / 4.0
    size = rng.integers(1, 4 * int(scale), size=shape[:-1] + (2,)) / 4.0
    return np.concatenate([a, a + size], axis=-1)


EDGE_PAIRS = [
    ([0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 2.0, 1.0]),    # identical: every max/min tied
    ([0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 2.0, 1.0]),    # touching: no intersection (strict >)
    ([0.0, 0.0, 1.0, 1.0], [2.0, 3.0, 4.0, 5.0]),    # disjoint
    ([0.0, 0.0, 4.0, 4.0], [1.0, 1.5, 2.0, 2.0]),    # nested
    ([0.0, 0.0, 0.0, 2.0], [-1.0, 0.5, 1.0, 3.0]),   # zero width
    ([0.5, 0.5, 3.0, 2.0], [0.5, 0.25, 3.0, 2.5]),   # ties on two corners
]


def box_cases(rng, hidden):
    """Every reduction, eps, 1-D to 3-D batches, a single pair, broadcast boxes2, the edges, empty batches."""
    out = []

    def add(label, args):
        out.append(Case(label, args))

    shapes = [(5, 4), (2, 3, 4), (6, 4)]
    epss = [None, 0.1, 1e-7, 1.0, None, 0.5, None, None, 0.25]
    for r, reduction in enumerate(REDUCTIONS):
        for k, public in enumerate(shapes):
            shape = _shape(rng, hidden, public[:-1], max_rank=2) + (4,)
            eps = float(rng.choice([1e-7, 0.1, 0.5])) if hidden else epss[3 * r + k]
            args = {"boxes1": _boxes(rng, shape), "boxes2": _boxes(rng, shape), "reduction": reduction}
            if eps is not None:
                args["eps"] = eps
            add(f"boxes {shape}, " + describe({k: v for k, v in args.items() if not k.startswith("boxes")}), args)
    b1 = np.array([p for p, _ in EDGE_PAIRS])
    b2 = np.array([q for _, q in EDGE_PAIRS])
    if hidden:  # the same edges moved and scaled by powers of 2 (exact), in a random order
        order = rng.permutation(len(b1))
        shift, scale = rng.integers(-8, 8, size=2) / 4.0, float(rng.choice([0.5, 2.0, 4.0]))
        b1, b2 = scale * b1[order] + np.tile(shift, 2), scale * b2[order] + np.tile(shift, 2)
    add("the edges: identical, touching, disjoint, nested, zero-width, tied corners (ties split the gradient ½/½)",
        {"boxes1": b1, "boxes2": b2, "reduction": "none"})
    add("the edges swapped (boxes1 ↔ boxes2), reduction='sum'", {"boxes1": b2, "boxes2": b1, "reduction": "sum"})
    add("one pair of boxes (4,): a 0-d loss", {"boxes1": _boxes(rng, (4,)), "boxes2": _boxes(rng, (4,))})
    n = 5 if not hidden else int(rng.integers(2, 7))
    add(f"boxes2 (1, 4) broadcast over boxes1 ({n}, 4): its gradient sums over the batch",
        {"boxes1": _boxes(rng, (n, 4)), "boxes2": _boxes(rng, (1, 4)), "reduction": "mean"})
    if not hidden:
        add("float32 boxes (the reference computes in float32 too)",
            {"boxes1": _boxes(rng, (5, 4)).astype(np.float32), "boxes2": _boxes(rng, (5, 4)).astype(np.float32),
             "reduction": "none"})
        for reduction in REDUCTIONS:
            add(f"no boxes (0, 4), reduction={reduction!r} (torchvision's 'mean' of nothing is 0, not nan)",
                {"boxes1": np.zeros((0, 4)), "boxes2": np.zeros((0, 4)), "reduction": reduction})
    return out


# ============================================================================= the usual mistakes
def _alpha(args):
    return args.get("alpha", 0.25)


def _gamma(args):
    return args.get("gamma", 2.0)


FOCAL_MISTAKES = (
    Mistake("α weights the positives (t = 1) and 1 − α the negatives: α_t = α·t + (1 − α)(1 − t); you swapped them",
            flagged(FOCAL, lambda a: _alpha(a) >= 0 and _alpha(a) != 0.5, swap_alpha=True)),
    Mistake("a negative α (e.g. −1) switches the α-weighting off in torchvision; you applied it anyway",
            flagged(FOCAL, lambda a: _alpha(a) < 0, alpha_always=True)),
    Mistake("the modulating factor is (1 − p_t)^γ, small for easy examples (p_t → 1); you used p_t^γ",
            flagged(FOCAL, lambda a: _gamma(a) != 0, p_t_factor=True)),
    Mistake("(1 − p_t)^γ depends on the input too: the product rule adds ce·γ(1 − p_t)^(γ−1)·∂(1 − p_t)/∂x; you "
            "differentiated the cross-entropy only",
            backward_only(flagged(FOCAL, lambda a: _gamma(a) != 0, constant_factor=True))),
)


def _average_swapped(case, reference):
    args = dict(case.args)
    args["average"] = "macro" if args.get("average", "micro") == "micro" else "micro"
    return reference(args)


DICE_MISTAKES = (
    Mistake("'micro' is one Dice per sample over all classes and pixels, 'macro' one per sample and class then "
            "averaged over the present classes: you swapped them", _average_swapped),
    Mistake("eps goes in the denominator only, 1 − 2I/(|X| + |Y| + eps); you added it to the numerator too",
            flagged(DICE, lambda a: a.get("eps", 1e-8) >= 1e-3, eps_in_numerator=True)),
    Mistake("an ignored pixel leaves both sums: mask the softmax as well as the one-hot target",
            flagged(DICE, lambda a: bool((a["target"] == a.get("ignore_index", -100)).any()), mask_target_only=True)),
    Mistake("'macro' averages over the classes present in the sample's (non-ignored) target only; you averaged "
            "over every class", flagged(DICE, lambda a: a.get("average", "micro") == "macro", all_classes=True)),
    Mistake("X is the softmax of the logits over the classes (axis 1); you used the logits themselves",
            flagged(DICE, no_softmax=True)),
)


def _has_ties(args):
    b1, b2 = np.broadcast_arrays(args["boxes1"], args["boxes2"])
    return bool((b1 == b2).any())


def _box_mistakes(reference, distance):
    out = []
    if distance:
        out += [
            Mistake("DIoU adds ρ²/c², the centres' squared distance over the enclosing box's squared diagonal; "
                    "you left it out (plain 1 − IoU)", flagged(reference, no_distance=True)),
            Mistake("c² is the enclosing box's squared diagonal (w_c² + h_c² + eps), not its length",
                    flagged(reference, diagonal_not_squared=True)),
        ]
    else:
        out.append(Mistake("GIoU adds (C − U)/C, the share of the enclosing box C that the union U leaves empty; "
                           "you left it out (plain 1 − IoU, whose gradient is 0 for disjoint boxes)",
                           flagged(reference, no_enclosing=True)))
    out += [
        Mistake("the intersection is 0 unless both its sides are positive (torchvision: x2 > x1 and y2 > y1); you "
                "multiplied negative sides of disjoint boxes", flagged(reference, clamp=False)),
        Mistake("a tie in a max or min of corners (torch.max/min) splits the gradient ½/½ between the two boxes; "
                "you gave all of it to one", backward_only(flagged(reference, _has_ties, ties_to_first=True))),
        Mistake("torchvision's 'mean' of no boxes is 0 (0 × the sum), not nan",
                lambda case, reference: np.float64(np.nan) if case.args.get("reduction") == "mean"
                and np.size(case.args["boxes1"]) == 0 and "grad_output" not in case.args else None),
    ]
    return tuple(out)


def _float64(case):
    """Backward cases are made from the float64 forward cases only: a float32 gradient is rounded well
    beyond the grader's rtol (GIoU's ∂/∂U is a difference of two close terms)."""
    return all(v.dtype != np.float32 for v in case.args.values() if isinstance(v, np.ndarray))


ASSIGNMENT = Assignment(
    name="10_dense_prediction",
    title="Dense prediction: sigmoid focal, Dice, GIoU and DIoU losses",
    parts=(
        *loss_parts("sigmoid_focal_loss", focal_cases, mistakes=FOCAL_MISTAKES, reference=FOCAL.forward,
                    backward_reference=FOCAL.backward, wrt=("inputs",), keep=_float64),
        *loss_parts("dice_loss", dice_cases, mistakes=DICE_MISTAKES, reference=DICE.forward,
                    backward_reference=DICE.backward, wrt=("input",), keep=_float64),
        *loss_parts("generalized_box_iou_loss", box_cases, mistakes=_box_mistakes(GIOU, False),
                    reference=GIOU.forward, backward_reference=GIOU.backward, wrt=BOXES, keep=_float64),
        *loss_parts("distance_box_iou_loss", box_cases, mistakes=_box_mistakes(DIOU, True),
                    reference=DIOU.forward, backward_reference=DIOU.backward, wrt=BOXES, keep=_float64),
    ),
)
