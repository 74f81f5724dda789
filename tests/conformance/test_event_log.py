"""The event-log contract, run against the embedded log and real Kafka alike."""

from __future__ import annotations

import asyncio

from shared.ports import TopicSpec
from tests.conftest import unique


async def _topic(log, partitions: int = 3) -> str:
    name = unique("conf.")
    await log.ensure_topics([TopicSpec(name, partitions)])
    return name


async def _drain(subscription, expected: int, rounds: int = 100) -> list:
    records = []
    for _ in range(rounds):
        records += await subscription.poll(max_records=100, timeout=0.2)
        if len(records) >= expected:
            break
    return records


async def test_same_key_same_partition_increasing_offsets(event_log):
    topic = await _topic(event_log)
    positions = [await event_log.append(topic, "candidate-a", f"v{i}".encode()) for i in range(5)]
    assert len({p for p, _ in positions}) == 1
    offsets = [o for _, o in positions]
    assert offsets == sorted(offsets) and len(set(offsets)) == 5


async def test_group_reads_every_record_in_key_order_with_headers(event_log):
    topic = await _topic(event_log)
    for i in range(10):
        await event_log.append(topic, f"k{i % 3}", f"{i}".encode(), {"type": "T", "n": str(i)})
    subscription = event_log.subscribe(unique("g"), [topic])
    records = await _drain(subscription, 10)
    await subscription.close()
    assert sorted(int(r.value) for r in records) == list(range(10))
    for key in ("k0", "k1", "k2"):
        values = [int(r.value) for r in records if r.key == key]
        assert values == sorted(values)
    assert all(r.headers["n"] == r.value.decode() and r.headers["type"] == "T" for r in records)


async def test_commit_resumes_and_uncommitted_records_come_again(event_log):
    topic = await _topic(event_log, partitions=1)
    for i in range(6):
        await event_log.append(topic, "k", str(i).encode())
    group = unique("g")
    first = event_log.subscribe(group, [topic])
    records = await _drain(first, 6)
    await first.commit(records[:4])
    await first.close()
    second = event_log.subscribe(group, [topic])
    again = await _drain(second, 2)
    await second.close()
    assert [int(r.value) for r in again] == [4, 5]


async def test_groups_are_independent(event_log):
    topic = await _topic(event_log)
    for i in range(4):
        await event_log.append(topic, f"k{i}", b"x")
    for _ in range(2):
        subscription = event_log.subscribe(unique("g"), [topic])
        assert len(await _drain(subscription, 4)) == 4
        await subscription.close()


async def test_a_member_says_it_has_joined_once_its_group_gave_it_partitions_even_none(event_log):
    topic, group = await _topic(event_log, partitions=1), unique("g")
    first = event_log.subscribe(group, [topic])
    assert not first.joined
    for _ in range(150):
        if first.joined:
            break
        await first.poll(timeout=0.2)
    second = event_log.subscribe(group, [topic])  # one partition: one of the two members gets nothing
    for _ in range(150):
        if second.joined:
            break
        await asyncio.gather(first.poll(timeout=0.2), second.poll(timeout=0.2))
    await asyncio.gather(first.close(), second.close())
    assert first.joined and second.joined


async def test_read_all_and_end_offsets(event_log):
    topic = await _topic(event_log, partitions=2)
    for i in range(7):
        await event_log.append(topic, f"k{i}", str(i).encode())
    ends = await event_log.end_offsets(topic)
    assert sum(ends.values()) == 7 and set(ends) == {0, 1}
    values = sorted([int(r.value) async for r in event_log.read_all(topic)])
    assert values == list(range(7))


async def test_ensure_topics_is_idempotent(event_log):
    topic = await _topic(event_log)
    await event_log.ensure_topics([TopicSpec(topic, 3)])
    await event_log.append(topic, "k", b"v")
    assert sum((await event_log.end_offsets(topic)).values()) == 1


async def test_ping(event_log):
    await event_log.ping()


async def test_embedded_log_survives_restart(tmp_path):
    from shared.eventlog.embedded import EmbeddedEventLog

    log = EmbeddedEventLog(tmp_path / "e.sqlite")
    await log.start()
    await log.ensure_topics([TopicSpec("t", 2)])
    await log.append("t", "k", b"kept")
    await log.close()
    log = EmbeddedEventLog(tmp_path / "e.sqlite")
    await log.start()
    assert [r.value async for r in log.read_all("t")] == [b"kept"]
    await log.close()


async def test_append_many_keeps_order_per_key_and_returns_positions(event_log):
    topic = await _topic(event_log)
    items = [(f"k{i % 3}", str(i).encode(), {"n": str(i)}) for i in range(30)]
    positions = await event_log.append_many(topic, items)
    assert len(positions) == 30 and len(set(positions)) == 30
    records = [r async for r in event_log.read_all(topic)]
    assert sorted(int(r.value) for r in records) == list(range(30))
    for key in ("k0", "k1", "k2"):
        in_partition = [int(r.value) for r in sorted(records, key=lambda r: r.offset) if r.key == key]
        assert in_partition == sorted(in_partition)
