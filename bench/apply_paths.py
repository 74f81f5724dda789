"""In-process comparison of the two ways ranking applies a batch of events to its read models:
one event at a time through the store (a get and a put per projection and event, as before
this change and as `project()` still does outside a rebuild) and `apply_batch` (each touched
document read once and written once per batch), on the embedded store, same events, same
batch size as the consumer loop (500). Decoding is timed apart.

    python -m bench.apply_paths CANDIDATES
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import events
from services.ranking.bootstrap import spec as ranking
from shared.codec import decode
from shared.ports import REVISION
from shared.projection import apply_batch
from shared.readstore.embedded import EmbeddedReadStore


async def main(candidates: int) -> dict:
    values = [value for _s, _k, value, _t in events(candidates)]
    started = time.perf_counter()
    decoded = [decode(v) for v in values]
    decode_s = time.perf_counter() - started
    tmp = Path(tempfile.mkdtemp(prefix="paritrana-bench-apply-"))
    one, many = EmbeddedReadStore(tmp / "one.sqlite"), EmbeddedReadStore(tmp / "many.sqlite")
    await one.start()
    await many.start()
    try:
        reactions = ranking.read_models.projections(one)
        started = time.perf_counter()
        for envelope, event in decoded:
            for react in reactions:
                await react(envelope, event)
        one_s = time.perf_counter() - started
        reactions = ranking.read_models.projections(many)
        started = time.perf_counter()
        for start in range(0, len(decoded), 500):
            await apply_batch(reactions, decoded[start:start + 500])
        many_s = time.perf_counter() - started
        same = _documents(one) == _documents(many)
    finally:
        await one.close()
        await many.close()
    n = len(values)
    return {"events": n, "decode_per_s": n / decode_s, "one_by_one_per_s": n / one_s, "batched_per_s": n / many_s,
            "speedup": one_s / many_s, "identical_documents": same}


def _documents(store: EmbeddedReadStore) -> list:
    """Every document without its revision, which counts writes: one per event one way, one per batch
    the other."""
    rows = store._db.conn.execute("SELECT coll, id, doc FROM docs ORDER BY coll, id").fetchall()
    return [(coll, doc_id, {k: v for k, v in json.loads(doc).items() if k != REVISION}) for coll, doc_id, doc in rows]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
