"""One fixture per port, parametrised over both adapters: the same tests run on each."""

from __future__ import annotations

import pytest

from shared.eventlog.embedded import EmbeddedEventLog
from shared.eventlog.kafka import KafkaEventLog
from shared.readstore.embedded import EmbeddedReadStore
from shared.readstore.mongo import MongoReadStore
from tests.conftest import unique


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.infra)])
async def event_log(request, tmp_path):
    if request.param == "kafka":
        settings = request.getfixturevalue("infra_settings")
        log = KafkaEventLog(settings.kafka_bootstrap, "conformance")
    else:
        log = EmbeddedEventLog(tmp_path / "events.sqlite")
    await log.start()
    yield log
    await log.close()


@pytest.fixture(params=["embedded", pytest.param("mongo", marks=pytest.mark.infra)])
async def read_store(request, tmp_path):
    if request.param == "mongo":
        settings = request.getfixturevalue("infra_settings")
        store = MongoReadStore(settings.mongo_url, unique("conformance_"))
    else:
        store = EmbeddedReadStore(tmp_path / "store.sqlite")
    await store.start()
    yield store
    await store.close()
