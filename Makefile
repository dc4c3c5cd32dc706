# Two entry points for a fresh machine with Python 3.11 and make:
#   make run    build the environment if needed, then train on the embedded sample and score it
#   make test   build the environment if needed, then run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint ui sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m features.sources sample_data/release/ sample_data/controls/

test: $(STAMP)
	$(BIN)/ruff check .
	MLFLOW_DISABLE_TELEMETRY=true $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/python sample_data/generate.py

clean:
	rm -rf $(VENV)
