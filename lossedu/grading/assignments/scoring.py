"""Assignment 12: pinball_loss, crps_gaussian, crps_ensemble, brier_score and their gradients.

The homes are scikit-learn's `mean_pinball_loss` and `brier_score_loss` and properscoring's
`crps_gaussian` and `crps_ensemble` (COURSE.md, Part II). The grader runs where only numpy and torch are
installed, so the right answers here are short transcriptions of the homes' formulas into torch
operations, differentiated by autograd (`spec.autograd_reference`); `lossedu.functional.scoring`, which
is checked against the homes themselves in tests/test_scoring.py, passes every case
(tests/test_grading.py). These transcriptions were also compared with the installed homes (scikit-learn
1.9, properscoring 0.1, its `grad=True` for the Gaussian CRPS' gradient) on the public cases and five
seeds of hidden cases when written: within 1e−13 relative.

What the transcriptions keep from the homes, because it changes a number a learner can see:
* pinball: d = target − input; a tie d = 0 takes the d ≥ 0 branch (scikit-learn's `sign = diff >= 0`),
  so its gradient there is −τ; quantile 0 and 1 are allowed;
* Gaussian CRPS: μ, σ and target broadcast together; 'mean' averages over the broadcast shape and the
  gradient of a broadcast argument is summed back to its shape (autograd does it);
* ensemble CRPS: the plain (not the "fair") score, E|X − y| − ½E|X − X'| over the members on the last
  axis; |·|'s derivative at 0 is 0 (tied members, a member equal to y); a nan member is skipped as
  properscoring does (both means over the members present; its gradient is 0);
* Brier: (n,) probabilities of class 1 (or one column (n, 1)) with targets in {0, 1} or {−1, 1}
  (−1 is class 0) give (p − y)²; (n, K) with integer targets give Σ_k (p_k − [y = k])², halved when
  K ≤ 2 (scikit-learn's `scale_by_half="auto"`); 'mean' averages over the samples.
"""

from __future__ import annotations

import math

import numpy as np

from ..cases import REDUCTIONS, backward_only, flagged, loss_parts
from ..spec import Assignment, Case, Mistake, autograd_reference

INPUT = ("input",)
MU_SIGMA = ("mu", "sigma")
ENSEMBLE = ("ensemble",)


# ============================================================================= the references (torch)
def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def pinball(input, target, quantile=0.5, reduction="mean", *, swapped=False, tie_below=False, absolute=False):
    """scikit-learn's mean_pinball_loss per element: τ·d where d = target − input ≥ 0, (τ − 1)·d below.
    Flags (the usual mistakes): τ and 1 − τ swapped; the tie d = 0 in the lower branch; |d| at τ = ½."""
    import torch

    d = target - input
    q = 1 - quantile if swapped else quantile
    upper = d > 0 if tie_below else d >= 0
    loss = torch.where(upper, q * d, (q - 1) * d)
    return _reduce(2 * loss if absolute else loss, reduction)


def crps_gauss(mu, sigma, target, reduction="mean", *, no_sqrt_pi=False, pdf_cdf_swapped=False, z_fixed=False):
    """properscoring's crps_gaussian: σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π), z = (y − μ)/σ. Flags: the usual
    mistakes (1/√π left out; φ and Φ swapped; z held fixed when differentiating by σ)."""
    import torch

    z = (target - mu) / (sigma.detach() if z_fixed and isinstance(sigma, torch.Tensor) else sigma)
    cdf = torch.special.ndtr(z)
    pdf = torch.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    if pdf_cdf_swapped:
        cdf, pdf = pdf, cdf
    loss = sigma * (z * (2 * cdf - 1) + 2 * pdf - (0.0 if no_sqrt_pi else 1 / math.sqrt(math.pi)))
    return _reduce(loss, reduction)


