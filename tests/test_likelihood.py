"""lossedu.functional likelihood losses (poisson_nll_loss, gaussian_nll_loss) against torch."""
import contextlib
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
from torchref import assert_close, compare, gradcheck_as_torch, torch_run

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]
ONE = np.float64(1.0)
inf, nan = np.inf, np.nan


@contextlib.contextmanager
def _no_warnings():
    """Any warning fails the test (torch broadcasts these losses silently)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ============================================================================= poisson_nll_loss
def _counts(rng, shape, dtype):
    return rng.poisson(2.5, size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_matches_torch(rng, dtype, reduction, log_input, full):
    x = (rng.normal(size=(4, 5)) if log_input else rng.uniform(0.05, 4, size=(4, 5))).astype(dtype)
    compare("poisson_nll_loss", input=x, target=_counts(rng, (4, 5), dtype), log_input=log_input,
            full=full, reduction=reduction)


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("eps", [1e-8, 0.5, 0.0, 3])
def test_poisson_eps(rng, log_input, eps):
    # eps shifts log(x + eps) only when log_input=False; with log_input=True torch ignores it.
    x = rng.uniform(0.0, 2, size=(3, 4))
    x[0, 0] = 0.0
    compare("poisson_nll_loss", input=x, target=_counts(rng, (3, 4), np.float64), log_input=log_input,
            eps=eps, reduction="none")


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4, max_side=4),
               elements=st.floats(-4, 4)),
    st.booleans(), st.booleans(), st.sampled_from(REDUCTIONS), st.sampled_from(DTYPES),
)
def test_poisson_hypothesis(x, log_input, full, reduction, dtype):
    x = (x if log_input else np.abs(x)).astype(dtype)
    t = np.round(np.abs(x[::-1] if x.ndim else x) * 2).astype(dtype)  # counts 0…8, incl. 0 and 1
    compare("poisson_nll_loss", input=x, target=t, log_input=log_input, full=full, reduction=reduction)


def test_poisson_stirling_only_above_one():
    # §3 case 26: t = 1.0 gets no Stirling term, t = 1.0000001 does; t ≤ 0 stays finite.
    x = np.full(5, 0.5)
    t = np.array([1.0, 1.0000001, 0.0, -1.0, 7.0])
    out = compare("poisson_nll_loss", input=x, target=t, full=True, reduction="none")
    assert np.isfinite(out).all()


def test_poisson_log_input_false_at_zero():
    # §3 case 27: x = 0, t = 2 gives −2·log(1e−8); with eps = 0, t = 0 gives nan and t > 0 gives inf.
    x = np.array([0.0, 0.0, 0.0, -1.0])
    t = np.array([2.0, 0.0, 3.0, 1.0])
    compare("poisson_nll_loss", input=x, target=t, log_input=False, reduction="none")
    out = compare("poisson_nll_loss", input=x, target=t, log_input=False, eps=0.0, reduction="none")
    assert np.isnan(out[1]) and np.isposinf(out[2])


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_extremes(log_input, full):
    x = np.array([0.0, 1000.0, -1000.0, 1.0, inf, -inf, nan, 1.0, 2.0])
    t = np.array([2.0, 0.0, 1.0, inf, inf, 1.0, 1.0, nan, 1e300])
    compare("poisson_nll_loss", input=x, target=t, log_input=log_input, full=full, reduction="none",
            grad_output=np.ones(9))
    compare("poisson_nll_loss", input=x, target=t, log_input=log_input, full=full, reduction="sum",
            grad_output=ONE)


def test_poisson_float32_overflow():
    x = np.array([88.0, 89.0, -100.0], dtype=np.float32)
    compare("poisson_nll_loss", input=x, target=np.ones(3, np.float32), reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_broadcasts_silently(rng, reduction):
    # §3 case 36: unlike mse_loss, no warning; the input gradient is summed back to (3, 1).
    with _no_warnings():
        out = compare("poisson_nll_loss", input=rng.normal(size=(3, 1)), target=_counts(rng, (2, 1, 3), np.float64),
                      reduction=reduction)
    assert out.shape == ((2, 3, 3) if reduction == "none" else ())


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4, 2)])
def test_poisson_any_shape(rng, shape):
    compare("poisson_nll_loss", input=rng.normal(size=shape), target=_counts(rng, shape, np.float64),
            full=True, reduction="none")


def test_poisson_empty():
    for reduction in REDUCTIONS:
        compare("poisson_nll_loss", input=np.zeros((0, 3)), target=np.zeros((0, 3)), reduction=reduction)


def test_poisson_mixed_dtypes_promote(rng):
    x32 = rng.normal(size=(3, 4)).astype(np.float32)
    # float32 with float64 gives float64 (exp is taken in float32, so a float32 ulp of slack).
    out = compare("poisson_nll_loss", input=x32, target=_counts(rng, (3, 4), np.float64), rtol=1e-6)
    assert out.dtype == np.float64
    # A 0-d float64 target does not widen a float32 input (torch's zero-dim promotion rule).
    out = compare("poisson_nll_loss", input=x32, target=np.float64(2.0), reduction="none")
    assert out.dtype == np.float32


@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_integer_arrays(log_input):
    # torch accepts an int input (a float32 loss) and int or bool targets.
    x = np.array([[1, 2, 3], [0, 4, 1]])
    t = np.array([[1, 0, 5], [2, 2, 1]])
    for target in (t, t.astype(np.float32)):
        out = compare("poisson_nll_loss", grad=False, input=x, target=target, log_input=log_input,
                      full=True, reduction="none")
        assert out.dtype == np.float32
    out = compare("poisson_nll_loss", grad=False, input=x, target=t > 1, log_input=log_input, reduction="none")
    assert out.dtype == np.float32
    # The gradient of an int input is the gradient at the same values as float32.
    g = np.full(x.shape, 0.5, np.float32)
    grad = LF.poisson_nll_loss_backward(g, x, t, log_input=log_input, reduction="none")
    _, (expected,) = torch_run("poisson_nll_loss", dict(input=x.astype(np.float32), target=t,
                                                        log_input=log_input, reduction="none"), ("input",), g)
    assert_close(grad, expected, "int input gradient")


def test_poisson_legacy_arguments(rng):
    x, t = rng.normal(size=(2, 3)), _counts(rng, (2, 3), np.float64)
    for legacy in (dict(size_average=False), dict(reduce=False), dict(size_average=True, reduction="sum")):
        with pytest.warns(UserWarning, match="size_average and reduce"):
            compare("poisson_nll_loss", input=x, target=t, **legacy)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction="elementwise_mean"), ValueError, "reduction"),  # §3 case 28: torch refuses it here
        (dict(reduction="batchmean"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(log_input=1), TypeError, "log_input"),
        (dict(log_input=None), TypeError, "log_input"),
        (dict(full=1), TypeError, "full"),
        (dict(eps=None), TypeError, "eps"),
        (dict(eps="small"), TypeError, "eps"),
        (dict(input=None), TypeError, "input"),
        (dict(input=np.array(["a", "b", "c"])), TypeError, "input"),
        (dict(input=np.ones(3, complex)), TypeError, "input"),
        (dict(target=None), TypeError, "target"),
        (dict(target=np.ones((2, 4))), ValueError, "target"),
        # torch cannot subtract a bool tensor: where its formula would, a bool array is refused.
        (dict(input=np.ones((2, 3), bool), log_input=False), TypeError, "input"),
        (dict(target=np.ones((2, 3), bool), full=True), TypeError, "target"),
        (dict(input=np.ones((2, 3), bool), target=np.ones((2, 3), bool)), TypeError, "target"),
    ],
)
def test_poisson_bad_input(kwargs, error, match):
    args = dict(input=np.ones((2, 3)), target=np.zeros((2, 3)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        LF.poisson_nll_loss(**args)
    with pytest.raises(error, match=match):
        LF.poisson_nll_loss_backward(1.0, **args)


def test_poisson_torch_refuses_the_same():
    x, t, b = torch.ones(2, 3), torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.bool)
    for args, kwargs in [((x, t), dict(reduction="elementwise_mean")), ((x, t), dict(reduction="batchmean")),
                         ((x, t), dict(log_input=1)), ((b, t), dict(log_input=False)),
                         ((x, b), dict(full=True)), ((b, b), {})]:
        with pytest.raises((ValueError, TypeError, RuntimeError)):
            F.poisson_nll_loss(*args, **kwargs)
    # …and accepts a bool input with log_input=True, a bool target without full.
    LF.poisson_nll_loss(np.ones((2, 3), bool), np.zeros((2, 3)))
    F.poisson_nll_loss(b, t)


def test_poisson_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.poisson_nll_loss_backward(np.ones(3), np.ones((2, 3)), np.ones((2, 3)), reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_gradcheck(rng, reduction, log_input):
    x = rng.normal(size=(3, 4)) if log_input else rng.uniform(0.5, 3, size=(3, 4))
    gradcheck_as_torch("poisson_nll_loss", input=x, target=_counts(rng, (3, 4), np.float64),
                       log_input=log_input, full=True, reduction=reduction)


# ============================================================================= gaussian_nll_loss
def compare_float_var(input, target, var, grad_output=None, **kwargs):
    """`compare` for a var given as a float: torch differentiates only input, ours returns None for var."""
    kwargs = dict(input=input, target=target, var=var, **kwargs)
    ours = LF.gaussian_nll_loss(**kwargs)
    g = np.random.default_rng(1).uniform(0.5, 1.5, size=ours.shape).astype(ours.dtype)
    g = g if grad_output is None else grad_output
    torch_kwargs = dict(kwargs, var=float(var))  # torch's float path (np.float64 is a float too)
    theirs, (tgrad,) = torch_run("gaussian_nll_loss", torch_kwargs, ("input",), g)
    assert_close(ours, theirs, "gaussian_nll_loss forward")
    grad_input, grad_var = LF.gaussian_nll_loss_backward(g, **kwargs)
    assert_close(grad_input, tgrad, "gaussian_nll_loss gradient of input")
    assert grad_var is None
    return ours


def _var(rng, shape, dtype=np.float64):
    return rng.uniform(0.2, 2, size=shape).astype(dtype)


VAR_SHAPES = [(4, 3), (4,), (4, 1), (1, 3)]  # §3 case 30: the shapes torch accepts for input (4, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", VAR_SHAPES + ["float"])
def test_gaussian_matches_torch(rng, dtype, reduction, full, var_shape):
    x = rng.normal(size=(4, 3)).astype(dtype)
    t = rng.normal(size=(4, 3)).astype(dtype)
    if var_shape == "float":
        compare_float_var(x, t, 0.7, full=full, reduction=reduction)
    else:
        compare("gaussian_nll_loss", input=x, target=t, var=_var(rng, var_shape, dtype), full=full,
                reduction=reduction)


@pytest.mark.parametrize("eps", [1e-6, 0.5, 0.0, 1])
def test_gaussian_eps(rng, eps):
    v = np.array([[1e-9], [0.3], [0.7], [2.0]])
    compare("gaussian_nll_loss", input=rng.normal(size=(4, 3)), target=rng.normal(size=(4, 3)), var=v,
            eps=eps, reduction="none")


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
               elements=st.floats(-100, 100)),
    st.sampled_from(["same", "drop_last", "one_dim"]), st.integers(0, 3),
    st.floats(1e-8, 1e3), st.booleans(), st.sampled_from(REDUCTIONS), st.sampled_from(DTYPES),
)
def test_gaussian_hypothesis(x, form, axis, scale, full, reduction, dtype):
    x = x.astype(dtype)
    t = (np.round(x[::-1]) + 0.25).astype(dtype)
    if form == "same":
        shape = x.shape
    elif form == "drop_last":
        shape = x.shape[:-1]
    else:
        shape = tuple(1 if i == axis % x.ndim else s for i, s in enumerate(x.shape))
    # np.asarray: for shape () numpy arithmetic returns a np.float64 scalar, which lossedu (like torch)
    # treats as a Python float with no gradient; this test means a 0-d array.
    var = np.asarray(scale * np.linspace(0.1, 1.0, int(np.prod(shape))).reshape(shape)).astype(dtype)
    compare("gaussian_nll_loss", input=x, target=t, var=var, full=full, reduction=reduction)


def test_gaussian_clamp_is_straight_through():
    # §3 case 29: var = 1e−9 < eps: the loss uses 1e−6, the var gradient is 0.5(1/1e−6 − d²/1e−12), not 0.
    x, t = np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 3.5])
    v = np.array([1e-9, 0.0, 1e-7])
    compare("gaussian_nll_loss", input=x, target=t, var=v, reduction="sum", grad_output=ONE)
    _, grad_var = LF.gaussian_nll_loss_backward(ONE, x, t, v, reduction="sum")
    assert np.all(np.abs(grad_var) > 1e5)
    # With eps = 0 a zero variance gives inf/nan exactly where torch does.
    compare("gaussian_nll_loss", input=x, target=t, var=v, eps=0.0, reduction="none", grad_output=np.ones(3))


def test_gaussian_extremes():
    x = np.array([1.0, 2.0, 3.0, inf, nan, 1.0, 1e200])
    t = np.array([0.0, 2.0, 3.5, 1.0, 1.0, inf, -1e200])
    v = np.array([nan, inf, 1e300, 1.0, 1.0, 1.0, 1.0])  # nan passes torch's var >= 0 check
    compare("gaussian_nll_loss", input=x, target=t, var=v, reduction="none", grad_output=np.ones(7))
    compare("gaussian_nll_loss", input=x, target=t, var=v, full=True, reduction="sum", grad_output=ONE)
    compare_float_var(x, t, inf, reduction="none", grad_output=np.ones(7))
    compare_float_var(x, t, nan, reduction="none", grad_output=np.ones(7))


@pytest.mark.parametrize(
    "in_shape, var_shape",
    [((4, 3), (4,)), ((3,), ()), ((2, 3, 4), (2, 3)), ((2, 3, 4), (2, 1, 4)), ((4, 3, 2, 2), (4, 1, 2, 2)),
     ((), ()), ((5,), (1,)), ((5,), (5,))],
)
def test_gaussian_var_shapes(rng, in_shape, var_shape):
    out = compare("gaussian_nll_loss", input=rng.normal(size=in_shape), target=rng.normal(size=in_shape),
                  var=_var(rng, var_shape), reduction="none")
    _, grad_var = LF.gaussian_nll_loss_backward(np.ones(out.shape), rng.normal(size=in_shape),
                                                rng.normal(size=in_shape), _var(rng, var_shape), reduction="none")
    assert grad_var.shape == var_shape


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_input_target_broadcast_silently(rng, reduction):
    # §3 case 31: input (4, 3) with target (3,) and the reverse (target larger than input): no warning.
    with _no_warnings():
        compare("gaussian_nll_loss", input=rng.normal(size=(4, 3)), target=rng.normal(size=3),
                var=_var(rng, (4, 1)), reduction=reduction)
        out = compare("gaussian_nll_loss", input=rng.normal(size=3), target=rng.normal(size=(4, 3)),
                      var=_var(rng, (3,)), reduction=reduction)
        compare_float_var(rng.normal(size=3), rng.normal(size=(2, 3)), 0.5, reduction=reduction)
    assert out.shape == ((4, 3) if reduction == "none" else ())


def test_gaussian_float_var_forms(rng):
    x, t = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    compare_float_var(x, t, np.float64(0.25))  # a numpy float64 is a Python float: torch's float path
    compare_float_var(x, t, 0.0, reduction="none")  # clamped to eps
    compare_float_var(x.astype(np.float32), t.astype(np.float32), 0.3, reduction="none")
    # np.float32 is not a float subclass: it is a 0-d array, unsqueezed for a 1-D input.
    compare("gaussian_nll_loss", input=x[0], target=t[0], var=np.float32(0.5), reduction="none", rtol=1e-6)


def test_gaussian_empty():
    for reduction in REDUCTIONS:
        compare("gaussian_nll_loss", input=np.zeros((0, 3)), target=np.zeros((0, 3)), var=np.ones(0),
                reduction=reduction)


def test_gaussian_mixed_dtypes_promote(rng):
    x32 = rng.normal(size=(4, 3)).astype(np.float32)
    t64 = rng.normal(size=(4, 3))
    out = compare("gaussian_nll_loss", input=x32, target=t64, var=_var(rng, (4,), np.float32), rtol=1e-6)
    assert out.dtype == np.float64
    out = compare("gaussian_nll_loss", input=x32, target=x32 + 1, var=_var(rng, (4,)), reduction="none", rtol=1e-6)
    assert out.dtype == np.float64
    out = compare("gaussian_nll_loss", input=x32, target=np.float64(0.5), var=_var(rng, (4,), np.float32),
                  reduction="none")
    assert out.dtype == np.float32


def test_gaussian_integer_input_and_target(rng):
    # torch accepts integer input/target here (var must be floating).
    x, t = np.array([[1, 2], [3, 4]]), np.array([[1, 0], [5, 4]])
    out = compare("gaussian_nll_loss", grad=False, input=x, target=t, var=_var(rng, (2,), np.float32),
                  reduction="none")
    assert out.dtype == np.float32
    theirs = F.gaussian_nll_loss(torch.from_numpy(x), torch.from_numpy(t), 0.5, reduction="none").numpy()
    assert_close(LF.gaussian_nll_loss(x, t, 0.5, reduction="none"), theirs, "int input, float var")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(var=-1.0), ValueError, "var"),
        (dict(var=np.array([1.0, -0.5, 1.0, 1.0])), ValueError, "var"),
        (dict(var=1), TypeError, "var"),  # torch raises TypeError for an int var too
        (dict(var=True), TypeError, "var"),
        (dict(var=None), TypeError, "var"),
        (dict(var=np.ones(4, dtype=np.int64)), TypeError, "var"),
        (dict(var=np.ones(3)), ValueError, "var"),
        (dict(var=np.ones((1, 1))), ValueError, "var"),
        (dict(var=np.ones((4, 2))), ValueError, "var"),
        (dict(var=np.ones((4, 3, 1))), ValueError, "var"),
        (dict(var=np.array(0.5)), ValueError, "var"),  # a 0-d array is not a float: wrong size for 2-D input
        (dict(reduction="elementwise_mean"), ValueError, "reduction"),
        (dict(reduction="batchmean"), ValueError, "reduction"),
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(eps=None), TypeError, "eps"),
        (dict(input=None), TypeError, "input"),
        (dict(input=np.ones((4, 3), complex)), TypeError, "input"),
        (dict(target=None), TypeError, "target"),
        (dict(target=np.ones((4, 2))), ValueError, "target"),
        (dict(input=np.ones((4, 3), bool)), TypeError, "input"),  # torch: a bool tensor cannot be subtracted
        (dict(target=np.ones((4, 3), bool)), TypeError, "target"),
    ],
)
def test_gaussian_bad_input(kwargs, error, match):
    args = dict(input=np.ones((4, 3)), target=np.zeros((4, 3)), var=np.ones(4))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        LF.gaussian_nll_loss(**args)
    with pytest.raises(error, match=match):
        LF.gaussian_nll_loss_backward(1.0, **args)


def test_gaussian_var_checks_in_torchs_order():
    x = np.ones((4, 3))
    # A negative entry is reported before a wrong size, a wrong size before the reduction, and the
    # reduction before an integer var (torch's order).
    with pytest.raises(ValueError, match="negative"):
        LF.gaussian_nll_loss(x, x, -np.ones(3), reduction="avg")
    with pytest.raises(ValueError, match="var is of incorrect size"):
        LF.gaussian_nll_loss(x, x, np.ones(3, dtype=np.int64), reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        LF.gaussian_nll_loss(x, x, np.ones(4, dtype=np.int64), reduction="avg")
    tx = torch.ones(4, 3)
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(tx, tx, -torch.ones(3), reduction="avg")
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(tx, tx, torch.ones(3, dtype=torch.long), reduction="avg")
    with pytest.raises(ValueError, match="avg"):
        F.gaussian_nll_loss(tx, tx, torch.ones(4, dtype=torch.long), reduction="avg")


def test_gaussian_torch_refuses_the_same_var_shapes():
    tx = torch.ones(4, 3)
    for shape in [(3,), (1, 1), (4, 2), (4, 3, 1), ()]:
        with pytest.raises(ValueError, match="incorrect size"):
            F.gaussian_nll_loss(tx, tx, torch.ones(shape))


def test_gaussian_bad_grad_output():
    with pytest.raises(ValueError, match="grad_output"):
        LF.gaussian_nll_loss_backward(np.ones(4), np.ones((4, 3)), np.ones((4, 3)), np.ones(4), reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (1, 4), "float"])
def test_gaussian_gradcheck(rng, reduction, var_shape):
    var = 0.8 if var_shape == "float" else _var(rng, var_shape)
    gradcheck_as_torch("gaussian_nll_loss", input=rng.normal(size=(3, 4)), target=rng.normal(size=(3, 4)),
                       var=var, full=True, reduction=reduction)
