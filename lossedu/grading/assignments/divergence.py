"""Assignment 04: kl_div and its gradient."""

from __future__ import annotations

import warnings

import numpy as np

from ..cases import backward_cases, describe
from ..spec import Assignment, Case, Mistake, Part, torch_reference

KL_REDUCTIONS = ("none", "mean", "sum", "batchmean")


# ----------------------------------------------------------------------------- torch, without its warning
def _quiet(function):
    """torch's answer, without the UserWarning torch gives for reduction='mean' on every call."""
    reference = torch_reference(function)

    def quiet(args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return reference(args)

    return quiet


# ----------------------------------------------------------------------------- cases
def _log_softmax(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _pair(rng, shape, log_target=False, axis=None):
    """(input = log Q, target = P or log P): real (log-)distributions over `axis` (1 if ndim ≥ 2, else 0)."""
    axis = (1 if len(shape) >= 2 else 0) if axis is None else axis
    x = _log_softmax(rng.normal(scale=1.5, size=shape), axis)
    log_p = _log_softmax(rng.normal(scale=1.5, size=shape), axis)
    return np.asarray(x), np.asarray(log_p if log_target else np.exp(log_p))


def _shapes(rng, hidden):
    if not hidden:
        return [(4, 5), (6, 3), (2, 3, 4)]
    return [tuple(int(s) for s in rng.integers(2, 7, size=2)), tuple(int(s) for s in rng.integers(2, 7, size=2)),
            tuple(int(s) for s in rng.integers(2, 5, size=3))]


def kl_cases(rng, hidden):
    shapes = _shapes(rng, hidden)
    out = []
    for reduction in KL_REDUCTIONS:
        x, t = _pair(rng, shapes[0])
        args = {"input": x, "target": t, "reduction": reduction}
        out.append(Case(describe(args), args))
        x, t = _pair(rng, shapes[1], log_target=True)
        args = {"input": x, "target": t, "reduction": reduction, "log_target": True}
        out.append(Case(describe(args), args))
        x, t = _pair(rng, shapes[2], log_target=reduction in ("mean", "batchmean"))
        args = {"input": x, "target": t, "reduction": reduction, "log_target": reduction in ("mean", "batchmean")}
        out.append(Case(describe(args) + " (classes along dim 1)", args))
    # exact zeros in P: 0·log 0 = 0 (xlogy)
    n, c = (5, 4) if not hidden else tuple(int(s) for s in rng.integers(2, 7, size=2))
    x, t = _pair(rng, (n, c))
    t[:, 0] = 0.0
    t[0] = 0.0
    t[0, c - 1] = 1.0  # a one-hot row
    t /= t.sum(axis=1, keepdims=True)
    for reduction in ("none", "batchmean"):
        out.append(Case(f"target with exact zeros (0·log 0 = 0: they contribute exactly 0), reduction={reduction!r}",
                        {"input": x, "target": t.copy(), "reduction": reduction}))
    x, t = _pair(rng, (6,))
    t[[1, 4]] = (-0.25, 0.0)
    out.append(Case("a negative target gives nan (t·log t as torch's xlogy), a zero one exactly 0, reduction='none'",
                    {"input": x, "target": t, "reduction": "none"}))
    # 'batchmean' divides by input.shape[0], whatever the shapes
    x, t = _pair(rng, (5,) if not hidden else (int(rng.integers(2, 8)),))
    out.append(Case(f"1-D input {x.shape}, reduction='batchmean' (divides by input.shape[0]: here the same as 'mean')",
                    {"input": x, "target": t, "reduction": "batchmean"}))
    x = np.asarray(rng.normal() - 1.0)
    t = np.asarray(rng.uniform(0.1, 0.9))
    out.append(Case("0-d input and target, reduction='batchmean' (no batch dim: the sum, not divided)",
                    {"input": x, "target": t, "reduction": "batchmean"}))
    c = 3 if not hidden else int(rng.integers(3, 7))
    x, _ = _pair(rng, (c,))
    _, t = _pair(rng, (2, c), axis=1)
    out.append(Case(f"input ({c},) broadcast against target (2, {c}), reduction='batchmean' (divides by "
                    f"input.shape[0] = {c}, not by 2)", {"input": x, "target": t, "reduction": "batchmean"}))
    x, _ = _pair(rng, (4, c))
    _, t = _pair(rng, (c,))
    out.append(Case(f"target ({c},) broadcast against input (4, {c}) (the same P for every row), "
                    f"reduction='batchmean'", {"input": x, "target": t, "reduction": "batchmean"}))
    x = np.asarray(rng.normal(scale=2.0, size=(3, 4)))
    _, t = _pair(rng, (3, 4))
    out.append(Case("input not normalised (any real numbers): kl_div uses it as given, reduction='sum'",
                    {"input": x, "target": t, "reduction": "sum"}))
    x, t = _pair(rng, (3, 4))
    out.append(Case("only input and target (the default reduction='mean', log_target=False)",
                    {"input": x, "target": t}))
    return out


def _backward(rng, hidden):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return backward_cases("kl_div", kl_cases(rng, hidden), rng)


# ----------------------------------------------------------------------------- mistakes
def _reduce(terms, reduction, input_shape):
    terms = np.asarray(terms, dtype=np.float64)
    if reduction == "none":
        return terms
    if reduction == "mean":
        return terms.mean()
    total = terms.sum()
    return total / input_shape[0] if reduction == "batchmean" and len(input_shape) else total


def _batchmean_as(to):
    def expected(case, reference):
        if case.args.get("reduction", "mean") != "batchmean" or np.ndim(case.args["input"]) == 0:
            return None
        return reference({**case.args, "reduction": to})
    return expected


def _mean_as_batchmean(case, reference):
    if case.args.get("reduction", "mean") != "mean" or np.ndim(case.args["input"]) == 0:
        return None
    return reference({**case.args, "reduction": "batchmean"})


def _batchmean_by_broadcast_rows(case, reference):
    a = case.args
    if a.get("reduction") != "batchmean" or np.ndim(a["input"]) == 0:
        return None
    shape = np.broadcast_shapes(np.shape(a["input"]), np.shape(a["target"]))
    if shape[0] == np.shape(a["input"])[0]:
        return None
    return np.asarray(reference({**a, "reduction": "sum"})) / shape[0]


def _log_target_ignored(case, reference):
    a = case.args
    return reference({**a, "log_target": False}) if a.get("log_target") else None


def _entropy_dropped(case, reference):
    """the cross-entropy −Σ t·x (or −Σ exp(t)·x) instead of the KL."""
    a = case.args
    if "grad_output" in a:
        return None
    x, t = a["input"], a["target"]
    terms = -np.exp(t) * x if a.get("log_target") else -t * x
    return _reduce(terms, a.get("reduction", "mean"), np.shape(x))


def _negative_target_zero(case, reference):
    """t·log t taken as 0 wherever t ≤ 0 (torch before xlogy), not only at t = 0."""
    a = case.args
    if "grad_output" in a or a.get("log_target") or not np.any(np.asarray(a["target"]) < 0):
        return None
    x, t = a["input"], a["target"]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0) - t * x
    return _reduce(terms, a.get("reduction", "mean"), np.shape(x))


def _log_softmax_applied(case, reference):
    """the learner normalised input with a log_softmax over the classes first."""
    a = case.args
    x = np.asarray(a["input"])
    if x.ndim < 1:
        return None
    axis = 1 if x.ndim >= 2 else 0
    if np.allclose(np.exp(x).sum(axis=axis), 1.0):
        return None
    return reference({**a, "input": _log_softmax(x, axis)})


KL_MISTAKES = (
    Mistake("with reduction='batchmean' divide the sum by the batch size input.shape[0] only (that is the true KL "
            "per sample), not by the number of elements", _batchmean_as("mean")),
    Mistake("with reduction='batchmean' you returned the plain sum: divide it by input.shape[0]",
            _batchmean_as("sum")),
    Mistake("reduction='mean' divides by the number of elements (batch × classes), unlike 'batchmean'",
            _mean_as_batchmean),
    Mistake("'batchmean' divides by input.shape[0], even when target broadcasts input to more rows",
            _batchmean_by_broadcast_rows),
    Mistake("you ignored log_target=True: then target holds log P, so ℓ = exp(t)·(t − x) and "
            "∂ℓ/∂x = −exp(t)", _log_target_ignored),
    Mistake("you left out the entropy term t·log t (exp(t)·t with log_target): that is the cross-entropy "
            "−Σ P·log Q, not the KL", _entropy_dropped),
    Mistake("torch computes t·log t as xlogy(t, t): exactly 0 at t = 0, but nan for a negative target (not 0)",
            _negative_target_zero),
    Mistake("kl_div uses input as given (it expects log-probabilities but does not normalise them): don't apply a "
            "log_softmax yourself", _log_softmax_applied),
)

ASSIGNMENT = Assignment(
    name="04_kl_divergence",
    title="KL divergence: kl_div",
    parts=(
        Part("kl_div", 2, kl_cases, KL_MISTAKES, reference=_quiet("kl_div")),
        Part("kl_div_backward", 2, _backward, KL_MISTAKES, reference=_quiet("kl_div_backward")),
    ),
)
