"""Course helpers of notebook 14 (sparse and structured outputs): `lossedu.lessons.sparse`.

The derivation's pieces are checked against entmax and torch (independent implementations), the other
libraries' conventions against entmax itself where it is the library transcribed and against hand-worked
numbers (optax's and rax's docstring examples, the ListNet formula) where the library cannot be imported
here; the figures against the formulas they draw, and their speed through `lossedu.plot.interactive`.
"""
import time

import entmax
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu.lessons import sparse as S
from lossedu.plot import interactive


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- the pieces of the derivation
def test_softmax_is_torchs():
    z = _rng().standard_normal((4, 6)) * 30
    np.testing.assert_allclose(S.softmax(z), torch.softmax(torch.tensor(z), -1).numpy(), rtol=1e-13)
    np.testing.assert_allclose(S.softmax(z, axis=0), torch.softmax(torch.tensor(z), 0).numpy(), rtol=1e-13)


def test_sparsemax_threshold_by_hand():
    # sorted (1, .8, .1): k = 2 passes (1 + 1.6 > 1.8), k = 3 fails (1.3 < 1.9); τ = (1.8 − 1)/2
    tau, support = S.sparsemax_threshold(np.array([0.1, 1.0, 0.8]))
    assert np.isclose(tau, 0.4) and support.tolist() == [False, True, True]
    # an entry exactly at τ is outside the support: (1, 0, 0) has τ = 0
    tau, support = S.sparsemax_threshold(np.array([1.0, 0.0, 0.0]))
    assert tau == 0 and support.tolist() == [True, False, False]
    # all equal: everything in, τ = z − 1/n
    tau, support = S.sparsemax_threshold(np.full(4, 2.0))
    assert np.isclose(tau, 2 - 0.25) and support.all()


@pytest.mark.parametrize("ties", [False, True])
def test_sparsemax_threshold_gives_entmax_sparsemax(ties):
    rng = _rng(1)
    for _ in range(100):
        z = rng.integers(-4, 5, 7) / 2 if ties else rng.standard_normal(7) * rng.choice([0.1, 1.0, 10.0])
        tau, support = S.sparsemax_threshold(z)
        p = entmax.sparsemax(torch.tensor(z)).numpy()
        np.testing.assert_allclose(np.maximum(z - tau, 0), p, atol=1e-15)
        np.testing.assert_array_equal(support, p > 0)


@pytest.mark.parametrize("z", [np.zeros((2, 3)), np.array([]), np.array([1.0, np.nan]), np.array([np.inf, 0.0])])
def test_sparsemax_threshold_refuses_what_it_cannot_sort(z):
    with pytest.raises(ValueError, match="z must"):
        S.sparsemax_threshold(z)


def test_jacobians_are_autograds():
    for seed in range(5):
        z = _rng(seed).standard_normal(6)
        J_home = torch.autograd.functional.jacobian(entmax.sparsemax, torch.tensor(z)).numpy()
        np.testing.assert_allclose(S.sparsemax_jacobian(z), J_home, atol=1e-15)
        J_soft = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, -1), torch.tensor(z)).numpy()
        np.testing.assert_allclose(S.softmax_jacobian(z), J_soft, rtol=1e-12, atol=1e-16)
    J = S.sparsemax_jacobian(np.array([1.0, 0.8, 0.1]))
    np.testing.assert_allclose(J, [[0.5, -0.5, 0], [-0.5, 0.5, 0], [0, 0, 0]])  # diag(s) − s sᵀ/2


# ----------------------------------------------------------------------------- Fenchel–Young
def test_fenchel_young_cases_are_cross_entropy_and_entmax_sparsemax_loss():
    rng = _rng(2)
    z, y = rng.standard_normal((7, 5)) * 3, rng.integers(0, 5, 7)
    onehot = np.eye(5)[y]
    zt = torch.tensor(z, requires_grad=True)
    ce = F.cross_entropy(zt, torch.tensor(y), reduction="none")
    loss, grad = S.fenchel_young_loss(z, onehot, "shannon")
    np.testing.assert_allclose(loss, ce.detach().numpy(), rtol=1e-13)
    (g,) = torch.autograd.grad(ce.sum(), zt)
    np.testing.assert_allclose(grad, g.numpy(), atol=1e-15)

    zt = torch.tensor(z, requires_grad=True)
    sp = entmax.SparsemaxLoss(reduction="none")(zt, torch.tensor(y))
    loss, grad = S.fenchel_young_loss(z, onehot, "gini")
    np.testing.assert_allclose(loss, sp.detach().numpy(), rtol=1e-13, atol=1e-15)
    (g,) = torch.autograd.grad(sp.sum(), zt)
    np.testing.assert_allclose(grad, g.numpy(), atol=1e-15)


