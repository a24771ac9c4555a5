"""The package contract: all 21 losses with torch's signatures, and their `_backward`s."""
import inspect

import numpy as np

import pytest
import torch.nn.functional as F

import lossedu
import lossedu.functional as LF

TORCH_LOSSES = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "poisson_nll_loss", "gaussian_nll_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_embedding_loss", "multilabel_margin_loss",
    "soft_margin_loss", "multilabel_soft_margin_loss", "cosine_embedding_loss",
    "margin_ranking_loss", "multi_margin_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "ctc_loss",
]


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def test_all_21_losses_are_listed():
    assert sorted(LF.TORCH_LOSSES) == sorted(TORCH_LOSSES)


@pytest.mark.parametrize("name", TORCH_LOSSES)
def test_forward_signature_is_torchs(name):
    assert _params(getattr(LF, name)) == _params(getattr(F, name))


@pytest.mark.parametrize("name", TORCH_LOSSES)
def test_backward_signature_is_grad_output_then_forwards(name):
    params = _params(getattr(LF, f"{name}_backward"))
    assert params[0][0] == "grad_output"
    assert params[1:] == _params(getattr(F, name))


@pytest.mark.parametrize("name", TORCH_LOSSES)
def test_documented_with_a_formula(name):
    for fn in (getattr(LF, name), getattr(LF, f"{name}_backward")):
        doc = inspect.getdoc(fn) or ""
        assert len(doc) > 40, f"{fn.__name__} needs a docstring with its formula"


@pytest.mark.parametrize("name", TORCH_LOSSES)
def test_every_loss_can_be_wrapped_for_torch(name):
    wrapped = lossedu.as_torch(getattr(LF, name))
    assert inspect.signature(wrapped) == inspect.signature(getattr(LF, name))


def test_mean_gradient_of_many_float16_terms_is_not_zero():
    # 1/100000 is a float16 subnormal; dividing by a float16 n (inf past 65 504) gave 0.
    import torch
    from lossedu.functional import _core

    ours = _core.reduction_backward(np.float16(1), (100000,), "mean", np.float16)
    x = torch.zeros(100000, dtype=torch.float16, requires_grad=True)
    x.mean().backward()
    assert ours.dtype == np.float16
    np.testing.assert_array_equal(np.asarray(ours), x.grad.numpy())
