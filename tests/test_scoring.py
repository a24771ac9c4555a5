"""lossedu.functional scoring losses (notebook 12) against their homes, forward and gradient.

Values: pinball_loss and brier_score against scikit-learn 1.9 (`mean_pinball_loss`,
`brier_score_loss`), crps_gaussian and crps_ensemble against properscoring 0.1, log_cosh_loss
against a transcription of optax's `log_cosh` (optax/losses/_regression.py: logaddexp(d, −d) − log 2;
optax is not installed). These homes are numpy (no autograd): every gradient is compared with a
torch transcription of the same home's formula differentiated by autograd, with properscoring's
own `grad=True` for crps_gaussian, and with finite differences (gradcheck on `as_torch`).
"""

import math

import numpy as np
import properscoring as ps
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import brier_score_loss, mean_pinball_loss

import lossedu
import lossedu.functional as LF
from torchref import TOL, assert_close, assert_refused, gradcheck_as_torch

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["none", "mean", "sum"]
NAMES = ["pinball_loss", "crps_gaussian", "crps_ensemble", "log_cosh_loss", "brier_score"]


# ============================================================================= the homes in torch
# one transcription of each home, shared with notebook 12 (tests/test_course_scoring.py checks them against the
# installed homes themselves)
from lossedu.lessons.scoring import (torch_brier, torch_crps_ensemble, torch_crps_gaussian,  # noqa: E402
                                     torch_log_cosh, torch_pinball)

TORCH_HOME = {"pinball_loss": torch_pinball, "crps_gaussian": torch_crps_gaussian,
              "crps_ensemble": torch_crps_ensemble, "log_cosh_loss": torch_log_cosh, "brier_score": torch_brier}


def numpy_home(name, kw):
    """The installed home's value per element (scikit-learn and properscoring), reduced as asked;
    None for optax (not installed: the torch transcription is the home)."""
    r = kw.get("reduction", "mean")
    if name == "pinball_loss":
        # one row of many outputs: 'raw_values' gives every element's loss
        x, t = np.reshape(kw["input"], (1, -1)), np.reshape(kw["target"], (1, -1))
        per = mean_pinball_loss(t, x, alpha=kw.get("quantile", 0.5), multioutput="raw_values")
        per = per.reshape(np.shape(kw["input"]))
    elif name == "crps_gaussian":
        per = ps.crps_gaussian(kw["target"], kw["mu"], kw["sigma"])
    elif name == "crps_ensemble":
        per = ps.crps_ensemble(kw["target"], kw["ensemble"])
    elif name == "brier_score":
        p, t = kw["input"], kw["target"]
        labels = list(range(p.shape[1])) if p.ndim == 2 and p.shape[1] > 1 else None
        if r == "mean":  # scikit-learn's own mean over the batch
            return np.asarray(brier_score_loss(t, p, labels=labels))
        # one sample's score: all the weight on it
        per = [brier_score_loss(t, p, labels=labels, sample_weight=np.eye(len(t))[i]) for i in range(len(t))]
    else:
        return None
    per = np.asarray(per, dtype=np.float64)
    return per if r == "none" else per.sum() if r == "sum" else per.mean()


