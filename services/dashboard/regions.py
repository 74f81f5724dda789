"""Province names and zones, read from the reference data registration ships (a data file, not
code), so the filters can offer every province and zone without a round trip."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "registration" / "reference" / "kemendagri-2024" / "provinces.csv"


@dataclass(frozen=True)
class Province:
    id: str
    name: str
    zone: str


@cache
def provinces(path: Path = REFERENCE) -> tuple[Province, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8") as f:
        return tuple(Province(row["id"], row["name"], row["zone"]) for row in csv.DictReader(f))


def zones() -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.zone for p in provinces()))


def province_name(province_id: str | None) -> str:
    if province_id is None:
        return "–"
    return next((p.name for p in provinces() if p.id == province_id), province_id)
