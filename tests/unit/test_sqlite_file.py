"""SqliteFile: transactions, and commits that do not wait for the disk without changing the file's setting."""

from __future__ import annotations

import sqlite3

import pytest

from shared.sqlite_file import SqliteFile

SCHEMA = "CREATE TABLE IF NOT EXISTS t (x INTEGER);"
FULL, NORMAL = 2, 1


async def opened(path, synchronous: str = "FULL") -> SqliteFile:
    db = SqliteFile(path, synchronous)
    await db.open(SCHEMA)
    return db


def synchronous(db: SqliteFile) -> int:
    return db.conn.execute("PRAGMA synchronous").fetchone()[0]


async def test_a_commit_not_waiting_for_the_disk_is_kept_and_the_setting_restored(tmp_path):
    db = await opened(tmp_path / "log.db")
    seen: list[int] = []
    await db.transaction(lambda conn: seen.append(synchronous(db)) or conn.execute("INSERT INTO t VALUES (1)"),
                         durable=False)
    await db.transaction(lambda conn: seen.append(synchronous(db)) or conn.execute("INSERT INTO t VALUES (2)"))
    assert seen == [NORMAL, FULL] and synchronous(db) == FULL
    await db.close()
    with sqlite3.connect(tmp_path / "log.db") as other:
        assert other.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]


async def test_a_failed_transaction_rolls_back_and_restores_the_setting(tmp_path):
    db = await opened(tmp_path / "log.db")

    def fails(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (1)")
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        await db.transaction(fails, durable=False)
    assert synchronous(db) == FULL
    assert db.conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    await db.close()


async def test_a_file_opened_normal_stays_normal(tmp_path):
    db = await opened(tmp_path / "store.db", "NORMAL")
    await db.transaction(lambda conn: conn.execute("INSERT INTO t VALUES (1)"), durable=False)
    assert synchronous(db) == NORMAL
    await db.close()
