"""The load generator of `bench.cycle`: concurrent HTTP clients on one asyncio loop (aiohttp).

Two ways to load a service, both reported:

- closed loop (`every=None`): each client sends again as soon as it is answered. The service is
  saturated, so the figures show its throughput; latency is then the queue the clients themselves
  make (Little's law: clients / throughput).
- paced, open loop (`every` seconds): each client sends once every `every` seconds on a fixed
  schedule, the clients' first sends spread over the first interval. A latency counts from the
  scheduled time, not from the send, so an answer that comes late also charges the requests that
  queued behind it (no coordinated omission).

aiohttp, not httpx, drives the clients: httpx's async pool spent a core of its own at 70 requests/s
with 100 connections here, so the figures measured the generator rather than the services.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp

from bench.stats import percentile

Send = Callable[[int, aiohttp.ClientSession], Awaitable[int]]


async def load(send: Send, clients: int, seconds: float, every: float | None = None) -> dict:
    """`clients` clients call `send(client index, session) -> HTTP status` for `seconds`; latencies in ms.
    Statuses of 400 and above and client errors are counted apart, by status or error name."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=clients)
    cpu_before = time.process_time()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        began = time.perf_counter()
        deadline = began + seconds

        async def client(index: int) -> None:
            due = began + (every * index / clients if every else 0.0)
            while due < deadline:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                start = due if every else time.perf_counter()
                try:
                    status: int | str = await send(index, session)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    status = type(exc).__name__
                if isinstance(status, int) and status < 400:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                due = due + every if every else time.perf_counter()

        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - began
    figures = {"requests": len(latencies), "errors": errors, "seconds": elapsed, "clients": clients,
               "every_s": every, "client_cpu_s": time.process_time() - cpu_before}
    if latencies:
        figures.update(per_s=len(latencies) / elapsed, p50_ms=percentile(latencies, 50),
                       p99_ms=percentile(latencies, 99), max_ms=max(latencies))
    return figures


def windows(send: Send, clients: int, seconds: float, every: float | None, count: int) -> list[dict]:
    """`count` consecutive windows of `load`, each on a fresh loop and session."""
    return [asyncio.run(load(send, clients, seconds, every)) for _ in range(count)]
