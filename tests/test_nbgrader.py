"""nbgrader, for real (issue 11): our notebooks through nbgrader's own pipeline.

nbgrader grades a check cell all-or-nothing from its outputs (nbgrader.utils.determine_grade): an
error or anything on stderr gives 0, a number as the cell's value is read as partial credit, anything
else full points. So `check` must return nothing, raise on a failure and keep warnings off stderr;
and the exercises `lossedu assign` writes must be what nbgrader's generate_assignment would release
(locked cells non-editable and non-deletable, checksums). The pipeline test runs what `nbgrader
generate_assignment`, `validate`, `autograde`, `generate_feedback` and `export` run, in a temporary
course whose source folder holds our solutions/ (as the README tells teachers), on two assignments,
and checks the marks and that no solution line reaches a released notebook or a feedback file.

The nbgrader tests skip where nbgrader is not installed (it is in the dev extra).
"""

from __future__ import annotations

import copy
import csv
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

from lossedu.grading import notebook as nbio
from lossedu.grading.assign import make_exercise
from lossedu.grading.check import check
from lossedu.grading.registry import EXERCISES, SOLUTIONS

from tests.planted import p01_regression
from tests.tooling import html_text

REPO = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_SECONDS = 120  # nbgrader's per-cell limit here; a "use" cell trains for about 2 s


# ----------------------------------------------------------------------------- check() alone
def _l1_loss(input, target, reduction="mean", weight=None):
    """A correct l1_loss (numpy), to check the checker with."""
    terms = np.abs(input - target) if weight is None else weight * np.abs(input - target)
    if reduction == "none":
        return terms
    if reduction == "sum":
        return terms.sum()
    return terms.sum() / (terms.size if weight is None else weight.sum())


def _named(fn, name):
    fn.__name__ = name
    return fn


def test_a_passing_check_returns_none_so_nbgrader_reads_no_partial_credit(capsys):
    # A returned number would be the cell's value, which nbgrader takes as its partial credit (14 > 4 points).
    assert check(_named(_l1_loss, "l1_loss")) is None
    assert "✓ l1_loss: " in capsys.readouterr().out


def test_a_failing_check_still_raises_so_nbgrader_gives_the_cell_0(capsys):
    def l1_loss(input, target, reduction="mean", weight=None):
        return 2 * _l1_loss(input, target, reduction, weight)

    with pytest.raises(AssertionError, match="public cases failed"):
        check(l1_loss)
    assert "✗ l1_loss: " in capsys.readouterr().out


def test_the_learners_warnings_become_a_note_on_stdout_not_stderr(capsys):
    # nbgrader gives 0 to a check cell with anything on stderr: correct code that warns must not lose it.
    def l1_loss(input, target, reduction="mean", weight=None):
        np.log(np.zeros(1))  # numpy: "divide by zero encountered in log", a RuntimeWarning
        return _l1_loss(input, target, reduction, weight)

    check(l1_loss)
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("note: your code warned (RuntimeWarning: divide by zero encountered in log)") == 1


# ----------------------------------------------------------------------------- exercises as nbgrader releases
def _nbgrader_release(path):
    """What nbgrader's generate_assignment does to a source notebook's cells, in this process
    (its LockCells, ClearSolutions, ClearOutput and ComputeChecksums, in that order)."""
    nbformat = pytest.importorskip("nbformat")
    pre = pytest.importorskip("nbgrader.preprocessors")
    nb = nbformat.read(str(path), as_version=4)
    resources = {}
    for step in (pre.LockCells(), pre.ClearSolutions(), pre.ClearOutput(), pre.ComputeChecksums()):
        nb, resources = step.preprocess(nb, resources)
    return nb


def _as_released(cell):
    """A cell's type, source and metadata, less what nbgrader leaves alone (our nbval tags)."""
    meta = {k: v for k, v in cell["metadata"].items() if k != "tags"}
    return cell["cell_type"], nbio.source(cell), json.loads(json.dumps(meta))


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_exercise_is_the_notebook_nbgrader_would_release(path):
    theirs = _nbgrader_release(path)
    ours = nbio.load(EXERCISES / path.name)
    assert [_as_released(c) for c in ours["cells"]] == [_as_released(c) for c in theirs.cells]
    for cell in ours["cells"]:  # what JupyterLab reads: a learner edits only the answer cells
        meta = nbio.nbgrader(cell)
        assert cell["metadata"]["deletable"] is False
        assert cell["metadata"].get("editable", True) is bool(meta["solution"])
        assert len(meta["checksum"]) == 32 and meta["cell_type"] == cell["cell_type"]


