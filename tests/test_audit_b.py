"""Independent audit (part b): margin, soft-margin, embedding, ranking, triplet and CTC losses.

Every expected value comes from running torch 2.13 (``torch.nn.functional``) on the same inputs.
Inputs are generated in code from a seed derived from the test id, so every case is reproducible.

Layout
  1. harness: run torch (autograd, random upstream gradient) and lossedu on the same numpy inputs
  2. one table of cases per loss (expanded over reductions and float64/float32)
  3. bad inputs, one per case (torch must refuse; lossedu must raise ValueError/TypeError/IndexError)
  4. signatures, ``as_torch`` + ``torch.autograd.gradcheck``, CTC through log_softmax, extras
"""
import inspect
import re
import warnings
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lossedu
import lossedu.functional as F

F64, F32 = np.float64, np.float32
BOTH = (F64, F32)
REDS = ("none", "mean", "sum")
TOL = {F64: dict(rtol=1e-7, atol=1e-10), F32: dict(rtol=1e-5, atol=1e-6)}
ALLOWED = (ValueError, TypeError, IndexError)


# --------------------------------------------------------------------------------------------
# 1. harness
# --------------------------------------------------------------------------------------------
def rng_for(*parts):
    return np.random.default_rng(zlib.crc32(repr(parts).encode()))


class Dist:
    """A distance function given twice: numpy (for lossedu, with .backward) and torch (oracle)."""

    def __init__(self, name, np_fn, torch_fn):
        self.name, self.np_fn, self.torch_fn = name, np_fn, torch_fn

    def __repr__(self):
        return self.name


def to_torch(v, requires_grad=False):
    if isinstance(v, np.ndarray):
        t = torch.from_numpy(v.copy())
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    if isinstance(v, Dist):
        return v.torch_fn
    return v


def to_np(v):
    return v.np_fn if isinstance(v, Dist) else v


def param_names(name):
    return list(inspect.signature(getattr(TF, name)).parameters)


def user_warned(record):
    return any(issubclass(w.category, UserWarning) for w in record)


def run_torch(name, args, kwargs, rng):
    """Forward + backward in torch with a random upstream gradient. Returns (out, grads, g, warned)."""
    names = param_names(name)
    diff = F.GRADIENT_OF[name]
    targs = [to_torch(a, names[i] in diff) for i, a in enumerate(args)]
    tkw = {k: to_torch(v, k in diff) for k, v in kwargs.items()}
    by_name = dict(zip(names, targs), **tkw)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = getattr(TF, name)(*targs, **tkw)
    g = rng.standard_normal(tuple(out.shape)).astype(out.detach().numpy().dtype)
    leaves = [by_name[d] for d in diff]
    if out.requires_grad:
        out.backward(torch.from_numpy(g.copy()))
    grads = [
        (lf.grad if lf.grad is not None else torch.zeros_like(lf)).numpy() for lf in leaves
    ]
    return out.detach().numpy(), grads, g, user_warned(rec)


def ctc_torch_correction(args, kwargs, g, grad):
    """torch's CTC leaf gradient = true gradient + g_b·exp(lp) for t < T_b (finite samples)."""
    lp, targets, il, tl = (np.asarray(a) for a in args[:4])
    red = kwargs.get("reduction", "mean")
    unbatched = lp.ndim == 2
    lp3 = lp[:, None, :] if unbatched else lp
    il = np.atleast_1d(il).astype(np.int64)
    tl = np.atleast_1d(tl).astype(np.int64)
    N = lp3.shape[1]
    none_kw = dict(kwargs, reduction="none", zero_infinity=False)
    per = np.atleast_1d(
        TF.ctc_loss(*(to_torch(a) for a in args), **none_kw).numpy()
    )
    gb = np.broadcast_to(np.asarray(g, dtype=np.float64), (N,)) if red != "none" else np.atleast_1d(g)
    gb = gb.astype(np.float64)
    if red == "mean":
        gb = gb / (N * np.maximum(tl, 1))
    corr = np.zeros(lp3.shape, dtype=np.float64)
    for b in range(N):
        if np.isfinite(per[b]):
            corr[: il[b], b, :] = gb[b] * np.exp(lp3[: il[b], b, :].astype(np.float64))
    corr = corr[:, 0, :] if unbatched else corr
    return (grad.astype(np.float64) - corr).astype(grad.dtype)


def run_ours(name, args, kwargs, g):
    nargs = [to_np(a) for a in args]
    nkw = {k: to_np(v) for k, v in kwargs.items()}
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = getattr(F, name)(*nargs, **nkw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grads = getattr(F, name + "_backward")(g, *nargs, **nkw)
    if not isinstance(grads, tuple):
        grads = (grads,)
    return out, grads, user_warned(rec)


def tol_for(*arrays):
    return TOL[F32] if any(np.asarray(a).dtype == np.float32 for a in arrays) else TOL[F64]


def assert_same(ours, expected, what, tol):
    ours_arr = np.asarray(ours)
    assert isinstance(ours, (np.ndarray, np.generic)), f"{what}: not numpy ({type(ours)})"
    assert ours_arr.shape == expected.shape, f"{what}: shape {ours_arr.shape} != torch {expected.shape}"
    assert ours_arr.dtype == expected.dtype, f"{what}: dtype {ours_arr.dtype} != torch {expected.dtype}"
    np.testing.assert_allclose(ours_arr, expected, equal_nan=True, err_msg=what, **tol)


def compare_with_torch(name, args, kwargs, seed_parts):
    rng = rng_for("upstream", *seed_parts)
    before = [np.copy(a) if isinstance(a, np.ndarray) else None for a in args]
    t_out, t_grads, g, t_warned = run_torch(name, args, kwargs, rng)
    if name == "ctc_loss":
        t_grads = [ctc_torch_correction(args, kwargs, g, t_grads[0])]
    o_out, o_grads, o_warned = run_ours(name, args, kwargs, g)
    tol = tol_for(t_out, *t_grads)
    assert_same(o_out, t_out, "forward", tol)
    assert len(o_grads) == len(t_grads) == len(F.GRADIENT_OF[name])
    for gname, og, tg in zip(F.GRADIENT_OF[name], o_grads, t_grads):
        assert_same(og, tg, f"grad {gname}", tol)
    assert o_warned == t_warned, f"UserWarning: torch {t_warned}, lossedu {o_warned}"
    for a, b in zip(args, before):
        if b is not None:
            np.testing.assert_array_equal(a, b, err_msg="an input was modified in place")


# --------------------------------------------------------------------------------------------
# 2. case tables: id -> maker(rng, dt) -> (args, kwargs)
#    A case without 'reduction' in its kwargs is run for none/mean/sum; every case for f64 and f32
#    unless it fixes its dtypes.
# --------------------------------------------------------------------------------------------
def rn(rng, *shape, dt=F64, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale).astype(dt)


def pm1(rng, *shape, dt=F64):
    return rng.choice([-1.0, 1.0], size=shape).astype(dt)


def arr(x, dt=F64):
    return np.asarray(x, dtype=dt)


class Case:
    def __init__(self, cid, make, dtypes=BOTH, reds=REDS):
        self.cid, self.make, self.dtypes, self.reds = cid, make, dtypes, reds


HINGE = [
    Case("1d", lambda r, dt: ((rn(r, 7, dt=dt), pm1(r, 7, dt=dt)), {})),
    Case("2d", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {})),
    Case("3d", lambda r, dt: ((rn(r, 2, 3, 4, dt=dt), pm1(r, 2, 3, 4, dt=dt)), {})),
    Case("0d", lambda r, dt: ((rn(r, dt=dt), arr(-1.0, dt)), {})),
    Case("margin0.5", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {"margin": 0.5})),
    Case("margin_neg", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {"margin": -0.5})),
    Case("margin0", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {"margin": 0.0})),
    Case("margin_int", lambda r, dt: ((rn(r, 6, dt=dt), pm1(r, 6, dt=dt)), {"margin": 2})),
    Case("target_bcast_row", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 4, dt=dt)), {})),
    Case("target_bcast_col", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 1, dt=dt)), {})),
    Case("target_larger", lambda r, dt: ((rn(r, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {})),
    Case("input_bcast", lambda r, dt: ((rn(r, 3, 1, dt=dt), pm1(r, 3, 4, dt=dt)), {})),
    Case("target_non_pm1", lambda r, dt: ((rn(r, 6, dt=dt), arr([0, 2, 0.5, -1, 1, -2], dt)), {})),
    Case("target_int", lambda r, dt: ((rn(r, 5, dt=dt), r.choice([-1, 1], 5)), {})),
    Case("tie_at_margin", lambda r, dt: ((arr([1.0, 0.5, 1.0, 0.25], dt), arr([-1, -1, 1, -1], dt)), {})),
    Case("tie_margin0.5", lambda r, dt: ((arr([0.5, 0.5, 0.7], dt), arr([-1, 1, -1], dt)), {"margin": 0.5})),
    Case("nan_input", lambda r, dt: ((arr([np.nan, 0.3, np.nan], dt), arr([-1, 1, 1], dt)), {})),
    Case("extreme", lambda r, dt: ((arr([1e4, -1e4, 1e4, -1e4], dt), arr([-1, -1, 1, 1], dt)), {})),
    Case("inf_input", lambda r, dt: ((arr([np.inf, -np.inf, np.inf, -np.inf], dt), arr([-1, -1, 1, 1], dt)), {})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 4, 3, dt=dt).T, pm1(r, 3, 4, dt=dt)[:, ::-1]), {})),
    Case("empty", lambda r, dt: ((np.zeros(0, dt), np.zeros(0, dt)), {})),
    Case("mixed_f32_f64", lambda r, dt: ((rn(r, 5, dt=F32), pm1(r, 5, dt=F64)), {}), dtypes=(F64,)),
    Case("elementwise_mean", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"size_average": False}), reds=(None,)),
    Case("legacy_overrides", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"size_average": True, "reduction": "sum"}), reds=(None,)),
]


