"""Scoring's reactions to other services' facts."""

from __future__ import annotations

from services.scoring.domain import ScoreFromFigure
from shared.contracts.evidence import EvidenceVerified
from shared.envelope import Actor
from shared.runtime import Runtime

RULES = Actor(id="scoring-rules", role="system")


def score_coverage_figures(rt: Runtime):
    """A verified coverage figure becomes a command to derive the computed scores (idempotent by
    event id). Figures not (yet) verified count for nothing."""

    async def react(envelope, event) -> None:
        if not isinstance(event, EvidenceVerified) or event.figures is None:
            return
        command = ScoreFromFigure(
            candidate_id=event.candidate_id,
            cycle_id=event.cycle_id,
            category_id=event.category_id,
            figure_id=event.evidence_id,
            workers_eligible=event.figures.workers_eligible,
            workers_enrolled=event.figures.workers_enrolled,
        )
        await rt.send(command, RULES, envelope.correlation_id, f"figure-{envelope.event_id}")

    return react