def test_lock_leaves_cells_without_nbgrader_metadata_alone():
    nb = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}], "metadata": {}}
    assert make_exercise(nb)["cells"][0]["metadata"] == {}


# ----------------------------------------------------------------------------- the pipeline
def _cell(nb, grade_id):
    return next(c for c in nb["cells"] if nbio.nbgrader(c).get("grade_id") == grade_id)


def _bug(module, name):
    return next(b for b in module.BUGS if b.name == name)


# Per assignment: a planted bug the public checks catch, for the `buggy` student, who also empties the
# (locked) check cells of the functions it breaks, which nbgrader must restore from its gradebook; on 01
# that student's smooth L1 is also a correct variant whose numpy warns (0/0 in the branch np.where
# discards at beta = 0), for which nbgrader must still give full points (stderr would give 0).
PIPELINES = {
    "01_regression": dict(bug=_bug(p01_regression, "l1 backward: sign flipped"),
                          warns=("smooth_l1_loss", "0.5 * d**2 / np.where(quadratic, beta, 1.0)", "0.5 * d**2 / beta")),
}
# One assignment runs the whole pipeline (27-30 s: three students autograded, feedback rendered); what differs
# between assignments, their release, is checked for every one above against nbgrader's own
# (test_every_exercise_is_the_notebook_nbgrader_would_release), and every assignment's marks in our grader.


def _edit(nb, grade_id, old, new):
    cell = _cell(nb, grade_id)
    src = nbio.source(cell)
    assert src.count(old) == 1, f"{old!r} must occur once in cell {grade_id}"
    cell["source"] = src.replace(old, new)


def _students(name, bug, warns):
    """{student id: submitted notebook}: the exercise (as learners get it) with the solution's answer
    cells (`correct`), with a planted bug, its checks emptied (and the variant that warns: `buggy`), or
    untouched (`stub`)."""
    solution, exercise = nbio.load(SOLUTIONS / f"{name}.ipynb"), nbio.load(EXERCISES / f"{name}.ipynb")
    correct = copy.deepcopy(exercise)
    for cell in correct["cells"]:
        if nbio.nbgrader(cell).get("solution"):
            cell["source"] = nbio.source(_cell(solution, nbio.nbgrader(cell)["grade_id"]))
    buggy = copy.deepcopy(correct)
    _edit(buggy, bug.cell, bug.old, bug.new)
    for cell in buggy["cells"]:
        if any(f"check({fn})" in nbio.source(cell) for fn in bug.loses):
            cell["source"] = "pass  # no check, no failure?"
    if warns:
        _edit(buggy, *warns)
    return {"correct": correct, "buggy": buggy, "stub": exercise}


CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "lossedu"
c.Execute.timeout = {timeout}
"""


def _course(root, name, students):
    """A fresh nbgrader course: our solution as its source, the students' notebooks as submitted."""
    (root / "nbgrader_config.py").write_text(CONFIG.format(root=str(root), timeout=NOTEBOOK_SECONDS))
    (root / "source" / name).mkdir(parents=True)
    (root / "source" / name / f"{name}.ipynb").write_bytes((SOLUTIONS / f"{name}.ipynb").read_bytes())
    for student, nb in students.items():
        folder = root / "submitted" / student / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


