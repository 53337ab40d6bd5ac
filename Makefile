# One venv for everything: `make test` and `make demo` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extras whose tests `make test` runs: every harness adapter and export is tested, not only the core.
EXTRAS := dev,mcp,hf,inspect

.PHONY: venv test demo lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[$(EXTRAS)]'
	touch $@

venv: $(BIN)/.installed

test: venv
	$(BIN)/python -m pytest

demo: venv
	$(BIN)/python -m tasks.demo

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/pip install -q -e '.[dev,bench]'
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
