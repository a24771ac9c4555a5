"""Every committed notebook is stored clean: no outputs, no execution counts, kernelspec python3.

Outputs in git make diffs unreadable and can hide a notebook that no longer runs; nbval
(`make test`) executes the notebooks instead. Clean one with
`.venv/bin/jupyter nbconvert --clear-output --inplace notebooks/NN_name.ipynb`.
"""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    path
    for folder in ("notebooks", "solutions", "exercises")
    for path in (ROOT / folder).glob("*.ipynb")
)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has outputs"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_lecture_names_are_numbered(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), "lectures are named NN_topic.ipynb"


LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
PREDICT = "**Predict, then run.**"


def _predict_questions(nb):
    """(index, question) of each "Predict, then run." markdown cell."""
    return [
        (i, "".join(c["source"]))
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "markdown" and "".join(c["source"]).lstrip().startswith(PREDICT)
    ]


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_every_lecture_asks_three_questions_and_asserts_their_answers(path):
    # Questions inside the lecture: the learner predicts, then the next code cell answers — and
    # asserts the answer, so a question whose answer drifted fails under nbval, not in a classroom.
    nb = json.loads(path.read_text(encoding="utf-8"))
    questions = _predict_questions(nb)
    assert len(questions) >= 3, f"{path.name} has {len(questions)} predict-then-run questions, needs 3"
    for i, question in questions:
        answer = next((c for c in nb["cells"][i + 1:] if c["cell_type"] == "code"), None)
        assert answer is not None, f"question in cell {i} has no code cell after it"
        assert "assert" in "".join(answer["source"]), f"the answer to the question in cell {i} asserts nothing"
