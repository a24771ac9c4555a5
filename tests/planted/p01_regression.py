from tests.planted import Bug

BUGS = [
    Bug("l1: sum instead of mean", "l1_loss", "return reduce(terms, reduction, weight)",
        "return reduce(terms, 'sum' if reduction == 'mean' else reduction, weight)", ("l1_loss",)),
    Bug("l1: weight ignored", "l1_loss", "terms = weight * terms", "terms = terms", ("l1_loss",)),
    Bug("l1 backward: sign flipped", "l1_loss", "local = np.sign(input - target)", "local = np.sign(target - input)",
        ("l1_loss_backward",)),
    Bug("mse backward: factor 2 dropped", "mse_loss", "local = 2.0 * (input - target)", "local = input - target",
        ("mse_loss_backward",)),
    Bug("smooth l1: boundary ≤ instead of < (wrong at beta = 0)", "smooth_l1_loss",
        "    d = np.abs(input - target)\n    quadratic = d < beta", "    d = np.abs(input - target)\n    quadratic = d <= beta",
        ("smooth_l1_loss",)),
    Bug("smooth l1: the division by beta dropped", "smooth_l1_loss", "0.5 * d**2 / np.where(quadratic, beta, 1.0)",
        "0.5 * d**2", ("smooth_l1_loss",)),
    Bug("huber: mean over Σ weight (as l1) instead of numel", "huber_loss",
        "return reduce(terms, reduction, weight, mean_over_weights=False)", "return reduce(terms, reduction, weight)",
        ("huber_loss",)),
    Bug("huber backward: gradient not clipped", "huber_loss", "local = np.clip(d, -delta, delta)", "local = d",
        ("huber_loss_backward",)),
    Bug("helpers: mean over the first axis only", "helpers", "return terms.sum() / terms.size",
        "return terms.sum() / terms.shape[0] if terms.ndim else terms.sum()",
        ("l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss")),
]
