"""The benchmark script runs (tiny sizes, not timed), so `make bench` never rots, and it times each loss
against a home that computes the same thing: on the benchmark's own inputs our value and gradients equal
the home's (torch.nn.functional for Part I; kornia, pytorch-metric-learning and the torch transcriptions
of torchvision and CLIP for Part II)."""

import math

import numpy as np
import pytest

import lossedu.functional as LF
from benchmarks import bench
from torchref import TOL


def test_the_benchmark_runs_every_loss_at_smoke_size(capsys):
    rows = bench.main(["--smoke"])
    assert [r["loss"] for r in rows] == list(LF.LOSSES)
    for r in rows:
        assert r["ours_ms"] > 0 and r["home_ms"] > 0 and math.isfinite(r["ratio"]) and r["memory"] >= 0
    out = capsys.readouterr().out
    # one table per part: a header naming the reference, the column names, a row per loss, two summary lines
    assert out.count("median ratio") == 2 and out.count("\n") == len(LF.LOSSES) + 2 * 4 + 1
    part_1, part_2 = out.split("\n\n")
    assert part_1.startswith("lossedu vs torch ") and "torch ms" in part_1
    assert part_2.startswith("Part II, lossedu vs each loss's home") and "home ms" in part_2
    for home in ("kornia 0.9.0", "pytorch-metric-learning 2.9.0", "torchvision", "CLIP"):
        assert home in part_2.splitlines()[0]


def test_every_loss_has_a_home_and_inputs():
    assert set(bench.HOMES) == set(LF.LOSSES)
    for name in LF.PART_II_LOSSES:
        assert not bench.HOMES[name][0].startswith("torch "), name


def test_only_known_losses_are_accepted(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--smoke", "not_a_loss"])
    assert "unknown loss(es) not_a_loss" in capsys.readouterr().err


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_on_the_benchmark_inputs_ours_equals_the_home(dtype):
    rng = np.random.default_rng(1)
    for name in LF.LOSSES:
        args = bench.make_inputs(name, bench.SMOKE, np.dtype(dtype), rng)
        value, grads = bench.ours(name, args)
        home_value, home_grads = bench.theirs(name, bench.torch_args(name, args))
        tol = TOL[dtype]  # the parity tests' tolerances: float64 rtol 1e-9, float32 rtol 2e-5
        assert value.dtype == dtype, name  # float32 stays float32
        np.testing.assert_allclose(value, home_value.detach().numpy(), **tol, err_msg=f"{name} value")
        assert len(grads) == len(home_grads) == len(LF.GRADIENT_OF[name])
        for wrt, a, b in zip(LF.GRADIENT_OF[name], grads, home_grads):
            assert a.dtype == dtype and a.shape == b.shape, (name, wrt)
            if name != "ctc_loss":  # CTC's gradient convention differs (see lossedu/functional/ctc.py)
                np.testing.assert_allclose(a, b.numpy(), **tol, err_msg=f"{name} gradient of {wrt}")
