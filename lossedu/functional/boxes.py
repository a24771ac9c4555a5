"""Bounding boxes (notebook 10): the GIoU, DIoU and CIoU losses.

A box is (x1, y1, x2, y2), its corners on the last axis. For a predicted box p and a target box g
let I be the area of their intersection, U = |p| + |g| − I that of their union, and C the
smallest box enclosing both (its area |C|, its squared diagonal c²). Plain IoU = I / U has a flat
zero gradient as soon as the boxes do not overlap: these three losses add a term that still pulls.

    generalized_box_iou_loss   ℓ = 1 − I/(U + ε) + (|C| − U)/(|C| + ε)                 (GIoU)
    distance_box_iou_loss      ℓ = 1 − I/(U + ε) + ρ²/(c² + ε)                          (DIoU)
    complete_box_iou_loss      ℓ = DIoU + α·v,  v = 4/π² · (atan(w_g/h_g) − atan(w_p/h_p))²  (CIoU)
                               α = v / (1 − IoU + v + ε), held constant in the gradient

with ρ² the squared distance between the two centres. GIoU's penalty is the share of the
enclosing box that neither box covers; DIoU's is the centre distance in units of C's diagonal;
CIoU adds the mismatch of the aspect ratios.

The gradients are derived by the chain rule, node by node in the order autograd meets them (the
corner maxima and minima, the masked intersection, the quotients): `_inter_union_backward`,
`_enclosing_backward`, `_centres_backward` and `_aspect_backward` each undo one step of the
forward. Each `<name>_backward(grad_output, boxes1, boxes2, reduction, eps)` returns the pair
(∂/∂boxes1, ∂/∂boxes2).

Reference (the home, followed exactly): torchvision.ops.generalized_box_iou_loss,
distance_box_iou_loss, complete_box_iou_loss (torchvision 0.28; `_loss_inter_union` and
`_diou_iou_loss`). Rezatofighi et al., "Generalized Intersection over Union" (CVPR 2019);
Zheng et al., "Distance-IoU Loss" (AAAI 2020).

Matching torchvision at the edges
---------------------------------
- Degenerate boxes are not refused (torchvision's docs ask for x1 < x2, its code checks
  nothing): a box with x2 < x1 has a negative width and a negative "area", and the formulas run on.
  The intersection is only computed where it is positive, ``(ykis2 > ykis1) & (xkis2 > xkis1)``
  (a masked assignment), so disjoint or touching boxes have I = 0 exactly and no gradient through
  I. CIoU divides by the heights: a box with h = 0 has atan(±inf) = ±π/2, and w = h = 0 gives nan,
  as in torchvision.
- Ties: the corners go through torch.max/torch.min of two tensors, whose gradient splits ½/½ when
  the two coordinates are equal (and goes whole to both where one is nan). `_max_backward` and
  `_min_backward` do the same.
- CIoU's α is computed under ``torch.no_grad()``: its gradient is α·∂v, not ∂(α·v). And
  torchvision's CIoU calls ``_diou_iou_loss(boxes1, boxes2)`` without passing `eps` on: the IoU and
  the diagonal inside CIoU always use ε = 1e-7, and the caller's `eps` only enters α. So does ours.
- 'mean' of no boxes is 0 (torchvision returns ``0.0 * loss.sum()``), not nan; 'sum' is 0 too.
- Dtypes: float32 and float64 are kept; every other dtype (integers, bool, float16) is first
  converted to float32 (torchvision's ``_upcast_non_float``). The gradient of a float16 array
  comes back in float16, as autograd casts it; an integer array gets its float32 gradient (torch
  cannot differentiate one). The intersection is written into an array of boxes1's dtype, so
  torchvision refuses a boxes2 wider than boxes1 (float32 boxes1, float64 boxes2: "Index put
  requires the source and destination dtypes match"), and so do we; a float64 boxes1 with a
  float32 boxes2 is computed in float64.
- Shapes: any leading batch shape, (4,) gives a 0-d loss. torchvision broadcasts boxes2 to boxes1
  but not the other way (its zeros of boxes1's shape cannot take a larger mask), so boxes2 may
  broadcast to boxes1's shape and nothing else is accepted; boxes2's gradient is summed back.
- `reduction` other than 'none', 'mean', 'sum' is refused (torchvision raises ValueError too,
  'elementwise_mean' included).
"""
from __future__ import annotations

