"""Benchmark: rebuild ranking's read models (every leaderboard) from offset zero.

    python -m bench.rebuild BACKEND CANDIDATES RUNS [--profile]

Fills a fresh namespace through the generator's fast path (bench.generate), starts the ranking
service as its own process, waits until the live generation has caught up, then `RUNS` times:
`POST /rebuilds`, wait until the new generation's progress reaches every partition's end (embedded:
read from the store every 50 ms; Kafka: ranking's `GET /rebuilds` every 0.5 s), `GET /rebuilds` (the digests of both generations, which
must be identical) and switch. On Kafka, Kafka's own consumer (ConsumerPerformance, the class of
kafka-consumer-perf-test) reads the same topics in the same run. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.generate import fill
from bench.procs import peak_rss_mib, profile_with_py_spy
from paritrana.client import Api
from paritrana.launcher import ServiceProcess, free_port
from shared import topics
from shared.backends import build_event_log
from shared.settings import Settings

ROOT = Path(__file__).parents[1]
PERF_LIB = ROOT / ".cache/bench/lib"
FOLLOWED = ("registration", "evidence", "scoring", "interview", "ranking")

# Kafka: the rebuild is followed through ranking's status, which asks Kafka for end offsets and the
# store for progress; polled every 50 ms (as before 2026-11-23T19Z), that took most of FerretDB's time
# away from the rebuild it measured
STATUS_POLL_SECONDS = 0.5


async def _fill(settings: Settings, candidates: int) -> tuple[dict[str, int], dict[str, dict[int, int]], float]:
    log = build_event_log(settings, "bench-generator")
    await log.start()
    try:
        await log.ensure_topics(topics.all_topics(settings.namespace, settings.partitions))
        started = time.perf_counter()
        counts = await fill(log, settings.namespace, candidates)
        seconds = time.perf_counter() - started
        ends = {topics.events(settings.namespace, s): await log.end_offsets(topics.events(settings.namespace, s))
                for s in FOLLOWED}
    finally:
        await log.close()
    return dict(counts), ends, seconds


class Progress:
    """How far a generation got per partition, read from ranking's store (as GET /rebuilds does)."""

    def __init__(self, settings: Settings) -> None:
        if settings.backend == "kafka":
            from pymongo import MongoClient

            self._mongo = MongoClient(settings.mongo_url)[f"{settings.namespace}_ranking"]["read_model_progress"]
        else:
            self._mongo = None
            self._path = settings.data_dir / f"{settings.namespace}-ranking.sqlite"

    def offsets(self) -> dict[str, int]:
        if self._mongo is not None:
            return {d["_id"]: d["offset"] for d in self._mongo.find({})}
        if not self._path.exists():
            return {}
        with sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, timeout=30) as conn:
            rows = conn.execute("SELECT id, doc FROM docs WHERE coll = 'read_model_progress'").fetchall()
        return {doc_id: json.loads(doc)["offset"] for doc_id, doc in rows}

    def caught_up(self, generation: int, ends: dict[str, dict[int, int]]) -> bool:
        done = self.offsets()
        return all(done.get(f"g{generation}:{topic}:{p}", -1) >= end - 1
                   for topic, partitions in ends.items() for p, end in partitions.items() if end)

    def wait(self, generation: int, ends: dict[str, dict[int, int]], timeout: float) -> float:
        started = time.perf_counter()
        while not self.caught_up(generation, ends):
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"generation {generation} not caught up after {timeout:.0f} s")
            time.sleep(0.05)
        return time.perf_counter() - started


def kafka_perf(settings: Settings, counts: dict[str, int]) -> dict:
    """Kafka's own consumer over the same topics: ConsumerPerformance per topic, summed."""
    messages, fetch_ms, total_ms = 0, 0.0, 0.0
    for topic, count in counts.items():
        out = subprocess.run(
            ["java", "-Xmx512m", "-cp", f"{PERF_LIB}/*", "org.apache.kafka.tools.ConsumerPerformance",
             "--bootstrap-server", settings.kafka_bootstrap, "--topic", topic, "--messages", str(count),
             "--group", f"{settings.namespace}.perf.{secrets.token_hex(4)}", "--timeout", "60000", "--hide-header"],
            capture_output=True, text=True, timeout=300, check=True).stdout
        line = [l for l in out.splitlines() if re.match(r"^\d{4}-", l.strip())][-1]
        fields = [f.strip() for f in line.split(",")]
        # start, end, MB, MB/s, nMsg, nMsg/s, rebalance ms, fetch ms, fetch MB/s, fetch nMsg/s
        messages += int(fields[4])
        fetch_ms += float(fields[7])
        total_ms += float(fields[7]) + float(fields[6])
    return {"messages": messages, "fetch_seconds": fetch_ms / 1000,
            "events_per_s": messages / (fetch_ms / 1000) if fetch_ms else None,
            "events_per_s_with_group_join": messages / (total_ms / 1000) if total_ms else None}


