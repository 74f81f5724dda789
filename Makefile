# Paritrana: `make run` plays a demo cycle and serves the APIs; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(abspath $(VENV))/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml kit/pyproject.toml | cksum | cut -d' ' -f1)
export PYTHON := $(PY)

.PHONY: venv up down run test test-unit test-integration schemas bench bench-quick simulate clean browser chaos

venv: $(STAMP)

$(STAMP): pyproject.toml kit/pyproject.toml
	$(firstword $(shell command -v python3.11 python3)) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]' -e kit
	rm -f $(VENV)/.installed-* && touch $@

up: venv
	deploy/local/up.sh

down:
	deploy/local/down.sh

# Debian's chromium and chromedriver for the dashboard's browser test (installed only if missing)
browser:
	deploy/local/browser.sh

run: venv
	$(PY) -m paritrana.demo

# A seeded cycle through the APIs: make simulate SEED=7 VILLAGES=40 EMPLOYERS=150 SCALE=zone PROVINCE=bali CLIENTS=8
# (VILLAGES and EMPLOYERS are per province; SCALE is province, zone or national; CLIENTS people act at once)
simulate: venv
	$(PY) -m paritrana.simulate $(or $(SEED),1) $(or $(VILLAGES),40) $(or $(EMPLOYERS),150) \
	  $(or $(SCALE),province) $(or $(PROVINCE),bali) $(or $(CLIENTS),1)

schemas: venv
	$(PY) -m shared.schemagen
	$(PY) -m services.openapi

test-unit: venv browser
	$(PY) -m pytest -m "not infra" -q

test-integration: venv browser
	$(PY) -m pytest -m infra -q

# Starts Kafka and FerretDB, runs everything, and stops them again whatever the outcome.
test: venv browser
	deploy/local/up.sh
	$(PY) -m pytest -q; status=$$?; deploy/local/down.sh; exit $$status

# The fault suites in full (crash runs per backend, broker/store restarts, scale-out), results in
# tests/RESULTS.md; `make test` runs their smoke subset.
chaos: venv
	deploy/local/up.sh
	PARITRANA_CHAOS_FULL=1 PARITRANA_CHAOS_RUNS=$(or $(RUNS),20) PARITRANA_CHAOS_OUTAGE_RUNS=$(or $(OUTAGE_RUNS),3) PARITRANA_CHAOS_REPORT=tests/chaos-report.json \
	  $(PY) -m pytest tests/chaos -q; status=$$?; deploy/local/down.sh; exit $$status

# Benchmarks on both backends in one run (bench/suite.py); results in bench/RESULTS.md.
bench: venv
	deploy/local/up.sh
	bench/run.sh full; status=$$?; deploy/local/down.sh; exit $$status

# The same at province scale: a smoke run of the benchmark code, no timing assertions.
bench-quick: venv
	deploy/local/up.sh
	bench/run.sh quick; status=$$?; deploy/local/down.sh; exit $$status

clean: down
	rm -rf $(VENV) var
