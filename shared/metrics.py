"""Prometheus metrics every service exposes on /metrics."""

from prometheus_client import Counter, Histogram

COMMANDS = Counter("paritrana_commands_total", "Commands decided", ["service", "command", "outcome"])
CONSUMED = Counter("paritrana_records_consumed_total", "Records handled", ["service", "topic"])
DEAD_LETTERS = Counter("paritrana_dead_letters_total", "Records sent to a dead-letter topic", ["service", "topic"])
HANDLER_SECONDS = Histogram("paritrana_handler_seconds", "Time to handle one record", ["service", "topic"])
