# Two commands on a fresh machine with only Python 3.11+ and make:
#   make run    set up, migrate a local SQLite database and serve smsprefs on :5000
#   make test   set up, lint, and run the test suite
PYTHON ?= python3
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: .venv/.synced

# A local demo: webhooks accept unsigned posts (logged loudly) and the API takes a fixed token.
run: install
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
