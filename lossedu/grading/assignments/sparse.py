"""Assignment 14: sparsemax, sparsemax_loss, listnet_loss, poly1_cross_entropy and their gradients.

The homes (COURSE.md, Part II): entmax's `sparsemax` and `SparsemaxLoss` (with its defaults), optax's
`ranking_softmax_loss` (reduce_fn=jnp.mean) and `poly_loss_cross_entropy` (our default ε = 1.0, the
paper's, not optax's 2.0). The grader runs where only numpy and torch are installed, so the right answers
below are the formulas transcribed into torch and differentiated by autograd (`spec.autograd_reference`).
`lossedu.functional.sparse`, checked against entmax itself and the optax transcriptions in
tests/test_sparse.py, passes every case (tests/test_grading.py, tests/test_grading_cases.py).

What the transcriptions keep from the homes, because it changes a number a learner can see:
* sparsemax: the scores shifted by their (constant) maximum, sorted in descending order, k the number of
  ρ with 1 + ρ·z_(ρ) > Σ_{j≤ρ} z_(j) (strict: an entry exactly at τ gets 0 and is outside the support),
  τ = (Σ_{j≤k} z_(j) − 1)/k, p = max(z − τ, 0) along `dim`. Autograd through the sort and the cumulative
  sum gives entmax's hand-written backward: g − mean_S(g) on the support S, 0 off it;
* sparsemax_loss: ½(1 − ‖p‖²) + ⟨p − e_y, z⟩ per sample, Σ / n (entmax's 'elementwise_mean'); autograd
  through p as well finds the Fenchel–Young gradient (p − e_y)/n (the terms through p cancel);
* listnet_loss: −Σ_i y_i log softmax(s)_i per list (the relevance taken as it is, not normalised), the
  mean over lists; optax's `_safe_reduce` (a nan mean of nan-free lists is 0) is kept, though no case
  needs it;
* poly1_cross_entropy: −Σ y log p + ε·Σ y (1 − p) per sample, no reduction (Σ y (1 − p) is 1 − P_t only
  when y sums to 1).
"""

from __future__ import annotations

import numpy as np

from ..spec import Assignment, Case, Mistake, autograd_reference
from ..cases import loss_parts


# ============================================================================= the references (torch)
def sparsemax(input, dim=-1):
    """entmax's sparsemax along `dim`: p = max(z − τ, 0) with τ from the sorted scores' cumulative sum."""
    import torch

    z = input.movedim(dim, -1)
    z = z - z.max(dim=-1, keepdim=True).values.detach()  # a constant shift: sparsemax(z + c) = sparsemax(z)
    srt, _ = torch.sort(z, dim=-1, descending=True)
    c = srt.cumsum(dim=-1) - 1
    rho = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    k = (rho * srt > c).sum(dim=-1, keepdim=True)
    tau = c.gather(-1, k - 1) / k.to(z.dtype)
    return torch.relu(z - tau).movedim(-1, dim)


def sparsemax_loss(input, target):
    """entmax's SparsemaxLoss(): ½(1 − ‖p‖²) + ⟨p − e_y, z⟩ per sample, Σ over samples / n."""
    import torch.nn.functional as F

    p = sparsemax(input)
    onehot = F.one_hot(target, input.shape[1]).to(input.dtype)
    per_sample = (1 - (p * p).sum(dim=1)) / 2 + ((p - onehot) * input).sum(dim=1)
    return per_sample.sum() / input.shape[0]


def listnet_loss(scores, relevance):
    """optax's ranking_softmax_loss: −Σ y·log_softmax(s) over the last axis, the (safe) mean over lists."""
    import torch

    per_list = -(relevance.to(scores.dtype) * torch.log_softmax(scores, dim=-1)).sum(dim=-1)
    mean = per_list.mean()
    return torch.where(mean.isnan() & ~per_list.isnan().any(), torch.zeros_like(mean), mean)


def poly1_cross_entropy(input, target, epsilon=1.0):
    """optax's poly_loss_cross_entropy (axis=-1): −Σ y·log softmax(x) + ε·Σ y·(1 − softmax(x)), per sample."""
    import torch

    p = torch.softmax(input, dim=-1)
    return -(target * torch.log_softmax(input, dim=-1)).sum(dim=-1) + epsilon * (target * (1 - p)).sum(dim=-1)


