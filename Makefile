# The two commands: `make run` and `make test`. Everything else is a helper for those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint format messages check-python check-system clean

$(BIN)/python:
	@$(MAKE) --no-print-directory check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are reproducible: exact versions and hashes from the lock files.
$(VENV)/.installed-runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@ $(VENV)/.installed-runtime

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ClientWatch needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'

# WeasyPrint (PDF reports) needs Pango from the system.
check-system: | $(BIN)/python
	@$(BIN)/python -c 'import ctypes.util, sys; missing = [l for l in ("pango-1.0", "pangoft2-1.0") if not ctypes.util.find_library(l)]; sys.exit("Missing system libraries for PDF reports: " + ", ".join(missing) + ". Install them with: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0") if missing else None'
	@$(BIN)/python -c 'import ctypes.util; ctypes.util.find_library("harfbuzz-subset") or print("Note: libharfbuzz-subset0 is not installed; PDF rendering works but is several times slower (sudo apt-get install libharfbuzz-subset0).")'
	@fc-list 2>/dev/null | grep -qiE "dejavu|noto" || echo "Note: no DejaVu or Noto font found; PDF reports need one for Malay, Indonesian, Finnish and Frisian text (sudo apt-get install fonts-dejavu-core)."

run: $(VENV)/.installed-runtime check-system
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo
	@echo
	@echo "  ClientWatch is starting at http://$(HOST):$(PORT)/"
	@echo "  Log in as demo / demo-password-2026. Outgoing mail: http://$(HOST):$(PORT)/dev/mail/"
	@echo "  Stop everything with Ctrl-C."
	@echo
	@# The worker, beat and the server, stopped together (Ctrl-C or SIGTERM), each once.
	@exec $(BIN)/python -m clientwatch.devserver --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev check-system
	$(BIN)/pytest $(PYTEST_ARGS)

# Figures for BENCHMARKS.md, on a throwaway database (BENCH_DATABASE_URL to use PostgreSQL).
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/var/bench.sqlite3
bench: $(VENV)/.installed-dev check-system
	rm -f var/bench.sqlite3
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) migrate --no-input -v 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) flush --no-input -v 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m clientwatch.bench
	# The load test needs PostgreSQL on 127.0.0.1 and wrk; it says so and skips without them.
	$(BIN)/python -m clientwatch.loadtest

# Update the translation catalogues after changing texts (needs GNU gettext), then
# compile them; the compiled .mo files are committed so the app runs offline.
messages: $(VENV)/.installed-runtime
	$(MANAGE) makemessages -l ms -l id -l fi -l fy --ignore=.venv --ignore=node_modules --ignore=tests --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r clientwatch clients invoices redflags

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles
