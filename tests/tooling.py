"""Helpers shared by tests: load a script of tools/ as a module (tools/ holds scripts, not a package), and
read a rendered HTML page as text."""
import html
import importlib.util
import re
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(name):
    """tools/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def html_text(markup):
    """A page's text as a reader sees it (tags dropped, entities decoded): highlighted code is split into
    a tag per token, so a line of code is only whole in the text, never in the HTML."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))
