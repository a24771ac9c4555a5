"""Learning from preferences (notebook 13): Bradley-Terry, DPO, SimPO, ORPO, KTO.

Every loss here scores a *pair* (or, for KTO, an unpaired batch) of answers by how much the
model prefers the chosen answer over the rejected one. The shared building block is the
log-sigmoid: −log σ(z) is the logistic loss of "chosen beats rejected" with preference logit z.

Homes (TRL is not a dependency: the tests transcribe its formulas into torch):

* `bradley_terry_loss` — TRL's `RewardTrainer` loss, −log σ(r_c − r_r − margin).
* `dpo_loss` — TRL 0.28 `DPOTrainer.dpo_loss`, loss_type 'sigmoid' / 'hinge' / 'ipo'.
* `simpo_loss` — TRL 0.28 `CPOTrainer.cpo_loss` with loss_type 'simpo' (no NLL term).
* `orpo_loss` — TRL 0.28 `ORPOTrainer.odds_ratio_loss`, negated (the term to minimise).
* `kto_loss` — TRL 0.28 `KTOTrainer.kto_loss` ('kto' and 'apo_zero_unpaired'), mean = nanmean.
"""
from __future__ import annotations

import numpy as np

from ._core import (
    apply_reduction,
    as_float_array,
    broadcast_shape,
    check_grad_output,
    check_reduction,
    check_scalar,
    grad_like,
    ieee,
    reduction_backward,
    result_dtype,
)

__all__ = [
    "bradley_terry_loss",
    "bradley_terry_loss_backward",
    "dpo_loss",
    "dpo_loss_backward",
    "simpo_loss",
    "simpo_loss_backward",
    "orpo_loss",
    "orpo_loss_backward",
    "kto_loss",
    "kto_loss_backward",
]

DPO_LOSS_TYPES = ("sigmoid", "hinge", "ipo")
KTO_LOSS_TYPES = ("kto", "apo_zero_unpaired")


# ----------------------------------------------------------------------------- shared pieces
def log_sigmoid(x):
    """log σ(x) = min(x, 0) − log(1 + e^(−|x|)): never exp of a large positive number (no overflow)."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def log_sigmoid_grad(x):
    """d log σ(x)/dx = σ(−x) = 1 − σ(x), from e^(−|x|) ≤ 1 as torch's kernel does (0 at +inf, 1 at −inf)."""
    z = np.exp(-np.abs(x))
    return np.where(x < 0, 1 - z / (1 + z), z / (1 + z))


def _sigmoid(x):
    """σ(x) without overflow: e^(−|x|) is at most 1."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _smoothed_logistic(z, label_smoothing):
    """−(1 − ε)·log σ(z) − ε·log σ(−z): the logistic loss with the label flipped with probability ε."""
    return -log_sigmoid(z) * (1 - label_smoothing) - log_sigmoid(-z) * label_smoothing


def _smoothed_logistic_grad(z, label_smoothing):
    """d/dz of `_smoothed_logistic`: −(1 − ε)·σ(−z) + ε·σ(z)."""
    return -log_sigmoid_grad(z) * (1 - label_smoothing) + log_sigmoid_grad(-z) * label_smoothing


def _arrays(named):
    """The named arrays as float arrays, their broadcast shape and torch's result dtype."""
    arrays = [as_float_array(v, n) for n, v in named]
    shape = broadcast_shape(*[(n, a.shape) for (n, _), a in zip(named, arrays)])
    return arrays, shape, result_dtype(*arrays)


def _positive(value, name):
    value = check_scalar(value, name)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _fraction(value, name):
    value = check_scalar(value, name)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return value


def _choice(value, name, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}={value!r} is not valid; expected one of {', '.join(map(repr, allowed))}")
    return value


def _pair_grads(d, g, dtype, first, second):
    """∂ℓ/∂first = g·d and ∂ℓ/∂second = −g·d for a loss of z = first − second − …, un-broadcast."""
    gd = (g * d).astype(dtype, copy=False)
    return grad_like(gd, first), grad_like(-gd, second)


