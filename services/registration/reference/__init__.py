"""Indonesian region reference data (provinces, regencies/cities, villages) by version.

Each shipped version is a folder next to this file holding `provinces.csv`, `regencies.csv` and
`villages.csv.gz`, written by `build.py` (its `SOURCE.md` says where the data come from).
Villages are many (~83,000), so `load` leaves them out and `load_with_villages` adds them.
Versions imported through the API (`services/registration/reference_imports.py`) take a shipped
version's provinces and regencies and their own villages.
"""

from __future__ import annotations

import csv
import dataclasses
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
MAX_VILLAGE_NAME = 200
VILLAGE_CODE_PATTERN = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"  # e.g. 11.01.01.2001
_VILLAGE_CODE = re.compile(VILLAGE_CODE_PATTERN)
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
    villages: Mapping[str, str] | None = dataclasses.field(default=None, repr=False)  # code -> name; None: not loaded
    base_version: str | None = None  # for an imported version: whose provinces and regencies it has

    def province(self, id: str) -> Province | None:
        return self.provinces.get(id)

    def regency(self, code: str) -> Regency | None:
        return self.regencies.get(code)

    def village(self, code: str) -> Village | None:
        name = self.villages.get(code) if self.villages is not None else None
        return None if name is None else Village(code, village_regency(code), name)

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


def load(version: str = DEFAULT_VERSION) -> ReferenceData:
    """A shipped version's provinces and regencies, read once per process (shared, read-only)."""
    return _load(version)


@functools.cache
def _load(version: str) -> ReferenceData:
    folder = _folder(version)
    provinces = {row["id"]: Province(**row) for row in _rows(folder / "provinces.csv")}
    regencies = {row["code"]: Regency(**row) for row in _rows(folder / "regencies.csv")}
    return ReferenceData(version, MappingProxyType(provinces), MappingProxyType(regencies))


def load_with_villages(version: str = DEFAULT_VERSION) -> ReferenceData:
    """A shipped version with its villages (read once per process: ~83,000 rows)."""
    return _with_villages(version)


@functools.cache
def _with_villages(version: str) -> ReferenceData:
    names = {village.code: village.name for village in villages(version)}
    return dataclasses.replace(load(version), villages=MappingProxyType(names))


def village_regency(code: str) -> str:
    """The regency code a (well-formed) village code starts with: 11.01.01.2001 -> 11.01."""
    return code.rsplit(".", 2)[0]


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
        problem = village_problem(row)
        if problem:
            raise ValueError(f"line {reader.line_num}: {problem[1]}: {row!r}")
        yield Village(*row)


def village_problem(row: list[str]) -> tuple[str, str] | None:
    """What is wrong with a (code, regency_code, name) row on its own, as (rule, reason); None if nothing."""
    if len(row) != len(VILLAGE_COLUMNS):
        return "malformed_row", f"expected {len(VILLAGE_COLUMNS)} fields, got {len(row)}"
    code, regency_code, name = row
    if not _VILLAGE_CODE.fullmatch(code):
        return "invalid_village_code", f"village code {code!r} is not like 11.01.01.2001"
    if not _REGENCY_CODE.fullmatch(regency_code):
        return "invalid_regency_code", f"regency code {regency_code!r} is not like 11.01"
    if not code.startswith(regency_code + "."):
        return "village_outside_regency", f"village {code} is not in regency {regency_code}"
    if not name.strip():
        return "empty_name", "empty name"
    if len(name) > MAX_VILLAGE_NAME:
        return "name_too_long", f"a name of {len(name)} characters (at most {MAX_VILLAGE_NAME})"
    return None


__all__ = [
    "DEFAULT_VERSION",
    "KNOWN_VERSIONS",
    "VILLAGE_CODE_PATTERN",
    "Province",
    "ReferenceData",
    "Regency",
    "Village",
    "load",
    "load_with_villages",
    "read_villages_csv",
    "village_problem",
    "village_regency",
    "villages",
]
