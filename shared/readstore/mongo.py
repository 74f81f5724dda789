"""The MongoDB read store through PyMongo's async API; runs on MongoDB and on FerretDB v1."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import ConnectionFailure, DuplicateKeyError, ExecutionTimeout, PyMongoError

from shared.ports import REVISION, ReadStore, Unavailable

SERVER_SELECTION_MS = 5000  # how long an operation waits for an unreachable server before Unavailable
SOCKET_TIMEOUT_MS = 30_000  # and for the answer of a server that took the request (a hung one: Unavailable)


def _unavailable_when_down(method):
    """MongoDB's errors of reaching the server (none answering within the selection timeout, a
    dropped connection, a timeout) become `Unavailable`: HTTP 503 with Retry-After, and a consumer
    waits and resumes from its last commit. Other errors (a duplicate key, a bad query) stay."""

    @functools.wraps(method)
    async def call(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except (ConnectionFailure, ExecutionTimeout) as exc:  # AutoReconnect, NetworkTimeout, ServerSelection...
            raise Unavailable(f"MongoDB at {self._url} unreachable: {str(exc)[:300]}") from exc

    return call


class MongoReadStore(ReadStore):
    def __init__(self, url: str, database: str) -> None:
        self._url = url
        self._database = database
        self._client: AsyncMongoClient | None = None
        self._ferretdb: bool | None = None  # asked of the server on the first conditional write

    async def start(self) -> None:
        self._client = AsyncMongoClient(self._url, serverSelectionTimeoutMS=SERVER_SELECTION_MS,
                                        socketTimeoutMS=SOCKET_TIMEOUT_MS, tz_aware=True)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _coll(self, collection: str):
        if self._client is None:
            raise RuntimeError("read store not started")
        return self._client[self._database][collection]

    @_unavailable_when_down
    async def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        return await self._coll(collection).find_one({"_id": doc_id})

    @_unavailable_when_down
    async def put(self, collection: str, doc_id: str, doc: dict[str, Any]) -> None:
        await self._coll(collection).replace_one({"_id": doc_id}, {**doc, "_id": doc_id}, upsert=True)

    @_unavailable_when_down
    async def insert_if_absent(self, collection: str, doc_id: str, doc: dict[str, Any]) -> bool:
        try:
            await self._coll(collection).insert_one({**doc, "_id": doc_id})
        except DuplicateKeyError:
            return False
        return True

    @_unavailable_when_down
    async def put_if_revision(self, collection: str, doc_id: str, doc: dict[str, Any], expected_revision: int) -> bool:
        """Atomic on MongoDB. Not on FerretDB v1, which matches a filter and then replaces by _id in a
        second step, so that two writers that read the same revision may both succeed: there the revision
        is read by _id and the document replaced by _id, as FerretDB would, without its filter on an
        unindexed field (1.9x the time of a plain replace, which already scans the whole collection).

        Revision 0 is mostly a new document: inserted (an upsert whose filter allows a missing field took
        FerretDB 8x as long as a plain write); only if one exists is it replaced, when it has no revision."""
        if expected_revision == 0 and await self.insert_if_absent(collection, doc_id, doc):
            return True
        coll = self._coll(collection)
        if await self._on_ferretdb():
            stored = await coll.find_one({"_id": doc_id}, {REVISION: 1})
            if stored is None or stored.get(REVISION, 0) != expected_revision:
                return False
            await coll.replace_one({"_id": doc_id}, {**doc, "_id": doc_id})
            return True
        revision = {"$in": [0, None]} if expected_revision == 0 else expected_revision  # None: no such field
        result = await coll.replace_one({"_id": doc_id, REVISION: revision}, {**doc, "_id": doc_id})
        return result.matched_count == 1

    async def _on_ferretdb(self) -> bool:
        if self._ferretdb is None:
            self._ferretdb = "ferretdbVersion" in await self._client.admin.command("buildInfo")
        return self._ferretdb

    @_unavailable_when_down
    async def find(
        self,
        collection: str,
        where: dict[str, Any] | None = None,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        cursor = self._coll(collection).find(where or {}, sort=[*sort, ("_id", 1)] if sort else [("_id", 1)])
        if limit:
            cursor = cursor.limit(limit)
        return await cursor.to_list()

    @_unavailable_when_down
    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None:
        await self._coll(collection).create_index([(f, 1) for f in fields])

    @_unavailable_when_down
    async def drop(self, collection: str) -> None:
        await self._coll(collection).drop()

    async def ping(self) -> None:
        try:
            await self._client["admin"].command("ping")  # type: ignore[index]
        except PyMongoError as exc:
            raise Unavailable(f"MongoDB at {self._url} unreachable: {exc}") from exc
