"""Assignment 03: nll_loss, cross_entropy and their gradients.

Cases cover every reduction with class weights, ignore_index (the default -100 and a custom value,
also one ≥ C), label smoothing (alone, with weights and ignore_index), probability targets (with
weights and smoothing), K-dimensional inputs (N, C, d1, …) and unbatched (C,) inputs, plus the
tricky ones of the semantics reference: the weighted mean, every target ignored (nan loss, zero
gradient), logits of ±1e4 (log-sum-exp) and a −inf logit (finite without smoothing, inf with).
"""

from __future__ import annotations

import numpy as np

from ..cases import REDUCTIONS, describe
from ..cases import backward_of as _backward

from ..spec import Assignment, Case, Mistake, Part, tuple_map


# ----------------------------------------------------------------------------- inputs
def _log_softmax(z, axis=1):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _logits(rng, shape, scale=1.5):
    return rng.normal(scale=scale, size=shape)


def _targets(rng, shape, classes, ignored=0.0, ignore_index=-100):
    """Class indices of `shape` (items), a fraction `ignored` of them set to ignore_index (at least
    one when ignored > 0, never all)."""
    t = rng.integers(0, classes, size=shape).astype(np.int64)
    if ignored > 0 and t.size > 1:
        flat = t.reshape(-1)
        k = min(max(1, int(round(ignored * flat.size))), flat.size - 1)
        flat[rng.choice(flat.size, size=k, replace=False)] = ignore_index
    return t


def _probs(rng, shape):
    """A probability vector along axis 1 (axis 0 for an unbatched (C,) shape)."""
    return np.exp(_log_softmax(rng.normal(size=shape), axis=1 if len(shape) > 1 else 0))


def _weight(rng, classes):
    return rng.uniform(0.2, 3.0, size=classes)


def _items(shape):
    return (shape[0],) + tuple(shape[2:])


def _index_case(rng, shape, *, log_probs, reduction, weight=False, ignored=0.0, ignore_index=None,
                label_smoothing=None, label=None):
    classes = shape[1] if len(shape) > 1 else shape[0]
    x = _logits(rng, shape)
    if log_probs:
        x = _log_softmax(x, axis=1 if len(shape) > 1 else 0)
    item_shape = _items(shape) if len(shape) > 1 else ()
    ii = -100 if ignore_index is None else ignore_index
    t = _targets(rng, item_shape, classes, ignored, ii)
    args = {"input": x, "target": t, "reduction": reduction}
    if weight:
        args["weight"] = _weight(rng, classes)
    if ignore_index is not None:
        args["ignore_index"] = ignore_index
    if label_smoothing is not None:
        args["label_smoothing"] = label_smoothing
    extra = f", {int((t == ii).sum())} of {t.size} targets ignored" if ignored else ""
    return Case(label or describe(args) + extra, args)


def _prob_case(rng, shape, *, reduction, weight=False, label_smoothing=None, label=None):
    classes = shape[1] if len(shape) > 1 else shape[0]
    args = {"input": _logits(rng, shape), "target": _probs(rng, shape), "reduction": reduction}
    if weight:
        args["weight"] = _weight(rng, classes)
    if label_smoothing is not None:
        args["label_smoothing"] = label_smoothing
    return Case(label or "probability targets: " + describe(args) + f", target {shape}", args)


