"""Evidence's pure core: coverage figures submitted for a candidate."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import ID_PATTERN
from shared.contracts.evidence import CoverageFigureSubmitted
from shared.directory import Registered, look_up


EVIDENCE_STAGES = ("registration", "screening", "assessment")


class SubmitCoverageFigure(CommandBody):
    NAME = "SubmitCoverageFigure"
    figure_id: str = Field(pattern=ID_PATTERN)
    candidate_id: str = Field(pattern=ID_PATTERN)
    period: str = Field(pattern=r"^\d{4}(-\d{2})?$")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    source: str = Field(min_length=1, max_length=200)

    def aggregate_id(self) -> str:
        return self.candidate_id


class EvidenceState(BaseModel):
    figures: list[str] = []


class CandidateEvidence(Aggregate[EvidenceState]):
    kind = "candidate-evidence"
    state_type = EvidenceState
    commands = (SubmitCoverageFigure,)

    async def context(self, command, store) -> Registered:
        return await look_up(store, command.candidate_id)

    def decide(self, command, state, context: Registered):
        context.require_active(*EVIDENCE_STAGES)
        if command.workers_enrolled > command.workers_eligible:
            raise Rejected("enrolled_exceeds_eligible", "workers enrolled cannot exceed workers eligible", 422)
        if command.figure_id in state.figures:
            raise Rejected("duplicate_figure", f"figure {command.figure_id} was already submitted")
        candidate = context.candidate
        return [
            CoverageFigureSubmitted(
                cycle_id=candidate["cycle_id"], category_id=candidate["category_id"], **command.model_dump()
            )
        ]

    def evolve(self, state, event):
        return EvidenceState(figures=[*state.figures, event.figure_id])
