"""lossedu.functional preference losses against TRL's formulas, forward and gradient.

TRL is not installed (too heavy), so each home below is a transcription into torch of the formula in
TRL 0.28, differentiated by autograd (read from github.com/huggingface/trl, tag v0.28.0):

* `trl/trainer/reward_trainer.py` `compute_loss`: −logsigmoid(r_c − r_r [− margin]).mean()
* `trl/trainer/dpo_trainer.py` `DPOTrainer.dpo_loss`: logits = (c − r) − (ref_c − ref_r); 'sigmoid'
  −logsigmoid(β·logits)(1 − ε) − logsigmoid(−β·logits)ε, 'hinge' relu(1 − β·logits), 'ipo' (logits − 1/(2β))²
* `trl/trainer/cpo_trainer.py` `CPOTrainer.cpo_loss`, loss_type 'simpo': logits = (c − r) − γ/β, then the
  label-smoothed logistic loss of β·logits
* `trl/trainer/orpo_trainer.py` `odds_ratio_loss`: log_odds = (c − r) − (log1p(−exp c) − log1p(−exp r)),
  returns β·logsigmoid(log_odds) (we minimise its negative)
* `trl/trainer/kto_trainer.py` `kto_loss`: kl = mean(policy_KL − reference_KL), detached, clamp(min=0);
  chosen 1 − σ(β(z_c − kl)), rejected 1 − σ(β(kl − z_r)) ('apo_zero_unpaired': 1 − σ(βz_c), σ(βz_r)),
  weighted, concatenated, then `losses.nanmean()` in `get_batch_loss_metrics`
"""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import lossedu
import lossedu.functional as LF
from homes import trl_dpo, trl_kto, trl_orpo, trl_reward, trl_simpo
from torchref import assert_close, assert_refused, gradcheck_as_torch

DTYPES = [np.float64, np.float32]
NAMES = ["bradley_terry_loss", "dpo_loss", "simpo_loss", "orpo_loss", "kto_loss"]


# ============================================================================= the homes (TRL 0.28 transcribed in tests/homes.py)
HOMES = {"bradley_terry_loss": trl_reward, "dpo_loss": trl_dpo, "simpo_loss": trl_simpo, "orpo_loss": trl_orpo,
         "kto_loss": trl_kto}


def home(name, kwargs, grad_output):
    """The transcribed home's loss and autograd gradients of GRADIENT_OF[name], as numpy arrays."""
    t = {k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    wrt = [t[k].requires_grad_(True) for k in LF.GRADIENT_OF[name]]
    out = HOMES[name](**t)
    grads = torch.autograd.grad(out, wrt, torch.from_numpy(np.array(grad_output)), allow_unused=True)
    return out.detach().numpy(), [g.numpy() for g in grads]


def check(name, grad_output=None, rng=None, **kwargs):
    """Forward and every gradient of `name` against the transcribed home (nan/inf positions too)."""
    ours = getattr(LF, name)(**kwargs)
    if grad_output is None:
        grad_output = (rng or np.random.default_rng(1)).uniform(0.5, 1.5, ours.shape).astype(ours.dtype)
    theirs, their_grads = home(name, kwargs, grad_output)
    assert_close(ours, theirs, f"{name} forward")
    our_grads = getattr(LF, f"{name}_backward")(grad_output, **kwargs)
    assert isinstance(our_grads, tuple) and len(our_grads) == len(their_grads)
    for k, g, tg in zip(LF.GRADIENT_OF[name], our_grads, their_grads):
        assert_close(g, tg, f"{name} grad {k}")
    return ours


def logps(rng, n, dtype, scale=1.0):
    """Average log-probabilities: negative, as a language model's are."""
    return (-rng.exponential(scale, n)).astype(dtype)


# ============================================================================= parity over every option
@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(0, 6), seed=st.integers(0, 2**16), reduction=st.sampled_from(["none", "mean", "sum"]),
       with_margin=st.booleans())
