"""Kernel round trips through Jupyter's server, as the browser's widgets make them, in ms.

    python benchmarks/lab_roundtrip.py [--n 25]

Starts JupyterLab twice on a free port — plain (`python -m jupyterlab`) and as `make lab` starts it
(`python -m lossedu.lab`, whose kernel websockets set TCP_NODELAY) — opens a kernel on each and
times `--n` kernel_info requests over the kernel's websocket: from the request written to the reply
read. Prints the median and the maximum of each. Every widget move is such a round trip (the
control's new value in, the frame out), so what the plain server adds here, each move waits for.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from walkthrough import TOKEN, free_port, start_lab  # noqa: E402  (JupyterLab started as the walkthrough does)


async def round_trips(port, n):
    from tornado.websocket import websocket_connect

    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels?token={TOKEN}", data=b"{}",
                                     method="POST")
    kernel = json.load(urllib.request.urlopen(request))
    ws = await websocket_connect(f"ws://127.0.0.1:{port}/api/kernels/{kernel['id']}/channels?token={TOKEN}")
    times = []
    for i in range(n + 3):  # the first few warm the kernel up
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": "", "session": "bench",
                  "version": "5.3", "date": ""}
        start = time.perf_counter()
        await ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": {},
                                           "channel": "shell", "buffers": []}))
        while True:
            reply = await ws.read_message()
            if isinstance(reply, str) and f'"{msg_id}"' in reply and "kernel_info_reply" in reply:
                break
        if i >= 3:
            times.append(1e3 * (time.perf_counter() - start))
    ws.close()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "notebooks").mkdir()
        for label, module in (("plain JupyterLab", "jupyterlab"), ("make lab (lossedu.lab)", "lossedu.lab")):
            port = free_port()
            lab, _ = start_lab(Path(folder) / "notebooks", Path(folder) / "settings", port, module=module)
            try:
                time.sleep(2)
                times = asyncio.run(round_trips(port, args.n))
            finally:
                os.killpg(lab.pid, 15)
            print(f"{label:24s} kernel_info round trip: median {statistics.median(times):5.1f} ms, "
                  f"max {max(times):5.1f} ms over {len(times)}")


if __name__ == "__main__":
    main()
