"""Build the course as a static HTML book: `make book`, then open build/book/_build/html/index.html.

    python tools/build_book.py [--out build/book] [--jobs 2]

A reader who never runs anything sees what a learner sees after Run All: every lesson in notebooks/ is
executed here (nbclient, in notebooks/ as its working directory, as nbval and JupyterLab run it), so
each figure, each `show_source` listing and each table is on its page. The book itself is Jupyter
Book 1 (Sphinx + myst-nb + sphinx-book-theme), which builds offline from what pip installed: no theme
or asset is fetched at build time. Its pages never execute anything themselves (book/_config.yml).

What a static page cannot do, and what it shows instead:
  * a widget (`lossedu.plot.interactive`) becomes its starting picture, the PNG its output carries,
    followed by a line saying that the live version runs in JupyterLab (`LIVE_NOTE`);
  * a widget with no picture (a training progress bar) is left out: it is finished by then;
  * math is typeset by MathJax 2.7 from the jupyter-server-mathjax wheel, copied into the book, so the
    pages need no CDN either.

The exercises are the student versions in exercises/, copied as they are (not executed: their stubs
raise). Nothing from solutions/ is ever copied: tests/test_book.py checks the built pages for
solution text.

Layout of OUT: `source/` (what Sphinx reads: book/ plus the executed notebooks and the exercises),
`executed/` (each lesson exactly as nbclient left it, widgets and all: what the test counts figures
in) and `_build/html/` (the book).
"""

import argparse
import copy
import html
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
BOOK = ROOT / "book"  # the book's own files: _config.yml, _toc.yml, the landing and exercises pages
IMAGES = ROOT / "docs" / "images"  # the README's pictures, which the landing page shows too
WIDGET = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 300  # seconds, as `make test` allows a cell under nbval

LIVE_NOTE_LEAD = "Interactive in JupyterLab:"
LIVE_NOTE_TEXT = (f"{LIVE_NOTE_LEAD} this picture is the widget's starting state. Open the notebook with "
                  "`make lab` (or Binder) and move its controls to see it redraw.")
LIVE_NOTE = nbformat.v4.new_output(
    "display_data",
    data={
        "text/html": '<p class="lossedu-live-note">▶ ' + html.escape(LIVE_NOTE_TEXT, quote=False)
        .replace(LIVE_NOTE_LEAD, f"<strong>{LIVE_NOTE_LEAD}</strong>")
        .replace("`make lab`", "<code>make lab</code>") + "</p>",
        "text/plain": LIVE_NOTE_TEXT,
    },
)


# --------------------------------------------------------------------------- what a page shows
def is_widget(output):
    return WIDGET in output.get("data", {})


def is_figure(output):
    """An output that draws a figure: a matplotlib PNG, or a widget carrying its starting picture."""
    return "image/png" in output.get("data", {})


def page_outputs(outputs):
    """The outputs of one executed cell as a static page shows them.

    A widget with a picture becomes that picture alone (no widget view, which a page without a kernel
    would draw as an empty box) and the live-version note; a widget without one (a progress bar) is
    left out; every other output is kept as it is.
    """
    shown = []
    for output in outputs:
        if not is_widget(output):
            shown.append(output)
        elif is_figure(output):
            picture = copy.deepcopy(output)
            picture["data"] = {"image/png": output["data"]["image/png"]}
            shown += [picture, copy.deepcopy(LIVE_NOTE)]
    return shown


def page_notebook(executed):
    """A copy of an executed notebook as its book page shows it: `page_outputs` in every code cell,
    and no saved widget state (nothing on a static page could use it)."""
    page = copy.deepcopy(executed)
    page.metadata.pop("widgets", None)
    for cell in page.cells:
        if cell.cell_type == "code":
            cell.outputs = page_outputs(cell.outputs)
    return page


# --------------------------------------------------------------------------- building it
def execute(path, executed_dir):
    """Run one lesson top to bottom in notebooks/ and save it, outputs and all, in executed_dir."""
    from nbclient import NotebookClient

    start = time.perf_counter()
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, executed_dir / path.name)
    return path.name, time.perf_counter() - start


def stage(out, jobs):
    """Fill out/source with what Sphinx reads, executing the lessons `jobs` at a time."""
    source, executed = out / "source", out / "executed"
    for folder in (source, executed):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(BOOK, source)
    executed.mkdir(parents=True)
    (source / "notebooks").mkdir()
    shutil.copytree(EXERCISES, source / "exercises", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(IMAGES, source / "images")
    lessons = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for name, seconds in pool.map(execute, lessons, [executed] * len(lessons)):
            print(f"  executed {name} in {seconds:.1f} s", flush=True)
    for lesson in lessons:
        page = page_notebook(nbformat.read(executed / lesson.name, as_version=4))
        nbformat.write(page, source / "notebooks" / lesson.name)
    # MathJax, served from the book itself (Sphinx's default is a CDN); _config.yml points at it
    import jupyter_server_mathjax
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", source / "_extra" / "mathjax")


def build(out, jobs=2):
    start = time.perf_counter()
    stage(out, jobs)
    staged = time.perf_counter()
    shutil.rmtree(out / "_build", ignore_errors=True)  # no page of an earlier build may outlive its source
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(out / "source"), "--path-output",
                    str(out), "--builder", "html", "--warningiserror", "--keep-going", "--quiet"],
                   check=True)
    (out / "_build" / "html" / ".nojekyll").touch()  # served as is by GitHub Pages, _static/ included
    done = time.perf_counter()
    print(f"book: {out / '_build' / 'html' / 'index.html'} (executing {staged - start:.0f} s, "
          f"Sphinx {done - staged:.0f} s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book")
    parser.add_argument("--jobs", type=int, default=2, help="lessons executed at once (default 2)")
    args = parser.parse_args(argv)
    build(args.out.resolve(), args.jobs)


if __name__ == "__main__":
    main()
