"""Scoring's reactions to other services' facts."""

from __future__ import annotations

from services.scoring.domain import ScoreFromFigure
from shared.contracts.evidence import CoverageFigureSubmitted
from shared.envelope import Actor
from shared.runtime import Runtime

RULES = Actor(id="scoring-rules", role="system")


def score_coverage_figures(rt: Runtime):
    """A coverage figure becomes a command to derive the computed scores (idempotent by event id)."""

    async def react(envelope, event) -> None:
        if not isinstance(event, CoverageFigureSubmitted):
            return
        command = ScoreFromFigure(
            **event.model_dump(
                include={"candidate_id", "cycle_id", "category_id", "figure_id", "workers_eligible", "workers_enrolled"}
            )
        )
        await rt.send(command, RULES, envelope.correlation_id, f"figure-{envelope.event_id}")

    return react