SPARSEMAX = autograd_reference(sparsemax, wrt=("input",))
SPARSEMAX_LOSS = autograd_reference(sparsemax_loss, wrt=("input",))
LISTNET = autograd_reference(listnet_loss, wrt=("scores",))
POLY1 = autograd_reference(poly1_cross_entropy, wrt=("input",))


# ============================================================================= the cases
def _support_sizes(x, dim=-1):
    """The support size of sparsemax along `dim`, slice by slice (numpy: to shape the cases only)."""
    z = np.moveaxis(np.asarray(x, dtype=np.float64), dim, -1)
    z = z - np.max(z, axis=-1, keepdims=True)
    srt = -np.sort(-z, axis=-1)
    rho = np.arange(1, z.shape[-1] + 1)
    return np.sum(rho * srt > np.cumsum(srt, axis=-1) - 1, axis=-1)


def _not_one_hot(x, dim=-1):
    """x scaled down until some slice has a support of two entries or more: a hidden answer that is
    one-hot everywhere would reward an argmax (and its gradient is 0)."""
    while np.all(_support_sizes(x, dim) == 1):
        x = x / 4
    return x


def _shape(rng, max_rank=3, low=2, high=7):
    return tuple(int(s) for s in rng.integers(low, high, size=int(rng.integers(1, max_rank + 1))))


def _label(args, names=("input",)):
    parts = [f"{k} {tuple(v.shape)}" for k, v in args.items() if k in names]
    parts += [f"{k}={v!r}" for k, v in args.items() if not isinstance(v, np.ndarray)]
    return ", ".join(parts)


def sparsemax_cases(rng, hidden):
    """1-D to 3-D scores along every dim; ties, entries exactly at τ, all-equal scores, −inf, large scores."""
    out = []

    def add(label, args):
        out.append(Case(label or _label(args), args))

    public = [((6,), None, 1.0), ((4, 5), -1, 1.5), ((4, 5), 0, 1.0), ((2, 3, 4), 1, 0.8), ((2, 5, 3), -2, 1.2),
              ((3, 7), None, 0.1), ((4, 6), 1, 3.0)]
    for shape, dim, scale in public:
        if hidden:
            shape = _shape(rng)
            dim = int(rng.integers(-len(shape), len(shape)))
            scale = float(rng.choice([0.1, 0.5, 1.0, 2.0, 4.0]))
        args = {"input": _not_one_hot(rng.normal(scale=scale, size=shape), -1 if dim is None else dim)}
        if dim is not None:
            args["dim"] = dim
        text = {0.1: " (close scores: every entry in the support)",
                3.0: " (spread-out scores: small supports, many exact zeros)"}
        default = ", the default dim=-1" if dim is None else ""
        add(_label(args) + default + ("" if hidden else text.get(scale, "")), args)
    if hidden:  # halves of small integers: ties inside the support and entries exactly at τ
        x = rng.integers(-4, 5, size=(int(rng.integers(3, 6)), int(rng.integers(3, 7)))) / 2.0
        x[0, :3] = (1.0, 0.0, 0.0)  # two entries exactly at τ = 0 in the first row
        add("ties", {"input": _not_one_hot(x), "dim": -1})
    else:
        x = np.array([[1.0, 0.5, 0.5, -1.0], [1.0, 0.0, 0.0, -0.5], [0.3, 0.3, 0.3, 0.3], [0.2, -0.4, 0.9, 0.6]])
        add("ties: (1, .5, .5, −1) → (2/3, 1/6, 1/6, 0); (1, 0, 0, −.5) has two entries exactly at τ = 0 (p = 0, "
            "outside the support); all-equal scores give 1/C", {"input": x})
    x = _not_one_hot(rng.normal(size=(3, 5) if not hidden else _shape(rng, 2, 3, 7)))
    add("scores near 1000 (sparsemax(z + c) = sparsemax(z): shift by the max first)", {"input": x + 1000.0})
    x = _not_one_hot(rng.normal(size=(3, 4) if not hidden else (int(rng.integers(2, 5)), int(rng.integers(3, 7)))))
    x[1, int(rng.integers(0, x.shape[1]))] = -np.inf
    add("a score of −inf (its p is 0, and its gradient too)", {"input": x})
    return out


