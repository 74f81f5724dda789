"""Benchmark: bulk import of candidates and their coverage rows through the HTTP APIs.

    python -m bench.bulk_import ROWS [embedded|kafka]

Starts the five services as separate processes (a fresh namespace), opens the demo cycle,
posts ROWS regency/city candidates as one CSV, then ROWS coverage figures as another, showing
progress (rows decided, rate, time left) on stderr, and prints one Markdown table row per import.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from paritrana.client import Api
from paritrana.launcher import cluster
from paritrana.scenario import demo_config, open_cycle



def candidates_csv(rows: int) -> bytes:
    lines = ["candidate_id,category_id,kind,name,province"]
    lines += [f"bench-{n},regency-city,regency_city,Candidate {n},jawa-barat" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def figures_csv(rows: int) -> bytes:
    lines = ["figure_id,candidate_id,period,workers_eligible,workers_enrolled,source,arrears_months"]
    lines += [f"fig-{n},bench-{n},2024,{50 + n % 5000},{(n * 7) % 50},BPJS Ketenagakerjaan,{n % 3 == 0:d}"
              for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def show_progress(url: str, key: str, headers: dict[str, str], stop: threading.Event) -> None:
    started = time.perf_counter()
    while not stop.wait(2):
        try:
            progress = httpx.get(f"{url}/imports/{key}", headers=headers).json()
        except (httpx.HTTPError, ValueError):
            continue
        if "total" not in progress:
            continue
        elapsed = time.perf_counter() - started
        rate = progress["decided"] / elapsed if progress["decided"] else 0
        left = (progress["total"] - progress["decided"]) / rate if rate else float("nan")
        print(f"\r{key}: {progress['decided']:,}/{progress['total']:,} decided, {rate:,.0f}/s, ~{left:,.0f} s left",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def post(api: Api, url: str, path: str, body: bytes, key: str, **params) -> tuple[httpx.Response, float]:
    stop = threading.Event()
    watcher = threading.Thread(target=show_progress, args=(url, key, api.headers, stop), daemon=True)
    watcher.start()
    started = time.perf_counter()
    try:
        response = httpx.post(f"{url}{path}", params=params, content=body, timeout=7200,
                              headers={**api.headers, "Content-Type": "text/csv", "Idempotency-Key": key})
    finally:
        stop.set()
        watcher.join()
    return response, time.perf_counter() - started


def row(what: str, backend: str, rows: int, response: httpx.Response, seconds: float) -> str:
    done = (f"{response.json()['accepted']:,}" if response.status_code == 201
            else f"HTTP {response.status_code}: not every row decided within the wait")
    return f"| {what} | {backend} | {rows:,} | {done} | {seconds:.1f} s | {rows / seconds:,.0f} rows/s |"


def run(rows: int, backend: str) -> list[str]:
    data = Path(tempfile.mkdtemp(prefix="paritrana-bench-"))
    env = {"PARITRANA_BACKEND": backend, "PARITRANA_NAMESPACE": f"bench{int(time.time())}",
           "PARITRANA_DATA_DIR": str(data), "PARITRANA_LOG_LEVEL": "WARNING"}
    services = cluster(env, data / "logs")
    services.start()
    try:
        api = Api(services.urls(), "bench", "organiser", services.jwt_secret)
        open_cycle(api, {**demo_config(), "cycle_id": "bench"})
        registration, evidence = services.url("registration"), services.url("evidence")
        response, seconds = post(api, registration, "/candidates/import", candidates_csv(rows), "bench-candidates",
                                 cycle_id="bench")
        lines = [row("candidates", backend, rows, response, seconds)]
        if response.status_code == 201:
            api.wait_for("evidence", f"/directory/candidates/bench-{rows - 1}", timeout=600)
            response, seconds = post(api, evidence, "/coverage-figures/import", figures_csv(rows), "bench-figures")
            lines.append(row("coverage rows", backend, rows, response, seconds))
        return lines
    finally:
        services.stop()


if __name__ == "__main__":
    print("\n".join(run(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "embedded")))