def mlm_target(r, N, C, k=None):
    """Rows of distinct class indices, -1 terminated, junk (valid range) after the terminator."""
    t = np.full((N, C), -1, dtype=np.int64)
    for i in range(N):
        kk = r.integers(0, C + 1) if k is None else k
        t[i, :kk] = r.permutation(C)[:kk]
        if kk + 1 < C:
            t[i, kk + 1:] = r.integers(-1, C, C - kk - 1)
    return t


MLM = [
    Case("2d", lambda r, dt: ((rn(r, 4, 5, dt=dt), mlm_target(r, 4, 5)), {})),
    Case("2d_wide", lambda r, dt: ((rn(r, 3, 9, dt=dt, scale=0.3), mlm_target(r, 3, 9)), {})),
    Case("1d", lambda r, dt: ((rn(r, 5, dt=dt), mlm_target(r, 1, 5, k=2)[0]), {})),
    Case("0d", lambda r, dt: ((rn(r, dt=dt), np.array(0)), {})),
    Case("0d_none_target", lambda r, dt: ((rn(r, dt=dt), np.array(-1)), {})),
    Case("no_targets", lambda r, dt: ((rn(r, 2, 4, dt=dt), np.full((2, 4), -1)), {})),
    Case("all_targets", lambda r, dt: ((rn(r, 2, 4, dt=dt), mlm_target(r, 2, 4, k=4)), {})),
    Case("single_target", lambda r, dt: ((rn(r, 3, 4, dt=dt), mlm_target(r, 3, 4, k=1)), {})),
    Case("duplicates", lambda r, dt: ((arr([[0.1, 0.2, 0.4, 0.8]], dt), np.array([[3, 3, -1, 1]])), {})),
    Case("ref_040", lambda r, dt: ((arr([[0.1, 0.2, 0.4, 0.8]], dt), np.array([[3, 0, -1, 1]])), {})),
    Case("strict_tie", lambda r, dt: ((arr([[1.0, 0.0, 0.5], [2.0, 1.0, 3.0]], dt), np.array([[0, -1, 2], [2, -1, -1]])), {})),
    Case("nan_logit", lambda r, dt: ((arr([[np.nan, 0.2, 0.4], [0.1, np.nan, 0.3]], dt), np.array([[0, -1, 0], [0, -1, 0]])), {})),
    Case("extreme", lambda r, dt: ((arr([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], dt), np.array([[1, -1, 0], [0, 2, -1]])), {})),
    Case("inf_logits", lambda r, dt: ((arr([[np.inf, -np.inf, 0.0], [0.0, np.inf, 1.0]], dt), np.array([[1, -1, 0], [0, -1, 0]])), {})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 5, 3, dt=dt).T, mlm_target(r, 5, 3).T.copy()), {})),
    Case("empty_batch_none", lambda r, dt: ((np.zeros((0, 4), dt), np.zeros((0, 4), np.int64)), {"reduction": "none"}), reds=(None,)),
    Case("elementwise_mean", lambda r, dt: ((rn(r, 3, 4, dt=dt), mlm_target(r, 3, 4)), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 3, 4, dt=dt), mlm_target(r, 3, 4)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 3, 4, dt=dt), mlm_target(r, 3, 4)), {"size_average": False}), reds=(None,)),
]

SOFT = [
    Case("1d", lambda r, dt: ((rn(r, 7, dt=dt), pm1(r, 7, dt=dt)), {})),
    Case("2d", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {})),
    Case("3d", lambda r, dt: ((rn(r, 2, 3, 4, dt=dt), pm1(r, 2, 3, 4, dt=dt)), {})),
    Case("0d", lambda r, dt: ((rn(r, dt=dt), arr(1.0, dt)), {})),
    Case("target_bcast_row", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 4, dt=dt)), {})),
    Case("target_bcast_col", lambda r, dt: ((rn(r, 3, 4, dt=dt), pm1(r, 3, 1, dt=dt)), {})),
    Case("target_0d", lambda r, dt: ((rn(r, 3, 4, dt=dt), arr(-1.0, dt)), {})),
    Case("target_int", lambda r, dt: ((rn(r, 5, dt=dt), r.choice([-1, 1], 5)), {})),
    Case("target_non_pm1", lambda r, dt: ((rn(r, 5, dt=dt), arr([0, 2, 0.5, -3, 1], dt)), {})),
    Case("small", lambda r, dt: ((arr([1e-8, -1e-8, 30.0, -30.0, 0.0], dt), arr([1, 1, 1, -1, -1], dt)), {})),
    Case("extreme_f64", lambda r, dt: ((arr([-1000.0, 1000.0, 700.0, -700.0], dt), arr([1, 1, -1, -1], dt)), {}), dtypes=(F64,)),
    Case("overflow_f32", lambda r, dt: ((arr([-100.0, 100.0, 80.0, -1e4], dt), arr([1, 1, -1, -1], dt)), {}), dtypes=(F32,)),
    Case("nan_input", lambda r, dt: ((arr([np.nan, 0.5], dt), arr([1, -1], dt)), {})),
    Case("inf_input", lambda r, dt: ((arr([np.inf, -np.inf, np.inf], dt), arr([1, -1, -1], dt)), {})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 4, 3, dt=dt).T, pm1(r, 3, 4, dt=dt)[::-1]), {})),
    Case("empty", lambda r, dt: ((np.zeros((0, 3), dt), np.zeros((0, 3), dt)), {})),
    Case("mixed_f32_f64", lambda r, dt: ((rn(r, 5, dt=F32), pm1(r, 5, dt=F64)), {}), dtypes=(F64,)),
    Case("elementwise_mean", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"size_average": False}), reds=(None,)),
]


def bern(r, *shape, dt=F64):
    return (r.random(shape) < 0.5).astype(dt)


MLSM = [
    Case("2d", lambda r, dt: ((rn(r, 4, 5, dt=dt), bern(r, 4, 5, dt=dt)), {})),
    Case("1d", lambda r, dt: ((rn(r, 5, dt=dt), bern(r, 5, dt=dt)), {})),
    Case("3d_last_dim_classes", lambda r, dt: ((rn(r, 2, 3, 4, dt=dt), bern(r, 2, 3, 4, dt=dt)), {})),
    Case("weight_C", lambda r, dt: ((rn(r, 4, 5, dt=dt), bern(r, 4, 5, dt=dt)), {"weight": r.random(5).astype(dt) + 0.1})),
    Case("weight_N1", lambda r, dt: ((rn(r, 4, 5, dt=dt), bern(r, 4, 5, dt=dt)), {"weight": r.random((4, 1)).astype(dt)})),
    Case("weight_NC", lambda r, dt: ((rn(r, 4, 5, dt=dt), bern(r, 4, 5, dt=dt)), {"weight": r.random((4, 5)).astype(dt)})),
    Case("weight_1d_input", lambda r, dt: ((rn(r, 5, dt=dt), bern(r, 5, dt=dt)), {"weight": r.random(5).astype(dt)})),
    Case("weight_3d", lambda r, dt: ((rn(r, 2, 3, 4, dt=dt), bern(r, 2, 3, 4, dt=dt)), {"weight": r.random(4).astype(dt)})),
    Case("soft_targets", lambda r, dt: ((rn(r, 3, 4, dt=dt), r.random((3, 4)).astype(dt)), {})),
    Case("target_bcast", lambda r, dt: ((rn(r, 3, 4, dt=dt), bern(r, 4, dt=dt)), {})),
    Case("target_int", lambda r, dt: ((rn(r, 3, 4, dt=dt), r.integers(0, 2, (3, 4))), {})),
    Case("target_outside_01", lambda r, dt: ((rn(r, 3, 4, dt=dt), arr(r.integers(-2, 3, (3, 4)), dt)), {})),
    Case("extreme", lambda r, dt: ((arr([[1000.0, -1000.0, 1e4, -1e4]], dt), arr([[0, 1, 1, 0]], dt)), {})),
    Case("extreme_right", lambda r, dt: ((arr([[1000.0, -1000.0, 1e4, -1e4]], dt), arr([[1, 0, 0, 1]], dt)), {})),
    Case("nan_input", lambda r, dt: ((arr([[np.nan, 0.0], [1.0, 2.0]], dt), arr([[1, 0], [0, 1]], dt)), {})),
    Case("inf_input", lambda r, dt: ((arr([[np.inf, -np.inf, np.inf]], dt), arr([[1, 0, 0]], dt)), {})),
    Case("many_classes", lambda r, dt: ((rn(r, 3, 200, dt=dt, scale=3.0), bern(r, 3, 200, dt=dt)), {"weight": r.random(200).astype(dt)})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 5, 3, dt=dt).T, bern(r, 5, 3, dt=dt).T), {"weight": r.random(10).astype(dt)[::2]})),
    Case("empty_batch", lambda r, dt: ((np.zeros((0, 3), dt), np.zeros((0, 3), dt)), {})),
    Case("mixed_f32_f64", lambda r, dt: ((rn(r, 3, 4, dt=F32), bern(r, 3, 4, dt=F64)), {}), dtypes=(F64,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 3, 4, dt=dt), bern(r, 3, 4, dt=dt)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 3, 4, dt=dt), bern(r, 3, 4, dt=dt)), {"size_average": False}), reds=(None,)),
]

