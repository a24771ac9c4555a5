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
    nb["cells"] = [{"cell_type": "code", "id": "0a1b2c3d", "metadata": {}, "outputs": [], "execution_count": None,
                    "source": "def l1_loss(input, target):\n    return abs(input - target).mean()"}]
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


def _autograder(tmp_path, notebooks, assignment=None, *, secret=None, args=(), prefix=(), python=sys.executable,
                full=False):
    """Run gradescope/run_autograder on a simulated /autograder: the submission holds `notebooks`;
    with `assignment`, the source is unpacked as a bundle is (plus ASSIGNMENT, SECRET, ARGS).
    prefix: a command in front (e.g. dropping a capability). full: return (results, run) instead."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    source = root / "source"
    if assignment is None:
        os.symlink(ROOT, source)
    else:  # as the bundle unpacks: the repository plus gradescope/ASSIGNMENT
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", ".hypothesis", "build", "*.egg-info"))
        (source / "gradescope" / "ASSIGNMENT").write_text(assignment + "\n")
        if secret is not None:
            (source / "gradescope" / "SECRET").write_bytes(secret + b"\n")
        (source / "gradescope" / "ARGS").write_text("".join(f"{a}\n" for a in args))
    for nb in notebooks:
        shutil.copy(nb, root / "submission" / Path(nb).name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "LOSSEDU_PYTHON": str(python)}
    env.pop("LOSSEDU_GRADING_SECRET", None)
    run = subprocess.run([*prefix, "bash", str(ROOT / "gradescope" / "run_autograder")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    return (data, run) if full else data


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
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}  # never the teacher's own secret file
    env.pop("LOSSEDU_GRADING_SECRET", None)
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gradescope_bundle.py"), tmp_path, "01_regression"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
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


def test_setup_installs_only_what_grading_needs():
    setup = (ROOT / "gradescope" / "setup.sh").read_text()
    installs = [line for line in setup.splitlines() if "pip install" in line]
    assert not any(name in line for line in installs for name in ("jupyterlab", "nbval", "matplotlib", "ipywidgets"))
    # lossedu itself without its course dependencies (pyproject lists JupyterLab, nbval, matplotlib)
    assert any("--no-deps -e /autograder/source" in line for line in installs)
    assert any("numpy" in line and "ipython" in line for line in installs)
    assert "chmod 600 /autograder/source/gradescope/SECRET" in setup


def _bundle(tmp_path, *args, secret=b"course secret 42"):
    (tmp_path / "secret").write_bytes(secret)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("LOSSEDU_GRADING_SECRET", None)
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gradescope_bundle.py"), tmp_path / "out", "01_regression",
                          "--secret-file", tmp_path / "secret", *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    return zipfile.ZipFile(tmp_path / "out" / "01_regression.zip"), run


def test_the_bundle_carries_the_course_secret_and_the_grader_settings(tmp_path):
    from lossedu.grading.course_secret import secret_id

    z, run = _bundle(tmp_path)
    assert z.read("gradescope/SECRET").strip() == b"course secret 42"
    assert z.read("gradescope/ARGS").decode().split() == ["--hidden-visibility", "after_published"]
    assert secret_id(b"course secret 42") in run.stdout and "course secret 42" not in run.stdout
    z, _ = _bundle(tmp_path, "--hidden-visibility", "visible", "--memory", "300")
    assert z.read("gradescope/ARGS").decode().split() == ["--hidden-visibility", "visible", "--memory", "300"]


def test_a_bundle_without_a_configured_secret_gets_a_new_one_saved_for_local_grading(tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("LOSSEDU_GRADING_SECRET", None)
    command = [sys.executable, str(ROOT / "tools" / "gradescope_bundle.py"), tmp_path / "out", "01_regression"]
    for _ in range(2):  # the second build reuses the saved secret
        run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
        assert run.returncode == 0, run.stderr
        saved = (tmp_path / "config" / "lossedu" / "grading-secret").read_bytes().strip()
        with zipfile.ZipFile(tmp_path / "out" / "01_regression.zip") as z:
            assert z.read("gradescope/SECRET").strip() == saved and len(saved) == 64
    assert oct((tmp_path / "config" / "lossedu" / "grading-secret").stat().st_mode & 0o777) == "0o600"


def _buggy(tmp_path, name="buggy.ipynb"):
    """01 with mse_loss's mean taken over the batch only: fails some public and some hidden cases."""
    nb = json.loads(SOLUTION.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "l1_loss":
            src = "".join(cell["source"])
            cell["source"] = src.replace('def l1_loss(input, target, reduction="mean", weight=None):',
                                         'def l1_loss(input, target, reduction="mean", weight=None):\n'
                                         '    if np.size(input) > 6:\n        raise ValueError(f"leak {input!r}")', 1)
            assert cell["source"] != src
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


def test_regrading_on_gradescope_gives_the_same_marks_and_feedback(tmp_path):
    from lossedu.grading.course_secret import secret_id, seed_for

    buggy = _buggy(tmp_path)
    first = _autograder(tmp_path / "a", [buggy], "01_regression", secret=b"s3cret", args=["--hidden-visibility", "after_published"])
    again = _autograder(tmp_path / "b", [buggy], "01_regression", secret=b"s3cret", args=["--hidden-visibility", "after_published"])
    assert first == again and 0 < first["score"] < 16
    assert first["extra_data"]["secret_id"] == secret_id(b"s3cret")
    assert first["extra_data"]["seed"] == str(seed_for(b"s3cret", "01_regression"))
    other = _autograder(tmp_path / "c", [buggy], "01_regression", secret=b"another", args=[])
    assert other["extra_data"]["seed"] != first["extra_data"]["seed"]


def test_hidden_case_feedback_is_shown_after_publication_by_default(tmp_path):
    buggy = _buggy(tmp_path)
    data = _autograder(tmp_path / "a", [buggy], "01_regression", secret=b"s", args=["--hidden-visibility", "after_published"])
    hidden = [t for t in data["tests"] if t["name"].endswith("hidden cases")]
    visible = [t for t in data["tests"] if not t["name"].endswith("hidden cases")]
    assert hidden and {t["visibility"] for t in hidden} == {"after_published"}
    assert {t["visibility"] for t in visible} == {"visible"} and len(visible) == 8
    assert all("hidden case" not in t["output"] for t in visible)
    # the learner's exception text (which holds the hidden inputs) never reaches a hidden case's feedback
    assert all("leak" not in t["output"] and "raised ValueError" in t["output"] for t in hidden)
    data = _autograder(tmp_path / "b", [buggy], "01_regression", secret=b"s", args=["--hidden-visibility", "visible"])
    assert {t["visibility"] for t in data["tests"]} == {"visible"}


def test_run_autograder_writes_a_result_even_when_the_grader_fails(tmp_path):
    data = _autograder(tmp_path, [SOLUTION], python="/bin/false")
    assert data["score"] == 0 and "autograder failed" in data["output"] and "tell your teacher" in data["output"]


def test_run_autograder_survives_hostile_file_names_and_messages(tmp_path):
    nasty = tmp_path / "n"
    nasty.mkdir()
    shutil.copy(_buggy(tmp_path), nasty / "=1+2.ipynb")
    data, run = _autograder(tmp_path, [nasty / "=1+2.ipynb", SOLUTION], "01_regression", secret=b"s", full=True)
    assert data["score"] == 16  # the best of the two notebooks of one assignment
    assert "\x1b" not in run.stdout


@pytest.mark.skipif(os.getuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to drop CAP_SYS_CHROOT")
def test_run_autograder_without_the_chroot_capability_still_grades_and_says_how(tmp_path):
    """Gradescope's containers may lack CAP_SYS_CHROOT: a correct notebook still scores full marks
    (the sandbox degrades to the isolation it can get), and the teacher's output says which."""
    data, run = _autograder(tmp_path, [SOLUTION], "01_regression", secret=b"s", full=True,
                            prefix=["setpriv", "--bounding-set=-sys_chroot"])
    assert data["score"] == 16, data
    isolation = data["extra_data"]["isolation"]
    assert isolation and "chroot" not in isolation and f"isolation: {isolation}" in run.stdout


@pytest.mark.skipif(os.getuid() != 0, reason="the full isolation needs root, as on Gradescope")
def test_run_autograder_as_root_reports_its_isolation(tmp_path):
    data, run = _autograder(tmp_path, [SOLUTION], "01_regression", secret=b"s", full=True)
    assert data["score"] == 16
    isolation = data["extra_data"]["isolation"]
    assert "chroot" in isolation and f"isolation: {isolation}" in run.stdout


def test_grade_refuses_an_unknown_assignment_name():
    run = lossedu("grade", SOLUTION, "--assignment", "99_nothing")
    assert run.returncode == 2 and "no assignment '99_nothing'" in run.stderr


@pytest.mark.parametrize("args", [["assign", "--check"]])
def test_assign_check_passes_on_the_committed_exercises(args):
    run = lossedu(*args)
    assert run.returncode == 0, run.stdout


BLOCK_COURSE_DEPS = '''
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {names!r}:
            raise ImportError("not installed on Gradescope: " + name)
sys.meta_path.insert(0, Block())
from lossedu.cli import main
sys.exit(main())
'''


def test_grading_needs_none_of_the_course_dependencies_setup_leaves_out(tmp_path):
    """setup.sh installs lossedu with --no-deps: the grader must run without JupyterLab, nbval,
    matplotlib, widgets."""
    names = ("matplotlib", "ipywidgets", "ipympl", "jupyterlab", "nbval", "jupyter_server", "nbformat", "nbconvert")
    run = subprocess.run([sys.executable, "-c", BLOCK_COURSE_DEPS.format(names=names), "grade",
                          str(ROOT / "solutions" / "04_kl_divergence.ipynb"), "--quiet", "--seed", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "4/4" in run.stdout, run.stderr
