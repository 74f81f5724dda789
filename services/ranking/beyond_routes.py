"""What-if scenarios, assessor analytics and published proofs over HTTP.

Scenarios and analytics are for organisers and auditors only, proofs for anyone signed in
(shared/access.py says so for every route). Refusals say `rule` and `reason`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from services.ranking import analytics, proofs, whatif
from services.ranking.projections import STANDINGS
from services.ranking.replay import read_events, up_to
from services.ranking.scenarios import SCENARIOS, ExcludePanellist, SaveScenario
from services.ranking.trail import AUDIT_TRAILS, cycle_trail_id
from shared.board_status import BOARD_STATUS
from shared.contracts.base import Id
from shared.contracts.ranking import ScenarioSpec
from shared.http import command_route, runtime
from shared.runtime import Runtime
from shared.shortlists import shortlist_key
from shared.projection import without_bookkeeping

Rt = Annotated[Runtime, Depends(runtime)]


def _refuse(status: int, rule: str, reason: str) -> HTTPException:
    return HTTPException(status, {"rule": rule, "reason": reason})


class Preview(BaseModel):
    cycle_id: str = Id
    spec: ScenarioSpec


async def _outcome(rt: Runtime, cycle_id: str, spec: ScenarioSpec, label: str) -> dict[str, Any]:
    pairs = up_to(await read_events(rt.log, rt.settings.namespace))
    try:
        return whatif.outcome(pairs, cycle_id, spec, label)
    except whatif.ScenarioInvalid as invalid:
        status = 404 if invalid.rule == "unknown_cycle" else 422
        raise _refuse(status, invalid.rule, invalid.reason) from None


async def _saved(rt: Runtime, scenario_id: str) -> dict:
    doc = await rt.store.get(SCENARIOS, scenario_id)
    if doc is None or "spec" not in doc:
        raise _refuse(404, "unknown_scenario", f"no scenario {scenario_id} saved (yet)")
    return without_bookkeeping(doc)


def whatif_routes() -> APIRouter:
    router = APIRouter(tags=["what-if"])
    command_route(router, "/scenarios", SaveScenario, "Save a what-if scenario of a cycle (organisers, auditors)")
    command_route(router, "/panellist-exclusions", ExcludePanellist,
                  "Adopt a saved scenario's exclusion of an assessor or interviewer (national chair or vice-chair)")

    @router.get("/scenarios")
    async def saved(rt: Rt, cycle_id: str | None = None) -> list[dict]:
        """The saved scenarios (of one cycle, if given) and their adoptions."""
        docs = await rt.store.find(SCENARIOS, {"cycle_id": cycle_id} if cycle_id else None)
        return sorted((without_bookkeeping(d) for d in docs if "spec" in d),
                      key=lambda d: (d["cycle_id"], d["scenario_id"]))

    @router.post("/scenarios/preview")
    async def preview(body: Preview, rt: Rt) -> dict[str, Any]:
        """Run a scenario without saving it: every board of the cycle before and under it."""
        return await _outcome(rt, body.cycle_id, body.spec, "preview")

    @router.get("/scenarios/compare")
    async def compare(rt: Rt, ids: Annotated[list[str], Query(min_length=1)]) -> dict[str, Any]:
        """Saved scenarios side by side: each candidate's rank in the baseline and under each."""
        outcomes = {}
        for scenario_id in ids:
            scenario = await _saved(rt, scenario_id)
            outcomes[scenario_id] = await _outcome(rt, scenario["cycle_id"], ScenarioSpec.model_validate(
                scenario["spec"]), scenario_id)
        if len({o["cycle_id"] for o in outcomes.values()}) > 1:
            raise _refuse(422, "cycles_differ", "compare scenarios of one cycle")
        return whatif.compare(outcomes)

    @router.get("/scenarios/{scenario_id}")
    async def scenario(scenario_id: str, rt: Rt) -> dict[str, Any]:
        return await _saved(rt, scenario_id)

    @router.get("/scenarios/{scenario_id}/outcome")
    async def outcome(scenario_id: str, rt: Rt) -> dict[str, Any]:
        """The saved scenario run against the log as it is now: per board, who moves, by how much, why."""
        scenario = await _saved(rt, scenario_id)
        spec = ScenarioSpec.model_validate(scenario["spec"])
        return {"scenario_id": scenario_id, **await _outcome(rt, scenario["cycle_id"], spec, scenario_id)}

    return router


class PanellistQuery(analytics.Thresholds):
    """The thresholds, and which panellists: one category, one province, or all of the cycle."""

    category_id: str | None = None
    province: str | None = None


