"""The Kafka event log: aiokafka idempotent producer (acks=all), consumer groups, explicit commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaConnectionError,
    KafkaError,
    LeaderNotAvailableError,
    NotLeaderForPartitionError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    TopicAlreadyExistsError,
    UnknownProducerId,
)
from aiokafka.structs import OffsetAndMetadata

from shared.cancellation import cancelled_by_owner
from shared.logging import get_logger
from shared.ports import EventLog, Record, Subscription, TopicSpec, Unavailable

log = get_logger(__name__)
REQUEST_TIMEOUT_MS = 10_000  # a send or metadata request waits this long for a broker, then Unavailable
# An append is answered within this, or is Unavailable: with the broker down, aiokafka keeps retrying a
# batch past its request timeout. A record sent meanwhile may still be written later; its readers
# and deciders are idempotent (event ids, sequences, the command's idempotency key).
APPEND_TIMEOUT = 15.0
CONSUMER_STEP_TIMEOUT = 30.0  # a consumer's start, poll, commit or stop past this is Unavailable: it subscribes anew


async def _bounded(awaitable, seconds: float, what: str):
    """Await at most `seconds`, then `Unavailable`. Unlike `asyncio.wait_for` this does not wait for the
    cancelled call to finish: after a broker restart some of aiokafka's waits were seen not to end, and
    a consumer loop or a request must not hang on one (the call is cancelled and left behind).

    A call that aiokafka itself cancelled is `Unavailable` too, not a `CancelledError`: after a broker
    restart `AIOKafkaConsumer.stop()` was seen to end so (its fetcher cancels a fetch task that waits
    out its retry back-off and awaits it unguarded), and a `CancelledError` passes every `except
    Exception` of the callers: the consumer loop of a service ended silently, and its commands were
    never decided again."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _pending = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:  # ours (the service is stopping): the call goes with it
        task.cancel()
        task.add_done_callback(_retrieved)
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_retrieved)  # retrieved, so not logged as lost
        raise Unavailable(f"{what}: no answer from Kafka within {seconds:.0f}s")
    if task.cancelled():
        raise Unavailable(f"{what}: cancelled inside aiokafka")
    return task.result()


