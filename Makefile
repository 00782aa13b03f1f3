# `make demo` and `make test` work from a fresh clone: they create (or reuse) .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-peer typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/seismo demo --out seismo-demo

test: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# a separate interpreter with the peer (evidently) for the side-by-side rows of `make bench`
bench-peer:
	$(PYTHON) -m venv .venv-peer
	.venv-peer/bin/python -m pip install --quiet 'evidently==0.7.23' 'pandas<3' polars pyarrow

typecheck: $(STAMP)
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) .venv-peer seismo-demo build *.egg-info src/*.egg-info
