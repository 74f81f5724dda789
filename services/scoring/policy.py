"""Scoring's reactions to evidence facts, each a command to the candidate's score sheet
(idempotent by the causing event's id)."""

from __future__ import annotations

from services.scoring.commands import FlagScoresForReview, ScoreFromFigure
from shared.contracts.evidence import CoverageFigureCorrected, DocumentAttached, EvidenceRejected, EvidenceVerified
from shared.envelope import Actor
from shared.runtime import Runtime

RULES = Actor(id="scoring-rules", role="system")


def _derivation(envelope, event) -> ScoreFromFigure | None:
    """A verified coverage figure derives the computed scores; unverified figures count for nothing."""
    if not isinstance(event, EvidenceVerified) or event.figures is None:
        return None
    return ScoreFromFigure(
        candidate_id=event.candidate_id,
        cycle_id=event.cycle_id,
        category_id=event.category_id,
        figure_id=event.evidence_id,
        workers_eligible=event.figures.workers_eligible,
        workers_enrolled=event.figures.workers_enrolled,
        cause=envelope.event_id,
    )


def _review(envelope, event) -> FlagScoresForReview | None:
    """Evidence that no longer stands flags every judged score that cited it."""
    if isinstance(event, EvidenceRejected):
        evidence_id, reason = event.evidence_id, f"{event.kind} {event.evidence_id} was rejected: {event.reason}"
    elif isinstance(event, CoverageFigureCorrected):
        evidence_id, reason = event.supersedes, f"figure {event.supersedes} was corrected by {event.figure_id}"
    elif isinstance(event, DocumentAttached) and event.replaces:
        evidence_id, reason = event.replaces, f"document {event.replaces} was replaced by {event.document_id}"
    else:
        return None
    return FlagScoresForReview(candidate_id=event.candidate_id, evidence_id=evidence_id, reason=reason,
                               cause=envelope.event_id)


def follow_evidence(rt: Runtime):
    async def react(envelope, event) -> None:
        command = _derivation(envelope, event) or _review(envelope, event)
        if command is not None:
            await rt.send(command, RULES, envelope.correlation_id, f"{command.NAME}-{envelope.event_id}")

    return react
