"""Sparse and structured outputs (notebook 14): sparsemax and its loss, ListNet, Poly-1.

(Being written: see lossedu/functional/__init__.py for the list.)
"""

__all__ = []
