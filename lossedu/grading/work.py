"""`lossedu work NN_name`: start an exercise in a copy of your own, `work/NN_name.ipynb`.

`exercises/` is what the teacher hands out, generated from `solutions/` (a test fails if it drifts),
so a learner does not write into it: their copy lives in `work/`, which git and `make test` ignore.
Running the command again never overwrites a copy (your work); `--force` starts over. `--lang zh` starts
the Chinese exercise (exercises/zh/) in `work/zh/NN_name.ipynb`, graded the same way, with Chinese feedback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .registry import EXERCISES, ROOT

WORK = ROOT / "work"


LANGUAGES = {"en": "", "zh": "zh"}  # the folder of each edition's exercises, under exercises/


def find_exercise(name, lang="en"):
    """The exercise called `name`: "01", "01_regression" or "01_regression.ipynb" (in `lang`'s edition)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    folder = EXERCISES / LANGUAGES[lang]
    stem = Path(str(name)).name.removesuffix(".ipynb")
    found = sorted(folder.glob(f"{stem}.ipynb")) or sorted(folder.glob(f"{stem}_*.ipynb"))
    if len(found) != 1:
        known = ", ".join(p.stem for p in sorted(folder.glob("[0-9][0-9]_*.ipynb")))
        raise ValueError(f"no single exercise matches {name!r}; the exercises are: {known}")
    return found[0]


def start(name, folder=WORK, force=False, lang="en"):
    """Copy the exercise `name` into `folder` (default work/; work/zh/ for the Chinese edition) and return the
    copy's path.

    Raises FileExistsError if the copy exists (it holds the learner's work) unless force=True.
    """
    source = find_exercise(name, lang)
    target = Path(folder) / LANGUAGES[lang] / source.name
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists: it holds your work. Open it; to start over from the "
                              f"exercise (losing that work), run again with --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