def test_bradley_terry(dtype, n, seed, reduction, with_margin):
    rng = np.random.default_rng(seed)
    margin = rng.uniform(0, 2, n).astype(dtype) if with_margin else None
    check("bradley_terry_loss", rng=rng, chosen_rewards=(3 * rng.standard_normal(n)).astype(dtype),
          rejected_rewards=(3 * rng.standard_normal(n)).astype(dtype), margin=margin, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss_type", ["sigmoid", "hinge", "ipo"])
@given(n=st.integers(0, 6), seed=st.integers(0, 2**16), reduction=st.sampled_from(["none", "mean", "sum"]),
       beta=st.sampled_from([0.1, 0.5, 2.0]), label_smoothing=st.sampled_from([0.0, 0.2, 0.5]))
def test_dpo(dtype, loss_type, n, seed, reduction, beta, label_smoothing):
    rng = np.random.default_rng(seed)
    check("dpo_loss", rng=rng, chosen_logps=logps(rng, n, dtype, 20), rejected_logps=logps(rng, n, dtype, 20),
          ref_chosen_logps=logps(rng, n, dtype, 20), ref_rejected_logps=logps(rng, n, dtype, 20), beta=beta,
          label_smoothing=label_smoothing, loss_type=loss_type, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(0, 6), seed=st.integers(0, 2**16), reduction=st.sampled_from(["none", "mean", "sum"]),
       beta=st.sampled_from([0.1, 2.0, 2.5]), simpo_gamma=st.sampled_from([0.0, 0.5, 1.4]),
       label_smoothing=st.sampled_from([0.0, 0.3]))
def test_simpo(dtype, n, seed, reduction, beta, simpo_gamma, label_smoothing):
    rng = np.random.default_rng(seed)
    check("simpo_loss", rng=rng, policy_chosen_logps=logps(rng, n, dtype, 3),
          policy_rejected_logps=logps(rng, n, dtype, 3), beta=beta, simpo_gamma=simpo_gamma,
          label_smoothing=label_smoothing, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(0, 6), seed=st.integers(0, 2**16), reduction=st.sampled_from(["none", "mean", "sum"]),
       beta=st.sampled_from([0.1, 1.0]), scale=st.sampled_from([0.01, 1.0, 5.0]))
def test_orpo(dtype, n, seed, reduction, beta, scale):
    # Near log p = 0, log(1 − e^c) cancels: an ulp of exp in float32 becomes ~100 ulps of the loss, in TRL too.
    # So float32 is compared at log p ≤ −0.25 (a condition number ≤ 5), float64 everywhere.
    shift = dtype(0.25 if dtype == np.float32 else 0)
    rng = np.random.default_rng(seed)
    check("orpo_loss", rng=rng, policy_chosen_logps=logps(rng, n, dtype, scale) - shift,
          policy_rejected_logps=logps(rng, n, dtype, scale) - shift, beta=beta, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss_type", ["kto", "apo_zero_unpaired"])
@given(nc=st.integers(0, 5), nr=st.integers(0, 5), nk=st.integers(1, 5), seed=st.integers(0, 2**16),
       reduction=st.sampled_from(["none", "mean", "sum"]), beta=st.sampled_from([0.1, 1.0]),
       weights=st.sampled_from([(1.0, 1.0), (1.33, 0.5)]), kl_shift=st.sampled_from([-3.0, 0.0, 3.0]))
def test_kto(dtype, loss_type, nc, nr, nk, seed, reduction, beta, weights, kl_shift):
    rng = np.random.default_rng(seed)
    check("kto_loss", rng=rng, policy_chosen_logps=logps(rng, nc, dtype, 5),
          policy_rejected_logps=logps(rng, nr, dtype, 5), policy_KL_logps=logps(rng, nk, dtype, 5) + dtype(kl_shift),
          reference_chosen_logps=logps(rng, nc, dtype, 5), reference_rejected_logps=logps(rng, nr, dtype, 5),
          reference_KL_logps=logps(rng, nk, dtype, 5), beta=beta, desirable_weight=weights[0],
          undesirable_weight=weights[1], loss_type=loss_type, reduction=reduction)


# ============================================================================= edges
def test_dpo_plateau_when_policy_is_reference():
    """huggingface/trl#1962: at the first step policy = reference, h = 0 and the loss is log 2 for any β."""
    rng = np.random.default_rng(0)
    c, r = logps(rng, 8, np.float64, 30), logps(rng, 8, np.float64, 30)
    for beta in (0.01, 0.1, 5.0):
        loss = check("dpo_loss", chosen_logps=c, rejected_logps=r, ref_chosen_logps=c, ref_rejected_logps=r,
                     beta=beta, grad_output=np.float64(1.0))
        assert loss == pytest.approx(np.log(2), abs=1e-15) and np.log(2) == pytest.approx(0.6931, abs=1e-4)
    # its gradient is not 0: −β/2 per pair, spread over the batch by the mean
    g = LF.dpo_loss_backward(1.0, c, r, c, r, beta=0.1)[0]
    np.testing.assert_allclose(g, -0.1 / 2 / 8, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_empty_batch(name):
    """Every home on an empty batch: 'mean' is nan, 'sum' 0, 'none' empty; empty gradients."""
    e = np.zeros(0)
    if name == "kto_loss":
        kwargs = dict(policy_chosen_logps=e, policy_rejected_logps=e, policy_KL_logps=np.array([-1.0]),
                      reference_chosen_logps=e, reference_rejected_logps=e, reference_KL_logps=np.array([-2.0]))
    else:
        kwargs = {k: e for k in _arg_names(name)}
    for reduction in ("mean", "sum", "none"):
        out = check(name, reduction=reduction, **kwargs)
        assert np.isnan(out) if reduction == "mean" else out.size == 0 or out == 0


def _arg_names(name):
    return {"bradley_terry_loss": ["chosen_rewards", "rejected_rewards"],
            "dpo_loss": ["chosen_logps", "rejected_logps", "ref_chosen_logps", "ref_rejected_logps"],
            "simpo_loss": ["policy_chosen_logps", "policy_rejected_logps"],
            "orpo_loss": ["policy_chosen_logps", "policy_rejected_logps"]}[name]


@pytest.mark.parametrize("name", ["bradley_terry_loss", "dpo_loss", "simpo_loss", "orpo_loss"])
def test_minus_inf_log_probs(name):
    """−inf (an impossible token) gives inf, 0 or nan exactly where the home does; gradients too."""
    inf = np.inf
    a = np.array([-inf, -1.0, -inf, -0.5, -inf])
    b = np.array([-1.0, -inf, -inf, -0.7, -2.0])
    args = dict(zip(_arg_names(name), [a, b, b[::-1].copy(), a[::-1].copy()]))
    out = check(name, reduction="none", grad_output=np.ones(5), **args)
    # pair 0: the chosen one impossible → the loss is inf; pair 2: both impossible → −inf − (−inf) = nan
    assert np.isposinf(out[0]) and np.isnan(out[2])


def test_orpo_log_prob_zero():
    """P = 1 (log-prob exactly 0): odds = inf, the loss 0 with a nan gradient (0·inf), as TRL's autograd."""
    c, r = np.array([0.0, -0.5, 0.0]), np.array([-0.5, 0.0, 0.0])
    out = check("orpo_loss", reduction="none", grad_output=np.ones(3), policy_chosen_logps=c,
                policy_rejected_logps=r)
    assert out[0] == 0 and np.isinf(out[1]) and np.isnan(out[2])


@pytest.mark.parametrize("loss_type", ["sigmoid", "hinge"])
def test_dpo_kinks(loss_type):
    """hinge at 1 − βh = 0 takes relu's 0; large |h| saturates the sigmoid without overflow."""
    c = np.array([-1.0, -1.0, 0.0, -900.0])
    r = np.array([-11.0, -1.0, -900.0, 0.0])
    z = np.zeros(4)
    check("dpo_loss", chosen_logps=c, rejected_logps=r, ref_chosen_logps=z, ref_rejected_logps=z,
          loss_type=loss_type, reduction="none", grad_output=np.ones(4))
    if loss_type == "hinge":
        assert LF.dpo_loss_backward(np.ones(4), c, r, z, z, loss_type="hinge", reduction="none")[0][0] == 0


def test_kto_kl_edges():
    """The KL point clamps at 0, takes no gradient, and an empty KL batch makes every 'kto' loss nan."""
    rng = np.random.default_rng(3)
    pc, pr, rc, rr = (logps(rng, 4, np.float64, 2) for _ in range(4))
    base = dict(policy_chosen_logps=pc, policy_rejected_logps=pr, reference_chosen_logps=rc,
                reference_rejected_logps=rr)
    # a negative KL estimate clamps to 0: the same loss as KL batches of equal log-probs
    neg = LF.kto_loss(**base, policy_KL_logps=np.array([-5.0]), reference_KL_logps=np.array([-1.0]))
    zero = LF.kto_loss(**base, policy_KL_logps=np.array([-1.0]), reference_KL_logps=np.array([-1.0]))
    assert neg == zero
    for reduction in ("mean", "none"):
        out = check("kto_loss", **base, policy_KL_logps=np.zeros(0), reference_KL_logps=np.zeros(0),
                    reduction=reduction)
        assert np.isnan(out).all()


def test_kto_nanmean_skips_nan():
    """A nan loss is left out of TRL's nanmean (count 3, not 4) but its own gradient is nan."""
    pc = np.array([-1.0, np.nan])
    pr = np.array([-2.0, -3.0])
    kw = dict(policy_chosen_logps=pc, policy_rejected_logps=pr, policy_KL_logps=np.array([-1.0]),
              reference_chosen_logps=np.array([-1.5, -1.0]), reference_rejected_logps=np.array([-1.0, -1.0]),
              reference_KL_logps=np.array([-2.0]))
    out = check("kto_loss", grad_output=np.float64(1.0), **kw)
    full = LF.kto_loss(**kw, reduction="none")
    assert out == pytest.approx(np.nansum(full) / 3, rel=1e-15)


# ============================================================================= as_torch, dtypes, refused input
@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_as_torch(name):
    rng = np.random.default_rng(5)
    if name == "kto_loss":
        kwargs = dict(policy_chosen_logps=logps(rng, 3, np.float64), policy_rejected_logps=logps(rng, 2, np.float64),
                      policy_KL_logps=logps(rng, 2, np.float64), reference_chosen_logps=logps(rng, 3, np.float64),
                      reference_rejected_logps=logps(rng, 2, np.float64), reference_KL_logps=logps(rng, 2, np.float64),
                      beta=0.7)
    else:
        kwargs = dict(zip(_arg_names(name), (logps(rng, 4, np.float64) for _ in range(4))))
    gradcheck_as_torch(name, **kwargs)
    assert lossedu.as_torch(getattr(LF, name))(**{k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray)
                                                  else v for k, v in kwargs.items()}).dtype == torch.float64


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    rng = np.random.default_rng(6)
    if name == "kto_loss":
        kwargs = {k: logps(rng, 3, np.float32) for k in ("policy_chosen_logps", "policy_rejected_logps",
                  "policy_KL_logps", "reference_chosen_logps", "reference_rejected_logps", "reference_KL_logps")}
    else:
        kwargs = {k: logps(rng, 3, np.float32) for k in _arg_names(name)}
    assert getattr(LF, name)(**kwargs).dtype == np.float32
    assert all(g.dtype == np.float32 for g in getattr(LF, f"{name}_backward")(np.float32(1), **kwargs))


def test_refused():
    a, b = np.array([-1.0, -2.0]), np.array([-1.5, -0.5])
    assert_refused("bradley_terry_loss", TypeError, "chosen_rewards", chosen_rewards=[1, 2], rejected_rewards=b)
    assert_refused("bradley_terry_loss", ValueError, "margin", chosen_rewards=a, rejected_rewards=b,
                   margin=np.ones(3))
    assert_refused("bradley_terry_loss", ValueError, "reduction", chosen_rewards=a, rejected_rewards=b,
                   reduction="batchmean")
    dpo = dict(chosen_logps=a, rejected_logps=b, ref_chosen_logps=a, ref_rejected_logps=b)
    assert_refused("dpo_loss", ValueError, "loss_type", **dpo, loss_type="robust")
    assert_refused("dpo_loss", ValueError, "beta", **dpo, beta=0.0)
    assert_refused("dpo_loss", ValueError, "label_smoothing", **dpo, label_smoothing=1.5)
    assert_refused("dpo_loss", TypeError, "beta", **dpo, beta="0.1")
    assert_refused("dpo_loss", ValueError, "rejected_logps", **{**dpo, "rejected_logps": np.ones(3)})
    assert_refused("simpo_loss", TypeError, "simpo_gamma", policy_chosen_logps=a, policy_rejected_logps=b,
                   simpo_gamma=None)
    assert_refused("orpo_loss", ValueError, "beta", policy_chosen_logps=a, policy_rejected_logps=b, beta=-1.0)
    kto = dict(policy_chosen_logps=a, policy_rejected_logps=b, policy_KL_logps=a, reference_chosen_logps=a,
               reference_rejected_logps=b, reference_KL_logps=a)
    assert_refused("kto_loss", ValueError, "loss_type", **kto, loss_type="bco")
    assert_refused("kto_loss", ValueError, "policy_chosen_logps", **{**kto, "policy_chosen_logps": np.ones((2, 2))})
    assert_refused("kto_loss", TypeError, "reference_KL_logps", **{**kto, "reference_KL_logps": np.array([1, 2])})
    assert_refused("kto_loss", TypeError, "desirable_weight", **kto, desirable_weight=True)
    with pytest.raises(ValueError, match="grad_output"):
        LF.dpo_loss_backward(np.ones(3), **dpo)


@pytest.mark.parametrize("loss_type", ["kto", "apo_zero_unpaired"])
def test_kto_minus_inf_log_probs(loss_type):
    """An impossible answer saturates σ (loss w or 0, gradient 0); −inf − (−inf) is a nan that 'mean' skips."""
    inf = np.inf
    kw = dict(policy_chosen_logps=np.array([-inf, -1.0, -inf]), policy_rejected_logps=np.array([-inf, -2.0]),
              policy_KL_logps=np.array([-1.0, -3.0]), reference_chosen_logps=np.array([-1.0, -2.0, -inf]),
              reference_rejected_logps=np.array([-1.0, -inf]), reference_KL_logps=np.array([-2.0, -2.5]),
              loss_type=loss_type)
    for reduction in ("none", "mean", "sum"):
        check("kto_loss", reduction=reduction, **kw)
    full = LF.kto_loss(**kw, reduction="none")
    assert full[0] == 1 and np.isnan(full[2]) and np.isfinite(LF.kto_loss(**kw))
