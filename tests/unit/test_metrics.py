"""The metrics that matter: records consumed and produced per topic, handler latency, dead letters,
command outcomes by rule, decision latency, and consumer lag per partition (on the embedded log)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import httpx
from fastapi import FastAPI, HTTPException
from prometheus_client import REGISTRY, generate_latest

from shared import metrics
from shared.consumer import ConsumerLoop, DeadLetters
from shared.ports import Unavailable
from shared.readstore.embedded import EmbeddedReadStore
from tests.conftest import eventually
from tests.unit.counter import Counter, bump, counter_log, processor

NOW = datetime(2024, 2, 20, 9, 0, tzinfo=UTC)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def service() -> str:
    """A service name of the test's own, so counters start at zero whatever ran before."""
    return f"svc{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def event_log(tmp_path):
    """Two partitions each: the lag is reported per partition."""
    async with counter_log(tmp_path / "events.sqlite", partitions=2) as log:
        yield log


# --- what /metrics shows ---------------------------------------------------------------------


def test_every_metric_is_exposed_with_its_help():
    metrics.COMMANDS.labels("exposed", "Bump", "accepted", "")
    text = generate_latest().decode()
    for name in (
        "paritrana_commands_total", "paritrana_command_decision_seconds", "paritrana_records_consumed_total",
        "paritrana_records_produced_total", "paritrana_dead_letters_total", "paritrana_handler_seconds",
        "paritrana_consumer_lag", "paritrana_consumer_lag_refreshed_timestamp_seconds",
        "paritrana_http_requests_total", "paritrana_http_request_seconds",
    ):
        assert f"# HELP {name} " in text, name


async def test_http_requests_are_counted_by_route_template_never_by_raw_path(service):
    app = FastAPI()
    metrics.instrument(app, service)

    @app.get("/candidates/{candidate_id}")
    async def candidate(candidate_id: str) -> dict:
        if candidate_id == "gone":
            raise HTTPException(404)
        return {"id": candidate_id}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for path in ("/candidates/c-1", "/candidates/c-2", "/candidates/gone", "/nowhere"):
            await client.get(path)

    def count(route: str, status: str) -> float:
        return value("paritrana_http_requests_total", service=service, method="GET", route=route, status=status)

    assert (count("/candidates/{candidate_id}", "200"), count("/candidates/{candidate_id}", "404")) == (2, 1)
    assert count("unmatched", "404") == 1
    assert value("paritrana_http_request_seconds_count", service=service, method="GET",
                 route="/candidates/{candidate_id}") == 3
    assert "c-1" not in generate_latest().decode()


def test_produced_counts_by_type():
    metrics.produced("prod", "t.events", ["A", "B", "A"])
    assert value("paritrana_records_produced_total", service="prod", topic="t.events", type="A") >= 2


def test_decision_latency_tolerates_naive_and_future_issue_times(service):
    metrics.decided(service, "Bump", NOW - timedelta(seconds=2), NOW)
    metrics.decided(service, "Bump", NOW.replace(tzinfo=None), NOW)
    metrics.decided(service, "Bump", NOW + timedelta(seconds=5), NOW)
    assert value("paritrana_command_decision_seconds_count", service=service, command="Bump") == 3
    assert value("paritrana_command_decision_seconds_sum", service=service, command="Bump") == 2


# --- command outcomes, by rule ---------------------------------------------------------------


async def test_command_outcomes_events_produced_and_decision_latency(service, event_log, tmp_path):
    store = EmbeddedReadStore(tmp_path / "store.sqlite")
    await store.start()
    deciding = processor(service, event_log, store, Counter())
    for command_id, by in (("cmd-00000001", 2), ("cmd-00000002", 0), ("cmd-00000001", 2), ("cmd-00000003", 1)):
        await event_log.append("t.commands", "c-1", bump(command_id, "c-1", by))
    await event_log.append("t.commands", "c-1", b"not a command")
    await deciding.handle_batch([r async for r in event_log.read_all("t.commands")])
    await store.close()

    def outcome(outcome: str, rule: str = "") -> float:
        return value("paritrana_commands_total", service=service, command="Bump", outcome=outcome, rule=rule)

    assert (outcome("accepted"), outcome("rejected", "bump_must_be_positive"), outcome("duplicate")) == (2, 1, 1)
    assert value("paritrana_records_produced_total", service=service, topic="t.events", type="Bumped") == 2
    assert value("paritrana_command_decision_seconds_count", service=service, command="Bump") == 3
    assert value("paritrana_command_decision_seconds_sum", service=service, command="Bump") == 3.0
    assert value("paritrana_dead_letters_total", service=service, topic="t.commands") == 1
    assert value("paritrana_records_produced_total", service=service, topic="t.dlq", type="dead-letter") == 1
    assert value("paritrana_records_consumed_total", service=service, topic="t.commands") == 5


