#!/usr/bin/env bash
# `make bench`: runs the benchmarks and writes bench/RESULTS.md (machine, date, commit, command).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
EMBEDDED_ROWS="${BENCH_EMBEDDED_ROWS:-100000}"
KAFKA_ROWS="${BENCH_KAFKA_ROWS:-1000}"
out=bench/RESULTS.md
{
  echo "# Benchmark results"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $("$PY" --version)"
  echo "- command: \`make bench\` (BENCH_EMBEDDED_ROWS=$EMBEDDED_ROWS BENCH_KAFKA_ROWS=$KAFKA_ROWS)"
  echo
  echo "| import | backend | rows | accepted | time | rate |"
  echo "|---|---|---|---|---|---|"
  "$PY" -m bench.bulk_import "$EMBEDDED_ROWS" embedded
  "$PY" -m bench.bulk_import "$KAFKA_ROWS" kafka
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
