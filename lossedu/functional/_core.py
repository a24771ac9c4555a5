"""What every loss shares: argument checks, reductions and their gradients, broadcasting.

Each loss module builds on these few small functions so that a rule torch applies to all
losses (how `reduction` is validated, how a `'mean'` is taken, how a broadcast gradient is
summed back) is written once, here.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


# ----------------------------------------------------------------------------- reductions
def legacy_reduction(size_average, reduce, reduction):
    """Resolve torch's deprecated `size_average` / `reduce` pair into a reduction string.

    If either is given it overrides `reduction` (exactly as torch does):
    `reduce=False` → 'none'; else `size_average=False` → 'sum'; else 'mean'.
    """
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        ret = "none"
    elif size_average:
        ret = "mean"
    else:
        ret = "sum"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return ret


def check_reduction(reduction, allowed=REDUCTIONS, *, elementwise_mean=True):
    """Validate `reduction` and return it.

    torch still accepts the old spelling 'elementwise_mean' (with a warning) in most losses;
    a few losses validate in Python and refuse it: pass `elementwise_mean=False` there.
    """
    if not isinstance(reduction, str):
        raise TypeError(
            f"reduction must be a string, one of {', '.join(map(repr, allowed))}; got {reduction!r}"
        )
    if reduction == "elementwise_mean" and elementwise_mean:
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            UserWarning,
            stacklevel=3,
        )
        return "mean"
    if reduction not in allowed:
        raise ValueError(
            f"reduction={reduction!r} is not valid; expected one of {', '.join(map(repr, allowed))}"
        )
    return reduction


def resolve_reduction(size_average, reduce, reduction, allowed=REDUCTIONS, *, elementwise_mean=True):
    """`legacy_reduction` then `check_reduction`: the usual first line of a loss."""
    return check_reduction(
        legacy_reduction(size_average, reduce, reduction), allowed, elementwise_mean=elementwise_mean
    )


def apply_reduction(loss, reduction):
    """'none' → the elementwise loss, 'sum' → Σℓ, 'mean' → Σℓ / numel (nan when empty).

    Always returns an ndarray of the loss's dtype (0-d when reduced), like a torch tensor.
    """
    if reduction == "none":
        return np.asarray(loss)
    # inf + (−inf) in the sum is nan, silently, as in torch.
    with np.errstate(invalid="ignore", over="ignore"):
        if reduction == "sum":
            return np.asarray(np.sum(loss, dtype=accumulator(loss.dtype)), dtype=loss.dtype)
        if reduction == "mean":
            if loss.size == 0:
                return np.asarray(np.nan, dtype=loss.dtype)
            return np.asarray(np.mean(loss, dtype=accumulator(loss.dtype)), dtype=loss.dtype)
    raise ValueError(f"reduction={reduction!r} is not valid")  # pragma: no cover - checked earlier


def accumulated_sum(x, axis, keepdims=False):
    """Σ over `axis` in x's dtype, float16 added up in float32 and rounded once (see `accumulator`)."""
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=accumulator(x.dtype)).astype(x.dtype, copy=False)


def accumulator(dtype):
    """The dtype a sum of `dtype` values is accumulated in: float32 for float16, else itself.

    torch sums half-precision values in float32 and rounds the total once, so 30 000 values of
    9 have the mean 9 (a float16 running sum would pass 65 504 and become inf).
    """
    return np.dtype(np.float32) if np.dtype(dtype) == np.float16 else np.dtype(dtype)


def reduction_backward(grad_output, shape, reduction, dtype):
    """Gradient of `apply_reduction` with respect to the elementwise loss of `shape`.

    ∂(Σℓ)/∂ℓ_i = 1 and ∂(mean ℓ)/∂ℓ_i = 1/numel, both times the upstream gradient.
    Returns an array that broadcasts to `shape` (a read-only view, never a full copy).
    """
    out_shape = tuple(shape) if reduction == "none" else ()
    g = check_grad_output(grad_output, out_shape, dtype)
    if reduction == "none":
        return g
    if reduction == "mean":
        n = int(np.prod(shape, dtype=np.int64))
        # In g's own dtype a float16 n past 65 504 would be inf (and g/n 0): divide in float32, round once.
        g = np.asarray(g.astype(accumulator(g.dtype)) / n, dtype=g.dtype) if n else g
    return np.broadcast_to(g, shape)


def check_grad_output(grad_output, shape, dtype):
    """`grad_output` as an array of the forward result's `shape` (a scalar is fine for 0-d)."""
    if isinstance(grad_output, numbers.Number) and not isinstance(grad_output, bool):
        g = np.asarray(grad_output, dtype=dtype)
    else:
        g = as_float_array(grad_output, "grad_output")
        g = g.astype(dtype, copy=False)
    if g.shape != tuple(shape):
        raise ValueError(
            f"grad_output must have the forward result's shape {tuple(shape)}, got {g.shape}"
        )
    return g


