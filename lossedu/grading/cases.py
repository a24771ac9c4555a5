"""Small tools for writing an assignment's test cases (see assignments/regression.py)."""

from __future__ import annotations

import numpy as np

from .spec import Case, torch_reference

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


def backward_cases(loss, forward_cases, rng):
    """For each forward case, the `_backward` case: a random upstream gradient of the result's
    shape (0-d for a reduced loss) followed by the same arguments."""
    forward = torch_reference(loss)
    out = []
    for case in forward_cases:
        shape = np.shape(forward(case.args))
        grad_output = np.asarray(rng.normal(size=shape) if shape else rng.uniform(0.5, 2.0))
        out.append(Case(case.label, {"grad_output": grad_output, **case.args}))
    return out


def backward_of(loss, forward_cases, keep=None):
    """cases(rng, hidden) for `<loss>_backward`: `backward_cases` of the forward part's cases (those
    for which keep(case) is true, if given)."""

    def cases(rng, hidden):
        forward = [c for c in forward_cases(rng, hidden) if keep is None or keep(c)]
        return backward_cases(loss, forward, rng)

    return cases
