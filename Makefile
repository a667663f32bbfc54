# Two commands do everything, on a fresh machine or an old one:
#   make demo   build a small corpus end to end from the bundled sample data
#   make test   run the test suite
# Both create (or reuse) .venv and install what is missing, idempotently.

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup demo test lint format system clean bench

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, pinned, so nothing later pulls a multi-GB CUDA build
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[all,dev]"
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

# Debian packages some tests use (Slurm, Chromium): installed when we are root with apt.
system:
	@bash .ci/system-packages.sh

demo: setup
	$(BIN)/obelics demo

test: setup system
	$(BIN)/python -m pytest -q tests

lint: setup
	$(BIN)/ruff check obelics tests bench
	$(BIN)/ruff format --check obelics tests bench

format: setup
	$(BIN)/ruff format obelics tests bench
	$(BIN)/ruff check --fix obelics tests bench

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
