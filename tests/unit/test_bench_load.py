"""The benchmark's load generator against a local aiohttp server: a closed loop keeps every client
busy, a paced one sends on its schedule and charges a slow answer to the requests queued behind it."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.load import load

SLOW_S = 0.02


@pytest.fixture
async def server():
    async def answer(request: web.Request) -> web.Response:
        if request.path == "/refused":
            return web.json_response({"detail": "no"}, status=409)
        if request.path == "/slow":
            await asyncio.sleep(0.3)
        else:
            await asyncio.sleep(SLOW_S)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/{name}", answer)
    async with TestServer(app, host="127.0.0.1") as running:
        yield str(running.make_url("")).rstrip("/")


def _get(url: str):
    async def send(_index: int, session: aiohttp.ClientSession) -> int:
        async with session.get(url) as response:
            await response.read()
            return response.status

    return send


async def test_a_closed_loop_keeps_every_client_busy(server):
    figures = await load(_get(f"{server}/fast"), clients=4, seconds=0.5)
    # 4 clients, each answered in ~20 ms: about 4 / 0.02 = 200 requests a second, never more
    assert 40 <= figures["requests"] <= 4 * 0.6 / SLOW_S
    assert figures["p50_ms"] >= SLOW_S * 1000 and figures["errors"] == {}
    assert figures["every_s"] is None and figures["clients"] == 4


async def test_a_paced_load_sends_on_schedule(server):
    figures = await load(_get(f"{server}/fast"), clients=5, seconds=1.0, every=0.1)
    assert figures["requests"] == 50  # 5 clients, one send every 0.1 s each, for 1 s
    assert SLOW_S * 1000 <= figures["p50_ms"] < 100


async def test_a_late_answer_is_charged_to_the_requests_queued_behind_it(server):
    # one client due every 0.1 s, answered after 0.3 s: each next request is already late when sent;
    # the fifth, due at 0.4 s, is answered after five answers of 0.3 s, at 1.5 s: 1.1 s late
    figures = await load(_get(f"{server}/slow"), clients=1, seconds=0.5, every=0.1)
    assert figures["requests"] == 5
    assert figures["max_ms"] >= 1100 - 50


async def test_refusals_are_counted_apart_by_status(server):
    figures = await load(_get(f"{server}/refused"), clients=2, seconds=0.2, every=0.1)
    assert figures["requests"] == 0 and figures["errors"] == {"409": 4}
    assert "p99_ms" not in figures
