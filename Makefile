# The two set-up commands of the README, and the rest of the project's chores.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast bench install model sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## The main job on embedded defaults: SQLite file, bundled sample corpus.
demo: $(STAMP)
	$(BIN)/tidewatch scan data/sample/posts.jsonl --db sqlite:///tidewatch.db || test $$? -eq 1
	$(BIN)/tidewatch serve --db sqlite:///tidewatch.db

## The whole test suite (SQLite always; PostgreSQL when reachable, and always under CI).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x tests -m "not slow"

## Benchmarks, each reported as a ratio to a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python bench/scan.py
	$(BIN)/python bench/networks.py
	$(BIN)/python bench/queue_page.py

## Rebuild the detector from the labelled data in the repository.
model: $(STAMP)
	$(BIN)/tidewatch train

## Regenerate the bundled sample corpus (deterministic).
sample: $(STAMP)
	$(BIN)/python -m tidewatch.synth --n 2000 --seed 7 --output data/sample

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache tidewatch.db tidewatch.db-wal tidewatch.db-shm
