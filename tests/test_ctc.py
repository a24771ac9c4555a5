"""lossedu.functional.ctc_loss against torch: forward, gradient convention, edge cases, errors.

torch's CTC backward is not the derivative of its forward: for a leaf `log_probs` it returns
the true gradient + g_b·exp(lp) on the counted time steps (reference §2.21, pytorch #52241).
Ours returns the true gradient, so `torchref.compare` (which assumes one convention) is used
for forwards only; `_check_grads` compares gradients (a) against torch's leaf gradient after
adding torch's extra term and (b) through a log_softmax, where the two conventions agree.
"""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import lossedu.functional as LF
from torchref import assert_close, compare, gradcheck_as_torch

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]


# ----------------------------------------------------------------------------- helpers
def _batch(rng, T, C, input_lengths, target_lengths, blank=0, dtype=np.float64, junk=2):
    """Random logits, their log_softmax (via torch) and padded targets with `junk` extra columns.

    Labels avoid `blank`; the junk columns hold any class, the blank included (they must be ignored).
    """
    input_lengths = np.asarray(input_lengths)
    target_lengths = np.asarray(target_lengths)
    N = len(input_lengths)
    logits = rng.normal(size=(T, N, C)).astype(dtype)
    lp = torch.log_softmax(torch.from_numpy(logits), -1).numpy()
    S = int(target_lengths.max()) + junk
    labels = rng.integers(0, C - 1, size=(N, S))
    labels[labels >= blank] += 1
    junk_mask = np.arange(S) >= target_lengths[:, None]
    targets = np.where(junk_mask, rng.integers(0, C, size=(N, S)), labels)
    return logits, lp, targets, input_lengths, target_lengths


def _concatenate(targets, target_lengths):
    return np.concatenate([row[:n] for row, n in zip(targets, target_lengths)]).astype(targets.dtype)


def _torch_ctc(grad_output, log_probs, targets, input_lengths, target_lengths, blank, reduction,
               zero_infinity, logits=None):
    """torch's loss and the gradient of the leaf (log_probs, or logits through log_softmax)."""
    leaf = torch.from_numpy(np.array(log_probs if logits is None else logits)).requires_grad_()
    lp = leaf if logits is None else torch.log_softmax(leaf, -1)
    as_t = lambda v: torch.from_numpy(np.array(v)) if isinstance(v, (np.ndarray, np.generic)) else v  # noqa: E731
    out = F.ctc_loss(lp, as_t(targets), as_t(input_lengths), as_t(target_lengths), blank, reduction, zero_infinity)
    out.backward(torch.from_numpy(np.array(grad_output, dtype=np.asarray(log_probs).dtype)))
    return out.detach().numpy(), leaf.grad.numpy()


def _torch_extra_term(grad_output, log_probs, input_lengths, target_lengths, reduction, zeroed):
    """torch's addition to the true gradient: g_b·exp(lp[t, b, c]) for t < T_b, sample not zeroed."""
    lp = np.asarray(log_probs, dtype=np.float64)
    unbatched = lp.ndim == 2
    lp = lp[:, None] if unbatched else lp
    T, N, _ = lp.shape
    il = np.asarray(input_lengths).reshape(N)
    tl = np.asarray(target_lengths).reshape(N)
    g = np.broadcast_to(np.asarray(grad_output, dtype=np.float64).reshape(-1), (N,))  # 'none' is per sample
    if reduction == "mean":
        g = g / N / np.maximum(tl, 1)
    counted = (np.arange(T)[:, None] < il) & ~zeroed
    extra = (g * counted)[:, :, None] * np.exp(lp)
    return extra[:, 0] if unbatched else extra


