"""Speed of lossedu against each loss's home: forward + backward of every loss, side by side, in one process.

    python benchmarks/bench.py [--smoke] [--dtype float32|float64] [--repeats 7] [--threads 1] [LOSS ...]

For each loss, at a realistic size (2^20 elements for elementwise losses, N=4096 × C=100 for class
losses, CTC with T=200, N=32, C=30, S=40, 4 images of 21 classes at 128×128 for segmentation, 2^16 box
pairs, batches of 1024 embeddings of 256 for metric learning (256 for NT-Xent), …): the time of our numpy forward +
`_backward` and of the home's forward + autograd backward, interleaved (ours, home, ours, home, …) so
both see the same machine state, median of `--repeats`; their ratio; and the peak memory our forward +
backward allocates beyond the inputs, in multiples of the input's size (tracemalloc sees numpy's
allocations). Both run on `--threads` threads (default 1: numpy's elementwise code is single-threaded, so
this compares the implementations, not the thread count). The last column is the ratio against the home
on torch's default number of threads (what a learner's torch uses), timed separately after the
interleaved runs. `--smoke` runs tiny sizes once, to check that it works.

The home (`HOMES`) is torch.nn.functional for Part I and, for Part II, the implementation COURSE.md names:
kornia's, pytorch-metric-learning's and entmax's own functions; for the homes that do not install beside this
torch (torchvision, TRL, optax) and CLIP, the tests' transcriptions of their formulas into torch
(tests/homes.py), run by autograd; notebook 12's (lossedu.lessons.scoring).
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import kornia
import kornia.losses
import entmax
import numpy as np
import pytorch_metric_learning
import torch
import torch.nn.functional as F
from pytorch_metric_learning import losses as pml

import lossedu.functional as LF

# the homes that cannot be installed beside torch 2.13.0, as the tests transcribe and check them (tests/homes.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import homes  # noqa: E402
from lossedu.lessons import scoring as scoring_homes  # notebook 12's transcriptions of scikit-learn, properscoring, optax

# Part I: (N, C) for class losses, M for elementwise ones. Part II: (B, K, H, W) images of K classes,
# `boxes` box pairs, `batch` embeddings of size D, `classes` ArcFace/CosFace classes; NT-Xent sees `views`
# embeddings (SimCLR's two views of views/2 images): pml's NTXentLoss builds a (positive pairs × negative
# pairs) mask, n³ entries, 69 s and 4 GB per call at n = 1024. --smoke shrinks them.
SIZES = {"elements": 2**20, "N": 4096, "C": 100, "D": 256, "T": 200, "CTC_N": 32, "CTC_C": 30, "S": 40,
         "B": 4, "K": 21, "H": 128, "W": 128, "boxes": 2**16, "batch": 1024, "views": 256, "classes": 1000}
SMOKE = {"elements": 64, "N": 8, "C": 5, "D": 4, "T": 12, "CTC_N": 3, "CTC_C": 6, "S": 4,
         "B": 2, "K": 3, "H": 4, "W": 5, "boxes": 8, "batch": 8, "views": 8, "classes": 5}


# ============================================================================= the inputs
def make_inputs(name, s, dtype, rng):
    """numpy keyword arguments for one call of loss `name` at sizes `s`."""
    f = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    M, N, C, D = s["elements"], s["N"], s["C"], s["D"]
    B, K, H, W, n = s["B"], s["K"], s["H"], s["W"], s["batch"]
    classes = rng.integers(0, C, size=N)
    if name in ("l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"):
        target = np.sign(f(M)).astype(dtype) if name == "soft_margin_loss" else f(M)
        return {"input": f(M), "target": target}
    if name == "poisson_nll_loss":
        return {"input": f(M), "target": rng.poisson(2.0, M).astype(dtype)}
    if name == "gaussian_nll_loss":
        return {"input": f(M), "target": f(M), "var": (rng.random(M) + 0.1).astype(dtype)}
    if name == "kl_div":
        return {"input": np.log(rng.random((N, C)).astype(dtype) + 0.01), "target": rng.random((N, C)).astype(dtype),
                "reduction": "batchmean"}
    if name == "binary_cross_entropy":
        return {"input": (rng.random(M) * 0.98 + 0.01).astype(dtype), "target": rng.random(M).astype(dtype)}
    if name == "binary_cross_entropy_with_logits":
        return {"input": f(M), "target": rng.random(M).astype(dtype)}
    if name == "hinge_embedding_loss":
        return {"input": np.abs(f(M)), "target": np.where(rng.random(M) < 0.5, 1.0, -1.0).astype(dtype)}
    if name in ("nll_loss", "cross_entropy", "multi_margin_loss"):
        x = f(N, C)
        return {"input": np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True)) if name == "nll_loss" else x,
                "target": classes}
    if name == "multilabel_soft_margin_loss":
        return {"input": f(N, C), "target": (rng.random((N, C)) < 0.3).astype(dtype)}
    if name == "multilabel_margin_loss":
        target = np.full((N, C), -1, dtype=np.int64)
        k = max(1, C // 10)
        target[:, :k] = np.argsort(rng.random((N, C)), axis=1)[:, :k]
        return {"input": f(N, C), "target": target}
    if name in ("margin_ranking_loss",):
        return {"input1": f(M), "input2": f(M), "target": np.where(rng.random(M) < 0.5, 1.0, -1.0).astype(dtype)}
    if name == "cosine_embedding_loss":
        return {"input1": f(N, D), "input2": f(N, D), "target": np.where(rng.random(N) < 0.5, 1.0, -1.0).astype(dtype)}
    if name in ("triplet_margin_loss", "triplet_margin_with_distance_loss"):
        return {"anchor": f(N, D), "positive": f(N, D), "negative": f(N, D)}
    if name == "ctc_loss":
        T, n, c, S = s["T"], s["CTC_N"], s["CTC_C"], s["S"]
        x = f(T, n, c)
        log_probs = x - np.log(np.exp(x).sum(-1, keepdims=True))
        return {"log_probs": log_probs.astype(dtype), "targets": rng.integers(1, c, size=(n, S)),
                "input_lengths": np.full(n, T, dtype=np.int64), "target_lengths": rng.integers(S // 2, S + 1, size=n)}
    # Part II. RetinaNet's use: every anchor × class logit, 1 % positives, summed.
    if name == "sigmoid_focal_loss":
        return {"inputs": f(M), "targets": (rng.random(M) < 0.01).astype(dtype), "reduction": "sum"}
    if name in ("focal_loss", "dice_loss", "tversky_loss", "lovasz_softmax_loss"):
        options = {"focal_loss": {"alpha": 0.25, "reduction": "mean"}, "tversky_loss": {"alpha": 0.3, "beta": 0.7}}
        return {"input": f(B, K, H, W), "target": rng.integers(0, K, size=(B, H, W)), **options.get(name, {})}
    if name == "lovasz_hinge_loss":
        return {"input": f(B, 1, H, W), "target": rng.integers(0, 2, size=(B, H, W))}
    if name in ("generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"):
        # predictions near their matched ground truth (most pairs overlap, some do not), summed as RetinaNet does
        corner, size = rng.uniform(0, 512, (s["boxes"], 2)), rng.uniform(4, 128, (s["boxes"], 2))
        truth = np.concatenate([corner, corner + size], axis=1)
        predicted = truth + 0.3 * np.tile(size, 2) * rng.standard_normal(truth.shape)
        predicted[:, 2:] = np.maximum(predicted[:, 2:], predicted[:, :2] + 1)
        return {"boxes1": predicted.astype(dtype), "boxes2": truth.astype(dtype), "reduction": "sum"}
    if name == "nt_xent_loss":  # as in SimCLR: two views of each image
        return {"embeddings": f(s["views"], D), "labels": np.tile(np.arange(s["views"] // 2), 2)}
    if name in ("supcon_loss", "contrastive_loss"):  # a labelled batch of C classes
        return {"embeddings": f(n, D), "labels": rng.integers(0, C, size=n)}
    if name == "clip_loss":
        # logit_scale at CLIP's initial temperature 0.07
        return {"image_embeddings": f(n, D), "text_embeddings": f(n, D),
                "logit_scale": np.array(math.log(1 / 0.07), dtype)}
    if name in ("arcface_loss", "cosface_loss"):
        return {"embeddings": f(n, D), "labels": rng.integers(0, s["classes"], size=n), "weight": f(D, s["classes"])}
    if name in ("pinball_loss", "log_cosh_loss"):  # M forecasts (the 0.9-quantile for pinball)
        return {"input": f(M), "target": f(M), **({"quantile": 0.9} if name == "pinball_loss" else {})}
    if name == "crps_gaussian":  # M Gaussian forecasts
        return {"mu": f(M), "sigma": rng.uniform(0.1, 3, M).astype(dtype), "target": f(M)}
    if name == "crps_ensemble":  # N forecasts of C/2 members each
        return {"ensemble": f(N, C // 2), "target": f(N)}
    if name == "brier_score":  # N samples of C classes: softmax probabilities
        e = np.exp(rng.standard_normal((N, C)))
        return {"input": (e / e.sum(1, keepdims=True)).astype(dtype), "target": classes}
    if name in ("sparsemax", "sparsemax_loss", "poly1_cross_entropy"):  # N samples of C classes
        hot = np.eye(C, dtype=dtype)[classes]  # poly-1's target: a one-hot distribution
        return {"sparsemax": {"input": f(N, C)}, "sparsemax_loss": {"input": f(N, C), "target": classes},
                "poly1_cross_entropy": {"input": f(N, C), "target": hot}}[name]
    if name == "listnet_loss":  # N lists of C items, graded relevance 0-4
        return {"scores": f(N, C), "relevance": rng.integers(0, 5, size=(N, C)).astype(dtype)}
    if name in ("bradley_terry_loss", "dpo_loss", "simpo_loss", "orpo_loss", "kto_loss"):
        # N preference pairs: sequence log-probabilities (negative; ORPO's are per-token averages)
        lp = lambda: -rng.exponential(1.0, N).astype(dtype)  # noqa: E731
        return {"bradley_terry_loss": {"chosen_rewards": f(N), "rejected_rewards": f(N)},
                "dpo_loss": {"chosen_logps": lp(), "rejected_logps": lp(), "ref_chosen_logps": lp(),
                             "ref_rejected_logps": lp()},
                "simpo_loss": {"policy_chosen_logps": lp(), "policy_rejected_logps": lp()},
                "orpo_loss": {"policy_chosen_logps": lp(), "policy_rejected_logps": lp()},
                "kto_loss": {"policy_chosen_logps": lp(), "policy_rejected_logps": lp(), "policy_KL_logps": lp(),
                             "reference_chosen_logps": lp(), "reference_rejected_logps": lp(),
                             "reference_KL_logps": lp()}}[name]
    raise KeyError(name)


# ============================================================================= the homes
def _reduce(loss, reduction):
    """'none', 'sum' or 'mean' ('mean' of nothing is 0, as torchvision's)."""
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    return loss.sum() if reduction == "sum" else loss


def _kornia(fn):
    """A kornia loss called with our argument names (kornia calls `input` `pred`)."""
    return lambda input, **kwargs: fn(input, **kwargs)


@functools.lru_cache(maxsize=None)
def _pml_module(cls, **options):
    """One pytorch-metric-learning module per options, built once (its construction is not timed)."""
    return cls(**options)


def _pml(cls):
    """A pytorch-metric-learning pair loss as a function: (embeddings, labels, **options) → loss."""
    return lambda embeddings, labels, **options: _pml_module(cls, **options)(embeddings, labels)


def _pml_classifier(cls):
    """ArcFaceLoss/CosFaceLoss with our `weight` as the module's W (so autograd reaches it)."""
    def loss(embeddings, labels, weight, **options):
        module = _pml_module(cls, embedding_size=weight.shape[0], num_classes=weight.shape[1], **options)
        return torch.func.functional_call(module, {"W": weight}, (embeddings, labels))
    return loss


def properscoring_crps_ensemble(ensemble, target, reduction="mean"):
    """properscoring 0.1 crps_ensemble (its vectorised form) in torch: E|X − y| − ½E|X − X'|. Not notebook 12's
    transcription, which skips nan members with torch's nanmean, 20× slower than mean: these inputs hold no nan,
    and the home's cost is not torch's nanmean."""
    accuracy = (ensemble - target[..., None]).abs().mean(-1)
    spread = (ensemble[..., :, None] - ensemble[..., None, :]).abs().mean((-2, -1))
    return _reduce(accuracy - 0.5 * spread, reduction)


KORNIA = f"kornia {kornia.__version__}"
PML = f"pytorch-metric-learning {pytorch_metric_learning.__version__}"
TORCHVISION = "torchvision 0.28 (transcribed)"
TRL = "TRL 0.28 (transcribed)"
#: name → (the home, in words; the home as a function of our arguments, as torch tensors).
HOMES = {name: (f"torch {torch.__version__}", getattr(F, name)) for name in LF.TORCH_LOSSES} | {
    "sigmoid_focal_loss": (TORCHVISION, homes.torchvision_sigmoid_focal_loss),
    "focal_loss": (KORNIA, _kornia(kornia.losses.focal_loss)),
    "dice_loss": (KORNIA, _kornia(kornia.losses.dice_loss)),
    "tversky_loss": (KORNIA, _kornia(kornia.losses.tversky_loss)),
    "lovasz_hinge_loss": (KORNIA, _kornia(kornia.losses.lovasz_hinge_loss)),
    "lovasz_softmax_loss": (KORNIA, _kornia(kornia.losses.lovasz_softmax_loss)),
    "generalized_box_iou_loss": (TORCHVISION, homes.tv_giou),
    "distance_box_iou_loss": (TORCHVISION, homes.tv_diou),
    "complete_box_iou_loss": (TORCHVISION, homes.tv_ciou),
    "nt_xent_loss": (PML, _pml(pml.NTXentLoss)),
    "clip_loss": ("CLIP (transcribed)", homes.clip_reference),
    "supcon_loss": (PML, _pml(pml.SupConLoss)),
    "contrastive_loss": (PML, _pml(pml.ContrastiveLoss)),
    "arcface_loss": (PML, _pml_classifier(pml.ArcFaceLoss)),
    "cosface_loss": (PML, _pml_classifier(pml.CosFaceLoss)),
    "pinball_loss": ("scikit-learn 1.9 (transcribed)", scoring_homes.torch_pinball),
    "crps_gaussian": ("properscoring 0.1 (transcribed)", scoring_homes.torch_crps_gaussian),
    "crps_ensemble": ("properscoring 0.1 (transcribed)", properscoring_crps_ensemble),
    "log_cosh_loss": ("optax (transcribed)", scoring_homes.torch_log_cosh),
    "brier_score": ("scikit-learn 1.9 (transcribed)", scoring_homes.torch_brier),
    "sparsemax": (f"entmax {entmax.__version__}", lambda input, dim=-1: entmax.sparsemax(input, dim=dim)),
    "sparsemax_loss": (f"entmax {entmax.__version__}", lambda input, target: entmax.SparsemaxLoss()(input, target)),
    "listnet_loss": ("optax (transcribed)", homes.optax_ranking_softmax_loss),
    "poly1_cross_entropy": ("optax (transcribed)", homes.optax_poly_loss_cross_entropy),
    "bradley_terry_loss": (TRL, homes.trl_reward),
    "dpo_loss": (TRL, homes.trl_dpo),
    "simpo_loss": (TRL, homes.trl_simpo),
    "orpo_loss": (TRL, homes.trl_orpo),
    "kto_loss": (TRL, homes.trl_kto),
}


# ============================================================================= timing
def input_bytes(args):
    return sum(v.nbytes for v in args.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f")


def ours(name, args):
    """Our value and the gradients of GRADIENT_OF[name] (a tuple)."""
    out = getattr(LF, name)(**args)
    grads = getattr(LF, f"{name}_backward")(np.ones_like(out), **args)
    return out, grads if isinstance(grads, tuple) else (grads,)


def theirs(name, targs):
    """The home's value and its autograd gradients of GRADIENT_OF[name]."""
    out = HOMES[name][1](**targs)
    return out, torch.autograd.grad(out, [targs[a] for a in LF.GRADIENT_OF[name]], torch.ones_like(out))


def torch_args(name, args):
    out = {}
    for k, v in args.items():
        if isinstance(v, np.ndarray):
            t = torch.from_numpy(v)
            out[k] = t.requires_grad_() if k in LF.GRADIENT_OF[name] else t
        else:
            out[k] = v
    return out


def peak_extra(name, args):
    """Peak bytes allocated by our forward + backward, in multiples of the float inputs' size."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    ours(name, args)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak / max(input_bytes(args), 1)


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(name, sizes, dtype, repeats, rng, threads=1, default_threads=1):
    args = make_inputs(name, sizes, dtype, rng)
    targs = torch_args(name, args)
    ours(name, args), theirs(name, targs)  # warm up (and fail early)
    t_ours, t_home = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours(name, args)
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        theirs(name, targs)
        t_home.append(time.perf_counter() - start)
    a, b = statistics.median(t_ours), statistics.median(t_home)
    torch.set_num_threads(default_threads)
    try:
        theirs(name, targs)
        b_default = _median_time(lambda: theirs(name, targs), repeats)
    finally:
        torch.set_num_threads(threads)
    shape = next(v.shape for v in args.values() if isinstance(v, np.ndarray))
    return {"loss": name, "home": HOMES[name][0], "shape": "×".join(map(str, shape)), "ours_ms": 1e3 * a,
            "home_ms": 1e3 * b, "ratio": a / b, "memory": peak_extra(name, args), "home_default_ms": 1e3 * b_default,
            "ratio_default": a / b_default}


def _table(names, header, reference, run, default_threads):
    """Print one table (Part I against "torch", Part II against each "home"): a row per loss as it is timed."""
    column = f"{reference} ms"
    print(header)
    print(f"{'loss':36s} {'shape':>12s} {'ours ms':>9s} {column:>9s} {'ratio':>6s} {'mem ×in':>8s} "
          f"{'ratio@' + str(default_threads):>8s}")
    rows = []
    for name in names:
        row = run(name)
        rows.append(row)
        print(f"{row['loss']:36s} {row['shape']:>12s} {row['ours_ms']:9.2f} {row['home_ms']:9.2f} "
              f"{row['ratio']:6.2f} {row['memory']:8.1f} {row['ratio_default']:8.2f}", flush=True)
    ratios = [r["ratio"] for r in rows]
    print(f"median ratio {statistics.median(ratios):.2f}, worst {max(ratios):.2f} "
          f"({rows[int(np.argmax(ratios))]['loss']}); goal: median ≤ 1.5, none > 3")
    defaults = [r["ratio_default"] for r in rows]
    against = "torch" if reference == "torch" else "the home"
    print(f"against {against} on {default_threads} thread(s): median {statistics.median(defaults):.2f}, "
          f"worst {max(defaults):.2f} ({rows[int(np.argmax(defaults))]['loss']})")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("losses", nargs="*", help=f"losses to run (default: all {len(LF.LOSSES)})")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat: check that it runs")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    unknown = [n for n in args.losses if n not in HOMES]
    if unknown:
        parser.error(f"unknown loss(es) {', '.join(unknown)}; choose among {', '.join(HOMES)}")
    default_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    names = args.losses or list(LF.LOSSES)
    sizes, repeats = (SMOKE, 1) if args.smoke else (SIZES, args.repeats)
    rng = np.random.default_rng(0)
    run = lambda name: bench(name, sizes, np.dtype(args.dtype), repeats, rng, args.threads, default_threads)  # noqa: E731
    setting = (f"{args.dtype}, {args.threads} thread(s), median of {repeats}; last column: against the same "
               f"on torch's default {default_threads} thread(s)")
    rows = []
    part_1 = [n for n in names if n in LF.TORCH_LOSSES]
    if part_1:
        rows += _table(part_1, f"lossedu vs torch {torch.__version__}, {setting}", "torch", run, default_threads)
    part_2 = [n for n in names if n not in LF.TORCH_LOSSES]
    if part_2:
        homes = {}
        for n in part_2:
            homes.setdefault(HOMES[n][0], []).append(n)
        reference = "; ".join(f"{home}: {', '.join(losses)}" for home, losses in homes.items())
        print("\n" if part_1 else "", end="")
        rows += _table(part_2, f"Part II, lossedu vs each loss's home (on torch {torch.__version__}) — {reference}; "
                       f"{setting}", "home", run, default_threads)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
