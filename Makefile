# Everything installs into .venv on first use; `make run` and `make test` are all a new user needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/monitor run

test: $(STAMP_TEST)
	$(BIN)/ruff check monitor tests benchmarks docs
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP_TEST)
	$(BIN)/python -m benchmarks.bench_match
	$(BIN)/python -m benchmarks.bench_cycle

clean:
	rm -rf $(VENV) data/*.db data/*.db-wal data/*.db-shm