def _retrieved(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


# Errors after which aiokafka's idempotent producer sends nothing more (its sender task ended on them),
# and the errors of a batch it dropped after giving it a sequence number (the next batch of its
# partition is then out of order for the broker, which is fatal).
_FATAL_PRODUCER_ERRORS = (OutOfOrderSequenceNumber, ProducerFenced, UnknownProducerId, InvalidProducerEpoch)
_SEQUENCE_GAP_ERRORS = (LeaderNotAvailableError, NotLeaderForPartitionError)


def _producer_broken(producer: AIOKafkaProducer, error: BaseException) -> bool:
    """Whether `producer` can send no more, or will fail on its next batch: it failed with a fatal
    error, dropped a batch with a sequence number, or its sender task ended."""
    if isinstance(error, _FATAL_PRODUCER_ERRORS + _SEQUENCE_GAP_ERRORS):
        return True
    sender = getattr(getattr(producer, "_sender", None), "sender_task", None)  # aiokafka 0.14's internals
    return sender is not None and sender.done()


def _headers(raw: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    return {k: v.decode() for k, v in raw or ()}


def _record(message) -> Record:
    return Record(
        message.topic,
        message.partition,
        message.offset,
        message.key.decode() if message.key else "",
        message.value,
        _headers(message.headers),
    )


class KafkaEventLog(EventLog):
    def __init__(self, bootstrap: str, client_id: str = "paritrana") -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._renewing = asyncio.Lock()
        self._offsets: AIOKafkaConsumer | None = None  # group-less, for end offsets; started when first asked
        self._offsets_starting = asyncio.Lock()

    async def start(self) -> None:
        self._producer = await self._new_producer()

    async def _new_producer(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        try:
            await producer.start()
        except KafkaError as exc:
            await producer.stop()
            raise Unavailable(f"Kafka at {self._bootstrap} unreachable: {exc}") from exc
        except asyncio.CancelledError:  # a start cut short (see _renew) leaves no sender behind
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        return producer

    async def close(self) -> None:
        if self._offsets is not None:
            await _stop_quietly(self._offsets)
            self._offsets = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def _send(self, what: str, seconds: float, send):
        """Run `send(producer)` within `seconds`; a failure is `Unavailable`, and a producer that can
        send no more is replaced first.

        aiokafka 0.14's idempotent producer gives a batch its sequence number when it leaves the
        accumulator, and fails a batch whose partition has had no leader for longer than the request
        timeout (a single broker that stops sets every leader to none) without giving the number back.
        The broker then answers the next batch of that partition OutOfOrderSequenceNumber, which
        aiokafka takes as fatal: its sender task ends and every later send fails with it, so after a
        broker restart the service could append nothing until it was restarted (aio-libs/aiokafka#1017).
        aiokafka cannot bump the producer's epoch (KIP-360) as the Java client does, so a new producer
        (a new producer id, its sequences from zero) takes the broken one's place, already when the
        dropped batch's own send fails (LeaderNotAvailableError, NotLeaderForPartitionError). Records
        the old one may still have written are duplicates that the readers drop by event id."""
        producer = self._producer
        if producer is None:
            raise RuntimeError("event log not started")
        try:
            return await _bounded(send(producer), seconds, what)
        except (KafkaError, TimeoutError, Unavailable) as exc:
            if _producer_broken(producer, exc):
                await self._renew(producer, exc)
            if isinstance(exc, Unavailable):
                raise
            raise Unavailable(f"{what} failed: {exc!r}") from exc

    async def _renew(self, broken: AIOKafkaProducer, reason: BaseException) -> None:
        async with self._renewing:
            if self._producer is not broken:
                return  # another append renewed it already
            try:
                self._producer = await _bounded(self._new_producer(), APPEND_TIMEOUT, "producer start")
            except Unavailable as exc:  # Kafka not back yet: the next append tries again
                log.warning("Kafka producer not renewed", reason=repr(reason)[:200], error=str(exc)[:200])
                return
            log.warning("Kafka producer renewed: the previous one could send no more", reason=repr(reason)[:200])
        with contextlib.suppress(Exception):
            await _bounded(broken.stop(), CONSUMER_STEP_TIMEOUT, "broken producer stop")

    async def _partitions(self, topic: str) -> list[TopicPartition]:
        """The topic's partitions (the producer waits for metadata of a just-created topic)."""
        if self._producer is None:
            raise RuntimeError("event log not started")
        try:
            return [TopicPartition(topic, p) for p in sorted(await self._producer.partitions_for(topic))]
        except KafkaError as exc:
            raise Unavailable(f"no metadata for {topic} from Kafka at {self._bootstrap}: {exc}") from exc

    def _admin(self) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=self._client_id)

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        admin = self._admin()
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [
                NewTopic(
                    name=s.name,
                    num_partitions=s.partitions,
                    replication_factor=1,
                    topic_configs={"retention.ms": str(s.retention_ms)},
                )
                for s in specs
                if s.name not in existing
            ]
            if missing:
                try:
                    await admin.create_topics(missing)
                except TopicAlreadyExistsError:
                    pass  # another service created it first
        except TopicAlreadyExistsError:
            raise
        except KafkaError as exc:
            raise Unavailable(f"Kafka at {self._bootstrap} unreachable: {exc}") from exc
        finally:
            await admin.close()

    async def append(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, int]:
        meta = await self._send(f"append to {topic}", APPEND_TIMEOUT, lambda producer: producer.send_and_wait(
            topic,
            value=value,
            key=key.encode(),
            headers=[(k, v.encode()) for k, v in (headers or {}).items()],
        ))
        return meta.partition, meta.offset

    async def append_many(
        self, topic: str, items: Sequence[tuple[str, bytes, dict[str, str] | None]]
    ) -> list[tuple[int, int]]:
        async def send_all(producer: AIOKafkaProducer):
            # sent in order, so the idempotent producer keeps per-key order; awaited together
            futures = [
                await producer.send(
                    topic, value=value, key=key.encode(), headers=[(k, v.encode()) for k, v in (headers or {}).items()]
                )
                for key, value, headers in items
            ]
            return [await f for f in futures]

        metas = await self._send(f"append to {topic}", APPEND_TIMEOUT + len(items) / 1000, send_all)
        return [(m.partition, m.offset) for m in metas]

    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return KafkaSubscription(self._bootstrap, group, list(topics))

    async def read_all(self, topic: str) -> AsyncIterator[Record]:
        partitions = await self._partitions(topic)
        ends = {tp.partition: offset for tp, offset in (await self._end_offsets(partitions)).items()}
        remaining = {tp for tp in partitions if ends[tp.partition] > 0}
        if not remaining:
            return
        # no group, so no committed offsets: "earliest" starts every partition at offset zero
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        await _started(consumer, self._bootstrap)
        try:
            consumer.assign(list(remaining))
            while remaining:
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                for tp, messages in batches.items():
                    for message in messages:
                        if message.offset < ends[tp.partition]:
                            yield _record(message)
                    if messages and messages[-1].offset + 1 >= ends[tp.partition]:
                        remaining.discard(tp)
        finally:
            await _stop_quietly(consumer)

    async def end_offsets(self, topic: str) -> dict[int, int]:
        ends = await self._end_offsets(await self._partitions(topic))
        return {tp.partition: offset for tp, offset in ends.items()}

    async def _end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """From one consumer kept for the log's lifetime: lag and rebuild status ask every second or
        so, and a consumer per question cost a connection and a metadata round trip each time."""
        consumer = await self._offsets_consumer()
        try:
            return await consumer.end_offsets(partitions)
        except KafkaError as exc:
            if self._offsets is consumer:  # the next question starts afresh (a broker may have restarted)
                self._offsets = None
                # quietly: a CancelledError of aiokafka's own would pass the lag tracker's `except
                # Exception` and end the consumer loop that measures its lag
                await _stop_quietly(consumer)
            raise Unavailable(f"end offsets from Kafka at {self._bootstrap}: {exc}") from exc

    async def _offsets_consumer(self) -> AIOKafkaConsumer:
        async with self._offsets_starting:
            if self._offsets is None:
                consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False,
                                            request_timeout_ms=REQUEST_TIMEOUT_MS)
                await _started(consumer, self._bootstrap)
                self._offsets = consumer
            return self._offsets

    async def ping(self) -> None:
        admin = self._admin()
        try:
            await admin.start()
            await admin.list_topics()
        except (KafkaError, KafkaConnectionError, OSError) as exc:
            raise Unavailable(f"Kafka at {self._bootstrap} unreachable: {exc}") from exc
        finally:
            await admin.close()


class KafkaSubscription(Subscription):
    def __init__(self, bootstrap: str, group: str, topics: list[str]) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=5000,
            fetch_max_wait_ms=50,
            # partition n of every followed topic to the same member: the topics are keyed alike (by the
            # candidate), so one instance applies all of a candidate's events when a service is scaled out
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        self._consumer.subscribe(topics, listener=_Joining(self))
        self._started = False
        self._to_stop = False  # a start was tried: stop the consumer even if the start failed or timed out
        self._bootstrap = bootstrap

    async def poll(self, max_records: int = 500, timeout: float = 0.2) -> list[Record]:
        """Kafka's errors become `Unavailable`, so the consumer loop waits and subscribes again
        (resuming from its last commit) instead of ending."""
        if not self._started:
            self._to_stop = True
            try:
                await _bounded(_started(self._consumer, self._bootstrap), CONSUMER_STEP_TIMEOUT, "consumer start")
            except Unavailable:
                # A start cut short (no assignment within the time) leaves the consumer's group
                # coordinator running: a member that holds partitions but is never polled, so their
                # records would wait for its max.poll.interval (5 minutes). Stop it now.
                with contextlib.suppress(Unavailable):
                    await self.close()
                raise
            self._started = True
        try:
            batches = await _bounded(self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records),
                                     timeout + CONSUMER_STEP_TIMEOUT, "poll")
        except KafkaError as exc:
            raise Unavailable(f"poll from Kafka at {self._bootstrap}: {exc}") from exc
        return [_record(m) for messages in batches.values() for m in messages]

    async def commit(self, records: Sequence[Record]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        if offsets:
            try:
                await _bounded(self._consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()}),
                               CONSUMER_STEP_TIMEOUT, "commit")
            except KafkaError as exc:  # e.g. the partitions went to another member: they are redelivered there
                raise Unavailable(f"commit to Kafka at {self._bootstrap}: {exc}") from exc

    async def close(self) -> None:
        if self._to_stop:
            self._started = self._to_stop = False
            await _stop_consumer(self._consumer, self._bootstrap)


