"""Independent audit (part a): regression, likelihood, classification, divergence and binary losses.

Written from the contract (COURSE.md) and the torch 2.13 reference only, as an outside grader would.
Every expected value comes from running torch on the same arrays; nothing is hard-coded.

For each loss there are tables:
  * PARITY[name]   -- (id, kwargs[, known-bug reason]) run in float64 and float32: forward value, shape,
                      dtype, nan/inf positions, number of UserWarnings, no leaked RuntimeWarning, inputs
                      untouched, and `<name>_backward` with a random upstream gradient vs torch autograd;
                      the same cases go through `lossedu.as_torch`. Hand-written cases (incl. the reference's
                      §3 tricky cases, by number) come first; EXTRA and SWEEPS (every combination of the
                      main options) are appended.
  * GRADCHECK[name] -- (id, kwargs) for `torch.autograd.gradcheck` on `lossedu.as_torch(<name>)`.
  * BAD[name]      -- (id, kwargs, words[, exception]) inputs torch refuses; ours must raise
                      ValueError/TypeError (IndexError for class indices out of range) in the forward and
                      in the backward, with a message naming one of `words`.
A third column in a PARITY case marks a known lossedu bug (strict xfail).

kwargs values are either plain Python values (passed unchanged to both sides) or generators (`Gen`)
materialised with a per-case fixed seed; torch always receives `torch.tensor(np.asarray(ours_value))`.
"""
from __future__ import annotations

import inspect
import itertools
import math
import warnings
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lossedu
import lossedu.functional as LF

torch.set_num_threads(1)

F64, F32, F16 = np.float64, np.float32, np.float16
TOL = {F64: dict(rtol=1e-7, atol=1e-10), F32: dict(rtol=1e-5, atol=1e-6), F16: dict(rtol=4e-3, atol=2e-3)}
OK_ERRORS = (ValueError, TypeError, IndexError)
nan, inf = math.nan, math.inf

LOSSES = (
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "poisson_nll_loss", "gaussian_nll_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
)


# --------------------------------------------------------------------------------------------------
# input generators
# --------------------------------------------------------------------------------------------------
class Gen:
    """An array made from a seeded rng. dtype None = the case's float dtype; `ours` maps the array to
    what lossedu receives (e.g. a list or a numpy scalar)."""

    def __init__(self, make, dtype=None, ours=None):
        self.make, self.dtype, self.ours = make, dtype, ours or (lambda a: a)

    def array(self, rng, dtype):
        return np.asarray(self.make(rng)).astype(self.dtype or dtype)


def normal(*shape, scale=1.0, dtype=None):
    return Gen(lambda r: scale * r.standard_normal(shape), dtype)


def uniform(lo, hi, *shape, dtype=None):
    return Gen(lambda r: r.uniform(lo, hi, shape), dtype)


def prob(*shape, dtype=None):
    return uniform(0.02, 0.98, *shape, dtype=dtype)


def positive(*shape, dtype=None):
    return uniform(0.2, 3.0, *shape, dtype=dtype)


def lit(values, dtype=None):
    return Gen(lambda r: np.array(values, dtype=np.float64), dtype)


def ilit(values, dtype=np.int64):
    return Gen(lambda r: np.array(values), dtype)


def zeros(*shape, dtype=None):
    return Gen(lambda r: np.zeros(shape), dtype)


def idx(high, *shape, fill=None, every=3, dtype=np.int64):
    """Class indices in [0, high); with `fill`, every `every`-th entry is set to `fill`."""
    def make(r):
        a = r.integers(0, high, shape)
        if fill is not None:
            a.reshape(-1)[::every] = fill
        return a
    return Gen(make, dtype)


def counts(*shape, lam=2.0, dtype=None):
    return Gen(lambda r: r.poisson(lam, shape).astype(np.float64), dtype)


def _softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def simplex(*shape, axis=-1, dtype=None):
    return Gen(lambda r: _softmax(r.standard_normal(shape), axis), dtype)


def log_simplex(*shape, axis=-1, dtype=None):
    return Gen(lambda r: np.log(_softmax(r.standard_normal(shape), axis)), dtype)


def as_list(g):
    return Gen(g.make, g.dtype, ours=lambda a: a.tolist())


def as_scalar(g):
    return Gen(g.make, g.dtype, ours=lambda a: a[()])


def as_float(g):
    return Gen(g.make, g.dtype, ours=lambda a: float(a))


def _readonly(a):
    a = a.copy()
    a.setflags(write=False)
    return a


def readonly(g):
    """lossedu must not write into its arguments."""
    return Gen(g.make, g.dtype, ours=_readonly)


def strided(g):
    """A non-contiguous view (every other column of a wider array) with the same values."""
    return Gen(g.make, g.dtype, ours=lambda a: np.repeat(a, 2, axis=-1)[..., ::2])


# --------------------------------------------------------------------------------------------------
# harness
# --------------------------------------------------------------------------------------------------
def seed_of(*parts):
    return zlib.crc32("/".join(map(str, parts)).encode())


def materialize(kwargs, rng, dtype):
    ours, ref = {}, {}
    for key, value in kwargs.items():
        if isinstance(value, Gen):
            ours[key] = value.ours(value.array(rng, dtype))
            ref[key] = torch.tensor(np.asarray(ours[key]))
        else:
            ours[key] = ref[key] = value
    return ours, ref


def differentiated(name, ref):
    """The GRADIENT_OF arguments that are floating tensors here (torch can differentiate them)."""
    return [k for k in LF.GRADIENT_OF[name]
            if isinstance(ref.get(k), torch.Tensor) and ref[k].is_floating_point()]


def user_warnings(record):
    return [w for w in record if issubclass(w.category, UserWarning)]


def call_recording(fn, kwargs):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = fn(**kwargs)
    return out, record


