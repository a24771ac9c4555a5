"""Kullback–Leibler divergence: how far a model distribution Q is from a target distribution P.

    KL(P‖Q) = Σ_c P(c)·(log P(c) − log Q(c))

torch's argument order is the reverse of the notation: `input` is log Q (the model's
log-probabilities, e.g. a log_softmax) and `target` is P, or log P when `log_target=True`.
Elementwise, with x = input and t = target:

    log_target=False:  ℓ = t·log t − t·x        (t·log t = xlogy(t, t): exactly 0 at t = 0, nan for t < 0)
    log_target=True:   ℓ = exp(t)·(t − x)       (passing log P avoids log(0) for tiny probabilities)

Summing ℓ over the classes of one sample gives that sample's KL(P‖Q). So the mathematical KL of a
batch is Σℓ / batch size, which is reduction='batchmean' (Σℓ / input.shape[0]). The default 'mean'
also divides by the number of classes; torch warns about it on every call.

Forward vs reverse KL. Minimising KL(P‖Q) over Q (what this loss does, with P the data or a
teacher) is "mean-seeking": Q is pushed to put mass wherever P has mass, since any c with P(c) > 0
and Q(c) → 0 costs P(c)·(−log Q(c)) → ∞. The reverse KL(Q‖P) is "mode-seeking": Q may ignore parts
of P but is punished for mass where P has little. To get the reverse KL with this function, swap
the roles: input = log P, target = Q (and Q must then carry the gradient).

The term t·log t does not depend on the input, so ∂ℓ/∂input = −t (or −exp(t)): minimising KL(P‖Q)
over Q is minimising the cross-entropy −Σ P·log Q.

Matching torch at the edges: y·log y is torch's xlogy(y, y) (0 at y = 0, nan below 0); a
float16 'sum' or 'mean' accumulates in float32 (`_core.apply_reduction`) and 'batchmean' divides
the float16-rounded total afterwards, so a total beyond 65 504 is inf there, as in torch; with a
wider 0-d array beside the other argument, both are computed in the promoted (narrower) dtype.

Reference: torch.nn.functional.kl_div (torch 2.13); Kullback & Leibler, "On Information and
Sufficiency" (1951); Hinton et al., "Distilling the Knowledge in a Neural Network" (2015).
"""
from __future__ import annotations

import warnings

import numpy as np

from ._core import (
    REDUCTIONS,
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_reduction,
    grad_like,
    ieee,
    legacy_reduction,
    reduction_backward,
    result_dtype,
)

__all__ = ["kl_div", "kl_div_backward"]

_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release."
)


def _kl_reduction(size_average, reduce, reduction, *, warn):
    """(the reduction applied to ℓ, whether the result is then divided by the batch size).

    'batchmean' is a 'sum' followed by a division by input.shape[0]. torch compares the string
    'batchmean' after resolving the legacy size_average/reduce pair, so even when that pair
    overrides `reduction`, reduction='batchmean' still divides (we keep that quirk).
    """
    batch = isinstance(reduction, str) and reduction == "batchmean"
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce, reduction), batch
    if warn and isinstance(reduction, str) and reduction == "mean":
        warnings.warn(_MEAN_WARNING, UserWarning, stacklevel=5)  # the caller of kl_div (past @ieee())
    reduction = check_reduction(reduction, REDUCTIONS + ("batchmean",))
    return ("sum" if batch else reduction), batch


def _kl_args(input, target, size_average, reduce, reduction, log_target, *, warn):
    """kl_div's preamble (not shown in the lecture): check and promote the arguments as torch does.

    Returns (x, y, reduction, divisor, log_target, shape, dtype).

    divisor is input.shape[0] for 'batchmean' (None otherwise, and for a 0-d input).
    """
    reduction, batch = _kl_reduction(size_average, reduce, reduction, warn=warn)
    if not isinstance(log_target, (bool, np.bool_)):
        raise TypeError(f"log_target must be a bool, got {log_target!r}")
    x = as_float_array(input, "input")
    t = as_float_array(target, "target")
    dtype = result_dtype(x, t)
    # torch computes in the result dtype: a wider 0-d array does not widen the other.
    x, t = (a.astype(dtype) if a.dtype.itemsize > dtype.itemsize else a for a in (x, t))
    shape = broadcast_shape(("input", x.shape), ("target", t.shape))
    # 'batchmean' divides by input's own size(0), even if target broadcasts it to more rows;
    # a 0-d input has no batch dimension and is not divided.
    divisor = x.shape[0] if batch and x.ndim else None
    return x, t, reduction, divisor, bool(log_target), shape, dtype


def _xlogy_self(y):
    """y·log y with 0·log 0 = 0 (the limit), nan for y < 0 and for nan, as torch.xlogy(y, y)."""
    return np.where(y == 0, 0, y * np.log(y))


def _reduce(loss, reduction, divisor):
    """torch's reduction of ℓ, then 'batchmean''s division by input.shape[0] (divisor)."""
    out = apply_reduction(loss, reduction)
    return out if divisor is None else np.asarray(out / divisor)


def _per_element(grad_output, reduction, divisor, shape, dtype):
    """∂L/∂ℓ for every element: g, g/numel for 'mean', g/input.shape[0] for 'batchmean'."""
    g = reduction_backward(grad_output, shape, reduction, dtype)
    return g if divisor is None else g / divisor


@ieee()
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence, input x = log Q, target y = P (or log P if log_target).

    ℓ = y·log y − y·x  (log_target=False),   ℓ = exp(y)·(y − x)  (log_target=True).
    Summed over the classes of a sample, ℓ gives KL(P‖Q) = Σ P·(log P − log Q) for it.
    reduction: 'none', 'sum', 'mean' (Σℓ / numel, with torch's UserWarning) or 'batchmean'
    (Σℓ / input.shape[0], the true KL per sample). input and target broadcast silently.
    """
    x, y, reduction, divisor, log_target, _, dtype = _kl_args(
        input, target, size_average, reduce, reduction, log_target, warn=True
    )
    loss = np.exp(y) * (y - x) if log_target else _xlogy_self(y) - y * x
    return _reduce(loss.astype(dtype, copy=False), reduction, divisor)


@ieee()
def kl_div_backward(grad_output, input, target, size_average=None, reduce=None, reduction="mean",
                    log_target=False):
    """∂ℓ/∂x = −y (log_target=False) or −exp(y) (log_target=True), times ∂L/∂ℓ.

    The entropy term y·log y does not involve the input: the loss is linear in x = log Q, and
    minimising KL(P‖Q) over Q is minimising the cross-entropy −Σ P·log Q. A broadcast input
    gets its gradient summed back.
    """
    x, y, reduction, divisor, log_target, shape, dtype = _kl_args(
        input, target, size_average, reduce, reduction, log_target, warn=False
    )
    g = _per_element(grad_output, reduction, divisor, shape, dtype)
    return grad_like(-(g * np.exp(y)) if log_target else -(g * y), input)
