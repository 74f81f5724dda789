"""The embedded event log: topics, partitions, offsets and consumer groups in one SQLite file.

Several processes may share the file. A consumer group holds a lease per topic, so one
member at a time reads it (the embedded path trades parallelism for having no server).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from shared.pause import pause
from shared.ports import EventLog, Record, Subscription, TopicSpec
from shared.sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    key TEXT NOT NULL, value BLOB NOT NULL, headers TEXT NOT NULL, appended_at REAL NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS committed (
    grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    PRIMARY KEY (grp, topic, partition)
);
CREATE TABLE IF NOT EXISTS leases (
    grp TEXT NOT NULL, topic TEXT NOT NULL, owner TEXT NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (grp, topic)
);
"""

LEASE_SECONDS = 10.0


def partition_for(key: str, partitions: int) -> int:
    return zlib.crc32(key.encode()) % partitions


class UnknownTopic(LookupError):
    pass


class EmbeddedEventLog(EventLog):
    def __init__(self, path: Path) -> None:
        self._db = SqliteFile(path)
        self._partitions: dict[str, int] = {}
        self._local_appends = 0
        self._readers: dict[str, set[asyncio.Event]] = {}

    def wake_on_append(self, topics: Sequence[str], woken: asyncio.Event, wake: bool = True) -> None:
        """Set `woken` whenever this log appends to one of `topics` (or stop, with `wake=False`), so
        that a reader of this process (the owner's deciders reading the commands its own API appends)
        need not wait out its pause between polls. Appends by other processes are seen by polling."""
        for topic in topics:
            readers = self._readers.setdefault(topic, set())
            if wake:
                readers.add(woken)
            else:
                readers.discard(woken)

    async def change_marker(self) -> tuple[int, int]:
        """Changes whenever anything was appended since: by another process (SQLite's data_version)
        or through this connection (which data_version does not count)."""
        version = await self._db.run(lambda: self._db.conn.execute("PRAGMA data_version").fetchone()[0])
        return version, self._local_appends

    async def start(self) -> None:
        await self._db.open(SCHEMA)

    async def close(self) -> None:
        await self._db.close()

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        def _create(conn: sqlite3.Connection) -> None:
            for spec in specs:
                conn.execute(
                    "INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)",
                    (spec.name, spec.partitions),
                )

        await self._db.transaction(_create)

    async def partitions(self, topic: str) -> int:
        if topic not in self._partitions:
            row = await self._db.run(
                lambda: self._db.conn.execute(
                    "SELECT partitions FROM topics WHERE name = ?", (topic,)
                ).fetchone()
            )
            if row is None:
                raise UnknownTopic(f"topic {topic!r} does not exist")
            self._partitions[topic] = row[0]
        return self._partitions[topic]

    async def append(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, int]:
        [position] = await self.append_many(topic, [(key, value, headers)])
        return position

    async def append_many(
        self, topic: str, items: Sequence[tuple[str, bytes, dict[str, str] | None]]
    ) -> list[tuple[int, int]]:
        count = await self.partitions(topic)
        rows = [(partition_for(key, count), key, value, json.dumps(headers or {})) for key, value, headers in items]

        def _append(conn: sqlite3.Connection) -> list[tuple[int, int]]:
            heads: dict[int, int] = {}
            positions, now = [], time.time()
            for partition, key, value, headers in rows:
                if partition not in heads:
                    heads[partition] = conn.execute(
                        'SELECT COALESCE(MAX("offset") + 1, 0) FROM records WHERE topic = ? AND partition = ?',
                        (topic, partition),
                    ).fetchone()[0]
                offset = heads[partition]
                heads[partition] += 1
                conn.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (topic, partition, offset, key, value, headers, now))
                positions.append((partition, offset))
            return positions

        positions = await self._db.transaction(_append)
        self._local_appends += 1
        for woken in self._readers.get(topic, ()):
            woken.set()
        return positions

    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return EmbeddedSubscription(self, group, list(topics))

    async def read_all(self, topic: str) -> AsyncIterator[Record]:
        ends = await self.end_offsets(topic)
        for partition, end in sorted(ends.items()):
            offset = 0
            while offset < end:
                batch = await self.fetch(topic, partition, offset, min(1000, end - offset))
                for record in batch:
                    yield record
                offset = batch[-1].offset + 1

    async def fetch(self, topic: str, partition: int, offset: int, limit: int) -> list[Record]:
        rows = await self._db.run(
            lambda: self._db.conn.execute(
                'SELECT "offset", key, value, headers FROM records '
                'WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (topic, partition, offset, limit),
            ).fetchall()
        )
        return [Record(topic, partition, o, k, bytes(v), json.loads(h)) for o, k, v, h in rows]

    async def end_offsets(self, topic: str) -> dict[int, int]:
        count = await self.partitions(topic)
        rows = await self._db.run(
            lambda: self._db.conn.execute(
                'SELECT partition, MAX("offset") + 1 FROM records WHERE topic = ? GROUP BY partition',
                (topic,),
            ).fetchall()
        )
        ends = dict.fromkeys(range(count), 0)
        ends.update({p: e for p, e in rows})
        return ends

    async def ping(self) -> None:
        await self._db.run(lambda: self._db.conn.execute("SELECT 1").fetchone())

    async def take_lease(self, group: str, topic: str, owner: str) -> bool:
        def _take(conn: sqlite3.Connection) -> bool:
            now = time.time()
            row = conn.execute(
                "SELECT owner, expires FROM leases WHERE grp = ? AND topic = ?", (group, topic)
            ).fetchone()
            if row is not None and row[0] != owner and row[1] > now:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?)",
                (group, topic, owner, now + LEASE_SECONDS),
            )
            return True

        return await self._db.transaction(_take, durable=False)

    async def release_lease(self, group: str, topic: str, owner: str) -> None:
        await self._db.transaction(
            lambda conn: conn.execute(
                "DELETE FROM leases WHERE grp = ? AND topic = ? AND owner = ?", (group, topic, owner)
            ),
            durable=False,
        )

    async def committed(self, group: str, topic: str) -> dict[int, int]:
        rows = await self._db.run(
            lambda: self._db.conn.execute(
                'SELECT partition, "offset" FROM committed WHERE grp = ? AND topic = ?', (group, topic)
            ).fetchall()
        )
        positions = dict.fromkeys(range(await self.partitions(topic)), 0)
        positions.update(dict(rows))
        return positions

    async def commit(self, group: str, positions: dict[tuple[str, int], int]) -> None:
        """Not synced to disk: every consumer loop commits after every batch, and a position lost
        on a power cut only makes its consumer read again what it has handled (handlers are
        idempotent), while a synced commit costs a disk flush (3 ms here) on the one file all the
        services append to. Records themselves are always synced before an append returns."""

        def _commit(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR REPLACE INTO committed VALUES (?, ?, ?, ?)",
                [(group, t, p, o) for (t, p), o in positions.items()],
            )

        await self._db.transaction(_commit, durable=False)


