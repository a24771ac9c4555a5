"""lossedu.functional sparse-output losses against their homes, forward and gradient.

sparsemax and sparsemax_loss against entmax 1.3 itself (`entmax.sparsemax`, `entmax.SparsemaxLoss()`
with its defaults), run by torch's autograd. optax is not installed: listnet_loss and
poly1_cross_entropy are compared with transcriptions into torch (autograd) of optax's formulas, read
from google-deepmind/optax `optax/losses/_ranking.py` (`ranking_softmax_loss` with its default
reduce_fn=jnp.mean and `_safe_reduce`, commit 01bf8324) and `optax/losses/_classification.py`
(`poly_loss_cross_entropy`, commit 1f9a88f3: softmax_cross_entropy + ε·Σ labels·(1 − softmax)).
Every expected number comes from running the home on the same arrays.
"""

import entmax
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import lossedu.functional as LF
from homes import optax_poly_loss_cross_entropy, optax_ranking_softmax_loss
from torchref import TOL, assert_close, assert_refused, gradcheck_as_torch

DTYPES = [np.float64, np.float32]


# ============================================================================= the homes (optax's transcribed in tests/homes.py)
HOMES = {
    "sparsemax": lambda input, dim=-1: entmax.sparsemax(input, dim=dim),
    "sparsemax_loss": lambda input, target: entmax.SparsemaxLoss()(input, target),
    "listnet_loss": optax_ranking_softmax_loss,
    "poly1_cross_entropy": optax_poly_loss_cross_entropy,
}


def check(name, rng=None, **kwargs):
    """Ours (forward and `_backward` for a random upstream gradient) equals the home's (autograd)."""
    rng = rng or np.random.default_rng(1)
    (wrt,) = LF.GRADIENT_OF[name]
    ours = getattr(LF, name)(**kwargs)
    g = rng.uniform(0.5, 1.5, size=np.shape(ours)).astype(np.asarray(ours).dtype)
    t = {k: torch.from_numpy(np.array(v)).requires_grad_(k == wrt) if isinstance(v, np.ndarray) else v
         for k, v in kwargs.items()}
    out = HOMES[name](**t)
    (grad,) = torch.autograd.grad(out, t[wrt], torch.from_numpy(g), allow_unused=True)
    grad = torch.zeros_like(t[wrt]) if grad is None else grad
    assert_close(ours, out.detach().numpy(), f"{name} value")
    assert_close(getattr(LF, f"{name}_backward")(g, **kwargs), grad.numpy(), f"{name} gradient")
    return ours