def test_fenchel_young_with_soft_targets():
    # Shannon with a distribution y: Ω(y) = Σ y log y, so L = KL(y ‖ softmax(z)); zero iff y = ŷ
    rng = _rng(3)
    z, y = rng.standard_normal((4, 6)), rng.dirichlet(np.ones(6), 4)
    kl = F.kl_div(torch.log_softmax(torch.tensor(z), -1), torch.tensor(y), reduction="none").sum(-1).numpy()
    np.testing.assert_allclose(S.fenchel_young_loss(z, y, "shannon")[0], kl, rtol=1e-12)
    assert np.allclose(S.fenchel_young_loss(z, S.softmax(z), "shannon")[0], 0, atol=1e-14)
    p = LF.sparsemax(z)
    assert np.allclose(S.fenchel_young_loss(z, p, "gini")[0], 0, atol=1e-14)
    assert np.all(S.fenchel_young_loss(z, y, "gini")[0] > 0)
    with pytest.raises(ValueError, match="regulariser"):
        S.fenchel_young_loss(z, y, "tsallis")


def test_margin_losses_by_hand():
    m = np.array([-1.0, 0.5, 1.0, 2.0])
    out = S.margin_losses(m)
    ce, ce_grad = out["cross-entropy"]
    np.testing.assert_allclose(ce, np.log1p(2 * np.exp(-m)), rtol=1e-14)
    np.testing.assert_allclose(ce_grad, S.softmax(np.stack([m, 0 * m, 0 * m], 1))[:, 0] - 1, rtol=1e-14)
    sp, sp_grad = out["sparsemax loss"]
    np.testing.assert_allclose(sp[1], 1 / 12, rtol=1e-14)  # worked out in test_optax_multiclass_sparsemax_loss_by_hand
    assert sp[2] == sp[3] == 0 and sp_grad[2] == sp_grad[3] == 0 and sp_grad[1] == 2 / 3 - 1
    hinge, hinge_grad = out["multi-class hinge"]
    np.testing.assert_allclose(hinge, np.maximum(0, 1 - m) * 2 / 3, rtol=1e-14)  # two wrong classes, / C
    np.testing.assert_allclose(hinge_grad, np.where(m < 1, -2 / 3, 0), rtol=1e-14)
    fig = S.plot_margin_losses(m)
    assert isinstance(fig, Figure)
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(), sp)


# ----------------------------------------------------------------------------- other conventions
def test_optax_multiclass_sparsemax_loss_by_hand():
    # z = (1/2, 0, 0), class 0: all three pass the test, τ = (1/2 − 1)/3 = −1/6, p = (2/3, 1/6, 1/6);
    # ℓ = Σ p_j (z_j − z_y) + ½(1 − ‖p‖²) = −1/6 + ½(1 − 1/2) = 1/12. z = (1, 0, 0): p = e_0, ℓ = 0.
    loss = S.optax_multiclass_sparsemax_loss(np.array([[0.5, 0.0, 0.0], [1.0, 0.0, 0.0]]), np.array([0, 0]))
    np.testing.assert_allclose(loss, [1 / 12, 0.0], atol=1e-16)


@pytest.mark.parametrize("ignore_index", [-100, 0, 2])
@pytest.mark.parametrize("reduction", ["elementwise_mean", "sum", "none"])
def test_entmax_sparsemax_loss_transcription_is_entmax(reduction, ignore_index):
    rng = _rng(4)
    z, y = rng.standard_normal((6, 4)) * 2, np.array([0, 2, 1, 2, 3, 0])
    home = entmax.SparsemaxLoss(ignore_index=ignore_index, reduction=reduction)(torch.tensor(z), torch.tensor(y))
    np.testing.assert_allclose(S.entmax_sparsemax_loss(z, y, reduction, ignore_index), home.numpy(), rtol=1e-13, atol=1e-15)


def test_entmax_sparsemax_loss_defaults_are_the_packages_and_bad_reductions_are_refused():
    rng = _rng(5)
    z, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    np.testing.assert_allclose(S.entmax_sparsemax_loss(z, y), LF.sparsemax_loss(z, y), rtol=1e-14)
    np.testing.assert_allclose(S.optax_multiclass_sparsemax_loss(z, y).mean(), LF.sparsemax_loss(z, y), rtol=1e-14)
    with pytest.raises(ValueError, match="reduction"):
        S.entmax_sparsemax_loss(z, y, reduction="mean")


