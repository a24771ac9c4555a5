# Two commands: `make lab` opens the course, `make test` runs everything.
# Both build .venv from nothing the first time (torch==2.13.0 CPU first, then lossedu editable).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.lossedu-installed
# xdist workers; the suite is sized for the 2-core machine CI runs on.
JOBS   ?= 2
# Extra flags for `make lab`, e.g. LAB_ARGS="--no-browser --port 8899". JupyterLab refuses to run
# as root (containers, Binder-like boxes) unless told it may.
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test venv bench walkthrough gradescope assign clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(PY) -m lossedu.lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks $(ROOT_FLAG) $(LAB_ARGS)

# Unit tests first, then nbval executes every notebook in notebooks/, solutions/ and exercises/ (whose
# cells that need the learner's code are tagged raises-exception by `lossedu assign`) in a kernel running this
# .venv's Python (--nbval-current-env); --nbval-lax checks that each cell runs without error
# (its asserts included) rather than comparing outputs, which are not committed.
# --dist loadfile keeps each notebook's cells on one worker, in order; tests/nbtiming.py prints
# each notebook's execution time; a cell running over 300 s fails (a hung kernel must not eat CI).
# Either pytest failing fails the target.
test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) tests
	$(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=300 -p tests.nbtiming notebooks/ solutions/ exercises/

# Optional, for maintainers: open every notebook in a real JupyterLab in headless Chromium, Run All,
# and drag every slider (tools/walkthrough.py). Needs Debian's chromium (apt-get install chromium);
# installs the playwright driver into .venv on first use. NOTEBOOKS="01_regression.ipynb" picks some.
walkthrough: $(STAMP)
	$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet playwright
	$(PY) tools/walkthrough.py $(NOTEBOOKS)

# Speed against torch, every loss at a realistic size (benchmarks/bench.py; BENCH_ARGS="--dtype float64").
bench: $(STAMP)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

# Regenerate exercises/ from solutions/ (a test fails when they drift).
assign: $(STAMP)
	$(VENV)/bin/lossedu assign

# Gradescope autograder bundles, one per assignment (build/gradescope/NN_name.zip: setup.sh +
# run_autograder + this repository without the solutions). ASSIGNMENTS="01_regression" picks some.
gradescope: $(STAMP)
	$(PY) tools/gradescope_bundle.py build/gradescope $(ASSIGNMENTS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis walkthrough
