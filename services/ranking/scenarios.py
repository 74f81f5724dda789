"""Saved what-if scenarios, and the adoption of a scenario's exclusion of a person.

Saving a scenario (`SaveScenario`, an organiser or auditor) records ScenarioSaved: the scenario is
checked against the cycle (services.ranking.whatif) and never changes afterwards; it changes no
score or board. The `ScenarioBook` read model lists the saved scenarios and their adoptions.

Adopting an exclusion (`ExcludePanellist`, an organiser: the national committee's chair or
vice-chair) names the saved scenario that excludes the person and says why. It records
PanellistExcluded, then a ScoresExcluded for every standing of the cycle the person scored or
could score (the boards of their appointments): from then on none of the person's scores count on
the live boards, exactly as the scenario showed. Refused without a reason, for a scenario not saved
(or of another cycle, or not excluding the person), for a person not on the cycle's panels, twice
for one person, during registration (candidates still come), and while a board it touches is
published and not reopened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from services.ranking.projections import STANDINGS
from services.ranking.publication import require_organiser
from services.ranking.whatif import ScenarioInvalid, scenario_config
from shared.board_status import BOARD_STATUS, is_frozen
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.ranking import PanellistExcluded, ScenarioSaved, ScenarioSpec, ScoresExcluded
from shared.directory import CYCLES, parsed_config
from shared.panel import NATIONAL, look_up_person
from shared.projection import Projection, View
from shared.shortlists import shortlist_key

SCENARIOS = "scenarios"
Person = Field(min_length=1, max_length=128)


class SaveScenario(CommandBody):
    """Save a what-if scenario of a cycle (organisers and auditors); it changes nothing by itself."""

    NAME = "SaveScenario"
    scenario_id: str = Id
    cycle_id: str = Id
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    spec: ScenarioSpec
    saved_by: str = Person

    def aggregate_id(self) -> str:
        return self.scenario_id


class ExcludePanellist(CommandBody):
    """Adopt a saved scenario's exclusion of an assessor or interviewer: their scores in the cycle no
    longer count on the live boards."""

    NAME = "ExcludePanellist"
    cycle_id: str = Id
    person_id: str = Id
    scenario_id: str = Id
    reason: str = Field(default="", max_length=2000)
    excluded_by: str = Person

    def aggregate_id(self) -> str:
        return f"{self.cycle_id}:{self.person_id}"


class ScenarioState(BaseModel):
    saved: bool = False


class ExclusionState(BaseModel):
    scenario_id: str | None = None  # the scenario whose exclusion was adopted


def _config(cycle: dict | None) -> CycleConfig | None:
    return parsed_config(cycle["config"]) if cycle else None


class Scenarios(Aggregate[ScenarioState]):
    kind = "scenario"
    state_type = ScenarioState
    commands = (SaveScenario,)

    async def context(self, command: SaveScenario, store) -> CycleConfig | None:
        return _config(await store.get(CYCLES, command.cycle_id))

    def decide(self, command: SaveScenario, state: ScenarioState, context: CycleConfig | None):
        if context is None:
            raise Rejected("unknown_cycle", f"no cycle {command.cycle_id}", 422)
        if state.saved:
            raise Rejected("scenario_exists", f"scenario {command.scenario_id} is saved already; save another id")
        try:
            scenario_config(context, command.spec)
        except ScenarioInvalid as invalid:
            raise Rejected(invalid.rule, invalid.reason, 422) from None
        return [ScenarioSaved(**command.model_dump())]

    def evolve(self, state, event):
        return ScenarioState(saved=True)


@dataclass(frozen=True)
class Excluding:
    """The cycle and stage, the organiser signing, the person excluded (as the panel directory has
    them), the saved scenario, the cycle's standings and the status of the boards they are on."""

    config: CycleConfig | None
    stage: str | None
    signer: dict | None
    person: dict | None
    scenario: dict | None
    standings: list[dict] = field(default_factory=list)
    boards: dict[str, dict | None] = field(default_factory=dict)


def _board(standing: dict) -> str:
    return shortlist_key(standing["cycle_id"], standing.get("category_id", ""), standing.get("province", ""))


def _scored_by(standing: dict, person_id: str) -> bool:
    given = [s.get("assessor_id") for s in standing.get("scores", {}).values()]
    return person_id in given + [s.get("interviewer_id") for s in standing.get("interviews", {}).values()]