def torch_home(name, kw, grad_output):
    """The transcription's value and the autograd gradients of GRADIENT_OF[name], computed in float64
    and rounded to the inputs' dtype: float32 autograd loses digits where ours does not (crps_gaussian's
    ∂/∂σ = f(z) − z·f′(z) cancels for large z), and float32 results are held to float32 tolerances."""
    wrt = LF.GRADIENT_OF[name]
    dtype = result_of(kw)
    t = {k: torch.from_numpy(np.array(v, np.float64 if v.dtype.kind == "f" else v.dtype))
         if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    for k in wrt:
        t[k].requires_grad_(True)
    out = TORCH_HOME[name](**t)
    g = torch.from_numpy(np.asarray(grad_output, dtype=np.float64))
    grads = torch.autograd.grad(out, [t[k] for k in wrt], g)
    return out.detach().numpy().astype(dtype), tuple(x.numpy().astype(kw[k].dtype) for k, x in zip(wrt, grads))


def result_of(kw):
    return np.result_type(*[v for v in kw.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"])


def check(name, grad_output=None, **kw):
    """Our forward equals the installed home and the transcription; our _backward, autograd's."""
    ours = getattr(LF, name)(**kw)
    if grad_output is None:
        grad_output = np.random.default_rng(3).uniform(0.5, 1.5, size=ours.shape).astype(ours.dtype)
    theirs, tgrads = torch_home(name, kw, grad_output)
    assert_close(ours, theirs, f"{name} forward vs its torch transcription")
    home = numpy_home(name, kw)
    if home is not None:
        tol = TOL[ours.dtype.type]
        np.testing.assert_allclose(ours, home, **tol, err_msg=f"{name} forward vs the installed home")
    grads = getattr(LF, f"{name}_backward")(grad_output, **kw)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(LF.GRADIENT_OF[name])
    for k, a, b in zip(LF.GRADIENT_OF[name], grads, tgrads):
        assert_close(a, b, f"{name} gradient of {k}")
    return ours, grads


def inputs(name, rng, dtype, n=6):
    f = lambda *s: rng.normal(size=s).astype(dtype)  # noqa: E731
    if name in ("pinball_loss", "log_cosh_loss"):
        return {"input": f(n, 3), "target": f(n, 3)}
    if name == "crps_gaussian":
        return {"mu": f(n), "sigma": rng.uniform(0.2, 3, n).astype(dtype), "target": f(n)}
    if name == "crps_ensemble":
        return {"ensemble": f(n, 2, 7), "target": f(n, 2)}
    p = rng.dirichlet(np.ones(4), n).astype(dtype)
    return {"input": p, "target": rng.integers(0, 4, n)}


# ============================================================================= parity, every option
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_every_loss_matches_its_home(name, reduction, dtype):
    kw = inputs(name, np.random.default_rng(0), dtype)
    out, grads = check(name, reduction=reduction, **kw)
    assert out.dtype == dtype and all(g.dtype == dtype for g in grads)
    shape = {"crps_ensemble": (6, 2), "brier_score": (6,)}.get(name, next(iter(kw.values())).shape)
    assert out.shape == (shape if reduction == "none" else ())


@pytest.mark.parametrize("quantile", [0.0, 0.05, 0.5, 0.9, 1.0])
def test_pinball_every_quantile_and_the_tie_branch(quantile):
    x = np.array([0.0, 1.0, -2.0, 3.0, 0.5, -0.25])
    t = np.array([0.0, 1.0, 1.0, -1.0, 0.5, 2.0])  # three ties: d = 0
    for reduction in REDUCTIONS:
        check("pinball_loss", input=x, target=t, quantile=quantile, reduction=reduction)
    g = LF.pinball_loss_backward(np.ones(6), x, t, quantile, "none")
    # at a tie scikit-learn's sign = (diff >= 0) is 1: the slope is −τ, not 1 − τ
    np.testing.assert_array_equal(g[[0, 1, 4]], -quantile)
    # τ = 0 and 1 are one-sided absolute errors
    if quantile in (0.0, 1.0):
        d = t - x
        np.testing.assert_array_equal(LF.pinball_loss(x, t, quantile, "none"), np.maximum(d if quantile else -d, 0))


@pytest.mark.parametrize("K", [2, 3, 5])
def test_brier_multiclass_halved_when_two_classes(K, rng):
    p = rng.dirichlet(np.ones(K), 9)
    t = rng.integers(0, K, 9)
    t[:K] = np.arange(K)  # every class present, as scikit-learn infers labels otherwise
    for reduction in REDUCTIONS:
        check("brier_score", input=p, target=t, reduction=reduction)
    full = np.sum((p - np.eye(K)[t]) ** 2, axis=1).mean()
    assert LF.brier_score(p, t) == pytest.approx(full / 2 if K == 2 else full, rel=1e-12)


def test_brier_binary_vector_and_one_column(rng):
    p = rng.uniform(size=8)
    for t in (rng.integers(0, 2, 8), rng.integers(0, 2, 8).astype(bool), rng.integers(0, 2, 8).astype(float)):
        for reduction in REDUCTIONS:
            check("brier_score", input=p, target=t, reduction=reduction)
    t = rng.integers(0, 2, 8)
    # scikit-learn's other binary labelling, {−1, 1}: −1 is class 0
    assert LF.brier_score(p, 2 * t - 1) == pytest.approx(brier_score_loss(2 * t - 1, p), rel=1e-12)
    np.testing.assert_array_equal(LF.brier_score_backward(1.0, p, 2 * t - 1), LF.brier_score_backward(1.0, p, t))
    assert LF.brier_score(p[:, None], t) == pytest.approx(brier_score_loss(t, p[:, None]), rel=1e-12)
    assert LF.brier_score_backward(1.0, p[:, None], t).shape == (8, 1)
    # at 0 and 1 (a sure forecast) the score is finite and the gradient too
    check("brier_score", input=np.array([0.0, 1.0, 1.0, 0.0]), target=np.array([0, 1, 0, 1]), reduction="none")


# ============================================================================= hypothesis
FLOATS = st.floats(-4, 4, allow_nan=False).map(lambda v: round(v * 4) / 4)  # quarter steps: many ties


@given(st.integers(1, 3).flatmap(lambda nd: st.lists(st.integers(1, 4), min_size=nd, max_size=nd)),
       st.data(), st.sampled_from(DTYPES), st.sampled_from(REDUCTIONS), st.floats(0, 1))
def test_elementwise_losses_on_any_shape(shape, data, dtype, reduction, quantile):
    n = int(np.prod(shape))
    x = np.array(data.draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype).reshape(shape)
    t = np.array(data.draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype).reshape(shape)
    check("pinball_loss", input=x, target=t, quantile=quantile, reduction=reduction)
    check("log_cosh_loss", input=x, target=t, reduction=reduction)


@given(st.integers(1, 3), st.integers(1, 6), st.data(), st.sampled_from(DTYPES), st.sampled_from(REDUCTIONS))
def test_ensemble_crps_with_ties(n, M, data, dtype, reduction):
    e = np.array(data.draw(st.lists(FLOATS, min_size=n * M, max_size=n * M)), dtype).reshape(n, M)
    y = np.array(data.draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype)
    check("crps_ensemble", ensemble=e, target=y, reduction=reduction)


@given(st.integers(1, 8), st.data(), st.sampled_from(DTYPES))
def test_gaussian_crps_and_properscorings_gradient(n, data, dtype):
    mu = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=n, max_size=n)), dtype)
    sigma = np.array(data.draw(st.lists(st.floats(1e-3, 10), min_size=n, max_size=n)), dtype)
    y = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=n, max_size=n)), dtype)
    check("crps_gaussian", mu=mu, sigma=sigma, target=y, reduction="none")
    _, (d_mu, d_sigma) = ps.crps_gaussian(y.astype(np.float64), mu.astype(np.float64), sigma.astype(np.float64),
                                          grad=True)
    ours = LF.crps_gaussian_backward(np.ones(n, dtype), mu, sigma, y, reduction="none")
    np.testing.assert_allclose(ours[0], d_mu, **TOL[dtype])
    np.testing.assert_allclose(ours[1], d_sigma, **TOL[dtype])


