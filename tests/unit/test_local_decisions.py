"""A request waiting for its command's decision is woken as soon as this process stores the outcome,
not at its next poll of the store; one decided elsewhere is still found by polling. Likewise a reader
of the embedded log is woken by an append through the same log."""

from __future__ import annotations

import asyncio

import pytest

from shared.pause import pause
from shared.processor import OUTCOMES, CommandProcessor, LocalDecisions, wait_for_outcome
from shared.readstore.embedded import EmbeddedReadStore
from tests.unit.counter import Counter, bump, processor


@pytest.fixture
async def store(tmp_path):
    store = EmbeddedReadStore(tmp_path / "store.sqlite")
    await store.start()
    yield store
    await store.close()


def deciding(event_log, store, decisions: LocalDecisions) -> CommandProcessor:
    return processor("counting", event_log, store, Counter(), decisions)


async def test_a_pause_ends_once_the_decision_is_stored_here_not_when_its_time_is_up():
    decisions = LocalDecisions()
    with decisions.awaited("cmd-000001") as woken:
        pausing = asyncio.create_task(pause(3600, woken))
        await asyncio.sleep(0)
        assert not pausing.done()
        decisions.stored("cmd-000001")
        await asyncio.wait_for(pausing, 5)
    decisions.stored("cmd-000001")  # no one waits any more: nothing to wake


async def test_the_processor_wakes_the_waiter_after_the_outcome_is_stored(event_log, store):
    decisions = LocalDecisions()
    await event_log.append("t.commands", "c-1", bump("cmd-000001", "c-1", 2))
    records = [r async for r in event_log.read_all("t.commands")]
    with decisions.awaited("cmd-000001") as woken:
        waiting = asyncio.create_task(wait_for_outcome(store, "cmd-000001", timeout=3600, woken=woken))
        await deciding(event_log, store, decisions).handle_batch(records)
        assert woken.is_set() and await store.get(OUTCOMES, "cmd-000001") is not None
        outcome = await asyncio.wait_for(waiting, 5)
    assert (outcome.status, outcome.version) == ("accepted", 1)


async def test_a_decision_made_by_another_instance_is_found_by_polling(event_log, store):
    await event_log.append("t.commands", "c-1", bump("cmd-000002", "c-1", 1))
    records = [r async for r in event_log.read_all("t.commands")]
    here = LocalDecisions()
    with here.awaited("cmd-000002") as woken:
        waiting = asyncio.create_task(wait_for_outcome(store, "cmd-000002", timeout=30, woken=woken))
        await deciding(event_log, store, LocalDecisions()).handle_batch(records)  # another instance's
        outcome = await asyncio.wait_for(waiting, 5)
        assert not woken.is_set() and outcome.status == "accepted"


async def test_an_append_through_the_log_wakes_the_readers_of_that_topic_in_this_process(event_log):
    commands, events = event_log.subscribe("g", ["t.commands"]), event_log.subscribe("h", ["t.events"])
    assert await commands.poll(timeout=0.05) == [] and await events.poll(timeout=0.05) == []
    polling = asyncio.create_task(commands.poll(timeout=3600))
    await asyncio.sleep(0.05)
    await event_log.append("t.commands", "c-1", bump("cmd-000003", "c-1", 1))
    assert commands._woken.is_set() and not events._woken.is_set()
    assert [r.key for r in await asyncio.wait_for(polling, 5)] == ["c-1"]
    await commands.close()
    await event_log.append("t.commands", "c-1", bump("cmd-000004", "c-1", 1))
    assert not commands._woken.is_set(), "a closed subscription is no longer woken"
    await events.close()
