"""Course helpers of notebook 13 (learning from preferences): `lossedu.lessons.preference`.

The closed form is checked against the objective it maximises, the data against the Bradley-Terry model
it is drawn from, the table model against the closed form DPO must reach, the other DPO conventions
against hand-worked numbers and their defining property, and the figures against the formulas they draw.
"""
import time

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import lossedu
import lossedu.functional as LF
from lossedu.lessons import preference as P
from lossedu.train import fit


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ----------------------------------------------------------------------------- the closed form
def test_softmax_log_softmax_and_kl_by_hand():
    np.testing.assert_allclose(P.softmax([0.0, np.log(3.0)]), [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(P.log_softmax([[1000.0, 1000.0]]), [[-np.log(2)] * 2], rtol=1e-15)  # no overflow
    assert P.kl_divergence([0.5, 0.5], [0.5, 0.5]) == 0
    np.testing.assert_allclose(P.kl_divergence([1.0, 0.0], [0.25, 0.75]), np.log(4), rtol=1e-15)  # 0·log 0 = 0


@pytest.mark.parametrize("beta", [0.05, 0.5, 3.0])
def test_aligned_policy_is_the_tilted_reference_and_maximises_the_objective(beta):
    ref, r = np.array(P.REFERENCE), np.array(P.REWARDS)
    pi = P.aligned_policy(ref, r, beta)
    Z = np.sum(ref * np.exp(r / beta))
    np.testing.assert_allclose(pi, ref * np.exp(r / beta) / Z, rtol=1e-12)
    np.testing.assert_allclose(P.rlhf_objective(pi, ref, r, beta), beta * np.log(Z), rtol=1e-12)  # the maximum, β log Z
    others = P.softmax(np.random.default_rng(0).normal(0, 2, (500, ref.size)))
    assert np.all(P.rlhf_objective(others, ref, r, beta) < beta * np.log(Z))
    # the gap is β·KL(π‖π*): the identity the notebook derives
    np.testing.assert_allclose(beta * np.log(Z) - P.rlhf_objective(others, ref, r, beta),
                               beta * P.kl_divergence(others, pi), rtol=1e-9)
    # its implicit reward is r − β log Z
    np.testing.assert_allclose(P.implicit_reward(pi, ref, beta), r - beta * np.log(Z), rtol=1e-10, atol=1e-12)


def test_aligned_policy_limits_and_no_overflow():
    ref, r = np.array(P.REFERENCE), np.array(P.REWARDS)
    assert P.aligned_policy(ref, r, 1e-4)[np.argmax(r)] == 1.0  # e^{r/β} of 15 000 does not overflow
    assert P.kl_divergence(P.aligned_policy(ref, r, 1e4), ref) < 1e-8
    batch = P.aligned_policy(np.tile(ref, (3, 1)), np.tile(r, (3, 1)), 0.5)  # one row per prompt
    np.testing.assert_allclose(batch, np.tile(P.aligned_policy(ref, r, 0.5), (3, 1)))


# ----------------------------------------------------------------------------- data
def test_preference_data_is_seeded_and_compares_every_pair_equally_often():
    d = P.preference_data(prompts=3, answers=4, comparisons=5, seed=2)
    assert d.rewards.shape == d.reference_logits.shape == (3, 4)
    assert d.pairs.dtype == np.int64 and d.pairs.shape == (3 * 6 * 5, 3)
    x, c, r = d.pairs.T
    assert np.all(c != r) and set(x) == {0, 1, 2}
    met = np.zeros((3, 4, 4), dtype=int)
    np.add.at(met, (x, np.minimum(c, r), np.maximum(c, r)), 1)
    assert np.all(met[:, np.triu_indices(4, 1)[0], np.triu_indices(4, 1)[1]] == 5)
    again = P.preference_data(prompts=3, answers=4, comparisons=5, seed=2)
    np.testing.assert_array_equal(d.pairs, again.pairs)
    assert not np.array_equal(d.pairs, P.preference_data(prompts=3, answers=4, comparisons=5, seed=3).pairs)
    logp = P.log_softmax(d.reference_logits)
    np.testing.assert_allclose(d.reference_logps(), np.stack([logp[x, c], logp[x, r]], 1))
    np.testing.assert_allclose(d.reference.sum(axis=1), 1)


def test_preferences_follow_bradley_terry():
    d = P.preference_data(prompts=2, answers=3, comparisons=4000, seed=1)
    rates = d.win_rates()
    expected = sigmoid(d.rewards[:, :, None] - d.rewards[:, None, :])
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(rates[:, off], expected[:, off], atol=0.03)  # 4000 draws: σ ≈ 0.008
    assert np.isnan(rates[:, 0, 0]).all()


@pytest.mark.parametrize("kwargs, match", [(dict(answers=1), "answers"), (dict(prompts=0), "prompts"),
                                           (dict(comparisons=2.5), "comparisons")])
def test_preference_data_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        P.preference_data(**kwargs)


def test_bradley_terry_mle_is_a_stationary_point_and_recovers_the_reward():
    d = P.preference_data(prompts=2, answers=4, comparisons=600, seed=4)
    r = P.bradley_terry_mle(d.pairs, (2, 4))
    np.testing.assert_allclose(r.mean(axis=1), 0, atol=1e-14)
    x, c, j = d.pairs.T
    g_c, g_r = LF.bradley_terry_loss_backward(1.0, r[x, c], r[x, j])
    grad = np.zeros((2, 4))
    np.add.at(grad, (x, c), g_c)
    np.add.at(grad, (x, j), g_r)
    assert np.abs(grad).max() < 1e-10
    hidden = d.rewards - d.rewards.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(r, hidden, atol=0.15)  # 600 comparisons per pair


# ----------------------------------------------------------------------------- the table model
def test_score_table_reads_as_a_policy_or_as_rewards():
    init = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, -1.0]])
    pairs = torch.tensor([[0, 2, 1], [1, 0, 2]])
    logp = P.log_softmax(init)
    np.testing.assert_allclose(P.ScoreTable(init)(pairs).detach().numpy(), [[logp[0, 2], logp[0, 1]], [logp[1, 0], logp[1, 2]]])
    np.testing.assert_allclose(P.ScoreTable(init, policy=False)(pairs).detach().numpy(), [[2.0, 1.0], [1.0, -1.0]])
    np.testing.assert_allclose(P.ScoreTable(init).probabilities(), P.softmax(init), rtol=1e-15)
    table = P.ScoreTable(init)
    init[0, 0] = 99.0  # the table holds its own copy
    assert table.scores[0, 0].item() == 0.0 and table.scores.dtype == torch.float64


