"""Audit over HTTP: verify every stream's hash chain, export a cycle's trail (JSON Lines or CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response

from shared.audit import Report, cycle_trail, to_csv, to_jsonl, verify_log
from shared.contracts.base import ID_PATTERN

CycleId = Annotated[str, Path(pattern=ID_PATTERN)]
FORMATS = {"jsonl": (to_jsonl, "application/x-ndjson"), "csv": (to_csv, "text/csv")}


def audit_routes() -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get("/verify")
    async def verify(request: Request) -> Report:
        """Check every event topic: 200 either way; `intact` says whether every chain holds, and
        `first_break` names the first record that breaks one (topic, partition, offset, event)."""
        rt = request.app.state.runtime
        return await verify_log(rt.log, rt.settings.namespace)

    @router.get("/cycles/{cycle_id}/events.{export_format}", response_class=Response)
    async def export(cycle_id: CycleId, export_format: Literal["jsonl", "csv"], request: Request) -> Response:
        """The cycle's events in canonical order (by event id, then stream and sequence), exact republishes
        once: JSON Lines (one envelope a line, as the log stores it) or CSV (the payload as canonical JSON
        in the last column). The same log gives the same bytes."""
        rt = request.app.state.runtime
        events = await cycle_trail(rt.log, rt.settings.namespace, cycle_id)
        if not events:
            raise HTTPException(404, {"rule": "unknown_cycle", "reason": f"no events of cycle {cycle_id} in the log"})
        render, media_type = FORMATS[export_format]
        headers = {"Content-Disposition": f'attachment; filename="{cycle_id}-events.{export_format}"',
                   "X-Event-Count": str(len(events))}
        return Response(render(events), media_type=media_type, headers=headers)

    return router

