"""Random batches for the contrastive losses at every scale, each against its home.

Rows from 1e-20 to past the overflow of x² (float32 1e25, float64 1e160), both dtypes, 2 to 25 rows
(contrastive_loss: 2 to 60, both of torch.cdist's regimes), 2 to 5 dimensions, labels from 4
classes. The gradients of normalised rows cancel (∂L/∂x = (I − ûûᵀ)·∂L/∂û / ‖x‖), so each is
compared with an absolute tolerance of the size of that cancellation's rounding, 16·ε·|∂L/∂û|/min‖x‖,
|∂L/∂û| bounded by the loss's logit scale.
"""
import numpy as np
import pytest

from test_contrastive import LF, check

SCALES = {np.float64: [1e-20, 1e-7, 1.0, 1e3, 1e20, 1e160], np.float32: [1e-20, 1e-7, 1.0, 1e3, 1e25]}
NAMES = ["nt_xent_loss", "supcon_loss", "contrastive_loss", "arcface_loss", "cosface_loss", "clip_loss"]
# a bound on |∂L/∂û| per loss at its default options: 2/τ, 2·σ, 2·e^t (t = 2 here), 4 for the distances
LOGIT_SCALE = {"nt_xent_loss": 2 / 0.07, "supcon_loss": 2 / 0.1, "contrastive_loss": 4.0,
               "arcface_loss": 128.0, "cosface_loss": 128.0, "clip_loss": 2 * np.exp(2.0)}


def _arguments(name, rng, n, d, dtype, scale):
    x = (rng.normal(size=(n, d)) * scale).astype(dtype)
    if name == "clip_loss":
        return dict(image_embeddings=x, text_embeddings=(rng.normal(size=(n, d)) * scale).astype(dtype),
                    logit_scale=np.array(2.0, dtype))
    kw = dict(embeddings=x, labels=rng.integers(0, 4, n))
    if name in ("arcface_loss", "cosface_loss"):
        kw["weight"] = (rng.normal(size=(d, 4)) * scale).astype(dtype)
    return kw


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_random_batches_at_every_scale(name, dtype):
    rng = np.random.default_rng(NAMES.index(name))
    for scale in SCALES[dtype]:
        for _ in range(3):
            n = int(rng.integers(2, 61 if name == "contrastive_loss" else 26))
            kw = _arguments(name, rng, n, int(rng.integers(2, 6)), dtype, scale)
            # the normalised vectors: embedding rows, and weight's columns (one per class)
            rows = np.concatenate([v.T if k == "weight" else v for k, v in kw.items()
                                   if k in LF.GRADIENT_OF[name] and np.ndim(v) == 2])
            with np.errstate(over="ignore"):
                norms = np.linalg.norm(rows.astype(np.float64), axis=1)
            smallest = norms[np.isfinite(norms) & (norms > 0)].min(initial=np.inf)
            atol = 16 * np.finfo(dtype).eps * LOGIT_SCALE[name] / min(smallest, 1.0)
            check(name, grad_atol=atol, **kw)
