"""Membership data routes: import a period's register of employers, screen it for a cycle, and
download the eligible employers as a candidates CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path as PathParam, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from services.evidence import membership
from services.evidence.membership_data import (
    ImportMembershipData, MembershipScreening, ScreeningContext, ScreeningState, ScreenMembership, imported,
    screened, screening_refusal,
)
from shared.blobs import BlobStore
from shared.contracts.base import ID_PATTERN
from shared.contracts.cycle_config import CycleConfig
from shared.directory import CYCLES, parsed_config
from shared.http import CorrelationId, CurrentActor, IdempotencyKey, accepted, runtime
from shared.processor import stored_aggregate
from shared.runtime import Runtime
from shared.spool import chunks_of, keep_checked

Rt = Annotated[Runtime, Depends(runtime)]
Period = Annotated[str, PathParam(pattern=r"^\d{4}-\d{2}$")]
MAX_FILE_BYTES = 512 * 1024 * 1024  # the full register (840,000 employers) is about 70 MB


def membership_blobs(rt: Runtime) -> BlobStore:
    return BlobStore(rt.settings.data_dir / f"{rt.settings.namespace}-membership")


class ScreeningRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cycle_id: str = Field(pattern=ID_PATTERN)
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    per_province: int = Field(ge=1, le=10_000, description="the best eligible put forward per province and category")


def membership_routes() -> APIRouter:
    router = APIRouter(tags=["membership data"])

    @router.post("/membership-data/{period}", status_code=201)
    async def import_membership(period: Period, request: Request, rt: Rt, who: CurrentActor, cid: CorrelationId,
                                idempotency_key: IdempotencyKey = None):
        """Import BPJS Ketenagakerjaan's register of employers for a period (UTF-8 CSV; columns
        employer_id, name, sector, size (micro, small, medium, large), province, regency_code,
        workers_eligible, workers_enrolled, arrears_months). Every row is checked; if any is rejected
        nothing is recorded and the answer lists the rejected rows and why. The file is kept by its
        SHA-256; the event records the hash and the totals per province."""
        if await imported(rt.store, period) is not None:
            raise HTTPException(409, {"rule": "membership_data_already_imported",
                                      "reason": f"the membership data of {period} was imported already"})
        command = await _checked_snapshot(request, rt, who.id, period)
        return accepted(await rt.submit(command, who, cid, idempotency_key))

    @router.get("/membership-data/{period}")
    async def snapshot(period: Period, rt: Rt):
        found = await imported(rt.store, period)
        if found is None:
            raise HTTPException(404, {"rule": "unknown_membership_data", "reason": f"no membership data for {period}"})
        return found.model_dump(mode="json")

    @router.post("/membership-screenings", status_code=201)
    async def screen_membership(asked: ScreeningRequest, rt: Rt, who: CurrentActor, cid: CorrelationId,
                                idempotency_key: IdempotencyKey = None):
        """Screen every employer of a period's snapshot for a cycle: each against the eligibility rules
        of the business category that admits its sector and size. The best `per_province` eligible
        per province and category (highest coverage first) become a CSV in the columns of the
        candidates import (`GET .../eligible.csv`), to register them."""
        cycle = await _screenable(rt, asked.cycle_id, asked.period)
        command = await _screened(rt, cycle, asked, who.id)
        return accepted(await rt.submit(command, who, cid, idempotency_key))

    @router.get("/membership-screenings/{cycle_id}/{period}")
    async def screening(cycle_id: Annotated[str, PathParam(pattern=ID_PATTERN)], period: Period, rt: Rt):
        return (await _screening_of(rt, cycle_id, period)).model_dump(mode="json")

    @router.get("/membership-screenings/{cycle_id}/{period}/eligible.csv")
    async def eligible(cycle_id: Annotated[str, PathParam(pattern=ID_PATTERN)], period: Period, rt: Rt):
        done = await _screening_of(rt, cycle_id, period)
        path = membership_blobs(rt).verified(done.eligible_sha256)
        return FileResponse(path, media_type="text/csv",
                            filename=f"eligible-{cycle_id}-{period}.csv", content_disposition_type="attachment")

    return router


async def _checked_snapshot(request: Request, rt: Runtime, who: str, period: str) -> ImportMembershipData:
    check = membership.MembershipFile()
    stored, size = await keep_checked(request.stream(), check, membership_blobs(rt), MAX_FILE_BYTES)
    return ImportMembershipData(period=period, employers=check.employers, by_province=check.by_province(),
                                sha256=stored.sha256, size=size, imported_by=who)


async def _screenable(rt: Runtime, cycle_id: str, period: str) -> CycleConfig:
    """The cycle, if a screening may be recorded; the rule that refuses it otherwise (asked before
    the snapshot is read; the aggregate decides again on the real command)."""
    cycle = await rt.store.get(CYCLES, cycle_id)
    snapshot = await imported(rt.store, period)
    doc = await stored_aggregate(rt.store, f"{MembershipScreening.kind}/{cycle_id}:{period}")
    state = ScreeningState.model_validate(doc["state"]) if doc else ScreeningState()
    context = ScreeningContext(stage=cycle.get("stage") if cycle else None,
                               snapshot_sha256=snapshot.sha256 if snapshot else None)
    refusal = screening_refusal(cycle_id, period, state, context)
    if refusal is not None:
        raise HTTPException(refusal.status, {"rule": refusal.rule, "reason": refusal.reason})
    return parsed_config(cycle["config"])


async def _screened(rt: Runtime, cycle: CycleConfig, asked: ScreeningRequest, who: str) -> ScreenMembership:
    period = asked.period
    snapshot = await imported(rt.store, period)
    blobs = membership_blobs(rt)
    source = blobs.verified(snapshot.sha256)
    with tempfile.TemporaryFile() as out:
        result = await asyncio.to_thread(_screen_file, source, cycle, asked.per_province, out)
        stored = await blobs.save(chunks_of(out), MAX_FILE_BYTES)
    return ScreenMembership(cycle_id=cycle.cycle_id, period=period, snapshot_sha256=snapshot.sha256,
                            considered=result.considered, eligible=result.eligible,
                            by_category=result.summary(), per_province=asked.per_province,
                            nominated=result.nominated, eligible_sha256=stored.sha256,
                            eligible_size=stored.size, screened_by=who)


def _screen_file(source: Path, cycle: CycleConfig, per_province: int, out) -> membership.Screening:
    with source.open(encoding="utf-8-sig", newline="") as rows:
        result = membership.screen(membership.employers(rows), membership.business_categories(cycle), per_province)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(membership.CANDIDATE_COLUMNS)
    writer.writerows(result.candidate_rows())
    text.flush()
    text.detach()
    return result


async def _screening_of(rt: Runtime, cycle_id: str, period: str):
    done = await screened(rt.store, cycle_id, period)
    if done is None:
        raise HTTPException(404, {"rule": "not_screened",
                                  "reason": f"{cycle_id} was not screened against the membership data of {period}"})
    return done
