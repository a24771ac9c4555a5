"""The two ways to install the course list the same packages, and the commands exist."""
import pathlib
import re
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"pytorch": "torch"}


def _split(req):
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def pyproject_requirements():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    return dict(_split(r) for r in reqs)


def pip_section():
    """The lines of environment.yml's `pip:` section (torch from PyTorch's CPU index, lossedu itself)."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)]
    assert len(sections) == 1, "environment.yml should have exactly one pip: section"
    return sections[0]


def conda_requirements():
    """Every package environment.yml installs, conda's and pip's, with PyPI names and pip specifiers."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            continue
        name, spec = _split(dep)
        if name in ("python", "pip"):
            continue
        # conda pins with a single '=', pip with '=='
        out[CONDA_TO_PYPI.get(name, name)] = re.sub(r"^=(?!=)", "==", spec)
    # the pip: section's options (-e ., --extra-index-url) are not packages
    for line in pip_section():
        if not line.startswith("-"):
            name, spec = _split(line)
            assert name not in out, f"{name} is in both the conda and the pip part of environment.yml"
            out[name] = spec
    return out


def conda_python():
    """The X.Y that environment.yml pins Python to (`python=X.Y`, the form repo2docker reads)."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = [re.fullmatch(r"python=(\d+\.\d+)", d) for d in env["dependencies"] if isinstance(d, str)]
    found = [m[1] for m in pins if m]
    assert len(found) == 1, "environment.yml should pin python=X.Y once (repo2docker ignores `python>=`)"
    return found[0]


def test_environment_yml_matches_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_environment_yml_uses_conda_forge_and_installs_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    # `-e .` (a local path) also tells repo2docker to copy the repository before building the env
    assert "-e ." in pip_section()


def test_binder_gets_torch_from_the_cpu_index():
    lines = pip_section()
    assert "torch==2.13.0" in lines
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert not [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("pytorch")]


def test_python_versions_agree():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = re.fullmatch(r">=(\d+)\.(\d+)", meta["requires-python"]).groups()
    major, minor = conda_python().split(".")
    assert (int(major), int(minor)) >= tuple(map(int, floor))


def test_torch_is_pinned_to_2_13_0():
    assert pyproject_requirements()["torch"] == "==2.13.0"
    makefile = (ROOT / "Makefile").read_text()
    assert "torch==2.13.0" in makefile


def test_makefile_has_the_readme_commands():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in ("lab", "test"):
        assert re.search(rf"^{target}:", makefile, re.M)
        assert f"make {target}" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
