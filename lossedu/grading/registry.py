"""The assignments, by name, and where their notebooks live.

Every module in lossedu/grading/assignments/ defines ASSIGNMENT; its `name` is the stem of its
notebooks in solutions/ and exercises/ (e.g. "01_regression").
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from . import assignments as _package

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


@functools.lru_cache(maxsize=None)
def _all():
    found = {}
    for info in pkgutil.iter_modules(_package.__path__):
        module = importlib.import_module(f"{_package.__name__}.{info.name}")
        a = module.ASSIGNMENT
        found[a.name] = a
    return dict(sorted(found.items()))


class _Names:
    """The assignment names (a live view, so `name in MODULES` works everywhere)."""

    def __contains__(self, name):
        return name in _all()

    def __iter__(self):
        return iter(_all())


MODULES = _Names()


def assignment(name):
    """The Assignment called `name`; KeyError with the known names if there is none."""
    if name not in _all():
        raise KeyError(f"no assignment {name!r}; known: {', '.join(_all())}")
    return _all()[name]


def all_assignments():
    return list(_all().values())


def find_part(function, assignment_name=None):
    """The graded part for the learner's function called `function`."""
    names = [assignment_name] if assignment_name else list(_all())
    for name in names:
        for part in assignment(name).parts:
            if part.function == function:
                return part
    raise KeyError(f"no graded function called {function!r}" + (f" in {assignment_name}" if assignment_name else ""))
