# Two commands: `make lab` opens the course, `make test` runs everything.
# Both build .venv from nothing the first time (torch==2.13.0 first, then lossedu editable), at the
# versions in the lock, constraints.txt; `make upgrade` refreshes the lock.
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
# The lock: every package version the course is tested with, passed to pip as constraints (they cap
# versions, they install nothing by themselves). `make upgrade` builds without it (LOCK_FLAGS=).
LOCK       := constraints.txt
LOCK_FLAGS ?= -c $(LOCK)
# On Linux a plain `pip install torch` gets the CUDA build (several GB). For the CPU build:
#   make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu
# An extra index, for the torch install only: pip takes the highest match, and 2.13.0+cpu sorts above
# PyPI's 2.13.0; torch's own dependencies still come from PyPI at the lock's versions.
TORCH_INDEX ?=
TORCH_FLAGS := $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))

.PHONY: lab lab-zh test venv upgrade book bench walkthrough gradescope assign translate figures clean

# A changed pyproject.toml or lock reinstalls into the existing .venv (`make clean venv` starts afresh).
# pip byte-compiles every installed module on one core (torch alone has thousands: half of a fresh
# install's time); compileall does the same on every core (-j 0) once both installs are done. The .pyc
# files must exist: where PYTHONDONTWRITEBYTECODE is set, nothing would ever write them, and every
# process would compile torch again. (|| true: a package may ship a file that is not Python 3; pip
# ignores those too.)
# The lock's versions need Python 3.11 or newer (numpy 2.4, nbgrader 0.9.6): say so before pip does.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "make lab/test need Python 3.11 or newer (PYTHON=python3.11 make ...); found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-compile $(LOCK_FLAGS) $(TORCH_FLAGS) torch==2.13.0
	$(PY) -m pip install --quiet --no-compile $(LOCK_FLAGS) -e '.[dev]'
	$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	touch $(STAMP)

venv: $(STAMP)

# Refresh the lock: a fresh .venv at the newest versions pyproject.toml allows (no constraints), its
# `pip freeze` written to constraints.txt (tools/write_lock.py), then the whole suite on it. Review
# `git diff constraints.txt` and commit it with the results. On Linux add TORCH_INDEX=<the CPU index>,
# or CUDA's nvidia-* wheels end up pinned in the lock too (harmless, as pins of packages not installed).
upgrade:
	rm -rf $(VENV)
	$(MAKE) venv LOCK_FLAGS=
	$(PY) tools/write_lock.py $(LOCK)
	touch $(STAMP)
	$(MAKE) test

# COURSE_LANG=zh (or `make lab-zh`): the Chinese edition, notebooks/zh/, with JupyterLab's menus in Chinese.
COURSE_LANG ?= en
lab: $(STAMP)
	$(PY) -m lossedu.lab --lang=$(COURSE_LANG) --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks$(if $(filter zh,$(COURSE_LANG)),/zh) $(ROOT_FLAG) $(LAB_ARGS)

lab-zh:
	$(MAKE) lab COURSE_LANG=zh

# Unit tests first (--dist loadgroup: tests marked with one xdist_group run on one worker, so torch's
# OpInfo samples are made once, tests/test_torch_samples.py), then nbval executes every notebook in notebooks/, solutions/ and exercises/ (whose
# cells that need the learner's code are tagged raises-exception by `lossedu assign`) in a kernel running this
# .venv's Python (--nbval-current-env); --nbval-lax checks that each cell runs without error
# (its asserts included) rather than comparing outputs, which are not committed.
# --dist loadfile keeps each notebook's cells on one worker, in order; tests/nbtiming.py prints
# each notebook's execution time; a cell running over 300 s fails (a hung kernel must not eat CI).
# Either pytest failing fails the target.
test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadgroup tests
	$(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=300 -p tests.nbtiming notebooks/ solutions/ exercises/

# The course as a static HTML book, build/book/_build/html/index.html (tools/build_book.py: every lesson
# executed, two at a time; each widget as its starting picture; the exercises without solutions), then
# tests/test_book.py checks the built pages: every figure on its page, no solution text anywhere.
# .github/workflows/book.yml publishes it to GitHub Pages on every push to main.
book: $(STAMP)
	$(PY) tools/build_book.py --out build/book
	LOSSEDU_BOOK=build/book $(PY) -m pytest -q -p no:cacheprovider tests/test_book.py

# Optional, for maintainers: open every notebook in a real JupyterLab in headless Chromium, Run All,
# and drag every slider (tools/walkthrough.py). Needs Debian's chromium (apt-get install chromium);
# installs the playwright driver into .venv on first use. NOTEBOOKS="01_regression.ipynb" picks some.
walkthrough: $(STAMP)
	$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet playwright
	$(PY) tools/walkthrough.py $(NOTEBOOKS)

# Speed against the reference (torch for Part I, each loss's home library for Part II), every loss at a realistic size (benchmarks/bench.py; BENCH_ARGS="--dtype float64").
bench: $(STAMP)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

# Regenerate exercises/ from solutions/ (a test fails when they drift).
assign: $(STAMP)
	$(VENV)/bin/lossedu assign

# The Chinese edition (notebooks/zh/, solutions/zh/, exercises/zh/) from the English notebooks and the translations in
# i18n/zh/ (tools/translate.py; tests/test_translation.py fails when an English cell changed and its translation did not).
translate: $(STAMP)
	$(PY) tools/translate.py

# Redraw the README's pictures (docs/images/*.png) with tools/front_page_figures.py; a test fails when they are stale.
figures: $(STAMP)
	$(PY) tools/front_page_figures.py

# Gradescope autograder bundles, one per assignment (build/gradescope/NN_name.zip: setup.sh +
# run_autograder + this repository without the solutions). ASSIGNMENTS="01_regression" picks some.
gradescope: $(STAMP)
	$(PY) tools/gradescope_bundle.py build/gradescope $(ASSIGNMENTS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis walkthrough
