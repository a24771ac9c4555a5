"""Show the package's own code in a notebook, so a lecture never holds a second copy.

    show_source(LF.huber_loss, LF.huber_loss_backward)   # last line of a cell

renders the current source of those functions as a highlighted Python code block. When the
package changes, the notebook shows the change: there is nothing to keep in step.
"""
from __future__ import annotations

import inspect
import os

from IPython.display import Markdown

__all__ = ["source", "show_source"]


def source(fn):
    """The source text of one function or class, headed by a comment saying where it lives.

    Wrappers made with functools.wraps (such as `lossedu.as_torch(...)`) are unwrapped, as
    `inspect.getsource` does, so the shown code is the function that does the work.
    """
    lines, first = inspect.getsourcelines(fn)
    path = inspect.getsourcefile(inspect.unwrap(fn))
    # A path relative to the package's parent reads as "lossedu/functional/regression.py".
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    where = os.path.relpath(path, package_root) if path else "?"
    return f"# {where}, line {first}\n" + "".join(lines)


def show_source(*fns):
    """A Markdown code block of the sources of `fns`, for display in Jupyter.

    Returns an `IPython.display.Markdown` object: make it the last expression of a cell (or pass
    it to `display`). Its `.data` is the Markdown text, which is what tests look at.
    """
    if not fns:
        raise TypeError("show_source needs at least one function")
    blocks = "\n\n".join(source(fn).rstrip("\n") for fn in fns)
    return Markdown(f"```python\n{blocks}\n```")
