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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's lossedu, also when run from elsewhere

import matplotlib.style  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import lossedu  # noqa: E402
import lossedu.functional as LF  # noqa: E402
from lossedu.data import blobs, imbalanced_binary  # noqa: E402
from lossedu.lessons import binary  # noqa: E402
from lossedu.plot import plot_ctc_lattice, plot_decision_boundary, plot_losses_and_gradients, pointwise  # noqa: E402
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
    """Notebook 06's linear SVM (multi_margin_loss) and softmax (cross_entropy) on three blobs.

    The same training as the notebook: torch.nn.Linear(2, 3) in float64 from seed 0, full-batch
    gradient descent (200 steps, lr 0.5) on our loss through `lossedu.as_torch` plus (λ/2)‖W‖².
    """
    x, y = blobs(150, seed=0)
    lam = 0.03

    def train(loss):
        with torch.random.fork_rng(devices=[]):  # seed 0 for the weights, the caller's generator left alone
            torch.manual_seed(0)
            model = torch.nn.Linear(2, 3).double()
        objective = lambda scores, target: loss(scores, target) + lam / 2 * (model.weight ** 2).sum()  # noqa: E731
        return fit(model, objective, x, y, steps=200, lr=0.5).model

    def scores_of(model):
        return lambda points: model(torch.as_tensor(points)).detach().numpy()

    models = {"linear SVM (multi_margin_loss)": train(lossedu.as_torch(LF.multi_margin_loss)),
              "softmax (cross_entropy)": train(lossedu.as_torch(LF.cross_entropy))}
    return plot_decision_boundary(x, y, {name: scores_of(model) for name, model in models.items()})


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
            fig.savefig(path, dpi=DPI, metadata=METADATA)
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
