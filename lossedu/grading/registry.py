"""The assignments, by name, and where their notebooks live."""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

# assignment name (the notebook's stem) → module in lossedu.grading.assignments defining ASSIGNMENT
MODULES = {
    "01_regression": "regression",
}


def assignment(name):
    """The Assignment called `name`; KeyError with the known names if there is none."""
    if name not in MODULES:
        raise KeyError(f"no assignment {name!r}; known: {', '.join(sorted(MODULES))}")
    return importlib.import_module(f"lossedu.grading.assignments.{MODULES[name]}").ASSIGNMENT


def all_assignments():
    return [assignment(name) for name in MODULES]


def find_part(function, assignment_name=None):
    """The graded part for the learner's function called `function`."""
    names = [assignment_name] if assignment_name else list(MODULES)
    for name in names:
        for part in assignment(name).parts:
            if part.function == function:
                return part
    raise KeyError(f"no graded function called {function!r}" + (f" in {assignment_name}" if assignment_name else ""))
