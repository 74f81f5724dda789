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
