#!/usr/bin/env bash
# Stops the Kafka and FerretDB started by up.sh (SIGTERM, then SIGKILL after 15 s).
# --purge also deletes their data (Kafka log dirs, FerretDB SQLite files), keeping jars and binary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *) die "usage: $0 [--purge]" ;;
esac

# SIGTERM both at once (Kafka takes a few seconds to shut down cleanly), then wait for each.
kpid="$(kafka_pid || true)"
fpid="$(ferret_pid || true)"
for pid in $kpid $fpid; do kill -TERM "$pid" 2>/dev/null || true; done  # unquoted: skips empty ones

wait_gone() { # wait_gone NAME PIDFILE PID-OR-EMPTY
  local name="$1" pidfile="$2" pid="$3" i
  if [[ -z "$pid" ]]; then log "$name not running"; rm -f "$pidfile"; return 0; fi
  log "waiting for $name (pid $pid) to stop ..."
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within 15 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
}
wait_gone Kafka "$KAFKA_PID" "$kpid"
wait_gone FerretDB "$FERRET_PID" "$fpid"

if (( purge )); then
  log "purging data: $KAFKA_HOME/data $FERRET_HOME/data"
  rm -rf "${KAFKA_HOME:?}/data" "${FERRET_HOME:?}/data"
fi
