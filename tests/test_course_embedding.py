"""Course helpers for notebook 07 (ranking and embeddings): clusters, triplets, plot_embeddings, plot_field."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import data, plot


# ----------------------------------------------------------------------------- data.clusters
def test_clusters_is_seeded_shaped_and_balanced():
    x, y = data.clusters(10, classes=3, dim=5)
    assert x.shape == (10, 5) and x.dtype == np.float64
    assert y.shape == (10,) and y.dtype == np.int64
    np.testing.assert_array_equal(y, [0, 0, 0, 0, 1, 1, 1, 2, 2, 2])  # the first n % classes get one more
    x2, y2 = data.clusters(10, classes=3, dim=5)
    np.testing.assert_array_equal(x, x2)
    assert not np.array_equal(x, data.clusters(10, classes=3, dim=5, seed=1)[0])


def test_clusters_without_noise_are_their_centres():
    x, y = data.clusters(40, classes=4, dim=3, separation=2.0, noise=0.0)
    for k in range(4):
        assert np.ptp(x[y == k], axis=0).max() == 0  # every point of a class is the same point
    assert len({tuple(x[y == k][0]) for k in range(4)}) == 4


def test_clusters_noise_sets_the_spread():
    x, y = data.clusters(4000, classes=2, dim=3, noise=0.5)
    for k in range(2):
        np.testing.assert_allclose(x[y == k].std(axis=0), 0.5, rtol=0.1)


def test_clusters_checks_its_arguments():
    for bad in (dict(classes=1), dict(dim=0), dict(noise=-1.0), dict(separation=-1.0)):
        with pytest.raises(ValueError):
            data.clusters(10, **bad)
    with pytest.raises(ValueError, match="n must"):
        data.clusters(0)


# ----------------------------------------------------------------------------- data.triplets
def test_triplets_respect_the_labels():
    _, y = data.clusters(30, classes=3)
    a, p, n = data.triplets(y, 500, seed=3)
    assert a.shape == p.shape == n.shape == (500,) and a.dtype == p.dtype == n.dtype == np.int64
    assert np.all(y[a] == y[p]) and np.all(a != p) and np.all(y[a] != y[n])
    for got, again in zip((a, p, n), data.triplets(y, 500, seed=3)):
        np.testing.assert_array_equal(got, again)
    assert not np.array_equal(a, data.triplets(y, 500, seed=4)[0])


def test_triplets_use_every_class():
    y = np.array([0, 0, 1, 1, 2, 2])
    a, p, n = data.triplets(y, 300)
    assert set(y[a]) == set(y[n]) == {0, 1, 2}


def test_triplets_check_the_labels():
    with pytest.raises(ValueError, match="two classes"):
        data.triplets(np.array([0, 0, 0]))
    with pytest.raises(ValueError, match="two classes"):
        data.triplets(np.array([0, 0, 1]))  # class 1 has no positive
    with pytest.raises(ValueError, match="integer"):
        data.triplets(np.array([0.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="n must"):
        data.triplets(np.array([0, 0, 1, 1]), 0)


# ----------------------------------------------------------------------------- plot.plot_embeddings
def test_plot_embeddings_draws_one_panel_per_embedding_and_one_group_per_class():
    labels = np.array([0, 0, 1, 1, 2])
    e = np.arange(10.0).reshape(5, 2)
    fig = plot.plot_embeddings({"before": e, "after": 2 * e}, labels, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["before", "after"]
    groups = fig.axes[1].collections
    assert len(groups) == 3
    np.testing.assert_array_equal(groups[0].get_offsets(), 2 * e[:2])
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_plot_embeddings_checks_shapes():
    with pytest.raises(ValueError, match="shape"):
        plot.plot_embeddings({"bad": np.zeros((3, 3))}, np.zeros(3, dtype=int))


# ----------------------------------------------------------------------------- plot.plot_field
def test_plot_field_draws_the_field_arrows_and_points():
    seen = []

    def field(xy):
        seen.append(xy.shape)
        return np.sum(xy**2, axis=1), 2 * xy

    fig = plot.plot_field(field, {"anchor": (0.0, 0.0)}, extent=(-1, 1, -1, 1), grid=11, arrows=5, title="f")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "f" and seen == [(121, 2), (25, 2)]
    mesh = ax.collections[0]
    np.testing.assert_allclose(mesh.get_array().max(), 2.0)
    quiver = [c for c in ax.collections if c.__class__.__name__ == "Quiver"][0]
    np.testing.assert_allclose(quiver.U, -2 * np.repeat(np.linspace(-1, 1, 5)[None, :], 5, axis=0).ravel())


def test_plot_field_on_a_given_axis_with_a_triplet_loss():
    fig = Figure()
    ax = fig.subplots()
    anchor, positive = np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])

    def field(neg):
        value = LF.triplet_margin_loss(anchor, positive, neg, reduction="none")
        return value, LF.triplet_margin_loss_backward(np.ones(len(neg)), anchor, positive, neg, reduction="none")[2]

    assert plot.plot_field(field, ax=ax, grid=5, arrows=0) is fig
    assert not [c for c in ax.collections if c.__class__.__name__ == "Quiver"]