def _appointed_for(person: dict, standing: dict) -> bool:
    places = [p for duty in person.get("duties", {}).values() for p in duty.items()]
    return any(where in (standing.get("province"), NATIONAL) and standing.get("category_id") in categories
               for where, categories in places)


def touched(person: dict | None, person_id: str, standings: list[dict]) -> list[dict]:
    """The standings an exclusion of the person touches: those they scored, or could score."""
    return [s for s in standings if _scored_by(s, person_id) or (person and _appointed_for(person, s))]


class Exclusions(Aggregate[ExclusionState]):
    kind = "panellist-exclusion"
    state_type = ExclusionState
    commands = (ExcludePanellist,)

    async def context(self, command: ExcludePanellist, store) -> Excluding:
        cycle = await store.get(CYCLES, command.cycle_id)
        person = await look_up_person(store, command.cycle_id, command.person_id)
        standings = touched(person, command.person_id, await store.find(STANDINGS, {"cycle_id": command.cycle_id}))
        boards = {b: await store.get(BOARD_STATUS, b) for b in sorted({_board(s) for s in standings})}
        return Excluding(_config(cycle), cycle.get("stage") if cycle else None,
                         await look_up_person(store, command.cycle_id, command.excluded_by), person,
                         await store.get(SCENARIOS, command.scenario_id), standings, boards)

    def decide(self, command: ExcludePanellist, state: ExclusionState, context: Excluding):
        if context.config is None:
            raise Rejected("unknown_cycle", f"no cycle {command.cycle_id}", 422)
        if context.stage == "registration":
            raise Rejected("wrong_stage", "candidates are still registering; exclude once registration is over")
        if state.scenario_id is not None:
            raise Rejected("already_excluded",
                           f"{command.person_id} is excluded already (scenario {state.scenario_id})")
        if not command.reason.strip():
            raise Rejected("exclusion_reason_required", "an exclusion must say why", 422)
        require_organiser(context.signer)
        _require_scenario(command, context.scenario)
        if not (context.person or {}).get("duties"):
            raise Rejected("not_panellist", f"{command.person_id} is no assessor or interviewer of the cycle", 422)
        frozen = sorted(b for b, status in context.boards.items() if is_frozen(status))
        if frozen:
            raise Rejected("results_published", f"boards {frozen} are published: their scores change only after an "
                           "approved reopening")
        candidates = sorted(s["candidate_id"] for s in context.standings)
        where = command.model_dump(include={"cycle_id", "person_id", "scenario_id"})
        return [PanellistExcluded(**where, reason=command.reason, excluded_by=command.excluded_by,
                                  candidate_ids=candidates),
                *(ScoresExcluded(**where, candidate_id=c) for c in candidates)]

    def evolve(self, state, event):
        return ExclusionState(scenario_id=event.scenario_id)


def _require_scenario(command: ExcludePanellist, scenario: dict | None) -> None:
    if scenario is None or scenario.get("cycle_id") != command.cycle_id or "spec" not in scenario:
        raise Rejected("unknown_scenario", f"no scenario {command.scenario_id} saved for cycle {command.cycle_id}", 422)
    if command.person_id not in scenario["spec"]["excluded"]:
        raise Rejected("not_in_scenario", f"scenario {command.scenario_id} does not exclude {command.person_id}", 422)


class ScenarioBook(Projection):
    """One doc per scenario: what was saved, when and by whom, and every adoption of it."""

    collection = SCENARIOS

    def doc_id(self, envelope, event):
        return event.scenario_id if isinstance(event, (ScenarioSaved, PanellistExcluded)) else None

    def apply(self, view: View, envelope, event) -> View:
        view = {"scenario_id": event.scenario_id, "adoptions": [], **view}
        if isinstance(event, ScenarioSaved):
            return {**view, **event.model_dump(mode="json"), "saved_at": envelope.occurred_at.isoformat(),
                    "event_id": envelope.event_id}
        adoption = {**event.model_dump(mode="json", include={"person_id", "reason", "excluded_by"}),
                    "candidates": len(event.candidate_ids), "event_id": envelope.event_id,
                    "at": envelope.occurred_at.isoformat()}
        return {**view, "adoptions": sorted([*view["adoptions"], adoption], key=lambda a: a["event_id"])}
