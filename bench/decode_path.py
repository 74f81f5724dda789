"""In-process micro-benchmark of the rebuild's CPU path, per event and without I/O: decoding an
envelope (the codec: JSON, envelope model, hash verification, payload contract) and applying
the decoded events to ranking's read models in memory (`apply_batch`, batches of 500, with a
store that is a dict: no SQLite, no JSON). The events are the rebuild benchmark's own
(`bench.generate.events`: the contracts' payloads, sealed with SHA-256 hash chains).

    python -m bench.decode_path [CANDIDATES] [RUNS] [--profile FILE] [--compare DIR]

Stages, each timed over every event, RUNS times (median, min, max of this process's CPU time in
µs per event; the median wall time beside it):

- decode: `shared.codec.decode` as the consumer calls it (everything below, fused)
- envelope: the envelope alone from bytes (`json.loads` + `Envelope.model_validate`, as before)
- envelope_json: the same with `Envelope.model_validate_json` (pydantic parses the bytes)
- verify: `Envelope.hash_is_valid` on already built envelopes (the method every reader may call)
- verify_decode: the hash check `decode` makes (`parsed_hash_is_valid` where the tree has it)
- payload: `parse_payload` of already built envelopes (contract validation)
- apply: `apply_batch` of already decoded events into ranking's nine projections
- serialise: `json.dumps` of every document the batches wrote (what the embedded store writes)

Prints one JSON object (and a table on stderr). `--profile FILE` also writes a cProfile of one
decode and one apply pass, sorted by internal time. `--compare DIR` times another checkout's
shared/envelope.py, codec.py and projection.py (e.g. `git archive HEAD | tar -x -C DIR`) in the
same process, stage by stage in turn with this tree's, so that both see the same load; it reports
their times and the median of the paired ratios (other / this).
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from bench.generate import events
from services.ranking.bootstrap import spec as ranking
from shared import codec
from shared.contracts.base import parse_payload
from shared import envelope
from shared.projection import View, apply_batch

BATCH = 500


class MemoryStore:
    """Collections of documents in dicts: the read models without a store under them."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, View]] = {}
        self.written = 0


async def _load(store: MemoryStore, collection: str, ids: list[str]) -> dict[str, View]:
    found = store.docs.get(collection, {})
    return {doc_id: found[doc_id] for doc_id in ids if doc_id in found}


async def _save(store: MemoryStore, items: list[tuple[str, str, View]]) -> None:
    for collection, doc_id, doc in items:
        store.docs.setdefault(collection, {})[doc_id] = doc
        store.written += 1


def _apply_all(decoded: Sequence[tuple], batch_apply=apply_batch) -> MemoryStore:
    store = MemoryStore()
    reactions = ranking.read_models.projections(store)  # type: ignore[arg-type]

    async def run() -> None:
        for start in range(0, len(decoded), BATCH):
            failures = await batch_apply(reactions, decoded[start:start + BATCH], _load, _save)
            if failures:
                raise RuntimeError(f"projection failures: {failures}")

    asyncio.run(run())
    return store


def _each(batches: Sequence[Sequence], fn: Callable[[Sequence], list]) -> None:
    for batch in batches:
        fn(batch)  # and let the batch's results go


def _cpu(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """CPU time of this process per event (what contention on a shared machine disturbs least),
    and wall time, in µs."""
    started, started_cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.process_time() - started_cpu) / n * 1e6, (time.perf_counter() - started) / n * 1e6


def _summary(cpu: list[float], wall: list[float]) -> dict:
    median = statistics.median(cpu)
    return {"us_per_event": round(median, 2), "min": round(min(cpu), 2), "max": round(max(cpu), 2),
            "events_per_s": round(1e6 / median), "wall_us_per_event": round(statistics.median(wall), 2)}


def _other_tree(root: Path) -> dict[str, ModuleType]:
    """shared/envelope.py, codec.py and projection.py of another checkout (say `git archive HEAD`
    unpacked), as modules of their own beside this tree's, each importing the others' copies."""
    modules: dict[str, ModuleType] = {}
    for name in ("envelope", "codec", "projection"):
        path = root / "shared" / f"{name}.py"
        source = path.read_text()
        for done in modules:
            source = source.replace(f"from shared.{done} import", f"from _other_{done} import")
        module = ModuleType(f"_other_{name}")
        module.__file__ = str(path)
        sys.modules[module.__name__] = module
        exec(compile(source, str(path), "exec"), module.__dict__)
        modules[name] = module
    return modules


