"""The fuzz classes of issue 10 for the margin family, each compared with torch.

* overflow at large finite values where torch's order of operations does not overflow;
* float16 (torch computes half elementwise in float32 and rounds once, and accumulates in float32);
* mixed precision (dtypes of the result, no float16 intermediate beside a float64 input);
* inputs torch refuses (a margin beyond the input dtype's range, float16 multi-class scores);
* a hypothesis fuzz over dtypes, extreme values, every reduction, margin, p and weight.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossedu.functional as LF
import torchref
from torchref import compare

REDUCTIONS = ["none", "mean", "sum"]
BIG = 1e308
F16_MAX, F32_MAX = float(np.finfo(np.float16).max), float(np.finfo(np.float32).max)


# ============================================================================= overflow in the order of operations
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_backward_p2_at_1e308_follows_atens_order(reduction, weighted):
    # z = 1e308 is finite; ATen forms 2·(1/C)·z, finite; 2·z first would be inf.
    x = np.array([[0.0, BIG, -5.0], [1.0, 2.0, 3e307], [0.0, 0.5, 0.25]])
    y = np.array([0, 1, 2])
    w = np.array([0.5, 1.0, 2.0]) if weighted else None
    compare("multi_margin_loss", input=x, target=y, p=2, weight=w, reduction=reduction, grad_output=None)
    grad = LF.multi_margin_loss_backward(np.ones(3) if reduction == "none" else 1.0, x, y, p=2, weight=w,
                                         reduction=reduction)
    assert np.isfinite(grad).all()


def test_multi_margin_backward_weight_then_upstream_gradient():
    # ATen: ((p·s)·z)·w_y, then ·g. A huge weight with a small s stays finite.
    x = np.array([[0.0, 1e300, -5.0]] * 4)
    y = np.zeros(4, dtype=np.int64)
    compare("multi_margin_loss", input=x, target=y, weight=np.array([1e8, 1.0, 1.0]), p=2)


@pytest.mark.parametrize("name", ["multi_margin_loss", "multilabel_margin_loss"])
def test_float32_batch_is_added_in_double(name):
    # three float32 losses of 1.5e38 (z = 3e38, C = 2): torch's double accumulator gives the mean
    # 1.5e38, a float32 sum (4.5e38) would give inf; the sum itself is inf in torch too
    x = np.array([[-1.5e38, 1.5e38]] * 3, dtype=np.float32)
    y = np.zeros(3, dtype=np.int64) if name == "multi_margin_loss" else np.array([[0, -1]] * 3)
    out = compare(name, input=x, target=y, reduction="mean")
    assert np.isfinite(out)
    assert np.isinf(compare(name, input=x, target=y, reduction="sum"))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_float32_row_total_is_rounded_before_dividing(reduction):
    # each hinge 1 + 1e38 + 2e38 is finite; the row's total 6e38 is inf in float32, and torch
    # rounds it to float32 before dividing by C, under every reduction
    x = np.array([[-1e38, 2e38, 2e38]], dtype=np.float32)
    t = np.array([[0, -1, 0]])
    assert np.isinf(compare("multilabel_margin_loss", input=x, target=t, reduction=reduction)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hinge_embedding_at_the_largest_values(dtype):
    big = np.finfo(dtype).max
    x = np.array([big, -big, big / 2, 0.0, -big], dtype=dtype)
    t = np.array([-1.0, 1.0, 0.0, -1.0, 0.0])
    compare("hinge_embedding_loss", input=x, target=t, margin=float(big / 2), reduction="none")
    compare("hinge_embedding_loss", input=x, target=t, margin=-float(big), reduction="none")


# ============================================================================= float16
def test_hinge_embedding_float16_sum_and_mean_past_65504():
    # 30 000 losses of 3: the sum 90 000 overflows float16 (inf, as torch), the mean is 3
    x = np.full(30000, 3, np.float16)
    for t in (np.ones(30000, np.float16), np.zeros(30000, np.float16)):
        assert compare("hinge_embedding_loss", input=x, target=t, reduction="mean") == 3
        assert np.isinf(compare("hinge_embedding_loss", input=x, target=t, reduction="sum"))


def test_hinge_embedding_float16_mean_gradient_of_more_than_65504_elements():
    # g/N with N = 100 000 > 65 504: torch divides in float32 and rounds once (≈ 1e-5, subnormal)
    x = np.full(100000, 0.5, np.float16)
    t = -np.ones(100000, np.float16)
    compare("hinge_embedding_loss", input=x, target=t, reduction="mean", grad_output=np.float16(1.0))
    assert LF.hinge_embedding_loss_backward(np.float16(1.0), x, t)[0] < 0


@pytest.mark.parametrize("margin", [1.0, 0.1, 1 / 3, 65504.0, -65504.0, 1e-5])
def test_hinge_embedding_float16_near_the_range(margin):
    x = np.array([0.0, 1e-4, 0.1, 300.0, 60000.0, 65504.0, -65504.0, 6e-8], np.float16)
    for t in (-np.ones(8, np.float16), np.zeros(8, np.float16), np.ones(8, np.float16)):
        compare("hinge_embedding_loss", input=x, target=t, margin=margin, reduction="none")
    compare("hinge_embedding_loss", input=np.abs(x), target=-np.ones(8, np.float16), margin=abs(margin))


def test_multi_class_margin_losses_refuse_float16_as_torch():
    x16 = np.zeros((2, 3), np.float16)
    torchref.assert_refused("multi_margin_loss", TypeError, "input", torch_refuses=True, input=x16,
                            target=np.array([0, 1]))
    torchref.assert_refused("multilabel_margin_loss", TypeError, "input", torch_refuses=True, input=x16,
                            target=np.array([[0, -1, 0], [1, 2, -1]]))


# ============================================================================= mixed precision
@pytest.mark.parametrize("x_dtype, t_dtype", [(np.float64, np.float16), (np.float16, np.float64),
                                              (np.float32, np.float16), (np.float16, np.int32),
                                              (np.float16, np.bool_)])
def test_hinge_embedding_mixed_dtypes_follow_the_input(rng, x_dtype, t_dtype):
    x = (rng.uniform(0, 3, size=12)).astype(x_dtype)
    t = np.array([1, -1, 0] * 4).astype(t_dtype)
    for reduction in REDUCTIONS:
        out = compare("hinge_embedding_loss", input=x, target=t, margin=0.7, reduction=reduction)
        assert out.dtype == x_dtype


def test_hinge_embedding_float16_target_leaves_float64_exact():
    # the target is only compared: a float16 target next to float64 scores changes no digit
    x = np.array([0.1, 0.30000000000000004, 2.0])
    t16 = np.array([-1, -1, 1], np.float16)
    out = LF.hinge_embedding_loss(x, t16, margin=0.3000000000000001, reduction="none")
    np.testing.assert_array_equal(out, LF.hinge_embedding_loss(x, t16.astype(np.float64),
                                                               margin=0.3000000000000001, reduction="none"))
    compare("hinge_embedding_loss", input=x, target=t16, margin=0.3000000000000001, reduction="none")


@pytest.mark.parametrize("w_dtype", [np.float16, np.float32])
def test_multi_margin_weight_of_another_dtype_is_refused_as_torch(w_dtype):
    torchref.assert_refused("multi_margin_loss", TypeError, "weight", torch_refuses=True,
                            input=np.zeros((2, 3)), target=np.array([0, 1]), weight=np.ones(3, w_dtype))


# ============================================================================= inputs torch refuses: the margin
@pytest.mark.parametrize("dtype, margin", [(np.float16, 70000.0), (np.float16, 65519.0), (np.float16, -65520.0),
                                           (np.float32, 1e39), (np.float32, -3.5e38)])
def test_a_margin_beyond_the_inputs_range_is_refused_as_torch(dtype, margin):
    torchref.assert_refused("hinge_embedding_loss", ValueError, "margin", torch_refuses=True,
                            input=np.ones(3, dtype), target=-np.ones(3, dtype), margin=margin)
    if dtype != np.float16:
        torchref.assert_refused("multi_margin_loss", ValueError, "margin", torch_refuses=True,
                                input=np.ones((2, 3), dtype), target=np.array([0, 1]), margin=margin)


@pytest.mark.parametrize("dtype, margin", [(np.float16, F16_MAX), (np.float16, np.inf), (np.float16, np.nan),
                                           (np.float32, F32_MAX), (np.float32, -np.inf), (np.float64, BIG)])
def test_a_margin_at_the_edge_of_the_range_is_accepted(dtype, margin):
    x = np.array([0.5, 2.0, -1.0], dtype)
    compare("hinge_embedding_loss", input=x, target=np.array([-1.0, 1.0, 0.0]), margin=margin, reduction="none")
    if dtype != np.float16:
        compare("multi_margin_loss", input=x[None], target=np.array([1]), margin=margin, reduction="none")


# ============================================================================= hypothesis fuzz
def extremes(dtype, nonnegative=False):
    """Values a fuzzer reaches for: zeros, ones, the largest finite values, inf and nan, tiny numbers."""
    top = float(np.finfo(dtype).max)
    special = [0.0, 0.5, 1.0, 3.0, top, top / 3, 1e4 if dtype == np.float16 else 1e30, float(np.finfo(dtype).tiny),
               np.inf, np.nan]
    values = special + ([] if nonnegative else [-v for v in special])
    return st.one_of(st.sampled_from(values), st.floats(0 if nonnegative else -100, 100, width=np.dtype(dtype).itemsize * 8))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([np.float16, np.float32, np.float64]), st.sampled_from(REDUCTIONS),
       st.sampled_from([1.0, 0.0, 2.5, -0.5]), st.data())
def test_fuzz_hinge_embedding(dtype, reduction, margin, data):
    # reductions over non-negative losses (distances x ≥ 0, margin ≥ 0): no cancellation, so the
    # order of a sum cannot matter; 'none' takes any sign
    reduced = reduction != "none"
    if reduced:
        margin = abs(margin)
    x = data.draw(hnp.arrays(dtype, st.integers(0, 9), elements=extremes(dtype, nonnegative=reduced)))
    t = data.draw(hnp.arrays(np.float64, x.shape, elements=st.sampled_from([1.0, -1.0, 0.0, 2.0])))
    compare("hinge_embedding_loss", input=x, target=t, margin=margin, reduction=reduction)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([np.float32, np.float64]), st.sampled_from(REDUCTIONS), st.sampled_from([1, 2]),
       st.sampled_from([1.0, 0.0, 0.5, -1.0, 100.0]), st.booleans(), st.data())
def test_fuzz_multi_margin(dtype, reduction, p, margin, weighted, data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    x = data.draw(hnp.arrays(dtype, (n, c), elements=extremes(dtype)))
    y = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    w = data.draw(hnp.arrays(dtype, (c,), elements=st.sampled_from([0.0, 0.5, 1.0, 3.0, 1e8]))) if weighted else None
    compare("multi_margin_loss", input=x, target=y, p=p, margin=margin, weight=w, reduction=reduction)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([np.float32, np.float64]), st.sampled_from(REDUCTIONS), st.data())
def test_fuzz_multilabel_margin(dtype, reduction, data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    x = data.draw(hnp.arrays(dtype, (n, c), elements=extremes(dtype)))
    t = data.draw(hnp.arrays(np.int64, (n, c), elements=st.integers(-1, c - 1)))
    compare("multilabel_margin_loss", input=x, target=t, reduction=reduction)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_non_finite_weight_multiplies_only_the_counted_terms(bad, p):
    # ATen multiplies a term by w_y only when it counts (z > 0): a sample whose margins are met
    # has loss 0 even with an inf or nan class weight (0·inf would be nan)
    x = np.array([[0.0, 5.0, -3.0], [2.0, 0.0, -3.0], [0.0, 0.5, 0.2]])
    y = np.array([0, 0, 1])
    w = np.array([bad, 1.0, 0.5])
    for reduction in REDUCTIONS:
        compare("multi_margin_loss", input=x, target=y, p=p, weight=w, reduction=reduction)
    assert LF.multi_margin_loss(x, y, p=p, weight=w, reduction="none")[1] == 0
