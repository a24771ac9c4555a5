"""`as_torch`: run a lossedu loss inside a torch model.

Our forward and our hand-derived `_backward` become one `torch.autograd.Function`, so
`loss.backward()` in a torch training loop calls the numpy gradient we derived, and
`torch.autograd.gradcheck` can check that gradient against finite differences.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np
import torch

from . import functional


def as_torch(fn, backward=None):
    """Wrap `lossedu.functional.<name>` as a torch loss with the same signature.

    Tensors go in and out; inside, the numpy forward and `<name>_backward` do the work.
    Only the arguments in `functional.GRADIENT_OF[name]` are differentiated; any other tensor
    that requires grad raises a ValueError rather than silently getting no gradient.

    `as_torch(my_l1_loss, backward=my_l1_loss_backward)` wraps your own pair instead (as in the
    exercises); `fn` must then be named like the torch loss it implements.
    """
    name = getattr(fn, "__name__", None)
    if backward is not None:
        if name not in functional.GRADIENT_OF or not callable(backward):
            raise TypeError(
                f"as_torch(fn, backward=...): fn must be a function named like a torch loss (one of "
                f"{', '.join(functional.LOSSES)}) and backward a function, got {fn!r} and {backward!r}"
            )
    elif name not in functional.GRADIENT_OF or getattr(functional, name) is not fn:
        raise TypeError(
            f"as_torch expects a loss from lossedu.functional (one of {', '.join(functional.LOSSES)}), "
            f"got {fn!r}"
        )
    else:
        backward = getattr(functional, f"{name}_backward")
    wrt = functional.GRADIENT_OF[name]
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def loss(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        for arg, value in bound.arguments.items():
            if arg not in wrt and isinstance(value, torch.Tensor) and value.requires_grad:
                # a Part II loss has no torch twin to send the learner to
                twin = f" (or use torch.nn.functional.{name})" if name in functional.TORCH_LOSSES else ""
                raise ValueError(
                    f"{name}: lossedu differentiates only {', '.join(wrt)}, but {arg} requires grad; "
                    f"detach it{twin}"
                )
        names = tuple(bound.arguments)
        return _NumpyLoss.apply(fn, backward, names, wrt, *bound.arguments.values())

    loss.__doc__ = f"torch version of lossedu.functional.{name} (numpy forward and backward).\n\n{fn.__doc__ or ''}"
    return loss


def _to_numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def _device(names, values):
    """The device of the tensor arguments, which torch's own loss requires to be one device
    (a CUDA model's loss stays on CUDA); the CPU when no argument is a tensor."""
    devices = {n: v.device for n, v in zip(names, values) if isinstance(v, torch.Tensor)}
    if len(set(devices.values())) > 1:
        listed = ", ".join(f"{n} on {d}" for n, d in devices.items())
        raise ValueError(f"expected all tensors to be on the same device, got {listed}")
    return next(iter(devices.values()), torch.device("cpu"))


class _NumpyLoss(torch.autograd.Function):
    """The numpy forward and backward as one autograd Function. numpy runs on the CPU: tensors on
    another device are copied to it, and the result and the gradients go back to the inputs' device
    (each gradient with its input's dtype, as torch's autograd requires)."""

    @staticmethod
    def forward(ctx, fn, backward, names, wrt, *values):
        device = _device(names, values)
        kwargs = {n: _to_numpy(v) for n, v in zip(names, values)}
        out = fn(**kwargs)
        ctx.backward, ctx.kwargs, ctx.names, ctx.wrt = backward, kwargs, names, wrt
        ctx.inputs = {n: (v.device, v.dtype) for n, v in zip(names, values) if isinstance(v, torch.Tensor)}
        return torch.from_numpy(np.array(out)).to(device)

    @staticmethod
    def backward(ctx, grad_output):
        grads = ctx.backward(grad_output.detach().cpu().numpy(), **ctx.kwargs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        by_name = dict(zip(ctx.wrt, grads))
        out = [None, None, None, None]
        for n in ctx.names:
            g = by_name.get(n)
            if g is not None and n in ctx.inputs:
                device, dtype = ctx.inputs[n]
                g = torch.from_numpy(np.array(g)).to(device=device, dtype=dtype)
            out.append(None if g is None else g)
        return tuple(out)
