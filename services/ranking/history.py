"""Year on year: one region's or business's totals, rank and coverage across cycles.

The same subject is recognised across cycles by its subject key, from what its registration says:

    province               the province id            (jawa-barat)
    regency_city           the regency/city code      (32.01)
    village                province:name as a slug    (jawa-barat:desa-sukamaju); registrations
                           carry no village code, so a renamed village starts a new history
    business, public_service  the BPJS employer id    (the registration's employer_id)

Totals come from each cycle's own rubric, whose weights may change from year to year: compare
them with the rubric version each entry names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import STANDINGS
from services.ranking.replay import place_on
from shared.contracts.cycle_config import CycleConfig
from shared.directory import CYCLES, parsed_config
from shared.ports import ReadStore
from shared.shortlists import SHORTLISTS, shortlist_key

KINDS = ("province", "regency_city", "village", "business", "public_service")
_KEY_FIELD = {"province": "province", "regency_city": "regency_code", "business": "employer_id",
              "public_service": "employer_id"}
COMPARED = ("document_total", "total", "coverage_ratio", "rank")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def subject_key(standing: dict[str, Any]) -> str | None:
    """The key that recognises this candidate's subject in other cycles, or None if its
    registration lacks it (a regency registered without its code, a business without employer id)."""
    kind = standing.get("kind")
    if kind == "village":
        return f"{standing.get('province')}:{_slug(standing.get('name') or '')}"
    return standing.get(_KEY_FIELD[kind]) if kind in _KEY_FIELD else None


def subject_filter(kind: str, key: str) -> dict[str, str]:
    """The equality filter on standings that finds a subject's candidates (villages then by name)."""
    if kind == "village":
        return {"kind": kind, "province": key.split(":", 1)[0]}
    return {"kind": kind, _KEY_FIELD[kind]: key}


@dataclass(frozen=True)
class Appearance:
    """The subject as a candidate of one cycle: the cycle's configuration, its standing, and its board."""

    config: CycleConfig
    standing: dict[str, Any]
    board_standings: list[dict[str, Any]]
    shortlist: list[str] | None


def _entry(appearance: Appearance) -> dict[str, Any]:
    config, standing = appearance.config, appearance.standing
    rubric = config.category(standing["category_id"]).rubric
    board = leaderboard(rubric, appearance.board_standings, appearance.shortlist)
    place = place_on(board, standing["candidate_id"]) or {"list": None, "rank": None, "row": None}
    row = place["row"] or {}
    return {
        "cycle_id": config.cycle_id, "edition_year": config.edition_year, "category_id": standing["category_id"],
        "rubric_version": rubric.version, "candidate_id": standing["candidate_id"], "name": standing.get("name"),
        "province": standing.get("province"), "stage": board["stage"], "list": place["list"], "rank": place["rank"],
        "document_total": row.get("document_total"), "total": row.get("total"),
        "coverage_ratio": (standing.get("coverage") or {}).get("ratio"),
    }


def _change(before: dict[str, Any] | None, now: dict[str, Any]) -> dict[str, Any] | None:
    if before is None:
        return None
    return {k: None if before[k] is None or now[k] is None else round(now[k] - before[k], 6) for k in COMPARED}


def year_on_year(kind: str, key: str, appearances: list[Appearance]) -> dict[str, Any]:
    """Per cycle, oldest edition first: stage, list and rank on its provincial board, document and
    final totals, coverage ratio, and the change of each from the cycle before (None where either
    side has no value; a rank going down the list is a positive change)."""
    entries = sorted((_entry(a) for a in appearances), key=lambda e: (e["edition_year"], e["cycle_id"]))
    cycles = [{**entry, "change": _change(before, entry)} for before, entry in zip([None, *entries], entries)]
    return {"kind": kind, "subject_key": key, "cycles": cycles}


async def cycle_config(store: ReadStore, cycle_id: str) -> CycleConfig | None:
    cycle = await store.get(CYCLES, cycle_id)
    return parsed_config(cycle["config"]) if cycle else None


async def board_facts(store: ReadStore, cycle_id: str, category_id: str, province: str):
    """A live provincial board's standings and the plenary's shortlist (None until settled)."""
    where = {"cycle_id": cycle_id, "category_id": category_id, "province": province}
    settled = await store.get(SHORTLISTS, shortlist_key(cycle_id, category_id, province))
    return await store.find(STANDINGS, where), settled["shortlisted"] if settled else None


async def appearances(store: ReadStore, kind: str, key: str) -> list[Appearance]:
    """The subject's candidates in every cycle the ranking service knows, with their boards."""
    found = []
    for standing in await store.find(STANDINGS, subject_filter(kind, key)):
        config = await cycle_config(store, standing.get("cycle_id", ""))
        if config is None or config.category(standing["category_id"]) is None or subject_key(standing) != key:
            continue
        board = await board_facts(store, *(standing[k] for k in ("cycle_id", "category_id", "province")))
        found.append(Appearance(config, standing, *board))
    return found
