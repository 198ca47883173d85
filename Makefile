# Machine-learning derivations that run: build, test and serve the book.
#
#   make book    executed notebooks -> static site in _build/html
#   make test    ruff, unit tests, strict nbval, the book with warnings as errors, site tests
#   make check   the fast tier: all of make test but the slow tests (fresh environment, student
#                execution, mutation run) and the book and browser: a few minutes
#   make serve   serve _build/html on http://localhost:8000
#   make lab     JupyterLab on the chapters (installed into .venv on first use)
#   make bench   run the benchmarks (derivlib against the production libraries)
#   make chapter the author's loop for one chapter: NB=chapters/<part>/<topic>.md (sync, execute,
#                strict nbval, the unit tests of its derivlib module), about a minute
#   make execute re-execute notebooks in place: NB=path/to.md (or .ipynb), or every chapter then audit
#   make student the chapters without their solutions, for students -> _build/student
#   make mutate  mutation testing of the checker on every chapter's steps -> mutation/results.json
#   make hooks   install the git pre-commit hooks (ruff check, jupytext sync of the chapter pairs)
#   make lock    rewrite constraints.txt from the current .venv
#   make clean   remove _build and caches (keeps .venv)
#
# Every target creates .venv (Python 3.11) and installs the pinned environment on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

BOOTSTRAP_PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV     := .venv
BIN      := $(VENV)/bin
PY       := $(BIN)/python
PIP      := $(PY) -m pip --disable-pip-version-check
BUILD    := _build
HTML     := $(BUILD)/html
PORT     ?= 8000
JUPYTERLAB_VERSION := 4.6.6

# What the installed environment depends on: reinstall when any of these changes (by content).
# requirements.txt is the reader's set (what Binder installs), requirements-dev.txt the rest.
INSTALL_INPUTS := requirements.txt requirements-dev.txt constraints.txt pyproject.toml
INSTALL_STAMP  := $(VENV)/.install-hash
# What the rendering of the stored outputs depends on besides the pages themselves (Sphinx
# notices a change of _config.yml, but not of the book's own extensions or the pinned
# environment): a change here drops Sphinx's environment so every page is read again.
RENDER_INPUTS_CMD := { find _ext -type f -name '*.py' -print0 | sort -z | xargs -0 sha256sum; \
                       sha256sum constraints.txt; } | sha256sum | cut -d' ' -f1
RENDER_HASH := $(BUILD)/.render-hash

JB_FLAGS := -W -n --keep-going
RUFF_PATHS := $(wildcard src tools tests chapters benchmarks _ext *.ipynb conftest.py)
NOTEBOOKS := chapters audit.ipynb course_guide.ipynb benchmarks.ipynb
# The tests run on two workers (pytest-xdist), the machine's two cores: each worker starts its
# own kernels and its own browser. WORKERS=0 runs them in one process (for a debugger).
WORKERS ?= 2
XDIST := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS))
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
               --nbval-cell-timeout=120 -p no:cacheprovider

.PHONY: help venv assets book html render-inputs test check lint unit nbval site-test serve lab bench execute chapter hooks student mutate lock clean

help:
	@sed -n '3,18p' Makefile | sed 's/^# \{0,1\}//'

## Environment ---------------------------------------------------------------------------------

$(PY):
	@test -n "$(BOOTSTRAP_PYTHON)" || { echo "Python 3.11 not found (need python3.11 or python3 on PATH)"; exit 1; }
	@"$(BOOTSTRAP_PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 needed, found " + sys.version.split()[0])'
	"$(BOOTSTRAP_PYTHON)" -m venv $(VENV)

# Content-hashed stamp: a second run skips pip when the inputs did not change (robust to the
# timestamps that a fresh clone or a branch switch gives every file).
venv: $(PY)
	@want=$$(cat $(INSTALL_INPUTS) | sha256sum | cut -d' ' -f1); \
	if [ "$$(cat $(INSTALL_STAMP) 2>/dev/null)" = "$$want" ]; then \
	  echo "Environment up to date ($(VENV))."; \
	else \
	  echo "Installing the pinned environment into $(VENV) ..."; \
	  $(PIP) install -q -c constraints.txt -r requirements.txt -r requirements-dev.txt -e . ; \
	  echo "$$want" > $(INSTALL_STAMP); \
	fi

## The book ------------------------------------------------------------------------------------

