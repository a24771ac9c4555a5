"""Build Gradescope autograder bundles (`make gradescope`):

    python tools/gradescope_bundle.py OUT_DIR [NN_name ...] [--secret-file F] [--hidden-visibility V] [--memory MB]

One zip per assignment (default: all), `OUT_DIR/NN_name.zip`. Each holds, at its root, Gradescope's
two entry points (gradescope/setup.sh and gradescope/run_autograder), `gradescope/ASSIGNMENT` naming
the one assignment it accepts, `gradescope/SECRET` (the course secret: hidden cases, so identical
code gets identical marks and "Regrade" changes nothing; students never see the bundle, and setup.sh
makes the file root's only), `gradescope/ARGS` (the grader's options, one per line), and the
repository's tracked files except the solutions (solutions/ and tests/planted/, which quote them).
Gradescope unpacks it into /autograder/source, runs setup.sh once to build the image, then
run_autograder for each submission.

The secret is the one `lossedu grade` uses (--secret-file, else $LOSSEDU_GRADING_SECRET, else
~/.config/lossedu/grading-secret); if none is set, a new random one is written to that file, so that
local grading and Gradescope agree.
"""

import argparse
import secrets
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LEFT_OUT = ("solutions/", "tests/planted/", "build/", "gradescope/SECRET", "gradescope/ARGS", "gradescope/ASSIGNMENT")


def grader_args(hidden_visibility="after_published", memory_mb=None):
    """The lines of gradescope/ARGS: `lossedu grade` options, one argument per line."""
    args = ["--hidden-visibility", hidden_visibility]
    if memory_mb is not None:
        args += ["--memory", str(memory_mb)]
    return args


def build(out, assignment, secret=b"", args=()):
    """Write the bundle of `assignment` to `out`; returns (out, number of repository files)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = [name for name in files.decode().split("\0") if name]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope requires
            z.writestr(info, (ROOT / "gradescope" / name).read_bytes())
        z.writestr("gradescope/ASSIGNMENT", assignment + "\n")
        if secret:
            info = zipfile.ZipInfo("gradescope/SECRET")
            info.external_attr = 0o600 << 16
            z.writestr(info, secret + b"\n")
        z.writestr("gradescope/ARGS", "".join(f"{a}\n" for a in args))
        kept = [name for name in files if not name.startswith(LEFT_OUT) and (ROOT / name).is_file()]
        for name in kept:
            z.write(ROOT / name, name)
    return out, len(kept)


def course_secret(secret_file):
    """The course secret for the bundles; a new one (saved for local grading too) if none is set."""
    from lossedu.grading.course_secret import config_file, load_secret

    secret = load_secret(secret_file)
    if not secret.is_default:
        return secret.value, f"the course secret {secret.id} ({secret.source})"
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    with open(path, "xb") as f:  # never overwrite a teacher's secret
        f.write(value + b"\n")
    path.chmod(0o600)
    from lossedu.grading.course_secret import secret_id

    return value, f"a NEW course secret {secret_id(value)}, saved to {path} (keep it: `lossedu grade` uses it too)"


def main(argv):
    from lossedu.grading.registry import MODULES

    parser = argparse.ArgumentParser(prog="gradescope_bundle.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", nargs="?", default="build/gradescope")
    parser.add_argument("assignments", nargs="*", help="NN_name (default: all)")
    parser.add_argument("--secret-file", help="the course secret (default: as `lossedu grade` finds it)")
    parser.add_argument("--hidden-visibility", default="after_published",
                        choices=("visible", "hidden", "after_due_date", "after_published"),
                        help="when students see the hidden cases' feedback (default after_published)")
    parser.add_argument("--memory", type=int, help="MB per graded function (default: from the container's limit)")
    args = parser.parse_args(argv)
    for name in args.assignments:
        if name not in MODULES:
            parser.error(f"no assignment {name!r}; known: {', '.join(MODULES)}")
    try:
        secret, said = course_secret(args.secret_file)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"hidden cases: {said}")
    for name in args.assignments or list(MODULES):
        out, n = build(Path(args.out_dir) / f"{name}.zip", name, secret,
                       grader_args(args.hidden_visibility, args.memory))
        print(f"wrote {out} ({n} repository files + setup.sh + run_autograder; grades {name})")
    print("Upload one as the autograder of a Gradescope programming assignment (one per course assignment).")


if __name__ == "__main__":
    main(sys.argv[1:])
