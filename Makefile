# steadyflow: `make run` serves the embedded default, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8080
export STEADYFLOW_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test check format lint types contracts pytest pytest-pg bench clean

CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml webui/package-lock.json tests/node/package-lock.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "steadyflow needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	cd webui && npm ci --no-audit --no-fund --loglevel=error
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

# The browser tests drive Debian's Chromium (never a downloaded browser build).
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests"
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium

## run: install, deploy the examples, serve on http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(BIN)/steadyflow deploy examples/database-creation.bpmn examples/database-creation-c8.bpmn
	$(BIN)/steadyflow serve --port $(PORT)

## test: install, then run every check (what CI runs)
test: $(STAMP) $(CHROMIUM)
	$(MAKE) check

## check: format, lint, types, import contracts, tests
check: format lint types contracts pytest pytest-pg

format:
	$(BIN)/ruff format --check .

lint:
	$(BIN)/ruff check .

types:
	$(BIN)/mypy

contracts:
	$(BIN)/lint-imports

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
# The suite runs twice: on SQLite, then on PostgreSQL (every test using a database fixture gets its own
# database there; the others already ran). The second pass is skipped, loudly, when the server is down.
# --dist loadgroup keeps the tests marked xdist_group("postgres-heavy") on one worker, one after another,
# so that together they stay well under the server's max_connections (100).
TEST_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

pytest:
	env -u STEADYFLOW_TEST_PG $(BIN)/pytest -n 2 -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

pytest-pg:
	@if $(BIN)/python -m tests.pg_reachable "$(TEST_PG)"; then \
	  echo "== PostgreSQL pass: STEADYFLOW_TEST_PG=$(TEST_PG)"; \
	  STEADYFLOW_TEST_PG="$(TEST_PG)" $(BIN)/pytest -n 2 --dist loadgroup -q; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc; \
	else \
	  echo "== SKIPPED: the PostgreSQL pass of the suite (server unreachable; start it or set TEST_PG=...)"; \
	fi

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

# bench/fanout_bench.py runs when it exists (it lands on its own branch).
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.engine_bench
	if test -f bench/fanout_bench.py; then $(BIN)/python -m bench.fanout_bench; fi
	$(BIN)/python -m bench.scale_bench
	$(BIN)/python -m bench.instances_page_bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
