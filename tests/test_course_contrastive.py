"""Course helpers of notebook 11 (contrastive and metric learning): `lossedu.lessons.contrastive`.

The other libraries' conventions are checked against hand-worked numbers and, where the same
formula is installed here, against pytorch-metric-learning itself; the figures against the
formulas they draw.
"""
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from pytorch_metric_learning import losses as pml

import lossedu.functional as LF
from lossedu.lessons import contrastive as C


def pml_loss(loss, embeddings, labels):
    return loss(torch.tensor(embeddings), torch.tensor(labels)).item()


# ----------------------------------------------------------------------------- two_view_batch
def test_two_view_batch_is_seeded_and_laid_out_as_simclr():
    e, ids, cls = C.two_view_batch(images=6, classes=3, dim=4, seed=3)
    assert e.shape == (12, 4) and e.dtype == np.float64
    assert ids.dtype == cls.dtype == np.int64
    assert ids.tolist() == [0, 1, 2, 3, 4, 5] * 2  # first views, then second views
    assert cls.tolist() == [0, 1, 2, 0, 1, 2] * 2
    np.testing.assert_array_equal(e, C.two_view_batch(images=6, classes=3, dim=4, seed=3)[0])
    assert not np.array_equal(e, C.two_view_batch(images=6, classes=3, dim=4, seed=4)[0])
    # the two views of an image are nearer each other than the average pair
    d = np.linalg.norm(e[:, None] - e[None], axis=-1)
    assert np.mean([d[i, i + 6] for i in range(6)]) < d[~np.eye(12, dtype=bool)].mean()
    # without view noise the two views coincide
    e0, _, _ = C.two_view_batch(images=3, classes=1, view_noise=0.0)
    np.testing.assert_array_equal(e0[:3], e0[3:])


@pytest.mark.parametrize("kwargs, match", [(dict(images=1), "images"), (dict(images=2.5), "images"),
                                           (dict(classes=0), "classes"), (dict(images=3, classes=4), "classes")])
def test_two_view_batch_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        C.two_view_batch(**kwargs)


# ----------------------------------------------------------------------------- InfoNCE logits
def test_infonce_logits_put_the_positive_first_and_divide_by_tau():
    logits = C.infonce_logits([0.5, 0.2], [0.1, -0.3], 0.5)
    np.testing.assert_allclose(logits, [[1.0, 0.2, -0.6], [0.4, 0.2, -0.6]])
    loss = LF.cross_entropy(C.infonce_logits(1.0, [0.0, 0.0], 1.0), np.array([0]))
    np.testing.assert_allclose(loss, np.log(1 + 2 / np.e), rtol=1e-14)


