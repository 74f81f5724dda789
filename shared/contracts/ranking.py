from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import DomainEvent, contract


class RankedEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    candidate_id: str
    rank: int = Field(ge=1)
    total: float


class Deviation(BaseModel):
    """A candidate the plenary placed differently from the document-stage ranking, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    candidate_id: str
    rank: int | None  # in the document-stage ranking; None if it was not ranked
    shortlisted: bool
    reason: str = Field(min_length=1, max_length=2000)


@contract
class ShortlistSettled(DomainEvent):
    """The plenary's shortlist for one category in one province, with the document-stage ranking
    it started from (and its digest) and every deviation from that ranking."""

    TYPE = "ShortlistSettled"
    shortlist_id: str
    cycle_id: str
    category_id: str
    province: str
    rubric_version: int
    shortlisted: list[str]
    ranking: list[RankedEntry]
    ranking_digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    deviations: list[Deviation] = []
