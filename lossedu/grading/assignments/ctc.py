"""Assignment 08: ctc_loss and its gradient (the TRUE derivative with respect to log_probs).

The forward is checked against torch. The backward is checked against the true derivative
−g_b·γ_t(c), which is torch's log_probs gradient minus g_b·exp(log_probs) on the counted frames
t < T_b of every sample whose loss is finite (torch folds in a log_softmax it assumes comes first;
see lossedu/functional/ctc.py) — the convention of lossedu.functional.ctc_loss_backward.
Cases stay small (T ≤ 30, N ≤ 4) so that even a loop-heavy numpy solution grades quickly.
"""

from __future__ import annotations

import numpy as np

from ..cases import REDUCTIONS, backward_cases
from ..spec import Assignment, Case, Mistake, Part, torch_reference


# ----------------------------------------------------------------------------- inputs
def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _log_probs(rng, T, N, C, *, scale=1.0, normalised=True, unbatched=False):
    z = rng.normal(scale=scale, size=(T, C) if unbatched else (T, N, C))
    return _log_softmax(z) if normalised else z


def _word(rng, length, C, blank):
    """`length` class labels in [0, C) other than `blank`."""
    v = rng.integers(0, C - 1, size=length)
    return (v + (v >= blank)).astype(np.int64)


def _targets(rng, words, C, layout):
    """Padded (N, S), S > max L, with junk labels after each length; or 1-D concatenated."""
    if layout == "concatenated":
        return np.concatenate([np.asarray(w, dtype=np.int64) for w in words] + [np.zeros(0, np.int64)])
    S = max(len(w) for w in words) + int(rng.integers(1, 3))
    return np.array([np.concatenate([w, rng.integers(0, C, size=S - len(w))]) for w in words], dtype=np.int64)


def _args(lp, targets, input_lengths, target_lengths, **options):
    args = {"log_probs": lp, "targets": targets,
            "input_lengths": np.asarray(input_lengths, dtype=np.int64),
            "target_lengths": np.asarray(target_lengths, dtype=np.int64)}
    return {**args, **options}


def _batch(rng, T, C, input_lengths, words, *, layout="padded", blank=0, **options):
    words = [np.asarray(w, dtype=np.int64) for w in words]
    lp = _log_probs(rng, T, len(words), C, scale=options.pop("scale", 1.0),
                    normalised=options.pop("normalised", True))
    return _args(lp, _targets(rng, words, C, layout), input_lengths, [len(w) for w in words],
                 blank=blank, **options)


def _tricky(rng, reduction, zero_infinity):
    """The edge batch of the semantics reference: 'aa' in exactly 3 frames, 'aa' in 2 (no alignment),
    an empty target, an empty input with an empty target (0), an empty input with a target (inf)."""
    lp = _log_probs(rng, 4, 5, 3)
    targets = np.array([[1, 1], [1, 1], [2, 2], [0, 0], [1, 0]], dtype=np.int64)
    return _args(lp, targets, [3, 2, 4, 0, 0], [2, 2, 0, 0, 1], reduction=reduction, zero_infinity=zero_infinity)


