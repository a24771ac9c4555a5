"""Learning from preferences (notebook 13): Bradley-Terry, DPO, SimPO, ORPO, KTO.

(Being written: see lossedu/functional/__init__.py for the list.)
"""

__all__ = []
