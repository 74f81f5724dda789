"""The deciders of every service: what each command produces, and every rule that refuses it."""

from __future__ import annotations

import pytest

from services.evidence.domain import (
    CandidateEvidence, CorrectCoverageFigure, EvidenceState, SubmitCoverageFigure, VerifyEvidence,
)
from shared.contracts.evidence import CoverageFigureCorrected, EvidenceRejected, EvidenceVerified
from services.interview.domain import CandidateInterview, InterviewSheet, RecordInterviewScore
from services.registration import reference
from services.registration.domain import (
    AdvanceStage, Candidate, CandidateState, Cycle, CycleState, OpenCycle, RegisterCandidate, RegistrationContext,
    WithdrawCandidate,
)
from services.scoring.domain import (
    AmendScore, CandidateScores, ScoreFromFigure, ScoreIndicator, ScoreSheet, band_score,
)
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from tests.unit.builders import CONFIG, RUBRIC, registered


def refused(aggregate, command, state, context) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        aggregate.decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def fold(aggregate, state, events):
    for event in events:
        state = aggregate.evolve(state, event)
    return state


# registration ------------------------------------------------------------------------------

def test_cycle_opens_in_registration_and_moves_only_one_stage_forward():
    cycle = Cycle()
    state = fold(cycle, CycleState(), cycle.decide(OpenCycle(config=CONFIG), CycleState(), None))
    assert state.stage == "registration"
    assert refused(cycle, OpenCycle(config=CONFIG), state, None) == ("cycle_already_open", 409)
    for stage in STAGES[1:]:
        assert refused(cycle, AdvanceStage(cycle_id="demo-2024", to_stage="registration"), state, None)[0] == \
            "stage_order"
        state = fold(cycle, state, cycle.decide(AdvanceStage(cycle_id="demo-2024", to_stage=stage), state, None))
    assert state.stage == "closed"
    assert refused(cycle, AdvanceStage(cycle_id="demo-2024", to_stage="closed"), state, None)[0] == "stage_order"


def test_skipping_a_stage_is_refused():
    state = CycleState(config=CONFIG, stage="registration")
    assert refused(Cycle(), AdvanceStage(cycle_id="demo-2024", to_stage="assessment"), state, None) == \
        ("stage_order", 409)


REGISTER = dict(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                kind="regency_city", name="Kota Bandung", province="jawa-barat")
REGIONS = reference.load()
OPEN = RegistrationContext(cycle=CycleState(config=CONFIG, stage="registration"), regions=REGIONS)


@pytest.mark.parametrize(
    "changes, cycle, rule, status",
    [
        ({}, CycleState(), "unknown_cycle", 422),
        ({"category_id": "village"}, OPEN.cycle, "unknown_category", 422),
        ({"kind": "village"}, OPEN.cycle, "kind_mismatch", 422),
        ({}, CycleState(config=CONFIG, stage="assessment"), "wrong_stage", 409),
        ({"province": "atlantis"}, OPEN.cycle, "unknown_province", 422),
        ({"regency_code": "99.99"}, OPEN.cycle, "unknown_regency", 422),
        ({"regency_code": "11.01"}, OPEN.cycle, "regency_outside_province", 422),
    ],
)
def test_registration_rules(changes, cycle, rule, status):
    context = RegistrationContext(cycle=cycle, regions=REGIONS)
    assert refused(Candidate(), RegisterCandidate(**{**REGISTER, **changes}), CandidateState(), context) == (
        rule, status)


def test_candidate_in_its_provinces_regency_is_accepted():
    bandung = next(r for r in REGIONS.regencies.values() if r.name == "Kota Bandung")
    [event] = Candidate().decide(RegisterCandidate(**REGISTER, regency_code=bandung.code), CandidateState(), OPEN)
    assert event.regency_code == bandung.code


def test_cycle_with_unknown_reference_data_is_refused():
    config = CONFIG.model_copy(update={"reference_data_version": "bps-1999"})
    assert refused(Cycle(), OpenCycle(config=config), CycleState(), None) == ("unknown_reference_data", 422)


def test_register_then_duplicate_then_withdraw():
    candidate = Candidate()
    events = candidate.decide(RegisterCandidate(**REGISTER), CandidateState(), OPEN)
    assert events[0].model_dump(exclude_none=True) == REGISTER
    state = fold(candidate, CandidateState(), events)
    assert refused(candidate, RegisterCandidate(**REGISTER), state, OPEN) == ("duplicate_candidate", 409)
    assert refused(candidate, WithdrawCandidate(candidate_id="kota-bandung"), state, OPEN)[0] == \
        "withdrawal_reason_required"
    withdrawn = fold(candidate, state, candidate.decide(
        WithdrawCandidate(candidate_id="kota-bandung", reason="regent's letter"), state, OPEN))
    assert withdrawn.withdrawn
    assert refused(candidate, WithdrawCandidate(candidate_id="kota-bandung", reason="again"), withdrawn, OPEN)[0] == \
        "already_withdrawn"
    final = RegistrationContext(cycle=CycleState(config=CONFIG, stage="closed"))
    assert refused(candidate, WithdrawCandidate(candidate_id="kota-bandung", reason="late"), state, final)[0] == \
        "wrong_stage"