import math

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    check_reduction,
    check_scalar,
    ieee,
    reduction_backward,
    sum_to_shape,
)

__all__ = [
    "generalized_box_iou_loss",
    "generalized_box_iou_loss_backward",
    "distance_box_iou_loss",
    "distance_box_iou_loss_backward",
    "complete_box_iou_loss",
    "complete_box_iou_loss_backward",
]

# torchvision's CIoU calls _diou_iou_loss without its eps: the IoU and the diagonal use the default.
_DIOU_DEFAULT_EPS = 1e-7
# v = 4/π² (Δ atan)²: the factor that makes v run from 0 to 1.
_ASPECT = 4 / (math.pi**2)


# ============================================================================= the preamble
def _as_boxes(boxes, name):
    """`boxes` as a float32/float64 array of shape (..., 4) (torchvision's `_upcast_non_float`)."""
    b = as_float_array(boxes, name, allow_int=True)  # integers and bool become float32
    if b.dtype not in (np.float32, np.float64):
        b = b.astype(np.float32)  # float16 too: torchvision computes it in float32
    if b.ndim == 0 or b.shape[-1] != 4:
        raise ValueError(
            f"{name} must have shape (..., 4), boxes as (x1, y1, x2, y2) on the last axis; got {b.shape}"
        )
    return b


def _prepare(boxes1, boxes2, reduction, eps):
    """Checks in torchvision's terms; returns (p, q, reduction, eps): p, q the 4 corner arrays each."""
    b1, b2 = _as_boxes(boxes1, "boxes1"), _as_boxes(boxes2, "boxes2")
    if np.result_type(b1, b2) != b1.dtype:
        raise TypeError(
            f"boxes2 ({b2.dtype}) must not be wider than boxes1 ({b1.dtype}): torchvision writes the "
            "intersection into an array of boxes1's dtype and refuses the mix; convert one of them"
        )
    try:
        shape = np.broadcast_shapes(b1.shape, b2.shape)
    except ValueError:
        shape = None
    if shape != b1.shape:
        raise ValueError(
            f"boxes2 {b2.shape} must have boxes1's shape {b1.shape} (or broadcast to it), "
            "one target box per predicted box"
        )
    reduction = check_reduction(reduction, elementwise_mean=False)
    eps = float(check_scalar(eps, "eps"))
    return _corners(b1), _corners(b2), reduction, eps


def _corners(boxes):
    """x1, y1, x2, y2: the last axis unbound (views, no copy)."""
    return tuple(boxes[..., k] for k in range(4))


def _reduce(loss, reduction):
    """torchvision's reduction: 'mean' of no boxes is 0.0 · Σℓ = 0, not nan."""
    if reduction == "mean" and loss.size == 0:
        return np.zeros((), loss.dtype)
    return apply_reduction(loss, reduction)


def _upstream(grad_output, p, q, reduction):
    """∂S/∂ℓ for every pair of boxes (the gradient of the reduction), in the computation's dtype."""
    shape = np.broadcast_shapes(p[0].shape, q[0].shape)
    return reduction_backward(grad_output, shape, reduction, p[0].dtype)


def _box_grads(dp, dq, boxes1, boxes2):
    """The 8 corner gradients stacked back into (…, 4) arrays, each in its argument's shape and
    dtype (a float16 argument gets a float16 gradient, an integer one its float32 gradient)."""
    out = []
    for d, boxes in ((dp, boxes1), (dq, boxes2)):
        b = np.asarray(boxes)
        shape = np.broadcast_shapes(*(x.shape for x in d))
        g = np.stack([np.broadcast_to(x, shape) for x in d], axis=-1)
        g = sum_to_shape(g, b.shape)
        out.append(g.astype(b.dtype, copy=False) if b.dtype.kind == "f" else g)
    return tuple(out)