# The site is built from the outputs stored in the notebooks (`make execute` writes them, and
# strict nbval, which `make test` runs before the build, proves them current): nothing is
# executed. The Explore frames are files next to each notebook (_explore/<name>/, written by
# `make execute`), which _ext/explore.py copies into the site.
# The web assets the site ships (MathJax), pinned by vendor/package-lock.json: npm ci when the
# lock file changed (content-hashed stamp, like the Python environment).
ASSETS_STAMP := vendor/node_modules/.lock-hash
assets:
	@want=$$(sha256sum vendor/package-lock.json | cut -d' ' -f1); \
	if [ "$$(cat $(ASSETS_STAMP) 2>/dev/null)" != "$$want" ]; then \
	  command -v npm >/dev/null || { echo "npm not found: install Node.js (for MathJax, shipped with the site)"; exit 1; }; \
	  echo "Installing the site's web assets (MathJax) into vendor/node_modules ..."; \
	  npm ci --prefix vendor --no-audit --no-fund --silent; \
	  echo "$$want" > $(ASSETS_STAMP); \
	fi

render-inputs: venv assets
	@mkdir -p $(BUILD); \
	now=$$($(RENDER_INPUTS_CMD)); \
	if [ "$$(cat $(RENDER_HASH) 2>/dev/null)" != "$$now" ]; then \
	  rm -rf $(BUILD)/.doctrees $(HTML); \
	  echo "$$now" > $(RENDER_HASH); \
	fi

# Sphinx re-reads only changed pages, and a page that warned is not re-read (nor re-warned) on
# the next run: after a failed build, drop Sphinx's environment so the warnings come back.
# `make test` rebuilds every page (--all).
JB_ALL ?=
html: render-inputs
	@start=$$(date +%s); \
	$(BIN)/jupyter-book build . $(JB_FLAGS) $(JB_ALL) || { rm -rf $(BUILD)/.doctrees; exit 1; }; \
	echo "make book: the site built in $$(( $$(date +%s) - start )) s"

book: html
	@echo
	@echo "The book is in $(CURDIR)/$(HTML)/index.html"
	@echo "Open that file in a browser, or run 'make serve' and visit http://localhost:$(PORT)"

## Tests ---------------------------------------------------------------------------------------

lint: venv
	$(BIN)/ruff check $(RUFF_PATHS)

# tests/site checks the built site in a browser, so it runs after the build (site-test).
unit: venv
	$(BIN)/pytest -p no:cacheprovider $(XDIST) --dist load tests --ignore=tests/site

nbval: venv
	$(BIN)/pytest $(NBVAL_FLAGS) $(XDIST) --dist loadfile $(NOTEBOOKS)

# The built site in Chromium, with every request outside the site's origin refused.
site-test: venv
	@if [ ! -d tests/site ]; then echo "No site tests (tests/site does not exist)."; exit 0; fi; \
	$(BIN)/pytest -p no:cacheprovider $(XDIST) --dist load tests/site

# ruff, unit tests, strict nbval, the book with warnings as errors, then the built site in a
# browser; stops at the first failure. A skipped test fails the run (conftest.py at the root).
test: venv
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory nbval
	@$(MAKE) --no-print-directory book JB_ALL=--all
	@$(MAKE) --no-print-directory site-test
	@echo "make test: all checks passed."

# The fast tier for authors and reviewers: `make test` without its slow integration tests
# (pytest -m slow) and without the site build and browser tests. CI runs `make test`.
check: venv
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint && \
	$(BIN)/pytest -q -p no:cacheprovider $(XDIST) --dist load tests --ignore=tests/site -m "not slow" && \
	$(BIN)/pytest -q $(NBVAL_FLAGS) $(XDIST) --dist loadfile $(NOTEBOOKS) && \
	echo "make check: passed in $$(( $$(date +%s) - start )) s (make test also runs the slow tests, the book and the site)"

## Helpers -------------------------------------------------------------------------------------

serve:
	@test -f $(HTML)/index.html || { echo "No site yet: run 'make book' first."; exit 1; }
	@echo "Serving $(HTML) on http://localhost:$(PORT) (Ctrl-C to stop)"
	$(or $(wildcard $(PY)),$(BOOTSTRAP_PYTHON)) -m http.server $(PORT) --bind 127.0.0.1 --directory $(HTML)

lab: venv
	@$(PY) -c 'import jupyterlab' 2>/dev/null || $(PIP) install -q -c constraints.txt jupyterlab==$(JUPYTERLAB_VERSION)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) chapters

