# dampwatch: set-up, checks, tests and benchmarks. `make setup` then `make test` on a fresh Debian.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APT_PACKAGES := mosquitto influxdb poppler-utils chromium wrk

.PHONY: setup system-packages venv test test-fast check format bench bench-sim bench-gateway bench-assess bench-assess-cycle bench-api bench-pages bench-broker bench-grafana bench-opendata eval eval-predict soak clean grafana

setup: system-packages venv mosquitto-2.1

# Debian packages of the real servers the tests start (never the machine's own instances).
system-packages:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then echo "system packages present:$(APT_PACKAGES:%= %)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "missing:$$missing. Install with: sudo apt-get install -y$$missing"; exit 1; fi; \
	$$sudo apt-get update -q && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing

# Mosquitto 2.1.2 with persist-sqlite, built once into .cache/: Debian's 2.0 forgets shared
# subscriptions across a broker restart (see deploy/mosquitto/build-2.1.sh).
.PHONY: mosquitto-2.1
mosquitto-2.1:
	@sh deploy/mosquitto/build-2.1.sh

venv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'

# Lint and type checks, then the whole suite against real Mosquitto and InfluxDB processes:
# two pytest workers (each test file on one of them), as most tests wait on their servers.
TEST_WORKERS ?= 2
test: check
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Without the slow fault-injection tests (crashes, outages), for a quick loop while coding.
test-fast:
	$(BIN)/python -m pytest -m "not slow"

# ruff, ruff format, mypy strict, and the direction of imports between core and the deployables
# (import-linter contracts in pyproject.toml).
check:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo --no-cache

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate grafana/dashboards/*.json and grafana/provisioning/ from dampwatch_grafana.
grafana:
	$(BIN)/python -m dampwatch.cli grafana generate

bench:
	$(BIN)/python -m bench.ingest_bench

bench-sim:
	$(BIN)/python -m bench.sim_bench

# Gateway footprint: peak RSS, idle CPU and backlog flush vs a bare paho process (QUICK=1: short).
bench-gateway:
	$(BIN)/python -m bench.gateway_bench $(if $(QUICK),--quick)

# The assessment at 10,000 homes on 1 and 2 worker processes sharing partition leases in
# PostgreSQL (127.0.0.1:5432): a 30-day first cycle, a regular and a late-reading cycle, a worker
# SIGKILLed mid-cycle (about an hour; `python -m bench.assess_workers --homes 1000 --days 7`
# for a quick run).
bench-assess:
	$(BIN)/python -m bench.assess_workers

# One cycle's parts in one process at 10,000 homes: InfluxQL, memory of the window, the
# vectorised models against the scalar VTT model (about 20 min; `--influx-homes 1000` scales).
bench-assess-cycle:
	$(BIN)/python -m bench.assess_bench

# Every Grafana board's SQL on PostgreSQL at 10,000 homes, as the read-only role, against
# `SELECT count(*) FROM alerts` in the same run (needs PostgreSQL on 127.0.0.1:5432, trust auth).
bench-grafana:
	$(BIN)/python -m bench.grafana_sql_bench

# Precision and recall per kind of the assessment rules on SEEDS draws of a labelled winter
# cohort, each seed's and the worst seed's (`python -m bench.assess_eval --seed N` for one draw
# with its time to flag). About 5 minutes on two cores at the defaults.
# Then the early warning on one 240-home winter (WATCH_SEED): watches' lead time before their
# alerts, the share of hazard alerts preceded, healthy homes watched.
SEEDS ?= 10
EVAL_HOMES ?= 120
WATCH_SEED ?= 7
eval:
	$(BIN)/python -m bench.assess_eval_seeds --seeds $(SEEDS) --homes $(EVAL_HOMES) --days 60; \
	status=$$?; \
	$(BIN)/python -m bench.assess_eval --homes 240 --days 60 --seed $(WATCH_SEED) || status=1; \
	exit $$status

# Risk for homes without sensors on a simulated stock: ROC AUC, balanced accuracy and top-decile
# lift against random and energy-band baselines, then the time to train and score 100,000 homes,
# then `dampwatch predict` itself over a SQLite register of JOB_HOMES homes (JOB_HOMES=0: skip).
HOMES ?= 20000
PREDICT_SEEDS ?= 3
JOB_HOMES ?= 100000
eval-predict:
	$(BIN)/python -m bench.predict_eval --homes $(HOMES) --seeds $(PREDICT_SEEDS)
	@if [ "$(JOB_HOMES)" != 0 ]; then $(BIN)/python -m bench.predict_job --homes $(JOB_HOMES); fi

# The API's board under load (uvicorn in a subprocess, a load generator on loopback).
bench-api:
	$(BIN)/python -m bench.api_bench

# The officers' board page at 10,000 homes: server time under wrk, first paint in Chromium.
bench-pages:
	$(BIN)/python -m bench.pages_bench

# Every open-data table for 5,000 simulated homes over the Liverpool City Region's real postcodes,
# against a bare pandas group-by of the same rows (HOMES=N MONTHS=M to change the region).
bench-opendata:
	$(BIN)/python -m bench.opendata_bench $(if $(HOMES),--homes $(HOMES)) $(if $(MONTHS),--months $(MONTHS))

# What the deployed broker's sync-every-commit costs a publisher (DIR: the disk to measure).
bench-broker:
	$(BIN)/python -m bench.broker_sync_bench $(if $(DIR),--dir $(DIR))

# Bounded soak under random faults (loopback only): MINUTES=3 make soak for a short run.
soak:
	$(BIN)/python -m bench.soak $(if $(MINUTES),--minutes $(MINUTES))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
