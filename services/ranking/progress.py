"""A cycle's progress and coverage per province, as read models: one small document per candidate
(`CandidateProgress`, pure) saying how far it has come (registered, withdrawn, screened and found
eligible, scored by an assessor, interviewed) and its latest verified coverage figure; and the
pure counts over those documents, with the plenary's shortlists and the publications (read
models ranking keeps already: shared.shortlists, shared.board_status) per province.

The counts read one small document per candidate in scope, never the cycle's events."""

from __future__ import annotations

from collections.abc import Iterable

from shared.contracts.evidence import CandidateScreened, EvidenceRejected, EvidenceVerified
from shared.contracts.interview import InterviewScored
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.projection import Projection, View

PROGRESS = "progress_candidates"
COUNTS = ("registered", "withdrawn", "screened", "eligible", "scored", "shortlisted", "interviewed", "published")
FOLLOWED = (CandidateRegistered, CandidateWithdrawn, CandidateScreened, IndicatorScored, ScoreAmended,
            InterviewScored, EvidenceVerified, EvidenceRejected)
ASSESSOR = "assessor"  # a score counts as the candidate being scored only when an assessor gave it


class CandidateProgress(Projection):
    """One document per candidate: where it stands (its cycle, category and province from its
    registration) and how far it has come. Events of a candidate may arrive before its registration
    (they come from other services' topics); they are kept, and counted once it is registered."""

    collection = PROGRESS

    def doc_id(self, envelope, event):
        return event.candidate_id if isinstance(event, FOLLOWED) else None

    def apply(self, view: View, envelope, event) -> View:
        view = {"candidate_id": event.candidate_id, **view}
        if isinstance(event, CandidateRegistered):
            return {**view, **event.model_dump(include={"cycle_id", "category_id", "province"}), "registered": True}
        if isinstance(event, CandidateWithdrawn):
            return {**view, "withdrawn": True}
        if isinstance(event, CandidateScreened):  # the latest screening counts
            return {**view, "screened": True, "eligible": event.eligible}
        if isinstance(event, (IndicatorScored, ScoreAmended)):
            return {**view, "scored": True} if envelope.actor.role == ASSESSOR else view
        if isinstance(event, InterviewScored):
            return {**view, "interviewed": True}
        if isinstance(event, EvidenceVerified):
            if event.kind != "figure" or event.figures is None:
                return view
            figure = {"figure_id": event.evidence_id, "workers_enrolled": event.figures.workers_enrolled,
                      "workers_eligible": event.figures.workers_eligible}
            return {**view, "coverage": figure}  # the latest verified figure is the one that counts
        # EvidenceRejected: the figure that counted no longer does
        if (view.get("coverage") or {}).get("figure_id") == event.evidence_id:
            return {k: v for k, v in view.items() if k != "coverage"}
        return view


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def count_progress(candidates: Iterable[View], shortlists: Iterable[View], boards: Iterable[View],
                   provinces: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
    """{province: {count: n}} in province order. `candidates` are CandidateProgress documents (only
    registered ones count); `shortlists` the settled shortlists (shortlisted: the candidates);
    `boards` the board statuses (a category counts as published once published at least once);
    `provinces`, when given, limits the answer to those and lists each of them, even at zero."""
    wanted = None if provinces is None else set(provinces)
    found: dict[str, dict[str, int]] = {p: _zero() for p in wanted or ()}

    def row(province: str | None) -> dict[str, int] | None:
        if not province or (wanted is not None and province not in wanted):
            return None
        return found.setdefault(province, _zero())

    for doc in candidates:
        counts = row(doc.get("province")) if doc.get("registered") else None
        if counts is None:
            continue
        counts["registered"] += 1
        for name in ("withdrawn", "screened", "eligible", "scored", "interviewed"):
            counts[name] += bool(doc.get(name))
    for doc in shortlists:
        if (counts := row(doc.get("province"))) is not None:
            counts["shortlisted"] += len(doc.get("shortlisted") or ())
    for doc in boards:
        if doc.get("published") and (counts := row(doc.get("province"))) is not None:
            counts["published"] += 1
    return {province: found[province] for province in sorted(found)}


def totals(per_province: dict[str, dict[str, int]]) -> dict[str, int]:
    return {name: sum(counts[name] for counts in per_province.values()) for name in COUNTS}


def count_coverage(candidates: Iterable[View], provinces: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
    """{province: workers enrolled, workers eligible and how many candidates' figures they sum} over
    the registered candidates with a verified coverage figure, in province order."""
    wanted = None if provinces is None else set(provinces)
    found: dict[str, dict[str, int]] = {}
    for doc in candidates:
        province, figure = doc.get("province"), doc.get("coverage")
        if not doc.get("registered") or not province or not figure or (wanted is not None and province not in wanted):
            continue
        counts = found.setdefault(province, {"workers_enrolled": 0, "workers_eligible": 0, "candidates": 0})
        counts["workers_enrolled"] += figure["workers_enrolled"]
        counts["workers_eligible"] += figure["workers_eligible"]
        counts["candidates"] += 1
    return {province: found[province] for province in sorted(found)}
