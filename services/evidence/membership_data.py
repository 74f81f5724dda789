"""The aggregates of membership data: a snapshot per period (imported once, never changed) and its
screening per cycle (once per cycle and period, while the cycle still registers candidates)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.evidence import CategoryScreening, MembershipDataImported, MembershipScreened, RegionMembership
from shared.directory import CYCLES
from shared.processor import stored_aggregate

SNAPSHOTS = "membership-data"
SCREENINGS = "membership-screening"
Period = Field(pattern=r"^\d{4}-\d{2}$")
Sha256 = Field(pattern=r"^[0-9a-f]{64}$")


class ImportMembershipData(CommandBody):
    """Record a period's register of employers: a stored CSV, checked row by row before this is sent."""

    NAME = "ImportMembershipData"
    period: str = Period
    employers: int = Field(gt=0)
    by_province: dict[str, RegionMembership]
    sha256: str = Sha256
    size: int = Field(gt=0)
    imported_by: str = Field(min_length=1, max_length=128)

    def aggregate_id(self) -> str:
        return self.period


class SnapshotState(BaseModel):
    imported: MembershipDataImported | None = None


class MembershipSnapshot(Aggregate[SnapshotState]):
    kind = SNAPSHOTS
    state_type = SnapshotState
    commands = (ImportMembershipData,)

    def decide(self, command, state, context):
        if state.imported is not None:
            raise Rejected("membership_data_already_imported", f"the membership data of {command.period} was"
                           " imported already; a snapshot never changes")
        return [MembershipDataImported(**command.model_dump())]

    def evolve(self, state, event):
        return SnapshotState(imported=event)


class ScreenMembership(CommandBody):
    """Record the screening of a period's snapshot for a cycle (worked out before this is sent)."""

    NAME = "ScreenMembership"
    cycle_id: str = Id
    period: str = Period
    snapshot_sha256: str = Sha256
    considered: int = Field(ge=0)
    eligible: int = Field(ge=0)
    by_category: dict[str, CategoryScreening]
    per_province: int = Field(ge=1)
    nominated: int = Field(ge=0)
    eligible_sha256: str = Sha256
    eligible_size: int = Field(gt=0)
    screened_by: str = Field(min_length=1, max_length=128)

    def aggregate_id(self) -> str:
        return f"{self.cycle_id}:{self.period}"


class ScreeningState(BaseModel):
    screened: MembershipScreened | None = None


class ScreeningContext(BaseModel):
    stage: str | None = None  # None: no such cycle
    snapshot_sha256: str | None = None  # None: no snapshot of the period


class MembershipScreening(Aggregate[ScreeningState]):
    kind = SCREENINGS
    state_type = ScreeningState
    commands = (ScreenMembership,)

    async def context(self, command, store) -> ScreeningContext:
        cycle = await store.get(CYCLES, command.cycle_id)
        snapshot = await imported(store, command.period)
        return ScreeningContext(stage=cycle.get("stage") if cycle else None,
                                snapshot_sha256=snapshot.sha256 if snapshot else None)

    def decide(self, command, state, context: ScreeningContext):
        refusal = screening_refusal(command.cycle_id, command.period, state, context)
        if refusal is not None:
            raise refusal
        if command.snapshot_sha256 != context.snapshot_sha256:
            raise Rejected("membership_data_mismatch", f"the screening read another file than the snapshot of"
                           f" {command.period}")
        return [MembershipScreened(**command.model_dump())]

    def evolve(self, state, event):
        return ScreeningState(screened=event)


def screening_refusal(cycle_id: str, period: str, state: ScreeningState, context: ScreeningContext) -> Rejected | None:
    """Why a screening may not be recorded (also asked before the snapshot is read at all)."""
    if state.screened is not None:
        return Rejected("membership_already_screened", f"{cycle_id} was screened against {period} already")
    if context.stage is None:
        return Rejected("unknown_cycle", f"no cycle {cycle_id}", 404)
    if context.stage != "registration":
        return Rejected("wrong_stage", f"{cycle_id} is in {context.stage}: employers are screened from membership"
                        " data while candidates can still be registered")
    if context.snapshot_sha256 is None:
        return Rejected("unknown_membership_data", f"no membership data imported for {period}", 404)
    return None


async def imported(store, period: str) -> MembershipDataImported | None:
    """The snapshot of `period`, from this service's own state (never a lagging copy)."""
    doc = await stored_aggregate(store, f"{SNAPSHOTS}/{period}")
    return SnapshotState.model_validate(doc["state"]).imported if doc else None


async def screened(store, cycle_id: str, period: str) -> MembershipScreened | None:
    doc = await stored_aggregate(store, f"{SCREENINGS}/{cycle_id}:{period}")
    return ScreeningState.model_validate(doc["state"]).screened if doc else None
