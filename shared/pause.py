"""Pausing between polls, cut short by news from this process."""

from __future__ import annotations

import asyncio
import contextlib


async def pause(seconds: float, woken: asyncio.Event | None = None) -> None:
    """Sleep `seconds`, or less if `woken` is set meanwhile."""
    if woken is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await woken.wait()
