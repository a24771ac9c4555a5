"""Speed of lossedu against torch: forward + backward of every loss, side by side, in one process.

    python benchmarks/bench.py [--smoke] [--dtype float32|float64] [--repeats 7] [--threads 1] [LOSS ...]

For each loss, at a realistic size (2^20 elements for elementwise losses, N=4096 × C=100 for class
losses, CTC with T=200, N=32, C=30, S=40, …): the time of our numpy forward + `_backward` and of torch's
forward + autograd backward, interleaved (ours, torch, ours, torch, …) so both see the same machine
state, median of `--repeats`; their ratio; and the peak memory our forward + backward allocates beyond
the inputs, in multiples of the input's size (tracemalloc sees numpy's allocations). Both run on
`--threads` threads (default 1: numpy's elementwise code is single-threaded, so this compares the
implementations, not the thread count). The last column is the ratio against torch on its default
number of threads (what a learner's torch uses), timed separately after the interleaved runs.
`--smoke` runs tiny sizes once, to check that it works.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc

import numpy as np
import torch
import torch.nn.functional as F

import lossedu.functional as LF

# (N, C) for class losses, M for elementwise ones; --smoke shrinks them.
SIZES = {"elements": 2**20, "N": 4096, "C": 100, "D": 256, "T": 200, "CTC_N": 32, "CTC_C": 30, "S": 40}
SMOKE = {"elements": 64, "N": 8, "C": 5, "D": 4, "T": 12, "CTC_N": 3, "CTC_C": 6, "S": 4}


def make_inputs(name, s, dtype, rng):
    """numpy keyword arguments for one call of loss `name` at sizes `s`."""
    f = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    M, N, C, D = s["elements"], s["N"], s["C"], s["D"]
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
    raise KeyError(name)


def input_bytes(args):
    return sum(v.nbytes for v in args.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f")


def ours(name, args):
    out = getattr(LF, name)(**args)
    return getattr(LF, f"{name}_backward")(np.ones_like(out), **args)


def theirs(name, targs):
    wrt = [targs[a] for a in LF.GRADIENT_OF[name]]
    out = getattr(F, name)(**targs)
    return torch.autograd.grad(out, wrt, torch.ones_like(out))


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
    t_ours, t_torch = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours(name, args)
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        theirs(name, targs)
        t_torch.append(time.perf_counter() - start)
    a, b = statistics.median(t_ours), statistics.median(t_torch)
    torch.set_num_threads(default_threads)
    try:
        theirs(name, targs)
        b_default = _median_time(lambda: theirs(name, targs), repeats)
    finally:
        torch.set_num_threads(threads)
    shape = next(v.shape for v in args.values() if isinstance(v, np.ndarray))
    return {"loss": name, "shape": "×".join(map(str, shape)), "ours_ms": 1e3 * a, "torch_ms": 1e3 * b,
            "ratio": a / b, "memory": peak_extra(name, args), "torch_default_ms": 1e3 * b_default,
            "ratio_default": a / b_default}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("losses", nargs="*", help="losses to run (default: all 21)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat: check that it runs")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    names = args.losses or list(LF.LOSSES)
    sizes, repeats = (SMOKE, 1) if args.smoke else (SIZES, args.repeats)
    rng = np.random.default_rng(0)
    rows = []
    print(f"lossedu vs torch {torch.__version__}, {args.dtype}, {args.threads} thread(s), median of {repeats}; "
          f"last column: against torch on its default {default_threads} thread(s)")
    print(f"{'loss':36s} {'shape':>12s} {'ours ms':>9s} {'torch ms':>9s} {'ratio':>6s} {'mem ×in':>8s} "
          f"{'ratio@' + str(default_threads):>8s}")
    for name in names:
        row = bench(name, sizes, np.dtype(args.dtype), repeats, rng, args.threads, default_threads)
        rows.append(row)
        print(f"{row['loss']:36s} {row['shape']:>12s} {row['ours_ms']:9.2f} {row['torch_ms']:9.2f} "
              f"{row['ratio']:6.2f} {row['memory']:8.1f} {row['ratio_default']:8.2f}", flush=True)
    ratios = [r["ratio"] for r in rows]
    print(f"median ratio {statistics.median(ratios):.2f}, worst {max(ratios):.2f} "
          f"({rows[int(np.argmax(ratios))]['loss']}); goal: median ≤ 1.5, none > 3")
    defaults = [r["ratio_default"] for r in rows]
    print(f"against torch on {default_threads} thread(s): median {statistics.median(defaults):.2f}, "
          f"worst {max(defaults):.2f} ({rows[int(np.argmax(defaults))]['loss']})")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
