"""The `lossedu` command: `lossedu grade …` for teachers, `lossedu assign` for course authors."""

from __future__ import annotations

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lossedu", description="lossedu course tools")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade submitted notebooks (sandboxed, compared with torch)")
    g.add_argument("submissions", nargs="+", help="submitted .ipynb files")
    g.add_argument("--results-json", help="write Gradescope's results.json here (one submission) "
                                         "or a list of them (several)")
    g.add_argument("--csv", help="write one row per submission: score, max_score, points per part")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    g.add_argument("--timeout", type=float, default=20.0, help="seconds allowed per graded part (default 20)")
    g.add_argument("--memory", type=int, default=2048, help="MB of memory allowed per graded part (default 2048)")
    g.add_argument("--seed", type=int, help="seed of the hidden cases (default: a fresh random one)")
    g.add_argument("--combine", action="store_true",
                   help="with several submissions, write ONE results.json holding all their parts (Gradescope)")
    g.add_argument("--assignment", help="accept only this assignment (e.g. 01_regression); others score 0 "
                                       "with a message (Gradescope: one autograder per assignment)")
    g.add_argument("--quiet", action="store_true", help="print only one line per submission")

    a = sub.add_parser("assign", help="generate exercises/ from solutions/")
    a.add_argument("--check", action="store_true", help="only check that exercises/ is up to date")

    args = parser.parse_args(argv)
    if args.command == "assign":
        from .grading.assign import assign

        stale = assign(check=args.check)
        for path in stale:
            print(f"{'out of date' if args.check else 'wrote'}: {path}")
        return 1 if (args.check and stale) else 0

    from .grading.grade import Result, grade_many, report, write_csv, write_results_json
    from .grading.registry import MODULES

    if args.assignment is not None and args.assignment not in MODULES:
        parser.error(f"--assignment: no assignment {args.assignment!r}; known: {', '.join(MODULES)}")

    try:
        results = grade_many(args.submissions, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory,
                             seed=args.seed, only=args.assignment)
    except Exception as exc:  # a grader bug must still leave a result file that says so
        results = [Result(submission=s, messages=[f"the grader itself failed ({type(exc).__name__}: {exc}); "
                                                  f"please tell your teacher"]) for s in args.submissions]
        print(results[0].messages[0], file=sys.stderr)
    for result in results:
        if args.quiet:
            print(f"{result.submission}: {result.score:g}/{result.max_score:g}")
        else:
            report(result)
    if args.results_json:
        write_results_json(results, args.results_json, combine=args.combine)
    if args.csv:
        write_csv(results, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
