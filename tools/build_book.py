"""Build the course as a static HTML book: `make book`, then open build/book/_build/html/index.html.

    python tools/build_book.py [--out build/book] [--jobs 2]

A reader who never runs anything sees what a learner sees after Run All: every lesson in notebooks/ is
executed here (nbclient, in notebooks/ as its working directory, as nbval and JupyterLab run it), so
each figure, each `show_source` listing and each table is on its page. The book itself is Jupyter
Book 1 (Sphinx + myst-nb + sphinx-book-theme), which builds offline from what pip installed: no theme
or asset is fetched at build time. Its pages never execute anything themselves (book/_config.yml).

What a static page cannot do, and what it shows instead:
  * a widget (`lossedu.plot.interactive`) becomes its starting picture, the PNG its output carries,
    followed by a line saying that the live version runs in JupyterLab (`live_note`);
  * a widget with no picture (a training progress bar) is left out: it is finished by then;
  * math is typeset by MathJax 2.7 from the jupyter-server-mathjax wheel, copied into the book, so the
    pages need no CDN either.

The exercises are the student versions in exercises/, copied as they are (not executed: their stubs
raise). Nothing from solutions/ is ever copied: tests/test_book.py checks the built pages for
solution text.

Two editions: the English book, and the Chinese one (中文版) made the same way from notebooks/zh/ and
exercises/zh/ (tools/translate.py generates them) with book/zh/'s landing and exercises pages, its table of
contents the English one's with each file replaced by its Chinese twin (a twin not yet translated is left
out). The Chinese book is the folder zh/ of the English one, with the same page paths, and every page of
either links to the same page in the other (book/_static/lossedu-lang.js).

Layout of OUT: `source/` (what Sphinx reads: book/ plus the executed notebooks and the exercises),
`executed/` (each lesson exactly as nbclient left it, widgets and all: what the test counts figures
in) and `_build/html/` (the book); `zh/source/`, `zh/executed/` for the Chinese edition, whose pages end
up in `_build/html/zh/`.
"""

import argparse
import copy
import html
import shutil
import subprocess
import sys
import time
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
BOOK = ROOT / "book"  # the book's own files: _config.yml, _toc.yml, the landing and exercises pages
IMAGES = ROOT / "docs" / "images"  # the README's pictures, which the landing page shows too
WIDGET = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 300  # seconds, as `make test` allows a cell under nbval

# the line under each widget's picture, per language: its lead (in bold on the page) and its text
LIVE_NOTE_LEADS = {"en": "Interactive in JupyterLab:", "zh": "在 JupyterLab 中可交互："}
LIVE_NOTE_TEXTS = {"en": f"{LIVE_NOTE_LEADS['en']} this picture is the widget's starting state. Open the notebook with "
                         "`make lab` (or Binder) and move its controls to see it redraw.",
                   "zh": f"{LIVE_NOTE_LEADS['zh']}这张图是交互组件的初始画面。用 `make lab-zh`（或 Binder）打开这个 "
                         "notebook，拖动它的控件即可看到图随之重绘。"}


def live_note(lang="en"):
    """The line under each widget's picture, in the page's language."""
    lead, text = LIVE_NOTE_LEADS[lang], LIVE_NOTE_TEXTS[lang]
    command = re.search(r"`([^`]+)`", text).group(1)
    markup = (html.escape(text, quote=False).replace(lead, f"<strong>{lead}</strong>")
              .replace(f"`{command}`", f"<code>{command}</code>"))
    return nbformat.v4.new_output("display_data", data={"text/html": f'<p class="lossedu-live-note">▶ {markup}</p>',
                                                        "text/plain": text})


# --------------------------------------------------------------------------- what a page shows
def is_widget(output):
    return WIDGET in output.get("data", {})


def is_figure(output):
    """An output that draws a figure: a matplotlib PNG, or a widget carrying its starting picture."""
    return "image/png" in output.get("data", {})


def page_outputs(outputs, lang="en"):
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
            shown += [picture, live_note(lang)]
    return shown


def page_notebook(executed, lang="en"):
    """A copy of an executed notebook as its book page shows it: `page_outputs` in every code cell,
    and no saved widget state (nothing on a static page could use it)."""
    page = copy.deepcopy(executed)
    page.metadata.pop("widgets", None)
    for cell in page.cells:
        if cell.cell_type == "code":
            cell.outputs = page_outputs(cell.outputs, lang)
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


def _fresh(*folders):
    """Empty folders (an earlier build's files must not outlive their source)."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)


def stage(out):
    """Fill out/source with what Sphinx reads of the English book (its lessons' pages come from `pages`)."""
    source = out / "source"
    shutil.rmtree(source, ignore_errors=True)
    _fresh(out / "executed")
    shutil.copytree(BOOK, source, ignore=shutil.ignore_patterns("zh"))
    (source / "notebooks").mkdir()
    shutil.copytree(EXERCISES, source / "exercises", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "zh"))
    shutil.copytree(IMAGES, source / "images")
    _mathjax(source)


