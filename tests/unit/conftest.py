"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from shared.eventlog.embedded import EmbeddedEventLog
from shared.ports import TopicSpec
from shared.readstore.embedded import EmbeddedReadStore


@pytest.fixture
async def event_log(tmp_path):
    """The log of the counter's processor (tests/unit/counter.py): its command, event and dead-letter topics."""
    log = EmbeddedEventLog(tmp_path / "events.sqlite")
    await log.start()
    await log.ensure_topics([TopicSpec("t.commands", 1), TopicSpec("t.events", 1), TopicSpec("t.dlq", 1)])
    yield log
    await log.close()


@pytest.fixture
async def stores(tmp_path):
    """Two instances' stores: two connections to one SQLite file, as two processes would have."""
    opened = [EmbeddedReadStore(tmp_path / "store.sqlite") for _ in range(2)]
    for store in opened:
        await store.start()
    yield opened
    for store in opened:
        await store.close()
