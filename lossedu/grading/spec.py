"""What an assignment is: graded parts, their test cases, torch's reference answers, and the
comparison (with a diagnosis of the usual mistakes) that turns a learner's answer into feedback.

Everything here runs in the grader's own process (or, for the public checks, in the learner's
kernel); the learner's code only ever sees a `Case`'s arguments and returns arrays.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from ..functional import GRADIENT_OF

# float64 inputs everywhere; a correct numpy implementation agrees with torch to ~1e-12, so these
# tolerances only absorb a different but sound order of operations.
RTOL, ATOL = 1e-6, 1e-9


@dataclasses.dataclass(frozen=True)
class Case:
    """One call of the learner's function: `fn(**args)`.

    label: what the case tests, shown to the learner for public cases ("reduction='sum'", "ties at
    |d| = beta", …). For a backward part, `args` holds `grad_output` first, then the forward's
    arguments.
    """

    label: str
    args: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A usual mistake, recognised when the learner's answer equals what that mistake gives.

    `expected(case, reference)` returns the answer a learner making this mistake would get (an
    array, or a tuple of arrays for several gradients), or None when the mistake cannot show in
    this case. `reference(args)` is torch's answer for any arguments, so a mistake like "ignored
    weight" is simply `reference({**case.args, "weight": None})`.
    """

    message: str
    expected: Callable[[Case, Callable], Any]


@dataclasses.dataclass(frozen=True)
class Part:
    """A graded part: the learner's function `function` (a forward, or a `_backward`), worth `points`.

    cases(rng, hidden): the public cases when hidden is False (fixed: rng is seeded the same every
    time), the hidden ones when True (rng seeded per grading run). Hidden cases that a constant
    answer or the input echoed back would pass are dropped (see `uninformative`): they would give
    points for nothing.
    reference(args): the right answer (an array, or a tuple of arrays for several gradients), any
    callable; by default `torch.nn.functional.<loss>` for a forward and autograd for a backward (see
    `torch_reference`). For a loss torch lacks, pass your own (numpy, or `autograd_reference`).
    mistakes: this part's own usual mistakes, tried before the generic ones (`GENERIC_MISTAKES`).
    wrt: for a backward, the arguments it differentiates, in the order it returns them; by default
    `lossedu.functional.GRADIENT_OF[loss]`, else ("input",).
    """

    function: str
    points: float
    cases: Callable[[np.random.Generator, bool], list[Case]]
    mistakes: tuple[Mistake, ...] = ()
    reference: Callable[[dict], Any] | None = None
    wrt: tuple[str, ...] | None = None

    def __post_init__(self):
        if not isinstance(self.function, str) or not self.function.isidentifier():
            raise ValueError(f"Part: {self.function!r} is not a Python function name")
        if not isinstance(self.points, (int, float)) or not self.points > 0:
            raise ValueError(f"Part {self.function!r}: points must be a positive number, got {self.points!r}")
        object.__setattr__(self, "mistakes", tuple(self.mistakes))
        if not all(isinstance(m, Mistake) for m in self.mistakes):
            raise TypeError(f"Part {self.function!r}: mistakes must be Mistake(message, expected) objects")
        if self.wrt is not None:
            object.__setattr__(self, "wrt", (self.wrt,) if isinstance(self.wrt, str) else tuple(self.wrt))
        if not callable(self.cases):
            raise TypeError(f"Part {self.function!r}: cases must be a function (rng, hidden) -> list of Case")
        if self.reference is not None and not callable(self.reference):
            raise TypeError(f"Part {self.function!r}: reference must be a function (args dict) -> answer")
        if not getattr(self.cases, "_drops_uninformative", False):
            object.__setattr__(self, "cases", _informative_hidden(self.cases, self))

    @property
    def loss(self) -> str:
        return self.function.removesuffix("_backward")

    @property
    def is_backward(self) -> bool:
        return self.function.endswith("_backward")

    @property
    def gradient_names(self) -> tuple[str, ...]:
        """The arguments a backward part differentiates (what its tuple of gradients holds)."""
        return tuple(self.wrt or GRADIENT_OF.get(self.loss, ("input",)))

    def expected(self, args):
        return (self.reference or torch_reference(self.function, self.gradient_names))(args)


def _informative_hidden(cases, part):
    """`cases` with the hidden cases a constant answer or an echoed input would pass left out."""

    def informative(rng, hidden):
        out = cases(rng, hidden)
        if not hidden:
            return out
        return [case for case in out if not uninformative(part, case, part.expected(case.args))]

    informative._drops_uninformative = True
    informative.__doc__ = cases.__doc__
    return informative


@dataclasses.dataclass(frozen=True)
class Assignment:
    """An assignment: its name (the solution notebook's stem, e.g. "01_regression") and its parts."""

    name: str
    title: str
    parts: tuple[Part, ...]

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError("an Assignment's name is the stem of its notebooks, e.g. '09_expectile'")
        object.__setattr__(self, "parts", tuple(self.parts))
        if not self.parts or not all(isinstance(p, Part) for p in self.parts):
            raise TypeError(f"assignment {self.name}: parts must be a non-empty sequence of Part")
        functions = [p.function for p in self.parts]
        twice = sorted({f for f in functions if functions.count(f) > 1})
        if twice:
            raise ValueError(f"assignment {self.name}: {', '.join(twice)} graded twice")

    def part(self, function):
        for part in self.parts:
            if part.function == function:
                return part
        raise KeyError(f"assignment {self.name} has no graded function {function!r}")

    @property
    def max_score(self):
        return sum(p.points for p in self.parts)


# ----------------------------------------------------------------------------- torch's answers
def _to_torch(value, torch):
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    return value


def torch_reference(function, wrt=None):
    """torch's answer for `function` (a loss name, or `<loss>_backward`) as float64 numpy arrays."""
    loss = function.removesuffix("_backward")

    def call(**tensors):
        import torch

        return getattr(torch.nn.functional, loss)(**tensors)

    reference = autograd_reference(call, wrt or GRADIENT_OF.get(loss, ("input",)))
    return reference.backward if function.endswith("_backward") else reference.forward


@dataclasses.dataclass(frozen=True)
class _Autograd:
    """forward(args) and backward(args) answers of a loss written with torch operations."""

    loss: Callable[..., Any]
    wrt: tuple[str, ...]

    def forward(self, args):
        import torch

        out = self.loss(**{k: _to_torch(v, torch) for k, v in args.items()})
        return out.detach().numpy()

    def backward(self, args):
        import torch

        args = dict(args)
        grad_output = torch.from_numpy(np.asarray(args.pop("grad_output"), dtype=np.float64).copy())
        tensors = {k: _to_torch(v, torch) for k, v in args.items()}
        missing = [name for name in self.wrt if not isinstance(tensors.get(name), torch.Tensor)]
        if missing:
            raise ValueError(f"the backward differentiates {missing}, which this case does not give as arrays")
        leaves = [tensors[name].requires_grad_() for name in self.wrt]
        out = self.loss(**tensors)
        grads = torch.autograd.grad(out, leaves, grad_output, allow_unused=True)
        grads = tuple(np.zeros(leaf.shape) if g is None else g.numpy() for g, leaf in zip(grads, leaves))
        return grads[0] if len(grads) == 1 else grads


def autograd_reference(loss, wrt=("input",)):
    """The reference answers of a loss written with torch operations, `loss(**tensors) -> tensor`
    (for a loss torch does not have): `.forward(args)` its value, `.backward(args)` the gradient
    with respect to `wrt` by autograd (args hold `grad_output` first), both as float64 numpy."""
    if not callable(loss):
        raise TypeError("autograd_reference needs the loss as a function of torch tensors")
    if isinstance(wrt, str) or not wrt:
        raise TypeError("wrt must be a non-empty tuple of argument names, e.g. ('input',)")
    return _Autograd(loss, tuple(wrt))


# ----------------------------------------------------------------------------- comparison
@dataclasses.dataclass
class Verdict:
    """How one case went: passed, and if not, why (a sentence) and what it looks like."""

    passed: bool
    problem: str = ""
    diagnosis: str = ""


def _say(lang, text, **fields):
    from .lang import say

    return say(lang, text, **fields)


def _as_arrays(value, count, lang="en"):
    """The learner's answer as a tuple of `count` float64 arrays, or a str (in `lang`) saying why it can't be."""
    values = value if count > 1 else (value,)
    if count > 1 and (not isinstance(value, (tuple, list)) or len(value) != count):
        return _say(lang, "expected a tuple of {n} gradients, got {type}", n=count, type=type(value).__name__)
    out = []
    for v in values:
        try:
            a = np.asarray(v)
        except Exception as exc:  # noqa: BLE001 - anything a learner returns
            return _say(lang, "could not read the result as an array ({error})", error=exc)
        if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            return _say(lang, "expected numbers, got an array of dtype {dtype}", dtype=a.dtype)
        out.append(a.astype(np.float64))
    return tuple(out)


def _close(got, want):
    return all(g.shape == w.shape and np.allclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True)
               for g, w in zip(got, want))


