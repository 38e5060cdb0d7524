# Two commands: `make run` (main job on the shipped config) and `make test` (the test suite,
# the same on every machine); `make fuzz` explores new inputs (see tests/test_fuzz.py).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= configs/seed-article-2025.toml

.PHONY: run test fuzz lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files record what is installed; they are redone when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/uncertainty run $(CONFIG)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check uncertainty tests benchmarks
	$(BIN)/mypy

# Tests in one process per core (pytest-xdist): each test is independent, and the
# hypothesis examples are the same in every process (derandomized).
test: lint
	$(BIN)/python -m pytest -n auto

# New random inputs for the fuzz tests (`make fuzz SEED=n` repeats a run); each failure is
# saved, shrunk, to tests/fuzz_corpus/, which `make test` replays.
ifndef SEED
SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif
fuzz: $(VENV)/.installed-test
	@echo "fuzzing with seed $(SEED) (make fuzz SEED=$(SEED) repeats it)"
	$(BIN)/python -m pytest tests/test_fuzz.py tests/test_fuzz_models.py --hypothesis-profile=fuzz \
		--hypothesis-seed=$(SEED)

# squigglepy is installed for benchmarks/bench_squigglepy.py only, never a dependency.
bench: $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet squigglepy
	$(BIN)/python benchmarks/bench_seed_model.py
	$(BIN)/python benchmarks/bench_squigglepy.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
