"""A reproducible (seeded) cycle, played through the services' HTTP APIs and bulk imports like the
organisers, committees, assessors and interviewers would: candidates in every category (each
province, its regencies/cities, a sample of its villages, employers mostly micro), coverage figures
with arrears, corrections and documents, screening, assessors' scores with noise (one lenient
assessor per province) and amendments, a conflict of interest per province, withdrawals, the
plenaries, interviews with a no-show, and publication. `plan` is pure; `play` talks to the APIs.

Scales: `province` (one), `zone` (every province of the province's zone), `national` (all 38, with
their 514 regencies/cities); villages and employers are sampled per province (`villages`,
`employers`), each province with a committee and a panel of its own.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import httpx

from paritrana.client import Api, ApiError
from shared.auth import ALL_PROVINCES
from paritrana.scenario import advance
from services.registration import reference
from services.registration.cycle_files import shipped

SECTORS = ("finance", "trade-services", "mining-manufacturing-construction",
           "agriculture-livestock-plantation-fisheries", "education")
SIZES = (("micro", 0.62), ("small", 0.23), ("medium", 0.1), ("large", 0.05))  # most employers are micro
ASSESSORS = ("assessor-1", "assessor-2", "assessor-3")
INTERVIEWERS = ("interviewer-1", "interviewer-2")
CHAIR, SECRETARY, DATA_OFFICE = "sekda", "kepala-cabang-bpjs", "bpjs-data-office"
SCALES = ("province", "zone", "national")
COLUMNS = "candidate_id,category_id,kind,name,province,regency_code,employer_id,sector,size,village_code"
Progress = Callable[[str, int, int], None]  # stage, done, total


def person(role: str, province: str) -> str:
    """A committee member or panellist of one province's committee (`assessor-1-bali`)."""
    return f"{role}-{province}"


def lenient(province: str) -> str:
    """The province's assessor who scores well above the rest of the panel."""
    return person(ASSESSORS[-1], province)


@dataclass(frozen=True)
class Candidate:
    id: str
    category: str
    kind: str
    name: str
    province: str
    regency: str = ""
    employer: str = ""
    sector: str = ""
    size: str = ""
    village: str = ""
    quality: float = 70.0  # how good it really is; assessors see it with noise
    eligible: int = 1000
    enrolled: int = 500
    arrears: int = 0
    documented: bool = True

    def csv(self) -> str:
        return ",".join([self.id, self.category, self.kind, self.name, self.province, self.regency, self.employer,
                         self.sector, self.size, self.village])


@dataclass
class Plan:
    seed: int
    cycle_id: str
    scale: str
    provinces: list[str]
    candidates: list[Candidate]
    corrected: list[str]
    withdrawn: list[str]
    conflicts: list[tuple[str, str]]  # (assessor, candidate): one per province
    no_show: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def province(self) -> str:
        """The first province (the only one at province scale)."""
        return self.provinces[0]


def provinces_at(scale: str, province: str) -> list[str]:
    """The provinces a cycle of this scale covers, around `province` for a zone."""
    regions = reference.load(reference.DEFAULT_VERSION)
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    found = regions.province(province)
    if found is None:
        raise ValueError(f"unknown province {province!r}: an id of the reference data, like jawa-barat")
    if scale == "province":
        return [found.id]
    if scale == "zone":
        return regions.zones()[found.zone]
    return sorted(regions.provinces)


