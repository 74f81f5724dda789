"""Leaderboards rebuilt from the log alone: as they stood at a time or up to an event, and every
board of a cycle as a reproducible CSV.

Reading (`read_events`) is apart from the pure part: the kept envelopes, in (occurred_at,
event_id) order, go through the same projections the ranking service keeps (CycleDirectory,
Standings, Shortlists) in memory, then through the pure `leaderboard`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import Standings
from services.ranking.trail import aware, chronological
from shared import topics
from shared.codec import PoisonRecord, decode
from shared.contracts.base import DomainEvent
from shared.directory import CycleDirectory, parsed_config
from shared.envelope import Envelope, canonical_json
from shared.ports import EventLog
from shared.projection import Projection, View, apply_once
from shared.shortlists import Shortlists, shortlist_key

Pair = tuple[Envelope, DomainEvent]
LISTS = ("ranked", "incomplete", "not_shortlisted", "disqualified", "withdrawn")
CSV_COLUMNS = ("cycle_id", "category_id", "province", "stage", "place", "candidate_id", "name",
               "total", "document_total", "interview_total", "indicators")


async def read_events(log: EventLog, namespace: str) -> list[Pair]:
    """Every decodable event of every service's events topic (a poison record never counted)."""
    pairs: list[Pair] = []
    for service in topics.SERVICES:
        async for record in log.read_all(topics.events(namespace, service)):
            try:
                pairs.append(decode(record.value))
            except PoisonRecord:
                continue
    return pairs


def up_to(pairs: Iterable[Pair], at: datetime | None = None, until_event: str | None = None) -> list[Pair]:
    """The events that had happened at `at` (inclusive), or up to the event `until_event` (inclusive:
    uuid7 ids order by time), in (occurred_at, event_id) order."""
    def kept(envelope: Envelope) -> bool:
        return (at is None or aware(envelope.occurred_at) <= at) and (
            until_event is None or envelope.event_id <= until_event)

    return sorted((pair for pair in pairs if kept(pair[0])), key=chronological)


def fold(projection: Projection, pairs: Iterable[Pair]) -> dict[str, View]:
    """A projection's documents, in memory, after the events in their order (each applied once)."""
    docs: dict[str, View] = {}
    for envelope, event in pairs:
        doc_id = projection.doc_id(envelope, event)
        if doc_id is not None:
            updated = apply_once(projection, docs.get(doc_id, {}), envelope, event)
            if updated is not None:
                docs[doc_id] = updated
    return docs


@dataclass(frozen=True)
class Views:
    cycles: dict[str, View]
    standings: dict[str, View]
    shortlists: dict[str, View]


def views(pairs: list[Pair]) -> Views:
    """The ranking service's read models after these events (pass them in order: see `up_to`)."""
    return Views(fold(CycleDirectory(), pairs), fold(Standings(), pairs), fold(Shortlists(), pairs))


def _on_board(standing: View, cycle_id: str, category_id: str, province: str) -> bool:
    return (standing.get("cycle_id"), standing.get("category_id"), standing.get("province")) == (
        cycle_id, category_id, province)


def board(known: Views, cycle_id: str, category_id: str, province: str) -> dict[str, Any] | None:
    """One provincial board as the live service would answer it, or None if the cycle or category
    was not known (yet)."""
    cycle = known.cycles.get(cycle_id)
    category = parsed_config(cycle["config"]).category(category_id) if cycle else None
    if category is None:
        return None
    standings = [s for _id, s in sorted(known.standings.items()) if _on_board(s, cycle_id, category_id, province)]
    settled = known.shortlists.get(shortlist_key(cycle_id, category_id, province))
    board_ = leaderboard(category.rubric, standings, settled["shortlisted"] if settled else None)
    return {"cycle_id": cycle_id, "category_id": category_id, "province": province, **board_}


def boards(known: Views, cycle_id: str) -> list[dict[str, Any]]:
    """Every board of a cycle that has a candidate, by category then province."""
    where = sorted({(s["category_id"], s["province"]) for s in known.standings.values()
                    if s.get("cycle_id") == cycle_id and "category_id" in s})
    found = (board(known, cycle_id, category_id, province) for category_id, province in where)
    return [b for b in found if b is not None]


def places(board_: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each candidate of a board once: its list, its rank if ranked, and its row if the list has rows."""
    for name in LISTS:
        for entry in board_[name]:
            row = entry if isinstance(entry, dict) else None
            yield {"list": name, "rank": row.get("rank") if row and name == "ranked" else None,
                   "candidate_id": row["candidate_id"] if row else entry, "row": row}


def place_on(board_: dict[str, Any] | None, candidate_id: str) -> dict[str, Any] | None:
    return next((p for p in places(board_) if p["candidate_id"] == candidate_id), None) if board_ else None


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def leaderboards_csv(known: Views, cycle_id: str) -> str:
    """Every board of the cycle, a row per candidate and board, in board then list order: the same
    events always give the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for board_ in boards(known, cycle_id):
        for place in places(board_):
            row = place["row"] or {}
            name = row.get("name", known.standings.get(place["candidate_id"], {}).get("name"))
            writer.writerow([
                cycle_id, board_["category_id"], board_["province"], board_["stage"],
                place["rank"] if place["rank"] is not None else place["list"], place["candidate_id"], name or "",
                _number(row.get("total")), _number(row.get("document_total")), _number(row.get("interview_total")),
                canonical_json(row["indicators"]).decode() if row else "",
            ])
    return out.getvalue()
