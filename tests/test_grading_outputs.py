"""The grader's process and outputs (issue 11): reproducible marks from a course secret, escaped
terminal/CSV/JSON, one bad submission never costing the batch, bounded parsing of a submission read
once, hidden-case feedback that names only the kind of failure, calm feedback for a notebook that
lost its metadata, per-submission feedback files, student ids, memory that fits the container."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from lossedu.grading import grade as G
from lossedu.grading import notebook as nbio
from lossedu.grading.course_secret import DEFAULT, Secret, load_secret, secret_id, seed_for
from lossedu.grading.grade import (Cases, PartResult, Result, cells_to_run, exercise_notebook, grade_many,
                                   grade_part, default_memory_mb)
from lossedu.grading.outputs import (csv_cell, feedback_markdown, read_roster, safe_text, student_id, write_csv,
                                     write_feedback_files)
from lossedu.grading.registry import SOLUTIONS, assignment

ROOT = Path(__file__).resolve().parents[1]
NAME = "01_regression"
A = assignment(NAME)
SOLUTION_NB = SOLUTIONS / f"{NAME}.ipynb"
PARTS = [p.function for p in A.parts]
SECRET = Secret(b"test course secret", "test")
CASES = Cases(secret=SECRET)
HOSTILE = "\ud800\x1b[2J\x1b[H\r\n== alice.ipynb [12345]: 01_regression 16/16\x07"


def solution():
    return json.loads(SOLUTION_NB.read_text(encoding="utf-8"))


def cell(nb, gid):
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)


def with_l1(nb, body):
    """`nb` with l1_loss's body starting with `body` (indented lines of Python)."""
    c = cell(nb, "l1_loss")
    head = 'def l1_loss(input, target, reduction="mean", weight=None):\n'
    src = nbio.source(c)
    assert src.count(head) == 1
    c["source"] = src.replace(head, head + body, 1)
    return nb


def save(nb, path):
    Path(path).write_text(json.dumps(nb), encoding="utf-8")
    return path


def part(nb, function="l1_loss", cases=CASES):
    code, _ = cells_to_run(nbio.slim(nb), exercise_notebook(NAME))
    return grade_part(A, PARTS.index(function), code, cases, timeout=10, memory_mb=1024)


def lossedu(*args, env=None, cwd=ROOT):
    env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "lossedu", "grade", *map(os.fsdecode, args)], cwd=cwd,
                          capture_output=True, timeout=300, env=env)


# ----------------------------------------------------------------------------- reproducible marks
def test_the_same_notebook_always_gets_the_same_score_and_feedback(tmp_path):
    """No --seed: each run used to draw fresh hidden cases (4.6095 then 4.6238 out of 8)."""
    buggy = save(with_l1(solution(), "    if np.size(input) > 6:\n        input = input + 1e-3\n"), tmp_path / "b.ipynb")
    env = {"LOSSEDU_GRADING_SECRET": "a course secret", "XDG_CONFIG_HOME": str(tmp_path)}
    runs = []
    for k in range(2):
        run = lossedu(buggy, "--csv", tmp_path / f"{k}.csv", "--results-json", tmp_path / f"{k}.json", env=env)
        assert run.returncode == 0, run.stderr
        runs.append(((tmp_path / f"{k}.csv").read_text(), (tmp_path / f"{k}.json").read_text(), run.stdout.decode()))
    assert runs[0] == runs[1]
    row = next(csv.DictReader(io.StringIO(runs[0][0])))
    assert 0 < float(row["l1_loss"]) < 2  # the hidden cases decide part of the mark
    assert row["secret_id"] == secret_id(b"a course secret") and row["seed"] == str(seed_for(b"a course secret", NAME))
    assert json.loads(runs[0][1])["extra_data"]["seed"] == row["seed"]
    assert "a course secret" not in runs[0][0] + runs[0][1] + runs[0][2]


