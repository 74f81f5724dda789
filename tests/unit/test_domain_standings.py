"""Ranking's Standings projection: one document per candidate from four services' streams, the
same whatever order those streams interleave in, each event applied once, apply never changing
the view it is given."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from services.ranking.projections import FOLLOWED, Standings
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.evidence import CoverageFigureSubmitted, EvidenceRejected, EvidenceVerified, Figures
from shared.contracts.interview import (
    Attendee,
    InterviewMissed,
    InterviewScheduled,
    InterviewScoreAmended,
    InterviewScored,
)
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn, CycleOpened
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
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


def flag(score_id, indicator, assessor, evidence_id="f-1", reason="figure corrected"):
    return ScoreFlaggedForReview(score_id=score_id, candidate_id="c-1", indicator_id=indicator, assessor_id=assessor,
                                 evidence_id=evidence_id, reason=reason, cause=f"evidence#{evidence_id}")


def confirm(score_id, assessor):
    return ScoreConfirmed(score_id=score_id, candidate_id="c-1", assessor_id=assessor, note="still holds")


def interview(score_id, interviewer, value, indicator=None):
    return InterviewScored(score_id=score_id, candidate_id="c-1", cycle_id="demo-2024", interviewer_id=interviewer,
                           value=value, attendee="Wali Kota", indicator_id=indicator)


def interview_amend(score_id, supersedes, interviewer, value, indicator=None):
    return InterviewScoreAmended(score_id=score_id, supersedes=supersedes, candidate_id="c-1",
                                 interviewer_id=interviewer, indicator_id=indicator, value=value, reason="r")


def scheduled(day, panel=("iv1", "iv2")):
    return InterviewScheduled(candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city",
                              province="jawa-barat", scheduled_for=datetime(2025, 2, day, 2, tzinfo=UTC),
                              panel=list(panel), principal=Attendee(name="Wali Kota", position="mayor"))


def missed(consequence="disqualified"):
    return InterviewMissed(candidate_id="c-1", cycle_id="demo-2024", reason="did not come", consequence=consequence)


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
        flag("m1", "implementation", "a1"), flag("p2", "policy", "a2"), confirm("p2", "a2"),
    ],
    "interview/interview-sheet/c-1": [
        scheduled(17), interview("i1", "iv1", 88), interview("i2", "iv2", 60, "interview"),
        interview_amend("i2b", "i2", "iv2", 72, "interview"),
    ],
    "evidence/candidate-evidence/c-1": [verified("f-1", 450), verified("f-2", 720)],
}
SEALED = {stream: [(envelope(e, stream, n), e) for n, e in enumerate(events, start=1)]
          for stream, events in STREAMS.items()}

EXPECTED_SCORES = {
    "p1": {"indicator_id": "policy", "assessor_id": "a1", "value": 80, "current": False},
    "p2": {"indicator_id": "policy", "assessor_id": "a2", "value": 90, "current": True},
    "m1": {"indicator_id": "implementation", "assessor_id": "a1", "value": 70, "current": True,
           "review": {"evidence_id": "f-1", "reason": "figure corrected"}},
    "p1b": {"indicator_id": "policy", "assessor_id": "a1", "value": 60, "current": True},
    "auto-f-1-coverage": {"indicator_id": "coverage", "assessor_id": AUTO, "value": 50, "current": False},
    "auto-f-2-coverage": {"indicator_id": "coverage", "assessor_id": AUTO, "value": 90, "current": True},
}

EXPECTED_INTERVIEWS = {
    "i1": {"interviewer_id": "iv1", "indicator_id": None, "value": 88, "current": True},
    "i2": {"interviewer_id": "iv2", "indicator_id": "interview", "value": 60, "current": False},
    "i2b": {"interviewer_id": "iv2", "indicator_id": "interview", "value": 72, "current": True},
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
    assert view["regency_code"] == "32.73" and view["employer_id"] is None and view["zone"] is None
    assert view["scores"] == EXPECTED_SCORES
    assert view["interviews"] == EXPECTED_INTERVIEWS
    assert view["interview_schedule"] == {"scheduled_for": "2025-02-17T02:00:00Z", "panel": ["iv1", "iv2"]}
    coverage = view["coverage"]
    assert (coverage["figure_id"], coverage["workers_eligible"], coverage["workers_enrolled"], coverage["ratio"]) == \
        ("f-2", 1000, 720, 0.72)
    assert view["_seen"] == {"registration/candidate/c-1": 1, "scoring/score-sheet/c-1": 9,
                             "interview/interview-sheet/c-1": 4, "evidence/candidate-evidence/c-1": 2}
    assert "withdrawn" not in view and "no_show" not in view


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



# review of scores, interviews, no-shows ------------------------------------------------------------

def apply_all(*events, view=None):
    view = {} if view is None else view
    for event in events:
        view = Standings().apply(view, None, event)
    return view


def test_a_flag_puts_the_score_under_review_and_a_confirmation_takes_it_off():
    flagged = apply_all(score("p1", "policy", "a1", 80), flag("p1", "policy", "a1", "doc-7", "document replaced"))
    assert flagged["scores"]["p1"] == {"indicator_id": "policy", "assessor_id": "a1", "value": 80, "current": True,
                                       "review": {"evidence_id": "doc-7", "reason": "document replaced"}}
    confirmed = apply_all(confirm("p1", "a1"), view=flagged)
    assert confirmed["scores"]["p1"] == {"indicator_id": "policy", "assessor_id": "a1", "value": 80, "current": True}


def test_a_later_flag_replaces_the_earlier_one():
    view = apply_all(score("p1", "policy", "a1", 80), flag("p1", "policy", "a1", "doc-7", "replaced"),
                     flag("p1", "policy", "a1", "doc-8", "rejected"))
    assert view["scores"]["p1"]["review"] == {"evidence_id": "doc-8", "reason": "rejected"}


def test_an_amendment_ends_the_review_of_the_score_it_supersedes():
    view = apply_all(score("p1", "policy", "a1", 80), score("p2", "policy", "a2", 70),
                     flag("p1", "policy", "a1"), flag("p2", "policy", "a2"), amend("p1b", "p1", "policy", "a1", 60))
    assert view["scores"]["p1"] == {"indicator_id": "policy", "assessor_id": "a1", "value": 80, "current": False}
    assert view["scores"]["p1b"] == {"indicator_id": "policy", "assessor_id": "a1", "value": 60, "current": True}
    assert "review" in view["scores"]["p2"]  # the other assessor's flag stays


def test_a_flag_or_confirmation_of_a_score_never_seen_changes_nothing():
    view = apply_all(score("p1", "policy", "a1", 80))
    for event in (flag("x", "policy", "a1"), confirm("x", "a1")):
        assert Standings().apply(view, None, event) == view


def test_an_interview_amendment_retires_the_score_it_supersedes():
    view = apply_all(interview("i1", "iv1", 50), interview("i2", "iv2", 70),
                     interview_amend("i1b", "i1", "iv1", 65, "interview"))
    assert view["interviews"] == {
        "i1": {"interviewer_id": "iv1", "indicator_id": None, "value": 50, "current": False},
        "i2": {"interviewer_id": "iv2", "indicator_id": None, "value": 70, "current": True},
        "i1b": {"interviewer_id": "iv1", "indicator_id": "interview", "value": 65, "current": True},
    }


def test_an_interview_amendment_of_a_score_it_never_saw_is_added_without_touching_others():
    view = apply_all(interview("i1", "iv1", 50), interview_amend("x2", "x1", "iv9", 10))
    assert view["interviews"] == {"i1": {"interviewer_id": "iv1", "indicator_id": None, "value": 50, "current": True},
                                  "x2": {"interviewer_id": "iv9", "indicator_id": None, "value": 10, "current": True}}


def test_interview_scores_of_a_standing_built_before_part_2_can_still_be_amended():
    old = {"candidate_id": "c-1", "scores": {}, "interviews": {"i1": {"interviewer_id": "iv1", "value": 50}}}
    view = apply_all(interview_amend("i1b", "i1", "iv1", 65), view=old)
    assert view["interviews"]["i1"] == {"interviewer_id": "iv1", "value": 50, "current": False}


def test_a_rescheduled_interview_replaces_the_schedule():
    view = apply_all(scheduled(17), scheduled(18, panel=("iv3",)))
    assert view["interview_schedule"] == {"scheduled_for": "2025-02-18T02:00:00Z", "panel": ["iv3"]}


@pytest.mark.parametrize("consequence", ["disqualified", "scale_minimum"])
def test_a_missed_interview_records_the_no_show_and_keeps_everything_else(consequence):
    before = project(in_stream_order())
    after = project([(envelope(missed(consequence), "interview/interview-sheet/c-1", 5), missed(consequence))],
                    before)
    assert after["no_show"] == {"reason": "did not come", "consequence": consequence}
    assert {k: v for k, v in after.items() if k not in ("no_show", "_seen")} == \
        {k: v for k, v in before.items() if k != "_seen"}


ONE_OF_EACH = [
    REG, CandidateWithdrawn(candidate_id="c-1", cycle_id="demo-2024", reason="x"),
    score("p3", "policy", "a3", 10), amend("p1c", "p1b", "policy", "a1", 65),
    flag("p2", "policy", "a2"), confirm("m1", "a1"),
    scheduled(20), interview("i3", "iv3", 40), interview_amend("i1b", "i1", "iv1", 90), missed(),
    verified("f-3", 800),
]


def test_every_followed_fact_is_among_the_cases_below():
    assert {type(e) for e in ONE_OF_EACH} == set(FOLLOWED)


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.TYPE)
def test_apply_leaves_the_view_it_is_given_untouched_and_a_redelivery_changes_nothing(event):
    before = project(in_stream_order())
    untouched = copy.deepcopy(before)
    env = envelope(event, "later/c-1", 1)
    once = apply_once(Standings(), before, env, event)
    assert before == untouched
    assert apply_once(Standings(), copy.deepcopy(before), env, event) == once
    assert apply_once(Standings(), once, env, event) is None
    assert Standings().doc_id(env, event) == "c-1"

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
