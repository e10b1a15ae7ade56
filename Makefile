# coursebuild for TinyTorch. `make help` lists the targets.
# The first target that needs Python creates .venv and installs the pinned requirements.txt
# (again whenever requirements.txt changes); nothing needs to be installed beforehand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DOIT   := $(PY) -m doit
STAMP  := $(VENV)/.requirements-installed

.DEFAULT_GOAL := help
.PHONY: help venv build lint test deploy-all release bench clean distclean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the pinned dependencies

build: $(STAMP) ## Build, export, validate and archive every module (doit, incremental)
	$(DOIT)

lint: $(STAMP) ## Lint every module source
	$(DOIT) lint

test: $(STAMP) ## Run the test suite (both cores; a file's tests stay in one worker)
	$(PY) -m pytest -q -n 2 --dist loadfile

deploy-all: $(STAMP) ## Build and validate every module, deploy all student notebooks in one commit
	$(DOIT) deploy_student

release: $(STAMP) ## Release the schedule up to WEEK: make release WEEK=5
	$(DOIT) release week=$(WEEK)

bench: $(STAMP) ## Benchmark the build against nbgrader and doit's floor (docs/benchmarks.md; BENCH_ARGS="--modules 5")
	$(PY) bench/run.py $(BENCH_ARGS)

clean: $(STAMP) ## Remove build outputs (doit clean) and the dependency state
	$(DOIT) clean
	rm -rf build .doit.db

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