def compare(part, case, answer, expected=None, lang="en"):
    """Judge `answer` (what the learner's function returned for `case`) against torch's; the problem said
    in `lang` ("en", "zh"; the diagnosis is a `Mistake.message`, in English: translate it with lang.say)."""
    expected = part.expected(case.args) if expected is None else expected
    want = expected if isinstance(expected, tuple) else (expected,)
    want = tuple(np.asarray(w, dtype=np.float64) for w in want)
    got = _as_arrays(answer, len(want), lang)
    if isinstance(got, str):
        return Verdict(False, got)
    if _close(got, want):
        return Verdict(True)
    problem = describe_difference(got, want, part, lang)
    return Verdict(False, problem, diagnose(part, case, got, want))


def describe_difference(got, want, part, lang="en"):
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # inf − inf where both are infinite
        return _describe_difference(got, want, part, lang)


def _describe_difference(got, want, part, lang="en"):
    names = part.gradient_names if part.is_backward and len(want) > 1 else (_say(lang, "result"),)
    for name, g, w in zip(names, got, want):
        if g.shape != w.shape:
            what = _say(lang, "a scalar") if w.shape == () else _say(lang, "shape {shape}", shape=w.shape)
            return _say(lang, "{name} has shape {shape}, expected {what}", name=name, shape=g.shape, what=what)
        bad = ~np.isclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True)
        if not bad.any():
            continue
        # inf or nan on either side: the values say it all, an error size would be inf or nan
        odd = bad & ~(np.isfinite(g) & np.isfinite(w))
        if odd.any():
            where = tuple(int(i) for i in np.argwhere(odd)[0])
            return (_say(lang, "{name} is {got} at index {where}, expected {want}", name=name, got=g[where], where=where,
                         want=w[where]) if where else
                    _say(lang, "{name} is {got}, expected {want}", name=name, got=g[where], want=w[where]))
        err = np.where(bad, np.abs(g - w), 0.0)
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape)) if err.ndim else ()
        at = _say(lang, " at index {where}", where=where) if where else ""
        return _say(lang, "{name} is off by up to {err:.3g}{relative}{at}: got {got:.6g}, expected {want:.6g}",
                    name=name, err=err[where], relative=_relative(err[where], w[where], lang), at=at, got=g[where],
                    want=w[where])
    return _say(lang, "differs from torch")


