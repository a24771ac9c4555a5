"""A small, full-batch training loop that returns its loss history.

    history = fit(model, loss_fn, x, y, steps=200, lr=0.1)
    ours, theirs = train_both(make_model, lossedu.as_torch(LF.mse_loss), F.mse_loss, x, y,
                              steps=200, lr=0.1)

`loss_fn` is any callable `loss_fn(prediction, target) -> scalar tensor`: torch's built-in
loss, or ours through `lossedu.as_torch` (use `functools.partial` for options such as beta).
Full-batch gradient descent on a seeded model is deterministic, so training our loss and
torch's from the same seed must give the same curve; that is the point of `train_both`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .i18n import tr

__all__ = ["History", "fit", "train_both", "progress_bar", "OPTIMIZERS"]

#: The optimizers `fit` knows by name.
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


@dataclass
class History:
    """What one training run leaves behind.

    losses: float64 array of shape (steps,), the loss at each step, measured before that
            step's update (so losses[0] is the loss of the untrained model);
    model:  the trained model (the same object that was trained, not a copy).
    """

    losses: np.ndarray = field(repr=False)
    model: torch.nn.Module | None = None

    @property
    def final(self):
        """The last recorded loss."""
        return float(self.losses[-1])


def _as_tensor(value, dtype):
    """numpy or tensor → tensor; floats take the model's dtype (data are float64, a Linear is float32).

    Integer arrays stay integers (as int64): they are class indices or CTC labels, which the
    classification losses require as int64 and would refuse as floats.
    """
    t = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
    return t.long() if not (t.is_floating_point() or t.dtype == torch.bool) else t.to(dtype)


def _model_dtype(model):
    params = list(model.parameters())
    return params[0].dtype if params else torch.get_default_dtype()


class _NoBar:
    """The progress bar when there is nowhere to show one (headless, tests, nbval's CLI)."""

    def update(self, step):
        pass

    def close(self):
        pass


class _WidgetBar:
    """An ipywidgets IntProgress, redrawn ~100 times per run rather than every step."""

    def __init__(self, total):
        import ipywidgets
        from IPython.display import display

        self.every = max(1, total // 100)
        self.bar = ipywidgets.IntProgress(value=0, min=0, max=total, description=tr("training"))
        display(self.bar)

    def update(self, step):
        if step % self.every == 0 or step == self.bar.max:
            self.bar.value = step

    def close(self):
        self.bar.value = self.bar.max
        self.bar.bar_style = "success"


def _in_notebook():
    """True inside a Jupyter kernel (where a widget can be shown), False in a plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def progress_bar(total, enabled=True):
    """A bar with update(step) and close(): a widget in Jupyter, silent everywhere else."""
    return _WidgetBar(total) if enabled and _in_notebook() else _NoBar()


def fit(model, loss_fn, x, y, *, steps, lr, optimizer="sgd", seed=0, progress=False):
    """Train `model` on (x, y) by full-batch gradient descent; return its History.

    Each step: prediction = model(x), loss = loss_fn(prediction, y), backward, update.
    x and y may be numpy arrays or tensors; floats are cast to the model's dtype, integer
    targets (class indices) stay int64.
    `optimizer` is "sgd" or "adam". `seed` seeds torch's generator for the duration of the
    run only (for models with dropout or other randomness), leaving the caller's state alone.
    `progress=True` shows an ipywidgets bar in Jupyter and nothing headless.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    dtype = _model_dtype(model)
    x, y = _as_tensor(x, dtype), _as_tensor(y, dtype)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    losses = np.empty(int(steps))
    bar = progress_bar(steps, enabled=progress)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for step in range(int(steps)):  # the one loop numpy cannot do: each step needs the last
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses[step] = loss.item()
            bar.update(step + 1)
    bar.close()
    return History(losses=losses, model=model)


def train_both(make_model, ours, theirs, x, y, *, steps, lr, optimizer="sgd", seed=0, progress=False):
    """Train two models built by `make_model()` from the same seed, one per loss.

    `ours` is typically `lossedu.as_torch(LF.<name>)`, `theirs` torch's `F.<name>`. Both models
    start from identical weights (torch.manual_seed(seed) before each `make_model()`), so if
    our forward and backward match torch's, the two histories coincide.
    Returns (History of ours, History of theirs).
    """
    histories = []
    for loss_fn in (ours, theirs):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = make_model()
        histories.append(
            fit(model, loss_fn, x, y, steps=steps, lr=lr, optimizer=optimizer, seed=seed, progress=progress)
        )
    return tuple(histories)
