"""Insight over HTTP: why a candidate has its rank, a board as of a time or event, every board of
a cycle as CSV, and a subject's history across cycles. Refusals say `rule` and `reason`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from services.ranking.explain import Unexplained, explain, registration_of
from services.ranking.history import KINDS, appearances, board_facts, cycle_config, year_on_year
from services.ranking.leaderboard import leaderboard
from services.ranking.replay import board, leaderboards_csv, read_events, up_to, views
from services.ranking.trail import AUDIT_TRAILS, cycle_trail_id
from shared.http import runtime
from shared.runtime import Runtime
from shared.shortlists import shortlist_key

Rt = Annotated[Runtime, Depends(runtime)]


def _refuse(status: int, rule: str, reason: str) -> HTTPException:
    return HTTPException(status, {"rule": rule, "reason": reason})


def _moment(at: str | None, until_event: str | None) -> tuple[datetime | None, str | None]:
    if (at is None) == (until_event is None):
        raise _refuse(422, "one_point_in_time", "give exactly one of `at` (ISO datetime) or `until_event` (event id)")
    if until_event is not None:
        try:
            return None, str(uuid.UUID(until_event))
        except ValueError:
            raise _refuse(422, "bad_event_id", f"until_event {until_event!r} is not an event id (a uuid)") from None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise _refuse(422, "bad_datetime", f"at {at!r} is not an ISO 8601 datetime") from None
    if moment.tzinfo is None:
        raise _refuse(422, "datetime_without_zone", f"at {at!r} needs its time zone, e.g. {at}+07:00 or {at}Z")
    return moment, None


async def _explanation(rt: Runtime, candidate_id: str) -> dict[str, Any]:
    store = rt.store
    trail = await store.get(AUDIT_TRAILS, candidate_id)
    registered = registration_of(trail) if trail and trail.get("subject") == "candidate" else None
    if registered is None:
        raise _refuse(404, "unknown_candidate", f"no registered candidate {candidate_id} in the audit trails (yet)")
    ids = (registered.cycle_id, registered.category_id, registered.province)
    config = await cycle_config(store, registered.cycle_id)
    category = config.category(registered.category_id) if config else None
    if category is None:
        raise _refuse(409, "cycle_not_known", f"cycle {registered.cycle_id} is not known here yet; retry shortly")
    standings, shortlist = await board_facts(store, *ids)
    others = [s["candidate_id"] for s in standings if s["candidate_id"] != candidate_id]
    # only z-score moves a total by other candidates' scores: their trails are read only then
    peers = [await store.get(AUDIT_TRAILS, c) for c in others] if category.rubric.aggregation == "zscore" else []
    try:
        return explain(
            trail,
            await store.get(AUDIT_TRAILS, cycle_trail_id(registered.cycle_id)) or {},
            await store.get(AUDIT_TRAILS, shortlist_key(*ids)),
            [p for p in peers if p],
            {"cycle_id": registered.cycle_id, **leaderboard(category.rubric, standings, shortlist)},
        )
    except Unexplained as exc:
        raise _refuse(409, "trail_incomplete", f"{exc}; retry shortly") from None


def insight_routes() -> APIRouter:
    router = APIRouter(tags=["insight"])

    @router.get("/candidates/{candidate_id}/explanation")
    async def explanation(candidate_id: str, rt: Rt) -> dict[str, Any]:
        """Every fact behind the candidate's totals in order (who, when, what), the aggregation per
        indicator, the totals recomputed from those facts alone, its live rank and whether they agree."""
        return await _explanation(rt, candidate_id)

    @router.get("/leaderboards/{cycle_id}/{category_id}/provinces/{province}/as-of")
    async def as_of(cycle_id: str, category_id: str, province: str, rt: Rt,
                    at: str | None = None, until_event: str | None = None) -> dict[str, Any]:
        """The board as it stood at `at` or just after the event `until_event` (both inclusive),
        rebuilt from the log."""
        moment, event_id = _moment(at, until_event)
        pairs = await read_events(rt.log, rt.settings.namespace)
        if event_id is not None and all(envelope.event_id != event_id for envelope, _event in pairs):
            raise _refuse(404, "unknown_event", f"no event {event_id} in the log")
        kept = up_to(pairs, moment, event_id)
        found = board(views(kept), cycle_id, category_id, province)
        if found is None:
            raise _refuse(404, "unknown_category", f"no category {category_id} in cycle {cycle_id} at that point")
        point = {"at": moment.isoformat() if moment else None, "until_event": event_id, "events": len(kept),
                 "last_event_id": kept[-1][0].event_id if kept else None}
        return {**found, "as_of": point}

    @router.get("/exports/{cycle_id}/leaderboards.csv", response_class=Response)
    async def leaderboards_export(cycle_id: str, rt: Rt) -> Response:
        """Every provincial board of the cycle rebuilt from the whole log: the same log, the same bytes."""
        known = views(up_to(await read_events(rt.log, rt.settings.namespace)))
        if cycle_id not in known.cycles:
            raise _refuse(404, "unknown_cycle", f"no cycle {cycle_id} in the log")
        headers = {"Content-Disposition": f'attachment; filename="{cycle_id}-leaderboards.csv"'}
        return Response(leaderboards_csv(known, cycle_id).encode(), media_type="text/csv", headers=headers)

    @router.get("/history/{kind}/{subject_key}")
    async def history(kind: str, subject_key: str, rt: Rt) -> dict[str, Any]:
        """A region's or business's totals, rank and coverage per cycle, and the change from the cycle before."""
        if kind not in KINDS:
            raise _refuse(422, "unknown_kind", f"kind must be one of {', '.join(KINDS)}")
        found = await appearances(rt.store, kind, subject_key)
        if not found:
            raise _refuse(404, "unknown_subject", f"no {kind} candidate with subject key {subject_key} in any cycle")
        return year_on_year(kind, subject_key, found)

    return router
