"""Small tools for writing an assignment's test cases (see assignments/regression.py, and
docs/writing-an-assignment.md for a new assignment from scratch)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .spec import Case, Part, autograd_reference, torch_reference

REDUCTIONS = ("none", "mean", "sum")


def describe(args, skip=("input", "target", "grad_output")):
    """A case label from its non-array arguments and array shapes: "input (4, 3), reduction='sum'"."""
    parts = []
    for k, v in args.items():
        if k in skip and isinstance(v, np.ndarray):
            parts.append(f"{k} {tuple(v.shape)}") if k == "input" else None
        elif isinstance(v, np.ndarray):
            parts.append(f"{k} {tuple(v.shape)}")
        else:
            parts.append(f"{k}={v!r}")
    return ", ".join(p for p in parts if p)


def _forward_reference(forward):
    """`forward` as a reference function: a loss name means torch's, a callable is used as it is."""
    if isinstance(forward, str):
        return torch_reference(forward)
    if callable(forward):
        return forward
    raise TypeError(f"expected a loss name or a reference function (args -> answer), got {type(forward).__name__}")


def backward_cases(forward, forward_cases, rng):
    """For each forward case, the `_backward` case: a random upstream gradient of the result's
    shape (0-d for a reduced loss) followed by the same arguments.

    forward: the loss's name (torch's answer gives the shape) or any reference function
    `forward(args) -> answer`, e.g. your own numpy forward for a loss torch lacks.
    """
    forward = _forward_reference(forward)
    out = []
    for case in forward_cases:
        shape = np.shape(forward(case.args))
        grad_output = np.asarray(rng.normal(size=shape) if shape else rng.uniform(0.5, 2.0))
        out.append(Case(case.label, {"grad_output": grad_output, **case.args}))
    return out


def backward_of(forward, forward_cases, keep=None):
    """cases(rng, hidden) for `<loss>_backward`: `backward_cases` of the forward part's cases (those
    for which keep(case) is true, if given). forward: as in `backward_cases`."""
    reference = _forward_reference(forward)

    def cases(rng, hidden):
        chosen = [c for c in forward_cases(rng, hidden) if keep is None or keep(c)]
        return backward_cases(reference, chosen, rng)

    return cases


def loss_parts(loss: str, cases: Callable, *, points=(2, 2), mistakes=(), reference=None, backward_reference=None,
               wrt=None, keep=None):
    """The two graded parts of a loss, `<loss>` and `<loss>_backward`, from its forward cases alone.

    cases(rng, hidden): the forward cases; the backward's are made from them (`backward_of`).
    points: (forward, backward). mistakes: the usual mistakes, tried on both parts.
    reference / backward_reference: the right answers; by default torch's (`torch.nn.functional.<loss>`
    and autograd). For a loss torch lacks, give both, e.g. from `spec.autograd_reference(fn, wrt)`
    (`.forward`, `.backward`) or your own numpy functions.
    wrt: the arguments the backward differentiates (default `GRADIENT_OF[loss]`, else ("input",)).
    keep(case): which forward cases also get a backward case (default: all).
    """
    if (reference is None) != (backward_reference is None):
        raise ValueError(f"{loss}: give both reference and backward_reference (or neither, for torch's)")
    if len(points) != 2:
        raise ValueError("points must be (forward points, backward points)")
    wrt = tuple(wrt) if wrt else None
    forward = Part(loss, points[0], cases, tuple(mistakes), reference, wrt)
    backward = Part(f"{loss}_backward", points[1], backward_of(forward.expected, cases, keep), tuple(mistakes),
                    backward_reference, wrt)
    return forward, backward


def flagged(reference, when=lambda args: True, **flags):
    """A Mistake's `expected`: the answer of `reference.loss` (an `autograd_reference`'s torch formula) called
    with some mistake flags on, forward or, on a backward case, by autograd; None where `when(args)` says the
    mistake cannot show. The formula takes the flags as keyword arguments (e.g. `no_spread=False`)."""

    def expected(case, _reference):
        if not when(case.args):
            return None
        ref = autograd_reference(lambda **t: reference.loss(**t, **flags), reference.wrt)
        return ref.backward(case.args) if "grad_output" in case.args else ref.forward(case.args)

    return expected


def backward_only(expected):
    """A Mistake's `expected` that applies to the backward cases only (a mistake made in the gradient)."""
    return lambda case, reference: expected(case, reference) if "grad_output" in case.args else None
