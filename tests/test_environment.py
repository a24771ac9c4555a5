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


def conda_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs lossedu itself
            continue
        name, spec = _split(dep)
        if name in ("python", "pip"):
            continue
        # conda pins with a single '=', pip with '=='
        out[CONDA_TO_PYPI.get(name, name)] = re.sub(r"^=(?!=)", "==", spec)
    return out


def test_environment_yml_matches_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_environment_yml_uses_conda_forge_and_installs_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section and "-e ." in pip_section[0]["pip"]


def test_python_versions_agree():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python{meta['requires-python']}" in env["dependencies"]


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