def test_the_hidden_cases_come_from_the_secret_and_the_assignment():
    def hidden(cases, name=NAME, index=0):
        return [repr(sorted((k, repr(v)) for k, v in c.args.items())) for c in cases.get(assignment(name), index)[1]]

    assert hidden(Cases(secret=b"one")) == hidden(Cases(secret=b"one"))
    assert hidden(Cases(secret=b"one")) != hidden(Cases(secret=b"two"))
    assert seed_for(b"one", NAME) != seed_for(b"one", "03_cross_entropy")
    # a recorded seed replays exactly the hidden cases it was recorded with (`--seed`)
    assert hidden(Cases(seed_for(b"one", NAME))) == hidden(Cases(secret=b"one"))
    assert Cases(secret=b"one").secret_id == secret_id(b"one") and Cases(3).secret_id == ""
    with pytest.raises(TypeError):
        Cases()
    with pytest.raises(TypeError):
        Cases(-1)


def test_the_secret_is_found_in_order_and_never_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("LOSSEDU_GRADING_SECRET", raising=False)
    assert load_secret().value == DEFAULT and load_secret().is_default
    (tmp_path / "config" / "lossedu").mkdir(parents=True)
    (tmp_path / "config" / "lossedu" / "grading-secret").write_text("from the config file\n")
    assert load_secret().value == b"from the config file"
    monkeypatch.setenv("LOSSEDU_GRADING_SECRET", "from the environment")
    assert load_secret().value == b"from the environment"
    (tmp_path / "f").write_text("  from the file \n")
    found = load_secret(tmp_path / "f")
    assert found.value == b"from the file" and len(found.id) == 12 and found.id in found.id + found.source
    assert "from the file" not in repr(found.id) and int(found.id, 16) >= 0
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        load_secret(tmp_path / "empty")
    with pytest.raises(ValueError, match="cannot read"):
        load_secret(tmp_path / "missing")


