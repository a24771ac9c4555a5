"""Assignment 02: poisson_nll_loss, gaussian_nll_loss and their gradients."""

from __future__ import annotations

import math

import numpy as np

from ..cases import REDUCTIONS, describe
from ..cases import backward_of as _backward

from ..spec import Assignment, Case, Mistake, Part



# ----------------------------------------------------------------------------- shared
def _reduce(terms, reduction):
    terms = np.asarray(terms, dtype=np.float64)
    return terms if reduction == "none" else terms.sum() if reduction == "sum" else terms.mean()


def _shapes(rng, hidden, public, ndim=None):
    if not hidden:
        return list(public)
    out = []
    for _ in public:
        n = ndim or int(rng.integers(1, 4))
        out.append(tuple(int(s) for s in rng.integers(2, 6, size=n)))
    return out


# ----------------------------------------------------------------------------- Poisson
def _log_rates(rng, shape):
    """(input = log λ, target ~ Poisson(λ)) as float64."""
    x = np.asarray(rng.normal(scale=1.0, size=shape))
    return x, np.asarray(rng.poisson(np.exp(x)), dtype=np.float64)


def _rates(rng, shape):
    """(input = λ > 0, target ~ Poisson(λ)) as float64."""
    x = np.asarray(rng.uniform(0.05, 5.0, size=shape))
    return x, np.asarray(rng.poisson(x), dtype=np.float64)


def poisson_cases(rng, hidden):
    shapes = _shapes(rng, hidden, [(7,), (4, 5), (2, 3, 4), (3, 4)])
    eps_values = (1e-3, 0.1, 0.5)
    out = []
    for reduction in REDUCTIONS:
        # log λ as input (the default), as in a Poisson regression
        x, t = _log_rates(rng, shapes[0])
        args = {"input": x, "target": t, "reduction": reduction}
        out.append(Case(describe(args), args))
        # the rate itself as input
        x, t = _rates(rng, shapes[1])
        args = {"input": x, "target": t, "log_input": False, "reduction": reduction}
        out.append(Case(describe(args), args))
        # full=True, with counts 0 and 1 among the targets
        x, t = _log_rates(rng, shapes[2])
        t.flat[:3] = (0.0, 1.0, 2.0)
        args = {"input": x, "target": t, "full": True, "reduction": reduction}
        out.append(Case(describe(args), args))
        # the rate as input, full, and an eps of its own
        x, t = _rates(rng, shapes[3])
        t.flat[:2] = (1.0, 0.0)
        eps = float(rng.choice(eps_values)) if hidden else eps_values[len(out) % 3]
        args = {"input": x, "target": t, "log_input": False, "full": True, "eps": eps, "reduction": reduction}
        out.append(Case(describe(args), args))
    # torch's boundaries and quirks (semantics reference 2.7)
    n = 8
    x = rng.normal(size=n)
    t = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 1.0 + 1e-7, 0.5, 6.0])
    for reduction in ("none", "sum"):
        out.append(Case(f"full=True: the Stirling term is added only where target > 1 (not at 0, 0.5 or exactly 1), "
                        f"reduction={reduction!r}", {"input": x, "target": t, "full": True, "reduction": reduction}))
    x = np.array([0.0, 0.0, 0.5, 1e-9, 2.0, 3.0])
    t = np.array([2.0, 0.0, 1.0, 3.0, 0.0, 4.0])
    for eps in (1e-8, 0.01):
        out.append(Case(f"log_input=False, rate 0 with target 2: −t·log(0 + eps) keeps it finite (eps={eps})",
                        {"input": x, "target": t, "log_input": False, "eps": eps, "reduction": "none"}))
    x, t = _log_rates(rng, (3, 4))
    out.append(Case("log_input=True ignores eps (eps=0.5 must change nothing)",
                    {"input": x, "target": t, "eps": 0.5, "reduction": "none"}))
    x, t = _log_rates(rng, (3, 4) if not hidden else tuple(int(s) for s in rng.integers(2, 6, size=2)))
    out.append(Case(f"only input and target (the defaults: log_input=True, full=False, reduction='mean'), "
                    f"input {x.shape}", {"input": x, "target": t}))
    x, t = _log_rates(rng, ())
    out.append(Case("a 0-d input and target, full=True", {"input": x, "target": np.asarray(t + 3.0), "full": True}))
    x, t = _log_rates(rng, (4, 3))
    out.append(Case("target (3,) broadcast against input (4, 3), reduction='none'",
                    {"input": x, "target": t[0].copy(), "reduction": "none"}))
    out.append(Case("target (3,) broadcast against input (4, 3), reduction='mean' (mean over 12 terms)",
                    {"input": x, "target": t[1].copy(), "log_input": True, "reduction": "mean"}))
    return out


