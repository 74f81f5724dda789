"""The pure leaderboard: per-indicator aggregation (mean or median of current scores), weighted
totals, incomplete candidates listed apart (never counted as zero), ties broken by the rubric's
indicators then by id, withdrawn candidates apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ranking.leaderboard import indicator_scores, leaderboard, row
from services.ranking.projections import Standings
from shared.contracts.cycle_config import Rubric
from shared.contracts.interview import InterviewScored
from shared.contracts.registration import CandidateRegistered
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.envelope import Actor, seal
from shared.projection import apply_once

BANDS = [{"min_ratio": 0.0, "score": 20}, {"min_ratio": 0.5, "score": 70}]


def rubric(weights=(0.25, 0.25, 0.3, 0.2), **changes) -> Rubric:
    policy, implementation, coverage, interview = weights
    return Rubric.model_validate({
        "version": 4, "tie_break": ["interview", "coverage"], **changes,
        "indicators": [
            {"id": "policy", "name": "Policy", "weight": policy, "method": "judged"},
            {"id": "implementation", "name": "Implementation", "weight": implementation, "method": "judged"},
            {"id": "coverage", "name": "Coverage", "weight": coverage, "method": "computed",
             "rule": {"id": "coverage-bands", "version": 1, "bands": BANDS}},
            {"id": "interview", "name": "Interview", "weight": interview, "method": "interview"},
        ],
    })


RUBRIC = rubric()


def standing(candidate_id, policy=(), implementation=(), coverage=(), interview=(), **extra) -> dict:
    """A standing as the Standings projection builds it; each tuple lists one value per assessor."""
    scores = {}
    for indicator, values in (("policy", policy), ("implementation", implementation), ("coverage", coverage)):
        for n, value in enumerate(values):
            assessor = "rule:coverage-bands:v1" if indicator == "coverage" else f"a{n}"
            scores[f"{candidate_id}-{indicator}-{n}"] = {"indicator_id": indicator, "assessor_id": assessor,
                                                         "value": value, "current": True}
    interviews = {f"{candidate_id}-iv-{n}": {"interviewer_id": f"iv{n}", "value": v} for n, v in enumerate(interview)}
    return {"candidate_id": candidate_id, "scores": scores, "interviews": interviews, **extra}


def complete(candidate_id, policy, implementation, coverage, interview, **extra) -> dict:
    return standing(candidate_id, (policy,), (implementation,), (coverage,), (interview,), **extra)


def with_fields(s: dict, **fields) -> dict:
    return {**s, **fields}


def order(board) -> list[str]:
    return [r["candidate_id"] for r in board["ranked"]]


# aggregation ---------------------------------------------------------------------------------

def test_mean_of_every_assessor_then_the_weighted_total():
    s = standing("c", policy=(60, 90), implementation=(70,), coverage=(90,), interview=(88, 72))
    [r] = leaderboard(RUBRIC, [s])["ranked"]
    assert r["indicators"] == {"policy": 75, "implementation": 70, "coverage": 90, "interview": 80}
    assert r["total"] == 79.25  # .25*75 + .25*70 + .3*90 + .2*80 = 18.75 + 17.5 + 27 + 16
    assert (r["rank"], r["missing"]) == (1, [])


def test_a_mean_is_rounded_to_six_places():
    scores, missing = indicator_scores(RUBRIC, standing("c", policy=(10, 60, 90), implementation=(0, 0, 1),
                                                        coverage=(20,), interview=(1, 2)))
    assert scores == {"policy": 53.333333, "implementation": 0.333333, "coverage": 20, "interview": 1.5}
    assert missing == []


@pytest.mark.parametrize(
    "policy, expected",
    [((10, 60, 90), 60), ((60, 90), 75), ((100, 0, 0, 100), 50), ((42,), 42), ((10, 20, 30, 1000), 25)],
)
def test_median_aggregation(policy, expected):
    s = standing("c", policy=policy, implementation=(70,), coverage=(50,), interview=(80, 70, 10))
    scores, _ = indicator_scores(rubric(aggregation="median"), s)
    assert scores["policy"] == expected
    assert scores["interview"] == 70


def test_median_resists_an_outlier_the_mean_does_not():
    s = standing("c", policy=(80, 82, 0), implementation=(80,), coverage=(80,), interview=(80,))
    assert indicator_scores(rubric(aggregation="mean"), s)[0]["policy"] == 54
    assert indicator_scores(rubric(aggregation="median"), s)[0]["policy"] == 80


def test_only_current_scores_count():
    s = complete("c", 60, 70, 90, 80)
    s["scores"]["old"] = {"indicator_id": "policy", "assessor_id": "a0", "value": 0, "current": False}
    s["scores"]["older"] = {"indicator_id": "implementation", "assessor_id": "a0", "value": 100, "current": False}
    assert indicator_scores(RUBRIC, s)[0] == {"policy": 60, "implementation": 70, "coverage": 90, "interview": 80}


def test_scores_of_indicators_outside_the_rubric_are_ignored():
    s = complete("c", 60, 70, 90, 80)
    s["scores"]["x"] = {"indicator_id": "innovation", "assessor_id": "a0", "value": 100, "current": True}
    assert row(RUBRIC, s)["total"] == 75.5  # .25*60 + .25*70 + .3*90 + .2*80 = 15 + 17.5 + 27 + 16


# incomplete candidates -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "min_assessors, policy, implementation, missing",
    [
        (1, (), (70,), ["policy"]),
        (2, (60,), (70, 80), ["policy"]),
        (2, (60,), (70,), ["policy", "implementation"]),
        (3, (1, 2, 3), (70, 80), ["implementation"]),
    ],
)
def test_too_few_assessors_make_a_candidate_incomplete_never_zero(min_assessors, policy, implementation, missing):
    short = standing("short", policy=policy, implementation=implementation, coverage=(90,), interview=(90,))
    full = standing("full", policy=(1,) * min_assessors, implementation=(1,) * min_assessors, coverage=(20,),
                    interview=(1,))
    board = leaderboard(rubric(min_assessors=min_assessors), [short, full])
    assert order(board) == ["full"]  # ranked although its scores are tiny: the short one is not a zero
    [incomplete] = board["incomplete"]
    assert (incomplete["candidate_id"], incomplete["total"], incomplete["missing"]) == ("short", None, missing)
    assert "rank" not in incomplete
    assert set(incomplete["indicators"]) == {"policy", "implementation", "coverage", "interview"} - set(missing)


def test_min_assessors_applies_to_judged_indicators_only():
    s = standing("c", policy=(60, 70), implementation=(70, 80), coverage=(90,), interview=(80,))
    r = row(rubric(min_assessors=2), s)
    assert r["missing"] == [] and r["total"] == pytest.approx(.25 * 65 + .25 * 75 + .3 * 90 + .2 * 80)


@pytest.mark.parametrize("absent", ["coverage", "interview"])
def test_a_missing_computed_or_interview_score_makes_a_candidate_incomplete(absent):
    values = {"policy": (60,), "implementation": (70,), "coverage": (90,), "interview": (80,), absent: ()}
    board = leaderboard(RUBRIC, [standing("c", **values)])
    assert board["ranked"] == [] and board["incomplete"][0]["missing"] == [absent]


def test_a_zero_score_is_a_score():
    board = leaderboard(RUBRIC, [complete("z", 0, 0, 0, 0)])
    assert board["ranked"][0]["total"] == 0 and board["incomplete"] == []


def test_incomplete_candidates_are_listed_by_id():
    board = leaderboard(RUBRIC, [standing("m"), standing("b"), standing("x", policy=(1,))])
    assert [r["candidate_id"] for r in board["incomplete"]] == ["b", "m", "x"]
    assert board["incomplete"][0]["missing"] == ["policy", "implementation", "coverage", "interview"]


# weights and order ------------------------------------------------------------------------------

def test_weights_decide_who_leads():
    policy_strong = complete("policy-strong", 100, 50, 40, 50)
    coverage_strong = complete("coverage-strong", 40, 50, 100, 50)
    by_policy = leaderboard(rubric(weights=(0.5, 0.2, 0.2, 0.1)), [coverage_strong, policy_strong])
    by_coverage = leaderboard(rubric(weights=(0.2, 0.2, 0.5, 0.1)), [coverage_strong, policy_strong])
    assert order(by_policy) == ["policy-strong", "coverage-strong"]
    assert [r["total"] for r in by_policy["ranked"]] == [73, 55]  # 50+10+8+5 ; 20+10+20+5
    assert order(by_coverage) == ["coverage-strong", "policy-strong"]
    assert [r["total"] for r in by_coverage["ranked"]] == [73, 55]  # 8+10+50+5 ; 20+10+20+5


def test_the_total_comes_before_any_tie_break():
    low_total_high_interview = complete("a", 0, 0, 0, 100)   # 20
    high_total = complete("b", 50, 50, 50, 0)                # 40
    assert order(leaderboard(RUBRIC, [low_total_high_interview, high_total])) == ["b", "a"]


def test_equal_totals_are_broken_by_the_rubrics_indicators_in_order_then_by_id():
    # every total is 50; tie_break is [interview, coverage]
    board = leaderboard(RUBRIC, [
        complete("d", 50, 50, 50, 50),   # interview 50, coverage 50
        complete("a", 50, 50, 50, 50),   # same as d: the id decides
        complete("c", 50, 38, 60, 50),   # interview 50, coverage 60: .25*-12 + .3*10 = 0
        complete("e", 54, 50, 40, 60),   # interview 60 beats c's higher coverage: .25*4 + .3*-10 + .2*10 = 0
        complete("b", 30, 50, 50, 75),   # interview 75: .25*-20 + .2*25 = 0
    ])
    assert [r["total"] for r in board["ranked"]] == [50] * 5
    assert order(board) == ["b", "e", "c", "a", "d"]
    assert [r["rank"] for r in board["ranked"]] == [1, 2, 3, 4, 5]


def test_without_a_tie_break_the_id_decides():
    board = leaderboard(rubric(tie_break=[]), [complete("b", 50, 50, 50, 75), complete("a", 30, 50, 50, 100)])
    assert [r["total"] for r in board["ranked"]] == [55, 55] and order(board) == ["a", "b"]


def test_totals_equal_but_for_float_noise_are_a_tie():
    # .7 * 2 == 1.4 while .2 * 7 == 1.4000000000000001
    three_way = Rubric.model_validate({"version": 1, "tie_break": [], "indicators": [
        {"id": "x", "name": "x", "weight": 0.1, "method": "judged"},
        {"id": "y", "name": "y", "weight": 0.2, "method": "judged"},
        {"id": "z", "name": "z", "weight": 0.7, "method": "judged"}]})

    def s(candidate_id, y, z):
        return {"candidate_id": candidate_id, "scores": {
            f"{candidate_id}{i}": {"indicator_id": i, "assessor_id": "a", "value": v, "current": True}
            for i, v in (("x", 0), ("y", y), ("z", z))}}

    assert 0.2 * 7 > 0.7 * 2
    board = leaderboard(three_way, [s("z-first-by-noise", 7, 0), s("a-first-by-id", 0, 2)])
    assert order(board) == ["a-first-by-id", "z-first-by-noise"]
    assert [r["total"] for r in board["ranked"]] == [1.4, 1.4]


# rows, withdrawn, rubric version ------------------------------------------------------------------

def test_a_row_carries_name_province_and_coverage_ratio():
    s = with_fields(complete("kota-bandung", 60, 70, 90, 80), name="Kota Bandung", province="jawa-barat",
                    coverage={"figure_id": "f-2", "ratio": 0.72})
    assert row(RUBRIC, s) == {"candidate_id": "kota-bandung", "name": "Kota Bandung", "province": "jawa-barat",
                              "total": 75.5, "indicators": {"policy": 60, "implementation": 70, "coverage": 90,
                                                          "interview": 80},
                              "missing": [], "coverage_ratio": 0.72}
    assert row(RUBRIC, standing("x"))["coverage_ratio"] is None and row(RUBRIC, standing("x"))["name"] is None


def test_withdrawn_candidates_are_listed_apart_by_id_even_when_complete():
    board = leaderboard(RUBRIC, [
        complete("z-out", 100, 100, 100, 100, withdrawn=True), complete("in", 1, 1, 20, 1),
        standing("a-out", withdrawn=True), standing("half", policy=(1,)),
    ])
    assert board["withdrawn"] == ["a-out", "z-out"]
    assert order(board) == ["in"] and [r["candidate_id"] for r in board["incomplete"]] == ["half"]


def test_the_board_names_its_rubric_version_and_may_be_empty():
    assert leaderboard(RUBRIC, []) == {"rubric_version": 4, "ranked": [], "incomplete": [], "withdrawn": []}


# from events to the board -------------------------------------------------------------------------

def _envelope(event, stream, sequence):
    return seal({"event_id": f"{stream}#{sequence}", "type": event.TYPE, "schema_version": 1, "stream": stream,
                 "sequence": sequence, "occurred_at": datetime(2025, 2, 3, tzinfo=UTC),
                 "actor": Actor(id="x", role="system"), "correlation_id": "k",
                 "payload": event.model_dump(mode="json"), "previous_hash": None})


def _score(score_id, indicator, assessor, value):
    return IndicatorScored(score_id=score_id, candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city",
                           indicator_id=indicator, assessor_id=assessor, value=value, rubric_version=1)


def test_amended_scores_replace_the_ones_they_supersede():
    events = [
        _score("p1", "policy", "a1", 80), _score("p2", "policy", "a2", 90), _score("m1", "implementation", "a1", 70),
        _score("auto-f-1-coverage", "coverage", "rule:coverage-bands:v1", 20),
        ScoreAmended(score_id="p1b", supersedes="p1", candidate_id="c-1", indicator_id="policy", assessor_id="a1",
                     value=40, reason="misread the regulation"),
        ScoreAmended(score_id="p1c", supersedes="p1b", candidate_id="c-1", indicator_id="policy", assessor_id="a1",
                     value=50, reason="second look"),
        ScoreAmended(score_id="auto-f-2-coverage", supersedes="auto-f-1-coverage", candidate_id="c-1",
                     indicator_id="coverage", assessor_id="rule:coverage-bands:v1", value=70, reason="f-2"),
    ]
    view = {}
    for n, event in enumerate(events, start=1):
        view = apply_once(Standings(), view, _envelope(event, "scoring/score-sheet/c-1", n), event)
    for n, event in enumerate([
        CandidateRegistered(candidate_id="c-1", cycle_id="demo-2024", category_id="regency-city",
                            kind="regency_city", name="Kota Bandung", province="jawa-barat"),
        InterviewScored(score_id="i1", candidate_id="c-1", cycle_id="demo-2024", interviewer_id="iv", value=60,
                        attendee="Wali Kota"),
    ], start=1):
        view = apply_once(Standings(), view, _envelope(event, f"other-{n}", 1), event)
    [r] = leaderboard(RUBRIC, [view])["ranked"]
    assert r["indicators"] == {"policy": 70, "implementation": 70, "coverage": 70, "interview": 60}  # mean(50, 90)
    assert r["total"] == 68  # .25*70 + .25*70 + .3*70 + .2*60 = 17.5 + 17.5 + 21 + 12
    assert r["name"] == "Kota Bandung"
