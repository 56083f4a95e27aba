# Two commands on a fresh machine with only Python 3.11+ and make:
#   make run    set up, migrate a local SQLite database and serve smsprefs on :5000
#   make test   set up, lint, and run the test suite
PYTHON ?= python3
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install install-app run test lint bench clean python-check

help:  ## the targets, and what each does
	@echo "make run     set up .venv, migrate a local SQLite database, serve on :5000 (PORT=…)"
	@echo "make test    set up .venv, lint with ruff, run the tests (SQLite; PostgreSQL with"
	@echo "             SMSPREFS_TEST_DATABASE_URL=postgres://…/smsprefs_test)"
	@echo "make bench   the store, classifier and inbound webhook benchmarks"
	@echo "make clean   remove .venv, .tools and caches"
	@echo "PYTHON=python3.12 make …   use another Python (3.11 or newer)"

# Said before anything is installed: an older Python would fail later, in uv's words.
python-check:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "smsprefs needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>/dev/null || echo 'not found')."; \
	  echo "Install one (Debian/Ubuntu: sudo apt install python3.11 python3.11-venv) and run"; \
	  echo "  PYTHON=python3.11 make $(MAKECMDGOALS)"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "'$(PYTHON)' has no venv module (Debian/Ubuntu: sudo apt install python3-venv)."; exit 1; }

$(UV): | python-check
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

# The app alone for `make run`; the app and the test tools for the rest. --inexact: running
# the app after the tests keeps the test tools installed.
.venv/.app-synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)
	touch $@

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@ .venv/.app-synced

install-app: .venv/.app-synced

install: .venv/.synced

# A local demo: webhooks accept unsigned posts (logged loudly) and the API takes a fixed token.
run: install-app
	ALLOW_UNSIGNED_WEBHOOKS=$${ALLOW_UNSIGNED_WEBHOOKS:-true} \
	SMSPREFS_API_TOKEN=$${SMSPREFS_API_TOKEN:-local-dev-token} \
	.venv/bin/smsprefs serve

lint: install
	.venv/bin/ruff check .

test: lint
	.venv/bin/python -m pytest $(PYTEST_ARGS)

# BENCH_ARGS go to the store bench, INBOUND_BENCH_ARGS to the webhook load bench
# (e.g. "--seconds 10 --backend sqlite"), CLASSIFIER_BENCH_ARGS to the classifier's.
bench: install
	.venv/bin/python bench/store_bench.py $(BENCH_ARGS)
	.venv/bin/python bench/classifier_bench.py $(CLASSIFIER_BENCH_ARGS)
	.venv/bin/python bench/inbound_bench.py $(INBOUND_BENCH_ARGS)

clean:
	rm -rf .venv .tools .pytest_cache .ruff_cache .hypothesis