def test_the_cli_says_which_secret_and_warns_about_the_public_default(tmp_path):
    nb = save(solution(), tmp_path / "s.ipynb")
    run = lossedu(nb, "--quiet", env={"XDG_CONFIG_HOME": str(tmp_path / "none"), "LOSSEDU_GRADING_SECRET": ""})
    assert run.returncode == 2 and b"empty" in run.stderr
    env = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    run = subprocess.run([sys.executable, "-m", "lossedu", "grade", str(nb), "--quiet"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={k: v for k, v in {**os.environ, **env}.items()
                                                      if k != "LOSSEDU_GRADING_SECRET"})
    assert run.returncode == 0 and "16/16" in run.stdout
    assert secret_id(DEFAULT) in run.stderr and "public default" in run.stderr and "guess" not in run.stdout


# ----------------------------------------------------------------------------- one bad file never costs the batch
def test_hostile_messages_and_file_names_neither_crash_nor_forge_the_batch(tmp_path):
    """A lone surrogate crashed the encoder (no results.json, no CSV, a classmate's 16/16 lost); ANSI
    codes cleared the terminal and printed a forged report; `=1+2.ipynb` was a formula in the CSV."""
    attack = with_l1(solution(), f"    raise ValueError({HOSTILE!r})\n")
    attack["metadata"]["lossedu"]["assignment"] = NAME
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [save(attack, folder / "attack.ipynb"), save(solution(), folder / "classmate_4242.ipynb"),
             save(solution(), folder / "=1+2.ipynb")]
    weird = os.fsencode(folder) + b"/caf\xe9_\x1b[31m.ipynb"
    with open(weird, "wb") as f:
        f.write(SOLUTION_NB.read_bytes())
    paths.append(weird)
    names = [os.path.basename(p) for p in paths]  # relative, as a teacher grading in the folder types them
    run = lossedu(*names, "--jobs", "2", "--csv", tmp_path / "g.csv", "--results-json", tmp_path / "r.json",
                  "--feedback-dir", tmp_path / "fb", env={"LOSSEDU_GRADING_SECRET": "s"}, cwd=folder)
    assert run.returncode == 0, run.stderr
    out = run.stdout.decode("utf-8")
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert not any(line.startswith("== alice") for line in out.splitlines())
    assert "caf\\xe9_\\x1b[31m.ipynb" in out
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    scores = {Path(d["submission"]).name: d["results"]["score"] for d in data}
    assert scores == {"attack.ipynb": 14, "classmate_4242.ipynb": 16, "=1+2.ipynb": 16, "caf\\xe9_\\x1b[31m.ipynb": 16}
    assert "raised ValueError: \\ud800\\x1b[2J" in data[0]["results"]["tests"][0]["output"]
    text = (tmp_path / "g.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 5 and all(not c.startswith(("=", "+", "-", "@")) for row in rows for c in row)
    assert "'=1+2.ipynb" in {r[0] for r in rows}
    assert {r[1] for r in rows[1:]} == {"", "4242"}
    assert len(list((tmp_path / "fb").iterdir())) == 4


def test_safe_text_escapes_what_a_terminal_or_encoder_would_misread():
    assert safe_text("ok β = 1\n\tx") == "ok β = 1\n\tx"  # maths and layout stay
    assert safe_text("\x1b[2J\r\x07\x9b\u202e\ud800") == "\\x1b[2J\\x0d\\x07\\x9b\\u202e\\ud800"
    assert safe_text("a\nb", newlines=False) == "a\\nb"
    assert safe_text(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
    safe_text(HOSTILE).encode("utf-8")  # never raises
    assert [csv_cell(v) for v in ("=1+2", "+x", "-1", "@SUM(A1)", "ok", 3.5, None)] == [
        "'=1+2", "'+x", "'-1", "'@SUM(A1)", "ok", 3.5, ""]


# ----------------------------------------------------------------------------- bounded parsing, read once
def test_a_huge_added_cell_costs_bounded_time_and_memory():
    """800 000 lines in an added cell cost the grader's own process 41 s and 2.2 GB."""
    nb = solution()
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": "x = 1\n" * 800_000})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    code, notes = cells_to_run(nbio.slim(nb), exercise_notebook(NAME))
    assert time.monotonic() - start < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # kB
    assert any("was not run: it has" in n and "at most" in n for n in notes)
    assert [name for name, _ in code] == [name for name, _ in cells_to_run(nbio.slim(solution()), exercise_notebook(NAME))[0]]


def test_an_oversized_solution_cell_is_not_parsed_and_the_learner_is_told():
    nb = with_l1(solution(), "    pass\n" * (nbio.MAX_CELL_LINES + 10))
    _, notes = cells_to_run(nbio.slim(nb), exercise_notebook(NAME))
    assert any(n.startswith("your cell 'l1_loss' was not run: it has") for n in notes)


def test_each_submission_is_read_once(tmp_path, monkeypatch):
    paths = [save(solution(), tmp_path / "a.ipynb"), save(solution(), tmp_path / "b.ipynb")]
    reads = []
    real = nbio.read_bytes
    monkeypatch.setattr(G.nbio, "read_bytes", lambda p: reads.append(str(p)) or real(p))
    monkeypatch.setattr(G, "run_part", lambda *a, **k: SimpleNamespace(found=False, cell_errors=[], outcomes={},
                                                                         stopped="not run in this test"))
    results = grade_many(paths, seed=1, jobs=2)
    assert sorted(reads) == sorted(map(str, paths))
    assert [r.assignment for r in results] == [NAME, NAME]


# ----------------------------------------------------------------------------- hidden-case feedback
def test_hidden_case_feedback_names_the_kind_of_failure_only():
    """The learner's exception text used to be shown for hidden cases: a submission could print the
    hidden inputs."""
    result = part(with_l1(solution(), '    raise ValueError(f"LEAK {input.tolist()}")\n'))
    assert "LEAK" in result.public_output and result.hidden_output
    assert "LEAK" not in result.hidden_output and "raised ValueError" in result.hidden_output
    custom = part(with_l1(solution(), '    raise type(f"LEAK{input.size}", (Exception,), {})()\n'))
    assert "LEAK" not in custom.hidden_output and "raised an exception" in custom.hidden_output


def test_a_crash_during_the_hidden_cases_shows_no_text_of_the_learner():
    nb = with_l1(solution(), "    import os, sys\n    _calls.append(1)\n    if len(_calls) > N_PUBLIC:\n"
                             "        sys.stderr.write('LEAK ' + repr(input.tolist()) + '\\n')\n"
                             "        sys.stderr.flush()\n        os._exit(3)\n")
    n_public = len(CASES.get(A, 0)[0])
    cell(nb, "helpers")["source"] = nbio.source(cell(nb, "helpers")) + f"\n_calls = []\nN_PUBLIC = {n_public}\n"
    result = part(nb)
    assert result.score == 0 and "LEAK" not in result.output, result.output
    assert "crashed" in result.output or "raised" in result.output


def test_a_hidden_wrong_answer_shows_no_numbers():
    result = part(with_l1(solution(), "    return input.sum() * 0.999\n"))
    assert "got" in result.public_output and "expected" in result.public_output
    assert result.hidden_output and "has wrong values" in result.hidden_output
    assert not any(word in result.hidden_output for word in ("got", "expected", "off by", "relative"))


# ----------------------------------------------------------------------------- calm feedback
def _strip(nb, ids=False, notebook=False):
    for c in nb["cells"]:
        c["metadata"] = {}
        if ids:
            c.pop("id", None)
    if ids:
        nb["nbformat_minor"] = 4
    if notebook:
        nb["metadata"] = {}
    return nb


def test_a_correct_notebook_without_metadata_scores_full_marks_with_one_calm_note(tmp_path):
    """A correct notebook whose metadata was stripped got 19 alarming notes."""
    paths = [save(_strip(solution()), tmp_path / "cells.ipynb"),
             save(_strip(solution(), ids=True), tmp_path / "ids.ipynb"),
             save(_strip(solution(), ids=True, notebook=True), tmp_path / "all.ipynb")]
    for result in grade_many(paths, seed=5, jobs=2):
        assert result.score == 16, (result.submission, result.messages)
        assert len(result.messages) == 1 and "metadata was missing" in result.messages[0], result.messages


def test_cell_errors_are_shown_once_at_the_top_not_per_case():
    nb = solution()
    cell(nb, "helpers")["source"] = "def reduce(terms, reduction:\n    pass\n"
    result = part(nb)
    lines = result.output.splitlines()
    assert lines[1].startswith("  errors in your cells") and "SyntaxError" in lines[2]
    assert sum("NameError" in line for line in lines) <= 2, result.output  # one public line, one hidden


# ----------------------------------------------------------------------------- the teacher's files
def _result(name="x.ipynb", **kw):
    p = PartResult("l1_loss", 1.5, 2, "l1_loss: 3/4\n  ✗ public: ```` oops\n  ✗ hidden case 1: raised ValueError",
                   hidden_output="  ✗ hidden case 1: raised ValueError", isolation="chroot+seccomp")
    return Result(submission=name, assignment=NAME, parts=[p], messages=["a note"], seed=7, secret_id="abc", **kw)


def test_student_ids_from_lms_file_names_or_a_roster(tmp_path):
    assert student_id("doejane_12345_6789012_01_regression.ipynb") == "12345"  # Canvas
    assert student_id("doejane_LATE_12345_6789012_hw.ipynb") == "12345"  # Canvas, late
    assert student_id("Jane Doe_98765_assignsubmission_file_hw.ipynb") == "98765"  # Moodle
    assert student_id("export/submission_4242/01_regression.ipynb") == "4242"  # Gradescope's export
    assert student_id("01_regression.ipynb") == "" and student_id("alice.ipynb") == ""
    (tmp_path / "roster.csv").write_text("File,Student_ID\nalice.ipynb,s-1\nsub/bob.ipynb,s-2\n")
    roster = read_roster(tmp_path / "roster.csv")
    assert student_id("in/alice.ipynb", roster) == "s-1" and student_id("bob.ipynb", roster) == "s-2"
    assert student_id("doejane_12345_x.ipynb", roster) == ""
    (tmp_path / "bad.csv").write_text("name,number\n")
    with pytest.raises(ValueError, match="file"):
        read_roster(tmp_path / "bad.csv")


def test_the_csv_has_student_ids_seeds_secret_ids_and_isolation(tmp_path):
    write_csv([_result(student_id="12345")], tmp_path / "g.csv")
    row = next(csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8")))
    assert (row["student_id"], row["seed"], row["secret_id"], row["isolation"]) == ("12345", "7", "abc", "chroot+seccomp")
    data = _result().gradescope()
    assert data["extra_data"] == {"seed": "7", "secret_id": "abc", "isolation": "chroot+seccomp", "student_id": ""}


def test_gradescope_tests_put_hidden_details_apart():
    tests = _result().gradescope()["tests"]
    assert [(t["name"], t["visibility"]) for t in tests] == [("l1_loss", "visible"),
                                                            ("l1_loss: hidden cases", "after_published")]
    assert "hidden case" not in tests[0]["output"] and tests[0]["score"] == 1.5
    assert _result().gradescope("visible")["tests"][1]["visibility"] == "visible"
    with pytest.raises(ValueError, match="after_published"):
        _result().gradescope("later")


def test_one_markdown_feedback_file_per_submission(tmp_path):
    results = [_result("a/x.ipynb"), _result("b/x.ipynb"), _result("../../etc/=evil\x1b.ipynb")]
    paths = write_feedback_files(results, tmp_path / "fb")
    assert [p.name for p in paths] == ["x.md", "x-2.md", "evil.md"]
    assert all(p.parent == tmp_path / "fb" for p in paths)
    text = paths[0].read_text(encoding="utf-8")
    assert text.startswith("# 01_regression: 1.5 / 2 points") and "`````text" in text  # fence longer than ````
    assert "a note" in text and "hidden case 1: raised ValueError" in text
    assert "\x1b" not in feedback_markdown(results[2])


def test_the_container_limit_is_read_from_cgroups(tmp_path):
    (tmp_path / "v2").write_text("805306368\n")  # Gradescope's 768 MB
    (tmp_path / "v1").write_text("9223372036854771712\n")  # v1's "no limit"
    (tmp_path / "max").write_text("max\n")
    assert G.container_memory_mb([tmp_path / "missing", tmp_path / "v2"]) == 768
    assert G.container_memory_mb([tmp_path / "max", tmp_path / "v1"]) is None


def test_memory_per_function_fits_the_container():
    assert default_memory_mb(1, limit_mb=768) == 256  # Gradescope's default container
    assert default_memory_mb(2, limit_mb=4096) == 1792
    assert default_memory_mb(1, limit_mb=64 * 1024) == 2048
    assert 256 <= default_memory_mb(4) <= 2048


@pytest.mark.parametrize("name", ["03_cross_entropy", "08_ctc"])
def test_a_correct_solution_scores_full_marks_within_gradescopes_memory(name):
    result = G.grade_notebook(SOLUTIONS / f"{name}.ipynb", CASES, timeout=30, memory_mb=default_memory_mb(1, 768))
    assert result.score == result.max_score, "\n".join(p.output for p in result.parts)


def test_the_cli_takes_student_ids_from_a_roster(tmp_path):
    nb = save(solution(), tmp_path / "ada.ipynb")
    (tmp_path / "roster.csv").write_text("file,student_id\nada.ipynb,=S-17\n")
    run = lossedu(nb, "--seed", "1", "--quiet", "--roster", tmp_path / "roster.csv", "--csv", tmp_path / "g.csv")
    assert run.returncode == 0, run.stderr
    row = next(csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8")))
    assert row["student_id"] == "'=S-17" and row["seed"] == "1" and row["secret_id"] == "" and row["score"] == "16.0"
    (tmp_path / "bad.csv").write_text("who,what\n")
    run = lossedu(nb, "--roster", tmp_path / "bad.csv")
    assert run.returncode == 2 and b"--roster" in run.stderr