def crps_ens(ensemble, target, reduction="mean", *, no_spread=False, fair=False, whole_spread=False):
    """properscoring's crps_ensemble: E|X − y| − ½E|X − X'| as nan-means over the members (last axis).
    Flags: the spread term left out; the "fair" 1/(2M(M − 1)) spread; the spread without its ½."""
    accuracy = (ensemble - target[..., None]).abs().nanmean(-1)
    pairs = (ensemble[..., :, None] - ensemble[..., None, :]).abs()
    if fair:
        m = (~ensemble.isnan()).sum(-1).to(ensemble.dtype)
        spread = pairs.nansum((-2, -1)) / (m * (m - 1))
    else:
        spread = pairs.nanmean((-2, -1))
    loss = accuracy if no_spread else accuracy - (1.0 if whole_spread else 0.5) * spread
    return _reduce(loss, reduction)


def brier(input, target, reduction="mean", *, mean_over_classes=False, never_halved=False, always_halved=False,
          minus_one_as_value=False):
    """scikit-learn's brier_score_loss per sample: (p − y)² for (n,) or (n, 1) input, Σ_k (p_k − [y = k])²
    halved when K ≤ 2 for (n, K). Flags: the usual mistakes (a mean over the classes; never halved;
    always halved; a −1 label used as the value −1)."""
    import torch
    import torch.nn.functional as F

    p = input[:, 0] if input.ndim == 2 and input.shape[1] == 1 else input
    if p.ndim == 1:
        y = target.to(p.dtype) if minus_one_as_value else (target == 1).to(p.dtype)
        loss = (p - y) ** 2 * (2 if never_halved else 1)
    else:
        K = p.shape[1]
        sq = (p - F.one_hot(target, K).to(p.dtype)) ** 2
        loss = sq.mean(1) if mean_over_classes else sq.sum(1)
        halved = (K <= 2 and not never_halved) or always_halved
        loss = 0.5 * loss if halved else loss
    return _reduce(loss, reduction)


PINBALL = autograd_reference(pinball, wrt=INPUT)
CRPS_GAUSSIAN = autograd_reference(crps_gauss, wrt=MU_SIGMA)
CRPS_ENSEMBLE = autograd_reference(crps_ens, wrt=ENSEMBLE)
BRIER = autograd_reference(brier, wrt=INPUT)


# ============================================================================= the cases
def _shape(rng, hidden, public, max_rank=3):
    if not hidden:
        return public
    return tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, max_rank + 1))))


QUANTILES = (0.1, 0.9, 0.25, 0.75, 0.5, 0.05, 0.6, 0.95, 0.3)


