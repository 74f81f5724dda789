"""Peer benchmark: the same append-and-replay workload on the `eventsourcing` library.

    python -m bench.peer CANDIDATES [RUNS]

The workload of bench.generate, as `eventsourcing` aggregates: per candidate one aggregate with
Registered, FigureSubmitted, FigureVerified and CoverageScored events (and four judged scores for
one candidate in 50), saved 1,000 aggregates per transaction; then replayed from position one
in batches of 1,000 notifications, each turned back into a domain event by the application's
mapper and applied to an in-memory standings projection. On its SQLite recorder (a file, WAL)
and its in-memory (POPO) recorder. Unlike Paritrana's replay, the library verifies no hash
chain and validates no contract on the way back. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Candidate(Aggregate):
    @event("Registered")
    def __init__(self, candidate_id: str, province: str, name: str) -> None:
        self.candidate_id, self.province, self.name = candidate_id, province, name
        self.scores: dict[str, float] = {}

    @event("FigureSubmitted")
    def submit_figure(self, figure_id: str, eligible: int, enrolled: int) -> None:
        self.figure = (figure_id, eligible, enrolled)

    @event("FigureVerified")
    def verify_figure(self, figure_id: str, reason: str) -> None:
        self.verified = figure_id

    @event("Scored")
    def score(self, score_id: str, indicator_id: str, assessor_id: str, value: float) -> None:
        self.scores[score_id] = value


class Award(Application):
    pass


def _append(app: Award, candidates: int, seed: int = 1, per_transaction: int = 1000) -> int:
    rng = random.Random(seed)
    pending, events = [], 0
    for n in range(candidates):
        cid = f"c{n:07d}"
        candidate = Candidate(cid, f"province-{n % 38}", f"Candidate {n}")
        eligible = rng.randint(50, 5000)
        enrolled = rng.randint(0, eligible)
        candidate.submit_figure(f"fig-{cid}", eligible, enrolled)
        candidate.verify_figure(f"fig-{cid}", "matches the membership export")
        candidate.score(f"auto-fig-{cid}", "coverage", "rule", 70.0)
        events += 4
        if n % 50 == 0:
            for indicator in ("policy", "implementation"):
                for assessor in ("assessor-1", "assessor-2"):
                    candidate.score(f"s-{cid}-{indicator}-{assessor}", indicator, assessor, float(rng.randint(40, 100)))
                    events += 1
        pending.append(candidate)
        if len(pending) >= per_transaction:
            app.save(*pending)
            pending = []
    if pending:
        app.save(*pending)
    return events


def _replay(app: Award, batch: int = 1000) -> tuple[int, dict]:
    standings: dict[str, dict] = {}
    start, seen = 1, 0
    while True:
        notifications = app.recorder.select_notifications(start, batch)
        if not notifications:
            return seen, standings
        for notification in notifications:
            domain_event = app.mapper.to_domain_event(notification)
            view = standings.setdefault(str(domain_event.originator_id), {"scores": {}})
            name = type(domain_event).__name__
            if name == "Registered":
                view.update(candidate_id=domain_event.candidate_id, province=domain_event.province)
            elif name == "Scored":
                view["scores"] = {**view["scores"], domain_event.score_id: domain_event.value}
            elif name == "FigureVerified":
                view["verified"] = domain_event.figure_id
            seen += 1
        start = notifications[-1].id + 1


def run_once(recorder: str, candidates: int) -> dict:
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if recorder == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="paritrana-bench-peer-")) / "events.sqlite"
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    app = Award(env=env)
    started = time.perf_counter()
    appended = _append(app, candidates)
    append_seconds = time.perf_counter() - started
    started = time.perf_counter()
    replayed, standings = _replay(app)
    replay_seconds = time.perf_counter() - started
    assert replayed == appended and len(standings) == candidates
    return {"events": appended, "append_seconds": append_seconds, "append_per_s": appended / append_seconds,
            "replay_seconds": replay_seconds, "replay_per_s": replayed / replay_seconds}


def run(candidates: int, runs: int = 3) -> dict:
    return {"library": f"eventsourcing=={version('eventsourcing')}", "candidates": candidates,
            "recorders": {r: [run_once(r, candidates) for _ in range(runs)] for r in ("sqlite", "popo")}}


if __name__ == "__main__":
    os.environ.pop("PERSISTENCE_MODULE", None)
    print(json.dumps(run(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)))