def _relative(err, want, lang="en"):
    """' (relative r)' where a relative error means something; '' (the error is absolute) where the
    expected value is 0 or next to it, which would make any error look astronomically large."""
    if abs(want) <= MEANINGLESS_RELATIVE_BELOW:
        return _say(lang, " (absolute error)")
    return _say(lang, " (relative {r:.2g})", r=err / abs(want))


#: below this |expected value| a relative error says nothing (1e-3 off from 1e-15 is "relative 1e12")
MEANINGLESS_RELATIVE_BELOW = 1e3 * ATOL


def uninformative(part, case, expected):
    """True when an answer that ignores the inputs would pass `case`: a constant (0, ±1, ±½, ±2,
    ±inf, nan, or any one value repeated over several elements) of the right shape, or one of the
    case's own arrays echoed back (`grad_output`, or an input of the right shape). Grading such a
    case gives points for nothing, so hidden cases never are (Part drops them)."""
    want = tuple(np.asarray(w, dtype=np.float64) for w in (expected if isinstance(expected, tuple) else (expected,)))
    values = np.concatenate([w.ravel() for w in want])
    if values.size == 0:
        return True
    guesses = list(GUESSABLE)
    if values.size > 1:
        guesses.append(values[0])
    for c in guesses:
        if _close(tuple(np.full(w.shape, c) for w in want), want):
            return True
    for answer in _echoes(part, case, want):
        if _close(answer, want):
            return True
    return False


#: constants a submission can return without computing anything
GUESSABLE = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, np.inf, -np.inf, np.nan)


