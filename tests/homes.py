"""The homes that cannot be installed beside torch 2.13.0, transcribed into torch: their formulas line for
line, differentiated by autograd. One copy serves the tests (the reference where the home itself is absent)
and the bench (`benchmarks/bench.py` times lossedu against them).

* torchvision 0.28: `sigmoid_focal_loss`, `generalized_box_iou_loss`, `distance_box_iou_loss`,
  `complete_box_iou_loss` (its compiled ops do not load beside this torch; checked once against the real
  0.28 files);
* the CLIP paper's Figure 3 (`clip_reference`);
* optax: `ranking_softmax_loss`, `poly_loss_cross_entropy`;
* TRL 0.28: the reward model's loss, `DPOTrainer.dpo_loss`, `CPOTrainer.cpo_loss` ("simpo"),
  `ORPOTrainer.odds_ratio_loss` (negated: the term minimised), `KTOTrainer.kto_loss`.

Notebook 12's homes (scikit-learn, properscoring, optax's log_cosh) are in lossedu.lessons.scoring, which the
notebook shows.
"""
import math

import torch
import torch.nn.functional as F


# ============================================================================= torchvision
def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss's formula (torchvision ≥ 0.15: a bad reduction raises), in torch."""
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction != "none":
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction}'")
    return loss


def _upcast_non_float(t):
    return t if t.dtype in (torch.float32, torch.float64) else t.float()


def _loss_inter_union(boxes1, boxes2):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1, ykis1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xkis2, ykis2 = torch.min(x2, x2g), torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def _torchvision_reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction}'")


def tv_giou(boxes1, boxes2, reduction="none", eps=1e-7):
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    intsctk, unionk = _loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return _torchvision_reduce(1 - miouk, reduction)


def _diou_iou_loss(boxes1, boxes2, eps=1e-7):
    intsct, union = _loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    x_p, y_p = (x2 + x1) / 2, (y2 + y1) / 2
    x_g, y_g = (x1g + x2g) / 2, (y1g + y2g) / 2
    centers_distance_squared = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
    return 1 - iou + (centers_distance_squared / diagonal_distance_squared), iou


def tv_diou(boxes1, boxes2, reduction="none", eps=1e-7):
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    loss, _ = _diou_iou_loss(boxes1, boxes2, eps)
    return _torchvision_reduce(loss, reduction)


def tv_ciou(boxes1, boxes2, reduction="none", eps=1e-7):
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)  # torchvision passes no eps here
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    w_pred, h_pred = x2 - x1, y2 - y1
    w_gt, h_gt = x2g - x1g, y2g - y1g
    v = (4 / (torch.pi**2)) * torch.pow((torch.atan(w_gt / h_gt) - torch.atan(w_pred / h_pred)), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return _torchvision_reduce(diou_loss + alpha * v, reduction)


# ============================================================================= CLIP
def clip_reference(image_embeddings, text_embeddings, logit_scale):
    """The CLIP paper's Figure 3 in torch: normalise the rows, logits = e^t·I·Tᵀ, symmetric CE."""
    img, txt = F.normalize(image_embeddings, dim=1), F.normalize(text_embeddings, dim=1)
    scale = torch.exp(logit_scale) if isinstance(logit_scale, torch.Tensor) else math.exp(logit_scale)
    logits = scale * img @ txt.T
    target = torch.arange(len(img))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


# ============================================================================= optax
def optax_ranking_softmax_loss(scores, relevance):
    """optax ranking_softmax_loss: labels cast to the logits' dtype, −Σ labels·log_softmax over the
    last axis, then jnp.mean over the lists; `_safe_reduce` turns a nan mean into 0 when the
    per-list losses hold no nan."""
    per_list = -(relevance.to(scores.dtype) * torch.log_softmax(scores, dim=-1)).sum(-1)
    mean = per_list.mean()
    return torch.where(mean.isnan() & ~per_list.isnan().any(), torch.zeros_like(mean), mean)


def optax_poly_loss_cross_entropy(input, target, epsilon=1.0):
    """optax poly_loss_cross_entropy (axis=-1, where=None): CE + ε·Σ labels·(1 − softmax)."""
    one_minus_pt = (target * (1 - torch.softmax(input, dim=-1))).sum(-1)
    return -(target * torch.log_softmax(input, dim=-1)).sum(-1) + epsilon * one_minus_pt


# ============================================================================= TRL 0.28
def _trl_reduce(losses, reduction):
    return {"none": lambda x: x, "mean": torch.mean, "sum": torch.sum}[reduction](losses)


def trl_reward(chosen_rewards, rejected_rewards, margin=None, reduction="mean"):
    z = chosen_rewards - rejected_rewards if margin is None else chosen_rewards - rejected_rewards - margin
    return _trl_reduce(-F.logsigmoid(z), reduction)


def trl_dpo(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta=0.1, label_smoothing=0.0,
            loss_type="sigmoid", reduction="mean"):
    logits = (chosen_logps - rejected_logps) - (ref_chosen_logps - ref_rejected_logps)
    if loss_type == "sigmoid":
        losses = (-F.logsigmoid(beta * logits) * (1 - label_smoothing)
                  - F.logsigmoid(-beta * logits) * label_smoothing)
    elif loss_type == "hinge":
        losses = torch.relu(1 - beta * logits)
    else:
        losses = (logits - 1 / (2 * beta)) ** 2
    return _trl_reduce(losses, reduction)


def trl_simpo(policy_chosen_logps, policy_rejected_logps, beta=0.1, simpo_gamma=0.5, label_smoothing=0.0,
              reduction="mean"):
    logits = (policy_chosen_logps - policy_rejected_logps) - simpo_gamma / beta
    losses = -F.logsigmoid(beta * logits) * (1 - label_smoothing) - F.logsigmoid(-beta * logits) * label_smoothing
    return _trl_reduce(losses, reduction)


def trl_orpo(policy_chosen_logps, policy_rejected_logps, beta=0.1, reduction="mean"):
    log_odds = (policy_chosen_logps - policy_rejected_logps) - (
        torch.log1p(-torch.exp(policy_chosen_logps)) - torch.log1p(-torch.exp(policy_rejected_logps)))
    return _trl_reduce(-(beta * F.logsigmoid(log_odds)), reduction)  # TRL returns β·logsigmoid: we negate it


def trl_kto(policy_chosen_logps, policy_rejected_logps, policy_KL_logps, reference_chosen_logps,
            reference_rejected_logps, reference_KL_logps, beta=0.1, desirable_weight=1.0, undesirable_weight=1.0,
            loss_type="kto", reduction="mean"):
    if loss_type == "kto":
        kl = (policy_KL_logps - reference_KL_logps).mean().detach().clamp(min=0)
        chosen = 1 - torch.sigmoid(beta * ((policy_chosen_logps - reference_chosen_logps) - kl))
        rejected = 1 - torch.sigmoid(beta * (kl - (policy_rejected_logps - reference_rejected_logps)))
    else:
        chosen = 1 - torch.sigmoid(beta * (policy_chosen_logps - reference_chosen_logps))
        rejected = torch.sigmoid(beta * (policy_rejected_logps - reference_rejected_logps))
    losses = torch.cat((desirable_weight * chosen, undesirable_weight * rejected), 0)
    return losses.nanmean() if reduction == "mean" else _trl_reduce(losses, reduction)