# evidence ----------------------------------------------------------------------------------

FIGURE = dict(figure_id="f-1", candidate_id="kota-bandung", period="2024", workers_eligible=100,
              workers_enrolled=70, source="BPJS")


def test_figure_is_recorded_with_the_candidates_cycle_and_category():
    [event] = CandidateEvidence().decide(SubmitCoverageFigure(**FIGURE), EvidenceState(), registered("registration"))
    assert (event.cycle_id, event.category_id, event.workers_enrolled) == ("demo-2024", "regency-city", 70)


@pytest.mark.parametrize(
    "changes, state, context, rule",
    [
        ({"workers_enrolled": 101}, EvidenceState(), registered("registration"), "enrolled_exceeds_eligible"),
        ({}, "submitted", registered("registration"), "duplicate_figure"),
        ({}, EvidenceState(), registered("interview"), "wrong_stage"),
        ({}, EvidenceState(), registered("registration", withdrawn=True), "candidate_withdrawn"),
    ],
)
def test_figure_rules(changes, state, context, rule):
    state = submitted() if state == "submitted" else state
    assert refused(CandidateEvidence(), SubmitCoverageFigure(**{**FIGURE, **changes}), state, context)[0] == rule


def submitted() -> EvidenceState:
    evidence = CandidateEvidence()
    events = evidence.decide(SubmitCoverageFigure(**FIGURE), EvidenceState(), registered("registration"))
    return fold(evidence, EvidenceState(), events)


def verify(evidence_id="f-1", verdict="verified", reason="checked"):
    return VerifyEvidence(candidate_id="kota-bandung", evidence_id=evidence_id, verdict=verdict, reason=reason)


def test_verified_figure_carries_its_numbers_for_scoring():
    [event] = CandidateEvidence().decide(verify(), submitted(), registered("screening"))
    assert isinstance(event, EvidenceVerified)
    assert (event.figures.workers_enrolled, event.category_id) == (70, "regency-city")


def test_rejection_needs_a_reason_and_evidence_is_decided_once():
    evidence, state = CandidateEvidence(), submitted()
    assert refused(evidence, verify(verdict="rejected", reason=""), state, registered())[0] == \
        "rejection_reason_required"
    [rejected] = evidence.decide(verify(verdict="rejected", reason="figures do not match"), state, registered())
    assert isinstance(rejected, EvidenceRejected)
    state = fold(evidence, state, [rejected])
    assert refused(evidence, verify(), state, registered())[0] == "evidence_already_decided"
    assert refused(evidence, verify("nothing"), state, registered()) == ("unknown_evidence", 404)


def test_correction_supersedes_with_a_reason_and_is_verified_anew():
    evidence, state = CandidateEvidence(), submitted()
    correction = dict(FIGURE, figure_id="f-2", supersedes="f-1", workers_enrolled=75, reason="late payroll")
    assert refused(evidence, CorrectCoverageFigure(**{**correction, "reason": ""}), state, registered())[0] == \
        "correction_reason_required"
    [event] = evidence.decide(CorrectCoverageFigure(**correction), state, registered())
    assert isinstance(event, CoverageFigureCorrected) and event.supersedes == "f-1"
    state = fold(evidence, state, [event])
    assert state.figures["f-1"].status == "superseded" and state.figures["f-2"].status == "submitted"
    assert refused(evidence, verify("f-1"), state, registered())[0] == "evidence_already_decided"
    again = CorrectCoverageFigure(**{**correction, "figure_id": "f-3"})
    assert refused(evidence, again, state, registered())[0] == "evidence_superseded"


# scoring -----------------------------------------------------------------------------------

SCORE = dict(score_id="s-1", candidate_id="kota-bandung", indicator_id="policy", assessor_id="a-1", value=80)


def scored() -> ScoreSheet:
    scores = CandidateScores()
    return fold(scores, ScoreSheet(), scores.decide(ScoreIndicator(**SCORE), ScoreSheet(), registered()))


def test_score_records_rubric_version_and_evidence():
    [event] = CandidateScores().decide(ScoreIndicator(**SCORE, evidence=["doc-1"]), ScoreSheet(), registered())
    assert isinstance(event, IndicatorScored)
    assert (event.rubric_version, event.evidence, event.category_id) == (1, ["doc-1"], "regency-city")