def test_rax_softmax_loss_normalises_the_labels():
    # rax's docstring: scores (2, 1, 3), labels (1, 0, 0) → 1.4076059; labels ×5 change nothing there
    assert np.isclose(S.rax_softmax_loss(np.array([2.0, 1.0, 3.0]), np.array([1.0, 0.0, 0.0])), 1.4076059, atol=5e-8)
    assert np.isclose(S.rax_softmax_loss(np.array([2.0, 1.0, 3.0]), np.array([5.0, 0.0, 0.0])), 1.4076059, atol=5e-8)
    rng = _rng(6)
    s, y = rng.standard_normal(5), np.array([3.0, 0.0, 1.0, 2.0, 0.0])
    assert np.isclose(LF.listnet_loss(s, y), y.sum() * S.rax_softmax_loss(s, y))  # optax = (Σ y) × rax, one list
    with pytest.raises(ValueError, match="relevance"):
        S.rax_softmax_loss(s, np.zeros(5))


def test_listnet_paper_loss_takes_the_softmax_of_the_relevance():
    rng = _rng(7)
    s, y = rng.standard_normal((3, 5)), rng.integers(0, 4, (3, 5)).astype(float)
    expected = -(torch.softmax(torch.tensor(y), -1) * torch.log_softmax(torch.tensor(s), -1)).sum(-1).mean()
    np.testing.assert_allclose(S.listnet_paper_loss(s, y), expected.item(), rtol=1e-13)
    # all-equal relevance: a uniform target, the same as rax's normalised labels
    assert np.isclose(S.listnet_paper_loss(s[0], np.full(5, 2.0)), S.rax_softmax_loss(s[0], np.full(5, 2.0)))


# ----------------------------------------------------------------------------- attention data
def test_attention_sets_mark_the_relevant_items_and_average_their_values():
    x, target, relevant = S.attention_sets(sets=20, items=5, relevant=2, features=3, seed=4)
    assert x.shape == (20, 5, 4) and target.shape == (20,) and relevant.shape == (20, 5)
    assert x.dtype == target.dtype == np.float64 and relevant.dtype == bool
    assert np.all(relevant.sum(1) == 2)
    np.testing.assert_allclose(target, np.sum(x[..., 3] * relevant, axis=1) / 2)
    marked = x[..., :3][relevant]
    np.testing.assert_allclose(np.linalg.norm(marked.mean(0)), 2, rtol=0.02)  # one marker, norm 2
    assert np.all(np.abs(marked - marked.mean(0)) < 0.3)  # ... with little noise
    # the ideal attention (1/2 on each marked item, 0 elsewhere) fits the target exactly
    np.testing.assert_allclose(np.sum(relevant / 2 * x[..., 3], axis=1), target)
    np.testing.assert_array_equal(x, S.attention_sets(sets=20, items=5, relevant=2, features=3, seed=4)[0])
    with pytest.raises(ValueError, match="relevant"):
        S.attention_sets(items=3, relevant=3)


