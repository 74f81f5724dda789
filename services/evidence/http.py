from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from typing import Annotated as A

from fastapi import Query

from services.evidence.domain import CorrectCoverageFigure, ScreenCandidate, SubmitCoverageFigure, VerifyEvidence
from shared.directory import CANDIDATES
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

    @router.post("/coverage-figures/corrections", status_code=201)
    async def correct_coverage_figure(
        body: CorrectCoverageFigure, rt: Rt, who: CurrentActor, cid: CorrelationId,
        idempotency_key: IdempotencyKey = None,
    ):
        return accepted(await rt.submit(body, who, cid, idempotency_key))

    @router.post("/verifications", status_code=201)
    async def verify_evidence(
        body: VerifyEvidence, rt: Rt, who: CurrentActor, cid: CorrelationId, idempotency_key: IdempotencyKey = None
    ):
        """The committee secretary verifies or rejects a piece of evidence (a rejection needs a reason)."""
        return accepted(await rt.submit(body, who, cid, idempotency_key))

    @router.post("/screenings", status_code=201)
    async def screen_cycle(
        rt: Rt, who: CurrentActor, cid: CorrelationId,
        cycle_id: A[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")],
        idempotency_key: IdempotencyKey = None,
    ):
        """Screen every registered candidate of the cycle against its category's eligibility rules
        (the cycle must be in the screening stage); one CandidateScreened event per candidate."""
        candidates = await rt.store.find(CANDIDATES, {"cycle_id": cycle_id})
        key = idempotency_key or cid
        commands = [(ScreenCandidate(candidate_id=c["_id"]), f"screen-{key}-{c['_id']}") for c in candidates]
        outcomes = await rt.submit_many(commands, who, cid)
        refused = [o.model_dump(include={"aggregate_id", "rule", "reason"}) for o in outcomes if o.status != "accepted"]
        return {"screened": len(outcomes) - len(refused), "refused": refused}

    @router.get("/candidates/{candidate_id}/evidence")
    async def candidate_evidence(candidate_id: str, rt: Rt):
        doc = await rt.store.get("aggregates", f"candidate-evidence/{candidate_id}")
        if doc is None:
            raise HTTPException(404, f"no evidence for candidate {candidate_id}")
        return {"version": doc["version"], **doc["state"]}

    return router
