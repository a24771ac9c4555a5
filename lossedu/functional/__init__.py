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

Part II, the losses torch.nn does not ship (notebooks 10-14). Each follows one public "home"
implementation (its name, signature, defaults and edge rules) named in its docstring:

    dense           sigmoid_focal_loss, focal_loss, dice_loss, tversky_loss,
                    lovasz_hinge_loss, lovasz_softmax_loss
    boxes           generalized_box_iou_loss, distance_box_iou_loss, complete_box_iou_loss
    contrastive     nt_xent_loss, clip_loss, supcon_loss, contrastive_loss, arcface_loss, cosface_loss
    scoring         pinball_loss, crps_gaussian, crps_ensemble, log_cosh_loss, brier_score
    preference      bradley_terry_loss, dpo_loss, simpo_loss, orpo_loss, kto_loss
    sparse          sparsemax, sparsemax_loss, listnet_loss, poly1_cross_entropy
"""
from .regression import *  # noqa: F401,F403
from .likelihood import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .divergence import *  # noqa: F401,F403
from .binary import *  # noqa: F401,F403
from .margin import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .boxes import *  # noqa: F401,F403
from .contrastive import *  # noqa: F401,F403
from .scoring import *  # noqa: F401,F403
from .preference import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403

#: Part I, the 21 losses of torch.nn.functional: for each, the arguments its `_backward`
#: differentiates, in the order it returns them.
TORCH_GRADIENT_OF = {
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

#: Part II, the losses torch.nn does not ship: the same table.
PART_II_GRADIENT_OF = {
    # dense.py (notebook 10)
    "sigmoid_focal_loss": ("inputs",),
    "focal_loss": ("input",),
    "dice_loss": ("input",),
    "tversky_loss": ("input",),
    "lovasz_hinge_loss": ("input",),
    "lovasz_softmax_loss": ("input",),
    # boxes.py (notebook 10)
    "generalized_box_iou_loss": ("boxes1", "boxes2"),
    "distance_box_iou_loss": ("boxes1", "boxes2"),
    "complete_box_iou_loss": ("boxes1", "boxes2"),
    # contrastive.py (notebook 11)
    "nt_xent_loss": ("embeddings",),
    "clip_loss": ("image_embeddings", "text_embeddings", "logit_scale"),
    "supcon_loss": ("embeddings",),
    "contrastive_loss": ("embeddings",),
    "arcface_loss": ("embeddings", "weight"),
    "cosface_loss": ("embeddings", "weight"),
    # scoring.py (notebook 12)
    "pinball_loss": ("input",),
    "crps_gaussian": ("mu", "sigma"),
    "crps_ensemble": ("ensemble",),
    "log_cosh_loss": ("input",),
    "brier_score": ("input",),
    # preference.py (notebook 13)
    "bradley_terry_loss": ("chosen_rewards", "rejected_rewards"),
    "dpo_loss": ("chosen_logps", "rejected_logps"),
    "simpo_loss": ("policy_chosen_logps", "policy_rejected_logps"),
    "orpo_loss": ("policy_chosen_logps", "policy_rejected_logps"),
    "kto_loss": ("policy_chosen_logps", "policy_rejected_logps"),
    # sparse.py (notebook 14)
    "sparsemax": ("input",),
    "sparsemax_loss": ("input",),
    "listnet_loss": ("scores",),
    "poly1_cross_entropy": ("input",),
}

#: Every loss of the package (what `as_torch` and the grader read).
GRADIENT_OF = {**TORCH_GRADIENT_OF, **PART_II_GRADIENT_OF}
LOSSES = tuple(GRADIENT_OF)
TORCH_LOSSES = tuple(TORCH_GRADIENT_OF)
PART_II_LOSSES = tuple(PART_II_GRADIENT_OF)
