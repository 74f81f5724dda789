"""Benchmark: bulk candidate import through registration's HTTP API, on a backend.

    python -m bench.bulk_import ROWS [embedded|kafka]

Starts the five services as separate processes (a fresh namespace), opens the demo cycle,
posts one CSV of ROWS regency/city candidates, and prints one Markdown table row.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

from paritrana.client import Api
from paritrana.launcher import cluster
from paritrana.scenario import demo_config, open_cycle


def csv_body(rows: int) -> bytes:
    lines = ["candidate_id,category_id,kind,name,province"]
    lines += [f"bench-{n},regency-city,regency_city,Candidate {n},jawa-barat" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def run(rows: int, backend: str) -> str:
    data = Path(tempfile.mkdtemp(prefix="paritrana-bench-"))
    env = {"PARITRANA_BACKEND": backend, "PARITRANA_NAMESPACE": f"bench{int(time.time())}",
           "PARITRANA_DATA_DIR": str(data), "PARITRANA_LOG_LEVEL": "WARNING"}
    services = cluster(env, data / "logs")
    services.start()
    try:
        open_cycle(Api(services.urls(), "bench", "organiser"), {**demo_config(), "cycle_id": "bench"})
        started = time.perf_counter()
        response = httpx.post(
            f"{services.url('registration')}/candidates/import", params={"cycle_id": "bench"},
            content=csv_body(rows), timeout=3600,
            headers={"X-Actor-Id": "bench", "X-Actor-Role": "organiser", "Content-Type": "text/csv"},
        )
        seconds = time.perf_counter() - started
    finally:
        services.stop()
    registered = (
        f"{response.json()['accepted']:,}"
        if response.status_code == 201
        else f"HTTP {response.status_code}: not every row decided within the wait"
    )
    return f"| bulk import | {backend} | {rows:,} | {registered} | {seconds:.1f} s | {rows / seconds:,.0f} rows/s |"


if __name__ == "__main__":
    print(run(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "embedded"))
