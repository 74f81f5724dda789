from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import DomainEvent, contract


class Figures(BaseModel):
    """The numbers of a coverage report (workers eligible and enrolled in the period)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    period: str = Field(pattern=r"^\d{4}(-\d{2})?$")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    arrears_months: int = Field(default=0, ge=0)


class _CoverageReport(DomainEvent):
    """Fields every coverage figure carries (not an event type itself)."""

    figure_id: str
    candidate_id: str
    cycle_id: str
    category_id: str
    period: str = Field(pattern=r"^\d{4}(-\d{2})?$")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    source: str = Field(min_length=1, max_length=200)
    arrears_months: int = Field(default=0, ge=0)


@contract
class CoverageFigureSubmitted(_CoverageReport):
    TYPE = "CoverageFigureSubmitted"


@contract
class CoverageFigureCorrected(_CoverageReport):
    """A new figure that supersedes an earlier one; it needs verifying like any other."""

    TYPE = "CoverageFigureCorrected"
    supersedes: str
    reason: str = Field(min_length=1, max_length=2000)


@contract
class EvidenceVerified(DomainEvent):
    """The committee secretary accepted a piece of evidence; only verified evidence counts in scoring."""

    TYPE = "EvidenceVerified"
    evidence_id: str
    kind: Literal["figure", "document"]
    candidate_id: str
    cycle_id: str
    category_id: str
    figures: Figures | None = None
    reason: str = ""


@contract
class EvidenceRejected(DomainEvent):
    TYPE = "EvidenceRejected"
    evidence_id: str
    kind: Literal["figure", "document"]
    candidate_id: str
    cycle_id: str
    reason: str = Field(min_length=1, max_length=2000)


@contract
class DocumentAttached(DomainEvent):
    """A supporting document for an indicator; the bytes are stored by their SHA-256, never in the event."""

    TYPE = "DocumentAttached"
    document_id: str
    candidate_id: str
    cycle_id: str
    indicator_id: str
    title: str = Field(min_length=1, max_length=300)
    filename: str = Field(min_length=1, max_length=200)
    media_type: str
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    replaces: str | None = None  # an earlier document of the candidate that this one replaces


class RuleFailure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rule: str
    reason: str


@contract
class CandidateScreened(DomainEvent):
    """The result of data screening against the category's eligibility rules; the latest counts.

    `eligible` is decided on the rules that could be checked; `not_checked` lists the others."""

    TYPE = "CandidateScreened"
    candidate_id: str
    cycle_id: str
    category_id: str
    eligible: bool
    passed: list[str]
    failed: list[RuleFailure]
    not_checked: list[str] = []
