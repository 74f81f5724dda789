"""Registration's pure core: cycles and candidates."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.registration import reference
from services.registration.reference import ReferenceData
from services.registration.reference_imports import VillageSource, imported, resolve
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.cycle_config import STAGES, CycleConfig, Stage
from shared.contracts.registration import (
    CandidateKind,
    CandidateRegistered,
    CandidateWithdrawn,
    CycleOpened,
    CycleStageAdvanced,
)
from shared.processor import stored_aggregate


class OpenCycle(CommandBody):
    NAME = "OpenCycle"
    config: CycleConfig

    def aggregate_id(self) -> str:
        return self.config.cycle_id


class AdvanceStage(CommandBody):
    NAME = "AdvanceStage"
    cycle_id: str = Id
    to_stage: Stage

    def aggregate_id(self) -> str:
        return self.cycle_id


class CycleState(BaseModel):
    config: CycleConfig | None = None
    stage: Stage | None = None


class CycleContext(BaseModel):
    """What opening a cycle needs besides its own state: was the version it pins imported?"""

    imported_version: bool = False


class Cycle(Aggregate[CycleState]):
    kind = "cycle"
    state_type = CycleState
    commands = (OpenCycle, AdvanceStage)

    async def context(self, command, store) -> CycleContext:
        if not isinstance(command, OpenCycle):
            return CycleContext()
        return CycleContext(imported_version=await imported(store, command.config.reference_data_version) is not None)

    def decide(self, command, state, context: CycleContext | None):
        if isinstance(command, OpenCycle):
            if state.config is not None:
                raise Rejected("cycle_already_open", f"cycle {command.config.cycle_id} is already open")
            version = command.config.reference_data_version
            if version not in reference.KNOWN_VERSIONS and not (context and context.imported_version):
                known = ", ".join(reference.KNOWN_VERSIONS)
                raise Rejected("unknown_reference_data", f"no reference data version {version}; shipped: {known},"
                               " or import one (POST /reference-data/{version}/villages)", 422)
            return [CycleOpened(config=command.config)]
        if state.stage is None:
            raise Rejected("unknown_cycle", f"no open cycle {command.cycle_id}", 404)
        expected = next_stage(state.stage)
        if command.to_stage != expected:
            raise Rejected(
                "stage_order", f"the cycle is in {state.stage}; it can only move on to {expected or 'nothing'}"
            )
        return [CycleStageAdvanced(cycle_id=command.cycle_id, from_stage=state.stage, to_stage=command.to_stage)]

    def evolve(self, state, event):
        if isinstance(event, CycleOpened):
            return CycleState(config=event.config, stage=STAGES[0])
        return state.model_copy(update={"stage": event.to_stage})


async def load_context(store, cycle_id: str | None, villages: VillageSource | None = None) -> RegistrationContext:
    """The cycle (from this service's own state) and the reference data it pins, shipped or
    imported; with the villages when a source is given."""
    doc = await stored_aggregate(store, f"{Cycle.kind}/{cycle_id}") if cycle_id else None
    cycle = CycleState.model_validate(doc["state"]) if doc else CycleState()
    regions = await resolve(store, cycle.config.reference_data_version, villages) if cycle.config else None
    return RegistrationContext(cycle=cycle, regions=regions)


def _check_region(command: RegisterCandidate, regions: ReferenceData | None) -> None:
    if regions is None or regions.province(command.province) is None:
        raise Rejected("unknown_province", f"no province {command.province!r} in the cycle's reference data", 422)
    if command.regency_code is None:
        return
    regency = regions.regency(command.regency_code)
    if regency is None:
        raise Rejected("unknown_regency", f"no regency/city {command.regency_code} in the reference data", 422)
    if regency.province_id != command.province:
        raise Rejected(
            "regency_outside_province", f"{regency.name} is in {regency.province_id}, not {command.province}", 422
        )


def _check_village(command: RegisterCandidate, regions: ReferenceData) -> None:
    """A village candidate may name its village: one of the pinned version's, in its regency."""
    code = command.village_code
    if code is None:
        return
    if command.kind != "village":
        raise Rejected("village_code_not_allowed", f"only a village candidate names a village, not a {command.kind}",
                       422)
    if command.regency_code is None:
        raise Rejected("regency_required", f"village {code} needs the regency_code it lies in", 422)
    village = regions.village(code)
    if village is None:
        raise Rejected("unknown_village", f"no village {code} in reference data {regions.version}", 422)
    if village.regency_code != command.regency_code:
        raise Rejected("village_outside_regency",
                       f"{village.name} ({code}) is in {village.regency_code}, not {command.regency_code}", 422)


def next_stage(stage: str) -> str | None:
    position = STAGES.index(stage)
    return STAGES[position + 1] if position + 1 < len(STAGES) else None


def require_stage(cycle: CycleState, *allowed: str) -> None:
    if cycle.stage not in allowed:
        raise Rejected("wrong_stage", f"the cycle is in {cycle.stage}; this needs {' or '.join(allowed)}")


class RegisterCandidate(CommandBody):
    NAME = "RegisterCandidate"
    candidate_id: str = Id
    cycle_id: str = Id
    category_id: str = Id
    kind: CandidateKind
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=64, description="province id, e.g. jawa-barat")
    regency_code: str | None = Field(default=None, pattern=r"^\d{2}\.\d{2}$")
    employer_id: str | None = Field(default=None, min_length=1, max_length=64)
    sector: str | None = Field(default=None, max_length=64)
    size: str | None = Field(default=None, max_length=32)
    village_code: str | None = Field(default=None, pattern=reference.VILLAGE_CODE_PATTERN)

    def aggregate_id(self) -> str:
        return self.candidate_id


