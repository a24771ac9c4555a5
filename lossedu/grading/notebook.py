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


MAX_NOTEBOOK_BYTES = 20 * 2**20


def load(path):
    """A notebook as a dict; ValueError with a readable message if it is not one.

    Only a regular file is read (not a symlink, which could point at a solution, nor a FIFO or
    device that would hang the grader), at most MAX_NOTEBOOK_BYTES, and its structure is checked
    so that nothing later trips over a cell that is not a cell.
    """
    import os
    import stat

    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file (a symlink, folder or device); submit the notebook itself")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB; clear its outputs and submit again")
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path} is not a Jupyter notebook (not valid JSON: {exc})") from None
    problem = _structure_problem(nb)
    if problem:
        raise ValueError(f"{path} is not a Jupyter notebook ({problem})")
    return nb


def _structure_problem(nb):
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return "no list of cells"
    if not isinstance(nb.get("metadata", {}), dict):
        return "its metadata is not a mapping"
    lossedu = nb.get("metadata", {}).get("lossedu", {})
    if not isinstance(lossedu, dict) or not isinstance(lossedu.get("assignment", ""), str):
        return "its lossedu metadata is malformed"
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return f"cell {i} is not a cell"
        src = cell.get("source", "")
        if not (isinstance(src, str) or (isinstance(src, list) and all(isinstance(line, str) for line in src))):
            return f"cell {i}'s source is not text"
        meta = cell.get("metadata", {})
        if not isinstance(meta, dict):
            return f"cell {i}'s metadata is not a mapping"
        grader = meta.get("nbgrader", {})
        if not isinstance(grader, dict) or not isinstance(grader.get("grade_id", ""), str):
            return f"cell {i}'s nbgrader metadata is malformed"
        if not isinstance(meta.get("tags", []), list) or not all(isinstance(t, str) for t in meta.get("tags", [])):
            return f"cell {i}'s tags are malformed"
    return ""


def as_python(text):
    """Cell source as plain Python: IPython syntax (%magics, !shell) becomes calls to
    get_ipython(), which does not exist where the grader runs it, so such lines fail visibly."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(text)
    except Exception:  # noqa: BLE001 - leave it to the compiler to report
        return text


def definitions_only(text):
    """From a cell the learner added: its imports, functions and classes (not its experiments), each
    as its own snippet, so that one that fails (say `import torch`) does not take the others down."""
    try:  # a pathological cell (deep nesting) must not take the grader down
        tree = ast.parse(as_python(text))
        keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
        return [ast.unparse(node) for node in tree.body if isinstance(node, keep)]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
