"""Reading assignment notebooks: nbgrader cell metadata, solution regions, the cells the grader runs."""

from __future__ import annotations

import ast
import json
import re

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
_REGION = re.compile(r"^([ \t]*)" + re.escape(BEGIN) + r"[^\n]*\n.*?^[ \t]*" + re.escape(END) + r"[^\n]*(\n|$)",
                     re.S | re.M)


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def nbgrader(cell):
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    value = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return value if isinstance(value, dict) else {}


def tags(cell):
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    value = meta.get("tags", []) if isinstance(meta, dict) else []
    return list(value) if isinstance(value, list) else []


def stub_out(text):
    """Each `### BEGIN SOLUTION … ### END SOLUTION` region → the stub, at the region's indentation."""
    return _REGION.sub(lambda m: "".join(m.group(1) + line + "\n" for line in STUB.splitlines()), text)


def solution_regions(text):
    """The text inside each solution region (what must never reach an exercise)."""
    return [m.group(0) for m in _REGION.finditer(text)]


def load(path):
    """A notebook as a dict; ValueError with a readable message if it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a Jupyter notebook (not valid JSON: {exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path} is not a Jupyter notebook (no list of cells)")
    return nb


def as_python(text):
    """Cell source as plain Python: IPython syntax (%magics, !shell) becomes calls to
    get_ipython(), which does not exist where the grader runs it, so such lines fail visibly."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(text)
    except Exception:  # noqa: BLE001 - leave it to the compiler to report
        return text


def definitions_only(text):
    """From a cell the learner added: only its imports, functions and classes (not its experiments)."""
    try:
        tree = ast.parse(as_python(text))
    except SyntaxError:
        return ""
    keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
    return ast.unparse(ast.Module(body=keep, type_ignores=[])) if keep else ""
