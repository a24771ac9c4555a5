"""Grade a simulated class: N copies of one solution notebook, as `lossedu grade --jobs J` would.

    python benchmarks/grade_class.py [--n 200] [--jobs 2] [--assignment 01_regression]

Prints the wall time, the time per submission and the marks seen (every copy must get full marks).
The course's goal: a class of 200 in under 4 minutes with --jobs 2 on 2 cores.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assignment", default="01_regression")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        source = ROOT / "solutions" / f"{args.assignment}.ipynb"
        paths = []
        for i in range(args.n):
            path = Path(folder) / f"student_{10000 + i}.ipynb"
            shutil.copyfile(source, path)
            paths.append(str(path))
        table = Path(folder) / "marks.csv"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lossedu", "grade", *paths, "--jobs", str(args.jobs), "--quiet",
                        "--seed", "1", "--csv", str(table)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        with open(table, newline="", encoding="utf-8") as f:
            marks = Counter(f"{row['score']}/{row['max_score']}" for row in csv.DictReader(f))
    print(f"{args.n} submissions of {args.assignment}, --jobs {args.jobs}: {seconds:.0f} s wall, "
          f"{seconds / args.n:.2f} s per submission; marks {dict(marks)}")


if __name__ == "__main__":
    main()
