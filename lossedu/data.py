"""Small synthetic data sets for the course, made in code (nothing is downloaded).

Every generator follows the same conventions, so later notebooks can add siblings
(spirals, imbalanced binary classes, clusters, CTC sequences) in the same style:

- the first argument is the number of samples `n`; everything else is a keyword with a default;
- `seed` is the last keyword and seeds a fresh `numpy.random.Generator`, so the same call
  always returns the same numbers and never touches numpy's global random state;
- the result is numpy arrays: `(x, y)` when there are inputs and targets, float64 for real
  values (class labels, when they come, will be int64);
- the "ground truth" used to make the data is a keyword argument, so a notebook can compare
  what a model learned with what was put in.
"""
from __future__ import annotations

import numpy as np

__all__ = ["line_with_outliers", "constant_with_outliers"]


def _outlier_count(n, outlier_fraction):
    """How many of n samples are outliers: round(n · fraction), checked to be a fraction."""
    if not 0.0 <= outlier_fraction <= 1.0:
        raise ValueError(f"outlier_fraction must be in [0, 1], got {outlier_fraction}")
    return int(round(n * outlier_fraction))


def _check_n(n):
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return int(n)


def line_with_outliers(
    n=60,
    slope=2.0,
    intercept=-1.0,
    noise=0.3,
    outlier_fraction=0.1,
    outlier_shift=-6.0,
    seed=0,
):
    """Points y = slope·x + intercept + Gaussian noise on x ∈ [−1, 1], with some gross outliers.

    The outliers are the round(n·outlier_fraction) points with the LARGEST x, moved by
    `outlier_shift` (think of a sensor that saturates at the top of its range). Putting them
    at one end lets them pull on the slope of a least-squares line, not only on its intercept,
    which is what makes L1/Huber vs L2 visible in a picture.

    Returns (x, y): float64 arrays of shape (n,), x sorted ascending (handy for line plots).
    """
    n = _check_n(n)
    k = _outlier_count(n, outlier_fraction)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = slope * x + intercept + noise * rng.standard_normal(n)
    # x is sorted, so the last k points are the k largest x.
    y[n - k:] += outlier_shift
    return x, y


def constant_with_outliers(n=25, value=1.0, noise=0.3, outlier_fraction=0.2, outlier_shift=5.0, seed=0):
    """n noisy measurements of one constant, some of them gross outliers.

    y = value + Gaussian noise, then the first round(n·outlier_fraction) samples (the order
    is random anyway) are moved by `outlier_shift`. The best constant under L2 is the mean
    (dragged towards the outliers), under L1 the median (barely moved).

    Returns y, a float64 array of shape (n,). There is no x: a constant model has no input.
    """
    n = _check_n(n)
    k = _outlier_count(n, outlier_fraction)
    rng = np.random.default_rng(seed)
    y = value + noise * rng.standard_normal(n)
    y[:k] += outlier_shift
    return y
