"""The one writer per aggregate: decides commands from the owner's command topic, in order.

Commands for an aggregate share a key, hence a partition, hence one processor at a time.
For each command the aggregate document (state, version, last hash, outbox of unpublished
events and their outcomes) is saved in one write before anything is published; a polled batch
then publishes its events in one append. A crash anywhere is repaired by redelivery: the
outbox is published again (same event ids and sequences; readers drop the duplicates).

During a rebalance two instances may briefly both handle a partition. Every write of an aggregate
document, a rejection's included, is therefore conditional on the document's revision it was decided
from (the revision counts writes; the aggregate's version counts events): the instance whose write
loses has lost the partition, publishes nothing of its batch and raises `LostOwnership`, which the
consumer loop treats as transient (it subscribes again and resumes from the last commit). What it
had stored before losing is kept, outbox included: whoever next loads that document publishes it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import ValidationError

from shared.codec import encode
from shared.commands import Aggregate, CommandMessage, Outcome, Rejected
from shared.envelope import Envelope, seal
from shared.logging import bind_correlation, get_logger
from shared.metrics import COMMANDS, decided, produced
from shared.pause import pause
from shared.ports import REVISION, EventLog, ReadStore, Record, Unavailable
from shared.consumer import DeadLetters, handle_or_park

AGGREGATES = "aggregates"
OUTCOMES = "outcomes"
log = get_logger(__name__)


class LostOwnership(Unavailable):
    """Another instance stored the aggregate first: this one no longer owns the command partition."""


class LocalDecisions:
    """Wakes a request of this process that waits for its command's decision as soon as this process
    has stored the outcome (the owner of the command's partition is most often the instance that took
    the request). Only a hint: a command decided by another instance is found by polling the store."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Event] = {}

    @contextlib.contextmanager
    def awaited(self, command_id: str) -> Iterator[asyncio.Event]:
        woken = self._waiting.setdefault(command_id, asyncio.Event())
        try:
            yield woken
        finally:
            self._waiting.pop(command_id, None)

    def stored(self, command_id: str) -> None:
        woken = self._waiting.get(command_id)
        if woken is not None:
            woken.set()