COS = [
    Case("2d", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), pm1(r, 5, dt=dt)), {})),
    Case("1d_0d_target_pos", lambda r, dt: ((rn(r, 4, dt=dt), rn(r, 4, dt=dt), arr(1.0, dt)), {})),
    Case("1d_0d_target_neg", lambda r, dt: ((rn(r, 4, dt=dt), rn(r, 4, dt=dt), arr(-1.0, dt)), {"margin": -0.9})),
    Case("margin0.3", lambda r, dt: ((rn(r, 6, 3, dt=dt), rn(r, 6, 3, dt=dt), pm1(r, 6, dt=dt)), {"margin": 0.3})),
    Case("margin_neg", lambda r, dt: ((rn(r, 6, 3, dt=dt), rn(r, 6, 3, dt=dt), pm1(r, 6, dt=dt)), {"margin": -0.5})),
    Case("all_negative", lambda r, dt: ((rn(r, 6, 2, dt=dt), rn(r, 6, 2, dt=dt), -np.ones(6, dt)), {"margin": -0.2})),
    Case("bcast_input2_1D", lambda r, dt: ((rn(r, 4, 3, dt=dt), rn(r, 1, 3, dt=dt), pm1(r, 4, dt=dt)), {})),
    Case("bcast_input1_1D", lambda r, dt: ((rn(r, 1, 3, dt=dt), rn(r, 4, 3, dt=dt), pm1(r, 4, dt=dt)), {"margin": -0.3})),
    Case("target_other_values", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), arr([0, 2, 0.5, 1, -1], dt)), {})),
    Case("target_int", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), r.choice([-1, 1], 5)), {"margin": -0.4})),
    Case("zero_vector", lambda r, dt: ((np.zeros((1, 3), dt), rn(r, 1, 3, dt=dt), arr([1.0], dt)), {}), dtypes=(F64,)),
    Case("zero_vector_neg", lambda r, dt: ((rn(r, 2, 3, dt=dt), np.zeros((2, 3), dt), arr([-1.0, 1.0], dt)), {"margin": -0.5}), dtypes=(F64,)),
    Case("large_scale", lambda r, dt: ((rn(r, 4, 3, dt=dt, scale=1e4), rn(r, 4, 3, dt=dt, scale=1e4), pm1(r, 4, dt=dt)), {"margin": -0.5})),
    Case("tiny_scale", lambda r, dt: ((rn(r, 4, 3, dt=dt, scale=1e-3), rn(r, 4, 3, dt=dt, scale=1e-3), pm1(r, 4, dt=dt)), {"margin": -0.5}), dtypes=(F64,)),
    Case("empty_batch", lambda r, dt: ((np.zeros((0, 3), dt), np.zeros((0, 3), dt), np.zeros(0, dt)), {})),
    Case("tie_cos_eq_margin0", lambda r, dt: ((arr([[1.0, 0.0], [3.0, 0.0]], dt), arr([[0.0, 1.0], [0.0, 2.0]], dt), arr([-1.0, -1.0], dt)), {"margin": 0.0})),
    Case("tiny_vectors_eps", lambda r, dt: ((rn(r, 3, 3, dt=dt, scale=1e-7), rn(r, 3, 3, dt=dt), arr([1.0, -1.0, 1.0], dt)), {"margin": -0.5}), dtypes=(F64,)),
    Case("empty_features", lambda r, dt: ((np.zeros((2, 0), dt), np.zeros((2, 0), dt), arr([1.0, -1.0], dt)), {})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 3, 4, dt=dt).T, rn(r, 4, 6, dt=dt)[:, ::2], pm1(r, 8, dt=dt)[::2]), {"margin": -0.2})),
    Case("elementwise_mean", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), pm1(r, 5, dt=dt)), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), pm1(r, 5, dt=dt)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), pm1(r, 5, dt=dt)), {"size_average": False}), reds=(None,)),
    Case("legacy_overrides", lambda r, dt: ((rn(r, 5, 3, dt=dt), rn(r, 5, 3, dt=dt), pm1(r, 5, dt=dt)), {"reduce": False, "reduction": "sum"}), reds=(None,)),
]

RANK = [
    Case("1d", lambda r, dt: ((rn(r, 6, dt=dt), rn(r, 6, dt=dt), pm1(r, 6, dt=dt)), {})),
    Case("0d", lambda r, dt: ((rn(r, dt=dt), rn(r, dt=dt), arr(1.0, dt)), {"margin": 0.5})),
    Case("2d", lambda r, dt: ((rn(r, 3, 4, dt=dt), rn(r, 3, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {})),
    Case("margin0.5", lambda r, dt: ((rn(r, 6, dt=dt), rn(r, 6, dt=dt), pm1(r, 6, dt=dt)), {"margin": 0.5})),
    Case("margin_neg", lambda r, dt: ((rn(r, 6, dt=dt), rn(r, 6, dt=dt), pm1(r, 6, dt=dt)), {"margin": -0.3})),
    Case("target_bcast_1", lambda r, dt: ((rn(r, 4, dt=dt), rn(r, 4, dt=dt), arr([-1.0], dt)), {"margin": 0.2})),
    Case("inputs_bcast", lambda r, dt: ((rn(r, 3, 1, dt=dt), rn(r, 1, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {})),
    Case("input1_bcast", lambda r, dt: ((rn(r, 1, dt=dt), rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {})),
    Case("target_scaled", lambda r, dt: ((rn(r, 5, dt=dt), rn(r, 5, dt=dt), arr([0.5, -0.5, 0, 2, -2], dt)), {"margin": 0.1})),
    Case("target_int", lambda r, dt: ((rn(r, 5, dt=dt), rn(r, 5, dt=dt), r.choice([-1, 1], 5)), {})),
    Case("tie_z0", lambda r, dt: ((arr([3.0, 1.0, 2.0], dt), arr([3.0, 1.0, 1.5], dt), arr([-1.0, 1.0, 1.0], dt)), {})),
    Case("tie_margin", lambda r, dt: ((arr([1.0, 2.0], dt), arr([1.5, 1.5], dt), arr([1.0, -1.0], dt)), {"margin": 0.5})),
    Case("nan_input", lambda r, dt: ((arr([np.nan, 1.0], dt), arr([0.0, np.nan], dt), arr([1.0, -1.0], dt)), {})),
    Case("extreme", lambda r, dt: ((arr([1e4, -1e4, 1e4], dt), arr([-1e4, 1e4, 1e4], dt), arr([1.0, 1.0, -1.0], dt)), {})),
    Case("empty", lambda r, dt: ((np.zeros(0, dt), np.zeros(0, dt), np.zeros(0, dt)), {})),
    Case("inf_input", lambda r, dt: ((arr([np.inf, -np.inf, 1.0], dt), arr([0.0, 0.0, np.inf], dt), arr([1.0, 1.0, 1.0], dt)), {})),
    Case("target_larger", lambda r, dt: ((rn(r, 1, 4, dt=dt), rn(r, 1, 4, dt=dt), pm1(r, 3, 4, dt=dt)), {"margin": 0.1})),
    Case("elementwise_mean", lambda r, dt: ((rn(r, 5, dt=dt), rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 5, dt=dt), rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 5, dt=dt), rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"size_average": False}), reds=(None,)),
    Case("legacy_overrides", lambda r, dt: ((rn(r, 5, dt=dt), rn(r, 5, dt=dt), pm1(r, 5, dt=dt)), {"reduce": True, "size_average": False, "reduction": "none"}), reds=(None,)),
]


def cls(r, N, C):
    return r.integers(0, C, N)


MULTI = [
    Case("2d", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {})),
    Case("p2", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"p": 2})),
    Case("p2_float", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"p": 2.0})),
    Case("margin0.3", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"margin": 0.3})),
    Case("margin_neg", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"margin": -0.5})),
    Case("margin_neg_p2", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"margin": -0.5, "p": 2})),
    Case("weight", lambda r, dt: ((rn(r, 6, 4, dt=dt), cls(r, 6, 4)), {"weight": r.random(4).astype(dt) + 0.1})),
    Case("weight_p2_margin", lambda r, dt: ((rn(r, 6, 4, dt=dt), cls(r, 6, 4)), {"weight": r.random(4).astype(dt), "p": 2, "margin": 2.0})),
    Case("1d_0d_target", lambda r, dt: ((rn(r, 5, dt=dt), np.array(2)), {})),
    Case("1d_1_target", lambda r, dt: ((rn(r, 5, dt=dt), np.array([4])), {"weight": r.random(5).astype(dt)})),
    Case("0d_input", lambda r, dt: ((rn(r, dt=dt), np.array(0)), {})),
    Case("one_class", lambda r, dt: ((rn(r, 3, 1, dt=dt), np.zeros(3, np.int64)), {})),
    Case("strict_tie", lambda r, dt: ((arr([[1.0, 0.0, 0.5], [0.0, 1.0, -1.0]], dt), np.array([0, 1])), {})),
    Case("nan_logit", lambda r, dt: ((arr([[np.nan, 0.0, 0.5], [0.0, np.nan, 1.0]], dt), np.array([0, 2])), {})),
    Case("extreme", lambda r, dt: ((arr([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dt), np.array([0, 0])), {})),
    Case("extreme_p2", lambda r, dt: ((arr([[1e3, -1e3, 0.0], [-1e3, 1e3, 0.0]], dt), np.array([0, 0])), {"p": 2})),
    Case("inf_logits", lambda r, dt: ((arr([[np.inf, 0.0, 1.0], [0.0, np.inf, 1.0]], dt), np.array([0, 0])), {})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 5, 4, dt=dt).T, cls(r, 4, 5)[::-1]), {"weight": r.random(10).astype(dt)[::2]})),
    Case("margin_np_float", lambda r, dt: ((rn(r, 3, 4, dt=dt), cls(r, 3, 4)), {"margin": np.float64(0.7)})),
    Case("elementwise_mean", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"size_average": False}), reds=(None,)),
    Case("legacy_overrides", lambda r, dt: ((rn(r, 4, 5, dt=dt), cls(r, 4, 5)), {"reduce": True, "reduction": "none"}), reds=(None,)),
]