def _public(rng):
    out = []
    for reduction in REDUCTIONS:
        out.append(Case(f"padded targets (N, S) with junk after each length, T_b < T for some, reduction={reduction!r}",
                        _batch(rng, 12, 5, [12, 9, 11], [_word(rng, 4, 5, 0), _word(rng, 2, 5, 0), _word(rng, 3, 5, 0)],
                               reduction=reduction)))
        out.append(Case(f"concatenated 1-D targets, reduction={reduction!r}",
                        _batch(rng, 10, 4, [10, 10, 7], [_word(rng, 3, 4, 0), _word(rng, 1, 4, 0), _word(rng, 2, 4, 0)],
                               layout="concatenated", reduction=reduction)))
        out.append(Case(f"unbatched: log_probs (T, C), targets (L,), 0-d lengths, reduction={reduction!r}",
                        _args(_log_probs(rng, 8, 1, 4, unbatched=True), _word(rng, 3, 4, 0), 8, 3, reduction=reduction)))
    for zero_infinity in (False, True):
        for reduction in REDUCTIONS:
            out.append(Case(f"edge batch: 'aa' in 3 frames, 'aa' in 2 (no alignment: inf), empty target, empty input; "
                            f"zero_infinity={zero_infinity}, reduction={reduction!r}",
                            _tricky(rng, reduction, zero_infinity)))
    out.append(Case("'mean' with an empty target in the batch (divides by max(L_b, 1) = 1)",
                    _batch(rng, 7, 4, [7, 6, 7], [[1, 3], [], [2, 1, 3]], layout="concatenated", reduction="mean")))
    out.append(Case("all targets empty (targets is an empty 1-D array): loss −Σ_t lp[t, blank], reduction='mean'",
                    _batch(rng, 5, 3, [5, 3], [[], []], layout="concatenated", reduction="mean")))
    out.append(Case("blank=4, the last class (labels 0…3), reduction='mean'",
                    _batch(rng, 9, 5, [9, 8], [_word(rng, 3, 5, 4), _word(rng, 4, 5, 4)], blank=4, reduction="mean")))
    out.append(Case("blank=2, in the middle of the classes, concatenated targets, reduction='sum'",
                    _batch(rng, 9, 5, [9, 9, 6], [_word(rng, 2, 5, 2), _word(rng, 4, 5, 2), _word(rng, 1, 5, 2)],
                           layout="concatenated", blank=2, reduction="sum")))
    out.append(Case("repeated neighbours: 'abba', 'aab', 'cc' (no skip between equal labels), reduction='none'",
                    _batch(rng, 10, 4, [10, 8, 5], [[1, 2, 2, 1], [1, 1, 2], [3, 3]], reduction="none")))
    out.append(Case("as many letters as frames (L = T, no repeats): a single alignment, reduction='none'",
                    _batch(rng, 4, 5, [4, 3], [[1, 2, 3, 4], [4, 1, 2]], reduction="none")))
    out.append(Case("unnormalised log_probs (raw scores: ctc_loss does not normalise), reduction='sum'",
                    _batch(rng, 8, 4, [8, 7], [[1, 2, 3], [3, 3]], normalised=False, scale=2.0, reduction="sum")))
    out.append(Case("a confident network over T=30 frames: nll > 1000, probabilities underflow, work in log space, "
                    "reduction='none'",
                    _batch(rng, 30, 6, [30, 27], [_word(rng, 6, 6, 0), _word(rng, 4, 6, 0)], scale=60.0,
                           reduction="none")))
    args = _batch(rng, 6, 4, [6, 5], [[1, 2], [3]], reduction="mean")
    out.append(Case("input_lengths and target_lengths as Python lists, reduction='mean'",
                    {**args, "input_lengths": [6, 5], "target_lengths": [2, 1]}))
    return out


NEG_INF_LABEL = "a class with probability 0 (log_probs = −inf) at some frames, reduction='sum'"


def _with_neg_inf(rng):
    args = _batch(rng, 7, 4, [7, 7], [[1, 2], [2, 1, 2]], reduction="sum")
    lp = args["log_probs"].copy()
    lp[[1, 4], :, 3] = -np.inf      # class 3 is in no target: every alignment avoids it anyway
    return Case(NEG_INF_LABEL, {**args, "log_probs": lp})


