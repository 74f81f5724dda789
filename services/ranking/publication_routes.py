"""Publication, reopening, and the zone and national boards over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from services.ranking.national import NOMINATIONS, national_board, zone_board
from services.ranking.publication import ApproveReopening, PublishProvincialResults, RequestReopening
from shared.board_status import BOARD_STATUS
from shared.contracts.cycle_config import Rubric
from shared.directory import CYCLES, parsed_config
from shared.http import command_route, runtime
from shared.runtime import Runtime
from shared.shortlists import shortlist_key
from shared.projection import without_bookkeeping

Rt = Annotated[Runtime, Depends(runtime)]


async def _rubric(rt: Runtime, cycle_id: str, category_id: str) -> Rubric:
    cycle = await rt.store.get(CYCLES, cycle_id)
    category = parsed_config(cycle["config"]).category(category_id) if cycle else None
    if category is None:
        raise HTTPException(404, {"rule": "unknown_category",
                                  "reason": f"no category {category_id} in cycle {cycle_id}"})
    return category.rubric


def publication_routes() -> APIRouter:
    router = APIRouter(tags=["publication"])
    command_route(router, "/publications", PublishProvincialResults,
                  "Publish a province's final results of a category and nominate its top candidates")
    command_route(router, "/reopening-requests", RequestReopening,
                  "Ask to reopen published results (national chair or vice-chair, with a reason)")
    command_route(router, "/reopening-approvals", ApproveReopening,
                  "Approve a reopening (another national chair or vice-chair than the one who asked)")

    @router.get("/publications/{cycle_id}/{category_id}/provinces/{province}")
    async def publication(cycle_id: str, category_id: str, province: str, rt: Rt):
        """Whether the board is published or reopened, each publication's places and digest, and its
        nominations (withdrawn ones with `nominated` false)."""
        status = await rt.store.get(BOARD_STATUS, shortlist_key(cycle_id, category_id, province))
        if status is None:
            raise HTTPException(404, {"rule": "not_published",
                                      "reason": f"no results of {category_id} in {province} published (yet)"})
        where = {"cycle_id": cycle_id, "category_id": category_id, "province": province}
        nominations = await rt.store.find(NOMINATIONS, where)
        return {**without_bookkeeping(status), "nominations": [without_bookkeeping(n) for n in nominations]}

    @router.get("/leaderboards/{cycle_id}/{category_id}/zones/{zone}")
    async def zone_leaderboard(cycle_id: str, category_id: str, zone: str, rt: Rt):
        """The nominees of the zone's provinces ranked by their published totals; the first is the best in zone."""
        rubric = await _rubric(rt, cycle_id, category_id)
        nominations = await rt.store.find(NOMINATIONS, {"cycle_id": cycle_id, "category_id": category_id, "zone": zone})
        return {"cycle_id": cycle_id, "category_id": category_id, **zone_board(rubric, nominations, zone)}

    @router.get("/leaderboards/{cycle_id}/{category_id}/national")
    async def national_leaderboard(cycle_id: str, category_id: str, rt: Rt):
        """Every current nominee ranked by its published total, and the best of each zone."""
        rubric = await _rubric(rt, cycle_id, category_id)
        nominations = await rt.store.find(NOMINATIONS, {"cycle_id": cycle_id, "category_id": category_id})
        return {"cycle_id": cycle_id, "category_id": category_id, **national_board(rubric, nominations)}

    return router
