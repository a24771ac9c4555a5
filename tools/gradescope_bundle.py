"""Build Gradescope autograder bundles: `python tools/gradescope_bundle.py OUT_DIR [NN_name ...]` (`make gradescope`).

One zip per assignment (default: all), `OUT_DIR/NN_name.zip`. Each holds, at its root, Gradescope's
two entry points (gradescope/setup.sh and gradescope/run_autograder), `gradescope/ASSIGNMENT` naming
the one assignment it accepts, and the repository's tracked files except the solutions (solutions/
and tests/planted/, which quote them): Gradescope unpacks it into /autograder/source, runs setup.sh
once to build the image, then run_autograder for each submission.
"""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LEFT_OUT = ("solutions/", "tests/planted/", "build/")


def build(out, assignment):
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope requires
            z.writestr(info, (ROOT / "gradescope" / name).read_bytes())
        z.writestr("gradescope/ASSIGNMENT", assignment + "\n")
        kept = [name for name in files if not name.startswith(LEFT_OUT) and (ROOT / name).is_file()]
        for name in kept:
            z.write(ROOT / name, name)
    return out, len(kept)


def main(argv):
    from lossedu.grading.registry import MODULES

    out_dir = Path(argv[0] if argv else "build/gradescope")
    names = argv[1:] or list(MODULES)
    for name in names:
        if name not in MODULES:
            raise SystemExit(f"no assignment {name!r}; known: {', '.join(MODULES)}")
        out, n = build(out_dir / f"{name}.zip", name)
        print(f"wrote {out} ({n} repository files + setup.sh + run_autograder; grades {name})")
    print("Upload one as the autograder of a Gradescope programming assignment (one per course assignment).")


if __name__ == "__main__":
    main(sys.argv[1:])
