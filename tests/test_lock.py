"""The lock (constraints.txt) pins every package the course installs, agrees with pyproject.toml and
environment.yml, and is what `make lab`/`make test` install from; `make upgrade` and TORCH_INDEX do what
the README says. Everything here reads files or dry-runs make (`make -n`): no network, well under a second.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from test_environment import conda_python, conda_requirements, pyproject_requirements
from tooling import load_tool

ROOT = pathlib.Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


write_lock = load_tool("write_lock")


def lock_pins():
    """{normalised name: Version} for every `name==version` line of the lock."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, version = line.split("==")
        key = write_lock.canonical(name)
        assert key not in pins, f"{name} is pinned twice in the lock"
        pins[key] = Version(version)
    return pins


def test_lock_is_what_make_upgrade_writes():
    """Sorted, one plain pin a line, no local labels, no lossedu or pip, the header naming its Python."""
    text = LOCK.read_text()
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == write_lock.lock_lines(text)
    assert re.search(r"^# Made by `make upgrade` on Python \d+\.\d+,", text, re.M)
    assert "lossedu" not in lock_pins() and "pip" not in lock_pins()
    assert len(body) > 50  # the whole tree (jupyterlab alone pulls in dozens), not just the direct deps


@pytest.mark.parametrize("source", ["pyproject.toml", "environment.yml"])
def test_every_dependency_is_pinned_within_its_specifier(source):
    """A package added to pyproject.toml or environment.yml without `make upgrade` fails here, and so
    does a lock whose version lies outside what pyproject allows (e.g. nbgrader>=0.9.6,<0.10)."""
    wanted = pyproject_requirements() if source == "pyproject.toml" else conda_requirements()
    pins = lock_pins()
    for name, spec in wanted.items():
        requirement = Requirement(name + spec)
        key = write_lock.canonical(requirement.name)
        assert key in pins, f"{name} ({source}) has no pin in constraints.txt: run `make upgrade`"
        assert requirement.specifier.contains(pins[key], prereleases=True), (
            f"constraints.txt pins {name}=={pins[key]}, outside {source}'s {name}{spec}")


def test_torch_pin_is_2_13_0():
    assert lock_pins()["torch"] == Version("2.13.0")


def test_lock_was_made_on_environment_ymls_python():
    """Binder/conda builds on the Python the lock's versions were tested with."""
    made_on = re.search(r"on Python (\d+\.\d+),", LOCK.read_text())[1]
    assert made_on == conda_python()


@pytest.mark.skipif(pathlib.Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="checks the .venv that `make test` builds from the lock")
def test_the_venv_running_the_tests_has_the_locked_versions():
    """`make test` tests what the lock says: every locked package is installed at its version
    (torch's 2.13.0+cpu counts as 2.13.0, as it does for pip)."""
    wrong = {}
    for name, version in lock_pins().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            installed = None
        if installed is None or Version(installed.public) != version:
            wrong[name] = (str(version), installed and str(installed))
    assert not wrong, f"locked vs installed: {wrong}; `make venv` reinstalls from the lock"


# --- tools/write_lock.py ---------------------------------------------------------------------------

def test_lock_lines_pins_what_pip_freeze_lists_minus_the_course_and_pip():
    freeze = "\n".join([
        "torch==2.13.0+cpu",
        "Jinja2==3.1.6",
        "-e git+https://example.org/lossedu.git@abc#egg=lossedu",
        "lossedu @ file:///work/main",
        "lossedu==0.1.0",
        "pip==23.2.1",
        "setuptools==84.2.1",
        "jupyter_core==5.9.1",
        "jupyter-client==8.10.0",
        "",
    ])
    assert write_lock.lock_lines(freeze) == [
        "Jinja2==3.1.6", "jupyter-client==8.10.0", "jupyter_core==5.9.1", "setuptools==84.2.1", "torch==2.13.0"]


def test_lock_lines_refuses_a_line_it_cannot_read():
    with pytest.raises(ValueError, match="not a plain `name==version` pin: 'numpy>=2'"):
        write_lock.lock_lines("numpy>=2\n")


# --- the Makefile, dry-run --------------------------------------------------------------------------

def course_copy(tmp_path):
    """The files the Makefile's venv rule reads, copied into tmp_path (which has no .venv yet)."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def dry_run(where, *args):
    """The commands `make -n ARGS` would run in `where`.

    MAKEFLAGS and friends are dropped: under `make test TORCH_INDEX=...` the outer make's variables
    would otherwise reach this make too.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "TORCH_INDEX", "LOCK_FLAGS")}
    out = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=where, env=env,
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def pip_installs(lines):
    return [line for line in lines if " -m pip install " in line]


def test_make_venv_installs_torch_then_the_course_from_the_lock(tmp_path):
    torch_line, course_line = pip_installs(dry_run(course_copy(tmp_path), "venv"))
    assert "torch==2.13.0" in torch_line and "-e '.[dev]'" in course_line
    for line in (torch_line, course_line):
        assert "-c constraints.txt" in line
        assert "index-url" not in line  # the default stays plain PyPI (plus pip's own configuration)


def test_torch_index_reaches_the_torch_install_only(tmp_path):
    torch_line, course_line = pip_installs(dry_run(course_copy(tmp_path), "venv", f"TORCH_INDEX={CPU_INDEX}"))
    assert f"--extra-index-url {CPU_INDEX}" in torch_line and "torch==2.13.0" in torch_line
    assert "index-url" not in course_line


def test_a_changed_lock_rebuilds_the_venv(tmp_path):
    where = course_copy(tmp_path)
    stamp = where / ".venv" / ".lossedu-installed"
    stamp.parent.mkdir()
    stamp.touch()
    assert not pip_installs(dry_run(where, "venv"))  # built after its inputs: nothing to do
    later = stamp.stat().st_mtime + 10
    os.utime(where / "constraints.txt", (later, later))  # as after `git pull` brings a new lock
    assert len(pip_installs(dry_run(where, "venv"))) == 2


def test_make_upgrade_builds_unconstrained_rewrites_the_lock_then_tests(tmp_path):
    lines = dry_run(course_copy(tmp_path), "upgrade")
    assert lines[0] == "rm -rf .venv"
    installs = pip_installs(lines)
    # the fresh build takes the newest allowed versions; `make test` afterwards finds .venv built
    first_torch, first_course = installs[0], installs[1]
    assert "torch==2.13.0" in first_torch and "-e '.[dev]'" in first_course
    assert "-c " not in first_torch and "-c " not in first_course
    write = lines.index(".venv/bin/python tools/write_lock.py constraints.txt")
    assert lines.index(first_course) < write
    assert any("-m pytest" in line for line in lines[write:])
