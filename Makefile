# The course's two commands:  make lab  (set up and open the course)  and  make test.
# Everything lands in .venv; nothing is installed system-wide.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.9
# nbgrader calls `alembic` as a program, so the venv's bin must be on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE :=
export UV_LINK_MODE := copy

.PHONY: setup lab test test-fast test-lti test-class-sim test-variants lint format lock lite site test-browser clean help hub-setup hub class-sim

help:
	@echo "make lab    set up .venv and open the course in JupyterLab"
	@echo "make test   set up .venv and run the whole test suite"

$(STAMP): pyproject.toml requirements/lock.txt binder/overrides.json
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0] if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs the pinned set in seconds; plain pip is the fallback.
	@if $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); then \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements/lock.txt -e . ; \
	else \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt -e . ; \
	fi
	@# An optional URI checker pulled in by jsonschema costs 2.5 s on every nbformat import
	@# (every nbgrader command and JupyterLab's start); nothing in the course needs it.
	@$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax 2>/dev/null || true
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)
	@echo "Course environment ready in $(VENV)"

setup: $(STAMP)

LAB_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ROOT_FLAG) $(LAB_ARGS) lessons/00-start-here.md

# `make test` = the main suite, then the real-browser tests when Debian's Chromium is installed
# (apt-get install -y chromium). COURSE_BROWSER_TESTS=1 makes a missing browser an error (CI sets
# it), COURSE_BROWSER_TESTS=0 skips them.
# The same lookup as tests/support/browser.py: $$CHROMIUM first, then chromium on PATH.
CHROMIUM_BIN := $(or $(CHROMIUM),$(shell command -v chromium || command -v chromium-browser))
# Browser requirements (Playwright, repo2docker) are installed only when browser tests will run.
BROWSER_TESTS := $(if $(filter 0,$(COURSE_BROWSER_TESTS)),,$(if $(CHROMIUM_BIN),yes,))
# The hub's packages (requirements/hub.txt, requirements/lti.txt: JupyterHub, its LTI login) are
# installed for the suite unless COURSE_LTI_TESTS=0; tests/test_lti.py skips without them (and
# fails if COURSE_LTI_TESTS=1, as in CI).
LTI_TESTS := $(if $(filter 0,$(COURSE_LTI_TESTS)),,yes)
test: setup $(if $(LTI_TESTS),$(VENV)/.hub-installed $(VENV)/.lti-installed) $(if $(BROWSER_TESTS),$(VENV)/.browser-installed) lint
	$(BIN)/python -m pytest -n 2 -q -m "not browser"
	@if [ "$(COURSE_BROWSER_TESTS)" = 0 ]; then \
	  echo "Real-browser tests skipped (COURSE_BROWSER_TESTS=0)."; \
	elif [ -n "$(CHROMIUM_BIN)" ]; then \
	  $(MAKE) --no-print-directory test-browser; \
	elif [ "$(COURSE_BROWSER_TESTS)" = 1 ]; then \
	  echo "COURSE_BROWSER_TESTS=1 but Chromium is not installed: apt-get install -y chromium" >&2; exit 1; \
	else \
	  echo "Real-browser tests skipped: Chromium is not installed (Debian/Ubuntu: sudo apt-get install chromium; then make test-browser)."; \
	fi

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow and not browser"

# Style is enforced by ruff (configured in pyproject.toml); `make format` applies it.
lint: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check

format: setup
	$(BIN)/ruff format
	$(BIN)/ruff check --fix

# The lock: exact versions of everything the course and its tests install, resolved from the
# ranges in pyproject.toml (existing pins are kept unless a range excludes them).
lock: setup
	$(BIN)/uv pip compile pyproject.toml --extra course --extra test --python-version 3.11 \
	  --custom-compile-command "make lock" -o requirements/lock.txt

# ---- Zero-install routes (docs/zero-install.md). Their build tools live in their own pinned
# requirements files, installed into .venv beside the course's lock.
$(VENV)/.lite-installed: $(STAMP) requirements/lite.txt
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/lite.txt
	@touch $@

$(VENV)/.site-installed: $(STAMP) requirements/site.txt
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/site.txt
	@touch $@

$(VENV)/.browser-installed: $(STAMP) requirements/browser.txt
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/browser.txt
	@touch $@

# LTI 1.3 login for the hub (deploy/hub/lti.py): JupyterHub and jupyterhub-ltiauthenticator.
$(VENV)/.lti-installed: $(STAMP) requirements/lti.txt
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/lti.txt
	@$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax 2>/dev/null || true
	@touch $@

# The class simulation's tests (root; unix users in a private mount namespace), and every
# allowed value of every parameterised exercise proven (tests/test_offering.py): minutes each.
test-class-sim: setup $(VENV)/.hub-installed
	COURSE_CLASS_SIM_TESTS=1 PATH=$(CURDIR)/$(VENV)/hub-node/node_modules/.bin:$$PATH $(BIN)/python -m pytest -p no:xdist -q tests/test_class_sim.py

test-variants: setup
	COURSE_ALL_VARIANTS=1 $(BIN)/python -m pytest -n 2 -q -m slow tests/test_offering.py

# The LTI login tests alone: a real hub and a stand-in LMS platform, both on 127.0.0.1.
test-lti: $(VENV)/.lti-installed
	COURSE_LTI_TESTS=1 $(BIN)/python -m pytest -p no:xdist -q tests/test_lti.py

# The in-browser course (JupyterLite + Pyodide) in lite/_output/. LITE_ARGS="--pyodide cdn
# --site-url https://..." loads Pyodide from its CDN instead of bundling it.
LITE_ARGS ?=
lite: $(VENV)/.lite-installed
	$(BIN)/python -m tools.build_lite $(LITE_ARGS)

# The course website in _build/site/html/ (with the JupyterLite site inside, if built).
SITE_ARGS ?=
site: $(VENV)/.site-installed
	$(BIN)/python -m tools.build_site $(SITE_ARGS)

# Real-browser tests (Debian's chromium: apt-get install -y chromium); they build what they test.
test-browser: $(VENV)/.lite-installed $(VENV)/.site-installed $(VENV)/.browser-installed
	$(BIN)/python -m pytest -m browser -p no:xdist -q tests/browser

# ---- The multi-user hub (deploy/hub/README.md) and the class simulation. JupyterHub and its
# culler are pinned in requirements/hub.txt; the proxy is the npm package, pinned, in .venv/hub-node.
CHP_VERSION := 5.3.0
$(VENV)/.hub-installed: $(STAMP) requirements/hub.txt
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/hub.txt
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix $(VENV)/hub-node configurable-http-proxy@$(CHP_VERSION) \
	  || echo "configurable-http-proxy not installed: the hub smoke test will be skipped"; \
	else echo "npm not found: configurable-http-proxy not installed (apt-get install -y npm)"; fi
	@touch $@

hub-setup: $(VENV)/.hub-installed

# Runs the hub from deploy/hub on this machine (as root, for LocalProcessSpawner); loopback unless
# COURSEKIT_HUB_URL says otherwise.
hub: $(VENV)/.hub-installed
	cd deploy/hub && PATH=$(CURDIR)/$(VENV)/hub-node/node_modules/.bin:$$PATH $(BIN)/jupyterhub -f jupyterhub_config.py

# N students fetch and submit as their own unix users in a private mount namespace (needs root).
N ?= 200
SIM_ARGS ?=
class-sim: setup
	$(BIN)/python -m tools.class_sim --students $(N) $(SIM_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache
