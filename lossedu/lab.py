"""Open the course in JupyterLab, tuned so that its widgets answer at once.

    python -m lossedu.lab [jupyter lab arguments]      # what `make lab` runs

Jupyter's server writes kernel messages to the browser's websocket without TCP_NODELAY. Nagle's
algorithm then holds a small message back until the browser acknowledges the previous one, and
the browser delays that acknowledgement by 40 ms: every widget move waits ~40 ms on the wire before
the kernel's answer (measured: a kernel_info round trip through the server 44 ms, with the flag
3 ms). `NoDelayConnection` sets the flag on each kernel websocket; `SERVER_ARGS` selects it.

The course's development tools include nbgrader (`make test` runs its pipeline), whose JupyterLab
and server extensions are for a teacher's nbgrader course folder: here they would only add menus
and an error about a missing nbgrader_config.py, so the learner's JupyterLab leaves them off.

`--lang=zh` (`make lab-zh`) opens the Chinese edition with JupyterLab's own menus in Chinese: the
official language pack (jupyterlab-language-pack-zh-CN, a dependency) provides them, and an
overrides.json in a settings folder of this launch makes zh_CN the default locale, so the learner's own
settings and the English `make lab` are left as they are.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

NBGRADER_SERVER_EXTENSIONS = ("formgrader", "validate_assignment", "assignment_list", "course_list")
NBGRADER_LAB_EXTENSION = "@jupyter/nbgrader"

SERVER_ARGS = [f"--ServerApp.kernel_websocket_connection_class={__name__}.NoDelayConnection"] + [
    f"--ServerApp.jpserver_extensions=nbgrader.server_extensions.{name}=False" for name in NBGRADER_SERVER_EXTENSIONS]


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """Jupyter's kernel websocket connection, sending each message as soon as it is written."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def lab_config_dir():
    """A Jupyter config folder whose page_config disables nbgrader's JupyterLab extension (written
    into Jupyter's runtime folder; put first on JUPYTER_CONFIG_PATH by `main`)."""
    from jupyter_core.paths import jupyter_runtime_dir

    folder = Path(jupyter_runtime_dir()) / "lossedu-lab-config"
    page_config = folder / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True, exist_ok=True)
    page_config.write_text(json.dumps({"disabledExtensions": {NBGRADER_LAB_EXTENSION: True}}))
    return folder


#: the course's languages: JupyterLab's locale for each (None: JupyterLab's default, English)
LOCALES = {"en": None, "zh": "zh_CN"}
TRANSLATION_PLUGIN = "@jupyterlab/translation-extension:plugin"


def app_settings_dir(locale):
    """A JupyterLab application-settings folder whose overrides.json makes `locale` the default language
    (merged into the overrides this JupyterLab already has, if any), in Jupyter's runtime folder."""
    from jupyter_core.paths import jupyter_runtime_dir
    from jupyterlab.labapp import LabApp

    folder = Path(jupyter_runtime_dir()) / f"lossedu-lab-settings-{locale}"
    folder.mkdir(parents=True, exist_ok=True)
    existing = Path(LabApp().app_settings_dir) / "overrides.json"
    overrides = json.loads(existing.read_text(encoding="utf-8")) if existing.is_file() else {}
    overrides.setdefault(TRANSLATION_PLUGIN, {})["locale"] = locale
    (folder / "overrides.json").write_text(json.dumps(overrides, indent=1), encoding="utf-8")
    return folder


def language_args(argv):
    """(JupyterLab's arguments, extra arguments) for `--lang=X` in argv, which is removed."""
    rest, lang = [], "en"
    for arg in argv:
        if arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    if lang not in LOCALES:
        raise SystemExit(f"--lang must be one of {', '.join(LOCALES)}, got {lang!r}")
    locale = LOCALES[lang]
    return rest, ([] if locale is None else [f"--LabApp.app_settings_dir={app_settings_dir(locale)}"])


def main(argv=None):
    from jupyterlab.labapp import main as lab_main

    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(lab_config_dir()), os.environ.get("JUPYTER_CONFIG_PATH", "")) if p)
    rest, extra = language_args(sys.argv[1:] if argv is None else argv)
    return lab_main(argv=[*SERVER_ARGS, *extra, *rest])


if __name__ == "__main__":
    sys.exit(main())
