"""Read models in generations, so that they can be rebuilt from the log while the service runs.

A rebuild starts a new generation: a consumer group of its own reads every followed topic from
offset zero into its own collections, beside the live generation that keeps serving and keeps
following. Both follow every new event, so neither has a gap. Once both have caught up with the
log, their digests are compared; switching makes the new one live for queries (every instance
picks the switch up within a second) and retires the old one. Aggregates and command outcomes
are not read models and are never regenerated.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.codec import PoisonRecord, decode
from shared.consumer import ConsumerLoop, handle_or_park
from shared.logging import bind_correlation, clear_context, get_logger
from shared.metrics import CONSUMED
from shared.ports import ReadStore, Record
from shared.projection import ProjectionReaction, Reaction, apply_batch, event_handler

CONTROL = "read_model_generations"
PROGRESS = "read_model_progress"
FIRST = 1
BATCH = 5000  # records a projection loop takes at once: each touched document is written once per batch
log = get_logger(__name__)


def physical(collection: str, generation: int) -> str:
    """The first generation keeps the plain names (the faust worker writes those)."""
    return collection if generation == FIRST else f"{collection}__g{generation}"


@dataclass(frozen=True)
class ReadModels:
    """A service's rebuildable read models: their collections, the projections that fill them
    (given the store of one generation) and the digests that compare two generations."""

    collections: frozenset[str]
    projections: Callable[[ReadStore], list[Reaction]]
    digests: Callable[[ReadStore], Awaitable[dict[str, str]]]
    indexes: dict[str, list[str]] = field(default_factory=dict)


class GenerationalStore(ReadStore):
    """The read store as one generation sees it: its read-model collections map to that
    generation's, every other collection is shared."""

    def __init__(self, base: ReadStore, generation: Callable[[], int], collections: frozenset[str]) -> None:
        self._base, self._generation, self._collections = base, generation, collections

    def name(self, collection: str) -> str:
        return physical(collection, self._generation()) if collection in self._collections else collection

    async def start(self) -> None:  # the base store belongs to the runtime
        return None

    async def close(self) -> None:
        return None

    async def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        return await self._base.get(self.name(collection), doc_id)

    async def put(self, collection: str, doc_id: str, doc: dict[str, Any]) -> None:
        await self._base.put(self.name(collection), doc_id, doc)

    async def insert_if_absent(self, collection: str, doc_id: str, doc: dict[str, Any]) -> bool:
        return await self._base.insert_if_absent(self.name(collection), doc_id, doc)

    async def put_if_revision(self, collection: str, doc_id: str, doc: dict[str, Any], expected_revision: int) -> bool:
        return await self._base.put_if_revision(self.name(collection), doc_id, doc, expected_revision)

    async def put_many_if_revisions(self, items: Sequence[tuple[str, str, dict[str, Any], int]]) -> list[tuple[str, str]]:
        named = {self.name(c): c for c, _doc_id, _doc, _expected in items}
        lost = await self._base.put_many_if_revisions([(self.name(c), i, d, e) for c, i, d, e in items])
        return [(named[c], doc_id) for c, doc_id in lost]

    async def get_many(self, collection: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self._base.get_many(self.name(collection), ids)

    async def put_many(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        await self._base.put_many([(self.name(c), doc_id, doc) for c, doc_id, doc in items])

    async def find(self, collection: str, where=None, sort: Sequence[tuple[str, int]] = (), limit: int = 0):
        return await self._base.find(self.name(collection), where, sort, limit)

    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None:
        await self._base.ensure_index(self.name(collection), fields)

    async def drop(self, collection: str) -> None:
        await self._base.drop(self.name(collection))

    async def ping(self) -> None:
        await self._base.ping()


def _progress_id(generation: int, topic: str, partition: int) -> str:
    return f"g{generation}:{topic}:{partition}"


class Generations:
    """Runs a consumer loop per wanted generation (the live one, and the one being built), and
    follows the control document that says which those are."""

    def __init__(self, rt, models: ReadModels, sources: Sequence[str]) -> None:
        self._rt, self._models, self._sources = rt, models, list(sources)
        self._base: ReadStore = rt.base_store
        self._loops: dict[int, tuple[ConsumerLoop, asyncio.Task]] = {}
        self._watcher: asyncio.Task | None = None
        self._syncing = asyncio.Lock()
        self.active = FIRST

    @property
    def _key(self) -> str:
        return self._rt.spec.name

    def view(self, generation: int | None = None) -> GenerationalStore:
        """One generation's store; without a generation, whichever is live at each call."""
        pick = (lambda: generation) if generation is not None else (lambda: self.active)
        return GenerationalStore(self._base, pick, self._models.collections)

    async def control(self) -> dict[str, Any]:
        await self._base.insert_if_absent(CONTROL, self._key, {"active": FIRST, "building": None, "retired": []})
        return await self._base.get(CONTROL, self._key)

    async def start(self) -> None:
        await self.sync()
        self._watcher = asyncio.create_task(self._watch(), name=f"{self._key}-generations")

    async def stop(self) -> None:
        if self._watcher:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for generation in list(self._loops):
            await self._stop(generation)

    def joining(self) -> list[str]:
        """The groups of this instance's generations that have not joined yet."""
        return [loop.group for loop, _task in self._loops.values() if not loop.joined]

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await self.sync()
            except Exception as exc:  # the store may be down for a while; the loops wait on their own
                log.warning("generations not synced", error=str(exc)[:200])

    async def sync(self) -> None:
        """One at a time: the watcher's sync and a rebuild's may overlap, and each would otherwise start
        the new generation's loop, since `_start` awaits the store before it records the loop. Two loops
        of one generation in one group split its partitions, and their batches overwrite each other's
        documents (seen on Kafka + FerretDB: a rebuilt audit trail lost a candidate's earlier events)."""
        async with self._syncing:
            control = await self.control()
            self.active = control["active"]
            wanted = {control["active"], control["building"]} - {None}
            for generation in sorted(wanted - set(self._loops)):
                await self._start(generation)
            for generation in set(self._loops) - wanted:
                await self._stop(generation)

    async def _start(self, generation: int) -> None:
        store = self.view(generation)
        for collection, fields in self._models.indexes.items():
            await store.ensure_index(collection, fields)
        rt, ns = self._rt, self._rt.settings.namespace
        reactions = self._models.projections(store)
        handler = event_handler(reactions, rt.dead_letters)
        group = f"{ns}.{rt.spec.name}.projections" + ("" if generation == FIRST else f".g{generation}")
        loop = ConsumerLoop(rt.spec.name, rt.log, group, self._sources, handler, rt.dead_letters,
                            batch_handler=self._tracking(generation, handler, reactions), max_records=BATCH)
        self._loops[generation] = (loop, asyncio.create_task(loop.run(), name=f"{rt.spec.name}-g{generation}"))
        log.info("read model generation following", generation=generation)

    async def _stop(self, generation: int) -> None:
        loop, task = self._loops.pop(generation)
        loop.stop()
        with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
            await asyncio.wait_for(task, timeout=10)

    def _tracking(self, generation: int, handler, reactions: Sequence[Reaction]):
        """Handle a batch, then record how far each partition got (before the loop commits).

        When every reaction is a projection (`shared.projection.project`), the batch is applied in
        memory: each touched document is read once and written once per batch, not per event
        (`apply_batch` gives the same documents as reacting one event at a time)."""
        batched = [r for r in reactions if isinstance(r, ProjectionReaction)]
        service = self._rt.spec.name

        async def handle(records: Sequence[Record]) -> None:
            if len(batched) == len(reactions):
                await self._apply_batch(service, batched, records)
            else:
                for record in records:
                    await handle_or_park(service, handler, record, self._rt.dead_letters)
            last = {(r.topic, r.partition): r.offset for r in records}
            await self._base.put_many([(PROGRESS, _progress_id(generation, topic, partition), {"offset": offset})
                                        for (topic, partition), offset in last.items()])

        return handle

    async def _apply_batch(self, service: str, reactions: list[ProjectionReaction], records: Sequence[Record]) -> None:
        dead_letters = self._rt.dead_letters
        decoded, origin = [], []
        for record in records:
            try:
                decoded.append(decode(record.value))
                origin.append(record)
            except PoisonRecord as poison:
                await dead_letters.send(record, str(poison))
        failures = await apply_batch(reactions, decoded)
        for index, exc in sorted(failures.items()):
            record = origin[index]
            envelope = decoded[index][0]
            bind_correlation(correlation_id=envelope.correlation_id, event_id=envelope.event_id)
            log.error("handler failed", topic=record.topic, offset=record.offset, error=repr(exc)[:300])
            await dead_letters.send(record, f"handler failed: {exc!r}"[:500])
        clear_context()
        counts: dict[str, int] = {}
        for record in records:
            counts[record.topic] = counts.get(record.topic, 0) + 1
        for topic, count in counts.items():
            CONSUMED.labels(service, topic).inc(count)

    async def caught_up(self, *generations: int) -> dict[int, bool]:
        """Per generation, whether it has handled every record appended so far. The end offsets are
        asked once and the progress read in one query, whatever the number of generations and
        partitions: a rebuild's status is polled, and on FerretDB each store call costs milliseconds."""
        ends = {topic: await self._rt.log.end_offsets(topic) for topic in self._sources}
        done = {doc["_id"]: doc["offset"] for doc in await self._base.find(PROGRESS)}
        return {g: all(end == 0 or done.get(_progress_id(g, topic, partition), -1) >= end - 1
                       for topic, partitions in ends.items() for partition, end in partitions.items())
                for g in generations}

    async def digests(self, generation: int) -> dict[str, str]:
        return await self._models.digests(self.view(generation))

    async def begin_rebuild(self) -> int:
        """Start a new generation from offset zero; drop what earlier rebuilds retired."""
        control = await self.control()
        if control["building"] is not None:
            raise RebuildConflict(f"generation {control['building']} is being built already")
        for old in control["retired"]:
            for collection in self._models.collections:
                await self._base.drop(physical(collection, old))
        generation = max([control["active"], *control["retired"]]) + 1
        await self._base.put(CONTROL, self._key, {**control, "building": generation, "retired": []})
        await self.sync()
        return generation

    async def switch(self, generation: int) -> dict[str, Any]:
        control = await self.control()
        if control["building"] != generation:
            raise RebuildConflict(f"generation {generation} is not being built")
        updated = {"active": generation, "building": None, "retired": [*control["retired"], control["active"]]}
        await self._base.put(CONTROL, self._key, updated)
        await self.sync()
        return updated


class RebuildConflict(Exception):
    pass
