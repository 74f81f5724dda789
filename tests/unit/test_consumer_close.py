"""A consumer loop outlives a subscription whose client raises on close, even a cancellation of its own."""

from __future__ import annotations

import asyncio

import pytest

from shared.consumer import ConsumerLoop, DeadLetters
from shared.eventlog.embedded import EmbeddedEventLog
from shared.ports import TopicSpec, Unavailable
from tests.conftest import eventually


class BrokenClose:
    """Fails its poll as with the broker down, then its close as aiokafka 0.14's consumer did."""

    def __init__(self, error: BaseException) -> None:
        self.error, self.joined = error, False

    async def poll(self, max_records: int = 500, timeout: float = 0.2):
        raise Unavailable("broker down")

    async def close(self) -> None:
        raise self.error


@pytest.mark.parametrize("error", [asyncio.CancelledError(), RuntimeError("stop failed")])
async def test_the_loop_subscribes_again_after_a_close_that_raised(tmp_path, error):
    log = EmbeddedEventLog(tmp_path / "events.sqlite")
    await log.start()
    await log.ensure_topics([TopicSpec("t.events", 1), TopicSpec("t.dlq", 1)])
    real_subscribe, handled = log.subscribe, []
    first = [True]

    def subscribe(group, topics):
        if first.pop() if first else False:
            return BrokenClose(error)
        return real_subscribe(group, topics)

    log.subscribe = subscribe

    async def handler(record) -> None:
        handled.append(record.value)

    await log.append("t.events", "k", b"after the broken close")
    loop = ConsumerLoop("svc", log, "g", ["t.events"], handler, DeadLetters("svc", log, "t.dlq"))
    task = asyncio.create_task(loop.run())
    try:
        await eventually(lambda: _resolved(handled), timeout=10)
    finally:
        loop.stop()
        await asyncio.wait_for(task, 10)
        await log.close()
    assert handled == [b"after the broken close"]


async def _resolved(handled: list) -> bool:
    return bool(handled)