def analytics_routes() -> APIRouter:
    router = APIRouter(tags=["analytics"])

    @router.get("/analytics/{cycle_id}/panellists")
    async def panellists(cycle_id: str, rt: Rt, asked: Annotated[PanellistQuery, Query()]) -> dict[str, Any]:
        """Per assessor and interviewer: leniency, spread, agreement, amendments, deadlines, and flags
        with the events behind each."""
        pairs = up_to(await read_events(rt.log, rt.settings.namespace))
        where = {k: v for k, v in (("category_id", asked.category_id), ("province", asked.province)) if v}
        limits = analytics.Thresholds(**asked.model_dump(exclude={"category_id", "province"}))
        return analytics.panellists(pairs, cycle_id, limits, **where)

    return router


async def _board_leaves(rt: Runtime, board_id: str, cycle_id: str, where: dict, as_of) -> list[dict]:
    standings = await rt.store.find(STANDINGS, where)
    trails = [await rt.store.get(AUDIT_TRAILS, s["candidate_id"]) for s in standings]
    return proofs.leaves(trails, await rt.store.get(AUDIT_TRAILS, cycle_trail_id(cycle_id)),
                         await rt.store.get(AUDIT_TRAILS, board_id), as_of)


async def _published(rt: Runtime, cycle_id: str, category_id: str, province: str,
                     publication: int | None) -> tuple[dict, list[dict]]:
    """The publication (the last one unless given) and the leaves its root was computed over."""
    board_id = shortlist_key(cycle_id, category_id, province)
    status = await rt.store.get(BOARD_STATUS, board_id)
    published = (status or {}).get("publications", [])
    chosen = published[-1] if published and publication is None else next(
        (p for p in published if p["publication"] == publication), None)
    if chosen is None:
        which = "no publication" if publication is None else f"no publication {publication}"
        raise _refuse(404, "not_published", f"{which} of {board_id} (yet)")
    if chosen.get("merkle_root") is None:
        raise _refuse(404, "no_root", f"publication {chosen['publication']} of {board_id} recorded no root")
    where = {"cycle_id": cycle_id, "category_id": category_id, "province": province}
    as_of = datetime.fromisoformat(chosen["merkle_as_of"])
    entries = await _board_leaves(rt, board_id, cycle_id, where, as_of)
    rebuilt = proofs.merkle_root([e["hash"] for e in entries])
    if rebuilt != chosen["merkle_root"] or len(entries) != chosen["merkle_leaves"]:
        raise _refuse(409, "leaves_changed", f"the trails no longer give the {chosen['merkle_leaves']} events of root "
                      f"{chosen['merkle_root']} ({len(entries)} give {rebuilt}); retry shortly, or audit the log")
    return {"board_id": board_id, **{k: chosen[k] for k in ("publication", "merkle_root", "merkle_leaves",
                                                              "merkle_as_of", "leaderboard_digest")}}, entries


def proof_routes() -> APIRouter:
    router = APIRouter(prefix="/publications/{cycle_id}/{category_id}/provinces/{province}", tags=["proofs"])

    @router.get("/proof-leaves")
    async def proof_leaves(cycle_id: str, category_id: str, province: str, rt: Rt,
                           publication: int | None = None) -> dict[str, Any]:
        """The events a publication's root is computed over, in leaf order (event id and hash)."""
        published, entries = await _published(rt, cycle_id, category_id, province, publication)
        return {**published, "leaves": [{"event_id": e["event_id"], "type": e["type"], "hash": e["hash"]}
                                        for e in entries]}

    @router.get("/proofs/{event_id}")
    async def proof(cycle_id: str, category_id: str, province: str, event_id: str, rt: Rt,
                    publication: int | None = None) -> dict[str, Any]:
        """The event's inclusion proof under the publication's root (the last publication unless
        given): the event's envelope, its leaf index and the path; check it with
        `python -m paritrana.proofs_verify`."""
        published, entries = await _published(rt, cycle_id, category_id, province, publication)
        try:
            return {**published, **proofs.inclusion_proof(entries, event_id)}
        except proofs.NotALeaf as missing:
            raise _refuse(404, "not_a_leaf", str(missing)) from None

    return router


def beyond_routes() -> APIRouter:
    """Scenarios, analytics and proofs: include this one router in the ranking service."""
    router = APIRouter()
    for part in (whatif_routes(), analytics_routes(), proof_routes()):
        router.include_router(part)
    return router
