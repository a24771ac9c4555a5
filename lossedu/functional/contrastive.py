"""Contrastive and metric learning (notebook 11): NT-Xent, CLIP, SupCon, contrastive, ArcFace, CosFace.

(Being written: see lossedu/functional/__init__.py for the list.)
"""

__all__ = []
