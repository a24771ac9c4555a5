"""`lossedu grade` from the command line, its output files, and the Gradescope bundle and entry point."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "01_regression.ipynb"
EXERCISE = ROOT / "exercises" / "01_regression.ipynb"
GRADESCOPE_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


def lossedu(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "lossedu", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_grade_writes_gradescope_json_and_csv_for_several_submissions(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{ this is not json")
    run = lossedu("grade", SOLUTION, EXERCISE, bad, tmp_path / "missing.ipynb", "--jobs", "2", "--seed", "3",
                  "--results-json", tmp_path / "r.json", "--csv", tmp_path / "r.csv")
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert [Path(d["submission"]).name for d in data] == ["01_regression.ipynb"] * 2 + ["broken.ipynb", "missing.ipynb"]
    full, empty, broken, missing = (d["results"] for d in data)
    assert full["score"] == 16 and {t["status"] for t in full["tests"]} == {"passed"}
    assert all(set(t) >= GRADESCOPE_KEYS for t in full["tests"]) and len(full["tests"]) == 8
    assert empty["score"] == 0 and {t["status"] for t in empty["tests"]} == {"failed"}
    assert broken["score"] == 0 and broken["tests"] == [] and "not a Jupyter notebook" in broken["output"]
    assert missing["score"] == 0 and "no such file" in missing["output"]
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert [float(r["score"]) for r in rows] == [16, 0, 0, 0]
    assert float(rows[0]["l1_loss"]) == 2 and float(rows[0]["max_score"]) == 16
    assert rows[2]["assignment"] == "" and "not a Jupyter notebook" in rows[2]["messages"]


def test_one_submission_gives_exactly_gradescopes_format(tmp_path):
    run = lossedu("grade", SOLUTION, "--results-json", tmp_path / "results.json", "--quiet")
    assert run.returncode == 0 and "16/16" in run.stdout
    data = json.loads((tmp_path / "results.json").read_text())
    assert set(data) >= {"score", "tests", "output"} and data["score"] == 16


def test_a_notebook_of_no_assignment_gets_a_clear_message(tmp_path):
    nb = json.loads(EXERCISE.read_text())
    nb["metadata"].pop("lossedu")
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)
    (tmp_path / "stranger.ipynb").write_text(json.dumps(nb))
    lossedu("grade", tmp_path / "stranger.ipynb", "--results-json", tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["score"] == 0 and "not a lossedu assignment" in data["output"]


def test_the_assignment_is_recognised_by_its_cells_when_metadata_is_lost(tmp_path):
    nb = json.loads(SOLUTION.read_text())
    nb["metadata"].pop("lossedu")
    (tmp_path / "renamed.ipynb").write_text(json.dumps(nb))
    run = lossedu("grade", tmp_path / "renamed.ipynb", "--quiet")
    assert run.returncode == 0 and "16/16" in run.stdout


def _autograder(tmp_path, notebooks, assignment=None):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    source = root / "source"
    if assignment is None:
        os.symlink(ROOT, source)
    else:  # as the bundle unpacks: the repository plus gradescope/ASSIGNMENT
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", ".hypothesis", "build", "*.egg-info"))
        (source / "gradescope" / "ASSIGNMENT").write_text(assignment + "\n")
    for nb in notebooks:
        shutil.copy(nb, root / "submission" / Path(nb).name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "LOSSEDU_PYTHON": sys.executable}
    run = subprocess.run(["bash", str(ROOT / "gradescope" / "run_autograder")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_the_uploaded_notebook(tmp_path):
    data = _autograder(tmp_path, [SOLUTION])
    assert data["score"] == 16 and len(data["tests"]) == 8
    assert all(set(t) >= GRADESCOPE_KEYS for t in data["tests"])


def test_run_autograder_accepts_only_its_assignment_and_counts_a_notebook_once(tmp_path):
    twice = tmp_path / "copy" / "01_regression_again.ipynb"
    twice.parent.mkdir()
    shutil.copy(SOLUTION, twice)
    data = _autograder(tmp_path, [SOLUTION, twice, ROOT / "solutions" / "04_kl_divergence.ipynb"], "01_regression")
    assert data["score"] == 16, data["output"]
    assert "this grader grades 01_regression" in data["output"]


def test_run_autograder_without_a_notebook_explains(tmp_path):
    data = _autograder(tmp_path, [])
    assert data["score"] == 0 and "No notebook" in data["output"]


def test_the_bundle_has_gradescopes_entry_points_and_no_solutions(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gradescope_bundle.py"), tmp_path, "01_regression"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "01_regression.zip") as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", "pyproject.toml", "lossedu/grading/_runner.py",
                "exercises/01_regression.ipynb", "gradescope/ASSIGNMENT"} <= names
        assert not any(n.startswith(("solutions/", "tests/planted/")) for n in names)
        assert z.read("gradescope/ASSIGNMENT").decode().strip() == "01_regression"
        for name in ("setup.sh", "run_autograder"):
            assert z.getinfo(name).external_attr >> 16 & 0o111
    setup = (ROOT / "gradescope" / "setup.sh").read_text()
    assert "torch==2.13.0" in setup and "download.pytorch.org/whl/cpu" in setup


def test_grade_refuses_an_unknown_assignment_name():
    run = lossedu("grade", SOLUTION, "--assignment", "99_nothing")
    assert run.returncode == 2 and "no assignment '99_nothing'" in run.stderr


@pytest.mark.parametrize("args", [["assign", "--check"]])
def test_assign_check_passes_on_the_committed_exercises(args):
    run = lossedu(*args)
    assert run.returncode == 0, run.stdout
