# Every target works on a fresh clone: it builds the venv and the vendored lib/ it needs.
# The venv runs the tools (pytest, AppInspect); the command itself always runs under the
# bare pyenv interpreters Splunk ships (3.9, 3.13) with nothing but the app's lib/.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PY39   ?= $(PYENV_ROOT)/versions/3.9.18/bin/python3.9
PY313  ?= $(PYENV_ROOT)/versions/3.13.0/bin/python3.13
export PY39 PY313

VERSION := $(shell sed -n 's/^version *= *//p' default/app.conf | head -n 1)
PACKAGE := dist/ecrofhours-$(VERSION).tgz

.PHONY: all venv lib demo test lint package appinspect bench calendars clean

all: test

venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Vendor runtime deps exactly as pinned; no dependencies of theirs, no bytecode.
lib: lib/.vendored
lib/.vendored: lib/requirements.txt $(VENV)/.installed
	$(VPY) -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
		--upgrade --target lib -r lib/requirements.txt
	rm -rf lib/bin
	touch $@

demo: lib
	$(VPY) tools/demo.py

lint: venv
	$(VPY) -m ruff check bin lib/offhours tools tests

# The AppInspect gate runs on the very tarball `make package` built, once per run.
test: lib lint package appinspect
	$(VPY) -m pytest -q --doctest-modules lib/offhours tests

# Reproducible tarball of allowlisted paths; fails if app.conf and app.manifest disagree.
package: $(PACKAGE)
$(PACKAGE): lib FORCE
	$(VPY) tools/package.py --output $(PACKAGE)

# AppInspect (precert, cloud): fails on failure, error, future_failure or a warning not
# accepted in tools/appinspect.py. Needs libmagic (Debian/Ubuntu: apt-get install libmagic1).
appinspect: package
	$(VPY) tools/appinspect.py $(PACKAGE)

bench: lib
	$(VPY) tools/bench.py

# Regenerate the shipped calendar data (CLDR weekends, public holidays) from pinned packages.
calendars: venv
	$(VPY) tools/gen_territories.py
	$(VPY) tools/gen_holidays.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis
	git clean -fdqX lib

FORCE:
