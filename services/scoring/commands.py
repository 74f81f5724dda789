"""What can be asked of a candidate's score sheet."""

from __future__ import annotations

from pydantic import Field

from shared.commands import CommandBody
from shared.contracts.base import Id

Person = Field(min_length=1, max_length=128)


class _OnSheet(CommandBody):
    candidate_id: str = Id

    def aggregate_id(self) -> str:
        return self.candidate_id


class ScoreIndicator(_OnSheet):
    """An assessor's score for a judged indicator: one value, or one per criterion (sub-indicator),
    citing the evidence (figure or document ids) it relies on."""

    NAME = "ScoreIndicator"
    score_id: str = Id
    indicator_id: str = Id
    assessor_id: str = Person
    value: float | None = None
    criteria: dict[str, float] = {}
    evidence: list[str] = Field(default=[], max_length=50)


class AmendScore(_OnSheet):
    """A new score superseding one of the assessor's own, with its reason. Without `evidence` it
    cites what the superseded score cited."""

    NAME = "AmendScore"
    score_id: str = Id
    supersedes: str = Id
    assessor_id: str = Person
    value: float | None = None
    criteria: dict[str, float] = {}
    reason: str = Field(default="", max_length=2000)
    evidence: list[str] = Field(default=[], max_length=50)


class ConfirmScore(_OnSheet):
    """The assessor keeps a score flagged for review."""

    NAME = "ConfirmScore"
    score_id: str = Id
    assessor_id: str = Person
    note: str = Field(default="", max_length=2000)


class ScoreFromFigure(_OnSheet):
    """Issued by the scoring service itself when a coverage figure is verified (`cause`)."""

    NAME = "ScoreFromFigure"
    cycle_id: str = Id
    category_id: str = Id
    figure_id: str = Id
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    cause: str | None = None


class FlagScoresForReview(_OnSheet):
    """Issued by the scoring service itself when cited evidence is corrected, replaced or rejected."""

    NAME = "FlagScoresForReview"
    evidence_id: str = Id
    reason: str = Field(min_length=1, max_length=2000)
    cause: str = Field(min_length=1, max_length=128)
