"""Ranking's read model: one standing per candidate, built from every service's facts."""

from __future__ import annotations

from shared.contracts.evidence import EvidenceVerified
from shared.contracts.interview import InterviewMissed, InterviewScheduled, InterviewScoreAmended, InterviewScored
from shared.contracts.ranking import ScoresExcluded
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
from shared.projection import Projection, View

STANDINGS = "standings"
FOLLOWED = (
    CandidateRegistered, CandidateWithdrawn,
    IndicatorScored, ScoreAmended, ScoreFlaggedForReview, ScoreConfirmed,
    InterviewScheduled, InterviewScored, InterviewScoreAmended, InterviewMissed,
    EvidenceVerified,
)
ADOPTED = (ScoresExcluded,)  # ranking's own: an adopted exclusion's part for one candidate
# what a standing keeps of the registration: its board, its name, and what recognises its subject
# in other cycles (services.ranking.history)
REGISTRATION_KEPT = {"cycle_id", "category_id", "province", "zone", "name", "kind", "regency_code", "employer_id"}


class Standings(Projection):
    collection = STANDINGS

    def doc_id(self, envelope, event):
        return event.candidate_id if isinstance(event, (*FOLLOWED, *ADOPTED)) else None

    def apply(self, view: View, envelope, event) -> View:
        view = {"candidate_id": event.candidate_id, "scores": {}, "interviews": {}, **view}
        if isinstance(event, CandidateWithdrawn):
            return {**view, "withdrawn": True, "withdrawal_reason": event.reason}
        if isinstance(event, CandidateRegistered):
            return {**view, **event.model_dump(include=REGISTRATION_KEPT)}
        if isinstance(event, ScoresExcluded):
            return excluding(view, event.person_id, event.scenario_id)
        if isinstance(event, (IndicatorScored, ScoreAmended)):
            entry = {"indicator_id": event.indicator_id, "assessor_id": event.assessor_id, "value": event.value}
            return {**view, "scores": _superseding(view["scores"], event, entry)}
        if isinstance(event, ScoreFlaggedForReview):
            review = {"evidence_id": event.evidence_id, "reason": event.reason}
            return {**view, "scores": _revised(view["scores"], event.score_id, review=review)}
        if isinstance(event, ScoreConfirmed):
            return {**view, "scores": _revised(view["scores"], event.score_id, without=("review",))}
        if isinstance(event, (InterviewScored, InterviewScoreAmended)):
            entry = {"interviewer_id": event.interviewer_id, "indicator_id": event.indicator_id, "value": event.value}
            return {**view, "interviews": _superseding(view["interviews"], event, entry)}
        if isinstance(event, InterviewScheduled):
            return {**view, "interview_schedule": event.model_dump(mode="json", include={"scheduled_for", "panel"})}
        if isinstance(event, InterviewMissed):
            return {**view, "no_show": {"reason": event.reason, "consequence": event.consequence}}
        return _with_figure(view, event)


def excluding(view: View, person_id: str, scenario_id: str) -> View:
    """The standing with every score by `person_id` ignored (services.ranking.aggregation), and the
    scenario that justified it; a what-if scenario's shadow standings use it too."""
    return {**view, "excluded": {**view.get("excluded", {}), person_id: scenario_id}}


def _revised(entries: dict, score_id: str, without: tuple[str, ...] = (), **changes) -> dict:
    """The entries with one of them changed; a score this standing never saw changes nothing."""
    if score_id not in entries:
        return entries
    kept = {k: v for k, v in entries[score_id].items() if k not in without}
    return {**entries, score_id: {**kept, **changes}}


def _superseding(entries: dict, event, entry: dict) -> dict:
    """The entries with the event's score added as current; an amendment retires the score it
    supersedes, and with it any review of that score."""
    supersedes = getattr(event, "supersedes", None)
    if supersedes is not None:
        entries = _revised(entries, supersedes, without=("review",), current=False)
    return {**entries, event.score_id: {**entry, "current": True}}


def _with_figure(view: View, event: EvidenceVerified) -> View:
    figures = event.figures  # the verified figure is the one that counts
    if figures is None:
        return view
    coverage = {"figure_id": event.evidence_id, **figures.model_dump()}
    return {**view, "coverage": {**coverage, "ratio": figures.workers_enrolled / figures.workers_eligible}}