def apn(r, *shape, dt=F64, scale=1.0):
    return tuple(rn(r, *shape, dt=dt, scale=scale) for _ in range(3))


TRIPLET = [
    Case("2d", lambda r, dt: (apn(r, 5, 3, dt=dt), {})),
    Case("1d", lambda r, dt: (apn(r, 4, dt=dt), {})),
    Case("3d", lambda r, dt: (apn(r, 2, 3, 4, dt=dt), {})),
    Case("margin2", lambda r, dt: (apn(r, 5, 3, dt=dt), {"margin": 2.0})),
    Case("margin_small", lambda r, dt: (apn(r, 5, 3, dt=dt), {"margin": 0.1})),
    Case("p1", lambda r, dt: (apn(r, 5, 3, dt=dt), {"p": 1, "margin": 3.0})),
    Case("p3", lambda r, dt: (apn(r, 5, 3, dt=dt), {"p": 3})),
    Case("p0.5", lambda r, dt: (apn(r, 5, 3, dt=dt), {"p": 0.5, "margin": 4.0})),
    Case("p_inf", lambda r, dt: (apn(r, 5, 3, dt=dt), {"p": float("inf"), "margin": 2.0})),
    Case("p_neg1", lambda r, dt: (apn(r, 5, 3, dt=dt), {"p": -1, "margin": 2.0})),
    Case("p0", lambda r, dt: (apn(r, 5, 3, dt=dt), {"p": 0, "margin": 2.0})),
    Case("eps0", lambda r, dt: (apn(r, 5, 3, dt=dt), {"eps": 0.0})),
    Case("eps0.5", lambda r, dt: (apn(r, 5, 3, dt=dt), {"eps": 0.5})),
    Case("swap", lambda r, dt: (apn(r, 6, 3, dt=dt), {"swap": True, "margin": 2.0})),
    Case("swap_p1_3d", lambda r, dt: (apn(r, 2, 3, 4, dt=dt), {"swap": True, "p": 1, "margin": 3.0})),
    Case("bcast_positive", lambda r, dt: ((rn(r, 4, 3, dt=dt), rn(r, 1, 3, dt=dt), rn(r, 4, 3, dt=dt)), {"margin": 2.0})),
    Case("bcast_negative_swap", lambda r, dt: ((rn(r, 4, 3, dt=dt), rn(r, 4, 3, dt=dt), rn(r, 1, 3, dt=dt)), {"margin": 2.0, "swap": True})),
    Case("a_eq_p_eps", lambda r, dt: ((lambda a: (a, a.copy(), rn(r, 3, 3, dt=dt)))(rn(r, 3, 3, dt=dt)), {"margin": 5.0}), dtypes=(F64,)),
    Case("a_eq_p_eps0", lambda r, dt: ((lambda a: (a, a.copy(), rn(r, 3, 3, dt=dt)))(rn(r, 3, 3, dt=dt)), {"margin": 5.0, "eps": 0.0}), dtypes=(F64,)),
    Case("swap_tie_eps0", lambda r, dt: ((arr([[0.0, 0.0]], dt), arr([[0.0, 0.0]], dt), arr([[1.0, 0.0]], dt)), {"margin": 2.0, "eps": 0.0, "swap": True}), dtypes=(F64,)),
    Case("hinge_inactive", lambda r, dt: ((np.zeros((2, 2), dt), np.zeros((2, 2), dt), arr([[10.0, 0], [0, 10.0]], dt)), {"margin": 1.0})),
    Case("extreme", lambda r, dt: (apn(r, 3, 3, dt=dt, scale=1e4), {"margin": 1e4})),
    Case("empty_batch", lambda r, dt: ((np.zeros((0, 3), dt),) * 3, {})),
    Case("tie_z0_p1_eps0", lambda r, dt: ((arr([[0.0, 0.0]], dt), arr([[1.0, 0.0]], dt), arr([[3.0, 0.0]], dt)), {"margin": 2.0, "p": 1, "eps": 0.0})),
    *[
        Case(f"norm_edges_p{pp}_eps{eps}", lambda r, dt, pp=pp, eps=eps: (
            (np.zeros((2, 3), dt), arr([[1, 1, 0], [0, 0, 0]], dt), arr([[5, 5, 5], [1, 2, 3]], dt)),
            {"p": pp, "eps": eps, "margin": 10.0, "swap": True}), dtypes=(F64,))
        for pp in (float("inf"), float("-inf"), 1, 1.5, 3, 0.5, -1) for eps in (0.0, 1e-6)
    ],
    Case("0d_inputs", lambda r, dt: (apn(r, dt=dt), {})),
    Case("empty_features", lambda r, dt: ((np.zeros((2, 0), dt),) * 3, {})),
    Case("non_contiguous", lambda r, dt: ((rn(r, 3, 4, dt=dt).T, rn(r, 4, 6, dt=dt)[:, ::2], rn(r, 4, 3, dt=dt)[::-1]), {"margin": 2.0, "swap": True})),
    Case("elementwise_mean", lambda r, dt: (apn(r, 5, 3, dt=dt), {"reduction": "elementwise_mean"}), reds=(None,)),
    Case("legacy_reduce_false", lambda r, dt: (apn(r, 5, 3, dt=dt), {"reduce": False}), reds=(None,)),
    Case("legacy_size_average_false", lambda r, dt: (apn(r, 5, 3, dt=dt), {"size_average": False}), reds=(None,)),
    Case("legacy_overrides", lambda r, dt: (apn(r, 5, 3, dt=dt), {"size_average": True, "reduction": "sum"}), reds=(None,)),
]


# numpy distances (with .backward) paired with their torch equivalents ------------------------
def _sq_bwd(grad, x1, x2):
    g = 2 * np.asarray(grad)[..., None] * (x1 - x2)
    return g, -g


@F.with_backward(_sq_bwd)
def _sq_dist(x1, x2):
    return np.sum((x1 - x2) ** 2, axis=-1)


def _l1_dist(x1, x2):
    return np.sum(np.abs(x1 - x2), axis=-1)


def _l1_bwd(grad, x1, x2):
    g = np.asarray(grad)[..., None] * np.sign(x1 - x2)
    return g, -g


_l1_dist.backward = _l1_bwd  # attached by hand, not through with_backward


def _elem_bwd(grad, x1, x2):
    g = 2 * np.asarray(grad) * (x1 - x2)
    return g, -g


@F.with_backward(_elem_bwd)
def _elem_dist(x1, x2):
    return (x1 - x2) ** 2


DISTS = {
    "pairwise": Dist("pairwise", F.pairwise_distance, TF.pairwise_distance),
    "sq": Dist("sq", _sq_dist, lambda a, b: ((a - b) ** 2).sum(-1)),
    "l1_manual_attr": Dist("l1_manual_attr", _l1_dist, lambda a, b: (a - b).abs().sum(-1)),
    "cosine": Dist("cosine", F.cosine_distance, lambda a, b: 1 - TF.cosine_similarity(a, b, dim=-1)),
    "elementwise": Dist("elementwise", _elem_dist, lambda a, b: (a - b) ** 2),
}


def dist_case(cid, dist, shape=(5, 3), dtypes=BOTH, **kw):
    def make(r, dt):
        extra = {} if dist is None else {"distance_function": DISTS[dist]}
        return apn(r, *shape, dt=dt), dict(extra, **kw)

    return Case(cid, make, dtypes=dtypes)


TRIPLET_D = [
    dist_case("default", None),
    dist_case("default_swap", None, swap=True, margin=2.0),
    dist_case("default_1d", None, shape=(4,)),
    dist_case("default_3d", None, shape=(2, 3, 4)),
    dist_case("pairwise", "pairwise"),
    dist_case("pairwise_swap", "pairwise", swap=True, margin=2.0),
    dist_case("sq", "sq", margin=3.0),
    dist_case("sq_swap", "sq", margin=3.0, swap=True),
    dist_case("sq_margin_small", "sq", margin=0.2),
    dist_case("l1_manual_attr", "l1_manual_attr", margin=2.0),
    dist_case("cosine", "cosine", margin=0.5),
    dist_case("cosine_swap", "cosine", margin=0.5, swap=True),
    dist_case("elementwise_none_shape", "elementwise", margin=1.0),
    dist_case("elementwise_swap", "elementwise", margin=1.0, swap=True),
    dist_case("sq_3d", "sq", shape=(2, 3, 4), margin=4.0),
    Case("bcast_positive", lambda r, dt: ((rn(r, 4, 3, dt=dt), rn(r, 1, 3, dt=dt), rn(r, 4, 3, dt=dt)), {"margin": 2.0, "distance_function": DISTS["sq"]})),
    Case("swap_tie_default", lambda r, dt: ((arr([[0.0, 0.0]], dt), arr([[0.0, 0.0]], dt), arr([[1.0, 0.0]], dt)), {"margin": 2.0, "swap": True}), dtypes=(F64,)),
    Case("swap_tie_sq", lambda r, dt: ((arr([[0.0, 0.0]], dt), arr([[0.0, 0.0]], dt), arr([[1.0, 0.0]], dt)), {"margin": 2.0, "swap": True, "distance_function": DISTS["sq"]}), dtypes=(F64,)),
    Case("empty_batch", lambda r, dt: ((np.zeros((0, 3), dt),) * 3, {"distance_function": DISTS["sq"]})),
    Case("tie_z0_sq", lambda r, dt: ((arr([[0.0, 0.0]], dt), arr([[1.0, 0.0]], dt), arr([[2.0, 0.0]], dt)), {"margin": 3.0, "distance_function": DISTS["sq"]})),
    Case("multi_margin_np_float", lambda r, dt: (apn(r, 4, 3, dt=dt), {"margin": np.float64(1.5), "distance_function": DISTS["l1_manual_attr"]})),
]


