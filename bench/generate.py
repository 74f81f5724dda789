"""The fast path that fills an event log for the rebuild benchmark, without the HTTP APIs.

Seeded, synthetic facts with valid envelopes (the contracts' own payloads, SHA-256 hash chains
per stream, exactly as `shared.processor` seals them) written through the `EventLog` interface
(`append_many`) to the topics ranking follows. Per candidate (regency/city in the demo rubric,
spread over the 38 provinces): CandidateRegistered; CoverageFigureSubmitted and EvidenceVerified;
the coverage score the rubric derives; and for one candidate in `assessed_every` the two judged
indicators by two assessors. Playing these through the APIs is what `bench.bulk_import` and the
end-to-end stage measure; here only the replay is.
"""

from __future__ import annotations

import csv
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shared import topics
from shared.codec import decode
from shared.contracts.evidence import CoverageFigureSubmitted, EvidenceVerified
from shared.contracts.registration import CandidateRegistered, CycleOpened, PanellistAppointed
from shared.contracts.scoring import IndicatorScored
from shared.envelope import canonical_json, chain_hash
from shared.ports import EventLog
from services.registration.cycle_files import shipped

PROVINCES_CSV = Path(__file__).parents[1] / "services/registration/reference/kemendagri-2024/provinces.csv"
ASSESSORS = ("assessor-1", "assessor-2")
START = datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc)


def provinces() -> list[tuple[str, str]]:
    with PROVINCES_CSV.open() as f:
        return [(row["id"], row["zone"]) for row in csv.DictReader(f)]


