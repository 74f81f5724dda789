"""Scoring's copy of each candidate's evidence and its status: a score may cite only evidence
of its own candidate that is still standing (not rejected, corrected or replaced). It also keeps
the latest screening result: a candidate screened out is not assessed."""

from __future__ import annotations

from shared.contracts.evidence import (
    CandidateScreened,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    DocumentAttached,
    EvidenceRejected,
    EvidenceVerified,
)
from shared.projection import Projection, View

EVIDENCE = "candidate_evidence"
STANDING = ("submitted", "verified")
FOLLOWED = (CandidateScreened, CoverageFigureSubmitted, CoverageFigureCorrected, DocumentAttached, EvidenceVerified, EvidenceRejected)


class EvidenceIndex(Projection):
    collection = EVIDENCE

    def doc_id(self, envelope, event):
        return event.candidate_id if isinstance(event, FOLLOWED) else None

    def apply(self, view: View, envelope, event) -> View:
        items = dict(view.get("evidence", {}))
        if isinstance(event, CandidateScreened):
            screening = {"eligible": event.eligible, "failed": [f.rule for f in event.failed]}
            return {"candidate_id": event.candidate_id, "evidence": items, "screening": screening}
        if isinstance(event, (EvidenceVerified, EvidenceRejected)):
            status = "verified" if isinstance(event, EvidenceVerified) else "rejected"
            items[event.evidence_id] = {**items.get(event.evidence_id, {"kind": event.kind}), "status": status}
        elif isinstance(event, DocumentAttached):
            items[event.document_id] = {"kind": "document", "status": "submitted", "sha256": event.sha256}
            if event.replaces:
                items[event.replaces] = {**items.get(event.replaces, {"kind": "document"}), "status": "replaced"}
        else:
            items[event.figure_id] = {"kind": "figure", "status": "submitted"}
            if isinstance(event, CoverageFigureCorrected):
                items[event.supersedes] = {**items.get(event.supersedes, {"kind": "figure"}), "status": "superseded"}
        return {**view, "candidate_id": event.candidate_id, "evidence": items}


def screened_out(evidence: View | None) -> list[str] | None:
    """The failed screening rules when the latest screening found the candidate ineligible."""
    screening = (evidence or {}).get("screening")
    return screening["failed"] if screening and not screening["eligible"] else None


def not_citable(evidence: View | None, cited: list[str]) -> list[str]:
    """The cited ids that are not standing evidence of the candidate."""
    items = (evidence or {}).get("evidence", {})
    return [e for e in cited if items.get(e, {}).get("status") not in STANDING]
