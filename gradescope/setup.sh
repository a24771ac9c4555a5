#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu, with internet).
# The bundle unpacks to /autograder/source (this repository). Only what grading needs is installed:
# torch 2.13.0 CPU (torch's answers; from PyTorch's CPU wheel index: a plain `pip install torch`
# would pull gigabytes of CUDA packages), numpy (the learner's code and the comparison), IPython
# (reads %magic lines as the learner's Jupyter does), and lossedu itself without its dependencies
# (its course dependencies, JupyterLab, nbval, matplotlib, widgets, are not needed to grade).
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip util-linux
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install -q numpy ipython
/autograder/venv/bin/pip install -q --no-deps -e /autograder/source
# The learner's code runs as the unprivileged user 65534 (nobody): let it read what it needs,
# but not the course secret (root's only: the grader runs as root).
chmod -R a+rX /autograder/source /autograder/venv
if [ -f /autograder/source/gradescope/SECRET ]; then
  chown root:root /autograder/source/gradescope/SECRET
  chmod 600 /autograder/source/gradescope/SECRET
fi
