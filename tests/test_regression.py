"""lossedu.functional regression losses against torch, forward and gradient.

l1_loss, mse_loss, smooth_l1_loss and huber_loss share their structure (elementwise in
d = input − target, broadcasting with a warning, the same reductions), so most tests run over
all four; the options that only some of them have (weight, beta, delta) are parametrized per loss.
"""
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
from torchref import compare, gradcheck_as_torch, torch_run

LOSSES = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"]
WEIGHTED = ["l1_loss", "mse_loss", "huber_loss"]
LEGACY = ["l1_loss", "mse_loss", "smooth_l1_loss"]
REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]

# Every option of every loss; "weight" is replaced by a random positive array of input's shape.
OPTIONS = [
    ("l1_loss", {}),
    ("l1_loss", {"weight": True}),
    ("mse_loss", {}),
    ("mse_loss", {"weight": True}),
    ("smooth_l1_loss", {}),
    ("smooth_l1_loss", {"beta": 0.5}),
    ("smooth_l1_loss", {"beta": 3}),
    ("smooth_l1_loss", {"beta": 0.0}),
    ("smooth_l1_loss", {"beta": np.float32(0.25)}),
    ("huber_loss", {}),
    ("huber_loss", {"delta": 0.5}),
    ("huber_loss", {"delta": np.int64(2)}),
    ("huber_loss", {"weight": True}),
    ("huber_loss", {"delta": 2.5, "weight": True}),
]
OPTION_IDS = ["-".join([name, *(f"{k}={v}" for k, v in options.items())]) for name, options in OPTIONS]
THRESHOLD = {"smooth_l1_loss": "beta", "huber_loss": "delta"}


def _options(rng, options, shape, dtype):
    if options.get("weight") is True:
        return dict(options, weight=rng.uniform(0.1, 2, size=shape).astype(dtype))
    return options