def test_dpo_on_the_table_reaches_the_closed_form_of_the_fitted_reward():
    torch.set_num_threads(1)
    d = P.preference_data(prompts=2, answers=4, comparisons=30, seed=5)
    beta = 0.5
    run = fit(P.ScoreTable(d.reference_logits),
              lambda out, ref: lossedu.as_torch(LF.dpo_loss)(out[:, 0], out[:, 1], ref[:, 0], ref[:, 1], beta=beta),
              d.pairs, d.reference_logps(), steps=200, lr=0.2, optimizer="adam")
    assert run.losses[0] == np.log(2)
    target = P.aligned_policy(d.reference, P.bradley_terry_mle(d.pairs, (2, 4)), beta)
    assert P.kl_divergence(run.model.probabilities(), target).max() < 1e-8


# ----------------------------------------------------------------------------- other conventions
def test_dpo_paper_loss_is_dpo_without_label_smoothing():
    h = np.array([-30.0, -1.0, 0.0, 2.5, 800.0])
    z = np.zeros_like(h)
    np.testing.assert_allclose(P.dpo_paper_loss(h, 0.2), LF.dpo_loss(h, z, z, z, beta=0.2, reduction="none"), rtol=1e-15)
    np.testing.assert_allclose(P.dpo_paper_loss(0.0, 3.0), np.log(2))


def test_robust_dpo_loss_by_hand_and_unbiased_under_label_flips():
    eps, beta = 0.2, 0.5
    h = np.linspace(-8, 8, 9)
    by_hand = (-(1 - eps) * np.log(sigmoid(beta * h)) + eps * np.log(sigmoid(-beta * h))) / (1 - 2 * eps)
    np.testing.assert_allclose(P.robust_dpo_loss(h, beta, eps), by_hand, rtol=1e-13)
    # the defining property: averaged over a label flipped with probability ε, it is the clean loss
    expected = (1 - eps) * P.robust_dpo_loss(h, beta, eps) + eps * P.robust_dpo_loss(-h, beta, eps)
    np.testing.assert_allclose(expected, P.dpo_paper_loss(h, beta), rtol=1e-12)
    np.testing.assert_allclose(P.robust_dpo_loss(h, beta, 0.0), P.dpo_paper_loss(h, beta), rtol=1e-15)
    with pytest.raises(ValueError, match="label_smoothing"):
        P.robust_dpo_loss(h, beta, 0.5)


@pytest.mark.parametrize("beta", [0.05, 0.1, 1.0])
def test_stationary_margins_are_where_the_push_stops(beta):
    def slope(h, eps, kind):
        h = np.array([h])
        z = np.zeros(1)
        return LF.dpo_loss_backward(np.ones(1), h, z, z, z, beta=beta, label_smoothing=eps, loss_type=kind,
                                    reduction="none")[0][0]

    stop = P.stationary_margin(beta, 0.1, "sigmoid")
    np.testing.assert_allclose(stop, np.log(9) / beta)
    assert abs(slope(stop, 0.1, "sigmoid")) < 1e-15 and slope(stop - 1, 0.1, "sigmoid") < 0 < slope(stop + 1, 0.1, "sigmoid")
    stop = P.stationary_margin(beta, 0.0, "ipo")
    assert slope(stop, 0.0, "ipo") == 0 and slope(stop - 1, 0.0, "ipo") < 0 < slope(stop + 1, 0.0, "ipo")
    stop = P.stationary_margin(beta, 0.0, "hinge")
    assert slope(stop * 0.99, 0.0, "hinge") == -beta and slope(stop, 0.0, "hinge") == 0 == slope(stop * 2, 0.0, "hinge")
    assert P.stationary_margin(beta) == np.inf
    with pytest.raises(ValueError, match="loss_type"):
        P.stationary_margin(beta, 0.0, "robust")