def _echoes(part, case, want):
    """Answers made of the case's own arrays, of the expected shapes."""
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in case.args.items()
              if isinstance(v, np.ndarray) and (np.issubdtype(v.dtype, np.number) or v.dtype == bool)}
    if part.is_backward and len(want) > 1:
        if all(n in arrays for n in part.gradient_names):
            yield tuple(arrays[n] for n in part.gradient_names)
        return
    for a in arrays.values():
        if a.shape == want[0].shape:
            yield (a,)


def diagnose(part, case, got, want):
    """The first usual mistake whose answer equals the learner's, as a sentence ('' if none).

    The part's own mistakes are tried first (they are the most specific), then the generic ones,
    then inf/nan where torch's answer is finite, which is most often an overflow.
    """
    for mistake in tuple(part.mistakes) + GENERIC_MISTAKES:
        try:
            alt = mistake.expected(case, part.expected)
        except Exception:  # noqa: BLE001 - a mistake that does not apply to this case
            continue
        if alt is None:
            continue
        alt = alt if isinstance(alt, tuple) else (alt,)
        alt = tuple(np.asarray(a, dtype=np.float64) for a in alt)
        if len(alt) == len(got) and _close(got, alt) and not _close(want, alt):
            return mistake.message
    if all(np.isfinite(w).all() for w in want) and not all(np.isfinite(g).all() for g in got):
        return ("your result has inf or nan where torch's is finite: an overflow, e.g. exp of a large number; "
                "use a numerically stable form (log-sum-exp, log1p, clamping) as derived in the notebook")
    return ""


def _scaled(k):
    return lambda case, reference: tuple_map(lambda a: k * a, reference(case.args))


def tuple_map(fn, value):
    return tuple(fn(np.asarray(v)) for v in value) if isinstance(value, tuple) else fn(np.asarray(value))


def _with(**changes):
    """A mistake answer: torch's answer with some arguments changed (None if the case lacks them)."""

    def expected(case, reference):
        if any(k not in case.args for k in changes):
            return None
        args = {**case.args}
        for k, v in changes.items():
            new = v(args[k]) if callable(v) else v
            if new is _SKIP or (not callable(v) and args[k] is None and new is None):
                return None
            args[k] = new
        return reference(args)

    return expected


_SKIP = object()


def _swap_reduction(frm, to):
    def expected(case, reference):  # a case without `reduction` tests the default, 'mean'
        if case.args.get("reduction", "mean") != frm:
            return None
        return reference({**case.args, "reduction": to})

    return expected


def _drop(name, default=None):
    return _with(**{name: lambda v: _SKIP if v is None or (isinstance(v, (int, float)) and v == default) else default})


def _mean_over_batch_only(case, reference):
    """'mean' divided by the batch size instead of the number of elements."""
    if case.args.get("reduction", "mean") != "mean":
        return None
    first = next(v for v in case.args.values() if isinstance(v, np.ndarray) and v.ndim >= 2)
    total = reference({**case.args, "reduction": "sum"})
    return tuple_map(lambda a: a / first.shape[0], total)


GENERIC_MISTAKES = (
    Mistake("the sign is flipped (you return −answer); check the direction of the derivative", _scaled(-1.0)),
    Mistake("with reduction='mean' you summed: divide by the number of terms", _swap_reduction("mean", "sum")),
    Mistake("with reduction='sum' you averaged: 'sum' adds the terms without dividing", _swap_reduction("sum", "mean")),
    Mistake("with reduction='mean' you divided by the batch size only, not by the number of elements",
            _mean_over_batch_only),
    Mistake("off by a factor of 2: a missing or extra ½ (or 2) in the formula", _scaled(2.0)),
    Mistake("off by a factor of 2: a missing or extra ½ (or 2) in the formula", _scaled(0.5)),
    Mistake("you ignored the `weight` argument: each term must be multiplied by its weight", _drop("weight")),
    Mistake("you ignored `pos_weight`: it multiplies the positive (target = 1) term", _drop("pos_weight")),
    Mistake("you ignored `ignore_index`: targets equal to it must contribute nothing (and not count in the mean)",
            _with(ignore_index=lambda v: _SKIP if v == -100 else -100)),
    Mistake("you ignored `label_smoothing`", _drop("label_smoothing", 0.0)),
)
