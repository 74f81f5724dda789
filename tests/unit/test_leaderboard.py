"""The pure leaderboard: per-indicator aggregation of current scores (mean, median, trimmed mean,
z-score), document, interview and final totals, the document stage (no interviews) and the final
stage (the shortlist), incomplete candidates listed apart (never counted as zero), ties broken by
the rubric's indicators then by id, withdrawn, disqualified and passed-over candidates apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ranking.leaderboard import indicator_scores, leaderboard, row
from services.ranking.projections import Standings
from shared.contracts.cycle_config import Rubric
from shared.contracts.interview import InterviewMissed, InterviewScoreAmended, InterviewScored
from shared.contracts.registration import CandidateRegistered
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreFlaggedForReview
from shared.envelope import Actor, seal
from shared.projection import apply_once

BANDS = [{"min_ratio": 0.0, "score": 20}, {"min_ratio": 0.5, "score": 70}]
AUTO = "rule:coverage-bands:v1"
COVERAGE = {"id": "coverage", "name": "Coverage", "method": "computed",
            "rule": {"id": "coverage-bands", "version": 1, "bands": BANDS}}


def rubric(weights=(0.25, 0.25, 0.3, 0.2), **changes) -> Rubric:
    policy, implementation, coverage, interview = weights
    return Rubric.model_validate({
        "version": 4, "tie_break": ["interview", "coverage"], **changes,
        "indicators": [
            {"id": "policy", "name": "Policy", "weight": policy, "method": "judged"},
            {"id": "implementation", "name": "Implementation", "weight": implementation, "method": "judged"},
            {**COVERAGE, "weight": coverage},
            {"id": "interview", "name": "Interview", "weight": interview, "method": "interview"},
        ],
    })


def judged_and_computed(**changes) -> Rubric:
    """No interview: policy .6, coverage .4."""
    return Rubric.model_validate({"version": 2, **changes, "indicators": [
        {"id": "policy", "name": "Policy", "weight": 0.6, "method": "judged"}, {**COVERAGE, "weight": 0.4}]})


def two_interviews(**changes) -> Rubric:
    """Policy .4, coverage .2, and two interview indicators: commitment .3, work plan .1."""
    return Rubric.model_validate({"version": 3, **changes, "indicators": [
        {"id": "policy", "name": "Policy", "weight": 0.4, "method": "judged"}, {**COVERAGE, "weight": 0.2},
        {"id": "commitment", "name": "Commitment", "weight": 0.3, "method": "interview"},
        {"id": "work-plan", "name": "Work plan", "weight": 0.1, "method": "interview"}]})


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


def sheet(candidate_id, *scores, interviews=(), **extra) -> dict:
    """A standing from (indicator, assessor, value) scores and (interviewer, value, indicator) interviews."""
    return {
        "candidate_id": candidate_id,
        "scores": {f"{candidate_id}-{n}": {"indicator_id": i, "assessor_id": a, "value": v, "current": True}
                   for n, (i, a, v) in enumerate(scores)},
        "interviews": {f"{candidate_id}-iv-{n}": {"interviewer_id": p, "indicator_id": i, "value": v, "current": True}
                       for n, (p, v, i) in enumerate(interviews)},
        **extra,
    }


def with_fields(s: dict, **fields) -> dict:
    return {**s, **fields}


def order(board) -> list[str]:
    return [r["candidate_id"] for r in board["ranked"]]


def final(rubric, standings) -> dict:
    """The final-stage board with every candidate shortlisted."""
    return leaderboard(rubric, standings, [s["candidate_id"] for s in standings])


def policy_scores(board) -> dict[str, float]:
    return {r["candidate_id"]: r["indicators"]["policy"] for r in board["ranked"] + board["not_shortlisted"]}


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



@pytest.mark.parametrize(
    "policy, fraction, expected",
    [
        ((10, 20, 30, 40, 100), 0.2, 30),  # one cut from each end: mean(20, 30, 40)
        ((10, 20, 30, 40, 100), 0.0, 40),  # nothing cut
        ((10, 20, 30, 40, 100), 0.19, 40),  # floor(0.95) = 0
        ((100, 0, 50, 60, 40, 30, 20), 0.3, 40),  # floor(2.1) = 2 from each end of the order: mean(30, 40, 50)
        ((0, 10, 20, 100), 0.25, 15),  # mean(10, 20)
        ((0, 10, 20, 100), 0.2, 32.5),  # floor(0.8) = 0
        ((70,), 0.4, 70),
        ((0,) * 29 + (60,) * 42 + (100,) * 29, 0.29, 60),  # 100 * 0.29 is 28.999999999999996: still 29 cut
    ],
)
def test_trimmed_mean_cuts_floor_n_times_the_fraction_from_each_end(policy, fraction, expected):
    s = standing("c", policy=policy, implementation=(70,), coverage=(50,), interview=(100, 10, 60, 50, 70))
    scores, _ = indicator_scores(rubric(aggregation="trimmed_mean", trim_fraction=fraction), s)
    assert scores["policy"] == expected
    if fraction == 0.2:
        assert scores["interview"] == 60  # interview scores alike: mean(50, 60, 70)


def test_interview_scores_without_an_indicator_count_for_every_interview_indicator():
    s = sheet("c", ("policy", "a", 75), ("coverage", AUTO, 90),
              interviews=[("iv1", 80, None), ("iv2", 40, "work-plan"), ("iv3", 100, "not-in-rubric")])
    s["interviews"]["gone"] = {"interviewer_id": "iv4", "indicator_id": None, "value": 0, "current": False}
    s["interviews"]["old"] = {"interviewer_id": "iv5", "value": 60}  # as standings built before part 2 hold them
    r = row(two_interviews(), s, "final")
    # commitment: mean(80, 60); work plan: mean(80, 40, 60)
    assert r["indicators"] == {"policy": 75, "coverage": 90, "commitment": 70, "work-plan": 60}
    assert r["document_total"] == 80  # (.4*75 + .2*90) / .6 = 48 / .6
    assert r["interview_total"] == 67.5  # (.3*70 + .1*60) / .4 = 27 / .4
    assert r["total"] == 75  # 48 + 27


# z-score: a strict assessor (36, 48: mean 42, sd 6) and a lenient one (52, 64: mean 58, sd 6) each
# score two candidates; coverage is 50 for all. Pooled over the four people's scores: mean 50, sd 10.
SPLIT_PANEL = [
    sheet("v", ("policy", "strict", 36), ("coverage", AUTO, 50)),
    sheet("w", ("policy", "lenient", 64), ("coverage", AUTO, 50)),
    sheet("x", ("policy", "strict", 48), ("coverage", AUTO, 50)),
    sheet("y", ("policy", "lenient", 52), ("coverage", AUTO, 50)),
]


def test_under_the_mean_a_lenient_assessor_decides_the_rank():
    board = leaderboard(judged_and_computed(aggregation="mean"), SPLIT_PANEL)
    assert order(board) == ["w", "y", "x", "v"]  # y's 52 from the lenient assessor beats the strict one's best, 48
    assert [r["document_total"] for r in board["ranked"]] == [58.4, 51.2, 48.8, 41.6]  # .6 * policy + .4 * 50


def test_under_zscore_every_assessor_is_put_on_the_pooled_scale_and_leniency_no_longer_decides():
    board = leaderboard(judged_and_computed(aggregation="zscore"), SPLIT_PANEL)
    # v: 50 + 10 * (36 - 42) / 6 = 40; w: 50 + 10 * (64 - 58) / 6 = 60; x: 60; y: 40
    assert policy_scores(board) == {"v": 40, "w": 60, "x": 60, "y": 40}
    # computed scores are neither adjusted nor part of the pooled mean and sd
    assert {r["indicators"]["coverage"] for r in board["ranked"]} == {50}
    assert [r["document_total"] for r in board["ranked"]] == [56, 56, 44, 44]
    assert order(board) == ["w", "x", "v", "y"]  # equal totals: by id
    assert board["aggregation"] == "zscore"


def test_zscore_adjusts_against_every_standing_passed_in_whatever_the_stage_or_a_withdrawal():
    panel = [with_fields(s, withdrawn=True) if s["candidate_id"] == "w" else s for s in SPLIT_PANEL]
    rubric_z = judged_and_computed(aggregation="zscore")
    assert policy_scores(leaderboard(rubric_z, panel)) == {"v": 40, "x": 60, "y": 40}
    assert policy_scores(leaderboard(rubric_z, panel, ["x", "y"])) == {"v": 40, "x": 60, "y": 40}
    # a single standing is its own population: one policy score, which the adjustment leaves as it is
    assert indicator_scores(rubric_z, SPLIT_PANEL[0])[0] == {"policy": 36, "coverage": 50}


def test_zscore_spans_every_candidate_and_people_scored_indicator_of_each_person():
    # a1 scores 80, 60, 60, 80 over two candidates and two indicators (mean 70, sd 10); a2 scores 40
    # twice (sd 0); interviewer iv1 scores 50 and 70 (mean 60, sd 10). Pooled over these eight: mean 60,
    # sd 15. A superseded score and the computed coverage scores count nowhere.
    c1 = sheet("c1", ("policy", "a1", 80), ("policy", "a2", 40), ("implementation", "a1", 60),
               ("coverage", AUTO, 20), interviews=[("iv1", 50, "interview")])
    c1["scores"]["c1-old"] = {"indicator_id": "policy", "assessor_id": "a1", "value": 0, "current": False}
    c2 = sheet("c2", ("policy", "a1", 60), ("implementation", "a1", 80), ("implementation", "a2", 40),
               ("coverage", AUTO, 70), interviews=[("iv1", 70, "interview")])
    rows = {r["candidate_id"]: r for r in final(rubric(aggregation="zscore"), [c1, c2])["ranked"]}
    # a1: 60 + 15 * (80 - 70) / 10 = 75, and 45 for a 60; a2: 40 - 40 + 60 = 60; iv1: 45 and 75
    assert rows["c1"]["indicators"] == {"policy": 67.5, "implementation": 45, "coverage": 20, "interview": 45}
    assert rows["c2"]["indicators"] == {"policy": 45, "implementation": 67.5, "coverage": 70, "interview": 75}
    assert rows["c1"]["total"] == 43.125  # .25 * 67.5 + .25 * 45 + .3 * 20 + .2 * 45
    assert rows["c2"]["total"] == 64.125  # .25 * 45 + .25 * 67.5 + .3 * 70 + .2 * 75


@pytest.mark.parametrize(
    "constant, low, high, others",
    [
        (100, 30, 100, 70),  # pooled mean 70, sd 40: a's 50 becomes 70 + 40 = 110, clipped to 100
        (0, 0, 30, 10),  # pooled mean 10, sd 20: a's 0 becomes 10 - 20 = -10, clipped to 0
    ],
)
def test_zscore_values_are_clipped_to_the_scale(constant, low, high, others):
    # a scores 0 and 50 (mean 25, sd 25); b gives `constant` three times (sd 0: moved to the pooled mean)
    scored = [("p", "a", 0), ("q", "a", 50)] + [(f"r{n}", "b", constant) for n in range(3)]
    panel = [sheet(c, ("policy", assessor, value), ("coverage", AUTO, 50)) for c, assessor, value in scored]
    board = leaderboard(judged_and_computed(aggregation="zscore"), panel)
    assert policy_scores(board) == {"p": low, "q": high, "r0": others, "r1": others, "r2": others}


def test_zscore_counts_an_interview_score_without_indicator_once_though_it_serves_two_indicators():
    # a: 48 and 36 (mean 42, sd 6); iv: 52 for both of c1's interview indicators, 64 for c2's commitment
    # (mean 58, sd 6, were the 52 counted twice: mean 56). Pooled over these four: mean 50, sd 10.
    c1 = sheet("c1", ("policy", "a", 48), ("coverage", AUTO, 90), interviews=[("iv", 52, None)])
    c2 = sheet("c2", ("policy", "a", 36), ("coverage", AUTO, 90), interviews=[("iv", 64, "commitment")])
    board = final(two_interviews(aggregation="zscore"), [c1, c2])
    [c1_row] = board["ranked"]
    assert c1_row["indicators"] == {"policy": 60, "coverage": 90, "commitment": 40, "work-plan": 40}
    [c2_row] = board["incomplete"]
    assert c2_row["indicators"] == {"policy": 40, "coverage": 90, "commitment": 60}
    assert c2_row["missing"] == ["work-plan"]

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


@pytest.mark.parametrize("stage", [leaderboard, final])
def test_a_missing_computed_score_makes_a_candidate_incomplete_in_either_stage(stage):
    board = stage(RUBRIC, [standing("c", policy=(60,), implementation=(70,), interview=(80,))])
    assert board["ranked"] == [] and board["incomplete"][0]["missing"] == ["coverage"]


def test_a_missing_interview_score_counts_in_the_final_stage_only():
    s = standing("c", policy=(60,), implementation=(70,), coverage=(90,))
    [document] = leaderboard(RUBRIC, [s])["ranked"]
    assert (document["missing"], document["document_total"], document["total"]) == ([], 74.375, None)
    board = final(RUBRIC, [s])
    assert board["ranked"] == [] and board["incomplete"][0]["missing"] == ["interview"]


def test_a_zero_score_is_a_score():
    board = leaderboard(RUBRIC, [complete("z", 0, 0, 0, 0)])
    assert board["ranked"][0]["total"] == 0 and board["incomplete"] == []


def test_incomplete_candidates_are_listed_by_id_with_what_their_stage_lacks():
    standings = [standing("m"), standing("b"), standing("x", policy=(1,))]
    board = leaderboard(RUBRIC, standings)
    assert [r["candidate_id"] for r in board["incomplete"]] == ["b", "m", "x"]
    assert board["incomplete"][0]["missing"] == ["policy", "implementation", "coverage"]
    assert final(RUBRIC, standings)["incomplete"][0]["missing"] == ["policy", "implementation", "coverage", "interview"]


# weights and order ------------------------------------------------------------------------------

def test_weights_decide_who_leads():
    policy_strong = complete("policy-strong", 100, 50, 40, 50)
    coverage_strong = complete("coverage-strong", 40, 50, 100, 50)
    by_policy = final(rubric(weights=(0.5, 0.2, 0.2, 0.1)), [coverage_strong, policy_strong])
    by_coverage = final(rubric(weights=(0.2, 0.2, 0.5, 0.1)), [coverage_strong, policy_strong])
    assert order(by_policy) == ["policy-strong", "coverage-strong"]
    assert [r["total"] for r in by_policy["ranked"]] == [73, 55]  # 50+10+8+5 ; 20+10+20+5
    assert order(by_coverage) == ["coverage-strong", "policy-strong"]
    assert [r["total"] for r in by_coverage["ranked"]] == [73, 55]  # 8+10+50+5 ; 20+10+20+5


def test_the_total_comes_before_any_tie_break():
    low_total_high_interview = complete("a", 0, 0, 0, 100)   # 20
    high_total = complete("b", 50, 50, 50, 0)                # 40
    assert order(final(RUBRIC, [low_total_high_interview, high_total])) == ["b", "a"]


def test_equal_totals_are_broken_by_the_rubrics_indicators_in_order_then_by_id():
    # every total is 50; tie_break is [interview, coverage]
    board = final(RUBRIC, [
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
    board = final(rubric(tie_break=[]), [complete("b", 50, 50, 50, 75), complete("a", 30, 50, 50, 100)])
    assert [r["total"] for r in board["ranked"]] == [55, 55] and order(board) == ["a", "b"]


def test_in_the_document_stage_ties_are_broken_by_the_tie_break_indicators_scored_in_it():
    # tie_break is [interview, coverage]; both document totals are 50 (.25 * 12 = .3 * 10)
    board = leaderboard(RUBRIC, [complete("y", 62, 50, 40, 100), complete("x", 50, 50, 50, 0)])
    assert [r["document_total"] for r in board["ranked"]] == [50, 50]
    assert order(board) == ["x", "y"]  # coverage decides: y's interview is no part of this stage


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
    for stage in (leaderboard, final):
        board = stage(three_way, [s("z-first-by-noise", 7, 0), s("a-first-by-id", 0, 2)])
        assert order(board) == ["a-first-by-id", "z-first-by-noise"]
        assert [r["total"] for r in board["ranked"]] == [1.4, 1.4]
        assert [r["document_total"] for r in board["ranked"]] == [1.4, 1.4]


# stages ------------------------------------------------------------------------------------------

def test_the_document_stage_ranks_by_the_document_total_before_any_interview():
    a = standing("a", (60,), (70,), (90,))  # (15 + 17.5 + 27) / .8 = 74.375
    b = standing("b", (80,), (80,), (70,), (10,))  # (20 + 20 + 21) / .8 = 76.25; with the interview 61 + 2 = 63
    board = leaderboard(RUBRIC, [a, b, standing("c", policy=(50,))])
    assert board["stage"] == "document"
    assert [(r["candidate_id"], r["rank"], r["document_total"], r["interview_total"], r["total"])
            for r in board["ranked"]] == [("b", 1, 76.25, 10, 63), ("a", 2, 74.375, None, None)]
    assert [(r["candidate_id"], r["missing"]) for r in board["incomplete"]] == [("c", ["implementation", "coverage"])]
    assert (board["disqualified"], board["not_shortlisted"]) == ([], [])


def test_the_final_stage_ranks_the_shortlisted_by_the_total_and_lists_the_others_apart():
    a = standing("a", (60,), (70,), (90,))  # shortlisted, not interviewed yet
    b = standing("b", (80,), (80,), (70,), (10,))  # 63
    d = complete("d", 50, 50, 50, 50)  # 50
    e = complete("e", 90, 90, 90, 90, name="E")  # the best documents, (22.5 + 22.5 + 27) / .8 = 90, not shortlisted
    board = leaderboard(RUBRIC, [a, b, d, e, standing("f", policy=(1,))], ["d", "b", "a"])
    assert board["stage"] == "final"
    assert [(r["candidate_id"], r["rank"], r["total"]) for r in board["ranked"]] == [("b", 1, 63), ("d", 2, 50)]
    assert [(r["candidate_id"], r["missing"]) for r in board["incomplete"]] == [("a", ["interview"])]
    assert [(r["candidate_id"], r["name"], r["document_total"], r["missing"]) for r in board["not_shortlisted"]] == [
        ("e", "E", 90, []), ("f", None, None, ["implementation", "coverage"])]
    assert all("rank" not in r for r in board["not_shortlisted"])


def test_in_the_final_stage_withdrawn_are_apart_and_a_shortlisted_candidate_without_standing_is_incomplete():
    board = leaderboard(RUBRIC, [complete("out", 90, 90, 90, 90, withdrawn=True), complete("in", 50, 50, 50, 50),
                                 complete("z-out", 90, 90, 90, 90, withdrawn=True)], ["out", "in", "ghost"])
    assert board["withdrawn"] == ["out", "z-out"]  # shortlisted or not
    assert order(board) == ["in"] and board["not_shortlisted"] == []
    [ghost] = board["incomplete"]
    assert (ghost["candidate_id"], ghost["name"], ghost["total"]) == ("ghost", None, None)
    assert ghost["missing"] == ["policy", "implementation", "coverage", "interview"]


def test_without_interview_indicators_the_final_total_is_the_document_total():
    s = sheet("c", ("policy", "a", 70), ("coverage", AUTO, 50))
    [document] = leaderboard(judged_and_computed(), [s])["ranked"]
    [last] = final(judged_and_computed(), [s])["ranked"]
    assert last["total"] == last["document_total"] == document["document_total"] == 62  # .6 * 70 + .4 * 50
    assert last["interview_total"] is None and last["rank"] == 1


def test_a_no_show_to_be_disqualified_is_listed_apart_whatever_its_scores():
    gone = complete("gone", 100, 100, 100, 100, no_show={"reason": "did not come", "consequence": "disqualified"})
    board = final(RUBRIC, [gone, complete("stays", 50, 50, 50, 50)])
    assert board["disqualified"] == ["gone"] and order(board) == ["stays"] and board["incomplete"] == []
    # the document stage, the one the plenary shortlisted from, is as it was
    assert order(leaderboard(RUBRIC, [gone, complete("stays", 50, 50, 50, 50)])) == ["gone", "stays"]


def test_a_no_show_scored_at_the_scale_minimum_takes_it_on_every_interview_indicator():
    no_show = {"reason": "did not come", "consequence": "scale_minimum"}
    board = final(rubric(scale={"min": 10, "max": 100}), [standing("absent", (60,), (70,), (90,), no_show=no_show),
                                                          complete("present", 60, 70, 90, 20)])
    assert [(r["candidate_id"], r["interview_total"], r["total"]) for r in board["ranked"]] == [
        ("present", 20, 63.5), ("absent", 10, 61.5)]  # 59.5 + .2 * 20 ; 59.5 + .2 * 10
    assert board["disqualified"] == [] and board["ranked"][1]["missing"] == []
    [r] = final(two_interviews(), [sheet("c", ("policy", "a", 75), ("coverage", AUTO, 90), no_show=no_show)])["ranked"]
    assert (r["indicators"]["commitment"], r["indicators"]["work-plan"], r["total"]) == (0, 0, 48)  # .4*75 + .2*90


def test_scores_under_review_are_named_and_still_count():
    s = complete("c", 60, 70, 90, 80)
    for score_id in ("c-policy-0", "c-coverage-0"):
        s["scores"][score_id]["review"] = {"evidence_id": "doc-1", "reason": "document replaced"}
    s["scores"]["old"] = {"indicator_id": "policy", "assessor_id": "a0", "value": 0, "current": False,
                          "review": {"evidence_id": "doc-1", "reason": "document replaced"}}
    for board in (leaderboard(RUBRIC, [s]), final(RUBRIC, [s])):
        [r] = board["ranked"]
        assert r["under_review"] == ["c-coverage-0", "c-policy-0"]
        assert r["indicators"]["policy"] == 60 and r["total"] == 75.5

# rows, withdrawn, rubric version ------------------------------------------------------------------

def test_a_row_carries_name_province_and_coverage_ratio():
    s = with_fields(complete("kota-bandung", 60, 70, 90, 80), name="Kota Bandung", province="jawa-barat",
                    coverage={"figure_id": "f-2", "ratio": 0.72})
    assert row(RUBRIC, s) == {"candidate_id": "kota-bandung", "name": "Kota Bandung", "province": "jawa-barat",
                              "document_total": 74.375,  # (15 + 17.5 + 27) / .8
                              "interview_total": 80, "total": 75.5,
                              "indicators": {"policy": 60, "implementation": 70, "coverage": 90, "interview": 80},
                              "missing": [], "under_review": [], "coverage_ratio": 0.72}
    assert row(RUBRIC, standing("x"))["coverage_ratio"] is None and row(RUBRIC, standing("x"))["name"] is None


def test_withdrawn_candidates_are_listed_apart_by_id_even_when_complete():
    board = leaderboard(RUBRIC, [
        complete("z-out", 100, 100, 100, 100, withdrawn=True), complete("in", 1, 1, 20, 1),
        standing("a-out", withdrawn=True), standing("half", policy=(1,)),
    ])
    assert board["withdrawn"] == ["a-out", "z-out"]
    assert order(board) == ["in"] and [r["candidate_id"] for r in board["incomplete"]] == ["half"]


def test_the_board_names_its_rubric_version_aggregation_and_stage_and_may_be_empty():
    empty = {"ranked": [], "incomplete": [], "withdrawn": [], "disqualified": [], "not_shortlisted": []}
    assert leaderboard(RUBRIC, []) == {"rubric_version": 4, "aggregation": "mean", "stage": "document", **empty}
    assert leaderboard(rubric(aggregation="median"), [], []) == {"rubric_version": 4, "aggregation": "median",
                                                                 "stage": "final", **empty}


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


def test_from_part_2_facts_to_the_final_board():
    events = [
        _score("p1", "policy", "a1", 80), _score("m1", "implementation", "a1", 70),
        _score("auto-f-1-coverage", "coverage", "rule:coverage-bands:v1", 70),
        ScoreFlaggedForReview(score_id="p1", candidate_id="c-1", indicator_id="policy", assessor_id="a1",
                              evidence_id="doc-1", reason="the regulation was replaced", cause="evidence#3"),
    ]
    view = {}
    for n, event in enumerate(events, start=1):
        view = apply_once(Standings(), view, _envelope(event, "scoring/score-sheet/c-1", n), event)
    for n, event in enumerate([
        InterviewScored(score_id="i1", candidate_id="c-1", cycle_id="demo-2024", interviewer_id="iv", value=60,
                        attendee="Wali Kota"),
        InterviewScoreAmended(score_id="i1b", supersedes="i1", candidate_id="c-1", interviewer_id="iv",
                              indicator_id="interview", value=90, reason="the work plan was in the annex"),
    ], start=1):
        view = apply_once(Standings(), view, _envelope(event, "interview/interview-sheet/c-1", n), event)
    [r] = leaderboard(RUBRIC, [view], ["c-1"])["ranked"]
    assert r["indicators"] == {"policy": 80, "implementation": 70, "coverage": 70, "interview": 90}
    assert r["total"] == 76.5 and r["under_review"] == ["p1"]  # 20 + 17.5 + 21 + 18
    missed = InterviewMissed(candidate_id="c-1", cycle_id="demo-2024", reason="flood", consequence="disqualified")
    view = apply_once(Standings(), view, _envelope(missed, "interview/interview-sheet/c-1", 3), missed)
    assert leaderboard(RUBRIC, [view], ["c-1"])["disqualified"] == ["c-1"]