def sparsemax_loss_cases(rng, hidden):
    """Random batches at several scales; confident right answers (loss 0), targets outside the support, ties."""
    out = []

    def add(label, args):
        args["target"] = np.asarray(args["target"], dtype=np.int64)
        out.append(Case(label or f"input {args['input'].shape}, target {args['target'].tolist()}", args))

    for n, c, scale in [(5, 4, 1.0), (3, 6, 2.0), (1, 3, 1.0), (6, 5, 0.2), (4, 7, 4.0)]:
        if hidden:
            n, c, scale = int(rng.integers(1, 8)), int(rng.integers(2, 8)), float(rng.choice([0.2, 1.0, 2.0, 4.0]))
        x = _not_one_hot(rng.normal(scale=scale, size=(n, c)))
        add("", {"input": x, "target": rng.integers(0, c, size=n)})
    n, c = (5, 4) if not hidden else (int(rng.integers(3, 7)), int(rng.integers(3, 7)))
    x, y = rng.normal(size=(n, c)), rng.integers(0, c, size=n)
    x[: n // 2 + 1, :] = rng.normal(scale=0.3, size=(n // 2 + 1, c))
    x[np.arange(n // 2), y[: n // 2]] += 3.0  # the first samples: p = e_y, a confident right answer
    add("the first samples are confident and right (p = e_y: their loss and gradient are 0)", {"input": x, "target": y})
    n, c = (4, 5) if not hidden else (int(rng.integers(2, 7)), int(rng.integers(3, 7)))
    x = _not_one_hot(rng.normal(scale=1.5, size=(n, c)))
    add("each target is the lowest score (p_y = 0, outside the support: the loss grows with the gap)",
        {"input": x, "target": np.argmin(x, axis=1)})
    x = np.array([[1.0, 0.5, 0.5, -1.0], [1.0, 0.0, 0.0, -0.5], [0.3, 0.3, 0.3, 0.3]])
    if hidden:
        x = x[rng.permutation(3)][:, rng.permutation(4)] * float(rng.choice([0.5, 1.0, 2.0]))
    add("ties, and targets on entries exactly at τ (p_y = 0) and inside a tie",
        {"input": x, "target": rng.integers(0, 4, size=3) if hidden else [1, 2, 3]})
    x = _not_one_hot(rng.normal(size=(3, 4) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(3, 7)))))
    add("scores near 1000 (⟨p − e_y, z⟩ does not change when z shifts: Σ(p − e_y) = 0)",
        {"input": x + 1000.0, "target": rng.integers(0, x.shape[1], size=len(x))})
    return out


def _relevance(rng, shape, levels=4):
    """Graded relevance 0, 1, …, levels − 1 (as floats), with at least one relevant item per list."""
    y = rng.integers(0, levels, size=shape).astype(np.float64)
    flat = y.reshape(-1, shape[-1])
    flat[flat.sum(axis=1) == 0, 0] = 1.0
    return flat.reshape(shape)


def listnet_cases(rng, hidden):
    """One list (1-D), batches of lists in 2-D and 3-D; one-hot, graded and soft relevance; an irrelevant
    list; relevance broadcast over the lists; all-equal relevance; large scores."""
    out = []

    def add(label, args):
        out.append(Case(label or f"scores {args['scores'].shape}, relevance {args['relevance'].shape}", args))

    def shape(public):
        return public if not hidden else _shape(rng, 3, 2, 7)

    for public in [(7,), (4, 6), (2, 3, 5)]:
        s = shape(public)
        text = {(7,): "one list of 7 items (1-D), graded relevance 0–3",
                (2, 3, 5): "scores (2, 3, 5): 2 × 3 lists of 5 items, the mean over the 6 lists"}
        add("" if hidden else text.get(s, ""), {"scores": rng.normal(scale=1.5, size=s), "relevance": _relevance(rng, s)})
    m, n = (5, 4) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(2, 7)))
    y = np.eye(n)[rng.integers(0, n, size=m)]
    add("one relevant item per list (y one-hot: ListNet is softmax cross-entropy there)",
        {"scores": rng.normal(size=(m, n)), "relevance": y})
    m, n = (3, 5) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(2, 7)))
    add("relevance a distribution over each list (it sums to 1)",
        {"scores": rng.normal(size=(m, n)), "relevance": rng.dirichlet(np.ones(n), size=m)})
    m, n = (4, 5) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(2, 7)))
    y = _relevance(rng, (m, n))
    y[1] = 0.0
    add("the second list has no relevant item (its loss is 0, but it still counts in the mean)",
        {"scores": rng.normal(size=(m, n)), "relevance": y})
    m, n = (3, 5) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(2, 7)))
    add(f"relevance ({n},) broadcast over the {m} lists of scores ({m}, {n})",
        {"scores": rng.normal(size=(m, n)), "relevance": _relevance(rng, (n,))})
    m, n = (3, 4) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(2, 7)))
    r = 2.0 if not hidden else float(rng.choice([0.5, 2.0, 3.0]))
    add(f"all-equal relevance {r} (taken as it is, not normalised: the loss is {r}·Σ −log softmax)",
        {"scores": rng.normal(size=(m, n)), "relevance": np.full((m, n), r)})
    m, n = (2, 6) if not hidden else (int(rng.integers(1, 4)), int(rng.integers(2, 7)))
    add("scores near 1000 (exp overflows: log-softmax subtracts the max first)",
        {"scores": 1000.0 + 3 * rng.normal(size=(m, n)), "relevance": _relevance(rng, (m, n))})
    return out


