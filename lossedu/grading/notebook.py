"""Reading assignment notebooks: nbgrader cell metadata, solution regions, the cells the grader runs."""

from __future__ import annotations

import ast
import os
import stat
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

# What the grader's own (unsandboxed) process agrees to parse from one submission. A solution cell
# is a few kB and 50 lines; these caps are far above any honest cell but keep IPython's transformer
# and `ast` (about 1 s and tens of MB per 100 kB) from costing minutes and gigabytes.
MAX_CELL_CHARS = 50_000
MAX_CELL_LINES = 2_000
MAX_CODE_CHARS = 200_000  # all the code the grader takes from one submission
MAX_CELLS = 1_000


def read_bytes(path):
    """The submission's bytes, read once (the grader never opens the learner's path again).

    Only a regular file is read (not a symlink, which could point at a solution, nor a FIFO or
    device that would hang the grader), at most MAX_NOTEBOOK_BYTES: the file is opened without
    following a symlink and without blocking, then checked on the open descriptor, so it cannot
    be swapped between the check and the read. ValueError says what is wrong.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except OSError as exc:  # ELOOP: a symlink; EACCES; ENXIO: a socket
        raise ValueError(f"this file cannot be read ({os.strerror(exc.errno) if exc.errno else 'error'}): "
                         f"submit the notebook itself, not a symlink, folder or device") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("this is not a regular file (a symlink, folder or device); submit the notebook itself")
        chunks, size = [], 0
        while size <= MAX_NOTEBOOK_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_NOTEBOOK_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"this file is larger than {MAX_NOTEBOOK_BYTES >> 20} MB; clear its outputs and submit again")
    return b"".join(chunks)


def loads(data):
    """A notebook (dict) from its bytes; ValueError with a readable message if it is not one.
    Its structure is checked so that nothing later trips over a cell that is not a cell."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not a Jupyter notebook (not valid JSON: {exc})") from None
    problem = _structure_problem(nb)
    if problem:
        raise ValueError(f"not a Jupyter notebook ({problem})")
    return nb


def load(path):
    """A notebook as a dict, read once with `read_bytes`; ValueError with a readable message if it is not one."""
    try:
        return loads(read_bytes(path))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def slim(nb):
    """What the grader needs of a notebook, copied: each cell's type, id, source (as one str),
    nbgrader metadata and tags, and the notebook's lossedu metadata. Outputs (most of a notebook's
    bytes) are dropped, so a class of notebooks can be held at once. `nb` must have passed `loads`."""
    cells = [{"cell_type": c["cell_type"], "id": c.get("id") if isinstance(c.get("id"), str) else None,
              "source": source(c), "metadata": {"nbgrader": dict(nbgrader(c)), "tags": tags(c)}}
             for c in nb["cells"]]
    return {"cells": cells, "metadata": {"lossedu": dict(nb.get("metadata", {}).get("lossedu", {}))}}


def too_big(text, language="en"):
    """'' if the grader agrees to parse this cell's code, else why not (a sentence for the learner, in `language`)."""
    from .lang import say

    if len(text) > MAX_CELL_CHARS:
        return say(language, "it has {n} characters (the grader reads at most {most} per cell)", n=len(text),
                   most=MAX_CELL_CHARS)
    lines = text.count("\n") + 1
    if lines > MAX_CELL_LINES:
        return say(language, "it has {n} lines (the grader reads at most {most} per cell)", n=lines, most=MAX_CELL_LINES)
    return ""


def _structure_problem(nb):
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return "no list of cells"
    if not isinstance(nb.get("metadata", {}), dict):
        return "its metadata is not a mapping"
    lossedu = nb.get("metadata", {}).get("lossedu", {})
    if not isinstance(lossedu, dict) or not isinstance(lossedu.get("assignment", ""), str):
        return "its lossedu metadata is malformed"
    if len(nb["cells"]) > MAX_CELLS:
        return f"{len(nb['cells'])} cells; the grader reads notebooks of at most {MAX_CELLS}"
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
    get_ipython(), which does not exist where the grader runs it, so such lines fail visibly.
    Text that already parses as Python is returned as it is (IPython's transformer costs ~5 ms
    per kB). Callers cap the size first (`too_big`)."""
    try:
        ast.parse(text)
        return text
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(text)
    except Exception:  # noqa: BLE001 - leave it to the compiler to report
        return text


def _top_level(text):
    """The module-level statements of a cell, or [] if it does not parse (or is too big to parse)."""
    if too_big(text):
        return []
    try:  # a pathological cell (deep nesting) must not take the grader down
        return ast.parse(as_python(text)).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []


def definitions_only(text):
    """From a cell the learner added: its imports, functions and classes (not its experiments), each
    as its own snippet, so that one that fails (say `import torch`) does not take the others down."""
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    try:
        return [ast.unparse(node) for node in _top_level(text) if isinstance(node, keep)]
    except (ValueError, RecursionError, MemoryError):
        return []


def defined_names(text):
    """The names of the functions and classes a cell defines at its top level."""
    return {node.name for node in _top_level(text) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
