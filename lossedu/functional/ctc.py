"""Connectionist Temporal Classification (CTC): a loss for unaligned sequence labelling.

A network emits, at every time step t < T, log-probabilities lp[t, c] over C classes, one of
which is the `blank` ("no label here"). A target l = l_1 … l_L (L ≤ T, no blanks) is reached by
every path π (one class per time step) that collapses to l once repeats are merged and blanks
removed. CTC is the negative log of the total probability of those paths:

    nll = −log p(l | x),   p(l | x) = Σ_{π → l} Π_t exp(lp[t, π_t])

The sum over exponentially many paths is a dynamic programme on the extended label

    l' = blank, l_1, blank, l_2, …, blank, l_L, blank        (2L + 1 states s = 0 … 2L)

with the forward variable α_t(s) (paths of length t + 1 ending in state s) and the backward
variable β̃_t(s) (ways to finish from state s at time t, NOT counting time t itself):

    α_0(0) = lp[0, blank],  α_0(1) = lp[0, l_1],  α_0(s) = −inf for s ≥ 2
    α_t(s) = lp[t, l'_s] + logsumexp(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) if l'_s ≠ l'_{s−2})
    β̃_{T−1}(s) = 0 for s ∈ {2L, 2L−1},  −inf otherwise
    β̃_t(s) = logsumexp over s2 ∈ {s, s+1, s+2 if l'_{s+2} ≠ l'_s} of lp[t+1, l'_{s2}] + β̃_{t+1}(s2)
    nll = −logsumexp(α_{T−1}(2L), α_{T−1}(2L−1))

Everything is in log space (a product of 1000 probabilities underflows any float), vectorised
over the batch and the states; only time is a Python loop, because step t needs step t − 1.
The skip s−2 → s is forbidden between equal labels: "a a" needs a blank in between, so
target [1, 1] needs T ≥ 3. Each sample b has its own lengths T_b ≤ T and L_b; states beyond
2L_b and times from T_b on are masked to −inf instead of looping over samples.

Reduction: 'none' → (nll_b), 'sum' → Σ_b nll_b, 'mean' → mean_b(nll_b / max(L_b, 1)).

The public functions start with one call, `_prepare(…)`, that checks every argument as torch
does and brings them to the batched layout (notebook 00 explains this preamble); the lines after
it are the recursions above.

Reference: Graves, Fernández, Gomez, Schmidhuber, "Connectionist Temporal Classification:
Labelling Unsegmented Sequence Data with Recurrent Neural Networks" (ICML 2006); torch 2.13
`aten/src/ATen/native/LossCTC.cpp`.

Matching torch at the edges
---------------------------
- Gradient convention: `ctc_loss_backward` returns the true derivative −g_b·γ_t(c); torch's kernel
  adds g_b·exp(lp) on the counted frames (its docstring says why both train the same). Where
  lp = −inf, ours is the exact 0 and torch's is nan.
- No alignment (L_b plus the repeats needs more than T_b frames): nll_b = inf and the gradient is
  nan on the frames t < T_b, 0 after; `zero_infinity` makes both 0. T_b = 0 gives nll 0 for an
  empty target, inf otherwise, and gradient 0 (there are no frames to blame).
- 'mean' divides each nll_b by max(L_b, 1) before the mean over N, so an empty target counts 1.
- dtypes: float32 and float64. torch 2.13 has no float16 or bfloat16 CTC on the CPU
  ("not implemented for 'Half'"), so a float16 log_probs is refused with a TypeError.
- Targets are checked (labels in [0, C), never the blank), where torch reads arbitrary memory.
- The emissions of padded states and frames are −inf, so −inf + (−inf) and exp(−inf) = 0 keep
  them out of every sum; `_logsumexp3` returns −inf (not nan) when all three terms are −inf.
"""
from typing import NamedTuple

import numpy as np

