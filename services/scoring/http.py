from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from services.scoring.commands import AmendScore, ConfirmScore, ScoreIndicator
from services.scoring.evidence_index import EVIDENCE
from shared.directory_http import directory_routes
from shared.http import command_route, runtime
from shared.processor import stored_aggregate
from shared.runtime import Runtime
from shared.projection import without_bookkeeping

Rt = Annotated[Runtime, Depends(runtime)]


def routes() -> APIRouter:
    router = APIRouter(tags=["scoring"])
    router.include_router(directory_routes())
    command_route(router, "/scores", ScoreIndicator)
    command_route(router, "/amendments", AmendScore, "Amend a score (a reason is required; nothing is overwritten)")
    command_route(router, "/confirmations", ConfirmScore, "Keep a score flagged for review, saying why")

    @router.get("/candidates/{candidate_id}/scores")
    async def score_sheet(candidate_id: str, rt: Rt):
        doc = await stored_aggregate(rt.store, f"score-sheet/{candidate_id}")
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_candidate", "reason": f"no scores for candidate {candidate_id}"})
        return {"version": doc["version"], **doc["state"]}

    @router.get("/candidates/{candidate_id}/citable-evidence")
    async def citable_evidence(candidate_id: str, rt: Rt):
        """The candidate's evidence as scoring sees it; only submitted or verified items may be cited."""
        doc = await rt.store.get(EVIDENCE, candidate_id)
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_candidate",
                                      "reason": f"no evidence known here for candidate {candidate_id}"})
        return without_bookkeeping(doc)

    return router