# ----------------------------------------------------------------------------- Bradley-Terry
def _prepare_bradley_terry(chosen_rewards, rejected_rewards, margin, reduction):
    named = [("chosen_rewards", chosen_rewards), ("rejected_rewards", rejected_rewards)]
    if margin is not None:
        named.append(("margin", margin))
    arrays, shape, dtype = _arrays(named)
    reduction = check_reduction(reduction, elementwise_mean=False)
    c, r = arrays[0], arrays[1]
    # TRL subtracts in this order: (r_c − r_r) − margin.
    z = c - r if margin is None else c - r - arrays[2]
    return c, r, np.broadcast_to(z, shape).astype(dtype, copy=False), dtype, reduction


@ieee()
def bradley_terry_loss(chosen_rewards, rejected_rewards, margin=None, reduction="mean"):
    """Bradley-Terry reward-model loss: ℓ = −log σ(r_c − r_r − margin).

    P(chosen ≻ rejected) = σ(r_c − r_r) (Bradley & Terry 1952), so ℓ is the negative
    log-likelihood of the human's choice. `margin` (optional, not differentiated) asks the
    chosen reward to win by at least that much (Llama 2's graded preferences).

    Reference: TRL's `RewardTrainer.compute_loss` (−logsigmoid(...).mean()).

    Matching TRL at the edges: an empty batch with 'mean' is nan (torch's mean of nothing); a
    reward of +inf for the chosen answer gives 0, of −inf gives inf; inf − inf is nan.
    """
    _, _, z, _, reduction = _prepare_bradley_terry(chosen_rewards, rejected_rewards, margin, reduction)
    return apply_reduction(-log_sigmoid(z), reduction)


@ieee()
def bradley_terry_loss_backward(grad_output, chosen_rewards, rejected_rewards, margin=None, reduction="mean"):
    """∂ℓ/∂r_c = −σ(−z) = σ(z) − 1 and ∂ℓ/∂r_r = σ(−z), z = r_c − r_r − margin.

    Returns (∂/∂chosen_rewards, ∂/∂rejected_rewards).
    """
    c, r, z, dtype, reduction = _prepare_bradley_terry(chosen_rewards, rejected_rewards, margin, reduction)
    g = reduction_backward(grad_output, z.shape, reduction, dtype)
    return _pair_grads(-log_sigmoid_grad(z), g, dtype, c, r)


# ----------------------------------------------------------------------------- DPO
def _prepare_dpo(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta, label_smoothing,
                 loss_type, reduction):
    named = [("chosen_logps", chosen_logps), ("rejected_logps", rejected_logps),
             ("ref_chosen_logps", ref_chosen_logps), ("ref_rejected_logps", ref_rejected_logps)]
    (c, r, rc, rr), shape, dtype = _arrays(named)
    beta = _positive(beta, "beta")
    label_smoothing = _fraction(label_smoothing, "label_smoothing")
    loss_type = _choice(loss_type, "loss_type", DPO_LOSS_TYPES)
    reduction = check_reduction(reduction, elementwise_mean=False)
    # TRL's order of operations: (π_c − π_r) − (ref_c − ref_r).
    logits = np.broadcast_to((c - r) - (rc - rr), shape).astype(dtype, copy=False)
    return c, r, logits, beta, label_smoothing, loss_type, reduction, dtype


@ieee()
def dpo_loss(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta=0.1, label_smoothing=0.0,
             loss_type="sigmoid", reduction="mean"):
    """Direct Preference Optimisation (Rafailov et al. 2023).

    h = (log π(y_c) − log π(y_r)) − (log π_ref(y_c) − log π_ref(y_r)), the implicit reward margin; then

    * 'sigmoid': ℓ = −(1 − ε)·log σ(β·h) − ε·log σ(−β·h)   (ε = label_smoothing, conservative DPO)
    * 'hinge':   ℓ = max(0, 1 − β·h)                        (SLiC)
    * 'ipo':     ℓ = (h − 1/(2β))²                          (IPO; ε is not used)

    Reference: TRL 0.28 `DPOTrainer.dpo_loss` (TRL ≥ 0.29 moved label smoothing elsewhere).

    Matching TRL at the edges: when the policy equals the reference h = 0 and the sigmoid loss is
    log 2 ≈ 0.6931 whatever β (the plateau of huggingface/trl#1962: a first step always shows it).
    A log-probability of −inf gives inf (or nan for −inf − (−inf)); an empty batch with 'mean' is nan.
    """
    _, _, h, beta, eps, loss_type, reduction, _ = _prepare_dpo(
        chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta, label_smoothing, loss_type,
        reduction)
    if loss_type == "sigmoid":
        loss = _smoothed_logistic(beta * h, eps)
    elif loss_type == "hinge":
        loss = np.maximum(1 - beta * h, 0)
    else:
        loss = (h - 1 / (2 * beta)) ** 2
    return apply_reduction(loss.astype(h.dtype, copy=False), reduction)


