from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.evidence.domain import SubmitCoverageFigure
from shared.directory_http import directory_routes
from shared.http import CorrelationId, CurrentActor, IdempotencyKey, accepted, runtime
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]


def routes() -> APIRouter:
    router = APIRouter(tags=["evidence"])
    router.include_router(directory_routes())

    @router.post("/coverage-figures", status_code=201)
    async def submit_coverage_figure(
        body: SubmitCoverageFigure, rt: Rt, who: CurrentActor, cid: CorrelationId, idempotency_key: IdempotencyKey = None
    ):
        return accepted(await rt.submit(body, who, cid, idempotency_key))

    return router
