from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from services.ranking.audit_routes import audit_routes
from services.ranking.beyond_routes import beyond_routes
from services.ranking.insight_routes import insight_routes
from services.ranking.leaderboard import leaderboard
from services.ranking.plenary import SettleShortlist
from services.ranking.progress_routes import progress_routes
from services.ranking.projections import STANDINGS
from services.ranking.publication_routes import publication_routes
from services.ranking.rebuild import rebuild_routes
from shared.contracts.cycle_config import Category
from shared.directory import CYCLES, parsed_config
from shared.directory_http import directory_routes
from shared.http import command_route, runtime
from shared.runtime import Runtime
from shared.shortlists import SHORTLISTS, shortlist_key, shortlist_routes
from shared.projection import without_bookkeeping

Rt = Annotated[Runtime, Depends(runtime)]


async def _category(rt: Runtime, cycle_id: str, category_id: str) -> Category:
    cycle = await rt.store.get(CYCLES, cycle_id)
    category = parsed_config(cycle["config"]).category(category_id) if cycle else None
    if category is None:
        raise HTTPException(404, {"rule": "unknown_category",
                                  "reason": f"no category {category_id} in cycle {cycle_id}"})
    return category


def routes() -> APIRouter:
    router = APIRouter(tags=["ranking"])
    router.include_router(directory_routes())
    router.include_router(shortlist_routes())
    router.include_router(rebuild_routes())
    router.include_router(audit_routes())
    router.include_router(publication_routes())
    router.include_router(insight_routes())
    router.include_router(beyond_routes())
    router.include_router(progress_routes())
    command_route(router, "/shortlists", SettleShortlist,
                  "Settle a province's shortlist for a category (plenary); deviations from the ranking need reasons")

    @router.get("/leaderboards/{cycle_id}/{category_id}/provinces/{province}")
    async def provincial_leaderboard(cycle_id: str, category_id: str, province: str, rt: Rt):
        """The document-stage ranking until the plenary settles the shortlist; the final one after."""
        category = await _category(rt, cycle_id, category_id)
        where = {"cycle_id": cycle_id, "category_id": category_id, "province": province}
        standings = await rt.store.find(STANDINGS, where)
        settled = await rt.store.get(SHORTLISTS, shortlist_key(cycle_id, category_id, province))
        board = leaderboard(category.rubric, standings, settled["shortlisted"] if settled else None)
        return {"cycle_id": cycle_id, "category_id": category_id, "province": province, **board}

    @router.get("/standings/{candidate_id}")
    async def standing(candidate_id: str, rt: Rt):
        doc = await rt.store.get(STANDINGS, candidate_id)
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_candidate",
                                      "reason": f"no standing for candidate {candidate_id}"})
        return without_bookkeeping(doc)

    return router