@pytest.mark.parametrize(
    "changes, state, context, rule, status",
    [
        ({"value": 100.5}, ScoreSheet(), registered(), "score_outside_scale", 422),
        ({"value": -1}, ScoreSheet(), registered(), "score_outside_scale", 422),
        ({"indicator_id": "nothing"}, ScoreSheet(), registered(), "unknown_indicator", 422),
        ({"indicator_id": "coverage"}, ScoreSheet(), registered(), "indicator_not_judged", 422),
        ({"indicator_id": "interview"}, ScoreSheet(), registered(), "indicator_not_judged", 422),
        ({"score_id": "s-2"}, "scored", registered(), "already_scored", 409),
        ({}, "scored", registered(), "duplicate_score_id", 409),
        ({}, ScoreSheet(), registered("plenary"), "wrong_stage", 409),
        ({}, ScoreSheet(), registered(withdrawn=True), "candidate_withdrawn", 409),
    ],
)
def test_score_rules(changes, state, context, rule, status):
    state = scored() if state == "scored" else state
    assert refused(CandidateScores(), ScoreIndicator(**{**SCORE, **changes}), state, context) == (rule, status)


AMEND = dict(score_id="s-1b", candidate_id="kota-bandung", supersedes="s-1", assessor_id="a-1", value=85,
             reason="second reading")


def test_amendment_supersedes_and_cannot_be_repeated():
    scores, state = CandidateScores(), scored()
    [event] = scores.decide(AmendScore(**AMEND), state, registered())
    assert isinstance(event, ScoreAmended) and event.indicator_id == "policy"
    state = fold(scores, state, [event])
    assert not state.scores["s-1"].current and state.scores["s-1b"].current
    assert state.current("policy", "a-1") == "s-1b"
    again = AmendScore(**{**AMEND, "score_id": "s-1c"})
    assert refused(scores, again, state, registered()) == ("score_superseded", 409)


@pytest.mark.parametrize(
    "changes, rule, status",
    [
        ({"reason": "  "}, "amendment_reason_required", 422),
        ({"supersedes": "nope"}, "unknown_score", 409),
        ({"assessor_id": "a-2"}, "not_own_score", 409),
        ({"value": 120}, "score_outside_scale", 422),
    ],
)
def test_amendment_rules(changes, rule, status):
    assert refused(CandidateScores(), AmendScore(**{**AMEND, **changes}), scored(), registered()) == (rule, status)


@pytest.mark.parametrize("enrolled, expected", [(0, 20), (299, 20), (300, 50), (500, 70), (699, 70), (700, 90),
                                                (1000, 90)])
def test_band_score(enrolled, expected):
    rule = RUBRIC.indicator("coverage").rule
    assert band_score(rule, enrolled / 1000) == expected


FROM_FIGURE = dict(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                   figure_id="f-1", workers_eligible=1000, workers_enrolled=450)


def test_figure_scores_the_computed_indicator_then_a_new_figure_amends_it():
    scores = CandidateScores()
    [first] = scores.decide(ScoreFromFigure(**FROM_FIGURE), ScoreSheet(), CONFIG)
    assert isinstance(first, IndicatorScored)
    assert (first.indicator_id, first.value, first.rule) == ("coverage", 50, "coverage-bands@v1")
    assert first.inputs == {"figure_id": "f-1", "workers_eligible": 1000, "workers_enrolled": 450}
    state = fold(scores, ScoreSheet(), [first])
    [second] = scores.decide(ScoreFromFigure(**{**FROM_FIGURE, "figure_id": "f-2", "workers_enrolled": 800}),
                             state, CONFIG)
    assert isinstance(second, ScoreAmended)
    assert (second.supersedes, second.value) == (first.score_id, 90) and "f-2" in second.reason


def test_figure_for_an_unknown_category_is_refused():
    command = ScoreFromFigure(**{**FROM_FIGURE, "category_id": "village"})
    assert refused(CandidateScores(), command, ScoreSheet(), CONFIG) == ("unknown_category", 422)


# interview ---------------------------------------------------------------------------------

INTERVIEW = dict(score_id="i-1", candidate_id="kota-bandung", interviewer_id="i-1", value=88, attendee="regent")


def test_interview_score_once_per_interviewer():
    interview = CandidateInterview()
    events = interview.decide(RecordInterviewScore(**INTERVIEW), InterviewSheet(), registered("interview"))
    state = fold(interview, InterviewSheet(), events)
    again = RecordInterviewScore(**{**INTERVIEW, "score_id": "i-2"})
    assert refused(interview, again, state, registered("interview")) == ("already_scored", 409)


@pytest.mark.parametrize(
    "changes, context, rule",
    [
        ({"value": 101}, registered("interview"), "score_outside_scale"),
        ({}, registered("assessment"), "wrong_stage"),
        ({}, registered("interview", withdrawn=True), "candidate_withdrawn"),
    ],
)
def test_interview_rules(changes, context, rule):
    assert refused(CandidateInterview(), RecordInterviewScore(**{**INTERVIEW, **changes}), InterviewSheet(),
                   context)[0] == rule
