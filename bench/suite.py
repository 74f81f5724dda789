"""`make bench` / `make bench-quick`: every benchmark on both backends in one run, written up.

    python -m bench.suite [full|quick] [--out PATH]

Each stage runs as its own process (bench.rebuild, bench.cycle, bench.bulk_import, bench.peer)
in a fresh namespace of the shared Kafka/FerretDB, and reports JSON; this module keeps that raw
JSON next to the report (`bench/results.json`, or `.cache/bench/quick.json`) and renders the
Markdown. `quick` is a smoke run at a small province scale and asserts nothing about timings.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.report import render

ROOT = Path(__file__).parents[1]
PY = sys.executable

PROFILES = {
    "full": {
        "rebuild": {"embedded": (3_000, 3), "kafka": (500, 3)},
        "cycle": {"embedded": (40, 10, 3), "kafka": (10, 3, 3)},
        "national": {"embedded": (3, 40, 8)},  # villages and employers per province, people at once
        "bulk": {"embedded": 300, "kafka": 20},
        "membership": {"embedded": (839_937, 1), "kafka": (2_000, 1)},
        "peer": (5_000, 3),
        "apply_paths": 1_000,
    },
    "quick": {
        "rebuild": {"embedded": (500, 2), "kafka": (200, 2)},
        "cycle": {"embedded": (10, 3, 1), "kafka": (5, 2, 1)},
        "bulk": {"embedded": 100, "kafka": 10},
        "membership": {"embedded": (5_000, 1), "kafka": (1_000, 1)},
        "peer": (500, 2),
        "apply_paths": 200,
    },
}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


SAVE = [lambda: None]  # writes the results so far (set by main), so a stopped run still leaves its figures


def stage(name: str, argv: list[str], timeout: float) -> dict:
    """Run one benchmark process; its last stdout line is its JSON (bulk import: table rows)."""
    before, started = load_average(), time.perf_counter()
    print(f"[bench] {name}: {' '.join(argv)} (load {before})", file=sys.stderr, flush=True)
    try:
        done = subprocess.run([PY, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        out, error = done.stdout.strip(), (done.stderr[-2000:] if done.returncode else None)
    except subprocess.TimeoutExpired as exc:
        out, error = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), \
            f"timed out after {timeout:.0f} s"
    result: dict = {"command": f"python -m {' '.join(argv)}", "load_before": before, "load_after": load_average(),
                    "wall_seconds": time.perf_counter() - started}
    if error:
        result["error"] = error
    lines = [l for l in out.splitlines() if l.strip()]
    if lines and all(l.startswith("{") for l in lines) and len(lines) > 1:
        result["result"] = {"runs": [json.loads(l) for l in lines]}
    elif lines and lines[-1].startswith("{"):
        result["result"] = json.loads(lines[-1])
    elif lines:
        result["rows"] = lines
    print(f"[bench] {name}: {result['wall_seconds']:.0f} s{' ERROR' if error else ''}", file=sys.stderr, flush=True)
    return result


def _wanted(key: str) -> bool:
    """BENCH_STAGES=rebuild-embedded,cycle-kafka,... runs only those (to finish or redo part of a run)."""
    only = os.environ.get("BENCH_STAGES")
    return not only or key in only.split(",")


def _saved(stages: dict, key: str, run) -> None:
    if _wanted(key):
        stages[key] = run()
        SAVE[0]()


def machine() -> dict:
    mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    return {"cores": os.cpu_count(), "memory_gib": round(int(mem.split()[1]) / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "cpu": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                         if l.startswith("model name")), "?")}


def commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "diff", "--quiet"], cwd=ROOT).returncode != 0
    return head.strip() + (" (with uncommitted changes)" if dirty else "")


def mongo_answers(url: str, seconds: float = 15) -> bool:
    """Whether the read store answers a small query in time (the shared FerretDB may be swamped)."""
    probe = ("from pymongo import MongoClient; import sys; "
             "MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)['bench_probe']['p'].count_documents({})")
    try:
        return subprocess.run([PY, "-c", probe, url], timeout=seconds, capture_output=True).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def private_ferretdb() -> tuple[subprocess.Popen, str] | None:
    """A FerretDB of the same build (deploy/local) on a free port with its own SQLite directory,
    for when the shared one does not answer; stopped at the end of the suite."""
    binary = ROOT / ".cache/local/ferretdb/ferretdb"
    if not binary.exists():
        return None
    from paritrana.launcher import free_port

    port, data = free_port(), Path(tempfile.mkdtemp(prefix="paritrana-bench-ferretdb-"))
    process = subprocess.Popen([str(binary), "-listen-addr", f"127.0.0.1:{port}", "-sqlite-dir", f"{data}/"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    return (process, url) if mongo_answers(url, 30) else (process.terminate(), None)[1]


def run(profile: str, save=lambda results: None) -> dict:
    scale = PROFILES[profile]
    results: dict = {"profile": profile, "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
                     "commit": commit(), "machine": machine(), "scale": scale, "stages": {}}
    SAVE[0] = lambda: save(results)
    stages = results["stages"]
    shared = os.environ.get("PARITRANA_MONGO_URL", "mongodb://127.0.0.1:27117/?directConnection=true")
    own = None
    if not mongo_answers(shared):
        own = private_ferretdb()
        if own is not None:
            os.environ["PARITRANA_MONGO_URL"] = own[1]
            results["mongo"] = (f"the shared FerretDB ({shared}) did not answer a count within 15 s, so this run used "
                                f"a private FerretDB of the same build (.cache/local/ferretdb) at {own[1]}")
    elif "PARITRANA_MONGO_URL" in os.environ:
        results["mongo"] = f"FerretDB at {shared} (PARITRANA_MONGO_URL)"
    try:
        _stages(scale, stages)
    finally:
        if own is not None:
            own[0].terminate()
            own[0].wait(timeout=30)
    results["finished"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    return results


def _stages(scale: dict, stages: dict) -> None:
    for backend in ("embedded", "kafka"):
        candidates, runs = scale["rebuild"][backend]
        _saved(stages, f"rebuild-{backend}", lambda: stage(f"rebuild {backend}", [
            "bench.rebuild", backend, str(candidates), str(runs), "--profile"], 3600))
    for backend in ("embedded", "kafka"):
        employers, villages, seconds = scale["cycle"][backend]
        _saved(stages, f"cycle-{backend}", lambda: stage(f"cycle {backend}", [
            "bench.cycle", backend, str(employers), str(villages), str(seconds)], 3600))
    for backend, (villages, employers, people) in scale.get("national", {}).items():
        _saved(stages, f"national-{backend}", lambda: stage(f"national {backend}", [
            "bench.national", backend, str(villages), str(employers), str(people)], 3600))
    for backend in ("embedded", "kafka"):
        _saved(stages, f"bulk-{backend}", lambda: stage(f"bulk import {backend}", [
            "bench.bulk_import", str(scale["bulk"][backend]), backend], 3600))
    for backend in ("embedded", "kafka"):
        employers, runs = scale["membership"][backend]
        _saved(stages, f"membership-{backend}", lambda: stage(f"membership {backend}", [
            "bench.membership", str(employers), backend, str(runs)], 1800))
    candidates, runs = scale["peer"]
    _saved(stages, "peer", lambda: stage("peer", ["bench.peer", str(candidates), str(runs)], 1800))
    _saved(stages, "apply-paths", lambda: stage("apply paths", ["bench.apply_paths", str(scale["apply_paths"])], 1800))


def main() -> None:
    profile = next((a for a in sys.argv[1:] if a in PROFILES), "full")
    target = "make bench" if profile == "full" else "make bench-quick"
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else (
        ROOT / "bench/RESULTS.md" if profile == "full" else ROOT / ".cache/bench/RESULTS-quick.md")
    started = time.perf_counter()
    raw = out.with_name("results.json") if profile == "full" else out.with_suffix(".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    results = run(profile, lambda partial: (raw.write_text(json.dumps(partial, indent=1, default=str) + "\n"),
                                            out.write_text(render({**partial, "command": f"`{target}` (partial)"}))))
    results["command"] = f"`{target}` (python -m bench.suite {profile})"
    results["total_seconds"] = time.perf_counter() - started
    raw.write_text(json.dumps(results, indent=1, default=str) + "\n")
    out.write_text(render(results))
    print(out.read_text())
    print(f"[bench] {profile}: {results['total_seconds']:.0f} s; {out}, {raw}", file=sys.stderr)


if __name__ == "__main__":
    main()
