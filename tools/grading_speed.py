"""How fast `lossedu grade` is: one submission alone, then N submissions with --jobs.

    python tools/grading_speed.py [--n 100] [--jobs 2]

The submissions are the solution notebooks, the untouched exercises and the planted-bug variants of
every assignment (tests/planted), cycled to N. Each timing is one `lossedu grade` command, wall clock,
including the interpreter start and torch's reference answers.
"""

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def submissions(folder, n):
    import importlib
    import pkgutil

    import tests.planted as planted
    from lossedu.grading import notebook as nbio

    made = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb")):
        made.append(json.loads(path.read_text()))
    for info in pkgutil.iter_modules(planted.__path__):
        stem = info.name[1:]
        for bug in importlib.import_module(f"tests.planted.{info.name}").BUGS:
            nb = json.loads((ROOT / "solutions" / f"{stem}.ipynb").read_text())
            for cell in nb["cells"]:
                if nbio.nbgrader(cell).get("grade_id") == bug.cell:
                    cell["source"] = nbio.source(cell).replace(bug.old, bug.new)
            made.append(nb)
    paths = []
    for i, nb in zip(range(n), itertools.cycle(made)):
        path = Path(folder) / f"student{i:03d}.ipynb"
        path.write_text(json.dumps(nb))
        paths.append(path)
    return paths


def timed(args):
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "lossedu", "grade", *map(str, args)], cwd=ROOT,
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(run.stderr)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = submissions(tmp, args.n)
        one = [timed(["--quiet", ROOT / "solutions" / p.name]) for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
        print("one submission (each solution notebook, alone): "
              + ", ".join(f"{p.stem} {t:.1f} s" for p, t in zip(sorted((ROOT / "solutions").glob("*.ipynb")), one)))
        many = timed(["--quiet", "--jobs", args.jobs, "--csv", Path(tmp) / "grades.csv", *paths])
        print(f"{args.n} submissions with --jobs {args.jobs}: {many:.1f} s ({many / args.n:.2f} s per submission)")


if __name__ == "__main__":
    main()
