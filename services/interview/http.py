from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from services.interview.domain import (
    AmendInterviewScore,
    CandidateInterview,
    RecordInterviewScore,
    RecordNoShow,
    ScheduleInterview,
)
from shared.directory_http import directory_routes
from shared.shortlists import shortlist_routes
from shared.http import command_route, runtime
from shared.processor import stored_aggregate
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]


def routes() -> APIRouter:
    router = APIRouter(tags=["interview"])
    router.include_router(directory_routes())
    router.include_router(shortlist_routes())
    command_route(router, "/interviews", ScheduleInterview)
    command_route(router, "/interview-scores", RecordInterviewScore)
    command_route(router, "/interview-amendments", AmendInterviewScore)
    command_route(router, "/no-shows", RecordNoShow)

    @router.get("/candidates/{candidate_id}/interview")
    async def interview(candidate_id: str, rt: Rt):
        doc = await stored_aggregate(rt.store, f"{CandidateInterview.kind}/{candidate_id}")
        if doc is None:
            raise HTTPException(404, {"rule": "not_scheduled", "reason": f"no interview for candidate {candidate_id}"})
        return {"version": doc["version"], **doc["state"]}

    return router
