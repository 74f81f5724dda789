"""Ranking's read model: one standing per candidate, built from every service's facts."""

from __future__ import annotations

from shared.contracts.evidence import EvidenceVerified
from shared.contracts.interview import InterviewScored
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.projection import Projection, View

STANDINGS = "standings"
FOLLOWED = (CandidateRegistered, CandidateWithdrawn, IndicatorScored, ScoreAmended, InterviewScored, EvidenceVerified)


class Standings(Projection):
    collection = STANDINGS

    def doc_id(self, envelope, event):
        return event.candidate_id if isinstance(event, FOLLOWED) else None

    def apply(self, view: View, envelope, event) -> View:
        view = {"candidate_id": event.candidate_id, "scores": {}, "interviews": {}, **view}
        if isinstance(event, CandidateWithdrawn):
            return {**view, "withdrawn": True, "withdrawal_reason": event.reason}
        if isinstance(event, CandidateRegistered):
            return {**view, **event.model_dump(include={"cycle_id", "category_id", "province", "name", "kind"})}
        if isinstance(event, (IndicatorScored, ScoreAmended)):
            return {**view, "scores": _with_score(view["scores"], event)}
        if isinstance(event, InterviewScored):
            entry = {"interviewer_id": event.interviewer_id, "value": event.value}
            return {**view, "interviews": {**view["interviews"], event.score_id: entry}}
        figures = event.figures  # the verified figure is the one that counts
        if figures is None:
            return view
        coverage = {"figure_id": event.evidence_id, **figures.model_dump()}
        return {**view, "coverage": {**coverage, "ratio": figures.workers_enrolled / figures.workers_eligible}}


def _with_score(scores: dict, event: IndicatorScored | ScoreAmended) -> dict:
    scores = dict(scores)
    if isinstance(event, ScoreAmended) and event.supersedes in scores:
        scores[event.supersedes] = {**scores[event.supersedes], "current": False}
    scores[event.score_id] = {
        "indicator_id": event.indicator_id,
        "assessor_id": event.assessor_id,
        "value": event.value,
        "current": True,
    }
    return scores
