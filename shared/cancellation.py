"""Telling a cancellation of our own task from one that a client library raises from its inner tasks."""

from __future__ import annotations

import asyncio


def cancelled_by_owner() -> bool:
    """Whether the running task itself is being cancelled (the service stopping): that CancelledError
    goes on. aiokafka 0.14 was seen to raise the CancelledError of one of its own inner tasks from
    `stop()`; catching that one is safe, and letting it through would end a loop that should go on."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