def poly1_cases(rng, hidden):
    """Hard and soft targets, every kind of ε (default, > 1, < 0, 0), more axes, a broadcast target, targets
    that do not sum to 1, large logits, one sample."""
    out = []

    def add(label, args):
        out.append(Case(label or _label(args, ("input", "target")), args))

    def sizes(public):
        return public if not hidden else _shape(rng, 3, 2, 7)

    def hard(shape):
        return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]

    def soft(shape):
        return rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])

    variants = [((5, 4), hard, None), ((4, 3), soft, 2.0), ((6, 5), hard, -1.0), ((4, 4), soft, 0.0),
                ((2, 3, 4), soft, 0.5)]
    for public, target, eps in variants:
        s = sizes(public)
        if hidden:
            eps = [None, 2.0, 0.5, -1.0, 3.0][int(rng.integers(0, 5))]
        args = {"input": rng.normal(scale=2.0, size=s), "target": target(s)}
        if eps is not None:
            args["epsilon"] = eps
        name = "hard labels (one-hot)" if target is hard else "soft labels"
        default = {None: ", the default epsilon=1.0", 0.0: " (ε = 0: plain cross-entropy)",
                   -1.0: " (ε = −1 removes the first term of the series)"}.get(eps, "")
        add(f"{_label(args, ('input',))}, {name}{default}", args)
    n, c = (5, 4) if not hidden else (int(rng.integers(2, 7)), int(rng.integers(2, 7)))
    add(f"target (1, {c}) broadcast over the {n} samples of input ({n}, {c}), epsilon=1.5",
        {"input": rng.normal(scale=2.0, size=(n, c)), "target": soft((1, c)), "epsilon": 1.5})
    n, c = (4, 5) if not hidden else (int(rng.integers(2, 7)), int(rng.integers(3, 7)))
    y = hard((n, c)) + np.eye(c)[(np.argmax(hard((n, c)), axis=1) + 1) % c]  # two labels of 1
    y[0] = y[0] / 2 + 0.25 * (y[0] == 0)  # and a first row that sums to 1.75
    add("targets that do not sum to 1 (multi-hot): optax's Σ y·(1 − p), not 1 − P_t",
        {"input": rng.normal(scale=2.0, size=(n, c)), "target": y, "epsilon": 2.0})
    n, c = (3, 4) if not hidden else (int(rng.integers(2, 6)), int(rng.integers(2, 7)))
    add("logits of ±1000 (exp overflows: log-softmax subtracts the max first)",
        {"input": 1000.0 * rng.normal(size=(n, c)), "target": soft((n, c))})
    c = 4 if not hidden else int(rng.integers(2, 7))
    add(f"one sample, input ({c},): a 0-d result", {"input": rng.normal(size=c), "target": soft((c,))})
    return out


