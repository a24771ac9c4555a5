"""lossedu from a wheel: the exercises travel with the package, so `lossedu grade` works there too."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_list_covers_every_package_on_disk():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "lossedu").rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"lossedu._exercises"}
    assert config["package-dir"] == {"lossedu._exercises": "exercises"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, cwd=out)
    (path,) = out.glob("lossedu-*.whl")
    unpacked = out / "site"
    with zipfile.ZipFile(path) as z:
        z.extractall(unpacked)
    return unpacked


def test_the_wheel_ships_every_exercise(wheel):
    shipped = sorted(p.name for p in (wheel / "lossedu" / "_exercises").glob("*.ipynb"))
    assert shipped == sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert (wheel / "lossedu" / "grading" / "_runner.py").is_file()


def test_grading_works_from_the_wheel(wheel, tmp_path):
    submission = tmp_path / "student.ipynb"
    submission.write_bytes((ROOT / "solutions" / "01_regression.ipynb").read_bytes())
    code = ("import lossedu, sys; from lossedu.grading import registry; "
            "assert lossedu.__file__.startswith(sys.argv[1]), lossedu.__file__; "
            "assert str(registry.exercise_path('01_regression')).startswith(sys.argv[1]); "
            "from lossedu.cli import main; sys.exit(main(['grade', sys.argv[2], '--seed', '1', '--quiet']))")
    run = subprocess.run([sys.executable, "-c", code, str(wheel), str(submission)], cwd=tmp_path,
                         env={"PYTHONPATH": str(wheel), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "16/16" in run.stdout, run.stdout + run.stderr
