# The README's two commands: `make demo` and `make test`. Both install what they need,
# uv included, so a fresh machine with only Python 3.11+ (and Node 20 for the UI) works.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# Use the uv on PATH if there is one; otherwise install it into .tools/ with pip.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --locked

.PHONY: help demo test lint typecheck unit bench sync

help:
	@echo "make demo   install everything and run Segue on its embedded defaults"
	@echo "make test   install the test tools and run lint, type check and all tests"
	@echo "make bench  measure the engine and the local index (docs/benchmarks.md)"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

sync: | $(UV)
	$(UV) sync --locked --quiet

demo: sync
	$(RUN) segue demo

lint: sync
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench

typecheck: sync
	$(RUN) mypy

unit: sync
	$(RUN) pytest

test: lint typecheck unit

bench: sync
	$(RUN) python -m bench $(BENCH_ARGS)
