"""Assignment 13: bradley_terry_loss, dpo_loss, simpo_loss, kto_loss and their gradients.

The homes are TRL 0.28's reward-model loss (`RewardTrainer.compute_loss`), `DPOTrainer.dpo_loss`
(loss_type 'sigmoid' with label smoothing, 'hinge', 'ipo'), `CPOTrainer.cpo_loss` with loss_type 'simpo'
(no NLL term) and `KTOTrainer.kto_loss` ('kto', 'apo_zero_unpaired', then `get_batch_loss_metrics`'s
nanmean), as fixed in COURSE.md. The grader runs where only numpy and torch are installed (and TRL is not
installed anywhere here), so the right answers below are those formulas transcribed into torch,
differentiated by autograd; they are the transcriptions of tests/test_preference.py, against which
`lossedu.functional.preference` is checked, and `lossedu.functional` passes every case here
(tests/test_grading_cases.py).

What the transcriptions keep from TRL, because it changes a number a learner can see:
* the order of terms: Bradley-Terry's z = (r_c − r_r) − margin; DPO's h = (π_c − π_r) − (ref_c − ref_r);
  SimPO's logits (π_c − π_r) − γ/β, then the logistic loss of β·logits;
* F.logsigmoid, which is finite for any finite argument (−log σ(−800) = 800, not inf);
* DPO's hinge is relu(1 − βh), whose gradient at the kink βh = 1 is 0; label smoothing is used by
  'sigmoid' only;
* KTO's KL reference point is the mean of policy_KL − reference_KL over the KL batch, computed without
  gradient and clamped at 0; the losses are [chosen..., rejected...] concatenated, and 'mean' is a
  nanmean (an entry that is nan, e.g. from −inf − (−inf), is skipped).

The backward parts return (∂/∂chosen, ∂/∂rejected): the rewards for Bradley-Terry, the policy's
log-probabilities for the others (the reference's are constants, as are the KL batch's).
"""

from __future__ import annotations

import functools

import numpy as np

from ..cases import REDUCTIONS, loss_parts
from ..spec import Assignment, Case, Mistake, autograd_reference

BT_WRT = ("chosen_rewards", "rejected_rewards")
DPO_WRT = ("chosen_logps", "rejected_logps")
POLICY_WRT = ("policy_chosen_logps", "policy_rejected_logps")


# ============================================================================= the references (torch)
def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _smoothed(z, label_smoothing, swapped=False):
    """−(1 − ε)·log σ(z) − ε·log σ(−z) (swapped: ε and 1 − ε the wrong way round)."""
    import torch.nn.functional as F

    e = 1 - label_smoothing if swapped else label_smoothing
    return -F.logsigmoid(z) * (1 - e) - F.logsigmoid(-z) * e


def bradley_terry(chosen_rewards, rejected_rewards, margin=None, reduction="mean", *, margin_added=False,
                  no_margin=False, swapped=False):
    """TRL's reward loss: −log σ((r_c − r_r) − margin). Flags: the usual mistakes (all False: the home)."""
    import torch.nn.functional as F

    z = rejected_rewards - chosen_rewards if swapped else chosen_rewards - rejected_rewards
    if margin is not None and not no_margin:
        z = z + margin if margin_added else z - margin
    return _reduce(-F.logsigmoid(z), reduction)


def dpo(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta=0.1, label_smoothing=0.0,
        loss_type="sigmoid", reduction="mean", *, no_reference=False, beta_outside=False, smoothing_swapped=False,
        ipo_target=0.5, hinge_kink=False):
    """TRL 0.28's DPOTrainer.dpo_loss. Flags: the usual mistakes (defaults: the home)."""
    import torch

    h = chosen_logps - rejected_logps
    if not no_reference:
        h = h - (ref_chosen_logps - ref_rejected_logps)
    if loss_type == "sigmoid":
        losses = beta * _smoothed(h, label_smoothing) if beta_outside else \
            _smoothed(beta * h, label_smoothing, smoothing_swapped)
    elif loss_type == "hinge":
        x = 1 - beta * h
        losses = torch.where(x >= 0, x, 0 * x) if hinge_kink else torch.relu(x)
    else:
        losses = (h - ipo_target / beta) ** 2
    return _reduce(losses, reduction)