# ============================================================================= the usual mistakes
def _mistake(message, expected):
    """A Mistake whose numpy answer is computed quietly: a learner's wrong formula may well meet inf − inf
    (a score of −inf, a threshold gone wrong), which is no reason to warn in the grader's output."""

    def quiet(case, reference):
        with np.errstate(all="ignore"):
            return expected(case, reference)

    return Mistake(message, quiet)


def _is_backward(case):
    return "grad_output" in case.args


def _numpy_sparsemax(x, dim=-1, *, rho_from_zero=False, ascending=False):
    """A learner's sparsemax along `dim` (the mistakes' flags), with its k: (p, k), or None if k = 0."""
    z = np.moveaxis(np.asarray(x, dtype=np.float64), dim, -1)
    z = z - np.max(z, axis=-1, keepdims=True)
    srt = np.sort(z, axis=-1) if ascending else -np.sort(-z, axis=-1)
    c = np.cumsum(srt, axis=-1) - 1
    rho = np.arange(z.shape[-1]) + (0 if rho_from_zero else 1)
    k = np.sum(rho * srt > c, axis=-1, keepdims=True)
    if np.any(k == 0):
        return None
    tau = np.take_along_axis(c, k - 1, axis=-1) / k
    return np.maximum(z - tau, 0.0), k


def _sparsemax_jvp(g, p, k):
    """The learner's backward from their p and k: g − Σ_{p>0} g / k on p > 0, 0 elsewhere."""
    on = p > 0
    g = np.where(on, g, 0.0)
    return np.where(on, g - np.sum(g, axis=-1, keepdims=True) / k, 0.0)


def _learner_sparsemax(**flags):
    """A mistake in the learner's shared sparsemax helper: it shows in the forward and in the backward."""

    def expected(case, _reference):
        a = case.args
        dim = a.get("dim", -1)
        got = _numpy_sparsemax(a["input"], dim, **flags)
        if got is None:
            return None
        p, k = got
        if _is_backward(case):
            g = np.moveaxis(np.asarray(a["grad_output"], dtype=np.float64), dim, -1)
            return np.moveaxis(_sparsemax_jvp(g, p, k), -1, dim)
        return np.moveaxis(p, -1, dim)

    return expected


def _sparsemax_backward_with(local):
    """A backward-only mistake: `local(g, p, k)` from the right p and k along the last axis."""

    def expected(case, _reference):
        if not _is_backward(case):
            return None
        a = case.args
        dim = a.get("dim", -1)
        p, k = _numpy_sparsemax(a["input"], dim)
        g = np.moveaxis(np.asarray(a["grad_output"], dtype=np.float64), dim, -1)
        return np.moveaxis(local(g, p, k), -1, dim)

    return expected


def _no_tau(case, _reference):
    x = np.asarray(case.args["input"], dtype=np.float64)
    if _is_backward(case):
        return np.where(x > 0, case.args["grad_output"], 0.0)
    return np.maximum(x, 0.0)


def _last_axis(case, reference):
    a = case.args
    ndim = np.ndim(a["input"])
    dim = a.get("dim", -1)
    return None if dim % ndim == ndim - 1 else reference({**a, "dim": -1})


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_jacobian(g, p, k):
    return p * (g - np.sum(p * g, axis=-1, keepdims=True))


SPARSEMAX_MISTAKES = (
    _mistake("the support size counts ρ = 1, 2, …, C (1 + ρ·z_(ρ) > Σ_{j≤ρ} z_(j)): you counted from 0 "
            "(np.arange(C) instead of np.arange(1, C + 1)), an off-by-one in the support and so in τ",
            _learner_sparsemax(rho_from_zero=True)),
    _mistake("the support test and τ read the scores sorted in DESCENDING order (np.sort is ascending: "
            "reverse it)", _learner_sparsemax(ascending=True)),
    _mistake("p = max(z − τ, 0): you left the threshold τ out (max(z, 0) does not sum to 1)", _no_tau),
    _mistake("sparsemax runs along `dim`: you always used the last axis", _last_axis),
    _mistake("sparsemax's Jacobian is diag(s) − s·sᵀ/k (s = 1 on the support): on the support the gradient is "
            "g − mean_S(g); you used softmax's p ⊙ (g − ⟨p, g⟩)", _sparsemax_backward_with(_softmax_jacobian)),
    _mistake("off the support (p = 0) the gradient is 0: you subtracted mean_S(g) there too",
            _sparsemax_backward_with(lambda g, p, k: g - np.sum(np.where(p > 0, g, 0.0), axis=-1, keepdims=True) / k)),
    _mistake("the mean subtracted on the support is over its k entries only, not over all C scores",
            _sparsemax_backward_with(lambda g, p, k: np.where(p > 0, g - np.mean(g, axis=-1, keepdims=True), 0.0))),
)


