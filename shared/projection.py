"""Read models as pure projections, and the adapter that keeps them in a store idempotently.

Each view document remembers the last sequence it applied per source stream (`_seen`), in
the same single-document write as the change, so a redelivered or republished event is a no-op.

A document may be fed from several partitions (an audit trail: the candidate's events and its
board's), which several instances of a service handle at once. Every write is therefore conditional
on the revision read (`ReadStore.put_if_revision`); one that lost raises `ConcurrentUpdate`, and
handling the records again reads the document afresh.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from shared.codec import PoisonRecord, decode
from shared.consumer import DeadLetters
from shared.contracts.base import DomainEvent
from shared.envelope import Envelope
from shared.logging import bind_correlation
from shared.ports import REVISION, ConcurrentUpdate, ReadStore, Record

View = dict[str, Any]
Reaction = Callable[[Envelope, DomainEvent], Awaitable[None]]
BOOKKEEPING = ("_id", "_seen", REVISION)


def without_bookkeeping(doc: View) -> View:
    """A stored document as readers answer with it: the read model without how the store keeps it."""
    return {k: v for k, v in doc.items() if k not in BOOKKEEPING}


class Projection:
    """Pure: which document an event touches, and how it changes it."""

    collection: str

    def doc_id(self, envelope: Envelope, event: DomainEvent) -> str | None:
        raise NotImplementedError

    def apply(self, view: View, envelope: Envelope, event: DomainEvent) -> View:
        raise NotImplementedError


def apply_once(projection: Projection, doc: View, envelope: Envelope, event: DomainEvent) -> View | None:
    """The document after the event, or None when the event was applied already."""
    seen = doc.get("_seen", _EMPTY)
    stream, sequence = envelope.stream, envelope.sequence
    if seen.get(stream, 0) >= sequence:
        return None
    given = dict(doc)  # the document without its bookkeeping (a document's keys are strings)
    for key in BOOKKEEPING:
        if key in given:
            del given[key]
    view = projection.apply(given, envelope, event)
    return {**view, "_seen": {**seen, stream: sequence}}


class ProjectionReaction:
    """The reaction `project` returns: applies one event through the store (a get and a put), and
    names its projection and store so that `apply_batch` can apply a whole batch in memory."""

    __slots__ = ("projection", "store")

    def __init__(self, projection: Projection, store: ReadStore) -> None:
        self.projection, self.store = projection, store

    async def __call__(self, envelope: Envelope, event: DomainEvent) -> None:
        doc_id = self.projection.doc_id(envelope, event)
        if doc_id is None:
            return
        collection = self.projection.collection
        doc = await self.store.get(collection, doc_id) or {}
        updated = apply_once(self.projection, doc, envelope, event)
        if updated is not None:
            revision = doc.get(REVISION, 0)
            if not await self.store.put_if_revision(collection, doc_id, {**updated, REVISION: revision + 1}, revision):
                raise ConcurrentUpdate(f"{collection}/{doc_id} was written by another instance meanwhile")


def project(projection: Projection, store: ReadStore) -> Reaction:
    return ProjectionReaction(projection, store)


_MISSING = object()


def _stored(value: Any, before: Any = _MISSING) -> Any:
    """The value as a store would give it back (JSON: string keys, lists, plain scalars), so that a
    batch applied in memory sees exactly what the one-event-at-a-time path reads from the store.

    `before` is the document the projection was given (already in stored form): projections are
    pure, so whatever they return unchanged from it is the same object and is not walked again;
    only what they built is (a new score, a new trail entry), and only what JSON would change
    is converted, through JSON itself (which also raises where the store would).

    Plain scalars (str, int, float, bool, None: returned as they are) are passed over in place
    rather than through a call each, and a dict or list holding nothing else is returned as it is
    after one look at the types it holds: that is most of a document."""
    if value is before:
        return value
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        if not _STRING.issuperset(map(type, value)):  # a key that is not a string
            return json.loads(json.dumps(value))
        if _SCALARS.issuperset(map(type, value.values())):  # nothing but scalars in it
            return value
        previous = before if type(before) is dict else _EMPTY
        changed: dict | None = None
        for key, item in value.items():
            plain = type(item)
            if plain is str or plain is int or plain is float or plain is bool or item is None:
                continue
            old = previous.get(key, _MISSING)
            if item is old:
                continue
            stored = _stored(item, old)
            if stored is not item:
                changed = dict(value) if changed is None else changed
                changed[key] = stored
        return value if changed is None else changed
    if kind is list:
        if _SCALARS.issuperset(map(type, value)):
            return value
        kept = {id(item) for item in before} if type(before) is list else _NONE_KEPT
        items: list | None = None
        for index, item in enumerate(value):
            plain = type(item)
            if plain is str or plain is int or plain is float or plain is bool or item is None or id(item) in kept:
                continue
            stored = _stored(item)
            if stored is not item:
                items = list(value) if items is None else items
                items[index] = stored
        return value if items is None else items
    return json.loads(json.dumps(value))


_EMPTY: dict = {}  # read only
_NONE_KEPT: frozenset = frozenset()
_STRING = frozenset({str})
_SCALARS = frozenset({str, int, float, bool, type(None)})  # exactly these types, not their subclasses


Decoded = tuple[Envelope, DomainEvent]


async def apply_batch(
    reactions: Sequence[ProjectionReaction], events: Sequence[Decoded]
) -> dict[int, Exception]:
    """Apply a batch of decoded events to every projection in memory, reading each touched
    document once (`get_many`) and writing each changed one once (`put_many_if_revisions`), with
    exactly the result of reacting to the events one by one in order. An event whose projection
    raises is not applied from that projection on (as when the per-event handler fails there); the
    errors are returned by the event's index so that the caller can park the record."""
    wanted: dict[tuple[int, str], set[str]] = {}
    # per event, in the reactions' order: (reaction, (store id, collection, doc id)) for each
    # document the event touches, and (None, exception) if a doc_id raised
    plans: list[list[tuple[ProjectionReaction | None, Any]]] = []
    doc_ids = [(reaction, reaction.projection.doc_id) for reaction in reactions]
    for envelope, event in events:
        plan: list[tuple[ProjectionReaction | None, Any]] = []
        try:
            for reaction, doc_id_of in doc_ids:
                doc_id = doc_id_of(envelope, event)
                if doc_id is None:
                    continue
                key = (id(reaction.store), reaction.projection.collection)
                plan.append((reaction, (*key, doc_id)))
                ids = wanted.get(key)
                if ids is None:
                    ids = wanted[key] = set()
                ids.add(doc_id)
        except Exception as exc:  # a doc_id failed: apply the documents of the reactions before it only
            plan.append((None, exc))
        plans.append(plan)
    stores = {id(r.store): r.store for r in reactions}
    docs: dict[tuple[int, str, str], View] = {}
    for (store_id, collection), ids in wanted.items():
        found = await stores[store_id].get_many(collection, sorted(ids))
        for doc_id in ids:
            docs[(store_id, collection, doc_id)] = found.get(doc_id) or {}
    revisions = {slot: doc.get(REVISION, 0) for slot, doc in docs.items()}
    dirty: set[tuple[int, str, str]] = set()
    failures: dict[int, Exception] = {}
    for index, ((envelope, event), plan) in enumerate(zip(events, plans)):
        for reaction, slot in plan:
            if reaction is None:
                failures[index] = slot
                break
            try:
                doc = docs[slot]
                updated = apply_once(reaction.projection, doc, envelope, event)
                if updated is not None:
                    docs[slot] = _stored(updated, doc)
                    dirty.add(slot)
            except Exception as exc:
                failures[index] = exc
                break
    by_store: dict[int, list[tuple[str, str, View, int]]] = {}
    for slot in sorted(dirty):
        revision = revisions[slot]
        by_store.setdefault(slot[0], []).append((slot[1], slot[2], {**docs[slot], REVISION: revision + 1}, revision))
    lost = [found for store_id, items in by_store.items()
            for found in await stores[store_id].put_many_if_revisions(items)]
    if lost:
        raise ConcurrentUpdate(f"{len(lost)} documents were written by another instance meanwhile, e.g. {lost[0]}")
    return failures


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