def pipeline(root, name):
    """nbgrader's steps on one assignment, as `nbgrader generate_assignment NAME`, `validate
    source/NAME/NAME.ipynb`, `autograde NAME`, `generate_feedback NAME` and `export` run them (the
    same converters, through nbgrader's Python API: one process, not five start-ups of two seconds),
    configured by the course's nbgrader_config.py. Writes ROOT/pipeline.json: each step's outcome,
    its seconds and, per student, the gradebook's score of each check cell."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.plugins import CsvExportPlugin
    from nbgrader.validator import Validator
    from traitlets.config.loader import PyFileConfigLoader

    root = pathlib.Path(root)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    students = sorted(p.name for p in (root / "submitted").iterdir())
    steps, seconds = {}, {}

    def step(label, run, *args):
        start = time.perf_counter()
        steps[label] = run(*args)
        seconds[label] = round(time.perf_counter() - start, 1)

    step("generate_assignment", api.generate_assignment, name)
    step("validate", Validator(config=config).validate, str(root / "source" / name / f"{name}.ipynb"))
    for s in students:
        step(f"autograde {s}", api.autograde, name, s)
    step("generate_feedback", api.generate_feedback, name)
    marks = {}
    with api.gradebook as gb:
        CsvExportPlugin(config=config, to=str(root / "grades.csv")).export(gb)
        for s in students:
            marks[s] = {g.name: [g.score, g.max_score] for g in gb.find_submission_notebook(name, name, s).grades}
    report = {"steps": steps, "seconds": seconds, "marks": marks}
    (root / "pipeline.json").write_text(json.dumps(report, default=str))


def _run_pipeline(root, name):
    """`pipeline` in a fresh Python, with this environment's scripts on PATH (nbgrader runs `alembic`
    to create its database) and its python3 kernel first in JUPYTER_PATH; returns pipeline.json."""
    env = dict(os.environ, PATH=str(pathlib.Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
               JUPYTER_PATH=str(pathlib.Path(sys.prefix) / "share" / "jupyter"))
    code = "import sys; from tests.test_nbgrader import pipeline; pipeline(*sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, str(root), name], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"the nbgrader pipeline failed:\n{done.stdout}\n{done.stderr}"
    return json.loads((root / "pipeline.json").read_text())


def _solution_lines(name):
    """Lines inside the solution's `### BEGIN/END SOLUTION` regions that appear nowhere else in it
    (a line such as `return terms` outside a region proves nothing)."""
    solution = nbio.load(SOLUTIONS / f"{name}.ipynb")
    outside = "\n".join(nbio.stub_out(nbio.source(c)) for c in solution["cells"])
    lines = {line.strip() for c in solution["cells"] for region in nbio.solution_regions(nbio.source(c))
             for line in region.splitlines()[1:-1]}
    return sorted(line for line in lines if len(line) >= 12 and line not in outside)


def _html_text(path):
    """A feedback page's text as a reader sees it."""
    return html_text(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_nbgrader_grades_our_assignments_from_solutions(name, tmp_path):
    pytest.importorskip("nbgrader")
    start = time.perf_counter()
    spec = PIPELINES[name]
    _course(tmp_path, name, _students(name, spec["bug"], spec["warns"]))
    report = _run_pipeline(tmp_path, name)
    steps = report["steps"]
    for step in ("generate_assignment", "generate_feedback", *(f"autograde {s}" for s in ("correct", "buggy", "stub"))):
        assert steps[step]["success"], f"nbgrader {step}:\n{steps[step].get('log')}\n{steps[step].get('error')}"
    assert steps["validate"] == {}, f"the solution does not pass nbgrader validate: {steps['validate']}"

    released = (tmp_path / "release" / name / f"{name}.ipynb").read_text(encoding="utf-8")
    exercise = nbio.load(EXERCISES / f"{name}.ipynb")
    assert [_as_released(c) for c in json.loads(released)["cells"]] == [_as_released(c) for c in exercise["cells"]]

    # the marks: full for correct code (warnings or not), 0 for an untouched exercise, and the planted
    # bug costs exactly the check cell of the function it breaks
    points = {g: p for g, (_, p) in report["marks"]["correct"].items()}
    marks = {s: {g: score for g, (score, _) in cells.items()} for s, cells in report["marks"].items()}
    bug = spec["bug"]
    solution = nbio.load(SOLUTIONS / f"{name}.ipynb")
    broken = {g for g in points if any(f"check({fn})" in nbio.source(_cell(solution, g)) for fn in bug.loses)}
    assert len(points) >= 3 and broken, f"no check cell checks {bug.loses}"
    assert marks["correct"] == points
    assert marks["stub"] == dict.fromkeys(points, 0.0)
    assert marks["buggy"] == {g: 0.0 if g in broken else p for g, p in points.items()}
    with open(tmp_path / "grades.csv", newline="") as f:
        exported = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    total = sum(points.values())
    assert exported == {"correct": (total, total), "stub": (0.0, total),
                        "buggy": (total - sum(points[g] for g in broken), total)}

    # no solution line in the released notebook, nor in the feedback on the untouched exercise (the
    # others' feedback shows their own code, which is the solution by construction: the check sees it)
    lines = _solution_lines(name)
    assert len(lines) >= 10
    leaked = [line for line in lines if json.dumps(line)[1:-1] in released]
    assert not leaked, f"solution lines in the released notebook: {leaked}"
    feedback = {s: _html_text(tmp_path / "feedback" / s / name / f"{name}.html") for s in ("stub", "correct")}
    assert not [line for line in lines if line in feedback["stub"]], "solution lines in the stub's feedback"
    assert sum(line in feedback["correct"] for line in lines) >= len(lines) // 2
    print(f"{name}: nbgrader pipeline {time.perf_counter() - start:.1f} s {report['seconds']}")