def simpo(policy_chosen_logps, policy_rejected_logps, beta=0.1, simpo_gamma=0.5, label_smoothing=0.0,
          reduction="mean", *, gamma_unscaled=False, smoothing_swapped=False):
    """TRL 0.28's CPOTrainer.cpo_loss, loss_type 'simpo': logits = (π_c − π_r) − γ/β, logistic loss of β·logits."""
    margin = simpo_gamma if gamma_unscaled else simpo_gamma / beta
    logits = (policy_chosen_logps - policy_rejected_logps) - margin
    return _reduce(_smoothed(beta * logits, label_smoothing, smoothing_swapped), reduction)


def kto(policy_chosen_logps, policy_rejected_logps, policy_KL_logps, reference_chosen_logps,
        reference_rejected_logps, reference_KL_logps, beta=0.1, desirable_weight=1.0, undesirable_weight=1.0,
        loss_type="kto", reduction="mean", *, no_clamp=False, no_kl=False, rejected_like_chosen=False,
        weights_swapped=False, group_means=False):
    """TRL 0.28's KTOTrainer.kto_loss, then nanmean for 'mean'. Flags: the usual mistakes."""
    import torch

    zc = policy_chosen_logps - reference_chosen_logps
    zr = policy_rejected_logps - reference_rejected_logps
    wd, wu = (undesirable_weight, desirable_weight) if weights_swapped else (desirable_weight, undesirable_weight)
    if loss_type == "kto":
        kl = (policy_KL_logps - reference_KL_logps).mean().detach()
        kl = kl if no_clamp else kl.clamp(min=0)
        kl = 0 * kl if no_kl else kl
        chosen = 1 - torch.sigmoid(beta * (zc - kl))
        rejected = 1 - torch.sigmoid(beta * ((zr - kl) if rejected_like_chosen else (kl - zr)))
    else:
        chosen = 1 - torch.sigmoid(beta * zc)
        rejected = 1 - torch.sigmoid(beta * zr) if rejected_like_chosen else torch.sigmoid(beta * zr)
    chosen, rejected = wd * chosen, wu * rejected
    if reduction == "mean" and group_means:
        return (chosen.nanmean() + rejected.nanmean()) / 2
    losses = torch.cat((chosen, rejected), 0)
    return losses.nanmean() if reduction == "mean" else _reduce(losses, reduction)


REFERENCES = {
    "bradley_terry_loss": (bradley_terry, BT_WRT),
    "dpo_loss": (dpo, DPO_WRT),
    "simpo_loss": (simpo, POLICY_WRT),
    "kto_loss": (kto, POLICY_WRT),
}


def reference(loss, **flags):
    """autograd_reference of a loss's transcription (with a mistake's flags, if any)."""
    fn, wrt = REFERENCES[loss]
    return autograd_reference(functools.partial(fn, **flags) if flags else fn, wrt)


# ============================================================================= the cases
def _logps(rng, n, scale):
    """Log-probabilities: negative, as a language model's (sequence sums: scale ~20; averages: ~1.5)."""
    return -rng.exponential(scale, n)


def _label(args, what=""):
    arrays = ", ".join(f"{k} {tuple(v.shape)}" for k, v in args.items() if isinstance(v, np.ndarray))
    options = ", ".join(f"{k}={v!r}" for k, v in args.items() if not isinstance(v, np.ndarray))
    text = ", ".join(t for t in (arrays, options) if t)
    return f"{what}: {text}" if what else text


def _n(rng, hidden, public):
    return int(rng.integers(3, 9)) if hidden else public


# ----------------------------------------------------------------------------- Bradley-Terry
def bradley_terry_cases(rng, hidden):
    """Every reduction with and without a margin; the defaults; ties; huge reward gaps."""
    out = []
    for k, (reduction, with_margin) in enumerate([(r, m) for m in (False, True) for r in REDUCTIONS]):
        n = _n(rng, hidden, 5 + k)
        scale = float(rng.choice([0.5, 2.0, 5.0])) if hidden else 1.0 + k
        args = {"chosen_rewards": scale * rng.normal(size=n), "rejected_rewards": scale * rng.normal(size=n)}
        if with_margin:
            args["margin"] = rng.uniform(0.0, 2.0, n)
        args["reduction"] = reduction
        out.append(Case(_label(args), args))
    n = _n(rng, hidden, 6)
    args = {"chosen_rewards": 2 * rng.normal(size=n), "rejected_rewards": 2 * rng.normal(size=n)}
    out.append(Case(_label(args, "only the rewards (the defaults: margin=None, reduction='mean')"), args))
    c = rng.normal(size=_n(rng, hidden, 6))
    r = c + rng.normal(size=c.size)
    r[::2] = c[::2]  # ties in every other pair
    args = {"chosen_rewards": c, "rejected_rewards": r, "reduction": "none"}
    out.append(Case(_label(args, "ties r_c = r_r in every other pair (z = 0: ℓ = log 2, gradient ∓½)"), args))
    n = _n(rng, hidden, 6)
    args = {"chosen_rewards": rng.uniform(-800, 800, n), "rejected_rewards": rng.uniform(-800, 800, n),
            "margin": rng.uniform(0, 2, n), "reduction": "none"}
    out.append(Case(_label(args, "huge reward gaps (|z| up to 1600: log(1 + e^{−z}) overflows; use a stable "
                                 "log σ)"), args))
    return out


