"""The book (`make book`, tools/build_book.py): every lesson and exercise has its page, each page shows
every figure its notebook draws (a widget as its picture and the live-version line), and no solution
text is anywhere in it.

Two kinds of test here. Those on the build's pieces (what a page shows of a widget, the table of
contents, the configuration) run in `make test`. Those on a built book need one: `make book` builds
it, then runs this file with LOSSEDU_BOOK=build/book; without that variable they are skipped, since
building the book executes every lesson once more (about a minute on 2 cores).
"""
import html
import os
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from lossedu.grading import notebook as nbio
from tooling import html_text, load_tool

ROOT = Path(__file__).resolve().parents[1]
build_book = load_tool("build_book")

LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
# the Chinese edition (tools/translate.py): lessons and exercises that have a twin so far, and the solutions'
ZH_LESSONS = sorted(p.stem for p in (ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))
ZH_EXERCISES = sorted(p.stem for p in (ROOT / "exercises" / "zh").glob("[0-9][0-9]_*.ipynb"))
ZH_SOLUTIONS = sorted((ROOT / "solutions" / "zh").glob("[0-9][0-9]_*.ipynb"))
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# the course's notebooks carry no cell ids (nbformat 4.4 layout), which nbformat only warns about
pytestmark = pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")


# --------------------------------------------------------------------------- a widget on a page
def widget_output(png=True):
    data = {"application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                         "version_minor": 0},
            "text/plain": "Interactive(children=(FloatSlider(...),))"}
    if png:
        data["image/png"] = "iVBORw0KGgo="
    return nbformat.v4.new_output("display_data", data=data)


def test_a_widget_becomes_its_picture_and_the_live_note():
    picture, note = build_book.page_outputs([widget_output()])
    assert picture["data"] == {"image/png": "iVBORw0KGgo="}  # no widget view: a page has no kernel
    assert "Interactive in JupyterLab" in note["data"]["text/html"]
    assert "make lab" in note["data"]["text/plain"]


def test_a_widget_without_a_picture_is_left_out_and_everything_else_kept():
    stream = nbformat.v4.new_output("stream", name="stdout", text="epoch 10: loss 0.12\n")
    figure = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    markdown = nbformat.v4.new_output("display_data", data={"text/markdown": "```python\nx = 1\n```"})
    outputs = [widget_output(png=False), stream, figure, markdown]
    assert build_book.page_outputs(outputs) == [stream, figure, markdown]


def test_a_page_keeps_no_widget_state_and_leaves_the_executed_notebook_alone():
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("ui", outputs=[widget_output()])])
    executed.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    page = build_book.page_notebook(executed)
    assert "widgets" not in page.metadata
    assert len(page.cells[0].outputs) == 2
    assert "widgets" in executed.metadata and len(executed.cells[0].outputs) == 1


# --------------------------------------------------------------------------- the book's sources
def toc_files():
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    files = []

    def walk(entries):
        for entry in entries:
            files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc["parts"]:
        walk(part["chapters"])
    return toc, files


def test_the_table_of_contents_lists_every_lesson_in_order_then_every_exercise():
    toc, files = toc_files()
    assert toc["root"] == "intro"
    lessons = [f for f in files if f.startswith("notebooks/")]
    exercises = [f for f in files if f.startswith("exercises/")]
    assert lessons == [f"notebooks/{name}" for name in LESSONS]
    assert exercises == [f"exercises/{name}" for name in EXERCISES]
    assert files.index(lessons[-1]) < files.index(exercises[0])
    assert not [f for f in files if "solution" in f]


def _doc_rows(page, folder):
    """{stem: the backticked names in its row} of a page's table whose rows link {doc}`… <folder/stem>`."""
    rows = {}
    for line in (ROOT / "book" / page).read_text(encoding="utf-8").splitlines():
        m = re.match(rf"\| {{doc}}`[^<]*<{folder}/(\w+)>` \|(.*)\|$", line)
        if m:
            rows[m.group(1)] = re.findall(r"`(\w+)`", m.group(2))
    return rows


def test_the_landing_page_and_the_exercises_page_list_every_lesson_and_exercise_with_what_it_grades():
    from lossedu.grading import registry

    assert sorted(_doc_rows("intro.md", "notebooks")) == LESSONS
    graded = {a.name: [p.function for p in a.parts if not p.function.endswith("_backward")]
              for a in registry.all_assignments()}
    assert _doc_rows("exercises.md", "exercises") == {name: graded[name] for name in EXERCISES}


def test_the_book_executes_nothing_itself_and_loads_nothing_from_the_network():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    sphinx = config["sphinx"]["config"]
    assert "://" not in sphinx["mathjax_path"]
    assert sphinx["nb_ipywidgets_js"] == {}  # no require.js / widget manager from a CDN


def test_the_build_never_copies_solutions():
    """The staging code names the folders it copies; solutions/ is not one of them."""
    text = (ROOT / "tools" / "build_book.py").read_text()
    code = re.sub(r'""".*?"""', "", text, flags=re.S)
    assert "solutions" not in code.lower() and "SOLUTIONS" not in code


