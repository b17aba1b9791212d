# Two commands do everything on a fresh machine: `make briefing` and `make test`.
# Both create .venv from the pinned requirements.lock on first use and reuse it after.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: briefing test check lint preview bench clean system

briefing: $(STAMP) system
	$(PY) generate.py build

check: $(STAMP)
	$(PY) generate.py check

test: $(STAMP) system
	$(PY) -m ruff check report tests generate.py bench
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check report tests generate.py bench

preview: $(STAMP) system
	$(PY) -m report.preview

# Measures our build against headless Chromium (skipped if absent: apt-get install chromium)
# and writes docs/performance.md.
bench: $(STAMP) system
	$(PY) bench/benchmark.py

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

# WeasyPrint needs the Pango text library from the system.
system: $(STAMP)
	@$(PY) -c 'import weasyprint' 2>/dev/null || { echo "Missing system library Pango: install it with 'apt-get install libpango-1.0-0 libpangoft2-1.0-0' (Debian/Ubuntu)"; exit 1; }

clean:
	rm -rf out .pytest_cache
