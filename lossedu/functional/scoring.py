"""Quantiles and proper scoring rules (notebook 12): pinball, CRPS, log-cosh, Brier.

(Being written: see lossedu/functional/__init__.py for the list.)
"""

__all__ = []
