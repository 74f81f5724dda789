"""The read-store contract, run against the embedded store and real FerretDB/MongoDB alike."""

from __future__ import annotations

import asyncio

import pytest

from shared.readstore.mongo import MongoReadStore

DOC = {"name": "Kota Bandung ✓", "total": 84.6, "tags": ["a", "b"], "nested": {"x": 1, "y": None}, "ok": True}


async def test_put_get_round_trip(read_store):
    await read_store.put("c", "id-1", DOC)
    assert await read_store.get("c", "id-1") == {**DOC, "_id": "id-1"}
    assert await read_store.get("c", "missing") is None


async def test_put_replaces_whole_document(read_store):
    await read_store.put("c", "id-1", DOC)
    await read_store.put("c", "id-1", {"name": "other"})
    assert await read_store.get("c", "id-1") == {"name": "other", "_id": "id-1"}


async def test_insert_if_absent(read_store):
    assert await read_store.insert_if_absent("c", "k", {"v": 1}) is True
    assert await read_store.insert_if_absent("c", "k", {"v": 2}) is False
    assert (await read_store.get("c", "k"))["v"] == 1


async def test_many_at_once_is_the_same_as_one_by_one(read_store):
    await read_store.put_many([("c", f"m-{n}", {"n": n}) for n in range(600)] + [("d", "m-0", DOC)])
    found = await read_store.get_many("c", [f"m-{n}" for n in range(0, 700, 7)])
    assert found == {f"m-{n}": {"n": n, "_id": f"m-{n}"} for n in range(0, 600, 7)}  # missing ids are left out
    await read_store.put_many([("c", "m-7", {"n": "replaced"})])
    assert await read_store.get("c", "m-7") == {"n": "replaced", "_id": "m-7"}
    assert await read_store.get_many("d", ["m-0"]) == {"m-0": {**DOC, "_id": "m-0"}}
    assert await read_store.get_many("c", []) == {}


async def test_find_filters_sorts_and_limits(read_store):
    rows = [("d", "x", 3, 1.0), ("a", "x", 3, 2.0), ("c", "x", 5, 0.5), ("b", "y", 9, 9.0), ("e", "x", 1, 7.0)]
    for doc_id, group, rank, score in rows:
        await read_store.put("c", doc_id, {"group": group, "rank": rank, "score": score})
    found = await read_store.find("c", {"group": "x"}, sort=[("rank", -1)])
    assert [d["_id"] for d in found] == ["c", "a", "d", "e"]  # equal ranks ordered by id
    found = await read_store.find("c", {"group": "x"}, sort=[("rank", 1), ("score", -1)], limit=2)
    assert [d["_id"] for d in found] == ["e", "a"]
    assert [d["_id"] for d in await read_store.find("c")] == ["a", "b", "c", "d", "e"]
    assert await read_store.find("c", {"group": "none"}) == []


async def test_collections_are_separate_and_drop(read_store):
    await read_store.put("one", "k", {"v": 1})
    await read_store.put("two", "k", {"v": 2})
    await read_store.drop("one")
    assert await read_store.get("one", "k") is None
    assert (await read_store.get("two", "k"))["v"] == 2


async def test_ensure_index_and_ping(read_store):
    await read_store.ensure_index("c", ["group", "rank"])
    await read_store.ping()


async def test_an_indexed_collection_finds_the_same_before_and_after_a_drop(read_store):
    await read_store.ensure_index("c__g2", ["group", "rank"])
    for doc_id, group, rank in [("a", "x", 1), ("b", "x", 2), ("c", "y", 1), ("d", "x", 1)]:
        await read_store.put("c__g2", doc_id, {"group": group, "rank": rank})
        await read_store.put("other", doc_id, {"group": group, "rank": rank})
    assert [d["_id"] for d in await read_store.find("c__g2", {"group": "x", "rank": 1})] == ["a", "d"]
    assert [d["_id"] for d in await read_store.find("c__g2", {"rank": 1})] == ["a", "c", "d"]  # not the index's first
    await read_store.drop("c__g2")
    assert await read_store.find("c__g2", {"group": "x"}) == []
    await read_store.ensure_index("c__g2", ["group", "rank"])  # again, after the drop
    await read_store.put("c__g2", "e", {"group": "x", "rank": 1})
    assert [d["_id"] for d in await read_store.find("c__g2", {"group": "x", "rank": 1})] == ["e"]
    assert len(await read_store.find("other", {"group": "x"})) == 3