# ----------------------------------------------------------------------------- IEEE arithmetic
def ieee():
    """numpy's floating-point warnings off, as `with ieee():` or as a decorator `@ieee()`.

    torch computes with plain IEEE arithmetic: log 0 = −inf, 0·inf and inf − inf = nan, and an
    overflow gives inf, all silently. The losses reproduce those values (and the tests compare
    their positions with torch's), so numpy must not print RuntimeWarnings for them either.
    """
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


# ----------------------------------------------------------------------------- arrays and dtypes
def as_float_array(x, name, *, allow_int=False):
    """`x` as a floating ndarray; a clear TypeError for anything else.

    Integer (and bool) arrays are refused unless `allow_int` (then cast to float32, as torch
    promotes an int tensor against a float scalar). float16 stays float16.
    """
    if x is None:
        raise TypeError(f"{name} must be an array of floats, got None")
    a = np.asarray(x)
    k = a.dtype.kind
    if k == "f":
        return a
    if k in "iub" and allow_int:
        return a.astype(np.float32)
    if k in "iub":
        raise TypeError(
            f"{name} must be a floating-point array (float32 or float64), got dtype {a.dtype}"
        )
    raise TypeError(f"{name} must be a floating-point array, got dtype {a.dtype}")


def result_dtype(*arrays):
    """The dtype torch's type promotion gives an operation on `arrays` (numpy's rule differs).

    torch ranks dtypes by category (bool < integer < floating). A 0-d array widens the result
    only when its category is higher than that of every array with dimensions, so a float64
    0-d array with a float32 vector gives float32 (numpy says float64). Between an integer and
    a floating dtype torch keeps the floating one (int64 with float32 gives float32).
    """
    arrays = [np.asarray(a) for a in arrays if a is not None]
    dims = _torch_promote_types([a.dtype for a in arrays if a.ndim])
    zeros = _torch_promote_types([a.dtype for a in arrays if not a.ndim])
    if dims is None or zeros is None:
        return zeros if dims is None else dims
    if _category(zeros) > _category(dims):
        return _torch_promote_types([dims, zeros])
    return dims


def _category(dtype):
    return {"b": 0, "i": 1, "u": 1}.get(dtype.kind, 2)


def _torch_promote_types(dtypes):
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*(floats or dtypes)) if dtypes else None


def check_scalar(value, name, *, integer=False):
    """A plain Python/numpy number (not a bool) for an option such as `margin`; a 0-d array counts."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    ok = (numbers.Integral,) if integer else (numbers.Real,)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, ok):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    return value.item() if isinstance(value, np.generic) else value


# ----------------------------------------------------------------------------- broadcasting
def broadcast_shape(*named_shapes):
    """The broadcast shape of `(name, shape)` pairs, or a ValueError naming the arguments."""
    try:
        return np.broadcast_shapes(*[s for _, s in named_shapes])
    except ValueError:
        desc = ", ".join(f"{n} {tuple(s)}" for n, s in named_shapes)
        raise ValueError(f"shapes cannot be broadcast together: {desc}") from None


def warn_if_target_size_differs(input_shape, target_shape):
    """torch's warning when an elementwise loss broadcasts target and input to a new size."""
    if tuple(input_shape) != tuple(target_shape):
        warnings.warn(
            f"Using a target size ({_torch_size(target_shape)}) that is different to the input size "
            f"({_torch_size(input_shape)}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _torch_size(shape):
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def sum_to_shape(grad, shape):
    """Undo broadcasting: sum `grad` over the axes that were broadcast up from `shape`.

    If y = broadcast(x), then ∂L/∂x is ∂L/∂y summed over every broadcast axis.
    """
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1
    )
    out = np.sum(grad, axis=axes, keepdims=True, dtype=grad.dtype) if axes else grad
    return out.reshape(shape)


def grad_like(grad, arg):
    """The gradient of argument `arg`: un-broadcast to its shape, in its dtype (as autograd does)."""
    a = np.asarray(arg)
    return sum_to_shape(np.asarray(grad), a.shape).astype(a.dtype, copy=False)


def torch_sign(x, out=None):
    """sign(x) as torch's kernels compute it, (x > 0) − (x < 0): a nan gives 0 (numpy's sign gives
    nan), and so does −0. One pass, and none at all of extra memory with out=x."""
    if x.dtype.kind != "f":
        return np.sign(x, out=out)
    return np.subtract(x > 0, x < 0, out=out, dtype=x.dtype)
