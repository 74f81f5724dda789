"""Ranking's progress read model (services.ranking.progress): one document per candidate saying how
far it has come, the same whatever order the services' streams interleave in, each event applied
once; and the pure counts per province (scoped to some provinces or not) and coverage sums."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from services.ranking.progress import CandidateProgress, count_coverage, count_progress, totals
from shared.contracts.evidence import CandidateScreened, EvidenceRejected, EvidenceVerified, Figures
from shared.contracts.interview import InterviewScored
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.envelope import Actor, seal
from shared.projection import apply_once

CYCLE = "demo-2024"


def envelope(event, stream: str, sequence: int, role: str):
    return seal({"event_id": f"{stream}#{sequence}", "type": event.TYPE, "schema_version": 1, "stream": stream,
                 "sequence": sequence, "occurred_at": datetime(2025, 2, 3, tzinfo=UTC),
                 "actor": Actor(id=f"{role}-1", role=role), "correlation_id": "k",
                 "payload": event.model_dump(mode="json"), "previous_hash": None})


def registered(candidate: str, province: str, category: str = "regency-city") -> CandidateRegistered:
    return CandidateRegistered(candidate_id=candidate, cycle_id=CYCLE, category_id=category, kind="regency_city",
                               name=candidate.title(), province=province)


def screened(candidate: str, eligible: bool) -> CandidateScreened:
    return CandidateScreened(candidate_id=candidate, cycle_id=CYCLE, category_id="regency-city", eligible=eligible,
                             passed=[], failed=[])


def scored(candidate: str, score_id: str, assessor: str = "a1") -> IndicatorScored:
    return IndicatorScored(score_id=score_id, candidate_id=candidate, cycle_id=CYCLE, category_id="regency-city",
                           indicator_id="policy", assessor_id=assessor, value=80, rubric_version=1)


def verified(candidate: str, evidence_id: str, enrolled: int, eligible: int = 1000) -> EvidenceVerified:
    return EvidenceVerified(evidence_id=evidence_id, kind="figure", candidate_id=candidate, cycle_id=CYCLE,
                            category_id="regency-city",
                            figures=Figures(period="2024", workers_eligible=eligible, workers_enrolled=enrolled))


def rejected(candidate: str, evidence_id: str) -> EvidenceRejected:
    return EvidenceRejected(evidence_id=evidence_id, kind="figure", candidate_id=candidate, cycle_id=CYCLE,
                            reason="wrong period")


# each service's stream of candidate "a", in its own order, with the role that caused each event
STREAMS = {
    "registration/candidate/a": [(registered("a", "jawa-barat"), "organiser"),
                                 (CandidateWithdrawn(candidate_id="a", cycle_id=CYCLE, reason="r"), "organiser")],
    "evidence/screening/a": [(screened("a", False), "organiser"), (screened("a", True), "organiser")],
    "evidence/candidate-evidence/a": [(verified("a", "f1", 300), "committee-secretary"),
                                      (verified("a", "f2", 450), "committee-secretary"),
                                      (rejected("a", "f1"), "committee-secretary")],  # not the one that counts
    "scoring/score-sheet/a": [
        (scored("a", "auto-1", "rule:coverage-bands:v1"), "system"),
        (scored("a", "s1"), "assessor"),
        (ScoreAmended(score_id="s1b", supersedes="s1", candidate_id="a", indicator_id="policy", assessor_id="a1",
                      value=70, reason="r"), "assessor")],
    "interview/interview-sheet/a": [(InterviewScored(score_id="i1", candidate_id="a", cycle_id=CYCLE,
                                                     interviewer_id="iv1", value=88, attendee="Wali Kota"),
                                     "interviewer")],
}
SEALED = {stream: [(envelope(e, stream, n, role), e) for n, (e, role) in enumerate(events, start=1)]
          for stream, events in STREAMS.items()}
EXPECTED = {"candidate_id": "a", "cycle_id": CYCLE, "category_id": "regency-city", "province": "jawa-barat",
            "registered": True, "withdrawn": True, "screened": True, "eligible": True, "scored": True,
            "interviewed": True, "coverage": {"figure_id": "f2", "workers_enrolled": 450, "workers_eligible": 1000}}


def project(pairs, view=None):
    view = {} if view is None else view
    for env, event in pairs:
        updated = apply_once(CandidateProgress(), view, env, event)
        view = updated if updated is not None else view
    return view


def interleaving(seed: int):
    rng, queues, merged = random.Random(seed), {s: list(p) for s, p in SEALED.items()}, []
    while queues:
        stream = rng.choice(sorted(queues))
        merged.append(queues[stream].pop(0))
        if not queues[stream]:
            del queues[stream]
    return merged


@pytest.mark.parametrize("seed", range(8))
def test_a_candidate_s_progress_is_the_same_whatever_the_interleaving(seed):
    view = project(interleaving(seed))
    assert {k: v for k, v in view.items() if k != "_seen"} == EXPECTED


def test_each_event_is_applied_once_and_apply_does_not_change_its_input():
    pairs = interleaving(1)
    once = project(pairs)
    assert project(pairs, once) == once  # every event redelivered: nothing changes
    before = copy.deepcopy(once)
    event = screened("a", False)
    env = envelope(event, "evidence/screening/a", 3, "organiser")
    after = CandidateProgress().apply({k: v for k, v in once.items() if k != "_seen"}, env, event)
    assert once == before and after["eligible"] is False and after["screened"] is True


def test_only_an_assessor_s_score_counts_as_scored_and_a_rejected_figure_stops_counting():
    rule_score = scored("b", "auto-1", "rule:coverage-bands:v1")
    assert "scored" not in project([(envelope(rule_score, "scoring/score-sheet/b", 1, "system"), rule_score)])
    figure = [(envelope(e, "evidence/candidate-evidence/b", n, "committee-secretary"), e)
              for n, e in enumerate([verified("b", "f1", 100), rejected("b", "f1")], start=1)]
    assert "coverage" not in project(figure)
    assert project(figure[:1])["coverage"]["workers_enrolled"] == 100


def test_events_that_are_not_followed_touch_no_document():
    from shared.contracts.registration import CycleStageAdvanced
    event = CycleStageAdvanced(cycle_id=CYCLE, from_stage="registration", to_stage="screening")
    assert CandidateProgress().doc_id(envelope(event, "registration/cycle/c", 1, "organiser"), event) is None


def _doc(candidate, province, category="regency-city", **marks):
    return {"candidate_id": candidate, "cycle_id": CYCLE, "category_id": category, "province": province,
            "registered": True, **marks}


CANDIDATES = [
    _doc("a", "jawa-barat", screened=True, eligible=True, scored=True, interviewed=True,
         coverage={"figure_id": "f1", "workers_enrolled": 700, "workers_eligible": 1000}),
    _doc("b", "jawa-barat", screened=True, eligible=False,
         coverage={"figure_id": "f2", "workers_enrolled": 500, "workers_eligible": 1000}),
    _doc("c", "jawa-barat", withdrawn=True),
    _doc("v", "banten", "village", screened=True, eligible=True,
         coverage={"figure_id": "f3", "workers_enrolled": 100, "workers_eligible": 400}),
    {"candidate_id": "x", "scored": True},  # scored before its registration arrived: not counted yet
]
SHORTLISTS = [{"cycle_id": CYCLE, "category_id": "regency-city", "province": "jawa-barat", "shortlisted": ["a", "b"]}]
BOARDS = [{"cycle_id": CYCLE, "category_id": "regency-city", "province": "jawa-barat", "published": 2},
          {"board_id": "never-published", "province": "banten", "published": 0}]


def test_progress_counts_each_stage_per_province():
    found = count_progress(CANDIDATES, SHORTLISTS, BOARDS)
    assert list(found) == ["banten", "jawa-barat"]
    assert found["jawa-barat"] == {"registered": 3, "withdrawn": 1, "screened": 2, "eligible": 1, "scored": 1,
                                   "shortlisted": 2, "interviewed": 1, "published": 1}
    assert found["banten"] == {"registered": 1, "withdrawn": 0, "screened": 1, "eligible": 1, "scored": 0,
                               "shortlisted": 0, "interviewed": 0, "published": 0}
    assert totals(found)["registered"] == 4 and totals(found)["eligible"] == 2


def test_a_scoped_count_keeps_to_its_provinces_and_lists_them_even_at_zero():
    found = count_progress(CANDIDATES, SHORTLISTS, BOARDS, ["banten", "papua"])
    assert list(found) == ["banten", "papua"]
    assert found["papua"] == dict.fromkeys(found["papua"], 0) and found["banten"]["registered"] == 1
    assert totals(found)["shortlisted"] == 0


def test_coverage_sums_each_province_s_verified_figures():
    assert count_coverage(CANDIDATES) == {
        "banten": {"workers_enrolled": 100, "workers_eligible": 400, "candidates": 1},
        "jawa-barat": {"workers_enrolled": 1200, "workers_eligible": 2000, "candidates": 2},
    }
    assert list(count_coverage(CANDIDATES, ["jawa-barat"])) == ["jawa-barat"]
