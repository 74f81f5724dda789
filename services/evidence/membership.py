"""Membership data (the BPJS Ketenagakerjaan register of employers) and its screening: pure.

A snapshot is one CSV per period, checked row by row as it streams in (`MembershipFile`), kept by
its SHA-256 and summarised per province. Screening a snapshot for a cycle (`screen`) takes every
employer through the eligibility rules of the business categories that admit its sector and
size; rules on documents cannot be judged from membership data and wait for the candidate-level
screening once the eligible employers are registered."""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from shared.bulk import LineFedFile, csv_values
from shared.contracts.cycle_config import Category, CycleConfig
from shared.contracts.evidence import CategoryScreening, RegionMembership

COLUMNS = ("employer_id", "name", "sector", "size", "province", "regency_code",
           "workers_eligible", "workers_enrolled", "arrears_months")
SIZES = frozenset({"micro", "small", "medium", "large"})
CANDIDATE_COLUMNS = ("candidate_id", "category_id", "kind", "name", "province", "regency_code",
                     "employer_id", "sector", "size")
EMPLOYER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,40}$")  # BPJS's registration number (NPP)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")


@dataclass(frozen=True, slots=True)
class Employer:
    employer_id: str
    name: str
    sector: str
    size: str
    province: str
    regency_code: str
    workers_eligible: int
    workers_enrolled: int
    arrears_months: int

    @property
    def candidate_id(self) -> str:
        return f"employer-{self.employer_id.lower()}"

    @property
    def coverage(self) -> float:
        return self.workers_enrolled / self.workers_eligible if self.workers_eligible else 0.0


def employer_of(values: list[str]) -> Employer | tuple[str, str]:
    """The employer a row names, or (rule, reason) for what is wrong with it."""
    employer_id, name, sector, size, province, regency_code, *counts = values
    if not EMPLOYER_ID.match(employer_id):
        return "bad_employer_id", f"employer_id {employer_id!r} is not a registration number"
    if not name or len(name) > 200:
        return "bad_name", "a name of 1 to 200 characters is needed"
    for column, value in (("sector", sector), ("province", province)):
        if not SLUG.match(value):
            return f"bad_{column}", f"{column} {value!r} is not an id (lower case, digits, '-')"
    if size not in SIZES:
        return "bad_size", f"size {size!r} is none of {', '.join(sorted(SIZES))}"
    if not REGENCY_CODE.match(regency_code):
        return "bad_regency_code", f"regency_code {regency_code!r} is not like 32.73"
    if not all(c.isdigit() and len(c) <= 9 for c in counts):
        return "bad_count", "workers_eligible, workers_enrolled and arrears_months are whole numbers"
    eligible, enrolled, arrears = (int(c) for c in counts)
    if enrolled > eligible:
        return "enrolled_above_eligible", f"{enrolled} workers enrolled of {eligible} eligible"
    return Employer(employer_id, name, sector, size, province, regency_code, eligible, enrolled, arrears)


@dataclass
class _Region:
    employers: int = 0
    by_size: Counter = field(default_factory=Counter)
    workers_eligible: int = 0
    workers_enrolled: int = 0
    in_arrears: int = 0

    def add(self, employer: Employer) -> None:
        self.employers += 1
        self.by_size[employer.size] += 1
        self.workers_eligible += employer.workers_eligible
        self.workers_enrolled += employer.workers_enrolled
        self.in_arrears += employer.arrears_months > 0

    def summary(self) -> RegionMembership:
        return RegionMembership(employers=self.employers, by_size=dict(sorted(self.by_size.items())),
                                workers_eligible=self.workers_eligible, workers_enrolled=self.workers_enrolled,
                                in_arrears=self.in_arrears)


