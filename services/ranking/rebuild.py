"""Rebuilding ranking's read models from offset zero, and the digests that show two generations
agree: one over every read-model document, one over every provincial leaderboard."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import STANDINGS
from shared.directory import CYCLES, parsed_config
from shared.generations import Generations, RebuildConflict
from shared.ports import REVISION, ReadStore
from shared.shortlists import SHORTLISTS, shortlist_key


def _sha256(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def _documents(store: ReadStore, collection: str) -> list[dict]:
    """The collection's documents without their revisions: how often a document was written depends
    on how the events fell into batches, which differs between the live and a rebuilt generation."""
    docs = [{k: v for k, v in d.items() if k != REVISION} for d in await store.find(collection)]
    return sorted(docs, key=lambda d: d["_id"])


async def leaderboards(store: ReadStore) -> list[dict]:
    """Every provincial leaderboard the read models hold, in a fixed order."""
    boards = []
    standings = await _documents(store, STANDINGS)
    for cycle in await _documents(store, CYCLES):
        config = parsed_config(cycle["config"])
        for category in config.categories:
            mine = [s for s in standings if s.get("cycle_id") == config.cycle_id and s.get("category_id") == category.id]
            for province in sorted({s["province"] for s in mine}):
                settled = await store.get(SHORTLISTS, shortlist_key(config.cycle_id, category.id, province))
                board = leaderboard(category.rubric, [s for s in mine if s["province"] == province],
                                    settled["shortlisted"] if settled else None)
                boards.append({"cycle_id": config.cycle_id, "category_id": category.id, "province": province,
                               **board})
    return boards


def digests_of(collections: frozenset[str]):
    async def digests(store: ReadStore) -> dict[str, str]:
        documents = {c: await _documents(store, c) for c in sorted(collections)}
        return {"read_models": _sha256(documents), "leaderboards": _sha256(await leaderboards(store))}

    return digests


class Switch(BaseModel):
    generation: int = Field(ge=2)
    accept_difference: str = Field(default="", max_length=2000,
                                   description="switch although the digests differ, saying why")


def _generations(request: Request) -> Generations:
    return request.app.state.runtime.generations


async def _status(generations: Generations) -> dict[str, Any]:
    control = await generations.control()
    live = [g for g in (control["active"], control["building"]) if g is not None]
    caught_up = await generations.caught_up(*live)
    status = {"active": control["active"], "building": control["building"], "retired": control["retired"],
              "caught_up": {str(g): done for g, done in caught_up.items()}}
    if control["building"] is not None and all(caught_up.values()):
        digests = {str(g): await generations.digests(g) for g in live}
        status["digests"] = digests
        status["identical"] = len({json.dumps(d, sort_keys=True) for d in digests.values()}) == 1
    return status


def rebuild_routes() -> APIRouter:
    router = APIRouter(tags=["rebuild"])

    @router.post("/rebuilds", status_code=202)
    async def begin(request: Request):
        """Rebuild every read model from offset zero into a new generation beside the live one."""
        try:
            generation = await _generations(request).begin_rebuild()
        except RebuildConflict as exc:
            raise HTTPException(409, {"rule": "rebuild_in_progress", "reason": str(exc)}) from exc
        return {"building": generation}

    @router.get("/rebuilds")
    async def status(request: Request):
        """Which generation is live, which is being built, whether each has caught up with the
        log and, once both have, their digests and whether they are identical."""
        return await _status(_generations(request))

    @router.post("/rebuilds/switch")
    async def switch(body: Switch, request: Request):
        """Make the rebuilt generation live (no downtime); refused unless both have caught up and
        their digests agree, or a reason to accept the difference is given."""
        generations = _generations(request)
        current = await _status(generations)
        if current["building"] != body.generation:
            raise HTTPException(409, {"rule": "not_building", "reason": f"generation {body.generation} is not "
                                      "being built"})
        if "digests" not in current:
            raise HTTPException(409, {"rule": "not_caught_up", "reason": "wait until both generations have "
                                      "caught up with the log"})
        if not current["identical"] and not body.accept_difference.strip():
            raise HTTPException(409, {"rule": "digests_differ", "reason": "the rebuilt read models differ "
                                      "from the live ones; give accept_difference to switch anyway",
                                      "digests": current["digests"]})
        switched = await generations.switch(body.generation)
        return {**switched, "digests": current["digests"], "identical": current["identical"]}

    return router