@ieee()
def dpo_loss_backward(grad_output, chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta=0.1,
                      label_smoothing=0.0, loss_type="sigmoid", reduction="mean"):
    """∂ℓ/∂log π(y_c) = dℓ/dh and ∂ℓ/∂log π(y_r) = −dℓ/dh, where dℓ/dh is

    * 'sigmoid': β·(−(1 − ε)·σ(−βh) + ε·σ(βh))
    * 'hinge':   −β where 1 − βh > 0, else 0 (0 at the kink, as torch's relu)
    * 'ipo':     2·(h − 1/(2β))

    The reference log-probabilities are constants (TRL computes them without gradient).
    Returns (∂/∂chosen_logps, ∂/∂rejected_logps).
    """
    c, r, h, beta, eps, loss_type, reduction, dtype = _prepare_dpo(
        chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta, label_smoothing, loss_type,
        reduction)
    g = reduction_backward(grad_output, h.shape, reduction, dtype)
    if loss_type == "sigmoid":
        d = beta * _smoothed_logistic_grad(beta * h, eps)
    elif loss_type == "hinge":
        d = np.where(1 - beta * h > 0, -beta, 0.0)
    else:
        d = 2 * (h - 1 / (2 * beta))
    return _pair_grads(d, g, dtype, c, r)


# ----------------------------------------------------------------------------- SimPO
def _prepare_simpo(policy_chosen_logps, policy_rejected_logps, beta, simpo_gamma, label_smoothing, reduction):
    named = [("policy_chosen_logps", policy_chosen_logps), ("policy_rejected_logps", policy_rejected_logps)]
    (c, r), shape, dtype = _arrays(named)
    beta = _positive(beta, "beta")
    simpo_gamma = check_scalar(simpo_gamma, "simpo_gamma")
    label_smoothing = _fraction(label_smoothing, "label_smoothing")
    reduction = check_reduction(reduction, elementwise_mean=False)
    # TRL: logits = (π_c − π_r) − γ/β, then the logistic loss of β·logits.
    logits = np.broadcast_to((c - r) - simpo_gamma / beta, shape).astype(dtype, copy=False)
    return c, r, logits, beta, label_smoothing, reduction, dtype


@ieee()
def simpo_loss(policy_chosen_logps, policy_rejected_logps, beta=0.1, simpo_gamma=0.5, label_smoothing=0.0,
               reduction="mean"):
    """SimPO (Meng et al. 2024): ℓ = −(1 − ε)·log σ(β·u) − ε·log σ(−β·u),  u = (π_c − π_r) − γ/β.

    π_c, π_r are the policy's length-averaged log-probabilities (no reference model): the chosen
    answer must beat the rejected one by the target margin γ (in reward units, γ/β in log-prob).

    Reference: TRL 0.28 `CPOTrainer.cpo_loss` with loss_type 'simpo' (the NLL term of CPO left out).

    Matching TRL at the edges: empty 'mean' is nan; −inf log-probabilities give inf (or nan).
    """
    _, _, u, beta, eps, reduction, _ = _prepare_simpo(
        policy_chosen_logps, policy_rejected_logps, beta, simpo_gamma, label_smoothing, reduction)
    return apply_reduction(_smoothed_logistic(beta * u, eps).astype(u.dtype, copy=False), reduction)


