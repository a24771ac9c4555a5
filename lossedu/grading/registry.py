"""The assignments, by name, and where their notebooks live.

Every module in lossedu/grading/assignments/ defines ASSIGNMENT; its `name` is the stem of its
notebooks in solutions/ and exercises/ (e.g. "01_regression"). That is all a new assignment needs
(see docs/writing-an-assignment.md).

An assignment kept outside the package (a course's own folder, a test) is added with
`register(assignment, solutions=folder, exercises=folder)` or, for a while, `with registered(...)`;
`load_module(path)` reads an assignment module from any file.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import pkgutil
import re
import sys
from pathlib import Path

from . import assignments as _package
from .spec import Assignment

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def _exercises():
    """exercises/ of the course checkout; installed from a wheel, the copy shipped in the package
    (lossedu._exercises, a folder of notebooks: a namespace package, hence its __path__)."""
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "exercises").is_dir():
        return ROOT / "exercises"
    import lossedu._exercises as shipped

    return Path(next(iter(shipped.__path__)))


EXERCISES = _exercises()


@functools.lru_cache(maxsize=None)
def _builtin():
    found = {}
    for info in pkgutil.iter_modules(_package.__path__):
        module = importlib.import_module(f"{_package.__name__}.{info.name}")
        a = module.ASSIGNMENT
        found[a.name] = a
    return found


#: assignments added with register(): name -> (Assignment, solutions folder, exercises folder)
_EXTRA: dict[str, tuple[Assignment, Path | None, Path | None]] = {}


def _all():
    found = dict(_builtin())
    found.update({name: entry[0] for name, entry in _EXTRA.items()})
    return dict(sorted(found.items()))


NAME = re.compile(r"[0-9][0-9]_[A-Za-z0-9_]+")


def register(assignment, *, solutions=None, exercises=None):
    """Add an assignment kept outside lossedu/grading/assignments/ (its notebooks in `solutions` and
    `exercises`, default the repository's solutions/ and exercises/). Its name and its graded
    functions must be new: `check(fn)` finds a part by the function's name alone."""
    if not isinstance(assignment, Assignment):
        raise TypeError(f"register() takes an Assignment (a module's ASSIGNMENT), got {type(assignment).__name__}")
    if not NAME.fullmatch(assignment.name):
        raise ValueError(f"assignment name {assignment.name!r} must look like '09_expectile' (two digits, _, a word): "
                         f"it is the stem of its notebooks")
    if assignment.name in _all():
        raise ValueError(f"there is already an assignment called {assignment.name!r}")
    taken = {p.function: a.name for a in _all().values() for p in a.parts}
    clashes = sorted({p.function for p in assignment.parts} & set(taken))
    if clashes:
        raise ValueError(f"{assignment.name}: graded function(s) {', '.join(clashes)} already belong to "
                         f"{', '.join(sorted({taken[c] for c in clashes}))}; give them other names")
    _EXTRA[assignment.name] = (assignment, None if solutions is None else Path(solutions),
                               None if exercises is None else Path(exercises))
    return assignment


def unregister(name):
    """Remove an assignment added with register() (KeyError if there is none by that name)."""
    if name not in _EXTRA:
        raise KeyError(f"no registered assignment {name!r}" + ("; built-in ones cannot be removed"
                                                               if name in _builtin() else ""))
    del _EXTRA[name]


@contextlib.contextmanager
def registered(assignment, *, solutions=None, exercises=None):
    """register() for the duration of a `with` block."""
    register(assignment, solutions=solutions, exercises=exercises)
    try:
        yield assignment
    finally:
        unregister(assignment.name)


def load_module(path):
    """The ASSIGNMENT defined by the Python file at `path` (an assignment module kept anywhere)."""
    path = Path(path)
    name = f"lossedu_assignment_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    assignment = getattr(module, "ASSIGNMENT", None)
    if not isinstance(assignment, Assignment):
        raise ValueError(f"{path} defines no ASSIGNMENT (an lossedu.grading.spec.Assignment)")
    return assignment


def solution_path(name):
    """Where assignment `name`'s solution notebook is."""
    folder = _EXTRA.get(name, (None, None, None))[1]
    return (folder or SOLUTIONS) / f"{name}.ipynb"


def exercise_path(name, language="en"):
    """Where assignment `name`'s exercise notebook (what learners get, and the grader's copy of its
    locked cells) is; language "zh": the Chinese edition's, `zh/` beside it (exercises/zh/, or the
    shipped lossedu._exercises/zh/, or the `zh` folder in a registered assignment's exercises folder)."""
    folder = _EXTRA.get(name, (None, None, None))[2] or EXERCISES
    if language and language != "en":
        folder = folder / language
    return folder / f"{name}.ipynb"


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
