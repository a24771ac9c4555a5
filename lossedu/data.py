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


# ----------------------------------------------------------------------------- binary / multi-label (notebook 05)
__all__ += ["imbalanced_binary", "multilabel"]


def _check_fraction(value, name):
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return value


def imbalanced_binary(n=200, positive_fraction=0.1, positive_center=(1.5, 1.0), negative_center=(-0.5, -0.5),
                      noise=1.0, seed=0):
    """Two Gaussian blobs in 2-D with few positives: the setting `pos_weight` is made for.

    round(n·positive_fraction) points (at least 1, at most n − 1) are drawn around
    `positive_center`, the rest around `negative_center`, each with standard deviation
    `noise` in both coordinates; the order is then shuffled. The blobs overlap, so a
    classifier trained with plain BCE puts its boundary close to the rare class (missing
    many positives), while pos_weight = #negatives/#positives moves it back.

    Returns (x, y): x float64 of shape (n, 2), y float64 of shape (n,) holding 0.0 or 1.0
    (floats, not int64 labels: BCE targets are probabilities, and torch refuses int targets).
    """
    n = _check_n(n)
    if n < 2:
        raise ValueError(f"n must be at least 2 (one sample of each class), got {n}")
    _check_fraction(positive_fraction, "positive_fraction")
    k = min(max(int(round(n * positive_fraction)), 1), n - 1)
    rng = np.random.default_rng(seed)
    centers = np.where(np.arange(n)[:, None] < k, np.asarray(positive_center, float), np.asarray(negative_center, float))
    x = centers + noise * rng.standard_normal((n, 2))
    y = (np.arange(n) < k).astype(np.float64)
    order = rng.permutation(n)
    return x[order], y[order]