# ============================================================================= the geometry
# Each step of the forward, then the step of the chain rule that undoes it.
def _overlap(p, q):
    """The intersection's width and height, and where the boxes overlap (both strictly positive)."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    # the intersection's corners: the inner of each pair
    xk1, yk1 = np.maximum(x1, x1g), np.maximum(y1, y1g)
    xk2, yk2 = np.minimum(x2, x2g), np.minimum(y2, y2g)
    return xk2 - xk1, yk2 - yk1, (yk2 > yk1) & (xk2 > xk1)


def _inter_union(p, q):
    """I and U of boxes p and q (torchvision's `_loss_inter_union`)."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    w, h, overlap = _overlap(p, q)
    inter = np.where(overlap, w * h, 0)  # 0 where the boxes do not overlap (torchvision's mask)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union


def _max_backward(g, a, b):
    """Gradient of max(a, b): all of g to the larger, g/2 to each on a tie (torch.maximum's rule)."""
    tie = np.where(a == b, g / 2, g)
    return np.where(a < b, 0, tie), np.where(a > b, 0, tie)


def _min_backward(g, a, b):
    """Gradient of min(a, b): all of g to the smaller, g/2 to each on a tie."""
    tie = np.where(a == b, g / 2, g)
    return np.where(a > b, 0, tie), np.where(a < b, 0, tie)


def _inter_union_backward(g_inter, g_union, p, q):
    """(∂p, ∂q) — 4 corner gradients each — from ∂I and ∂U."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    # U = w·h + w_g·h_g − I
    g_inter = g_inter - g_union
    g_x1, g_y1 = -g_union * (y2 - y1), -g_union * (x2 - x1)
    g_x2, g_y2 = -g_x1, -g_y1
    g_x1g, g_y1g = -g_union * (y2g - y1g), -g_union * (x2g - x1g)
    g_x2g, g_y2g = -g_x1g, -g_y1g
    # I = (xk2 − xk1)(yk2 − yk1) only where the boxes overlap: elsewhere I is a constant 0
    w, h, overlap = _overlap(p, q)
    g_w = np.where(overlap, g_inter * h, 0)
    g_h = np.where(overlap, g_inter * w, 0)
    # the intersection's corners came from max (left, top) and min (right, bottom)
    a, b = _max_backward(-g_w, x1, x1g)
    g_x1, g_x1g = g_x1 + a, g_x1g + b
    a, b = _max_backward(-g_h, y1, y1g)
    g_y1, g_y1g = g_y1 + a, g_y1g + b
    a, b = _min_backward(g_w, x2, x2g)
    g_x2, g_x2g = g_x2 + a, g_x2g + b
    a, b = _min_backward(g_h, y2, y2g)
    g_y2, g_y2g = g_y2 + a, g_y2g + b
    return [g_x1, g_y1, g_x2, g_y2], [g_x1g, g_y1g, g_x2g, g_y2g]


def _enclosing(p, q):
    """Width and height of C, the smallest box enclosing p and q."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    return np.maximum(x2, x2g) - np.minimum(x1, x1g), np.maximum(y2, y2g) - np.minimum(y1, y1g)


def _enclosing_backward(g_cw, g_ch, p, q):
    """(∂p, ∂q) from ∂(C's width) and ∂(C's height)."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    g_x1, g_x1g = _min_backward(-g_cw, x1, x1g)
    g_y1, g_y1g = _min_backward(-g_ch, y1, y1g)
    g_x2, g_x2g = _max_backward(g_cw, x2, x2g)
    g_y2, g_y2g = _max_backward(g_ch, y2, y2g)
    return [g_x1, g_y1, g_x2, g_y2], [g_x1g, g_y1g, g_x2g, g_y2g]


def _centres(p, q):
    """The offsets (dx, dy) between the centres of p and q."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    return (x2 + x1) / 2 - (x1g + x2g) / 2, (y2 + y1) / 2 - (y1g + y2g) / 2


def _centres_backward(g_dx, g_dy):
    """(∂p, ∂q) from ∂dx and ∂dy: each corner moves its centre by half its own move."""
    hx, hy = g_dx / 2, g_dy / 2
    return [hx, hy, hx, hy], [-hx, -hy, -hx, -hy]


def _add(*grads):
    """Corner-wise sum of several (∂p, ∂q) pairs."""
    return tuple([sum(parts) for parts in zip(*side)] for side in zip(*grads))


def _quotient_backward(g, num, den):
    """∂(num/den): g/den and −g·(num/den)/den (autograd's division, in its order)."""
    return g / den, -g * ((num / den) / den)


# ============================================================================= GIoU
def _giou(p, q, eps):
    """1 − ℓ: IoU minus the empty share of the enclosing box."""
    inter, union = _inter_union(p, q)
    iou = inter / (union + eps)
    cw, ch = _enclosing(p, q)
    area_c = cw * ch
    return iou - (area_c - union) / (area_c + eps)


@ieee()
def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """GIoU loss: ℓ = 1 − I/(U + ε) + (|C| − U)/(|C| + ε), one value per pair of boxes.

    Disjoint boxes have IoU = 0 whatever their distance; the second term, the part of the
    enclosing box C that the union leaves empty, still shrinks as they approach. ℓ ∈ [0, 2).
    Home: torchvision.ops.generalized_box_iou_loss (boxes (…, 4) as x1, y1, x2, y2).
    """
    p, q, reduction, eps = _prepare(boxes1, boxes2, reduction, eps)
    return _reduce(1 - _giou(p, q, eps), reduction)


@ieee()
def generalized_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction="none", eps=1e-7):
    """(∂ℓ/∂boxes1, ∂ℓ/∂boxes2) of the GIoU loss.

    With IoU = I/(U + ε) and the penalty P = (|C| − U)/(|C| + ε), ℓ = 1 − IoU + P:
    ∂ℓ/∂I = −1/(U + ε);  ∂ℓ/∂U = I/(U + ε)² − 1/(|C| + ε);  ∂ℓ/∂|C| = (U + ε)/(|C| + ε)²,
    then through |C| = w_C·h_C, U = |p| + |g| − I and the corners' max/min to each coordinate.
    """
    p, q, reduction, eps = _prepare(boxes1, boxes2, reduction, eps)
    g = _upstream(grad_output, p, q, reduction)
    inter, union = _inter_union(p, q)
    cw, ch = _enclosing(p, q)
    area_c = cw * ch
    # ℓ = 1 − I/(U + ε) + (|C| − U)/(|C| + ε)
    g_inter, g_union = _quotient_backward(-g, inter, union + eps)
    g_num, g_den = _quotient_backward(g, area_c - union, area_c + eps)
    g_area = g_num + g_den
    g_union = g_union - g_num
    grads = _add(
        _inter_union_backward(g_inter, g_union, p, q),
        _enclosing_backward(g_area * ch, g_area * cw, p, q),
    )
    return _box_grads(*grads, boxes1, boxes2)


