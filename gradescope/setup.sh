#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu, with internet).
# The bundle unpacks to /autograder/source (this repository). torch 2.13.0 CPU comes from PyTorch's
# CPU wheel index: a plain `pip install torch` would pull gigabytes of CUDA packages.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip util-linux
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install -q -e /autograder/source
# The learner's code runs as the unprivileged user 65534 (nobody): let it read what it needs.
chmod -R a+rX /autograder/source /autograder/venv
