"""Ranking's Standings projection: one document per candidate from four services' streams, the
same whatever order those streams interleave in, each event applied once."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.ranking.projections import Standings
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.evidence import CoverageFigureSubmitted, EvidenceRejected, EvidenceVerified, Figures
from shared.contracts.interview import InterviewScored
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn, CycleOpened
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.envelope import Actor, seal
from shared.projection import apply_once

AUTO = "rule:coverage-bands:v1"


def envelope(event, stream: str, sequence: int):
    return seal({"event_id": f"{stream}#{sequence}", "type": event.TYPE, "schema_version": 1, "stream": stream,
                 "sequence": sequence, "occurred_at": datetime(2025, 2, 3, tzinfo=UTC),
                 "actor": Actor(id="x", role="system"), "correlation_id": "k",
                 "payload": event.model_dump(mode="json"), "previous_hash": None})


def score(score_id, indicator, assessor, value):
    return IndicatorScored(score_id=score_id, candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city",
                           indicator_id=indicator, assessor_id=assessor, value=value, rubric_version=1)


def amend(score_id, supersedes, indicator, assessor, value):
    return ScoreAmended(score_id=score_id, supersedes=supersedes, candidate_id="c-1", indicator_id=indicator,
                        assessor_id=assessor, value=value, reason="r")


def verified(evidence_id, enrolled, figures=True):
    numbers = Figures(period="2024", workers_eligible=1000, workers_enrolled=enrolled) if figures else None
    return EvidenceVerified(evidence_id=evidence_id, kind="figure", candidate_id="c-1", cycle_id="demo-2024",
                            category_id="regency-city", figures=numbers)


REG = CandidateRegistered(candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city", kind="regency_city",
                          name="Kota Bandung", province="jawa-barat", regency_code="32.73")

# each service's stream, in its own order
STREAMS = {
    "registration/candidate/c-1": [REG],
    "scoring/score-sheet/c-1": [
        score("p1", "policy", "a1", 80), score("p2", "policy", "a2", 90), score("m1", "implementation", "a1", 70),
        amend("p1b", "p1", "policy", "a1", 60), score("auto-f-1-coverage", "coverage", AUTO, 50),
        amend("auto-f-2-coverage", "auto-f-1-coverage", "coverage", AUTO, 90),
    ],
    "interview/interview-sheet/c-1": [
        InterviewScored(score_id="i1", candidate_id="c-1", cycle_id="demo-2024", interviewer_id="iv1", value=88,
                        attendee="Wali Kota"),
        InterviewScored(score_id="i2", candidate_id="c-1", cycle_id="demo-2024", interviewer_id="iv2", value=72,
                        attendee="Wali Kota"),
    ],
    "evidence/candidate-evidence/c-1": [verified("f-1", 450), verified("f-2", 720)],
}
SEALED = {stream: [(envelope(e, stream, n), e) for n, e in enumerate(events, start=1)]
          for stream, events in STREAMS.items()}

EXPECTED_SCORES = {
    "p1": {"indicator_id": "policy", "assessor_id": "a1", "value": 80, "current": False},
    "p2": {"indicator_id": "policy", "assessor_id": "a2", "value": 90, "current": True},
    "m1": {"indicator_id": "implementation", "assessor_id": "a1", "value": 70, "current": True},
    "p1b": {"indicator_id": "policy", "assessor_id": "a1", "value": 60, "current": True},
    "auto-f-1-coverage": {"indicator_id": "coverage", "assessor_id": AUTO, "value": 50, "current": False},
    "auto-f-2-coverage": {"indicator_id": "coverage", "assessor_id": AUTO, "value": 90, "current": True},
}


def project(pairs, view=None):
    view = {} if view is None else view
    for env, event in pairs:
        updated = apply_once(Standings(), view, env, event)
        view = updated if updated is not None else view
    return view


def interleaving(seed: int):
    """One random merge of the streams that keeps each stream's own order."""
    rng, queues, merged = random.Random(seed), {s: list(p) for s, p in SEALED.items()}, []
    while queues:
        stream = rng.choice(sorted(queues))
        merged.append(queues[stream].pop(0))
        if not queues[stream]:
            del queues[stream]
    return merged


def in_stream_order():
    return [pair for pairs in SEALED.values() for pair in pairs]