def run(backend: str, candidates: int, runs: int, profile: bool = False) -> dict:
    data = Path(tempfile.mkdtemp(prefix="paritrana-bench-rebuild-"))
    namespace = f"benchrb{backend[0]}{int(time.time())}"
    env = {"PARITRANA_BACKEND": backend, "PARITRANA_NAMESPACE": namespace, "PARITRANA_DATA_DIR": str(data),
           "PARITRANA_LOG_LEVEL": "WARNING", "PARITRANA_JWT_SECRET": secrets.token_urlsafe(32)}
    settings = Settings(**{k.removeprefix("PARITRANA_").lower(): v for k, v in env.items()})
    counts, ends, fill_seconds = asyncio.run(_fill(settings, candidates))
    total = sum(sum(p.values()) for p in ends.values())
    result: dict = {"backend": backend, "candidates": candidates, "events": total, "events_per_topic": counts,
                    "fill_seconds": fill_seconds, "runs": []}
    if backend == "kafka":
        result["kafka_consumer_perf"] = kafka_perf(settings, {t: n for t, n in counts.items()})
    ranking = ServiceProcess("ranking", free_port(), {**os.environ, **env}, data / "logs" / "ranking.log")
    ranking.start()
    try:
        ranking.wait_ready(timeout=120)
        progress = Progress(settings) if backend == "embedded" else None
        api = Api({"ranking": ranking.url}, "organiser-1", "organiser", env["PARITRANA_JWT_SECRET"])
        http = httpx.Client(base_url=ranking.url, headers=api.headers, timeout=1800)  # digests take a while

        def call(method: str, path: str, body: dict | None = None) -> dict:
            response = http.request(method, path, json=body)
            response.raise_for_status()
            return response.json()

        started = time.perf_counter()
        if progress is not None:
            progress.wait(1, ends, timeout=3600)
        else:
            while not call("GET", "/rebuilds")["caught_up"].get("1"):
                time.sleep(STATUS_POLL_SECONDS)
        result["first_catch_up_seconds"] = time.perf_counter() - started
        for n in range(runs):
            started = time.perf_counter()
            generation = call("POST", "/rebuilds", {})["building"]
            spy = None
            if profile and n == runs - 1:
                spy = profile_with_py_spy(ranking.process.pid, data / "rebuild.pyspy.txt")
            if backend == "kafka":  # through the service: a second MongoDB client beside it stalled FerretDB v1
                while not call("GET", "/rebuilds")["caught_up"].get(str(generation)):
                    time.sleep(STATUS_POLL_SECONDS)
            else:
                progress.wait(generation, ends, timeout=3600)
            seconds = time.perf_counter() - started
            if spy is not None:
                result["profile"] = spy.finish()
            checked = time.perf_counter()
            status = call("GET", "/rebuilds")
            while "digests" not in status:  # the live generation may still be handling the last batch
                time.sleep(0.2)
                status = call("GET", "/rebuilds")
            digest_seconds = time.perf_counter() - checked
            call("POST", "/rebuilds/switch", {"generation": generation})
            result["runs"].append({"generation": generation, "seconds": seconds, "events_per_s": total / seconds,
                                   "identical": status["identical"], "digest_seconds": digest_seconds,
                                   "leaderboards_digest": status["digests"][str(generation)]["leaderboards"]})
        result["peak_rss_mib"] = peak_rss_mib(ranking.process.pid)
    finally:
        ranking.stop()
    return result


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(run(args[0], int(args[1]), int(args[2]), profile="--profile" in sys.argv)))
