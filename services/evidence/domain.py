"""Evidence's pure core: a candidate's coverage figures, their corrections and verification."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import ID_PATTERN
from services.evidence.screening import screen
from shared.contracts.evidence import (
    CandidateScreened,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    EvidenceRejected,
    EvidenceVerified,
    Figures,
)
from shared.directory import Registered, look_up

EVIDENCE_STAGES = ("registration", "screening", "assessment")
Id = Field(pattern=ID_PATTERN)


class SubmitCoverageFigure(CommandBody):
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


class ScreenCandidate(CommandBody):
    NAME = "ScreenCandidate"
    candidate_id: str = Id

    def aggregate_id(self) -> str:
        return self.candidate_id


class Figure(BaseModel):
    figures: Figures
    status: Literal["submitted", "verified", "rejected", "superseded"] = "submitted"


class EvidenceState(BaseModel):
    figures: dict[str, Figure] = {}
    verified_order: list[str] = []  # figure ids in the order they were verified
    screening: CandidateScreened | None = None  # the latest result

    def latest_verified(self) -> Figures | None:
        current = [f for f in self.verified_order if self.figures[f].status == "verified"]
        return self.figures[current[-1]].figures if current else None


class CandidateEvidence(Aggregate[EvidenceState]):
    kind = "candidate-evidence"
    state_type = EvidenceState
    commands = (SubmitCoverageFigure, CorrectCoverageFigure, VerifyEvidence, ScreenCandidate)

    async def context(self, command, store) -> Registered:
        return await look_up(store, command.candidate_id)

    def decide(self, command, state, context: Registered):
        if isinstance(command, ScreenCandidate):
            context.require_active("screening")
            return [screen(command.candidate_id, context.candidate["cycle_id"], context.category,
                           state.latest_verified())]
        context.require_active(*EVIDENCE_STAGES)
        if isinstance(command, VerifyEvidence):
            return _verify(command, state, context)
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
        if isinstance(event, (CoverageFigureSubmitted, CoverageFigureCorrected)):
            numbers = Figures(
                **event.model_dump(include={"period", "workers_eligible", "workers_enrolled", "arrears_months"})
            )
            figures[event.figure_id] = Figure(figures=numbers)
        if isinstance(event, CoverageFigureCorrected):
            figures[event.supersedes] = figures[event.supersedes].model_copy(update={"status": "superseded"})
        if isinstance(event, (EvidenceVerified, EvidenceRejected)):
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


def _verify(command: VerifyEvidence, state: EvidenceState, context: Registered):
    figure = state.figures.get(command.evidence_id)
    if figure is None:
        raise Rejected("unknown_evidence", f"no figure {command.evidence_id} for this candidate", 404)
    if figure.status != "submitted":
        raise Rejected("evidence_already_decided", f"figure {command.evidence_id} is {figure.status}")
    where = {"evidence_id": command.evidence_id, "kind": "figure", "candidate_id": command.candidate_id,
             "cycle_id": context.candidate["cycle_id"]}
    if command.verdict == "rejected":
        if not command.reason.strip():
            raise Rejected("rejection_reason_required", "a rejection must give its reason", 422)
        return [EvidenceRejected(**where, reason=command.reason)]
    return [EvidenceVerified(**where, category_id=context.candidate["category_id"], figures=figure.figures,
                             reason=command.reason)]
