"""`make lab` (python -m lossedu.lab): JupyterLab with kernel websockets that set TCP_NODELAY.

The latency itself is measured by benchmarks/lab_roundtrip.py (a kernel round trip through the plain
server ~44 ms, through lossedu.lab ~3 ms); here, that the pieces are wired as that needs."""
import json
import re
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("jupyter_server")

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection  # noqa: E402
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler  # noqa: E402

from lossedu import lab  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_each_kernel_websocket_is_set_to_no_delay_before_it_connects(monkeypatch):
    calls = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: calls.append("connect"))
    handler = object.__new__(KernelWebsocketHandler)  # no server: only set_nodelay is called on it
    monkeypatch.setattr(handler, "set_nodelay", lambda value: calls.append(("nodelay", value)), raising=False)
    connection = object.__new__(lab.NoDelayConnection)
    # the trait, replaced by the fake handler (a real one needs a running server)
    monkeypatch.setattr(lab.NoDelayConnection, "websocket_handler", handler, raising=False)
    lab.NoDelayConnection.connect(connection)
    assert calls == [("nodelay", True), "connect"]


def test_server_args_select_the_connection_class():
    arg = lab.SERVER_ARGS[0]
    name, value = arg.split("=")
    assert name == "--ServerApp.kernel_websocket_connection_class"
    module, cls = value.rsplit(".", 1)
    assert module == "lossedu.lab" and getattr(lab, cls) is lab.NoDelayConnection
    assert issubclass(lab.NoDelayConnection, ZMQChannelsWebsocketConnection)


def test_make_lab_and_the_walkthrough_start_lossedu_lab():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:.*\n\t\$\(PY\) -m lossedu\.lab ", makefile, re.M)
    assert 'module="lossedu.lab"' in (ROOT / "tools" / "walkthrough.py").read_text()


def test_nbgraders_extensions_stay_off_in_the_learners_lab(tmp_path, monkeypatch):
    # the server extensions (they would log an error about a missing nbgrader_config.py) ...
    for name in ("formgrader", "validate_assignment", "assignment_list", "course_list"):
        assert f"--ServerApp.jpserver_extensions=nbgrader.server_extensions.{name}=False" in lab.SERVER_ARGS
    # ... and the JupyterLab extension (menus for a teacher's nbgrader course), by a page_config
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    folder = lab.lab_config_dir()
    config = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert config == {"disabledExtensions": {"@jupyter/nbgrader": True}}


def test_the_chinese_lab_opens_notebooks_zh_with_jupyterlabs_menus_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    rest, extra = lab.language_args(["--lang=zh", "--notebook-dir=."])
    assert rest == ["--notebook-dir=."] and len(extra) == 1 and extra[0].startswith("--LabApp.app_settings_dir=")
    folder = Path(extra[0].split("=", 1)[1])
    overrides = json.loads((folder / "overrides.json").read_text())
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    assert lab.language_args(["--lang=en", "x"]) == (["x"], []) and lab.language_args(["x"]) == (["x"], [])
    with pytest.raises(SystemExit, match="--lang must be one of en, zh"):
        lab.language_args(["--lang=fr"])
    # the language pack is installed, and JupyterLab lists zh_CN among its languages
    from jupyterlab_server.translation_utils import get_language_pack, get_language_packs

    assert "zh_CN" in get_language_packs("en")[0]
    assert get_language_pack("zh_CN")[0]["jupyterlab"]["Restart Kernel…"] == ["重启内核…"]
    dry = subprocess.run(["make", "-n", "lab-zh"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "--lang=zh" in dry and "--LabApp.default_url=/lab/tree/notebooks/zh" in dry
    dry = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "--lang=en" in dry and "--LabApp.default_url=/lab/tree/notebooks " in dry
