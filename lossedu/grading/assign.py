"""`lossedu assign`: generate exercises/ from solutions/ (solution regions → stub).

In each exercise: every `### BEGIN SOLUTION … ### END SOLUTION` region becomes
`# YOUR CODE HERE / raise NotImplementedError()` (nbgrader's stub), outputs are cleared, and the
cells that cannot run before the learner has written their code (graded check cells, and cells
tagged `uses-solution`) get the tag `raises-exception`, so nbval runs the untouched exercise too.
"""

from __future__ import annotations

import copy
import json

from . import notebook as nbio
from .registry import EXERCISES, SOLUTIONS


def make_exercise(solution):
    nb = copy.deepcopy(solution)
    for cell in nb["cells"]:
        text = nbio.source(cell)
        cell["source"] = nbio.stub_out(text)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            meta = nbio.nbgrader(cell)
            if meta.get("grade") or "uses-solution" in nbio.tags(cell):
                cell.setdefault("metadata", {})["tags"] = sorted(set(nbio.tags(cell)) | {"raises-exception"})
    return nb


def dumps(nb):
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def expected_exercises():
    """{exercise path: its text} for every solution notebook."""
    return {EXERCISES / path.name: dumps(make_exercise(nbio.load(path)))
            for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))}


def assign(check=False):
    """Write exercises/ (or, with check=True, only report which exercises are out of date)."""
    stale = []
    EXERCISES.mkdir(exist_ok=True)
    for path, text in expected_exercises().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    return stale