# ============================================================================= DIoU
def _diou(p, q, eps):
    """ℓ_DIoU = 1 − IoU + ρ²/(c² + ε), and IoU (torchvision's `_diou_iou_loss`)."""
    inter, union = _inter_union(p, q)
    iou = inter / (union + eps)
    cw, ch = _enclosing(p, q)
    diagonal = cw**2 + ch**2 + eps
    dx, dy = _centres(p, q)
    distance = dx**2 + dy**2
    return 1 - iou + distance / diagonal, iou


def _diou_backward(g, p, q, eps):
    """(∂p, ∂q) of ℓ_DIoU for upstream g:
    ∂ℓ/∂I = −1/(U + ε), ∂ℓ/∂U = I/(U + ε)², ∂ℓ/∂ρ² = 1/(c² + ε), ∂ℓ/∂c² = −ρ²/(c² + ε)²."""
    inter, union = _inter_union(p, q)
    cw, ch = _enclosing(p, q)
    diagonal = cw**2 + ch**2 + eps
    dx, dy = _centres(p, q)
    distance = dx**2 + dy**2
    g_inter, g_union = _quotient_backward(-g, inter, union + eps)
    g_dist, g_diag = _quotient_backward(g, distance, diagonal)
    return _add(
        _inter_union_backward(g_inter, g_union, p, q),
        _enclosing_backward(g_diag * (2 * cw), g_diag * (2 * ch), p, q),
        _centres_backward(g_dist * (2 * dx), g_dist * (2 * dy)),
    )


