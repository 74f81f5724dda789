"""Why a candidate has its total and rank, from its audit trail alone (pure).

`explain` orders every fact of the candidate's trail, its cycle's trail and its board's trail by
(occurred_at, event_id), says for each who (actor id and role), when and what, and replays the
candidate's facts through the Standings projection and the pure leaderboard functions with the
rubric of the CycleOpened event in the cycle's trail. Under z-score aggregation a person's score
is moved by everything that person scored on the same board, so the other candidates' trails
(`peers`) are an input and their scores by people are listed. The live board, if given, says the
candidate's current rank and whether the recomputed totals equal the live ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from services.ranking.aggregation import aggregator, current_scores, zscore_adjustment
from services.ranking.leaderboard import row
from services.ranking.projections import Standings
from services.ranking.replay import Pair, fold, place_on
from services.ranking.trail import chronological, decoded
from shared.contracts.cycle_config import Category, Rubric
from shared.contracts.evidence import (
    CandidateScreened,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    DocumentAttached,
    EvidenceRejected,
    EvidenceVerified,
)
from shared.contracts.interview import InterviewMissed, InterviewScheduled, InterviewScoreAmended, InterviewScored
from shared.contracts.ranking import ShortlistSettled
from shared.contracts.registration import (
    CandidateRegistered,
    CandidateWithdrawn,
    ConflictDeclared,
    CycleOpened,
    CycleStageAdvanced,
)
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
from shared.projection import View, apply_once, without_bookkeeping

TOTALS = ("document_total", "interview_total", "total")
SCORE_EVENTS = (IndicatorScored, ScoreAmended, InterviewScored, InterviewScoreAmended)


class Unexplained(ValueError):
    """The trails lack what an explanation starts from (the registration, the cycle's opening)."""


def _last(pairs: Iterable[Pair], kind: type) -> Any:
    return next((event for _envelope, event in reversed(list(pairs)) if isinstance(event, kind)), None)


def _n(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _was(before: View, sheet: str, score_id: str) -> str:
    return _n(before.get(sheet, {}).get(score_id, {}).get("value", "?"))


def _scored(e: IndicatorScored) -> str:
    if e.rule:
        return f"{e.indicator_id} scored {_n(e.value)} by rule {e.rule} from {e.inputs}"
    return f"{e.indicator_id} scored {_n(e.value)} by {e.assessor_id}, citing {', '.join(e.evidence) or 'nothing'}"


def _settled(e: ShortlistSettled, candidate_id: str) -> str:
    rank = next((r.rank for r in e.ranking if r.candidate_id == candidate_id), None)
    verdict = "shortlisted" if candidate_id in e.shortlisted else "not shortlisted"
    why = next((f": {d.reason}" for d in e.deviations if d.candidate_id == candidate_id), "")
    place = f"document-stage rank {rank}" if rank else "not ranked at the document stage"
    return f"plenary: {verdict} ({place}){why}"


Describe = Callable[[Any, View, str, Category], str]
DESCRIBE: dict[type, Describe] = {
    CycleOpened: lambda e, _b, _c, cat: f"cycle {e.config.cycle_id} ({e.config.edition_year}) opened; "
                                        f"{cat.id} rubric v{cat.rubric.version}, {cat.rubric.aggregation}",
    CycleStageAdvanced: lambda e, *_: f"cycle moved from {e.from_stage} to {e.to_stage}",
    CandidateRegistered: lambda e, *_: f"registered as {e.kind} {e.name!r} in {e.category_id}, {e.province}",
    CandidateWithdrawn: lambda e, *_: f"withdrew: {e.reason}",
    ConflictDeclared: lambda e, *_: f"{e.person_id} declared a conflict ({e.nature})",
    CoverageFigureSubmitted: lambda e, *_: f"coverage figure {e.figure_id}: {e.workers_enrolled} of "
                                           f"{e.workers_eligible} workers enrolled ({e.period}, {e.source})",
    CoverageFigureCorrected: lambda e, *_: f"coverage figure {e.figure_id} corrects {e.supersedes}: "
                                           f"{e.workers_enrolled} of {e.workers_eligible} ({e.reason})",
    EvidenceVerified: lambda e, *_: f"{e.kind} {e.evidence_id} verified" + (f": {e.reason}" if e.reason else ""),
    EvidenceRejected: lambda e, *_: f"{e.kind} {e.evidence_id} rejected: {e.reason}",
    DocumentAttached: lambda e, *_: f"document {e.document_id} {e.title!r} attached for {e.indicator_id}"
                                    + (f", replacing {e.replaces}" if e.replaces else ""),
    CandidateScreened: lambda e, *_: "screened: eligible" if e.eligible else
                                     f"screened: not eligible ({', '.join(f.rule for f in e.failed)})",
    IndicatorScored: lambda e, *_: _scored(e),
    ScoreAmended: lambda e, b, *_: f"{e.indicator_id} score {e.supersedes} amended by {e.assessor_id}: "
                                   f"{_was(b, 'scores', e.supersedes)} -> {_n(e.value)} ({e.reason})",
    ScoreFlaggedForReview: lambda e, *_: f"{e.indicator_id} score {e.score_id} flagged for review: {e.reason}",
    ScoreConfirmed: lambda e, *_: f"score {e.score_id} confirmed by {e.assessor_id}: {e.note}",
    ShortlistSettled: lambda e, _b, c, _cat: _settled(e, c),
    InterviewScheduled: lambda e, *_: f"interview scheduled for {e.scheduled_for.isoformat()}, "
                                      f"panel {', '.join(e.panel)}",
    InterviewScored: lambda e, *_: f"interview ({e.indicator_id or 'every interview indicator'}) "
                                   f"scored {_n(e.value)} by {e.interviewer_id}",
    InterviewScoreAmended: lambda e, b, *_: f"interview score {e.supersedes} amended by {e.interviewer_id}: "
                                            f"{_was(b, 'interviews', e.supersedes)} -> {_n(e.value)} ({e.reason})",
    InterviewMissed: lambda e, *_: f"missed the interview ({e.reason}): {e.consequence}",
}


def _details(event: Any, candidate_id: str, category: Category) -> dict[str, Any]:
    if isinstance(event, CycleOpened):
        config = event.config
        return {"cycle_id": config.cycle_id, "edition_year": config.edition_year,
                "config_version": config.config_version, "category_id": category.id,
                "rubric": category.rubric.model_dump(mode="json")}
    if isinstance(event, ShortlistSettled):
        entry = next((r for r in event.ranking if r.candidate_id == candidate_id), None)
        deviation = next((d.reason for d in event.deviations if d.candidate_id == candidate_id), None)
        return {"shortlist_id": event.shortlist_id, "rubric_version": event.rubric_version,
                "ranking_digest": event.ranking_digest, "shortlisted": candidate_id in event.shortlisted,
                "document_rank": entry.rank if entry else None, "document_total": entry.total if entry else None,
                "deviation_reason": deviation, "shortlist": event.shortlisted}
    return event.model_dump(mode="json")


def _chain(pairs: list[Pair], candidate_id: str, category: Category) -> tuple[list[dict[str, Any]], View]:
    """Each fact described against the standing it found, and the standing they leave."""
    standings, standing, chain = Standings(), {}, []
    for envelope, event in pairs:
        describe = DESCRIBE.get(type(event), lambda e, *_: e.TYPE)
        chain.append({
            "event_id": envelope.event_id, "type": envelope.type, "when": envelope.occurred_at.isoformat(),
            "who": envelope.actor.model_dump(), "what": describe(event, standing, candidate_id, category),
            "details": _details(event, candidate_id, category),
            **envelope.model_dump(include={"stream", "sequence", "hash", "causation_id", "correlation_id"}),
        })
        if standings.doc_id(envelope, event) == candidate_id:
            standing = apply_once(standings, standing, envelope, event) or standing
    return chain, without_bookkeeping(standing)


def _peer_standings(peers: Iterable[dict], own: View) -> list[View]:
    """The other candidates of the same board, each from its own trail."""
    board = ("cycle_id", "category_id", "province")
    found = []
    for trail in peers:
        for candidate_id, standing in fold(Standings(), decoded(trail)).items():
            if candidate_id != own["candidate_id"] and all(standing.get(k) == own.get(k) for k in board):
                found.append(without_bookkeeping(standing))
    return sorted(found, key=lambda s: s["candidate_id"])


def _by_a_person(rubric: Rubric, event: Any) -> bool:
    """A score the z-score adjusts: a judged one, or an interview one (never a computed one)."""
    method = {i.id: i.method for i in rubric.indicators}.get(event.indicator_id)
    if isinstance(event, (InterviewScored, InterviewScoreAmended)):
        return event.indicator_id is None or method == "interview"
    return method == "judged"


def _peer_scores(rubric: Rubric, peers: Iterable[dict], listed: set[str]) -> list[dict[str, Any]]:
    scores = []
    for trail in peers:
        for envelope, event in decoded(trail):
            if isinstance(event, SCORE_EVENTS) and event.candidate_id in listed and _by_a_person(rubric, event):
                person = getattr(event, "assessor_id", None) or getattr(event, "interviewer_id")
                scores.append({
                    "candidate_id": event.candidate_id, "event_id": envelope.event_id, "type": envelope.type,
                    "when": envelope.occurred_at.isoformat(), "who": envelope.actor.model_dump(),
                    "score_id": event.score_id, "supersedes": getattr(event, "supersedes", None),
                    "indicator_id": event.indicator_id, "by": person, "value": event.value,
                })
    return sorted(scores, key=lambda s: (s["when"], s["event_id"]))


def _indicators(rubric: Rubric, standing: View, everyone: list[View], scores: dict[str, float]) -> list[dict]:
    found = current_scores(rubric, standing)
    adjust = zscore_adjustment(rubric, everyone) if rubric.aggregation == "zscore" else None
    described = []
    for indicator in rubric.indicators:
        by_person = adjust is not None and indicator.method != "computed"
        value = scores.get(indicator.id)
        described.append({
            "indicator_id": indicator.id, "name": indicator.name, "method": indicator.method,
            "weight": indicator.weight,
            "rule": f"{indicator.rule.id}@v{indicator.rule.version}" if indicator.rule else None,
            "needs": rubric.min_assessors if indicator.method == "judged" else 1,
            "scores": [{"score_id": s.score_id, "by": s.person, "value": s.value,
                        **({"adjusted": round(adjust(s), 6)} if by_person else {})} for s in found[indicator.id]],
            "value": value,
            "contribution": None if value is None else round(indicator.weight * value, 6),
        })
    return described


def _live(live_board: dict | None, candidate_id: str) -> dict[str, Any] | None:
    place = place_on(live_board, candidate_id)
    if place is None:
        return None
    totals = {k: (place["row"] or {}).get(k) for k in TOTALS}
    return {"stage": live_board["stage"], "list": place["list"], "rank": place["rank"], **totals}


def registration_of(candidate_trail: dict | None) -> CandidateRegistered | None:
    """The trail's last registration, decoding (and checking) that entry alone: `explain` checks the rest."""
    entries = [e for e in (candidate_trail or {}).get("events", []) if e.get("type") == CandidateRegistered.TYPE]
    return _last(decoded({"events": entries[-1:]}), CandidateRegistered)


def explain(candidate_trail: dict, cycle_trail: dict, board_trail: dict | None = None,
            peers: Iterable[dict] = (), live_board: dict | None = None) -> dict[str, Any]:
    """The explanation of one candidate's standing; raises Unexplained without its registration or
    its cycle's opening. `peers`: the trails of the other candidates of its board."""
    own = decoded(candidate_trail)
    registered = _last(own, CandidateRegistered)
    if registered is None:
        raise Unexplained(f"the trail of {candidate_trail.get('subject_id')} holds no registration")
    cycle = decoded(cycle_trail)
    opened = _last(cycle, CycleOpened)
    category = opened.config.category(registered.category_id) if opened else None
    if category is None or opened.config.cycle_id != registered.cycle_id:
        raise Unexplained(f"no opening of cycle {registered.cycle_id} with category {registered.category_id}")
    rubric, candidate_id = category.rubric, registered.candidate_id
    board = decoded(board_trail)
    chain, standing = _chain(sorted([*cycle, *board, *own], key=chronological), candidate_id, category)
    peers = list(peers)
    others = _peer_standings(peers, standing)
    everyone = [standing, *others]
    settled = _last(board, ShortlistSettled)
    stage = "final" if settled is not None and candidate_id in settled.shortlisted else "document"
    recomputed = row(rubric, standing, stage, aggregator(rubric, everyone))
    live = _live(live_board, candidate_id)
    listed = {s["candidate_id"] for s in others}
    return {
        **{k: standing.get(k) for k in ("candidate_id", "name", "kind", "cycle_id", "category_id", "province")},
        "rubric": {**rubric.model_dump(mode="json", include={"version", "aggregation", "min_assessors", "scale",
                                                           "tie_break", "interview_no_show"}),
                   **({"trim_fraction": rubric.trim_fraction} if rubric.aggregation == "trimmed_mean" else {})},
        "events": chain,
        "indicators": _indicators(rubric, standing, everyone, recomputed["indicators"]),
        "totals": {"stage": stage, **{k: recomputed[k] for k in TOTALS}, "missing": recomputed["missing"],
                   "under_review": recomputed["under_review"], "withdrawn": bool(standing.get("withdrawn")),
                   "no_show": standing.get("no_show")},
        "peers": {"candidates": sorted(listed),
                  "scores": _peer_scores(rubric, peers, listed) if rubric.aggregation == "zscore" else []},
        "live": live,
        "matches_live": None if live is None or live["list"] in ("withdrawn", "disqualified")
        else all(live[k] == recomputed[k] for k in TOTALS),
    }
