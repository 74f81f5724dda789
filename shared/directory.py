"""The registration directory: cycles and candidates as seen by the services that need them.

A lagging copy, used only to validate references (is this a known candidate? which rubric?),
never to decide an aggregate's own state.
"""

from __future__ import annotations

import copy

from shared.contracts.cycle_config import CycleConfig
from shared.commands import Rejected
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn, CycleOpened, CycleStageAdvanced
from shared.projection import Projection, View

CYCLES = "directory_cycles"
CANDIDATES = "directory_candidates"

_PARSED: dict[str, tuple[dict, CycleConfig]] = {}
_PARSED_MAX = 64


def parsed_config(config: dict) -> CycleConfig:
    """A cycle document's config as the model. Validating one runs every rule of the rubric, and
    every query and decision reads the config, so each distinct config is parsed once per process:
    a cached one is reused only while the stored document still equals it whole."""
    cycle_id = config.get("cycle_id", "")
    cached = _PARSED.get(cycle_id)
    if cached is not None and cached[0] == config:
        return cached[1]
    model = CycleConfig.model_validate(config)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[cycle_id] = (copy.deepcopy(config), model)  # a copy: the caller's dict may yet change
    return model


class CycleDirectory(Projection):
    collection = CYCLES

    def doc_id(self, envelope, event):
        if isinstance(event, CycleOpened):
            return event.config.cycle_id
        return event.cycle_id if isinstance(event, CycleStageAdvanced) else None

    def apply(self, view: View, envelope, event) -> View:
        if isinstance(event, CycleOpened):
            return {**view, "config": event.config.model_dump(mode="json"), "stage": view.get("stage", "registration")}
        return {**view, "stage": event.to_stage}


class CandidateDirectory(Projection):
    collection = CANDIDATES

    def doc_id(self, envelope, event):
        return event.candidate_id if isinstance(event, (CandidateRegistered, CandidateWithdrawn)) else None

    def apply(self, view: View, envelope, event) -> View:
        if isinstance(event, CandidateWithdrawn):
            return {**view, "withdrawn": True}
        return {"withdrawn": False, **view, **event.model_dump(mode="json")}


class Registered:
    """What a decision needs to know about a candidate: its registration and its category's rubric."""

    def __init__(self, candidate: dict | None, cycle: dict | None) -> None:
        self.candidate = candidate
        self.config = parsed_config(cycle["config"]) if cycle and "config" in cycle else None
        self.stage = cycle.get("stage") if cycle else None

    @property
    def category(self):
        if self.candidate is None or self.config is None:
            return None
        return self.config.category(self.candidate["category_id"])


    def require_active(self, *stages: str) -> None:
        """Refuse unless the candidate is registered, not withdrawn, and the cycle is in one of `stages`."""
        if self.category is None:
            raise Rejected("unknown_candidate", "no registered candidate with that id in an open cycle", 422)
        if self.candidate.get("withdrawn"):
            raise Rejected("candidate_withdrawn", f"candidate {self.candidate['candidate_id']} has withdrawn")
        if stages and self.stage not in stages:
            raise Rejected("wrong_stage", f"the cycle is in {self.stage}; this needs {' or '.join(stages)}")


async def look_up(store, candidate_id: str) -> Registered:
    candidate = await store.get(CANDIDATES, candidate_id)
    cycle = await store.get(CYCLES, candidate["cycle_id"]) if candidate else None
    return Registered(candidate, cycle)
