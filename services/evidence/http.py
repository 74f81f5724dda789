from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from typing import Annotated as A

from fastapi import Path, Query

from fastapi import Request
from fastapi.responses import FileResponse

from services.evidence.documents import media_type_of, safe_filename
from services.evidence.membership_http import membership_routes
from services.evidence.domain import (
    AttachDocument, CandidateEvidence, CorrectCoverageFigure, EvidenceState, ScreenCandidate, SubmitCoverageFigure,
    VerifyEvidence,
)
from shared.blobs import BlobStore, Corrupted, Stored, TooLarge
from shared import bulk
from shared.directory import CANDIDATES, look_up
from shared.directory_http import directory_routes
from shared.contracts.base import ID_PATTERN
from shared.contracts.evidence import CoverageBreakdown
from shared.http import (
    CorrelationId, CurrentActor, IdempotencyKey, accepted, bulk_response, command_route, runtime,
)
from shared.processor import stored_aggregate
from shared.runtime import Runtime

Rt = Annotated[Runtime, Depends(runtime)]


FIGURE_COLUMNS = (
    ("figure_id", "candidate_id", "period", "workers_eligible", "workers_enrolled", "source"),
    ("arrears_months", *CoverageBreakdown.model_fields),
)


def blobs(rt: Runtime) -> BlobStore:
    return BlobStore(rt.settings.data_dir / f"{rt.settings.namespace}-blobs")


def routes() -> APIRouter:
    router = APIRouter(tags=["evidence"])
    router.include_router(directory_routes())
    router.include_router(membership_routes())
    command_route(router, "/coverage-figures", SubmitCoverageFigure)
    command_route(router, "/coverage-figures/corrections", CorrectCoverageFigure)
    command_route(router, "/verifications", VerifyEvidence, "Verify or reject evidence (a rejection needs a reason)")

    @router.post("/coverage-figures/import", status_code=201)
    async def import_coverage_figures(
        request: Request, rt: Rt, who: CurrentActor, cid: CorrelationId, idempotency_key: IdempotencyKey = None
    ):
        """Coverage figures from CSV as BPJS Ketenagakerjaan exports them (UTF-8; columns figure_id,
        candidate_id, period, workers_eligible, workers_enrolled, source; optionally arrears_months,
        wage_earners_enrolled (PU), non_wage_earners_enrolled (BPU), jkk/jkm/jht/jp_enrolled,
        non_civil_servant_staff(_enrolled), vulnerable_workers_protected, vulnerable_workers_payer,
        village_budget_workers).
        Every row is validated first; if any is rejected, nothing is recorded."""

        async def check(command: SubmitCoverageFigure) -> None:
            doc = await stored_aggregate(rt.store, f"candidate-evidence/{command.candidate_id}")
            state = EvidenceState.model_validate(doc["state"]) if doc else EvidenceState()
            CandidateEvidence().decide(command, state, await look_up(rt.store, command.candidate_id))

        validation = bulk.Validation(SubmitCoverageFigure, "figure_id")
        return await bulk_response(
            bulk.run_import(request.stream(), rt, who, cid, idempotency_key or cid, validation, FIGURE_COLUMNS, check)
        )

    @router.post("/screenings", status_code=201)
    async def screen_cycle(
        rt: Rt, who: CurrentActor, cid: CorrelationId,
        cycle_id: A[str, Query(pattern=ID_PATTERN)],
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

    @router.post("/candidates/{candidate_id}/documents", status_code=201)
    async def attach_document(
        candidate_id: A[str, Path(pattern=ID_PATTERN)], request: Request, rt: Rt, who: CurrentActor,
        cid: CorrelationId,
        indicator_id: A[str, Query(pattern=ID_PATTERN)],
        title: A[str, Query(min_length=1, max_length=300)],
        filename: A[str, Query(min_length=1, max_length=200)],
        replaces: A[str | None, Query(pattern=ID_PATTERN)] = None,
        idempotency_key: IdempotencyKey = None,
    ):
        """Upload a supporting document (PDF, PNG, JPEG, XLSX or CSV; the request body is the file).
        It is stored by its SHA-256; the event records the hash, never the bytes. `replaces` names
        an earlier document of the candidate that this one replaces."""
        name = safe_filename(filename)
        declared = request.headers.get("content-type", "").split(";")[0].strip()

        def typed(file: Stored) -> str:  # checked before the file is kept: a refused file is not stored
            return media_type_of(file.head, declared, name, file.size)

        try:
            stored = await blobs(rt).save(request.stream(), rt.settings.max_document_bytes, typed)
        except TooLarge as exc:
            raise HTTPException(413, {"rule": "file_too_large", "reason": str(exc)}) from exc
        media_type = typed(stored)
        command = AttachDocument(
            document_id=f"doc-{stored.sha256[:24]}", candidate_id=candidate_id, indicator_id=indicator_id,
            title=title, filename=name, media_type=media_type, size=stored.size, sha256=stored.sha256,
            replaces=replaces,
        )
        return accepted(await rt.submit(command, who, cid, idempotency_key))

    @router.get("/candidates/{candidate_id}/documents/{sha256}")
    async def download_document(candidate_id: str, sha256: A[str, Path(pattern=r"^[0-9a-f]{64}$")], rt: Rt):
        """A file the candidate's evidence holds, its hash checked again before it is sent; always as
        an attachment that browsers neither render nor sniff."""
        doc = await stored_aggregate(rt.store, f"candidate-evidence/{candidate_id}")
        documents = EvidenceState.model_validate(doc["state"]).documents if doc else {}
        if not any(d.sha256 == sha256 for d in documents.values()):
            raise HTTPException(404, {"rule": "unknown_document",
                                      "reason": f"candidate {candidate_id} has no document {sha256}"})
        try:
            path = blobs(rt).verified(sha256)
        except LookupError as exc:
            raise HTTPException(404, {"rule": "unknown_document", "reason": str(exc)}) from exc
        except Corrupted as exc:
            raise HTTPException(500, {"rule": "stored_file_corrupted", "reason": str(exc)}) from exc
        headers = {"X-Content-SHA256": sha256, "X-Content-Type-Options": "nosniff",
                   "Content-Disposition": f'attachment; filename="{sha256[:16]}"'}
        return FileResponse(path, media_type="application/octet-stream", headers=headers)

    @router.get("/candidates/{candidate_id}/evidence")
    async def candidate_evidence(candidate_id: str, rt: Rt):
        doc = await stored_aggregate(rt.store, f"candidate-evidence/{candidate_id}")
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_candidate",
                                      "reason": f"no evidence for candidate {candidate_id}"})
        return {"version": doc["version"], **doc["state"]}

    return router
