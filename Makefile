# Two commands for a fresh clone: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# SITE_URL (receipts, QR cards, SMS links) follows PORT unless set (config/settings.py).
export PORT
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test setup deps system-deps system-deps-test node-deps messages lint bench-public

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Two processes by default (pytest-xdist); PYTEST_WORKERS=0 runs in one.
PYTEST_WORKERS ?= 2
test: deps system-deps-test node-deps messages
	$(PY) manage.py check
	$(PY) -m pytest -q -p no:randomly -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

setup: deps system-deps messages

system-deps:
	@bash scripts/install-system-deps.sh

system-deps-test:
	@bash scripts/install-system-deps.sh --test

# axe-core for the browser tests' accessibility checks, pinned in package-lock.json.
node-deps: system-deps-test
	@bash scripts/install-node-deps.sh

# uv installs the pinned set in seconds (compiled to bytecode, as pip does: a process that starts —
# a recycled gunicorn worker, a test worker — does not compile the libraries again); pip is the
# fallback when uv cannot be had.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q uv 2>/dev/null && $(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r pyproject.toml --extra dev \
		|| $(PY) -m pip install -q -r <($(PY) -c "import tomllib;d=tomllib.load(open('pyproject.toml','rb'))['project'];print('\n'.join(d['dependencies']+d['optional-dependencies']['dev']))")
	@touch $@

deps: $(VENV)/.installed

messages: deps system-deps
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

lint: deps
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# The public pages under wrk beside a bare Django view and django-helpdesk (not part of `make test`).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--install-helpdesk" the first time, or "--only /track/".
bench-public: deps
	$(PY) bench/public_pages.py $(BENCH_ARGS)