@ieee()
def simpo_loss_backward(grad_output, policy_chosen_logps, policy_rejected_logps, beta=0.1, simpo_gamma=0.5,
                        label_smoothing=0.0, reduction="mean"):
    """∂ℓ/∂π_c = β·(−(1 − ε)·σ(−βu) + ε·σ(βu)) = −∂ℓ/∂π_r.

    Returns (∂/∂policy_chosen_logps, ∂/∂policy_rejected_logps).
    """
    c, r, u, beta, eps, reduction, dtype = _prepare_simpo(
        policy_chosen_logps, policy_rejected_logps, beta, simpo_gamma, label_smoothing, reduction)
    g = reduction_backward(grad_output, u.shape, reduction, dtype)
    return _pair_grads(beta * _smoothed_logistic_grad(beta * u, eps), g, dtype, c, r)


# ----------------------------------------------------------------------------- ORPO
def _prepare_orpo(policy_chosen_logps, policy_rejected_logps, beta, reduction):
    named = [("policy_chosen_logps", policy_chosen_logps), ("policy_rejected_logps", policy_rejected_logps)]
    (c, r), shape, dtype = _arrays(named)
    beta = _positive(beta, "beta")
    reduction = check_reduction(reduction, elementwise_mean=False)
    return c, r, shape, beta, reduction, dtype


def _log_odds_ratio(c, r):
    """log odds(c) − log odds(r), odds(p) = p/(1 − p) for p = e^logp, in TRL's order of terms:
    (c − r) − (log(1 − e^c) − log(1 − e^r)), each log(1 − e^x) as log1p(−e^x)."""
    return (c - r) - (np.log1p(-np.exp(c)) - np.log1p(-np.exp(r)))


@ieee()
def orpo_loss(policy_chosen_logps, policy_rejected_logps, beta=0.1, reduction="mean"):
    """ORPO's odds-ratio term (Hong et al. 2024): ℓ = −β·log σ(log odds(y_c) − log odds(y_r)) ≥ 0.

    odds(y) = P(y)/(1 − P(y)) with log P(y) the policy's (average) log-probability, so the
    inputs must be ≤ 0. ORPO adds this to the chosen answer's NLL (not included here).

    Reference: TRL 0.28 `ORPOTrainer.odds_ratio_loss`, which returns β·log σ(·) (this loss's
    negative; the trainer subtracts it).

    Matching TRL at the edges: a log-probability of exactly 0 (P = 1) has log(1 − 1) = −inf, so
    odds = inf: the chosen one at 0 gives ℓ = 0 (and a nan gradient, 0·inf, as TRL's autograd);
    both at 0 give nan. −inf gives odds 0. Positive log-probabilities give nan (log of a negative).
    """
    c, r, shape, beta, reduction, dtype = _prepare_orpo(policy_chosen_logps, policy_rejected_logps, beta, reduction)
    z = np.broadcast_to(_log_odds_ratio(c, r), shape)
    return apply_reduction((-beta * log_sigmoid(z)).astype(dtype, copy=False), reduction)


@ieee()
def orpo_loss_backward(grad_output, policy_chosen_logps, policy_rejected_logps, beta=0.1, reduction="mean"):
    """∂ℓ/∂c = −β·σ(−z)·(1 + e^c/(1 − e^c)) and ∂ℓ/∂r = +β·σ(−z)·(1 + e^r/(1 − e^r)).

    d/dx log odds(e^x) = 1 + e^x/(1 − e^x) = 1/(1 − e^x); written as the chain rule through
    log1p(−e^x), so the edges (x = 0) give the nan that autograd gives.
    Returns (∂/∂policy_chosen_logps, ∂/∂policy_rejected_logps).
    """
    c, r, shape, beta, reduction, dtype = _prepare_orpo(policy_chosen_logps, policy_rejected_logps, beta, reduction)
    g = reduction_backward(grad_output, shape, reduction, dtype)
    gz = g * (-beta * log_sigmoid_grad(np.broadcast_to(_log_odds_ratio(c, r), shape)))
    ec, er = np.exp(c), np.exp(r)
    grad_c = gz + gz * (ec / (1 - ec))
    grad_r = -gz - gz * (er / (1 - er))
    return grad_like(grad_c.astype(dtype, copy=False), c), grad_like(grad_r.astype(dtype, copy=False), r)


