"""The one writer per aggregate: decides commands from the owner's command topic, in order.

Commands for an aggregate share a key, hence a partition, hence one processor at a time.
For each command the aggregate document (state, version, last hash, outbox) is saved in one
write before its events are published, so a crash anywhere is repaired by redelivery:
the outbox is published again (same event ids and sequences; readers drop the duplicates).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.codec import encode
from shared.commands import Aggregate, CommandMessage, Outcome, Rejected
from shared.envelope import Envelope, seal
from shared.logging import bind_correlation, get_logger
from shared.metrics import COMMANDS
from shared.ports import EventLog, ReadStore, Record
from shared.consumer import DeadLetters

AGGREGATES = "aggregates"
OUTCOMES = "outcomes"
log = get_logger(__name__)


class CommandProcessor:
    def __init__(
        self,
        service: str,
        aggregates: Sequence[Aggregate],
        log_: EventLog,
        store: ReadStore,
        events_topic: str,
        dead_letters: DeadLetters,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
    ) -> None:
        self._service = service
        self._by_command = {c.NAME: a for a in aggregates for c in a.commands}
        self._body_types = {c.NAME: c for a in aggregates for c in a.commands}
        self._log = log_
        self._store = store
        self._events_topic = events_topic
        self._dead_letters = dead_letters
        self._clock = clock
        self._new_id = new_id

    async def handle(self, record: Record) -> None:
        try:
            message = CommandMessage.model_validate_json(record.value)
            aggregate = self._by_command[message.name]
            body = self._body_types[message.name].model_validate(message.body)
        except (ValidationError, KeyError, ValueError) as exc:
            await self._dead_letters.send(record, f"malformed command: {str(exc)[:300]}")
            return
        bind_correlation(correlation_id=message.correlation_id, command_id=message.command_id)
        if await self._store.get(OUTCOMES, message.command_id) is not None:
            return  # a duplicate (same idempotency key): decided once already
        await self._decide(record, message, aggregate, body)

    async def _decide(self, record: Record, message: CommandMessage, aggregate: Aggregate, body) -> None:
        doc_id = f"{aggregate.kind}/{message.aggregate_id}"
        doc = await self._store.get(AGGREGATES, doc_id) or _empty(aggregate)
        await self._flush_outbox(doc_id, doc)
        if doc.get("command_offset", -1) >= record.offset and doc.get("last_outcome"):
            await self._store.insert_if_absent(OUTCOMES, message.command_id, doc["last_outcome"])
            return
        state = aggregate.state_type.model_validate(doc["state"])
        try:
            _check_version(message, doc["version"])
            events = aggregate.decide(body, state, await aggregate.context(body, self._store))
        except Rejected as rejection:
            await self._reject(message, rejection)
            return
        envelopes = self._seal(aggregate, message, doc, events)
        for event in events:
            state = aggregate.evolve(state, event)
        outcome = Outcome(
            command_id=message.command_id,
            status="accepted",
            aggregate_id=message.aggregate_id,
            version=doc["version"] + len(events),
            events=[{"event_id": e.event_id, "type": e.type, "sequence": e.sequence} for e in envelopes],
        ).model_dump()
        doc = {
            "state": state.model_dump(mode="json"),
            "version": doc["version"] + len(events),
            "last_hash": envelopes[-1].hash if envelopes else doc["last_hash"],
            "outbox": [e.model_dump(mode="json") for e in envelopes],
            "command_offset": record.offset,
            "last_outcome": outcome,
        }
        await self._store.put(AGGREGATES, doc_id, doc)
        await self._flush_outbox(doc_id, doc, clear=False)
        await self._store.insert_if_absent(OUTCOMES, message.command_id, outcome)
        await self._store.put(AGGREGATES, doc_id, {**doc, "outbox": []})
        COMMANDS.labels(self._service, message.name, "accepted").inc()
        log.info("command accepted", command=message.name, aggregate=doc_id, events=len(envelopes))

    def _seal(self, aggregate: Aggregate, message: CommandMessage, doc: dict, events) -> list[Envelope]:
        previous, sealed = doc["last_hash"], []
        for n, event in enumerate(events, start=doc["version"] + 1):
            envelope = seal(
                {
                    "event_id": self._new_id(),
                    "type": event.TYPE,
                    "schema_version": event.VERSION,
                    "stream": f"{self._service}/{aggregate.kind}/{message.aggregate_id}",
                    "sequence": n,
                    "occurred_at": self._clock(),
                    "actor": message.actor,
                    "causation_id": message.command_id,
                    "correlation_id": message.correlation_id,
                    "payload": event.model_dump(mode="json"),
                    "previous_hash": previous,
                }
            )
            previous = envelope.hash
            sealed.append(envelope)
        return sealed

    async def _flush_outbox(self, doc_id: str, doc: dict[str, Any], clear: bool = True) -> None:
        if not doc.get("outbox"):
            return
        for raw in doc["outbox"]:
            envelope = Envelope.model_validate(raw)
            key = doc_id.split("/", 1)[1]
            await self._log.append(self._events_topic, key, encode(envelope), {"type": envelope.type})
        if clear:
            doc["outbox"] = []
            await self._store.put(AGGREGATES, doc_id, doc)

    async def _reject(self, message: CommandMessage, rejection: Rejected) -> None:
        outcome = Outcome(
            command_id=message.command_id,
            status="rejected",
            aggregate_id=message.aggregate_id,
            rule=rejection.rule,
            reason=rejection.reason,
            http_status=rejection.status,
        )
        await self._store.insert_if_absent(OUTCOMES, message.command_id, outcome.model_dump())
        COMMANDS.labels(self._service, message.name, "rejected").inc()
        log.info("command rejected", command=message.name, rule=rejection.rule, reason=rejection.reason)


def _empty(aggregate: Aggregate) -> dict[str, Any]:
    return {
        "state": aggregate.initial_state().model_dump(mode="json"),
        "version": 0,
        "last_hash": None,
        "outbox": [],
    }


def _check_version(message: CommandMessage, version: int) -> None:
    if message.expected_version is not None and message.expected_version != version:
        raise Rejected(
            "stale_version",
            f"expected version {message.expected_version}, the aggregate is at {version}",
        )


async def wait_for_outcome(store: ReadStore, command_id: str, timeout: float) -> Outcome | None:
    delay, deadline = 0.005, asyncio.get_running_loop().time() + timeout
    while True:
        doc = await store.get(OUTCOMES, command_id)
        if doc is not None:
            return Outcome.model_validate({k: v for k, v in doc.items() if k != "_id"})
        if asyncio.get_running_loop().time() >= deadline:
            return None
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.1)
