"""lossedu.functional regression losses against torch, forward and gradient."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
from torchref import compare

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_l1_matches_torch(rng, dtype, reduction, weighted):
    x = rng.normal(size=(4, 5)).astype(dtype)
    y = rng.normal(size=(4, 5)).astype(dtype)
    w = rng.uniform(0.1, 2, size=(4, 5)).astype(dtype) if weighted else None
    compare("l1_loss", input=x, target=y, reduction=reduction, weight=w)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4, max_side=5),
               elements=st.floats(-1e3, 1e3)),
    st.sampled_from(REDUCTIONS),
)
def test_l1_hypothesis(x, reduction):
    y = np.round(x[::-1].copy() if x.ndim else x.copy()) + 0.25
    compare("l1_loss", input=x, target=y, reduction=reduction)


def test_l1_ties_and_nan_get_zero_gradient():
    x = np.array([1.0, np.nan, 2.0])
    y = np.array([1.0, 0.0, 3.0])
    compare("l1_loss", input=x, target=y, reduction="sum", grad_output=np.float64(1.0))


def test_l1_broadcast_warns_and_sums_gradient_back(rng):
    x = rng.normal(size=(3, 1))
    y = rng.normal(size=(3,))
    with pytest.warns(UserWarning, match="target size"):
        out = compare("l1_loss", input=x, target=y, reduction="none")
    assert out.shape == (3, 3)


def test_l1_mixed_dtypes_promote(rng):
    x = rng.normal(size=5).astype(np.float32)
    y = rng.normal(size=5)
    out = compare("l1_loss", input=x, target=y, rtol=1e-6)
    assert out.dtype == np.float64


def test_l1_legacy_arguments(rng):
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = LF.l1_loss(x, y, size_average=True, reduction="sum")
    np.testing.assert_allclose(out, np.abs(x - y).mean())
    with pytest.warns(UserWarning):
        assert LF.l1_loss(x, y, reduce=False).shape == (2, 3)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(reduction=None), TypeError, "reduction"),
        (dict(weight=np.ones(3)), ValueError, "weight"),
        (dict(weight=np.ones((2, 3)), reduction="elementwise_mean"), ValueError, "reduction"),
        (dict(input=np.ones((2, 3), dtype=np.int64)), TypeError, "input"),
        (dict(target=np.ones((2, 4))), ValueError, "broadcast"),
    ],
)
def test_l1_bad_input(kwargs, error, match):
    args = dict(input=np.ones((2, 3)), target=np.zeros((2, 3)))
    args.update(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            LF.l1_loss(**args)
        with pytest.raises(error, match=match):
            LF.l1_loss_backward(1.0, **args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_gradcheck(rng, reduction):
    from torchref import gradcheck_as_torch

    gradcheck_as_torch("l1_loss", input=rng.normal(size=(3, 4)), target=rng.normal(size=(3, 4)),
                       reduction=reduction, weight=rng.uniform(0.5, 1, size=(3, 4)))
