# whichmodel: `make run` sets up and runs the main job; `make test` sets up and runs the tests.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export OMP_NUM_THREADS := 1

MMDC   := .cache/mmdc/node_modules/.bin/mmdc

.PHONY: setup system-deps run build test bench clean

$(BIN)/whichmodel: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/whichmodel

# Debian packages for the diagram export (graphviz) and the browser tests (chromium).
system-deps:
	@command -v dot >/dev/null && command -v chromium >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium >/dev/null; }

# mermaid-cli, to check exported Mermaid with a real parser; it drives Debian's chromium (no browser download).
$(MMDC):
	mkdir -p .cache/mmdc
	cd .cache/mmdc && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund @mermaid-js/mermaid-cli@11 >/dev/null

build: setup
	$(BIN)/whichmodel build

run: setup build
	$(BIN)/whichmodel serve

test: setup system-deps $(MMDC)
	WHICHMODEL_MMDC=$(CURDIR)/$(MMDC) $(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python benchmarks/recommend.py
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf build .pytest_cache
