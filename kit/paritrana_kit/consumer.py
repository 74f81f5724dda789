"""A typed consumer of one service's events topic: decode, verify, hand over, then commit.

    async with EventConsumer.kafka("127.0.0.1:29092", "paritrana", "ranking", group="jabar-notifier",
                                   types=[ranking.ProvincialResultsPublished]) as consumer:
        async for envelope, event in consumer:
            ...  # the record is committed once this body has run; if it raises, it is not

Delivery is at least once: a record whose handling did not finish (an error, a crash, a `break`
out of the loop) comes again to the group's next consumer (this one then refuses to go on), so
handlers should be idempotent (write what the event says under its `event_id`, for instance). Each record's hash is checked, and with
`check_links` (the default) its link to the previous event of its stream (`ChainFollower`); a
record that fails raises `InvalidEvent` or `BrokenChain` without being committed, unless an
`on_invalid` callback takes it (then it is committed and skipped). Events of types outside
`types` are verified and committed without being parsed or handed over, so a reader keeps going
when the services add event types it does not know.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.contracts.base import DomainEvent
from shared.envelope import Envelope
from shared.ports import Record, Subscription

from paritrana_kit.events import events_topic
from paritrana_kit.kafka import KafkaCredentials, KafkaGroupSubscription
from paritrana_kit.verify import ChainFollower, InvalidEvent, typed_event, verify_event

Handler = Callable[["Delivery"], Awaitable[None]]
OnInvalid = Callable[[Record, InvalidEvent], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One verified event; unpacks as `envelope, event`."""

    envelope: Envelope
    event: DomainEvent
    record: Record  # where it was read: topic, partition, offset, key
    linked: bool  # its link to its stream's previous event was checked (False: anchored, or not checked)

    def __iter__(self) -> Iterator[Any]:
        yield self.envelope
        yield self.event


class EventConsumer:
    """Reads records through a consumer-group `Subscription` (Kafka, or the embedded demo log)."""

    def __init__(self, subscription: Subscription, *, types: Iterable[type[DomainEvent]] | None = None,
                 check_links: bool = True, on_invalid: OnInvalid | None = None, max_records: int = 100,
                 poll_seconds: float = 0.5) -> None:
        self._subscription = subscription
        self._types = None if types is None else {t.TYPE for t in types}
        self._follower = ChainFollower() if check_links else None
        self._on_invalid = on_invalid
        self._max_records, self._poll_seconds = max_records, poll_seconds
        self._stopping = asyncio.Event()
        self._spent = False
        self._pending: Record | None = None  # read, not yet committed

    @classmethod
    def kafka(cls, bootstrap: str, namespace: str, service: str, group: str, *,
              credentials: KafkaCredentials | None = None, **options: Any) -> EventConsumer:
        """Read `<namespace>.<service>.events` from Kafka as a member of `group` (a new group starts
        from the topic's first record). With `credentials` (a regional service's own Kafka user),
        over SASL/SCRAM: `bootstrap` is then the broker's SASL listener, and the group's name must
        start with `<namespace>.<province>.`, as the user's ACLs allow."""
        topics = [events_topic(namespace, service)]
        if credentials is not None:
            return cls(KafkaGroupSubscription(bootstrap, group, topics, credentials), **options)
        from shared.eventlog.kafka import KafkaSubscription

        return cls(KafkaSubscription(bootstrap, group, topics), **options)

    @classmethod
    def embedded(cls, path: Path, namespace: str, service: str, group: str, **options: Any) -> EventConsumer:
        """Read the same topic from the embedded backend's log file (`make run` without Kafka keeps it
        at `<data dir>/<namespace>-events.sqlite`): for trying a plug-in locally."""
        if not Path(path).is_file():
            raise FileNotFoundError(f"no event log at {path}")
        return cls(_EmbeddedSubscription(Path(path), group, [events_topic(namespace, service)]), **options)

    async def __aenter__(self) -> EventConsumer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._subscription.close()

    def stop(self) -> None:
        """Finish after the delivery being handled (it is committed first)."""
        self._stopping.set()

    def __aiter__(self) -> AsyncIterator[Delivery]:
        return self.deliveries()

    async def deliveries(self, idle_timeout: float | None = None) -> AsyncIterator[Delivery]:
        """Verified deliveries until `stop()`, or until nothing came for `idle_timeout` seconds.

        Once a delivery was left unfinished (an exception, a `break`) or a record failed
        verification, this consumer is spent: its subscription has read past a record it did not
        commit, so only a new consumer (resuming from the last commit) may go on."""
        if self._spent or self._pending is not None:
            raise RuntimeError("this consumer stopped with a record uncommitted: open a new one to resume")
        last_seen = time.monotonic()
        try:
            while not self._stopping.is_set():
                records = await self._subscription.poll(self._max_records, self._poll_seconds)
                if not records:
                    if idle_timeout is not None and time.monotonic() - last_seen >= idle_timeout:
                        return
                    continue
                for record in records:
                    self._pending = record
                    delivery = await self._open(record)
                    if delivery is not None:
                        yield delivery  # the caller handles it here; we resume only if that returned
                    await self._subscription.commit([record])
                    self._pending = None
                    if self._stopping.is_set():
                        return
                last_seen = time.monotonic()
        except BaseException:
            self._spent = True
            raise

    async def run(self, handler: Handler, *, idle_timeout: float | None = None) -> int:
        """Hand every delivery to `handler`, committing each record after it returns; returns how
        many were handled. An exception from the handler ends the run, its record uncommitted."""
        handled = 0
        async with aclosing(self.deliveries(idle_timeout)) as deliveries:
            async for delivery in deliveries:
                await handler(delivery)
                handled += 1
        return handled

    async def _open(self, record: Record) -> Delivery | None:
        where = f"{record.topic}/{record.partition}/{record.offset}"
        try:
            envelope = verify_event(record.value, where)
            link = self._follower.follow(envelope, where) if self._follower else "anchored"
            if link == "duplicate" or (self._types is not None and envelope.type not in self._types):
                return None
            return Delivery(envelope, typed_event(envelope, where), record, link == "linked")
        except InvalidEvent as invalid:
            if self._on_invalid is None:
                raise
            await self._on_invalid(record, invalid)
            return None


class _EmbeddedSubscription(Subscription):
    """A subscription on an embedded log file that opens the file on first use and closes it after."""

    def __init__(self, path: Path, group: str, topics: list[str]) -> None:
        from shared.eventlog.embedded import EmbeddedEventLog

        self._log, self._group, self._topics = EmbeddedEventLog(path), group, topics
        self._inner: Subscription | None = None

    async def poll(self, max_records: int = 500, timeout: float = 0.2) -> list[Record]:
        if self._inner is None:
            await self._log.start()
            self._inner = self._log.subscribe(self._group, self._topics)
        return await self._inner.poll(max_records, timeout)

    async def commit(self, records: Sequence[Record]) -> None:
        if self._inner is not None:
            await self._inner.commit(records)

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
            await self._log.close()
            self._inner = None


__all__ = ["Delivery", "EventConsumer", "Handler", "OnInvalid"]
