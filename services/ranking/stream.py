"""Ranking's stream processor on the Kafka backend, run by faust as its own process.

The standings are a faust table keyed by candidate id, co-partitioned with the event topics
(every service keys its events by candidate id) and recovered from its changelog topic after
a restart. Each change is also written to the read store, which the ranking API queries.
The read-store write comes before the table update, so a crash between the two repeats an
idempotent write; at-least-once delivery, never faust's experimental exactly-once.

    python -m services.ranking.stream      # settings from PARITRANA_* as for every service
"""

from __future__ import annotations

import asyncio

import faust

from services.ranking.projections import Standings
from shared import topics
from shared.backends import build_read_store
from shared.codec import PoisonRecord, decode
from shared.consumer import DeadLetters
from shared.directory import CycleDirectory
from shared.eventlog.kafka import KafkaEventLog
from shared.logging import configure_logging, get_logger
from shared.ports import Record
from shared.projection import apply_once, project
from shared.settings import Settings

FOLLOWS = ("registration", "evidence", "scoring", "interview")
log = get_logger(__name__)


def build(settings: Settings) -> faust.App:
    ns = settings.namespace
    app = faust.App(
        f"{ns}.ranking.stream",
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=10,
        broker_heartbeat_interval=2,
        table_standby_replicas=0,
    )
    source = app.topic(
        *(topics.events(ns, s) for s in FOLLOWS), key_serializer="raw", value_serializer="raw", allow_empty=True
    )
    table = app.Table("standings", default=None, partitions=settings.partitions, value_serializer="json")
    standings = Standings()
    store = build_read_store(settings, "ranking")
    event_log = KafkaEventLog(settings.kafka_bootstrap, f"{ns}-ranking-stream")
    dead_letters = DeadLetters("ranking", event_log, topics.dead_letters(ns, "ranking"))
    cycles = project(CycleDirectory(), store)

    @app.on_startup.connect
    async def start_adapters(app_, **kwargs) -> None:
        await store.start()
        await event_log.start()

    async def record_standing(envelope, event) -> None:
        doc_id = standings.doc_id(envelope, event)
        if doc_id is None:
            return
        updated = apply_once(standings, table[doc_id] or {}, envelope, event)
        if updated is not None:
            await store.put(standings.collection, doc_id, updated)
            table[doc_id] = updated

    @app.agent(source)
    async def rank(stream):
        async for message in stream.events():
            record = Record(
                message.message.topic,
                message.message.partition,
                message.message.offset,
                (message.key or b"").decode(),
                message.value,
            )
            try:
                envelope, event = decode(record.value)
            except PoisonRecord as poison:
                await _retrying(dead_letters.send, record, str(poison))
                continue
            await _retrying(cycles, envelope, event)
            await _retrying(record_standing, envelope, event)

    return app


async def _retrying(step, *args) -> None:
    """Keep the partition where it is until the store answers again (nothing is skipped)."""
    delay = 0.2
    while True:
        try:
            return await step(*args)
        except Exception as exc:  # the store or log is down; the record must not be lost
            log.warning("ranking stream step failed, retrying", error=str(exc)[:200])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5)


def main() -> None:
    settings = Settings()
    configure_logging("ranking-stream", settings.log_level)
    app = build(settings)
    worker = faust.Worker(app, loglevel="WARNING")
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
