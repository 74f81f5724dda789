"""Pick the adapters for the configured backend."""

from __future__ import annotations

from shared.ports import EventLog, ReadStore
from shared.settings import Settings


def build_event_log(settings: Settings, client_id: str) -> EventLog:
    if settings.backend == "kafka":
        from shared.eventlog.kafka import KafkaEventLog

        return KafkaEventLog(settings.kafka_bootstrap, client_id)
    from shared.eventlog.embedded import EmbeddedEventLog

    return EmbeddedEventLog(settings.data_dir / f"{settings.namespace}-events.sqlite")


def build_read_store(settings: Settings, service: str) -> ReadStore:
    if settings.backend == "kafka":
        from shared.readstore.mongo import MongoReadStore

        return MongoReadStore(settings.mongo_url, f"{settings.namespace}_{service}")
    from shared.readstore.embedded import EmbeddedReadStore

    return EmbeddedReadStore(settings.data_dir / f"{settings.namespace}-{service}.sqlite")
