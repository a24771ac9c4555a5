"""Dense prediction (notebook 10): focal, Dice, Tversky and Lovász losses.

(Being written: see lossedu/functional/__init__.py for the list.)
"""

__all__ = []
