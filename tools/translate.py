"""The Chinese edition, generated from the English notebooks and one translation file per notebook.

    make translate                                 # write notebooks/zh/, solutions/zh/, exercises/zh/
    .venv/bin/python tools/translate.py --check    # only say what is stale or drifted (exit 1 if anything)
    .venv/bin/python tools/translate.py cells notebooks/01_regression.ipynb   # index, hash, kind, first line
    .venv/bin/python tools/translate.py stamp notebooks/01_regression.ipynb 12  # "cell 12's translation is current"

One source, so the two editions cannot drift apart unnoticed:

* `i18n/zh/notebooks/NN_name.yml` translates `notebooks/NN_name.ipynb`, `i18n/zh/solutions/NN_name.yml`
  translates `solutions/NN_name.ipynb`; the Chinese exercise is made from the Chinese solution exactly as
  `lossedu assign` makes the English one.
* A translation file has one entry per English cell, in order. Each records `hash`, the hash of the English
  cell it translates (`cell_hash`: the cell's kind and source). A markdown entry gives the Chinese text
  (`zh`); a code entry gives nothing (the code is the English notebook's own) or `strings`, {English text:
  中文} replacements for what a learner reads in the cell (printed messages): each English text must occur
  in the cell.
* The generated notebook is the English one with those cells replaced, its metadata `lossedu.language` set
  to "zh", and one cell after the title, `lossedu.set_language("zh")`, which puts figures, widgets and the
  `check` feedback in Chinese.

When an English cell changes, its hash changes and the build fails naming the cell, until the translation is
updated and stamped (`stamp`). A maintainer's change to a lesson is therefore: edit the English cell, edit its
translation, `tools/translate.py stamp <notebook> <cell>`, `make translate`, commit all four files.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lossedu.grading.assign import dumps, make_exercise  # noqa: E402
from lossedu.grading.notebook import load, source  # noqa: E402  (the grader's own readers)

LANG = "zh"
FOLDERS = ("notebooks", "solutions")  # translated; exercises are made from the translated solutions
TRANSLATIONS = ROOT / "i18n" / LANG
LANGUAGE_CELL = ('import lossedu\n\nlossedu.set_language("zh")  # 中文版：图表、交互组件和 check 的反馈都用中文')


class Drift(Exception):
    """The translation does not fit the English notebook any more (or never did): what, where."""


def cell_hash(cell):
    """12 hex digits of SHA-256 over the cell's kind and source: what a translation entry records."""
    return hashlib.sha256(f"{cell['cell_type']}\n{source(cell)}".encode("utf-8")).hexdigest()[:12]


def translation_path(english):
    english = Path(english)
    return TRANSLATIONS / english.parent.name / f"{english.stem}.yml"


def read_translation(path):
    # every scalar as text: a hash of digits only ("698781824822") or like "12e4…" must not become a number
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise Drift(f"{path}: a translation file is a mapping with a list `cells`")
    return data


def _first_line(text):
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= 70 else line[:67] + "..."


def _lines(text):
    return text.splitlines(keepends=True)


def translate_cells(english, translation, name="notebook"):
    """The English notebook's cells, translated; Drift listing every cell that does not fit."""
    cells, entries = english["cells"], translation["cells"]
    problems = []
    if len(entries) != len(cells):
        problems.append(f"{name}: the English notebook has {len(cells)} cells, the translation {len(entries)} "
                        f"entries (a cell was added or removed: add or remove its entry)")
    out = []
    for i, (cell, entry) in enumerate(zip(cells, entries)):
        where = f"{name}, cell {i} ({cell['cell_type']}: {_first_line(source(cell))!r})"
        if not isinstance(entry, dict) or "hash" not in entry:
            problems.append(f"{where}: the entry has no hash")
            continue
        if entry["hash"] != cell_hash(cell):
            problems.append(f"{where}: the English cell changed since it was translated (translation of "
                            f"{entry['hash']}, the cell is now {cell_hash(cell)}): update the translation, then "
                            f"`tools/translate.py stamp {name} {i}`")
            continue
        new = copy.deepcopy(cell)
        if cell["cell_type"] == "code":
            if "zh" in entry:
                problems.append(f"{where}: a code cell is not rewritten; list the texts a learner reads in `strings`")
                continue
            text = source(cell)
            for en, zh in (entry.get("strings") or {}).items():
                if en not in text:
                    problems.append(f"{where}: the text {en!r} is not in the cell")
                text = text.replace(en, zh)
            new["source"] = _lines(text)
        else:
            zh = entry.get("zh")
            if not isinstance(zh, str) or not zh.strip():
                problems.append(f"{where}: no translation (`zh`)")
                continue
            new["source"] = _lines(zh.rstrip("\n"))
        out.append(new)
    if problems:
        raise Drift("\n".join(problems))
    return out


def language_cell(english):
    """The cell that switches the kernel to Chinese; locked, with nbgrader metadata in an assignment."""
    cell = {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["language"]}, "outputs": [],
            "source": _lines(LANGUAGE_CELL)}
    if any("nbgrader" in c.get("metadata", {}) for c in english["cells"]):
        # as the solution's other locked cells: the exercise gets deletable/editable from make_exercise's lock()
        cell["metadata"]["nbgrader"] = {"grade": False, "grade_id": "language", "locked": True,
                                        "schema_version": 3, "solution": False, "task": False}
    return cell


