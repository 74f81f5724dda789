from __future__ import annotations

from pydantic import Field

from shared.contracts.base import DomainEvent, contract


@contract
class InterviewScored(DomainEvent):
    TYPE = "InterviewScored"
    score_id: str
    candidate_id: str
    cycle_id: str
    interviewer_id: str
    value: float
    attendee: str = Field(min_length=1, max_length=200)