class _Batch:
    """Decisions of one polled batch: saved with their outbox, published together at the end."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.outcomes: dict[str, dict[str, Any]] = {}


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
        decisions: LocalDecisions | None = None,
    ) -> None:
        self._service = service
        self._decisions = decisions or LocalDecisions()
        self._by_command = {c.NAME: a for a in aggregates for c in a.commands}
        self._body_types = {c.NAME: c for a in aggregates for c in a.commands}
        self._log = log_
        self._store = store
        self._events_topic = events_topic
        self._dead_letters = dead_letters
        self._clock = clock
        self._new_id = new_id

    async def handle_batch(self, records: Sequence[Record]) -> None:
        batch = _Batch()
        for record in records:
            await handle_or_park(self._service, partial(self._prepare, batch=batch), record, self._dead_letters)
        await self._flush(batch)

    async def _prepare(self, record: Record, batch: _Batch) -> None:
        try:
            message = CommandMessage.model_validate_json(record.value)
            aggregate = self._by_command[message.name]
            body = self._body_types[message.name].model_validate(message.body)
        except (ValidationError, KeyError, ValueError) as exc:
            await self._dead_letters.send(record, f"malformed command: {str(exc)[:300]}")
            return
        bind_correlation(correlation_id=message.correlation_id, command_id=message.command_id)
        if message.command_id in batch.outcomes or await self._store.get(OUTCOMES, message.command_id):
            COMMANDS.labels(self._service, message.name, "duplicate", "").inc()
            return  # a duplicate (same idempotency key): decided once already
        doc_id = f"{aggregate.kind}/{message.aggregate_id}"
        doc = batch.docs.get(doc_id) or await self._load(doc_id, aggregate)
        if doc.get("command_offset", -1) >= record.offset:
            return  # decided before a crash; _load has published its events and outcome
        await self._decide(record, message, aggregate, body, doc_id, doc, batch)

    async def _decide(self, record, message: CommandMessage, aggregate: Aggregate, body, doc_id, doc, batch) -> None:
        decided(self._service, message.name, message.issued_at, self._clock())
        state = aggregate.state_type.model_validate(doc["state"])
        try:
            _check_version(message, doc["version"])
            events = aggregate.decide(body, state, await aggregate.context(body, self._store))
        except Rejected as rejection:
            outcome = _rejected(message, rejection)
            # stored like a decision, so that an instance deciding from a stale read cannot answer
            # "rejected" for a command the partition's owner accepted
            rejected = {**doc, "pending_outcomes": doc["pending_outcomes"] + [outcome], "command_offset": record.offset}
            await self._store_decision(doc_id, doc, rejected, outcome, batch)
            COMMANDS.labels(self._service, message.name, "rejected", rejection.rule).inc()
            log.info("command rejected", command=message.name, rule=rejection.rule, reason=rejection.reason)
            return
        envelopes = self._seal(aggregate, message, doc, events)
        for event in events:
            state = aggregate.evolve(state, event)
        version = doc["version"] + len(events)
        outcome = Outcome(
            command_id=message.command_id,
            status="accepted",
            aggregate_id=message.aggregate_id,
            version=version,
            events=[{"event_id": e.event_id, "type": e.type, "sequence": e.sequence} for e in envelopes],
        ).model_dump()
        accepted = {
            "state": state.model_dump(mode="json"),
            "version": version,
            "last_hash": envelopes[-1].hash if envelopes else doc["last_hash"],
            "outbox": doc["outbox"] + [e.model_dump(mode="json") for e in envelopes],
            "pending_outcomes": doc["pending_outcomes"] + [outcome],
            "command_offset": record.offset,
        }
        await self._store_decision(doc_id, doc, accepted, outcome, batch)
        COMMANDS.labels(self._service, message.name, "accepted", "").inc()
        log.info("command accepted", command=message.name, aggregate=doc_id, events=len(envelopes))

    async def _store_decision(self, doc_id: str, before: dict, after: dict, outcome: dict, batch: _Batch) -> None:
        """Durable before anything is published, and only if no other instance stored it meanwhile."""
        revision = before[REVISION]
        after = {**after, REVISION: revision + 1}
        if not await self._store.put_if_revision(AGGREGATES, doc_id, after, revision):
            raise LostOwnership(f"{doc_id} was stored by another instance after revision {revision}")
        batch.docs[doc_id] = after
        batch.outcomes[outcome["command_id"]] = outcome

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

    async def _load(self, doc_id: str, aggregate: Aggregate) -> dict[str, Any]:
        """The aggregate's document; an outbox left by a crash is published (again) first."""
        doc = await self._store.get(AGGREGATES, doc_id)
        if doc is None:
            return _empty(aggregate)
        doc = {"pending_outcomes": [], REVISION: 0, **{k: v for k, v in doc.items() if k != "_id"}}
        if doc["outbox"] or doc["pending_outcomes"]:
            recovered = _Batch()
            recovered.docs[doc_id] = doc
            recovered.outcomes = {o["command_id"]: o for o in doc["pending_outcomes"]}
            await self._flush(recovered)
            doc = _published(doc)
        return doc

    async def _flush(self, batch: _Batch) -> None:
        """Publish the batch's events in one append, then its outcomes, then empty the outboxes."""
        items = [
            (doc_id.split("/", 1)[1], encode(Envelope.model_validate(raw)), {"type": raw["type"]})
            for doc_id, doc in batch.docs.items()
            for raw in doc["outbox"]
        ]
        if items:
            await self._log.append_many(self._events_topic, items)
            produced(self._service, self._events_topic, (headers["type"] for _key, _value, headers in items))
        for command_id, outcome in batch.outcomes.items():
            await self._store.insert_if_absent(OUTCOMES, command_id, outcome)
            self._decisions.stored(command_id)
        for doc_id, doc in batch.docs.items():
            # if this loses, another instance has moved on from this revision: it loaded the document,
            # outbox and all, and published that first; an unconditional put could roll it back
            await self._store.put_if_revision(AGGREGATES, doc_id, _published(doc), doc[REVISION])


def _published(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "outbox": [], "pending_outcomes": [], REVISION: doc[REVISION] + 1}


def _rejected(message: CommandMessage, rejection: Rejected) -> dict[str, Any]:
    return Outcome(
        command_id=message.command_id,
        status="rejected",
        aggregate_id=message.aggregate_id,
        rule=rejection.rule,
        reason=rejection.reason,
        http_status=rejection.status,
    ).model_dump()


def _empty(aggregate: Aggregate) -> dict[str, Any]:
    return {
        "state": aggregate.initial_state().model_dump(mode="json"),
        "version": 0,
        "last_hash": None,
        "outbox": [],
        "pending_outcomes": [],
        REVISION: 0,
    }


def _check_version(message: CommandMessage, version: int) -> None:
    if message.expected_version is not None and message.expected_version != version:
        raise Rejected(
            "stale_version",
            f"expected version {message.expected_version}, the aggregate is at {version}",
        )


async def wait_for_outcome(
    store: ReadStore, command_id: str, timeout: float, woken: asyncio.Event | None = None
) -> Outcome | None:
    """The command's outcome once stored, polled ever less often (up to every 0.1 s); `woken`
    (`LocalDecisions.awaited`) ends a wait between two polls as soon as this process stores it."""
    delay, deadline = 0.005, asyncio.get_running_loop().time() + timeout
    while True:
        doc = await store.get(OUTCOMES, command_id)
        if doc is not None:
            return Outcome.model_validate({k: v for k, v in doc.items() if k != "_id"})
        if asyncio.get_running_loop().time() >= deadline:
            return None
        await pause(delay, woken)
        delay = min(delay * 1.5, 0.1)


async def stored_aggregate(store: ReadStore, doc_id: str) -> dict[str, Any] | None:
    """An aggregate's stored document, or None if it has no event yet (a rejected command stores the
    document too, at version 0, to fence off a stale instance: that is not an aggregate that exists)."""
    doc = await store.get(AGGREGATES, doc_id)
    return doc if doc is not None and doc["version"] > 0 else None