class RegistrationContext(BaseModel):
    """What deciding on a candidate needs besides its own state: its cycle and the pinned regions."""

    model_config = {"arbitrary_types_allowed": True}
    cycle: CycleState
    regions: ReferenceData | None = None


class WithdrawCandidate(CommandBody):
    NAME = "WithdrawCandidate"
    candidate_id: str = Id
    reason: str = Field(default="", max_length=2000)

    def aggregate_id(self) -> str:
        return self.candidate_id


class CandidateState(BaseModel):
    registered: CandidateRegistered | None = None
    withdrawn: bool = False


class Candidate(Aggregate[CandidateState]):
    kind = "candidate"
    state_type = CandidateState
    commands = (RegisterCandidate, WithdrawCandidate)

    def __init__(self, villages: VillageSource | None = None) -> None:
        self.villages = villages  # where an imported version's villages are read from

    async def context(self, command, store) -> RegistrationContext:
        if isinstance(command, RegisterCandidate):
            return await load_context(store, command.cycle_id, self.villages if command.village_code else None)
        own = await stored_aggregate(store, f"{self.kind}/{command.candidate_id}")
        cycle_id = own["state"]["registered"]["cycle_id"] if own and own["state"]["registered"] else None
        return await load_context(store, cycle_id)

    def decide(self, command, state, context: RegistrationContext):
        cycle = context.cycle
        if isinstance(command, WithdrawCandidate):
            return self._withdraw(command, state, cycle)
        if state.registered is not None:
            raise Rejected("duplicate_candidate", f"candidate {command.candidate_id} is already registered")
        if cycle.config is None:
            raise Rejected("unknown_cycle", f"no open cycle {command.cycle_id}", 422)
        require_stage(cycle, "registration")
        category = cycle.config.category(command.category_id)
        if category is None:
            raise Rejected("unknown_category", f"cycle {command.cycle_id} has no category {command.category_id}", 422)
        if category.level != command.kind:
            raise Rejected("kind_mismatch", f"category {category.id} is for {category.level}, not {command.kind}", 422)
        if not category.admits(command.sector, command.size):
            raise Rejected(
                "category_mismatch",
                f"category {category.id} is for sector {category.sector or 'any'} and size {category.size or 'any'},"
                f" not {command.sector} / {command.size}",
                422,
            )
        _check_region(command, context.regions)
        _check_village(command, context.regions)
        zone = context.regions.province(command.province).zone
        return [CandidateRegistered(**command.model_dump(), zone=zone)]

    def _withdraw(self, command: WithdrawCandidate, state: CandidateState, cycle: CycleState):
        if state.registered is None:
            raise Rejected("unknown_candidate", f"no registered candidate {command.candidate_id}", 404)
        if state.withdrawn:
            raise Rejected("already_withdrawn", f"candidate {command.candidate_id} has already withdrawn")
        if not command.reason.strip():
            raise Rejected("withdrawal_reason_required", "a withdrawal must give its reason", 422)
        if cycle.stage in ("national_results", "closed"):
            raise Rejected("wrong_stage", f"the cycle is in {cycle.stage}; results are final")
        return [CandidateWithdrawn(candidate_id=command.candidate_id, cycle_id=state.registered.cycle_id,
                                   reason=command.reason)]

    def evolve(self, state, event):
        if isinstance(event, CandidateWithdrawn):
            return state.model_copy(update={"withdrawn": True})
        return CandidateState(registered=event)
