"""Walk through the course in a real JupyterLab, in a real (headless) browser, as a new learner would.

    python tools/walkthrough.py [--chromium /usr/bin/chromium] [--out walkthrough/] [NN_name.ipynb ...]

(`make walkthrough` runs it.) For every notebook: open it in JupyterLab, Run ▸ Run All Cells from the
menu, wait until the kernel is idle, then

* check that every code cell ran (it has an execution count) and none produced an error;
* check that every widget rendered (no "Error displaying widget", no widget left loading);
* for every `lossedu.plot.interactive` UI: move each control as a user would (drag a slider's
  handle with the mouse, pick another dropdown entry, click a checkbox) and check the figure below it
  was redrawn (its pixels changed), saving a screenshot of the UI after the move;
* time each move in the page itself: from the control's input event (the mouse release that ends a
  drag, the dropdown's or checkbox's change event) to the moment the figure's pixels last changed,
  i.e. when the picture has caught up with the control. A requestAnimationFrame loop fingerprints the
  figure every frame — the `src` of the <img> an Output shows, or the pixels of an ipympl <canvas> —
  and stamps each change with performance.now(); the input events are stamped by capturing listeners
  on the document. The table gives this latency per control, then its median and maximum, against
  the course's goal (median ≤ 100 ms, none above 250 ms). Run `uptime` beside it: a loaded machine
  inflates every number.

The notebooks are copied to a temporary folder first, so JupyterLab's autosave never writes outputs
into the repository. Needs Chromium (Debian: `apt-get install chromium`) and the `playwright` Python
package (which drives it; no browser download). Exits 1 if any notebook fails a check; prints a
table of what it did and writes the screenshots to --out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "lossedu-walkthrough"
# Chromium on a closed network: without these it keeps trying (and failing) to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]
# JupyterLab user settings: no "news" pop-up over the notebook. Everything else is JupyterLab's
# default, as a learner has it (the notebook's windowing mode "contentVisibility" among them: every
# cell is in the DOM, and the browser skips the styling and layout of those off screen).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}

# Latency goal of the course (ms): median over all controls, and the most any one control may take.
GOAL_MEDIAN_MS, GOAL_MAX_MS = 100, 250

# In every page, before any script of JupyterLab runs: a fingerprint of the figure a UI shows (the
# sources of the <img>s of an Output, or the pixels of ipympl's <canvas>es), and a per-frame watcher
# that records when that fingerprint changes and when the user's input events happened, all in
# performance.now() milliseconds.
# A canvas's pixels are hashed again only after something drew on it (drawImage/putImageData are
# wrapped to count draws), so the watcher costs the page next to nothing between frames.
PAGE_SCRIPT = """
for (const name of ['drawImage', 'putImageData', 'clearRect']) {
  const original = CanvasRenderingContext2D.prototype[name];
  CanvasRenderingContext2D.prototype[name] = function (...args) {
    this.canvas.__wtDraws = (this.canvas.__wtDraws || 0) + 1;
    return original.apply(this, args);
  };
}
window.__wtCanvasHash = (canvas) => {
  const key = `${canvas.width}x${canvas.height}:${canvas.__wtDraws || 0}`;
  if (canvas.__wtKey === key) return canvas.__wtHash;
  const data = new Uint32Array(
      canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.buffer);
  let h = 2166136261 >>> 0;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 16777619) >>> 0;
  canvas.__wtKey = key;
  canvas.__wtHash = `${canvas.width}x${canvas.height}:${h}`;
  return canvas.__wtHash;
};
window.__wtFingerprint = (el) => {
  const parts = [];
  for (const img of el.querySelectorAll('.widget-output img, .lossedu-static img')) parts.push(img.src);
  for (const canvas of el.querySelectorAll('.jupyter-matplotlib canvas')) {
    if (canvas.width && canvas.height) parts.push(window.__wtCanvasHash(canvas));
  }
  return parts.length ? parts.join('|') : null;
};
window.__wtWatch = (el) => {
  const state = {events: [], changes: [], last: window.__wtFingerprint(el), running: true};
  const stamp = (e) => state.events.push([e.type, performance.now()]);
  const types = ['pointerdown', 'pointerup', 'mouseup', 'change', 'click'];
  for (const t of types) document.addEventListener(t, stamp, true);
  const frame = () => {
    if (!state.running) return;
    const seen = performance.now();  // before fingerprinting: hashing the pixels takes a while
    const now = window.__wtFingerprint(el);
    if (now !== state.last) { state.changes.push(seen); state.last = now; }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  state.stop = () => {
    state.running = false;
    for (const t of types) document.removeEventListener(t, stamp, true);
    return {events: state.events, changes: state.changes};
  };
  window.__wtState = state;
};
"""

# In the page: every Interactive UI is a VBox (class lossedu-interactive; before that class existed,
# a VBox whose last child is an Output widget) whose last child shows the figure.
FIND_UIS = """() => {
  const boxes = [...document.querySelectorAll('.widget-vbox')].filter(
      b => b.classList.contains('lossedu-interactive') ||
           (b.lastElementChild && b.lastElementChild.classList.contains('widget-output')));
  return boxes.map((b, i) => {
    b.setAttribute('data-walkthrough-ui', String(i));
    return [...b.children].slice(0, -1).map((c, j) => {
      c.setAttribute('data-walkthrough-control', `${i}-${j}`);
      const kind = c.classList.contains('widget-slider') ? 'slider'
                 : c.classList.contains('widget-dropdown') ? 'dropdown'
                 : c.classList.contains('widget-checkbox') ? 'checkbox' : 'other';
      const label = [...c.querySelectorAll('.widget-label, .widget-label-basic')]
          .map(l => l.textContent.replace(/\u200b/g, '').trim()).find(t => t);
      return {kind, name: label || `control ${j}`};
    });
  });
}"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(folder, settings_dir, port, module="lossedu.lab"):
    """JupyterLab serving `folder` on localhost:port, with the walkthrough's user settings, started
    as `make lab` does (python -m lossedu.lab: JupyterLab with the course's server settings), or
    as `python -m <module>` (e.g. jupyterlab: the plain server, to compare)."""
    for name, value in LAB_SETTINGS.items():
        path = Path(settings_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings_dir))
    cmd = [sys.executable, "-m", module, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={TOKEN}", f"--notebook-dir={folder}", "--allow-root"]
    lab = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            return lab, url
        except OSError:
            time.sleep(0.5)
    lab.kill()
    raise RuntimeError("JupyterLab did not start within 60 s")


def saved_problems(page, path):
    """Save the notebook from the browser and read what the kernel really did from the file."""
    before = path.stat().st_mtime_ns
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    def saved():  # the new file, once it is whole (the server may still be writing it)
        if path.stat().st_mtime_ns == before:
            return None
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            return None

    notebook = wait_for(saved, 20)
    if notebook is None:
        return ["the notebook could not be saved"]
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    problems = []
    not_run = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    if not_run:
        problems.append(f"{len(not_run)} of {len(cells)} code cells did not run (first: code cell {not_run[0]})")
    for i, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                problems.append(f"code cell {i}: {output['ename']}: {output['evalue'][:200]}")
    return problems


def shut_down_kernels(url):
    sessions = json.load(urllib.request.urlopen(f"{url}/api/sessions?token={TOKEN}"))
    for session in sessions:
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request)


