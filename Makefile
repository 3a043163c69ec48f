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

.PHONY: all venv lib sdk3 demo check test lint package appinspect bench calendars clean contentctl

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
	$(VPY) tools/run/demo.py

lint: venv
	$(VPY) -m ruff check bin lib/offhours lib/chunked tools harness tests security_content

# splunk-sdk 3.x (Python 3.13 only) beside the shipped 2.1.1, for the protocol tests under 3.13:
# the pin is requirements-dev.txt's line for python_version >= "3.13".
sdk3: build/sdk3/.installed
build/sdk3/.installed: requirements-dev.txt
	rm -rf build/sdk3 && mkdir -p build
	grep -E '^splunk-sdk==3' requirements-dev.txt | sed 's/ *;.*//' > build/sdk3.txt
	$(PY313) -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
		--target build/sdk3 -r build/sdk3.txt
	rm -rf build/sdk3/bin
	touch $@

# The fast tier, to run every minute while changing code: no subprocess under Splunk's Pythons,
# no packaging (pytest.ini, tests/conftest.py SLOW_MODULES).
check: lib
	$(VPY) -m pytest -q -m "not slow" --doctest-modules lib/offhours lib/chunked tests

# The AppInspect gate runs on the very tarball `make package` built, once per run.
test: lib sdk3 lint package appinspect contentctl
	$(VPY) -m pytest -q --doctest-modules lib/offhours lib/chunked tests

# Reproducible tarball of allowlisted paths; fails if app.conf and app.manifest disagree.
package: $(PACKAGE)
$(PACKAGE): lib FORCE
	$(VPY) tools/build/package.py --output $(PACKAGE)

# AppInspect (precert, cloud): fails on failure, error, future_failure or a warning not
# accepted in tools/build/appinspect.py. Needs libmagic (Debian/Ubuntu: apt-get install libmagic1).
appinspect: package
	$(VPY) tools/build/appinspect.py $(PACKAGE)

# The detections as security_content (security_content/, docs/CONTENTCTL.md): contentctl 5.6.2,
# pinned with all its dependencies in a venv of its own (it needs Python >= 3.11 and a setuptools
# that splunk-packaging-toolkit's pin excludes), validates and builds them offline in
# build/contentctl/; tests/test_contentctl.py checks that build against default/.
CONTENTCTL_PYTHON ?= $(PYTHON)
CONTENTCTL_VENV   := .venv-contentctl
contentctl: $(CONTENTCTL_VENV)/.installed
	$(CONTENTCTL_VENV)/bin/python security_content/build_offline.py --output build/contentctl

$(CONTENTCTL_VENV)/.installed: requirements-contentctl.txt
	rm -rf $(CONTENTCTL_VENV)
	$(CONTENTCTL_PYTHON) -m venv $(CONTENTCTL_VENV)
	$(CONTENTCTL_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		-r requirements-contentctl.txt
	$(CONTENTCTL_VENV)/bin/python -m pip check
	touch $@

# ecrofhours against the floor (tools/run/bench_commands/floor.py) and splunklib commands on Python
# 3.9 and 3.13; fails when a target is missed (docs/PERFORMANCE.md).
bench: lib
	$(VPY) tools/run/bench.py

# Regenerate the shipped calendar data (CLDR weekends, public holidays) from pinned packages.
calendars: venv
	$(VPY) tools/generate/gen_territories.py
	$(VPY) tools/generate/gen_holidays.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis
	git clean -fdqX lib

FORCE:
