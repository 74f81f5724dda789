"""Scoring's decider: judged scores, amendments (a chain, with a reason, own scores only), and
computed scores derived from coverage figures by the rubric's bands (re-derived as amendments)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.scoring.domain import (
    AmendScore,
    CandidateScores,
    ScoreEntry,
    ScoreFromFigure,
    ScoreIndicator,
    ScoreSheet,
    band_score,
)
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CoverageRule, CycleConfig
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.directory import Registered

DEMO_BANDS = [{"min_ratio": 0.0, "score": 20}, {"min_ratio": 0.3, "score": 50},
              {"min_ratio": 0.5, "score": 70}, {"min_ratio": 0.7, "score": 90}]


def _category(id_, indicators, scale=None, version=1):
    rubric = {"version": version, "indicators": indicators, **({"scale": scale} if scale else {})}
    return {"id": id_, "name": id_, "segment": "government", "level": "regency_city", "rubric": rubric}


CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [
        _category("regency-city", [
            {"id": "policy", "name": "Policy", "weight": 0.25, "method": "judged"},
            {"id": "implementation", "name": "Implementation", "weight": 0.25, "method": "judged"},
            {"id": "coverage", "name": "Coverage", "weight": 0.3, "method": "computed",
             "rule": {"id": "coverage-bands", "version": 1, "bands": DEMO_BANDS}},
            {"id": "interview", "name": "Interview", "weight": 0.2, "method": "interview"},
        ], version=2),
        _category("two-rules", [
            {"id": "policy", "name": "Policy", "weight": 0.2, "method": "judged"},
            {"id": "coverage", "name": "Coverage", "weight": 0.4, "method": "computed",
             "rule": {"id": "coverage-bands", "version": 1, "bands": DEMO_BANDS}},
            {"id": "vulnerable", "name": "Vulnerable workers", "weight": 0.4, "method": "computed",
             "rule": {"id": "vulnerable-bands", "version": 3,
                      "bands": [{"min_ratio": 0.1, "score": 40}, {"min_ratio": 0.2, "score": 80}]}},
        ]),
        _category("judged-only", [{"id": "policy", "name": "Policy", "weight": 1, "method": "judged"}]),
        _category("five-point", [
            {"id": "policy", "name": "Policy", "weight": 0.5, "method": "judged"},
            {"id": "coverage", "name": "Coverage", "weight": 0.5, "method": "computed",
             "rule": {"id": "coverage-5", "version": 1, "bands": [{"min_ratio": 0.5, "score": 3},
                                                                  {"min_ratio": 0.8, "score": 5}]}},
        ], scale={"min": 1, "max": 5}),
    ],
})
RULE = CONFIG.category("regency-city").rubric.indicator("coverage").rule
AUTO = "rule:coverage-bands:v1"


def registered(stage: str = "assessment", withdrawn: bool = False, category: str = "regency-city",
               candidate: bool = True) -> Registered:
    doc = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": category, "withdrawn": withdrawn}
    return Registered(doc if candidate else None, {"config": CONFIG.model_dump(mode="json"), "stage": stage})


def refused(command, state, context) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        CandidateScores().decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def decide(command, state, context=None):
    return CandidateScores().decide(command, state, registered() if context is None else context)


def fold(state, events):
    for event in events:
        state = CandidateScores().evolve(state, event)
    return state


def run(state, *commands, context=None):
    """Decide and fold each command in turn; the state after all of them."""
    for command in commands:
        state = fold(state, decide(command, state, context))
    return state


SCORE = dict(score_id="s-1", candidate_id="kota-bandung", indicator_id="policy", assessor_id="a-1", value=80)
SCORED = ScoreSheet(scores={"s-1": ScoreEntry(indicator_id="policy", assessor_id="a-1", value=80)})


# judged scores -----------------------------------------------------------------------------

def test_a_score_records_its_cycle_category_rubric_version_and_evidence():
    [event] = decide(ScoreIndicator(**SCORE, evidence=["doc-perda-7"]), ScoreSheet())
    assert event == IndicatorScored(score_id="s-1", candidate_id="kota-bandung", cycle_id="demo-2024",
                                    category_id="regency-city", indicator_id="policy", assessor_id="a-1", value=80,
                                    rubric_version=2, evidence=["doc-perda-7"], rule=None, inputs=None)
    assert fold(ScoreSheet(), [event]) == SCORED
    assert SCORED.current("policy", "a-1") == "s-1"
    assert SCORED.current("policy", "a-2") is None and SCORED.current("implementation", "a-1") is None


@pytest.mark.parametrize("value", [0, 0.5, 99.999, 100])
def test_scores_on_the_scale_including_its_ends_are_taken(value):
    [event] = decide(ScoreIndicator(**{**SCORE, "value": value}), ScoreSheet())
    assert event.value == value


def test_other_assessors_and_other_indicators_are_scored_independently():
    state = run(SCORED, ScoreIndicator(**{**SCORE, "score_id": "s-2", "assessor_id": "a-2", "value": 60}),
                ScoreIndicator(**{**SCORE, "score_id": "s-3", "indicator_id": "implementation", "value": 40}))
    assert {sid: (e.indicator_id, e.assessor_id, e.value) for sid, e in state.scores.items()} == {
        "s-1": ("policy", "a-1", 80), "s-2": ("policy", "a-2", 60), "s-3": ("implementation", "a-1", 40)}


@pytest.mark.parametrize(
    "changes, state, context, rule, status",
    [
        ({"value": 100.01}, ScoreSheet(), registered(), "score_outside_scale", 422),
        ({"value": -0.01}, ScoreSheet(), registered(), "score_outside_scale", 422),
        ({"value": 6}, ScoreSheet(), registered(category="five-point"), "score_outside_scale", 422),
        ({"value": 0}, ScoreSheet(), registered(category="five-point"), "score_outside_scale", 422),
        ({"indicator_id": "charisma"}, ScoreSheet(), registered(), "unknown_indicator", 422),
        ({"indicator_id": "implementation"}, ScoreSheet(), registered(category="judged-only"), "unknown_indicator",
         422),
        ({"indicator_id": "coverage"}, ScoreSheet(), registered(), "indicator_not_judged", 422),
        ({"indicator_id": "interview"}, ScoreSheet(), registered(), "indicator_not_judged", 422),
        ({"score_id": "s-2"}, SCORED, registered(), "already_scored", 409),
        ({"score_id": "s-1", "indicator_id": "implementation"}, SCORED, registered(), "duplicate_score_id", 409),
        ({}, ScoreSheet(), registered(withdrawn=True), "candidate_withdrawn", 409),
        ({}, ScoreSheet(), registered(candidate=False), "unknown_candidate", 422),
        ({}, ScoreSheet(), registered(category="gone"), "unknown_candidate", 422),
        *[({}, ScoreSheet(), registered(stage), "wrong_stage", 409) for stage in STAGES if stage != "assessment"],
    ],
)
def test_scoring_rules(changes, state, context, rule, status):
    assert refused(ScoreIndicator(**{**SCORE, **changes}), state, context) == (rule, status)


@pytest.mark.parametrize(
    "changes",
    [{"score_id": "S1"}, {"indicator_id": ""}, {"assessor_id": ""}, {"assessor_id": "a" * 129}, {"value": "high"},
     {"extra": True}],
)
def test_malformed_score_commands_do_not_validate(changes):
    with pytest.raises(ValidationError):
        ScoreIndicator(**{**SCORE, **changes})


# amendments --------------------------------------------------------------------------------

AMEND = dict(score_id="s-1b", candidate_id="kota-bandung", supersedes="s-1", assessor_id="a-1", value=85,
             reason="second reading of Perda 7/2023")


def test_an_amendment_names_what_it_supersedes_and_why():
    [event] = decide(AmendScore(**AMEND), SCORED)
    assert event == ScoreAmended(score_id="s-1b", supersedes="s-1", candidate_id="kota-bandung",
                                 indicator_id="policy", assessor_id="a-1", value=85,
                                 reason="second reading of Perda 7/2023")
    state = fold(SCORED, [event])
    assert state.scores == {
        "s-1": ScoreEntry(indicator_id="policy", assessor_id="a-1", value=80, current=False),
        "s-1b": ScoreEntry(indicator_id="policy", assessor_id="a-1", value=85, current=True),
    }
    assert state.current("policy", "a-1") == "s-1b"


def test_amendments_chain_and_each_score_is_amended_at_most_once():
    state = run(SCORED, AmendScore(**AMEND), AmendScore(**{**AMEND, "score_id": "s-1c", "supersedes": "s-1b",
                                                            "value": 90}))
    assert [sid for sid, e in state.scores.items() if e.current] == ["s-1c"]
    assert state.scores["s-1c"].value == 90
    for superseded in ("s-1", "s-1b"):
        again = AmendScore(**{**AMEND, "score_id": "s-1d", "supersedes": superseded})
        assert refused(again, state, registered()) == ("score_superseded", 409)
    # an amended score is still a score: scoring the indicator afresh is refused
    assert refused(ScoreIndicator(**{**SCORE, "score_id": "s-9"}), state, registered()) == ("already_scored", 409)


@pytest.mark.parametrize(
    "changes, context, rule, status",
    [
        ({"reason": ""}, registered(), "amendment_reason_required", 422),
        ({"reason": " \t "}, registered(), "amendment_reason_required", 422),
        ({"supersedes": "s-404"}, registered(), "unknown_score", 409),
        ({"assessor_id": "a-2"}, registered(), "not_own_score", 409),
        ({"value": 100.5}, registered(), "score_outside_scale", 422),
        ({"value": -1}, registered(), "score_outside_scale", 422),
        ({"score_id": "s-1"}, registered(), "duplicate_score_id", 409),
        ({}, registered("plenary"), "wrong_stage", 409),
        ({}, registered("interview"), "wrong_stage", 409),
        ({}, registered(withdrawn=True), "candidate_withdrawn", 409),
    ],
)
def test_amendment_rules(changes, context, rule, status):
    assert refused(AmendScore(**{**AMEND, **changes}), SCORED, context) == (rule, status)


def test_a_missing_reason_is_reported_before_anything_else():
    command = AmendScore(**{**AMEND, "reason": "", "supersedes": "s-404", "assessor_id": "a-2", "value": 500})
    assert refused(command, ScoreSheet(), registered("closed")) == ("amendment_reason_required", 422)


def test_an_amendment_reason_may_not_exceed_2000_characters():
    with pytest.raises(ValidationError):
        AmendScore(**{**AMEND, "reason": "x" * 2001})


# computed scores from coverage figures -------------------------------------------------------

@pytest.mark.parametrize(
    "ratio, expected",
    [(0.0, 20), (0.299999, 20), (0.3, 50), (0.4999, 50), (0.5, 70), (0.69, 70), (0.7, 90), (1.0, 90), (1.5, 90)],
)
def test_band_score_takes_the_highest_band_reached(ratio, expected):
    assert band_score(RULE, ratio) == expected


def test_band_score_does_not_depend_on_the_order_bands_are_listed_in():
    shuffled = CoverageRule(id="r", version=1, bands=list(reversed(RULE.bands)))
    assert [band_score(shuffled, r) for r in (0.1, 0.35, 0.6, 0.9)] == [20, 50, 70, 90]


def test_band_score_below_every_band_is_zero():
    rule = CoverageRule(id="r", version=1, bands=[{"min_ratio": 0.5, "score": 60}])
    assert (band_score(rule, 0.49), band_score(rule, 0.5)) == (0.0, 60)


FROM_FIGURE = dict(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city", figure_id="f-1",
                   workers_eligible=1000, workers_enrolled=450)


def test_a_figure_derives_the_computed_score_and_says_how():
    [event] = decide(ScoreFromFigure(**FROM_FIGURE), ScoreSheet(), CONFIG)
    assert event == IndicatorScored(
        score_id="auto-f-1-coverage", candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
        indicator_id="coverage", assessor_id=AUTO, value=50, rubric_version=2, evidence=["f-1"],
        rule="coverage-bands@v1", inputs={"figure_id": "f-1", "workers_eligible": 1000, "workers_enrolled": 450})
    assert fold(ScoreSheet(), [event]).current("coverage", AUTO) == "auto-f-1-coverage"


def test_each_newer_figure_re_derives_the_score_as_an_amendment_of_the_last():
    state = run(ScoreSheet(), ScoreFromFigure(**FROM_FIGURE), context=CONFIG)
    [second] = decide(ScoreFromFigure(**{**FROM_FIGURE, "figure_id": "f-2", "workers_enrolled": 720}), state, CONFIG)
    assert second == ScoreAmended(score_id="auto-f-2-coverage", supersedes="auto-f-1-coverage",
                                  candidate_id="kota-bandung", indicator_id="coverage", assessor_id=AUTO, value=90,
                                  reason="re-derived from coverage figure f-2")
    state = fold(state, [second])
    [third] = decide(ScoreFromFigure(**{**FROM_FIGURE, "figure_id": "f-3", "workers_enrolled": 100}), state, CONFIG)
    assert (third.supersedes, third.value) == ("auto-f-2-coverage", 20)
    state = fold(state, [third])
    assert {sid: (e.value, e.current) for sid, e in state.scores.items()} == {
        "auto-f-1-coverage": (50, False), "auto-f-2-coverage": (90, False), "auto-f-3-coverage": (20, True)}


def test_a_figure_scores_every_computed_indicator_of_the_category_and_leaves_judged_scores_alone():
    command = ScoreFromFigure(**{**FROM_FIGURE, "category_id": "two-rules", "workers_enrolled": 150})
    events = decide(command, SCORED, CONFIG)
    assert [(e.indicator_id, e.assessor_id, e.value, e.rule) for e in events] == [
        ("coverage", AUTO, 20, "coverage-bands@v1"),
        ("vulnerable", "rule:vulnerable-bands:v3", 40, "vulnerable-bands@v3"),
    ]
    state = fold(SCORED, events)
    assert state.scores["s-1"].current and state.scores["s-1"].value == 80


def test_a_category_without_computed_indicators_derives_nothing():
    assert decide(ScoreFromFigure(**{**FROM_FIGURE, "category_id": "judged-only"}), ScoreSheet(), CONFIG) == []


@pytest.mark.parametrize("config, category", [(None, "regency-city"), (CONFIG, "village")])
def test_a_figure_for_an_unknown_cycle_or_category_is_refused(config, category):
    assert refused(ScoreFromFigure(**{**FROM_FIGURE, "category_id": category}), ScoreSheet(), config) == \
        ("unknown_category", 422)


def test_a_figure_below_every_band_scores_the_bottom_of_the_scale():
    [event] = decide(ScoreFromFigure(**{**FROM_FIGURE, "category_id": "five-point", "workers_enrolled": 100}),
                     ScoreSheet(), CONFIG)
    assert event.value == 1
    assert band_score(CONFIG.category("five-point").rubric.indicator("coverage").rule, 0.1, floor=1) == 1


def test_a_rule_derived_score_cannot_be_amended_by_hand():
    state = run(ScoreSheet(), ScoreFromFigure(**FROM_FIGURE), context=CONFIG)
    command = AmendScore(score_id="s-x", candidate_id="kota-bandung", supersedes="auto-f-1-coverage",
                         assessor_id=AUTO, value=100, reason="I like them")
    assert refused(command, state, registered()) == ("computed_score", 409)


@pytest.mark.parametrize(
    "changes",
    [{"score_id": "auto-f-1-coverage"}, {"score_id": "auto-x"}, {"assessor_id": AUTO}, {"assessor_id": "rule:mine"}],
)
def test_score_and_assessor_ids_of_the_rules_are_reserved(changes):
    assert refused(ScoreIndicator(**{**SCORE, **changes}), ScoreSheet(), registered()) == ("reserved_for_rules", 422)


def test_a_figure_is_scored_once():
    state = run(ScoreSheet(), ScoreFromFigure(**FROM_FIGURE), context=CONFIG)
    assert refused(ScoreFromFigure(**FROM_FIGURE), state, CONFIG) == ("figure_already_scored", 409)


def test_an_amendment_cannot_take_a_score_id_reserved_for_the_rules():
    # else an assessor's amendment named 'auto-f-9-coverage' would make figure f-9 unscorable for ever
    amendment = AmendScore(**{**AMEND, "score_id": "auto-f-9-coverage"})
    assert refused(amendment, SCORED, registered()) == ("reserved_for_rules", 422)
