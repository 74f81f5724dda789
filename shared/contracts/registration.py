from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.contracts.base import Id, DomainEvent, contract
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
    candidate_id: str = Id
    cycle_id: str
    category_id: str
    kind: CandidateKind
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=64)
    regency_code: str | None = None
    employer_id: str | None = None
    sector: str | None = None
    size: str | None = None
    zone: str | None = None  # the province's zone in the cycle's reference data; absent before it was recorded
    village_code: str | None = None  # a village candidate's village (e.g. 32.04.09.2003) in the pinned data


@contract
class CandidateWithdrawn(DomainEvent):
    TYPE = "CandidateWithdrawn"
    candidate_id: str
    cycle_id: str
    reason: str = Field(min_length=1, max_length=2000)


CommitteeRole = Literal["chair", "vice_chair", "secretary", "member"]
Duty = Literal["assessor", "interviewer"]
ConflictNature = Literal["employed_by", "related_to", "advises", "other"]


@contract
class CommitteeMemberAppointed(DomainEvent):
    """A member of the national committee or of a province's committee (Tim 9), for one cycle."""

    TYPE = "CommitteeMemberAppointed"
    person_id: str
    name: str = Field(min_length=1, max_length=200)
    cycle_id: str
    committee: str  # "national" or a province id
    role: CommitteeRole
    represents: str = Field(min_length=1, max_length=120)  # e.g. provincial secretary, union, law expert


@contract
class PanellistAppointed(DomainEvent):
    """An assessor or interviewer appointed for a province (or nationally) and some categories."""

    TYPE = "PanellistAppointed"
    person_id: str
    name: str = Field(min_length=1, max_length=200)
    cycle_id: str
    duty: Duty
    province: str  # "national" or a province id
    category_ids: list[str] = Field(min_length=1)


@contract
class ConflictDeclared(DomainEvent):
    """A person declares a conflict of interest with a candidate (employed by, related to, ...)."""

    TYPE = "ConflictDeclared"
    person_id: str
    cycle_id: str
    candidate_id: str
    nature: ConflictNature
    note: str = Field(default="", max_length=2000)


@contract
class ReferenceDataImported(DomainEvent):
    """A new reference data version: the provinces and regencies of `base_version` and the villages
    of a CSV file, stored by its SHA-256 (the event records the hash, never the rows)."""

    TYPE = "ReferenceDataImported"
    version: str
    base_version: str
    villages: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0)  # bytes of the file
    imported_by: str = Field(min_length=1, max_length=128)
