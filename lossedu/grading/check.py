"""Public checks, run inside the learner's own notebook: `check(l1_loss)`.

They run only the public cases (the grader adds hidden ones) and print
specific feedback: which case failed, how far off, and which usual mistake the answer matches.

Written for nbgrader's rules on a graded code cell (nbgrader.utils.determine_grade): an error in the
cell's output gives 0, so a failing check raises AssertionError after printing; a number as the cell's
value would be read as partial credit (and the number of cases passed exceeds the cell's points), so
`check` returns None; and anything on stderr gives 0, so warnings from the learner's code (numpy's
"divide by zero" in a branch np.where discards, say) are caught and printed as a note on stdout.
"""

from __future__ import annotations

import warnings

import numpy as np

from .registry import find_part

PUBLIC_SEED = 20261124  # public cases are the same for every learner, every time


def public_cases(part):
    return part.cases(np.random.default_rng(PUBLIC_SEED), False)


def run_case(fn, case):
    """Call the learner's function on a copy of the case's arguments (so it cannot spoil them)."""
    args = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.args.items()}
    return fn(**args)


def check(fn, *, assignment=None, verbose=False):
    """Run the public cases of the graded function `fn` (found by its name) and print feedback.

    Returns None (nbgrader would read a returned number as the cell's partial credit); raises
    AssertionError if any case failed, NotImplementedError if `fn` is still the stub.
    """
    name = getattr(fn, "__name__", None)
    failed, warned = [], {}  # warned: an ordered set of the learner's warnings, one line each
    with warnings.catch_warnings(record=True) as caught:  # nothing of ours reaches stderr either
        warnings.simplefilter("always")
        from .spec import compare

        part = find_part(name, assignment)
        cases = public_cases(part)
        for case in cases:
            caught.clear()  # what compare() warned for the previous case is ours, not the learner's
            try:
                answer = run_case(fn, case)
            except NotImplementedError:
                print(f"{name}: not implemented yet (replace `raise NotImplementedError()` with your code)")
                raise
            except Exception as exc:  # noqa: BLE001 - the learner's error becomes feedback
                failed.append((case, f"raised {type(exc).__name__}: {exc}", ""))
                continue
            finally:
                warned.update(dict.fromkeys(map(_summary, caught)))
            verdict = compare(part, case, answer)
            if not verdict.passed:
                failed.append((case, verdict.problem, verdict.diagnosis))
            elif verbose:
                print(f"  ✓ {case.label}")
    passed = len(cases) - len(failed)
    mark = "✓" if not failed else "✗"
    print(f"{mark} {name}: {passed}/{len(cases)} public cases passed")
    for case, problem, diagnosis in failed:
        print(f"  ✗ {case.label}: {problem}")
        if diagnosis:
            print(f"      likely cause: {diagnosis}")
    for line in warned:
        print(f"  note: your code warned ({line}); a warning costs no points")
    if failed:
        raise AssertionError(f"{name}: {len(failed)} of {len(cases)} public cases failed (see above)")


def _summary(warning):
    """One line for a caught warning: its category and message."""
    return f"{warning.category.__name__}: {warning.message}"
