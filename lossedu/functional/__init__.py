"""Every loss of `torch.nn.functional`, in numpy, with its hand-derived gradient.

`lossedu.functional.<name>` has torch's signature and semantics; `<name>_backward(grad_output,
<the same arguments>)` returns the gradient of what `GRADIENT_OF[name]` lists (one array, or a
tuple in argument order). One module per family:

    regression      l1_loss, mse_loss, smooth_l1_loss, huber_loss
    likelihood      poisson_nll_loss, gaussian_nll_loss
    classification  nll_loss, cross_entropy
    divergence      kl_div
    binary          binary_cross_entropy, binary_cross_entropy_with_logits,
                    soft_margin_loss, multilabel_soft_margin_loss
    margin          hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss
    embedding       margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss,
                    triplet_margin_with_distance_loss (and pairwise_distance)
    ctc             ctc_loss
"""
from .regression import *  # noqa: F401,F403
from .likelihood import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .divergence import *  # noqa: F401,F403
from .binary import *  # noqa: F401,F403
from .margin import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403

#: For each loss, the arguments its `_backward` differentiates, in the order it returns them.
GRADIENT_OF = {
    "l1_loss": ("input",),
    "mse_loss": ("input",),
    "smooth_l1_loss": ("input",),
    "huber_loss": ("input",),
    "nll_loss": ("input",),
    "cross_entropy": ("input",),
    "poisson_nll_loss": ("input",),
    "gaussian_nll_loss": ("input", "var"),
    "kl_div": ("input",),
    "binary_cross_entropy": ("input",),
    "binary_cross_entropy_with_logits": ("input",),
    "hinge_embedding_loss": ("input",),
    "multilabel_margin_loss": ("input",),
    "soft_margin_loss": ("input",),
    "multilabel_soft_margin_loss": ("input",),
    "cosine_embedding_loss": ("input1", "input2"),
    "margin_ranking_loss": ("input1", "input2"),
    "multi_margin_loss": ("input",),
    "triplet_margin_loss": ("anchor", "positive", "negative"),
    "triplet_margin_with_distance_loss": ("anchor", "positive", "negative"),
    "ctc_loss": ("log_probs",),
}

LOSSES = tuple(GRADIENT_OF)
