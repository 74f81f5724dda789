from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from shared.contracts.base import ID_PATTERN, DomainEvent, contract


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
    # the Merkle root over the hashes of the events the board depends on (services.ranking.proofs):
    # its candidates' events, the cycle's opening and the shortlist, as they stood at `merkle_as_of`
    merkle_root: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    merkle_leaves: int | None = Field(default=None, ge=0)
    merkle_as_of: datetime | None = None

    @model_serializer(mode="wrap")
    def _without_absent_proof(self, handler):
        """A publication without a root keeps the payload it had before roots existed."""
        return {k: v for k, v in handler(self).items() if not (k in PROOF_FIELDS and v is None)}


PROOF_FIELDS = ("merkle_root", "merkle_leaves", "merkle_as_of")


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


Slug = Annotated[str, Field(pattern=ID_PATTERN)]  # ids, also as keys (no dots: MongoDB field names)


class CorrectedFigure(BaseModel):
    """A coverage figure as a what-if scenario supposes it (workers eligible and enrolled)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    note: str = Field(default="", max_length=2000)


class ScenarioSpec(BaseModel):
    """What a what-if scenario changes in a cycle (services.ranking.whatif): the aggregation method
    (and trim fraction) of every category, indicator weights per category, people (assessors or
    interviewers) whose scores are ignored, and corrected coverage figures by candidate."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    aggregation: Literal["mean", "median", "trimmed_mean", "zscore"] | None = None
    trim_fraction: float | None = Field(default=None, ge=0, lt=0.5)
    weights: dict[Slug, dict[Slug, float]] = {}  # category id: {indicator id: weight}
    excluded: list[Slug] = []  # person ids
    figures: dict[Slug, CorrectedFigure] = {}  # candidate id: the figure supposed


@contract
class ScenarioSaved(DomainEvent):
    """An organiser or auditor saved a what-if scenario of a cycle; it changes nothing by itself."""

    TYPE = "ScenarioSaved"
    scenario_id: str
    cycle_id: str
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    spec: ScenarioSpec
    saved_by: str


@contract
class PanellistExcluded(DomainEvent):
    """An organiser adopted a scenario's exclusion of an assessor or interviewer: none of that
    person's scores count in the cycle any more. `candidate_ids`: the standings it touches (each
    gets a ScoresExcluded)."""

    TYPE = "PanellistExcluded"
    cycle_id: str
    person_id: str
    scenario_id: str
    reason: str = Field(min_length=1, max_length=2000)
    excluded_by: str
    candidate_ids: list[str] = []


@contract
class ScoresExcluded(DomainEvent):
    """One candidate's part of a PanellistExcluded: the person's scores of it no longer count."""

    TYPE = "ScoresExcluded"
    cycle_id: str
    candidate_id: str
    person_id: str
    scenario_id: str