# ----------------------------------------------------------------------------- KTO
def _prepare_kto(policy_chosen_logps, policy_rejected_logps, policy_KL_logps, reference_chosen_logps,
                 reference_rejected_logps, reference_KL_logps, beta, desirable_weight, undesirable_weight,
                 loss_type, reduction):
    pc, pr, pk, rc, rr, rk = (
        as_float_array(v, n) for n, v in [
            ("policy_chosen_logps", policy_chosen_logps), ("policy_rejected_logps", policy_rejected_logps),
            ("policy_KL_logps", policy_KL_logps), ("reference_chosen_logps", reference_chosen_logps),
            ("reference_rejected_logps", reference_rejected_logps), ("reference_KL_logps", reference_KL_logps)])
    for name, a in [("policy_chosen_logps", pc), ("policy_rejected_logps", pr), ("policy_KL_logps", pk)]:
        if a.ndim != 1:
            raise ValueError(f"{name} must be a 1-d batch of log-probabilities, got shape {a.shape}")
    shape_c = broadcast_shape(("policy_chosen_logps", pc.shape), ("reference_chosen_logps", rc.shape))
    shape_r = broadcast_shape(("policy_rejected_logps", pr.shape), ("reference_rejected_logps", rr.shape))
    broadcast_shape(("policy_KL_logps", pk.shape), ("reference_KL_logps", rk.shape))
    if len(shape_c) != 1 or len(shape_r) != 1:
        raise ValueError("the chosen and rejected log-probabilities must be 1-d batches")
    dtype = result_dtype(pc, pr, pk, rc, rr, rk)
    beta = _positive(beta, "beta")
    desirable_weight = check_scalar(desirable_weight, "desirable_weight")
    undesirable_weight = check_scalar(undesirable_weight, "undesirable_weight")
    loss_type = _choice(loss_type, "loss_type", KTO_LOSS_TYPES)
    reduction = check_reduction(reduction, elementwise_mean=False)
    if loss_type == "kto":
        # The KL estimate: a batch mean, detached, clamped at 0 (nan stays nan, as torch's clamp).
        kl = np.mean(pk - rk) if (pk - rk).size else np.nan
        kl = np.asarray(kl if np.isnan(kl) else max(kl, 0.0), dtype=dtype)
    else:
        kl = np.zeros((), dtype)
    zc = np.broadcast_to(pc - rc, shape_c).astype(dtype, copy=False)
    zr = np.broadcast_to(pr - rr, shape_r).astype(dtype, copy=False)
    return pc, pr, zc, zr, kl, beta, desirable_weight, undesirable_weight, loss_type, reduction, dtype


def _kto_pieces(zc, zr, kl, beta, loss_type):
    """s_c, s_r: the arguments of σ in the chosen and the rejected term."""
    if loss_type == "kto":
        return beta * (zc - kl), beta * (kl - zr)
    return beta * zc, beta * zr


def _kto_reduce(loss, reduction):
    """'mean' is TRL's nanmean (nan entries skipped; all nan or empty gives nan)."""
    if reduction != "mean":
        return apply_reduction(loss, reduction)
    keep = ~np.isnan(loss)
    n = int(keep.sum())
    return np.asarray(np.sum(loss[keep]) / n if n else np.nan, dtype=loss.dtype)


