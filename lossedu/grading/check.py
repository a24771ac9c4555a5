"""Public checks, run inside the learner's own notebook: `check(l1_loss)`.

They run only the public cases (the grader adds hidden ones) and print
specific feedback: which case failed, how far off, and which usual mistake the answer matches.

Written for nbgrader's rules on a graded code cell (nbgrader.utils.determine_grade): an error in the
cell's output gives 0, so a failing check raises AssertionError after printing; a number as the cell's
value would be read as partial credit (and the number of cases passed exceeds the cell's points), so
`check` returns None; and anything on stderr gives 0, so warnings from the learner's code (numpy's
"divide by zero" in a branch np.where discards, say) are caught and printed as a note on stdout.

The feedback is in the kernel's language (`lossedu.i18n.language()`: a Chinese notebook runs
`lossedu.set_language("zh")` in its second cell), or `language=` if given.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import lang as L
from .registry import find_part

PUBLIC_SEED = 20261124  # public cases are the same for every learner, every time


def public_cases(part):
    return part.cases(np.random.default_rng(PUBLIC_SEED), False)


def run_case(fn, case):
    """Call the learner's function on a copy of the case's arguments (so it cannot spoil them)."""
    args = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.args.items()}
    return fn(**args)


def check(fn, *, assignment=None, verbose=False, language=None):
    """Run the public cases of the graded function `fn` (found by its name) and print feedback, in
    `language` (default: the kernel's, `lossedu.i18n.language()`).

    Returns None (nbgrader would read a returned number as the cell's partial credit); raises
    AssertionError if any case failed, NotImplementedError if `fn` is still the stub.
    """
    name = getattr(fn, "__name__", None)
    lang = L.normal(language) if language else L.current()
    say = lambda text, **fields: L.say(lang, text, **fields)  # noqa: E731
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
                print(say("{name}: not implemented yet (replace `raise NotImplementedError()` with your code)",
                          name=name))
                raise
            except Exception as exc:  # noqa: BLE001 - the learner's error becomes feedback
                failed.append((case, say("raised {error}", error=f"{type(exc).__name__}: {exc}"), ""))
                continue
            finally:
                warned.update(dict.fromkeys(map(_summary, caught)))
            verdict = compare(part, case, answer, lang=lang)
            if not verdict.passed:
                failed.append((case, verdict.problem, verdict.diagnosis))
            elif verbose:
                print(f"  ✓ {L.label(lang, case.label)}")
    passed = len(cases) - len(failed)
    mark = "✓" if not failed else "✗"
    print(say("{mark} {name}: {passed}/{total} public cases passed", mark=mark, name=name, passed=passed,
              total=len(cases)))
    for case, problem, diagnosis in failed:
        print(f"  ✗ {L.label(lang, case.label)}: {problem}")
        if diagnosis:
            print("      " + say("likely cause: {diagnosis}", diagnosis=say(diagnosis)))
    for line in warned:
        print("  " + say("note: your code warned ({warning}); a warning costs no points", warning=line))
    if failed:
        raise AssertionError(say("{name}: {failed} of {total} public cases failed (see above)", name=name,
                                 failed=len(failed), total=len(cases)))


def _summary(warning):
    """One line for a caught warning: its category and message."""
    return f"{warning.category.__name__}: {warning.message}"
