"""The cycles, a cycle's progress per province and its coverage per province, from read models only
(services.ranking.progress, the cycle directory, the shortlists and the board statuses).

A provincial role (a province's committee) is answered for its own provinces only; organisers,
auditors and whoever acts for every province for all of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from services.ranking.progress import PROGRESS, count_coverage, count_progress, totals
from shared.access import answered_provinces
from shared.board_status import BOARD_STATUS
from shared.directory import CYCLES
from shared.http import runtime
from shared.ports import ReadStore
from shared.runtime import Runtime
from shared.shortlists import SHORTLISTS

Rt = Annotated[Runtime, Depends(runtime)]
CategoryId = Annotated[str | None, Query(max_length=200, description="one category only")]


async def _find(store: ReadStore, collection: str, where: dict[str, Any], provinces: list[str] | None) -> list[dict]:
    if provinces is None:
        return await store.find(collection, where)
    found: list[dict] = []
    for province in provinces:
        found += await store.find(collection, {**where, "province": province})
    return found


def _cycle_summary(doc: dict) -> dict[str, Any]:
    config = doc.get("config") or {}
    return {"cycle_id": config.get("cycle_id", doc.get("_id")), "edition_year": config.get("edition_year"),
            "name": config.get("name"), "stage": doc.get("stage"),
            "categories": [{"id": c.get("id"), "name": c.get("name")} for c in config.get("categories", [])]}


async def _cycle(rt: Runtime, cycle_id: str) -> dict[str, Any]:
    doc = await rt.store.get(CYCLES, cycle_id)
    if doc is None or "config" not in doc:
        raise HTTPException(404, {"rule": "unknown_cycle", "reason": f"no cycle {cycle_id}"})
    return _cycle_summary(doc)


def progress_routes() -> APIRouter:
    router = APIRouter(tags=["progress"])

    @router.get("/cycles")
    async def cycles(rt: Rt):
        """Every cycle ranking knows: id, edition year, name, stage and categories, newest edition first."""
        found = [_cycle_summary(doc) for doc in await rt.store.find(CYCLES) if "config" in doc]
        return {"cycles": sorted(found, key=lambda c: (-(c["edition_year"] or 0), c["cycle_id"]))}

    @router.get("/progress/{cycle_id}")
    async def progress(cycle_id: str, request: Request, rt: Rt, category_id: CategoryId = None):
        """Per province: candidates registered, withdrawn, screened, found eligible, scored by an
        assessor, shortlisted, interviewed, and categories published; a provincial role sees its
        own provinces (each listed, even at zero), organisers and auditors every province."""
        cycle = await _cycle(rt, cycle_id)
        scope = answered_provinces(request)
        where = {"cycle_id": cycle_id, **({"category_id": category_id} if category_id else {})}
        candidates = await _find(rt.store, PROGRESS, where, scope)
        shortlists = await _find(rt.store, SHORTLISTS, where, scope)
        boards = await _find(rt.store, BOARD_STATUS, where, scope)
        per_province = count_progress(candidates, shortlists, boards, scope)
        return {**cycle, "category_id": category_id, "scope": "all" if scope is None else scope,
                "provinces": per_province, "total": totals(per_province)}

    @router.get("/coverage/{cycle_id}/provinces")
    async def coverage(cycle_id: str, request: Request, rt: Rt, category_id: CategoryId = None):
        """Per province: workers enrolled of workers eligible, summed over the province's candidates,
        each by its latest verified coverage figure (one rejected since no longer counts)."""
        cycle = await _cycle(rt, cycle_id)
        scope = answered_provinces(request)
        where = {"cycle_id": cycle_id, **({"category_id": category_id} if category_id else {})}
        per_province = count_coverage(await _find(rt.store, PROGRESS, where, scope), scope)
        return {**cycle, "category_id": category_id, "scope": "all" if scope is None else scope,
                "provinces": per_province}

    return router
