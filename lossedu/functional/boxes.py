"""Bounding boxes (notebook 10): the GIoU, DIoU and CIoU losses.

(Being written: see lossedu/functional/__init__.py for the list.)
"""

__all__ = []