def _stirling(t):
    safe = np.where(t > 1, t, 2.0)
    return np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * math.pi * safe), 0.0)


def _poisson_stirling_at_one(case, reference):
    """full=True with the Stirling term also where t = 1 (mask t >= 1) or 0 < t ≤ 1 (mask t > 0)."""
    a = case.args
    if not a.get("full") or "grad_output" in a:
        return None
    t = np.broadcast_to(a["target"], np.broadcast_shapes(np.shape(a["input"]), np.shape(a["target"])))
    if not np.any((t > 0) & (t <= 1)):
        return None
    s = np.clip(t, 1e-300, None)
    extra = np.where((t > 0) & (t <= 1), s * np.log(s) - s + 0.5 * np.log(2 * math.pi * s), 0.0)
    return np.asarray(reference(a)) + _reduce(extra, a.get("reduction", "mean"))


def _flip(name):
    def expected(case, reference):
        a = case.args
        return reference({**a, name: not a.get(name, name == "log_input")})
    return expected


def _poisson_eps_ignored(case, reference):
    a = case.args
    if a.get("log_input", True) or a.get("eps", 1e-8) == 0:
        return None
    return reference({**a, "eps": 0.0})


def _poisson_eps_with_log_input(case, reference):
    """log_input=True computed as exp(x) − t·log(exp(x) + eps)."""
    a = case.args
    if not a.get("log_input", True) or "grad_output" in a:
        return None
    x, t = a["input"], a["target"]
    eps = a.get("eps", 1e-8)
    terms = np.exp(x) - t * np.log(np.exp(x) + eps) + (_stirling(np.asarray(t, dtype=float)) if a.get("full") else 0)
    return _reduce(terms, a.get("reduction", "mean"))


POISSON_MISTAKES = (
    Mistake("you used the other formula: log_input=True means input = log λ and ℓ = exp(x) − t·x; "
            "log_input=False means input = λ and ℓ = x − t·log(x + eps)", _flip("log_input")),
    Mistake("you ignored `full`: full=True adds the Stirling term t·log t − t + ½·log(2πt) where t > 1",
            _flip("full")),
    Mistake("with full=True the Stirling term is added only where target > 1: torch adds nothing at t = 1 "
            "(nor for any t ≤ 1)", _poisson_stirling_at_one),
    Mistake("you ignored `eps`: with log_input=False the log is log(input + eps)", _poisson_eps_ignored),
    Mistake("with log_input=True eps is not used at all: ℓ = exp(x) − t·x", _poisson_eps_with_log_input),
)


# ----------------------------------------------------------------------------- Gaussian
def _gauss(rng, shape, var_shape):
    x = np.asarray(rng.normal(scale=1.5, size=shape))
    t = np.asarray(rng.normal(scale=1.5, size=shape))
    v = np.asarray(rng.uniform(0.2, 2.0, size=var_shape))
    return x, t, v


def _one_dim_to_one(rng, shape):
    """var's shape with one of input's dims (chosen by rng) replaced by 1."""
    d = int(rng.integers(len(shape)))
    return tuple(1 if i == d else s for i, s in enumerate(shape))


