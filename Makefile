# The commands the README names. Each creates the virtual environment first if it is missing.
PYTHON ?= python3
VENV   ?= .venv
EXTRAS ?= dev
comma  := ,
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
PYTEST_ARGS ?=
# Commands run as in an activated environment: nbgrader itself calls tools of the venv (alembic).
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help venv lab test lint demo release grade bench clean

help:
	@echo "make lab      open JupyterLab on the course (creates $(VENV) if needed)"
	@echo "make test     run the whole test suite (creates $(VENV) if needed)"
	@echo "make lint     ruff over the project"
	@echo "make release  regenerate assignments/ from solutions/"
	@echo "make demo     run the instructor pipeline on the bundled sample class"
	@echo "make bench    rerun the benchmarks into docs/benchmarks.md"

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/START_HERE.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

release: $(STAMP)
	$(BIN)/course release

demo: $(STAMP)
	$(BIN)/course demo

bench: $(STAMP)
	$(BIN)/python -m bench.run_all --out docs/benchmarks.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