def _loss_parts(case):
    """(x, onehot, p = sparsemax(x), n) of a sparsemax_loss case."""
    x = np.asarray(case.args["input"], dtype=np.float64)
    y = np.asarray(case.args["target"])
    p, _ = _numpy_sparsemax(x)
    return x, np.eye(x.shape[1])[y], p, x.shape[0]


def _inner_product_only(case, _reference):
    if _is_backward(case):
        return None
    x, onehot, p, n = _loss_parts(case)
    return np.sum((p - onehot) * x) / n


def _softmax_gradient(case, _reference):
    if not _is_backward(case):
        return None
    x, onehot, _, n = _loss_parts(case)
    return case.args["grad_output"] * (_softmax(x, axis=1) - onehot) / n


def _summed(case, reference):
    n = np.shape(case.args["input"])[0]
    return None if n == 1 else n * np.asarray(reference(case.args))


SPARSEMAX_LOSS_MISTAKES = (
    _mistake("the sparsemax loss is ½(1 − ‖p‖²) + ⟨p − e_y, z⟩ (i.e. ½‖e_y‖² − ½‖p‖² + ⟨p − e_y, z⟩): you left "
            "out the ½(1 − ‖p‖²) term", _inner_product_only),
    _mistake("the gradient is sparsemax(z) − e_y (the Fenchel–Young gradient; softmax cross-entropy's is "
            "softmax(z) − e_y): you used softmax", _softmax_gradient),
    _mistake("SparsemaxLoss averages over the n samples (Σ / n): you summed", _summed),
)


