from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import DomainEvent, contract


class Attendee(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    position: str = Field(min_length=1, max_length=200)


class Substitute(Attendee):
    """Who came instead of the principal (regional head, CEO or rector), and why."""

    reason: str = Field(min_length=1, max_length=2000)


@contract
class InterviewScheduled(DomainEvent):
    """An interview of a shortlisted candidate: when, the panel, and who is to present."""

    TYPE = "InterviewScheduled"
    candidate_id: str
    cycle_id: str
    category_id: str
    province: str
    scheduled_for: datetime
    panel: list[str] = Field(min_length=1)
    principal: Attendee  # the regional head in person, or the CEO or rector
    officials: list[Attendee] = []
    substitute: Substitute | None = None


@contract
class InterviewScored(DomainEvent):
    """One interviewer's score. Without `indicator_id` (first contracts) it covers every
    interview indicator of the rubric."""

    TYPE = "InterviewScored"
    score_id: str
    candidate_id: str
    cycle_id: str
    interviewer_id: str
    value: float
    attendee: str = Field(min_length=1, max_length=200)
    indicator_id: str | None = None
    criteria: dict[str, float] | None = None


@contract
class InterviewScoreAmended(DomainEvent):
    TYPE = "InterviewScoreAmended"
    score_id: str
    supersedes: str
    candidate_id: str
    interviewer_id: str
    indicator_id: str | None = None
    value: float
    criteria: dict[str, float] | None = None
    reason: str = Field(min_length=1, max_length=2000)


@contract
class InterviewMissed(DomainEvent):
    """The candidate did not come to its interview; the rubric sets what follows."""

    TYPE = "InterviewMissed"
    candidate_id: str
    cycle_id: str
    reason: str = Field(min_length=1, max_length=2000)
    consequence: Literal["disqualified", "scale_minimum"]
