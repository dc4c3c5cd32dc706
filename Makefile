# Two entry points for a fresh machine with Python 3.11 and make:
#   make run    build the environment if needed, then train on the embedded sample and score it
#   make test   build the environment if needed, then run the test suite
# `make browser` installs Debian's chromium for the UI test when no chromium is on PATH; `make test`
# runs it first. Without root or passwordless sudo it prints why and the UI test is skipped.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The embedded sample is generated, byte for byte, by its seeded generator (3 s), not tracked
SAMPLE := sample_data/release/sample_092026_tweets_csv_hashed.csv

.PHONY: run test lint ui ui-screenshots browser sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

$(SAMPLE): $(wildcard sample_data/*.py) $(STAMP)
	$(BIN)/python sample_data/generate.py

run: $(STAMP) $(SAMPLE)
	$(BIN)/python train.py --config configs/default.yaml
	$(BIN)/python predict.py --model models:/botsieve-sample@challenger --threshold-precision 0.8 \
		--output out/sample_scores.csv \
		sample_data/release sample_data/release_b sample_data/controls
	head -n 6 out/sample_scores.csv

ui: $(STAMP)
	@echo "MLflow UI on http://127.0.0.1:5000 (store: sqlite:///mlflow.db)"
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_DISABLE_TELEMETRY=true \
		$(BIN)/mlflow server --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 \
		--port 5000 --workers 1

# The README's UI screenshots: the UI test's own screenshots (tests/test_ui.py), copied to docs/.
ui-screenshots: $(STAMP) browser
	MLFLOW_DISABLE_TELEMETRY=true $(BIN)/python -m pytest -q tests/test_ui.py
	cp test-artifacts/mlflow_ui_experiment.png test-artifacts/mlflow_ui_model.png docs/

browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		exit 0; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "browser: no chromium on PATH and no apt-get; the UI test will be skipped"; \
	elif [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "browser: installing chromium with apt-get failed; the UI test will be skipped"; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		(sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium) \
		|| echo "browser: installing chromium with sudo apt-get failed; the UI test will be skipped"; \
	else \
		echo "browser: no chromium on PATH and no root or passwordless sudo to install it;" \
			"run 'sudo apt-get install chromium' (the UI test is skipped meanwhile)"; \
	fi

test: $(STAMP) $(SAMPLE) browser
	$(BIN)/ruff check .
	MLFLOW_DISABLE_TELEMETRY=true $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(SAMPLE)

clean:
	rm -rf $(VENV)
