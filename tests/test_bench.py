"""The benchmark script runs (tiny sizes, not timed), so `make bench` never rots."""

import math

import lossedu.functional as LF
from benchmarks import bench


def test_the_benchmark_runs_every_loss_at_smoke_size(capsys):
    rows = bench.main(["--smoke"])
    assert [r["loss"] for r in rows] == list(LF.LOSSES)
    for r in rows:
        assert r["ours_ms"] > 0 and r["torch_ms"] > 0 and math.isfinite(r["ratio"]) and r["memory"] >= 0
    out = capsys.readouterr().out
    assert "median ratio" in out and out.count("\n") >= 23


def test_the_benchmark_inputs_are_valid_for_torch_and_lossedu_in_both_dtypes():
    import numpy as np

    for dtype in (np.float32, np.float64):
        rng = np.random.default_rng(1)
        for name in LF.LOSSES:
            args = bench.make_inputs(name, bench.SMOKE, np.dtype(dtype), rng)
            ours = bench.ours(name, args)
            theirs = bench.theirs(name, bench.torch_args(name, args))
            ours = ours if isinstance(ours, tuple) else (ours,)
            assert len(ours) == len(theirs)
            for a, b in zip(ours, theirs):
                assert a.dtype == dtype, name  # float32 stays float32
                if name != "ctc_loss":  # CTC's gradient convention differs (see lossedu/functional/ctc.py)
                    np.testing.assert_allclose(a, b.numpy(), rtol=2e-4 if dtype == np.float32 else 1e-9, atol=1e-5)