def gaussian_cases(rng, hidden):
    if hidden:
        shapes = [tuple(int(s) for s in rng.integers(2, 6, size=int(rng.integers(2, 4)))) for _ in range(4)]
    else:
        shapes = [(5, 3), (6, 4), (4, 2), (3, 4)]
    out = []
    for reduction in REDUCTIONS:
        s = shapes[0]
        x, t, v = _gauss(rng, s, s)
        args = {"input": x, "target": t, "var": v, "reduction": reduction}
        out.append(Case(describe(args), args))
        s = shapes[1]
        x, t, v = _gauss(rng, s, s[:-1])
        args = {"input": x, "target": t, "var": v, "reduction": reduction}
        out.append(Case(describe(args) + " (one variance per row: var gets a trailing axis)", args))
        s = shapes[2]
        vs = s[:-1] + (1,) if not hidden else _one_dim_to_one(rng, s)
        x, t, v = _gauss(rng, s, vs)
        args = {"input": x, "target": t, "var": v, "full": True, "reduction": reduction}
        out.append(Case(describe(args) + " (var broadcasts along its size-1 dim)", args))
        s = shapes[3]
        vs = (1,) + s[1:] if not hidden else _one_dim_to_one(rng, s)
        x, t, v = _gauss(rng, s, vs)
        args = {"input": x, "target": t, "var": v, "reduction": reduction}
        out.append(Case(describe(args) + " (var broadcasts along its size-1 dim)", args))
        x, t, _ = _gauss(rng, (4, 3), ())
        args = {"input": x, "target": t, "var": float(rng.uniform(0.3, 2.0)), "reduction": reduction}
        out.append(Case(f"input (4, 3), var a Python float ({args['var']:.4g}, one variance for all), "
                        f"reduction={reduction!r}", args))
    # the clamp v' = max(var, eps), straight-through for the gradient (semantics reference 2.8)
    x, t, v = _gauss(rng, (8,), (8,))
    x, t = x / 3, t / 3
    v[:4] = (1e-9, 0.0, 5e-7, 1e-6)
    out.append(Case("var below eps (1e-9, 0, 5e-7, 1e-6, …) is clamped to eps, reduction='none'",
                    {"input": x, "target": t, "var": v, "reduction": "none"}))
    out.append(Case("var below eps is clamped to eps, reduction='sum'",
                    {"input": x, "target": t, "var": v.copy(), "reduction": "sum"}))
    x, t, v = _gauss(rng, (3, 4), (3, 4))
    v[0, :3] = (0.001, 0.02, 0.049)
    out.append(Case("eps=0.05: every var below 0.05 is clamped to it", {"input": x, "target": t, "var": v, "eps": 0.05,
                                                                         "full": True, "reduction": "none"}))
    x, t, v = _gauss(rng, (5,), ())
    out.append(Case("1-D input (5,), 0-d var (one variance for all, unsqueezed to (1,))",
                    {"input": x, "target": t, "var": np.asarray(v)}))
    x, t, v = _gauss(rng, (), ())
    out.append(Case("a 0-d input, target and var", {"input": np.asarray(x), "target": np.asarray(t),
                                                    "var": np.asarray(v), "full": True}))
    x, t, v = _gauss(rng, (2, 3, 4), (2, 1, 4))
    out.append(Case("input (2, 3, 4) with var (2, 1, 4)", {"input": x, "target": t, "var": v, "reduction": "none"}))
    x, t, v = _gauss(rng, (4, 3), (4, 3))
    out.append(Case("target (3,) broadcast against input (4, 3) and var (4, 3) (mean over 12 terms)",
                    {"input": x, "target": t[0].copy(), "var": v}))
    x, t, v = _gauss(rng, (4, 3), (4, 3))
    out.append(Case("only input, target and var (the defaults: full=False, eps=1e-6, reduction='mean')",
                    {"input": x, "target": t, "var": v}))
    return out


def _array_var(case):
    return isinstance(case.args["var"], np.ndarray)


