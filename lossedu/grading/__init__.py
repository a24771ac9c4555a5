"""Autograded assignments: public checks (`check`), the sandboxed grader (`lossedu grade`) and the
exercise generator (`lossedu assign`). See the README's section for teachers."""

from .check import check

__all__ = ["check"]
