from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.contracts.base import DomainEvent, contract


@contract
class IndicatorScored(DomainEvent):
    """A score given by an assessor, or derived by a rubric rule (then `rule` and `inputs` say how)."""

    TYPE = "IndicatorScored"
    score_id: str
    candidate_id: str
    cycle_id: str
    category_id: str
    indicator_id: str
    assessor_id: str
    value: float
    rubric_version: int
    evidence: list[str] = []
    rule: str | None = None
    inputs: dict[str, Any] | None = None
    criteria: dict[str, float] | None = None  # per sub-indicator, when the value is their weighted sum
    cause: str | None = None  # the event a derived score follows from


@contract
class ScoreAmended(DomainEvent):
    TYPE = "ScoreAmended"
    score_id: str
    supersedes: str
    candidate_id: str
    indicator_id: str
    assessor_id: str
    value: float
    reason: str = Field(min_length=1)
    evidence: list[str] = []
    criteria: dict[str, float] | None = None
    rule: str | None = None
    inputs: dict[str, Any] | None = None
    cause: str | None = None


@contract
class ScoreFlaggedForReview(DomainEvent):
    """Evidence a judged score cited was corrected, replaced or rejected: its assessor must confirm
    or amend the score."""

    TYPE = "ScoreFlaggedForReview"
    score_id: str
    candidate_id: str
    indicator_id: str
    assessor_id: str
    evidence_id: str
    reason: str = Field(min_length=1)
    cause: str  # the evidence event that prompted the review


@contract
class ScoreConfirmed(DomainEvent):
    """The assessor reviewed a flagged score and keeps it."""

    TYPE = "ScoreConfirmed"
    score_id: str
    candidate_id: str
    assessor_id: str
    note: str = Field(min_length=1, max_length=2000)