# --- a consumer loop: consumed, latency, dead letters, lag ------------------------------------


async def test_consumer_loop_counts_handles_parks_and_reports_lag(service, event_log):
    async def handler(record) -> None:
        if record.value == b"bad":
            raise ValueError("cannot take it")

    loop = ConsumerLoop(service, event_log, "g1", ["t.events"], handler, DeadLetters(service, event_log, "t.dlq"))
    loop.lag = metrics.LagTracker(service, "g1", interval=0)
    for i in range(6):
        await event_log.append("t.events", f"k{i}", b"bad" if i == 3 else b"ok")
    task = asyncio.create_task(loop.run())

    async def consumed() -> bool:
        return (value("paritrana_records_consumed_total", service=service, topic="t.events") == 5
                and value("paritrana_dead_letters_total", service=service, topic="t.events") == 1)

    await eventually(consumed)
    assert value("paritrana_handler_seconds_count", service=service, topic="t.events") >= 5

    async def lag_reported() -> bool:
        samples = [value("paritrana_consumer_lag", service=service, group="g1", topic="t.events", partition=p)
                   for p in ("0", "1")]
        return value("paritrana_consumer_lag_refreshed_timestamp_seconds", service=service, group="g1") > 0 and (
            samples == [0, 0])

    await eventually(lag_reported)
    loop.stop()
    await asyncio.wait_for(task, 5)
    assert REGISTRY.get_sample_value(
        "paritrana_consumer_lag", {"service": service, "group": "g1", "topic": "t.events", "partition": "0"}
    ) is None, "a stopped loop leaves no lag behind"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_lag_is_end_offset_minus_position_and_a_revoked_partition_is_dropped(service, event_log):
    for i in range(4):
        await event_log.append("t.events", "same-key", str(i).encode())
    [partition] = {p for p, end in (await event_log.end_offsets("t.events")).items() if end}
    records = [r async for r in event_log.read_all("t.events")]
    clock = Clock()
    tracker = metrics.LagTracker(service, "g", interval=10, clock=clock)
    assert not tracker.due()
    clock.now = 10
    assert tracker.due()

    def lag() -> float | None:
        labels = {"service": service, "group": "g", "topic": "t.events", "partition": str(partition)}
        return REGISTRY.get_sample_value("paritrana_consumer_lag", labels)

    tracker.handled(records[:1])
    await tracker.refresh(event_log, ["t.events"])
    assert lag() == 3 and not tracker.due()
    await tracker.refresh(event_log, ["t.events"])  # behind and untouched once: perhaps just appended
    assert lag() == 3
    await tracker.refresh(event_log, ["t.events"])  # twice: another member owns it now
    assert lag() is None

    tracker.handled(records)
    await tracker.refresh(event_log, ["t.events"])
    await tracker.refresh(event_log, ["t.events"])
    await tracker.refresh(event_log, ["t.events"])
    assert lag() == 0, "a caught-up partition is kept, however long it stays idle"


async def test_a_log_that_cannot_tell_end_offsets_does_not_stop_the_consumer(service):
    class Down:
        async def end_offsets(self, topic: str) -> dict[int, int]:
            raise Unavailable("broker away")

    tracker = metrics.LagTracker(service, "g", interval=0)
    await tracker.refresh(Down(), ["t.events"])  # no exception
    assert value("paritrana_consumer_lag_refreshed_timestamp_seconds", service=service, group="g") == 0
