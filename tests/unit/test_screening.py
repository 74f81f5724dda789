"""Data screening: verified evidence against the category's eligibility rules (paritrana-2024 rules)."""

from __future__ import annotations

import hashlib

import pytest

from services.evidence.domain import (
    AttachDocument, CandidateEvidence, CorrectCoverageFigure, EvidenceState, ScreenCandidate, SubmitCoverageFigure,
    VerifyEvidence,
)
from services.registration.cycle_files import shipped
from shared.commands import Rejected
from shared.directory import Registered

CONFIG = shipped("paritrana-2024")
FIGURE = dict(figure_id="f-1", candidate_id="pt-x", period="2024", workers_eligible=100, workers_enrolled=60,
              source="BPJS")


def context(category: str, stage: str = "screening") -> Registered:
    candidate = {"candidate_id": "pt-x", "cycle_id": CONFIG.cycle_id, "category_id": category, "withdrawn": False}
    return Registered(candidate, {"config": CONFIG.model_dump(mode="json"), "stage": stage})


def evidence_with(*commands, category: str = "business-finance") -> EvidenceState:
    aggregate, state = CandidateEvidence(), EvidenceState()
    for command in commands:
        for event in aggregate.decide(command, state, context(category, "registration")):
            state = aggregate.evolve(state, event)
    return state


def verify(figure_id: str) -> VerifyEvidence:
    return VerifyEvidence(candidate_id="pt-x", evidence_id=figure_id, verdict="verified")


def document(indicator: str) -> AttachDocument:
    return AttachDocument(document_id=f"doc-{indicator}", candidate_id="pt-x", indicator_id=indicator,
                          title=indicator, filename=f"{indicator}.pdf", media_type="application/pdf", size=10,
                          sha256=f"{len(indicator):064x}")


DOCUMENTED = (document("supply-chain"), verify("doc-supply-chain"), document("vulnerable-workers"),
              verify("doc-vulnerable-workers"))


def screened(state: EvidenceState, category: str = "business-finance"):
    [event] = CandidateEvidence().decide(ScreenCandidate(candidate_id="pt-x"), state, context(category))
    return event


def test_business_with_verified_coverage_documents_and_no_arrears_is_eligible():
    result = screened(evidence_with(SubmitCoverageFigure(**FIGURE), verify("f-1"), *DOCUMENTED))
    assert result.eligible and result.passed == ["no_arrears", "min_coverage_ratio", "documents_required"]
    assert result.failed == [] and result.not_checked == []


def test_documents_must_be_verified_for_every_required_indicator():
    state = evidence_with(SubmitCoverageFigure(**FIGURE), verify("f-1"), *DOCUMENTED[:3])
    result = screened(state)
    assert not result.eligible
    assert [(f.rule, f.reason) for f in result.failed] == [
        ("documents_required", "no verified document for vulnerable-workers")]


def test_unverified_figures_count_for_nothing():
    result = screened(evidence_with(SubmitCoverageFigure(**FIGURE), *DOCUMENTED))
    assert not result.eligible
    assert {(f.rule, f.reason) for f in result.failed} == {
        ("no_arrears", "no verified coverage figure"), ("min_coverage_ratio", "no verified coverage figure")}


@pytest.mark.parametrize(
    "changes, failed",
    [({"workers_enrolled": 40}, "min_coverage_ratio"), ({"arrears_months": 3}, "no_arrears")],
)
def test_each_failed_rule_is_named_with_its_reason(changes, failed):
    result = screened(evidence_with(SubmitCoverageFigure(**{**FIGURE, **changes}), verify("f-1"), *DOCUMENTED))
    assert not result.eligible and [f.rule for f in result.failed] == [failed]


def test_the_latest_verified_correction_counts():
    low = SubmitCoverageFigure(**{**FIGURE, "workers_enrolled": 40})
    fixed = CorrectCoverageFigure(**{**FIGURE, "figure_id": "f-2", "supersedes": "f-1", "reason": "payroll"})
    assert screened(evidence_with(low, verify("f-1"), fixed, verify("f-2"), *DOCUMENTED)).eligible
    assert not screened(evidence_with(low, verify("f-1"), fixed, *DOCUMENTED)).eligible  # correction unverified


def test_a_document_for_an_unknown_indicator_or_the_same_file_twice_is_refused():
    state = evidence_with(document("supply-chain"))
    aggregate = CandidateEvidence()
    for command, rule in [
        (document("charisma"), "unknown_indicator"),
        (document("supply-chain").model_copy(update={"document_id": "doc-again"}), "duplicate_document"),
        (document("supply-chain"), "duplicate_document"),
    ]:
        with pytest.raises(Rejected) as refused:
            aggregate.decide(command, state, context("business-finance", "registration"))
        assert refused.value.rule == rule


def test_screening_only_in_the_screening_stage():
    with pytest.raises(Rejected) as refused:
        CandidateEvidence().decide(ScreenCandidate(candidate_id="pt-x"), EvidenceState(), context("village", "assessment"))
    assert refused.value.rule == "wrong_stage"


def replacement(replaces: str, document_id: str = "doc-new") -> AttachDocument:
    sha256 = hashlib.sha256(document_id.encode()).hexdigest()
    return document("supply-chain").model_copy(update={"document_id": document_id, "sha256": sha256,
                                                       "replaces": replaces})


def test_a_replaced_document_no_longer_counts_and_is_replaced_once():
    state = evidence_with(*DOCUMENTED, replacement("doc-supply-chain"))
    assert state.documents["doc-supply-chain"].status == "replaced"
    failed = screened(evidence_with(SubmitCoverageFigure(**FIGURE), verify("f-1"), *DOCUMENTED, replacement("doc-supply-chain")))
    assert [f.rule for f in failed.failed] == ["documents_required"]  # the replacement is not verified yet
    for command, rule in [(replacement("doc-supply-chain", "doc-newer"), "evidence_superseded"),
                          (replacement("doc-404", "doc-newer"), "unknown_evidence")]:
        with pytest.raises(Rejected) as refused:
            CandidateEvidence().decide(command, state, context("business-finance", "registration"))
        assert refused.value.rule == rule
