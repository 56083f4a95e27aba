# Two commands on a fresh machine with only Python 3.11+ and make:
#   make run    set up, migrate a local SQLite database and start smsprefs
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

run: install
	.venv/bin/smsprefs migrate
	.venv/bin/smsprefs --help

lint: install
	.venv/bin/ruff check .

test: lint
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench: install
	.venv/bin/python bench/store_bench.py $(BENCH_ARGS)

clean:
	rm -rf .venv .tools .pytest_cache .ruff_cache .hypothesis
