"""Cycle progress per province, counted from a cycle's events (its audit trail): how many
candidates are registered, withdrawn, screened (and found eligible), scored by an assessor,
shortlisted, interviewed, and how many categories each province has published. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

COUNTS = ("registered", "withdrawn", "screened", "eligible", "scored", "shortlisted", "interviewed", "published")


@dataclass
class ProvinceProgress:
    province: str
    registered: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)
    screened: dict[str, bool] = field(default_factory=dict)  # candidate -> eligible (the latest screening)
    scored: set[str] = field(default_factory=set)
    shortlisted: dict[str, list[str]] = field(default_factory=dict)  # category -> the settled shortlist
    interviewed: set[str] = field(default_factory=set)
    published: set[str] = field(default_factory=set)  # categories

    def counts(self) -> dict[str, int]:
        return {
            "registered": len(self.registered), "withdrawn": len(self.withdrawn), "screened": len(self.screened),
            "eligible": sum(self.screened.values()), "scored": len(self.scored),
            "shortlisted": sum(len(s) for s in self.shortlisted.values()), "interviewed": len(self.interviewed),
            "published": len(self.published),
        }


def progress(events: Iterable[dict], category_id: str | None = None) -> dict[str, dict[str, int]]:
    """{province: {count name: n}} in province order, optionally for one category only."""
    where: dict[str, str] = {}  # candidate -> province
    provinces: dict[str, ProvinceProgress] = {}

    def of(candidate_id: str | None) -> ProvinceProgress | None:
        province = where.get(candidate_id or "")
        return provinces[province] if province else None

    for event in events:
        kind, body = event.get("type"), event.get("payload") or {}
        if category_id is not None and body.get("category_id", category_id) != category_id:
            continue
        if kind == "CandidateRegistered":
            where[body["candidate_id"]] = body["province"]
            provinces.setdefault(body["province"], ProvinceProgress(body["province"])).registered.add(
                body["candidate_id"])
        elif kind in ("ShortlistSettled", "ProvincialResultsPublished") and body.get("province"):
            board = provinces.setdefault(body["province"], ProvinceProgress(body["province"]))
            if kind == "ShortlistSettled":
                board.shortlisted[body["category_id"]] = list(body.get("shortlisted", []))
            else:
                board.published.add(body["category_id"])
        elif (board := of(body.get("candidate_id"))) is not None:
            candidate = body["candidate_id"]
            if kind == "CandidateWithdrawn":
                board.withdrawn.add(candidate)
            elif kind == "CandidateScreened":
                board.screened[candidate] = bool(body.get("eligible"))
            elif kind in ("IndicatorScored", "ScoreAmended") and (event.get("actor") or {}).get("role") == "assessor":
                board.scored.add(candidate)
            elif kind == "InterviewScored":
                board.interviewed.add(candidate)
    return {name: provinces[name].counts() for name in sorted(provinces)}


def totals(per_province: dict[str, dict[str, int]]) -> dict[str, int]:
    return {name: sum(counts[name] for counts in per_province.values()) for name in COUNTS}


def stage_of(events: Iterable[dict]) -> str | None:
    """The cycle's stage as its events leave it (opened in registration, then each advance)."""
    stage = None
    for event in events:
        if event.get("type") == "CycleOpened":
            stage = "registration"
        elif event.get("type") == "CycleStageAdvanced":
            stage = (event.get("payload") or {}).get("to_stage", stage)
    return stage