def test_plot_attention_draws_each_runs_weights():
    _, _, relevant = S.attention_sets(sets=4, items=5, seed=1)
    w = {"a": np.full((4, 5), 0.2), "b": relevant / 2.0}
    fig = S.plot_attention(w, relevant, sets=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    heights = [p.get_height() for p in fig.axes[1].patches if p.get_width() < 0.5]  # the bars, not the bands
    np.testing.assert_allclose(heights, np.concatenate([w["a"][1], w["b"][1]]))


# ----------------------------------------------------------------------------- ranking data and NDCG
def test_ranking_lists_are_seeded_graded_and_follow_the_hidden_utility():
    x, rel, w = S.ranking_lists(lists=40, items=6, features=3, seed=2)
    assert x.shape == (40, 6, 3) and rel.shape == (40, 6) and w.shape == (3,)
    assert x.dtype == rel.dtype == np.float64 and set(np.unique(rel)) == {0.0, 1.0, 2.0, 3.0}
    assert all(abs(np.mean(rel == g) - 0.25) < 0.01 for g in range(4))  # quartiles of the utility
    np.testing.assert_array_equal(rel, S.ranking_lists(lists=40, items=6, features=3, seed=2)[1])
    assert not np.array_equal(x, S.ranking_lists(lists=40, items=6, features=3, seed=3)[0])
    assert S.ndcg(x @ w, rel) > S.ndcg(-(x @ w), rel) + 0.2
    _, clean, _ = S.ranking_lists(lists=40, items=6, features=3, noise=0.0, seed=2)
    assert S.ndcg(x @ w, clean) == 1.0  # without noise the utility ranks perfectly
    with pytest.raises(ValueError, match="items"):
        S.ranking_lists(items=1)


def test_ndcg_by_hand():
    rel = np.array([3.0, 2.0, 0.0])
    assert S.ndcg(np.array([3.0, 2.0, 1.0]), rel) == 1.0
    # reversed: gains (0, 3, 7) at discounts (1, 1/log2 3, 1/2) over the ideal 7 + 3/log2 3
    expected = (3 / np.log2(3) + 7 / 2) / (7 + 3 / np.log2(3))
    assert np.isclose(S.ndcg(np.array([1.0, 2.0, 3.0]), rel), expected)
    assert np.isclose(S.ndcg(np.array([1.0, 2.0, 3.0]), rel, k=1), 0.0)  # the top item has gain 0
    assert S.ndcg(np.array([[1.0, 2.0]]), np.zeros((1, 2))) == 1.0  # nothing relevant: nothing to get wrong


# ----------------------------------------------------------------------------- figures and widgets
def test_simplex_widget_draws_both_mappings():
    fig, update = S.simplex_widget(0.0, 1.0)
    assert isinstance(fig, Figure) and isinstance(S.plot_simplex(1.0, 0.5), Figure)
    bar_ax, tri_ax = fig.axes
    for z3, t in ((-2.0, 1.0), (0.7, 0.3), (2.5, 3.0)):
        update(z3, t)
        z = np.array([1.0, 0.4, z3]) / t
        heights = np.array([b.get_height() for b in bar_ax.patches])
        np.testing.assert_allclose(heights[:3], S.softmax(z), rtol=1e-14)
        np.testing.assert_allclose(heights[3:], LF.sparsemax(z), rtol=1e-14)
        soft_path, sparse_path, soft_dot, sparse_dot = tri_ax.get_lines()[1:5]
        np.testing.assert_allclose(sparse_dot.get_xydata()[0], S.simplex_xy(LF.sparsemax(z)), atol=1e-15)
        np.testing.assert_allclose(soft_dot.get_xydata()[0], S.simplex_xy(S.softmax(z)), atol=1e-15)
        assert np.all(soft_path.get_xydata()[:, 1] > 0)  # inside: never on the edge 1–2 (p₃ > 0)
        assert f"{int(np.sum(LF.sparsemax(z) == 0))} zero" in bar_ax.get_title()
    np.testing.assert_allclose(S.simplex_xy(np.eye(3)), [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])


def test_threshold_widget_draws_tau_and_the_probabilities():
    fig, update = S.threshold_widget()
    assert isinstance(S.plot_threshold(2.0, 0.5), Figure)
    (ax,) = fig.axes
    for first, t in ((0.9, 1.0), (3.0, 0.5), (-3.0, 0.5), (-2.0, 2.5), (1.2, 3.0)):
        update(first, t)
        z = np.array(S.THRESHOLD_SCORES)
        z[0] = first
        z /= t
        tau, _ = S.sparsemax_threshold(z)
        scores, probs = ax.patches[:8], ax.patches[8:]
        np.testing.assert_allclose([b.get_height() for b in scores], z, rtol=1e-15)
        np.testing.assert_allclose([b.get_height() for b in probs], LF.sparsemax(z), atol=1e-15)
        assert all(b.get_y() == tau for b in probs) and np.isclose(sum(b.get_height() for b in probs), 1)
        assert ax.get_lines()[0].get_ydata()[0] == tau
        lo, hi = ax.get_ylim()
        assert lo <= z.min() and z.max() <= hi  # the axis holds the scores over the notebook's slider range


@pytest.mark.parametrize("make, moves", [
    (lambda: interactive(S.simplex_widget, z3=(-3.0, 3.0, 0.05, 0.0), temperature=(0.1, 4.0, 0.05, 1.0)),
     [("z3", v) for v in np.linspace(-3, 3, 10)] + [("temperature", v) for v in np.linspace(0.1, 4, 10)]),
    (lambda: interactive(S.threshold_widget, first=(-3.0, 3.0, 0.05, 0.9), temperature=(0.5, 3.0, 0.05, 1.0)),
     [("first", v) for v in np.linspace(-3, 3, 10)] + [("temperature", v) for v in np.linspace(0.5, 3, 10)]),
])
def test_widgets_answer_well_under_100_ms(make, moves):
    ui = make()
    ui.canvas.syncing_data_url = False  # as a browser showing it: ipympl renders and sends each change
    ui.canvas.send = lambda *args, **kwargs: None
    totals = []
    for name, value in moves:
        start = time.perf_counter()
        ui.controls[name].value = round(float(value), 2)
        totals.append(1e3 * (time.perf_counter() - start))
    assert ui.rebuilds == 0  # the fast path: the figure is built once
    assert np.median(totals) < 100, f"median move {np.median(totals):.1f} ms"  # the course's bar (~30 ms here)


def test_markdown_table_is_the_courses():
    md = S.markdown_table([{"a": "x", "b": np.asarray(0.25)}], ["a", "b"], digits=2)
    assert md.data.splitlines()[-1] == "| x | 0.25 |"
