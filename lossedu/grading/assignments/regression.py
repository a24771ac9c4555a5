"""Assignment 01: l1_loss, mse_loss, smooth_l1_loss, huber_loss and their gradients."""

from __future__ import annotations

import numpy as np

from ..cases import REDUCTIONS, describe
from ..cases import backward_of as _backward

from ..spec import Assignment, Case, Mistake, Part


def _pair(rng, shape, scale=2.0):
    return rng.normal(scale=scale, size=shape), rng.normal(scale=scale, size=shape)


def _ties(rng, threshold, n=8):
    """input − target exactly ±threshold (the boundary between the two branches), and ±0."""
    target = rng.normal(size=n).round(2)
    d = np.array([threshold, -threshold, 0.0, 0.0, threshold / 2, -3 * threshold - 1, 2 * threshold + 1, 0.5])[:n]
    return target + d, target


def _forward_cases(loss, option, values, weighted):
    """cases(rng, hidden) for one regression loss: every reduction × shapes × the loss's option."""

    def cases(rng, hidden):
        shapes = [(7,), (4, 5), (2, 3, 4)] if not hidden else [tuple(rng.integers(1, 6, size=rng.integers(1, 4)))
                                                                 for _ in range(3)]
        out = []
        for reduction in REDUCTIONS:
            for shape in shapes:
                x, y = _pair(rng, shape)
                args = {"input": x, "target": y, "reduction": reduction}
                if option:
                    args[option] = float(rng.choice(values)) if hidden else values[len(out) % len(values)]
                out.append(Case(describe(args), args))
            if weighted:
                x, y = _pair(rng, (3, 4))
                args = {"input": x, "target": y, "reduction": reduction, "weight": rng.uniform(0.1, 3.0, size=(3, 4))}
                out.append(Case(describe(args), args))
        if option:  # the boundary between the quadratic and the linear branch, for each reduction
            for reduction in REDUCTIONS:
                t = values[-1]
                x, y = _ties(rng, t)
                out.append(Case(f"input − target exactly ±{option} ({option}={t}), reduction={reduction!r}",
                                {"input": x, "target": y, "reduction": reduction, option: t}))
        if option == "beta":  # beta = 0: no element is quadratic, not even d = 0 (smooth L1 is exactly L1)
            for reduction in REDUCTIONS:
                x, y = _ties(rng, 0.0)
                out.append(Case(f"beta=0 with input == target in places, reduction={reduction!r}",
                                {"input": x, "target": y, "reduction": reduction, "beta": 0.0}))
        # d = input − target in (−0.9, −0.1): inside every quadratic branch, and neither the gradient nor the
        # loss is a constant or grad_output echoed back (as ±grad_output would be for d > 1)
        target = rng.normal()
        out.append(Case("a 0-d input and target", {"input": np.array(target - rng.uniform(0.1, 0.9)),
                                                   "target": np.array(target)}))
        x, y = _pair(rng, (5,))
        x[1] = y[1]
        out.append(Case("input equal to target in one place (d = 0)", {"input": x, "target": y}))
        return out

    return cases


def _huber_mean_over_weights(case, reference):
    if case.args.get("weight") is None or case.args.get("reduction") != "mean":
        return None
    w = case.args["weight"]
    total = reference({**case.args, "reduction": "sum"})
    return np.asarray(total) / w.sum() if not isinstance(total, tuple) else None


def _elementwise(terms, local):
    """A mistake's answer for an elementwise regression loss: from d = input − target (and the case's
    arguments), `terms(d, args)` the loss per element and `local(d, args)` its derivative in input;
    reduced as torch does (weights included), or, for a backward case, times the upstream gradient."""

    def expected(case, reference):
        a = case.args
        d = np.asarray(a["input"], dtype=np.float64) - np.asarray(a["target"], dtype=np.float64)
        w = 1.0 if a.get("weight") is None else np.asarray(a["weight"], dtype=np.float64)
        reduction = a.get("reduction", "mean")
        if "grad_output" in a:
            g = np.asarray(a["grad_output"], dtype=np.float64)
            g = g / d.size if reduction == "mean" else g
            return np.broadcast_to(g * w * local(d, a), d.shape).copy()
        t = w * terms(d, a)
        return t if reduction == "none" else np.asarray(t.sum() if reduction == "sum" else t.mean())

    return expected


def _no_beta(case, reference):
    """smooth L1 with the quadratic branch ½d² (the division by beta forgotten), linear branch |d| − ½beta."""
    beta = case.args.get("beta", 1.0)
    if beta in (0.0, 1.0):  # nothing to forget: at beta = 1 it is right, at beta = 0 there is no quadratic branch
        return None
    return _elementwise(lambda d, a: np.where(np.abs(d) < beta, 0.5 * d**2, np.abs(d) - 0.5 * beta),
                        lambda d, a: np.where(np.abs(d) < beta, d, np.sign(d)))(case, reference)



l1_cases = _forward_cases("l1_loss", None, (), weighted=True)
mse_cases = _forward_cases("mse_loss", None, (), weighted=True)
smooth_cases = _forward_cases("smooth_l1_loss", "beta", (1.0, 0.5, 2.0, 0.0, 1.5), weighted=False)
huber_cases = _forward_cases("huber_loss", "delta", (1.0, 0.5, 2.0, 1.5), weighted=True)

HUBER_MEAN = Mistake(
    "with weight and reduction='mean' huber_loss divides by the number of elements, not by Σ weight "
    "(unlike l1_loss and mse_loss)", _huber_mean_over_weights)
SMOOTH_BETA = Mistake("the quadratic branch is ½ d² / beta (its derivative d / beta): you left out the division by beta",
                      _no_beta)

ASSIGNMENT = Assignment(
    name="01_regression",
    title="Regression losses: L1, MSE, Smooth L1, Huber",
    parts=(
        Part("l1_loss", 2, l1_cases),
        Part("l1_loss_backward", 2, _backward("l1_loss", l1_cases)),
        Part("mse_loss", 2, mse_cases),
        Part("mse_loss_backward", 2, _backward("mse_loss", mse_cases)),
        Part("smooth_l1_loss", 2, smooth_cases, (SMOOTH_BETA,)),
        Part("smooth_l1_loss_backward", 2, _backward("smooth_l1_loss", smooth_cases), (SMOOTH_BETA,)),
        Part("huber_loss", 2, huber_cases, (HUBER_MEAN,)),
        Part("huber_loss_backward", 2, _backward("huber_loss", huber_cases), (HUBER_MEAN,)),
    ),
)
