"""The assignments and the grader: solutions score full marks, untouched exercises 0, planted bugs
lose points, exercises are generated (no drift, no leaked solution), nbgrader metadata is coherent."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import numpy as np
import pytest

import lossedu.functional as LF
from lossedu.grading import notebook as nbio
from lossedu.grading.assign import dumps, expected_exercises, make_exercise
from lossedu.grading.check import check
from lossedu.grading.grade import Cases, cells_to_run, grade_notebook, grade_part
from lossedu.grading.registry import EXERCISES, SOLUTIONS, all_assignments

import tests.planted as planted_pkg

SEED = 20261124
ASSIGNMENTS = all_assignments()
NAMES = [a.name for a in ASSIGNMENTS]
CASES = Cases(SEED)


def solution(name):
    return nbio.load(SOLUTIONS / f"{name}.ipynb")


def exercise(name):
    return nbio.load(EXERCISES / f"{name}.ipynb")


def test_every_solution_notebook_is_an_assignment_and_back():
    stems = sorted(p.stem for p in SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    assert stems == NAMES


# ----------------------------------------------------------------------------- generation
def test_exercises_are_exactly_what_lossedu_assign_generates():
    expected = expected_exercises()
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == sorted(p.name for p in expected)
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is out of date: run `lossedu assign`"


@pytest.mark.parametrize("name", NAMES)
def test_no_solution_text_leaks_into_the_exercise(name):
    sol = solution(name)
    outside = "\n".join(nbio.stub_out(nbio.source(c)) for c in sol["cells"])
    text = json.dumps(exercise(name))
    assert nbio.BEGIN not in text and nbio.END not in text
    for cell in sol["cells"]:
        for region in nbio.solution_regions(nbio.source(cell)):
            for line in region.splitlines()[1:-1]:
                line = line.strip()
                if len(line) >= 12 and line not in outside:
                    assert json.dumps(line)[1:-1] not in text, f"solution line leaked: {line!r}"


def test_stub_out_replaces_each_region_at_its_indentation():
    text = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n"
    assert nbio.stub_out(text) == "def f(x):\n    '''doc'''\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert nbio.solution_regions(text)[0].count("y = x + 1") == 1


def test_make_exercise_tags_the_cells_that_need_a_solution():
    nb = {"cells": [
        {"cell_type": "code", "source": "check(f)", "metadata": {"nbgrader": {"grade": True}}, "outputs": [1]},
        {"cell_type": "code", "source": "train()", "metadata": {"tags": ["uses-solution"]}, "outputs": []},
        {"cell_type": "code", "source": "import numpy", "metadata": {}, "outputs": []},
    ], "metadata": {}}
    ex = make_exercise(nb)
    assert [c["metadata"].get("tags") for c in ex["cells"]] == [
        ["raises-exception"], ["raises-exception", "uses-solution"], None]
    assert ex["cells"][0]["outputs"] == [] and nb["cells"][0]["outputs"] == [1]
    assert dumps(ex) == dumps(make_exercise(nb))


# ----------------------------------------------------------------------------- metadata
@pytest.mark.parametrize("name", NAMES)
def test_nbgrader_metadata_is_coherent(name):
    nb, a = solution(name), next(a for a in ASSIGNMENTS if a.name == name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["lossedu"]["assignment"] == name
    ids, checked, points = set(), [], 0.0
    for cell in nb["cells"]:
        meta = nbio.nbgrader(cell)
        assert meta.get("schema_version") == 3 and {"grade", "grade_id", "locked", "solution"} <= set(meta)
        assert meta["grade_id"] not in ids, f"duplicate grade_id {meta['grade_id']}"
        ids.add(meta["grade_id"])
        src = nbio.source(cell)
        assert meta["locked"] == (not meta["solution"])
        if meta["solution"]:
            assert nbio.BEGIN in src and nbio.END in src and cell["cell_type"] == "code"
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None
        if meta["grade"]:
            names = re.findall(r"check\((\w+)\)", src)
            assert names, "a graded cell must call check()"
            assert meta["points"] == pytest.approx(sum(a.part(n).points for n in names))
            checked += names
            points += meta["points"]
    assert sorted(checked) == sorted(p.function for p in a.parts), "every part checked exactly once"
    assert points == pytest.approx(a.max_score)
    assert any("setup" in nbio.tags(c) for c in nb["cells"])


@pytest.mark.parametrize("name", NAMES)
def test_setup_cells_import_only_numpy(name):
    for cell in solution(name)["cells"]:
        if "setup" in nbio.tags(cell):
            for line in nbio.source(cell).splitlines():
                assert not line.strip() or line.startswith("#") or re.fullmatch(r"(import numpy as np|import math)", line)


# ----------------------------------------------------------------------------- cases and reference
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # kl_div's own warning
@pytest.mark.parametrize("part", [(a.name, i) for a in ASSIGNMENTS for i in range(len(a.parts))],
                         ids=lambda p: f"{p[0]}-{p[1]}")
def test_lossedu_itself_passes_every_public_and_hidden_case(part, capsys):
    a = next(a for a in ASSIGNMENTS if a.name == part[0])
    p = a.parts[part[1]]
    fn = getattr(LF, p.function, None)
    if fn is None:  # an assignment for a loss lossedu.functional does not have (docs/writing-an-assignment.md)
        pytest.skip(f"lossedu.functional has no {p.function}")
    public, hidden, expected = CASES.get(a, part[1])
    assert len(public) >= 5 and len(hidden) >= 3
    check(fn)
    from lossedu.grading.spec import compare

    for case, want in zip(public + hidden, expected):
        assert compare(p, case, fn(**case.args), want).passed, case.label


def test_hidden_cases_change_with_the_seed_and_public_ones_do_not():
    a = ASSIGNMENTS[0]
    one, two = Cases(1).get(a, 0), Cases(2).get(a, 0)
    assert [c.label for c in one[0]] == [c.label for c in two[0]]
    for c1, c2 in zip(one[0], two[0]):
        for k, v in c1.args.items():
            assert np.array_equal(v, c2.args[k]) if isinstance(v, np.ndarray) else v == c2.args[k]
    assert any(not np.array_equal(c1.args["input"], c2.args["input"]) for c1, c2 in zip(one[1], two[1])
               if c1.args["input"].shape == c2.args["input"].shape) or [c.args["input"].shape for c in one[1]] != [
        c.args["input"].shape for c in two[1]]


# ----------------------------------------------------------------------------- whole notebooks
@pytest.mark.parametrize("name", NAMES)
def test_the_solution_scores_full_marks(name):
    result = grade_notebook(SOLUTIONS / f"{name}.ipynb", CASES, timeout=30)
    assert result.messages == []
    assert result.score == pytest.approx(result.max_score), "\n".join(p.output for p in result.parts)


@pytest.mark.parametrize("name", NAMES)
def test_the_untouched_exercise_scores_zero(name):
    result = grade_notebook(EXERCISES / f"{name}.ipynb", CASES, timeout=30)
    assert result.max_score > 0 and result.score == 0
    assert all("not implemented yet" in p.output for p in result.parts)


# ----------------------------------------------------------------------------- planted bugs
def _bugs():
    out = []
    for info in pkgutil.iter_modules(planted_pkg.__path__):
        module = importlib.import_module(f"tests.planted.{info.name}")
        stem = info.name[1:]
        out += [(stem, bug) for bug in module.BUGS]
    return out


BUGS = _bugs()


COURSE_ASSIGNMENTS = ("01_regression", "02_counts_and_variances", "03_cross_entropy", "04_kl_divergence",
                      "05_binary_and_multilabel", "06_margins", "07_ranking_and_embeddings", "08_ctc")


def test_the_courses_assignments_have_planted_bugs():
    # planted bugs are optional for a new assignment (docs/writing-an-assignment.md); the course's own have them
    stems = {stem for stem, _ in BUGS}
    assert stems <= set(NAMES) and set(COURSE_ASSIGNMENTS) <= stems


@pytest.mark.parametrize("stem,bug", BUGS, ids=[f"{s}: {b.name}" for s, b in BUGS])
def test_a_planted_bug_loses_points(stem, bug):
    nb = solution(stem)
    cell = next(c for c in nb["cells"] if nbio.nbgrader(c).get("grade_id") == bug.cell)
    src = nbio.source(cell)
    assert src.count(bug.old) == 1, f"{bug.old!r} must occur exactly once in cell {bug.cell}"
    cell["source"] = src.replace(bug.old, bug.new)
    a = next(a for a in ASSIGNMENTS if a.name == stem)
    code, _ = cells_to_run(nb, exercise(stem))
    for function in bug.loses:
        index = [p.function for p in a.parts].index(function)
        part = grade_part(a, index, code, CASES, timeout=30, memory_mb=2048)
        assert part.score < part.max_score - 1e-9, f"{function} kept all its points:\n{part.output}"