async def test_put_if_revision_creates_only_when_absent_or_at_revision_zero(read_store):
    assert await read_store.put_if_revision("c", "k", {"_revision": 0, "v": "a"}, 0) is True
    assert await read_store.put_if_revision("c", "k", {"_revision": 1, "v": "b"}, 0) is True  # stored at revision 0
    assert await read_store.put_if_revision("c", "k", {"_revision": 1, "v": "c"}, 0) is False
    assert await read_store.get("c", "k") == {"_revision": 1, "v": "b", "_id": "k"}
    assert await read_store.put_if_revision("c", "missing", {"_revision": 4}, 3) is False
    assert await read_store.get("c", "missing") is None


async def test_put_if_revision_replaces_only_the_expected_revision(read_store):
    await read_store.put("c", "k", {"_revision": 2, "v": "a"})
    assert await read_store.put_if_revision("c", "k", {"_revision": 3, "v": "b"}, 1) is False
    assert await read_store.put_if_revision("c", "k", {"_revision": 3, "v": "b"}, 3) is False
    assert await read_store.put_if_revision("c", "k", {"_revision": 3, "v": "b"}, 2) is True
    assert await read_store.put_if_revision("c", "k", {"_revision": 3, "v": "c"}, 3) is True  # same revision again
    assert await read_store.get("c", "k") == {"_revision": 3, "v": "c", "_id": "k"}


async def test_a_document_stored_without_a_revision_counts_as_revision_zero(read_store):
    """Documents written before revisions were kept (aggregates of an earlier release) stay writable."""
    await read_store.put("c", "unrevised", {"version": 5, "v": "a"})
    assert await read_store.put_if_revision("c", "unrevised", {"_revision": 1, "v": "b"}, 2) is False
    assert await read_store.put_if_revision("c", "unrevised", {"_revision": 1, "v": "b"}, 0) is True
    assert await read_store.put_if_revision("c", "unrevised", {"_revision": 1, "v": "c"}, 0) is False
    assert await read_store.get("c", "unrevised") == {"_revision": 1, "v": "b", "_id": "unrevised"}


async def test_put_many_if_revisions_writes_those_at_their_expected_revision_and_names_the_others(read_store):
    await read_store.put("c", "at-2", {"_revision": 2, "v": "a"})
    await read_store.put("d", "at-1", {"_revision": 1, "v": "a"})
    lost = await read_store.put_many_if_revisions([
        ("c", "at-2", {"_revision": 3, "v": "b"}, 2),
        ("d", "at-1", {"_revision": 2, "v": "b"}, 0),  # another writer got there first
        ("c", "new", {"_revision": 1, "v": "b"}, 0),
    ])
    assert lost == [("d", "at-1")]
    assert [await read_store.get(c, k) for c, k in (("c", "at-2"), ("d", "at-1"), ("c", "new"))] == [
        {"_revision": 3, "v": "b", "_id": "at-2"}, {"_revision": 1, "v": "a", "_id": "at-1"},
        {"_revision": 1, "v": "b", "_id": "new"}]


async def test_of_conditional_writes_from_the_same_revision_at_once_exactly_one_wins(read_store):
    writers = 4
    for revision in range(6):  # revision 0: the document does not exist yet
        wins = await asyncio.gather(*(
            read_store.put_if_revision("c", "k", {"_revision": revision + 1, "writer": n}, revision)
            for n in range(writers)
        ))
        if wins.count(True) > 1 and await _is_ferretdb(read_store):
            pytest.xfail("FerretDB v1 matches the filter and replaces by _id in two steps: not a compare-and-set")
        assert wins.count(True) == 1, wins
        assert await read_store.get("c", "k") == {"_revision": revision + 1, "writer": wins.index(True), "_id": "k"}


async def _is_ferretdb(store) -> bool:
    return isinstance(store, MongoReadStore) and "ferretdbVersion" in await store._client.admin.command("buildInfo")
