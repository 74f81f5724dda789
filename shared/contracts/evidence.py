from __future__ import annotations

from pydantic import Field

from shared.contracts.base import DomainEvent, contract


@contract
class CoverageFigureSubmitted(DomainEvent):
    TYPE = "CoverageFigureSubmitted"
    figure_id: str
    candidate_id: str
    cycle_id: str
    category_id: str
    period: str = Field(pattern=r"^\d{4}(-\d{2})?$")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    source: str = Field(min_length=1, max_length=200)