from ._core import as_float_array, check_reduction, check_scalar, grad_like, ieee, reduction_backward

__all__ = ["ctc_loss", "ctc_loss_backward"]


# ----------------------------------------------------------------------------- the lattice
def _lattice(args):
    """The extended labels l' (N, S'), S' = 2·max L + 1, and the log-emissions on the lattice.

    Returns (ext, em, skip): em[t, b, s] = lp[t, b, l'_s], but −inf for padded states
    (s > 2L_b) and padded times (t ≥ T_b), so no path can use them; skip[b, s] is 0 where the
    jump s−2 → s is allowed (l'_s ≠ l'_{s−2}) and −inf where it is not.
    """
    lp, labels = args.log_probs, args.labels
    T, N, _ = lp.shape
    S = 2 * labels.shape[1] + 1
    ext = np.full((N, S), args.blank)                                         # l' = ∅ l_1 ∅ l_2 … ∅
    ext[:, 1::2] = labels
    two_back = np.pad(ext, ((0, 0), (2, 0)), constant_values=-1)[:, :S]      # l'_{s−2} (none for s < 2)
    skip = np.where(ext != two_back, 0, -np.inf).astype(lp.dtype)
    frames = np.arange(T)[:, None, None] < args.input_lengths[:, None]       # t < T_b
    states = np.arange(S) <= 2 * args.target_lengths[:, None]                # s ≤ 2L_b
    em = np.where(frames & states, lp[:, np.arange(N)[:, None], ext], -np.inf)
    return ext, em, skip


def _logsumexp3(a, b, c):
    """log(eᵃ + eᵇ + eᶜ) elementwise, shifted by the max so nothing overflows or underflows."""
    m = np.maximum(np.maximum(a, b), c)
    m = np.where(np.isneginf(m), 0, m)  # all three −inf: keep −inf instead of −inf − (−inf) = nan
    return m + np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m))


def _alpha(em, skip):
    """log α_t(s) for every t (T, N, S'): the forward recursion of the module docstring."""
    T, N, S = em.shape
    # Two −inf columns in front make α_{t−1}(s−1) and α_{t−1}(s−2) plain slices.
    alpha = np.full((T, N, S + 2), -np.inf, dtype=em.dtype)
    alpha[0, :, 2:4] = em[0, :, :2]
    for t in range(1, T):
        prev = alpha[t - 1]
        alpha[t, :, 2:] = em[t] + _logsumexp3(prev[:, 2:], prev[:, 1:-1], prev[:, :-2] + skip)
    return alpha[:, :, 2:]


def _nll(alpha, input_lengths, target_lengths):
    """nll_b = −logsumexp(α_{T_b−1}(2L_b), α_{T_b−1}(2L_b−1)); T_b = 0 gives 0 if L_b = 0 else inf."""
    rows = np.arange(alpha.shape[1])
    last = np.maximum(input_lengths - 1, 0)
    end_blank = alpha[last, rows, 2 * target_lengths]
    end_label = np.where(target_lengths > 0, alpha[last, rows, np.maximum(2 * target_lengths - 1, 0)], -np.inf)
    nll = -np.logaddexp(end_blank, end_label)
    return np.where(input_lengths > 0, nll, np.where(target_lengths > 0, np.inf, 0)).astype(alpha.dtype)


