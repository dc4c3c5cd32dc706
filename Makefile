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
	$(BIN)/python train.py --config configs/default.yaml
	$(BIN)/python predict.py --model models:/botsieve@challenger --threshold-precision 0.8 \
		--output out/sample_scores.csv \
		sample_data/release sample_data/release_b sample_data/controls
	head -n 6 out/sample_scores.csv

ui: $(STAMP)
	@echo "MLflow UI on http://127.0.0.1:5000 (store: sqlite:///mlflow.db)"
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_DISABLE_TELEMETRY=true \
		$(BIN)/mlflow server --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 \
		--port 5000 --workers 1

test: $(STAMP)
	$(BIN)/ruff check .
	MLFLOW_DISABLE_TELEMETRY=true $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/python sample_data/generate.py

clean:
	rm -rf $(VENV)
