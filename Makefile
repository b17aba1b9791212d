# Two commands do everything on a fresh machine: `make briefing` and `make test`.
# Both create .venv from the pinned requirements.lock on first use and reuse it after.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: briefing test soak check lint preview bench clean system

briefing: $(STAMP) system
	$(PY) generate.py build

check: $(STAMP)
	$(PY) generate.py check

test: $(STAMP) system
	$(PY) -m ruff check report tests generate.py bench
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n auto --dist loadfile

# watch and schedule run 40 builds each; their memory must stay flat (a few minutes)
soak: $(STAMP) system
	REPORT_SOAK=1 $(PY) -m pytest -q -s tests/test_soak.py

lint: $(STAMP)
	$(PY) -m ruff check report tests generate.py bench
	$(VENV)/bin/lint-imports --no-cache

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

# WeasyPrint needs Pango, and HarfBuzz's subsetter for byte-stable, warning-free font subsets
# (without it WeasyPrint falls back to fontTools and warns). As root on Debian/Ubuntu the
# missing packages are installed; otherwise the command to type is printed.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
system: $(STAMP)
	@if ! $(PY) -c 'import weasyprint' 2>/dev/null || ! /sbin/ldconfig -p | grep -q libharfbuzz-subset.so.0; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system libraries: $(SYSTEM_PACKAGES)"; \
	    (apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }) \
	      || { echo "could not install $(SYSTEM_PACKAGES)"; exit 1; }; \
	  else \
	    echo "Missing system libraries: install them with 'sudo apt-get install $(SYSTEM_PACKAGES)' (Debian/Ubuntu)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf out .pytest_cache
