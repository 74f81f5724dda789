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


Digest = Field(pattern=r"^[0-9a-f]{64}$")  # sha256, hex


@contract
class ProvincialResultsPublished(DomainEvent):
    """A province's final board of one category, published: the full order and the digest of the
    board it was read from. A board reopened and published again takes the next `publication`."""

    TYPE = "ProvincialResultsPublished"
    board_id: str  # the shortlist key: cycle:category:province
    cycle_id: str
    category_id: str
    province: str
    rubric_version: int
    publication: int = Field(ge=1)
    places: list[RankedEntry]
    leaderboard_digest: str = Digest
    published_by: str


class _OfNominee(DomainEvent):
    board_id: str
    cycle_id: str
    category_id: str
    province: str
    zone: str | None
    candidate_id: str


@contract
class NomineeNominated(_OfNominee):
    """A candidate placed within its category's `national_nominees` on a published provincial board,
    carrying what the province published of it (total, per-indicator scores, the board's digest), so
    the national round starts from it. Each publication nominates its nominees again."""

    TYPE = "NomineeNominated"
    name: str | None = None
    rank: int = Field(ge=1)  # on the provincial board
    total: float
    indicators: dict[str, float]  # the published per-indicator scores: the rubric's tie-break reads them
    leaderboard_digest: str = Digest


@contract
class NominationWithdrawn(_OfNominee):
    """A nominee displaced by a later publication of its board (whose digest this names); `total`
    is its total on that board, None when it is no longer ranked there."""

    TYPE = "NominationWithdrawn"
    total: float | None
    leaderboard_digest: str = Digest
    reason: str = Field(min_length=1, max_length=2000)


@contract
class ReopeningRequested(DomainEvent):
    """An organiser (national chair or vice-chair) asks to reopen a published board, saying why."""

    TYPE = "ReopeningRequested"
    board_id: str
    requested_by: str
    reason: str = Field(min_length=1, max_length=2000)


@contract
class ResultsReopened(DomainEvent):
    """A second organiser approved the reopening: the board's scores may be amended until it is
    published again."""

    TYPE = "ResultsReopened"
    board_id: str
    requested_by: str
    approved_by: str
    reason: str = Field(min_length=1, max_length=2000)
