"""ctc_loss on the dtypes torch refuses or accepts (the fuzz classes of issue 10 that apply to CTC)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossedu.functional as LF
from torchref import compare


def _case(dtype):
    lp = torch.log_softmax(torch.from_numpy(np.random.default_rng(0).normal(size=(6, 2, 4))), -1).numpy()
    return dict(log_probs=lp.astype(dtype), targets=np.array([[1, 2], [3, 3]]), input_lengths=np.array([6, 5]),
                target_lengths=np.array([2, 2]))


@pytest.mark.parametrize("dtype", [np.float16])
def test_half_precision_is_refused_like_torch(dtype):
    # torch 2.13 has no float16 CTC on the CPU; we refuse it with a TypeError naming log_probs.
    kwargs = _case(dtype)
    with pytest.raises(RuntimeError, match="Half"):
        F.ctc_loss(*(torch.from_numpy(np.asarray(v)) for v in kwargs.values()))
    with pytest.raises(TypeError, match="log_probs"):
        LF.ctc_loss(**kwargs)
    with pytest.raises(TypeError, match="log_probs"):
        LF.ctc_loss_backward(1.0, **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length_dtype", [np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_result_dtype_is_the_log_probs_dtype(dtype, length_dtype, reduction):
    kwargs = _case(dtype)
    kwargs.update(input_lengths=kwargs["input_lengths"].astype(length_dtype),
                  target_lengths=kwargs["target_lengths"].astype(length_dtype))
    out = compare("ctc_loss", grad=False, reduction=reduction, **kwargs)
    assert out.dtype == dtype
    assert LF.ctc_loss_backward(np.ones(out.shape, dtype), reduction=reduction, **kwargs).dtype == dtype