def image_digest(ui):
    """A digest of the figure(s) an Interactive UI currently shows (an Output's <img>, or ipympl's
    canvas pixels), or None while it shows none."""
    fingerprint = ui.evaluate("el => window.__wtFingerprint(el)")
    return hashlib.sha1(fingerprint.encode()).hexdigest() if fingerprint else None


def latency_ms(record, kind):
    """From the control's input event to the figure's last pixel change, in ms (None: no change).

    The input event is the last pointer release of a slider drag (the value a user lets go of),
    or the change event of a dropdown or checkbox. A figure that had already caught up before the
    release (a drag redrawn while moving) counts as 0 ms.
    """
    kinds = ("pointerup", "mouseup") if kind == "slider" else ("change", "click")
    stamps = [t for name, t in record["events"] if name in kinds]
    if not record["changes"]:
        return None
    if not stamps:  # no event seen (should not happen): time from the first change instead
        return 0.0
    return max(0.0, record["changes"][-1] - max(stamps))


def kernel_idle(page):
    return any("Idle" in s for s in page.locator(".jp-StatusBar-Widget").all_inner_texts())


def settle(page, ui, quiet=1.5, timeout=60):
    """Wait until the kernel is idle and the UI's figure has not changed for `quiet` seconds."""
    end, last, since = time.monotonic() + timeout, image_digest(ui), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.25)
        now = image_digest(ui)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet and kernel_idle(page):
            return


