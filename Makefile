# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make run    installs what the app needs into .venv and starts it
#   make test   installs what the tests need (Chromium included) and runs every test
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Test workers: one per core (pytest-xdist). Tests are dealt out one or two at a time
# (--maxschedchunk 1), the long browser tests first (tests/conftest.py orders them), so the
# workers finish together; the browser tests of every worker share one warm app server
# (tests/e2e/conftest.py).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_XDIST = $(if $(filter-out 0 1,$(JOBS)),-n $(JOBS) --maxschedchunk 1,)
ADDRESS ?= 0.0.0.0
# make api: SmolLM2 behind an OpenAI-compatible endpoint (chapter 9), this machine only unless
# API_ADDRESS says otherwise.
PORT_API ?= 8000
API_ADDRESS ?= 127.0.0.1

.PHONY: run test setup setup-dev js browser lint unit bench screenshots clean container-test

# Bytecode. pip turns every module it installs into bytecode one file at a time (torch and
# transformers: tens of thousands of files, 33 of a fresh set-up's 63 s here), though a run imports
# a small part of them. So pip does not: the first process that imports a module writes its
# bytecode, as Python does by default, and every later one reads it. Where the machine sets
# PYTHONDONTWRITEBYTECODE (this one and CI do), nothing would ever write it and every process would
# compile its imports again (pytest: 108 s slower), so make's commands run without it.
unexport PYTHONDONTWRITEBYTECODE
PIP_INSTALL = $(PY) -m pip install --quiet --no-compile

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) -r requirements.txt
	$(PIP_INSTALL) --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed js
setup-dev: $(VENV)/.installed-dev js browser

# BertViz's JavaScript (d3, require.js, jQuery) comes from the npm registry and is inlined
# into the served page, so the attention views work offline. Without npm the views say so.
# A node_modules that is a link (a worktree sharing one copy) is never reinstalled: npm ci
# would empty the shared copy through the link.
js:
	@if [ -f package.json ]; then \
	  if command -v npm >/dev/null 2>&1; then \
	    if [ -L node_modules ]; then echo "node_modules is a link to a shared copy: left as it is"; \
	    elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then \
	      npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi; \
	  else echo "npm not found: BertViz views will fall back to their CDN links"; fi; \
	fi

# Debian's chromium for the browser tests (never 'playwright install': it downloads a browser).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ]; then \
	    ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "not root and no sudo: install Debian's chromium to run the browser tests"; fi; \
	fi

run: setup
	@echo "Students open: http://$$(hostname -I 2>/dev/null | cut -d' ' -f1):$(PORT)  (this machine: http://localhost:$(PORT))"
	$(VENV)/bin/streamlit run ui/launch.py --server.port $(PORT) --server.address $(ADDRESS)

# The OpenAI client reaches it with base_url="http://127.0.0.1:$(PORT_API)/v1" (README, "Say hi").
.PHONY: api
api: setup
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) -m lm_core.serve --host $(API_ADDRESS) --port $(PORT_API)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# The set-up's three parts at once (Python packages, BertViz's JavaScript, Debian's chromium):
# pip keeps one core busy while apt and npm mostly wait on the network and the disk.
test:
	@$(MAKE) --no-print-directory -j 3 setup-dev
	$(VENV)/bin/ruff check .
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_XDIST)

unit: $(VENV)/.installed-dev
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) -m pytest tests/unit -q

# The two self-contained benchmarks (a few minutes; the others need arguments or data, see
# bench/RESULTS.md for every command and its figures).
bench: setup-dev
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) bench/bench_threads.py --repeats 5
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) bench/bench_attention_latency.py --changes 20 --rounds 4

screenshots: setup-dev
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) -m pytest tests/e2e -q -k screenshot

# The container recipe built and run here, end to end: the image, three replicas behind HAProxy
# (deploy/compose.yaml), every chapter through the proxy, 30 simulated students, one replica
# killed (deploy/container_test.py; 10-20 minutes, several GB of disk; not part of make test).
container-test: $(VENV)/.installed-dev
	@if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq podman runc debootstrap >/dev/null; \
	fi
	$(PY) -m pip install --quiet podman-compose==1.6.0
	OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(PY) deploy/container_test.py $(CONTAINER_TEST_ARGS)

clean:
	rm -rf artifacts .pytest_cache .ruff_cache
