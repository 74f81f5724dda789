"""Prometheus metrics every service exposes on /metrics.

    paritrana_records_consumed_total{service,topic}           records handled by a consumer loop
    paritrana_records_produced_total{service,topic,type}      records appended (type: event type,
                                                              command name, or "dead-letter")
    paritrana_handler_seconds{service,topic}                  time to handle one record
    paritrana_dead_letters_total{service,topic}               records parked, by the topic they came from
    paritrana_commands_total{service,command,outcome,rule}    decisions: accepted, rejected (with the
                                                              rule), duplicate (an idempotency key again)
    paritrana_command_decision_seconds{service,command}       from the command's issue to its decision
    paritrana_consumer_lag{service,group,topic,partition}     records after this member's position
    paritrana_consumer_lag_refreshed_timestamp_seconds{service,group}  when the lag was last measured
    paritrana_http_requests_total{service,method,route,status}  HTTP requests (route: the path template)
    paritrana_http_request_seconds{service,method,route}      HTTP latency, a command's whole round trip

Every label has a bounded set of values: no ids, no correlation ids (those are in the logs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from shared.logging import get_logger
from shared.ports import EventLog, Record

log = get_logger(__name__)

COMMANDS = Counter(
    "paritrana_commands_total", "Commands decided, by outcome and the rule that refused them",
    ["service", "command", "outcome", "rule"],
)
COMMAND_DECISION_SECONDS = Histogram(
    "paritrana_command_decision_seconds", "Time from a command's issue to its decision", ["service", "command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CONSUMED = Counter("paritrana_records_consumed_total", "Records handled", ["service", "topic"])
PRODUCED = Counter("paritrana_records_produced_total", "Records appended", ["service", "topic", "type"])
DEAD_LETTERS = Counter("paritrana_dead_letters_total", "Records sent to a dead-letter topic", ["service", "topic"])
HANDLER_SECONDS = Histogram(
    "paritrana_handler_seconds", "Time to handle one record", ["service", "topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMER_LAG = Gauge(
    "paritrana_consumer_lag", "Records on a partition after the group member's position (end offset - position)",
    ["service", "group", "topic", "partition"],
)
HTTP_REQUESTS = Counter(
    "paritrana_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "paritrana_http_request_seconds", "Time to answer an HTTP request", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LAG_REFRESHED = Gauge(
    "paritrana_consumer_lag_refreshed_timestamp_seconds", "When the consumer lag was last measured",
    ["service", "group"],
)


def instrument(app, service: str) -> None:
    """Count and time a FastAPI app's requests by route template (never the raw path: ids would explode
    the series). Wire it once in the app factory: `instrument(app, spec.name)`."""
    app.add_middleware(HttpMetrics, service=service)


class HttpMetrics:
    """Plain ASGI (no task or stream per request, as Starlette's BaseHTTPMiddleware would add)."""

    def __init__(self, app, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            template = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_REQUESTS.labels(self.service, scope["method"], template, str(status[0])).inc()
            HTTP_SECONDS.labels(self.service, scope["method"], template).observe(time.perf_counter() - started)


def produced(service: str, topic: str, types: Iterable[str]) -> None:
    """Count appended records by type (an event type, a command name)."""
    counts: dict[str, int] = {}
    for kind in types:
        counts[kind] = counts.get(kind, 0) + 1
    for kind, n in counts.items():
        PRODUCED.labels(service, topic, kind).inc(n)


def decided(service: str, command: str, issued_at: datetime, now: datetime) -> None:
    """Observe how long a command waited for its decision (a naive or future issue time counts as 0)."""
    waited = (now - issued_at).total_seconds() if issued_at.tzinfo and now.tzinfo else 0.0
    COMMAND_DECISION_SECONDS.labels(service, command).observe(max(0.0, waited))


class LagTracker:
    """Consumer lag of one consumer loop's partitions, refreshed every `interval` seconds.

    The position of a partition is known once this member has handled a record of it; the lag is
    the partition's end offset minus that position. A partition whose lag stays above zero over two
    refreshes while this member handles none of its records has been assigned to another member
    (a rebalance): its series is removed here, and the new owner reports it.
    """

    def __init__(
        self, service: str, group: str, interval: float = 15.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._service, self._group, self._interval, self._clock = service, group, interval, clock
        self._positions: dict[tuple[str, int], int] = {}
        self._handled: set[tuple[str, int]] = set()  # partitions with records since the last refresh
        self._stalled: set[tuple[str, int]] = set()  # behind, and untouched, at the last refresh
        self._next = clock() + interval

    def handled(self, records: Sequence[Record]) -> None:
        """Note the positions after records whose effects are stored (and committed)."""
        for record in records:
            tp = (record.topic, record.partition)
            self._positions[tp] = max(self._positions.get(tp, 0), record.offset + 1)
            self._handled.add(tp)

    def due(self) -> bool:
        return self._clock() >= self._next

    async def refresh(self, event_log: EventLog, topics: Sequence[str]) -> None:
        """Measure the lag now; a failure to read end offsets is logged and retried next time."""
        self._next = self._clock() + self._interval
        try:
            ends = {topic: await event_log.end_offsets(topic) for topic in topics}
        except Exception as exc:  # metrics never stop a consumer: the loop notices real outages itself
            log.warning("consumer lag not measured", group=self._group, error=str(exc)[:200])
            return
        stalled = set()
        for tp, position in list(self._positions.items()):
            lag = max(0, ends.get(tp[0], {}).get(tp[1], position) - position)
            if lag and tp not in self._handled:
                if tp in self._stalled:
                    self._forget(tp)
                    continue
                stalled.add(tp)
            CONSUMER_LAG.labels(self._service, self._group, tp[0], str(tp[1])).set(lag)
        self._stalled, self._handled = stalled, set()
        LAG_REFRESHED.labels(self._service, self._group).set_to_current_time()

    def clear(self) -> None:
        """Remove this loop's series (it stopped: another member or generation takes over)."""
        for tp in list(self._positions):
            self._forget(tp)
        self._handled, self._stalled = set(), set()

    def _forget(self, tp: tuple[str, int]) -> None:
        del self._positions[tp]
        CONSUMER_LAG.remove(self._service, self._group, tp[0], str(tp[1]))
