"""Scoring's decider: judged scores, amendments (a chain, with a reason, own scores only), and
computed scores derived from coverage figures by the rubric's bands (re-derived as amendments)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.scoring.commands import AmendScore, ConfirmScore, FlagScoresForReview, ScoreFromFigure, ScoreIndicator
from services.scoring import evidence_index
from services.scoring.domain import CandidateScores, Judging, Review, ScoreEntry, ScoreSheet, band_score
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CoverageRule, CycleConfig
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
from shared.directory import Registered
from tests.unit.test_publication import BOARD, FREEZE, PUBLISHED_STATUS, REOPENED_STATUS

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


def assessor(person_id: str = "a-1", province: str = "jawa-barat", categories=None, conflicts=None) -> dict:
    categories = categories or ["regency-city", "five-point", "judged-only", "two-rules", "criteria"]
    return {"person_id": person_id, "duties": {"assessor": {province: categories}}, "conflicts": conflicts or {}}


EVIDENCE = {"evidence": {"doc-perda-7": {"kind": "document", "status": "verified"},
                         "doc-draft": {"kind": "document", "status": "submitted"},
                         "doc-old": {"kind": "document", "status": "replaced"},
                         "doc-bad": {"kind": "document", "status": "rejected"},
                         "f-1": {"kind": "figure", "status": "superseded"}}}


def registered(stage: str = "assessment", withdrawn: bool = False, category: str = "regency-city",
               candidate: bool = True, person: dict | None = None, evidence: dict | None = None,
               board: dict | None = None) -> Judging:
    doc = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": category, "withdrawn": withdrawn,
           "province": "jawa-barat"}
    context = Registered(doc if candidate else None, {"config": CONFIG.model_dump(mode="json"), "stage": stage})
    return Judging(context, assessor() if person is None else person, EVIDENCE if evidence is None else evidence,
                   board)


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


SCORE = dict(score_id="s-1", candidate_id="kota-bandung", indicator_id="policy", assessor_id="a-1", value=80,
             evidence=["doc-perda-7"])
SCORED = ScoreSheet(scores={"s-1": ScoreEntry(indicator_id="policy", assessor_id="a-1", value=80,
                                              evidence=["doc-perda-7"])})


# judged scores -----------------------------------------------------------------------------

def test_a_score_records_its_cycle_category_rubric_version_and_evidence():
    [event] = decide(ScoreIndicator(**SCORE), ScoreSheet())
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
    state = run(SCORED, ScoreIndicator(**{**SCORE, "score_id": "s-3", "indicator_id": "implementation", "value": 40}))
    state = run(state, ScoreIndicator(**{**SCORE, "score_id": "s-2", "assessor_id": "a-2", "value": 60}),
                context=registered(person=assessor("a-2")))
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
                                 reason="second reading of Perda 7/2023", evidence=["doc-perda-7"])
    state = fold(SCORED, [event])
    assert state.scores == {
        "s-1": ScoreEntry(indicator_id="policy", assessor_id="a-1", value=80, current=False, evidence=["doc-perda-7"]),
        "s-1b": ScoreEntry(indicator_id="policy", assessor_id="a-1", value=85, current=True, evidence=["doc-perda-7"]),
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
    command = ScoreFromFigure(**{**FROM_FIGURE, "figure_id": "f-2", "workers_enrolled": 720, "cause": "ev-verified-f-2"})
    [second] = decide(command, state, CONFIG)
    assert second == ScoreAmended(score_id="auto-f-2-coverage", supersedes="auto-f-1-coverage",
                                  candidate_id="kota-bandung", indicator_id="coverage", assessor_id=AUTO, value=90,
                                  reason="re-derived from coverage figure f-2", evidence=["f-2"],
                                  rule="coverage-bands@v1", cause="ev-verified-f-2",
                                  inputs={"figure_id": "f-2", "workers_eligible": 1000, "workers_enrolled": 720})
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


# who may score, and on what evidence -------------------------------------------------------------

@pytest.mark.parametrize(
    "person, rule",
    [
        ({}, "not_assigned"),
        (assessor(province="bali"), "not_assigned"),
        (assessor(categories=["village"]), "not_assigned"),
        ({"person_id": "a-1", "duties": {"interviewer": {"jawa-barat": ["regency-city"]}}}, "not_assigned"),
        (assessor(conflicts={"kota-bandung": "employed_by"}), "conflict_of_interest"),
    ],
)
def test_only_an_assessor_appointed_to_the_province_and_category_without_conflict_may_score(person, rule):
    for command, state in ((ScoreIndicator(**SCORE), ScoreSheet()), (AmendScore(**AMEND), SCORED)):
        assert refused(command, state, registered(person=person)) == (rule, 403)


def test_a_national_assessor_may_score_in_any_province():
    [event] = decide(ScoreIndicator(**SCORE), ScoreSheet(), registered(person=assessor(province="national")))
    assert event.assessor_id == "a-1"


def test_a_conflict_with_another_candidate_does_not_bar_the_assessor():
    [event] = decide(ScoreIndicator(**SCORE), ScoreSheet(), registered(person=assessor(conflicts={"kab-bogor": "other"})))
    assert event.score_id == "s-1"


@pytest.mark.parametrize(
    "evidence, rule",
    [([], "evidence_required"), (["doc-404"], "evidence_not_citable"), (["doc-bad"], "evidence_not_citable"),
     (["doc-old"], "evidence_not_citable"), (["doc-perda-7", "f-1"], "evidence_not_citable")],
)
def test_a_judged_score_cites_standing_evidence_of_its_candidate(evidence, rule):
    assert refused(ScoreIndicator(**{**SCORE, "evidence": evidence}), ScoreSheet(), registered()) == (rule, 422)



def test_an_amendment_without_evidence_cites_the_old_scores_evidence_only_while_it_stands():
    stale = ScoreSheet(scores={"s-1": SCORED.scores["s-1"].model_copy(update={"evidence": ["doc-bad"]})})
    assert refused(AmendScore(**AMEND), stale, registered()) == ("evidence_not_citable", 422)
    assert refused(AmendScore(**AMEND, evidence=["doc-old"]), SCORED, registered()) == ("evidence_not_citable", 422)


def test_evidence_not_yet_verified_may_be_cited_and_an_amendment_may_cite_anew():
    [event] = decide(ScoreIndicator(**{**SCORE, "evidence": ["doc-draft", "doc-perda-7"]}), ScoreSheet())
    assert event.evidence == ["doc-draft", "doc-perda-7"]
    [amended] = decide(AmendScore(**AMEND, evidence=["doc-draft"]), SCORED)
    assert amended.evidence == ["doc-draft"]


# criteria (sub-indicators) -----------------------------------------------------------------------

CRITERIA_CONFIG = CycleConfig.model_validate({
    **CONFIG.model_dump(mode="json"),
    "categories": [_category("regency-city", [
        {"id": "policy", "name": "Policy", "weight": 1, "method": "judged",
         "sub_indicators": [{"id": "regulation", "name": "Regulation", "weight": 0.6},
                            {"id": "legal-products", "name": "Other legal products", "weight": 0.4}]}])],
})


def criteria_context() -> Judging:
    doc = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": "regency-city",
           "withdrawn": False, "province": "jawa-barat"}
    registered_ = Registered(doc, {"config": CRITERIA_CONFIG.model_dump(mode="json"), "stage": "assessment"})
    return Judging(registered_, assessor(), EVIDENCE)


def test_an_indicator_with_criteria_is_scored_per_criterion_and_weighted():
    command = ScoreIndicator(**{**SCORE, "value": None, "criteria": {"regulation": 90, "legal-products": 40}})
    [event] = decide(command, ScoreSheet(), criteria_context())
    assert (event.value, event.criteria) == (70, {"regulation": 90, "legal-products": 40})  # .6*90 + .4*40


@pytest.mark.parametrize(
    "value, criteria, rule",
    [(80, {}, "criteria_mismatch"), (None, {"regulation": 90}, "criteria_mismatch"),
     (80, {"regulation": 90, "legal-products": 40}, "criteria_mismatch"),
     (None, {"regulation": 90, "legal-products": 40, "extra": 1}, "criteria_mismatch"),
     (None, {"regulation": 101, "legal-products": 40}, "score_outside_scale")],
)
def test_criteria_must_fit_the_indicator(value, criteria, rule):
    command = ScoreIndicator(**{**SCORE, "value": value, "criteria": criteria})
    assert refused(command, ScoreSheet(), criteria_context()) == (rule, 422)


def test_an_indicator_without_criteria_refuses_criteria_or_a_missing_value():
    for changes in ({"criteria": {"x": 1}}, {"value": None}):
        assert refused(ScoreIndicator(**{**SCORE, **changes}), ScoreSheet(), registered()) == ("criteria_mismatch", 422)


# chain of custody: flags, confirmations ----------------------------------------------------------

FLAG = dict(candidate_id="kota-bandung", evidence_id="doc-perda-7", reason="document doc-perda-7 was rejected",
            cause="ev-9")


def test_changed_evidence_flags_every_current_judged_score_that_cited_it_once_per_cause():
    state = run(SCORED, ScoreIndicator(**{**SCORE, "score_id": "s-2", "indicator_id": "implementation",
                                          "evidence": ["doc-draft"]}))
    state = run(state, ScoreFromFigure(**FROM_FIGURE), context=CONFIG)
    events = decide(FlagScoresForReview(**FLAG), state, None)
    assert events == [ScoreFlaggedForReview(score_id="s-1", indicator_id="policy", assessor_id="a-1", **FLAG)]
    state = fold(state, events)
    assert state.scores["s-1"].review == Review(evidence_id="doc-perda-7", reason=FLAG["reason"], cause="ev-9")
    assert decide(FlagScoresForReview(**FLAG), state, None) == []  # redelivered: nothing new
    assert len(decide(FlagScoresForReview(**{**FLAG, "cause": "ev-10"}), state, None)) == 1


def test_a_figure_correction_flags_judged_scores_but_never_the_rule_derived_ones():
    state = run(ScoreSheet(), ScoreFromFigure(**FROM_FIGURE), context=CONFIG)
    assert decide(FlagScoresForReview(**{**FLAG, "evidence_id": "f-1"}), state, None) == []


def test_a_superseded_score_is_not_flagged():
    state = run(SCORED, AmendScore(**AMEND, evidence=["doc-draft"]))
    assert decide(FlagScoresForReview(**FLAG), state, None) == []


def flagged() -> ScoreSheet:
    return fold(SCORED, decide(FlagScoresForReview(**FLAG), SCORED, None))


def test_the_assessor_confirms_a_flagged_score_with_a_note_and_the_flag_clears():
    command = ConfirmScore(candidate_id="kota-bandung", score_id="s-1", assessor_id="a-1", note="Perda 7 stands")
    [event] = decide(command, flagged())
    assert event == ScoreConfirmed(candidate_id="kota-bandung", score_id="s-1", assessor_id="a-1",
                                   note="Perda 7 stands")
    assert fold(flagged(), [event]).scores["s-1"].review is None


def test_amending_a_flagged_score_replaces_it_with_an_unflagged_one():
    state = run(flagged(), AmendScore(**AMEND, evidence=["doc-draft"]))
    assert state.scores["s-1b"].review is None and not state.scores["s-1"].current


@pytest.mark.parametrize(
    "changes, state, context, rule, status",
    [
        ({}, SCORED, registered(), "not_under_review", 409),
        ({"note": " "}, None, registered(), "confirmation_note_required", 422),
        ({"assessor_id": "a-2"}, None, registered(person=assessor("a-2")), "not_own_score", 409),
        ({"score_id": "s-404"}, None, registered(), "unknown_score", 409),
        ({}, None, registered("plenary"), "wrong_stage", 409),
        ({}, None, registered(person=assessor(conflicts={"kota-bandung": "advises"})), "conflict_of_interest", 403),
    ],
)
def test_confirmation_rules(changes, state, context, rule, status):
    command = ConfirmScore(**{"candidate_id": "kota-bandung", "score_id": "s-1", "assessor_id": "a-1",
                              "note": "stands", **changes})
    assert refused(command, flagged() if state is None else state, context) == (rule, status)


def test_a_candidate_screened_out_is_not_assessed_and_one_screened_in_is():
    out = {**EVIDENCE, "screening": {"eligible": False, "failed": ["no_arrears"]}}
    for command, state in ((ScoreIndicator(**SCORE), ScoreSheet()), (AmendScore(**AMEND), SCORED)):
        assert refused(command, state, registered(evidence=out)) == ("screened_out", 409)
    passed = {**EVIDENCE, "screening": {"eligible": True, "failed": []}}
    assert decide(ScoreIndicator(**SCORE), ScoreSheet(), registered(evidence=passed))


# the freeze once the province's results are published -------------------------------------

CONFIRM = dict(candidate_id="kota-bandung", score_id="s-1", assessor_id="a-1", note="Perda 7 stands")


def test_a_reopened_board_takes_amendments_and_confirmations_in_provincial_results():
    reopened = registered("provincial_results", board=REOPENED_STATUS)
    [amended] = decide(AmendScore(**AMEND), SCORED, reopened)
    assert (amended.supersedes, amended.value) == ("s-1", 85)
    [confirmed] = decide(ConfirmScore(**CONFIRM), flagged(), reopened)
    assert confirmed == ScoreConfirmed(**CONFIRM)


@pytest.mark.parametrize("stage, board, rule", [*FREEZE, ("interview", None, "wrong_stage")])
def test_a_published_board_freezes_amendments_and_confirmations(stage, board, rule):
    context = registered(stage, board=board)
    assert refused(AmendScore(**AMEND), SCORED, context) == (rule, 409)
    assert refused(ConfirmScore(**CONFIRM), flagged(), context) == (rule, 409)


@pytest.mark.parametrize("board", [None, PUBLISHED_STATUS, REOPENED_STATUS])
def test_new_scores_stay_in_the_assessment_stage_even_on_a_reopened_board(board):
    assert refused(ScoreIndicator(**SCORE), ScoreSheet(), registered("provincial_results", board=board)) == \
        ("wrong_stage", 409)


def test_a_reopened_board_does_not_lift_the_other_rules():
    reopened = dict(stage="provincial_results", board=REOPENED_STATUS)
    assert refused(AmendScore(**AMEND), SCORED, registered(withdrawn=True, **reopened)) == ("candidate_withdrawn", 409)
    assert refused(AmendScore(**AMEND), SCORED, registered(person=assessor("a-1", "bali"), **reopened)) == \
        ("not_assigned", 403)


class Store:
    def __init__(self, docs: dict[tuple[str, str], dict]) -> None:
        self.docs = docs

    async def get(self, collection, doc_id):
        return self.docs.get((collection, doc_id))


async def test_the_context_of_an_amendment_or_confirmation_reads_the_candidates_board_status():
    candidate = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": "regency-city",
                 "province": "jawa-barat", "withdrawn": False}
    store = Store({("directory_candidates", "kota-bandung"): candidate, ("board_status", BOARD): REOPENED_STATUS,
                   ("directory_cycles", "demo-2024"): {"config": CONFIG.model_dump(mode="json"),
                                                       "stage": "provincial_results"},
                   ("directory_panellists", "demo-2024:a-1"): assessor(),
                   (evidence_index.EVIDENCE, "kota-bandung"): EVIDENCE})
    sheet = CandidateScores()
    for command in (AmendScore(**AMEND), ConfirmScore(**CONFIRM)):
        context = await sheet.context(command, store)
        assert (context.board, context.registered.stage) == (REOPENED_STATUS, "provincial_results")
    assert (await sheet.context(ScoreIndicator(**SCORE), store)).board is None
    assert (await sheet.context(AmendScore(**{**AMEND, "candidate_id": "kab-bogor"}), store)).board is None
    assert decide(AmendScore(**AMEND), SCORED, await sheet.context(AmendScore(**AMEND), store))