# CTC -----------------------------------------------------------------------------------------
def log_softmax_np(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def ctc_make(T, C, Ls, Ts=None, layout="padded", blank=0, extra=2, tdtype=np.int64,
             ldtype=np.int64, lists=False, shift=0.0, targets=None, pad=None, junk=None,
             batch_first_view=False, **kw):
    """A CTC case: N = len(Ls) samples; layout 'padded', 'concat' or 'unbatched'."""

    def make(r, dt):
        N = len(Ls)
        Tb = [T] * N if Ts is None else list(Ts)
        lp = log_softmax_np(r.standard_normal((T, N, C))) + shift
        labels = [c for c in range(C) if c != blank]
        seqs = targets if targets is not None else [list(r.choice(labels, L)) if L else [] for L in Ls]
        if layout == "concat":
            tg = np.array([c for s in seqs for c in s], dtype=tdtype)
        else:
            S = max(Ls, default=0) + extra
            tg = np.array([list(s) + list(r.choice(labels, S - len(s)) if pad is None else [pad] * (S - len(s)))
                           for s in seqs], dtype=tdtype).reshape(N, S)
        il, tl = np.array(Tb, ldtype), np.array(Ls, ldtype)
        if junk is not None:  # values past input_lengths must not matter
            for b, t in enumerate(Tb):
                lp[t:, b] = junk
        if batch_first_view:  # (N, T, C) storage seen as (T, N, C)
            lp = np.ascontiguousarray(lp.transpose(1, 0, 2)).transpose(1, 0, 2)
        if layout == "unbatched":  # (T, C) log_probs, (L,) target (no padding), 0-d lengths
            lp, tg, il, tl = lp[:, 0], tg[0, : Ls[0]], il[0, ...], tl[0, ...]
        if layout == "unbatched_2d":  # the same with a (1, S) target
            lp, tg, il, tl = lp[:, 0], tg[:1], il[0, ...], tl[0, ...]
        if lists:
            il, tl = [int(v) for v in il], [int(v) for v in tl]
        return (lp.astype(dt), tg, il, tl), dict(blank=blank, **kw)

    return make


CTC = [
    Case("padded", ctc_make(12, 5, [3, 2, 4])),
    Case("padded_var_lengths", ctc_make(12, 5, [3, 2, 4], Ts=[12, 7, 9])),
    Case("concat", ctc_make(12, 5, [3, 2, 4], Ts=[10, 12, 8], layout="concat")),
    Case("unbatched", ctc_make(10, 4, [3], layout="unbatched")),
    Case("unbatched_2d_target", ctc_make(10, 4, [3], Ts=[8], layout="unbatched_2d")),
    Case("blank_last", ctc_make(10, 5, [3, 4], blank=4)),
    Case("blank_middle", ctc_make(10, 5, [3, 4], Ts=[10, 9], blank=2)),
    Case("repeats", ctc_make(8, 4, [4, 3], targets=[[1, 1, 2, 2], [3, 3, 3]])),
    Case("impossible", ctc_make(4, 4, [2, 3], targets=[[1, 2], [1, 1, 1]])),
    Case("impossible_zero_inf", ctc_make(4, 4, [2, 3], targets=[[1, 2], [1, 1, 1]], zero_infinity=True)),
    Case("impossible_T2", ctc_make(2, 3, [2], targets=[[1, 1]], zero_infinity=True)),
    Case("zero_infinity_finite", ctc_make(9, 5, [3, 2], zero_infinity=True)),
    Case("empty_target", ctc_make(7, 4, [0, 2], Ts=[5, 7])),
    Case("all_empty_targets", ctc_make(6, 3, [0, 0], layout="concat")),
    Case("zero_input_length", ctc_make(6, 4, [0, 2, 1], Ts=[0, 6, 0])),
    Case("zero_input_length_zinf", ctc_make(6, 4, [0, 2, 1], Ts=[0, 6, 0], zero_infinity=True)),
    Case("exact_fit", ctc_make(5, 6, [5], targets=[[1, 2, 3, 4, 5]])),
    Case("int32_targets", ctc_make(9, 4, [2, 3], tdtype=np.int32, ldtype=np.int32)),
    Case("int16_uint8", ctc_make(9, 4, [2, 3], tdtype=np.int16, ldtype=np.uint8)),
    Case("float_targets", ctc_make(9, 4, [2, 3], tdtype=np.float64)),
    Case("list_lengths", ctc_make(9, 4, [2, 3], Ts=[9, 6], lists=True)),
    Case("list_lengths_concat", ctc_make(9, 4, [2, 3], Ts=[9, 6], lists=True, layout="concat")),
    Case("unnormalised", ctc_make(9, 4, [2, 3], shift=1.0)),
    Case("unnormalised_neg", ctc_make(9, 4, [2, 3], shift=-3.0)),
    Case("long_T1000", ctc_make(1000, 6, [40, 25], Ts=[1000, 800]), dtypes=(F64,)),  # f32: below
    Case("long_T1000_unbatched", ctc_make(1000, 4, [120], layout="unbatched"), dtypes=(F64,)),
    Case("mean_lengths_3_0_2", ctc_make(8, 4, [3, 0, 2])),
    Case("T1", ctc_make(1, 3, [1, 0], targets=[[2], []])),
    Case("only_blank_class", ctc_make(5, 1, [0, 0], Ts=[5, 3], pad=0)),
    Case("target_longer_than_input", ctc_make(5, 4, [3, 2], Ts=[2, 5])),
    Case("pad_minus1", ctc_make(7, 4, [2, 3], pad=-1)),
    Case("pad_blank", ctc_make(7, 4, [2, 3], pad=0)),
    Case("pad_out_of_range", ctc_make(7, 4, [2, 3], pad=99)),
    Case("nan_beyond_input_length", ctc_make(9, 4, [2, 3], Ts=[5, 9], junk=np.nan)),
    Case("non_contiguous_batch_first", ctc_make(9, 4, [2, 3], batch_first_view=True)),
    Case("padded_S0", lambda r, dt: ((log_softmax_np(rn(r, 6, 2, 4)).astype(dt), np.zeros((2, 0), np.int64), np.array([6, 5]), np.array([0, 0])), {})),
    Case("N1_0d_lengths", lambda r, dt: ((log_softmax_np(rn(r, 6, 1, 4)).astype(dt), np.array([[1, 2]]), np.array(6), np.array(2)), {})),
    Case("unbatched_1_lengths", lambda r, dt: ((log_softmax_np(rn(r, 6, 4)).astype(dt), np.array([1, 2]), np.array([6]), np.array([2])), {})),
    Case("tuple_lengths", lambda r, dt: ((log_softmax_np(rn(r, 6, 2, 4)).astype(dt), np.array([[1, 2, 3], [3, 3, 3]]), (6, 5), (2, 3)), {})),
]


TABLES = {
    "hinge_embedding_loss": HINGE,
    "multilabel_margin_loss": MLM,
    "soft_margin_loss": SOFT,
    "multilabel_soft_margin_loss": MLSM,
    "cosine_embedding_loss": COS,
    "margin_ranking_loss": RANK,
    "multi_margin_loss": MULTI,
    "triplet_margin_loss": TRIPLET,
    "triplet_margin_with_distance_loss": TRIPLET_D,
    "ctc_loss": CTC,
}

# Known lossedu bugs found by the tables: {test id: reason} (strict xfail). None at the time of the audit.
XFAIL = {}


def _params():
    for loss, cases in TABLES.items():
        for c in cases:
            for red in c.reds:
                for dt in c.dtypes:
                    tid = f"{loss}-{c.cid}-{red or 'fixed'}-{np.dtype(dt).name}"
                    marks = [pytest.mark.xfail(strict=True, reason=XFAIL[tid])] if tid in XFAIL else []
                    yield pytest.param(loss, c, red, dt, id=tid, marks=marks)


@pytest.mark.parametrize("loss, case, red, dt", list(_params()))
def test_matches_torch(loss, case, red, dt):
    r = rng_for(loss, case.cid, np.dtype(dt).name)
    args, kwargs = case.make(r, dt)
    if red is not None:
        kwargs = dict(kwargs, reduction=red)
    compare_with_torch(loss, args, kwargs, (loss, case.cid, red, np.dtype(dt).name))


# --------------------------------------------------------------------------------------------
# 3. bad inputs: torch refuses; lossedu raises ValueError/TypeError/IndexError naming the argument
#    (forward and backward). Every case uses the default 'mean' reduction unless it tests it.
# --------------------------------------------------------------------------------------------
def _r():
    return np.random.default_rng(7)


def x(*shape, dt=F64):
    return np.asarray(_r().standard_normal(shape)).astype(dt)


def ones(*shape, dt=F64):
    return np.ones(shape, dt)


def ctc_args(T=6, N=2, C=4, S=3, L=(2, 3), Tb=None, lp_dt=F64, **over):
    """Valid padded CTC arguments; `over` replaces any of them by name."""
    a = dict(
        log_probs=log_softmax_np(x(T, N, C)).astype(lp_dt),
        targets=np.ones((N, S), np.int64),
        input_lengths=np.array(Tb or [T] * N),
        target_lengths=np.array(L),
    )
    a.update(over)
    return (a["log_probs"], a["targets"], a["input_lengths"], a["target_lengths"]), {}


def with_kw(args_kw, **kw):
    args, kwargs = args_kw
    return args, dict(kwargs, **kw)


BAD = {
    "hinge_embedding_loss": [
        ("reduction_bogus", lambda: ((x(3), ones(3)), {"reduction": "bogus"}), "reduction"),
        ("reduction_batchmean", lambda: ((x(3), ones(3)), {"reduction": "batchmean"}), "reduction"),
        ("shapes_not_broadcastable", lambda: ((x(4), ones(3)), {}), "input|target"),
        ("shapes_not_broadcastable_2d", lambda: ((x(2, 3), ones(3, 2)), {}), "input|target"),
    ],
    "multilabel_margin_loss": [
        ("input_3d", lambda: ((x(2, 3, 4), -np.ones((2, 3, 4), np.int64)), {}), "input"),
        ("target_int32", lambda: ((x(2, 4), np.array([[0, -1, 0, 0]] * 2, np.int32)), {}), "target"),
        ("target_float", lambda: ((x(2, 4), np.array([[0, -1, 0, 0]] * 2, F64)), {}), "target"),
        ("target_shape", lambda: ((x(1, 4), np.array([[0, 1, -1]])), {}), "target"),
        ("target_value_C", lambda: ((x(1, 4), np.array([[4, -1, 0, 0]])), {}), "target"),
        ("target_lt_minus1_after_terminator", lambda: ((x(1, 4), np.array([[3, -1, -2, 0]])), {}), "target"),
        ("target_C_after_terminator", lambda: ((x(1, 4), np.array([[3, -1, 4, 0]])), {}), "target"),
        ("reduction_bogus", lambda: ((x(2, 4), -np.ones((2, 4), np.int64)), {"reduction": "bogus"}), "reduction"),
    ],
    "soft_margin_loss": [
        ("target_beyond_input", lambda: ((x(3), ones(2, 3)), {}), "input|target"),
        ("shapes_not_broadcastable", lambda: ((x(3), ones(4)), {}), "input|target"),
        ("reduction_bogus", lambda: ((x(3), ones(3)), {"reduction": "bogus"}), "reduction"),
        ("reduction_batchmean", lambda: ((x(3), ones(3)), {"reduction": "batchmean"}), "reduction"),
    ],
    "multilabel_soft_margin_loss": [
        ("input_0d", lambda: ((x(), ones()), {}), "input"),
        ("weight_wrong_length", lambda: ((x(3, 4), ones(3, 4)), {"weight": ones(2)}), "weight"),
        ("target_not_broadcastable", lambda: ((x(3, 4), ones(3, 3)), {}), "input|target"),
        ("reduction_elementwise_mean", lambda: ((x(3, 4), ones(3, 4)), {"reduction": "elementwise_mean"}), "reduction"),
        ("reduction_bogus", lambda: ((x(3, 4), ones(3, 4)), {"reduction": "bogus"}), "reduction"),
    ],
    "cosine_embedding_loss": [
        ("1d_inputs_1d_target", lambda: ((x(3), x(3), ones(3)), {}), "target|input"),
        ("2d_inputs_0d_target", lambda: ((x(2, 3), x(2, 3), ones()), {}), "target|input"),
        ("3d_inputs", lambda: ((x(2, 2, 3), x(2, 2, 3), ones(2)), {}), "target|input"),
        ("target_length", lambda: ((x(4, 3), x(4, 3), ones(3)), {}), "target|input"),
        ("inputs_not_broadcastable", lambda: ((x(4, 3), x(3, 3), ones(4)), {}), "input"),
        ("feature_dim_mismatch", lambda: ((x(4, 3), x(4, 2), ones(4)), {}), "input"),
        ("reduction_bogus", lambda: ((x(2, 3), x(2, 3), ones(2)), {"reduction": "bogus"}), "reduction"),
    ],
    "margin_ranking_loss": [
        ("input2_ndim", lambda: ((x(4), x(1, 4), ones(4)), {}), "input2|dimension"),
        ("target_ndim", lambda: ((x(4), x(4), ones(1, 4)), {}), "target|dimension"),
        ("not_broadcastable", lambda: ((x(4), x(3), ones(4)), {}), "input|target"),
        ("reduction_bogus", lambda: ((x(4), x(4), ones(4)), {"reduction": "bogus"}), "reduction"),
    ],
    "multi_margin_loss": [
        ("p3", lambda: ((x(3, 4), np.array([0, 1, 2])), {"p": 3}), r"\bp\b"),
        ("p0", lambda: ((x(3, 4), np.array([0, 1, 2])), {"p": 0}), r"\bp\b"),
        ("weight_2d", lambda: ((x(3, 4), np.array([0, 1, 2])), {"weight": ones(1, 4)}), "weight"),
        ("weight_length", lambda: ((x(3, 4), np.array([0, 1, 2])), {"weight": ones(3)}), "weight"),
        ("weight_dtype", lambda: ((x(3, 4), np.array([0, 1, 2])), {"weight": ones(4, dt=F32)}), "weight"),
        ("target_value_C", lambda: ((x(3, 4), np.array([0, 4, 2])), {}), "target"),
        ("target_negative", lambda: ((x(3, 4), np.array([0, -1, 2])), {}), "target"),
        ("target_int32", lambda: ((x(3, 4), np.array([0, 1, 2], np.int32)), {}), "target"),
        ("target_float", lambda: ((x(3, 4), np.array([0.0, 1.0, 2.0])), {}), "target"),
        ("target_length", lambda: ((x(3, 4), np.array([0, 1])), {}), "target"),
        ("target_1d_for_1d_input_len2", lambda: ((x(4), np.array([0, 1])), {}), "target"),
        ("input_3d", lambda: ((x(2, 3, 4), np.zeros((2, 3), np.int64)), {}), "input"),
        ("reduction_bogus", lambda: ((x(3, 4), np.array([0, 1, 2])), {"reduction": "bogus"}), "reduction"),
    ],
    "triplet_margin_loss": [
        ("margin0", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"margin": 0.0}), "margin"),
        ("margin_negative", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"margin": -1.0}), "margin"),
        ("ndim_mismatch", lambda: ((x(2, 3), x(3), x(2, 3)), {}), "anchor|positive|negative|dimension"),
        ("batch_not_broadcastable", lambda: ((x(4, 3), x(3, 3), x(4, 3)), {}), "anchor|positive|negative"),
        ("feature_dim_mismatch", lambda: ((x(4, 3), x(4, 3), x(4, 2)), {}), "anchor|positive|negative"),
        ("reduction_bogus", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"reduction": "bogus"}), "reduction"),
        ("reduction_batchmean", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"reduction": "batchmean"}), "reduction"),
    ],
    "triplet_margin_with_distance_loss": [
        ("distance_positional", lambda: ((x(2, 3), x(2, 3), x(2, 3), DISTS["sq"]), {}), ""),
        ("margin0", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"margin": 0.0}), "margin"),
        ("margin_negative_sq", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"margin": -2.0, "distance_function": DISTS["sq"]}), "margin"),
        ("ndim_mismatch", lambda: ((x(2, 3), x(2, 3), x(3)), {}), "anchor|positive|negative|dimension"),
        ("reduction_elementwise_mean", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"reduction": "elementwise_mean"}), "reduction"),
        ("reduction_bogus", lambda: ((x(2, 3), x(2, 3), x(2, 3)), {"reduction": "bogus"}), "reduction"),
    ],
    "ctc_loss": [
        ("blank_C", lambda: with_kw(ctc_args(), blank=4), "blank"),
        ("blank_negative", lambda: with_kw(ctc_args(), blank=-1), "blank"),
        ("input_length_gt_T", lambda: ctc_args(input_lengths=np.array([7, 6])), "input_lengths"),
        ("input_length_negative", lambda: ctc_args(input_lengths=np.array([-1, 6])), "input_lengths"),
        ("target_length_negative", lambda: ctc_args(target_lengths=np.array([-1, 2])), "target_lengths"),
        ("padded_targets_too_short", lambda: ctc_args(target_lengths=np.array([2, 4])), "targets"),
        ("concat_wrong_length", lambda: ctc_args(targets=np.ones(4, np.int64)), "targets"),
        ("input_lengths_count", lambda: ctc_args(input_lengths=np.array([6, 6, 6])), "input_lengths"),
        ("target_lengths_count", lambda: ctc_args(target_lengths=np.array([1])), "target_lengths"),
        ("input_lengths_float", lambda: ctc_args(input_lengths=np.array([6.0, 6.0])), "input_lengths"),
        ("target_lengths_float", lambda: ctc_args(target_lengths=np.array([2.0, 3.0])), "target_lengths"),
        ("input_lengths_bool", lambda: ctc_args(input_lengths=np.array([True, True])), "input_lengths"),
        ("log_probs_4d", lambda: ctc_args(log_probs=x(6, 2, 4, 1)), "log_probs"),
        ("log_probs_empty_batch", lambda: ctc_args(log_probs=x(6, 0, 4), targets=np.ones((0, 3), np.int64), input_lengths=np.zeros(0, np.int64), target_lengths=np.zeros(0, np.int64)), "log_probs"),
        ("targets_3d", lambda: ctc_args(targets=np.ones((2, 3, 1), np.int64)), "targets"),
        ("log_probs_float16", lambda: ctc_args(log_probs=log_softmax_np(x(6, 2, 4)).astype(np.float16)), "log_probs"),
        ("reduction_bogus", lambda: with_kw(ctc_args(), reduction="bogus"), "reduction"),
    ],
}