# ----------------------------------------------------------------------------- nll_loss cases
def nll_cases(rng, hidden):
    out = []
    if not hidden:
        for r in REDUCTIONS:
            out += [
                _index_case(rng, (4, 3), log_probs=True, reduction=r),
                _index_case(rng, (5, 4), log_probs=True, reduction=r, weight=True),
                _index_case(rng, (6, 3), log_probs=True, reduction=r, ignored=0.3),
                _index_case(rng, (6, 4), log_probs=True, reduction=r, weight=True, ignored=0.3, ignore_index=1),
                _index_case(rng, (5, 3), log_probs=True, reduction=r, ignored=0.4, ignore_index=5,
                            label=f"ignore_index=5 ≥ C = 3 (targets equal to it are skipped), reduction={r!r}"),
                _index_case(rng, (2, 3, 4), log_probs=True, reduction=r, weight=True, ignored=0.2,
                            label=f"K-dim input (2, 3, 4), target (2, 4), weight, some targets -100, "
                                  f"reduction={r!r}"),
                _index_case(rng, (2, 4, 3, 2), log_probs=True, reduction=r, weight=True,
                            label=f"K-dim input (2, 4, 3, 2), target (2, 3, 2), weight, reduction={r!r}"),
                _index_case(rng, (5,), log_probs=True, reduction=r, weight=r == "mean",
                            label=f"unbatched input (5,), 0-d target{', weight' if r == 'mean' else ''}, "
                                  f"reduction={r!r}"),
            ]
        # the weighted mean of the semantics reference (case 9)
        x = _log_softmax(_logits(rng, (4, 3)))
        out.append(Case("weighted mean: target [0, 1, 2, 1], weight [.2, .5, 2] → Σℓ / (0.2 + 0.5 + 2 + 0.5)",
                        {"input": x, "target": np.array([0, 1, 2, 1]), "weight": np.array([0.2, 0.5, 2.0])}))
        x = _log_softmax(_logits(rng, (4, 3)))
        for r in REDUCTIONS:
            out.append(Case(f"every target ignored (-100), reduction={r!r}"
                            + (": nan loss, zero gradient" if r == "mean" else ""),
                            {"input": x, "target": np.full(4, -100), "reduction": r}))
        # nll_loss takes any input as it is (−input[y]): a log_softmax applied by mistake shows only here
        for r in ("none", "mean"):
            out.append(_index_case(rng, (5, 4), log_probs=False, reduction=r, weight=r == "mean",
                                   label=f"input not normalised (raw scores: nll_loss uses them as given), "
                                         f"reduction={r!r}"))
        return out
    for i in range(10):
        out.append(_random_index_case(rng, log_probs=i % 3 != 2, smoothing=False))
    return out


def _random_shape(rng):
    n, c = int(rng.integers(1, 7)), int(rng.integers(2, 7))
    kind = rng.integers(0, 4)
    if kind == 0:
        return (c,)
    if kind == 1:
        return (n, c, int(rng.integers(1, 5)))
    return (n, c)


def _random_index_case(rng, *, log_probs, smoothing):
    shape = _random_shape(rng)
    opts = {}
    if len(shape) > 1 and rng.random() < 0.6:
        opts["ignored"] = 0.3
        opts["ignore_index"] = int(rng.choice([-100, 0, 1])) if rng.random() < 0.5 else None
    if smoothing and rng.random() < 0.6:
        opts["label_smoothing"] = float(rng.choice([0.05, 0.1, 0.2, 0.5]))
    return _index_case(rng, shape, log_probs=log_probs, reduction=str(rng.choice(REDUCTIONS)),
                       weight=bool(rng.random() < 0.5), **opts)


# ----------------------------------------------------------------------------- cross_entropy cases
def ce_cases(rng, hidden):
    out = []
    if not hidden:
        for r in REDUCTIONS:
            out += [
                _index_case(rng, (4, 3), log_probs=False, reduction=r),
                _index_case(rng, (5, 4), log_probs=False, reduction=r, weight=True),
                _index_case(rng, (6, 3), log_probs=False, reduction=r, ignored=0.3),
                _index_case(rng, (5, 4), log_probs=False, reduction=r, label_smoothing=0.1),
                _index_case(rng, (6, 3), log_probs=False, reduction=r, weight=True, ignored=0.3, ignore_index=1,
                            label_smoothing=0.2),
                _index_case(rng, (2, 3, 4, 5), log_probs=False, reduction=r, weight=True, ignored=0.2,
                            label_smoothing=0.15,
                            label=f"K-dim input (2, 3, 4, 5), target (2, 4, 5) with -100 entries, weight, "
                                  f"label_smoothing=0.15, reduction={r!r}"),
                _index_case(rng, (4,), log_probs=False, reduction=r, label_smoothing=0.1 if r != "sum" else None,
                            label=f"unbatched input (4,), 0-d target"
                                  f"{', label_smoothing=0.1' if r != 'sum' else ''}, reduction={r!r}"),
                _prob_case(rng, (4, 3), reduction=r),
                _prob_case(rng, (5, 4), reduction=r, weight=True),
                _prob_case(rng, (4, 3), reduction=r, weight=True, label_smoothing=0.2),
                _prob_case(rng, (2, 3, 4), reduction=r, weight=r == "mean",
                           label=f"probability targets, K-dim input and target (2, 3, 4)"
                                 f"{', weight' if r == 'mean' else ''}, reduction={r!r}"),
                _prob_case(rng, (5,), reduction=r,
                           label=f"probability targets, unbatched input and target (5,), reduction={r!r}"),
            ]
        # the smoothing + weight + ignore_index case of the semantics reference (case 14)
        z = np.array([[1.0, -0.5, 2.0], [0.3, 0.3, -1.0], [-2.0, 1.0, 0.5], [0.0, 2.5, -0.5]])
        for r in ("none", "mean"):
            out.append(Case(f"target [0, 1, 2, 1], weight [.2, .5, 2], ignore_index=1, label_smoothing=0.2, "
                            f"reduction={r!r}",
                            {"input": z, "target": np.array([0, 1, 2, 1]), "weight": np.array([0.2, 0.5, 2.0]),
                             "ignore_index": 1, "label_smoothing": 0.2, "reduction": r}))
        out.append(Case("label_smoothing=1.0 (a uniform target)",
                        {"input": _logits(rng, (4, 3)), "target": np.array([0, 2, 1, 1]), "label_smoothing": 1.0}))
        out.append(Case("every target ignored (-100), reduction='mean': nan loss, zero gradient",
                        {"input": _logits(rng, (3, 4)), "target": np.full(3, -100)}))
        huge = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4], [800.0, -800.0, 0.0]])
        for r in ("none", "mean"):
            out.append(Case(f"logits of ±1e4 (needs log-sum-exp), reduction={r!r}",
                            {"input": huge, "target": np.array([1, 2, 0]), "reduction": r}))
        out.append(Case("logits of ±1e4, probability targets, label_smoothing=0.1",
                        {"input": huge, "target": _probs(rng, (3, 3)), "label_smoothing": 0.1}))
        out += [_minus_inf_case(0.0), _minus_inf_case(0.1)]
        return out
    for i in range(14):
        if i % 3 == 2:
            shape = _random_shape(rng)
            out.append(_prob_case(rng, shape, reduction=str(rng.choice(REDUCTIONS)), weight=bool(rng.random() < 0.5),
                                  label_smoothing=float(rng.choice([0.0, 0.1, 0.3]))))
        else:
            out.append(_random_index_case(rng, log_probs=False, smoothing=True))
    return out


