"""Ranking's stream processor on the Kafka backend as a faust worker, run as its own process
when PARITRANA_STREAM_ENGINE=faust (otherwise the ranking service follows the topics with the
same consumer loop as every other service).

Known defect, why it is not the default: with faust-streaming 0.15.3 on Kafka 4.1 a record was
lost after a restart in about one run in ten here: faust's fetch loop races the record's callback
against the flow being suspended for a rebalance (`wait_first(callback(message),
suspend_flow.wait())` in faust/transport/consumer.py) and moves its read offset on either way,
so the record is never handled and its offset never committed until the next restart.

The plenary's shortlists and the panel directory are written to the read store only (the
plenary's decisions read them there); the standings are a faust table keyed by candidate id, co-partitioned with the event topics
(every service keys its events by candidate id) and recovered from its changelog topic after
a restart. Each change is also written to the read store, which the ranking API queries.
The read-store write comes before the table update, so a crash between the two repeats an
idempotent write; at-least-once delivery, never faust's experimental exactly-once.

    python -m services.ranking.stream      # settings from PARITRANA_* as for every service
"""

from __future__ import annotations

import asyncio

import faust

from services.ranking.progress import CandidateProgress
from services.ranking.national import Nominations
from services.ranking.projections import Standings
from services.ranking.scenarios import ScenarioBook
from services.ranking.trail import AuditTrail
from shared import topics
from shared.backends import build_read_store
from shared.consumer import TRANSIENT, DeadLetters, handle_or_park
from shared.board_status import BoardStatus
from shared.directory import CycleDirectory
from shared.panel import PanelDirectory
from shared.shortlists import Shortlists
from shared.eventlog.kafka import KafkaEventLog, initialise_group_offsets
from shared.logging import configure_logging, get_logger
from shared.ports import Record
from shared.projection import apply_once, event_handler, project
from shared.settings import Settings

FOLLOWS = ("registration", "evidence", "scoring", "interview", "ranking")
log = get_logger(__name__)


def build(settings: Settings) -> faust.App:
    ns = settings.namespace
    app = faust.App(
        group_id(settings),
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
    table = app.Table("standings", default=None, partitions=settings.partitions)
    standings = Standings()
    store = build_read_store(settings, "ranking")
    event_log = KafkaEventLog(settings.kafka_bootstrap, f"{ns}-ranking-stream")
    dead_letters = DeadLetters("ranking", event_log, topics.dead_letters(ns, "ranking"))
    directories = [project(p, store) for p in (CycleDirectory(), PanelDirectory(), Shortlists(), BoardStatus(),
                                                Nominations(), AuditTrail(), ScenarioBook(), CandidateProgress())]

    async def record_standing(envelope, event) -> None:
        doc_id = standings.doc_id(envelope, event)
        if doc_id is None:
            return
        updated = apply_once(standings, table.get(doc_id) or {}, envelope, event)
        if updated is not None:
            await store.put(standings.collection, doc_id, updated)
            table[doc_id] = updated

    handle = event_handler([*directories, record_standing], dead_letters)

    @app.agent(source)
    async def rank(stream):
        await store.start()
        await event_log.start()
        async for message in stream.events():
            record = Record(
                message.message.topic,
                message.message.partition,
                message.message.offset,
                (message.key or b"").decode(),
                message.value,
            )
            await _until_done(handle_or_park, "ranking", handle, record, dead_letters)

    return app


async def _until_done(step, *args) -> None:
    """Keep the partition where it is while the store or log is down (nothing is skipped)."""
    delay = 0.2
    while True:
        try:
            return await step(*args)
        except TRANSIENT as exc:
            log.warning("ranking stream waiting for its backends", error=str(exc)[:200])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5)


async def _prepare(settings: Settings) -> None:
    """Create the event topics our way (retention forever) before faust could declare them its way,
    and give every source partition a committed offset (0) the first time the group runs: faust
    otherwise starts a partition that was never committed at its end after a restart, skipping
    whatever was appended meanwhile (seen here after a SIGKILL within the first commit interval)."""
    event_log = KafkaEventLog(settings.kafka_bootstrap, f"{settings.namespace}-ranking-stream")
    await event_log.ensure_topics(topics.all_topics(settings.namespace, settings.partitions))
    sources = [topics.events(settings.namespace, s) for s in FOLLOWS]
    await initialise_group_offsets(settings.kafka_bootstrap, group_id(settings), sources, settings.partitions)


def group_id(settings: Settings) -> str:
    return f"{settings.namespace}.ranking.stream"


def main() -> None:
    settings = Settings()
    configure_logging("ranking-stream", settings.log_level)
    asyncio.run(_prepare(settings))
    asyncio.set_event_loop(asyncio.new_event_loop())  # asyncio.run left none for faust to find
    app = build(settings)
    worker = faust.Worker(app, loglevel=settings.log_level)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