def _gauss_terms(a, *, log_term=True, clamp=True):
    x, t, v = a["input"], a["target"], a["var"]
    eps = a.get("eps", 1e-6)
    v = np.asarray(v, dtype=np.float64)
    if v.shape != np.shape(x) and v.shape == np.shape(x)[:-1]:
        v = v[..., None]
    if clamp:
        v = np.maximum(v, eps)
    terms = 0.5 * ((np.log(v) if log_term else 0.0) + (x - t) ** 2 / v)
    return terms + (0.5 * math.log(2 * math.pi) if a.get("full") else 0.0)


def _gauss_no_clamp(case, reference):
    a = case.args
    v = np.asarray(a["var"])
    if not np.any(v < a.get("eps", 1e-6)) or np.any(v == 0):
        return None
    if "grad_output" in a:
        return reference({**a, "eps": 0.0})
    with np.errstate(divide="ignore", invalid="ignore"):
        return _reduce(_gauss_terms(a, clamp=False), a.get("reduction", "mean"))


def _gauss_no_log(case, reference):
    a = case.args
    if "grad_output" in a:
        return None
    return _reduce(_gauss_terms(a, log_term=False), a.get("reduction", "mean"))


def _gauss_clamp_grad_zero(case, reference):
    """∂ℓ/∂var = 0 where var < eps, as a true max(var, eps) would give."""
    a = case.args
    if "grad_output" not in a or not _array_var(case) or a["var"].shape != np.shape(a["input"]):
        return None
    below = a["var"] < a.get("eps", 1e-6)
    if not below.any():
        return None
    gi, gv = reference(a)
    return gi, np.where(below, 0.0, gv)


def _gauss_var_sign(case, reference):
    if "grad_output" not in case.args:
        return None
    gi, gv = reference(case.args)
    return gi, -gv


def _gauss_var_not_summed(case, reference):
    """grad var of the broadcast shape instead of var's own (not summed back)."""
    a = case.args
    if "grad_output" not in a or a["var"].shape == np.shape(a["input"]):
        return None
    full = {**a, "var": np.broadcast_to(a["var"] if a["var"].shape != np.shape(a["input"])[:-1]
                                        else a["var"][..., None], np.shape(a["input"])).copy()}
    gi, gv = reference(full)
    return gi, gv


GAUSSIAN_MISTAKES = (
    Mistake("var must be clamped first: v' = max(var, eps), then ½·(log v' + (x − t)²/v')", _gauss_no_clamp),
    Mistake("you dropped the ½·log var term: ℓ = ½·(log v' + (x − t)²/v')", _gauss_no_log),
    Mistake("you ignored `full`: full=True adds ½·log(2π) to every term", _flip("full")),
    Mistake("torch's clamp is straight-through: where var < eps, ∂ℓ/∂var is ½·(1/v' − d²/v'²) at v' = eps, "
            "not 0", _gauss_clamp_grad_zero),
    Mistake("the var gradient has the wrong sign: ∂ℓ/∂var = ½·(1/v' − (x − t)²/v'²)", _gauss_var_sign),
    Mistake("the var gradient must have var's own shape: sum it over the axes var was broadcast along",
            _gauss_var_not_summed),
)


ASSIGNMENT = Assignment(
    name="02_counts_and_variances",
    title="Likelihood losses: Poisson and Gaussian negative log-likelihood",
    parts=(
        Part("poisson_nll_loss", 2, poisson_cases, POISSON_MISTAKES),
        Part("poisson_nll_loss_backward", 2, _backward("poisson_nll_loss", poisson_cases), POISSON_MISTAKES),
        Part("gaussian_nll_loss", 2, gaussian_cases, GAUSSIAN_MISTAKES),
        # torch gives no gradient for a Python float var: the backward cases always pass an array
        Part("gaussian_nll_loss_backward", 2, _backward("gaussian_nll_loss", gaussian_cases, _array_var),
             GAUSSIAN_MISTAKES),
    ),
)
