from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.contracts.base import ID_PATTERN, DomainEvent, contract
from shared.contracts.cycle_config import CycleConfig, Stage

CandidateKind = Literal["province", "regency_city", "village", "business", "public_service"]


@contract
class CycleOpened(DomainEvent):
    TYPE = "CycleOpened"
    config: CycleConfig


@contract
class CycleStageAdvanced(DomainEvent):
    TYPE = "CycleStageAdvanced"
    cycle_id: str
    from_stage: Stage
    to_stage: Stage


@contract
class CandidateRegistered(DomainEvent):
    TYPE = "CandidateRegistered"
    candidate_id: str = Field(pattern=ID_PATTERN)
    cycle_id: str
    category_id: str
    kind: CandidateKind
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=64)
    regency_code: str | None = None
    employer_id: str | None = None
    sector: str | None = None
    size: str | None = None


@contract
class CandidateWithdrawn(DomainEvent):
    TYPE = "CandidateWithdrawn"
    candidate_id: str
    cycle_id: str
    reason: str = Field(min_length=1, max_length=2000)