def _beta_tilde(em, skip, input_lengths, target_lengths):
    """log β̃_t(s) (T, N, S'): the backward recursion, leaving out the emission at t itself.

    Leaving lp[t] out of β̃ makes the occupancy α_t(s)·β̃_t(s) exact even where lp = −inf
    (α·β / y_t would be 0/0 there).
    """
    T, N, S = em.shape
    rows, L = np.arange(N), target_lengths
    last = np.full((N, S), -np.inf, dtype=em.dtype)   # β̃ at each sample's last frame T_b − 1:
    last[rows, 2 * L] = 0                              # 0 in the two end states 2L_b and 2L_b − 1
    last[rows[L > 0], 2 * L[L > 0] - 1] = 0
    skip_ahead = np.pad(skip, ((0, 0), (0, 2)), constant_values=-np.inf)[:, 2:]  # the jump s → s+2
    beta = np.full((T, N, S), -np.inf, dtype=em.dtype)
    for t in range(T - 1, -1, -1):
        if t + 1 < T:
            # lp[t+1, l'_s] + β̃_{t+1}(s), with two −inf columns behind so s+1 and s+2 are plain slices
            after = np.pad(em[t + 1] + beta[t + 1], ((0, 0), (0, 2)), constant_values=-np.inf)
            beta[t] = _logsumexp3(after[:, :-2], after[:, 1:-1], after[:, 2:] + skip_ahead)
        beta[t] = np.where((input_lengths - 1 == t)[:, None], last, beta[t])
    return beta


def _occupancy(ext, alpha, beta, nll, n_classes):
    """γ_t(c) = Σ_{s: l'_s = c} exp(α_t(s) + β̃_t(s) + nll): the posterior that frame t emits c.

    (T, N, C); 0 on padded frames because α is −inf there. The blank, and a repeated label,
    occupy several states, so the states are summed per class: a product with the one-hot
    matrix of l', onehot[b, s, c] = [l'_s = c].
    """
    gamma = np.exp(alpha + beta + nll[:, None])                                    # γ_t(s), (T, N, S')
    onehot = (ext[:, :, None] == np.arange(n_classes)).astype(gamma.dtype)        # (N, S', C)
    return (gamma.transpose(1, 0, 2) @ onehot).transpose(1, 0, 2)                 # per b: (T, S') @ (S', C)


def _forward(args):
    """(ext, em, skip, α, nll) for checked arguments: the shared start of forward and backward."""
    ext, em, skip = _lattice(args)
    alpha = _alpha(em, skip)
    return ext, em, skip, alpha, _nll(alpha, args.input_lengths, args.target_lengths)


