"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from shared.readstore.embedded import EmbeddedReadStore
from tests.unit.counter import counter_log


@pytest.fixture
async def event_log(tmp_path):
    """The log of the counter's processor (tests/unit/counter.py): its command, event and dead-letter topics."""
    async with counter_log(tmp_path / "events.sqlite") as log:
        yield log


@pytest.fixture
async def stores(tmp_path):
    """Two instances' stores: two connections to one SQLite file, as two processes would have."""
    opened = [EmbeddedReadStore(tmp_path / "store.sqlite") for _ in range(2)]
    for store in opened:
        await store.start()
    yield opened
    for store in opened:
        await store.close()
