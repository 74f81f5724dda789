#!/usr/bin/env bash
# `make bench` (full) / `make bench-quick` (quick): every benchmark on both backends in one run
# (bench/suite.py), written to bench/RESULTS.md (quick: .cache/bench/RESULTS-quick.md).
# Needs Kafka and FerretDB on 127.0.0.1 (deploy/local/up.sh) and, once, Maven for Kafka's perf tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
profile="${1:-full}"
lib=.cache/bench/lib
if [[ ! -f "$lib/kafka-tools-4.1.2.jar" ]]; then
  mkdir -p .cache/bench
  mvn -B -q -f bench/pom.xml org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$PWD/$lib" -DincludeScope=runtime >.cache/bench/mvn.log 2>&1 ||
    { tail -n 30 .cache/bench/mvn.log >&2; echo "Maven could not fetch Kafka's perf tools" >&2; exit 1; }
fi
"$PY" -c 'import eventsourcing' 2>/dev/null || "$PY" -m pip install -q --disable-pip-version-check -e '.[bench]'
exec "$PY" -m bench.suite "$profile"
