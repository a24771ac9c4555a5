"""docs/writing-an-assignment.md works: its worked example (the expectile loss, which torch lacks), built
from the guide's own code blocks into a temporary folder, is a complete assignment: `check` runs its
public cases with feedback, and the grader scores its solution notebook full marks, the generated
exercise 0 and a buggy notebook less, with the diagnosis. Also the registry hook it uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from lossedu.grading import grade as grade_module
from lossedu.grading import notebook as nbio
from lossedu.grading import registry
from lossedu.grading.assign import dumps, make_exercise
from lossedu.grading.cases import backward_of, loss_parts
from lossedu.grading.check import check, public_cases
from lossedu.grading.spec import Assignment, Case, Part, compare

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-an-assignment.md"
BLOCK = re.compile(r'```python title="([^"]+)"\n(.*?)\n```', re.S)
NAME = "09_expectile"


def guide_blocks():
    """{title: code} of the guide's titled code blocks."""
    return {title: code + "\n" for title, code in BLOCK.findall(GUIDE.read_text(encoding="utf-8"))}


def _cell(grade_id, source, kind):
    """A notebook cell with nbgrader's metadata, as the guide's table describes it."""
    meta = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3, "solution": False,
            "task": False}
    cell = {"cell_type": "code", "execution_count": None, "outputs": [], "source": source, "metadata": {}}
    if kind == "solution":
        meta.update(locked=False, solution=True)
    elif kind.startswith("check"):
        meta.update(grade=True, points=float(kind.split()[1]))
    elif kind == "setup":
        cell["metadata"]["tags"] = ["setup"]
    cell["metadata"]["nbgrader"] = meta
    return cell


def solution_notebook(blocks):
    cells = [{"cell_type": "markdown", "source": "# Assignment 09 · the expectile loss",
              "metadata": {"nbgrader": {"grade": False, "grade_id": "intro", "locked": True, "schema_version": 3,
                                        "solution": False, "task": False}}}]
    for title, code in blocks.items():
        m = re.fullmatch(r"cell (\w+) \((.+)\)", title)
        if m:
            cells.append(_cell(m.group(1), code.rstrip("\n"), m.group(2)))
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}, "lossedu": {"assignment": NAME}}}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The guide's module and notebooks in a temporary course folder, registered for the test."""
    root = tmp_path_factory.mktemp("course")
    blocks = guide_blocks()
    module = root / "expectile.py"
    module.write_text(blocks["lossedu/grading/assignments/expectile.py"], encoding="utf-8")
    (root / "solutions").mkdir()
    (root / "exercises").mkdir()
    nb = solution_notebook(blocks)
    (root / "solutions" / f"{NAME}.ipynb").write_text(dumps(nb), encoding="utf-8")
    (root / "exercises" / f"{NAME}.ipynb").write_text(dumps(make_exercise(nb)), encoding="utf-8")
    assignment = registry.load_module(module)
    with registry.registered(assignment, solutions=root / "solutions", exercises=root / "exercises"):
        yield root, assignment, nb


@pytest.fixture
def grader(monkeypatch):
    """grade.py reading each assignment's exercise where the registry says it is (grade.py reads
    registry.EXERCISES itself for now: a registered assignment's exercise lives elsewhere)."""

    def load(name):
        nb = nbio.load(registry.exercise_path(name))
        return nbio.slim(nb) if hasattr(nbio, "slim") else nb

    if hasattr(grade_module, "_exercise"):
        monkeypatch.setattr(grade_module, "_exercise", load)
    else:
        monkeypatch.setattr(grade_module, "exercise_notebook", load)
    return grade_module


def solution_functions(nb):
    """The solution cells' functions, run as the learner's kernel would."""
    namespace = {}
    for cell in nb["cells"]:
        meta = nbio.nbgrader(cell)
        if cell["cell_type"] == "code" and (meta.get("solution") or "setup" in nbio.tags(cell)):
            exec(nbio.source(cell), namespace)  # noqa: S102 - the guide's own solution code
    return namespace


def test_the_guide_has_the_module_and_the_notebook_cells():
    titles = set(guide_blocks())
    assert "lossedu/grading/assignments/expectile.py" in titles
    assert {"cell setup (setup)", "cell expectile_loss (solution)", "cell check_expectile_loss (check 4)"} <= titles


def test_the_example_is_registered_and_found_by_its_functions(course):
    root, assignment, _ = course
    assert NAME in registry.MODULES and registry.assignment(NAME) is assignment
    assert [p.function for p in assignment.parts] == ["expectile_loss", "expectile_loss_backward"]
    assert registry.find_part("expectile_loss_backward").is_backward
    assert registry.exercise_path(NAME) == root / "exercises" / f"{NAME}.ipynb"
    assert registry.solution_path(NAME) == root / "solutions" / f"{NAME}.ipynb"
    assert assignment.max_score == 4