XFAIL_BAD = {}  # as XFAIL, for the bad-input cases. None at the time of the audit.


def _bad_params():
    for loss, cases in BAD.items():
        for cid, make, match in cases:
            tid = f"{loss}-{cid}"
            marks = [pytest.mark.xfail(strict=True, reason=XFAIL_BAD[tid])] if tid in XFAIL_BAD else []
            yield pytest.param(loss, make, match, id=tid, marks=marks)


@pytest.mark.parametrize("loss, make, match", list(_bad_params()))
def test_bad_input_raises(loss, make, match):
    args, kwargs = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception):  # the case really is bad for torch
            getattr(TF, loss)(*(to_torch(a) for a in args), **{k: to_torch(v) for k, v in kwargs.items()})
        nargs = [to_np(a) for a in args]
        nkw = {k: to_np(v) for k, v in kwargs.items()}
        with pytest.raises(ALLOWED) as info:
            getattr(F, loss)(*nargs, **nkw)
        if match:
            assert re.search(match, str(info.value), flags=re.IGNORECASE), (
                f"message does not name the argument ({match}): {info.value}"
            )
        with pytest.raises(ALLOWED):
            getattr(F, loss + "_backward")(np.ones((), F64), *nargs, **nkw)


# --------------------------------------------------------------------------------------------
# 4. signatures, as_torch + gradcheck, CTC through log_softmax, extras
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", list(TABLES))
def test_signature_matches_torch(loss):
    ours = inspect.signature(getattr(F, loss)).parameters
    theirs = inspect.signature(getattr(TF, loss)).parameters
    want = [(n, p.kind, p.default) for n, p in theirs.items()]
    got = [(n, p.kind, p.default) for n, p in ours.items()]
    assert got == want
    bwd = list(inspect.signature(getattr(F, loss + "_backward")).parameters.values())
    assert bwd[0].name == "grad_output"
    assert [(p.name, p.kind, p.default) for p in bwd[1:]] == want


