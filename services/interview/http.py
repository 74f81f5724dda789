from __future__ import annotations

from fastapi import APIRouter

from services.interview.domain import RecordInterviewScore
from shared.directory_http import directory_routes
from shared.http import command_route


def routes() -> APIRouter:
    router = APIRouter(tags=["interview"])
    router.include_router(directory_routes())
    command_route(router, "/interview-scores", RecordInterviewScore)

    return router
