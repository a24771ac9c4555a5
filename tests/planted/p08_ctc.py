from tests.planted import Bug

BUGS = [
    Bug("mean: raw losses averaged, not divided by the target lengths", "ctc_loss",
        "return (nll / np.maximum(target_lengths, 1)).mean()", "return nll.mean()", ("ctc_loss",)),
    Bug("mean: empty targets divide by 0 (no max(L_b, 1) clamp)", "ctc_loss",
        "(nll / np.maximum(target_lengths, 1)).mean()", "(nll / target_lengths).mean()", ("ctc_loss",)),
    Bug("zero_infinity ignored in the forward", "ctc_loss",
        "    if zero_infinity:\n        nll = np.where(np.isinf(nll), 0.0, nll)\n", "", ("ctc_loss",)),
    Bug("zero_infinity ignored in the backward (nan instead of 0)", "ctc_loss",
        "0.0 if zero_infinity else np.nan", "np.nan", ("ctc_loss_backward",)),
    Bug("backward in torch's convention g·(exp(lp) − γ)", "ctc_loss",
        "grad = -g[:, None] * occupancy", "grad = g[:, None] * (np.exp(lp) - occupancy)", ("ctc_loss_backward",)),
    Bug("backward recursion: β̃ ends in the final blank only, not also in the last label", "backward_recursion",
        "    end[rows[has_label], 2 * target_lengths[has_label] - 1] = 0.0\n", "", ("ctc_loss_backward",)),
    Bug("backward 'mean': divided by N only, not by the target lengths", "ctc_loss",
        "g = g / (N * np.maximum(target_lengths, 1))", "g = g / N", ("ctc_loss_backward",)),
    Bug("backward: states sharing a class overwrite each other instead of adding up", "ctc_loss",
        "np.add.at(occupancy, (slice(None), np.arange(N), ext[:, s]), gamma[:, :, s])",
        "occupancy[:, np.arange(N), ext[:, s]] = gamma[:, :, s]", ("ctc_loss_backward",)),
]

BUGS += [
    Bug("lattice: the skip allowed between equal labels", "forward_recursion",
        "skip[:, 2:] = ext[:, 2:] != ext[:, :-2]", "skip[:, 2:] = ext[:, 2:] != blank",
        ("ctc_loss", "ctc_loss_backward")),
    Bug("logsumexp without the max shift (underflows for a confident network)", "logsumexp",
        "top = np.where(np.isfinite(top), top, 0.0)", "top = np.zeros_like(top)",
        ("ctc_loss", "ctc_loss_backward")),
    Bug("input_lengths ignored: every sequence read to frame T", "layout",
        "input_lengths = np.asarray(input_lengths, dtype=np.int64).reshape(n)",
        "input_lengths = np.full(n, lp.shape[0])", ("ctc_loss", "ctc_loss_backward")),
    Bug("concatenated targets: every sample read from the start", "layout",
        "labels[b, :length] = targets[start:start + length]", "labels[b, :length] = targets[:length]",
        ("ctc_loss", "ctc_loss_backward")),
    Bug("lattice: blank taken as class 0 whatever `blank` says", "forward_recursion",
        "ext = np.full((N, S), blank, dtype=np.int64)", "ext = np.full((N, S), 0, dtype=np.int64)",
        ("ctc_loss", "ctc_loss_backward")),
]