def pages(editions, jobs):
    """Execute the lessons of every edition, `jobs` at a time in one pool (so neither edition waits for the
    other's last lesson), and write each one's page: editions is [(lessons, out, lang)]."""
    runs = [(lesson, out / "executed") for lessons, out, _ in editions for lesson in lessons]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for name, seconds in pool.map(execute, *zip(*runs)):
            print(f"  executed {name} in {seconds:.1f} s", flush=True)
    for lessons, out, lang in editions:
        for lesson in lessons:
            page = page_notebook(nbformat.read(out / "executed" / lesson.name, as_version=4), lang)
            nbformat.write(page, out / "source" / "notebooks" / lesson.name)


def _mathjax(source):
    # MathJax, served from the book itself (Sphinx's default is a CDN); _config.yml points at it
    import jupyter_server_mathjax
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", source / "_extra" / "mathjax")


# --------------------------------------------------------------------------- the Chinese edition
ZH_TITLE = "lossedu：从第一性原理讲透每一个机器学习损失函数"
ZH_CAPTIONS = {"Part I · The losses of torch.nn.functional": "第一部分 · torch.nn.functional 的损失函数",
               "Part II · The losses torch.nn does not ship": "第二部分 · torch.nn 没有提供的损失函数",
               "Exercises": "练习"}


def zh_twin(file):
    """The Chinese twin of a book file ("notebooks/01_regression" -> notebooks/zh/01_regression.ipynb),
    None for the book's own pages (intro, exercises), which book/zh/ has."""
    folder, _, stem = file.partition("/")
    return ROOT / folder / "zh" / f"{stem}.ipynb" if stem else None


def zh_toc(toc):
    """The English table of contents with each notebook replaced by its Chinese twin (same page path) and the
    captions translated; a notebook without a twin yet is left out."""
    toc = copy.deepcopy(toc)

    def keep(entries):
        out = []
        for entry in entries:
            twin = zh_twin(entry["file"])
            if twin is not None and not twin.exists():
                print(f"  中文版: {entry['file']} has no Chinese twin yet, left out", flush=True)
                continue
            if "sections" in entry:
                entry["sections"] = keep(entry["sections"])
            out.append(entry)
        return out

    for part in toc["parts"]:
        part["caption"] = ZH_CAPTIONS.get(part["caption"], part["caption"])
        part["chapters"] = keep(part["chapters"])
    return toc


def _present_rows(text, source):
    """A page's table rows whose {doc} link points at a page the edition has (the others are left out)."""
    def present(line):
        m = re.search(r"\{doc\}`[^<`]*<([^>]+)>`", line)
        return m is None or (source / f"{m.group(1)}.ipynb").exists() or (source / f"{m.group(1)}.md").exists()
    return "\n".join(line for line in text.split("\n") if present(line))


def stage_zh(out):
    """Fill out/zh/source with what Sphinx reads of the Chinese edition: book/zh's pages, the English
    configuration with the Chinese title and language, the translated table of contents, the Chinese exercises
    (its lessons' pages come from `pages`)."""
    source = out / "zh" / "source"
    _fresh(source, out / "zh" / "executed")
    shutil.copytree(BOOK / "_static", source / "_static")
    shutil.copytree(IMAGES, source / "images")
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = ZH_TITLE
    config["sphinx"]["config"]["language"] = "zh_CN"
    (source / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    toc = zh_toc(yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8")))
    (source / "_toc.yml").write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (source / "notebooks").mkdir()
    shutil.copytree(EXERCISES / "zh", source / "exercises", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _mathjax(source)


def zh_landing_pages(out):
    """book/zh's landing and exercises pages, without the rows of lessons that have no Chinese twin yet (once
    the lessons' pages are written)."""
    source = out / "zh" / "source"
    for page in ("intro.md", "exercises.md"):
        (source / page).write_text(_present_rows((BOOK / "zh" / page).read_text(encoding="utf-8"), source),
                                   encoding="utf-8")


def _sphinx(source, out):
    shutil.rmtree(out / "_build", ignore_errors=True)  # no page of an earlier build may outlive its source
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(source), "--path-output",
                    str(out), "--builder", "html", "--warningiserror", "--keep-going", "--quiet"],
                   check=True)


def build(out, jobs=2):
    start = time.perf_counter()
    stage(out)
    stage_zh(out)
    pages([(sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), out, "en"),
           (sorted((NOTEBOOKS / "zh").glob("[0-9][0-9]_*.ipynb")), out / "zh", "zh")], jobs)
    zh_landing_pages(out)
    staged = time.perf_counter()
    _sphinx(out / "source", out)
    _sphinx(out / "zh" / "source", out / "zh")
    shutil.copytree(out / "zh" / "_build" / "html", out / "_build" / "html" / "zh")
    (out / "_build" / "html" / ".nojekyll").touch()  # served as is by GitHub Pages, _static/ included
    done = time.perf_counter()
    print(f"book: {out / '_build' / 'html' / 'index.html'}, 中文版 {out / '_build' / 'html' / 'zh' / 'index.html'} "
          f"(executing {staged - start:.0f} s, Sphinx {done - staged:.0f} s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book")
    parser.add_argument("--jobs", type=int, default=2, help="lessons executed at once (default 2)")
    args = parser.parse_args(argv)
    build(args.out.resolve(), args.jobs)


if __name__ == "__main__":
    main()
