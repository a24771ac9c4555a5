"""lossedu.as_torch: our numpy forward/backward inside torch autograd."""
import pytest
import torch
import torch.nn.functional as F

import lossedu
import lossedu.functional as LF


def test_as_torch_trains_like_torch():
    torch.manual_seed(0)
    x = torch.randn(32, 3, dtype=torch.float64)
    y = x @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 0.3
    ours = lossedu.as_torch(LF.l1_loss)
    w1 = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    w2 = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    for _ in range(20):
        for w, loss_fn in ((w1, ours), (w2, F.l1_loss)):
            loss = loss_fn(x @ w, y)
            loss.backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
                w.grad = None
    torch.testing.assert_close(w1, w2, rtol=1e-12, atol=1e-12)


def test_as_torch_refuses_gradient_it_cannot_give():
    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    y = torch.randn(4, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match="target"):
        lossedu.as_torch(LF.l1_loss)(x, y)


def test_as_torch_refuses_foreign_functions():
    with pytest.raises(TypeError, match="as_torch"):
        lossedu.as_torch(F.l1_loss)


def test_as_torch_wraps_a_learners_own_pair():
    """as_torch(fn, backward=...) as the exercises use it: a learner's functions with the short signature."""

    def huber_loss(input, target, reduction="mean", delta=1.0):
        return LF.huber_loss(input, target, reduction=reduction, delta=delta)

    calls = []

    def huber_loss_backward(grad_output, input, target, reduction="mean", delta=1.0):
        calls.append(reduction)
        return LF.huber_loss_backward(grad_output, input, target, reduction=reduction, delta=delta)

    x = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randn(6, 3, dtype=torch.float64)
    loss = lossedu.as_torch(huber_loss, backward=huber_loss_backward)(x, y, reduction="sum", delta=0.5)
    (grad,) = torch.autograd.grad(loss, x)
    (want,) = torch.autograd.grad(F.huber_loss(x, y, reduction="sum", delta=0.5), x)
    torch.testing.assert_close(grad, want, rtol=1e-12, atol=1e-12)
    assert calls == ["sum"]
    assert torch.autograd.gradcheck(lambda t: lossedu.as_torch(huber_loss, backward=huber_loss_backward)(t, y), (x,))


def test_as_torch_with_backward_needs_a_torch_loss_name():
    def my_loss(input, target):
        return input

    with pytest.raises(TypeError, match="named like a torch loss"):
        lossedu.as_torch(my_loss, backward=my_loss)
    with pytest.raises(TypeError, match="backward a function"):
        lossedu.as_torch(LF.l1_loss, backward="l1_loss_backward")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_as_torch_gives_results_and_gradients_of_the_inputs_dtype_and_device(dtype):
    x = torch.randn(4, 3, dtype=dtype, requires_grad=True)
    y = torch.randn(4, 3, dtype=dtype)
    ours = lossedu.as_torch(LF.smooth_l1_loss)(x, y, beta=0.5)
    theirs = torch.nn.functional.smooth_l1_loss(x, y, beta=0.5)
    assert (ours.dtype, ours.device) == (theirs.dtype, theirs.device)
    (g,) = torch.autograd.grad(ours, x)
    assert (g.dtype, g.device) == (x.dtype, x.device)


def test_as_torch_refuses_tensors_on_two_devices():
    from lossedu.bridge import _device

    cpu, meta = torch.zeros(2), torch.zeros(2, device="meta")
    with pytest.raises(ValueError, match="same device, got input on cpu, target on meta"):
        _device(("input", "target", "reduction"), (cpu, meta, "mean"))
    assert _device(("input", "target"), (meta, meta)) == torch.device("meta")
    assert _device(("input", "target"), ([1.0], 2.0)) == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (run on a GPU machine)")
@pytest.mark.parametrize("name", ["mse_loss", "cross_entropy", "ctc_loss"])
def test_as_torch_on_cuda_stays_on_cuda(name):
    device = torch.device("cuda")
    fn = lossedu.as_torch(getattr(LF, name))
    if name == "ctc_loss":
        log_probs = torch.randn(12, 2, 5, device=device).log_softmax(2).requires_grad_()
        targets = torch.tensor([[1, 2, 3], [2, 2, 4]], device=device)
        lengths = (torch.tensor([12, 10], device=device), torch.tensor([3, 2], device=device))
        args, ref = (log_probs, targets, *lengths), torch.nn.functional.ctc_loss
        x = log_probs
    elif name == "cross_entropy":
        x = torch.randn(6, 4, device=device, requires_grad=True)
        args, ref = (x, torch.tensor([0, 1, 2, 3, 0, 1], device=device)), torch.nn.functional.cross_entropy
    else:
        x = torch.randn(6, 4, device=device, requires_grad=True)
        args, ref = (x, torch.randn(6, 4, device=device)), torch.nn.functional.mse_loss
    ours, theirs = fn(*args), ref(*args)
    assert ours.device == theirs.device and ours.dtype == theirs.dtype
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)
    (g_ours,), (g_theirs,) = torch.autograd.grad(ours, x), torch.autograd.grad(theirs, x)
    assert g_ours.device == x.device
    torch.testing.assert_close(g_ours, g_theirs, rtol=1e-5, atol=1e-6)


def test_an_argument_lossedu_does_not_differentiate_is_refused_with_the_right_alternative():
    # Part II losses have no torch.nn.functional twin: the message must not send the learner to one
    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    y = torch.randn(4, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match=r"mse_loss: lossedu differentiates only input, but target requires "
                                         r"grad; detach it \(or use torch.nn.functional.mse_loss\)"):
        lossedu.as_torch(LF.mse_loss)(x, y)
    with pytest.raises(ValueError, match=r"dpo_loss: .* but ref_chosen_logps requires grad; detach it") as info:
        lossedu.as_torch(LF.dpo_loss)(x, y, x, y)
    assert "torch.nn.functional" not in str(info.value)