# ----------------------------------------------------------------------------- DPO
def _dpo_args(rng, n, scale=20.0):
    return {"chosen_logps": _logps(rng, n, scale), "rejected_logps": _logps(rng, n, scale),
            "ref_chosen_logps": _logps(rng, n, scale), "ref_rejected_logps": _logps(rng, n, scale)}


DPO_OPTIONS = [
    {"beta": 0.1, "label_smoothing": 0.0, "loss_type": "sigmoid", "reduction": "none"},
    {"beta": 0.5, "label_smoothing": 0.2, "loss_type": "sigmoid", "reduction": "mean"},
    {"beta": 0.05, "label_smoothing": 0.5, "loss_type": "sigmoid", "reduction": "sum"},
    {"beta": 0.1, "loss_type": "hinge", "reduction": "none"},
    {"beta": 0.25, "loss_type": "hinge", "reduction": "mean"},
    {"beta": 0.1, "loss_type": "ipo", "reduction": "none"},
    {"beta": 0.5, "loss_type": "ipo", "reduction": "sum"},
    {"beta": 0.2, "label_smoothing": 0.1, "loss_type": "sigmoid", "reduction": "none"},
]


def _dpo_options(rng):
    loss_type = str(rng.choice(["sigmoid", "sigmoid", "hinge", "ipo"]))
    options = {"beta": float(rng.choice([0.05, 0.1, 0.2, 0.5])), "loss_type": loss_type,
               "reduction": str(rng.choice(REDUCTIONS))}
    if loss_type == "sigmoid":
        options["label_smoothing"] = float(rng.choice([0.0, 0.1, 0.3]))
    return options


def dpo_cases(rng, hidden):
    """Each loss type and reduction, several β and ε; the defaults; h = 0; the hinge's kink; huge gaps."""
    out = []
    for k, options in enumerate(DPO_OPTIONS):
        options = _dpo_options(rng) if hidden else options
        args = {**_dpo_args(rng, _n(rng, hidden, 4 + k)), **options}
        out.append(Case(_label(args), args))
    args = _dpo_args(rng, _n(rng, hidden, 6))
    out.append(Case(_label(args, "only the log-probabilities (the defaults: beta=0.1, label_smoothing=0.0, "
                                 "loss_type='sigmoid', reduction='mean')"), args))
    args = _dpo_args(rng, _n(rng, hidden, 6))
    args["chosen_logps"][:3], args["rejected_logps"][:3] = args["ref_chosen_logps"][:3], args["ref_rejected_logps"][:3]
    args.update(beta=float(rng.choice([0.1, 0.5])) if hidden else 0.5, label_smoothing=0.2, reduction="none")
    out.append(Case(_label(args, "the policy equals the reference on the first three pairs (h = 0: ℓ = log 2 "
                                 "whatever β and ε)"), args))
    # h = 2 exactly (dyadic numbers), β = ½: 1 − βh = 0, the hinge's kink; and pairs far past it
    beta = 0.5
    h = np.array([2.0, 6.0, 0.5, -1.0, 2.0, 3.0])
    ref_c, ref_r = -np.array([4.0, 8.0, 2.0, 6.0, 16.0, 1.0]), -np.array([8.0, 2.0, 4.0, 1.0, 4.0, 8.0])
    rejected = -np.array([10.0, 12.0, 6.0, 3.0, 20.0, 9.0])
    chosen = h + rejected + (ref_c - ref_r)
    if hidden:
        order = rng.permutation(h.size)
        chosen, rejected, ref_c, ref_r = chosen[order], rejected[order], ref_c[order], ref_r[order]
    args = {"chosen_logps": chosen, "rejected_logps": rejected, "ref_chosen_logps": ref_c, "ref_rejected_logps": ref_r,
            "beta": beta, "loss_type": "hinge", "reduction": "none"}
    out.append(Case(_label(args, "'hinge' at its kink (βh = 1: gradient 0, as relu's) and past it (βh > 1: "
                                 "loss 0)"), args))
    args = {**_dpo_args(rng, _n(rng, hidden, 5)), "beta": 0.1, "label_smoothing": 0.3, "loss_type": "ipo",
            "reduction": "none"}
    out.append(Case(_label(args, "'ipo' with a label_smoothing (only 'sigmoid' uses it)"), args))
    args = {**_dpo_args(rng, _n(rng, hidden, 6), scale=400.0), "beta": 1.0, "label_smoothing": 0.1,
            "reduction": "none"}
    out.append(Case(_label(args, "huge log-probability gaps (|βh| in the hundreds: use a stable log σ)"), args))
    return out