# ============================================================================= edges
def test_crps_gaussian_broadcasts_and_sums_the_gradient_back(rng):
    mu, sigma, y = rng.normal(size=(4, 1)), np.array(0.7), rng.normal(size=(1, 5))
    check("crps_gaussian", mu=mu, sigma=sigma, target=y, reduction="sum")
    out, (d_mu, d_sigma) = check("crps_gaussian", mu=mu, sigma=sigma, target=y, reduction="none")
    assert out.shape == (4, 5) and d_mu.shape == (4, 1) and d_sigma.shape == ()


def test_crps_gaussian_as_sigma_goes_to_zero():
    mu, y = np.array([0.0, 1.0, -2.0]), np.array([1.5, 1.0, 3.0])
    for s in (1e-3, 1e-8, 1e-100):
        np.testing.assert_allclose(LF.crps_gaussian(mu, np.full(3, s), y, "none"), np.abs(y - mu), atol=s)
        sigma = np.full(3, s)
        np.testing.assert_allclose(LF.crps_gaussian(mu, sigma, y, "none"), ps.crps_gaussian(y, mu, sigma), rtol=1e-12)
        # autograd's ∂/∂σ = f(z) − z·f′(z) cancels catastrophically at z ~ 1/σ: properscoring's closed
        # form (2φ(z) − 1/√π, which tends to −1/√π) is the reference here
        _, (d_mu, d_sigma) = ps.crps_gaussian(y, mu, sigma, grad=True)
        ours = LF.crps_gaussian_backward(np.ones(3), mu, sigma, y, "none")
        np.testing.assert_allclose(ours[0], d_mu, rtol=1e-15)
        np.testing.assert_allclose(ours[1], d_sigma, rtol=1e-15)
        # a miss: ∂ℓ/∂σ → −1/√π (more spread lowers the loss of a miss); a perfect forecast (y = μ): 2φ(0) − 1/√π > 0
        np.testing.assert_allclose(ours[1], [-1 / math.sqrt(math.pi), (math.sqrt(2) - 1) / math.sqrt(math.pi),
                                             -1 / math.sqrt(math.pi)], rtol=1e-15)
    # σ = 0 exactly: properscoring's σ·z is 0·inf = nan (0/0 at a perfect forecast), so is ours
    with np.errstate(divide="ignore", invalid="ignore"):
        home = ps.crps_gaussian(y, mu, np.zeros(3))
    assert np.all(np.isnan(home))
    assert np.all(np.isnan(LF.crps_gaussian(mu, np.zeros(3), y, "none")))


