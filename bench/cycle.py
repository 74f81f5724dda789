"""Benchmark: a province cycle end to end through the APIs, then queries and commands under load
from 100 concurrent clients, and every service's peak RSS; one backend per call.

    python -m bench.cycle BACKEND EMPLOYERS VILLAGES SECONDS [CLIENTS [PEOPLE]]

1. End to end: `paritrana.simulate`'s seeded province cycle (registration import, panel,
   evidence, screening, assessment, plenary, interviews, publication) on five service processes,
   PEOPLE (default 8) verifiers, assessors and interviewers acting at once.
2. Load, on the same cluster (`bench.load`): three windows of SECONDS each, CLIENTS concurrent clients
   (keep-alive connections) send (a) leaderboard queries of the simulated province,
   (b) explanation queries of its candidates, (c) score commands: a second, demo-rubric cycle at
   the assessment stage gives every client its own (candidate, indicator, assessor) score, and the
   client amends it again and again (each amendment supersedes the previous one: an accepted
   command, decided and appended, answered once the decider has accepted it). Each is measured
   twice: in a closed loop (the service saturated) and paced (each client once every PACE seconds).
3. Peak RSS (VmHWM) of each service process at the end.
Prints one JSON object.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.load import windows
from bench.procs import peak_rss_mib
from paritrana.client import Api
from paritrana.launcher import cluster
from paritrana.scenario import advance, appoint_panel, demo_config, open_cycle, register
from paritrana.simulate import RetryingApi, Simulation, plan

LOAD_PROVINCE = "jawa-barat"
INDICATORS = ("policy", "implementation")
ASSESSORS = ("assessor-1", "assessor-2")
WINDOWS = 3  # each load is measured in three consecutive windows of SECONDS: median, min and max
PACE = 1.0  # paced load: each client sends once a second (100 clients: 100 requests/s offered)


def _setup_commands(api: Api, clients: int) -> list[dict]:
    """A demo-rubric cycle at the assessment stage with one first score per client; returns the
    chains (the last score id of each) that the clients amend."""
    cycle_id = "bench-load"
    open_cycle(api, {**demo_config(), "cycle_id": cycle_id})
    per_candidate = len(INDICATORS) * len(ASSESSORS)
    candidates = {f"load-{n:03d}": f"Kabupaten Beban {n}" for n in range(-(-clients // per_candidate))}
    register(api, cycle_id, candidates, province=LOAD_PROVINCE)
    appoint_panel(api, cycle_id, province=LOAD_PROVINCE)
    officer = api.as_actor("bpjs-data-office", "regional-service")
    secretary = api.as_actor("secretary-jabar", "committee-secretary")
    for cid in candidates:
        officer.post("evidence", "/coverage-figures", {
            "figure_id": f"cov-{cid}", "candidate_id": cid, "period": "2024", "workers_eligible": 1000,
            "workers_enrolled": 600, "source": "BPJS Ketenagakerjaan membership"}, key=f"figure-{cid}")
        secretary.post("evidence", "/verifications", {
            "candidate_id": cid, "evidence_id": f"cov-{cid}", "verdict": "verified",
            "reason": "matches the membership export"}, key=f"verify-{cid}")
    advance(api, cycle_id, "assessment")
    chains = []
    for cid in candidates:
        for indicator in INDICATORS:
            for assessor in ASSESSORS:
                score_id = f"s-{cid}-{indicator}-{assessor[-1]}"
                api.as_actor(assessor, "assessor").post("scoring", "/scores", {
                    "score_id": score_id, "candidate_id": cid, "indicator_id": indicator, "assessor_id": assessor,
                    "value": 70, "evidence": [f"cov-{cid}"]}, key=f"score-{score_id}")
                chains.append({"candidate_id": cid, "assessor": assessor, "first": score_id, "last": score_id,
                               "headers": api.as_actor(assessor, "assessor").headers})
    return chains[:clients]


def load_queries(api: Api, urls: dict[str, str], cycle_id: str, province: str, candidates: list[str],
                 clients: int, seconds: float, every: float | None = None) -> dict:
    headers = api.headers
    board = f"{urls['ranking']}/leaderboards/{cycle_id}/regency-city/provinces/{province}"
    rng = random.Random(1)

    async def get(url: str, session) -> int:
        async with session.get(url, headers=headers) as response:
            await response.read()
            return response.status

    async def leaderboard(_index, session):
        return await get(board, session)

    async def explanation(_index, session):
        return await get(f"{urls['ranking']}/candidates/{rng.choice(candidates)}/explanation", session)

    return {"leaderboard": windows(leaderboard, clients, seconds, every, WINDOWS),
            "explanation": windows(explanation, clients, seconds, every, WINDOWS)}


def load_commands(urls: dict[str, str], chains: list[dict], seconds: float, every: float | None = None) -> list:
    """Each run amends on from where the last left off, with score ids of its own (`p` when paced)."""
    counter = {"n": 0}
    tag = "p" if every else "a"

    async def amend(index, session):
        chain = chains[index]
        counter["n"] += 1
        score_id = f"{chain['first']}-{tag}{counter['n']}"  # a slug, as score ids must be
        async with session.post(f"{urls['scoring']}/amendments", json={
                "score_id": score_id, "candidate_id": chain["candidate_id"], "supersedes": chain["last"],
                "assessor_id": chain["assessor"], "value": 60 + counter["n"] % 40, "reason": "load test re-reading"},
                headers={**chain["headers"], "Idempotency-Key": score_id}) as response:
            await response.read()
        if response.status < 400:
            chain["last"] = score_id
        return response.status

    return windows(amend, len(chains), seconds, every, WINDOWS)


def _stage_ends(stage: str, done: int, total: int) -> None:
    """Progress on stderr, one line per stage that ends (a long run can be followed)."""
    if done == total:
        print(f"[bench] {time.strftime('%H:%M:%S')} {stage}: {total} done", file=sys.stderr, flush=True)


@contextmanager
def played(backend: str, the_plan, people: int, prefix: str, started=lambda services, data: None):
    """Five service processes on `backend`, the plan played through their APIs by `people` at once
    (a request answered 503 or cut off is sent again with the same key, as a client must; the result
    counts those); yields (cluster, api, result), the result holding the cycle's figures. Stops the
    cluster after. `started(cluster, data directory)` is called once the services are up, before the play."""
    data = Path(tempfile.mkdtemp(prefix=f"paritrana-bench-{prefix}-"))
    env = {"PARITRANA_BACKEND": backend, "PARITRANA_NAMESPACE": f"bench{prefix[:4]}{backend[0]}{int(time.time())}",
           "PARITRANA_DATA_DIR": str(data), "PARITRANA_LOG_LEVEL": "WARNING"}
    services = cluster(env, data / "logs")
    services.start()
    try:
        started(services, data)
        # a command answered 503 (queued, not yet decided) is sent again with the same key, as a client must
        api = RetryingApi(services.urls(), "organiser-1", "organiser", services.jwt_secret, patience=600)
        began = time.perf_counter()
        summary = Simulation(api, the_plan, _stage_ends, clients=people).play()
        result: dict = {"backend": backend, "people": people, "e2e_seconds": time.perf_counter() - began,
                        "candidates": summary["candidates"], "seconds_per_stage": summary["seconds_per_stage"],
                        "counts": summary["counts"], "chains_intact": summary["chains_intact"]}
        result.update(commands=api.ledger.commands, retries=api.ledger.retries, unavailable=api.ledger.unavailable)
        result["events"] = sum(summary["events_per_topic"].values()) if isinstance(
            summary["events_per_topic"], dict) else summary["events_per_topic"]
        yield services, api, result
    finally:
        services.stop()


def run(backend: str, employers: int, villages: int, seconds: float, clients: int = 100, people: int = 8) -> dict:
    the_plan = plan(1, villages=villages, employers=employers)
    with played(backend, the_plan, people, "cycle") as (services, api, result):
        result.update(employers=employers, villages=villages, clients=clients)
        regencies = [c.id for c in the_plan.candidates if c.kind == "regency_city"]
        board = (api, services.urls(), the_plan.cycle_id, the_plan.province, regencies, clients, seconds)
        result["queries"] = load_queries(*board)
        result["paced"] = {"every_s": PACE, **load_queries(*board, every=PACE)}
        chains = _setup_commands(api, clients)
        result["commands"] = load_commands(services.urls(), chains, seconds)
        result["paced"]["commands"] = load_commands(services.urls(), chains, seconds, every=PACE)
        result["peak_rss_mib"] = {name: peak_rss_mib(p.process.pid) for name, p in services.services.items()}
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(run(args[0], int(args[1]), int(args[2]), float(args[3]), *(int(a) for a in args[4:6])),
                     default=str))
