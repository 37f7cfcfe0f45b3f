# whichmodel: `make run` sets up and runs the main job; `make test` sets up and runs the tests.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export OMP_NUM_THREADS := 1

MMDC   := .cache/mmdc/node_modules/.bin/mmdc
YASGUI := .cache/yasgui/node_modules/@zazuko/yasgui/build/yasgui.min.js
COMUNICA := .cache/comunica/node_modules/.bin/comunica-sparql

.PHONY: setup system-deps yasgui run build parser lint test bench bench-scale audit clean

$(BIN)/whichmodel: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/whichmodel

# Debian packages for the diagram export (graphviz), the browser tests (chromium) and an emoji font (the
# sources' headings and star ratings use emoji; without it a browser draws empty boxes).
system-deps:
	@command -v dot >/dev/null && command -v chromium >/dev/null && fc-list | grep -qi 'color emoji' || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium \
	    fonts-noto-color-emoji >/dev/null; }

# mermaid-cli, to check exported Mermaid with a real parser; it drives Debian's chromium (no browser download).
$(MMDC):
	mkdir -p .cache/mmdc
	cd .cache/mmdc && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund @mermaid-js/mermaid-cli@11 >/dev/null

# YASGUI, the query page a browser gets at /sparql; served from these local files (no CDN).
$(YASGUI):
	mkdir -p .cache/yasgui
	cd .cache/yasgui && npm install --silent --no-audit --no-fund @zazuko/yasgui@4.6.2 >/dev/null

yasgui: $(YASGUI)

# Comunica, a real SPARQL client the endpoint is tested with; tests/comunica/package.json pins its result parsers.
$(COMUNICA): tests/comunica/package.json
	mkdir -p .cache/comunica
	cp tests/comunica/package.json .cache/comunica/package.json
	cd .cache/comunica && npm install --silent --no-audit --no-fund >/dev/null
	touch $@

build: setup
	$(BIN)/whichmodel build

# The learned need parser, fitted on ontology/needs/train.yaml and tuned on dev.yaml (about a minute, CPU).
parser: build
	$(BIN)/whichmodel parser

run: setup parser $(YASGUI)
	$(BIN)/whichmodel serve

# ruff (rules in pyproject.toml) and the import contract (layers kg < explain < app, no cycles).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: setup system-deps $(MMDC) $(YASGUI) $(COMUNICA) lint
	WHICHMODEL_MMDC=$(CURDIR)/$(MMDC) WHICHMODEL_COMUNICA=$(CURDIR)/$(COMUNICA) $(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python benchmarks/recommend.py
	$(BIN)/python benchmarks/coldstart.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/sparql.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/pdf_text.py

# Synthetic graphs of 200k and 2M triples through the library and the endpoint (several minutes; not in `make test`).
bench-scale: setup
	$(BIN)/python benchmarks/scale.py

# Known advisories for the exact installed versions (PyPI's advisory data through pip-audit, in its own venv).
# --strict fails when a package cannot be audited, so "no advisories" is never claimed without data.
audit: setup
	$(PYTHON) -m venv .cache/audit
	.cache/audit/bin/pip install -q pip-audit==2.10.1
	$(BIN)/pip freeze --exclude-editable > .cache/requirements.lock
	.cache/audit/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r .cache/requirements.lock

clean:
	rm -rf build .pytest_cache