def test_crps_gaussian_in_the_far_tails():
    # |z| up to 30: Φ's Cephes tails (erfc with its two rational ratios) against scipy's, via properscoring
    z = np.concatenate([np.linspace(-30, 30, 241), [-0.70710678, 0.70710678, 1.41421356, -1.41421356, 11.3]])
    check("crps_gaussian", mu=np.zeros_like(z), sigma=np.ones_like(z), target=z, reduction="none")
    from lossedu.functional.scoring import normal_cdf
    from scipy.special import ndtr
    np.testing.assert_allclose(normal_cdf(z), ndtr(z), rtol=1e-14, atol=0)


def test_ensemble_of_one_member_is_the_absolute_error(rng):
    e, y = rng.normal(size=(5, 1)), rng.normal(size=5)
    y[0] = e[0, 0]  # a tie: sign(0) = 0
    out, (g,) = check("crps_ensemble", ensemble=e, target=y, reduction="none", grad_output=np.ones(5))
    np.testing.assert_array_equal(out, np.abs(e[:, 0] - y))
    np.testing.assert_array_equal(g[:, 0], np.sign(e[:, 0] - y))


def test_ensemble_ties_take_sign_zero():
    e = np.array([[1.0, 1.0, 1.0, 2.0, 0.0]])
    y = np.array([1.0])
    _, (g,) = check("crps_ensemble", ensemble=e, target=y, reduction="sum", grad_output=np.array(1.0))
    # a tied member: sign(1 − y) = 0, one smaller and one larger member: 0 in all
    np.testing.assert_array_equal(g[0, :3], 0.0)
    np.testing.assert_allclose(g[0, 3:], [1 / 5 - 4 / 25, -1 / 5 + 4 / 25], rtol=1e-15)


@pytest.mark.filterwarnings("ignore:Mean of empty slice")  # properscoring on a forecast without members
def test_ensemble_skips_missing_members_as_properscoring_does(rng):
    e = rng.normal(size=(4, 5))
    e[0, 1] = e[1, [0, 3]] = np.nan
    e[2] = np.nan  # no member left: nan
    e[3, 2] = e[3, 4]  # a tie beside nothing missing
    y = rng.normal(size=4)
    for reduction in ("none", "sum"):
        out, (g,) = check("crps_ensemble", ensemble=e, target=y, reduction=reduction)
    assert np.isnan(out[2]) if out.ndim else np.isnan(out)
    np.testing.assert_allclose(LF.crps_ensemble(e[:2], y[:2], "none")[0],
                               LF.crps_ensemble(np.delete(e[:1], 1, axis=1), y[:1], "none")[0], rtol=1e-15)
    g = LF.crps_ensemble_backward(np.ones(4), e, y, "none")
    assert g[0, 1] == g[1, 0] == g[1, 3] == 0
    np.testing.assert_allclose(g[0, [0, 2, 3, 4]], LF.crps_ensemble_backward(np.ones(1), np.delete(e[:1], 1, axis=1),
                                                                             y[:1], "none")[0], rtol=1e-15)
    # an empty ensemble: nan, as properscoring
    assert np.all(np.isnan(ps.crps_ensemble(np.zeros(2), np.zeros((2, 0)))))
    assert np.all(np.isnan(LF.crps_ensemble(np.zeros((2, 0)), np.zeros(2), "none")))


def test_infinities_silently():
    # inf − inf is nan, silently (pyproject turns lossedu's RuntimeWarnings into errors)
    x = np.array([np.inf, -np.inf, 1.0, np.inf])
    t = np.array([np.inf, 0.0, -np.inf, 1.0])
    check("log_cosh_loss", input=x, target=t, reduction="none", grad_output=np.ones(4))
    # scikit-learn refuses non-finite values (and its two-branch product would give 0·inf = nan):
    # ours is the branch taken, inf, and that branch's slope
    with pytest.raises(ValueError), np.errstate(invalid="ignore"):
        mean_pinball_loss(t, x)
    np.testing.assert_array_equal(LF.pinball_loss(x, t, 0.25, "none"), [np.nan, np.inf, np.inf, np.inf])
    np.testing.assert_array_equal(LF.pinball_loss_backward(np.ones(4), x, t, 0.25, "none"), [0.75, -0.25, 0.75, 0.75])


