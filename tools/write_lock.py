"""Write the lock (constraints.txt) from the packages installed in the Python that runs this script.

`make upgrade` runs it as `.venv/bin/python tools/write_lock.py constraints.txt` right after building a
fresh .venv without constraints, so the lock holds exactly what `make venv` installed: every package
`pip freeze --all` lists (setuptools included: torch needs it at run time), minus lossedu itself
(installed editable) and pip (the installer that came with the venv), with local version labels dropped
(`torch==2.13.0+cpu` -> `torch==2.13.0`: pip's `==2.13.0` accepts any local build, so the same lock
fits the CUDA, CPU and macOS wheels of one release).
"""
import platform
import re
import subprocess
import sys

HEADER = """\
# Every package version the course is tested with (pip constraints: `pip install -c constraints.txt ...`).
# Made by `make upgrade` on Python {python}, {system} {machine}, from `pip freeze --all` of a fresh
# .venv; local version labels (torch's +cpu) are dropped so one line fits every platform's build.
# `make lab`, `make test` and `make venv` install these versions; tests/test_lock.py checks them against
# pyproject.toml and environment.yml. Do not edit by hand: change pyproject.toml, then `make upgrade`.
"""

# `name==version`, where version may carry a local label (`+cpu`) that the lock drops
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)==(?P<version>[^+\s;]+)(?:\+[A-Za-z0-9.]+)?$")
# lossedu is the checkout itself; pip is the installer the venv came with, not something it installs
LEFT_OUT = {"lossedu", "pip"}


def canonical(name):
    """PEP 503 normalised project name: `Jinja2`, `jinja_2` and `jinja-2` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_lines(freeze_text):
    """The lock's `name==version` lines for `pip freeze` output, sorted by normalised name.

    Editable installs, direct references (`name @ url`), lossedu itself and pip are left out: the lock
    pins what the registries serve, not the course's own checkout. A line pip freeze never writes raises
    ValueError rather than being dropped unseen.
    """
    pins = {}
    for raw in freeze_text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("-e ") or " @ " in line:
            continue
        match = PIN.match(line)
        if not match:
            raise ValueError(f"pip freeze line is not a plain `name==version` pin: {raw!r}")
        name = match["name"]
        if canonical(name) in LEFT_OUT:
            continue
        pins[canonical(name)] = f"{name}=={match['version']}"
    return [pins[key] for key in sorted(pins)]


def header():
    """The comment block that opens the lock, naming the Python and platform it was made on."""
    return HEADER.format(python=f"{sys.version_info.major}.{sys.version_info.minor}",
                         system=platform.system(), machine=platform.machine())


def main(argv):
    """Freeze this interpreter's environment into the file named by argv[0]."""
    if len(argv) != 1:
        raise SystemExit("usage: python tools/write_lock.py OUTPUT (e.g. constraints.txt)")
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            check=True, capture_output=True, text=True).stdout
    with open(argv[0], "w") as out:
        out.write(header() + "\n".join(lock_lines(freeze)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