# ----------------------------------------------------------------------------- SimPO
SIMPO_OPTIONS = [
    {"reduction": "none"},
    {"beta": 2.0, "simpo_gamma": 1.0, "reduction": "mean"},
    {"beta": 2.5, "simpo_gamma": 1.4, "label_smoothing": 0.2, "reduction": "sum"},
    {"beta": 0.5, "simpo_gamma": 0.0, "reduction": "none"},
    {"beta": 10.0, "simpo_gamma": 3.0, "label_smoothing": 0.1, "reduction": "none"},
]


def simpo_cases(rng, hidden):
    """Each reduction with SimPO's β, γ and ε; TRL's defaults; huge gaps."""
    out = []
    for k, options in enumerate(SIMPO_OPTIONS):
        if hidden:
            options = {"beta": float(rng.choice([0.1, 0.5, 2.0, 2.5])), "simpo_gamma": float(rng.choice([0.3, 0.5,
                                                                                                          1.4])),
                       "label_smoothing": float(rng.choice([0.0, 0.0, 0.2])), "reduction": str(rng.choice(REDUCTIONS))}
        n = _n(rng, hidden, 4 + k)
        args = {"policy_chosen_logps": _logps(rng, n, 1.5), "policy_rejected_logps": _logps(rng, n, 1.5), **options}
        out.append(Case(_label(args), args))
    n = _n(rng, hidden, 6)
    args = {"policy_chosen_logps": _logps(rng, n, 1.5), "policy_rejected_logps": _logps(rng, n, 1.5)}
    out.append(Case(_label(args, "only the log-probabilities (TRL's defaults: beta=0.1, simpo_gamma=0.5, "
                                 "label_smoothing=0.0, reduction='mean')"), args))
    n = _n(rng, hidden, 6)
    args = {"policy_chosen_logps": _logps(rng, n, 300.0), "policy_rejected_logps": _logps(rng, n, 300.0),
            "beta": 2.0, "simpo_gamma": 1.0, "label_smoothing": 0.1, "reduction": "none"}
    out.append(Case(_label(args, "huge log-probability gaps (|βu| in the hundreds: use a stable log σ)"), args))
    return out


# ----------------------------------------------------------------------------- KTO
def _kto_args(rng, n_c, n_r, kl_shift=0.0, scale=20.0):
    """An unpaired batch: n_c desirable and n_r undesirable answers, and a KL batch of n_c + n_r mismatched
    answers whose mean policy − reference gap is about kl_shift."""
    n = n_c + n_r
    ref_kl = _logps(rng, n, scale)
    return {"policy_chosen_logps": _logps(rng, n_c, scale), "policy_rejected_logps": _logps(rng, n_r, scale),
            "policy_KL_logps": ref_kl + kl_shift + rng.normal(size=n), "reference_chosen_logps": _logps(rng, n_c, scale),
            "reference_rejected_logps": _logps(rng, n_r, scale), "reference_KL_logps": ref_kl}