def multilabel(n=240, angles=(0.0, 60.0, 120.0), offsets=(0.0, 0.5, -0.5), flip_fraction=0.05, seed=0):
    """Points in the square [−2, 2]² with C = len(angles) independent yes/no tags.

    Tag c is on where the point lies on the positive side of a line: u_c·x + b_c > 0 with
    u_c = (cos θ_c, sin θ_c), θ_c = angles[c] in degrees and b_c = offsets[c]. Then a
    fraction `flip_fraction` of all (sample, tag) entries is flipped (label noise), so no
    model is perfect. Several tags can be on at once: a multi-label problem, one logistic
    regression per tag.

    Returns (x, y): x float64 of shape (n, 2), y float64 of shape (n, C) holding 0.0 or 1.0.
    The true line of tag c is the ground truth (angles[c], offsets[c]).
    """
    n = _check_n(n)
    if len(angles) != len(offsets) or len(angles) == 0:
        raise ValueError(f"angles and offsets must be non-empty and of the same length, got {len(angles)} and {len(offsets)}")
    if not 0.0 <= flip_fraction <= 1.0:
        raise ValueError(f"flip_fraction must be in [0, 1], got {flip_fraction}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(n, 2))
    theta = np.deg2rad(np.asarray(angles, dtype=np.float64))
    u = np.stack([np.cos(theta), np.sin(theta)], axis=1)  # (C, 2)
    y = (x @ u.T + np.asarray(offsets, dtype=np.float64) > 0).astype(np.float64)
    flip = rng.random(y.shape) < flip_fraction
    y[flip] = 1.0 - y[flip]
    return x, y


__all__ += ["spirals"]


def spirals(n=300, classes=3, turns=0.75, noise=0.15, seed=0):
    """Interleaved 2-D spirals, one arm per class: a classic data set no linear model can separate.

    The samples are split as evenly as possible between the `classes` arms (the first
    n % classes arms get one more). On arm k a point at radius r ∈ [0.05, 1] (evenly spaced)
    has angle 2π·turns·r + 2πk/classes plus Gaussian noise of std `noise` (in radians), so
    `turns` is how many full turns an arm makes and `noise` how much neighbouring arms overlap.

    Returns (x, y): x float64 of shape (n, 2), y int64 class labels of shape (n,), arm by arm
    (class 0 first), ready for `cross_entropy(model(x), y)`.
    """
    n = _check_n(n)
    if int(classes) != classes or classes < 2:
        raise ValueError(f"classes must be an integer of at least 2, got {classes!r}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")
    classes = int(classes)
    rng = np.random.default_rng(seed)
    sizes = [n // classes + (k < n % classes) for k in range(classes)]
    xs, ys = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.05, 1.0, m)
        angle = 2 * np.pi * turns * r + 2 * np.pi * k / classes + noise * rng.standard_normal(m)
        xs.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
        ys.append(np.full(m, k, dtype=np.int64))
    return np.concatenate(xs).reshape(n, 2), np.concatenate(ys)


def poisson_counts(n=120, weight=1.2, bias=1.0, seed=0):
    """Counts whose log-rate is a line in x: the data of a Poisson regression.

    x ~ Uniform[−1, 1] (sorted ascending), rate λ(x) = exp(weight·x + bias), and
    y ~ Poisson(λ(x)). A model that predicts log λ = w·x + b (`poisson_nll_loss` with
    log_input=True) should recover `weight` and `bias`.

    Returns (x, y): float64 arrays of shape (n,); y holds whole numbers ≥ 0 (as floats, the dtype
    a torch loss wants for a target).
    """
    n = _check_n(n)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = rng.poisson(np.exp(weight * x + bias)).astype(np.float64)
    return x, y


def heteroscedastic_truth(x, amplitude=1.0, frequency=2.5, noise_low=0.05, noise_high=0.6):
    """The mean and standard deviation behind `heteroscedastic`: (mean, std) at the points x.

    mean(x) = amplitude·sin(frequency·x); std(x) grows linearly from `noise_low` at x = −1 to
    `noise_high` at x = 1. Pure function: a notebook compares a learned mean and variance with it.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = amplitude * np.sin(frequency * x)
    std = noise_low + (noise_high - noise_low) * (x + 1.0) / 2.0
    return mean, std


def heteroscedastic(n=200, amplitude=1.0, frequency=2.5, noise_low=0.05, noise_high=0.6, seed=0):
    """Noisy samples of a sine whose noise grows with x: y = mean(x) + std(x)·ε, ε ~ N(0, 1).

    mean and std are `heteroscedastic_truth(x, ...)` (quiet at x = −1, loud at x = 1), so a model
    that predicts a mean and a variance (`gaussian_nll_loss`) should learn var(x) ≈ std(x)².
    Returns (x, y): float64 arrays of shape (n,), x ~ Uniform[−1, 1] sorted ascending.
    """
    n = _check_n(n)
    if noise_low < 0 or noise_high < 0:
        raise ValueError(f"noise_low and noise_high must be >= 0, got {noise_low}, {noise_high}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    mean, std = heteroscedastic_truth(x, amplitude, frequency, noise_low, noise_high)
    return x, mean + std * rng.standard_normal(n)


# ----------------------------------------------------------------------------- embeddings (notebook 07)
__all__ += ["clusters", "triplets"]


def clusters(n=120, classes=4, dim=8, separation=1.0, noise=1.0, seed=0):
    """Labelled points in `dim` dimensions: one Gaussian cloud per class, to be embedded in 2-D.

    Each class k gets a centre drawn from N(0, separation²·I_dim); its points are that centre
    plus N(0, noise²·I_dim) noise. The samples are split as evenly as possible between the
    classes (the first n % classes get one more), class by class. With the defaults the clouds
    overlap in any random 2-D projection, so a model must *learn* a projection that separates
    them — what a triplet loss asks for.

    Returns (x, y): x float64 of shape (n, dim), y int64 class labels of shape (n,), class 0 first.
    """
    n = _check_n(n)
    if int(classes) != classes or classes < 2:
        raise ValueError(f"classes must be an integer of at least 2, got {classes!r}")
    if int(dim) != dim or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    if separation < 0 or noise < 0:
        raise ValueError(f"separation and noise must be non-negative, got {separation} and {noise}")
    classes, dim = int(classes), int(dim)
    rng = np.random.default_rng(seed)
    centers = separation * rng.standard_normal((classes, dim))
    y = np.repeat(np.arange(classes, dtype=np.int64), [n // classes + (k < n % classes) for k in range(classes)])
    x = centers[y] + noise * rng.standard_normal((n, dim))
    return x, y


def triplets(labels, m=200, seed=0):
    """m random (anchor, positive, negative) index triplets for labelled samples.

    Each triplet draws an anchor uniformly, a positive uniformly among the OTHER samples of the
    anchor's class, and a negative uniformly among the samples of all other classes. Use them to
    gather embeddings: `loss(e[a], e[p], e[n])`.

    labels: 1-D integer class labels; every class needs at least two samples, and there must be
            at least two classes. Returns (a, p, n): three int64 arrays of shape (m,).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array, got dtype {labels.dtype} and shape {labels.shape}")
    m = _check_n(m)
    values, counts = np.unique(labels, return_counts=True)
    if values.size < 2 or counts.min() < 2:
        raise ValueError("labels need at least two classes with at least two samples each")
    rng = np.random.default_rng(seed)
    a = rng.integers(0, labels.size, size=m)
    p, n = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    for i, anchor in enumerate(a):  # m is small; a loop reads more plainly than masked sampling
        same = np.flatnonzero((labels == labels[anchor]) & (np.arange(labels.size) != anchor))
        other = np.flatnonzero(labels != labels[anchor])
        p[i], n[i] = rng.choice(same), rng.choice(other)
    return a.astype(np.int64), p, n


__all__ += ["poisson_counts", "heteroscedastic_truth", "heteroscedastic"]


# ----------------------------------------------------------------------------- KL divergence / distillation (notebook 04)
__all__ += ["log_gaussian_mixture", "random_teacher", "distillation_data"]


def log_gaussian_mixture(support, means, stds, weights=None):
    """Log-probabilities of a mixture of Gaussians discretised on the points of `support`.

    Each point s of `support` gets log Σ_k w_k·N(s; means[k], stds[k]), then the whole vector is
    normalised so that its exponential sums to 1: a categorical distribution over the points.
    Everything is done in log space (log-sum-exp), so far tails stay finite (e.g. −800) where the
    probabilities themselves would underflow to 0 — exactly what `kl_div(..., log_target=True)`
    wants. `weights` defaults to equal weights; one Gaussian is `means=[m], stds=[s]`.

    Returns a float64 array of the shape of `support`.
    """
    s = np.asarray(support, dtype=np.float64)[..., None]
    means, stds = np.atleast_1d(np.asarray(means, np.float64)), np.atleast_1d(np.asarray(stds, np.float64))
    if means.shape != stds.shape or means.ndim != 1:
        raise ValueError(f"means and stds must be 1-D and of the same length, got {means.shape} and {stds.shape}")
    if np.any(stds <= 0):
        raise ValueError(f"stds must be positive, got {stds}")
    w = np.full(means.shape, 1.0 / means.size) if weights is None else np.asarray(weights, np.float64)
    if w.shape != means.shape or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be non-negative, not all zero, one per mean, got {weights}")
    with np.errstate(divide="ignore"):
        terms = np.log(w / w.sum()) - np.log(stds) - 0.5 * ((s - means) / stds) ** 2
    m = terms.max(axis=-1, keepdims=True)
    log_density = (m + np.log(np.exp(terms - m).sum(axis=-1, keepdims=True)))[..., 0]
    top = log_density.max()
    return log_density - (top + np.log(np.exp(log_density - top).sum()))


def random_teacher(dim=2, classes=3, hidden=16, scale=4.0, seed=0):
    """A fixed, randomly initialised one-hidden-layer network x ↦ logits: the "teacher" to distil.

    logits = scale · tanh(x·W1 + b1)·W2 with W1, b1, W2 standard normal (W1 divided by √dim,
    W2 by √hidden), drawn once from `seed`. `scale` sets how confident the teacher is. The
    returned function takes an (n, dim) array and returns (n, classes) float64 logits; it is
    pure numpy, so a notebook can evaluate the teacher on a grid to draw what it "knows".
    """
    for name, v in (("dim", dim), ("classes", classes), ("hidden", hidden)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((int(dim), int(hidden))) / np.sqrt(dim)
    b1 = rng.standard_normal(int(hidden))
    w2 = rng.standard_normal((int(hidden), int(classes))) / np.sqrt(hidden)

    def teacher(x):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != w1.shape[0]:
            raise ValueError(f"x must have shape (n, {w1.shape[0]}), got {x.shape}")
        return scale * np.tanh(x @ w1 + b1) @ w2

    teacher.dim, teacher.classes = int(dim), int(classes)
    return teacher


def distillation_data(n=300, teacher=None, temperature=2.0, low=-2.0, high=2.0, seed=0):
    """Inputs and a teacher's softened class probabilities: the targets of knowledge distillation.

    x is uniform on the cube [low, high]^dim (dim = teacher.dim); the targets are
    p = softmax(teacher(x) / temperature) (Hinton et al., 2015): a temperature above 1 flattens
    the teacher's distribution, so the student also learns how the wrong classes rank.
    `teacher` defaults to `random_teacher()` (2-D inputs, 3 classes).

    Returns (x, p): float64 arrays of shapes (n, dim) and (n, classes); each row of p sums to 1.
    """
    n = _check_n(n)
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    teacher = random_teacher() if teacher is None else teacher
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=(n, teacher.dim))
    z = teacher(x) / temperature
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return x, p / p.sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------- CTC (notebook 08)
__all__ += ["ctc_collapse", "ctc_alignments", "ctc_sequences"]


def ctc_collapse(path, blank=0):
    """CTC's collapse rule B: merge runs of equal classes, then drop the blanks.

    `path` is a 1-D sequence of class indices (one per time step); returns the label sequence
    as an int64 array, e.g. B([0, 1, 1, 0, 1, 2, 2]) = [1, 1, 2] with blank 0. Applied to the
    per-frame argmax of a model's log-probabilities this is CTC's greedy decoding.
    """
    p = np.asarray(path, dtype=np.int64).reshape(-1)
    keep = np.ones(p.size, dtype=bool)
    keep[1:] = p[1:] != p[:-1]          # first of each run
    p = p[keep]
    return p[p != blank]


def ctc_alignments(target, T, blank=0):
    """Every path of length T that collapses to `target` (no blanks in it), as an (A, T) int64 array.

    Each alignment is one walk through the extended label l' = blank, l_1, blank, …, l_L, blank:
    start in state 0 or 1, at each step stay, move one state on, or skip a blank between two
    different labels, and end in state 2L or 2L−1. Walks and paths correspond one to one, so
    this enumerates the sum that `ctc_loss` computes. Rows are in lexicographic order of their
    state walks. Meant for small cases: the count grows exponentially in T.
    """
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    if int(T) != T or T < 0:
        raise ValueError(f"T must be a non-negative integer, got {T!r}")
    if np.any(target == blank):
        raise ValueError(f"target must not contain the blank label {blank}")
    T, L = int(T), target.size
    ext = np.full(2 * L + 1, blank, dtype=np.int64)
    ext[1::2] = target
    ends = {2 * L, 2 * L - 1} if L else {0}
    paths = []

    def walk(states):
        if len(states) == T:
            if states[-1] in ends:
                paths.append(ext[states])
            return
        s = states[-1]
        nexts = [s, s + 1] + ([s + 2] if s + 2 < ext.size and ext[s + 2] != ext[s] else [])
        # Prune: from state s at most 2 states per remaining step can be covered.
        for s2 in nexts:
            if s2 < ext.size and (2 * L - 1) - s2 <= 2 * (T - len(states) - 1) + 0:
                walk(states + [s2])

    if T == 0:
        return np.zeros((1 if L == 0 else 0, 0), dtype=np.int64)
    for s0 in (0, 1)[: min(2, ext.size)]:
        walk([s0])
    return np.array(paths, dtype=np.int64).reshape(-1, T)


def ctc_sequences(n=64, n_symbols=4, min_symbols=1, max_symbols=4, min_segment=2, max_segment=4,
                  max_gap=2, noise=0.4, seed=0):
    """A toy "speech" task for CTC: noisy one-hot segments of random length, separated by silence.

    Each of the n sequences spells a random word of min_symbols … max_symbols symbols from
    1 … n_symbols (class 0 is left for CTC's blank; equal neighbours are allowed). Symbol k is
    held for a random min_segment … max_segment frames as the feature vector e_k (one-hot over
    n_symbols + 1 features, feature 0 meaning "silence"); before, between and after the symbols
    come 1 … max_gap silent frames (e_0). Gaussian noise of std `noise` is added to every frame,
    and frames after a sequence's end are pure noise. The frame-level segmentation is NOT
    returned: a recognizer only sees the word, which is what CTC is for.

    Returns (x, targets, input_lengths, target_lengths):
      x              float64 (T, n, n_symbols + 1), time first as torch's ctc_loss wants it,
                     T = the longest sequence;
      targets        int64 (n, max_symbols), padded with 0 (the blank) after target_lengths[b];
      input_lengths  int64 (n,), the number of real frames of each sequence;
      target_lengths int64 (n,).
    """
    n = _check_n(n)
    if not 1 <= min_symbols <= max_symbols:
        raise ValueError(f"need 1 ≤ min_symbols ≤ max_symbols, got {min_symbols}, {max_symbols}")
    if not 1 <= min_segment <= max_segment or max_gap < 1 or n_symbols < 1:
        raise ValueError("need 1 ≤ min_segment ≤ max_segment, max_gap ≥ 1 and n_symbols ≥ 1")
    rng = np.random.default_rng(seed)
    words, frames = [], []
    for _ in range(n):
        word = rng.integers(1, n_symbols + 1, size=rng.integers(min_symbols, max_symbols + 1))
        seq = [0] * int(rng.integers(1, max_gap + 1))
        for k in word:
            seq += [int(k)] * int(rng.integers(min_segment, max_segment + 1))
            seq += [0] * int(rng.integers(1, max_gap + 1))
        words.append(word)
        frames.append(seq)
    input_lengths = np.array([len(f) for f in frames], dtype=np.int64)
    target_lengths = np.array([len(w) for w in words], dtype=np.int64)
    T = int(input_lengths.max())
    x = noise * rng.standard_normal((T, n, n_symbols + 1))
    targets = np.zeros((n, max_symbols), dtype=np.int64)
    for b, (word, seq) in enumerate(zip(words, frames)):
        x[np.arange(len(seq)), b, seq] += 1.0
        targets[b, : len(word)] = word
    return x, targets, input_lengths, target_lengths


# ----------------------------------------------------------------------------- margins (notebook 06)
__all__ += ["blobs"]


def blobs(n=150, centers=((-1.5, -0.5), (1.5, -0.5), (0.0, 1.8)), spread=0.7, seed=0):
    """Gaussian blobs in 2-D, one per class: a small data set a linear classifier can (nearly) separate.

    Class k's points are centers[k] + N(0, spread²·I₂). The samples are split as evenly as
    possible between the classes (the first n % C get one more), class by class. With the
    defaults the three blobs touch, so a few points sit close to (or across) every boundary:
    those are the ones a margin loss keeps working on.

    Returns (x, y): x float64 of shape (n, 2), y int64 class labels of shape (n,), class 0 first,
    ready for `multi_margin_loss(model(x), y)` or `cross_entropy(model(x), y)`.
    """
    n = _check_n(n)
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2 or centers.shape[0] < 2:
        raise ValueError(f"centers must be a (C, 2) array of at least two 2-D points, got shape {centers.shape}")
    if spread < 0:
        raise ValueError(f"spread must be non-negative, got {spread}")
    classes = centers.shape[0]
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes, dtype=np.int64), [n // classes + (k < n % classes) for k in range(classes)])
    x = centers[y] + spread * rng.standard_normal((n, 2))
    return x, y


# ----------------------------------------------------------------------------- choosing a loss (notebook 09)
__all__ += ["flip_labels"]


def flip_labels(y, fraction, classes=None, seed=0):
    """Symmetric label noise: change round(fraction·N) randomly chosen labels to another class.

    Each chosen label k becomes one of the other classes, uniformly at random (never k itself,
    so exactly that many labels are wrong). `classes` defaults to max(y) + 1.

    Returns (noisy, flipped): noisy an int64 copy of y (y itself is left alone), flipped the
    sorted int64 indices of the labels that were changed.
    """
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must be a 1-D array of integer class labels, got dtype {y.dtype} and shape {y.shape}")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    classes = int(y.max()) + 1 if classes is None else int(classes)
    if classes < 2 or y.min() < 0 or y.max() >= classes:
        raise ValueError(f"classes must be at least 2 and cover every label in y, got {classes}")
    rng = np.random.default_rng(seed)
    flipped = np.sort(rng.choice(y.size, int(round(fraction * y.size)), replace=False)).astype(np.int64)
    noisy = y.astype(np.int64)  # a copy
    noisy[flipped] = (noisy[flipped] + rng.integers(1, classes, size=flipped.size)) % classes
    return noisy, flipped