def _hidden(rng, count=16):
    out = []
    for i in range(count):
        reduction = REDUCTIONS[i % 3]
        T, C = int(rng.integers(1, 31)), int(rng.integers(2, 8))
        blank = int(rng.integers(0, C))
        unbatched = rng.random() < 0.2
        N = 1 if unbatched else int(rng.integers(1, 5))
        lengths = rng.integers(0, min(T, 6) + 1, size=N)
        words = [_word(rng, int(L), C, blank) for L in lengths]
        input_lengths = np.minimum(T, lengths + rng.integers(0, T + 1, size=N))
        if rng.random() < 0.3:                         # some impossible or empty inputs
            input_lengths[rng.integers(0, N)] = rng.integers(0, T + 1)
        if rng.random() < 0.7:                         # usually one sample fills all T frames
            input_lengths[rng.integers(0, N)] = T
        normalised = rng.random() < 0.85
        # raw scores stay moderate: the reference subtracts exp(lp) from torch's gradient
        scale = float(rng.choice([1.0, 1.0, 3.0, 60.0])) if normalised else 2.0
        zero_infinity = bool(rng.random() < 0.5)
        lp = _log_probs(rng, T, N, C, scale=scale, normalised=normalised, unbatched=unbatched)
        layout = "concatenated" if unbatched or rng.random() < 0.4 else "padded"
        targets = _targets(rng, words, C, layout)
        if unbatched:                                  # 0-d lengths
            args = _args(lp, targets, int(input_lengths[0]), int(lengths[0]))
        else:
            args = _args(lp, targets, input_lengths, lengths)
        args.update(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
        out.append(Case(f"random {i + 1}", args))
    return out


def forward_cases(rng, hidden):
    if hidden:
        return _hidden(rng)
    return _public(rng) + [_with_neg_inf(rng)]


def backward_cases_of(rng, hidden):
    # torch's gradient is nan where log_probs = −inf (the true one is 0): that case is forward-only.
    cases = [c for c in forward_cases(rng, hidden) if c.label != NEG_INF_LABEL]
    return backward_cases("ctc_loss", cases, rng)


# ----------------------------------------------------------------------------- torch's answers
def _one_thread(fn):
    """`fn` run with torch on one thread: torch's CTC on these tiny inputs is ~50× slower with several
    threads on a busy machine (thread start-up per call). The previous setting is restored."""

    def run(args):
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(args)
        finally:
            torch.set_num_threads(threads)

    return run


def _torch_forward(args):
    return torch_reference("ctc_loss")(args)


def _layout(args):
    """(lp (T, N, C), input_lengths (N,), target_lengths (N,), unbatched) of a case's arguments."""
    lp = np.asarray(args["log_probs"], dtype=np.float64)
    unbatched = lp.ndim == 2
    lp3 = lp[:, None, :] if unbatched else lp
    n = lp3.shape[1]
    il = np.asarray(args["input_lengths"], dtype=np.int64).reshape(n)
    tl = np.asarray(args["target_lengths"], dtype=np.int64).reshape(n)
    return lp3, il, tl, unbatched


def _sample_weights(args, n, tl):
    """g_b = ∂(reduced loss)/∂nll_b times the upstream gradient."""
    g = np.asarray(args["grad_output"], dtype=np.float64)
    reduction = args.get("reduction", "mean")
    if reduction == "none":
        return g.reshape(n)
    g = np.full(n, float(g))
    return g / (n * np.maximum(tl, 1)) if reduction == "mean" else g


@_one_thread
def true_gradient(args):
    """∂loss/∂log_probs as lossedu.functional.ctc_loss_backward defines it, from torch's answer:
    torch's gradient minus g_b·exp(log_probs) for t < T_b, on samples whose loss is finite (an
    infinite one keeps torch's nan, or 0 with zero_infinity)."""
    torch_grad = torch_reference("ctc_loss_backward")(args)
    lp3, il, tl, unbatched = _layout(args)
    T, N, C = lp3.shape
    forward = {k: v for k, v in args.items() if k != "grad_output"}
    nll = np.asarray(torch_reference("ctc_loss")({**forward, "reduction": "none", "zero_infinity": False})).reshape(N)
    g = _sample_weights(args, N, tl)
    counted = (np.arange(T)[:, None] < il) & np.isfinite(nll)                 # (T, N)
    with np.errstate(invalid="ignore"):                                     # nan − 0 where torch has nan
        grad = np.asarray(torch_grad).reshape(T, N, C) - np.where(counted[:, :, None], g[:, None] * np.exp(lp3), 0.0)
    return grad.reshape(np.shape(args["log_probs"]))


# ----------------------------------------------------------------------------- usual mistakes
def _reweighted(weights):
    """A mistaken reduction: loss = Σ_b w_b·nll_b with per-sample weights `weights(N, L_b)` (None: n/a)."""

    def expected(case, reference):
        with np.errstate(all="ignore"):          # the mistake may well divide by 0 or multiply 0·inf
            return _expected(case, reference)

    def _expected(case, reference):
        args = case.args
        if args.get("reduction", "mean") != "mean":
            return None
        _, il, tl, unbatched = _layout(args)
        w = weights(len(tl), tl)
        if w is None:
            return None
        if "grad_output" in args:
            g = np.asarray(args["grad_output"], dtype=np.float64) * w
            return reference({**args, "reduction": "none", "grad_output": g.reshape(()) if unbatched else g})
        nll = np.asarray(reference({**args, "reduction": "none"})).reshape(len(tl))
        return np.asarray(np.sum(w * nll))

    return expected


def _no_clamp(n, tl):
    return None if (tl > 0).all() else 1.0 / (n * tl.astype(np.float64))


def _over_total_length(n, tl):
    return None if tl.sum() == 0 else np.full(n, 1.0 / tl.sum())


def _zero_infinity_ignored(case, reference):
    return reference({**case.args, "zero_infinity": False}) if case.args.get("zero_infinity") else None


def _input_lengths_ignored(case, reference):
    lp3, il, _, _ = _layout(case.args)
    if (il == lp3.shape[0]).all():
        return None
    full = np.full_like(np.asarray(case.args["input_lengths"], dtype=np.int64), lp3.shape[0])
    return reference({**case.args, "input_lengths": full})


def _blank_ignored(case, reference):
    return reference({**case.args, "blank": 0}) if case.args.get("blank", 0) != 0 else None


def _torch_convention(case, reference):
    return torch_reference("ctc_loss_backward")(case.args)


def _repeat_skip(case, reference):
    """The answer when the skip s−2 → s is allowed between two equal labels."""
    return _variant_ctc(case.args, repeat_skip=True)


MISTAKES = (
    Mistake("'mean' divides each sample's loss by its own target length max(L_b, 1) before averaging over the "
            "batch; you averaged the raw losses", _reweighted(lambda n, tl: np.full(n, 1.0 / n))),
    Mistake("'mean' is the batch mean of nll_b / max(L_b, 1); you divided the summed loss by the total target "
            "length Σ L_b", _reweighted(_over_total_length)),
    Mistake("in 'mean' an empty target divides by max(L_b, 1) = 1, not by 0", _reweighted(_no_clamp)),
    Mistake("you ignored zero_infinity: with zero_infinity=True an infinite loss (no alignment fits) becomes 0, "
            "and its gradient 0", _zero_infinity_ignored),
    Mistake("you ignored input_lengths: frames t ≥ T_b of sample b are padding and must not enter its loss "
            "(and get gradient 0)", _input_lengths_ignored),
    Mistake("you ignored `blank`: the blank is class `blank`, not always class 0", _blank_ignored),
    Mistake("you allowed the skip s−2 → s between two EQUAL labels: 'aa' needs a blank between the two a's "
            "(skip only if l'_s ≠ l'_{s−2})", _repeat_skip),
)
TORCH_CONVENTION = Mistake(
    "you returned torch's convention g_b·(exp(lp) − γ): the graded gradient is the true derivative −g_b·γ_t(c) "
    "of the loss your ctc_loss computes (torch folds in the log_softmax it assumes comes first)", _torch_convention)


# ----------------------------------------------------------------------------- a variant DP for diagnoses
def _lse(*terms):
    stacked = np.stack(terms)
    top = stacked.max(axis=0)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return top + np.log(np.exp(stacked - top).sum(axis=0))


def _variant_ctc(args, *, repeat_skip):
    """Loss (or, with grad_output, true gradient) of CTC with a mistaken lattice (numpy, per torch's rules)."""
    lp3, il, tl, unbatched = _layout(args)
    T, N, C = lp3.shape
    blank = int(args.get("blank", 0))
    targets = np.asarray(args["targets"], dtype=np.int64)
    labels = np.full((N, int(tl.max())), blank, dtype=np.int64)
    start = 0
    for b, L in enumerate(tl):
        labels[b, :L] = targets[b, :L] if targets.ndim == 2 else targets[start:start + L]
        start += L
    S = 2 * labels.shape[1] + 1
    ext = np.full((N, S), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    skip = np.zeros((N, S), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) if repeat_skip else (ext[:, 2:] != ext[:, :-2])
    em = np.where((np.arange(T)[:, None, None] < il[:, None]) & (np.arange(S) <= 2 * tl[:, None]),
                  lp3[:, np.arange(N)[:, None], ext], -np.inf)
    ninf = np.full((N, S), -np.inf)
    alpha = np.full((T, N, S), -np.inf)
    alpha[0, :, :2] = em[0, :, :2]
    for t in range(1, T):
        p = alpha[t - 1]
        move, jump = ninf.copy(), ninf.copy()
        move[:, 1:], jump[:, 2:] = p[:, :-1], p[:, :-2]
        alpha[t] = em[t] + _lse(p, move, np.where(skip, jump, -np.inf))
    rows, last = np.arange(N), np.maximum(il - 1, 0)
    end_label = np.where(tl > 0, alpha[last, rows, np.maximum(2 * tl - 1, 0)], -np.inf)
    nll = -_lse(alpha[last, rows, 2 * tl], end_label)
    nll = np.where(il > 0, nll, np.where(tl > 0, np.inf, 0.0))
    zero_infinity = bool(args.get("zero_infinity", False))
    reduction = args.get("reduction", "mean")
    if "grad_output" not in args:
        out = np.where(np.isinf(nll), 0.0, nll) if zero_infinity else nll
        if reduction == "none":
            return out.reshape(()) if unbatched else out
        return np.asarray(out.sum() if reduction == "sum" else (out / np.maximum(tl, 1)).mean())
    end = ninf.copy()
    end[rows, 2 * tl] = 0.0
    end[rows[tl > 0], 2 * tl[tl > 0] - 1] = 0.0
    beta = np.full((T, N, S), -np.inf)
    for t in range(T - 1, -1, -1):
        if t + 1 < T:
            a = em[t + 1] + beta[t + 1]
            move, jump = ninf.copy(), ninf.copy()
            move[:, :-1] = a[:, 1:]
            jump[:, :-2] = np.where(skip[:, 2:], a[:, 2:], -np.inf)
            beta[t] = _lse(a, move, jump)
        beta[t] = np.where((t == il - 1)[:, None], end, beta[t])
    with np.errstate(invalid="ignore", over="ignore"):
        gamma = np.exp(alpha + beta + nll[:, None])
    occupancy = np.zeros((T, N, C))
    for s in range(S):
        np.add.at(occupancy, (slice(None), rows, ext[:, s]), gamma[:, :, s])
    grad = -_sample_weights(args, N, tl)[:, None] * occupancy
    grad = np.where(np.isinf(nll)[:, None], 0.0 if zero_infinity else np.nan, grad)
    grad = np.where((np.arange(T)[:, None] < il)[:, :, None], grad, 0.0)
    return grad.reshape(np.shape(args["log_probs"]))


ASSIGNMENT = Assignment(
    name="08_ctc",
    title="CTC: the connectionist temporal classification loss and its true gradient",
    parts=(
        Part("ctc_loss", 4, forward_cases, MISTAKES, reference=_one_thread(_torch_forward)),
        Part("ctc_loss_backward", 4, backward_cases_of, MISTAKES + (TORCH_CONVENTION,), reference=true_gradient),
    ),
)
