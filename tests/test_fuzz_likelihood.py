"""Fuzzing poisson_nll_loss and gaussian_nll_loss against torch over dtypes, extremes and options.

torch computes both losses op by op, each op rounding to its own result dtype, so a float16
argument beside a float64 one makes part of torch's computation float16. The values are
therefore compared at the tolerance of the narrowest floating dtype that takes part (an
integer array counts as float32), and result dtypes and inf/nan positions exactly. Where a
float16 part must equal torch's to the last float64 digit (the Stirling term, log v), a
dedicated test says so.
"""
import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossedu.functional as LF
from torchref import TOL, assert_close, compare, torch_run

H, S, D, I = np.float16, np.float32, np.float64, np.int64
DTYPES = [H, S, D, I]
BIG = {H: 6.0e4, S: 3.0e38, D: 1.0e308, I: 1.0e4}


def _values(rng, dtype, kind, n=40):
    """`small`: moderate values; `big`: 0, ±1, ½, 2, 300, 8 000, 13 000 and the dtype's extremes."""
    if kind == "small":
        v = rng.uniform(-3, 3, n)
    else:
        big = BIG[dtype]
        v = rng.choice([0.0, 1.0, -1.0, 0.5, 2.0, 300.0, 8000.0, 13000.0, big, -big, big / 3, 1e-7], n)
    return (np.round(v) if dtype == I else v).astype(dtype)


def _tolerance(*dtypes):
    """TOL of the narrowest floating dtype that takes part. With float16 beside a wider dtype,
    torch rounds some gradient terms to float16 before adding them and we round the sum once:
    where two terms of ~10 cancel, that is one float16 ulp of the terms (0.0078) apart."""
    floats = {np.dtype(d if np.dtype(d).kind == "f" else S) for d in dtypes}
    narrowest = min(floats, key=lambda d: d.itemsize)
    if narrowest == H and len(floats) > 1:
        return dict(TOL[H], atol=1e-2)
    return TOL[narrowest.type]


# Known, documented deviations, at float16's extremes only: (a) beside a float16 input, an
# integer target's Stirling term (full=True), which torch computes in float32 (finite up to
# y ≈ 1e37) and we in float16 (inf from y ≈ 7 000); (b) an integer input with a float16 target
# and log_input=True, whose product y·x torch rounds to float16 and we do not (log_input=False
# has no such product: y·log(x + eps) is float32 in both). There the dtype, the shape and every
# value finite on both sides are still compared; only inf/nan positions may differ.
# test_known_deviations_are_still_there pins each against torch.
def _known_deviation(x_dtype, y_dtype, kind, full, log_input):
    if kind != "big":
        return False
    return (x_dtype == H and y_dtype == I and full) or (x_dtype == I and y_dtype == H and log_input)


def _compare_where_finite(kwargs, tolerance):
    ours = LF.poisson_nll_loss(**kwargs)
    theirs, _ = torch_run("poisson_nll_loss", kwargs, (), None)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    both = np.isfinite(ours) & np.isfinite(theirs)
    np.testing.assert_allclose(ours[both], theirs[both], **tolerance)


def _seed(*names):
    return sum(ord(c) for c in "".join(map(str, names)))