def test_the_standing_holds_registration_scores_interviews_and_the_latest_verified_figure():
    view = project(in_stream_order())
    assert {k: view[k] for k in ("candidate_id", "cycle_id", "category_id", "province", "name", "kind")} == {
        "candidate_id": "c-1", "cycle_id": "demo-2024", "category_id": "regency-city", "province": "jawa-barat",
        "name": "Kota Bandung", "kind": "regency_city"}
    assert "regency_code" not in view
    assert view["scores"] == EXPECTED_SCORES
    assert view["interviews"] == {"i1": {"interviewer_id": "iv1", "value": 88},
                                  "i2": {"interviewer_id": "iv2", "value": 72}}
    coverage = view["coverage"]
    assert (coverage["figure_id"], coverage["workers_eligible"], coverage["workers_enrolled"], coverage["ratio"]) == \
        ("f-2", 1000, 720, 0.72)
    assert view["_seen"] == {"registration/candidate/c-1": 1, "scoring/score-sheet/c-1": 6,
                             "interview/interview-sheet/c-1": 2, "evidence/candidate-evidence/c-1": 2}
    assert "withdrawn" not in view


@pytest.mark.parametrize("seed", range(40))
def test_the_standing_is_the_same_whatever_order_the_streams_interleave_in(seed):
    assert project(interleaving(seed)) == project(in_stream_order())


def test_scores_arriving_before_the_registration_are_kept():
    scoring = SEALED["scoring/score-sheet/c-1"]
    early = project(scoring)
    assert early["candidate_id"] == "c-1" and "name" not in early and early["scores"] == EXPECTED_SCORES
    late = project(SEALED["registration/candidate/c-1"], early)
    assert late["name"] == "Kota Bandung" and late["scores"] == EXPECTED_SCORES


def test_redelivered_events_apply_once_and_a_stale_sequence_is_ignored():
    once = project(in_stream_order())
    twice = project(in_stream_order() + in_stream_order()[::-1], once)
    assert twice == once
    # a later event of the same stream cannot be undone by replaying an earlier one
    assert apply_once(Standings(), once, *SEALED["evidence/candidate-evidence/c-1"][0]) is None


def test_withdrawal_is_recorded_with_its_reason_and_keeps_the_scores():
    withdrawn = CandidateWithdrawn(candidate_id="c-1", cycle_id="demo-2024", reason="surat wali kota")
    view = project(in_stream_order() + [(envelope(withdrawn, "registration/candidate/c-1", 2), withdrawn)])
    assert (view["withdrawn"], view["withdrawal_reason"]) == (True, "surat wali kota")
    assert view["scores"] == EXPECTED_SCORES and view["name"] == "Kota Bandung"


def test_a_withdrawal_arriving_before_the_registration_survives_it():
    withdrawn = CandidateWithdrawn(candidate_id="c-1", cycle_id="demo-2024", reason="x")
    view = Standings().apply({}, None, withdrawn)
    view = Standings().apply(view, None, REG)
    assert view["withdrawn"] is True and view["name"] == "Kota Bandung"


def test_a_verification_without_figures_changes_nothing():
    view = project(in_stream_order())
    bare = verified("doc-1", 0, figures=False)
    after = Standings().apply({k: v for k, v in view.items() if k != "_seen"}, None, bare)
    assert after["coverage"]["figure_id"] == "f-2"


def test_an_amendment_of_a_score_it_never_saw_is_added_without_touching_others():
    scores = Standings().apply({}, None, amend("x2", "x1", "policy", "a9", 10))["scores"]
    assert scores == {"x2": {"indicator_id": "policy", "assessor_id": "a9", "value": 10, "current": True}}


CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [{"id": "c", "name": "c", "segment": "government", "level": "village",
                    "rubric": {"version": 1, "indicators": [{"id": "p", "name": "p", "weight": 1,
                                                             "method": "judged"}]}}],
})


@pytest.mark.parametrize(
    "event",
    [
        CycleOpened(config=CONFIG),
        CoverageFigureSubmitted(figure_id="f-3", candidate_id="c-1", cycle_id="demo-2024",
                                category_id="regency-city", period="2024", workers_eligible=10, workers_enrolled=9,
                                source="x"),
        EvidenceRejected(evidence_id="f-1", kind="figure", candidate_id="c-1", cycle_id="demo-2024", reason="no"),
    ],
    ids=lambda e: e.TYPE,
)
def test_unverified_figures_and_other_facts_are_not_followed(event):
    assert Standings().doc_id(envelope(event, "s", 1), event) is None


def test_followed_facts_go_to_their_candidates_document():
    for pairs in SEALED.values():
        for env, event in pairs:
            assert Standings().doc_id(env, event) == "c-1"
