# The README's two commands: `make demo` and `make test`. Both install what they need,
# uv included, so a fresh machine with only Python 3.11+ and Node 20 works.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# Use the uv on PATH if there is one; otherwise install it into .tools/ with pip.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --locked
FRONTEND := frontend
CHROMIUM ?= /usr/bin/chromium
E2E_PORT ?= 8799
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

.PHONY: wheel wheel-test help demo serve test settings-table lint typecheck unit bench sync sync-test services eval eval-report loadtest ui ui-deps ui-test types chromium wrk e2e

help:
	@echo "make demo   install everything and run Segue on a generated demo catalog"
	@echo "make test   install the test tools, then lint, type-check and run every test"
	@echo "make bench  measure the engine, the local index, the endpoint and serving (docs/benchmarks.md)"
	@echo "make eval   recommendation quality on the real playlists (docs/evaluation.md)"
	@echo "make loadtest  64 clients for 60 s against segue serve (docs/reliability.md)"
	@echo "make settings-table  regenerate the README's configuration table from settings.py"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

sync: | $(UV)
	$(UV) sync --locked --quiet

# The tests also cover `segue embed`, which needs the clap extra (torch, CPU build from disk).
sync-test: | $(UV)
	$(UV) sync --locked --extra clap --quiet

# -- the UI ---------------------------------------------------------------------------------
$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && $(NPM_CI)

ui-deps: $(FRONTEND)/node_modules/.package-lock.json

ui: ui-deps
	cd $(FRONTEND) && npm run build

# npm test fails when src/lib/types.ts is not what openapi.json gives, and
# tests/api/test_openapi_schema.py when openapi.json is not the app's schema.
ui-test: ui
	cd $(FRONTEND) && npm test

# After changing the API's bodies: the schema snapshot, then the UI's types generated from it.
# sync-test, not sync: a developer's next step is the tests, and `uv sync` without the clap
# extra would first take torch out of the environment.
types: sync-test ui-deps
	$(RUN) python -m segue.api.openapi > $(FRONTEND)/openapi.json
	cd $(FRONTEND) && npm run types

# Debian's Chromium for the browser tests (a test tool's own browser download is impossible here).
chromium:
	@command -v $(CHROMIUM) >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's wrk for the serving benchmark (bench/serving.py): 64 connections from C, not Python.
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# End to end in a real headless Chromium: `segue demo` on a port of its own, in a throwaway
# data dir, driven by playwright-core (frontend/e2e); the server is stopped afterwards.
e2e: sync-test ui chromium
	@set -euo pipefail; \
	data=$$(mktemp -d); log="$$data/demo.log"; \
	SEGUE_DATA_DIR="$$data" $(RUN) segue demo --port $(E2E_PORT) >"$$log" 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null || true; wait $$pid 2>/dev/null || true; rm -rf "$$data"' EXIT; \
	url=""; \
	for _ in $$(seq 1 300); do \
	  url=$$(grep -oE 'http://[^ ]+/login#token=[^ ]+' "$$log" | head -n1 || true); \
	  if [ -n "$$url" ] && curl -fsS -o /dev/null "http://127.0.0.1:$(E2E_PORT)/readyz"; then break; fi; \
	  kill -0 $$pid 2>/dev/null || { cat "$$log"; exit 1; }; sleep 1; \
	done; \
	[ -n "$$url" ] || { echo "segue demo printed no sign-in address"; cat "$$log"; exit 1; }; \
	other=$$(SEGUE_DATA_DIR="$$data/demo" $(RUN) segue token create --did did:plc:e2eother \
	  --handle other.e2e.example --expires-in 1h 2>/dev/null); \
	cd $(FRONTEND) && SEGUE_E2E_LOGIN_URL="$$url" SEGUE_E2E_OTHER_TOKEN="$$other" \
	  SEGUE_E2E_CHROMIUM=$(CHROMIUM) npm run e2e

# -- the install path -----------------------------------------------------------------------
# A wheel carrying the built UI (pyproject.toml puts frontend/dist in it as segue/ui).
wheel: ui | $(UV)
	$(UV) build --wheel --out-dir dist --quiet

