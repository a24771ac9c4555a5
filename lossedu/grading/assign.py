"""`lossedu assign`: generate exercises/ from solutions/ (solution regions → stub).

In each exercise: every `### BEGIN SOLUTION … ### END SOLUTION` region becomes
`# YOUR CODE HERE / raise NotImplementedError()` (nbgrader's stub), outputs are cleared, and the
cells that cannot run before the learner has written their code (graded check cells, and cells
tagged `uses-solution`) get the tag `raises-exception`, so nbval runs the untouched exercise too.

Cells also get what `nbgrader generate_assignment` (0.9) puts on a released notebook, so that an
exercise from here is one nbgrader accepts as its own release (tests/test_nbgrader.py compares the
two): LockCells' defaults, `deletable: false` on answer, graded and locked cells and `editable: false`
on graded and locked ones (JupyterLab honours both: a learner can neither change a check nor delete
an answer cell), and ComputeChecksums' `checksum` and `cell_type`, by which nbgrader's autograde
recognises a changed locked cell and an answer cell left untouched.
"""

from __future__ import annotations

import copy
import hashlib
import json

from . import notebook as nbio
from .registry import EXERCISES, SOLUTIONS


def make_exercise(solution):
    nb = copy.deepcopy(solution)
    for cell in nb["cells"]:
        text = nbio.source(cell)
        cell["source"] = stub_out(text)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            meta = nbio.nbgrader(cell)
            if meta.get("grade") or "uses-solution" in nbio.tags(cell):
                cell.setdefault("metadata", {})["tags"] = sorted(set(nbio.tags(cell)) | {"raises-exception"})
        lock(cell)
    return nb


def stub_out(text):
    """nbio.stub_out as nbgrader's ClearSolutions writes it: a region that ends the cell leaves no
    newline after the stub (nbgrader joins lines with "\\n"), so both give the same checksum."""
    stubbed = nbio.stub_out(text)
    if not text.endswith("\n") and stubbed.endswith("\n"):  # only a final region adds one
        stubbed = stubbed[:-1]
    return stubbed


def _is_locked(meta):
    """nbgrader.utils.is_locked: graded cells are locked, answer cells never, others as marked."""
    if meta.get("solution", False):
        return False
    return True if meta.get("grade", False) else meta.get("locked", False)


def lock(cell):
    """Give `cell` (its source final) the metadata nbgrader's LockCells and ComputeChecksums give it.

    A cell without nbgrader metadata is left alone. A checksum needs a grade_id (and points on a
    graded cell): a cell without them gets none, as nbgrader itself would refuse it
    (tests/test_grading.py holds the solutions' metadata complete).
    """
    if "nbgrader" not in cell.get("metadata", {}):
        return
    meta = nbio.nbgrader(cell)
    if meta.get("solution", False) or _is_locked(meta):
        cell["metadata"]["deletable"] = False
        if not meta.get("solution", False):
            cell["metadata"]["editable"] = False
    if "grade_id" in meta and ("points" in meta or not meta.get("grade", False)):
        meta["checksum"], meta["cell_type"] = checksum(cell), cell["cell_type"]


def checksum(cell):
    """nbgrader.utils.compute_checksum: md5 over the source, the cell type, the grade, solution and
    locked flags, the grade_id and, on a graded cell, its points as a float."""
    meta = nbio.nbgrader(cell)
    parts = [nbio.source(cell), cell["cell_type"], str(meta.get("grade", False)), str(meta.get("solution", False)),
             str(_is_locked(meta)), meta["grade_id"]]
    if meta.get("grade", False):
        parts.append(str(float(meta["points"])))
    m = hashlib.md5()
    for part in parts:
        m.update(part.encode("utf-8"))
    return m.hexdigest()


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
