"""Reference data routes: import villages as a new version, list the versions, look a village up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from services.registration import reference
from services.registration.reference_imports import (
    KIND, MAX_FILE_BYTES, REFERENCE_VERSIONS, ImportVillages, ReferenceDataVersion, VersionState, VillageFile,
    VillageSource, blobs_root, imported, resolve,
)
from shared.blobs import BlobStore
from shared.commands import Outcome, Rejected
from shared.contracts.base import ID_PATTERN
from shared.http import CorrelationId, CurrentActor, IdempotencyKey, accepted, runtime
from shared.processor import OUTCOMES, stored_aggregate
from shared.runtime import Runtime
from shared.spool import keep_checked

Rt = Annotated[Runtime, Depends(runtime)]
Version = Annotated[str, Path(pattern=ID_PATTERN)]
PROVISIONAL = {"villages": 1, "sha256": "0" * 64, "size": 1}  # what the rules look at before the file is read


def reference_routes() -> APIRouter:
    router = APIRouter(tags=["reference data"])

    @router.post("/reference-data/{version}/villages", status_code=201)
    async def import_villages(
        version: Version, request: Request, rt: Rt, who: CurrentActor, cid: CorrelationId,
        base: Annotated[str, Query(pattern=ID_PATTERN, description="the version whose provinces and regencies")],
        idempotency_key: IdempotencyKey = None,
    ):
        """Import villages from a CSV body (UTF-8; columns code, regency_code, name, as in the shipped
        villages file) as a new reference data version with the provinces and regencies of `base`.
        Every row is checked (code format, code inside its regency, regency in the base, no code
        twice); if any is rejected nothing is recorded and the answer lists the rejected rows and
        why. The file is stored by its SHA-256; the event records the hash and the count."""
        body = request.stream()
        try:
            command = await _checked_file(body, rt, who.id, version, base, idempotency_key)
        finally:
            async for _ in body:  # read to the end whatever the answer, so the client hears it
                pass
        if isinstance(command, Outcome):
            return accepted(command)
        return accepted(await rt.submit(command, who, cid, idempotency_key))

    @router.get("/reference-data")
    async def versions(rt: Rt):
        """Every version known, shipped and imported, with its counts."""
        listed = [await _describe(rt, version) for version in reference.KNOWN_VERSIONS]
        for doc in await rt.store.find(REFERENCE_VERSIONS, sort=[("imported_at", 1)]):
            listed.append(await _describe(rt, doc["_id"], doc.get("imported_at")))
        return {"versions": listed}

    @router.get("/reference-data/{version}")
    async def version_detail(version: Version, rt: Rt):
        if not await _known(rt, version):
            raise HTTPException(404, {"rule": "unknown_reference_data",
                                      "reason": f"no reference data version {version}"})
        return await _describe(rt, version)

    @router.get("/reference-data/{version}/villages/{code}")
    async def village(version: Version, code: Annotated[str, Path(pattern=reference.VILLAGE_CODE_PATTERN)], rt: Rt):
        regions = await resolve(rt.store, version, VillageSource(blobs_root(rt.settings)))
        if regions is None:
            raise HTTPException(404, {"rule": "unknown_reference_data",
                                      "reason": f"no reference data version {version}"})
        found = regions.village(code)
        if found is None:
            raise HTTPException(404, {"rule": "unknown_village",
                                      "reason": f"no village {code} in reference data {version}"})
        regency = regions.regency(found.regency_code)
        return {"version": version, "code": code, "name": found.name, "regency_code": found.regency_code,
                "regency": regency.name, "province": regency.province_id}

    return router


async def _checked_file(
    body: AsyncIterator[bytes], rt: Runtime, who: str, version: str, base: str, key: str | None
) -> ImportVillages | Outcome:
    """The command for a clean file, stored; the earlier outcome of the same import key; or an
    HTTPException saying why not (a rule, an unreadable file, rejected rows)."""
    known = await rt.store.get(OUTCOMES, key) if key else None
    if known is not None:
        return Outcome.model_validate({k: v for k, v in known.items() if k != "_id"})
    command = ImportVillages(version=version, base_version=base, imported_by=who, **PROVISIONAL)
    await _decide_early(rt, command)
    regions = await resolve(rt.store, base)
    check = VillageFile(regions.regencies)
    stored, size = await keep_checked(body, check, BlobStore(blobs_root(rt.settings)), MAX_FILE_BYTES)
    return command.model_copy(update={"villages": len(check.names), "sha256": stored.sha256, "size": size})


async def _decide_early(rt: Runtime, command: ImportVillages) -> None:
    """Refuse before reading the file what the version's aggregate would refuse anyway (it decides
    again on the real command: two imports racing for one version are settled there)."""
    aggregate = ReferenceDataVersion()
    doc = await stored_aggregate(rt.store, f"{KIND}/{command.version}")
    state = VersionState.model_validate(doc["state"]) if doc else VersionState()
    try:
        aggregate.decide(command, state, await aggregate.context(command, rt.store))
    except Rejected as rejection:
        raise HTTPException(rejection.status, {"rule": rejection.rule, "reason": rejection.reason}) from rejection


async def _known(rt: Runtime, version: str) -> bool:
    return version in reference.KNOWN_VERSIONS or await imported(rt.store, version) is not None


async def _describe(rt: Runtime, version: str, imported_at: str | None = None) -> dict:
    if version in reference.KNOWN_VERSIONS:
        regions = reference.load_with_villages(version)
        return {"version": version, "source": "shipped", "provinces": len(regions.provinces),
                "regencies": len(regions.regencies), "villages": len(regions.villages)}
    event = await imported(rt.store, version)
    regions = await resolve(rt.store, event.base_version)
    return {"version": version, "source": "imported", "base_version": event.base_version,
            "provinces": len(regions.provinces), "regencies": len(regions.regencies), "villages": event.villages,
            "sha256": event.sha256, "size": event.size, "imported_by": event.imported_by,
            **({"imported_at": imported_at} if imported_at else {})}
