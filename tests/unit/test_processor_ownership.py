"""Two instances deciding one command partition at once (a consumer-group rebalance): each aggregate
version is stored by one of them only, the other publishes nothing and steps back (`LostOwnership`),
and what either had stored is published in the end. Per aggregate, one event per sequence number."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import pytest

from shared.envelope import Envelope
from shared.processor import AGGREGATES, OUTCOMES, CommandProcessor, LostOwnership
from tests.unit.counter import Bump, Counter, bump, processor


def instance(event_log, store, pause=None, refuse: bool = False) -> CommandProcessor:
    return processor("counting", event_log, store, Counter(pause, refuse, events_per_bump=2))


async def send(event_log, counter: str, by: int) -> str:
    command_id = f"cmd-{uuid.uuid4().hex[:12]}"
    await event_log.append("t.commands", counter, bump(command_id, counter, by))
    return command_id


async def commands(event_log):
    return [r async for r in event_log.read_all("t.commands")]


async def published(event_log) -> dict[str, dict[int, set[str]]]:
    """Per stream, the event ids published at each sequence number."""
    seen: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    async for record in event_log.read_all("t.events"):
        envelope = Envelope.model_validate_json(record.value)
        seen[envelope.stream][envelope.sequence].add(envelope.event_id)
    return seen


def one_event_per_sequence(seen: dict[str, dict[int, set[str]]], stream: str, versions: int) -> None:
    assert sorted(seen[stream]) == list(range(1, versions + 1))
    assert all(len(ids) == 1 for ids in seen[stream].values()), dict(seen[stream])


async def test_of_two_instances_deciding_the_same_commands_at_once_one_stores_and_publishes(event_log, stores):
    for by in (1, 2, 3):
        await send(event_log, "c-1", by)
    records = await commands(event_log)
    both_read = asyncio.Barrier(2)

    async def hold_the_first(command: Bump) -> None:  # both read version 0, then both decide
        if command.by == 1:
            await both_read.wait()

    first, second = instance(event_log, stores[0], hold_the_first), instance(event_log, stores[1], hold_the_first)
    results = await asyncio.gather(first.handle_batch(records), second.handle_batch(records), return_exceptions=True)

    seen = await published(event_log)
    one_event_per_sequence(seen, "counting/counter/c-1", 6)
    lost = [r for r in results if isinstance(r, LostOwnership)]
    assert len(lost) == 1 and results.count(None) == 1, results
    doc = await stores[0].get(AGGREGATES, "counter/c-1")
    assert (doc["version"], doc["state"], doc["outbox"]) == (6, {"n": 12}, [])

    loser = (first, second)[results.index(lost[0])]
    await loser.handle_batch(records)  # the loop subscribes again and resumes from the last commit
    assert await published(event_log) == seen, "nothing decided again, nothing new published"


async def test_what_the_losing_instance_stored_before_losing_is_published_not_lost(event_log, stores):
    other_id = await send(event_log, "c-other", 5)
    await send(event_log, "c-1", 1)
    records = await commands(event_log)
    stale_read, winner_done = asyncio.Event(), asyncio.Event()

    async def fall_behind_on_c1(command: Bump) -> None:  # c-other is stored; c-1 is read, then waits
        if command.id == "c-1":
            stale_read.set()
            await winner_done.wait()

    stale = instance(event_log, stores[0], fall_behind_on_c1)
    stale_batch = asyncio.create_task(stale.handle_batch(records))
    await stale_read.wait()
    await instance(event_log, stores[1]).handle_batch(records[1:])  # the new owner, given only c-1
    winner_done.set()
    with pytest.raises(LostOwnership):
        await stale_batch

    seen = await published(event_log)
    assert "counting/counter/c-other" not in seen, "the losing batch publishes nothing"
    one_event_per_sequence(seen, "counting/counter/c-1", 2)
    assert (await stores[0].get(AGGREGATES, "counter/c-other"))["outbox"], "kept for whoever loads it next"

    await instance(event_log, stores[0]).handle_batch(records)  # subscribed again: the outbox left is published
    seen = await published(event_log)
    one_event_per_sequence(seen, "counting/counter/c-other", 2)
    one_event_per_sequence(seen, "counting/counter/c-1", 2)
    assert (await stores[0].get(OUTCOMES, other_id))["status"] == "accepted"
    for counter, n in (("c-other", 10), ("c-1", 2)):
        doc = await stores[0].get(AGGREGATES, f"counter/{counter}")
        assert (doc["version"], doc["state"], doc["outbox"]) == (2, {"n": n}, [])


async def test_an_instance_deciding_from_a_stale_read_cannot_answer_rejected_for_what_the_owner_accepted(
    event_log, stores
):
    command_id = await send(event_log, "c-1", 1)
    records = await commands(event_log)
    stale_read, owner_done = asyncio.Event(), asyncio.Event()

    async def fall_behind(command: Bump) -> None:
        stale_read.set()
        await owner_done.wait()

    stale = asyncio.create_task(instance(event_log, stores[0], fall_behind, refuse=True).handle_batch(records))
    await stale_read.wait()
    await instance(event_log, stores[1]).handle_batch(records)  # the owner accepts
    owner_done.set()
    with pytest.raises(LostOwnership):
        await stale

    assert (await stores[0].get(OUTCOMES, command_id))["status"] == "accepted"
    one_event_per_sequence(await published(event_log), "counting/counter/c-1", 2)


async def test_a_rejection_stored_first_keeps_the_other_instance_from_accepting_the_command(event_log, stores):
    command_id = await send(event_log, "c-1", 1)
    records = await commands(event_log)
    late_read, refused = asyncio.Event(), asyncio.Event()

    async def read_then_wait(command: Bump) -> None:
        late_read.set()
        await refused.wait()

    late = asyncio.create_task(instance(event_log, stores[0], read_then_wait).handle_batch(records))
    await late_read.wait()
    await instance(event_log, stores[1], refuse=True).handle_batch(records)  # stores its rejection first
    refused.set()
    with pytest.raises(LostOwnership):
        await late

    assert (await stores[0].get(OUTCOMES, command_id))["status"] == "rejected"
    assert await published(event_log) == {}, "no event for a rejected command"
    await instance(event_log, stores[0]).handle_batch(records)  # redelivered to whoever owns it next
    assert await published(event_log) == {} and (await stores[0].get(OUTCOMES, command_id))["status"] == "rejected"
