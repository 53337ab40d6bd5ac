# One venv for everything: `make test` and `make demo` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extras whose tests `make test` runs: every harness adapter and export is tested, not only the core.
EXTRAS := dev,mcp,hf,inspect

.PHONY: venv sandbox test test-core test-verifiers demo lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[$(EXTRAS)]'
	touch $@

venv: $(BIN)/.installed

# The python tool refuses to run without a working bubblewrap; say so before tests skip its sandbox tests.
sandbox: venv
	@$(BIN)/python -c "from tools.python_tool import sandbox_problem as p; m = p(); m and print( \
	  f'warning: {m}: the python tool refuses to run and its sandbox tests are skipped; apt-get install bubblewrap')"

test: test-core test-verifiers

test-core: venv sandbox
	$(BIN)/python -m pytest

# verifiers 0.4 pins openai<3 and mcp==2.0.0, so its adapter (environments/kgtasks_env) lives in a venv of
# its own, where the runner's provider tests also run on openai 2.x (kgtasks supports both majors).
VF := .venv-verifiers
$(VF)/.installed: pyproject.toml environments/kgtasks_env/pyproject.toml
	$(PY) -m venv $(VF)
	$(VF)/bin/pip install -q --upgrade pip
	$(VF)/bin/pip install -q -e '.[dev]' -e environments/kgtasks_env uv
	@# verifiers' chat harness is a uv script: fetch its packages now (install time), not during the test
	$(VF)/bin/python -c "from verifiers.v1.harnesses.utils.launch import CHAT_PROGRAM_SOURCE as s; open('$(VF)/chat.py', 'w').write(s)"
	PATH=$(CURDIR)/$(VF)/bin:$$PATH uv sync --script $(VF)/chat.py -q --no-config
	touch $@

test-verifiers: $(VF)/.installed
	PATH=$(CURDIR)/$(VF)/bin:$$PATH $(VF)/bin/python -m pytest tests/integrations/test_verifiers_env.py \
		tests/tasks/test_providers.py tests/tasks/test_run.py

demo: venv sandbox
	$(BIN)/python -m tasks.demo

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/pip install -q -e '.[dev,bench]'
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(VF) .pytest_cache
