# shellcheck shell=bash disable=SC2034  # sourced by up.sh / down.sh, which use these names
# Shared settings for up.sh / down.sh (sourced, not executed).
LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"

PARITRANA_CACHE="${PARITRANA_CACHE:-$REPO_ROOT/.cache}"
KAFKA_PORT="${PARITRANA_KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_PORT="${PARITRANA_KAFKA_CONTROLLER_PORT:-29093}"
KAFKA_SASL_PORT="${PARITRANA_KAFKA_SASL_PORT:-29094}"   # regional services: SASL/SCRAM + ACLs
MONGO_PORT="${PARITRANA_MONGO_PORT:-27117}"
PY="${PYTHON:-python3}"

INFRA="$PARITRANA_CACHE/local"
KAFKA_HOME="$INFRA/kafka"          # lib/ data/ logs/ cluster.id server.properties kafka.pid
FERRET_HOME="$INFRA/ferretdb"      # ferretdb (binary) data/ ferretdb.log ferretdb.pid
KAFKA_PID="$KAFKA_HOME/kafka.pid"
FERRET_PID="$FERRET_HOME/ferretdb.pid"
FERRET_BIN="$FERRET_HOME/ferretdb"

log() { echo "[local-infra] $*" >&2; }
die() { echo "[local-infra] ERROR: $*" >&2; exit 1; }

# our_pid PIDFILE PATTERN: prints the pid if it is alive and its command line contains PATTERN
# (guards against a stale pid file whose number was reused by another process).
our_pid() {
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}
kafka_pid()  { our_pid "$KAFKA_PID" "$KAFKA_HOME/server.properties"; }
ferret_pid() { our_pid "$FERRET_PID" "$FERRET_BIN"; }