def wait_for(predicate, timeout, interval=0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def run_all(page, timeout):
    """Run ▸ Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    wait_for(lambda: "[*]" in " ".join(page.locator(".jp-InputPrompt").all_inner_texts()), 30)

    def finished():
        prompts = " ".join(page.locator(".jp-InputPrompt").all_inner_texts())
        return "[*]" not in prompts and kernel_idle(page)

    if not wait_for(finished, timeout, interval=0.5):
        raise TimeoutError(f"cells still running after {timeout} s")
    time.sleep(1.0)  # let the last outputs and widget views render


def move(page, control, kind):
    """Change one control the way a user would. Returns a function that describes the change,
    to be called once the figure has settled: reading the control's new state at once would run
    the harness's own script in the page while the move is being answered."""
    if kind == "slider":
        handle = control.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        readout = control.locator(".widget-readout").first
        before = readout.inner_text()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # A short drag to the right, as a hand would do it; to the left when the handle is at the
        # right end (its value is the slider's maximum).
        at_max = control.locator("[aria-valuenow]").first.evaluate(
            "h => Number(h.getAttribute('aria-valuenow')) >= Number(h.getAttribute('aria-valuemax'))")
        page.mouse.move(x, y)
        page.mouse.down()
        for dx in (15, 30, 45, 60):
            page.mouse.move(x - dx if at_max else x + dx, y)
        page.mouse.up()
        return lambda: f"{before} → {readout.inner_text()}"
    if kind == "dropdown":
        select = control.locator("select").first
        options = select.locator("option").all_inner_texts()
        before = select.evaluate("s => s.options[s.selectedIndex].text")
        choice = next(o for o in options if o != before)
        select.select_option(label=choice)
        return lambda: f"{before} → {choice}"
    if kind == "checkbox":
        box = control.locator("input[type=checkbox]").first
        before = box.is_checked()
        box.click()
        return lambda: f"{before} → {box.is_checked()}"
    return lambda: "not moved (unknown control)"


def wait_until_drawn(page, timeout=30, quiet=1.0):
    """After a move: wait, without touching the page's DOM, until the figure has changed and then
    not changed for `quiet` seconds. Each check is one tiny script (reads two numbers of the
    watcher), first run 0.5 s after the move, when nearly every move has long been answered."""
    end = time.monotonic() + timeout
    time.sleep(0.5)
    while time.monotonic() < end:
        changes, idle_ms = page.evaluate(
            "() => [window.__wtState.changes.length, performance.now() - "
            "(window.__wtState.changes.at(-1) ?? performance.now())]")
        if changes and idle_ms >= 1000 * quiet:
            return True
        time.sleep(0.25)
    return False


def walk(page, url, folder, name, out, timeout):
    """Open, run and exercise one notebook; returns (problems, rows of slider moves, seconds)."""
    problems, rows = [], []
    page.goto(f"{url}/lab/tree/{name}?reset&token={TOKEN}")  # reset: only this notebook open
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    wait_for(lambda: kernel_idle(page), 60)
    start = time.monotonic()
    run_all(page, timeout)
    seconds = time.monotonic() - start

    problems += saved_problems(page, folder / name)
    body = page.locator(".jp-Notebook").inner_text()
    for marker in ("Error displaying widget", "Loading widget..."):
        if marker in body:
            problems.append(f"a widget shows {marker!r}")

    uis = page.evaluate(FIND_UIS)
    for i, controls in enumerate(uis):
        ui = page.locator(f"[data-walkthrough-ui='{i}']")
        ui.scroll_into_view_if_needed()
        # Cells off screen were laid out at a placeholder size: once this one is shown, the ones
        # around it take their real size and it may move. Let the layout settle, then scroll again.
        time.sleep(0.5)
        ui.scroll_into_view_if_needed()
        if not wait_for(lambda: image_digest(ui), 20):
            problems.append(f"widget {i}: no figure shown")
            continue
        for j, control in enumerate(controls):
            settle(page, ui, quiet=0.5)  # nothing left over from the previous move
            before = image_digest(ui)
            element = page.locator(f"[data-walkthrough-control='{i}-{j}']")
            ui.evaluate("el => window.__wtWatch(el)")
            describe = move(page, element, control["kind"])
            # A drag may send several values and each may redraw: wait for the last figure to settle.
            wait_until_drawn(page)
            settle(page, ui)
            record = page.evaluate("() => window.__wtState.stop()")
            change = describe()
            ok = image_digest(ui) not in (None, before)
            latency = latency_ms(record, control["kind"]) if ok else None
            if not ok:
                problems.append(f"widget {i} control {control['name']!r} ({change}): figure not redrawn")
            shot = out / f"{Path(name).stem}-ui{i}-{j}.png"
            ui.screenshot(path=str(shot))
            rows.append((name, i, control["name"], control["kind"], change, "redrawn" if ok else "NOT redrawn",
                         len(record["changes"]), latency))
    return problems, rows, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all in notebooks/)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", default=str(ROOT / "walkthrough"), help="folder for screenshots")
    parser.add_argument("--source", default=str(ROOT / "notebooks"), help="folder of the notebooks")
    parser.add_argument("--timeout", type=float, default=180, help="seconds allowed per notebook")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright  # only this tool needs it

    names = args.notebooks or sorted(p.name for p in Path(args.source).glob("[0-9][0-9]_*.ipynb"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failures, all_rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        folder, settings = Path(tmp) / "notebooks", Path(tmp) / "settings"
        shutil.copytree(args.source, folder)
        lab, url = start_lab(folder, settings, free_port())
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.add_init_script(PAGE_SCRIPT)
                for name in names:
                    try:
                        problems, rows, seconds = walk(page, url, folder, name, out, args.timeout)
                    except Exception as exc:  # one broken notebook must not hide the others
                        problems, rows, seconds = [f"{type(exc).__name__}: {exc}"], [], float("nan")
                    page.screenshot(path=str(out / f"{Path(name).stem}-end.png"))
                    all_rows += rows
                    status = "ok" if not problems else "FAILED"
                    print(f"{name}: {status}, ran in {seconds:.1f} s, {len(rows)} controls moved", flush=True)
                    for problem in problems:
                        print(f"    {problem}", flush=True)
                    if problems:
                        failures[name] = problems
                    shut_down_kernels(url)  # ten idle kernels must not pile up on two cores
                browser.close()
        finally:
            os.killpg(lab.pid, 15)
    print(latency_table(all_rows))
    print(f"\n{len(names) - len(failures)}/{len(names)} notebooks passed; "
          f"{sum(r[5] == 'redrawn' for r in all_rows)}/{len(all_rows)} controls redrew their figure; "
          f"screenshots in {out}")
    return 1 if failures else 0


def latency_table(rows):
    """The markdown table of every control moved, then the median and maximum latency vs the goal."""
    lines = ["", "| notebook | widget | control | kind | change | figure | pixel changes | input → figure (ms) |",
             "|---|---|---|---|---|---|---|---|"]
    for *row, latency in rows:
        shown = "—" if latency is None else f"{latency:.0f}"
        lines.append("| " + " | ".join(str(v) for v in row) + f" | {shown} |")
    measured = sorted(r[-1] for r in rows if r[-1] is not None)
    if measured:
        n = len(measured)
        median = (measured[(n - 1) // 2] + measured[n // 2]) / 2
        worst = measured[-1]
        verdict = "meets" if median <= GOAL_MEDIAN_MS and worst <= GOAL_MAX_MS else "misses"
        lines.append(f"\nlatency over {n} controls: median {median:.0f} ms, max {worst:.0f} ms "
                     f"({verdict} the goal: median ≤ {GOAL_MEDIAN_MS} ms, none above {GOAL_MAX_MS} ms)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
