"""The embedded read store: JSON documents in one SQLite file, queried by equality and sorted."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.ports import REVISION, ReadStore
from shared.sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    coll TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (coll, id)
) WITHOUT ROWID;
"""

FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
COLLECTION = re.compile(r"^[A-Za-z0-9_.-]+$")


def _path(field: str) -> str:
    if not FIELD.match(field):
        raise ValueError(f"unsupported field name {field!r}")
    return f"$.{field}"


def _extract(field: str) -> str:
    """The SQL of one field's value. Written out, not bound: SQLite uses an index on an expression
    only for a query with the very same expression."""
    return f"json_extract(doc, '{_path(field)}')"


def _in(collection: str) -> str:
    """The SQL that keeps one collection's rows, written out so that the collection's partial indexes apply."""
    if not COLLECTION.match(collection):
        raise ValueError(f"unsupported collection name {collection!r}")
    return f"coll = '{collection}'"


def _sort_key(fields: Sequence[tuple[str, int]]):
    def key(doc: dict[str, Any]):
        return tuple(_Ordered(doc.get(name), direction) for name, direction in fields)

    return key


class _Ordered:
    """Sorts like MongoDB for the types read models use: missing/None first, then values."""

    __slots__ = ("value", "direction")

    def __init__(self, value: Any, direction: int) -> None:
        self.value, self.direction = value, direction

    def __lt__(self, other: _Ordered) -> bool:
        a, b = (self.value, other.value) if self.direction > 0 else (other.value, self.value)
        if a is None or b is None:
            return a is None and b is not None
        return a < b

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ordered) and self.value == other.value


class EmbeddedReadStore(ReadStore):
    def __init__(self, path: Path) -> None:
        self._db = SqliteFile(path, synchronous="NORMAL")

    async def start(self) -> None:
        await self._db.open(SCHEMA)

    async def close(self) -> None:
        await self._db.close()

    async def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        row = await self._db.run(
            lambda: self._db.conn.execute(
                "SELECT doc FROM docs WHERE coll = ? AND id = ?", (collection, doc_id)
            ).fetchone()
        )
        return None if row is None else json.loads(row[0])

    async def put(self, collection: str, doc_id: str, doc: dict[str, Any]) -> None:
        text = json.dumps({**doc, "_id": doc_id})
        await self._db.transaction(
            lambda conn: conn.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", (collection, doc_id, text))
        )

    async def get_many(self, collection: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents with these ids that exist, by id: one query per 500 ids."""
        def _get() -> list[tuple[str, str]]:
            rows: list[tuple[str, str]] = []
            for start in range(0, len(ids), 500):
                chunk = list(ids[start:start + 500])
                marks = ",".join("?" * len(chunk))
                rows += self._db.conn.execute(
                    f"SELECT id, doc FROM docs WHERE coll = ? AND id IN ({marks})", [collection, *chunk]
                ).fetchall()
            return rows

        return {doc_id: json.loads(text) for doc_id, text in await self._db.run(_get)}

    async def put_many(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Replace (or create) documents given as (collection, id, doc), all in one transaction."""
        rows = [(collection, doc_id, json.dumps({**doc, "_id": doc_id})) for collection, doc_id, doc in items]
        await self._db.transaction(lambda conn: conn.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", rows))

    async def insert_if_absent(self, collection: str, doc_id: str, doc: dict[str, Any]) -> bool:
        text = json.dumps({**doc, "_id": doc_id})

        def _insert(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute("INSERT OR IGNORE INTO docs VALUES (?, ?, ?)", (collection, doc_id, text))
            return cursor.rowcount == 1

        return await self._db.transaction(_insert)

    async def put_if_revision(self, collection: str, doc_id: str, doc: dict[str, Any], expected_revision: int) -> bool:
        return not await self.put_many_if_revisions([(collection, doc_id, doc, expected_revision)])

    async def put_many_if_revisions(self, items: Sequence[tuple[str, str, dict[str, Any], int]]) -> list[tuple[str, str]]:
        rows = [(collection, doc_id, json.dumps({**doc, "_id": doc_id}), expected)
                for collection, doc_id, doc, expected in items]

        def _put(conn: sqlite3.Connection) -> list[tuple[str, str]]:  # BEGIN IMMEDIATE: no writer in between
            lost = []
            for collection, doc_id, text, expected in rows:
                row = conn.execute(f"SELECT json_extract(doc, '$.{REVISION}') FROM docs WHERE coll = ? AND id = ?",
                                   (collection, doc_id)).fetchone()
                if (0 if row is None or row[0] is None else row[0]) != expected:
                    lost.append((collection, doc_id))
                else:
                    conn.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", (collection, doc_id, text))
            return lost

        return await self._db.transaction(_put)

    async def find(
        self,
        collection: str,
        where: dict[str, Any] | None = None,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        clauses, params = [_in(collection)], []
        for field, value in (where or {}).items():
            clauses.append("id = ?" if field == "_id" else f"{_extract(field)} = ?")
            params.append(value)
        sql = f"SELECT doc FROM docs WHERE {' AND '.join(clauses)} ORDER BY id"
        rows = await self._db.run(lambda: self._db.conn.execute(sql, params).fetchall())
        docs = [json.loads(r[0]) for r in rows]
        if sort:
            docs.sort(key=_sort_key(sort))
        return docs[:limit] if limit else docs

    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None:
        """A partial index over the fields' values, for this collection's rows only (the others' writes
        never pay for it)."""
        name = f"ix__{collection}__{'__'.join(fields)}"
        columns = ", ".join(_extract(f) for f in fields)
        sql = f'CREATE INDEX IF NOT EXISTS "{name}" ON docs ({columns}) WHERE {_in(collection)}'
        await self._db.transaction(lambda conn: conn.execute(sql))

    async def drop(self, collection: str) -> None:
        def _drop(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM docs WHERE coll = ?", (collection,))
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE ?",
                                        (f"%WHERE {_in(collection)}",)).fetchall():
                conn.execute(f'DROP INDEX "{name}"')

        await self._db.transaction(_drop)

    async def ping(self) -> None:
        await self._db.run(lambda: self._db.conn.execute("SELECT 1").fetchone())
