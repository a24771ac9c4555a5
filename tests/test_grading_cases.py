"""The grader's cases and comparisons (lossedu/grading/spec.py, cases.py, assignments/*.py):

- feedback describes an absolute error where the expected value is 0 (no "relative 1e+301");
- every usual-mistake diagnosis fires on a buggy implementation that makes that mistake (one buggy
  function per diagnosis, written as a learner would, in numpy or torch);
- no constant answer (zeros, ones, inf, nan, any one value repeated, the input echoed back) passes a
  single hidden case of any part, so it scores 0 (points × min(public, hidden pass rate));
- correct answers still pass everything (lossedu.functional on every public and hidden case).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import lossedu.functional as LF
from lossedu.grading import spec
from lossedu.grading.assignments import (binary, counts, cross_entropy, ctc, divergence, embeddings, margins,
                                         regression)
from lossedu.grading.check import public_cases
from lossedu.grading.registry import all_assignments, find_part
from lossedu.grading.spec import GENERIC_MISTAKES, Case, autograd_reference, compare

SEEDS = (1, 2, 3)
PARTS = [p for a in all_assignments() for p in a.parts]


def hidden_cases(part, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kl_div's own warning for reduction='mean'
        return part.cases(np.random.default_rng(seed), True)


@functools.lru_cache(maxsize=None)
def cases_and_answers(function, seeds=SEEDS[:2]):
    """(public cases, [hidden cases per seed], the reference's answers), computed once per part."""
    part = find_part(function)
    public = public_cases(part)
    hidden = [hidden_cases(part, s) for s in seeds]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        answers = [part.expected(c.args) for c in public + [c for h in hidden for c in h]]
    return public, hidden, answers


# ----------------------------------------------------------------------------- 1. the difference, described
def test_an_error_where_the_expected_value_is_0_is_described_as_absolute():
    part = find_part("l1_loss")
    x = np.array([1.0, 2.0, 3.0])
    case = Case("d = 0", {"input": x, "target": x.copy(), "reduction": "none"})  # the right answer: zeros
    verdict = compare(part, case, np.array([0.0, 1.1e301, 0.0]))
    assert not verdict.passed
    assert "relative" not in verdict.problem and "absolute" in verdict.problem
    assert "1.1e+301" in verdict.problem and "index (1,)" in verdict.problem
    # also next to 0, where a relative error is as meaningless
    case = Case("tiny", {"input": np.array([1e-15]), "target": np.array([0.0]), "reduction": "none"})
    problem = compare(part, case, np.array([1e-3])).problem
    assert "relative" not in problem and "absolute" in problem


def test_a_relative_error_is_still_given_where_it_means_something():
    part = find_part("l1_loss")
    case = Case("plain", {"input": np.array([1.0, 2.0]), "target": np.array([0.0, 0.0]), "reduction": "none"})
    problem = compare(part, case, np.array([1.0, 3.0])).problem
    assert "(relative 0.5)" in problem and "expected 2" in problem


def test_an_infinite_expected_value_is_named_not_measured():
    part = find_part("l1_loss")
    case = Case("inf", {"input": np.array([np.inf, 1.0]), "target": np.array([0.0, 0.0]), "reduction": "none"})
    problem = compare(part, case, np.array([5.0, 1.0])).problem
    assert problem == "result is 5.0 at index (0,), expected inf"


# ----------------------------------------------------------------------------- 2. every diagnosis fires
def diagnoses(function, fn):
    """The diagnoses the grader gives `fn` (a buggy implementation of `function`) on the public cases
    and the hidden cases of two seeds."""
    part = find_part(function)
    public, hidden, answers = cases_and_answers(function)
    out = set()
    for case, want in zip(public + [c for h in hidden for c in h], answers):
        args = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.args.items()}
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                answer = fn(**args)
        except Exception:  # noqa: BLE001 - a buggy function may well crash on some cases
            continue
        verdict = compare(part, case, answer, want)
        if not verdict.passed and verdict.diagnosis:
            out.add(verdict.diagnosis)
    return out


def changed(fn, when=lambda a: True, **changes):
    """`fn` called with some arguments changed (a value, or a function of all the arguments), when
    `when(arguments)` holds: a learner who ignores an argument or swaps a reduction."""

    def buggy(**a):
        if when(a):
            a = {**a, **{k: v(a) if callable(v) else v for k, v in changes.items()}}
        return fn(**a)

    return buggy


def scaled(fn, k):
    def buggy(**a):
        out = fn(**a)
        return tuple(k * np.asarray(o) for o in out) if isinstance(out, tuple) else k * np.asarray(out)

    return buggy


def torch_loss(fn, wrt=("input",)):
    """(forward, backward) numpy functions of a buggy loss written with torch operations."""
    ref = autograd_reference(fn, wrt)
    return (lambda **a: ref.forward(a)), (lambda **a: ref.backward(a))


def _reduce(t, reduction):
    return t if reduction == "none" else t.sum() if reduction == "sum" else t.mean()


def _is_mean(a):
    return a.get("reduction", "mean") == "mean"


# --- generic mistakes, each on one loss
def _over_first_axis(**a):
    total = LF.l1_loss(**{**a, "reduction": "sum"}) if _is_mean(a) else LF.l1_loss(**a)
    return total / np.shape(a["input"])[0] if _is_mean(a) and np.ndim(a["input"]) >= 2 else total


GENERIC = {
    0: [("l1_loss_backward", scaled(LF.l1_loss_backward, -1.0))],
    1: [("l1_loss", changed(LF.l1_loss, _is_mean, reduction="sum"))],
    2: [("mse_loss", changed(LF.mse_loss, lambda a: a.get("reduction") == "sum", reduction="mean"))],
    3: [("l1_loss", _over_first_axis)],
    4: [("mse_loss_backward", scaled(LF.mse_loss_backward, 2.0))],
    5: [("mse_loss_backward", scaled(LF.mse_loss_backward, 0.5))],
    6: [("l1_loss", changed(LF.l1_loss, weight=None))],
    7: [("binary_cross_entropy_with_logits", changed(LF.binary_cross_entropy_with_logits, pos_weight=None))],
    8: [("nll_loss", changed(LF.nll_loss, ignore_index=-100))],
    9: [("cross_entropy", changed(LF.cross_entropy, label_smoothing=0.0))],
}


