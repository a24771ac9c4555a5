"""The README's pictures: a few of the course's figures, drawn by the package's own plot functions.

    python tools/front_page_figures.py [DIRECTORY]      # or: make figures

writes one PNG per entry of `FIGURES` into DIRECTORY (default docs/images/). Each figure is the one a
notebook draws, from the same lossedu.plot / lossedu.lessons function and the same seeded synthetic
data (lossedu.data), so the front page shows what the course shows. tests/test_front_page.py draws
them again and fails when the committed images are stale: run this after changing a plot function.

The files are reproducible byte for byte: matplotlib's default style (whatever a matplotlibrc says),
fixed seeds, one torch thread, and PNG metadata without the "Software" entry (the matplotlib
version); a PNG from Agg carries no date. The package's plot functions build bare Figures (no
pyplot), which savefig renders with Agg whatever the backend, so importing this module leaves the
backend alone. 100 dpi keeps each image under 100 KB.
"""

import argparse
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's lossedu, also when run from elsewhere

import matplotlib.style  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import lossedu  # noqa: E402
import lossedu.functional as LF  # noqa: E402
from lossedu.data import imbalanced_binary  # noqa: E402
from lossedu.lessons import binary  # noqa: E402
from lossedu.plot import plot_ctc_lattice, plot_linear_boundaries, plot_losses_and_gradients, pointwise  # noqa: E402
from lossedu.train import fit  # noqa: E402

DIRECTORY = ROOT / "docs" / "images"
DPI = 100
METADATA = {"Software": None}  # drop matplotlib's version: an upgrade alone must not change the bytes


def regression_losses():
    """Notebook 01's seed figure: L1, L2 and SmoothL1 with their hand-derived gradients."""
    curves = {
        "L1": pointwise(LF.l1_loss),
        "L2 (MSE)": pointwise(LF.mse_loss),
        "SmoothL1 (β = 1)": pointwise(LF.smooth_l1_loss, beta=1.0),
    }
    return plot_losses_and_gradients(curves, d=np.linspace(-3, 3, 601), title="L1, L2 and SmoothL1")


def ctc_lattice():
    """Notebook 08's lattice of the word "ab" over 12 frames of random log-probabilities (seed 0)."""
    logits = np.random.default_rng(0).normal(size=(12, 4))
    log_probs = LF.classification.log_softmax(logits)  # what a network puts in front of CTC
    return plot_ctc_lattice(log_probs, [1, 2], symbols="∅abc")


def decision_boundaries():
    """Notebook 05's logistic regression on imbalanced data: the boundary of plain BCE and of pos_weight = 9.

    The same training as the notebook: torch.nn.Linear(2, 1) in float64 from seed 0, 300 steps of
    full-batch gradient descent (lr 1.0) on our binary_cross_entropy_with_logits through `lossedu.as_torch`.
    (Not notebook 06's shaded regions: their dotted, labelled contours move by whole dashes and labels
    when the scores change in the last bit, as they may from one CPU to another; a line only moves by
    that much.)
    """
    u, y = imbalanced_binary(200, positive_fraction=0.1, seed=0)
    Y = y[:, None]  # (N, 1), the shape of the model's output
    pos_weight = torch.tensor([(1 - y).sum() / y.sum()], dtype=torch.float64)  # n₋ / n₊ = 9
    bce = lossedu.as_torch(LF.binary_cross_entropy_with_logits)

    def boundary(**options):
        with torch.random.fork_rng(devices=[]):  # seed 0 for the weights, the caller's generator left alone
            torch.manual_seed(0)
            model = torch.nn.Linear(2, 1).double()
        fit(model, functools.partial(bce, **options), u, Y, steps=300, lr=1.0)
        return model.weight.detach().numpy()[0], model.bias.detach().numpy()

    learned = {"BCE with logits": boundary(), "BCE with logits, pos_weight = 9": boundary(pos_weight=pos_weight)}
    return plot_linear_boundaries(u, y, learned, styles={"BCE with logits": dict(color="k"),
                                                         "BCE with logits, pos_weight = 9": dict(color="C2", lw=2)},
                                  title="plain BCE hugs the rare class; pos_weight moves the boundary out")


def mse_vs_cross_entropy():
    """Notebook 05's race: a logistic model started confidently wrong, trained with BCE and with MSE on σ(x)."""
    u, y = imbalanced_binary(200, positive_fraction=0.5, positive_center=(1.0, 1.0),
                             negative_center=(-1.0, -1.0), noise=0.8, seed=0)
    w, b = binary.confidently_wrong_start(u, y, logit=6.0)
    runs = {name: binary.train_logistic(u, y, name, w, b, lr=1.0, steps=150) for name in binary.LOSSES}
    return binary.plot_race(runs, target_accuracy=0.9,
                            title="from logit −6 on the positives: BCE recovers at once, MSE crawls off its plateau")


# file name → the function that draws it (the README shows them in this order)
FIGURES = {
    "regression_losses.png": regression_losses,
    "ctc_lattice.png": ctc_lattice,
    "decision_boundaries.png": decision_boundaries,
    "mse_vs_cross_entropy.png": mse_vs_cross_entropy,
}


def draw(name, directory):
    """Draw FIGURES[name] under matplotlib's default style and save it as directory/name; return the path."""
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; the figures are {sorted(FIGURES)}")
    path = Path(directory) / name
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the notebooks: one thread keeps torch's sums in one order
    try:
        with matplotlib.style.context("default"):  # a user's matplotlibrc must not restyle the front page
            fig = FIGURES[name]()
            fig.savefig(path, dpi=DPI, metadata=METADATA, bbox_inches="tight")  # trimmed as a notebook shows it
    finally:
        torch.set_num_threads(threads)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=DIRECTORY, type=Path,
                        help="where to write the PNGs (default: docs/images)")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    for name in FIGURES:
        path = draw(name, args.directory)
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