@pytest.mark.parametrize("x_dtype, y_dtype", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("kind", ["small", "big"])
def test_poisson_fuzz(x_dtype, y_dtype, kind):
    rng = np.random.default_rng(_seed(x_dtype.__name__, y_dtype.__name__, kind))
    for log_input, full, reduction in itertools.product((True, False), (False, True), ("none", "mean", "sum")):
        x, y = _values(rng, x_dtype, kind), np.abs(_values(rng, y_dtype, kind))
        x = x if log_input else np.abs(x)
        kwargs = dict(input=x, target=y, log_input=log_input, full=full, reduction=reduction)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if _known_deviation(x_dtype, y_dtype, kind, full, log_input):
                _compare_where_finite(kwargs, _tolerance(x_dtype, y_dtype))
            else:
                compare("poisson_nll_loss", grad=x_dtype != I, **kwargs, **_tolerance(x_dtype, y_dtype))


@pytest.mark.parametrize("x_dtype, y_dtype", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("v_dtype", [H, S, D])
@pytest.mark.parametrize("kind", ["small", "big"])
def test_gaussian_fuzz(x_dtype, y_dtype, v_dtype, kind):
    rng = np.random.default_rng(_seed(x_dtype.__name__, y_dtype.__name__, v_dtype.__name__, kind))
    for full, reduction in itertools.product((False, True), ("none", "mean", "sum")):
        x, y, v = _values(rng, x_dtype, kind), _values(rng, y_dtype, kind), np.abs(_values(rng, v_dtype, kind))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compare("gaussian_nll_loss", grad=x_dtype != I, input=x, target=y, var=v, full=full,
                    reduction=reduction, **_tolerance(x_dtype, y_dtype, v_dtype))


# ----------------------------------------------------------------------------- result dtypes
@pytest.mark.parametrize("x_dtype", [H, S, D, I, np.int32, np.bool_])
@pytest.mark.parametrize("y_dtype", [H, S, D, I, np.int32])
@pytest.mark.parametrize("dims", ["both", "x 0-d", "y 0-d"])
def test_result_dtypes_follow_torch(x_dtype, y_dtype, dims):
    # torch's dtype comes op by op: exp and log make an integer input float32 before it meets
    # the target, so int64 with float16 is float32 (one promotion of both would say float16).
    x = np.ones(() if dims == "x 0-d" else (3,), x_dtype)
    y = np.full(() if dims == "y 0-d" else (3,), 2, y_dtype)
    tx, ty = torch.from_numpy(np.array(x)), torch.from_numpy(np.array(y))
    for log_input, full in itertools.product((True, False), (False, True)):
        if x_dtype == np.bool_ and not log_input:
            continue  # refused (tested in test_likelihood.py)
        theirs = F.poisson_nll_loss(tx, ty, log_input=log_input, full=full, reduction="none")
        ours = LF.poisson_nll_loss(x, y, log_input=log_input, full=full, reduction="none")
        assert ours.dtype == theirs.numpy().dtype, (log_input, full)
    if x_dtype != np.bool_:
        for v_dtype in (H, S, D):
            v = np.ones(x.shape, v_dtype)
            theirs = F.gaussian_nll_loss(tx, ty, torch.from_numpy(np.array(v)), reduction="none")
            assert LF.gaussian_nll_loss(x, y, v, reduction="none").dtype == theirs.numpy().dtype, v_dtype


# ----------------------------------------------------------------------------- the classes found wrong
def test_float16_stirling_beside_a_float64_input_is_torchs_to_the_last_digit():
    # torch computes the Stirling term in the float16 target's dtype, and 2π·y in float32 before
    # rounding to half; rounding 2π to half first (6.28125) moved the loss by ~1e-3.
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 5, 2000)
    y = rng.uniform(0, 3000, 2000).astype(H)
    for log_input in (True, False):
        compare("poisson_nll_loss", input=x, target=y, log_input=log_input, full=True, reduction="none")
    out = compare("poisson_nll_loss", input=np.ones(2), target=np.array([8000.0, 2.5], H), full=True,
                  reduction="none")
    assert np.isposinf(out[0])  # y·log y overflows float16 in torch too


def test_float16_var_beside_a_float64_input_is_torchs_to_the_last_digit():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=500) * 100, rng.normal(size=500).astype(H)
    var = rng.uniform(1e-7, 10, 500).astype(H)
    for full in (False, True):
        compare("gaussian_nll_loss", input=x, target=y, var=var, full=full, reduction="none")