def test_the_pages_workflow_builds_the_book_on_every_push_to_main_and_deploys_it():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [step["run"] for step in build["steps"] if "run" in step]
    assert any(run.startswith("make book") for run in runs)
    uses = {step["uses"].split("@")[0]: step for step in build["steps"] if "uses" in step}
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "build/book/_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_make_book_builds_then_checks_and_ci_runs_it():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^book: .*\n((?:\t.*\n)+)", makefile, re.M)[1]
    assert "tools/build_book.py --out build/book" in recipe
    assert "LOSSEDU_BOOK=build/book" in recipe and "tests/test_book.py" in recipe
    ci = (ROOT / ".ci" / "run").read_text().split()
    assert ci.index("test") < ci.index("book")


# --------------------------------------------------------------------------- looking for solution text
def solution_blocks():
    """{notebook name: [the lines of each `### BEGIN/END SOLUTION` region, markers left out]} from solutions/."""
    return {f"{path.parent.name}/{path.stem}".removeprefix("solutions/"):
            [[line.strip() for line in region.splitlines()[1:-1]]
             for cell in nbio.load(path)["cells"] for region in nbio.solution_regions(nbio.source(cell))]
            for path in SOLUTIONS + ZH_SOLUTIONS}


def allowed_text():
    """Every line the book may show: the lessons' and exercises' cells and the package's source (which
    `show_source` prints). A solution line that is also one of these is not a leak."""
    lines = set()
    for folder in ("notebooks", "exercises"):
        for path in (ROOT / folder).rglob("*.ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                lines.update(line.strip() for line in cell.source.splitlines())
    for path in (ROOT / "lossedu").rglob("*.py"):
        lines.update(line.strip() for line in path.read_text().splitlines())
    return lines


def telltale_lines():
    """Solution lines the book has no reason to show: {line: the solution notebook it is from}."""
    allowed = allowed_text()
    telltales = {}
    for name, blocks in solution_blocks().items():
        for block in blocks:
            for line in block:
                if len(line) >= 12 and line not in allowed and not line.startswith("#"):
                    telltales.setdefault(line, name)
    return telltales


def page_lines(page_html):
    """The text a reader sees on a page (highlighted code included), one stripped line each."""
    return {line.strip() for line in html_text(page_html).splitlines()}


def leaks(pages):
    """[(page, solution line)] for every solution line found on a page; pages: {name: html}."""
    telltales = telltale_lines()
    found = []
    for page, text in pages.items():
        if BEGIN in text or END in text:
            found.append((page, BEGIN))
        found += [(page, line) for line in sorted(page_lines(text) & telltales.keys())]
    return found


def test_every_assignment_has_solution_lines_to_look_for():
    """The leak test looks for something: each solution has lines that no lesson or exercise shows."""
    telltales = telltale_lines()
    assert {path.stem for path in SOLUTIONS} == {name.removeprefix("zh/") for name in telltales.values()}
    assert len(telltales) > 10 * len(SOLUTIONS)


def test_the_leak_finder_finds_a_solution_line_on_a_page():
    """The check the built book gets can fail: a page carrying one line of a solution is caught,
    highlighted as Sphinx writes code or plain."""
    line = next(iter(telltale_lines()))
    highlighted = "".join(f'<span class="n">{html.escape(word)}</span> ' for word in line.split(" ")).rstrip()
    pages = {"clean": "<p>Hello</p>", "plain": f"<pre>{html.escape(line)}\n</pre>",
             "highlighted": f"<pre>{highlighted}\n</pre>", "marker": f"<pre>    {BEGIN}\n</pre>"}
    assert sorted({page for page, _ in leaks(pages)}) == ["highlighted", "marker", "plain"]


# --------------------------------------------------------------------------- the built book
BOOK = os.environ.get("LOSSEDU_BOOK")
built = pytest.mark.skipif(not BOOK, reason="needs a built book: `make book` builds one and runs these")


def book_dir():
    return Path(BOOK).resolve() if Path(BOOK).is_absolute() else (ROOT / BOOK).resolve()


def html_page(name, edition=""):
    path = book_dir() / "_build" / "html" / edition / f"{name}.html"
    assert path.is_file(), f"no page {path}"
    return path.read_text()


def executed(name, edition=""):
    return nbformat.read(book_dir() / edition / "executed" / f"{name}.ipynb", as_version=4)


def drawn(notebook):
    """(figures, widget pictures) a notebook drew when it ran: outputs carrying a PNG, and those of
    them that are widgets."""
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    figures = [o for o in outputs if build_book.is_figure(o)]
    return len(figures), sum(build_book.is_widget(o) for o in figures)


EDITIONS = [("", name) for name in LESSONS] + [("zh", name) for name in ZH_LESSONS]


@built
@pytest.mark.parametrize("edition,name", EDITIONS, ids=[f"{e or 'en'}-{n}" for e, n in EDITIONS])
def test_each_lesson_page_shows_every_figure_its_notebook_draws(edition, name):
    page = html_page(f"notebooks/{name}", edition)
    figures, widgets = drawn(executed(name, edition))
    assert figures > 0
    images = re.findall(r"<img\b", page)
    assert len(images) == figures, f"{name}: the notebook drew {figures} figures, its page shows {len(images)}"
    # each widget: its picture, then the line saying the live version runs in JupyterLab (in the page's language)
    sequence = re.findall(r'<img\b|class="lossedu-live-note"', page)
    notes = [i for i, token in enumerate(sequence) if token != "<img"]
    assert len(notes) == widgets
    assert all(i > 0 and sequence[i - 1] == "<img" for i in notes)
    assert page.count(build_book.LIVE_NOTE_LEADS[edition or "en"]) == widgets
    assert "application/vnd.jupyter.widget-view" not in page and "jupyter-widgets" not in page


@built
def test_every_page_of_either_edition_links_to_the_other_and_says_its_language():
    html_root = book_dir() / "_build" / "html"
    pages = [p for p in html_root.rglob("*.html") if "_static" not in p.parts and "mathjax" not in p.parts
             and p.name not in ("search.html", "genindex.html")
             and not p.read_text().startswith('<meta http-equiv="Refresh"')]  # index.html: a redirect to intro
    zh = [p for p in pages if p.relative_to(html_root).parts[0] == "zh"]
    assert len(zh) >= len(ZH_LESSONS) + len(ZH_EXERCISES) + 2 and len(pages) - len(zh) >= len(LESSONS) + 2
    for path in pages:
        text = path.read_text()
        assert "lossedu-lang.js" in text, f"{path} has no language switch"
        lang = re.search(r'<html[^>]*\blang="([^"]+)"', text).group(1)
        assert lang.startswith("zh") == (path in zh), f"{path}: lang={lang}"
    # the switch maps a page to the same path in the other edition: check that those pages exist
    for path in zh:
        english = html_root / path.relative_to(html_root / "zh")
        assert english.is_file(), f"{path}'s English page {english} does not exist"


@built
def test_the_chinese_landing_page_and_exercise_pages_exist():
    landing = page_lines(html_page("intro", "zh"))
    assert "make lab-zh" in {line.split("#")[0].strip() for line in landing}
    html_page("exercises", "zh")
    for name in ZH_EXERCISES:
        assert "# YOUR CODE HERE" in page_lines(html_page(f"exercises/{name}", "zh"))


@built
@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_page_has_its_math_listings_and_neighbours(name):
    page = html_page(f"notebooks/{name}")
    assert re.search(r'class="math notranslate nohighlight"', page), "no math on the page"
    assert "mathjax/MathJax.js" in page
    assert 'class="highlight' in page  # code cells and show_source listings
    assert 'class="prev-next-area"' in page or "prev-next" in page
    # the sidebar lists the whole course, in order
    positions = [page.find(f'href="{other}.html"') if other != name else page.find('class="current')
                 for other in LESSONS]
    assert all(p >= 0 for p in positions), f"{name}'s sidebar is missing a lesson"


@built
def test_the_landing_page_and_every_exercise_page_exist():
    landing = page_lines(html_page("intro"))
    assert {"make lab", "make book"} <= {line.split("#")[0].strip() for line in landing}
    html_page("exercises")
    for name in EXERCISES:
        assert "# YOUR CODE HERE" in page_lines(html_page(f"exercises/{name}"))


@built
def test_math_is_typeset_from_the_book_itself():
    html_root = book_dir() / "_build" / "html"
    assert (html_root / "mathjax" / "MathJax.js").is_file()
    assert (html_root / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    for path in html_root.rglob("*.html"):
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', path.read_text())
        assert not [s for s in scripts if "://" in s], f"{path.name} loads a script from the network"


@built
def test_no_solution_text_anywhere_in_the_book():
    html_root = book_dir() / "_build" / "html"
    pages = {str(p.relative_to(html_root)): p.read_text() for p in html_root.rglob("*.html")}
    pages.update({str(p.relative_to(html_root)): p.read_text()
                  for p in (html_root / "_sources").rglob("*") if p.is_file()})
    assert len(pages) > len(LESSONS) + len(EXERCISES)
    assert not [p for p in pages if "solution" in p.lower()]
    assert leaks(pages) == []


def test_the_chinese_table_of_contents_is_the_english_one_with_each_twin_that_exists():
    toc, files = toc_files()
    zh = build_book.zh_toc(toc)
    zh_files = []

    def walk(entries):
        for entry in entries:
            zh_files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in zh["parts"]:
        walk(part["chapters"])
    assert zh_files == [f for f in files if f in ("exercises",) or
                        (f.split("/")[0] == "notebooks" and f.split("/")[1] in ZH_LESSONS) or
                        (f.split("/")[0] == "exercises" and f.split("/")[1] in ZH_EXERCISES)]
    assert [part["caption"] for part in zh["parts"]] == [build_book.ZH_CAPTIONS[p["caption"]] for p in toc["parts"]]
    assert toc == toc_files()[0]  # the English one is left as it was
