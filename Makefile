# One-command setup, demo and tests. Everything installs into .venv/ at the repository root.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vecaudit-installed
export HF_HUB_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

.PHONY: setup demo test lint sysdeps clean-venv vllm-venv

# torch goes first and pinned: the pin resolves to the CPU build on disk, while an unpinned
# torch pulled in by a dependency would download a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# A stale vecaudit.egg-info in the checkout (left by an old build) shadows the installed
	# metadata whenever Python runs from here, hiding the built-in plugins' entry points.
	rm -rf vecaudit.egg-info
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

# Debian packages the tests drive for real: chromium (HTML/PDF reports), poppler (PDF pages), tmux (TUI).
sysdeps:
	@if command -v chromium >/dev/null && command -v pdftoppm >/dev/null && command -v tmux >/dev/null; then \
	  echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils tmux >/dev/null; \
	else \
	  echo "note: install chromium, poppler-utils and tmux for the report and TUI tests"; \
	fi

setup: $(STAMP) sysdeps

# The CPU build of vLLM in a venv of its own (.venv-vllm/, ~2.5 GB): the tests start a real
# vLLM server from it. GPU machines use `pip install vllm` instead (see the README).
vllm-venv:
	PY=$(PY) scripts/setup-vllm-venv.sh

demo: setup
	$(BIN)/vecaudit demo

test: setup vllm-venv
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check auditor tui plugins tests bench scripts
	$(BIN)/ruff format --check auditor tui plugins tests bench scripts
	$(BIN)/mypy auditor tui plugins
	scripts/lint-imports.sh

clean-venv:
	rm -rf $(VENV)
