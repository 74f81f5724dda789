"""The registration directory: cycles and candidates as seen by the services that need them.

A lagging copy, used only to validate references (is this a known candidate? which rubric?),
never to decide an aggregate's own state.
"""

from __future__ import annotations

from shared.contracts.cycle_config import CycleConfig
from shared.contracts.registration import CandidateRegistered, CycleOpened
from shared.projection import Projection, View

CYCLES = "directory_cycles"
CANDIDATES = "directory_candidates"


class CycleDirectory(Projection):
    collection = CYCLES

    def doc_id(self, envelope, event):
        return event.config.cycle_id if isinstance(event, CycleOpened) else None

    def apply(self, view: View, envelope, event) -> View:
        return {"config": event.config.model_dump(mode="json")}


class CandidateDirectory(Projection):
    collection = CANDIDATES

    def doc_id(self, envelope, event):
        return event.candidate_id if isinstance(event, CandidateRegistered) else None

    def apply(self, view: View, envelope, event) -> View:
        return event.model_dump(mode="json")


class Registered:
    """What a decision needs to know about a candidate: its registration and its category's rubric."""

    def __init__(self, candidate: dict | None, config: dict | None) -> None:
        self.candidate = candidate
        self.config = CycleConfig.model_validate(config) if config else None

    @property
    def category(self):
        if self.candidate is None or self.config is None:
            return None
        return self.config.category(self.candidate["category_id"])


async def look_up(store, candidate_id: str) -> Registered:
    candidate = await store.get(CANDIDATES, candidate_id)
    cycle = await store.get(CYCLES, candidate["cycle_id"]) if candidate else None
    return Registered(candidate, cycle["config"] if cycle else None)
