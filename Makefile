# contactcenter.connect — developer entry points. Every target does its own set-up (tools/bootstrap.sh).
#
#   make demo    upload a file to a case twice against the local Connect endpoint (changed, then ok)
#   make test    everything CI runs: 11 stages in three phases (below), failing when any stage fails
#   make units|endpoint|integration TESTS=<paths or pytest args> JOBS=<n>   a subset
#   make bench   benchmarks (not part of the test suite); rewrites docs/performance.md
#   make bench-bulk BENCH_ARGS=...   only the many-files benchmarks (tools/bench/bulk.py), their section of it
#   (make bench also runs tools/bench/scaling.py and pacing_sim.py, and draws docs/performance-pacing.png with
#    matplotlib from build/bench-venv: tools/bench/requirements.txt, not the dev venv)
#   make matrix  every stage on every combination of tools/matrix.py (oldest claimed, primary, newest, next)
#   make importer  galaxy-importer (Galaxy's and Automation Hub's import checks) on the make build tarball
#   make docs    antsibull-docs lint + the HTML docs site in build/docs/html

SHELL := /bin/bash
ROOT := $(CURDIR)
BIN := $(ROOT)/.venv/bin
COLLECTIONS := $(ROOT)/build/collections
COLL := $(COLLECTIONS)/ansible_collections/contactcenter/connect
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
MATRIX := $(BIN)/python tools/matrix.py
# unit and module tests import the working tree through this tree of symlinks (pytest-ansible injects it)
UNITS_TREE := $(ROOT)/build/matrix/primary/units

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_LOCAL_TEMP := $(ROOT)/build/tmp/local
export ANSIBLE_REMOTE_TMP := $(ROOT)/build/tmp/remote
export ANSIBLE_HOME := $(ROOT)/build/ansible-home
export PATH := $(BIN):$(PATH)

.PHONY: bootstrap test test-sanity test-units test-modules test-endpoint test-integration test-lint test-changelog-lint test-docs test-smoke test-importer test-matrix-readme sanity units modules endpoint integration lint changelog-lint docs smoke importer matrix matrix-readme demo bench bench-bulk build clean

# make test bootstraps once, then runs its stages with BOOTSTRAPPED=1 (two stages at a time must not both sync the tree)
bootstrap:
	@$(if $(BOOTSTRAPPED),true,bash tools/bootstrap.sh)

# make test: the 11 stages in three phases. Most stages are one CPU-bound process, so on 2 cores the stages of
# phases 1 and 3 run two at a time (make -j2); -O prints each stage's output whole when it ends, under its
# "== n/11" line. Phase 2, the integration tests, runs alone: its xdist workers (JOBS, default 4) keep both cores
# busy while playbooks wait on the endpoint. A failing stage fails its phase and make test (the other stages of
# that phase still finish; no later phase starts). Each stage runs in a make of its own (STAGE), which make -O
# takes for an ordinary command: its output is captured and printed whole, not passed through.
STAGE := MAKEFLAGS= $(MAKE) --no-print-directory BOOTSTRAPPED=1
test: bootstrap
	@$(MAKE) --no-print-directory -j2 -O BOOTSTRAPPED=1 test-sanity test-units test-modules test-endpoint
	@$(MAKE) --no-print-directory BOOTSTRAPPED=1 test-integration
	@$(MAKE) --no-print-directory -j2 -O BOOTSTRAPPED=1 test-smoke test-docs test-importer test-lint test-changelog-lint test-matrix-readme

test-sanity: bootstrap
	@echo "== 1/11 ansible-test sanity" && $(STAGE) sanity
test-units: bootstrap
	@echo "== 2/11 unit tests" && $(STAGE) units
test-modules: bootstrap test-units
	@echo "== 3/11 module tests (pytest-ansible ansible_module)" && $(STAGE) modules
test-endpoint: bootstrap test-modules
	@echo "== 4/11 local endpoint tests" && $(STAGE) endpoint
test-integration: bootstrap
	@echo "== 5/11 integration tests (ansible-playbook against the local endpoint)" && $(STAGE) integration
test-lint: bootstrap
	@echo "== 6/11 ansible-lint" && $(STAGE) lint
test-changelog-lint: bootstrap
	@echo "== 7/11 changelog lint" && $(STAGE) changelog-lint
test-docs: bootstrap
	@echo "== 8/11 docs (antsibull-docs lint, HTML site)" && $(STAGE) docs
test-smoke: bootstrap
	@echo "== 9/11 smoke: unit tests and test_smoke.py on the oldest, newest and next combinations" && $(STAGE) smoke
test-importer: bootstrap
	@echo "== 10/11 galaxy-importer on the built tarball (Galaxy's and Automation Hub's import checks)" && $(STAGE) importer
test-matrix-readme: bootstrap
	@echo "== 11/11 README supported versions = the matrix" && $(STAGE) matrix-readme

sanity: bootstrap
	cd $(COLL) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

units: bootstrap
	ANSIBLE_COLLECTIONS_PATH=$(UNITS_TREE) $(PYTEST) --ansible-unit-inject-only $(or $(TESTS),tests/unit) -q

modules: bootstrap
	ANSIBLE_COLLECTIONS_PATH=$(UNITS_TREE) PYTHONPATH=$(ROOT)/tools $(PYTEST) --ansible-unit-inject-only $(or $(TESTS),tests/modules) -q

endpoint: bootstrap
	PYTHONPATH=$(ROOT)/tools $(PYTEST) -p no:pytest-ansible $(or $(TESTS),tests/localconnect) -q

integration: bootstrap
	PYTHONPATH=$(ROOT)/tools $(PYTEST) -p no:pytest-ansible $(or $(TESTS),tests/integration) -q -n $(or $(JOBS),4) --dist loadgroup --durations=15

lint: bootstrap
	$(BIN)/ansible-lint --offline --profile production examples tests/integration/playbooks

changelog-lint: bootstrap
	$(BIN)/antsibull-changelog lint

docs: bootstrap
	@bash tools/docs.sh

smoke: bootstrap
	$(MATRIX) smoke oldest newest next

importer: build
	$(BIN)/python tools/importer/run.py

matrix: bootstrap
	$(MATRIX) run primary
	$(MATRIX) run oldest
	$(MATRIX) run newest
	$(MATRIX) run next
	$(MATRIX) readme --check

matrix-readme: bootstrap
	$(MATRIX) readme --check

# the demo sets up only what it uses (no test tools, no matrix venvs): tools/bootstrap.sh --demo
demo:
	@bash tools/bootstrap.sh --demo
	@bash tools/demo.sh

BENCH_VENV := $(ROOT)/build/bench-venv

$(BENCH_VENV)/.installed: tools/bench/requirements.txt
	python3 -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q -r tools/bench/requirements.txt && touch $@

bench: bootstrap $(BENCH_VENV)/.installed
	rm -f build/bench/targets-*.json
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/run.py
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/bulk.py
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/scaling.py
	$(BIN)/python tools/bench/pacing_sim.py > build/bench/pacing-sim.md
	$(BENCH_VENV)/bin/python tools/bench/plot.py docs/performance-pacing.png build/bench/timeline-bulk-c-4-defaults.json build/bench/timeline-bulk-c-16-defaults.json
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/summary.py
	$(BIN)/python tools/docsite_guides.py

bench-bulk: bootstrap
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/bulk.py $(BENCH_ARGS)

build: bootstrap
	mkdir -p build/dist && $(BIN)/ansible-galaxy collection build --force --output-path build/dist

clean:
	rm -rf build collections tests/output