# ============================================================================= hypothesis-made inputs
def scores(draw, shape, dtype, ties):
    """A seed and normal scores, or (ties) halves of small integers: many equal entries, some exactly at τ."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if ties:
        return seed, (rng.integers(-4, 5, size=shape) / 2).astype(dtype)
    return seed, (rng.standard_normal(shape) * draw(st.sampled_from([0.1, 1, 10]))).astype(dtype)


@st.composite
def sparsemax_case(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=ndim, max_size=ndim)))
    dtype = draw(st.sampled_from(DTYPES))
    seed, x = scores(draw, shape, dtype, draw(st.booleans()))
    return seed, x, draw(st.integers(-ndim, ndim - 1))


@given(sparsemax_case())
def test_sparsemax_matches_entmax(case):
    seed, x, dim = case
    p = check("sparsemax", np.random.default_rng(seed), input=x, dim=dim)
    np.testing.assert_allclose(p.sum(axis=dim), 1, **TOL[x.dtype.type])  # on the simplex


@st.composite
def class_case(draw):
    n, c = draw(st.integers(0, 6)), draw(st.integers(1, 6))
    dtype = draw(st.sampled_from(DTYPES))
    seed, x = scores(draw, (n, c), dtype, draw(st.booleans()))
    return seed, x, np.random.default_rng(seed).integers(0, c, size=n)


@given(class_case())
def test_sparsemax_loss_matches_entmax(case):
    seed, x, y = case
    check("sparsemax_loss", np.random.default_rng(seed), input=x, target=y)


@given(class_case(), st.booleans())
def test_listnet_loss_matches_optax(case, batched):
    seed, x, _ = case
    rng = np.random.default_rng(seed)
    if not batched:  # one list, 1-D
        x = x.reshape(-1) if x.size else np.zeros(3, x.dtype)
    relevance = rng.integers(0, 4, size=x.shape)  # graded, integers: optax casts them
    check("listnet_loss", rng, scores=x, relevance=relevance)
    check("listnet_loss", rng, scores=x.reshape((1,) + x.shape), relevance=relevance.astype(x.dtype))


@given(class_case(), st.sampled_from([1.0, 2.0, -1.0, 0.0]), st.booleans())
def test_poly1_cross_entropy_matches_optax(case, epsilon, hard):
    seed, x, y = case
    rng = np.random.default_rng(seed)
    soft = rng.dirichlet(np.ones(x.shape[1]), len(x))
    target = np.eye(x.shape[1], dtype=x.dtype)[y] if hard else soft.astype(x.dtype)
    check("poly1_cross_entropy", rng, input=x, target=target, epsilon=epsilon)
    check("poly1_cross_entropy", rng, input=x[:, None], target=target[:, None])  # default ε, more axes
    check("poly1_cross_entropy", rng, input=x, target=target[:1] if len(x) else target)  # target broadcast


# ============================================================================= edge rules
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x", [
    [1.0, 0.0, 0.0],  # two entries exactly at the threshold τ = 0: outside the support
    [1.0, 0.5, 0.5],  # ties inside the support
    [2.0, 2.0, 1.0, 1.0, -3.0],
    [0.3, 0.3, 0.3, 0.3],  # all equal: uniform
    [5.0],  # one class
    [1e30, -1e30, 1e30 * (1 - 2**-20)],  # huge scores
    [0.0, -np.inf, 0.5],  # −inf gets 0
])
def test_sparsemax_edges(x, dtype):
    x = np.array(x, dtype)
    check("sparsemax", input=x)
    check("sparsemax", input=np.stack([x, x[::-1]]), dim=1)
    check("sparsemax", input=np.stack([x, x[::-1]]).T.copy(), dim=0)
    check("sparsemax_loss", input=np.stack([x, x]), target=np.array([0, len(x) - 1]))


def test_sparsemax_threshold_ties_values():
    """Independent of any implementation: the projection of (1, 0, 0) is (1, 0, 0), of (1, .5, .5)
    is (2/3, 1/6, 1/6); all-equal scores give 1/C; the Jacobian-vector product is g − mean_S g on S."""
    np.testing.assert_array_equal(LF.sparsemax(np.array([1.0, 0.0, 0.0])), [1, 0, 0])
    np.testing.assert_allclose(LF.sparsemax(np.array([1.0, 0.5, 0.5])), [2 / 3, 1 / 6, 1 / 6], rtol=1e-15)
    np.testing.assert_allclose(LF.sparsemax(np.full(4, 7.0)), 0.25, rtol=1e-15)
    g = np.array([1.0, 2.0, 6.0])
    np.testing.assert_allclose(LF.sparsemax_backward(g, np.array([1.0, 0.5, 0.5])), g - 3, rtol=1e-15)
    np.testing.assert_array_equal(LF.sparsemax_backward(g, np.array([1.0, 0.0, 0.0])), [0, 0, 0])
    assert LF.sparsemax_loss(np.array([[3.0, 0.0]]), np.array([0])) == 0  # p = e_y: no loss


def test_sparsemax_float32_rounds_as_entmax():
    """Bit for bit in float32: torch's CPU cumsum adds float32 in float64 (a plain float32 cumsum moves τ
    by an ulp). And where rounding puts an entry outside the support test (k·z_(k) > c_k fails) but with
    z − τ > 0, entmax's backward masks by p ≠ 0 (3 entries here) yet divides by k = 2: so do we."""
    x = (np.random.default_rng(5).standard_normal((8, 3000)) * 1e-3).astype(np.float32)  # a support of ~3000
    np.testing.assert_array_equal(LF.sparsemax(x), entmax.sparsemax(torch.from_numpy(x)).numpy())
    row = np.array([-3.3, -1.7, -4.3, 1.9, 1.6, 1.5, 2.3, -4.3, 1.3, -4.6, 1.3], np.float32)
    assert np.count_nonzero(check("sparsemax", input=row)) == 3
    t = torch.from_numpy(row).requires_grad_()
    g = np.arange(11, dtype=np.float32)
    entmax.sparsemax(t).backward(torch.from_numpy(g))
    np.testing.assert_array_equal(LF.sparsemax_backward(g, row), t.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparsemax_loss_empty_batch_is_nan(dtype):
    x = np.zeros((0, 3), dtype)
    assert np.isnan(check("sparsemax_loss", input=x, target=np.zeros(0, np.int64)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_listnet_edges(dtype):
    s = np.random.default_rng(3).standard_normal((4, 5)).astype(dtype)
    assert check("listnet_loss", scores=s, relevance=np.zeros((4, 5))) == 0  # no relevance: 0, gradient 0
    check("listnet_loss", scores=s, relevance=np.full((4, 5), 2.0))  # all-equal relevance: not normalised
    check("listnet_loss", scores=s, relevance=np.array([0, 1, 0, 0, 3]))  # relevance broadcast over lists
    assert check("listnet_loss", scores=np.zeros((0, 5), dtype), relevance=np.zeros((0, 5))) == 0  # no list: 0
    # per-list losses +inf and −inf: a nan mean of nan-free lists, which _safe_reduce makes 0
    big = np.array([[1e308, 0, 0, 0, 0], [-1e308, 0, 0, 0, 0]])
    assert check("listnet_loss", scores=np.array([[0, 9, 9, 9, 9], [0, 9, 9, 9, 9]], dtype), relevance=big) == 0
    # relevance 0 at a score −inf: 0·(−inf) = nan, as optax's product gives
    assert np.isnan(check("listnet_loss", scores=np.array([0.0, -np.inf], dtype), relevance=np.array([1.0, 0.0])))


@pytest.mark.parametrize("dtype", DTYPES)
def test_poly1_edges(dtype):
    x = np.array([[1e4, -1e4, 0.0], [2.0, 2.0, 2.0], [7.0, 1.0, 1.0]], dtype)
    t = np.array([[0.0, 1.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.5]], dtype)  # last: sums to 1.5
    check("poly1_cross_entropy", input=x, target=t, epsilon=2.0)
    check("poly1_cross_entropy", input=x[:, :1], target=np.ones((3, 1), dtype))  # one class: 0


# ============================================================================= as_torch, refusals
def test_gradcheck_through_as_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5))
    gradcheck_as_torch("sparsemax", input=x, dim=0)
    gradcheck_as_torch("sparsemax_loss", input=x, target=np.array([0, 4, 2]))
    gradcheck_as_torch("listnet_loss", scores=x, relevance=rng.integers(0, 3, (3, 5)).astype(float))
    gradcheck_as_torch("poly1_cross_entropy", input=x, target=rng.dirichlet(np.ones(5), 3), epsilon=2.0)


@pytest.mark.parametrize("name, error, match, kwargs", [
    ("sparsemax", TypeError, "input", dict(input=np.arange(3))),
    ("sparsemax", ValueError, "input", dict(input=np.zeros((2, 0)))),
    ("sparsemax", ValueError, "input", dict(input=np.float64(1.0))),
    ("sparsemax", ValueError, "dim", dict(input=np.zeros((2, 3)), dim=2)),
    ("sparsemax", TypeError, "dim", dict(input=np.zeros((2, 3)), dim=1.0)),
    ("sparsemax_loss", ValueError, "input", dict(input=np.zeros(3), target=np.array([0]))),
    ("sparsemax_loss", TypeError, "target", dict(input=np.zeros((2, 3)), target=np.array([0.0, 1.0]))),
    ("sparsemax_loss", ValueError, "target", dict(input=np.zeros((2, 3)), target=np.array([0, 1, 2]))),
    ("sparsemax_loss", ValueError, "target", dict(input=np.zeros((2, 3)), target=np.array([0, 3]))),
    ("sparsemax_loss", ValueError, "target", dict(input=np.zeros((2, 3)), target=np.array([0, -100]))),
    ("listnet_loss", TypeError, "scores", dict(scores=np.arange(3), relevance=np.ones(3))),
    ("listnet_loss", ValueError, "relevance", dict(scores=np.zeros((2, 3)), relevance=np.ones((3, 3)))),
    ("listnet_loss", TypeError, "relevance", dict(scores=np.zeros(3), relevance=np.array(["a", "b", "c"]))),
    ("poly1_cross_entropy", TypeError, "target", dict(input=np.zeros((2, 3)), target=np.zeros((2, 3), int))),
    ("poly1_cross_entropy", ValueError, "target", dict(input=np.zeros((2, 3)), target=np.zeros((2, 4)))),
    ("poly1_cross_entropy", TypeError, "epsilon", dict(input=np.zeros((2, 3)), target=np.zeros((2, 3)), epsilon="1")),
])
def test_refused(name, error, match, kwargs):
    assert_refused(name, error, match, **kwargs)


@pytest.mark.parametrize("row", [[0.0, np.inf], [np.nan, 1.0], [-np.inf, -np.inf]])
def test_rows_without_support_are_refused_as_entmax_does(row):
    x = np.array([[0.0, 1.0], row])
    with pytest.raises(RuntimeError):
        entmax.sparsemax(torch.from_numpy(x))
    assert_refused("sparsemax", ValueError, "input", input=x)
    assert_refused("sparsemax_loss", ValueError, "input", input=x, target=np.array([0, 1]))
