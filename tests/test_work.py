"""`lossedu work`: a learner's copy of an exercise, outside what git and `make test` look at."""
import subprocess
from pathlib import Path

import pytest

from lossedu.grading import work

ROOT = Path(__file__).resolve().parents[1]


def test_start_copies_the_exercise_and_never_overwrites_the_learners_copy(tmp_path):
    copy = work.start("01", folder=tmp_path)
    assert copy == tmp_path / "01_regression.ipynb"
    assert copy.read_bytes() == (ROOT / "exercises" / "01_regression.ipynb").read_bytes()
    copy.write_text("my work")
    with pytest.raises(FileExistsError, match="holds your work"):
        work.start("01_regression.ipynb", folder=tmp_path)
    assert copy.read_text() == "my work"
    work.start("01_regression", folder=tmp_path, force=True)
    assert copy.read_bytes() == (ROOT / "exercises" / "01_regression.ipynb").read_bytes()


@pytest.mark.parametrize("name", ["99", "regression", "0"])
def test_an_unknown_or_ambiguous_name_lists_the_exercises(name, tmp_path):
    with pytest.raises(ValueError, match="01_regression"):
        work.start(name, folder=tmp_path)


def test_work_is_ignored_by_git_and_by_make_test():
    ignored = subprocess.run(["git", "check-ignore", "-q", "work/01_regression.ipynb"], cwd=ROOT)
    assert ignored.returncode == 0
    makefile = (ROOT / "Makefile").read_text()
    nbval_line = next(line for line in makefile.splitlines() if "--nbval-lax" in line and "pytest" in line)
    assert "work" not in nbval_line.split("tests.nbtiming", 1)[1]


def test_make_lab_opens_the_course_root_so_exercises_and_work_are_reachable():
    lab = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "-m lossedu.lab" in line)
    assert "--notebook-dir=." in lab and "default_url=/lab/tree/notebooks" in lab


def test_the_lossedu_work_command(tmp_path, capsys):
    from lossedu.cli import main

    assert main(["work", "02", "--folder", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == f"your copy: {tmp_path / '02_counts_and_variances.ipynb'}"
    assert main(["work", "02_counts_and_variances", "--folder", str(tmp_path)]) == 1
    assert "holds your work" in capsys.readouterr().err
    assert main(["work", "nope", "--folder", str(tmp_path)]) == 1
    assert "the exercises are: 01_regression" in capsys.readouterr().err


def test_the_chinese_exercise_goes_to_work_zh_and_keeps_its_own_copy(tmp_path, capsys):
    from lossedu.cli import main

    english = work.start("12", folder=tmp_path)
    assert main(["work", "12", "--lang", "zh", "--folder", str(tmp_path)]) == 0
    chinese = tmp_path / "zh" / "12_quantiles_and_scoring_rules.ipynb"
    assert str(chinese) in capsys.readouterr().out
    assert chinese.read_bytes() == (ROOT / "exercises" / "zh" / chinese.name).read_bytes() != english.read_bytes()
    assert '"language": "zh"' in chinese.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        work.start("12", folder=tmp_path, lang="fr")