GRADCHECK = [
    ("hinge_embedding_loss", "none", lambda r: ((rn(r, 3, 4), pm1(r, 3, 4)), {"margin": 0.7})),
    ("hinge_embedding_loss", "mean", lambda r: ((rn(r, 4), pm1(r, 2, 4)), {})),
    ("multilabel_margin_loss", "none", lambda r: ((rn(r, 3, 5), mlm_target(r, 3, 5)), {})),
    ("multilabel_margin_loss", "mean", lambda r: ((rn(r, 5), mlm_target(r, 1, 5, k=2)[0]), {})),
    ("soft_margin_loss", "none", lambda r: ((rn(r, 3, 4), pm1(r, 3, 4)), {})),
    ("soft_margin_loss", "mean", lambda r: ((rn(r, 3, 4), pm1(r, 4)), {})),
    ("multilabel_soft_margin_loss", "none", lambda r: ((rn(r, 3, 4), bern(r, 3, 4)), {"weight": r.random(4)})),
    ("multilabel_soft_margin_loss", "mean", lambda r: ((rn(r, 2, 3, 4), r.random((2, 3, 4))), {})),
    ("cosine_embedding_loss", "none", lambda r: ((rn(r, 4, 3), rn(r, 4, 3), pm1(r, 4)), {"margin": -0.9})),
    ("cosine_embedding_loss", "mean", lambda r: ((rn(r, 1, 3), rn(r, 4, 3), pm1(r, 4)), {"margin": -0.9})),
    ("margin_ranking_loss", "none", lambda r: ((rn(r, 5), rn(r, 5), pm1(r, 5)), {"margin": 0.3})),
    ("margin_ranking_loss", "sum", lambda r: ((rn(r, 3, 1), rn(r, 1, 4), pm1(r, 3, 4)), {"margin": 5.0})),
    ("multi_margin_loss", "none", lambda r: ((rn(r, 4, 5), cls(r, 4, 5)), {"weight": r.random(5) + 0.1})),
    ("multi_margin_loss", "mean", lambda r: ((rn(r, 4, 5), cls(r, 4, 5)), {"p": 2, "margin": 2.0})),
    ("triplet_margin_loss", "none", lambda r: (apn(r, 4, 3), {"margin": 3.0})),
    ("triplet_margin_loss", "mean", lambda r: (apn(r, 4, 3), {"margin": 3.0, "swap": True, "p": 3})),
    ("triplet_margin_with_distance_loss", "none", lambda r: (apn(r, 4, 3), {"margin": 3.0, "distance_function": DISTS["sq"]})),
    ("triplet_margin_with_distance_loss", "mean", lambda r: (apn(r, 4, 3), {"margin": 3.0, "swap": True})),
    ("triplet_margin_with_distance_loss", "sum", lambda r: (apn(r, 4, 3), {"margin": 1.0, "distance_function": DISTS["cosine"]})),
    ("ctc_loss", "none", lambda r: ctc_make(6, 4, [2, 3], Ts=[6, 5])(r, F64)),
    ("ctc_loss", "mean", lambda r: ctc_make(6, 4, [2, 0], Ts=[6, 4], layout="concat")(r, F64)),
    ("ctc_loss", "sum", lambda r: ctc_make(6, 4, [2], layout="unbatched", shift=0.5)(r, F64)),
]


def _wrapped_call(loss, args, kwargs, diff_inputs):
    """Call as_torch(loss) with the GRADIENT_OF arguments replaced by `diff_inputs`."""
    names = param_names(loss)
    diff = F.GRADIENT_OF[loss]
    it = iter(diff_inputs)
    targs = [next(it) if names[i] in diff else to_torch(a) for i, a in enumerate(args)]
    tkw = {k: (next(it) if k in diff else (v.np_fn if isinstance(v, Dist) else to_torch(v))) for k, v in kwargs.items()}
    return lossedu.as_torch(getattr(F, loss))(*targs, **tkw)


def _diff_tensors(loss, args, kwargs):
    names = param_names(loss)
    vals = dict(zip(names, args), **kwargs)
    return [torch.from_numpy(np.array(vals[d], dtype=F64)).requires_grad_(True) for d in F.GRADIENT_OF[loss]]


@pytest.mark.parametrize(
    "loss, red, make", [pytest.param(*g, id=f"{g[0]}-{g[1]}-{i}") for i, g in enumerate(GRADCHECK)]
)
def test_as_torch_gradcheck(loss, red, make):
    args, kwargs = make(rng_for("gradcheck", loss, red))
    kwargs = dict(kwargs, reduction=red)
    inputs = _diff_tensors(loss, args, kwargs)
    assert torch.autograd.gradcheck(lambda *d: _wrapped_call(loss, args, kwargs, d), inputs, eps=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "loss, red, make", [pytest.param(*g, id=f"{g[0]}-{g[1]}-{i}") for i, g in enumerate(GRADCHECK) if g[0] != "ctc_loss"]
)
def test_as_torch_matches_torch(loss, red, make):
    """as_torch's forward and autograd gradients equal torch's own loss (random upstream grad)."""
    args, kwargs = make(rng_for("gradcheck", loss, red))
    kwargs = dict(kwargs, reduction=red)
    ours_in = _diff_tensors(loss, args, kwargs)
    theirs_in = _diff_tensors(loss, args, kwargs)
    out = _wrapped_call(loss, args, kwargs, ours_in)
    names = param_names(loss)
    it = iter(theirs_in)
    targs = [next(it) if names[i] in F.GRADIENT_OF[loss] else to_torch(a) for i, a in enumerate(args)]
    ref = getattr(TF, loss)(*targs, **{k: to_torch(v) for k, v in kwargs.items()})
    assert out.dtype == ref.dtype and out.shape == ref.shape
    torch.testing.assert_close(out, ref, rtol=1e-7, atol=1e-10)
    g = torch.from_numpy(rng_for("up", loss, red).standard_normal(tuple(ref.shape)))
    out.backward(g)
    ref.backward(g)
    for a, b in zip(ours_in, theirs_in):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-7, atol=1e-10)


CTC_LOGSOFTMAX = [
    ("padded", dict(T=10, C=5, Ls=[3, 2, 4], Ts=[10, 8, 9])),
    ("concat_blank2", dict(T=10, C=5, Ls=[3, 0, 4], Ts=[10, 8, 9], layout="concat", blank=2)),
    ("unbatched", dict(T=9, C=4, Ls=[3], layout="unbatched")),
    ("zero_inf", dict(T=4, C=4, Ls=[2, 3], targets=[[1, 2], [1, 1, 1]], zero_infinity=True)),
    ("T1000", dict(T=1000, C=5, Ls=[60, 30], Ts=[1000, 700])),
]


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("cid, spec", CTC_LOGSOFTMAX, ids=[c[0] for c in CTC_LOGSOFTMAX])
def test_ctc_through_log_softmax(cid, spec, red):
    """The brief's CTC comparison: logits -> log_softmax -> ctc; gradients w.r.t. the logits agree."""
    spec = dict(spec)
    r = rng_for("ctc-lsm", cid)
    (lp, tg, il, tl), kw = ctc_make(**spec)(r, F64)
    kw = dict(kw, reduction=red)
    z1 = torch.from_numpy(lp.copy()).requires_grad_(True)  # lp is a log-softmax, so lp itself is fine logits
    z2 = torch.from_numpy(lp.copy()).requires_grad_(True)
    ours = lossedu.as_torch(F.ctc_loss)(torch.log_softmax(z1, -1), to_torch(tg), to_torch(il), to_torch(tl), **kw)
    ref = TF.ctc_loss(torch.log_softmax(z2, -1), to_torch(tg), to_torch(il), to_torch(tl), **kw)
    torch.testing.assert_close(ours, ref, rtol=1e-9, atol=1e-10)
    g = torch.from_numpy(rng_for("up", cid, red).standard_normal(tuple(ref.shape)))
    ours.backward(g)
    ref.backward(g)
    torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("red", REDS)
