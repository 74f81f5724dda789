"""Coverage year on year per region (province), from ranking's answer for each cycle
(`GET /coverage/{cycle}/provinces`): workers enrolled of workers eligible, summed over the
province's candidates, each counted by its latest verified coverage figure. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CycleCoverage:
    cycle_id: str
    edition_year: int | None
    by_province: dict[str, tuple[int, int]]  # province -> (enrolled, eligible)


def cycle_coverage(answer: dict[str, Any]) -> CycleCoverage:
    """One cycle's column; a province without eligible workers has no ratio and is left out."""
    by_province = {
        province: (int(figures["workers_enrolled"]), int(figures["workers_eligible"]))
        for province, figures in sorted((answer.get("provinces") or {}).items())
        if figures.get("workers_eligible")
    }
    return CycleCoverage(answer["cycle_id"], answer.get("edition_year"), by_province)


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
