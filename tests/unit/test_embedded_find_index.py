"""The embedded store's finds use the partial index `ensure_index` made, read from SQLite's own
query plan of the statement `find` runs."""

from __future__ import annotations

from shared.readstore.embedded import EmbeddedReadStore


async def _plan_of_find(store: EmbeddedReadStore, collection: str, where: dict) -> str:
    statements: list[str] = []
    store._db.conn.set_trace_callback(statements.append)
    await store.find(collection, where)
    store._db.conn.set_trace_callback(None)
    query = next(s for s in statements if s.startswith("SELECT doc"))
    return " ".join(row[3] for row in store._db.conn.execute(f"EXPLAIN QUERY PLAN {query}"))


async def test_a_find_on_the_indexed_fields_searches_the_collections_index(tmp_path):
    store = EmbeddedReadStore(tmp_path / "store.db")
    await store.start()
    await store.ensure_index("standings", ["cycle_id", "province"])
    await store.put_many([("standings", f"c{n}", {"cycle_id": "2024", "province": f"p{n % 3}"}) for n in range(30)])
    where = {"cycle_id": "2024", "province": "p1"}
    assert "USING INDEX ix__standings__cycle_id__province" in await _plan_of_find(store, "standings", where)
    assert len(await store.find("standings", where)) == 10
    # another collection has no such index: it is read by its key range, as before
    assert "PRIMARY KEY" in await _plan_of_find(store, "shortlists", where)
    await store.close()