def test_markdown_table_is_the_shared_one():
    from lossedu.lessons import dense

    assert P.markdown_table is dense.markdown_table


# ----------------------------------------------------------------------------- figures and widgets
def _median_ms(update, values, repeats=3):
    times = []
    for _ in range(repeats):
        for v in values:
            start = time.perf_counter()
            update(*v) if isinstance(v, tuple) else update(v)
            times.append(1e3 * (time.perf_counter() - start))
    return float(np.median(times))


def test_aligned_policy_widget_moves_its_bars_and_markers():
    fig, update = P.aligned_policy_widget(0.5)
    assert isinstance(fig, Figure) and isinstance(P.plot_aligned_policy(2.0), Figure)
    ref, r = np.array(P.REFERENCE), np.array(P.REWARDS)
    for beta in (0.1, 3.0):
        update(beta)
        pi = P.aligned_policy(ref, r, beta)
        bars = fig.axes[1].patches
        np.testing.assert_allclose([b.get_height() for b in bars[:6]], ref)
        np.testing.assert_allclose([b.get_height() for b in bars[6:]], pi, rtol=1e-12)
        reward_marker, kl_marker = fig.axes[2].get_lines()[2:4]
        np.testing.assert_allclose(reward_marker.get_ydata(), [pi @ r], rtol=1e-12)
        np.testing.assert_allclose(kl_marker.get_ydata(), [P.kl_divergence(pi, ref)], rtol=1e-12)
        assert f"β = {beta:.3g}" in fig.axes[1].get_title()
    assert _median_ms(update, [0.1, 0.7, 2.0, 4.5]) < 100


@pytest.mark.parametrize("loss_type", ["sigmoid", "hinge", "ipo"])
def test_dpo_widget_draws_the_package_loss_and_gradient(loss_type):
    fig, update = P.dpo_widget()
    assert isinstance(P.plot_dpo(0.3, 0.1, loss_type), Figure)
    for beta, eps in ((0.05, 0.0), (0.5, 0.2)):
        update(beta, eps, loss_type)
        loss_line, grad_line = fig.axes[0].get_lines()[0], fig.axes[1].get_lines()[0]
        h = loss_line.get_xdata()
        z = np.zeros_like(h)
        options = dict(beta=beta, label_smoothing=eps, loss_type=loss_type, reduction="none")
        np.testing.assert_allclose(loss_line.get_ydata(), LF.dpo_loss(h, z, z, z, **options), rtol=1e-14)
        np.testing.assert_allclose(grad_line.get_ydata(), LF.dpo_loss_backward(np.ones_like(h), h, z, z, z, **options)[0],
                                   rtol=1e-14)
        lo, hi = fig.axes[0].get_ylim()
        assert lo <= loss_line.get_ydata().min() and loss_line.get_ydata().max() <= hi  # the curve stays in view
        lo, hi = fig.axes[1].get_ylim()
        assert lo <= grad_line.get_ydata().min() and grad_line.get_ydata().max() <= hi
        stop = next(line for line in fig.axes[1].get_lines() if line.get_label() == "the push stops")
        expected = P.stationary_margin(beta, eps, loss_type)
        if np.isfinite(expected):
            np.testing.assert_allclose(stop.get_xdata(), [expected, expected])
        else:
            assert np.isnan(stop.get_xdata()).all()
        start = next(line for line in fig.axes[0].get_lines() if line.get_label() == "first step")
        np.testing.assert_allclose(start.get_ydata(), LF.dpo_loss(z[:1], z[:1], z[:1], z[:1], **options))
        assert loss_type in fig.axes[0].get_title()
    assert _median_ms(update, [(0.1, 0.0, loss_type), (0.3, 0.1, loss_type), (0.9, 0.4, loss_type)]) < 100


def test_plot_dpo_variants_marks_where_each_stops():
    fig = P.plot_dpo_variants(beta=0.1, label_smoothing=0.1)
    grad_ax = fig.axes[1]
    marks = sorted(line.get_xdata()[0] for line in grad_ax.get_lines() if line.get_linestyle() == ":")
    np.testing.assert_allclose(marks, [5.0, 10.0, 10 * np.log(9)])  # ipo, hinge, cDPO; plain DPO never stops
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][0] == "sigmoid (DPO)"


def test_plot_policies_draws_one_bar_per_policy_answer_and_prompt():
    tables = {"a": P.softmax(np.zeros((3, 4))), "b": P.softmax(np.arange(12.0).reshape(3, 4))}
    fig = P.plot_policies(tables, prompts=(0, 2), title="t")
    assert len(fig.axes) == 2 and fig.get_suptitle() == "t"
    heights = [bar.get_height() for bar in fig.axes[1].patches]
    np.testing.assert_allclose(heights, np.concatenate([tables["a"][2], tables["b"][2]]))
