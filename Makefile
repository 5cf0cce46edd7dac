# The author's verbs. Each is one line in README.md.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
BOOK_STAMP := $(VENV)/.installed-book
DEV_STAMP  := $(VENV)/.installed-dev
JB_FLAGS   := -W -n --keep-going
# pytest-xdist: tests run on every core; a group of tests that shares an expensive fixture runs on one worker.
TEST_JOBS  ?= auto
# --no-loadscope-reorder keeps conftest's order: the slow tests first, the built book's last.
XDIST      := -n $(TEST_JOBS) --dist loadgroup --no-loadscope-reorder
CHAPTER    ?=

.PHONY: help book test check lab bench clean chromium sandbox selfcheck pdf

help:
	@echo "make book   execute every chapter (cached) and build the site into _build/html"
	@echo "make test   install the test tools and Chromium, then run every test"
	@echo "make check CHAPTER=05  the author's quick loop: unit tests, exercise checks, and that chapter run afresh"
	@echo "make lab    open JupyterLab on the notebook edition (LAB=book: on the authors' sources)"
	@echo "make bench  measure chapters, explorers, pages and builds into _build/bench.json"
	@echo "make pdf    print the whole book to _build/pdf/dlmath.pdf (headless Chromium)"
	@echo "make selfcheck  regenerate each chapter's setup cell, its self-check edition (selfcheck/) and its notebook edition (notebooks/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BOOK_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): $(BOOK_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

book: $(BOOK_STAMP)
	mkdir -p _build
	$(BIN)/jupyter-book build . $(JB_FLAGS) 2>&1 | tee _build/build.log
	@echo "The book is built: open _build/html/index.html"

# Debian's Chromium for the browser tests and the PDF (Playwright drives it; it never downloads a browser).
# CHROMIUM=/path/to/chrome uses a Chromium-based browser already there instead (GitHub's runners have one).
chromium:
	@if [ -n "$${CHROMIUM:-}" ]; then command -v "$$CHROMIUM" >/dev/null || { echo "CHROMIUM=$$CHROMIUM: no such program" >&2; exit 1; }; \
	else command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; fi

# Debian's bubblewrap: `dlmath grade` runs every submission in a bwrap sandbox (no network, nothing of the host).
sandbox:
	@command -v bwrap >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

test: $(DEV_STAMP) chromium sandbox
	$(BIN)/python -m pytest $(XDIST)

# The inner loop (a few minutes): every test that needs neither the built book nor whole chapters graded
# (markers book and slow), the exercise agreement among them, and the chapter CHAPTER executed in a fresh kernel.
check: $(DEV_STAMP) sandbox
	$(BIN)/python -m pytest $(XDIST) -m "not book and not slow" $(if $(CHAPTER),--chapter $(CHAPTER),)

# The book as one PDF: the single-page build (sharing the execution cache) printed by Debian's Chromium.
pdf: $(DEV_STAMP) chromium
	$(BIN)/python tools/pdf.py

# What a learner opens (notebooks/, clean Markdown, solutions folded); `make lab LAB=book` opens the sources.
LAB ?= notebooks
lab: $(BOOK_STAMP)
	$(BIN)/jupyter lab $(LAB)

bench: $(DEV_STAMP)
	$(BIN)/python tools/bench.py

clean:
	rm -rf _build

# What is generated from the committed notebooks (tests keep them in step): each chapter's setup cell, which
# installs the dlmath release of src/dlmath/__init__.py, the self-check edition of every chapter with exercises,
# and the notebook edition of every chapter (glued values from the last `make book`, in _build; the self-check
# edition takes them from the notebook edition, so it comes second).
selfcheck: $(DEV_STAMP)
	$(BIN)/dlmath setup-cells
	$(BIN)/dlmath edition all notebooks
	$(BIN)/dlmath selfcheck all selfcheck