@ieee()
def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """DIoU loss: ℓ = 1 − I/(U + ε) + ρ²/(c² + ε), one value per pair of boxes.

    ρ is the distance between the boxes' centres and c the diagonal of the enclosing box: the
    penalty pulls the centres together directly, which converges faster than GIoU's area term.
    Home: torchvision.ops.distance_box_iou_loss.
    """
    p, q, reduction, eps = _prepare(boxes1, boxes2, reduction, eps)
    return _reduce(_diou(p, q, eps)[0], reduction)


@ieee()
def distance_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction="none", eps=1e-7):
    """(∂ℓ/∂boxes1, ∂ℓ/∂boxes2) of the DIoU loss (see `_diou_backward` for the partials)."""
    p, q, reduction, eps = _prepare(boxes1, boxes2, reduction, eps)
    g = _upstream(grad_output, p, q, reduction)
    return _box_grads(*_diou_backward(g, p, q, eps), boxes1, boxes2)


# ============================================================================= CIoU
def _aspect(p, q):
    """v = 4/π² · (atan(w_g/h_g) − atan(w_p/h_p))² and the angle difference inside it."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = q
    angle = np.arctan((x2g - x1g) / (y2g - y1g)) - np.arctan((x2 - x1) / (y2 - y1))
    return _ASPECT * angle**2, angle


def _aspect_backward(g_v, p, q):
    """(∂p, ∂q) from ∂v: ∂v/∂angle = 8/π²·angle, ∂atan(r)/∂r = 1/(1 + r²), r = w/h."""
    _, angle = _aspect(p, q)
    g_angle = (g_v * _ASPECT) * (2 * angle)
    grads = []
    for g_atan, (a1, b1, a2, b2) in ((-g_angle, p), (g_angle, q)):
        w, h = a2 - a1, b2 - b1
        r = w / h
        g_w, g_h = _quotient_backward(g_atan / (r * r + 1), w, h)
        grads.append([-g_w, -g_h, g_w, g_h])
    return tuple(grads)


def _alpha(iou, v, eps):
    """CIoU's trade-off α = v/(1 − IoU + v + ε): a weight, not differentiated (torch.no_grad)."""
    return v / (1 - iou + v + eps)


@ieee()
def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """CIoU loss: ℓ = 1 − IoU + ρ²/(c² + ε) + α·v, one value per pair of boxes.

    DIoU plus the mismatch of the aspect ratios, v = 4/π² (atan(w_g/h_g) − atan(w_p/h_p))²,
    weighted by α = v/(1 − IoU + v + ε), which grows as the boxes come to overlap.
    boxes1 are the predictions (w_p, h_p), boxes2 the targets (w_g, h_g).
    Home: torchvision.ops.complete_box_iou_loss — its IoU and diagonal use ε = 1e-7 whatever
    `eps` is (it does not pass eps on); `eps` enters α only.
    """
    p, q, reduction, eps = _prepare(boxes1, boxes2, reduction, eps)
    diou, iou = _diou(p, q, _DIOU_DEFAULT_EPS)
    v, _ = _aspect(p, q)
    return _reduce(diou + _alpha(iou, v, eps) * v, reduction)


@ieee()
def complete_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction="none", eps=1e-7):
    """(∂ℓ/∂boxes1, ∂ℓ/∂boxes2) of the CIoU loss: DIoU's gradient plus α·∂v, α held constant."""
    p, q, reduction, eps = _prepare(boxes1, boxes2, reduction, eps)
    g = _upstream(grad_output, p, q, reduction)
    _, iou = _diou(p, q, _DIOU_DEFAULT_EPS)
    v, _ = _aspect(p, q)
    grads = _add(_diou_backward(g, p, q, _DIOU_DEFAULT_EPS), _aspect_backward(g * _alpha(iou, v, eps), p, q))
    return _box_grads(*grads, boxes1, boxes2)
