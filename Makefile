# coursebuild for TinyTorch. `make help` lists the targets.
# The first target that needs Python creates .venv and installs the pinned requirements.txt
# (again whenever requirements.txt changes) and the `tito` command; nothing needs to be installed beforehand.
# Python 3.11 or newer: the interpreter is checked first, and a .venv made by another Python is rebuilt.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DOIT   := $(PY) -m doit
STAMP  := $(VENV)/.requirements-installed
VERSION = import sys; print("%d.%d" % sys.version_info[:2] if sys.version_info >= (3, 11) else "")
# The version of $(PYTHON) (3.11, ...), or nothing when it is missing or older than 3.11; HAVE: .venv's own.
WANT   := $(shell $(PYTHON) -c '$(VERSION)' 2>/dev/null)
HAVE   := $(shell $(PY) -c '$(VERSION)' 2>/dev/null)
VENV_OK := $(if $(WANT),$(filter $(WANT),$(HAVE)))

.DEFAULT_GOAL := help
.PHONY: help check-python FORCE venv build lint test ruff deploy-all release bench clean distclean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

check-python: ## Check the interpreter: Python 3.11 or newer
	@if [ -z "$(WANT)" ]; then \
	  echo "coursebuild needs Python 3.11 or newer, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install Python 3.11+ (e.g. apt install python3.11 python3.11-venv) and run: make PYTHON=python3.11 $(MAKECMDGOALS)"; \
	  exit 1; fi

# A .venv made by another Python (or left half-made) is rebuilt: FORCE makes the stamp out of date.
$(STAMP): requirements.txt pyproject.toml $(if $(VENV_OK),,FORCE) | check-python
	@if [ -e $(VENV) ] && [ -z "$(VENV_OK)" ]; then \
	  echo "coursebuild: .venv was made by another Python ($(or $(HAVE),not runnable)); rebuilding it with $(PYTHON) ($(WANT))"; \
	  rm -rf $(VENV); fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

FORCE:

venv: $(STAMP) ## Create .venv, install the pinned dependencies and the `tito` command (.venv/bin/tito)

build: $(STAMP) ## Build, export, validate and archive every module (doit, incremental)
	$(DOIT)

lint: $(STAMP) ## Lint every module source
	$(DOIT) lint

test: ruff ## Run ruff, then the test suite (both cores; a file's tests stay in one worker)
	$(PY) -m pytest -q -n 2 --dist loadfile

ruff: $(STAMP) ## Lint and format-check the engine, tests and benchmark with ruff (rules in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

deploy-all: $(STAMP) ## Build and validate every module, deploy all student notebooks in one commit
	$(DOIT) deploy_student

release: $(STAMP) ## Release the schedule up to WEEK: make release WEEK=5
	$(DOIT) release week=$(WEEK)

bench: $(STAMP) ## Benchmark build, execution, grading vs nbgrader, the old engine and doit's floor (docs/benchmarks.md; BENCH_ARGS="--modules 5 --students 6 --big-modules 10 --skip-old --skip-nbgrader")
	$(PY) bench/run.py $(BENCH_ARGS)

clean: $(STAMP) ## Remove build outputs (doit clean) and the dependency state
	$(DOIT) clean
	rm -rf build .doit.db

distclean: ## Remove build outputs, the dependency state, generated tinytorch/ files and .venv (works without a .venv)
	rm -rf build .doit.db .doit.db-* .doit.lock *.egg-info $(VENV)
	find tinytorch -mindepth 1 ! -name __init__.py -delete 2>/dev/null || true
