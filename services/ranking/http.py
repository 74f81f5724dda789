from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import STANDINGS
from shared.contracts.cycle_config import CycleConfig
from shared.directory import CYCLES
from shared.http import runtime
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]


def routes() -> APIRouter:
    router = APIRouter(tags=["ranking"])

    @router.get("/leaderboards/{cycle_id}/{category_id}/provinces/{province}")
    async def provincial_leaderboard(cycle_id: str, category_id: str, province: str, rt: Rt):
        cycle = await rt.store.get(CYCLES, cycle_id)
        category = CycleConfig.model_validate(cycle["config"]).category(category_id) if cycle else None
        if category is None:
            raise HTTPException(404, f"no category {category_id} in cycle {cycle_id}")
        where = {"cycle_id": cycle_id, "category_id": category_id, "province": province}
        standings = await rt.store.find(STANDINGS, where)
        board = leaderboard(category.rubric, standings)
        return {"cycle_id": cycle_id, "category_id": category_id, "province": province, **board}

    @router.get("/standings/{candidate_id}")
    async def standing(candidate_id: str, rt: Rt):
        doc = await rt.store.get(STANDINGS, candidate_id)
        if doc is None:
            raise HTTPException(404, f"no standing for candidate {candidate_id}")
        return {k: v for k, v in doc.items() if k != "_id"}

    return router
