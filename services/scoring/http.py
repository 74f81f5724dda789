from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from services.scoring.domain import AmendScore, ScoreIndicator
from shared.directory_http import directory_routes
from shared.http import CorrelationId, CurrentActor, IdempotencyKey, accepted, runtime
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]
ExpectedVersion = Annotated[int | None, Query(ge=0)]


def routes() -> APIRouter:
    router = APIRouter(tags=["scoring"])
    router.include_router(directory_routes())

    @router.post("/scores", status_code=201)
    async def score_indicator(
        body: ScoreIndicator, rt: Rt, who: CurrentActor, cid: CorrelationId, idempotency_key: IdempotencyKey = None
    ):
        return accepted(await rt.submit(body, who, cid, idempotency_key))

    @router.post("/amendments", status_code=201)
    async def amend_score(
        body: AmendScore,
        rt: Rt,
        who: CurrentActor,
        cid: CorrelationId,
        idempotency_key: IdempotencyKey = None,
        expected_version: ExpectedVersion = None,
    ):
        return accepted(await rt.submit(body, who, cid, idempotency_key, expected_version))

    @router.get("/candidates/{candidate_id}/scores")
    async def score_sheet(candidate_id: str, rt: Rt):
        doc = await rt.store.get("aggregates", f"score-sheet/{candidate_id}")
        if doc is None:
            raise HTTPException(404, f"no scores for candidate {candidate_id}")
        return {"version": doc["version"], **doc["state"]}

    return router