# What an operator does with it: install the wheel into a fresh environment (its locked
# dependencies from the uv cache only, nothing fetched: uv.lock exported as pylock.toml), run `segue demo` from an empty directory on a
# free port, fetch the page and /readyz, stop it. WHEEL_PORT=0: a free port.
WHEEL_PORT ?= 0
wheel-test: ui | $(UV)
	@set -euo pipefail; tmp=$$(mktemp -d); pid=""; \
	trap 'if [ -n "$$pid" ]; then kill $$pid 2>/dev/null || true; wait $$pid 2>/dev/null || true; fi; rm -rf "$$tmp"' EXIT; \
	$(UV) build --wheel --out-dir "$$tmp/dist" --quiet; \
	$(UV) venv --quiet --python $(PYTHON) "$$tmp/venv"; \
	$(UV) export --locked --format pylock.toml --no-dev --no-emit-project --quiet -o "$$tmp/pylock.toml"; \
	$(UV) pip install --quiet --offline --python "$$tmp/venv/bin/python" -r "$$tmp/pylock.toml"; \
	$(UV) pip install --quiet --offline --no-deps --python "$$tmp/venv/bin/python" "$$tmp"/dist/segue-*.whl; \
	"$$tmp/venv/bin/python" -c 'import importlib.resources as r; assert r.files("segue").joinpath("py.typed").is_file()' \
	  || { echo "the wheel has no py.typed: its annotations would not be type-checked"; exit 1; }; \
	port=$(WHEEL_PORT); [ "$$port" != 0 ] || port=$$("$$tmp/venv/bin/python" -c \
	  'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	mkdir "$$tmp/run"; cd "$$tmp/run"; \
	env -u SEGUE_DATA_DIR -u SEGUE_UI_DIR -u SEGUE_DATABASE_URL -u SEGUE_REDIS_URL \
	  "$$tmp/venv/bin/segue" demo --port $$port >"$$tmp/demo.log" 2>&1 & pid=$$!; \
	for _ in $$(seq 1 300); do \
	  curl -fsS -o /dev/null "http://127.0.0.1:$$port/readyz" 2>/dev/null && break; \
	  kill -0 $$pid 2>/dev/null || { cat "$$tmp/demo.log"; exit 1; }; sleep 1; \
	done; \
	curl -fsS "http://127.0.0.1:$$port/readyz" | grep -q '"status":"ok"' || { echo "/readyz not ok"; cat "$$tmp/demo.log"; exit 1; }; \
	page=$$(curl -fsS "http://127.0.0.1:$$port/"); \
	echo "$$page" | grep -q '<script type="module"' || { echo "no built page at /"; echo "$$page"; exit 1; }; \
	asset=$$(echo "$$page" | grep -oE '/assets/[^"]+\.js' | head -n1); \
	curl -fsS -o /dev/null "http://127.0.0.1:$$port$$asset" || { echo "no $$asset"; exit 1; }; \
	grep -q "ui: $$tmp/venv/lib/python" "$$tmp/demo.log" || { echo "the UI was not the wheel's"; cat "$$tmp/demo.log"; exit 1; }; \
	echo "wheel-test: the installed wheel has py.typed, and its segue demo served / ($$asset) and /readyz"

# -- running --------------------------------------------------------------------------------
demo: sync ui
	$(RUN) segue demo

serve: sync ui
	$(RUN) segue serve

# -- checking -------------------------------------------------------------------------------
# PostgreSQL and Redis run on this project's machines; start them if they were stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 \
	  --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log

# The README's configuration table, from the fields of src/segue/settings.py (a test fails
# while they disagree).
settings-table: | $(UV)
	$(RUN) python -m segue._settings_table README.md

lint: sync-test
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench

typecheck: sync-test
	$(RUN) mypy

# wrk: tests/bench drive the real wrk (a missing one must fail the run, not skip it).
unit: sync-test services wrk
	$(RUN) pytest

test: lint typecheck ui-test e2e unit wheel-test

EVAL_DATA ?= ../shared/eval/spotify-playlists
EVAL := $(RUN) segue eval --vectors $(EVAL_DATA)/vectors.npy --ids $(EVAL_DATA)/track_ids.txt \
	--playlists $(EVAL_DATA)/playlists.dev.jsonl --tracks $(EVAL_DATA)/tracks.csv

# Quality on the real playlists (docs/evaluation.md): adaptive against the default.
eval: sync-test
	$(EVAL) $(EVAL_ARGS)

# Every strategy, the Markdown table and the plot, as recorded in docs/evaluation.md.
eval-report: sync-test
	$(EVAL) --strategy all --markdown --plot docs/evaluation.png $(EVAL_ARGS)

# Not part of make test; the first run builds the 100k index (about a minute, then cached).
loadtest: sync-test services
	$(RUN) python -m bench.loadtest $(LOADTEST_ARGS)

# BENCH_ARGS="--only serving [--seconds 15] [--profile] [--rows KEYS] [--rounds N]
#   [--markdown FILE]": wrk rows only.
bench: sync-test services wrk
	$(RUN) python -m bench $(BENCH_ARGS)