bench: venv
	@shopt -s nullglob; scripts=(); for s in benchmarks/*.py; do \
	  case "$$(basename "$$s")" in _*) ;; *) scripts+=("$$s");; esac; done; \
	if [ $${#scripts[@]} -eq 0 ]; then echo "No benchmarks yet (benchmarks/ has no scripts)."; exit 0; fi; \
	for s in "$${scripts[@]}"; do echo "== $$s"; $(PY) "$$s"; done; \
	echo "== the benchmarks page"; $(PY) -m tools.execute benchmarks.ipynb

# Store fresh outputs in the notebooks (what strict nbval compares against). The audit page
# counts the chapters' stored derivations, so it is executed after them; the course guide reads
# the chapters' prerequisites, so it comes last.
NB ?=
execute: venv
	@if [ -n "$(NB)" ]; then nbs="$(NB)"; else \
	  nbs="$$(find chapters -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort) audit.ipynb course_guide.ipynb benchmarks.ipynb"; fi; \
	$(PY) -m tools.execute $$nbs

# One chapter, as an author checks it: sync the .ipynb from the .md (keeping the outputs and ids
# of unchanged cells), execute it, strict nbval on it, its pairing, the unit tests of its module
# (tests/<part>/test_<topic>.py) and ruff on both. `make test` still runs everything.
chapter: venv
	@test -n "$(NB)" || { echo "usage: make chapter NB=chapters/<part>/<topic>.md"; exit 2; }
	@nb="$(NB)"; base="$${nb%.*}"; part=$$(basename "$$(dirname "$$base")"); topic=$$(basename "$$base"); \
	unit="tests/$$part/test_$$topic.py"; [ -f "$$unit" ] || unit=""; \
	start=$$(date +%s); \
	$(PY) -m tools.execute "$$base.md" && \
	$(BIN)/ruff check "$$base.ipynb" $$([ -n "$$unit" ] && echo "$$unit" src/derivlib/$$part/$$topic.py) && \
	$(BIN)/pytest -q $(NBVAL_FLAGS) "$$base.ipynb" && \
	$(BIN)/pytest -q -p no:cacheprovider tests/test_chapter_sources.py -k "$$topic" $$unit && \
	echo "make chapter: $$base checked in $$(( $$(date +%s) - start )) s"

# The git hooks of .pre-commit-config.yaml (local hooks on the tools of .venv), one command.
PRE_COMMIT_VERSION := 4.7.0
hooks: venv
	@$(PY) -c 'import pre_commit' 2>/dev/null || $(PIP) install -q -c constraints.txt pre-commit==$(PRE_COMMIT_VERSION)
	$(BIN)/pre-commit install

# The chapters for students: solutions removed, pre-filled answers blanked, outputs cleared
# (tools/student.py; tests/test_student.py checks the result and executes it).
student: venv
	$(PY) -m tools.student --out $(BUILD)/student

# Mutation testing of the derivation checker: every checked step of every chapter is replaced by
# small corruptions of it, and the share the checker rejects is written to mutation/results.json
# (shown on the audit page, which is re-executed afterwards). Takes several minutes; not part of
# `make test`, which runs a sampled version (tests/test_mutate.py).
mutate: venv
	$(PY) -m tools.mutate --jobs 2 --out mutation/results.json
	$(PY) -m tools.execute audit.ipynb

# The lock is what pip resolves for requirements.txt and requirements-dev.txt (keeping the
# current pins where they still fit), not a freeze of .venv, so that tools installed by hand
# (e.g. by `make lab`) stay out. After changing either: `make lock`, then `make venv`.
lock: $(PY)
	@mkdir -p $(BUILD)
	$(PIP) install -q --dry-run --ignore-installed --report $(BUILD)/lock-report.json \
	  -c constraints.txt -r requirements.txt -r requirements-dev.txt
	@{ echo "# Full lock of the tested environment (Python 3.11): every package that 'pip install"; \
	   echo "# -r requirements.txt -r requirements-dev.txt' installs, pinned. Regenerate with 'make lock'."; \
	   $(PY) -c 'import json, sys; r = json.load(open(sys.argv[1])); \
	     pins = (i["metadata"]["name"] + "==" + i["metadata"]["version"] for i in r["install"]); \
	     print("\n".join(sorted(pins, key=str.lower)))' $(BUILD)/lock-report.json; \
	 } > $(BUILD)/constraints.txt.new
	@mv $(BUILD)/constraints.txt.new constraints.txt
	@echo "constraints.txt rewritten; run 'make venv' to install it."

clean:
	rm -rf $(BUILD) .pytest_cache .hypothesis .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
