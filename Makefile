# `make run` serves the app on http://127.0.0.1:5000; `make test` runs every test.
# Both start from nothing: they create .venv, install Python and browser packages,
# compile the translations and create or migrate the database.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor/socket.io-client
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test check install install-test vendor translations extract-messages lint js-check bench \
	bench-deps bench-idle bench-storm clean

run: install
	$(BIN)/workshop serve --host $(HOST) --port $(PORT)

test: check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything CI checks before the tests; each check says how to fix what it finds.
# `ruff format .` fixes the formatting; `make extract-messages` refreshes the catalogues.
check: install-test js-check
	$(BIN)/ruff check . || { echo 'fix: $(BIN)/ruff check --fix . (the rest by hand)'; exit 1; }
	$(BIN)/ruff format --check . || { echo 'fix: $(BIN)/ruff format .'; exit 1; }
	$(BIN)/mypy
	$(BIN)/python tools/check_migrations.py
	$(BIN)/python tools/check_catalogues.py

# The browser code: eslint (recommended rules) and the unit tests of its pure modules.
js-check: vendor
	test -x node_modules/.bin/eslint || npm ci --no-audit --no-fund --loglevel=error
	npx --no-install eslint static/js tests/js
	node --test --test-reporter=spec tests/js/*.test.mjs

install: $(VENV)/.installed vendor translations

install-test: install $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Browser packages come from the npm registry (pinned in package-lock.json) and are
# copied into an ignored folder the app serves: never a CDN, never committed.
vendor: $(VENDOR)/socket.io.esm.min.js

$(VENDOR)/socket.io.esm.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js $(VENDOR)/
	cp node_modules/socket.io-client/LICENSE $(VENDOR)/ 2>/dev/null || true

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d workshop/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o workshop/translations/messages.pot --no-location --sort-output workshop templates
	$(BIN)/pybabel update -i workshop/translations/messages.pot -d workshop/translations --no-fuzzy-matching --no-wrap

lint: install-test
	$(BIN)/ruff check .

# Benchmarks print figures (see bench/README.md); BENCH_ARGS passes options, e.g.
# `make bench BENCH_ARGS="-n 1000 --async-mode both"`. The load generator and the Node
# relay are npm packages pinned in bench/loadgen/package-lock.json.
bench-deps: bench/loadgen/node_modules/.package-lock.json

bench/loadgen/node_modules/.package-lock.json: bench/loadgen/package.json bench/loadgen/package-lock.json
	cd bench/loadgen && npm ci --no-audit --no-fund --loglevel=error

bench: install-test bench-deps
	$(BIN)/python bench/fanout.py $(BENCH_ARGS)

bench-idle: install-test bench-deps
	$(BIN)/python bench/idle.py $(BENCH_ARGS)

bench-storm: install-test bench-deps
	$(BIN)/python bench/storm.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules bench/loadgen/node_modules $(VENDOR) .pytest_cache
