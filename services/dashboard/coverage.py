"""Coverage year on year per region (province), from each cycle's events: workers enrolled of
workers eligible, summed over the province's candidates, each counted by its latest verified
coverage figure (one rejected afterwards no longer counts). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CycleCoverage:
    cycle_id: str
    edition_year: int | None
    by_province: dict[str, tuple[int, int]]  # province -> (enrolled, eligible)


def cycle_coverage(cycle_id: str, events: Iterable[dict]) -> CycleCoverage:
    year: int | None = None
    where: dict[str, str] = {}
    figures: dict[str, tuple[str, int, int]] = {}  # candidate -> (evidence id, enrolled, eligible)
    for event in events:
        kind, body = event.get("type"), event.get("payload") or {}
        if kind == "CycleOpened":
            year = (body.get("config") or {}).get("edition_year")
        elif kind == "CandidateRegistered":
            where[body["candidate_id"]] = body["province"]
        elif kind == "EvidenceVerified" and body.get("kind") == "figure" and body.get("figures"):
            numbers = body["figures"]
            figures[body["candidate_id"]] = (body["evidence_id"], numbers["workers_enrolled"],
                                             numbers["workers_eligible"])
        elif kind == "EvidenceRejected" and figures.get(body.get("candidate_id", ""), ("",))[0] == body.get(
                "evidence_id"):
            del figures[body["candidate_id"]]
    by_province: dict[str, tuple[int, int]] = {}
    for candidate, (_evidence, enrolled, eligible) in figures.items():
        province = where.get(candidate)
        if province is None:
            continue
        before = by_province.get(province, (0, 0))
        by_province[province] = (before[0] + enrolled, before[1] + eligible)
    return CycleCoverage(cycle_id, year, dict(sorted(by_province.items())))


@dataclass(frozen=True)
class CoverageTable:
    columns: list[CycleCoverage]  # oldest edition first
    regions: list[str]
    ratios: dict[str, list[float | None]]  # region -> one ratio per column (None: no figure that cycle)


def year_on_year(cycles: Iterable[CycleCoverage]) -> CoverageTable:
    columns = sorted(cycles, key=lambda c: (c.edition_year or 0, c.cycle_id))
    regions = sorted({province for c in columns for province in c.by_province})
    ratios = {
        region: [c.by_province[region][0] / c.by_province[region][1] if region in c.by_province else None
                 for c in columns]
        for region in regions
    }
    return CoverageTable(columns, regions, ratios)
