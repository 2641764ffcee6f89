# contactcenter.connect — developer entry points. Every target does its own set-up (tools/bootstrap.sh).
#
#   make demo    upload a file to a case twice against the local Connect endpoint (changed, then ok)
#   make test    everything CI runs, in order, stopping at the first failure
#   make units|endpoint|integration TESTS=<paths or pytest args> JOBS=<n>   a subset
#   make bench   benchmarks (not part of the test suite); rewrites docs/performance.md
#   make bench-bulk BENCH_ARGS=...   only the many-files benchmarks (tools/bench/bulk.py), their section of it

SHELL := /bin/bash
ROOT := $(CURDIR)
BIN := $(ROOT)/.venv/bin
COLLECTIONS := $(ROOT)/build/collections
COLL := $(COLLECTIONS)/ansible_collections/contactcenter/connect
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_LOCAL_TEMP := $(ROOT)/build/tmp/local
export ANSIBLE_REMOTE_TMP := $(ROOT)/build/tmp/remote
export ANSIBLE_HOME := $(ROOT)/build/ansible-home
export PATH := $(BIN):$(PATH)

.PHONY: bootstrap test sanity units endpoint integration lint changelog-lint demo bench bench-bulk build clean

bootstrap:
	@bash tools/bootstrap.sh

test: bootstrap
	@echo "== 1/6 ansible-test sanity" && $(MAKE) --no-print-directory sanity
	@echo "== 2/6 unit tests" && $(MAKE) --no-print-directory units
	@echo "== 3/6 local endpoint tests" && $(MAKE) --no-print-directory endpoint
	@echo "== 4/6 integration tests (ansible-playbook against the local endpoint)" && $(MAKE) --no-print-directory integration
	@echo "== 5/6 ansible-lint" && $(MAKE) --no-print-directory lint
	@echo "== 6/6 changelog lint" && $(MAKE) --no-print-directory changelog-lint

sanity: bootstrap
	cd $(COLL) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

units: bootstrap
	cd $(COLL) && $(PYTEST) $(or $(TESTS),tests/unit) -q

endpoint: bootstrap
	PYTHONPATH=$(ROOT)/tools $(PYTEST) -p no:pytest-ansible $(or $(TESTS),tests/localconnect) -q

integration: bootstrap
	PYTHONPATH=$(ROOT)/tools $(PYTEST) -p no:pytest-ansible $(or $(TESTS),tests/integration) -q -n $(or $(JOBS),2) --dist loadgroup

lint: bootstrap
	$(BIN)/ansible-lint --offline examples tests/integration/playbooks

changelog-lint: bootstrap
	$(BIN)/antsibull-changelog lint

demo: bootstrap
	@bash tools/demo.sh

bench: bootstrap
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/run.py
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/bulk.py

bench-bulk: bootstrap
	PYTHONPATH=$(ROOT)/tools $(BIN)/python tools/bench/bulk.py $(BENCH_ARGS)

build: bootstrap
	mkdir -p build/dist && $(BIN)/ansible-galaxy collection build --force --output-path build/dist

clean:
	rm -rf build collections tests/output
