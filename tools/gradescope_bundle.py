"""Build the Gradescope autograder bundle: `python tools/gradescope_bundle.py OUT.zip` (`make gradescope`).

The zip holds, at its root, Gradescope's two entry points (gradescope/setup.sh and
gradescope/run_autograder) and every file git tracks in this repository; Gradescope unpacks it
into /autograder/source, runs setup.sh once to build the image, then run_autograder per submission.
"""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(out):
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope requires
            z.writestr(info, (ROOT / "gradescope" / name).read_bytes())
        for name in files:
            path = ROOT / name
            if path.is_file():
                z.write(path, name)
    return out, len(files)


if __name__ == "__main__":
    out, n = build(sys.argv[1] if len(sys.argv) > 1 else "build/gradescope-autograder.zip")
    print(f"wrote {out} ({n} repository files + setup.sh + run_autograder); upload it as the autograder "
          f"of a Gradescope programming assignment")