class EmbeddedSubscription(Subscription):
    def __init__(self, log: EmbeddedEventLog, group: str, topics: list[str]) -> None:
        self._log = log
        self._group = group
        self._topics = topics
        self._owner = uuid.uuid4().hex
        self._positions: dict[str, dict[int, int]] = {}  # topic -> partition -> next offset
        self._lease_checked = 0.0
        self._marker: tuple[int, int] | None = None  # the log's change marker at the last fetch
        self._woken: asyncio.Event | None = None  # set by an append through this log to one of the topics

    async def _refresh_leases(self) -> None:
        if time.monotonic() - self._lease_checked < LEASE_SECONDS / 3:
            return
        self._lease_checked = time.monotonic()
        for topic in self._topics:
            if await self._log.take_lease(self._group, topic, self._owner):
                if topic not in self._positions:
                    self._positions[topic] = await self._log.committed(self._group, topic)
                    self._marker = None  # new partitions to read: fetch whatever the marker says
            else:
                self._positions.pop(topic, None)

    async def poll(self, max_records: int = 500, timeout: float = 0.2) -> list[Record]:
        deadline = time.monotonic() + timeout
        if self._woken is None:
            self._woken = asyncio.Event()
            self._log.wake_on_append(self._topics, self._woken)
        while True:
            self._woken.clear()  # before the marker is read: an append after that cuts the pause short
            await self._refresh_leases()
            self.joined = True
            marker = await self._log.change_marker()
            records: list[Record] = []
            if marker != self._marker:  # nothing appended since the last empty fetch: skip the queries
                self._marker = marker
                records = await self._fetch(max_records)
                if len(records) >= max_records:
                    self._marker = None  # more may be waiting
            if records or time.monotonic() >= deadline:
                return records
            await pause(min(0.02, max(0.0, deadline - time.monotonic())), self._woken)

    async def _fetch(self, max_records: int) -> list[Record]:
        records: list[Record] = []
        for topic, partitions in self._positions.items():
            for partition, offset in partitions.items():
                batch = await self._log.fetch(topic, partition, offset, max_records - len(records))
                if batch:
                    partitions[partition] = batch[-1].offset + 1
                    records.extend(batch)
                if len(records) >= max_records:
                    return records
        return records

    async def commit(self, records: Sequence[Record]) -> None:
        positions: dict[tuple[str, int], int] = {}
        for record in records:
            slot = (record.topic, record.partition)
            positions[slot] = max(positions.get(slot, 0), record.offset + 1)
        if positions:
            await self._log.commit(self._group, positions)

    async def close(self) -> None:
        if self._woken is not None:
            self._log.wake_on_append(self._topics, self._woken, wake=False)
        for topic in list(self._positions):
            await self._log.release_lease(self._group, topic, self._owner)
        self._positions.clear()
