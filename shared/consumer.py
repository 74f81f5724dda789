"""Consumer loops: handle each record, dead-letter poison, commit only after the effect is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from pymongo.errors import PyMongoError

from shared.cancellation import cancelled_by_owner
from shared.logging import clear_context, get_logger
from shared.metrics import CONSUMED, DEAD_LETTERS, HANDLER_SECONDS, LagTracker, produced
from shared.ports import ConcurrentUpdate, EventLog, Record, Unavailable

log = get_logger(__name__)
Handler = Callable[[Record], Awaitable[None]]
BatchHandler = Callable[[Sequence[Record]], Awaitable[None]]
TRANSIENT = (Unavailable, PyMongoError, OSError, asyncio.TimeoutError)
MAX_ATTEMPTS = 5
CONCURRENT_UPDATE_ATTEMPTS = 5  # handlings of a batch that keeps losing documents, before resubscribing


class DeadLetters:
    def __init__(self, service: str, log_: EventLog, topic: str) -> None:
        self._service, self._log, self.topic = service, log_, topic

    async def send(self, record: Record, reason: str) -> None:
        headers = {
            "reason": reason,
            "source_topic": record.topic,
            "source_partition": str(record.partition),
            "source_offset": str(record.offset),
        }
        await self._log.append(self.topic, record.key or "none", record.value, headers)
        DEAD_LETTERS.labels(self._service, record.topic).inc()
        produced(self._service, self.topic, ["dead-letter"])
        log.warning("dead letter", **headers)


class ConsumerLoop:
    """Runs until stopped: poll, handle in order, commit. A failing record is retried in place."""

    def __init__(
        self,
        service: str,
        log_: EventLog,
        group: str,
        topics: Sequence[str],
        handler: Handler | None,
        dead_letters: DeadLetters,
        batch_handler: BatchHandler | None = None,
        max_records: int = 500,
    ) -> None:
        self._service = service
        self._max_records = max_records
        self._log = log_
        self._group = group
        self._topics = list(topics)
        self._handler = handler
        self._batch_handler = batch_handler or self._one_by_one
        self._dead_letters = dead_letters
        self._stopping = asyncio.Event()
        self.lag = LagTracker(service, group)
        self.group = group
        self.joined = False  # once joined, stays so: a later rebalance is not a start-up

    async def run(self) -> None:
        while not self._stopping.is_set():
            subscription = self._log.subscribe(self._group, self._topics)
            try:
                await self._consume(subscription)
            except TRANSIENT as exc:
                # resubscribing resumes from the last commit, so nothing after the failure is skipped
                log.warning("consumer waiting for its backends", error=str(exc)[:200])
                await asyncio.sleep(1)
            except Exception:  # not a record's fault (those are parked): never end the loop silently
                log.exception("consumer failed; subscribing again from the last commit")
                await asyncio.sleep(1)
            finally:
                await _close(subscription)
        self.lag.clear()

    async def _consume(self, subscription) -> None:
        while not self._stopping.is_set():
            records = await subscription.poll(max_records=self._max_records, timeout=0.2)
            self.joined = self.joined or subscription.joined
            if records:
                await self._settled(records)
                await subscription.commit(records)
                self.lag.handled(records)
            if self.lag.due():
                await self.lag.refresh(self._log, self._topics)

    async def _settled(self, records: Sequence[Record]) -> None:
        """Handle the batch; one that lost a document to another instance (a read model fed from
        several partitions) is handled again at once: what it stored is skipped as seen, and the
        documents it lost are read afresh. Only if that keeps failing does the loop resubscribe."""
        for attempt in range(1, CONCURRENT_UPDATE_ATTEMPTS + 1):
            try:
                return await self._batch_handler(records)
            except ConcurrentUpdate as exc:
                if attempt == CONCURRENT_UPDATE_ATTEMPTS:
                    raise
                log.info("batch handled again after a concurrent update", attempt=attempt, error=str(exc)[:200])
                await asyncio.sleep(0.01 * attempt)

    async def _one_by_one(self, records: Sequence[Record]) -> None:
        for record in records:
            await handle_or_park(self._service, self._handler, record, self._dead_letters)

    def stop(self) -> None:
        self._stopping.set()


async def _close(subscription) -> None:
    """Close a subscription, whatever its client raises: a cancellation that is not this task's own
    (aiokafka 0.14's consumer was seen to raise one from stop() while its broker was down) must not
    end the loop, which subscribes again and resumes from its last commit."""
    try:
        await subscription.close()
    except asyncio.CancelledError:
        if cancelled_by_owner():
            raise
        log.warning("consumer close cancelled inside its client")
    except Exception as exc:
        log.warning("consumer not closed cleanly", error=str(exc)[:200])


async def handle_or_park(service: str, handler: Handler, record: Record, dead_letters: DeadLetters) -> None:
    """Handle a record; a handler that keeps failing for other than transient reasons parks it
    in the dead letters (with the error) so the partition moves on. Transient errors propagate."""
    clear_context()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with HANDLER_SECONDS.labels(service, record.topic).time():
                await handler(record)
            CONSUMED.labels(service, record.topic).inc()
            return
        except TRANSIENT:
            raise
        except Exception as exc:  # a bug or bad data: retry a little, then park it
            log.exception("handler failed", topic=record.topic, offset=record.offset, attempt=attempt)
            if attempt == MAX_ATTEMPTS:
                await dead_letters.send(record, f"handler failed: {exc!r}"[:500])
            else:
                await asyncio.sleep(0.05 * attempt)