def test_float16_mean_gradient_of_more_elements_than_float16_can_count():
    # g/n: torch divides in float32; numpy rounded n = 100 000 to float16 (inf) and gave 0.
    x, y = np.zeros(100_000, H), np.zeros(100_000, H)
    grad = compare("poisson_nll_loss", input=x, target=y, grad_output=np.array(1.0, H))
    assert grad.dtype == H
    assert LF.poisson_nll_loss_backward(np.array(1.0, H), x, y)[0] > 0
    compare("gaussian_nll_loss", input=x + 1, target=y, var=np.ones(100_000, H), grad_output=np.array(1.0, H))
    compare("poisson_nll_loss", input=x[:3001], target=y[:3001], grad_output=np.array(0.7, H))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_float16_sums_accumulate_in_float32(reduction):
    x, y = np.full(30_000, 3, H), np.zeros(30_000, H)
    out = compare("poisson_nll_loss", input=x, target=y, reduction=reduction, grad_output=np.array(1.0, H))
    assert np.isfinite(out) == (reduction == "mean")  # Σ = 602 566 > 65 504 is inf in torch too
    compare("gaussian_nll_loss", input=x, target=y, var=np.ones(30_000, H), reduction=reduction,
            grad_output=np.array(1.0, H))


def test_mixed_precision_gradient_terms_are_rounded_one_by_one():
    # autograd returns g·eˣ and −g·y each in the float32 input's dtype before adding them: inf −
    # inf = nan there, where one float64 sum would be inf.
    x = np.array([3e38, 300.0, 1e-7, 80.0], S)
    y = np.array([1e308, 1e308, 3e38, 1e308])
    compare("poisson_nll_loss", input=x, target=y, reduction="none")
    grad = LF.poisson_nll_loss_backward(np.full(4, 0.7), x, y, reduction="none")
    assert np.isnan(grad[:2]).all()
    v = np.array([1e-30, 1.0, 3e38, 2.0], S)
    compare("gaussian_nll_loss", input=x.astype(D), target=y * 0, var=v, reduction="none")


def test_integer_input_with_a_float16_target_is_float32():
    x, y = np.array([1, 2, 3]), np.array([0.5, 2.0, 7.0], H)
    theirs = F.poisson_nll_loss(torch.from_numpy(x), torch.from_numpy(y), reduction="none").numpy()
    assert_close(LF.poisson_nll_loss(x, y, reduction="none"), theirs, "int64 input, float16 target",
                 **TOL[H])


# ----------------------------------------------------------------------------- the deviations left open
# Each would need one symbol in two dtypes inside the formula notebook 02 shows (y as float16 in
# y·x but float32 in the Stirling term; x as float32 in eˣ but float16 in y·x): a numpy array has
# one dtype, so closing them means casts inside the lines the learner reads. strict=True: the day
# they match torch these fail, and the exclusion in test_poisson_fuzz goes with them.
GAP_A = dict(input=np.array([2.0, 2.0], H), target=np.array([9000, 8001]), full=True, reduction="none")
GAP_B = dict(input=np.array([100, 5]), target=np.array([1000.0, 20000.0], H), reduction="none")


def test_what_torch_does_in_the_deviations_left_open():
    theirs_a, _ = torch_run("poisson_nll_loss", GAP_A, (), None)
    assert theirs_a.dtype == H and np.isfinite(theirs_a).all()  # Stirling in float32: 54 940, 47 900
    theirs_b, _ = torch_run("poisson_nll_loss", GAP_B, (), None)
    assert theirs_b.dtype == S and np.isnan(theirs_b[0]) and np.isneginf(theirs_b[1])  # y·x → float16 inf


@pytest.mark.xfail(strict=True, reason="known deviation (a): an integer target's Stirling term beside float16")
def test_known_deviation_a_integer_target_stirling_beside_float16():
    compare("poisson_nll_loss", grad=False, **GAP_A)


@pytest.mark.xfail(strict=True, reason="known deviation (b): an integer input times a float16 target")
def test_known_deviation_b_integer_input_times_float16_target():
    compare("poisson_nll_loss", grad=False, **GAP_B)