class _Joining(ConsumerRebalanceListener):
    """Marks the subscription joined at each assignment, even an empty one (more members than partitions)."""

    def __init__(self, subscription: KafkaSubscription) -> None:
        self._subscription = subscription

    async def on_partitions_revoked(self, revoked) -> None:
        return None

    async def on_partitions_assigned(self, assigned) -> None:
        self._subscription.joined = True


async def initialise_group_offsets(bootstrap: str, group: str, topic_names: Sequence[str], partitions: int) -> None:
    """Commit offset 0 for every partition the group has never committed, while the group is empty."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    missing = [
        TopicPartition(t, p) for t in topic_names for p in range(partitions) if TopicPartition(t, p) not in committed
    ]
    if not missing:
        return
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(missing)
        await consumer.commit({tp: OffsetAndMetadata(0, "") for tp in missing})
    finally:
        await consumer.stop()


async def _started(consumer: AIOKafkaConsumer, bootstrap: str) -> None:
    """Start a consumer; a broker that does not answer is `Unavailable` (and the consumer is stopped)."""
    try:
        await consumer.start()
    except KafkaError as exc:
        await _stop_quietly(consumer)
        raise Unavailable(f"Kafka at {bootstrap} unreachable: {exc}") from exc


async def _stop_quietly(consumer: AIOKafkaConsumer) -> None:
    """Stop a group-less consumer (of read_all and of end offsets). aiokafka 0.14 may raise the
    CancelledError of its own offset-reset task from stop() soon after assign(); only a cancellation
    of ours goes on."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        if cancelled_by_owner():
            raise
        log.warning("group-less consumer stopped with aiokafka's own cancellation")


async def _stop_consumer(consumer: AIOKafkaConsumer, bootstrap: str) -> None:
    """Stop a group consumer within `CONSUMER_STEP_TIMEOUT`; a stop that fails or does not end is
    `Unavailable` after its connections are closed, so that it leaves no task behind that keeps
    asking the broker for metadata."""
    try:
        await _bounded(consumer.stop(), CONSUMER_STEP_TIMEOUT, "consumer stop")
    except (Unavailable, KafkaError) as exc:
        client = getattr(consumer, "_client", None)  # aiokafka 0.14: stop() closes it last
        if client is not None:
            with contextlib.suppress(Exception):
                await _bounded(client.close(), 5, "consumer connections close")
        raise Unavailable(f"consumer of Kafka at {bootstrap} not stopped cleanly: {exc}") from exc
