"""What a broker restart can leave behind in aiokafka 0.14's clients, forced on the shared broker in a
few seconds: the restart runs of `make chaos` (tests/chaos/test_outage.py) run into each only when a
send or a fetch happens to be at the right point (tests/RESULTS.md)."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import NodeNotReadyError

from shared.eventlog.kafka import REQUEST_TIMEOUT_MS, KafkaEventLog, KafkaSubscription
from shared.ports import TopicSpec, Unavailable
from tests.conftest import unique


@pytest.mark.infra
def test_after_a_batch_dropped_while_its_partition_had_no_leader_the_next_append_is_written(infra_settings):
    """aiokafka 0.14 drops a batch whose partition has had no leader (as while a single broker shuts
    down) for longer than the request timeout, after giving it a sequence number; the broker answers
    the partition's next batch OutOfOrderSequenceNumber, after which aiokafka's producer sends nothing
    more. The event log replaces such a producer: the dropped append is Unavailable, the next ones land."""

    async def run() -> list[bytes]:
        log, topic = KafkaEventLog(infra_settings.kafka_bootstrap, "outage-gap"), unique("outage-gap")
        await log.start()
        try:
            await log.ensure_topics([TopicSpec(topic, 1, 3_600_000)])
            await log.append(topic, "k", b"before")
            _leaderless(log._producer, topic, seconds=REQUEST_TIMEOUT_MS / 1000 + 2)
            with pytest.raises(Unavailable):
                await log.append(topic, "k", b"dropped")
            for _ in range(2):
                await log.append(topic, "k", b"after")
            return [record.value async for record in log.read_all(topic)]
        finally:
            await log.close()
            await _delete(infra_settings.kafka_bootstrap, topic)

    assert asyncio.run(run()) == [b"before", b"after", b"after"]


@pytest.mark.infra
def test_a_subscription_closed_while_the_broker_does_not_answer_is_unavailable_never_cancelled(infra_settings):
    """aiokafka 0.14's consumer, stopped while its requests fail (a broker down), raised a CancelledError
    of its own (its fetcher awaits the fetch task it cancelled in its retry back-off); that passed the
    consumer loop's `except Exception` and ended the loop for good. Closing must be Unavailable at worst."""

    async def run() -> list[str]:
        bootstrap, topic = infra_settings.kafka_bootstrap, unique("outage-stop")
        log = KafkaEventLog(bootstrap, "outage-stop")
        await log.start()
        outcomes = []
        try:
            await log.ensure_topics([TopicSpec(topic, 3, 3_600_000)])
            for _ in range(3):
                subscription = KafkaSubscription(bootstrap, unique("outage-stop"), [topic])
                await subscription.poll(timeout=0.2)
                _not_answering(subscription._consumer._client)
                await subscription.poll(timeout=0.3)
                try:
                    await subscription.close()
                    outcomes.append("closed")
                except Unavailable:
                    outcomes.append("unavailable")
        finally:
            await log.close()
            await _delete(bootstrap, topic)
        return outcomes

    assert set(asyncio.run(run())) <= {"closed", "unavailable"}  # a CancelledError would end the test here


@pytest.mark.infra
def test_end_offsets_come_from_one_kept_consumer_that_is_replaced_once_it_fails(infra_settings):
    """Lag and rebuild status ask for end offsets every second or so; one consumer answers them all,
    and one whose broker stopped answering is Unavailable once and replaced at the next question."""

    async def run() -> None:
        log, topic = KafkaEventLog(infra_settings.kafka_bootstrap, "end-offsets"), unique("end-offsets")
        await log.start()
        try:
            await log.ensure_topics([TopicSpec(topic, 2, 3_600_000)])
            await log.append_many(topic, [("a", b"1", None), ("a", b"2", None)])
            first = await log.end_offsets(topic)
            kept = log._offsets
            assert await log.end_offsets(topic) == first and log._offsets is kept
            assert sorted(first.values()) == [0, 2]
            _not_answering(kept._client)
            with pytest.raises(Unavailable):
                await log.end_offsets(topic)
            await log.append(topic, "a", b"3")
            assert sorted((await log.end_offsets(topic)).values()) == [0, 3] and log._offsets is not kept
        finally:
            await log.close()
            await _delete(infra_settings.kafka_bootstrap, topic)

    asyncio.run(run())


def _leaderless(producer, topic: str, seconds: float) -> None:
    """For `seconds`, the producer's metadata gives the topic's partitions no leader (-1)."""
    cluster, until = producer.client.cluster, time.monotonic() + seconds
    real = cluster.leader_for_partition
    cluster.leader_for_partition = lambda tp: -1 if tp.topic == topic and time.monotonic() < until else real(tp)


def _not_answering(client) -> None:
    """Every later request of this aiokafka client fails as with its broker down."""

    async def send(node_id, request, **kwargs):
        raise NodeNotReadyError(node_id)

    client.send = send


async def _delete(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic])
    finally:
        await admin.close()