# --- 01 regression
def _smooth_l1_no_beta(input, target, reduction="mean", beta=1.0):
    d = np.abs(input - target)
    return _reduce(np.where(d < beta, 0.5 * d**2, d - 0.5 * beta), reduction)  # ½d², not ½d²/beta


def _smooth_l1_no_beta_backward(grad_output, input, target, reduction="mean", beta=1.0):
    d = input - target
    local = np.where(np.abs(d) < beta, d, np.sign(d))  # d, not d/beta
    return (grad_output / d.size if reduction == "mean" else grad_output) * local


def _huber_mean_over_weights(fn):
    def buggy(**a):
        if a.get("weight") is None or a.get("reduction") != "mean":
            return fn(**a)
        return fn(**{**a, "reduction": "sum"}) / a["weight"].sum()  # as l1/mse do, but huber does not

    return buggy


# --- 02 counts and variances
def _poisson_stirling_from_0(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    terms = LF.poisson_nll_loss(input, target, log_input=log_input, eps=eps, reduction="none")
    if full:
        t = np.broadcast_to(target, terms.shape)
        s = np.where(t > 0, t, 1.0)
        terms = terms + np.where(t > 0, s * np.log(s) - s + 0.5 * np.log(2 * np.pi * s), 0.0)  # t > 0, not t > 1
    return _reduce(terms, reduction)


def _poisson_eps_in_log_input(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    if not log_input:
        return LF.poisson_nll_loss(input, target, log_input=False, full=full, eps=eps, reduction=reduction)
    base = LF.poisson_nll_loss(input, target, log_input=True, full=full, reduction="none")
    terms = base + target * input - target * np.log(np.exp(input) + eps)  # log(exp(x) + eps) instead of x
    return _reduce(terms, reduction)


def _gauss_var(input, var):
    v = np.asarray(var, dtype=np.float64)
    return v[..., None] if v.ndim and v.shape != np.shape(input) and v.shape == np.shape(input)[:-1] else v


def _gauss_no_log(input, target, var, full=False, eps=1e-6, reduction="mean"):
    v = np.maximum(_gauss_var(input, var), eps)
    terms = 0.5 * (input - target) ** 2 / v + (0.5 * np.log(2 * np.pi) if full else 0.0)  # no ½·log v
    return _reduce(terms, reduction)


def _gauss_no_clamp(input, target, var, full=False, eps=1e-6, reduction="mean"):
    return LF.gaussian_nll_loss(input, target, var, full=full, eps=0.0, reduction=reduction)


def _gauss_no_clamp_backward(grad_output, input, target, var, full=False, eps=1e-6, reduction="mean"):
    return LF.gaussian_nll_loss_backward(grad_output, input, target, var, full=full, eps=0.0, reduction=reduction)


def _gauss_backward_with(change):
    def buggy(grad_output, input, target, var, **kw):
        gi, gv = LF.gaussian_nll_loss_backward(grad_output, input, target, var, **kw)
        return change(gi, gv, input, var, kw)

    return buggy


def _gauss_grad_var_not_summed(grad_output, input, target, var, **kw):
    full = np.broadcast_to(_gauss_var(input, var), np.shape(input)).copy()
    return LF.gaussian_nll_loss_backward(grad_output, input, target, full, **kw)


# --- 03 cross-entropy
def _nll_mean_over_count(**a):
    if a.get("weight") is None or not _is_mean(a) or np.shape(a["target"]) == np.shape(a["input"]):
        return LF.nll_loss(**a)
    counted = np.asarray(a["target"]) != a.get("ignore_index", -100)
    return LF.nll_loss(**{**a, "reduction": "sum"}) / counted.sum()  # Σℓ / count, not Σℓ / Σ w[y]


def _nll_mean_with_ignored(**a):
    if a.get("weight") is not None or not _is_mean(a):
        return LF.nll_loss(**a)
    return LF.nll_loss(**{**a, "reduction": "sum"}) / np.asarray(a["target"]).size  # ignored items counted


def _all_ignored_nan(at_class_0=False):
    def buggy(grad_output, input, target, **kw):
        g = LF.nll_loss_backward(grad_output, input, target, **kw)
        if kw.get("reduction", "mean") == "mean" and (np.asarray(target) == kw.get("ignore_index", -100)).all():
            if not at_class_0:
                return np.full(np.shape(input), np.nan)  # −(g / 0) · 0 everywhere
            g = np.zeros(np.shape(input))
            g[:, 0] = np.nan  # ignored items sent to class 0, then −(g / 0) there
        return g

    return buggy


def _torch_ce(dim=1, log=True, smooth_weighted=True):
    """cross_entropy for index targets as a learner might write it, with one knob turned."""

    def loss(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        import torch

        if target.shape == input.shape or input.ndim < 2 or (dim == -1 and input.ndim < 3):
            return torch.nn.functional.cross_entropy(input, target, weight=weight, ignore_index=ignore_index,
                                                     reduction=reduction, label_smoothing=label_smoothing)
        c = input.shape[1]
        lsm = torch.log_softmax(input, dim) if log else input
        w = torch.ones(c, dtype=input.dtype) if weight is None else weight
        keep = target != ignore_index
        safe = torch.where(keep, target, 0)
        w_y = torch.where(keep, w[safe], 0.0)
        nll = -w_y * lsm.gather(1, safe.unsqueeze(1)).squeeze(1)
        if label_smoothing:
            shape = (1, c) + (1,) * (input.ndim - 2)
            smooth = -((lsm * w.reshape(shape)) if smooth_weighted else lsm).sum(1)
            nll = (1 - label_smoothing) * nll + label_smoothing / c * torch.where(keep, smooth, 0.0)
        return nll if reduction == "none" else nll.sum() if reduction == "sum" else nll.sum() / w_y.sum()

    return torch_loss(loss)


def _ce_prob_mean_over_weights(**a):
    if np.shape(a["target"]) != np.shape(a["input"]) or a.get("weight") is None or not _is_mean(a):
        return LF.cross_entropy(**a)
    return LF.cross_entropy(**{**a, "reduction": "sum"}) / a["weight"].sum()


def _nll_with_log_softmax(**a):
    return LF.cross_entropy(**a)  # nll_loss given logits' treatment


def _nll_with_log_softmax_backward(**a):
    return LF.cross_entropy_backward(**a)


# --- 04 KL
def _kl(fn):
    def buggy(**a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(**a)

    return buggy


def _kl_batchmean_by_rows(**a):
    if a.get("reduction") != "batchmean" or np.ndim(a["input"]) == 0:
        return LF.kl_div(**a)
    rows = np.broadcast_shapes(np.shape(a["input"]), np.shape(a["target"]))[0]
    return LF.kl_div(**{**a, "reduction": "sum"}) / rows  # the broadcast shape's rows, not input.shape[0]


def _kl_cross_entropy(input, target, reduction="mean", log_target=False):
    p = np.exp(target) if log_target else target
    terms = -p * input  # the entropy term p·log p left out
    return terms.sum() / np.shape(input)[0] if reduction == "batchmean" and np.ndim(input) else _reduce(terms, reduction)


def _kl_negative_target_zero(input, target, reduction="mean", log_target=False):
    if log_target:
        return LF.kl_div(input, target, reduction=reduction, log_target=True)
    t = np.asarray(target, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0) - t * input  # 0 for every t ≤ 0
    return terms.sum() / np.shape(input)[0] if reduction == "batchmean" and np.ndim(input) else _reduce(terms, reduction)


def _log_softmax(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def _kl_normalised(**a):
    x = np.asarray(a["input"])
    return LF.kl_div(**{**a, "input": _log_softmax(x, 1 if x.ndim >= 2 else 0)}) if x.ndim else LF.kl_div(**a)


# --- 05 binary
def _flip(fn):
    return changed(fn, when=lambda a: a.get("pos_weight") is None, target=lambda a: 1 - a["target"])


def _bce_of_sigmoid(**a):
    return LF.binary_cross_entropy(**{**a, "input": 1 / (1 + np.exp(-a["input"]))})


def _bcel_pw_everywhere(**a):
    if a.get("pos_weight") is None:
        return LF.binary_cross_entropy_with_logits(**a)
    w = a["pos_weight"] if a.get("weight") is None else a["weight"] * a["pos_weight"]
    return LF.binary_cross_entropy_with_logits(**{**a, "weight": w, "pos_weight": None})


def _bcel_pw_negatives(input, target, weight=None, reduction="mean", pos_weight=None):
    import torch.nn.functional as F

    if pos_weight is None:
        return F.binary_cross_entropy_with_logits(input, target, weight=weight, reduction=reduction)
    terms = target * F.softplus(-input) + pos_weight * (1 - target) * F.softplus(input)  # pw on the wrong term
    terms = terms if weight is None else weight * terms
    return terms if reduction == "none" else terms.sum() if reduction == "sum" else terms.mean()


def _bcel_pw_grad(grad_output, input, target, weight=None, reduction="mean", pos_weight=None):
    if pos_weight is None:
        return LF.binary_cross_entropy_with_logits_backward(grad_output, input, target, weight=weight,
                                                            reduction=reduction)
    sig = 1 / (1 + np.exp(-np.clip(input, -700, 700)))
    local = sig - pos_weight * target  # pos_weight left out of the σ(x) factor
    local = local if weight is None else weight * local
    g = grad_output / input.size if reduction == "mean" else grad_output
    return np.broadcast_to(g * local, input.shape)


def _mlsm_sum_over_classes(**a):
    c = np.shape(a["input"])[-1]
    return scaled(LF.multilabel_soft_margin_loss, c)(**a)  # Σ over classes, not the mean


def _mlsm_axis1(input, target, weight=None, reduction="mean"):
    import torch.nn.functional as F

    if input.ndim < 3:
        return F.multilabel_soft_margin_loss(input, target, weight=weight, reduction=reduction)
    e = target * F.softplus(-input) + (1 - target) * F.softplus(input)
    e = e if weight is None else e * weight
    ell = e.mean(1)  # the classes taken on axis 1
    return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()


# --- 06 margins
def _hinge_torch(variant):
    def loss(input, target, margin=1.0, reduction="mean"):
        import torch

        hinge = torch.clamp_min(margin - input, 0.0)
        if variant == "strict":  # a hinge whose gradient at the kink is 0
            hinge = (margin - input) * (margin - input > 0).to(input.dtype)
        zero = input * 0
        if variant == "one term":  # every t ≠ 1 treated as −1
            ell = torch.where(target == 1, input, hinge)
        elif variant == "neither":  # 0/1 labels: t ∉ {1, −1} gets no term
            ell = torch.where(target == -1, hinge, zero) + torch.where(target == 1, input, zero)
        else:
            ell = torch.where(target != 1, hinge, zero) + torch.where(target != -1, input, zero)
        return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()

    return torch_loss(loss)


def _multi_margin_torch(divide="C", weight_at_j=False, strict=True):
    def loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
        import torch

        c = input.shape[-1] if input.dim() else 1
        x = input.reshape(-1, c)
        y = target.reshape(-1)
        rows = torch.arange(y.shape[0])
        z = margin - x[rows, y][:, None] + x
        other = torch.ones_like(x, dtype=torch.bool)
        other[rows, y] = False
        h = (z * ((z > 0) if strict else (z >= 0)).to(z.dtype)) ** p * other.to(z.dtype)
        if weight is not None:
            h = h * (weight[None, :] if weight_at_j else weight[y][:, None])
        ell = (h.sum(1) / {"C": c, "C-1": max(c - 1, 1), "1": 1}[divide]).reshape(target.shape)
        return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()

    return torch_loss(loss)


def _mm_mean_over_weights(**a):
    if a.get("weight") is None or not _is_mean(a):
        return LF.multi_margin_loss(**a)
    y = np.asarray(a["target"]).reshape(-1)
    return LF.multi_margin_loss(**{**a, "reduction": "sum"}) / a["weight"][y].sum()


def _multilabel_torch(dedupe=False, no_terminator=False, divide="C", strict=True):
    def loss(input, target, reduction="mean"):
        import torch

        c = input.shape[-1] if input.dim() else 1
        x = input.reshape(-1, c)
        counts = torch.zeros(x.shape, dtype=x.dtype)
        for n, row in enumerate(target.reshape(-1, c).tolist()):
            for label in row:
                if label < 0 and not no_terminator:
                    break
                if label >= 0:
                    counts[n, label] = 1.0 if dedupe else counts[n, label] + 1.0
        listed = counts > 0
        pairs = (listed[:, :, None] & ~listed[:, None, :]).to(x.dtype) * counts[:, :, None]
        z = 1 - x[:, :, None] + x[:, None, :]
        h = z * ((z > 0) if strict else (z >= 0)).to(z.dtype)
        ell = (h * pairs).sum(dim=(1, 2)) / {"C": c, "C-1": max(c - 1, 1), "1": 1}[divide]
        ell = ell.reshape((-1,) if input.dim() == 2 else ())
        return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()

    return torch_loss(loss)


# --- 07 ranking and embeddings
PAIR = ("input1", "input2")
TRIPLE = ("anchor", "positive", "negative")


def _ranking_strict(input1, input2, target, margin=0.0, reduction="mean"):
    z = margin - target * (input1 - input2)
    ell = z * (z > 0).to(z.dtype)  # gradient 0 at the kink z = 0
    return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()


def _cosine_torch(strict=False, others_negative=False):
    def loss(input1, input2, target, margin=0.0, reduction="mean"):
        import torch

        eps = embeddings.COSINE_EPS
        cos = (input1 * input2).sum(-1) / torch.sqrt(((input1**2).sum(-1) + eps) * ((input2**2).sum(-1) + eps))
        hinge = (cos - margin) * ((cos - margin > 0) if strict else (cos - margin >= 0)).to(cos.dtype)
        zero = cos * 0
        negative = (target != 1) if others_negative else (target == -1)
        ell = torch.where(target == 1, 1 - cos, zero) + torch.where(negative, hinge, zero)
        return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()

    return torch_loss(loss, PAIR)


def _triplet_torch(eps_where="inside", strict=False, whole_tie=False):
    def loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
        import torch

        def dist(u, v):
            if eps_where == "norm":
                return torch.linalg.vector_norm(u - v, ord=p, dim=-1) + eps
            return torch.linalg.vector_norm(u - v + (eps if eps_where == "inside" else 0.0), ord=p, dim=-1)

        d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
        if swap:
            d_pn = dist(positive, negative)
            d_neg = torch.where(d_neg <= d_pn, d_neg, d_pn) if whole_tie else torch.minimum(d_neg, d_pn)
        z = margin + d_pos - d_neg
        ell = z * ((z > 0) if strict else (z >= 0)).to(z.dtype)
        return ell if reduction == "none" else ell.sum() if reduction == "sum" else ell.mean()

    return torch_loss(loss, TRIPLE)


def _distance(fn):
    """triplet_margin_with_distance_loss's buggy forms: the default distance is pairwise_distance (p=2, eps=1e-6)."""
    return lambda **a: fn(**a)


# --- 08 CTC
def _ctc_mean(weights):
    """CTC 'mean' as Σ_b w_b·nll_b, with per-sample weights `weights(N, target_lengths)`."""

    def forward(**a):
        if a.get("reduction", "mean") != "mean":
            return LF.ctc_loss(**a)
        nll = np.atleast_1d(LF.ctc_loss(**{**a, "reduction": "none"}))
        tl = np.atleast_1d(np.asarray(a["target_lengths"]))
        return np.asarray(np.sum(weights(len(tl), tl) * nll))

    def backward(grad_output, **a):
        if a.get("reduction", "mean") != "mean":
            return LF.ctc_loss_backward(grad_output, **a)
        tl = np.atleast_1d(np.asarray(a["target_lengths"]))
        g = grad_output * weights(len(tl), tl)
        return LF.ctc_loss_backward(g.reshape(np.shape(LF.ctc_loss(**{**a, "reduction": "none"}))),
                                    **{**a, "reduction": "none"})

    return forward, backward


_CTC_RAW = _ctc_mean(lambda n, tl: np.full(n, 1.0 / n))
_CTC_TOTAL = _ctc_mean(lambda n, tl: np.full(n, 1.0 / max(tl.sum(), 1)))
_CTC_NO_CLAMP = _ctc_mean(lambda n, tl: 1.0 / (n * tl.astype(np.float64)))


def _ctc_torch_convention(grad_output, **a):
    return spec.torch_reference("ctc_loss_backward")({"grad_output": grad_output, **a})


def _ctc_repeat_skip(**a):
    return ctc._variant_ctc(a, repeat_skip=True)  # the lattice with a skip between equal labels


def _ctc_input_lengths_ignored(fn):
    def buggy(**a):
        lp = np.asarray(a["log_probs"])
        n = 1 if lp.ndim == 2 else lp.shape[1]
        full = np.full(n, lp.shape[0]) if np.ndim(a["input_lengths"]) else lp.shape[0]
        return fn(**{**a, "input_lengths": full})  # every sequence read to frame T

    return buggy


_CE_AXIS0 = _torch_ce(dim=0)
_CE_LAST = _torch_ce(dim=-1)
_CE_NO_SOFTMAX = _torch_ce(log=False)
_CE_SMOOTH = _torch_ce(smooth_weighted=False)
_BCEL_PW_NEG = torch_loss(_bcel_pw_negatives)
_MLSM_AXIS = torch_loss(_mlsm_axis1)
_RANKING_STRICT = torch_loss(_ranking_strict, PAIR)
_HE = {v: _hinge_torch(v) for v in ("one term", "neither", "strict")}
_MM = {k: _multi_margin_torch(**kw) for k, kw in {"C-1": {"divide": "C-1"}, "1": {"divide": "1"},
                                                   "at j": {"weight_at_j": True}, "≥": {"strict": False}}.items()}
_ML = {k: _multilabel_torch(**kw) for k, kw in {"dedupe": {"dedupe": True}, "no -1": {"no_terminator": True},
                                                 "C-1": {"divide": "C-1"}, "≥": {"strict": False},
                                                 "1": {"divide": "1"}}.items()}
_COS = {"others": _cosine_torch(others_negative=True), "strict": _cosine_torch(strict=True)}
_TRIPLET = {"norm": _triplet_torch("norm"), "none": _triplet_torch("none"), "tie": _triplet_torch(whole_tie=True),
            "strict": _triplet_torch(strict=True)}
_TD = "triplet_margin_with_distance_loss"

#: For each part's own mistake (by module, name, index in a tuple): buggy implementations [(function, fn)].
OWN = [
    (regression.SMOOTH_BETA, [("smooth_l1_loss", _smooth_l1_no_beta),
                              ("smooth_l1_loss_backward", _smooth_l1_no_beta_backward)]),
    (regression.HUBER_MEAN, [("huber_loss", _huber_mean_over_weights(LF.huber_loss)),
                             ("huber_loss_backward", _huber_mean_over_weights(LF.huber_loss_backward))]),
    (counts.POISSON_MISTAKES[0], [("poisson_nll_loss", changed(LF.poisson_nll_loss,
                                                               log_input=lambda a: not a.get("log_input", True)))]),
    (counts.POISSON_MISTAKES[1], [("poisson_nll_loss", changed(LF.poisson_nll_loss, full=False))]),
    (counts.POISSON_MISTAKES[2], [("poisson_nll_loss", _poisson_stirling_from_0)]),
    (counts.POISSON_MISTAKES[3], [("poisson_nll_loss", changed(LF.poisson_nll_loss, eps=0.0))]),
    (counts.POISSON_MISTAKES[4], [("poisson_nll_loss", _poisson_eps_in_log_input)]),
    (counts.GAUSSIAN_MISTAKES[0], [("gaussian_nll_loss", _gauss_no_clamp),
                                   ("gaussian_nll_loss_backward", _gauss_no_clamp_backward)]),
    (counts.GAUSSIAN_MISTAKES[1], [("gaussian_nll_loss", _gauss_no_log)]),
    (counts.GAUSSIAN_MISTAKES[2], [("gaussian_nll_loss", changed(LF.gaussian_nll_loss, full=lambda a: not a.get("full")))]),
    (counts.GAUSSIAN_MISTAKES[3], [("gaussian_nll_loss_backward", _gauss_backward_with(
        lambda gi, gv, x, v, kw: (gi, np.where(np.asarray(v) < kw.get("eps", 1e-6), 0.0, gv))
        if np.shape(v) == np.shape(x) else (gi, gv)))]),
    (counts.GAUSSIAN_MISTAKES[4], [("gaussian_nll_loss_backward", _gauss_backward_with(lambda gi, gv, x, v, kw: (gi, -gv)))]),
    (counts.GAUSSIAN_MISTAKES[5], [("gaussian_nll_loss_backward", _gauss_grad_var_not_summed)]),
    (cross_entropy.MEAN_OVER_COUNT, [("nll_loss", _nll_mean_over_count)]),
    (cross_entropy.MEAN_WITH_IGNORED, [("nll_loss", _nll_mean_with_ignored)]),
    (cross_entropy.NLL_WITH_SOFTMAX, [("nll_loss", _nll_with_log_softmax),
                                      ("nll_loss_backward", _nll_with_log_softmax_backward)]),
    (cross_entropy.ALL_IGNORED, [("nll_loss_backward", _all_ignored_nan())]),
    (cross_entropy.ALL_IGNORED_AT_0, [("nll_loss_backward", _all_ignored_nan(at_class_0=True))]),
    (cross_entropy.WRONG_AXIS_0, [("cross_entropy", _CE_AXIS0[0]), ("cross_entropy_backward", _CE_AXIS0[1])]),
    (cross_entropy.WRONG_AXIS_LAST, [("cross_entropy", _CE_LAST[0]), ("cross_entropy_backward", _CE_LAST[1])]),
    (cross_entropy.NO_SOFTMAX, [("cross_entropy", _CE_NO_SOFTMAX[0]), ("cross_entropy_backward", _CE_NO_SOFTMAX[1])]),
    (cross_entropy.SMOOTH_UNWEIGHTED, [("cross_entropy", _CE_SMOOTH[0]), ("cross_entropy_backward", _CE_SMOOTH[1])]),
    (cross_entropy.PROB_MEAN, [("cross_entropy", _ce_prob_mean_over_weights)]),
    (divergence.KL_MISTAKES[0], [("kl_div", _kl(changed(LF.kl_div, lambda a: a.get("reduction") == "batchmean",
                                                        reduction="mean")))]),
    (divergence.KL_MISTAKES[1], [("kl_div", _kl(changed(LF.kl_div, lambda a: a.get("reduction") == "batchmean",
                                                        reduction="sum")))]),
    (divergence.KL_MISTAKES[2], [("kl_div", _kl(changed(LF.kl_div, lambda a: _is_mean(a) and np.ndim(a["input"]),
                                                        reduction="batchmean")))]),
    (divergence.KL_MISTAKES[3], [("kl_div", _kl(_kl_batchmean_by_rows))]),
    (divergence.KL_MISTAKES[4], [("kl_div", _kl(changed(LF.kl_div, log_target=False))),
                                 ("kl_div_backward", _kl(changed(LF.kl_div_backward, log_target=False)))]),
    (divergence.KL_MISTAKES[5], [("kl_div", _kl(_kl_cross_entropy))]),
    (divergence.KL_MISTAKES[6], [("kl_div", _kl(_kl_negative_target_zero))]),
    (divergence.KL_MISTAKES[7], [("kl_div", _kl(_kl_normalised))]),
    (binary.FLIPPED_LABELS, [("binary_cross_entropy", _flip(LF.binary_cross_entropy)),
                             ("binary_cross_entropy_with_logits_backward",
                              _flip(LF.binary_cross_entropy_with_logits_backward))]),
    (binary.BCE_SIGMOID, [("binary_cross_entropy", _bce_of_sigmoid)]),
    (binary.PW_EVERYWHERE, [("binary_cross_entropy_with_logits", _bcel_pw_everywhere)]),
    (binary.PW_NEGATIVES, [("binary_cross_entropy_with_logits", _BCEL_PW_NEG[0]),
                           ("binary_cross_entropy_with_logits_backward", _BCEL_PW_NEG[1])]),
    (binary.SM_SIGN, [("soft_margin_loss", changed(LF.soft_margin_loss, target=lambda a: -a["target"]))]),
    (binary.PW_GRAD, [("binary_cross_entropy_with_logits_backward", _bcel_pw_grad)]),
    (binary.MLSM_C, [("multilabel_soft_margin_loss", _mlsm_sum_over_classes)]),
    (binary.MLSM_AXIS, [("multilabel_soft_margin_loss", _MLSM_AXIS[0]),
                        ("multilabel_soft_margin_loss_backward", _MLSM_AXIS[1])]),
    (margins.HINGE_MISTAKES[0], [("hinge_embedding_loss", _HE["one term"][0])]),
    (margins.HINGE_MISTAKES[1], [("hinge_embedding_loss", _HE["neither"][0])]),
    (margins.HINGE_MISTAKES[2], [("hinge_embedding_loss_backward", _HE["strict"][1])]),
    (margins.HINGE_MISTAKES[3], [("hinge_embedding_loss", changed(LF.hinge_embedding_loss, margin=1.0))]),
    (margins.MULTI_MARGIN_MISTAKES[0], [("multi_margin_loss", _MM["C-1"][0])]),
    (margins.MULTI_MARGIN_MISTAKES[1], [("multi_margin_loss", _MM["1"][0])]),
    (margins.MULTI_MARGIN_MISTAKES[2], [("multi_margin_loss", _MM["at j"][0])]),
    (margins.MULTI_MARGIN_MISTAKES[3], [("multi_margin_loss_backward", _MM["≥"][1])]),
    (margins.MULTI_MARGIN_MISTAKES[4], [("multi_margin_loss", changed(LF.multi_margin_loss, p=1))]),
    (margins.MULTI_MARGIN_MISTAKES[5], [("multi_margin_loss", changed(LF.multi_margin_loss, margin=1.0))]),
    (margins.MULTI_MARGIN_MISTAKES[6], [("multi_margin_loss", _mm_mean_over_weights)]),
    (margins.MULTILABEL_MISTAKES[0], [("multilabel_margin_loss", _ML["dedupe"][0])]),
    (margins.MULTILABEL_MISTAKES[1], [("multilabel_margin_loss", _ML["no -1"][0])]),
    (margins.MULTILABEL_MISTAKES[2], [("multilabel_margin_loss", _ML["C-1"][0])]),
    (margins.MULTILABEL_MISTAKES[3], [("multilabel_margin_loss_backward", _ML["≥"][1])]),
    (margins.MULTILABEL_MISTAKES[4], [("multilabel_margin_loss", _ML["1"][0])]),
    (embeddings.RANKING_MISTAKES[0], [("margin_ranking_loss",
                                       changed(LF.margin_ranking_loss, target=lambda a: -np.asarray(a["target"])))]),
    (embeddings.RANKING_MISTAKES[1], [("margin_ranking_loss_backward", _RANKING_STRICT[1])]),
    (embeddings.RANKING_MISTAKES[2], [("margin_ranking_loss", changed(LF.margin_ranking_loss, margin=0.0))]),
    (embeddings.COSINE_MISTAKES[0], [("cosine_embedding_loss", _COS["others"][0])]),
    (embeddings.COSINE_MISTAKES[1], [("cosine_embedding_loss_backward", _COS["strict"][1])]),
    (embeddings.COSINE_MISTAKES[2], [("cosine_embedding_loss", changed(LF.cosine_embedding_loss, margin=0.0))]),
    (embeddings.TRIPLET_MISTAKES[0], [("triplet_margin_loss", _TRIPLET["norm"][0]),
                                      ("triplet_margin_loss_backward", _TRIPLET["norm"][1])]),
    (embeddings.TRIPLET_MISTAKES[1], [("triplet_margin_loss", _TRIPLET["none"][0])]),
    (embeddings.TRIPLET_MISTAKES[2], [("triplet_margin_loss_backward", _TRIPLET["tie"][1])]),
    (embeddings.TRIPLET_MISTAKES[3], [("triplet_margin_loss", changed(LF.triplet_margin_loss, swap=False))]),
    (embeddings.TRIPLET_MISTAKES[4], [("triplet_margin_loss", changed(LF.triplet_margin_loss, margin=1.0))]),
    (embeddings.TRIPLET_MISTAKES[5], [("triplet_margin_loss", changed(LF.triplet_margin_loss, p=2.0))]),
    (embeddings.TRIPLET_MISTAKES[6], [("triplet_margin_loss_backward", _TRIPLET["strict"][1])]),
    (embeddings.TRIPLET_DISTANCE_MISTAKES[0], [(_TD, _distance(_TRIPLET["norm"][0]))]),
    (embeddings.TRIPLET_DISTANCE_MISTAKES[1], [(_TD, _distance(_TRIPLET["none"][0]))]),
    (embeddings.TRIPLET_DISTANCE_MISTAKES[2], [(_TD + "_backward", _distance(_TRIPLET["tie"][1]))]),
    (embeddings.TRIPLET_DISTANCE_MISTAKES[3], [(_TD, changed(LF.triplet_margin_with_distance_loss, swap=False))]),
    (embeddings.TRIPLET_DISTANCE_MISTAKES[4], [(_TD, changed(LF.triplet_margin_with_distance_loss, margin=1.0))]),
    (ctc.MISTAKES[0], [("ctc_loss", _CTC_RAW[0]), ("ctc_loss_backward", _CTC_RAW[1])]),
    (ctc.MISTAKES[1], [("ctc_loss", _CTC_TOTAL[0]), ("ctc_loss_backward", _CTC_TOTAL[1])]),
    (ctc.MISTAKES[2], [("ctc_loss", _CTC_NO_CLAMP[0])]),
    (ctc.MISTAKES[3], [("ctc_loss", changed(LF.ctc_loss, zero_infinity=False)),
                       ("ctc_loss_backward", changed(LF.ctc_loss_backward, zero_infinity=False))]),
    (ctc.MISTAKES[4], [("ctc_loss", _ctc_input_lengths_ignored(LF.ctc_loss)),
                       ("ctc_loss_backward", _ctc_input_lengths_ignored(LF.ctc_loss_backward))]),
    (ctc.MISTAKES[5], [("ctc_loss", changed(LF.ctc_loss, blank=0))]),
    (ctc.MISTAKES[6], [("ctc_loss", _ctc_repeat_skip)]),
    (ctc.TORCH_CONVENTION, [("ctc_loss_backward", _ctc_torch_convention)]),
]

BUGGY = [(m, f, fn) for m, entries in OWN for f, fn in entries]
BUGGY += [(GENERIC_MISTAKES[i], f, fn) for i, entries in GENERIC.items() for f, fn in entries]


BUILTIN = [p for module in (regression, counts, cross_entropy, divergence, binary, margins, embeddings, ctc)
           for p in module.ASSIGNMENT.parts]


def test_every_diagnosis_has_a_buggy_implementation_below():
    """Each usual mistake of every course assignment (and every generic one) is exercised by BUGGY.
    (A new assignment's are checked by the next test; buggy implementations are optional for it.)"""
    covered = {id(m) for m, _, _ in BUGGY}
    missing = [(p.function, m.message[:60]) for p in BUILTIN for m in p.mistakes if id(m) not in covered]
    missing += [("generic", m.message[:60]) for m in GENERIC_MISTAKES if id(m) not in covered]
    assert not missing


def _arrays(value):
    return tuple(np.asarray(v, dtype=np.float64) for v in (value if isinstance(value, tuple) else (value,)))


@pytest.mark.parametrize("loss", sorted({p.loss for p in PARTS}))
def test_every_diagnosis_can_fire(loss):
    """For each part's own mistakes: on some case, the answer the mistake gives differs from the right
    one and is diagnosed with that mistake's message (not shadowed by another, not never applicable).
    Generic for every assignment, a new one included."""
    fired = {}
    for part in (p for p in PARTS if p.loss == loss):
        public, hidden, answers = cases_and_answers(part.function)
        for case, want in zip(public + hidden[0], answers):
            want = _arrays(want)
            for mistake in part.mistakes:
                fired.setdefault(mistake.message, False)
                try:
                    with np.errstate(all="ignore"), warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        alt = mistake.expected(case, part.expected)
                except Exception:  # noqa: BLE001 - as spec.diagnose: a mistake that does not apply here
                    continue
                if alt is None or fired[mistake.message]:
                    continue
                alt = _arrays(alt)
                if len(alt) != len(want) or spec._close(alt, want):  # (a wrong shape is a mistake too)
                    continue
                fired[mistake.message] = spec.diagnose(part, case, alt, want) == mistake.message
    assert all(fired.values()), [m[:70] for m, ok in fired.items() if not ok]


@pytest.mark.parametrize("mistake,function,fn", BUGGY, ids=[f"{f}: {m.message[:50]}" for m, f, fn in BUGGY])
def test_a_buggy_implementation_gets_its_diagnosis(mistake, function, fn):
    got = diagnoses(function, fn)
    assert mistake.message in got, f"{function}: the diagnosis never appeared; the grader said: {sorted(got)}"


def test_the_smooth_l1_beta_diagnosis_was_dead_for_a_learner_who_forgets_beta():
    """The old diagnosis compared with smooth L1 at beta = 1 (identical to the right answer there, and not
    what a forgotten division gives elsewhere); the learner's own formula must be recognised."""
    for function, fn in ((("smooth_l1_loss", _smooth_l1_no_beta)), ("smooth_l1_loss_backward",
                                                                     _smooth_l1_no_beta_backward)):
        assert regression.SMOOTH_BETA in find_part(function).mistakes
        assert regression.SMOOTH_BETA.message in diagnoses(function, fn)


def test_check_prints_the_smooth_l1_diagnosis(capsys):
    from lossedu.grading.check import check

    def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
        return _smooth_l1_no_beta(input, target, reduction, beta)

    with pytest.raises(AssertionError):
        check(smooth_l1_loss)
    assert "likely cause: " + regression.SMOOTH_BETA.message in capsys.readouterr().out


# ----------------------------------------------------------------------------- 3. constant answers score 0
def _constant_answers(part, case, want):
    """Answers that ignore the inputs: constants of the right shape, and the case's arrays echoed back."""
    want = want if isinstance(want, tuple) else (want,)
    shapes = [np.shape(w) for w in want]

    def pack(arrays):
        return tuple(arrays) if len(arrays) > 1 else arrays[0]

    out = {f"constant {c}": pack([np.full(s, c) for s in shapes]) for c in spec.GUESSABLE + (3.0, 1e-3, -7.5)}
    values = np.concatenate([np.ravel(np.asarray(w, dtype=np.float64)) for w in want])
    if values.size > 1:  # "any constant": the one a case whose every element is equal would reward
        out["its own repeated value"] = pack([np.full(s, values[0]) for s in shapes])
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in case.args.items() if isinstance(v, np.ndarray)}
    if part.is_backward and len(shapes) > 1:
        out["its inputs echoed"] = pack([arrays[n] for n in part.gradient_names])
    else:
        out.update({f"{k} echoed": a for k, a in arrays.items() if a.shape == shapes[0]})
    return out


@pytest.mark.parametrize("function", [p.function for p in PARTS])
def test_a_constant_answer_passes_no_hidden_case(function, monkeypatch):
    monkeypatch.setattr(spec, "diagnose", lambda *args: "")  # whether it passes is all that counts here
    part = find_part(function)
    public, hidden, answers = cases_and_answers(function, SEEDS)
    sets = [public] + hidden
    labelled = [(k, case) for k, cases in enumerate(sets) for case in cases]
    rates = {}  # answer name -> cases passed per set (public, then each seed's hidden set)
    for (k, case), want in zip(labelled, answers):
        for name, answer in _constant_answers(part, case, want).items():
            rates.setdefault(name, [0] * len(sets))[k] += compare(part, case, answer, want).passed
    total = [len(c) for c in sets]
    for name, passed in rates.items():
        hidden_passed = passed[1:]
        assert not any(hidden_passed), f"{function}: {name} passes hidden cases {hidden_passed} of {total[1:]}"
        # what grade.py scores: points × min(public rate, hidden rate)
        assert min(passed[0] / total[0], min(p / t for p, t in zip(hidden_passed, total[1:]))) == 0


def test_hidden_sets_stay_large_enough_after_dropping_uninformative_cases():
    for part in PARTS:
        for seed in SEEDS:
            assert len(hidden_cases(part, seed)) >= 3, part.function


def test_uninformative_recognises_constants_and_echoes():
    part = find_part("l1_loss")
    x = np.array([1.0, 2.0])
    assert spec.uninformative(part, Case("", {"input": x, "target": x + 1, "reduction": "none"}), np.ones(2))
    assert spec.uninformative(part, Case("", {"input": x, "target": x}), np.array(0.0))
    assert spec.uninformative(part, Case("", {"input": x, "target": 0 * x, "reduction": "none"}), x)  # = input
    assert spec.uninformative(part, Case("", {"input": x, "target": 0 * x}), np.array(np.nan))
    assert not spec.uninformative(part, Case("", {"input": x, "target": 0 * x}), np.array(1.5))
    assert not spec.uninformative(part, Case("", {"input": x, "target": x - [1, 3], "reduction": "none"}),
                                  np.array([1.0, 3.0]))


def test_the_untouched_public_edge_cases_that_a_constant_passes_are_the_deliberate_ones():
    """Public cases a constant passes are allowed only where the right answer is constant by nature
    (every target ignored, a single class, no alignment at all, an empty batch whose 'mean' is nan or 0 by
    the home's rule): the hidden ones never are."""
    allowed = ("every target ignored", "one class: the loss is 0", "no alignment: inf", "empty inputs (0,)",
               "no boxes (0, 4)")
    for part in PARTS:
        public, _, answers = cases_and_answers(part.function)
        for case, want in zip(public, answers):
            if spec.uninformative(part, case, want):
                assert any(a in case.label for a in allowed), f"{part.function}: {case.label}"


# ----------------------------------------------------------------------------- correct answers still pass
@pytest.mark.parametrize("function", [p.function for p in PARTS])
def test_lossedu_passes_every_case_of_every_seed(function):
    part = find_part(function)
    public, hidden, answers = cases_and_answers(function, SEEDS)
    fn = getattr(LF, function, None)
    if fn is None:
        pytest.skip(f"lossedu.functional has no {function}")
    for case, want in zip(public + [c for h in hidden for c in h], answers):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict = compare(part, case, fn(**case.args), want)
        assert verdict.passed, f"{case.label}: {verdict.problem}"


# ----------------------------------------------------------------------------- planted bugs, diagnosed
def _planted():
    import importlib
    import pkgutil

    import tests.planted as planted

    out = []
    for info in pkgutil.iter_modules(planted.__path__):
        module = importlib.import_module(f"tests.planted.{info.name}")
        out += [(info.name[1:], bug) for bug in module.BUGS if bug.diagnosis]
    return out


PLANTED = _planted()


def _solution_functions(stem, bug):
    """The solution notebook's functions with `bug` applied, run in this process (setup and solution
    cells in order: the learner's kernel, without the sandbox)."""
    from lossedu.grading import notebook as nbio
    from lossedu.grading.registry import solution_path

    namespace = {}
    for cell in nbio.load(solution_path(stem))["cells"]:
        meta = nbio.nbgrader(cell)
        if cell.get("cell_type") != "code" or not (meta.get("solution") or "setup" in nbio.tags(cell)):
            continue
        src = nbio.source(cell)
        if meta.get("grade_id") == bug.cell:
            assert src.count(bug.old) == 1, f"{bug.old!r} must occur exactly once in cell {bug.cell}"
            src = src.replace(bug.old, bug.new)
        exec(compile(src, f"<{stem}: {meta.get('grade_id')}>", "exec"), namespace)  # noqa: S102 - our solutions
    return namespace


def test_each_course_assignment_has_planted_bugs_with_a_diagnosis():
    """Every assignment the course ships (Part I's and Part II's) has planted bugs in tests/planted/."""
    assert {stem for stem, _ in PLANTED} == {a.name for a in all_assignments()}


@pytest.mark.parametrize("stem,bug", PLANTED, ids=[f"{s}: {b.name}" for s, b in PLANTED])
def test_a_planted_bug_is_diagnosed(stem, bug):
    functions = _solution_functions(stem, bug)
    said = set()
    for function in bug.loses:
        said |= diagnoses(function, functions[function])
    assert any(bug.diagnosis in d for d in said), f"the grader said: {sorted(said)}"