# ----------------------------------------------------------------------------- loss
@ieee()
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """CTC loss: nll_b = −log Σ_{paths π → target_b} Π_{t<T_b} exp(log_probs[t, b, π_t]).

    log_probs (T, N, C) or (T, C) unbatched; targets padded (N, S) or concatenated 1-D;
    input_lengths T_b ≤ T and target_lengths L_b, one per sample. Computed with the α
    recursion in log space (module docstring). `zero_infinity=True` replaces an infinite loss
    (no alignment fits in T_b frames) by 0. Reduction: 'none' → nll (N,) (0-d unbatched),
    'sum' → Σ_b nll_b, 'mean' → mean_b(nll_b / max(L_b, 1)).

    log_probs need not be normalised: adding k to every entry lowers nll_b by T_b·k.
    Unlike torch we check target values (torch reads arbitrary memory for a label ≥ C).
    """
    args = _prepare(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
    *_, nll = _forward(args)
    if args.zero_infinity:
        nll = np.where(np.isposinf(nll), 0, nll)
    return _reduce(nll, args)


@ieee()
def ctc_loss_backward(grad_output, log_probs, targets, input_lengths, target_lengths, blank=0,
                      reduction="mean", zero_infinity=False):
    """∂loss/∂log_probs: the TRUE derivative of `ctc_loss`, −g_b·γ_t(c) for t < T_b, 0 after.

    Derivative: lp[t, c] enters every path through a state s with l'_s = c at time t, so
        ∂nll_b/∂lp[t, b, c] = −γ_t(c),  γ_t(c) = Σ_{s: l'_s = c} exp(α_t(s) + β̃_t(s) + nll_b)
    (the posterior probability that the alignment emits c at t; Σ_c γ_t(c) = 1), and
    g_b = ∂loss/∂nll_b is the upstream gradient, times 1/(N·max(L_b, 1)) for 'mean'.
    An infinite nll_b (no alignment) gives nan for t < T_b, as torch; with zero_infinity the
    whole sample's gradient is 0; T_b = 0 gives 0.

    Gradient convention. torch's CTC backward returns this plus g_b·exp(lp[t, b, c]) for t < T_b
    (pytorch issues #52241, #82545): its kernel folds in the log_softmax that is assumed to come
    before it. We return the derivative of the function `ctc_loss` actually computes, so that
    gradcheck passes on raw log_probs and the formula above is the whole story. Nothing changes
    for training: a model feeds log_softmax outputs, and the log_softmax backward
    dz = dlp − softmax(z)·Σ_c dlp removes any term proportional to exp(lp) = softmax(z) (because
    Σ_c exp(lp) = 1), so both conventions give identical gradients for the logits. Where
    lp = −inf our gradient is the exact 0, torch's is nan.
    """
    args = _prepare(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
    g = _sample_grad(grad_output, args)
    ext, em, skip, alpha, nll = _forward(args)
    beta = _beta_tilde(em, skip, args.input_lengths, args.target_lengths)
    grad = _occupancy(ext, alpha, beta, nll, args.log_probs.shape[2]) * -g[:, None]
    grad = _without_alignment(grad, nll, args)
    return grad_like(grad[:, 0] if args.unbatched else grad, log_probs)


def _without_alignment(grad, nll, args):
    """Where nll_b = inf (no alignment fits) the derivative is undefined: nan on the counted frames
    t < T_b as in torch, or 0 with zero_infinity, which made that sample's loss the constant 0."""
    counted = np.arange(grad.shape[0])[:, None] < args.input_lengths                   # (T, N)
    fill = np.where(counted & (not args.zero_infinity), np.nan, 0).astype(grad.dtype)
    return np.where(np.isposinf(nll)[:, None], fill[:, :, None], grad)


def _reduce(nll, args):
    if args.reduction == "none":
        return nll.reshape(()) if args.unbatched else nll
    if args.reduction == "sum":
        return np.asarray(np.sum(nll, dtype=nll.dtype))
    per_label = nll / np.maximum(args.target_lengths, 1).astype(nll.dtype)
    return np.asarray(np.mean(per_label, dtype=nll.dtype))


def _sample_grad(grad_output, args):
    """g_b = ∂(reduced loss)/∂nll_b: the upstream gradient, over N·max(L_b, 1) for 'mean'."""
    dtype = args.log_probs.dtype
    n = args.labels.shape[0]
    shape = () if args.unbatched else (n,)
    g = np.broadcast_to(reduction_backward(grad_output, shape, args.reduction, dtype), shape).reshape(n)
    if args.reduction == "mean":
        g = g / np.maximum(args.target_lengths, 1).astype(dtype)
    return g


# ----------------------------------------------------------------------------- the preamble: argument checks
class _CTCArgs(NamedTuple):
    log_probs: np.ndarray      # (T, N, C), a view of the caller's array
    labels: np.ndarray         # (N, max L) int64, padded with `blank`
    input_lengths: np.ndarray  # (N,) int64
    target_lengths: np.ndarray  # (N,) int64
    blank: int
    reduction: str
    zero_infinity: bool
    unbatched: bool


def _prepare(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity):
    """Check every argument as torch does and bring them to the batched (T, N, C) layout."""
    lp = as_float_array(log_probs, "log_probs")
    if lp.dtype not in (np.float32, np.float64):
        raise TypeError(f"log_probs must be float32 or float64 (as torch's CTC), got dtype {lp.dtype}")
    if lp.ndim not in (2, 3):
        raise ValueError(
            f"log_probs must have shape (T, N, C), or (T, C) unbatched; got {lp.ndim} dimensions {lp.shape}"
        )
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None, :]
    T, N, C = lp.shape
    if lp.size == 0:
        raise ValueError(f"log_probs must not be empty (T, N and C all ≥ 1), got shape {lp.shape}")
    reduction = check_reduction(reduction)
    if not isinstance(zero_infinity, (bool, np.bool_)):
        raise TypeError(f"zero_infinity must be a bool, got {zero_infinity!r}")
    blank = int(check_scalar(blank, "blank", integer=True))
    if not 0 <= blank < C:
        raise ValueError(f"blank must be in label range [0, {C}) (C = log_probs.shape[-1]), got {blank}")
    input_lengths = _lengths(input_lengths, "input_lengths", N)
    target_lengths = _lengths(target_lengths, "target_lengths", N)
    if input_lengths.max() > T:
        raise ValueError(
            f"input_lengths must be at most T = {T} (log_probs.shape[0]), got {input_lengths.max()}"
        )
    labels = _labels(targets, target_lengths, C, blank)
    return _CTCArgs(lp, labels, input_lengths, target_lengths, blank, reduction, bool(zero_infinity), unbatched)


def _lengths(lengths, name, n):
    """`input_lengths` / `target_lengths` as an int64 vector of n non-negative entries."""
    a = np.asarray(lengths)
    if a.size == 0 and a.dtype.kind == "f":
        a = a.astype(np.int64)  # an empty list: numpy guesses float, there are no values to doubt
    if a.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be integral (integer array, list or int), got dtype {a.dtype}"
        )
    # torch accepts any layout with one entry per sample, e.g. 0-d for a single sample.
    a = a.reshape(-1).astype(np.int64, copy=False)
    if a.size != n:
        raise ValueError(f"{name} must have one entry per batch element (N = {n}), got {a.size}")
    if a.min() < 0:
        raise ValueError(f"{name} must be ≥ 0, got {a.min()}")
    return a