def _minus_inf_case(eps):
    minus_inf = np.array([[-np.inf, 0.0, 1.0], [0.5, -1.0, 2.0]])
    return Case(f"a −inf logit of a wrong class, label_smoothing={eps} ({'finite' if eps == 0 else 'inf'} loss)",
                {"input": minus_inf, "target": np.array([1, 0]), "reduction": "none", "label_smoothing": eps})


# ----------------------------------------------------------------------------- usual mistakes
def _is_index(args):
    return np.shape(args["target"]) != np.shape(args["input"])


def _counted(args):
    t = np.asarray(args["target"])
    return t != args.get("ignore_index", -100)


def _mean_over(denominator):
    """'mean' as Σℓ divided by `denominator(args)` instead of torch's Σ_i m_i·w[t_i]."""

    def expected(case, reference):
        args = case.args
        if args.get("reduction", "mean") != "mean" or not _is_index(args):
            return None
        d = denominator(args)
        if d is None or d == 0:
            return None
        return tuple_map(lambda a: a / d, reference({**args, "reduction": "sum"}))

    return expected


MEAN_OVER_COUNT = Mistake(
    "with weight and reduction='mean' you divided by the number of counted items: torch divides by the sum of "
    "their target classes' weights, Σ_i w[y_i] (a weighted average)",
    _mean_over(lambda a: int(_counted(a).sum()) if a.get("weight") is not None else None))
MEAN_WITH_IGNORED = Mistake(
    "with reduction='mean' the ignored items must not count in the denominator: divide by Σ w[y_i] over the "
    "items whose target is not ignore_index",
    _mean_over(lambda a: (np.asarray(a["target"]).size if a.get("weight") is None else None)
               if not _counted(a).all() else None))


