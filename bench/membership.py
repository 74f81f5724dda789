"""Benchmark: the full register of employers (membership data) imported and screened over HTTP.

    python -m bench.membership EMPLOYERS [embedded|kafka] [RUNS]

Generates EMPLOYERS rows (`paritrana.employers`, seeded; not timed), starts the five services as
separate processes, then per run (a fresh period each): streams the CSV to
`POST /membership-data/{period}` (every row checked, the file kept, one event with the totals per
province) and screens it for the 2024 edition (`POST /membership-screenings`). Prints one JSON
object per run: seconds and rows per second of each step.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from paritrana.client import Api
from paritrana.employers import FULL_REGISTER, register
from paritrana.launcher import cluster

EDITION = Path(__file__).parents[1] / "services/registration/cycles/paritrana-2024.yaml"


def _chunks(path: Path):
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            yield block


def _timed(call) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def run(api: Api, url: str, register_file: Path, employers: int, run_number: int) -> dict:
    period, cycle_id = f"20{30 + run_number}-02", f"bench-membership-{run_number}-{int(time.time())}"
    headers = {**api.headers, "Content-Type": "text/csv"}
    imported, import_s = _timed(lambda: httpx.post(f"{url}/membership-data/{period}", content=_chunks(register_file),
                                                   headers=headers, timeout=1800))
    imported.raise_for_status()
    document = EDITION.read_text().replace("cycle_id: paritrana-2024", f"cycle_id: {cycle_id}").encode()
    api.post_raw("registration", "/cycle-documents", document, "application/yaml")
    api.wait_for("evidence", f"/directory/cycles/{cycle_id}", timeout=120)
    body = {"cycle_id": cycle_id, "period": period, "per_province": 20}
    screened, screen_s = _timed(lambda: httpx.post(f"{url}/membership-screenings", json=body, headers=api.headers,
                                                   timeout=1800))
    screened.raise_for_status()
    outcome = api.get("evidence", f"/membership-screenings/{cycle_id}/{period}")
    return {"employers": employers, "import_s": round(import_s, 2), "import_rows_per_s": round(employers / import_s),
            "screen_s": round(screen_s, 2), "screen_rows_per_s": round(employers / screen_s),
            "eligible": outcome["eligible"], "nominated": outcome["nominated"]}


def main() -> None:
    employers = int(sys.argv[1]) if len(sys.argv) > 1 else FULL_REGISTER
    backend = sys.argv[2] if len(sys.argv) > 2 else "embedded"
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with tempfile.TemporaryDirectory(prefix="bench-membership-") as tmp:
        register_file = Path(tmp) / "employers.csv"
        with register_file.open("w") as out:
            out.writelines(line + "\n" for line in register(seed=1, count=employers))
        env = {"PARITRANA_BACKEND": backend, "PARITRANA_DATA_DIR": tmp,
               "PARITRANA_NAMESPACE": f"benchmembership{int(time.time())}"}
        services = cluster(env, Path(tmp) / "logs")
        services.start()
        try:
            api = Api(services.urls(), "bench", "organiser", services.jwt_secret)
            for n in range(runs):
                print(json.dumps({"backend": backend, "run": n + 1,
                                  **run(api, services.url("evidence"), register_file, employers, n)}), flush=True)
        finally:
            services.stop()


if __name__ == "__main__":
    main()
