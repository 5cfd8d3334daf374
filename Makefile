# G-Desk developer commands. `make run` and `make test` install what they need themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
APT_PACKAGES := chromium fonts-noto-cjk

.PHONY: setup system-deps run test test-unit lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Chromium (browser tests) and a Korean font (screenshots, QR pages). Never `playwright install`.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

# `kill -INT <pid of make run>` stops everything: make keeps SIGINT to itself, so `gdesk up` watches
# its parent (infra/local/parent.py); exec spares the shell in between. GDESK_UP_ARGS: e.g. --no-demo.
run: setup
	exec $(VENV)/bin/gdesk up $(GDESK_UP_ARGS)

test: setup system-deps
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest -n 2 tests/unit

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy chalicelib functions infra gdesk_counter app.py

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

-include mk/*.mk
