"""A rebuild's sync and the watcher's sync at once start the new generation's consumer loop once."""

from __future__ import annotations

import asyncio

from services.ranking.bootstrap import spec
from shared.generations import CONTROL
from shared.runtime import Runtime
from shared.settings import Settings


def loops_of(generation: int) -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if t.get_name() == f"ranking-g{generation}" and not t.done()]


async def test_overlapping_syncs_start_one_loop_per_generation(tmp_path):
    rt = Runtime(spec, Settings(data_dir=tmp_path, namespace="ns"))
    await rt.log.start()
    await rt.base_store.start()
    generations = rt.generations
    indexing = rt.base_store.ensure_index

    async def slow_ensure_index(collection, fields):  # as over the network (FerretDB): the sync yields here
        await asyncio.sleep(0.01)
        await indexing(collection, fields)

    rt.base_store.ensure_index = slow_ensure_index
    try:
        await generations.sync()
        await rt.base_store.put(CONTROL, "ranking", {"active": 1, "building": 2, "retired": []})
        await asyncio.gather(generations.sync(), generations.sync())
        assert (len(loops_of(1)), len(loops_of(2))) == (1, 1)
    finally:
        await generations.stop()
        for task in loops_of(2):  # what the old code left behind, untracked
            task.cancel()
        await rt.base_store.close()
        await rt.log.close()