def _check_grads(rng, logits, log_probs, targets, input_lengths, target_lengths, blank=0,
                 reduction="mean", zero_infinity=False):
    """Forward via torchref, then gradient checks (a) leaf + torch's term and (b) through log_softmax."""
    kwargs = dict(log_probs=log_probs, targets=targets, input_lengths=input_lengths,
                  target_lengths=target_lengths, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    dtype = np.asarray(log_probs).dtype.type
    ours = compare("ctc_loss", grad=False, **kwargs)
    grad_output = rng.uniform(0.5, 1.5, size=np.shape(ours)).astype(dtype)
    grad = LF.ctc_loss_backward(grad_output, **kwargs)
    assert grad.shape == np.shape(log_probs) and grad.dtype == dtype

    # (a) torch's leaf gradient = our true gradient + g_b·exp(lp) on the counted steps.
    _, torch_leaf = _torch_ctc(grad_output, **kwargs)
    per_sample = LF.ctc_loss(**{**kwargs, "reduction": "none", "zero_infinity": False})
    zeroed = np.isposinf(np.atleast_1d(per_sample)) & zero_infinity
    extra = _torch_extra_term(grad_output, log_probs, input_lengths, target_lengths, reduction, zeroed)
    assert_close((grad + extra).astype(dtype), torch_leaf, "ctc gradient + torch's exp(lp) term")

    # (b) through log_softmax(logits) the conventions agree: dz = dlp − softmax(z)·Σ_c dlp.
    if logits is not None:
        _, torch_logits_grad = _torch_ctc(grad_output, **kwargs, logits=logits)
        dz = grad - np.exp(log_probs) * grad.sum(-1, keepdims=True)
        assert_close(dz.astype(dtype), torch_logits_grad, "ctc gradient through log_softmax")
    return ours, grad


# ----------------------------------------------------------------------------- parity with torch
LAYOUTS = ["padded", "concatenated", "unbatched"]


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("blank_at", ["first", "last", "middle"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_matches_torch(rng, reduction, dtype, layout, blank_at, zero_infinity):
    T, C = 12, 5
    blank = {"first": 0, "last": C - 1, "middle": C // 2}[blank_at]
    if layout == "unbatched":
        logits, lp, targets, il, tl = _batch(rng, T, C, [T], [4], blank, dtype, junk=0)
        logits, lp, targets, il, tl = logits[:, 0], lp[:, 0], targets[0], il[0], tl[0]
    else:
        # full length, shorter input, empty target, a repeated label, and one impossible sample
        logits, lp, targets, il, tl = _batch(rng, T, C, [12, 9, 7, 6, 2], [4, 3, 0, 2, 2], blank, dtype)
        targets[3, :2] = targets[3, 0]
        targets[4, :2] = targets[4, 0]  # [a, a] needs T ≥ 3
        if layout == "concatenated":
            targets = _concatenate(targets, tl)
    _check_grads(rng, logits, lp, targets, il, tl, blank, reduction, zero_infinity)


def test_ctc_repeated_labels_need_a_blank_between(rng):
    # [1,1,2,2,2] needs 5 labels + 3 separating blanks = 8 steps: T_b = 8 finite, 7 impossible.
    logits, lp, targets, il, tl = _batch(rng, 9, 4, [8, 7, 9], [5, 5, 5])
    targets[:, :5] = [1, 1, 2, 2, 2]
    out, _ = _check_grads(rng, logits, lp, targets, il, tl, reduction="none")
    assert np.isfinite(out[0]) and np.isposinf(out[1]) and np.isfinite(out[2])


@pytest.mark.parametrize("layout", ["concatenated", "padded"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_empty_targets(rng, reduction, layout):
    logits, lp, _, il, tl = _batch(rng, 6, 4, [6, 3, 1], [0, 0, 0], blank=2)
    targets = np.zeros((0,), np.int64) if layout == "concatenated" else np.zeros((3, 0), np.int64)
    _check_grads(rng, logits, lp, targets, il, tl, blank=2, reduction=reduction)
    # an empty list is the concatenated layout too
    compare("ctc_loss", grad=False, log_probs=lp, targets=np.array([], np.int64), input_lengths=il.tolist(),
            target_lengths=[0, 0, 0], blank=2, reduction=reduction)


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_zero_input_lengths(rng, reduction, zero_infinity):
    # T_b = 0 gives 0 for an empty target, inf otherwise, and an all-zero gradient either way.
    logits, lp, targets, il, tl = _batch(rng, 5, 3, [0, 0, 5], [0, 2, 1])
    out, grad = _check_grads(rng, logits, lp, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    assert np.all(grad[:, :2] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_impossible_alignment(rng, reduction, zero_infinity, dtype):
    # target [1, 1] with T_b = 2: inf; nan gradient on counted steps unless zero_infinity.
    logits, lp, targets, il, tl = _batch(rng, 4, 3, [2, 4], [2, 1], dtype=dtype)
    targets[0, :2] = 1
    _, grad = _check_grads(rng, logits, lp, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    assert np.all(np.isnan(grad[:2, 0])) != zero_infinity
    assert np.all(grad[2:, 0] == 0)


def test_ctc_long_sequence_stays_finite_in_log_space(rng):
    # Π of 1000 probabilities underflows any float; the log-space recursions must not.
    logits, lp, targets, il, tl = _batch(rng, 1000, 20, [1000, 950, 1000, 600], [50, 45, 30, 10])
    out, grad = _check_grads(rng, logits, lp, targets, il, tl, reduction="sum")
    assert np.isfinite(out) and out > 1000 and np.all(np.isfinite(grad))


def test_ctc_unnormalised_log_probs(rng):
    # lp + 1 is not a distribution; torch and we just run the recursions (loss drops by T_b).
    _, lp, targets, il, tl = _batch(rng, 7, 4, [7, 5], [3, 2], blank=1)
    shifted = lp + 1.0
    _check_grads(rng, None, shifted, targets, il, tl, blank=1, reduction="none")
    drop = LF.ctc_loss(lp, targets, il, tl, 1, "none") - LF.ctc_loss(shifted, targets, il, tl, 1, "none")
    np.testing.assert_allclose(drop, il, rtol=1e-12)


def test_ctc_minus_inf_log_prob_has_the_limit_gradient(rng):
    # torch's extra exp(lp) term makes its gradient nan where lp = −inf; ours is the exact
    # derivative there, i.e. the limit of torch's true gradient as lp → −inf (lp = −1e4 here).
    _, lp, targets, il, tl = _batch(rng, 6, 4, [6, 6], [2, 2])
    targets[0, :2] = [1, 2]
    lp[2, 0, 1] = lp[3, 0, 3] = -np.inf  # a target class and a class not in the target
    far = np.where(np.isneginf(lp), -1e4, lp)
    ours = LF.ctc_loss(lp, targets, il, tl, reduction="sum")
    grad = LF.ctc_loss_backward(1.0, lp, targets, il, tl, reduction="sum")
    theirs, torch_leaf = _torch_ctc(np.float64(1.0), far, targets, il, tl, 0, "sum", False)
    assert_close(ours, theirs, "ctc forward with lp = −inf")
    assert_close(grad, torch_leaf - np.exp(far) * (np.arange(6)[:, None] < il)[:, :, None], "ctc gradient at lp = −inf")
    assert np.all(np.isfinite(grad))


# ----------------------------------------------------------------------------- layouts and dtypes
@pytest.mark.parametrize("target_dtype", [np.int64, np.int32, np.int16, np.uint8, np.float64, np.float32])
@pytest.mark.parametrize("length_kind", ["int64", "int16", "uint8", "list", "tuple"])
def test_ctc_target_and_length_types(rng, target_dtype, length_kind):
    logits, lp, targets, il, tl = _batch(rng, 6, 5, [6, 4], [3, 1])
    convert = {"int64": np.int64, "int16": np.int16, "uint8": np.uint8, "list": list, "tuple": tuple}[length_kind]
    as_len = (lambda a: convert(a.tolist())) if length_kind in ("list", "tuple") else (lambda a: a.astype(convert))
    targets = targets.astype(target_dtype)
    _check_grads(rng, logits, lp, targets, as_len(il), as_len(tl), reduction="mean")
    _check_grads(rng, logits, lp, _concatenate(targets, tl), as_len(il), as_len(tl), reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_unbatched_layouts(rng, reduction):
    logits, lp, targets, il, tl = _batch(rng, 7, 4, [6], [3], blank=3, junk=2)
    lp1, logits1 = lp[:, 0], logits[:, 0]
    # (S,) of exactly L labels, (1, S) padded with junk; lengths 0-d, (1,) or a list
    for t, i, n in [(targets[0, :3], il.reshape(()), tl.reshape(())), (targets, il, tl), (targets[0, :3], [6], [3])]:
        out, _ = _check_grads(rng, logits1, lp1, t, i, n, blank=3, reduction=reduction)
        assert out.shape == ()
    # Python ints are fine for us (torch's parser wants tensors or lists)
    theirs, _ = _torch_ctc(np.float64(1.0), lp1, targets, [6], [3], 3, reduction, False)
    assert_close(LF.ctc_loss(lp1, targets[0, :3], 6, 3, 3, reduction), theirs, "ctc with int lengths")


def test_ctc_result_is_an_ndarray_of_the_input_dtype(rng):
    _, lp, targets, il, tl = _batch(rng, 5, 3, [5], [2], dtype=np.float32)
    out = LF.ctc_loss(lp, targets, il, tl)
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float32
    assert LF.ctc_loss_backward(np.float32(1.0), lp, targets, il, tl).dtype == np.float32


def test_ctc_elementwise_mean_warns_like_torch(rng):
    _, lp, targets, il, tl = _batch(rng, 5, 3, [5, 4], [2, 1])
    with pytest.warns(UserWarning, match="elementwise_mean"):
        compare("ctc_loss", grad=False, log_probs=lp, targets=targets, input_lengths=il, target_lengths=tl,
                reduction="elementwise_mean")


# ----------------------------------------------------------------------------- hypothesis
@st.composite
def _ctc_cases(draw):
    T = draw(st.integers(1, 8))
    N = draw(st.integers(1, 3))
    C = draw(st.integers(2, 5))
    blank = draw(st.integers(0, C - 1))
    il = draw(st.lists(st.integers(0, T), min_size=N, max_size=N))
    tl = draw(st.lists(st.integers(0, 4), min_size=N, max_size=N))
    labels = draw(st.lists(st.integers(0, C - 2), min_size=N * 4, max_size=N * 4))
    labels = np.array(labels).reshape(N, 4)
    labels[labels >= blank] += 1  # any class but the blank; small C makes repeats common
    layout = draw(st.sampled_from(["padded", "concatenated"]))
    reduction = draw(st.sampled_from(REDUCTIONS))
    zero_infinity = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return T, C, blank, np.array(il), np.array(tl), labels, layout, reduction, zero_infinity, seed


@given(_ctc_cases())
def test_ctc_hypothesis(case):
    T, C, blank, il, tl, labels, layout, reduction, zero_infinity, seed = case
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(T, len(il), C)) * 3
    lp = torch.log_softmax(torch.from_numpy(logits), -1).numpy()
    targets = _concatenate(labels, tl) if layout == "concatenated" else labels
    _check_grads(rng, logits, lp, targets, il, tl, blank, reduction, zero_infinity)


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_gradcheck_on_raw_log_probs(rng, reduction, zero_infinity):
    # raw, unnormalised log_probs: only the true gradient passes finite differences here
    lp = rng.normal(size=(6, 3, 4))
    targets = np.array([[1, 2, 1], [3, 3, 0], [2, 0, 0]])
    il, tl = np.array([6, 5, 1]), np.array([3, 2, 1])
    gradcheck_as_torch("ctc_loss", log_probs=lp, targets=targets, input_lengths=il, target_lengths=tl,
                       reduction=reduction, zero_infinity=zero_infinity)


def test_ctc_gradcheck_unbatched_with_blank(rng):
    gradcheck_as_torch("ctc_loss", log_probs=rng.normal(size=(5, 3)), targets=np.array([0, 1, 1]),
                       input_lengths=np.array(5), target_lengths=np.array(3), blank=2)


# ----------------------------------------------------------------------------- bad input
def _good():
    lp = np.log(np.full((5, 2, 4), 0.25))
    return dict(log_probs=lp, targets=np.array([[1, 2], [3, 0]]), input_lengths=np.array([5, 4]),
                target_lengths=np.array([2, 1]))


BAD = [
    # (change, error, match, torch also refuses)
    (dict(log_probs=np.zeros((5, 2, 4), np.int64)), TypeError, "log_probs", True),
    (dict(log_probs=np.zeros((5, 2, 4), np.float16)), TypeError, "log_probs", True),
    (dict(log_probs=np.zeros(5)), ValueError, "log_probs", True),
    (dict(log_probs=np.zeros((1, 5, 2, 4))), ValueError, "log_probs", True),
    (dict(log_probs=np.zeros((5, 0, 4)), targets=np.zeros((0, 2), np.int64), input_lengths=np.zeros(0, np.int64),
          target_lengths=np.zeros(0, np.int64)), ValueError, "log_probs", True),
    (dict(targets=np.ones((2, 2, 1), np.int64)), ValueError, "targets", True),
    (dict(targets=np.array([[1.5, 2.0], [3.0, 0.0]])), TypeError, "targets", False),
    (dict(targets=np.array([[True, True], [True, False]])), TypeError, "targets", False),
    (dict(targets=np.array([[1], [3]])), ValueError, "targets", True),
    (dict(targets=np.array([[1, 2], [3, 1], [1, 1]])), ValueError, "targets", True),
    (dict(targets=np.array([1, 2, 3, 1])), ValueError, "targets", True),
    (dict(targets=np.array([[1, 0], [3, 0]])), ValueError, "targets", False),  # the blank
    (dict(targets=np.array([[1, 4], [3, 0]])), ValueError, "targets", False),  # ≥ C
    (dict(targets=np.array([[1, -1], [3, 0]])), ValueError, "targets", False),
    (dict(input_lengths=np.array([5.0, 4.0])), TypeError, "input_lengths", True),
    (dict(input_lengths=np.array([True, True])), TypeError, "input_lengths", True),
    (dict(input_lengths=[5.0, 4.0]), TypeError, "input_lengths", True),
    (dict(target_lengths=np.array([2.0, 1.0])), TypeError, "target_lengths", True),
    (dict(input_lengths=np.array([5, 4, 3])), ValueError, "input_lengths", True),
    (dict(target_lengths=np.array([2])), ValueError, "target_lengths", True),
    (dict(input_lengths=np.array([5, -1])), ValueError, "input_lengths", True),
    (dict(target_lengths=np.array([2, -1])), ValueError, "target_lengths", True),
    (dict(input_lengths=np.array([6, 4])), ValueError, "input_lengths", True),
    (dict(blank=4), ValueError, "blank", True),
    (dict(blank=-1), ValueError, "blank", True),
    (dict(blank=1.0), TypeError, "blank", True),
    (dict(reduction="avg"), ValueError, "reduction", True),
    (dict(reduction=None), TypeError, "reduction", True),
    (dict(zero_infinity="yes"), TypeError, "zero_infinity", True),
]


@pytest.mark.parametrize("change, error, match, torch_refuses", BAD)
def test_ctc_bad_input(change, error, match, torch_refuses):
    args = {**_good(), **change}
    with pytest.raises(error, match=match):
        LF.ctc_loss(**args)
    with pytest.raises(error, match=match):
        LF.ctc_loss_backward(1.0, **args)
    if torch_refuses:  # our error stands for one torch raises too (as RuntimeError/TypeError/…)
        tk = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        with warnings.catch_warnings(), pytest.raises(Exception):
            warnings.simplefilter("ignore")
            F.ctc_loss(**tk)


def test_ctc_unbatched_bad_targets():
    lp = np.log(np.full((5, 4), 0.25))
    with pytest.raises(ValueError, match="targets"):
        LF.ctc_loss(lp, np.array([[1, 2], [2, 1]]), [5], [2])
    with pytest.raises(ValueError, match="targets"):
        LF.ctc_loss(lp, np.array([1, 2, 3]), [5], [2])  # 1-D is concatenated: exactly L labels
    with pytest.raises(ValueError, match="input_lengths"):
        LF.ctc_loss(lp, np.array([1, 2]), [5, 5], [2, 2])


@pytest.mark.parametrize("reduction, grad_output", [("none", np.ones(3)), ("mean", np.ones(2)), ("sum", np.ones((1,)))])
def test_ctc_backward_bad_grad_output(reduction, grad_output):
    with pytest.raises(ValueError, match="grad_output"):
        LF.ctc_loss_backward(grad_output, **_good(), reduction=reduction)
