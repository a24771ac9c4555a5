"""The Python side of every widget of the course: milliseconds per update, stage by stage.

    python benchmarks/widget_latency.py [NN_name.ipynb ...]

For each notebook: run its code cells in this process up to the last one that makes a widget
(`lossedu.plot.interactive`), then move every control of every widget through a few values as a
browser would, and time each update — `build` (the plot function), `sync` (its data copied into
the live figure), `draw` (the render of the changed part and the PNG of the changed pixels sent to
the browser) and `total` — as the median wall time and the median CPU time of this process (CPU
time is the work done; the wall time adds whatever else the machine is running). The browser's
share (receiving and painting the frame) is measured by `tools/walkthrough.py`.

The widgets are told a browser is watching (ipympl's canvas stops keeping a static copy, and
draws go to a comm that sends nowhere), so the numbers are those of a live session.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def notebook_widgets(path):
    """Run a notebook's code cells up to its last widget; return [(variable name, Interactive)]."""
    import lossedu.plot as plot

    made = []
    original = plot.Interactive.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    last = max((i for i, src in enumerate(cells) if "interactive(" in src), default=-1)
    namespace = {"__name__": "__main__"}
    plot.Interactive.__init__ = recording
    try:
        for src in cells[: last + 1]:
            code = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!")))
            exec(compile(code, str(path), "exec"), namespace)
    finally:
        plot.Interactive.__init__ = original
    names = {id(v): k for k, v in namespace.items() if isinstance(v, plot.Interactive)}
    return [(names.get(id(ui), f"widget {i}"), ui) for i, ui in enumerate(made)]


def values_to_try(widget, n=6):
    """A few values across a control's range (the way a drag visits them), ending where it began."""
    import numpy as np

    start = widget.value
    if hasattr(widget, "options"):
        values = [v for v in (o[1] if isinstance(o, tuple) else o for o in widget.options) if v != start]
    elif isinstance(widget.value, bool):
        values = [not start]
    elif hasattr(widget, "base"):  # FloatLogSlider: min and max are exponents
        values = [float(widget.base ** v) for v in np.linspace(widget.min, widget.max, n + 2)[1:-1]]
    else:
        lo, hi = widget.min, widget.max
        values = [type(start)(v) for v in np.linspace(lo, hi, n + 2)[1:-1]]
        values = [v for v in values if v != start]
    return values + [start]


def time_control(ui, name):
    """Median (wall, CPU) ms of each stage over the moves of one control."""
    stages = {"build_ms": [], "sync_ms": [], "draw_ms": [], "total_ms": [], "cpu_ms": []}
    widget = ui.controls[name]
    for value in values_to_try(widget):
        cpu = time.process_time()
        widget.value = value
        stages["cpu_ms"].append(1e3 * (time.process_time() - cpu))
        for stage in ("build_ms", "sync_ms", "draw_ms", "total_ms"):
            stages[stage].append(ui.timings.get(stage, float("nan")))
    return {stage: statistics.median(v) for stage, v in stages.items()}


def connect(ui):
    """Make the widget behave as in a live JupyterLab: ipympl draws on every change."""
    if ui.canvas is not None:
        ui.canvas.syncing_data_url = False
        ui.canvas.send = lambda *args, **kwargs: None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all in notebooks/)")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    names = args.notebooks or sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    rows = []
    for name in names:
        try:
            widgets = notebook_widgets(ROOT / "notebooks" / name)
        except Exception as exc:  # a notebook being edited must not stop the others
            print(f"{name}: could not run ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        for var, ui in widgets:
            connect(ui)
            ui.update()  # one warm-up draw in "live" mode: the first one renders the background
            for control in ui.controls:
                t = time_control(ui, control)
                rows.append((name, var, control, t, ui.rebuilds))
                print(f"{name} {var}.{control}: total {t['total_ms']:.0f} ms (cpu {t['cpu_ms']:.0f})", file=sys.stderr,
                      flush=True)
    print("| notebook | widget | control | build | sync | draw | total (wall) | total (CPU) | rebuilds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, var, control, t, rebuilds in rows:
        print(f"| {name} | {var} | {control} | {t['build_ms']:.0f} | {t['sync_ms']:.1f} | {t['draw_ms']:.0f} | "
              f"{t['total_ms']:.0f} | {t['cpu_ms']:.0f} | {rebuilds} |")
    if rows:
        totals = sorted(t["total_ms"] for *_, t, _ in rows)
        cpus = sorted(t["cpu_ms"] for *_, t, _ in rows)
        print(f"\n{len(rows)} controls, ms per update: median {statistics.median(totals):.0f} wall / "
              f"{statistics.median(cpus):.0f} CPU, max {totals[-1]:.0f} wall / {cpus[-1]:.0f} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