KTO_OPTIONS = [
    ({"reduction": "none"}, 4.0),
    ({"beta": 0.2, "reduction": "mean"}, 3.0),
    ({"beta": 0.05, "desirable_weight": 1.33, "undesirable_weight": 1.0, "reduction": "sum"}, 5.0),
    ({"beta": 0.1, "loss_type": "apo_zero_unpaired", "reduction": "none"}, 2.0),
    ({"beta": 0.3, "desirable_weight": 1.0, "undesirable_weight": 0.75, "loss_type": "apo_zero_unpaired",
      "reduction": "mean"}, 2.0),
    ({"beta": 0.1, "desirable_weight": 0.8, "undesirable_weight": 1.2, "reduction": "mean"}, 6.0),
]


def _kto_options(rng):
    options = {"beta": float(rng.choice([0.05, 0.1, 0.2, 0.5])), "reduction": str(rng.choice(REDUCTIONS)),
               "loss_type": str(rng.choice(["kto", "kto", "apo_zero_unpaired"]))}
    if rng.random() < 0.5:
        options.update(desirable_weight=float(rng.choice([0.8, 1.0, 1.33])),
                       undesirable_weight=float(rng.choice([0.75, 1.0, 1.5])))
    return options


def kto_cases(rng, hidden):
    """Both loss types and every reduction, unequal weights and group sizes; KL clamped or not; no desirable
    answers; the defaults; a nan loss skipped by the mean (forward only)."""
    out = []
    for k, (options, shift) in enumerate(KTO_OPTIONS):
        if hidden:
            options, shift = _kto_options(rng), float(rng.uniform(-3, 6))
            n_c, n_r = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        else:
            n_c, n_r = ((3, 2), (2, 4), (4, 4), (3, 3), (2, 5), (5, 2))[k]
        args = {**_kto_args(rng, n_c, n_r, shift), **options}
        out.append(Case(_label(args), args))
    n_c, n_r = (int(rng.integers(2, 5)), int(rng.integers(2, 5))) if hidden else (3, 3)
    args = {**_kto_args(rng, n_c, n_r, kl_shift=-4.0), "beta": 0.2, "reduction": "none"}
    out.append(Case(_label(args, "the KL batch's mean gap is below 0 (KL is clamped at 0)"), args))
    args = _kto_args(rng, *((int(rng.integers(2, 5)), int(rng.integers(2, 5))) if hidden else (2, 3)), kl_shift=4.0)
    out.append(Case(_label(args, "only the log-probabilities (the defaults: beta=0.1, desirable_weight=1.0, "
                                 "undesirable_weight=1.0, loss_type='kto', reduction='mean')"), args))
    args = {**_kto_args(rng, 0, int(rng.integers(3, 6)) if hidden else 4, kl_shift=3.0), "beta": 0.2,
            "reduction": "mean"}
    out.append(Case(_label(args, "no desirable answer in the batch (policy_chosen_logps is empty)"), args))
    args = {**_kto_args(rng, 3, 3, kl_shift=2.0), "beta": 0.1, "reduction": "mean"}
    args["policy_rejected_logps"][1] = args["reference_rejected_logps"][1] = -np.inf
    out.append(Case(_label(args, "an impossible answer (−inf − (−inf) = nan: 'mean' skips it, TRL's nanmean)"),
                    args))
    return out


def _finite(case):
    """The nan case checks the forward only (its gradient is nan there, 0·nan in autograd: a rule of
    torch's arithmetic rather than of the loss)."""
    return all(np.all(np.isfinite(v)) for v in case.args.values() if isinstance(v, np.ndarray))


# ============================================================================= the usual mistakes
def _flagged(loss, **flags):
    """A mistake's answer: the loss's transcription with `flags`, forward or autograd backward."""
    variant = reference(loss, **flags)

    def expected(case, _reference):
        return variant.backward(case.args) if "grad_output" in case.args else variant.forward(case.args)

    return expected


def _when(condition, expected):
    """`expected` only on the cases where condition(args) holds (None elsewhere)."""
    return lambda case, ref: expected(case, ref) if condition(case.args) else None


def _loss_type(*types, default="sigmoid"):
    return lambda args: args.get("loss_type", default) in types


def _smoothing(args):
    return args.get("label_smoothing", 0.0) != 0.5


BT_MISTAKES = (
    Mistake("the margin is SUBTRACTED: z = (r_c − r_r) − margin (the chosen reward must win by at least the "
            "margin); you added it", _flagged("bradley_terry_loss", margin_added=True)),
    Mistake("when a margin is given, z = (r_c − r_r) − margin: you left the margin out",
            _flagged("bradley_terry_loss", no_margin=True)),
    Mistake("P(chosen ≻ rejected) = σ(r_c − r_r): you swapped chosen and rejected",
            _flagged("bradley_terry_loss", swapped=True)),
)

