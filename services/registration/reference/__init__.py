"""Indonesian region reference data (provinces, regencies/cities, villages) by version.

Each version is a folder next to this file holding `provinces.csv`, `regencies.csv` and
`villages.csv.gz`, written by `build.py` (its `SOURCE.md` says where the data come from).
Villages are many (~83,000), so they are streamed rather than loaded with the rest.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

HERE = Path(__file__).resolve().parent
DEFAULT_VERSION = "kemendagri-2024"
KNOWN_VERSIONS: tuple[str, ...] = tuple(sorted(p.parent.name for p in HERE.glob("*/provinces.csv")))

VILLAGE_COLUMNS = ("code", "regency_code", "name")
_VILLAGE_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")
_REGENCY_CODE = re.compile(r"\d{2}\.\d{2}")


@dataclass(frozen=True)
class Province:
    id: str
    code: str
    name: str
    zone: str


@dataclass(frozen=True)
class Regency:
    code: str
    province_id: str
    name: str
    kind: str  # "regency" (kabupaten) or "city" (kota)


@dataclass(frozen=True)
class Village:
    code: str
    regency_code: str
    name: str


@dataclass(frozen=True)
class ReferenceData:
    version: str
    provinces: Mapping[str, Province]  # by id, in code order; read-only (load() shares one instance)
    regencies: Mapping[str, Regency]  # by code, in code order; read-only

    def province(self, id: str) -> Province | None:
        return self.provinces.get(id)

    def regency(self, code: str) -> Regency | None:
        return self.regencies.get(code)

    def zones(self) -> dict[str, list[str]]:
        """Zone -> ids of its provinces, in province-code order."""
        zones: dict[str, list[str]] = {}
        for province in self.provinces.values():
            zones.setdefault(province.zone, []).append(province.id)
        return zones


def _folder(version: str) -> Path:
    if version not in KNOWN_VERSIONS:
        raise ValueError(f"unknown reference data version {version!r}; known versions: {', '.join(KNOWN_VERSIONS)}")
    return HERE / version


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


@functools.cache
def load(version: str = DEFAULT_VERSION) -> ReferenceData:
    folder = _folder(version)
    provinces = {row["id"]: Province(**row) for row in _rows(folder / "provinces.csv")}
    regencies = {row["code"]: Regency(**row) for row in _rows(folder / "regencies.csv")}
    return ReferenceData(version, MappingProxyType(provinces), MappingProxyType(regencies))


def villages(version: str = DEFAULT_VERSION) -> Iterator[Village]:
    """Every village of a version, streamed from its gzip file in code order."""
    with gzip.open(_folder(version) / "villages.csv.gz", "rt", encoding="utf-8", newline="") as f:
        yield from read_villages_csv(f)


def read_villages_csv(lines: Iterable[str]) -> Iterator[Village]:
    """Villages from CSV text with the header `code,regency_code,name`.

    Raises ValueError naming the line of the first bad row (wrong header, wrong number of
    fields, malformed code, a code not inside its regency, or an empty name).
    """
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != VILLAGE_COLUMNS:
        raise ValueError(f"line 1: expected header {','.join(VILLAGE_COLUMNS)!r}, got {header!r}")
    for row in reader:
        problem = _village_problem(row)
        if problem:
            raise ValueError(f"line {reader.line_num}: {problem}: {row!r}")
        yield Village(*row)


def _village_problem(row: list[str]) -> str | None:
    if len(row) != len(VILLAGE_COLUMNS):
        return f"expected {len(VILLAGE_COLUMNS)} fields, got {len(row)}"
    code, regency_code, name = row
    if not _VILLAGE_CODE.fullmatch(code):
        return f"village code {code!r} is not like 11.01.01.2001"
    if not _REGENCY_CODE.fullmatch(regency_code):
        return f"regency code {regency_code!r} is not like 11.01"
    if not code.startswith(regency_code + "."):
        return f"village {code} is not in regency {regency_code}"
    if not name.strip():
        return "empty name"
    return None


__all__ = [
    "DEFAULT_VERSION",
    "KNOWN_VERSIONS",
    "Province",
    "ReferenceData",
    "Regency",
    "Village",
    "load",
    "read_villages_csv",
    "villages",
]