def test_log_cosh_broadcasts_the_target_as_optax_does(rng):
    x, t = rng.normal(size=(3, 4)), rng.normal(size=4)
    for reduction in REDUCTIONS:
        check("log_cosh_loss", input=x, target=t, reduction=reduction)
    _refused("log_cosh_loss", ValueError, "target", input=t, target=x)  # the target may not widen the input


def test_log_cosh_is_stable_for_large_differences():
    x = np.array([1e4, -1e4, 800.0, 1e-8, 0.0])
    t = np.zeros(5)
    out, (g,) = check("log_cosh_loss", input=x, target=t, reduction="none", grad_output=np.ones(5))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[:3], np.abs(x[:3]) - math.log(2), rtol=1e-15)
    np.testing.assert_array_equal(g[[0, 1, 4]], [1.0, -1.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_empty_batches_give_nan_means(name):
    kw = {k: v[:0] if np.ndim(v) else v for k, v in inputs(name, np.random.default_rng(0), np.float64).items()}
    assert np.isnan(getattr(LF, name)(**kw, reduction="mean"))
    assert getattr(LF, name)(**kw, reduction="sum") == 0


@pytest.mark.parametrize("name", NAMES)
def test_as_torch_and_gradcheck(name, rng):
    kw = inputs(name, rng, np.float64, n=4)
    if name == "brier_score":  # away from 0 and 1, where the check's steps would leave [0, 1]
        kw["input"] = 0.1 + 0.8 * kw["input"]
    gradcheck_as_torch(name, **kw)
    out = lossedu.as_torch(getattr(LF, name))(**{k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                                                 for k, v in kw.items()})
    np.testing.assert_allclose(out.detach().numpy(), getattr(LF, name)(**kw), rtol=1e-15)


# ============================================================================= refused inputs
def _refused(name, error, match, **kw):
    for fn in (getattr(LF, name), lambda **a: getattr(LF, f"{name}_backward")(1.0, **a)):
        with pytest.raises(error, match=match):
            fn(**kw)


def test_refused_inputs(rng):
    x = rng.normal(size=4)
    _refused("pinball_loss", ValueError, "quantile", input=x, target=x, quantile=1.5)
    _refused("pinball_loss", ValueError, "quantile", input=x, target=x, quantile=-0.1)
    _refused("pinball_loss", TypeError, "quantile", input=x, target=x, quantile="0.5")
    _refused("pinball_loss", ValueError, "target", input=x, target=x[:3])
    _refused("pinball_loss", TypeError, "input", input=x.astype(int), target=x)
    _refused("log_cosh_loss", ValueError, "reduction", input=x, target=x, reduction="elementwise_mean")
    _refused("crps_gaussian", ValueError, "mu.*sigma.*target", mu=x, sigma=np.ones(3), target=x)
    _refused("crps_gaussian", TypeError, "sigma", mu=x, sigma=[1, 1, 1, 1], target=x)
    _refused("crps_ensemble", ValueError, "target", ensemble=np.ones((4, 3)), target=np.ones(3))
    _refused("crps_ensemble", ValueError, "ensemble", ensemble=np.array(1.0), target=np.array(1.0))
    _refused("brier_score", ValueError, "input", input=np.array([0.5, 1.5]), target=np.array([0, 1]))
    _refused("brier_score", ValueError, "input", input=np.ones((2, 2, 2)) / 2, target=np.array([0, 1]))
    _refused("brier_score", ValueError, "target", input=np.array([0.5, 0.2]), target=np.array([0, 2]))
    _refused("brier_score", ValueError, "target", input=np.array([0.5, 0.2, 0.1]), target=np.array([0, -1, 1]))
    _refused("brier_score", ValueError, "target", input=np.full((2, 3), 1 / 3), target=np.array([0, 3]))
    _refused("brier_score", TypeError, "target", input=np.full((2, 3), 1 / 3), target=np.array([0.0, 1.0]))
    _refused("brier_score", ValueError, "target", input=np.full((2, 3), 1 / 3), target=np.array([0]))
    with pytest.raises(ValueError, match="grad_output"):
        LF.pinball_loss_backward(np.ones(3), x, x, reduction="none")
