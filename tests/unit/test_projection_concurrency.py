"""Two instances applying batches to one read-model document at once (a document fed from several
partitions, handled by two members of a group): the write that read an older revision loses, and
handling its batch again keeps both instances' events. Before, the later write overwrote the other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from shared.consumer import ConsumerLoop, DeadLetters
from shared.envelope import Actor, seal
from shared.eventlog.embedded import EmbeddedEventLog
from shared.ports import ConcurrentUpdate, TopicSpec
from shared.projection import Projection, apply_batch, project
from tests.unit.counter import Bumped


class Tallies(Projection):
    """Per counter, the streams whose bumps it has seen."""

    collection = "tallies"

    def doc_id(self, envelope, event) -> str:
        return "all"

    def apply(self, view, envelope, event):
        return {"bumps": [*view.get("bumps", []), envelope.stream]}


def bumped(stream: str, sequence: int = 1):
    event = Bumped(by=1)
    return seal({"event_id": f"{stream}-{sequence}", "type": event.TYPE, "schema_version": 1, "stream": stream,
                 "sequence": sequence, "occurred_at": datetime(2025, 2, 10, tzinfo=UTC),
                 "actor": Actor(id="org", role="organiser"), "correlation_id": "k",
                 "payload": event.model_dump(mode="json"), "previous_hash": None}), event


async def test_of_two_batches_read_from_the_same_revision_the_later_write_loses_and_is_applied_again(stores):
    first, second = stores
    both_read = asyncio.Barrier(2)
    for store in stores:
        _read_then_wait(store, both_read)  # each has read the document before either writes

    batches = [(first, [bumped("registration/candidate/a")]), (second, [bumped("ranking/board/b")])]
    results = await asyncio.gather(*(apply_batch([project(Tallies(), store)], events) for store, events in batches),
                                   return_exceptions=True)
    assert sum(isinstance(r, ConcurrentUpdate) for r in results) == 1 and results.count({}) == 1, results

    loser = next(i for i, r in enumerate(results) if isinstance(r, ConcurrentUpdate))
    store, events = batches[loser]
    del store.get_many  # reads as usual again
    assert await apply_batch([project(Tallies(), store)], events) == {}
    doc = await first.get("tallies", "all")
    assert sorted(doc["bumps"]) == ["ranking/board/b", "registration/candidate/a"]
    assert doc["_revision"] == 2


def _read_then_wait(store, barrier: asyncio.Barrier) -> None:
    read = store.get_many

    async def get_many(collection, ids):
        found = await read(collection, ids)
        await barrier.wait()
        return found

    store.get_many = get_many


async def test_a_projection_applied_event_by_event_loses_its_write_the_same_way(stores):
    first, second = stores
    react_first, react_second = project(Tallies(), first), project(Tallies(), second)
    stale_read = asyncio.Event()
    reading = first.get

    async def get_then_wait(collection, doc_id):
        doc = await reading(collection, doc_id)
        stale_read.set()
        await written.wait()
        return doc

    written = asyncio.Event()
    first.get = get_then_wait
    stale = asyncio.create_task(react_first(*bumped("registration/candidate/a")))
    await stale_read.wait()
    await react_second(*bumped("ranking/board/b"))
    written.set()
    with pytest.raises(ConcurrentUpdate):
        await stale
    first.get = reading
    await react_first(*bumped("registration/candidate/a"))  # handled again: read afresh
    assert sorted((await first.get("tallies", "all"))["bumps"]) == ["ranking/board/b", "registration/candidate/a"]


async def test_the_consumer_loop_handles_a_batch_again_after_a_concurrent_update_without_resubscribing(tmp_path):
    log = EmbeddedEventLog(tmp_path / "events.sqlite")
    await log.start()
    await log.ensure_topics([TopicSpec("t.events", 1), TopicSpec("t.dlq", 1)])
    await log.append("t.events", "a", b"one")
    handled, subscribed = [], []
    subscribe = log.subscribe

    def counting_subscribe(group, topics):
        subscribed.append(group)
        return subscribe(group, topics)

    log.subscribe = counting_subscribe

    async def losing_once(records) -> None:
        handled.append([r.value for r in records])
        if len(handled) == 1:
            raise ConcurrentUpdate("another instance wrote first")
        loop.stop()

    loop = ConsumerLoop("svc", log, "g", ["t.events"], None, DeadLetters("svc", log, "t.dlq"), batch_handler=losing_once)
    await asyncio.wait_for(loop.run(), timeout=10)
    assert handled == [[b"one"], [b"one"]] and subscribed == ["g"]
    await log.close()