def check_array(ours, expected, what):
    """Same type, shape, dtype, nan/inf positions and values (tolerance of the array's dtype)."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    dtypes = (getattr(ours, "dtype", None), expected.dtype)
    tol = TOL[F16] if F16 in dtypes else TOL[F32] if F32 in dtypes else TOL[F64]
    assert isinstance(ours, np.ndarray), f"{what}: expected an np.ndarray, got {type(ours).__name__}"
    assert ours.shape == expected.shape, f"{what}: shape {ours.shape} != torch {expected.shape}"
    assert ours.dtype == expected.dtype, f"{what}: dtype {ours.dtype} != torch {expected.dtype}"
    np.testing.assert_allclose(ours, expected, equal_nan=True, err_msg=what, **tol)


def torch_gradients(out, inputs, grad):
    """torch autograd, or None where torch's own backward fails (e.g. huber with mixed dtypes, an
    unbatched (C,) input with a (1,) target): then only the forward is compared."""
    try:
        return torch.autograd.grad(out, inputs, grad, allow_unused=True)
    except RuntimeError:
        return None


def grads_by_name(name, result):
    result = result if isinstance(result, tuple) else (result,)
    assert len(result) == len(LF.GRADIENT_OF[name]), f"{name}_backward returned {len(result)} values"
    return dict(zip(LF.GRADIENT_OF[name], result))


def run_parity(name, kwargs, dtype, case_id):
    rng = np.random.default_rng(seed_of(name, case_id))
    ours, ref = materialize(kwargs, rng, dtype)
    snapshot = {k: np.array(v, copy=True) for k, v in ours.items() if isinstance(v, np.ndarray)}
    wrt = differentiated(name, ref)
    for k in wrt:
        ref[k].requires_grad_(True)

    expected, torch_record = call_recording(getattr(TF, name), ref)
    got, our_record = call_recording(getattr(LF, name), ours)
    check_array(got, expected, f"{name} forward")
    assert len(user_warnings(our_record)) == len(user_warnings(torch_record)), (
        f"UserWarnings: ours {[str(w.message) for w in user_warnings(our_record)]} vs "
        f"torch {[str(w.message) for w in user_warnings(torch_record)]}")
    leaked = [w for w in our_record if issubclass(w.category, RuntimeWarning)]
    assert not leaked, f"numpy RuntimeWarning leaked from lossedu: {leaked[0].message}"
    for k, before in snapshot.items():
        np.testing.assert_array_equal(ours[k], before, err_msg=f"forward modified {k}")

    if not wrt:
        return
    g = rng.standard_normal(expected.shape).astype(got.dtype)
    torch_grads = torch_gradients(expected, [ref[k] for k in wrt], torch.from_numpy(g))
    if torch_grads is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        our_grads = grads_by_name(name, getattr(LF, f"{name}_backward")(g, **ours))
    for k, tg in zip(wrt, torch_grads):
        tg = torch.zeros_like(ref[k]) if tg is None else tg
        check_array(our_grads[k], tg, f"{name}_backward d/d{k}")


def run_as_torch(name, kwargs, dtype, case_id):
    rng = np.random.default_rng(seed_of(name, case_id))
    _, ref = materialize(kwargs, rng, dtype)
    ours = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in ref.items()}
    wrt = differentiated(name, ref)
    for k in wrt:
        ref[k].requires_grad_(True)
        ours[k].requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = getattr(TF, name)(**ref)
        got = lossedu.as_torch(getattr(LF, name))(**ours)
    assert isinstance(got, torch.Tensor)
    check_array(got.detach().numpy(), expected, f"as_torch({name}) forward")
    if not wrt:
        return
    g = torch.from_numpy(rng.standard_normal(tuple(expected.shape))).to(expected.dtype)
    ge = torch_gradients(expected, [ref[k] for k in wrt], g)
    if ge is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gg = torch.autograd.grad(got, [ours[k] for k in wrt], g, allow_unused=True)
    for k, a, b in zip(wrt, gg, ge):
        b = torch.zeros_like(ref[k]) if b is None else b
        assert a is not None, f"as_torch({name}): no gradient for {k}"
        check_array(a.numpy(), b, f"as_torch({name}) d/d{k}")


# --------------------------------------------------------------------------------------------------
# case tables
# --------------------------------------------------------------------------------------------------
def _regression(legacy=True, weighted=True):
    cases = [
        ("0d", dict(input=normal(), target=normal())),
        ("1d", dict(input=normal(5), target=normal(5))),
        ("2d-none", dict(input=normal(3, 4), target=normal(3, 4), reduction="none")),
        ("2d-sum", dict(input=normal(3, 4), target=normal(3, 4), reduction="sum")),
        ("3d-mean", dict(input=normal(2, 3, 4), target=normal(2, 3, 4), reduction="mean")),
        ("4d-none", dict(input=normal(2, 3, 2, 2), target=normal(2, 3, 2, 2), reduction="none")),
        ("bcast-col-row-warns", dict(input=normal(3, 1), target=normal(3), reduction="none")),
        ("bcast-col-row-mean", dict(input=normal(3, 1), target=normal(3))),
        ("bcast-target-row", dict(input=normal(3, 4), target=normal(4), reduction="sum")),
        ("bcast-input-smaller", dict(input=normal(1, 4), target=normal(3, 4), reduction="none")),
        ("bcast-0d-target", dict(input=normal(3, 4), target=normal())),
        ("ties", dict(input=lit([0., 1., 2., -1.]), target=lit([0., 1., 3., -1.]), reduction="none")),
        ("ties-mean", dict(input=lit([0., 1., 2., -1.]), target=lit([0., 1., 3., -1.]))),
        ("nan", dict(input=lit([nan, 1., 2., nan]), target=lit([0., nan, 1., nan]), reduction="none")),
        ("nan-sum", dict(input=lit([nan, 1., 2.]), target=lit([0., 0., 1.]), reduction="sum")),
        ("inf", dict(input=lit([inf, -inf, 1., inf]), target=lit([0., 0., inf, inf]), reduction="none")),
        ("large", dict(input=normal(3, 4, scale=1e4), target=normal(3, 4, scale=1e4), reduction="none")),
        ("tiny", dict(input=normal(3, 4, scale=1e-6), target=normal(3, 4, scale=1e-6))),
        ("empty-mean", dict(input=normal(0), target=normal(0))),
        ("empty-sum", dict(input=normal(0, 3), target=normal(0, 3), reduction="sum")),
        ("empty-none", dict(input=normal(0, 3), target=normal(0, 3), reduction="none")),
        ("mixed-f32-f64", dict(input=normal(3, 4, dtype=F32), target=normal(3, 4, dtype=F64))),
        ("mixed-f64-f32-none", dict(input=normal(3, 4, dtype=F64), target=normal(3, 4, dtype=F32),
                                    reduction="none")),
        ("list-input", dict(input=as_list(normal(4, dtype=F64)), target=normal(4))),
        ("numpy-scalars", dict(input=as_scalar(normal()), target=as_scalar(normal()))),
        ("elementwise_mean", dict(input=normal(3, 4), target=normal(3, 4), reduction="elementwise_mean")),
        ("python-floats", dict(input=as_float(normal(dtype=F64)), target=as_float(normal(dtype=F64)))),
        ("int-target", dict(input=normal(3, 4), target=ilit([[1, 2, 3, 4]]), reduction="none")),
        ("readonly-strided", dict(input=readonly(normal(3, 4)), target=strided(normal(3, 4)), reduction="none")),
        ("big-mean", dict(input=normal(100, 100), target=normal(100, 100))),
    ]
    if legacy:
        cases += [
            ("legacy-size_average-False", dict(input=normal(3, 4), target=normal(3, 4), size_average=False)),
            ("legacy-reduce-False", dict(input=normal(3, 4), target=normal(3, 4), reduce=False)),
            ("legacy-overrides-reduction", dict(input=normal(3, 4), target=normal(3, 4), size_average=True,
                                                reduction="sum")),
            ("legacy-reduce-True", dict(input=normal(3, 4), target=normal(3, 4), reduce=True,
                                        reduction="none")),
        ]
    if weighted:
        cases += [
            ("w-mean", dict(input=normal(3, 4), target=normal(3, 4), weight=positive(3, 4))),
            ("w-sum", dict(input=normal(3, 4), target=normal(3, 4), weight=positive(3, 4), reduction="sum")),
            ("w-none", dict(input=normal(3, 4), target=normal(3, 4), weight=positive(3, 4), reduction="none")),
            ("w-zero-sum-mean", dict(input=normal(3, 4), target=normal(3, 4), weight=zeros(3, 4))),
            ("w-signed", dict(input=normal(2, 3), target=normal(2, 3), weight=normal(2, 3))),
            ("w-1d", dict(input=normal(5), target=normal(5), weight=positive(5))),
            ("w-0d", dict(input=normal(), target=normal(), weight=positive())),
            ("w-target-bcast", dict(input=normal(3, 4), target=normal(4), weight=positive(3, 4))),
            ("w-ties", dict(input=lit([0., 1., 2.]), target=lit([0., 1., 3.]), weight=lit([1., 2., 3.]))),
            ("w-mixed-f64-weight", dict(input=normal(3, 4), target=normal(3, 4), weight=positive(3, 4, dtype=F64))),
            ("w-input-smaller-than-target", dict(input=normal(3, 1), target=normal(3, 4), weight=positive(3, 1))),
            ("w-input-smaller-none", dict(input=normal(3, 1), target=normal(3, 4), weight=positive(3, 1),
                                          reduction="none")),
            ("w-list", dict(input=normal(3), target=normal(3), weight=as_list(positive(3, dtype=F64)))),
            ("w-readonly-none", dict(input=readonly(normal(3, 4)), target=readonly(normal(3, 4)),
                                     weight=readonly(positive(3, 4)), reduction="none")),
        ]
        if legacy:
            cases += [("w-legacy", dict(input=normal(3, 4), target=normal(3, 4), weight=positive(3, 4),
                                        size_average=False))]
    return cases


KINK = dict(input=lit([1.5, -0.5, 0.5, 0., 3., -2.5, 1.25]),
            target=lit([0.5, 0.5, 0., 0., 1., 0., 0.]))   # |d| = 1, 1, .5, 0, 2, 2.5, 1.25 exactly

PARITY = {
    "l1_loss": _regression(),
    "mse_loss": _regression(),
    "smooth_l1_loss": _regression(weighted=False) + [
        (f"beta{b}-{cid}", {**kw, "beta": b})
        for b in (0.5, 2.0, 0.0, 1e-3) for cid, kw in _regression(weighted=False)[:13]
    ] + [
        ("kink-beta1", dict(KINK, reduction="none", beta=1.0)),
        ("kink-beta2", dict(KINK, reduction="none", beta=2.0)),
        ("kink-beta0.5", dict(KINK, reduction="none", beta=0.5)),
        ("kink-beta2.5-sum", dict(KINK, reduction="sum", beta=2.5)),
        ("nan-beta0", dict(input=lit([nan, 1.]), target=lit([0., nan]), reduction="none", beta=0.0)),
        ("inf-beta0", dict(input=lit([inf, 1.]), target=lit([0., -inf]), reduction="none", beta=0.0)),
        ("beta-int", dict(input=normal(3, 4), target=normal(3, 4), beta=2)),
        ("beta-inf", dict(input=normal(3, 4), target=normal(3, 4), beta=inf, reduction="none")),
        ("beta-huge", dict(input=normal(3, 4), target=normal(3, 4), beta=1e10)),
    ],
    "huber_loss": _regression(legacy=False) + [
        (f"delta{d}-{cid}", {**kw, "delta": d})
        for d in (0.5, 2.5, 1e-3) for cid, kw in _regression(legacy=False)[:13]
    ] + [
        ("kink-delta1", dict(KINK, reduction="none", delta=1.0)),
        ("kink-delta2", dict(KINK, reduction="none", delta=2.0)),
        ("kink-delta0.5", dict(KINK, reduction="none", delta=0.5)),
        ("kink-delta2.5-sum", dict(KINK, reduction="sum", delta=2.5)),
        ("w-delta2.5-mean", dict(input=normal(3, 4, scale=3), target=normal(3, 4), weight=positive(3, 4),
                                 delta=2.5)),
        ("w-kink-mean", dict(KINK, weight=positive(7), delta=1.0)),
        ("delta-int", dict(input=normal(3, 4), target=normal(3, 4), delta=2)),
        ("delta-inf", dict(input=normal(3, 4), target=normal(3, 4), delta=inf, reduction="none")),
        ("delta-huge-w", dict(input=normal(3, 4), target=normal(3, 4), delta=1e10, weight=positive(3, 4))),
    ],
    "nll_loss": [
        ("unbatched", dict(input=log_simplex(5), target=ilit(3))),
        ("unbatched-none", dict(input=log_simplex(5), target=ilit(2), reduction="none")),
        ("unbatched-target1", dict(input=log_simplex(5), target=ilit([4]))),
        ("unbatched-ignored", dict(input=log_simplex(5), target=ilit(-100))),
        ("unbatched-weight", dict(input=normal(5), target=ilit(1), weight=positive(5))),
        ("2d-mean", dict(input=log_simplex(4, 3), target=idx(3, 4))),
        ("2d-none", dict(input=log_simplex(4, 3), target=idx(3, 4), reduction="none")),
        ("2d-sum", dict(input=log_simplex(4, 3), target=idx(3, 4), reduction="sum")),
        ("3d-mean", dict(input=normal(2, 3, 4), target=idx(3, 2, 4))),
        ("3d-none", dict(input=normal(2, 3, 4), target=idx(3, 2, 4), reduction="none")),
        ("4d-none", dict(input=normal(2, 3, 2, 3), target=idx(3, 2, 2, 3), reduction="none")),
        ("4d-weight-ignore", dict(input=normal(2, 3, 2, 3), target=idx(3, 2, 2, 3, fill=-100),
                                  weight=positive(3))),
        ("weight-mean", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), weight=lit([.2, .5, 2.]))),
        ("weight-sum", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), weight=lit([.2, .5, 2.]),
                            reduction="sum")),
        ("weight-none", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), weight=lit([.2, .5, 2.]),
                             reduction="none")),
        ("ignore-default", dict(input=normal(6, 4), target=idx(4, 6, fill=-100))),
        ("ignore-default-none", dict(input=normal(6, 4), target=idx(4, 6, fill=-100), reduction="none")),
        ("ignore-valid-class", dict(input=normal(6, 3), target=ilit([0, 1, 2, 1, 1, 0]), ignore_index=1)),
        ("ignore-valid-class-weight", dict(input=normal(6, 3), target=ilit([0, 1, 2, 1, 1, 0]),
                                           ignore_index=1, weight=positive(3))),
        ("ignore-beyond-C", dict(input=normal(4, 3), target=ilit([0, 5, 2, 5]), ignore_index=5)),
        ("ignore-negative", dict(input=normal(4, 3), target=ilit([0, -1, 2, -1]), ignore_index=-1,
                                 reduction="sum")),
        ("all-ignored-mean", dict(input=normal(4, 3), target=ilit([-100] * 4))),
        ("all-ignored-sum", dict(input=normal(4, 3), target=ilit([-100] * 4), reduction="sum")),
        ("all-ignored-none", dict(input=normal(4, 3), target=ilit([-100] * 4), reduction="none")),
        ("zero-weight-sum", dict(input=normal(4, 3), target=ilit([0, 0, 0, 0]), weight=lit([0., 1., 2.]))),
        ("zero-weight-partial", dict(input=normal(4, 3), target=ilit([0, 1, 0, 2]), weight=lit([0., 1., 2.]))),
        ("uint8-target", dict(input=normal(4, 3), target=idx(3, 4, dtype=np.uint8))),
        ("positive-input", dict(input=positive(4, 3), target=idx(3, 4))),
        ("inf-input", dict(input=lit([[-inf, 0., 1.], [0., inf, 2.]]), target=ilit([0, 2]), reduction="none")),
        ("nan-input", dict(input=lit([[nan, 0., 1.], [0., 2., 3.]]), target=ilit([0, 2]))),
        ("empty-mean", dict(input=normal(0, 3), target=idx(3, 0))),
        ("empty-sum", dict(input=normal(0, 3), target=idx(3, 0), reduction="sum")),
        ("legacy-size_average-False", dict(input=normal(4, 3), target=idx(3, 4), size_average=False)),
        ("legacy-reduce-False", dict(input=normal(4, 3), target=idx(3, 4), reduce=False)),
        ("elementwise_mean", dict(input=normal(4, 3), target=idx(3, 4), reduction="elementwise_mean")),
        ("list-input", dict(input=as_list(normal(2, 3, dtype=F64)), target=ilit([2, 0]))),
        ("C1", dict(input=normal(4, 1), target=idx(1, 4))),
        ("empty-kdim", dict(input=normal(2, 3, 0), target=idx(3, 2, 0))),
        ("ignore_index-np-int64", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), ignore_index=np.int64(1))),
        ("unbatched-weight-ignored-none", dict(input=normal(3), target=ilit(1), ignore_index=1,
                                               weight=positive(3), reduction="none")),
        ("3d-none-ignore", dict(input=normal(2, 3, 4), target=idx(3, 2, 4, fill=-100), reduction="none")),
        ("kdim-all-ignored", dict(input=normal(2, 3, 2), target=ilit([[-100, -100]] * 2))),
        ("uint8-ignore-255", dict(input=normal(4, 3), target=ilit([0, 255, 2, 255], dtype=np.uint8),
                                  ignore_index=255, weight=positive(3))),
        ("weight-list", dict(input=normal(4, 3, dtype=F64), target=idx(3, 4),
                             weight=as_list(positive(3, dtype=F64)))),
        ("readonly-strided", dict(input=strided(normal(4, 3)), target=readonly(idx(3, 4)),
                                  weight=readonly(positive(3)))),
        ("big", dict(input=normal(500, 10), target=idx(10, 500), weight=positive(10))),
    ],
    "cross_entropy": [
        # class-index targets
        ("unbatched", dict(input=normal(5), target=ilit(3))),
        ("unbatched-none", dict(input=normal(5), target=ilit(3), reduction="none")),
        ("unbatched-target1", dict(input=normal(5), target=ilit([0]))),
        ("unbatched-ls", dict(input=normal(5), target=ilit(2), label_smoothing=0.3, weight=positive(5))),
        ("unbatched-ignored", dict(input=normal(5), target=ilit(-100))),
        ("2d-mean", dict(input=normal(4, 3), target=idx(3, 4))),
        ("2d-none", dict(input=normal(4, 3), target=idx(3, 4), reduction="none")),
        ("2d-sum", dict(input=normal(4, 3), target=idx(3, 4), reduction="sum")),
        ("3d-none", dict(input=normal(2, 3, 4), target=idx(3, 2, 4), reduction="none")),
        ("3d-mean", dict(input=normal(2, 3, 4), target=idx(3, 2, 4))),
        ("kdim-case21-none", dict(input=normal(2, 3, 4, 5), target=idx(3, 2, 4, 5, fill=-100, every=7),
                                  weight=positive(3), label_smoothing=0.1, reduction="none")),
        ("kdim-case21-mean", dict(input=normal(2, 3, 4, 5), target=idx(3, 2, 4, 5, fill=-100, every=7),
                                  weight=positive(3), label_smoothing=0.1)),
        ("weight-mean", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), weight=lit([.2, .5, 2.]))),
        ("weight-none", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), weight=lit([.2, .5, 2.]),
                             reduction="none")),
        ("ignore-valid-class", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), ignore_index=1)),
        ("ls-weight-ignore-case14-mean", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]),
                                              weight=lit([.2, .5, 2.]), ignore_index=1, label_smoothing=0.2)),
        ("ls-weight-ignore-case14-sum", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]),
                                             weight=lit([.2, .5, 2.]), ignore_index=1, label_smoothing=0.2,
                                             reduction="sum")),
        ("ls-weight-ignore-case14-none", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]),
                                              weight=lit([.2, .5, 2.]), ignore_index=1, label_smoothing=0.2,
                                              reduction="none")),
        ("ls0.1-mean", dict(input=normal(5, 4), target=idx(4, 5), label_smoothing=0.1)),
        ("ls0.1-none-ignore", dict(input=normal(5, 4), target=idx(4, 5, fill=-100), label_smoothing=0.1,
                                   reduction="none")),
        ("ls1.0", dict(input=normal(5, 4), target=idx(4, 5), label_smoothing=1.0)),
        ("ls-negative", dict(input=normal(5, 4), target=idx(4, 5), label_smoothing=-0.5)),
        ("all-ignored-mean", dict(input=normal(3, 4), target=ilit([-100] * 3))),
        ("all-ignored-ls", dict(input=normal(3, 4), target=ilit([-100] * 3), label_smoothing=0.2)),
        ("all-ignored-sum", dict(input=normal(3, 4), target=ilit([-100] * 3), reduction="sum")),
        ("zero-weight-sum", dict(input=normal(3, 3), target=ilit([0, 0, 0]), weight=lit([0., 1., 1.]))),
        ("uint8-target", dict(input=normal(4, 3), target=idx(3, 4, dtype=np.uint8))),
        ("logits-1e4", dict(input=normal(4, 5, scale=1e4), target=idx(5, 4))),
        ("logits-1e4-ls-none", dict(input=normal(4, 5, scale=1e4), target=idx(5, 4), label_smoothing=0.1,
                                    reduction="none")),
        ("neg-inf-logit", dict(input=lit([[-inf, 0., 1.]]), target=ilit([1]))),
        ("neg-inf-target-logit", dict(input=lit([[-inf, 0., 1.], [0., 1., 2.]]), target=ilit([0, 1]),
                                      reduction="none")),
        ("all-neg-inf-row", dict(input=lit([[-inf, -inf, -inf], [0., 1., 2.]]), target=ilit([0, 1]),
                                 reduction="none")),
        ("empty-kdim-ls", dict(input=normal(2, 3, 0), target=idx(3, 2, 0), label_smoothing=0.1)),
        ("ignore_index-np-int64", dict(input=normal(4, 3), target=ilit([0, 1, 2, 1]), ignore_index=np.int64(1),
                                       label_smoothing=0.1)),
        ("neg-inf-logit-ls", dict(input=lit([[-inf, 0., 1.]]), target=ilit([1]), label_smoothing=0.1)),
        ("pos-inf-logit", dict(input=lit([[inf, 0., 1.], [0., 1., 2.]]), target=ilit([1, 0]),
                               reduction="none")),
        ("nan-logit", dict(input=lit([[nan, 0., 1.], [0., 1., 2.]]), target=ilit([1, 0]), reduction="none")),
        ("empty", dict(input=normal(0, 3), target=idx(3, 0))),
        ("legacy-size_average-False", dict(input=normal(4, 3), target=idx(3, 4), size_average=False)),
        ("legacy-reduce-False", dict(input=normal(4, 3), target=idx(3, 4), reduce=False)),
        ("elementwise_mean", dict(input=normal(4, 3), target=idx(3, 4), reduction="elementwise_mean")),
        ("list-input", dict(input=as_list(normal(2, 3, dtype=F64)), target=ilit([2, 0]))),
        # class-probability targets (target.shape == input.shape)
        ("prob-mean", dict(input=normal(4, 3), target=simplex(4, 3))),
        ("prob-none", dict(input=normal(4, 3), target=simplex(4, 3), reduction="none")),
        ("prob-sum", dict(input=normal(4, 3), target=simplex(4, 3), reduction="sum")),
        ("prob-weight-case15", dict(input=normal(4, 3), target=simplex(4, 3), weight=lit([.2, .5, 2.]))),
        ("prob-ls", dict(input=normal(4, 3), target=simplex(4, 3), label_smoothing=0.2)),
        ("prob-ls-weight-none", dict(input=normal(4, 3), target=simplex(4, 3), label_smoothing=0.2,
                                     weight=positive(3), reduction="none")),
        ("prob-ls1.0", dict(input=normal(4, 3), target=simplex(4, 3), label_smoothing=1.0)),
        ("prob-ls-negative", dict(input=normal(4, 3), target=simplex(4, 3), label_smoothing=-0.5)),
        ("prob-unbatched", dict(input=normal(5), target=simplex(5))),
        ("prob-unbatched-none", dict(input=normal(5), target=simplex(5), reduction="none")),
        ("prob-kdim-none", dict(input=normal(2, 3, 4), target=simplex(2, 3, 4, axis=1), reduction="none")),
        ("prob-kdim-mean-weight", dict(input=normal(2, 3, 2, 2), target=simplex(2, 3, 2, 2, axis=1),
                                       weight=positive(3))),
        ("prob-unnormalised", dict(input=normal(4, 3), target=uniform(0, 2, 4, 3))),
        ("prob-negative", dict(input=normal(4, 3), target=uniform(-1, 0, 4, 3))),
        ("prob-ignore-neg1", dict(input=normal(4, 3), target=simplex(4, 3), ignore_index=-1)),
        ("prob-neg-inf-zero-p", dict(input=lit([[-inf, 0., 1.]]), target=lit([[0., .5, .5]]))),
        ("prob-logits-1e4", dict(input=normal(4, 5, scale=1e4), target=simplex(4, 5))),
        ("prob-mixed-f32-f64", dict(input=normal(4, 3, dtype=F32), target=simplex(4, 3, dtype=F64))),
        ("prob-square-index", dict(input=normal(3, 3), target=idx(3, 3))),  # (3,3) with (3,) int: index
        ("prob-square-prob", dict(input=normal(3, 3), target=simplex(3, 3))),
        ("prob-empty", dict(input=normal(0, 3), target=simplex(0, 3))),
        ("prob-kdim-ls-weight", dict(input=normal(2, 3, 2, 2), target=simplex(2, 3, 2, 2, axis=1),
                                     weight=positive(3), label_smoothing=0.3, reduction="sum")),
        ("prob-mixed-f64-f32", dict(input=normal(4, 3, dtype=F64), target=simplex(4, 3, dtype=F32))),
        ("prob-weight-mixed", dict(input=normal(4, 3, dtype=F64), target=simplex(4, 3, dtype=F64),
                                   weight=positive(3, dtype=F32))),
        ("C1", dict(input=normal(4, 1), target=idx(1, 4), label_smoothing=0.2)),
        ("unbatched-ignored-ls-none", dict(input=normal(3), target=ilit(-100), label_smoothing=0.2,
                                           reduction="none")),
        ("uint8-ignore-255-ls", dict(input=normal(4, 3), target=ilit([0, 255, 2, 255], dtype=np.uint8),
                                     ignore_index=255, label_smoothing=0.1, reduction="none")),
        ("zero-weight-ls", dict(input=normal(4, 3), target=ilit([0, 1, 2, 0]), weight=lit([0., 1., 2.]),
                                label_smoothing=0.3)),
        ("kdim-all-ignored-ls", dict(input=normal(2, 3, 2), target=ilit([[-100, -100]] * 2),
                                     label_smoothing=0.1)),
        ("readonly-strided", dict(input=strided(normal(4, 3)), target=readonly(idx(3, 4)),
                                  weight=readonly(positive(3)), label_smoothing=0.1)),
        ("big", dict(input=normal(500, 10), target=idx(10, 500), label_smoothing=0.1)),
        ("prob-big", dict(input=normal(500, 10), target=simplex(500, 10))),
    ],
    "poisson_nll_loss": [
        ("log-mean", dict(input=normal(3, 4), target=counts(3, 4))),
        ("log-none", dict(input=normal(3, 4), target=counts(3, 4), reduction="none")),
        ("log-sum", dict(input=normal(3, 4), target=counts(3, 4), reduction="sum")),
        ("0d", dict(input=normal(), target=counts())),
        ("3d", dict(input=normal(2, 3, 4), target=counts(2, 3, 4), reduction="none")),
        ("nolog", dict(input=positive(3, 4), target=counts(3, 4), log_input=False)),
        ("nolog-none", dict(input=positive(3, 4), target=counts(3, 4), log_input=False, reduction="none")),
        ("nolog-eps0", dict(input=positive(3, 4), target=counts(3, 4), log_input=False, eps=0.0)),
        ("nolog-eps-big", dict(input=positive(3, 4), target=counts(3, 4), log_input=False, eps=0.5)),
        ("nolog-x0-case27", dict(input=lit([0.]), target=lit([2.]), log_input=False, reduction="none")),
        ("nolog-x0-eps0", dict(input=lit([0., 0.]), target=lit([0., 2.]), log_input=False, eps=0.0,
                               reduction="none")),
        ("nolog-negative-x", dict(input=lit([-0.5, 1.]), target=lit([1., 1.]), log_input=False,
                                  reduction="none")),
        ("full-thresholds-case26", dict(input=normal(6), target=lit([0., 0.5, 1., 1.0000001, 2., 7.]),
                                        full=True, reduction="none")),
        ("full-mean", dict(input=normal(3, 4), target=counts(3, 4, lam=4.0), full=True)),
        ("full-nolog", dict(input=positive(3, 4), target=counts(3, 4, lam=4.0), full=True, log_input=False,
                            reduction="sum")),
        ("eps-unused-log", dict(input=normal(3, 4), target=counts(3, 4), eps=0.5)),
        ("bcast-no-warning", dict(input=normal(3, 1), target=counts(4), reduction="none")),
        ("bcast-target-bigger", dict(input=normal(4), target=counts(3, 4))),
        ("int-target", dict(input=normal(3, 4), target=Gen(lambda r: r.poisson(2.0, (3, 4)), np.int64))),
        ("int-input", dict(input=Gen(lambda r: r.integers(0, 3, (3, 4)), np.int64), target=counts(3, 4))),
        ("large-log-input", dict(input=lit([50., 80., -50.]), target=lit([1., 2., 3.]), reduction="none")),
        ("non-integer-target", dict(input=normal(3, 4), target=positive(3, 4), full=True)),
        ("empty", dict(input=normal(0), target=counts(0))),
        ("empty-sum", dict(input=normal(0, 2), target=counts(0, 2), reduction="sum")),
        ("legacy-size_average-False", dict(input=normal(3, 4), target=counts(3, 4), size_average=False)),
        ("legacy-reduce-False", dict(input=normal(3, 4), target=counts(3, 4), reduce=False)),
        ("mixed-f32-f64", dict(input=normal(3, 4, dtype=F32), target=counts(3, 4, dtype=F64))),
        ("list-input", dict(input=as_list(normal(4, dtype=F64)), target=counts(4))),
        ("int-target-full", dict(input=normal(3, 4), target=Gen(lambda r: r.poisson(3.0, (3, 4)), np.int64),
                                 full=True, reduction="none")),
        ("readonly-strided", dict(input=readonly(positive(3, 4)), target=strided(counts(3, 4)),
                                  log_input=False, full=True, reduction="none")),
        ("big", dict(input=normal(100, 100), target=counts(100, 100), full=True)),
    ],
    "gaussian_nll_loss": [
        ("same-mean", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 3))),
        ("same-none", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 3), reduction="none")),
        ("same-sum", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 3), reduction="sum")),
        ("var-N", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4))),
        ("var-N-none", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4), reduction="none")),
        ("var-N1", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 1), reduction="sum")),
        ("var-1D", dict(input=normal(4, 3), target=normal(4, 3), var=positive(1, 3))),
        ("var-4d", dict(input=normal(4, 2, 3, 3), target=normal(4, 2, 3, 3), var=positive(4, 1, 3, 3))),
        ("var-float", dict(input=normal(4, 3), target=normal(4, 3), var=0.5)),
        ("var-float-none", dict(input=normal(4, 3), target=normal(4, 3), var=1.5, reduction="none")),
        ("var-float-zero", dict(input=normal(4, 3), target=normal(4, 3), var=0.0)),
        ("full", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 3), full=True)),
        ("full-var-N-none", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4), full=True,
                                 reduction="none")),
        ("eps-clamp-case29", dict(input=lit([0.3, 1.]), target=lit([0., 0.]), var=lit([1e-9, 2.]),
                                  eps=1e-6, reduction="none")),
        ("eps-clamp-sum", dict(input=normal(4, 3), target=normal(4, 3), var=uniform(0, 0.6, 4, 3), eps=0.3,
                               reduction="sum")),
        ("var-zeros", dict(input=normal(4, 3), target=normal(4, 3), var=zeros(4, 3))),
        ("unbatched-var-0d", dict(input=normal(3), target=normal(3), var=positive())),
        ("unbatched-var-same", dict(input=normal(3), target=normal(3), var=positive(3), reduction="none")),
        ("bcast-target-case31", dict(input=normal(4, 3), target=normal(3), var=positive(4, 3))),
        ("target-bigger", dict(input=normal(3), target=normal(4, 3), var=positive(3), reduction="none")),
        ("nan-var", dict(input=normal(2), target=normal(2), var=lit([nan, 1.]), reduction="none")),
        ("mixed-var-f64", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 3, dtype=F64))),
        ("mixed-input-f32-target-f64", dict(input=normal(4, 3, dtype=F32), target=normal(4, 3, dtype=F64),
                                            var=positive(4, 3, dtype=F32))),
        ("empty", dict(input=normal(0, 3), target=normal(0, 3), var=positive(0, 3))),
        ("list-input", dict(input=as_list(normal(4, dtype=F64)), target=normal(4), var=positive(4))),
        ("target-bigger-var-0d", dict(input=normal(3), target=normal(4, 3), var=positive())),
        ("var-np-float64", dict(input=normal(4, 3), target=normal(4, 3), var=np.float64(0.7))),
        ("var-float-full-eps", dict(input=normal(4, 3), target=normal(4, 3), var=1e-9, full=True)),
        ("var-N-target-bcast", dict(input=normal(4, 3), target=normal(3), var=positive(4), reduction="none")),
        ("readonly-strided", dict(input=readonly(normal(4, 3)), target=strided(normal(4, 3)),
                                  var=readonly(uniform(0, 1, 4, 3)), eps=0.5)),
        ("big", dict(input=normal(100, 100), target=normal(100, 100), var=positive(100))),
    ],
    "kl_div": [
        ("mean-warns", dict(input=log_simplex(3, 4), target=simplex(3, 4))),
        ("batchmean", dict(input=log_simplex(3, 4), target=simplex(3, 4), reduction="batchmean")),
        ("sum", dict(input=log_simplex(3, 4), target=simplex(3, 4), reduction="sum")),
        ("none", dict(input=log_simplex(3, 4), target=simplex(3, 4), reduction="none")),
        ("log_target-none", dict(input=log_simplex(3, 4), target=log_simplex(3, 4), reduction="none",
                                 log_target=True)),
        ("log_target-batchmean", dict(input=log_simplex(3, 4), target=log_simplex(3, 4),
                                      reduction="batchmean", log_target=True)),
        ("log_target-mean", dict(input=log_simplex(3, 4), target=log_simplex(3, 4), log_target=True)),
        ("zero-neg-target-case22", dict(input=normal(3), target=lit([0., -0.5, 0.3]), reduction="none")),
        ("zero-target-sum", dict(input=normal(4), target=lit([0., 0.2, 0., 0.8]), reduction="sum")),
        ("bcast-batchmean-case23", dict(input=log_simplex(3), target=simplex(2, 3), reduction="batchmean")),
        ("bcast-target-smaller", dict(input=log_simplex(2, 3), target=simplex(3), reduction="none")),
        ("0d-batchmean", dict(input=normal(), target=uniform(0.1, 1.0), reduction="batchmean")),
        ("0d-input-bcast-batchmean", dict(input=normal(), target=uniform(0.1, 1.0, 3), reduction="batchmean")),
        ("3d-batchmean", dict(input=log_simplex(2, 3, 4), target=simplex(2, 3, 4), reduction="batchmean")),
        ("log_target-neg-inf-case24", dict(input=normal(2), target=lit([-inf, 0.]), reduction="none",
                                           log_target=True)),
        ("input-neg-inf", dict(input=lit([-inf, -inf, 0.]), target=lit([0., .5, .5]), reduction="none")),
        ("unnormalised", dict(input=normal(3, 4), target=positive(3, 4), reduction="sum")),
        ("legacy-size_average-False", dict(input=log_simplex(3, 4), target=simplex(3, 4), size_average=False)),
        ("legacy-reduce-False", dict(input=log_simplex(3, 4), target=simplex(3, 4), reduce=False)),
        ("elementwise_mean", dict(input=log_simplex(3, 4), target=simplex(3, 4), reduction="elementwise_mean")),
        ("mixed-f32-f64", dict(input=log_simplex(3, 4, dtype=F32), target=simplex(3, 4, dtype=F64),
                               reduction="batchmean")),
        ("empty-batchmean", dict(input=normal(0, 3), target=simplex(0, 3), reduction="batchmean")),
        ("empty-mean", dict(input=normal(0, 3), target=simplex(0, 3))),
        ("list-input", dict(input=as_list(log_simplex(4, dtype=F64)), target=simplex(4), reduction="sum")),
        ("bcast-mean", dict(input=log_simplex(3), target=simplex(2, 3))),
        ("log_target-bcast", dict(input=log_simplex(2, 3), target=log_simplex(3), log_target=True,
                                  reduction="batchmean")),
        ("readonly-strided", dict(input=readonly(log_simplex(3, 4)), target=strided(simplex(3, 4)),
                                  reduction="none")),
        ("big", dict(input=log_simplex(100, 100), target=simplex(100, 100), reduction="batchmean")),
    ],
    "binary_cross_entropy": [
        ("mean", dict(input=prob(3, 4), target=prob(3, 4))),
        ("none", dict(input=prob(3, 4), target=prob(3, 4), reduction="none")),
        ("sum", dict(input=prob(3, 4), target=prob(3, 4), reduction="sum")),
        ("0d", dict(input=prob(), target=prob())),
        ("1d", dict(input=prob(5), target=prob(5), reduction="none")),
        ("3d", dict(input=prob(2, 3, 4), target=prob(2, 3, 4))),
        ("hard-targets", dict(input=prob(3, 4), target=Gen(lambda r: r.integers(0, 2, (3, 4)).astype(float)))),
        ("weight-same", dict(input=prob(3, 4), target=prob(3, 4), weight=positive(3, 4))),
        ("weight-C-bcast", dict(input=prob(3, 4), target=prob(3, 4), weight=positive(4), reduction="none")),
        ("weight-C1-bcast", dict(input=prob(3, 4), target=prob(3, 4), weight=positive(3, 1), reduction="sum")),
        ("weight-0d", dict(input=prob(3, 4), target=prob(3, 4), weight=positive())),
        ("clamp-case1", dict(input=lit([0., 1e-50, 1.]), target=lit([1., 1., 0.]), reduction="none")),
        ("eps-case2", dict(input=lit([0.]), target=lit([0.5]), reduction="sum")),
        ("case3-unclamped", dict(input=lit([1e-60, 0., 1.]), target=lit([1., .5, .5]), reduction="none")),
        ("exact-0-1", dict(input=lit([0., 1., 0., 1.]), target=lit([0., 1., 1., 0.]), reduction="none")),
        ("near-1", dict(input=lit([1 - 1e-12, 1 - 1e-7, 1e-7]), target=lit([0., 1., 0.]), reduction="none")),
        ("mid-extremes-mean", dict(input=lit([1e-300, 0.5, 1 - 1e-16]), target=lit([0.3, 0.7, 0.2]))),
        ("empty", dict(input=prob(0), target=prob(0))),
        ("empty-none", dict(input=prob(0, 3), target=prob(0, 3), reduction="none")),
        ("legacy-size_average-False", dict(input=prob(3, 4), target=prob(3, 4), size_average=False)),
        ("legacy-reduce-False", dict(input=prob(3, 4), target=prob(3, 4), reduce=False)),
        ("elementwise_mean", dict(input=prob(3, 4), target=prob(3, 4), reduction="elementwise_mean")),
        ("list-input", dict(input=as_list(prob(4, dtype=F64)), target=prob(4, dtype=F64))),
        ("weight-3d-none", dict(input=prob(2, 3, 4), target=prob(2, 3, 4), weight=positive(3, 1),
                                reduction="none")),
        ("weight-legacy", dict(input=prob(3, 4), target=prob(3, 4), weight=positive(4), reduce=False)),
        ("weight-mixed-f32", dict(input=prob(3, 4, dtype=F64), target=prob(3, 4, dtype=F64),
                                  weight=positive(4, dtype=F32))),
        ("readonly-strided", dict(input=readonly(prob(3, 4)), target=strided(prob(3, 4)),
                                  weight=readonly(positive(4)), reduction="none")),
        ("big", dict(input=prob(100, 100), target=prob(100, 100))),
    ],
    "binary_cross_entropy_with_logits": [
        ("mean", dict(input=normal(3, 4), target=prob(3, 4))),
        ("none", dict(input=normal(3, 4), target=prob(3, 4), reduction="none")),
        ("sum", dict(input=normal(3, 4), target=prob(3, 4), reduction="sum")),
        ("0d", dict(input=normal(), target=prob())),
        ("3d", dict(input=normal(2, 3, 4), target=prob(2, 3, 4), reduction="none")),
        ("weight-same", dict(input=normal(3, 4), target=prob(3, 4), weight=positive(3, 4))),
        ("weight-C", dict(input=normal(3, 4), target=prob(3, 4), weight=positive(4), reduction="none")),
        ("weight-0d", dict(input=normal(3, 4), target=prob(3, 4), weight=positive(), reduction="sum")),
        ("pos_weight-C", dict(input=normal(3, 4), target=prob(3, 4), pos_weight=positive(4))),
        ("pos_weight-C-none", dict(input=normal(3, 4), target=prob(3, 4), pos_weight=positive(4),
                                   reduction="none")),
        ("pos_weight-1", dict(input=normal(3, 4), target=prob(3, 4), pos_weight=lit([3.]))),
        ("pos_weight-same", dict(input=normal(3, 4), target=prob(3, 4), pos_weight=positive(3, 4),
                                 reduction="sum")),
        ("pos_weight-3d-C1", dict(input=normal(2, 3, 4), target=prob(2, 3, 4), pos_weight=positive(3, 1))),
        ("both-weights", dict(input=normal(3, 4), target=prob(3, 4), weight=positive(3, 1),
                              pos_weight=positive(4), reduction="none")),
        ("extremes-case6", dict(input=lit([-1000., 1000.]), target=lit([1., 0.]), reduction="none")),
        ("extremes-case6-pw", dict(input=lit([-1000., 1000.]), target=lit([1., 0.]), reduction="none",
                                   pos_weight=lit([2.]))),
        ("logits-1e4", dict(input=normal(3, 4, scale=1e4), target=prob(3, 4), pos_weight=positive(4),
                            reduction="none")),
        ("inf-logits", dict(input=lit([inf, -inf, inf, -inf]), target=lit([1., 0., 0.5, 0.5]),
                            reduction="none")),
        ("nan-logit", dict(input=lit([nan, 1.]), target=lit([1., 0.]), reduction="none")),
        ("inf-logits-pw-w", dict(input=lit([inf, -inf, inf, -inf]), target=lit([1., 0., 0.5, 1.]),
                                 pos_weight=lit([2.]), weight=lit([1., 2., 3., 4.]), reduction="none")),
        ("no-target-check-case7", dict(input=lit(1.), target=lit(2.))),
        ("target-out-of-range", dict(input=normal(4), target=lit([-1., 2., 0.5, 3.]), pos_weight=lit([2.]),
                                     reduction="none")),
        ("negative-pos_weight", dict(input=normal(4), target=prob(4), pos_weight=lit([-0.5]))),
        ("empty", dict(input=normal(0), target=prob(0))),
        ("empty-sum-pw", dict(input=normal(0, 3), target=prob(0, 3), pos_weight=positive(3), reduction="sum")),
        ("legacy-size_average-False", dict(input=normal(3, 4), target=prob(3, 4), size_average=False)),
        ("legacy-reduce-False", dict(input=normal(3, 4), target=prob(3, 4), reduce=False)),
        ("elementwise_mean", dict(input=normal(3, 4), target=prob(3, 4), reduction="elementwise_mean")),
        ("mixed-f32-f64", dict(input=normal(3, 4, dtype=F32), target=prob(3, 4, dtype=F64))),
        ("mixed-f32-f64-pw", dict(input=normal(3, 4, dtype=F32), target=prob(3, 4, dtype=F32),
                                  pos_weight=positive(4, dtype=F64), weight=positive(4, dtype=F64))),
        ("list-input", dict(input=as_list(normal(4, dtype=F64)), target=prob(4, dtype=F64))),
        ("pos_weight-0d", dict(input=normal(3, 4), target=prob(3, 4), pos_weight=positive(),
                               weight=positive(4), reduction="none")),
        ("logits-100", dict(input=lit([-100., 100., -30., 30., -88., 88.]), target=lit([1., 0., 1., 0., .5, .5]),
                            pos_weight=lit([3.]), reduction="none")),
        ("readonly-strided", dict(input=readonly(normal(3, 4)), target=strided(prob(3, 4)),
                                  weight=readonly(positive(4)), pos_weight=strided(positive(3, 4)))),
        ("big", dict(input=normal(100, 100), target=prob(100, 100), pos_weight=positive(100))),
    ],
}

# option sweeps: every combination of the main options, on a 1-class-dim and a K-dim shape
REDUCTIONS = ("none", "mean", "sum")


def _sweep(make, **axes):
    keys = list(axes)
    return [("sweep-" + "-".join(f"{k}={v}" for k, v in zip(keys, combo)), make(**dict(zip(keys, combo))))
            for combo in itertools.product(*axes.values())]


def _reg_sweep(option, values, weighted):
    def make(shape, reduction, opt, w):
        kw = dict(input=normal(*shape, scale=2.0), target=normal(*shape), reduction=reduction)
        if opt is not None:
            kw[option] = opt
        if w:
            kw["weight"] = positive(*shape)
        return kw
    return _sweep(make, shape=[(5,), (2, 3, 4)], reduction=REDUCTIONS, opt=values,
                  w=[False, True] if weighted else [False])


def _nll_like(shape, reduction, w, ignore, ls=None):
    C = shape[1]
    tshape = (shape[0],) + shape[2:]
    kw = dict(input=normal(*shape), reduction=reduction,
              target=idx(C, *tshape, fill=-100 if ignore == "fill" else None))
    if ignore == "class0":
        kw["ignore_index"] = 0
    if w:
        kw["weight"] = positive(C)
    if ls is not None:
        kw["label_smoothing"] = ls
    return kw


def _prob_like(shape, reduction, w, ls):
    kw = dict(input=normal(*shape), target=simplex(*shape, axis=1), reduction=reduction, label_smoothing=ls)
    if w:
        kw["weight"] = positive(shape[1])
    return kw


def _bce_like(logits):
    def make(shape, reduction, w, pw=None):
        kw = dict(input=normal(*shape, scale=3.0) if logits else prob(*shape), target=prob(*shape),
                  reduction=reduction)
        if w:
            kw["weight"] = positive(*w)
        if pw:
            kw["pos_weight"] = positive(*pw)
        return kw
    return make


def _gauss(vshape, full, reduction):
    return dict(input=normal(4, 3), target=normal(4, 3), full=full, reduction=reduction,
                var=0.8 if vshape == "float" else positive(*vshape))


SWEEPS = {
    "l1_loss": _reg_sweep(None, [None], True),
    "mse_loss": _reg_sweep(None, [None], True),
    "smooth_l1_loss": _reg_sweep("beta", [0.0, 0.7, 1.0, 3.0], False),
    "huber_loss": _reg_sweep("delta", [0.3, 1.0, 3.0], True),
    "nll_loss": _sweep(_nll_like, shape=[(4, 3), (2, 3, 2, 2)], reduction=REDUCTIONS, w=[False, True],
                       ignore=["none", "fill", "class0"]),
    "cross_entropy": _sweep(_nll_like, shape=[(4, 3), (2, 3, 2, 2)], reduction=REDUCTIONS, w=[False, True],
                            ignore=["none", "fill", "class0"], ls=[0.0, 0.15])
    + _sweep(_prob_like, shape=[(4, 3), (2, 3, 2, 2)], reduction=REDUCTIONS, w=[False, True], ls=[0.0, 0.15]),
    "poisson_nll_loss": _sweep(lambda log_input, full, reduction, eps: dict(
        input=normal(3, 4) if log_input else positive(3, 4), target=counts(3, 4, lam=3.0), log_input=log_input,
        full=full, reduction=reduction, eps=eps),
        log_input=[True, False], full=[False, True], reduction=REDUCTIONS, eps=[1e-8, 0.1]),
    "gaussian_nll_loss": _sweep(_gauss, vshape=[(4, 3), (4,), (4, 1), (1, 3), "float"], full=[False, True],
                                reduction=REDUCTIONS),
    "kl_div": _sweep(lambda shape, log_target, reduction: dict(
        input=log_simplex(*shape), target=log_simplex(*shape) if log_target else simplex(*shape),
        log_target=log_target, reduction=reduction),
        shape=[(5,), (2, 3, 4)], log_target=[False, True], reduction=REDUCTIONS + ("batchmean",)),
    "binary_cross_entropy": _sweep(_bce_like(False), shape=[(3, 4)], reduction=REDUCTIONS,
                                   w=[None, (3, 4), (4,), (3, 1), ()])
    + _sweep(_bce_like(False), shape=[(2, 3, 4)], reduction=REDUCTIONS, w=[None, (3, 1), (4,)]),
    "binary_cross_entropy_with_logits": _sweep(_bce_like(True), shape=[(3, 4)], reduction=REDUCTIONS,
                                               w=[None, (4,), (3, 1)], pw=[None, (4,), (1,), (3, 4)])
    + _sweep(_bce_like(True), shape=[(2, 3, 4)], reduction=REDUCTIONS, w=[None, (3, 1)], pw=[None, (4,)]),
}
# integer weights / unusual option values that torch accepts
INT_INPUT = ("int-input-float-target", dict(input=ilit([[1, 2, 0, -3]] * 3), target=normal(3, 4)))
EXTRA = {
    "mse_loss": [INT_INPUT],
    "smooth_l1_loss": [INT_INPUT, ("int-input-beta0", {**INT_INPUT[1], "beta": 0.0})],
    "l1_loss": [INT_INPUT,
                ("w-int", dict(input=normal(3, 4), target=normal(3, 4), weight=ilit([[1, 2, 0, 3]] * 3)))],
    "huber_loss": [("w-int", dict(input=normal(3, 4), target=normal(3, 4), weight=ilit([[1, 2, 0, 3]] * 3)))],
    "cross_entropy": [
        ("prob-weight-int", dict(input=normal(3, 4), target=simplex(3, 4), weight=ilit([1, 2, 0, 3]))),
        ("ls-nan", dict(input=normal(3, 4), target=idx(4, 3), label_smoothing=nan)),
        ("prob-ls-nan", dict(input=normal(3, 4), target=simplex(3, 4), label_smoothing=nan)),
    ],
    "poisson_nll_loss": [("eps-negative", dict(input=positive(3, 4), target=counts(3, 4), log_input=False,
                                               eps=-1.0, reduction="none"))],
    "gaussian_nll_loss": [
        ("eps-negative", dict(input=normal(3, 4), target=normal(3, 4), var=zeros(3, 4), eps=-1.0)),
        ("int-input", dict(input=ilit([[1, 2, 3]] * 4), target=normal(4, 3), var=positive(4, 3))),
        ("int-target", dict(input=normal(4, 3), target=ilit([[1, 2, 3]] * 4), var=positive(4, 3),
                            reduction="none")),
    ],
    "binary_cross_entropy": [("w-int", dict(input=prob(3, 4), target=prob(3, 4), weight=ilit([1, 2, 0, 3])))],
    "binary_cross_entropy_with_logits": [
        ("w-int-pw-int", dict(input=normal(3, 4), target=prob(3, 4), weight=ilit([1, 2, 0, 3]),
                              pos_weight=ilit([2, 1, 3, 0]), reduction="none"))],
}
for _name, _cases in EXTRA.items():
    PARITY[_name] = PARITY[_name] + _cases
for _name, _cases in SWEEPS.items():
    PARITY[_name] = PARITY[_name] + _cases


# gradcheck through lossedu.as_torch (float64, smooth points only)
GRADCHECK = {
    "l1_loss": [("none", dict(input=normal(2, 3), target=normal(2, 3), reduction="none")),
                ("w-mean", dict(input=normal(2, 3), target=normal(3), weight=positive(2, 3)))],
    "mse_loss": [("none", dict(input=normal(2, 3), target=normal(2, 3), reduction="none")),
                 ("bcast-mean", dict(input=normal(2, 1), target=normal(3))),
                 ("w-sum", dict(input=normal(2, 3), target=normal(2, 3), weight=positive(2, 3),
                                reduction="sum"))],
    "smooth_l1_loss": [("none", dict(input=normal(2, 3, scale=2), target=normal(2, 3), reduction="none")),
                       ("beta0.5-mean", dict(input=normal(2, 3, scale=2), target=normal(2, 3), beta=0.5)),
                       ("beta0-sum", dict(input=normal(2, 3), target=normal(2, 3), beta=0.0, reduction="sum"))],
    "huber_loss": [("none", dict(input=normal(2, 3, scale=2), target=normal(2, 3), reduction="none")),
                   ("delta2.5-w-mean", dict(input=normal(2, 3, scale=4), target=normal(2, 3), delta=2.5,
                                            weight=positive(2, 3)))],
    "nll_loss": [("none", dict(input=normal(4, 3), target=idx(3, 4), reduction="none")),
                 ("kdim-weight-ignore", dict(input=normal(2, 3, 4), target=idx(3, 2, 4, fill=-100),
                                             weight=positive(3)))],
    "cross_entropy": [("none", dict(input=normal(4, 3), target=idx(3, 4), reduction="none")),
                      ("ls-weight-ignore", dict(input=normal(2, 3, 4), target=idx(3, 2, 4, fill=-100),
                                                weight=positive(3), label_smoothing=0.2)),
                      ("prob-ls-weight", dict(input=normal(4, 3), target=simplex(4, 3), weight=positive(3),
                                              label_smoothing=0.1, reduction="sum")),
                      ("unbatched", dict(input=normal(5), target=ilit(2), reduction="none"))],
    "poisson_nll_loss": [("log-none", dict(input=normal(2, 3), target=counts(2, 3), reduction="none")),
                         ("nolog-full", dict(input=positive(2, 3), target=counts(2, 3, lam=4.0),
                                             log_input=False, full=True))],
    "gaussian_nll_loss": [("same-none", dict(input=normal(2, 3), target=normal(2, 3), var=positive(2, 3),
                                             reduction="none")),
                          ("var-N-full", dict(input=normal(2, 3), target=normal(2, 3), var=positive(2),
                                              full=True)),
                          ("var-1D-sum", dict(input=normal(2, 3), target=normal(3), var=positive(1, 3),
                                              reduction="sum"))],
    "kl_div": [("none", dict(input=log_simplex(2, 3), target=simplex(2, 3), reduction="none")),
               ("log_target-batchmean", dict(input=log_simplex(2, 3), target=log_simplex(2, 3),
                                             log_target=True, reduction="batchmean"))],
    "binary_cross_entropy": [("none", dict(input=uniform(0.1, 0.9, 2, 3), target=prob(2, 3), reduction="none")),
                             ("weight-mean", dict(input=uniform(0.1, 0.9, 2, 3), target=prob(2, 3),
                                                  weight=positive(3)))],
    "binary_cross_entropy_with_logits": [
        ("none", dict(input=normal(2, 3), target=prob(2, 3), reduction="none")),
        ("weights-mean", dict(input=normal(2, 3), target=prob(2, 3), weight=positive(2, 1),
                              pos_weight=positive(3)))],
}


def _regression_bad(legacy=True):
    cases = [
        ("reduction-avg", dict(input=normal(3), target=normal(3), reduction="avg"), ("reduction",)),
        ("reduction-batchmean", dict(input=normal(3), target=normal(3), reduction="batchmean"), ("reduction",)),
        ("reduction-None", dict(input=normal(3), target=normal(3), reduction=None), ("reduction",)),
        ("reduction-int", dict(input=normal(3), target=normal(3), reduction=1), ("reduction",)),
        ("not-broadcastable", dict(input=normal(3, 4), target=normal(3, 5)), ("target", "input", "broadcast")),
        ("not-broadcastable-none", dict(input=normal(2), target=normal(3), reduction="none"),
         ("target", "input", "broadcast")),
        ("int-input", dict(input=ilit([1, 2, 3]), target=ilit([1, 1, 1])), ("input",)),
    ]
    return cases


def _weight_bad():
    return [
        ("weight-bcast-row", dict(input=normal(3, 4), target=normal(3, 4), weight=positive(4)), ("weight",)),
        ("weight-2-on-2x2", dict(input=normal(2, 2), target=normal(2, 2), weight=positive(2)), ("weight",)),
        ("weight-bigger", dict(input=normal(3, 1), target=normal(3, 4), weight=positive(3, 4)), ("weight",)),
        ("weight-elementwise_mean", dict(input=normal(3), target=normal(3), weight=positive(3),
                                         reduction="elementwise_mean"), ("reduction",)),
    ]


BOOL_INPUT = ("bool-input", dict(input=ilit([True, False], dtype=bool), target=normal(2)), ("input",))

BAD = {
    "l1_loss": _regression_bad() + _weight_bad() + [BOOL_INPUT],
    "mse_loss": _regression_bad() + _weight_bad(),
    "smooth_l1_loss": _regression_bad() + [
        ("beta-negative", dict(input=normal(3), target=normal(3), beta=-1.0), ("beta",)),
        ("beta-negative-none", dict(input=normal(3), target=normal(3), beta=-0.5, reduction="none"), ("beta",)),
        ("beta-nan", dict(input=normal(3), target=normal(3), beta=nan), ("beta",)),
    ],
    "huber_loss": _regression_bad() + _weight_bad() + [BOOL_INPUT] + [
        ("delta-zero", dict(input=normal(3), target=normal(3), delta=0.0), ("delta",)),
        ("delta-negative", dict(input=normal(3), target=normal(3), delta=-1.0), ("delta",)),
        ("delta-nan", dict(input=normal(3), target=normal(3), delta=nan), ("delta",)),
    ],
    "nll_loss": [
        ("target-eq-C", dict(input=normal(4, 3), target=ilit([0, 3, 1, 2])), ("target",), IndexError),
        ("target-eq-C-none", dict(input=normal(4, 3), target=ilit([0, 3, 1, 2]), reduction="none"),
         ("target",), IndexError),
        ("target-eq-C-sum", dict(input=normal(4, 3), target=ilit([0, 7, 1, 2]), reduction="sum"),
         ("target",), IndexError),
        ("target-minus1", dict(input=normal(4, 3), target=ilit([0, -1, 1, 2])), ("target",), IndexError),
        ("target-oob-kdim", dict(input=normal(2, 3, 4), target=ilit([[0, 1, 2, 3], [0, 0, 0, 0]])),
         ("target",), IndexError),
        ("target-oob-unbatched", dict(input=normal(3), target=ilit(3)), ("target",), IndexError),
        ("batch-mismatch", dict(input=normal(4, 3), target=idx(3, 3)), ("batch", "target")),
        ("0d-input", dict(input=normal(), target=ilit(0)), ("input", "dimension")),
        ("spatial-mismatch-3d", dict(input=normal(2, 3, 4), target=idx(3, 2, 5)), ("target", "size")),
        ("spatial-mismatch-4d", dict(input=normal(2, 3, 4, 5), target=idx(3, 2, 4, 4)), ("target", "size")),
        ("multi-target", dict(input=normal(4, 3), target=idx(3, 4, 1)), ("target",)),
        ("unbatched-target-2", dict(input=normal(3), target=ilit([0, 1])), ("target",)),
        ("weight-size", dict(input=normal(4, 3), target=idx(3, 4), weight=positive(4)), ("weight",)),
        ("weight-2d", dict(input=normal(4, 3), target=idx(3, 4), weight=positive(1, 3)), ("weight",)),
        ("weight-dtype", dict(input=normal(4, 3, dtype=F64), target=idx(3, 4), weight=positive(3, dtype=F32)),
         ("weight", "dtype")),
        ("target-int32", dict(input=normal(4, 3), target=idx(3, 4, dtype=np.int32)), ("target",)),
        ("target-float", dict(input=normal(4, 3), target=idx(3, 4, dtype=F64)), ("target",)),
        ("int-input", dict(input=ilit([[1, 2, 3]]), target=ilit([0])), ("input",)),
        ("reduction-avg", dict(input=normal(4, 3), target=idx(3, 4), reduction="avg"), ("reduction",)),
        ("reduction-batchmean", dict(input=normal(4, 3), target=idx(3, 4), reduction="batchmean"),
         ("reduction",)),
        ("ignore_index-float", dict(input=normal(3, 3), target=ilit([0, 1, 2]), ignore_index=1.5),
         ("ignore_index",)),
        ("minus100-not-ignored", dict(input=normal(3, 3), target=ilit([-100, 1, 2]), ignore_index=-1),
         ("target",), IndexError),
        ("uint8-target-oob", dict(input=normal(4, 3), target=ilit([0, 200, 1, 1], dtype=np.uint8)),
         ("target",), IndexError),
        ("target-oob-all-ignored-but-one", dict(input=normal(3, 3), target=ilit([-100, 9, -100])),
         ("target",), IndexError),
    ],
    "cross_entropy": [
        ("ls-1.5", dict(input=normal(4, 3), target=idx(3, 4), label_smoothing=1.5), ("label_smoothing",)),
        ("ls-1.5-prob", dict(input=normal(4, 3), target=simplex(4, 3), label_smoothing=1.5),
         ("label_smoothing",)),
        ("prob-int-target", dict(input=normal(3, 3), target=idx(3, 3, 3)), ("target",)),
        ("prob-ignore_index-0", dict(input=normal(4, 3), target=simplex(4, 3), ignore_index=0),
         ("ignore_index",)),
        ("index-float-target", dict(input=normal(4, 3), target=idx(3, 4, dtype=F64)), ("target",)),
        ("index-int32-target", dict(input=normal(4, 3), target=idx(3, 4, dtype=np.int32)), ("target",)),
        ("multi-target", dict(input=normal(4, 3), target=idx(3, 4, 1)), ("target",)),
        ("weight-size-index", dict(input=normal(4, 3), target=idx(3, 4), weight=positive(4)), ("weight",)),
        ("weight-size-prob", dict(input=normal(4, 3), target=simplex(4, 3), weight=positive(4)), ("weight",)),
        ("weight-dtype-index", dict(input=normal(4, 3, dtype=F64), target=idx(3, 4),
                                    weight=positive(3, dtype=F32)), ("weight", "dtype")),
        ("target-eq-C", dict(input=normal(4, 3), target=ilit([0, 3, 1, 2])), ("target",), IndexError),
        ("target-eq-C-ls", dict(input=normal(4, 3), target=ilit([0, 3, 1, 2]), label_smoothing=0.1),
         ("target",), IndexError),
        ("target-minus1", dict(input=normal(4, 3), target=ilit([0, -1, 1, 2]), reduction="sum"),
         ("target",), IndexError),
        ("target-oob-unbatched", dict(input=normal(3), target=ilit(5)), ("target",), IndexError),
        ("batch-mismatch", dict(input=normal(4, 3), target=idx(3, 3)), ("batch", "target")),
        ("unbatched-target-2", dict(input=normal(3), target=ilit([0, 1])), ("target",)),
        ("unbatched-target1-ls", dict(input=normal(5), target=ilit([3]), label_smoothing=0.2), ("target",)),
        ("spatial-mismatch", dict(input=normal(2, 3, 4), target=idx(3, 2, 5)), ("target", "size")),
        ("0d-input", dict(input=normal(), target=ilit(0)), ("input", "dimension")),
        ("int-input", dict(input=ilit([[1, 2, 3]]), target=ilit([0])), ("input",)),
        ("reduction-avg", dict(input=normal(4, 3), target=idx(3, 4), reduction="avg"), ("reduction",)),
        ("reduction-avg-prob", dict(input=normal(4, 3), target=simplex(4, 3), reduction="avg"), ("reduction",)),
        ("reduction-batchmean", dict(input=normal(4, 3), target=idx(3, 4), reduction="batchmean"),
         ("reduction",)),
        ("weight-int-index", dict(input=normal(4, 3), target=idx(3, 4), weight=ilit([1, 1, 1])), ("weight",)),
        ("unbatched-int-prob-target", dict(input=normal(3), target=ilit([0, 1, 2])), ("target",)),
        ("prob-weight-2d", dict(input=normal(4, 3), target=simplex(4, 3), weight=positive(1, 3)), ("weight",)),
    ],
    "poisson_nll_loss": [
        ("elementwise_mean-case28", dict(input=normal(3), target=counts(3), reduction="elementwise_mean"),
         ("reduction",)),
        ("reduction-avg", dict(input=normal(3), target=counts(3), reduction="avg"), ("reduction",)),
        ("reduction-batchmean", dict(input=normal(3), target=counts(3), reduction="batchmean"), ("reduction",)),
        ("not-broadcastable", dict(input=normal(3, 4), target=counts(3, 5)), ("target", "input", "broadcast")),
    ],
    "gaussian_nll_loss": [
        ("var-negative", dict(input=normal(4, 3), target=normal(4, 3), var=lit([[1., -1., 1.]] * 4)), ("var",)),
        ("var-negative-float", dict(input=normal(4, 3), target=normal(4, 3), var=-0.5), ("var",)),
        ("var-int", dict(input=normal(4, 3), target=normal(4, 3), var=1), ("var",)),
        ("var-D", dict(input=normal(4, 3), target=normal(4, 3), var=positive(3)), ("var",)),
        ("var-1x1", dict(input=normal(4, 3), target=normal(4, 3), var=positive(1, 1)), ("var",)),
        ("var-4x2", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 2)), ("var",)),
        ("var-0d-2d-input", dict(input=normal(4, 3), target=normal(4, 3), var=positive()), ("var",)),
        ("var-N11", dict(input=normal(4, 3, 2), target=normal(4, 3, 2), var=positive(4, 1, 1)), ("var",)),
        ("var-int-array", dict(input=normal(4, 3), target=normal(4, 3), var=ilit([[1, 2, 3]] * 4)), ("var",)),
        ("elementwise_mean", dict(input=normal(3), target=normal(3), var=positive(3),
                                  reduction="elementwise_mean"), ("reduction",)),
        ("reduction-avg", dict(input=normal(3), target=normal(3), var=positive(3), reduction="avg"),
         ("reduction",)),
        ("not-broadcastable", dict(input=normal(4, 3), target=normal(5), var=positive(4, 3)),
         ("target", "input", "broadcast")),
        ("var-extra-dim", dict(input=normal(4, 3), target=normal(4, 3), var=positive(4, 3, 1)), ("var",)),
        ("var-np-float32", dict(input=normal(4, 3), target=normal(4, 3), var=np.float32(0.5)), ("var",)),
    ],
    "kl_div": [
        ("int-input", dict(input=ilit([1, 2]), target=lit([.5, .5])), ("input",)),
        ("int-target", dict(input=normal(2), target=ilit([0, 1])), ("target",)),
        ("bool-target", dict(input=normal(2), target=ilit([True, False], dtype=bool)), ("target",)),
        ("reduction-avg", dict(input=normal(3), target=positive(3), reduction="avg"), ("reduction",)),
        ("not-broadcastable", dict(input=normal(3, 4), target=positive(3, 5)), ("target", "input", "broadcast")),
    ],
    "binary_cross_entropy": [
        ("target-shape-case5", dict(input=prob(3, 1), target=prob(3)), ("target", "size")),
        ("target-shape-bcastable", dict(input=prob(3, 4), target=prob(4)), ("target", "size")),
        ("weight-3-on-3x4", dict(input=prob(3, 4), target=prob(3, 4), weight=positive(3)), ("weight",)),
        ("weight-enlarges", dict(input=prob(3, 4), target=prob(3, 4), weight=positive(2, 3, 4)), ("weight",)),
        ("target-dtype", dict(input=prob(3, dtype=F64), target=prob(3, dtype=F32)), ("target", "dtype")),
        ("int-input", dict(input=ilit([0, 1, 1]), target=prob(3)), ("input", "dtype")),
        ("mixed-f32-f64-case62", dict(input=prob(3, dtype=F32), target=prob(3, dtype=F64)),
         ("target", "dtype")),
        ("target-int", dict(input=prob(3), target=ilit([0, 1, 1])), ("target",)),
        ("weight-enlarges-0d-input", dict(input=prob(), target=prob(), weight=positive(1)), ("weight",)),
        ("input-above-1", dict(input=lit([0.5, 1.5]), target=lit([0., 1.])), ("input",)),
        ("input-negative", dict(input=lit([-0.1, 0.5]), target=lit([0., 1.])), ("input",)),
        ("input-nan", dict(input=lit([nan, 0.5]), target=lit([0., 1.])), ("input",)),
        ("target-above-1-case4", dict(input=lit([0.5]), target=lit([1.5])), ("target",)),
        ("target-negative", dict(input=lit([0.5]), target=lit([-0.5])), ("target",)),
        ("target-nan", dict(input=lit([0.5]), target=lit([nan])), ("target",)),
        ("reduction-avg", dict(input=prob(3), target=prob(3), reduction="avg"), ("reduction",)),
        ("reduction-batchmean", dict(input=prob(3), target=prob(3), reduction="batchmean"), ("reduction",)),
    ],
    "binary_cross_entropy_with_logits": [
        ("target-shape", dict(input=normal(3, 1), target=prob(3)), ("target", "size")),
        ("target-shape-bcastable", dict(input=normal(3, 4), target=prob(4)), ("target", "size")),
        ("weight-2-on-2x3", dict(input=normal(2, 3), target=prob(2, 3), weight=positive(2)), ("weight",)),
        ("weight-enlarges", dict(input=normal(2, 3), target=prob(2, 3), weight=positive(2, 1, 3)), ("weight",)),
        ("pos_weight-2-on-2x3", dict(input=normal(2, 3), target=prob(2, 3), pos_weight=positive(2)),
         ("pos_weight",)),
        ("pos_weight-enlarges", dict(input=normal(2, 3), target=prob(2, 3), pos_weight=positive(2, 1, 3)),
         ("pos_weight",)),
        ("target-int", dict(input=normal(3), target=ilit([0, 1, 1])), ("target",)),
        ("int-input", dict(input=ilit([0, 1, 1]), target=prob(3)), ("input",)),
        ("pos_weight-enlarges-0d-input", dict(input=normal(), target=prob(), pos_weight=positive(1)),
         ("pos_weight",)),
        ("reduction-avg", dict(input=normal(3), target=prob(3), reduction="avg"), ("reduction",)),
        ("reduction-batchmean", dict(input=normal(3), target=prob(3), reduction="batchmean"), ("reduction",)),
    ],
}


def _params(table, with_dtype):
    """(name, id, kwargs, dtype) per case; a third column in a case is the reason of a known lossedu bug."""
    out = []
    for name in LOSSES:
        for case in table[name]:
            cid, kwargs = case[0], case[1]
            marks = [pytest.mark.xfail(strict=True, reason=case[2])] if len(case) > 2 else []
            dtypes = (F64, F32) if with_dtype else (None,)
            for dt in dtypes:
                suffix = f"-{np.dtype(dt).name}" if dt else ""
                out.append(pytest.param(name, cid, kwargs, dt, id=f"{name}-{cid}{suffix}", marks=marks))
    return out


# --------------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, cid, kwargs, dtype", _params(PARITY, True))
def test_parity_forward_backward(name, cid, kwargs, dtype):
    run_parity(name, kwargs, dtype, cid)


@pytest.mark.parametrize("name, cid, kwargs, dtype", [  # float32 only outside the sweeps, to stay fast
    p for p in _params(PARITY, True) if p.values[3] is F64 or not p.values[1].startswith("sweep-")])
def test_as_torch_parity(name, cid, kwargs, dtype):
    run_as_torch(name, kwargs, dtype, cid)


@pytest.mark.parametrize("name, cid, kwargs, dtype", _params(GRADCHECK, False))
def test_gradcheck_as_torch(name, cid, kwargs, dtype):
    rng = np.random.default_rng(seed_of("gradcheck", name, cid))
    _, ref = materialize(kwargs, rng, F64)
    wrt = differentiated(name, ref)
    fn = lossedu.as_torch(getattr(LF, name))

    def f(*xs):
        return fn(**{**ref, **dict(zip(wrt, xs))})

    xs = tuple(ref[k].clone().requires_grad_(True) for k in wrt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert torch.autograd.gradcheck(f, xs, eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name, cid, kwargs, words, expected_exc", [
    pytest.param(n, c[0], c[1], c[2], c[3] if len(c) > 3 else OK_ERRORS, id=f"{n}-{c[0]}")
    for n in LOSSES for c in BAD[n]])
def test_bad_input(name, cid, kwargs, words, expected_exc):
    rng = np.random.default_rng(seed_of("bad", name, cid))
    ours, ref = materialize(kwargs, rng, F64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception):   # sanity: torch refuses this input too
            getattr(TF, name)(**ref)
        with pytest.raises(expected_exc) as info:
            getattr(LF, name)(**ours)
        message = str(info.value).lower()
        assert any(w.lower() in message for w in words), f"message does not name {words}: {info.value}"
        with pytest.raises(expected_exc):
            getattr(LF, f"{name}_backward")(np.float64(1.0), **ours)


BAD_GRAD_OUTPUT = {
    "l1_loss": dict(input=normal(3, 4), target=normal(3, 4)),
    "mse_loss": dict(input=normal(3, 4), target=normal(3, 4)),
    "smooth_l1_loss": dict(input=normal(3, 4), target=normal(3, 4)),
    "huber_loss": dict(input=normal(3, 4), target=normal(3, 4)),
    "nll_loss": dict(input=normal(3, 4), target=idx(4, 3)),
    "cross_entropy": dict(input=normal(3, 4), target=idx(4, 3)),
    "poisson_nll_loss": dict(input=normal(3, 4), target=counts(3, 4)),
    "gaussian_nll_loss": dict(input=normal(3, 4), target=normal(3, 4), var=positive(3, 4)),
    "kl_div": dict(input=normal(3, 4), target=positive(3, 4)),
    "binary_cross_entropy": dict(input=prob(3, 4), target=prob(3, 4)),
    "binary_cross_entropy_with_logits": dict(input=normal(3, 4), target=prob(3, 4)),
}


@pytest.mark.parametrize("reduction, bad_shape", [("none", (4, 3)), ("none", ()), ("mean", (3,)),
                                                  ("sum", (1, 1))])
@pytest.mark.parametrize("name", LOSSES)
def test_backward_rejects_wrong_grad_output_shape(name, reduction, bad_shape):
    ours, _ = materialize(BAD_GRAD_OUTPUT[name], np.random.default_rng(0), F64)
    if name in ("nll_loss", "cross_entropy") and reduction == "none" and bad_shape == (4, 3):
        bad_shape = (4,)   # 'none' output is (3,)
    with pytest.raises((ValueError, TypeError), match="grad_output"):
        getattr(LF, f"{name}_backward")(np.ones(bad_shape), **ours, reduction=reduction)


def _param_tuples(fn, skip=0):
    return [(p.name, p.kind, p.default) for p in list(inspect.signature(fn).parameters.values())[skip:]]


@pytest.mark.parametrize("name", LOSSES)
def test_signature_matches_torch(name):
    assert _param_tuples(getattr(LF, name)) == _param_tuples(getattr(TF, name))
    backward = inspect.signature(getattr(LF, f"{name}_backward"))
    first = list(backward.parameters.values())[0]
    assert first.name == "grad_output"
    assert _param_tuples(getattr(LF, f"{name}_backward"), skip=1) == _param_tuples(getattr(TF, name))


@pytest.mark.parametrize("name, weight_kw", [
    ("nll_loss", dict(weight=torch.ones(3, dtype=torch.float64))),
    ("cross_entropy", dict(weight=torch.ones(3, dtype=torch.float64))),
    ("binary_cross_entropy", dict(weight=torch.ones(3, dtype=torch.float64))),
    ("binary_cross_entropy_with_logits", dict(weight=torch.ones(3, dtype=torch.float64))),
    ("binary_cross_entropy_with_logits", dict(pos_weight=torch.ones(3, dtype=torch.float64))),
])
def test_as_torch_refuses_weight_requiring_grad(name, weight_kw):
    """case 61: torch raises at call time; the bridge must refuse too, never return a silent zero."""
    x = torch.full((2, 3), 0.3, dtype=torch.float64, requires_grad=True)
    t = (torch.tensor([0, 2]) if name in ("nll_loss", "cross_entropy")
         else torch.full((2, 3), 0.5, dtype=torch.float64))
    kw = {k: v.clone().requires_grad_(True) for k, v in weight_kw.items()}
    with pytest.raises(RuntimeError):
        getattr(TF, name)(x, t, **kw)
    with pytest.raises((ValueError, TypeError)):
        lossedu.as_torch(getattr(LF, name))(x, t, **kw)


@pytest.mark.parametrize("name", LOSSES)
def test_float32_in_float32_out(name):
    """float32 everywhere: forward and every gradient stay float32."""
    kwargs = BAD_GRAD_OUTPUT[name]
    ours, _ = materialize(kwargs, np.random.default_rng(1), F32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for reduction in ("none", "sum"):
            out = getattr(LF, name)(**ours, reduction=reduction)
            assert isinstance(out, np.ndarray) and out.dtype == np.float32
            grads = grads_by_name(name, getattr(LF, f"{name}_backward")(np.ones(out.shape, np.float32),
                                                                        **ours, reduction=reduction))
            for k, gk in grads.items():
                assert gk.dtype == np.float32 and gk.shape == np.shape(ours[k]), k


def test_kl_div_default_warns_every_call():
    """case 25: the 'mean' UserWarning comes on every call, 'batchmean' gives none."""
    x, t = np.log(np.full(3, 1 / 3)), np.full(3, 1 / 3)
    for _ in range(2):
        with pytest.warns(UserWarning):
            LF.kl_div(x, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LF.kl_div(x, t, reduction="batchmean")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", LOSSES)
def test_backward_accepts_scalar_grad_output(name, reduction):
    """A Python or numpy scalar is a valid grad_output for a 0-d result."""
    ours, ref = materialize(BAD_GRAD_OUTPUT[name], np.random.default_rng(2), F64)
    backward = getattr(LF, f"{name}_backward")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = grads_by_name(name, backward(np.array(0.7), **ours, reduction=reduction))
        for g in (0.7, np.float64(0.7)):
            got = grads_by_name(name, backward(g, **ours, reduction=reduction))
            for k in want:
                check_array(got[k], want[k], f"{name}_backward({type(g).__name__}) d/d{k}")
        want = grads_by_name(name, backward(np.array(1.0), **ours, reduction=reduction))
        for g in (1, np.int64(1)):
            got = grads_by_name(name, backward(g, **ours, reduction=reduction))
            for k in want:
                check_array(got[k], want[k], f"{name}_backward({type(g).__name__}) d/d{k}")


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_unbatched_target_of_shape_1(name):
    """(C,) input with a (1,) target: same loss as the 0-d target (torch's own backward fails here, so the
    gradient is checked against torch's gradient for the 0-d target)."""
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal(5), np.array([3])
    kw = dict(weight=np.linspace(0.5, 2.0, 5)) if name == "cross_entropy" else {}
    xt = torch.tensor(x, requires_grad=True)
    expected = getattr(TF, name)(xt, torch.tensor(3), **{k: torch.tensor(v) for k, v in kw.items()})
    expected.backward()
    got = getattr(LF, name)(x, t, **kw)
    check_array(got, expected, f"{name} forward")
    check_array(getattr(LF, f"{name}_backward")(np.array(1.0), x, t, **kw), xt.grad, f"{name}_backward")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_float16_parity(name, reduction):
    """torch 2.13 runs all these losses in float16 on CPU; the result stays float16 (loose tolerance)."""
    run_parity(name, {**BAD_GRAD_OUTPUT[name], "reduction": reduction}, F16, "float16")