def _listnet_arrays(case):
    s = np.asarray(case.args["scores"], dtype=np.float64)
    y = np.broadcast_to(np.asarray(case.args["relevance"], dtype=np.float64), s.shape)
    return s, y, max(s.size // s.shape[-1], 1)


def _listnet_with(labels):
    """The learner's ListNet with the relevance replaced by labels(y) (forward, and its gradient)."""

    def expected(case, _reference):
        s, y, m = _listnet_arrays(case)
        t = labels(y)
        if t is None or np.allclose(t, y):
            return None
        lsm = s - np.max(s, axis=-1, keepdims=True)
        lsm = lsm - np.log(np.sum(np.exp(lsm), axis=-1, keepdims=True))
        if _is_backward(case):
            return case.args["grad_output"] / m * (np.sum(t, axis=-1, keepdims=True) * np.exp(lsm) - t)
        return -np.sum(t * lsm) / m

    return expected


def _normalised(y):
    total = np.sum(y, axis=-1, keepdims=True)
    return np.where(total > 0, y / np.where(total > 0, total, 1.0), 0.0)


def _listnet_scaled(factor):
    def expected(case, reference):
        s, _, m = _listnet_arrays(case)
        k = factor(s, m)
        return None if k == 1 else k * np.asarray(reference(case.args))

    return expected


def _listnet_ce_gradient(case, _reference):
    if not _is_backward(case):
        return None
    s, y, m = _listnet_arrays(case)
    return case.args["grad_output"] / m * (_softmax(s) - y)


LISTNET_MISTAKES = (
    _mistake("optax takes the relevance as it is: you normalised it to sum to 1 per list (as the ListNet paper "
            "and rax's softmax_loss do)", _listnet_with(_normalised)),
    _mistake("optax takes the relevance as it is: you turned it into softmax(relevance) (the ListNet paper's "
            "top-one probabilities of the labels)", _listnet_with(lambda y: _softmax(y))),
    _mistake("the loss is the MEAN over the lists: you summed them", _listnet_scaled(lambda s, m: m)),
    _mistake("the mean is over the lists (the last axis is summed inside each list): you averaged over every "
            "item", _listnet_scaled(lambda s, m: 1 / s.shape[-1])),
    _mistake("∂ℓ/∂s = (Σ_j y_j)·softmax(s) − y: softmax(s) − y holds only when the relevance sums to 1",
            _listnet_ce_gradient),
)


def _poly_arrays(case):
    x = np.asarray(case.args["input"], dtype=np.float64)
    y = np.broadcast_to(np.asarray(case.args["target"], dtype=np.float64), x.shape)
    return x, y, float(case.args.get("epsilon", 1.0)), _softmax(x)


def _poly_with(value=None, gradient=None):
    """A learner's Poly-1: value(x, y, ε, p) per sample for the forward, gradient(x, y, ε, p) for the
    backward (None: the mistake does not show there)."""

    def expected(case, _reference):
        x, y, eps, p = _poly_arrays(case)
        if _is_backward(case):
            if gradient is None:
                return None
            return np.asarray(case.args["grad_output"])[..., None] * gradient(x, y, eps, p)
        return None if value is None else value(x, y, eps, p)

    return expected


def _ce(x, y):
    lsm = x - np.max(x, axis=-1, keepdims=True)
    lsm = lsm - np.log(np.sum(np.exp(lsm), axis=-1, keepdims=True))
    return -np.sum(y * lsm, axis=-1)


def _ce_gradient(y, p):
    return np.sum(y, axis=-1, keepdims=True) * p - y


def _pt_gradient(y, p):
    """∂P_t/∂x with P_t = Σ y·p: p ⊙ (y − P_t)."""
    return p * (y - np.sum(y * p, axis=-1, keepdims=True))


def _default_epsilon_2(case, reference):
    return None if "epsilon" in case.args else reference({**case.args, "epsilon": 2.0})


POLY1_MISTAKES = (
    _mistake("Poly-1 adds ε·(1 − P_t), the first term of cross-entropy's Taylor series in (1 − P_t): you added "
            "ε·P_t (p instead of 1 − p)",
            _poly_with(lambda x, y, e, p: _ce(x, y) + e * np.sum(y * p, axis=-1),
                       lambda x, y, e, p: _ce_gradient(y, p) + e * _pt_gradient(y, p))),
    _mistake("the ε-term has a gradient too: ∂[ε·Σ y(1 − p)]/∂x = −ε·p ⊙ (y − P_t); you differentiated the "
            "cross-entropy only", _poly_with(gradient=lambda x, y, e, p: _ce_gradient(y, p))),
    _mistake("the course's default is epsilon=1.0 (the Poly-1 paper's), not optax's 2.0", _default_epsilon_2),
    _mistake("optax's term is Σ y·(1 − p), which is 1 − P_t only when the target sums to 1: you wrote 1 − Σ y·p",
            _poly_with(lambda x, y, e, p: _ce(x, y) + e * (1 - np.sum(y * p, axis=-1)))),
    _mistake("the cross-entropy's gradient is (Σ_i y_i)·p − y: p − y holds only when the target sums to 1",
            _poly_with(gradient=lambda x, y, e, p: p - y - e * _pt_gradient(y, p))),
)


ASSIGNMENT = Assignment(
    name="14_sparse_and_structured_outputs",
    title="Sparse and structured outputs: sparsemax, the sparsemax loss, ListNet, Poly-1",
    parts=(
        *loss_parts("sparsemax", sparsemax_cases, mistakes=SPARSEMAX_MISTAKES, reference=SPARSEMAX.forward,
                    backward_reference=SPARSEMAX.backward, wrt=("input",)),
        *loss_parts("sparsemax_loss", sparsemax_loss_cases, mistakes=SPARSEMAX_LOSS_MISTAKES,
                    reference=SPARSEMAX_LOSS.forward, backward_reference=SPARSEMAX_LOSS.backward, wrt=("input",)),
        *loss_parts("listnet_loss", listnet_cases, mistakes=LISTNET_MISTAKES, reference=LISTNET.forward,
                    backward_reference=LISTNET.backward, wrt=("scores",)),
        *loss_parts("poly1_cross_entropy", poly1_cases, mistakes=POLY1_MISTAKES, reference=POLY1.forward,
                    backward_reference=POLY1.backward, wrt=("input",)),
    ),
)