def pinball_cases(rng, hidden):
    """Every reduction on 1-D to 3-D inputs with several quantiles; τ = ½; τ = 0 and 1; ties; the defaults; 0-d."""
    out = []

    def add(label, args):
        out.append(Case(label, args))

    for r, reduction in enumerate(REDUCTIONS):
        for k, public in enumerate([(7,), (4, 5), (2, 3, 4)]):
            shape = _shape(rng, hidden, public)
            q = float(rng.choice([0.1, 0.25, 0.7, 0.9, 0.95, 0.5])) if hidden else QUANTILES[3 * r + k]
            args = {"input": rng.normal(size=shape), "target": rng.normal(size=shape), "quantile": q,
                    "reduction": reduction}
            add(f"input {shape}, quantile={q!r}, reduction={reduction!r}", args)
    n = 8 if not hidden else int(rng.integers(5, 10))
    add("quantile=0.5: half the absolute error, ½|target − input| (the median's loss)",
        {"input": rng.normal(size=n), "target": rng.normal(size=n), "quantile": 0.5, "reduction": "none"})
    for q, what in ((0.0, "only over-predictions cost: max(input − target, 0)"),
                    (1.0, "only under-predictions cost: max(target − input, 0)")):
        add(f"quantile={q!r}: {what}", {"input": rng.normal(size=n), "target": rng.normal(size=n), "quantile": q,
                                         "reduction": "sum"})
    x = rng.normal(size=n)
    y = x.copy()
    y[n // 2:] += rng.normal(scale=2.0, size=n - n // 2)  # d = 0 in the first half
    add("target == input in places (d = 0 takes the d ≥ 0 branch: loss 0, gradient −quantile there)",
        {"input": x, "target": y, "quantile": 0.3 if not hidden else float(rng.choice([0.2, 0.3, 0.8])),
         "reduction": "none"})
    add("only input and target (the defaults: quantile=0.5, reduction='mean')",
        {"input": rng.normal(size=(3, n)), "target": rng.normal(size=(3, n))})
    add("a 0-d input and target", {"input": np.array(rng.normal()), "target": np.array(rng.normal()),
                                   "quantile": 0.8})
    return out


def gaussian_cases(rng, hidden):
    """Every reduction on 1-D to 3-D forecasts, wide and sharp σ, far tails, broadcast σ and target, defaults."""
    out = []

    def add(label, args):
        out.append(Case(label, args))

    def forecast(shape, low=0.3, high=2.5):
        return {"mu": rng.normal(size=shape), "sigma": rng.uniform(low, high, size=shape),
                "target": rng.normal(scale=1.5, size=shape)}

    for reduction in REDUCTIONS:
        for public in [(6,), (3, 4), (2, 2, 3)]:
            shape = _shape(rng, hidden, public)
            add(f"mu, sigma, target {shape}, reduction={reduction!r}", {**forecast(shape), "reduction": reduction})
    n = 7 if not hidden else int(rng.integers(4, 9))
    args = forecast(n, 0.01, 0.05)
    add("sharp forecasts (σ from 0.01 to 0.05): the CRPS is nearly |target − mu|", {**args, "reduction": "none"})
    args = forecast(n)
    args["target"] = args["mu"] + args["sigma"] * rng.choice([-1.0, 1.0], size=n) * rng.uniform(4, 9, size=n)
    add("targets far in the tails (|z| from 4 to 9): Φ is 0 or 1 to many digits", {**args, "reduction": "none"})
    args = forecast(n)
    args["target"] = args["mu"].copy()
    add("target == mu (z = 0): the CRPS is σ(2φ(0) − 1/√π) = σ(√2 − 1)/√π", {**args, "reduction": "none"})
    m = 5 if not hidden else int(rng.integers(2, 7))
    add(f"one sigma (1,) broadcast over mu and target ({m},): its gradient sums over the batch",
        {"mu": rng.normal(size=m), "sigma": rng.uniform(0.5, 2.0, size=1), "target": rng.normal(size=m),
         "reduction": "mean"})
    add(f"mu and sigma ({m}, 1), target (1, 3): a table of {m} × 3 scores",
        {"mu": rng.normal(size=(m, 1)), "sigma": rng.uniform(0.5, 2.0, size=(m, 1)),
         "target": rng.normal(size=(1, 3)), "reduction": "none"})
    add("only mu, sigma and target (the default: reduction='mean')", forecast((2, n)))
    return out


def ensemble_cases(rng, hidden):
    """Every reduction on 1-D and 2-D batches of ensembles, tied members, a member equal to the target, a
    single member, a missing (nan) member, the defaults."""
    out = []

    def add(label, args):
        out.append(Case(label, args))

    def members(batch, m):
        return {"ensemble": rng.normal(size=batch + (m,)), "target": rng.normal(scale=1.5, size=batch)}

    for reduction in REDUCTIONS:
        for public in [(5, 6), (2, 3, 4), (7, 3)]:
            shape = _shape(rng, hidden, public[:-1], max_rank=2) + (
                public[-1] if not hidden else int(rng.integers(2, 8)),)
            add(f"ensemble {shape}, target {shape[:-1]}, reduction={reduction!r}",
                {**members(shape[:-1], shape[-1]), "reduction": reduction})
    n, m = (4, 6) if not hidden else (int(rng.integers(3, 7)), int(rng.integers(4, 8)))
    args = members((n,), m)
    ens = np.round(args["ensemble"] * 2) / 2  # on a grid of halves: tied members
    ens[0, :3] = ens[0, 3]
    args["ensemble"] = ens
    args["target"][1] = ens[1, 2]
    add("tied members, and a member equal to the target (|·| has derivative 0 at 0: sign(0) = 0)",
        {**args, "reduction": "none"})
    args = members((n,), 1)
    add("an ensemble of one member: the absolute error |x − target|", {**args, "reduction": "none"})
    args = members((n,), m)
    args["ensemble"][0, 1] = np.nan
    args["ensemble"][2, [0, m - 1]] = np.nan
    add("missing members (nan) are skipped, as properscoring does: M counts the others, their gradient is 0",
        {**args, "reduction": "none"})
    add("only ensemble and target (the default: reduction='mean')", members((n,), m))
    return out


def _simplex(rng, n, K):
    return rng.dirichlet(np.ones(K), size=n)


def brier_cases(rng, hidden):
    """Every reduction for K = 3 to 5 classes, K = 2 (halved), (n,) and (n, 1) class-1 probabilities with
    targets {0, 1} and {−1, 1}, the defaults."""
    out = []

    def add(label, args):
        out.append(Case(label, args))

    for reduction in REDUCTIONS:
        for public in [(6, 3), (5, 4)]:
            n, K = public if not hidden else (int(rng.integers(2, 9)), int(rng.integers(3, 6)))
            add(f"input ({n}, {K}) probabilities, reduction={reduction!r}",
                {"input": _simplex(rng, n, K), "target": rng.integers(0, K, size=n), "reduction": reduction})
    n = 7 if not hidden else int(rng.integers(3, 10))
    add(f"two classes, input ({n}, 2): the sum over the classes is halved (scikit-learn's default)",
        {"input": _simplex(rng, n, 2), "target": rng.integers(0, 2, size=n), "reduction": "none"})
    add(f"two classes, input ({n}, 2), reduction='sum'",
        {"input": _simplex(rng, n, 2), "target": rng.integers(0, 2, size=n), "reduction": "sum"})
    t = rng.integers(0, 2, size=n)
    t[:2] = (0, 1)
    add(f"input ({n},): P(class 1) with targets in {{0, 1}}, the loss (p − y)²",
        {"input": rng.uniform(size=n), "target": t, "reduction": "none"})
    add(f"input ({n},) with targets in {{−1, 1}}: −1 is class 0 (y = 0)",
        {"input": rng.uniform(size=n), "target": 2 * t - 1, "reduction": "mean"})
    add(f"input ({n}, 1): one column is P(class 1), as scikit-learn reads it",
        {"input": rng.uniform(size=(n, 1)), "target": t, "reduction": "none"})
    add("only input and target (the default: reduction='mean')",
        {"input": _simplex(rng, n, 4), "target": rng.integers(0, 4, size=n)})
    return out


# ============================================================================= the usual mistakes
def _quantile(args):
    return args.get("quantile", 0.5)


def _has_ties(args):
    return bool(np.any(args["target"] == args["input"]))


PINBALL_MISTAKES = (
    Mistake("under-prediction (target > input) costs τ·(target − input), over-prediction (1 − τ)·(input − target): "
            "you swapped τ and 1 − τ (or took d = input − target)",
            flagged(PINBALL, lambda a: _quantile(a) != 0.5, swapped=True)),
    Mistake("at quantile 0.5 the pinball loss is half the absolute error, ½|target − input|, not |target − input|",
            flagged(PINBALL, lambda a: _quantile(a) == 0.5, absolute=True)),
    Mistake("a tie d = target − input = 0 takes the d ≥ 0 branch (scikit-learn's sign = diff >= 0): the gradient "
            "there is −τ, not 1 − τ", backward_only(flagged(PINBALL, _has_ties, tie_below=True))),
)


def _mu_sign(case, reference):
    if "grad_output" not in case.args:
        return None
    d_mu, d_sigma = reference(case.args)
    return -d_mu, d_sigma


GAUSSIAN_MISTAKES = (
    Mistake("the CRPS of N(μ, σ²) is σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π): you left out the −1/√π term (the "
            "forecast's own spread, ½E|X − X'| = σ/√π)", flagged(CRPS_GAUSSIAN, no_sqrt_pi=True)),
    Mistake("Φ (the cdf) multiplies z and φ (the density) stands alone: σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π); you "
            "swapped them", flagged(CRPS_GAUSSIAN, pdf_cdf_swapped=True)),
    Mistake("z = (y − μ)/σ depends on σ too: ∂ℓ/∂σ = f(z) + σ·f′(z)·∂z/∂σ = 2φ(z) − 1/√π; you held z fixed "
            "(and got f(z))", backward_only(flagged(CRPS_GAUSSIAN, z_fixed=True))),
    Mistake("z = (y − μ)/σ decreases as μ grows: ∂ℓ/∂μ = −(2Φ(z) − 1) = 1 − 2Φ(z); your ∂ℓ/∂μ has the wrong sign",
            _mu_sign),
)

ENSEMBLE_MISTAKES = (
    Mistake("the ensemble CRPS is E|X − y| − ½E|X − X'|: you left out the spread term (that is only the mean "
            "absolute error of the members)", flagged(CRPS_ENSEMBLE, lambda a: a["ensemble"].shape[-1] > 1,
                                                        no_spread=True)),
    Mistake("properscoring's CRPS is the plain one, ½E|X − X'| = (1/2M²)Σ_ij|x_i − x_j|; you took the \"fair\" "
            "1/(2M(M − 1))", flagged(CRPS_ENSEMBLE, lambda a: a["ensemble"].shape[-1] > 1, fair=True)),
    Mistake("the spread term is halved, ½E|X − X'| (each pair appears twice in Σ_ij); you subtracted all of "
            "E|X − X'|", flagged(CRPS_ENSEMBLE, lambda a: a["ensemble"].shape[-1] > 1, whole_spread=True)),
)


def _classes(args):
    p = args["input"]
    return 1 if p.ndim == 1 or p.shape[1] == 1 else p.shape[1]


BRIER_MISTAKES = (
    Mistake("scikit-learn's multi-class Brier score sums the squared errors over the classes; you averaged them "
            "(divided by K)", flagged(BRIER, lambda a: _classes(a) >= 3, mean_over_classes=True)),
    Mistake("with two classes (and for (n,) probabilities of class 1) scikit-learn halves the sum over the "
            "classes, which gives (p − y)²; you did not halve it", flagged(BRIER, lambda a: _classes(a) <= 2,
                                                                          never_halved=True)),
    Mistake("the sum over the classes is halved only when K ≤ 2 (scikit-learn's scale_by_half='auto'); you "
            "halved it for K ≥ 3 too", flagged(BRIER, lambda a: _classes(a) >= 3, always_halved=True)),
    Mistake("a target of −1 means class 0 (y = 0, as scikit-learn reads {−1, 1} labels); you used −1 as the "
            "value y", flagged(BRIER, lambda a: bool(np.any(np.asarray(a["target"]) == -1)),
                               minus_one_as_value=True)),
)


ASSIGNMENT = Assignment(
    name="12_quantiles_and_scoring_rules",
    title="Quantiles and proper scoring rules: pinball, Gaussian and ensemble CRPS, Brier",
    parts=(
        *loss_parts("pinball_loss", pinball_cases, mistakes=PINBALL_MISTAKES, reference=PINBALL.forward,
                    backward_reference=PINBALL.backward, wrt=INPUT),
        *loss_parts("crps_gaussian", gaussian_cases, mistakes=GAUSSIAN_MISTAKES, reference=CRPS_GAUSSIAN.forward,
                    backward_reference=CRPS_GAUSSIAN.backward, wrt=MU_SIGMA),
        *loss_parts("crps_ensemble", ensemble_cases, mistakes=ENSEMBLE_MISTAKES, reference=CRPS_ENSEMBLE.forward,
                    backward_reference=CRPS_ENSEMBLE.backward, wrt=ENSEMBLE),
        *loss_parts("brier_score", brier_cases, mistakes=BRIER_MISTAKES, reference=BRIER.forward,
                    backward_reference=BRIER.backward, wrt=INPUT),
    ),
)
