"""Read-only routes over the registration directory, for the services that follow it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from shared.directory import CANDIDATES, CYCLES
from shared.panel import PANELLISTS, panellist_key
from shared.projection import without_bookkeeping


async def _known(request: Request, collection: str, doc_id: str, what: str) -> dict:
    doc = await request.app.state.runtime.store.get(collection, doc_id)
    if doc is None:
        raise HTTPException(404, {"rule": "not_known_here", "reason": f"{what} is not known here (yet)"})
    return without_bookkeeping(doc)


def directory_routes() -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.get("/directory/candidates/{candidate_id}")
    async def known_candidate(candidate_id: str, request: Request):
        return await _known(request, CANDIDATES, candidate_id, f"candidate {candidate_id}")

    @router.get("/directory/cycles/{cycle_id}")
    async def known_cycle(cycle_id: str, request: Request):
        return await _known(request, CYCLES, cycle_id, f"cycle {cycle_id}")

    @router.get("/directory/panellists/{cycle_id}/{person_id}")
    async def known_panellist(cycle_id: str, person_id: str, request: Request):
        """A person's appointments and declared conflicts in a cycle, as this service sees them."""
        return await _known(request, PANELLISTS, panellist_key(cycle_id, person_id), f"{person_id} in {cycle_id}")

    return router
