"""Standings projection and leaderboard: pure, in any event order, never zero for missing scores."""

from __future__ import annotations

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import Standings
from shared.contracts.evidence import EvidenceVerified, Figures
from shared.contracts.interview import InterviewScored
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.projection import apply_once
from tests.unit.builders import RUBRIC, envelope

REG = CandidateRegistered(candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city",
                          kind="regency_city", name="C One", province="jawa-barat")


def score(score_id, indicator, assessor, value):
    return IndicatorScored(score_id=score_id, candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city",
                           indicator_id=indicator, assessor_id=assessor, value=value, rubric_version=1)


def project(events_with_streams):
    view, projection = {}, Standings()
    for stream, sequence, event in events_with_streams:
        updated = apply_once(projection, view, envelope(event, stream, sequence), event)
        view = updated if updated is not None else view
    return view


HISTORY = [
    ("scoring/s/c-1", 1, score("p1", "policy", "a1", 80)),
    ("scoring/s/c-1", 2, score("p2", "policy", "a2", 90)),
    ("scoring/s/c-1", 3, score("m1", "implementation", "a1", 70)),
    ("scoring/s/c-1", 4, ScoreAmended(score_id="p1b", supersedes="p1", candidate_id="c-1", indicator_id="policy",
                                      assessor_id="a1", value=60, reason="typo")),
    ("scoring/s/c-1", 5, score("auto", "coverage", "rule:coverage-bands:v1", 90)),
    ("interview/i/c-1", 1, InterviewScored(score_id="i1", candidate_id="c-1", cycle_id="demo-2024",
                                           interviewer_id="i", value=88, attendee="regent")),
    ("evidence/e/c-1", 2, EvidenceVerified(evidence_id="f", kind="figure", candidate_id="c-1", cycle_id="demo-2024",
                                           category_id="regency-city",
                                           figures=Figures(period="2024", workers_eligible=10, workers_enrolled=7))),
    ("registration/c/c-1", 1, REG),
]


def test_standing_is_the_same_whatever_order_streams_interleave():
    forward = project(HISTORY)
    registration_first = project(HISTORY[-1:] + HISTORY[:-1])
    assert forward == registration_first
    assert forward["name"] == "C One" and forward["coverage"]["ratio"] == 0.7
    assert forward["scores"]["p1"]["current"] is False and forward["scores"]["p1b"]["value"] == 60


def test_redelivered_and_republished_events_apply_once():
    assert project(HISTORY + HISTORY[2:5] + HISTORY) == project(HISTORY)


def test_total_from_aggregated_current_scores():
    # policy mean(60, 90) = 75; implementation 70; coverage 90; interview 88
    board = leaderboard(RUBRIC, [project(HISTORY)])
    [row] = board["ranked"]
    assert row["indicators"] == {"policy": 75, "implementation": 70, "coverage": 90, "interview": 88}
    assert row["total"] == round(0.25 * 75 + 0.25 * 70 + 0.3 * 90 + 0.2 * 88, 6)


def test_median_aggregation_and_min_assessors_make_incomplete_never_zero():
    standing = project(HISTORY + [("scoring/s/c-1", 6, score("p3", "policy", "a3", 10))])
    median = RUBRIC.model_copy(update={"aggregation": "median"})
    assert leaderboard(median, [standing])["ranked"][0]["indicators"]["policy"] == 60
    strict = RUBRIC.model_copy(update={"min_assessors": 2})
    board = leaderboard(strict, [standing])
    assert board["ranked"] == []
    assert board["incomplete"][0]["missing"] == ["implementation"] and board["incomplete"][0]["total"] is None


def _standing(candidate_id, policy, implementation, coverage, interview):
    scores = {f"{candidate_id}-{i}": {"indicator_id": i, "assessor_id": "a", "value": v, "current": True}
              for i, v in (("policy", policy), ("implementation", implementation), ("coverage", coverage))}
    return {"candidate_id": candidate_id, "scores": scores,
            "interviews": {"i": {"interviewer_id": "i", "value": interview}}}


def test_tie_break_follows_the_rubric_then_the_id():
    # equal totals: 50 everywhere vs a trade of policy for interview; tie_break is [interview, coverage]
    a = _standing("a", 50, 50, 50, 50)
    b = _standing("b", 30, 50, 50, 75)   # .25*30 + .2*75 = 22.5 = .25*50 + .2*50
    c = _standing("c", 50, 50, 50, 50)
    board = leaderboard(RUBRIC, [c, a, b])
    assert [r["total"] for r in board["ranked"]] == [50, 50, 50]
    assert [r["candidate_id"] for r in board["ranked"]] == ["b", "a", "c"]
    assert [r["rank"] for r in board["ranked"]] == [1, 2, 3]


def test_withdrawn_candidates_are_listed_apart():
    view = project(HISTORY + [("registration/c/c-1", 2, CandidateWithdrawn(candidate_id="c-1", cycle_id="demo-2024",
                                                                          reason="withdrew"))])
    board = leaderboard(RUBRIC, [view, _standing("b", 1, 1, 1, 1)])
    assert board["withdrawn"] == ["c-1"] and [r["candidate_id"] for r in board["ranked"]] == ["b"]
