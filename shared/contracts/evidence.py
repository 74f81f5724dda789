from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.base import DomainEvent, contract


Count = Field(default=None, ge=0)
Payer = Literal["regional_budget", "village_budget", "employer", "csr", "self", "other"]


class CoverageBreakdown(BaseModel):
    """What a coverage report may say besides its totals, as BPJS Ketenagakerjaan exports it:
    wage earners (PU) and non-wage earners (BPU) enrolled, workers enrolled per programme (JKK,
    JKM, JHT, JP), non-civil-servant government staff, vulnerable workers protected and who pays
    their contributions, workers funded through the village budget (APBDes). All optional."""

    wage_earners_enrolled: int | None = Count
    non_wage_earners_enrolled: int | None = Count
    jkk_enrolled: int | None = Count
    jkm_enrolled: int | None = Count
    jht_enrolled: int | None = Count
    jp_enrolled: int | None = Count
    non_civil_servant_staff: int | None = Count
    non_civil_servant_staff_enrolled: int | None = Count
    vulnerable_workers_protected: int | None = Count
    vulnerable_workers_payer: Payer | None = None
    village_budget_workers: int | None = Count

    @model_validator(mode="after")
    def _adds_up(self):
        enrolled = getattr(self, "workers_enrolled", None)
        if self.wage_earners_enrolled is not None and self.non_wage_earners_enrolled is not None and (
            enrolled is not None and self.wage_earners_enrolled + self.non_wage_earners_enrolled != enrolled
        ):
            raise ValueError("wage earners (PU) and non-wage earners (BPU) enrolled must add up to workers enrolled")
        programmes = [self.jkk_enrolled, self.jkm_enrolled, self.jht_enrolled, self.jp_enrolled]
        if enrolled is not None and any(n is not None and n > enrolled for n in programmes):
            raise ValueError("no programme can enrol more than the workers enrolled")
        staff, staff_enrolled = self.non_civil_servant_staff, self.non_civil_servant_staff_enrolled
        if staff is not None and staff_enrolled is not None and staff_enrolled > staff:
            raise ValueError("non-civil-servant staff enrolled cannot exceed the staff")
        return self

    def breakdown(self) -> dict:
        return {k: getattr(self, k) for k in CoverageBreakdown.model_fields}


class Figures(CoverageBreakdown):
    """The numbers of a coverage report (workers eligible and enrolled in the period)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    period: str = Field(pattern=r"^\d{4}(-\d{2})?$")
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)
    arrears_months: int = Field(default=0, ge=0)


class _CoverageReport(DomainEvent, CoverageBreakdown):
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


class RegionMembership(BaseModel):
    """One province's employers in a membership snapshot."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    employers: int = Field(ge=0)
    by_size: dict[str, int] = {}
    workers_eligible: int = Field(ge=0)
    workers_enrolled: int = Field(ge=0)
    in_arrears: int = Field(ge=0)


@contract
class MembershipDataImported(DomainEvent):
    """BPJS Ketenagakerjaan's register of employers for a period, as a CSV file stored by its
    SHA-256: the event records the hash and the totals per province, never the rows."""

    TYPE = "MembershipDataImported"
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    employers: int = Field(gt=0)
    by_province: dict[str, RegionMembership]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0)
    imported_by: str = Field(min_length=1, max_length=128)


class CategoryScreening(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    considered: int = Field(ge=0)
    eligible: int = Field(ge=0)


@contract
class MembershipScreened(DomainEvent):
    """Data screening of a whole membership snapshot for a cycle: every employer against the
    eligibility rules of the business categories that admit its sector and size. The best
    `per_province` of the eligible per province and category (coverage first) are put forward as a
    stored CSV in the candidates import's columns (`eligible_sha256`), ready to register."""

    TYPE = "MembershipScreened"
    cycle_id: str
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    snapshot_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    considered: int = Field(ge=0)
    eligible: int = Field(ge=0)
    by_category: dict[str, CategoryScreening]
    per_province: int = Field(ge=1)  # the best eligible per province and category put forward
    nominated: int = Field(ge=0)
    eligible_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    eligible_size: int = Field(gt=0)
    screened_by: str = Field(min_length=1, max_length=128)