def test_check_passes_the_solution_and_explains_a_mistake(course, capsys):
    _, _, nb = course
    functions = solution_functions(nb)
    n = len(public_cases(registry.find_part("expectile_loss")))
    check(functions["expectile_loss"])  # no AssertionError: every public case passed
    check(functions["expectile_loss_backward"])
    out = capsys.readouterr().out
    assert f"expectile_loss: {n}/{n} public cases passed" in out and f"expectile_loss_backward: {n}/{n}" in out

    def expectile_loss(input, target, tau=0.5, reduction="mean"):  # τ and 1 − τ swapped
        return functions["expectile_loss"](input, target, 1.0 - tau, reduction)

    with pytest.raises(AssertionError):
        check(expectile_loss)
    out = capsys.readouterr().out
    assert "likely cause: under-prediction (target > input) costs τ·(target − input)²" in out


def test_the_backward_reference_is_autograd_of_the_forward(course):
    """The reference's gradient (autograd of the guide's torch formula) agrees with the hand-derived
    solution on every public and hidden case, ties (d = 0) included."""
    _, assignment, nb = course
    functions = solution_functions(nb)
    part = assignment.part("expectile_loss_backward")
    cases = public_cases(part) + part.cases(np.random.default_rng(7), True)
    assert len(part.cases(np.random.default_rng(7), True)) >= 3
    for case in cases:
        assert compare(part, case, functions["expectile_loss_backward"](**case.args)).passed, case.label


def test_the_grader_scores_the_example(course, grader, tmp_path):
    root, assignment, nb = course
    cases = grader.Cases(20261204)
    solved = grader.grade_notebook(root / "solutions" / f"{NAME}.ipynb", cases, timeout=30)
    assert solved.assignment == NAME and solved.messages == []
    assert solved.score == pytest.approx(solved.max_score) == 4, "\n".join(p.output for p in solved.parts)

    untouched = grader.grade_notebook(root / "exercises" / f"{NAME}.ipynb", cases, timeout=30)
    assert untouched.score == 0 and all("not implemented yet" in p.output for p in untouched.parts)

    buggy = json.loads(json.dumps(nb))
    cell = next(c for c in buggy["cells"] if nbio.nbgrader(c).get("grade_id") == "expectile_loss")
    old = "local = -2.0 * np.where(d >= 0, tau, 1.0 - tau) * d"
    assert nbio.source(cell).count(old) == 1
    cell["source"] = nbio.source(cell).replace(old, "local = -2.0 * np.where(d >= 0, 1.0 - tau, tau) * d")
    path = tmp_path / "ada_09_expectile.ipynb"
    path.write_text(dumps(buggy), encoding="utf-8")
    result = grader.grade_notebook(path, cases, timeout=30)
    parts = {p.name: p for p in result.parts}
    assert parts["expectile_loss"].score == 2
    assert parts["expectile_loss_backward"].score < 2
    assert "likely cause: under-prediction" in parts["expectile_loss_backward"].output


def test_the_guides_words_about_the_expectile_loss_hold(course):
    """The prose above the example: τ = ½ gives half the squared error (minimised by the mean), the
    loss is minimised over a constant by the τ-expectile (not the τ-quantile), and both branches of the
    gradient give 0 at d = 0. Its name is free: no built-in assignment grades expectile_loss."""
    _, assignment, nb = course
    fns = solution_functions(nb)
    loss, grad = fns["expectile_loss"], fns["expectile_loss_backward"]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=9), rng.exponential(size=9)
    np.testing.assert_allclose(loss(x, y, 0.5, "none"), 0.5 * (y - x) ** 2, rtol=1e-15)
    for tau in (0.5, 0.2, 0.9):
        c = np.linspace(y.min(), y.max(), 200001)  # the constant predictions
        w = np.where(y[None] - c[:, None] >= 0, tau, 1 - tau)
        best = c[np.argmin(np.mean(w * (y[None] - c[:, None]) ** 2, axis=1))]
        # the τ-expectile e solves τ·E[(y − e)₊] = (1 − τ)·E[(e − y)₊]
        lo, hi = y.min(), y.max()
        for _ in range(200):
            e = (lo + hi) / 2
            lo, hi = (e, hi) if tau * np.maximum(y - e, 0).mean() > (1 - tau) * np.maximum(e - y, 0).mean() else (lo, e)
        assert abs(best - e) < 1e-4 and (tau != 0.5 or abs(e - y.mean()) < 1e-12)
        assert tau == 0.5 or abs(e - np.quantile(y, tau)) > 1e-2
        assert grad(np.array(1.0), x, x.copy(), tau, "none").tolist() == [0.0] * 9
    builtin = {p.function for a in registry.all_assignments() if a is not assignment for p in a.parts}
    assert "expectile_loss" not in builtin and "pinball_loss" not in {p.function for p in assignment.parts}


def test_a_constant_answer_scores_nothing_on_the_example(course):
    _, assignment, _ = course
    for part in assignment.parts:
        hidden = part.cases(np.random.default_rng(3), True)
        for case in hidden:
            want = part.expected(case.args)
            for c in (0.0, 1.0, np.inf, np.nan):
                assert not compare(part, case, np.full(np.shape(want), c), want).passed


