"""A MongoDB (or FerretDB) that accepts connections and answers the handshake, then never answers a
query, makes the store's calls Unavailable (HTTP 503) after its socket timeout, never a hang: the
shared FerretDB was seen to do that (a lock held by a stuck request; tests/RESULTS.md)."""

from __future__ import annotations

import asyncio
import struct

import bson
import pytest

from shared.ports import Unavailable
from shared.readstore import mongo
from shared.readstore.mongo import MongoReadStore

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
HELLO = {"ok": 1.0, "isWritablePrimary": True, "ismaster": True, "maxWireVersion": 17, "minWireVersion": 0,
         "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000, "maxWriteBatchSize": 100_000}


def _reply(request_id: int, opcode: int, document: dict) -> bytes:
    body = bson.encode(document)
    if opcode == OP_QUERY:  # the legacy handshake is answered with an OP_REPLY
        payload, code = struct.pack("<iqii", 0, 0, 0, 1) + body, OP_REPLY
    else:
        payload, code = struct.pack("<I", 0) + b"\x00" + body, OP_MSG
    return struct.pack("<iiii", 16 + len(payload), 0, request_id, code) + payload


def _command(opcode: int, payload: bytes) -> dict:
    if opcode == OP_QUERY:  # flags, full collection name (cstring), skip, limit, then the query
        start = payload.index(b"\x00", 4) + 1 + 8
        return bson.decode(payload[start:start + struct.unpack_from("<i", payload, start)[0]])
    return bson.decode(payload[5:5 + struct.unpack_from("<i", payload, 5)[0]])


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers hello and isMaster (the handshake and the monitor's heartbeats); nothing else, ever."""
    try:
        while True:
            length, request_id, _to, opcode = struct.unpack("<iiii", await reader.readexactly(16))
            command = _command(opcode, await reader.readexactly(length - 16))
            if {"hello", "ismaster", "isMaster"} & set(command):
                writer.write(_reply(request_id, opcode, HELLO))
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def test_a_store_that_never_answers_a_query_is_unavailable_within_the_socket_timeout(monkeypatch):
    monkeypatch.setattr(mongo, "SOCKET_TIMEOUT_MS", 1500)
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = MongoReadStore(f"mongodb://127.0.0.1:{port}/?directConnection=true", "hung")
    await store.start()
    try:
        with pytest.raises(Unavailable, match="unreachable"):
            await asyncio.wait_for(store.get("c", "x"), timeout=20)
    finally:
        await store.close()
        server.close()
