"""Read-only routes over the registration directory, for the services that follow it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from shared.directory import CANDIDATES, CYCLES


def directory_routes() -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.get("/directory/candidates/{candidate_id}")
    async def known_candidate(candidate_id: str, request: Request):
        doc = await request.app.state.runtime.store.get(CANDIDATES, candidate_id)
        if doc is None:
            raise HTTPException(404, f"candidate {candidate_id} is not known here (yet)")
        return {k: v for k, v in doc.items() if not k.startswith("_")}

    @router.get("/directory/cycles/{cycle_id}")
    async def known_cycle(cycle_id: str, request: Request):
        doc = await request.app.state.runtime.store.get(CYCLES, cycle_id)
        if doc is None:
            raise HTTPException(404, f"cycle {cycle_id} is not known here (yet)")
        return {k: v for k, v in doc.items() if not k.startswith("_")}

    return router
