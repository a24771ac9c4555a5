"""Course helpers of notebook 08 (CTC): the collapse rule, alignment enumeration, the toy
sequence data and the lattice figures."""
import itertools

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import lossedu.functional as LF
from lossedu import data, plot


def test_ctc_collapse_merges_repeats_then_drops_blanks():
    np.testing.assert_array_equal(data.ctc_collapse([0, 1, 1, 0, 1, 2, 2]), [1, 1, 2])
    np.testing.assert_array_equal(data.ctc_collapse([3, 3, 3], blank=3), np.zeros(0, dtype=np.int64))
    np.testing.assert_array_equal(data.ctc_collapse([]), np.zeros(0, dtype=np.int64))
    assert data.ctc_collapse([2, 0, 2]).dtype == np.int64


@pytest.mark.parametrize("target", [[], [1], [1, 2], [1, 1], [2, 1, 2]])
@pytest.mark.parametrize("T", [0, 1, 3, 5])
def test_ctc_alignments_are_exactly_the_paths_that_collapse_to_the_target(target, T):
    paths = data.ctc_alignments(target, T)
    brute = sorted(p for p in itertools.product(range(3), repeat=T) if list(data.ctc_collapse(p)) == target)
    assert paths.shape == (len(brute), T) and paths.dtype == np.int64
    assert sorted(map(tuple, paths.tolist())) == brute


def test_ctc_alignments_sum_to_the_loss():
    lp = torch.log_softmax(torch.tensor(np.random.default_rng(0).normal(size=(6, 4))), -1).numpy()
    paths = data.ctc_alignments([1, 3, 1], 6)
    total = np.exp(lp[np.arange(6), paths].sum(axis=1)).sum()
    np.testing.assert_allclose(-np.log(total), LF.ctc_loss(lp, np.array([1, 3, 1]), 6, 3, reduction="sum"))


def test_ctc_alignments_checks_arguments():
    with pytest.raises(ValueError, match="blank"):
        data.ctc_alignments([0, 1], 3)
    with pytest.raises(ValueError, match="T must"):
        data.ctc_alignments([1], -1)


def test_ctc_sequences_shapes_seed_and_content():
    x, targets, il, tl = data.ctc_sequences(20, n_symbols=3, max_symbols=3, noise=0.0, seed=4)
    assert x.dtype == np.float64 and x.shape == (il.max(), 20, 4)
    assert targets.shape == (20, 3) and targets.dtype == il.dtype == tl.dtype == np.int64
    again = data.ctc_sequences(20, n_symbols=3, max_symbols=3, noise=0.0, seed=4)
    np.testing.assert_array_equal(x, again[0])
    for b in range(20):
        word = targets[b, : tl[b]]
        assert 1 <= tl[b] <= 3 and np.all((word >= 1) & (word <= 3)) and np.all(targets[b, tl[b]:] == 0)
        frames = x[: il[b], b]
        np.testing.assert_array_equal(frames.sum(axis=1), 1.0)           # one-hot, no noise
        np.testing.assert_array_equal(data.ctc_collapse(frames.argmax(axis=1)), word)
        assert frames[0, 0] == 1 and frames[-1, 0] == 1                    # silence at both ends
        np.testing.assert_array_equal(x[il[b]:, b], 0.0)
    with pytest.raises(ValueError):
        data.ctc_sequences(5, min_symbols=3, max_symbols=2)


def test_ctc_lattice_matches_the_loss_and_gradient():
    rng = np.random.default_rng(1)
    lp = torch.log_softmax(torch.tensor(rng.normal(size=(7, 4))), -1).numpy()
    lat = plot.ctc_lattice(lp, [2, 2, 3])
    assert lat["ext"].tolist() == [0, 2, 0, 2, 0, 3, 0]
    np.testing.assert_allclose(lat["nll"], LF.ctc_loss(lp, np.array([2, 2, 3]), 7, 3, reduction="sum"))
    np.testing.assert_allclose(lat["occupancy"].sum(axis=1), 1.0)
    np.testing.assert_allclose(-lat["grad"].sum(axis=1), 1.0)
    assert np.isneginf(lat["log_alpha"][0, 2:]).all()


def test_plot_ctc_lattice_and_decoding_return_figures():
    lp = np.log(np.full((5, 3), 1 / 3))
    fig = plot.plot_ctc_lattice(lp, [1, 2], symbols="-ab")
    assert isinstance(fig, Figure) and len(fig.axes) == 6  # three panels and their colorbars
    assert fig.axes[0].images[0].get_array().shape == (5, 5)   # states × time
    x, targets, il, tl = data.ctc_sequences(3, seed=0)
    fig = plot.plot_ctc_decoding(x, np.log(np.full(x.shape, 0.2)), [[1], [2, 3], []], [[1], [2], []])
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert "✓" in fig.axes[0].get_title() and "✗" in fig.axes[1].get_title()
