from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.interview.domain import RecordInterviewScore
from shared.directory_http import directory_routes
from shared.http import CorrelationId, CurrentActor, IdempotencyKey, accepted, runtime
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]


def routes() -> APIRouter:
    router = APIRouter(tags=["interview"])
    router.include_router(directory_routes())

    @router.post("/interview-scores", status_code=201)
    async def record_interview_score(
        body: RecordInterviewScore, rt: Rt, who: CurrentActor, cid: CorrelationId, idempotency_key: IdempotencyKey = None
    ):
        return accepted(await rt.submit(body, who, cid, idempotency_key))

    return router
