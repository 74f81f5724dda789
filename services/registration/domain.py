"""Registration's pure core: cycles and candidates."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import ID_PATTERN
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.registration import CandidateKind, CandidateRegistered, CycleOpened


class OpenCycle(CommandBody):
    NAME = "OpenCycle"
    config: CycleConfig

    def aggregate_id(self) -> str:
        return self.config.cycle_id


class CycleState(BaseModel):
    config: CycleConfig | None = None


class Cycle(Aggregate[CycleState]):
    kind = "cycle"
    state_type = CycleState
    commands = (OpenCycle,)

    def decide(self, command, state, context):
        if state.config is not None:
            raise Rejected("cycle_already_open", f"cycle {command.config.cycle_id} is already open")
        return [CycleOpened(config=command.config)]

    def evolve(self, state, event):
        return CycleState(config=event.config)


class RegisterCandidate(CommandBody):
    NAME = "RegisterCandidate"
    candidate_id: str = Field(pattern=ID_PATTERN)
    cycle_id: str = Field(pattern=ID_PATTERN)
    category_id: str = Field(pattern=ID_PATTERN)
    kind: CandidateKind
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=64)

    def aggregate_id(self) -> str:
        return self.candidate_id


class CandidateState(BaseModel):
    registered: CandidateRegistered | None = None


class Candidate(Aggregate[CandidateState]):
    kind = "candidate"
    state_type = CandidateState
    commands = (RegisterCandidate,)

    async def context(self, command, store):
        doc = await store.get("aggregates", f"{Cycle.kind}/{command.cycle_id}")
        return CycleState.model_validate(doc["state"]).config if doc else None

    def decide(self, command, state, context: CycleConfig | None):
        if state.registered is not None:
            raise Rejected("duplicate_candidate", f"candidate {command.candidate_id} is already registered")
        if context is None:
            raise Rejected("unknown_cycle", f"no open cycle {command.cycle_id}", 422)
        category = context.category(command.category_id)
        if category is None:
            raise Rejected("unknown_category", f"cycle {command.cycle_id} has no category {command.category_id}", 422)
        if category.level != command.kind:
            raise Rejected("kind_mismatch", f"category {category.id} is for {category.level}, not {command.kind}", 422)
        return [CandidateRegistered(**command.model_dump())]

    def evolve(self, state, event):
        return CandidateState(registered=event)
