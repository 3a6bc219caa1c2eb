# The two commands: `make demo` (set up everything, run the whole pipeline on the embedded default)
# and `make test` (the test suite, with real Redis, OpenSearch and Celery workers).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export AKHBAR_HOME ?= $(CURDIR)/.akhbar

.PHONY: demo test test-needs repeat-faults lint install node tools pywb services-down bench clean

demo: install node
	$(VENV)/bin/akhbar demo

test: test-needs install node pywb
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# One line naming what the machine lacks for the tests, before anything is installed or started.
test-needs:
	@sh tests/needs.sh

# The Redis-outage fault tests COUNT times in a row (one session, one OpenSearch node); each prints what it
# re-drove. Not part of `make test`, which runs each once.
COUNT ?= 20
repeat-faults: test-needs install node
	$(PY) -m pytest -p no:cacheprovider -s -q --count $(COUNT) \
		tests/integration/test_fault_redis.py::test_redis_restart_during_ingest_loses_nothing \
		tests/integration/test_ledger.py::test_a_redis_restart_during_a_crawl_loses_nothing

lint: install
	$(VENV)/bin/ruff check .

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

tools:
	@command -v java >/dev/null || { echo "Java 17+ is required for the embedded OpenSearch node: apt-get install -y openjdk-17-jdk-headless"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is required to build the embedded OpenSearch node: apt-get install -y maven"; exit 1; }

node: tools install
	$(PY) -c 'from index.embedded import build, is_built; is_built() or print("Building the OpenSearch node (first time: ~90 MB of jars from Maven Central)...", flush=True); build()'

# pywb, the web archive the backfill tests read from (tests/integration/test_backfill.py), in a venv of its own:
# it pins packages (an old redis client among them) the project's venv cannot share.
PYWB ?= .tools/pywb
pywb: $(PYWB)/.installed

$(PYWB)/.installed:
	$(PYTHON) -m venv $(PYWB)
	$(PYWB)/bin/python -m pip install -q --upgrade pip
	$(PYWB)/bin/python -m pip install -q 'pywb>=2.8'
	touch $@

services-down: install
	$(VENV)/bin/akhbar services down

bench: install node
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) index/node/target .akhbar .tools