# ----------------------------------------------------------------------------- other conventions
def test_optax_ntxent_by_hand():
    # pairs (0, 1) and (1, 0): s_pos = 1, one negative at s = 0 → −log(e / (e + 1)) each
    e = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(C.optax_ntxent(e, np.array([0, 0, 1]), 1.0), np.log1p(1 / np.e), rtol=1e-14)
    # the other positives stay out of the denominator: a third positive changes nothing here
    e3 = np.array([[1.0, 0.0], [2.0, 0.0], [5.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(C.optax_ntxent(e3, np.array([0, 0, 0, 1]), 1.0), np.log1p(1 / np.e), rtol=1e-14)


def test_optax_ntxent_agrees_with_pml_and_is_nan_without_a_positive_pair():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    for t in (0.07, 0.3):
        np.testing.assert_allclose(C.optax_ntxent(x, y, t), pml_loss(pml.NTXentLoss(temperature=t), x, y), rtol=1e-10)
    with np.errstate(all="raise"):  # the nan comes without a warning
        assert np.isnan(C.optax_ntxent(x, np.arange(10), 0.1))
    assert pml_loss(pml.NTXentLoss(), x, np.arange(10)) == 0  # pml: 0 (what the notebook contrasts)


def test_optax_ntxent_clamps_the_squared_norm_at_machine_epsilon():
    # a row of norm 1e-9 is divided by √eps, not by its norm: its cosines shrink by 1e-9/√eps
    tiny = np.array([[1e-9, 0.0], [1.0, 0.0], [0.0, 1.0]])
    shrink = 1e-9 / np.sqrt(np.finfo(np.float64).eps)
    # pairs (0, 1), (1, 0) with s = shrink, each with the negative row 2 at cosine 0
    expected = np.log1p(np.exp(-shrink))
    np.testing.assert_allclose(C.optax_ntxent(tiny, np.array([0, 0, 1]), 1.0), expected, rtol=1e-12)


def test_simclr_nt_xent_by_hand_and_against_pml_with_image_ids():
    z = np.array([[1.0, 0.0], [0.0, 1.0]])
    # each of the 4 rows: its other view at s = 1, two others at s = 0 (the other image's views)
    np.testing.assert_allclose(C.simclr_nt_xent(z, z, 1.0), np.log1p(2 / np.e), rtol=1e-14)
    e, ids, cls = C.two_view_batch(images=5, classes=2, seed=1)
    for t in (0.1, 0.5):
        np.testing.assert_allclose(C.simclr_nt_xent(e[:5], e[5:], t), pml_loss(pml.NTXentLoss(temperature=t), e, ids),
                                   rtol=1e-10)


def test_hadsell_contrastive_by_hand():
    e = np.array([[3.0, 0.0], [0.0, 2.0]])  # normalised: distance √2
    np.testing.assert_allclose(C.hadsell_contrastive(e, np.array([0, 0])), 1.0, rtol=1e-14)  # ½·d²
    np.testing.assert_allclose(C.hadsell_contrastive(e, np.array([0, 1]), margin=2.0), 0.5 * (2 - np.sqrt(2)) ** 2,
                               rtol=1e-14)
    assert C.hadsell_contrastive(e, np.array([0, 1]), margin=1.0) == 0  # beyond the margin


def test_insightface_margins_are_pmls_formulas_in_radians():
    rng = np.random.default_rng(2)
    x, y, w = rng.standard_normal((9, 4)), rng.integers(0, 3, 9), rng.standard_normal((4, 3))
    arc = pml.ArcFaceLoss(num_classes=3, embedding_size=4, margin=np.degrees(0.5))
    arc.W.data = torch.tensor(w)
    np.testing.assert_allclose(C.insightface_arcface(x, y, w), pml_loss(arc, x, y), rtol=1e-10)
    cos = pml.CosFaceLoss(num_classes=3, embedding_size=4, margin=0.4)
    cos.W.data = torch.tensor(w)
    np.testing.assert_allclose(C.insightface_cosface(x, y, w), pml_loss(cos, x, y), rtol=1e-10)


def test_insightface_arcface_continues_linearly_past_pi_minus_m():
    # one embedding opposite its class weight (θ = 180°), two classes, scale 1
    x, w = np.array([[-1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    target = -1.0 - 0.5 * np.sin(0.5)  # cos θ − m·sin m
    expected = np.log(np.exp(target) + np.exp(0.0)) - target
    np.testing.assert_allclose(C.insightface_arcface(x, np.array([0]), w, margin=0.5, scale=1.0), expected, rtol=1e-14)


# ----------------------------------------------------------------------------- tables
def test_conventions_table_numbers_come_from_each_convention():
    e, ids, cls = C.two_view_batch()
    rows = C.conventions_table(e, ids, cls, temperature=0.2)
    assert [r["convention"].split()[0] for r in rows] == ["pml", "optax", "SimCLR,", "pml"]
    np.testing.assert_allclose(rows[0]["classes"], pml_loss(pml.NTXentLoss(temperature=0.2), e, cls), rtol=1e-12)
    np.testing.assert_allclose(rows[3]["classes"], pml_loss(pml.SupConLoss(temperature=0.2), e, cls), rtol=1e-12)
    for row in rows:
        assert set(row) == {"convention", "negatives", "default", "ids", "classes"}
        np.testing.assert_allclose(row["ids"], rows[0]["ids"], rtol=1e-12)  # one positive: all agree
    assert "no labels" in rows[2]["classes"]


def test_markdown_table_formats_numbers_and_zero_d_arrays():
    md = C.markdown_table([{"a": "x", "b": np.asarray(1 / 3)}, {"a": 2, "b": 0.5}], ["a", "b"], digits=3)
    assert md.data.splitlines() == ["| a | b |", "|---|---|", "| x | 0.333 |", "| 2 | 0.5 |"]


# ----------------------------------------------------------------------------- angular margins
def test_target_logit_by_hand():
    theta = np.radians([0.0, 60.0, 170.0])
    np.testing.assert_allclose(C.target_logit(theta, "softmax", 0.0), np.cos(theta))
    np.testing.assert_allclose(C.target_logit(theta, "cosface", 0.35), np.cos(theta) - 0.35)
    m = np.radians(30.0)
    np.testing.assert_allclose(C.target_logit(theta, "arcface", 30.0),
                               [np.cos(m), 0.0, np.cos(np.radians(170.0)) - m * np.sin(m)], atol=1e-15)
    with pytest.raises(ValueError, match="kind"):
        C.target_logit(theta, "sphereface", 1.0)
    with pytest.raises(ValueError, match="kind"):
        C.boundary_angle("sphereface", 1.0, np.pi / 2)


@pytest.mark.parametrize("phi", [np.pi / 2, np.radians(70)])
def test_boundary_angles_solve_their_equations(phi):
    a = C.boundary_angle("softmax", 0.0, phi)
    np.testing.assert_allclose(np.cos(a), np.cos(phi - a))
    a = C.boundary_angle("arcface", 20.0, phi)
    np.testing.assert_allclose(C.target_logit(a, "arcface", 20.0), np.cos(phi - a), atol=1e-14)
    a = C.boundary_angle("cosface", 0.3, phi)
    np.testing.assert_allclose(C.target_logit(a, "cosface", 0.3), np.cos(phi - a), atol=1e-14)
    assert 0 < a < phi / 2


# ----------------------------------------------------------------------------- widgets
def test_temperature_widget_draws_the_softmax_and_its_gradient():
    fig, update = C.temperature_widget(0.1)
    assert isinstance(fig, Figure) and isinstance(C.plot_temperature(0.3), Figure)
    s = np.asarray(C.SIMILARITIES)
    for t in (0.05, 1.5):
        update(t)
        p = np.exp(s / t - np.max(s / t))
        p /= p.sum()
        probs, grads = ([bar.get_height() for bar in ax.patches] for ax in fig.axes[:2])
        np.testing.assert_allclose(probs, p, rtol=1e-12)
        np.testing.assert_allclose(grads, (p - np.eye(s.size)[0]) / t, rtol=1e-12)
        marker = fig.axes[2].get_lines()[1]
        np.testing.assert_allclose(marker.get_ydata(), [-np.log(p[0])], rtol=1e-12)
        lo, hi = fig.axes[1].get_ylim()  # sized for the whole slider range
        assert lo <= min(grads) and max(grads) <= hi


def test_angular_margin_widget_moves_its_curves_and_boundaries():
    fig, update = C.angular_margin_widget()
    assert isinstance(C.plot_angular_margins(10.0, 0.1), Figure)
    update(40.0, 0.5)
    logit_lines = fig.axes[0].get_lines()
    theta = np.radians(logit_lines[1].get_xdata())
    np.testing.assert_allclose(logit_lines[1].get_ydata(), C.target_logit(theta, "arcface", 40.0))
    np.testing.assert_allclose(logit_lines[2].get_ydata(), np.cos(theta) - 0.5)
    rays = [line for line in fig.axes[1].get_lines() if line.get_label() in ("softmax", "arcface", "cosface")]
    for line, (kind, m) in zip(rays, (("softmax", 0.0), ("arcface", 40.0), ("cosface", 0.5))):
        a = C.boundary_angle(kind, m, np.pi / 2)
        np.testing.assert_allclose(np.arctan2(line.get_ydata()[0], line.get_xdata()[0]), a)
        np.testing.assert_allclose(np.arctan2(line.get_ydata()[2], line.get_xdata()[2]), np.pi / 2 - a)
    assert "40°" in fig.axes[0].get_title()