def test_ctc_long_float32_as_accurate_as_torch(red):
    """T=1000 in float32: torch's own float32 gradient is off by ~1e-3 there, so compare both with the
    float64 result on the same inputs and require lossedu to be no less accurate than torch."""
    args, kw = ctc_make(1000, 6, [40, 25], Ts=[1000, 800])(rng_for("ctc32"), F32)
    kw = dict(kw, reduction=red)
    lp32 = torch.from_numpy(args[0].copy()).requires_grad_(True)
    lp64 = torch.from_numpy(args[0].astype(F64)).requires_grad_(True)
    rest = [to_torch(a) for a in args[1:]]
    o32, o64 = TF.ctc_loss(lp32, *rest, **kw), TF.ctc_loss(lp64, *rest, **kw)
    g = rng_for("up32", red).standard_normal(tuple(o32.shape)).astype(F32)
    o32.backward(torch.from_numpy(g))
    o64.backward(torch.from_numpy(g.astype(F64)))
    truth = ctc_torch_correction(args, kw, g.astype(F64), lp64.grad.numpy())
    t32 = ctc_torch_correction(args, kw, g, lp32.grad.numpy()).astype(F64)
    out = F.ctc_loss(*args, **kw)
    grad = F.ctc_loss_backward(g, *args, **kw)
    assert np.asarray(out).dtype == F32 and grad.dtype == F32
    np.testing.assert_allclose(out, o32.detach().numpy(), rtol=1e-5)
    torch_err = np.abs(t32 - truth).max()
    assert np.abs(grad.astype(F64) - truth).max() <= 2 * torch_err + 1e-6


@pytest.mark.parametrize("red", REDS)
def test_ctc_minus_inf_log_probs(red):
    """lp = -inf entries: forward equals torch; our (true) gradient is exactly 0 there and equals
    torch's corrected gradient wherever torch's is finite."""
    r = rng_for("ctc-inf")
    (lp, tg, il, tl), kw = ctc_make(8, 5, [2, 3], targets=[[1, 2], [2, 3, 2]])(r, F64)
    lp = lp.copy()
    lp[:, :, 4] = -np.inf  # class 4 never used by the targets
    kw = dict(kw, reduction=red)
    args = (lp, tg, il, tl)
    t = torch.from_numpy(lp.copy()).requires_grad_(True)
    out = TF.ctc_loss(t, *(to_torch(a) for a in args[1:]), **kw)
    g = rng_for("up-inf", red).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(g))
    exp = ctc_torch_correction(args, kw, g, t.grad.numpy())
    ours = F.ctc_loss_backward(g, *args, **kw)
    np.testing.assert_allclose(F.ctc_loss(*args, **kw), out.detach().numpy(), rtol=1e-9)
    assert np.all(ours[:, :, 4] == 0)
    fin = np.isfinite(exp)
    np.testing.assert_allclose(ours[fin], exp[fin], rtol=1e-7, atol=1e-10)


def test_ctc_mean_divides_by_clamped_target_length():
    """§3.52: target lengths [3, 0, 2] -> mean of [l0/3, l1/1, l2/2]."""
    (lp, tg, il, tl), kw = ctc_make(8, 4, [3, 0, 2])(rng_for("ctc52"), F64)
    per = F.ctc_loss(lp, tg, il, tl, reduction="none")
    ref = TF.ctc_loss(*(to_torch(a) for a in (lp, tg, il, tl)), reduction="mean")
    np.testing.assert_allclose(F.ctc_loss(lp, tg, il, tl), ref.numpy(), rtol=1e-10)
    np.testing.assert_allclose(F.ctc_loss(lp, tg, il, tl), np.mean(per / np.array([3, 1, 2])), rtol=1e-10)


def test_distance_function_without_backward():
    """A numpy distance with no .backward works forward; backward refuses it with TypeError/ValueError."""
    a, p, n = apn(rng_for("nobwd"), 3, 2)

    def plain(x1, x2):
        return np.sqrt(np.sum((x1 - x2) ** 2, axis=-1))

    out = F.triplet_margin_with_distance_loss(a, p, n, distance_function=plain)
    ref = TF.triplet_margin_with_distance_loss(
        *(torch.from_numpy(v) for v in (a, p, n)), distance_function=lambda u, v: ((u - v) ** 2).sum(-1).sqrt()
    )
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10)
    with pytest.raises((TypeError, ValueError), match="distance_function|backward"):
        F.triplet_margin_with_distance_loss_backward(np.ones(()), a, p, n, distance_function=plain)


PAIRWISE = [
    dict(), dict(p=1.0), dict(p=3.0), dict(p=0.5), dict(p=float("inf")), dict(eps=0.5),
    dict(eps=0.0), dict(keepdim=True), dict(p=1.0, eps=0.0, keepdim=True),
]


@pytest.mark.parametrize("shape1, shape2", [((4, 3), (4, 3)), ((4, 3), (1, 3)), ((3,), (3,)), ((2, 3, 4), (2, 3, 4))])
@pytest.mark.parametrize("kw", PAIRWISE, ids=[repr(k) for k in PAIRWISE])
def test_pairwise_distance_matches_torch(kw, shape1, shape2):
    """The default distance used by the triplet losses (§3.49 eps asymmetry), forward and .backward."""
    r = rng_for("pd", repr(kw), shape1, shape2)
    x1, x2 = rn(r, *shape1), rn(r, *shape2)
    t1, t2 = (torch.from_numpy(v.copy()).requires_grad_(True) for v in (x1, x2))
    ref = TF.pairwise_distance(t1, t2, **kw)
    out = F.pairwise_distance(x1, x2, **kw)
    assert_same(out, ref.detach().numpy(), "forward", TOL[F64])
    g = r.standard_normal(tuple(ref.shape))
    ref.backward(torch.from_numpy(g))
    g1, g2 = F.pairwise_distance_backward(g, x1, x2, **kw)
    if not kw:  # the .backward attribute used by triplet_margin_with_distance_loss_backward
        for a, b in zip(F.pairwise_distance.backward(g, x1, x2), (g1, g2)):
            np.testing.assert_array_equal(a, b)
    for got, t, xin in ((g1, t1, x1), (g2, t2, x2)):
        got = np.asarray(got)
        while got.ndim > xin.ndim:  # .backward may return the broadcast shape; sum it back
            got = got.sum(0)
        got = got.sum(axis=tuple(i for i, n in enumerate(xin.shape) if n == 1 and got.shape[i] != 1), keepdims=True)
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("loss, red, make", [pytest.param(*g, id=f"{g[0]}-{g[1]}-{i}") for i, g in enumerate(GRADCHECK)])
def test_backward_rejects_wrong_grad_output_shape(loss, red, make):
    args, kwargs = make(rng_for("gradcheck", loss, red))
    kwargs = {k: to_np(v) for k, v in dict(kwargs, reduction=red).items()}
    shape = np.shape(getattr(F, loss)(*args, **kwargs))
    for bad in (np.ones(shape + (2,)), np.ones((int(np.prod(shape)) + 1,))):
        with pytest.raises((ValueError, TypeError), match="grad_output"):
            getattr(F, loss + "_backward")(bad, *args, **kwargs)


@pytest.mark.parametrize(
    "loss, red, make", [pytest.param(*g, id=f"{g[0]}-{g[1]}-{i}") for i, g in enumerate(GRADCHECK) if g[0] != "ctc_loss"]
)
def test_as_torch_float32(loss, red, make):
    """float32 tensors in -> float32 loss and float32 gradients, equal to torch's float32 result."""
    args, kwargs = make(rng_for("gradcheck", loss, red))
    args = tuple(a.astype(F32) if isinstance(a, np.ndarray) and a.dtype == F64 else a for a in args)
    kwargs = {k: (v.astype(F32) if isinstance(v, np.ndarray) and v.dtype == F64 else v) for k, v in kwargs.items()}
    kwargs["reduction"] = red
    names = param_names(loss)
    vals = dict(zip(names, args), **kwargs)
    mk = lambda: [torch.from_numpy(vals[d].copy()).requires_grad_(True) for d in F.GRADIENT_OF[loss]]
    ours_in, theirs_in = mk(), mk()
    out = _wrapped_call(loss, args, kwargs, ours_in)
    it = iter(theirs_in)
    targs = [next(it) if names[i] in F.GRADIENT_OF[loss] else to_torch(a) for i, a in enumerate(args)]
    ref = getattr(TF, loss)(*targs, **{k: to_torch(v) for k, v in kwargs.items()})
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    g = torch.ones_like(ref)
    out.backward(g)
    ref.backward(g)
    for a, b in zip(ours_in, theirs_in):
        assert a.grad.dtype == torch.float32
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)


INT_INPUTS = {
    "cosine_embedding_loss": lambda: ((np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 0, 3], [0, 5, 1]]), np.array([1, -1])), {}),
    "margin_ranking_loss": lambda: ((np.array([1, 2, 3]), np.array([1, 0, 3]), np.array([1, -1, 1])), {"margin": 0.5}),
    "triplet_margin_loss": lambda: ((np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 0, 3], [0, 5, 1]]), np.array([[2, 2, 2], [1, 1, 1]])), {}),
    "triplet_margin_with_distance_loss": lambda: ((np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 0, 3], [0, 5, 1]]), np.array([[2, 2, 2], [1, 1, 1]])), {}),
}


@pytest.mark.parametrize("loss", list(INT_INPUTS))
def test_integer_inputs_accepted_like_torch(loss):
    args, kwargs = INT_INPUTS[loss]()
    ref = getattr(TF, loss)(*(to_torch(a) for a in args), reduction="none", **kwargs)
    out = getattr(F, loss)(*args, reduction="none", **kwargs)
    assert_same(out, ref.numpy(), "forward", TOL[F32])


def test_as_torch_refuses_grad_on_non_differentiable_arguments():
    """§3.61: torch raises in the forward when soft_margin's target or multi_margin's weight requires
    grad; the bridge must raise too (ValueError, by the contract), not silently drop the gradient."""
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    y = torch.ones(3, 4, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        TF.soft_margin_loss(x, y)
    with pytest.raises((ValueError, TypeError), match="target"):
        lossedu.as_torch(F.soft_margin_loss)(x, y)
    w = torch.ones(4, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0, 1, 2])
    with pytest.raises(RuntimeError):
        TF.multi_margin_loss(x, t, weight=w)
    with pytest.raises((ValueError, TypeError), match="weight"):
        lossedu.as_torch(F.multi_margin_loss)(x, t, weight=w)
