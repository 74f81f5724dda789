from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request

from pydantic import BaseModel, Field

from services.registration.cycle_files import InvalidCycleDocument, parse
from services.registration.domain import (
    AdvanceStage, Candidate, CandidateState, OpenCycle, RegisterCandidate, WithdrawCandidate, load_context,
)
from services.registration.people import AppointCommitteeMember, AppointPanellist, DeclareConflict
from services.registration.reference_http import reference_routes
from services.registration.reference_imports import VillageSource, blobs_root
from shared import bulk
from shared.contracts.cycle_config import CycleConfig, Stage
from shared.contracts.base import ID_PATTERN
from shared.http import (
    CorrelationId, CurrentActor, IdempotencyKey, accepted, bulk_response, command_route, runtime,
)
from shared.processor import stored_aggregate
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]
PathId = Annotated[str, Path(pattern=ID_PATTERN)]  # an id the command carries: refused with 422 unless a slug


class StageChange(BaseModel):
    to_stage: Stage


class Withdrawal(BaseModel):
    reason: str = Field(default="", max_length=2000)


def routes() -> APIRouter:
    router = APIRouter(tags=["registration"])
    router.include_router(reference_routes())
    command_route(router, "/candidates", RegisterCandidate)
    command_route(router, "/committee-members", AppointCommitteeMember)
    command_route(router, "/panellists", AppointPanellist, "Appoint an assessor or interviewer")
    command_route(router, "/conflicts", DeclareConflict, "Declare a conflict of interest with a candidate")

    @router.post("/cycles", status_code=201)
    async def open_cycle(
        config: CycleConfig, rt: Rt, who: CurrentActor, cid: CorrelationId, idempotency_key: IdempotencyKey = None
    ):
        return accepted(await rt.submit(OpenCycle(config=config), who, cid, idempotency_key))

    @router.post("/cycle-documents", status_code=201)
    async def open_cycle_from_document(
        rt: Rt, who: CurrentActor, cid: CorrelationId,
        document: Annotated[str, Body(media_type="application/yaml", max_length=1_000_000)],
        idempotency_key: IdempotencyKey = None,
    ):
        """Open a cycle from its YAML (or JSON) document, as shipped in services/registration/cycles/."""
        try:
            config = parse(document)
        except InvalidCycleDocument as invalid:
            raise HTTPException(422, invalid.errors) from invalid
        return accepted(await rt.submit(OpenCycle(config=config), who, cid, idempotency_key))

    @router.post("/cycles/{cycle_id}/stage", status_code=201)
    async def advance_stage(
        cycle_id: PathId, body: StageChange, rt: Rt, who: CurrentActor, cid: CorrelationId,
        idempotency_key: IdempotencyKey = None,
    ):
        command = AdvanceStage(cycle_id=cycle_id, to_stage=body.to_stage)
        return accepted(await rt.submit(command, who, cid, idempotency_key))

    @router.post("/candidates/{candidate_id}/withdrawal", status_code=201)
    async def withdraw_candidate(
        candidate_id: PathId, body: Withdrawal, rt: Rt, who: CurrentActor, cid: CorrelationId,
        idempotency_key: IdempotencyKey = None,
    ):
        command = WithdrawCandidate(candidate_id=candidate_id, reason=body.reason)
        return accepted(await rt.submit(command, who, cid, idempotency_key))

    @router.post("/candidates/import", status_code=201)
    async def import_candidates(
        request: Request, rt: Rt, who: CurrentActor, cid: CorrelationId,
        cycle_id: Annotated[str, Query(pattern=ID_PATTERN)],
        idempotency_key: IdempotencyKey = None,
    ):
        """Register candidates from a CSV body (UTF-8; columns candidate_id, category_id, kind, name,
        province, and optionally regency_code, employer_id, sector, size, village_code). Every row is
        validated first; if any is rejected, nothing is registered and the answer lists each rejected row."""
        return await import_csv(request, rt, who, cid, cycle_id, idempotency_key)

    @router.get("/people/{person_id}")
    async def person(person_id: str, rt: Rt):
        doc = await stored_aggregate(rt.store, f"person/{person_id}")
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_person", "reason": f"no appointments for {person_id}"})
        return {"version": doc["version"], **doc["state"]}

    @router.get("/cycles/{cycle_id}")
    async def get_cycle(cycle_id: str, rt: Rt):
        doc = await stored_aggregate(rt.store, f"cycle/{cycle_id}")
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_cycle", "reason": f"no cycle {cycle_id}"})
        return {"stage": doc["state"]["stage"], "config": doc["state"]["config"]}

    @router.get("/candidates/{candidate_id}")
    async def get_candidate(candidate_id: str, rt: Rt):
        doc = await stored_aggregate(rt.store, f"candidate/{candidate_id}")
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_candidate", "reason": f"no candidate {candidate_id}"})
        return {**doc["state"]["registered"], "withdrawn": doc["state"]["withdrawn"]}

    return router


CANDIDATE_COLUMNS = ("candidate_id", "category_id", "kind", "name", "province")
CANDIDATE_OPTIONAL = ("regency_code", "employer_id", "sector", "size", "village_code")


async def import_csv(request: Request, rt: Runtime, who, cid: str, cycle_id: str, key: str | None):
    context = await load_context(rt.store, cycle_id)

    async def check(command: RegisterCandidate) -> None:
        nonlocal context
        if command.village_code and context.regions is not None and context.regions.villages is None:
            context = await load_context(rt.store, cycle_id, VillageSource(blobs_root(rt.settings)))
        doc = await stored_aggregate(rt.store, f"candidate/{command.candidate_id}")
        Candidate().decide(command, CandidateState.model_validate(doc["state"]) if doc else CandidateState(), context)

    validation = bulk.Validation(RegisterCandidate, "candidate_id", {"cycle_id": cycle_id})
    return await bulk_response(
        bulk.run_import(request.stream(), rt, who, cid, key or cid, validation,
                        (CANDIDATE_COLUMNS, CANDIDATE_OPTIONAL), check)
    )