def _stages(values: list[bytes], decode, envelope_module: ModuleType, batch_apply) -> dict[str, Callable[[], object]]:
    """Every stage over every event, batch by batch, each batch's results let go as the consumer
    loop does; the inputs of the later stages are decoded beforehand."""
    n = len(values)
    envelope_cls = envelope_module.Envelope
    # the hash check as decode makes it (a tree without parsed_hash_is_valid calls the method)
    checked = getattr(envelope_module, "parsed_hash_is_valid", envelope_cls.hash_is_valid)
    decoded = [decode(v) for v in values]
    envelopes = [e for e, _ in decoded]
    batches = [values[start:start + BATCH] for start in range(0, n, BATCH)]
    enveloped = [envelopes[start:start + BATCH] for start in range(0, n, BATCH)]
    store = _apply_all(decoded, batch_apply)
    docs = [doc for coll in store.docs.values() for doc in coll.values()]
    stages: dict[str, Callable[[], object]] = {
        "decode": lambda: _each(batches, lambda batch: [decode(v) for v in batch]),
        "envelope": lambda: _each(batches, lambda batch: [envelope_cls.model_validate(json.loads(v)) for v in batch]),
        "envelope_json": lambda: _each(batches, lambda batch: [envelope_cls.model_validate_json(v) for v in batch]),
        "verify": lambda: _each(enveloped, lambda batch: [e.hash_is_valid() for e in batch]),
        "verify_decode": lambda: _each(enveloped, lambda batch: [checked(e) for e in batch]),
        "payload": lambda: _each(enveloped, lambda batch: [parse_payload(e.type, e.schema_version, e.payload)
                                                           for e in batch]),
        "apply": lambda: _apply_all(decoded, batch_apply),
        "serialise": lambda: [json.dumps(d) for d in docs],
    }
    stages["apply"].documents = (len(docs), store.written)  # type: ignore[attr-defined]
    return stages


def main(candidates: int = 2000, runs: int = 5, profile: str | None = None, compare: Path | None = None) -> dict:
    values = [value for _s, _k, value, _t in events(candidates)]
    n = len(values)
    sides = {"this": _stages(values, codec.decode, envelope, apply_batch)}
    if compare is not None:
        other = _other_tree(compare)
        sides["other"] = _stages(values, other["codec"].decode, other["envelope"], other["projection"].apply_batch)
    gc.collect()
    gc.freeze()  # the inputs live on; a rebuild holds one batch, not every event: keep them out of the collector
    documents, written = sides["this"]["apply"].documents  # type: ignore[attr-defined]
    result: dict = {"events": n, "candidates": candidates, "runs": runs, "batch": BATCH,
                    "documents": documents, "documents_written": written,
                    "load_before": [round(x, 2) for x in os.getloadavg()]}
    times = {side: {name: ([], []) for name in stages} for side, stages in sides.items()}
    for run in range(runs):
        for name in sides["this"]:
            # the two trees in turn, stage by stage, first one then the other: both see the same load
            order = list(sides) if run % 2 == 0 else list(reversed(sides))
            for side in order:
                cpu, wall = _cpu(sides[side][name], n)
                times[side][name][0].append(cpu)
                times[side][name][1].append(wall)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    result["stages"] = {name: _summary(*t) for name, t in times["this"].items()}
    result["decode_plus_apply_events_per_s"] = round(
        1e6 / (result["stages"]["decode"]["us_per_event"] + result["stages"]["apply"]["us_per_event"]))
    if compare is not None:
        result["compare"] = {
            "tree": str(compare),
            "stages": {name: _summary(*t) for name, t in times["other"].items()},
            # per run, other's time over this tree's (paired: the same moment's load), median
            "speedup": {name: round(statistics.median(o / t for o, t in zip(times["other"][name][0],
                                                                               times["this"][name][0])), 2)
                        for name in times["this"]},
        }
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        decoded = [codec.decode(v) for v in values]
        _apply_all(decoded, apply_batch)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(40)
        with open(profile, "w") as f:
            f.write(out.getvalue())
    return result


def _table(result: dict) -> str:
    lines = [f"{result['events']} events, {result['runs']} runs, load {result['load_before']} -> {result['load_after']}",
             f"{'stage':<14}{'cpu µs/ev':>10}{'min':>9}{'max':>9}{'events/s':>12}{'wall µs/ev':>12}"
             + (f"{'other µs/ev':>13}{'speedup':>9}" if "compare" in result else "")]
    for name, s in result["stages"].items():
        line = (f"{name:<14}{s['us_per_event']:>10.2f}{s['min']:>9.2f}{s['max']:>9.2f}{s['events_per_s']:>12,}"
                f"{s['wall_us_per_event']:>12.2f}")
        if "compare" in result:
            line += f"{result['compare']['stages'][name]['us_per_event']:>13.2f}{result['compare']['speedup'][name]:>8.2f}x"
        lines.append(line)
    lines.append(f"decode + apply: {result['decode_plus_apply_events_per_s']:,} events/s")
    return "\n".join(lines)


if __name__ == "__main__":
    args, options = [], {}
    argv = iter(sys.argv[1:])
    for arg in argv:
        if arg in ("--profile", "--compare"):
            options[arg] = next(argv)
        else:
            args.append(arg)
    res = main(int(args[0]) if args else 2000, int(args[1]) if len(args) > 1 else 5, options.get("--profile"),
               Path(options["--compare"]) if "--compare" in options else None)
    print(_table(res), file=sys.stderr)
    print(json.dumps(res))
