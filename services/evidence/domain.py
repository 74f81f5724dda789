"""Evidence's pure core: a candidate's coverage figures, their corrections and verification."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import ID_PATTERN, Id
from services.evidence.screening import screen
from shared.contracts.evidence import (
    CandidateScreened,
    CoverageBreakdown,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    DocumentAttached,
    EvidenceRejected,
    EvidenceVerified,
    Figures,
)
from shared.directory import Registered, look_up

EVIDENCE_STAGES = ("registration", "screening", "assessment")


class SubmitCoverageFigure(CommandBody, CoverageBreakdown):
    NAME = "SubmitCoverageFigure"
    figure_id: str = Id
    candidate_id: str = Id
    period: str = Field(pattern=r"^\d{4}(-\d{2})?$")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    source: str = Field(min_length=1, max_length=200)
    arrears_months: int = Field(default=0, ge=0)

    def aggregate_id(self) -> str:
        return self.candidate_id


class CorrectCoverageFigure(SubmitCoverageFigure):
    NAME = "CorrectCoverageFigure"
    supersedes: str = Id
    reason: str = Field(default="", max_length=2000)


class VerifyEvidence(CommandBody):
    NAME = "VerifyEvidence"
    candidate_id: str = Id
    evidence_id: str = Id
    verdict: Literal["verified", "rejected"]
    reason: str = Field(default="", max_length=2000)

    def aggregate_id(self) -> str:
        return self.candidate_id


class AttachDocument(CommandBody):
    """Issued by the upload route once the file is stored under its hash."""

    NAME = "AttachDocument"
    document_id: str = Id
    candidate_id: str = Id
    indicator_id: str = Id
    title: str = Field(min_length=1, max_length=300)
    filename: str = Field(min_length=1, max_length=200)
    media_type: str
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    replaces: str | None = Field(default=None, pattern=ID_PATTERN)

    def aggregate_id(self) -> str:
        return self.candidate_id


class ScreenCandidate(CommandBody):
    NAME = "ScreenCandidate"
    candidate_id: str = Id

    def aggregate_id(self) -> str:
        return self.candidate_id


class Figure(BaseModel):
    figures: Figures
    status: Literal["submitted", "verified", "rejected", "superseded"] = "submitted"


class Document(BaseModel):
    sha256: str
    indicator_id: str
    status: Literal["submitted", "verified", "rejected", "replaced"] = "submitted"


class EvidenceState(BaseModel):
    figures: dict[str, Figure] = {}
    documents: dict[str, Document] = {}
    verified_order: list[str] = []  # figure ids in the order they were verified
    screening: CandidateScreened | None = None  # the latest result

    def latest_verified(self) -> Figures | None:
        current = [f for f in self.verified_order if self.figures[f].status == "verified"]
        return self.figures[current[-1]].figures if current else None


class CandidateEvidence(Aggregate[EvidenceState]):
    kind = "candidate-evidence"
    state_type = EvidenceState
    commands = (SubmitCoverageFigure, CorrectCoverageFigure, VerifyEvidence, ScreenCandidate, AttachDocument)

    async def context(self, command, store) -> Registered:
        return await look_up(store, command.candidate_id)

    def decide(self, command, state, context: Registered):
        if isinstance(command, ScreenCandidate):
            context.require_active("screening")
            verified = {d.indicator_id for d in state.documents.values() if d.status == "verified"}
            return [screen(command.candidate_id, context.candidate["cycle_id"], context.category,
                           state.latest_verified(), verified)]
        context.require_active(*EVIDENCE_STAGES)
        if isinstance(command, VerifyEvidence):
            return _verify(command, state, context)
        if isinstance(command, AttachDocument):
            return _attach(command, state, context)
        if command.workers_enrolled > command.workers_eligible:
            raise Rejected("enrolled_exceeds_eligible", "workers enrolled cannot exceed workers eligible", 422)
        if command.figure_id in state.figures:
            raise Rejected("duplicate_figure", f"figure {command.figure_id} was already submitted")
        where = {"cycle_id": context.candidate["cycle_id"], "category_id": context.candidate["category_id"]}
        if isinstance(command, CorrectCoverageFigure):
            _check_correction(command, state)
            return [CoverageFigureCorrected(**where, **command.model_dump())]
        return [CoverageFigureSubmitted(**where, **command.model_dump())]

    def evolve(self, state, event):
        figures = dict(state.figures)
        if isinstance(event, CandidateScreened):
            return state.model_copy(update={"screening": event})
        if isinstance(event, DocumentAttached):
            documents = {**state.documents, event.document_id: Document(sha256=event.sha256,
                                                                         indicator_id=event.indicator_id)}
            if event.replaces:
                documents[event.replaces] = documents[event.replaces].model_copy(update={"status": "replaced"})
            return state.model_copy(update={"documents": documents})
        if isinstance(event, (EvidenceVerified, EvidenceRejected)) and event.kind == "document":
            status = "verified" if isinstance(event, EvidenceVerified) else "rejected"
            document = state.documents[event.evidence_id].model_copy(update={"status": status})
            return state.model_copy(update={"documents": {**state.documents, event.evidence_id: document}})
        if isinstance(event, (CoverageFigureSubmitted, CoverageFigureCorrected)):
            numbers = Figures(
                **event.model_dump(include={"period", "workers_eligible", "workers_enrolled", "arrears_months"}),
                **event.breakdown(),
            )
            figures[event.figure_id] = Figure(figures=numbers)
        if isinstance(event, CoverageFigureCorrected):
            figures[event.supersedes] = figures[event.supersedes].model_copy(update={"status": "superseded"})
        if isinstance(event, (EvidenceVerified, EvidenceRejected)):  # of a figure
            status = "verified" if isinstance(event, EvidenceVerified) else "rejected"
            figures[event.evidence_id] = figures[event.evidence_id].model_copy(update={"status": status})
            if status == "verified":
                order = [*state.verified_order, event.evidence_id]
                return state.model_copy(update={"figures": figures, "verified_order": order})
        return state.model_copy(update={"figures": figures})


def _check_correction(command: CorrectCoverageFigure, state: EvidenceState) -> None:
    if not command.reason.strip():
        raise Rejected("correction_reason_required", "a correction must give its reason", 422)
    old = state.figures.get(command.supersedes)
    if old is None:
        raise Rejected("unknown_evidence", f"no figure {command.supersedes} for this candidate", 404)
    if old.status == "superseded":
        raise Rejected("evidence_superseded", f"figure {command.supersedes} was already corrected")


def _attach(command: AttachDocument, state: EvidenceState, context: Registered):
    if context.category.rubric.indicator(command.indicator_id) is None:
        raise Rejected("unknown_indicator", f"the rubric has no indicator {command.indicator_id}", 422)
    if command.document_id in state.documents:
        raise Rejected("duplicate_document", f"document {command.document_id} is already attached")
    if any(d.sha256 == command.sha256 for d in state.documents.values()):
        raise Rejected("duplicate_document", "the same file is already attached to this candidate")
    if command.replaces is not None:
        old = state.documents.get(command.replaces)
        if old is None:
            raise Rejected("unknown_evidence", f"no document {command.replaces} for this candidate", 404)
        if old.status == "replaced":
            raise Rejected("evidence_superseded", f"document {command.replaces} was already replaced")
    return [DocumentAttached(cycle_id=context.candidate["cycle_id"], **command.model_dump())]


def _verify(command: VerifyEvidence, state: EvidenceState, context: Registered):
    evidence = state.figures.get(command.evidence_id) or state.documents.get(command.evidence_id)
    if evidence is None:
        raise Rejected("unknown_evidence", f"no figure or document {command.evidence_id} for this candidate", 404)
    if evidence.status != "submitted":
        raise Rejected("evidence_already_decided", f"{command.evidence_id} is {evidence.status}")
    kind = "figure" if isinstance(evidence, Figure) else "document"
    where = {"evidence_id": command.evidence_id, "kind": kind, "candidate_id": command.candidate_id,
             "cycle_id": context.candidate["cycle_id"]}
    if command.verdict == "rejected":
        if not command.reason.strip():
            raise Rejected("rejection_reason_required", "a rejection must give its reason", 422)
        return [EvidenceRejected(**where, reason=command.reason)]
    figures = evidence.figures if kind == "figure" else None
    return [EvidenceVerified(**where, category_id=context.candidate["category_id"], figures=figures,
                             reason=command.reason)]