class MembershipFile(LineFedFile):
    """Checks a membership CSV fed line by line: each row on its own, no employer twice. Keeps the
    totals per province and a report of the bad rows."""

    columns, key_column, rows_called = COLUMNS, "employer_id", "employer rows"

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()
        self._regions: dict[str, _Region] = {}

    @property
    def accepted(self) -> int:
        return len(self._seen)

    @property
    def employers(self) -> int:
        return len(self._seen)

    def by_province(self) -> dict[str, RegionMembership]:
        return {province: region.summary() for province, region in sorted(self._regions.items())}

    def check(self, values: list[str]) -> None:
        found = employer_of(values)
        if isinstance(found, tuple):
            self.reject(values[0], *found)
        elif found.employer_id in self._seen:
            self.reject(found.employer_id, "duplicate_in_file", f"employer {found.employer_id} appears twice")
        else:
            self._seen.add(found.employer_id)
            self._regions.setdefault(found.province, _Region()).add(found)


def employers(lines: Iterable[str]) -> Iterator[Employer]:
    """The employers of a stored snapshot (checked when it was imported)."""
    columns: list[int] | None = None
    for line in lines:
        values = csv_values(line.rstrip("\n"))
        if isinstance(values, str) or not line.strip():
            continue
        if columns is None:
            header = [v.strip() for v in values]
            columns = [header.index(c) for c in COLUMNS]
            continue
        found = employer_of([values[i].strip() for i in columns])
        if isinstance(found, Employer):
            yield found


@dataclass(frozen=True, slots=True)
class _Ranked:
    """Orders employers worst first, so a bounded heap keeps the best: higher coverage, then more
    workers enrolled, then the lower registration number."""

    employer: Employer

    def __lt__(self, other: _Ranked) -> bool:
        a, b = self.employer, other.employer
        return (a.coverage, a.workers_enrolled, b.employer_id) < (b.coverage, b.workers_enrolled, a.employer_id)


@dataclass
class Screening:
    """Who was considered and who passed, per category; and per province and category the
    `per_province` best of those who passed, the candidates to register."""

    per_province: int
    considered: int = 0
    eligible: int = 0
    by_category: dict[str, Counter] = field(default_factory=dict)
    best: dict[tuple[str, str], list[_Ranked]] = field(default_factory=dict)

    def summary(self) -> dict[str, CategoryScreening]:
        return {c: CategoryScreening(considered=n["considered"], eligible=n["eligible"])
                for c, n in sorted(self.by_category.items())}

    @property
    def nominated(self) -> int:
        return sum(len(kept) for kept in self.best.values())

    def candidate_rows(self) -> Iterator[list[str]]:
        """CANDIDATE_COLUMNS rows, by province and category, best first."""
        for (province, category_id), kept in sorted(self.best.items()):
            for ranked in sorted(kept, reverse=True):
                e = ranked.employer
                yield [e.candidate_id, category_id, "business", e.name, province, e.regency_code, e.employer_id,
                       e.sector, e.size]

    def add(self, employer: Employer, category: Category) -> None:
        counts = self.by_category.setdefault(category.id, Counter(considered=0, eligible=0))
        counts["considered"] += 1
        self.considered += 1
        if not all(passes(rule, employer) for rule in category.eligibility):
            return
        counts["eligible"] += 1
        self.eligible += 1
        kept = self.best.setdefault((employer.province, category.id), [])
        if len(kept) < self.per_province:
            heapq.heappush(kept, _Ranked(employer))
        else:
            heapq.heappushpop(kept, _Ranked(employer))


def business_categories(config: CycleConfig) -> list[Category]:
    return [c for c in config.categories if c.level == "business"]


def screen(found: Iterable[Employer], categories: list[Category], per_province: int) -> Screening:
    """Each employer against the first category that admits its sector and size."""
    screening = Screening(per_province)
    for employer in found:
        category = next((c for c in categories if c.admits(employer.sector, employer.size)), None)
        if category is not None:
            screening.add(employer, category)
    return screening


def passes(rule, employer: Employer) -> bool:
    if rule.rule == "min_coverage_ratio":
        return employer.coverage >= rule.value
    if rule.rule == "no_arrears":
        return employer.arrears_months == 0
    return True  # documents: judged when the registered candidate is screened