@ieee()
def kto_loss(policy_chosen_logps, policy_rejected_logps, policy_KL_logps, reference_chosen_logps,
             reference_rejected_logps, reference_KL_logps, beta=0.1, desirable_weight=1.0, undesirable_weight=1.0,
             loss_type="kto", reduction="mean"):
    """Kahneman-Tversky Optimisation (Ethayarajh et al. 2024), on unpaired good and bad answers.

    With z_c = log π(y_c) − log π_ref(y_c), z_r likewise, and KL = max(0, mean(log π − log π_ref) on
    the KL batch) (a detached reference point),

    * 'kto':               ℓ_c = w_d·(1 − σ(β(z_c − KL))),  ℓ_r = w_u·(1 − σ(β(KL − z_r)))
    * 'apo_zero_unpaired': ℓ_c = w_d·(1 − σ(β z_c)),        ℓ_r = w_u·σ(β z_r)

    'none' returns [ℓ_c..., ℓ_r...] (the chosen first, as TRL concatenates); 'mean' is a nanmean.

    Reference: TRL 0.28 `KTOTrainer.kto_loss` (and `get_batch_loss_metrics`'s `losses.nanmean()`).

    Matching TRL at the edges: KL is computed under no_grad, so it does not enter the gradient at all
    (the KL log-probabilities get none: `_backward` returns the chosen and rejected ones only). An
    empty KL batch makes KL nan, so every 'kto' loss is nan and the mean is nan. nan entries are
    skipped by 'mean' but their gradient is still nan (0·nan in autograd). An empty batch gives nan.
    """
    _, _, zc, zr, kl, beta, wd, wu, loss_type, reduction, dtype = _prepare_kto(
        policy_chosen_logps, policy_rejected_logps, policy_KL_logps, reference_chosen_logps,
        reference_rejected_logps, reference_KL_logps, beta, desirable_weight, undesirable_weight, loss_type,
        reduction)
    sc, sr = _kto_pieces(zc, zr, kl, beta, loss_type)
    lc = wd * (1 - _sigmoid(sc))
    lr = wu * (1 - _sigmoid(sr)) if loss_type == "kto" else wu * _sigmoid(sr)
    loss = np.concatenate([lc.astype(dtype, copy=False), lr.astype(dtype, copy=False)])
    return _kto_reduce(loss, reduction)


@ieee()
def kto_loss_backward(grad_output, policy_chosen_logps, policy_rejected_logps, policy_KL_logps,
                      reference_chosen_logps, reference_rejected_logps, reference_KL_logps, beta=0.1,
                      desirable_weight=1.0, undesirable_weight=1.0, loss_type="kto", reduction="mean"):
    """∂ℓ_c/∂log π(y_c) = −w_d·β·σ'(s_c) and ∂ℓ_r/∂log π(y_r) = +w_u·β·σ'(s_r), σ'(s) = σ(s)(1 − σ(s)).

    Both loss types give these: in 'kto' ℓ_r = 1 − σ(β(KL − z_r)) (two minus signs), in
    'apo_zero_unpaired' ℓ_r = σ(βz_r) (none).

    The upstream of 'mean' is g/n on the n non-nan losses and 0 on the nan ones (nansum's rule);
    the KL term is a constant. Returns (∂/∂policy_chosen_logps, ∂/∂policy_rejected_logps).
    """
    pc, pr, zc, zr, kl, beta, wd, wu, loss_type, reduction, dtype = _prepare_kto(
        policy_chosen_logps, policy_rejected_logps, policy_KL_logps, reference_chosen_logps,
        reference_rejected_logps, reference_KL_logps, beta, desirable_weight, undesirable_weight, loss_type,
        reduction)
    sc, sr = _kto_pieces(zc, zr, kl, beta, loss_type)
    n_c, n = zc.shape[0], zc.shape[0] + zr.shape[0]
    if reduction == "mean":
        g = check_grad_output(grad_output, (), dtype)
        lc = wd * (1 - _sigmoid(sc))
        lr = wu * (1 - _sigmoid(sr)) if loss_type == "kto" else wu * _sigmoid(sr)
        keep = ~np.isnan(np.concatenate([lc, lr]))
        # nanmean = nansum / count: 1/count on the kept entries (count 0: g/0 = inf, times 0 → nan).
        g = np.where(keep, g / np.asarray(keep.sum(), dtype), 0).astype(dtype, copy=False)
        if not keep.any():
            g = np.full(n, np.nan, dtype)
    else:
        g = reduction_backward(grad_output, (n,), reduction, dtype)
    gc, gr = g[:n_c], g[n_c:]
    dc = -wd * beta * (_sigmoid(sc) * (1 - _sigmoid(sc)))
    ds = wu * beta * (_sigmoid(sr) * (1 - _sigmoid(sr)))
    return grad_like((gc * dc).astype(dtype, copy=False), pc), grad_like((gr * ds).astype(dtype, copy=False), pr)