def _labels(targets, target_lengths, n_classes, blank):
    """The used target labels as an (N, max L) int64 array, padded with `blank`.

    `targets` is padded (N, S) with S ≥ max L (columns beyond L_b are ignored), or the 1-D
    concatenation of all targets, of length exactly Σ L_b.
    """
    try:
        t = np.asarray(targets)
    except ValueError:
        raise ValueError("targets must be a rectangular array (padded (N, S) or 1-D concatenated)") from None
    if t.dtype.kind not in "iuf":
        raise TypeError(f"targets must be an array of integer class labels, got dtype {t.dtype}")
    n, max_len = target_lengths.size, int(target_lengths.max())
    used = np.arange(max_len) < target_lengths[:, None]                        # (N, max L)
    if t.ndim == 1:
        if t.size != target_lengths.sum():
            raise ValueError(
                f"targets given concatenated (1-D) must have length sum(target_lengths) = "
                f"{target_lengths.sum()}, got {t.size}"
            )
        starts = np.cumsum(target_lengths) - target_lengths
        labels = t[np.where(used, starts[:, None] + np.arange(max_len), 0)] if t.size else t.reshape(n, 0)
    elif t.ndim == 2:
        if t.shape[0] != n or t.shape[1] < max_len:
            raise ValueError(
                f"targets given padded (2-D) must have shape (N, S) with N = {n} and "
                f"S ≥ max(target_lengths) = {max_len}, got {t.shape}"
            )
        labels = t[:, :max_len]
    else:
        raise ValueError(
            f"targets must be 1-D (concatenated) or 2-D (N, S) padded, got {t.ndim} dimensions"
        )
    values = labels[used]
    if t.dtype.kind == "f" and not np.all(np.isfinite(values) & (values == np.round(values))):
        raise TypeError("targets must hold integer class labels; got a float array with non-integral values")
    if np.any((values < 0) | (values >= n_classes)):
        raise ValueError(f"targets must be class labels in [0, {n_classes}), got values outside")
    if np.any(values == blank):
        raise ValueError(f"targets must not contain the blank label {blank}")
    return np.where(used, labels, blank).astype(np.int64)