def test_numpy_references_work_as_well():
    """A reference need not be torch: plain numpy functions of `args`, and the backward's cases from
    the numpy forward."""

    def forward(args):
        d = args["target"] - args["input"]
        return d**4 if args.get("reduction", "mean") == "none" else np.asarray((d**4).mean())

    def backward(args):
        d = args["target"] - args["input"]
        g = args["grad_output"] / (d.size if args.get("reduction", "mean") == "mean" else 1)
        return -4 * d**3 * g

    def cases(rng, hidden):
        return [Case(f"case {i}", {"input": rng.normal(size=4), "target": rng.normal(size=4),
                                   "reduction": ("none", "mean")[i % 2]}) for i in range(6)]

    fwd, bwd = loss_parts("quartic_loss", cases, reference=forward, backward_reference=backward)
    a = Assignment("98_quartic", "a numpy-only loss", (fwd, bwd))
    rng_cases = bwd.cases(np.random.default_rng(0), False)
    assert [np.shape(c.args["grad_output"]) for c in rng_cases] == [(4,), ()] * 3
    case = rng_cases[0]
    right = backward(case.args)
    assert compare(bwd, case, right).passed
    verdict = compare(bwd, case, -right)
    assert not verdict.passed and "sign is flipped" in verdict.diagnosis
    with registry.registered(a):
        assert registry.find_part("quartic_loss_backward") is bwd
    assert "98_quartic" not in registry.MODULES
    # backward_of also takes the forward reference directly
    assert len(backward_of(forward, cases)(np.random.default_rng(0), True)) == 6


def test_a_custom_backward_names_its_gradients():
    def backward(args):
        return -args["grad_output"] * args["b"], -args["grad_output"] * args["a"]

    part = Part("pair_loss_backward", 1, lambda rng, hidden: [], reference=backward, wrt=("a", "b"))
    case = Case("one", {"grad_output": np.array(2.0), "a": np.array([1.0, 2.0]), "b": np.array([3.0, 5.0])})
    verdict = compare(part, case, (np.array([-6.0, -10.0]), np.array([-2.0, 0.0])))
    assert verdict.problem.startswith("b is off by up to 4")


# ----------------------------------------------------------------------------- the registry hook
def _tiny(name, function):
    return Assignment(name, "tiny", (Part(function, 1, lambda rng, hidden: [],
                                          reference=lambda args: np.asarray(0.0)),))


def test_register_refuses_what_would_confuse_check():
    with pytest.raises(ValueError, match="already an assignment called '01_regression'"):
        registry.register(_tiny("01_regression", "new_loss"))
    with pytest.raises(ValueError, match="l1_loss already belong to 01_regression"):
        registry.register(_tiny("97_other", "l1_loss"))
    # why the guide's example is the expectile loss: assignment 12 grades pinball_loss
    with pytest.raises(ValueError, match="pinball_loss already belong to 12_quantiles_and_scoring_rules"):
        registry.register(_tiny("97_other", "pinball_loss"))
    with pytest.raises(ValueError, match="must look like '09_expectile'"):  # registry.py's example of a name
        registry.register(_tiny("expectile", "new_loss"))
    with pytest.raises(TypeError, match="takes an Assignment"):
        registry.register("09_expectile")
    with pytest.raises(KeyError, match="built-in ones cannot be removed"):
        registry.unregister("01_regression")
    assert "97_other" not in registry.MODULES


def test_registered_undoes_itself_even_after_an_error():
    with pytest.raises(RuntimeError):
        with registry.registered(_tiny("96_tiny", "tiny_loss")):
            assert "96_tiny" in registry.MODULES
            raise RuntimeError
    assert "96_tiny" not in registry.MODULES
    with pytest.raises(KeyError):
        registry.find_part("tiny_loss")


def test_load_module_says_what_is_missing(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("X = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="defines no ASSIGNMENT"):
        registry.load_module(path)


def test_parts_and_assignments_explain_bad_definitions():
    with pytest.raises(ValueError, match="not a Python function name"):
        Part("expectile loss", 1, lambda rng, hidden: [])
    with pytest.raises(ValueError, match="points must be a positive number"):
        Part("expectile_loss", 0, lambda rng, hidden: [])
    with pytest.raises(TypeError, match="cases must be a function"):
        Part("expectile_loss", 1, [])
    with pytest.raises(TypeError, match="reference must be a function"):
        Part("expectile_loss", 1, lambda rng, hidden: [], reference="torch")
    part = Part("expectile_loss", 1, lambda rng, hidden: [])
    with pytest.raises(ValueError, match="graded twice"):
        Assignment("95_twice", "t", (part, part))
    with pytest.raises(ValueError, match="give both reference and backward_reference"):
        loss_parts("expectile_loss", lambda rng, hidden: [], reference=lambda a: 0)