def _torch_variant(loss):
    """A mistake computed by `loss(torch tensors dict) → tensor`, with autograd for a backward case."""

    def expected(case, reference):
        import torch

        args = dict(case.args)
        if not _is_index(args) or np.ndim(args["input"]) < 2:
            return None
        grad_output = args.pop("grad_output", None)
        x = torch.from_numpy(args.pop("input").copy()).requires_grad_(grad_output is not None)
        t = {k: torch.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        out = loss(x, **t)
        if out is None:
            return None
        if grad_output is None:
            return out.detach().numpy()
        (g,) = torch.autograd.grad(out, x, torch.from_numpy(np.asarray(grad_output, dtype=np.float64).copy()))
        return g.numpy()

    return expected


def _ce_manual(x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, *, dim=1,
               log=True, smooth_weighted=True):
    """cross_entropy for index targets written out, with the knobs the mistakes turn."""
    import torch

    lsm = torch.log_softmax(x, dim) if log else x
    c = x.shape[1]
    w = torch.ones(c, dtype=x.dtype) if weight is None else weight
    keep = target != ignore_index
    t = torch.where(keep, target, torch.zeros_like(target))
    w_t = torch.where(keep, w[t], torch.zeros((), dtype=x.dtype))
    loss = -w_t * lsm.gather(1, t.unsqueeze(1)).squeeze(1)
    if label_smoothing > 0:
        view = (1, c) + (1,) * (x.ndim - 2)
        smooth = -((lsm * w.reshape(view)) if smooth_weighted else lsm).sum(1)
        loss = (1 - label_smoothing) * loss + label_smoothing / c * torch.where(keep, smooth, torch.zeros_like(smooth))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / w_t.sum()


WRONG_AXIS_0 = Mistake(
    "the softmax runs over the wrong axis (axis 0, the batch): the classes are on axis 1",
    _torch_variant(lambda x, **a: _ce_manual(x, dim=0, **a)))
WRONG_AXIS_LAST = Mistake(
    "the softmax runs over the last axis: for K-dim input (N, C, d1, …) the classes are on axis 1",
    _torch_variant(lambda x, **a: _ce_manual(x, dim=-1, **a) if x.ndim > 2 else None))
NO_SOFTMAX = Mistake(
    "no log_softmax: cross_entropy takes logits, so −log softmax(z)_y (its gradient is softmax(z) − onehot)",
    _torch_variant(lambda x, **a: _ce_manual(x, log=False, **a) if x.abs().max() < 700 else None))


def _nan_gradient_when_all_ignored(case, reference):
    args = case.args
    if "grad_output" not in args or args.get("reduction", "mean") != "mean" or not _is_index(args):
        return None
    if _counted(args).any():
        return None
    return np.full(np.shape(args["input"]), np.nan)


def _nan_at_class_0_when_all_ignored(case, reference):
    """The same, for a learner who sends ignored items to class 0 and writes −(g/0)·0 = nan there."""
    full = _nan_gradient_when_all_ignored(case, reference)
    if full is None or full.ndim < 2:
        return None
    out = np.zeros_like(full)
    out[:, 0] = np.nan
    return out


ALL_IGNORED = Mistake(
    "every target is ignored, so the 'mean' is 0/0 = nan, but the gradient must be exactly 0: give ignored items "
    "0 directly (e.g. np.where) rather than multiplying g/0 by 0",
    _nan_gradient_when_all_ignored)
ALL_IGNORED_AT_0 = Mistake(ALL_IGNORED.message, _nan_at_class_0_when_all_ignored)
SMOOTH_UNWEIGHTED = Mistake(
    "with weight and label_smoothing, the smoothing term −(ε/C)·Σ_c w_c·log s_c uses every class's weight w_c",
    _torch_variant(lambda x, **a: _ce_manual(x, smooth_weighted=False, **a)
                   if a.get("weight") is not None and a.get("label_smoothing", 0) > 0 else None))
NLL_WITH_SOFTMAX = Mistake(
    "nll_loss takes log-probabilities as they are: do not apply log_softmax (that is cross_entropy)",
    _torch_variant(lambda x, **a: _ce_manual(x, **a)))


def _prob_mean_over_weights(case, reference):
    args = case.args
    if _is_index(args) or args.get("weight") is None or args.get("reduction", "mean") != "mean":
        return None
    return tuple_map(lambda a: a / np.asarray(args["weight"]).sum(),
                     reference({**args, "reduction": "sum"}))


PROB_MEAN = Mistake(
    "with probability targets, 'mean' divides by the number of items N·d1⋯dK, not by a sum of weights",
    _prob_mean_over_weights)

# ALL_IGNORED before NLL_WITH_SOFTMAX: when every target is ignored both give a nan gradient, and the nan is the point
NLL_MISTAKES = (MEAN_OVER_COUNT, MEAN_WITH_IGNORED, ALL_IGNORED, ALL_IGNORED_AT_0, NLL_WITH_SOFTMAX)
CE_MISTAKES = (MEAN_OVER_COUNT, MEAN_WITH_IGNORED, ALL_IGNORED, WRONG_AXIS_0, WRONG_AXIS_LAST, NO_SOFTMAX, SMOOTH_UNWEIGHTED,
               PROB_MEAN)

ASSIGNMENT = Assignment(
    name="03_cross_entropy",
    title="Cross-entropy: nll_loss and cross_entropy",
    parts=(
        Part("nll_loss", 2, nll_cases, NLL_MISTAKES),
        Part("nll_loss_backward", 2, _backward("nll_loss", nll_cases), NLL_MISTAKES),
        Part("cross_entropy", 2, ce_cases, CE_MISTAKES),
        Part("cross_entropy_backward", 2, _backward("cross_entropy", ce_cases), CE_MISTAKES),
    ),
)
