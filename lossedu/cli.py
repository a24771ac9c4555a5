"""The `lossedu` command: `lossedu work NN` for learners, `lossedu grade …` for teachers, `lossedu assign` for
course authors."""

from __future__ import annotations

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lossedu", description="lossedu course tools")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser(
        "grade", help="grade submitted notebooks (sandboxed, compared with torch)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Grade submitted notebooks: each graded function runs in a sandbox on public and hidden "
                    "cases and is compared with torch.",
        epilog="""hidden cases and the course secret:
  The hidden cases of an assignment are drawn from a seed derived from the course secret and the
  assignment's name, so the same notebook always gets the same marks (here, on Gradescope, on a
  regrade). The secret is a teacher-side setting, never given to students; the first found of:
    --secret-file FILE
    the environment variable LOSSEDU_GRADING_SECRET
    the file $XDG_CONFIG_HOME/lossedu/grading-secret (default ~/.config/lossedu/grading-secret)
    a fixed public default (marks reproducible, but anyone can compute the hidden cases)
  Make one with:  python -c 'import secrets; print(secrets.token_hex(32))' > ~/.config/lossedu/grading-secret
  The CSV and results.json record each assignment's seed and the secret's id (12 hex digits of its
  SHA-256, never the secret). --seed N replaces the secret by N (e.g. the seed column of a CSV row).

student ids (CSV column student_id):
  with --roster FILE: a CSV with columns `file` and `student_id`; else the first stand-alone group of
  4+ digits in the file name (Canvas "doejane_12345_678_hw.ipynb", Moodle "Jane Doe_12345_assignsubmission_
  file_hw.ipynb"), else a parent folder named submission_NNN (Gradescope's export); else empty.""")
    g.add_argument("submissions", nargs="+", help="submitted .ipynb files")
    g.add_argument("--results-json", help="write Gradescope's results.json here (one submission) "
                                         "or a list of them (several)")
    g.add_argument("--csv", help="write one row per submission: student_id, score, max_score, points per part, "
                                 "seed, secret_id, isolation, messages")
    g.add_argument("--feedback-dir", help="write one Markdown feedback file per submission into this folder")
    g.add_argument("--roster", help="CSV mapping submitted file names to student ids (columns file, student_id)")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    g.add_argument("--timeout", type=float, default=20.0, help="seconds allowed per graded part (default 20)")
    g.add_argument("--memory", type=int, help="MB of memory allowed per graded part (default 2048, or less where "
                                              "the container's memory limit needs it, e.g. 256 on Gradescope's 768 MB)")
    g.add_argument("--secret-file", help="the course secret (see below); default: $LOSSEDU_GRADING_SECRET, then "
                                         "~/.config/lossedu/grading-secret, then a public default")
    g.add_argument("--seed", type=int, help="draw every assignment's hidden cases from this seed instead of the secret")
    g.add_argument("--hidden-visibility", default="after_published",
                   choices=("visible", "hidden", "after_due_date", "after_published"),
                   help="Gradescope visibility of the hidden cases' feedback in results.json (default after_published)")
    g.add_argument("--combine", action="store_true",
                   help="with several submissions, write ONE results.json holding all their parts (Gradescope)")
    g.add_argument("--assignment", help="accept only this assignment (e.g. 01_regression); others score 0 "
                                       "with a message (Gradescope: one autograder per assignment)")
    g.add_argument("--quiet", action="store_true", help="print only one line per submission")
    g.add_argument("--language", choices=("en", "zh"),
                   help="the feedback's language for every submission (default: each submission's own, from its "
                        "metadata: a notebook of the Chinese edition gets Chinese feedback, any other English); "
                        "a Chinese notebook is still compared with the Chinese exercise")

    w = sub.add_parser("work", help="start an exercise in a copy of your own (work/NN_name.ipynb)",
                       description="Copy an exercise into work/ (which git and `make test` ignore) and print its "
                                   "path; open it in JupyterLab (`make lab`). An existing copy (your work) is "
                                   "never overwritten unless you say --force.")
    w.add_argument("exercise", help="its number or name, e.g. 01 or 01_regression")
    w.add_argument("--folder", help="where the copy goes (default: work/ in the course folder)")
    w.add_argument("--force", action="store_true", help="start over from the exercise: your copy is replaced")
    w.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="zh: the Chinese exercise (exercises/zh/), copied to work/zh/ (中文版练习)")

    a = sub.add_parser("assign", help="generate exercises/ from solutions/")
    a.add_argument("--check", action="store_true", help="only check that exercises/ is up to date")

    args = parser.parse_args(argv)
    if args.command == "work":
        from .grading import work

        try:
            copy = work.start(args.exercise, folder=args.folder or work.WORK, force=args.force, lang=args.lang)
        except (ValueError, FileExistsError) as exc:
            print(f"lossedu work: {exc}", file=sys.stderr)
            return 1
        print(f"your copy: {copy}")
        return 0
    if args.command == "assign":
        from .grading.assign import assign

        stale = assign(check=args.check)
        for path in stale:
            print(f"{'out of date' if args.check else 'wrote'}: {path}")
        return 1 if (args.check and stale) else 0

    from .grading.course_secret import load_secret
    from .grading.grade import Result, grade_many, report, write_csv, write_feedback_files, write_results_json
    from .grading.outputs import read_roster, safe_text
    from .grading.registry import MODULES

    # a submission's text reaching an odd terminal encoding must not stop the batch
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if args.assignment is not None and args.assignment not in MODULES:
        parser.error(f"--assignment: no assignment {args.assignment!r}; known: {', '.join(MODULES)}")
    if args.seed is not None and args.seed < 0:
        parser.error("--seed must be a non-negative integer")
    if args.memory is not None and args.memory < 64:
        parser.error("--memory is in MB and must be at least 64")
    secret = None
    if args.seed is None:
        try:
            secret = load_secret(args.secret_file)
        except ValueError as exc:
            parser.error(str(exc))
        print(f"hidden cases: from the course secret {secret.id} ({secret.source})", file=sys.stderr)
        if secret.is_default:
            print("warning: this is the public default secret, so anyone can compute the hidden cases; set "
                  "LOSSEDU_GRADING_SECRET or ~/.config/lossedu/grading-secret (see lossedu grade --help)",
                  file=sys.stderr)
    else:
        print(f"hidden cases: from --seed {args.seed}", file=sys.stderr)
    roster = None
    if args.roster:
        try:
            roster = read_roster(args.roster)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            parser.error(f"--roster: {exc}")

    try:
        results = grade_many(args.submissions, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory,
                             seed=args.seed, secret=secret, only=args.assignment, roster=roster,
                             language=args.language)
    except Exception as exc:  # a grader bug must still leave a result file that says so
        results = [Result(submission=safe_text(s, newlines=False), messages=[
            f"the grader itself failed ({type(exc).__name__}: {safe_text(exc, newlines=False)}); please tell your teacher"])
            for s in args.submissions]
        print(results[0].messages[0], file=sys.stderr)
    for result in results:
        if args.quiet:
            print(safe_text(f"{result.submission}: {result.score:g}/{result.max_score:g}"))
        else:
            report(result)
    seeds = sorted({(r.assignment, r.seed) for r in results if r.assignment and r.seed is not None})
    if seeds:  # what replays this run: the secret's id, or `--seed` with these
        which = f"secret {results[0].secret_id}" if args.seed is None else f"--seed {args.seed}"
        print(f"hidden cases: {which}; seeds " + ", ".join(f"{name} {seed}" for name, seed in seeds))
    isolation = sorted({r.isolation for r in results if r.isolation})
    if isolation:
        print(f"isolation: {'; '.join(isolation)}")
    if args.results_json:
        write_results_json(results, args.results_json, combine=args.combine, hidden_visibility=args.hidden_visibility)
    if args.csv:
        write_csv(results, args.csv)
    if args.feedback_dir:
        written = write_feedback_files(results, args.feedback_dir)
        print(f"wrote {len(written)} feedback file(s) to {safe_text(args.feedback_dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