def build(english_path, translation=None):
    """The Chinese notebook (a dict) of an English one; Drift if the translation does not fit."""
    english_path = Path(english_path)
    english = load(english_path)
    if translation is None:
        tpath = translation_path(english_path)
        if not tpath.exists():
            raise Drift(f"{english_path.relative_to(ROOT)}: no translation ({tpath.relative_to(ROOT)})")
        translation = read_translation(tpath)
    cells = translate_cells(english, translation, f"{english_path.parent.name}/{english_path.name}")
    nb = copy.deepcopy(english)
    nb["cells"] = cells[:1] + [language_cell(english)] + cells[1:]
    nb["metadata"].setdefault("lossedu", {})["language"] = LANG
    return nb


def english_notebooks():
    return [p for folder in FOLDERS for p in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb"))]


def translated():
    """The English notebooks that have a translation file."""
    return [p for p in english_notebooks() if translation_path(p).exists()]


def expected(only=None):
    """{path: text} of every generated Chinese notebook (lessons, solutions, and exercises from the
    solutions), or of the English notebooks in `only`; Drift listing every problem of every translation."""
    out, problems = {}, []
    for english in (translated() if only is None else [Path(p).resolve() for p in only]):
        try:
            nb = build(english)
        except Drift as e:
            problems.append(str(e))
            continue
        out[ROOT / english.parent.name / LANG / english.name] = dumps(nb)
        if english.parent.name == "solutions":
            out[ROOT / "exercises" / LANG / english.name] = dumps(make_exercise(nb))
    if problems:
        raise Drift("\n".join(problems))
    return out


def generated_on_disk():
    return sorted(p for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder / LANG).glob("*.ipynb"))


def write(check=False, only=None):
    """Write (or, with check, only compare) the Chinese notebooks, all or those of the English notebooks in
    `only`; returns the stale or orphaned paths."""
    want = expected(only)
    stale = [p for p, text in want.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    orphans = [p for p in generated_on_disk() if p not in want] if only is None else []
    if not check:
        for p in stale:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(want[p], encoding="utf-8")
        for p in orphans:
            p.unlink()
    return stale + orphans


def stamp(english_path, indices):
    """Record the English cells' current hashes on their entries: the translator says "this is current"."""
    english_path = Path(english_path)
    cells = load(english_path)["cells"]
    tpath = translation_path(english_path)
    text = tpath.read_text(encoding="utf-8")
    data = read_translation(tpath)
    entries = list(re.finditer(r"^- hash: ['\"]?(\w+)['\"]?$", text, re.M))  # entry i is the i-th "- hash:" line
    if len(entries) != len(data["cells"]):
        raise Drift(f"{tpath}: write each entry as `- hash: ...` on its own line")
    for i in sorted(indices, reverse=True):  # from the end, so earlier offsets stay valid
        m, now = entries[i], cell_hash(cells[i])
        text = text[:m.start(1)] + now + text[m.end(1):]
        print(f"cell {i}: {m.group(1)} -> {now}")
    tpath.write_text(text, encoding="utf-8")


def scaffold(english_path):
    """Start a translation file: every cell's entry with its hash, markdown entries with an empty `zh`
    (the build refuses them until they are translated). Never overwrites a file that exists."""
    english_path = Path(english_path)
    tpath = translation_path(english_path)
    if tpath.exists():
        raise SystemExit(f"{tpath} exists")
    lines = [f"# {english_path.parent.name}/{english_path.name} 的中文翻译: one entry per English cell, in order "
             f"(tools/translate.py)", "cells:"]
    for cell in load(english_path)["cells"]:
        lines.append(f"- hash: {cell_hash(cell)}")
        if cell["cell_type"] != "code":
            lines.append("  zh: |")
    tpath.parent.mkdir(parents=True, exist_ok=True)
    tpath.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {tpath.relative_to(ROOT)}")


def list_cells(english_path):
    for i, cell in enumerate(load(english_path)["cells"]):
        print(f"{i:3d}  {cell_hash(cell)}  {cell['cell_type']:8s}  {_first_line(source(cell))}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks and drifted translations")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="only these English notebooks' Chinese twins")
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("cells", help="list an English notebook's cells with their hashes")
    c.add_argument("notebook")
    n = sub.add_parser("scaffold", help="start the translation file of an English notebook")
    n.add_argument("notebook")
    s = sub.add_parser("stamp", help="record English cells' current hashes on their translations")
    s.add_argument("notebook")
    s.add_argument("cells", nargs="+", type=int)
    args = parser.parse_args(argv)
    if args.command == "cells":
        list_cells(args.notebook)
        return 0
    if args.command == "scaffold":
        scaffold(args.notebook)
        return 0
    if args.command == "stamp":
        stamp(args.notebook, args.cells)
        return 0
    try:
        changed = write(check=args.check, only=args.only)
    except Drift as e:
        print(f"the Chinese edition does not fit the English one:\n{e}", file=sys.stderr)
        return 1
    for p in changed:
        print(("stale: " if args.check else "wrote: ") + str(p.relative_to(ROOT)))
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