def plan(seed: int, province: str = "bali", villages: int = 40, employers: int = 150, scale: str = "province") -> Plan:
    """Everything the simulation will do, decided up front from the seed alone."""
    rng = random.Random(seed)
    provinces = provinces_at(scale, province)
    regions = reference.load(reference.DEFAULT_VERSION)
    wanted = {r.code for r in regions.regencies.values() if r.province_id in provinces}
    village_rows: dict[str, list] = {}  # regency code -> its villages, in code order; the file read once
    for v in reference.villages(reference.DEFAULT_VERSION):
        if v.regency_code in wanted:
            village_rows.setdefault(v.regency_code, []).append(v)
    candidates: list[Candidate] = []
    conflicts: list[tuple[str, str]] = []
    for where in provinces:
        own = _province_candidates(rng, where, village_rows, villages, employers, first_employer=len(candidates))
        conflicts.append((person(ASSESSORS[1], where), rng.choice([c.id for c in own if c.kind == "business"])))
        candidates += own
    ids = [c.id for c in candidates]
    businesses = [c.id for c in candidates if c.kind == "business"]
    return Plan(seed, f"sim-{seed}", scale, provinces, candidates,
                corrected=rng.sample(ids, max(1, len(ids) // 50)),
                withdrawn=rng.sample(businesses, max(1, len(businesses) // 100)), conflicts=conflicts)


def _province_candidates(rng: random.Random, province: str, villages_by_regency: dict[str, list], villages: int,
                         employers: int, first_employer: int) -> list[Candidate]:
    """The province itself, its regencies/cities, a sample of its villages and of its employers."""
    regions = reference.load(reference.DEFAULT_VERSION)
    regencies = [r for r in regions.regencies.values() if r.province_id == province]
    codes = {r.code for r in regencies}
    village_rows = sorted((v for code in codes for v in villages_by_regency.get(code, ())), key=lambda v: v.code)
    candidates = [_government(rng, province, province, "province", "province", regions.province(province).name, "")]
    candidates += [_government(rng, province, slug(r.name), "regency-city", "regency_city", r.name, r.code)
                   for r in regencies]
    for v in rng.sample(village_rows, min(villages, len(village_rows))):
        candidates.append(_government(rng, province, f"desa-{v.code.replace('.', '')}", "village", "village",
                                      f"Desa {v.name}", v.regency_code, village=v.code))
    candidates += [_employer(rng, province, first_employer + n, rng.choice(regencies).code) for n in range(employers)]
    return candidates


def slug(name: str) -> str:
    return "-".join(name.lower().replace("/", " ").split())[:60]


def _government(rng: random.Random, province: str, id_: str, category: str, kind: str, name: str, regency: str,
                village: str = "") -> Candidate:
    eligible = int(rng.lognormvariate(9 if kind != "village" else 4, 0.6)) + 20
    return Candidate(id_, category, kind, name, province, regency, village=village, quality=rng.uniform(45, 92),
                     eligible=eligible, enrolled=int(eligible * rng.betavariate(2.5, 2.5)),
                     documented=rng.random() < 0.85)


def _employer(rng: random.Random, province: str, n: int, regency: str) -> Candidate:
    size = rng.choices([s for s, _ in SIZES], [w for _, w in SIZES])[0]
    sector = rng.choice(SECTORS)
    category = "small-micro" if size in ("micro", "small") else f"business-{sector}"
    eligible = {"micro": 4, "small": 20, "medium": 80, "large": 600}[size] + int(rng.expovariate(1 / 20))
    return Candidate(f"emp-{n:06d}", category, "business", f"PT Simulasi {n}", province, regency,
                     employer=f"npp-{n:08d}",
                     sector=sector, size=size, quality=rng.uniform(40, 95), eligible=eligible,
                     enrolled=int(eligible * rng.betavariate(4, 2)),
                     arrears=rng.choice([1, 2, 3]) if rng.random() < 0.06 else 0, documented=rng.random() < 0.7)


RETRIED_STATUSES = (502, 503, 504)  # the service or its backends are down for now: the same request again


@dataclass
class Ledger:
    """What a client sent and what it was told, shared by every person of a `RetryingApi`: the commands'
    idempotency keys and their accepted answers, so that a run can check no accepted command was lost."""

    accepted: dict[str, dict] = field(default_factory=dict)  # idempotency key -> the answer (201)
    refused: dict[str, int] = field(default_factory=dict)  # idempotency key -> status of the refusal
    commands: int = 0  # POSTs, each counted once however often it was retried
    retries: int = 0  # requests sent again after a lost connection or a 502/503/504
    unavailable: int = 0  # of those, answers 503 (with Retry-After)
    before_command: Callable[[int], None] = lambda n: None  # called with the command's number before it is sent
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def counted(self) -> int:
        """Counts a command about to be sent; its number (people acting at once count under a lock)."""
        with self._lock:
            self.commands += 1
            return self.commands

    def retried(self, unavailable: bool) -> None:
        with self._lock:
            self.retries += 1
            self.unavailable += unavailable


class RetryingApi(Api):
    """An `Api` that rides out a service's crash or its backends' outage: a request that finds no one
    listening, loses its connection, or is answered 502/503/504 is sent again (after Retry-After, if
    given) with the same idempotency key until `patience` seconds have passed, so that a command is
    decided once however often it is sent. Waits for read models allow `grace` more seconds."""

    def __init__(self, urls: dict[str, str], actor_id: str, role: str, jwt_secret: str | None = None,
                 provinces: tuple[str, ...] = (ALL_PROVINCES,), candidate_id: str | None = None,
                 ledger: Ledger | None = None, patience: float = 180, grace: float = 60,
                 http: httpx.Client | None = None) -> None:
        super().__init__(urls, actor_id, role, jwt_secret, provinces, candidate_id, http)
        self._args = (urls, jwt_secret)
        self.ledger, self.patience, self.grace = ledger or Ledger(), patience, grace

    def as_actor(self, actor_id: str, role: str, provinces: tuple[str, ...] = (ALL_PROVINCES,),
                 candidate_id: str | None = None) -> RetryingApi:
        urls, secret = self._args
        return RetryingApi(urls, actor_id, role, secret, provinces, candidate_id, self.ledger, self.patience,
                           self.grace, self._http)

    def _retried(self, call: Callable[[], dict]) -> dict:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                return call()
            except (httpx.TransportError, ApiError) as exc:
                status = exc.response.status_code if isinstance(exc, ApiError) else None
                if (status is not None and status not in RETRIED_STATUSES) or time.monotonic() > deadline:
                    raise
                wait = 0.25
                if status == 503:
                    wait = min(2.0, float(exc.response.headers.get("Retry-After", "0.25")))
                self.ledger.retried(unavailable=status == 503)
                time.sleep(wait)

    def _command(self, key: str | None, call: Callable[[str], dict]) -> dict:
        key = key or uuid.uuid4().hex
        self.ledger.before_command(self.ledger.counted())
        try:
            answer = self._retried(lambda: call(key))
        except ApiError as refused:
            self.ledger.refused[key] = refused.response.status_code
            raise
        self.ledger.accepted[key] = answer
        return answer

    def post(self, service: str, path: str, body: dict, key: str | None = None, **params) -> dict:
        return self._command(key, lambda k: Api.post(self, service, path, body, k, **params))

    def post_raw(self, service: str, path: str, content: bytes, content_type: str, key: str | None = None,
                 **params) -> dict:
        return self._command(key, lambda k: Api.post_raw(self, service, path, content, content_type, k, **params))

    def get(self, service: str, path: str) -> dict:
        return self._retried(lambda: Api.get(self, service, path))

    def wait_for(self, service: str, path: str, until: Callable[[dict], bool] = bool, timeout: float = 30) -> dict:
        return super().wait_for(service, path, until, timeout + self.grace)


class Simulation:
    """Plays a plan through the APIs, stage by stage, reporting progress.

    With `clients` > 1 that many people act at once (threads) on the candidates of the evidence,
    assessment and interview stages, as verifiers, assessors and interviewers do. What each sends
    depends on the seed and the candidate only, never on the order they happen to go in.
    """

    def __init__(self, api: Api, the_plan: Plan, progress: Progress = lambda stage, done, total: None,
                 clients: int = 1) -> None:
        self.api, self.plan, self.progress, self.clients = api, the_plan, progress, clients
        self.config = shipped("paritrana-2024").model_copy(update={"cycle_id": the_plan.cycle_id})
        self.counts: Counter = Counter()
        self.sent: dict[str, dict[str, set[str]]] = {"scores": {}, "interviews": {}}  # kind -> candidate -> ids
        self._number = {c.id: n for n, c in enumerate(the_plan.candidates)}
        self._lock = threading.Lock()

    def _rng(self, *about: str) -> random.Random:
        return random.Random(":".join([str(self.plan.seed), *about]))

    def _tally(self, name: str, kind: str | None = None, candidate_id: str = "", sent_id: str = "") -> None:
        with self._lock:
            self.counts[name] += 1
            if kind is not None:
                self.sent[kind].setdefault(candidate_id, set()).add(sent_id)

    def as_(self, who: str, role: str, province: str | None = None) -> Api:
        """Someone's token: a committee's people and panellists are scoped to their province."""
        return self.api.as_actor(who, role, (province,)) if province else self.api.as_actor(who, role)

    def play(self) -> dict:
        stages = [("registration", self.register), ("panel", self.appoint), ("evidence", self.evidence),
                  ("screening", self.screen), ("assessment", self.assess), ("plenary", self.plenary),
                  ("interview", self.interview), ("provincial results", self.publish)]
        for name, stage in stages:
            started = time.perf_counter()
            stage()
            self.plan.timings[name] = round(time.perf_counter() - started, 2)
        return self.summary()

    def _each(self, stage: str, items: list, act: Callable) -> None:
        self._map(act, items, stage)

    def _map(self, fn: Callable, items: list, stage: str | None = None) -> list:
        """`fn` over the items by `clients` people at once; the results in the items' order. With a
        `stage`, progress is reported as each ends; the first failure cancels what has not started."""
        def report(done: int) -> None:
            if stage:
                self.progress(stage, done, len(items))

        if self.clients <= 1:
            results = []
            for item in items:
                results.append(fn(item))
                report(len(results))
            return results
        with ThreadPoolExecutor(self.clients, thread_name_prefix=f"sim-{stage or 'read'}") as pool:
            futures = [pool.submit(fn, item) for item in items]
            try:
                for done, future in enumerate(as_completed(futures), start=1):
                    future.result()
                    report(done)
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
            return [future.result() for future in futures]

    def register(self) -> None:
        organiser = self.as_("organiser-1", "organiser")
        organiser.post("registration", "/cycles", self.config.model_dump(mode="json"), key=f"open-{self.plan.cycle_id}")
        rows = "\n".join([COLUMNS, *(c.csv() for c in self.plan.candidates)])
        organiser.post_raw("registration", "/candidates/import", rows.encode(), "text/csv",
                           key=f"{self.plan.cycle_id}-candidates", cycle_id=self.plan.cycle_id)
        self.progress("registration", len(self.plan.candidates), len(self.plan.candidates))
        last = self.plan.candidates[-1].id
        for service in ("evidence", "scoring", "interview"):
            self.api.wait_for(service, f"/directory/candidates/{last}", timeout=120)

    def appoint(self) -> None:
        self._each("panel", list(zip(self.plan.provinces, self.plan.conflicts)), self._appoint)
        cycle = self.plan.cycle_id
        for province, (assessor, _candidate) in zip(self.plan.provinces, self.plan.conflicts):
            self.api.wait_for("scoring", f"/directory/panellists/{cycle}/{assessor}", until=lambda p: p["conflicts"])
            self.api.wait_for("ranking", f"/directory/panellists/{cycle}/{person(CHAIR, province)}")
            for interviewer in INTERVIEWERS:
                self.api.wait_for("interview", f"/directory/panellists/{cycle}/{person(interviewer, province)}")

    def _appoint(self, item: tuple[str, tuple[str, str]]) -> None:
        """The province's committee (chair, secretary), its panel, and its assessor's conflict."""
        province, (assessor, candidate) = item
        organiser, cycle = self.as_("organiser-1", "organiser"), self.plan.cycle_id
        categories = [c.id for c in self.config.categories]
        for role, title in ((CHAIR, "chair"), (SECRETARY, "secretary")):
            member = person(role, province)
            organiser.post("registration", "/committee-members", {
                "person_id": member, "name": member, "cycle_id": cycle, "committee": province,
                "role": title, "represents": title}, key=f"{cycle}-{member}")
        people = [(p, "assessor") for p in ASSESSORS] + [(p, "interviewer") for p in INTERVIEWERS]
        for role, duty in people:
            member = person(role, province)
            organiser.post("registration", "/panellists", {
                "person_id": member, "name": member, "cycle_id": cycle, "duty": duty,
                "province": province, "category_ids": categories}, key=f"{cycle}-{member}")
        organiser.post("registration", "/conflicts", {"person_id": assessor, "cycle_id": cycle,
                                                      "candidate_id": candidate, "nature": "employed_by"},
                       key=f"{cycle}-conflict-{assessor}-{candidate}")

    def evidence(self) -> None:
        officer = self.as_(DATA_OFFICE, "regional-service")
        rows = ["figure_id,candidate_id,period,workers_eligible,workers_enrolled,source,arrears_months"]
        rows += [f"cov-{c.id},{c.id},2024,{c.eligible},{c.enrolled},BPJS Ketenagakerjaan,{c.arrears}"
                 for c in self.plan.candidates]
        officer.post_raw("evidence", "/coverage-figures/import", "\n".join(rows).encode(), "text/csv",
                         key=f"{self.plan.cycle_id}-figures")
        secretaries = {p: self.as_(person(SECRETARY, p), "committee-secretary", p) for p in self.plan.provinces}
        self._each("evidence", self.plan.candidates, lambda c: self._verify(secretaries[c.province], officer, c))

    def _verify(self, secretary: Api, officer: Api, c: Candidate) -> None:
        figure = f"cov-{c.id}"
        if c.id in self.plan.corrected:
            officer.post("evidence", "/coverage-figures/corrections", {
                "figure_id": f"{figure}-2", "supersedes": figure, "candidate_id": c.id, "period": "2024",
                "workers_eligible": c.eligible, "workers_enrolled": min(c.eligible, c.enrolled + 1),
                "source": "BPJS Ketenagakerjaan", "reason": "late enrolments"}, key=f"{self.plan.cycle_id}-fix-{c.id}")
            figure = f"{figure}-2"
        secretary.post("evidence", "/verifications", {"candidate_id": c.id, "evidence_id": figure,
                                                       "verdict": "verified"}, key=f"{self.plan.cycle_id}-v-{c.id}")
        rubric = self.config.category(c.category)
        required = [i for rule in rubric.eligibility if rule.rule == "documents_required" for i in rule.indicators]
        for indicator in required if c.documented else []:
            content = f"%PDF-1.7 {self.plan.cycle_id} {c.id} {indicator}".encode()
            secretary.post_raw("evidence", f"/candidates/{c.id}/documents", content, "application/pdf",
                               key=f"{self.plan.cycle_id}-d-{c.id}-{indicator}",
                               indicator_id=indicator, title=indicator, filename=f"{indicator}.pdf")
            document_id = f"doc-{hashlib.sha256(content).hexdigest()[:24]}"  # as the evidence service names it
            secretary.post("evidence", "/verifications", {"candidate_id": c.id, "evidence_id": document_id,
                                                           "verdict": "verified"},
                           key=f"{self.plan.cycle_id}-dv-{c.id}-{indicator}")
        self._tally("figures")

    def screen(self) -> None:
        advance(self.api, self.plan.cycle_id, "screening")
        result = self.as_("organiser-1", "organiser").post("evidence", "/screenings", {},
                                                           key=f"{self.plan.cycle_id}-screening",
                                                           cycle_id=self.plan.cycle_id)
        self.counts["screened"] = result["screened"]
        flags = self._map(self._eligible, [c.id for c in self.plan.candidates])
        self.eligible = [c for c, eligible in zip(self.plan.candidates, flags) if eligible]
        self.counts["eligible"] = len(self.eligible)

    def _eligible(self, candidate_id: str) -> bool:
        doc = self.api.wait_for("scoring", f"/candidates/{candidate_id}/citable-evidence",
                                until=lambda d: "screening" in d, timeout=60)
        return doc["screening"]["eligible"]

    def assess(self) -> None:
        advance(self.api, self.plan.cycle_id, "assessment")
        organiser = self.as_("organiser-1", "organiser")
        for candidate_id in self.plan.withdrawn:
            organiser.post("registration", f"/candidates/{candidate_id}/withdrawal", {"reason": "closed its business"},
                           key=f"{self.plan.cycle_id}-w-{candidate_id}")
        scoring = [c for c in self.eligible if c.id not in self.plan.withdrawn]
        if self.plan.withdrawn:
            self.api.wait_for("scoring", f"/directory/candidates/{self.plan.withdrawn[-1]}",
                              until=lambda c: c["withdrawn"])
        self._each("assessment", scoring, self._score_candidate)

    def _score_candidate(self, c: Candidate) -> None:
        rubric = self.config.category(c.category).rubric
        judged = [i for i in rubric.indicators if i.method == "judged"]
        pairs = [(i, person(a, c.province)) for i in judged for a in ASSESSORS]
        for n, (indicator, assessor) in enumerate(pairs):
            if (assessor, c.id) in self.plan.conflicts:
                continue
            rng = self._rng(c.id, indicator.id, assessor)
            score_id = f"s{self._number[c.id]:07d}-{n:02d}"
            body = {"score_id": score_id, "candidate_id": c.id, "indicator_id": indicator.id,
                    "assessor_id": assessor, "evidence": [self._figure(c)], **self._value(indicator, c, assessor, rng)}
            self.as_(assessor, "assessor", c.province).post("scoring", "/scores", body,
                                                            key=f"{self.plan.cycle_id}-{score_id}")
            self._tally("scores", "scores", c.id, score_id)
            if rng.random() < 0.04:
                self._amend(assessor, c, score_id, indicator, rng)

    def _figure(self, c: Candidate) -> str:
        return f"cov-{c.id}-2" if c.id in self.plan.corrected else f"cov-{c.id}"

    def _value(self, indicator, c: Candidate, assessor: str, rng: random.Random) -> dict:
        bias = 18 if assessor == lenient(c.province) else 0  # well past the analytics' 10-point offset from the panel

        def seen() -> float:
            return round(max(0, min(100, rng.gauss(c.quality + bias, 6))), 1)

        if indicator.sub_indicators:
            return {"criteria": {s.id: seen() for s in indicator.sub_indicators}}
        return {"value": seen()}

    def _amend(self, assessor: str, c: Candidate, score_id: str, indicator, rng: random.Random) -> None:
        body = {"score_id": f"{score_id}-a", "candidate_id": c.id, "supersedes": score_id, "assessor_id": assessor,
                "reason": "second reading of the supporting documents", **self._value(indicator, c, assessor, rng)}
        self.as_(assessor, "assessor", c.province).post("scoring", "/amendments", body,
                                                        key=f"{self.plan.cycle_id}-{score_id}-a")
        self._tally("amendments", "scores", c.id, body["score_id"])

    def _boards(self):
        """(province, category, its provincial leaderboard's path), for every province and category."""
        for province in self.plan.provinces:
            for category in self.config.categories:
                yield province, category, f"/leaderboards/{self.plan.cycle_id}/{category.id}/provinces/{province}"

    def _ranking_has_seen(self, kind: str) -> None:
        """Wait until ranking's standings hold every score (or interview score) accepted so far: a board
        read before that could rank on part of them, so the shortlist would depend on timing."""
        self._map(lambda item: self.api.wait_for("ranking", f"/standings/{item[0]}", timeout=120,
                                                 until=lambda s: item[1] <= set(s.get(kind, {}))),
                  list(self.sent[kind].items()))

    def plenary(self) -> None:
        advance(self.api, self.plan.cycle_id, "plenary")
        self._ranking_has_seen("scores")
        self.shortlisted: dict[tuple[str, str], list[str]] = {}  # (province, category) -> candidates
        boards = list(self._boards())
        for done, (province, category, path) in enumerate(boards, start=1):
            chair = person(CHAIR, province)
            expected = len([c for c in self.eligible if (c.province, c.category) == (province, category.id)
                            and c.id not in self.plan.withdrawn])
            board = self.api.wait_for("ranking", path, timeout=120,
                                      until=lambda b, n=expected: len(b["ranked"]) + len(b["incomplete"]) >= n)
            top = [r["candidate_id"] for r in board["ranked"][: category.rubric.shortlist_size]]
            self.as_(chair, "committee-chair", province).post("ranking", "/shortlists", {
                "cycle_id": self.plan.cycle_id, "category_id": category.id, "province": province,
                "shortlisted": top, "decided_by": chair}, key=f"{self.plan.cycle_id}-plenary-{province}-{category.id}")
            self.shortlisted[province, category.id] = top
            self.progress("plenary", done, len(boards))
        self.counts["shortlisted"] = sum(len(v) for v in self.shortlisted.values())

    def interview(self) -> None:
        advance(self.api, self.plan.cycle_id, "interview")
        interviewed = [(category, c) for (_province, category), ids in self.shortlisted.items() for c in ids
                       if self.config.category(category).rubric.has_interview()]
        if interviewed:
            self.plan.no_show = interviewed[-1][1]
        for province, category in self.shortlisted:
            self.api.wait_for("interview", f"/shortlists/{self.plan.cycle_id}/{category}/provinces/{province}")
        self._each("interview", interviewed, self._interview)

    def _interview(self, item: tuple[str, str]) -> None:
        category, candidate_id = item
        c = self.plan.candidates[self._number[candidate_id]]
        secretary = self.as_(person(SECRETARY, c.province), "committee-secretary", c.province)
        panel = [person(p, c.province) for p in INTERVIEWERS]
        principal = {"name": "Chief executive", "position": "CEO"} if c.kind == "business" else {
            "name": "Regional head", "position": "regional head"}
        secretary.post("interview", "/interviews", {
            "candidate_id": c.id, "scheduled_for": "2025-02-14T09:00:00+08:00", "panel": panel,
            "principal": principal}, key=f"{self.plan.cycle_id}-iv-{c.id}")
        if c.id == self.plan.no_show:
            secretary.post("interview", "/no-shows", {"candidate_id": c.id, "reason": "did not come"},
                           key=f"{self.plan.cycle_id}-no-show-{c.id}")
            return
        indicator = self.config.category(category).rubric.indicator("interview")
        for interviewer in panel:
            body = {"score_id": f"i-{c.id}-{interviewer}"[:64], "candidate_id": c.id, "interviewer_id": interviewer,
                    "indicator_id": "interview", **self._value(indicator, c, interviewer, self._rng(c.id, interviewer))}
            self.as_(interviewer, "interviewer", c.province).post("interview", "/interview-scores", body,
                                                     key=f"{self.plan.cycle_id}-{body['score_id']}")
            self._tally("interview scores", "interviews", c.id, body["score_id"])

    def publish(self) -> None:
        advance(self.api, self.plan.cycle_id, "provincial_results")
        self._ranking_has_seen("interviews")
        if self.plan.no_show is not None:
            self.api.wait_for("ranking", f"/standings/{self.plan.no_show}", timeout=120, until=lambda s: "no_show" in s)
        for province, category, path in self._boards():
            if not self.shortlisted.get((province, category.id)):
                continue
            chair = person(CHAIR, province)
            try:
                self.api.wait_for("ranking", path, timeout=60, until=lambda b: not b["incomplete"])
                self.as_(chair, "committee-chair", province).post("ranking", "/publications", {
                    "cycle_id": self.plan.cycle_id, "category_id": category.id, "province": province,
                    "published_by": chair}, key=f"{self.plan.cycle_id}-publish-{province}-{category.id}")
                self.counts["published boards"] += 1
            except ApiError as refused:
                self.counts[f"unpublished: {refused.response.json()['detail']['rule']}"] += 1
            except TimeoutError:
                self.counts["unpublished: incomplete"] += 1

    def summary(self) -> dict:
        verified = self.as_("auditor-1", "auditor").get("ranking", "/audit/verify")
        return {"cycle_id": self.plan.cycle_id, "seed": self.plan.seed, "scale": self.plan.scale,
                "provinces": len(self.plan.provinces), "candidates": len(self.plan.candidates),
                "by_category": dict(Counter(c.category for c in self.plan.candidates)),
                "counts": dict(self.counts), "seconds_per_stage": self.plan.timings,
                "events_per_topic": verified["topics"], "chains_intact": verified["intact"]}



def run_cluster(seed: int, villages: int, employers: int, progress: Progress, scale: str = "province",
                province: str = "bali", clients: int = 1) -> dict:
    """Start the five services (PARITRANA_BACKEND decides which backend), play the plan, stop them."""
    import tempfile
    from pathlib import Path

    from paritrana.launcher import cluster

    data = Path(tempfile.mkdtemp(prefix="paritrana-sim-"))
    services = cluster({"PARITRANA_DATA_DIR": str(data), "PARITRANA_NAMESPACE": f"sim{seed}x{int(time.time())}",
                        "PARITRANA_LOG_LEVEL": "WARNING"}, data / "logs")
    services.start()
    try:
        api = Api(services.urls(), "organiser-1", "organiser", services.jwt_secret)
        the_plan = plan(seed, province, villages=villages, employers=employers, scale=scale)
        return Simulation(api, the_plan, progress, clients).play()
    finally:
        services.stop()


def main(seed: int = 1, villages: int = 40, employers: int = 150, scale: str = "province",
         province: str = "bali", clients: int = 1) -> None:
    import json

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    with Progress(*columns) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total, rate="")
            task = tasks[stage]
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:6.1f}/s" if speed else "")

        summary = run_cluster(seed, villages, employers, progress, scale, province, clients)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    import sys

    numbers, words, clients = sys.argv[1:4], sys.argv[4:6], sys.argv[6:7]  # seed villages employers [scale
    main(*(int(a) for a in numbers), *words, *(int(a) for a in clients))  # [province [clients]]]