class Sealer:
    """Envelopes as `shared.processor` seals them: one hash chain per stream."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._heads: dict[str, tuple[int, str | None]] = {}
        self._clock = START

    def seal(self, service: str, kind: str, aggregate_id: str, event, actor: tuple[str, str]) -> bytes:
        return self.seal_payload(service, kind, aggregate_id, event.TYPE, event.VERSION, event.model_dump(mode="json"),
                                 actor)

    def seal_payload(self, service: str, kind: str, aggregate_id: str, type_: str, version: int, payload: dict,
                     actor: tuple[str, str]) -> bytes:
        stream = f"{service}/{kind}/{aggregate_id}"
        sequence, previous = self._heads.get(stream, (0, None))
        self._clock += timedelta(milliseconds=7)
        fields = {
            "envelope_version": 1,
            "event_id": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            "type": type_,
            "schema_version": version,
            "stream": stream,
            "sequence": sequence + 1,
            "occurred_at": self._clock.isoformat().replace("+00:00", "Z"),
            "actor": {"id": actor[0], "role": actor[1]},
            "causation_id": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            "correlation_id": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            "payload": payload,
            "previous_hash": previous,
        }
        digest = chain_hash(fields)
        self._heads[stream] = (sequence + 1, digest)
        return canonical_json({**fields, "hash": digest})


def events(candidates: int, seed: int = 1, assessed_every: int = 50, cycle_id: str = "bench-2024",
           sealer: Sealer | None = None):
    """(service, key, value, type) in append order; deterministic for a seed."""
    rng = random.Random(seed)
    sealer = sealer or Sealer(seed)
    config = shipped("demo").model_copy(update={"cycle_id": cycle_id})
    organiser = ("organiser-1", "organiser")
    yield "registration", cycle_id, sealer.seal("registration", "cycle", cycle_id, CycleOpened(config=config),
                                                organiser), "CycleOpened"
    places = provinces()
    for province, _zone in places:
        for assessor in ASSESSORS:
            person = f"{assessor}-{province}"
            event = PanellistAppointed(person_id=person, name=f"Assessor {person}", cycle_id=cycle_id,
                                       duty="assessor", province=province, category_ids=["regency-city"])
            yield "registration", person, sealer.seal("registration", "panellist", person, event, organiser), \
                event.TYPE
    # one contract instance per type, dumped once; each event fills in its own fields (the same
    # payload the contract would dump: every default present, floats as floats)
    registered_t = _template(CandidateRegistered(candidate_id="x", cycle_id=cycle_id, category_id="regency-city",
                                                 kind="regency_city", name="x", province="x", zone="x"))
    figure_t = _template(CoverageFigureSubmitted(figure_id="x", candidate_id="x", cycle_id=cycle_id,
                                                 category_id="regency-city", period="2024", workers_eligible=1,
                                                 workers_enrolled=0, source="BPJS Ketenagakerjaan"))
    verified_t = _template(EvidenceVerified(evidence_id="x", kind="figure", candidate_id="x", cycle_id=cycle_id,
                                            category_id="regency-city", reason="matches the membership export",
                                            figures={"period": "2024", "workers_eligible": 1, "workers_enrolled": 0}))
    derived_t = _template(IndicatorScored(score_id="x", candidate_id="x", cycle_id=cycle_id, category_id="regency-city",
                                          indicator_id="coverage", assessor_id="rule", value=0.0, rubric_version=1,
                                          rule="coverage-bands@1", evidence=["x"], inputs={}))
    scored_t = _template(IndicatorScored(score_id="x", candidate_id="x", cycle_id=cycle_id, category_id="regency-city",
                                         indicator_id="x", assessor_id="x", value=0.0, rubric_version=1,
                                         evidence=["x"]))
    office, system = ("bpjs-data-office", "regional-service"), ("scoring", "system")
    for n in range(candidates):
        province, zone = places[n % len(places)]
        cid = f"c{n:07d}"
        yield "registration", cid, sealer.seal_payload(
            "registration", "candidate", cid, registered_t[0], registered_t[1],
            {**registered_t[2], "candidate_id": cid, "name": f"Candidate {n}", "province": province, "zone": zone},
            organiser), registered_t[0]
        eligible = rng.randint(50, 5000)
        enrolled = rng.randint(0, eligible)
        figure = f"fig-{cid}"
        numbers = {"workers_eligible": eligible, "workers_enrolled": enrolled}
        yield "evidence", cid, sealer.seal_payload(
            "evidence", "candidate-evidence", cid, figure_t[0], figure_t[1],
            {**figure_t[2], "figure_id": figure, "candidate_id": cid, **numbers}, office), figure_t[0]
        yield "evidence", cid, sealer.seal_payload(
            "evidence", "candidate-evidence", cid, verified_t[0], verified_t[1],
            {**verified_t[2], "evidence_id": figure, "candidate_id": cid,
             "figures": {**verified_t[2]["figures"], **numbers}},
            (f"secretary-{province}", "committee-secretary")), verified_t[0]
        ratio = enrolled / eligible
        band = max(score for low, score in ((0.0, 20), (0.3, 50), (0.5, 70), (0.7, 90)) if ratio >= low)
        yield "scoring", cid, sealer.seal_payload(
            "scoring", "score-sheet", cid, derived_t[0], derived_t[1],
            {**derived_t[2], "score_id": f"auto-{figure}", "candidate_id": cid, "value": float(band),
             "evidence": [figure], "inputs": numbers}, system), derived_t[0]
        if n % assessed_every == 0:
            for indicator in ("policy", "implementation"):
                for assessor in ASSESSORS:
                    person = f"{assessor}-{province}"
                    yield "scoring", cid, sealer.seal_payload(
                        "scoring", "score-sheet", cid, scored_t[0], scored_t[1],
                        {**scored_t[2], "score_id": f"s-{cid}-{indicator}-{assessor[-1]}", "candidate_id": cid,
                         "indicator_id": indicator, "assessor_id": person, "value": float(rng.randint(40, 100)),
                         "evidence": [figure]}, (person, "assessor")), scored_t[0]


def _template(event) -> tuple[str, int, dict]:
    return event.TYPE, event.VERSION, event.model_dump(mode="json")


async def fill(log: EventLog, namespace: str, candidates: int, seed: int = 1, chunk: int = 5000,
               check_every: int = 97) -> Counter:
    """Append the generated events to the namespace's event topics; returns events per topic.
    Every `check_every`-th event is decoded back first (envelope, hash, contract): the fast path
    must never drift from the codec."""
    counts: Counter = Counter()
    pending: dict[str, list[tuple[str, bytes, dict[str, str]]]] = {}
    for n, (service, key, value, type_) in enumerate(events(candidates, seed)):
        if n % check_every == 0 or n < 200:
            decode(value)  # raises PoisonRecord
        topic = topics.events(namespace, service)
        pending.setdefault(topic, []).append((key, value, {"type": type_}))
        if len(pending[topic]) >= chunk:
            await log.append_many(topic, pending.pop(topic))
        counts[topic] += 1
    for topic, items in pending.items():
        await log.append_many(topic, items)
    return counts
