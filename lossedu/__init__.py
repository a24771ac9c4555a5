"""lossedu: every machine-learning loss from first principles.

    import lossedu.functional as LF        # numpy losses, torch's names and signatures
    LF.mse_loss(x, y)                      # forward
    LF.mse_loss_backward(1.0, x, y)        # hand-derived gradient of the input
    lossedu.as_torch(LF.mse_loss)          # the same, as a torch autograd function
"""
from . import functional
from .bridge import as_torch
from .i18n import language, set_language

__all__ = ["functional", "as_torch", "set_language", "language"]