@contextlib.contextmanager
def _quiet():
    """Silence the warnings a test provokes on purpose (size mismatch, legacy arguments)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _torch_input_grad(name, grad_output, **kwargs):
    """torch's gradient of `input` (for cases `compare` cannot run torch's backward on)."""
    return torch_run(name, kwargs, ("input",), grad_output)[1][0]


# ----------------------------------------------------------------------------- parity
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, options", OPTIONS, ids=OPTION_IDS)
def test_matches_torch(rng, name, options, reduction, dtype):
    x = rng.normal(scale=2, size=(4, 5)).astype(dtype)
    y = rng.normal(scale=2, size=(4, 5)).astype(dtype)
    compare(name, input=x, target=y, reduction=reduction, **_options(rng, options, x.shape, dtype))


@given(
    st.sampled_from(LOSSES),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4, max_side=5),
               elements=st.floats(-1e3, 1e3)),
    st.sampled_from(REDUCTIONS),
    st.floats(0.0, 20.0),
)
def test_hypothesis_shapes_and_values(name, x, reduction, threshold):
    y = np.round(x[::-1].copy() if x.ndim else x.copy()) + 0.25
    options = {}
    if name in THRESHOLD:
        options[THRESHOLD[name]] = threshold if name == "smooth_l1_loss" else threshold + 1e-3
    compare(name, input=x, target=y, reduction=reduction, **options)


@given(
    st.sampled_from(LOSSES),
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
    st.sampled_from(REDUCTIONS),
    st.randoms(use_true_random=False),
)
def test_hypothesis_broadcasting(name, shapes, reduction, random):
    rng = np.random.default_rng(random.getrandbits(32))
    x_shape, y_shape = shapes.input_shapes
    x, y = rng.normal(scale=2, size=x_shape), rng.normal(scale=2, size=y_shape)
    with _quiet():
        out = compare(name, input=x, target=y, reduction=reduction)
    if reduction == "none":
        assert out.shape == shapes.result_shape


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4, 5)])
def test_unbatched_and_k_dim(rng, name, shape):
    x, y = rng.normal(scale=2, size=shape), rng.normal(scale=2, size=shape)
    for reduction in REDUCTIONS:
        compare(name, input=x, target=y, reduction=reduction)


# ----------------------------------------------------------------------------- broadcasting
@pytest.mark.parametrize("name", LOSSES)
def test_broadcast_warns_and_sums_gradient_back(rng, name):
    # reference §3 case 36: (3, 1) against (3,) broadcasts to (3, 3) with torch's warning.
    x = rng.normal(size=(3, 1))
    y = rng.normal(size=(3,))
    with pytest.warns(UserWarning, match=r"target size \(torch.Size\(\[3\]\)\).*input size \(torch.Size\(\[3, 1\]\)\)"):
        out = compare(name, input=x, target=y, reduction="none")
    assert out.shape == (3, 3)


@pytest.mark.parametrize("name", LOSSES)
def test_same_shape_does_not_warn(rng, name):
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(LF, name)(x, y)
        getattr(LF, f"{name}_backward")(1.0, x, y)


@pytest.mark.parametrize("name", WEIGHTED)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weight_of_input_shape_with_broadcast_target(rng, name, reduction):
    # The weight has input's shape; the loss has the (larger) broadcast shape. l1/mse still
    # divide a weighted mean by Σw over the weight itself, huber by the broadcast numel.
    x, y, w = rng.normal(size=(3, 1)), rng.normal(size=(3, 4)), rng.uniform(0.5, 2, size=(3, 1))
    with _quiet():
        compare(name, input=x, target=y, weight=w, reduction=reduction)


# ----------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mixed_float_dtypes(rng, name, reduction):
    # §3 case 62: l1/mse/smooth_l1 promote to float64, huber keeps the input's float32.
    x = rng.normal(size=5).astype(np.float32)
    y = rng.normal(size=5)
    if name == "huber_loss":
        out = compare(name, input=x, target=y, reduction=reduction, grad=False)
        assert out.dtype == np.float32
    else:
        out = compare(name, input=x, target=y, reduction=reduction, rtol=1e-6)
        assert out.dtype == np.float64
    out = compare(name, input=y, target=x, reduction=reduction, grad=name != "huber_loss")
    assert out.dtype == np.float64


def test_huber_mixed_dtypes_is_computed_in_the_wider_dtype():
    # d = 1 − (1 + 1e−9) is −1e−9 in float64 but 0 once target is rounded to float32; torch
    # computes ½d² in float64 and only then casts to the input's float32 (atol=0 to see 5e−19).
    x = np.array([1.0, 3.0], dtype=np.float32)
    y = np.array([1 + 1e-9, 3 + 1e-7])
    out = compare("huber_loss", input=x, target=y, reduction="none", grad=False, atol=0)
    assert out[0] > 0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_huber_mixed_dtypes_gradient(rng, reduction, weighted):
    # torch 2.13 cannot backpropagate through huber_loss when the dtypes differ ("Found dtype
    # Double but expected Float"); we return what torch gives for the same loss with the input
    # cast up first: the gradient of x through that cast comes back in x's float32.
    x = rng.normal(scale=2, size=(3, 4)).astype(np.float32)
    y = rng.normal(scale=2, size=(3, 4))
    w = rng.uniform(0.5, 2, size=(3, 4)).astype(np.float32) if weighted else None
    out = LF.huber_loss(x, y, reduction=reduction, weight=w)
    g = rng.uniform(0.5, 1.5, size=out.shape).astype(out.dtype)
    tw = None if w is None else torch.from_numpy(w)
    tx = torch.from_numpy(x).requires_grad_()
    with pytest.raises(RuntimeError, match="dtype"):
        torch.autograd.grad(F.huber_loss(tx, torch.from_numpy(y), reduction=reduction, weight=tw),
                            tx, torch.from_numpy(g))
    up = F.huber_loss(tx.double(), torch.from_numpy(y), reduction=reduction, weight=tw)
    expected, = torch.autograd.grad(up, tx, torch.from_numpy(g).double())
    ours = LF.huber_loss_backward(g, x, y, reduction=reduction, weight=w)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected.numpy(), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", LOSSES)
def test_float16_stays_float16(rng, name):
    # torchref has no float16 tolerance; torch's half kernels may round ½z² one ulp differently.
    x, y = rng.normal(scale=2, size=(4, 5)).astype(np.float16), rng.normal(scale=2, size=(4, 5)).astype(np.float16)
    for reduction in REDUCTIONS:
        ours = getattr(LF, name)(x, y, reduction=reduction)
        g = np.full(ours.shape, 0.75, dtype=np.float16)
        theirs, (tgrad,) = torch_run(name, dict(input=x, target=y, reduction=reduction), ("input",), g)
        grad = getattr(LF, f"{name}_backward")(g, x, y, reduction=reduction)
        assert ours.dtype == grad.dtype == np.float16
        np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=1e-3)
        np.testing.assert_allclose(grad, tgrad, rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("target_dtype", [np.int64, np.uint8, np.bool_])
@pytest.mark.parametrize("dtype", DTYPES)
def test_integer_and_bool_targets(rng, name, target_dtype, dtype):
    # An integer target takes the input's dtype (float32 − int64 is float32 in torch).
    x = rng.normal(scale=2, size=6).astype(dtype)
    y = rng.integers(0, 2 if target_dtype is np.bool_ else 4, size=6).astype(target_dtype)
    if target_dtype is np.int64:
        y[0] = 2**24 + 1  # not a float32: a float64 input must not see it rounded
    if name == "l1_loss" and target_dtype is np.bool_:
        return  # refused, see test_bad_input
    out = compare(name, input=x, target=y, grad=name != "huber_loss")
    assert out.dtype == dtype
    if name == "huber_loss":
        # torch's huber backward refuses a target of another dtype; it equals the float target's.
        g = np.float32(1.5)
        expected = _torch_input_grad(name, g, input=x, target=y.astype(dtype))
        np.testing.assert_allclose(LF.huber_loss_backward(g, x, y), expected, rtol=1e-6)


@pytest.mark.parametrize("name", WEIGHTED)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "x_shape, dtype, w_dtype",
    [
        ((4,), np.float32, np.float64),  # the weight widens the result to float64
        ((), np.float32, np.float64),    # ... but a 0-d weight only widens the 0-d Σwℓ/Σw
        ((4,), np.float32, np.int64),    # an integer weight never widens
        ((4,), np.float64, np.int64),
        ((4,), np.float32, np.bool_),
        ((4,), np.float64, np.float32),
    ],
)
def test_weight_dtypes(rng, name, reduction, x_shape, dtype, w_dtype):
    x = rng.normal(scale=2, size=x_shape).astype(dtype)
    y = rng.normal(scale=2, size=4).astype(dtype)
    w = rng.integers(1, 3, size=x_shape).astype(w_dtype)
    if w_dtype is np.int64:
        w.flat[0] = 2**24 + 1  # an integer weight is used exactly, not rounded to float32
    with _quiet():
        compare(name, input=x, target=y, weight=w, reduction=reduction)


# ----------------------------------------------------------------------------- edge cases
@pytest.mark.parametrize("name, options", OPTIONS, ids=OPTION_IDS)
def test_nan_inf_and_ties(rng, name, options):
    # §3 case 32: l1 (and smooth_l1 with β = 0) give a nan difference gradient 0; smooth_l1
    # and huber give it nan. inf − inf is nan; a tie d = 0 has gradient 0 everywhere.
    inf, nan = np.inf, np.nan
    x = np.array([1.0, nan, 2.0, inf, -inf, inf, 0.5, -4.0, 1e300])
    y = np.array([1.0, 0.0, nan, 0.0, 3.0, inf, 0.5 + 1e-12, -4.5, -1e300])
    for reduction in REDUCTIONS:
        compare(name, input=x, target=y, reduction=reduction, grad_output=None if reduction == "none" else np.float64(1.0),
                **_options(rng, options, x.shape, np.float64))


@pytest.mark.parametrize("name", LOSSES)
def test_float32_overflow_gives_inf_silently(name):
    # (1e30)² overflows float32: torch says inf without a warning (RuntimeWarnings are errors here).
    x = np.array([1e30, -3e38, 0.5], dtype=np.float32)
    y = np.array([-1e30, 3e38, 0.0], dtype=np.float32)
    for reduction in REDUCTIONS:
        compare(name, input=x, target=y, reduction=reduction)


@pytest.mark.parametrize("name, key", THRESHOLD.items())
@pytest.mark.parametrize("value", [np.inf, 1e-300, 0.7])
def test_extreme_and_exact_thresholds(name, key, value):
    # β or δ = inf makes the loss purely quadratic (smooth_l1: ½d²/inf = 0) and inf − inf at
    # d = inf; |d| == threshold exactly sits on the kink, where both sides agree.
    x = np.array([0.7, -0.7, np.inf, -np.inf, 3.0, 0.0, np.nan, 1e-200])
    y = np.zeros_like(x)
    compare(name, input=x, target=y, reduction="none", **{key: value})
    compare(name, input=x, target=y, reduction="sum", grad_output=np.float64(1.0), **{key: value})


@pytest.mark.parametrize("name, key", THRESHOLD.items())
@pytest.mark.parametrize("dtype, value", [(np.float32, 1e30), (np.float32, 1e39), (np.float32, np.inf),
                                          (np.float64, 1e200), (np.float64, np.inf)])
def test_huge_threshold_overflows_like_torch(name, key, dtype, value):
    # With a threshold beyond √(2·max), ½|d|·|d| can overflow while |d| is still inside: torch's
    # kernel then says inf (nan once divided by β = inf) where ½d²/β itself would be finite.
    big = np.sqrt(np.finfo(dtype).max)
    x = np.array([4 * big, -4 * big, 0.5 * big, 3.0, 0.0, np.inf, 1e20], dtype=dtype)
    y = np.zeros_like(x)
    compare(name, input=x, target=y, reduction="none", **{key: value})
    compare(name, input=x, target=y, reduction="sum", grad_output=dtype(1.0), **{key: value})


@pytest.mark.parametrize("name", WEIGHTED)
def test_zero_weight_sum(rng, name):
    # Σw = 0: l1/mse give a nan 'mean' and nan gradients (inf·0), huber's /numel stays finite;
    # weights summing to 0 with non-zero entries give ±inf for l1/mse.
    x, y = rng.normal(size=3), rng.normal(size=3)
    for w in (np.zeros(3), np.array([-1.0, 0.5, 0.5])):
        compare(name, input=x, target=y, weight=w, grad_output=np.float64(1.0))


@pytest.mark.parametrize("name, options", OPTIONS, ids=OPTION_IDS)
def test_empty_input(rng, name, options):
    # 'mean' of nothing is nan, 'sum' is 0, 'none' is empty; the gradient is empty.
    x = np.zeros((0, 3))
    for reduction in REDUCTIONS:
        compare(name, input=x, target=x, reduction=reduction, **_options(rng, options, x.shape, np.float64))


def test_smooth_l1_with_beta_zero_is_l1(rng):
    # §3 case 33: torch dispatches β = 0 to l1_loss, sign gradient and nan → 0 included.
    x = np.array([1.0, np.nan, -2.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 2.0])
    for reduction in REDUCTIONS:
        g = rng.uniform(0.5, 1.5, size=x.shape if reduction == "none" else ())
        ours = compare("smooth_l1_loss", input=x, target=y, reduction=reduction, beta=0, grad_output=g)
        np.testing.assert_array_equal(ours, LF.l1_loss(x, y, reduction=reduction))
        np.testing.assert_array_equal(LF.smooth_l1_loss_backward(g, x, y, reduction=reduction, beta=0.0),
                                      LF.l1_loss_backward(g, x, y, reduction=reduction))


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_is_delta_times_smooth_l1(rng, delta):
    # §3 case 34: huber(δ) == δ·smooth_l1(β=δ); both checked against torch first.
    x, y = rng.normal(scale=3, size=20), rng.normal(scale=3, size=20)
    huber = compare("huber_loss", input=x, target=y, reduction="none", delta=delta)
    smooth = compare("smooth_l1_loss", input=x, target=y, reduction="none", beta=delta)
    np.testing.assert_allclose(huber, delta * smooth, rtol=1e-12)


# ----------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize(
    "legacy",
    [dict(size_average=True, reduction="sum"), dict(size_average=False), dict(reduce=False),
     dict(reduce=True, size_average=False, reduction="none")],
)
def test_legacy_arguments(rng, name, legacy):
    # §3 case 60: size_average / reduce override `reduction`, with a deprecation warning.
    x, y = rng.normal(scale=2, size=(2, 3)), rng.normal(scale=2, size=(2, 3))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        compare(name, input=x, target=y, **legacy)


@pytest.mark.parametrize("name", LOSSES)
def test_elementwise_mean_warns_and_means(rng, name):
    x, y = rng.normal(size=4), rng.normal(size=4)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        compare(name, input=x, target=y, reduction="elementwise_mean")


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss"])
def test_scalar_grad_output_and_array_likes(name):
    x, y = [0.5, -1.5, 2.0], [0.0, 0.0, 0.0]
    compare(name, input=np.array(x), target=np.array(y), grad_output=np.float64(2.0))
    backward = getattr(LF, f"{name}_backward")
    np.testing.assert_array_equal(backward(2.0, x, y), backward(np.float64(2.0), np.array(x), np.array(y)))
    assert isinstance(getattr(LF, name)(x, y), np.ndarray)


# ----------------------------------------------------------------------------- bad input
def _bad_cases():
    int_input = (dict(input=np.ones((2, 3), dtype=np.int64), target=np.ones((2, 3), dtype=np.int32)), TypeError, "input")
    common = [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction="batchmean"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(input=np.ones((2, 3), dtype=np.int64), target=np.ones((2, 3), dtype=np.int64)), TypeError, "input"),
        (dict(input=np.ones((2, 3), dtype=bool)), TypeError, "input"),
        (dict(input=np.ones((2, 3), dtype=np.complex128)), TypeError, "input"),
        (dict(target=np.full((2, 3), "a")), TypeError, "target"),
        (dict(target=np.ones((2, 4))), ValueError, "input.*target"),
        (dict(target=np.ones((3, 1, 2))), ValueError, "input.*target"),
    ]
    weighted = [
        (dict(weight=np.ones(3)), ValueError, "weight"),
        (dict(weight=np.ones((3, 2))), ValueError, "weight"),
        (dict(weight=np.full((2, 3), "a")), TypeError, "weight"),
        (dict(weight=np.ones((2, 3)), reduction="elementwise_mean"), ValueError, "reduction"),
        (dict(weight=np.ones((2, 3)), reduction="avg"), ValueError, "reduction"),
    ]
    bool_target = (dict(target=np.ones((2, 3), dtype=bool)), TypeError, "target")
    cases = {
        "l1_loss": common + weighted + [bool_target],
        "mse_loss": common + weighted + [(dict(bool_target[0], weight=np.ones((2, 3))),) + bool_target[1:]],
        "smooth_l1_loss": common + [
            (dict(beta=-1.0), ValueError, "beta"),
            (dict(beta=-1e-300), ValueError, "beta"),
            (dict(beta=np.nan), ValueError, "beta"),
            (dict(beta="1"), TypeError, "beta"),
            (dict(beta=None), TypeError, "beta"),
            (dict(beta=1 + 0j), TypeError, "beta"),
            (dict(bool_target[0], beta=0.0),) + bool_target[1:],
        ],
        "huber_loss": common + weighted + [
            (dict(delta=0), ValueError, "delta"),
            (dict(delta=-0.0), ValueError, "delta"),
            (dict(delta=-2.0), ValueError, "delta"),
            (dict(delta=np.nan), ValueError, "delta"),
            (dict(delta="1"), TypeError, "delta"),
            (dict(delta=None), TypeError, "delta"),
        ],
    }
    for name, rows in cases.items():
        for i, (kwargs, error, match) in enumerate([int_input, *rows]):
            yield pytest.param(name, kwargs, error, match, id=f"{name}-{i}-{match}")


# What torch 2.13 computes but lossedu refuses by contract: a bool input against a float target
# (mse/smooth_l1), and a complex l1 input (a real |d|). lossedu's input must be numeric and real.
TORCH_ACCEPTS = {("mse_loss", "bool"), ("smooth_l1_loss", "bool"), ("l1_loss", "complex128")}


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("target_dtype", [np.float32, np.float64])
def test_integer_input_with_float_target_is_computed_in_the_targets_dtype(rng, name, target_dtype):
    x = rng.integers(-3, 4, size=(3, 4))
    y = rng.normal(size=(3, 4)).astype(target_dtype)
    for reduction in REDUCTIONS:
        compare(name, grad=False, input=x, target=y, reduction=reduction)


@pytest.mark.parametrize("name, kwargs, error, match", list(_bad_cases()))
def test_bad_input(name, kwargs, error, match):
    args = dict(input=np.ones((2, 3)), target=np.zeros((2, 3)))
    args.update(kwargs)
    with _quiet():
        if (name, str(args["input"].dtype)) in TORCH_ACCEPTS and args["target"].dtype.kind == "f":
            torch_run(name, args, (), None)
        else:
            with pytest.raises(Exception):
                torch_run(name, args, (), None)
        with pytest.raises(error, match=match):
            getattr(LF, name)(**args)
        with pytest.raises(error, match=match):
            getattr(LF, f"{name}_backward")(1.0, **args)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction, shape", [("none", (3,)), ("none", ()), ("mean", (2, 3)), ("sum", (1,))])
def test_bad_grad_output_shape(name, reduction, shape):
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="grad_output"):
        getattr(LF, f"{name}_backward")(np.ones(shape), x, x, reduction=reduction)


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name, options", OPTIONS, ids=OPTION_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck(rng, name, options, reduction):
    # Keep |d| away from the kinks 0 and β/δ (here 0.25 … 3): |d| in [0.05, 0.2] ∪ [0.6, 0.9] ∪ [3.5, 4].
    y = rng.normal(size=(3, 4))
    size = rng.choice([0.1, 0.75, 3.7], size=y.shape) + rng.uniform(-0.05, 0.05, size=y.shape)
    x = y + rng.choice([-1.0, 1.0], size=y.shape) * size
    gradcheck_as_torch(name, input=x, target=y, reduction=reduction, **_options(rng, options, x.shape, np.float64))
