"""Open the course in JupyterLab, tuned so that its widgets answer at once.

    python -m lossedu.lab [jupyter lab arguments]      # what `make lab` runs

Jupyter's server writes kernel messages to the browser's websocket without TCP_NODELAY. Nagle's
algorithm then holds a small message back until the browser acknowledges the previous one, and
the browser delays that acknowledgement by 40 ms: every widget move waits ~40 ms on the wire before
the kernel's answer (measured: a kernel_info round trip through the server 44 ms, with the flag
3 ms). `NoDelayConnection` sets the flag on each kernel websocket; `SERVER_ARGS` selects it.
"""
from __future__ import annotations

import sys

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

SERVER_ARGS = [f"--ServerApp.kernel_websocket_connection_class={__name__}.NoDelayConnection"]


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """Jupyter's kernel websocket connection, sending each message as soon as it is written."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def main(argv=None):
    from jupyterlab.labapp import main as lab_main

    return lab_main(argv=[*SERVER_ARGS, *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
