"""Registration's pure core for people: committee members, assessors and interviewers, conflicts."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.registration.domain import CycleState, RegistrationContext, load_context
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.registration import (
    CommitteeMemberAppointed,
    CommitteeRole,
    ConflictDeclared,
    ConflictNature,
    Duty,
    PanellistAppointed,
)

NATIONAL = "national"


class AppointCommitteeMember(CommandBody):
    NAME = "AppointCommitteeMember"
    person_id: str = Id
    name: str = Field(min_length=1, max_length=200)
    cycle_id: str = Id
    committee: str = Field(min_length=1, max_length=64, description="'national' or a province id")
    role: CommitteeRole
    represents: str = Field(min_length=1, max_length=120)

    def aggregate_id(self) -> str:
        return self.person_id


class AppointPanellist(CommandBody):
    NAME = "AppointPanellist"
    person_id: str = Id
    name: str = Field(min_length=1, max_length=200)
    cycle_id: str = Id
    duty: Duty
    province: str = Field(min_length=1, max_length=64, description="'national' or a province id")
    category_ids: list[str] = Field(min_length=1)

    def aggregate_id(self) -> str:
        return self.person_id


class DeclareConflict(CommandBody):
    NAME = "DeclareConflict"
    person_id: str = Id
    cycle_id: str = Id
    candidate_id: str = Id
    nature: ConflictNature
    note: str = Field(default="", max_length=2000)

    def aggregate_id(self) -> str:
        return self.person_id


class PersonState(BaseModel):
    roles: list[str] = []  # "<cycle>/<committee or duty>/<province>" already held
    conflicts: list[str] = []  # "<cycle>/<candidate>"


class Person(Aggregate[PersonState]):
    kind = "person"
    state_type = PersonState
    commands = (AppointCommitteeMember, AppointPanellist, DeclareConflict)

    async def context(self, command, store) -> RegistrationContext:
        return await load_context(store, command.cycle_id)

    def decide(self, command, state, context: RegistrationContext):
        cycle = context.cycle
        if cycle.config is None:
            raise Rejected("unknown_cycle", f"no open cycle {command.cycle_id}", 422)
        if cycle.stage in ("national_results", "closed"):
            raise Rejected("wrong_stage", f"the cycle is in {cycle.stage}")
        if isinstance(command, DeclareConflict):
            key = f"{command.cycle_id}/{command.candidate_id}"
            if key in state.conflicts:
                raise Rejected("conflict_already_declared", "this conflict is already on record")
            return [ConflictDeclared(**command.model_dump())]
        place = command.committee if isinstance(command, AppointCommitteeMember) else command.province
        _check_place(place, context)
        if isinstance(command, AppointPanellist):
            _check_categories(command.category_ids, cycle)
            role = f"{command.cycle_id}/{command.duty}/{place}"
            event = PanellistAppointed(**command.model_dump())
        else:
            role = f"{command.cycle_id}/committee/{place}"
            event = CommitteeMemberAppointed(**command.model_dump())
        if role in state.roles:
            raise Rejected("already_appointed", f"{command.person_id} already holds {role}")
        return [event]

    def evolve(self, state, event):
        if isinstance(event, ConflictDeclared):
            return state.model_copy(update={"conflicts": [*state.conflicts, f"{event.cycle_id}/{event.candidate_id}"]})
        if isinstance(event, PanellistAppointed):
            role = f"{event.cycle_id}/{event.duty}/{event.province}"
        else:
            role = f"{event.cycle_id}/committee/{event.committee}"
        return state.model_copy(update={"roles": [*state.roles, role]})


def _check_place(place: str, context: RegistrationContext) -> None:
    if place != NATIONAL and (context.regions is None or context.regions.province(place) is None):
        raise Rejected("unknown_province", f"no province {place!r} in the cycle's reference data", 422)


def _check_categories(category_ids: list[str], cycle: CycleState) -> None:
    unknown = [c for c in category_ids if cycle.config.category(c) is None]
    if unknown:
        raise Rejected("unknown_category", f"cycle {cycle.config.cycle_id} has no categories {unknown}", 422)
