"""Read models as pure projections, and the adapter that keeps them in a store idempotently.

Each view document remembers the last sequence it applied per source stream (`_seen`), in
the same single-document write as the change, so a redelivered or republished event is a no-op.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from shared.codec import PoisonRecord, decode
from shared.consumer import DeadLetters
from shared.contracts.base import DomainEvent
from shared.envelope import Envelope
from shared.logging import bind_correlation
from shared.ports import ReadStore, Record

View = dict[str, Any]
Reaction = Callable[[Envelope, DomainEvent], Awaitable[None]]
BOOKKEEPING = ("_id", "_seen")


class Projection:
    """Pure: which document an event touches, and how it changes it."""

    collection: str

    def doc_id(self, envelope: Envelope, event: DomainEvent) -> str | None:
        raise NotImplementedError

    def apply(self, view: View, envelope: Envelope, event: DomainEvent) -> View:
        raise NotImplementedError


def apply_once(projection: Projection, doc: View, envelope: Envelope, event: DomainEvent) -> View | None:
    """The document after the event, or None when the event was applied already."""
    seen = doc.get("_seen", {})
    if seen.get(envelope.stream, 0) >= envelope.sequence:
        return None
    view = projection.apply({k: v for k, v in doc.items() if k not in BOOKKEEPING}, envelope, event)
    return {**view, "_seen": {**seen, envelope.stream: envelope.sequence}}


def project(projection: Projection, store: ReadStore) -> Reaction:
    async def react(envelope: Envelope, event: DomainEvent) -> None:
        doc_id = projection.doc_id(envelope, event)
        if doc_id is None:
            return
        updated = apply_once(projection, await store.get(projection.collection, doc_id) or {}, envelope, event)
        if updated is not None:
            await store.put(projection.collection, doc_id, updated)

    return react


def event_handler(reactions: Sequence[Reaction], dead_letters: DeadLetters):
    """A consumer handler: decode the envelope (poison goes to the dead letters), then react."""

    async def handle(record: Record) -> None:
        try:
            envelope, event = decode(record.value)
        except PoisonRecord as poison:
            await dead_letters.send(record, str(poison))
            return
        bind_correlation(correlation_id=envelope.correlation_id, event_id=envelope.event_id)
        for react in reactions:
            await react(envelope, event)

    return handle
