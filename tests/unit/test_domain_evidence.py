"""Evidence's decider: coverage figures submitted, corrected (with a reason) and verified or
rejected by the committee secretary, all while the candidate is active in an evidence stage."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.evidence.domain import (
    EVIDENCE_STAGES,
    CandidateEvidence,
    CorrectCoverageFigure,
    EvidenceState,
    Figure,
    SubmitCoverageFigure,
    VerifyEvidence,
)
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.evidence import (
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    EvidenceRejected,
    EvidenceVerified,
    Figures,
)
from shared.directory import Registered

CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [{"id": "regency-city", "name": "Best regency/city", "segment": "government",
                    "level": "regency_city",
                    "rubric": {"version": 1, "indicators": [{"id": "policy", "name": "Policy", "weight": 1,
                                                             "method": "judged"}]}}],
})


def registered(stage: str = "registration", withdrawn: bool = False, candidate: bool = True) -> Registered:
    doc = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": "regency-city",
           "withdrawn": withdrawn}
    return Registered(doc if candidate else None, {"config": CONFIG.model_dump(mode="json"), "stage": stage})


def refused(command, state, context) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        CandidateEvidence().decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def fold(state, events):
    for event in events:
        state = CandidateEvidence().evolve(state, event)
    return state


FIGURE = dict(figure_id="f-1", candidate_id="kota-bandung", period="2024", workers_eligible=1000,
              workers_enrolled=450, source="BPJS Ketenagakerjaan Jawa Barat")
CORRECTION = dict(FIGURE, figure_id="f-2", supersedes="f-1", workers_enrolled=480, reason="late enrolments counted")
NUMBERS = Figures(period="2024", workers_eligible=1000, workers_enrolled=450)
SUBMITTED = EvidenceState(figures={"f-1": Figure(figures=NUMBERS)})


def with_status(status: str) -> EvidenceState:
    return EvidenceState(figures={"f-1": Figure(figures=NUMBERS, status=status)})


# submitting --------------------------------------------------------------------------------

def test_a_figure_is_recorded_with_the_candidates_cycle_and_category():
    [event] = CandidateEvidence().decide(SubmitCoverageFigure(**FIGURE), EvidenceState(), registered())
    assert event == CoverageFigureSubmitted(cycle_id="demo-2024", category_id="regency-city", **FIGURE)
    assert fold(EvidenceState(), [event]) == SUBMITTED


def test_all_workers_enrolled_is_a_valid_figure():
    [event] = CandidateEvidence().decide(SubmitCoverageFigure(**{**FIGURE, "workers_enrolled": 1000}),
                                         EvidenceState(), registered())
    assert event.workers_enrolled == event.workers_eligible == 1000


@pytest.mark.parametrize("stage", STAGES)
def test_figures_are_taken_only_in_the_evidence_stages(stage):
    command = SubmitCoverageFigure(**FIGURE)
    if stage in ("registration", "screening", "assessment"):
        assert len(CandidateEvidence().decide(command, EvidenceState(), registered(stage))) == 1
    else:
        assert refused(command, EvidenceState(), registered(stage)) == ("wrong_stage", 409)
    assert EVIDENCE_STAGES == ("registration", "screening", "assessment")


@pytest.mark.parametrize(
    "changes, state, context, rule, status",
    [
        ({"workers_enrolled": 1001}, EvidenceState(), registered(), "enrolled_exceeds_eligible", 422),
        ({}, SUBMITTED, registered(), "duplicate_figure", 409),
        ({}, with_status("rejected"), registered(), "duplicate_figure", 409),
        ({}, EvidenceState(), registered(withdrawn=True), "candidate_withdrawn", 409),
        ({}, EvidenceState(), registered(candidate=False), "unknown_candidate", 422),
    ],
)
def test_submission_rules(changes, state, context, rule, status):
    assert refused(SubmitCoverageFigure(**{**FIGURE, **changes}), state, context) == (rule, status)


@pytest.mark.parametrize(
    "changes",
    [{"figure_id": "F-1"}, {"candidate_id": ""}, {"period": "24"}, {"period": "2024-1"}, {"period": "2024-12-31"},
     {"workers_eligible": 0}, {"workers_enrolled": -1}, {"source": ""}, {"source": "x" * 201}],
)
def test_malformed_figures_do_not_validate(changes):
    with pytest.raises(ValidationError):
        SubmitCoverageFigure(**{**FIGURE, **changes})


# correcting --------------------------------------------------------------------------------

def test_a_correction_supersedes_the_old_figure_and_awaits_verification_itself():
    [event] = CandidateEvidence().decide(CorrectCoverageFigure(**CORRECTION), SUBMITTED, registered("assessment"))
    assert event == CoverageFigureCorrected(cycle_id="demo-2024", category_id="regency-city", **CORRECTION)
    state = fold(SUBMITTED, [event])
    assert state.figures["f-1"].status == "superseded"
    assert state.figures["f-2"] == Figure(figures=Figures(period="2024", workers_eligible=1000, workers_enrolled=480))


@pytest.mark.parametrize("status", ["verified", "rejected"])
def test_a_decided_figure_may_still_be_corrected(status):
    [event] = CandidateEvidence().decide(CorrectCoverageFigure(**CORRECTION), with_status(status), registered())
    assert fold(with_status(status), [event]).figures["f-1"].status == "superseded"


@pytest.mark.parametrize(
    "changes, state, context, rule, status",
    [
        ({"reason": ""}, SUBMITTED, registered(), "correction_reason_required", 422),
        ({"reason": "   "}, SUBMITTED, registered(), "correction_reason_required", 422),
        ({"supersedes": "f-9"}, SUBMITTED, registered(), "unknown_evidence", 404),
        ({}, EvidenceState(), registered(), "unknown_evidence", 404),
        ({}, with_status("superseded"), registered(), "evidence_superseded", 409),
        ({"figure_id": "f-1"}, SUBMITTED, registered(), "duplicate_figure", 409),
        ({"workers_enrolled": 1001}, SUBMITTED, registered(), "enrolled_exceeds_eligible", 422),
        ({}, SUBMITTED, registered("plenary"), "wrong_stage", 409),
        ({}, SUBMITTED, registered(withdrawn=True), "candidate_withdrawn", 409),
    ],
)
def test_correction_rules(changes, state, context, rule, status):
    assert refused(CorrectCoverageFigure(**{**CORRECTION, **changes}), state, context) == (rule, status)


def test_a_figure_can_be_corrected_only_once_but_its_correction_can_be_corrected():
    evidence = CandidateEvidence()
    state = fold(SUBMITTED, evidence.decide(CorrectCoverageFigure(**CORRECTION), SUBMITTED, registered()))
    again = CorrectCoverageFigure(**{**CORRECTION, "figure_id": "f-3"})
    assert refused(again, state, registered()) == ("evidence_superseded", 409)
    chained = CorrectCoverageFigure(**{**CORRECTION, "figure_id": "f-3", "supersedes": "f-2", "workers_enrolled": 490})
    state = fold(state, evidence.decide(chained, state, registered()))
    assert {k: f.status for k, f in state.figures.items()} == {"f-1": "superseded", "f-2": "superseded",
                                                               "f-3": "submitted"}


# verifying ---------------------------------------------------------------------------------

VERIFY = dict(candidate_id="kota-bandung", evidence_id="f-1", verdict="verified")
REJECT = dict(VERIFY, verdict="rejected", reason="does not match the membership export")


def test_verifying_a_figure_carries_its_numbers_to_scoring():
    [event] = CandidateEvidence().decide(VerifyEvidence(**VERIFY, reason="matches"), SUBMITTED, registered())
    assert event == EvidenceVerified(evidence_id="f-1", kind="figure", candidate_id="kota-bandung",
                                     cycle_id="demo-2024", category_id="regency-city", figures=NUMBERS,
                                     reason="matches")
    assert fold(SUBMITTED, [event]).figures["f-1"].status == "verified"


def test_a_verification_needs_no_reason():
    [event] = CandidateEvidence().decide(VerifyEvidence(**VERIFY), SUBMITTED, registered())
    assert event.reason == ""


def test_rejecting_a_figure_records_the_reason():
    [event] = CandidateEvidence().decide(VerifyEvidence(**REJECT), SUBMITTED, registered("screening"))
    assert event == EvidenceRejected(evidence_id="f-1", kind="figure", candidate_id="kota-bandung",
                                     cycle_id="demo-2024", reason="does not match the membership export")
    assert fold(SUBMITTED, [event]).figures["f-1"].status == "rejected"


def test_the_corrected_numbers_are_the_ones_verified():
    evidence = CandidateEvidence()
    state = fold(SUBMITTED, evidence.decide(CorrectCoverageFigure(**CORRECTION), SUBMITTED, registered()))
    [event] = evidence.decide(VerifyEvidence(**{**VERIFY, "evidence_id": "f-2"}), state, registered())
    assert event.figures == Figures(period="2024", workers_eligible=1000, workers_enrolled=480)


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        (VERIFY, EvidenceState(), registered(), "unknown_evidence", 404),
        ({**VERIFY, "evidence_id": "f-2"}, SUBMITTED, registered(), "unknown_evidence", 404),
        (VERIFY, with_status("verified"), registered(), "evidence_already_decided", 409),
        (VERIFY, with_status("rejected"), registered(), "evidence_already_decided", 409),
        (VERIFY, with_status("superseded"), registered(), "evidence_already_decided", 409),
        (REJECT, with_status("verified"), registered(), "evidence_already_decided", 409),
        ({**REJECT, "reason": ""}, SUBMITTED, registered(), "rejection_reason_required", 422),
        ({**REJECT, "reason": " "}, SUBMITTED, registered(), "rejection_reason_required", 422),
        (VERIFY, SUBMITTED, registered("interview"), "wrong_stage", 409),
        (VERIFY, SUBMITTED, registered(withdrawn=True), "candidate_withdrawn", 409),
        (VERIFY, SUBMITTED, registered(candidate=False), "unknown_candidate", 422),
    ],
)
def test_verification_rules(command, state, context, rule, status):
    assert refused(VerifyEvidence(**command), state, context) == (rule, status)


def test_a_verdict_is_verified_or_rejected():
    with pytest.raises(ValidationError):
        VerifyEvidence(**{**VERIFY, "verdict": "maybe"})


# the breakdown of a coverage report --------------------------------------------------------------

BREAKDOWN = dict(wage_earners_enrolled=300, non_wage_earners_enrolled=150, jkk_enrolled=450, jkm_enrolled=450,
                 jht_enrolled=300, jp_enrolled=280, non_civil_servant_staff=120, non_civil_servant_staff_enrolled=90,
                 vulnerable_workers_protected=60, vulnerable_workers_payer="regional_budget",
                 village_budget_workers=0)


def test_a_figure_carries_its_breakdown_into_the_event_and_the_verified_numbers():
    [submitted] = CandidateEvidence().decide(SubmitCoverageFigure(**FIGURE, **BREAKDOWN), EvidenceState(),
                                             registered())
    assert submitted.breakdown() == BREAKDOWN
    state = fold(EvidenceState(), [submitted])
    assert state.figures["f-1"].figures == Figures(period="2024", workers_eligible=1000, workers_enrolled=450,
                                                   **BREAKDOWN)
    [verified] = CandidateEvidence().decide(VerifyEvidence(candidate_id="kota-bandung", evidence_id="f-1",
                                                           verdict="verified"), state, registered())
    assert verified.figures.jp_enrolled == 280 and verified.figures.vulnerable_workers_payer == "regional_budget"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"wage_earners_enrolled": 300, "non_wage_earners_enrolled": 100}, "add up to workers enrolled"),
        ({"jht_enrolled": 451}, "no programme can enrol more"),
        ({"non_civil_servant_staff": 10, "non_civil_servant_staff_enrolled": 11}, "cannot exceed the staff"),
        ({"vulnerable_workers_payer": "the moon"}, "vulnerable_workers_payer"),
        ({"jkk_enrolled": -1}, "jkk_enrolled"),
    ],
)
def test_a_breakdown_that_does_not_add_up_is_refused_naming_why(changes, message):
    with pytest.raises(ValidationError) as refused_:
        SubmitCoverageFigure(**FIGURE, **changes)
    assert message in str(refused_.value)


def test_a_partial_breakdown_is_fine():
    assert SubmitCoverageFigure(**FIGURE, wage_earners_enrolled=450).breakdown()["non_wage_earners_enrolled"] is None