SMOOTHING_SWAPPED = ("label smoothing ε is the probability that the label is FLIPPED: −(1 − ε)·log σ(z) − "
                     "ε·log σ(−z); you put ε and 1 − ε the wrong way round")

DPO_MISTAKES = (
    Mistake("DPO's margin is relative to the REFERENCE model: h = (log π(y_c) − log π(y_r)) − (log π_ref(y_c) − "
            "log π_ref(y_r)); you left the reference log-probabilities out", _flagged("dpo_loss", no_reference=True)),
    Mistake("β scales the margin INSIDE the sigmoid: −log σ(β·h); you multiplied the loss by β instead "
            "(−β·log σ(h))", _when(_loss_type("sigmoid"), _flagged("dpo_loss", beta_outside=True))),
    Mistake(SMOOTHING_SWAPPED, _when(lambda a: _loss_type("sigmoid")(a) and _smoothing(a),
                                     _flagged("dpo_loss", smoothing_swapped=True))),
    Mistake("IPO's target margin is 1/(2β): ℓ = (h − 1/(2β))²; you used 1/β",
            _when(_loss_type("ipo"), _flagged("dpo_loss", ipo_target=1.0))),
    Mistake("'hinge' is relu(1 − βh), whose gradient at the kink 1 − βh = 0 is 0 (torch's relu); you gave −β "
            "there", _when(_loss_type("hinge"), _flagged("dpo_loss", hinge_kink=True))),
)

SIMPO_MISTAKES = (
    Mistake("SimPO's target margin γ is in reward units: β·(π_c − π_r) − γ, i.e. logits (π_c − π_r) − γ/β; "
            "you subtracted γ before multiplying by β", _flagged("simpo_loss", gamma_unscaled=True)),
    Mistake("SimPO asks the chosen answer to win by the margin γ: β·(π_c − π_r) − γ; you left γ out",
            lambda case, ref: None if case.args.get("simpo_gamma", 0.5) == 0 else
            ref({**case.args, "simpo_gamma": 0.0})),
    Mistake(SMOOTHING_SWAPPED, _when(_smoothing, _flagged("simpo_loss", smoothing_swapped=True))),
)

KTO_MISTAKES = (
    Mistake("KTO's reference point is KL = max(0, mean(policy_KL − reference_KL)): you did not clamp it at 0",
            _when(_loss_type("kto", default="kto"), _flagged("kto_loss", no_clamp=True))),
    Mistake("'kto' measures each answer against the reference point KL = max(0, mean(policy_KL − reference_KL)) "
            "on the KL batch: you left KL out", _when(_loss_type("kto", default="kto"), _flagged("kto_loss",
                                                                                                no_kl=True))),
    Mistake("an undesirable answer is penalised for being MORE likely than the reference: ℓ_r = w_u·(1 − "
            "σ(β(KL − z_r))) ('apo_zero_unpaired': w_u·σ(β z_r)); you gave it the desirable answer's form",
            _flagged("kto_loss", rejected_like_chosen=True)),
    Mistake("desirable_weight multiplies the desirable (chosen) answers' losses and undesirable_weight the "
            "undesirable ones: you swapped them", _flagged("kto_loss", weights_swapped=True)),
    Mistake("'mean' is ONE mean over all the losses [chosen..., rejected...] (TRL's nanmean), not the average "
            "of the two groups' means", _flagged("kto_loss", group_means=True)),
)


def _parts(loss, cases, mistakes, keep=None):
    ref = reference(loss)
    return loss_parts(loss, cases, points=(2, 2), mistakes=mistakes, reference=ref.forward,
                      backward_reference=ref.backward, wrt=REFERENCES[loss][1], keep=keep)


ASSIGNMENT = Assignment(
    name="13_learning_from_preferences",
    title="Learning from preferences: Bradley-Terry, DPO, SimPO, KTO",
    parts=(*_parts("bradley_terry_loss", bradley_terry_cases, BT_MISTAKES),
           *_parts("dpo_loss", dpo_cases, DPO_MISTAKES),
           *_parts("simpo_loss", simpo_cases, SIMPO_MISTAKES),
           *_parts("kto_loss", kto_cases, KTO_MISTAKES, keep=_finite)),
)
