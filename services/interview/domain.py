"""Interview's pure core: a candidate's interview scores, one per interviewer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.interview import InterviewScored
from shared.directory import Registered, look_up


class RecordInterviewScore(CommandBody):
    NAME = "RecordInterviewScore"
    score_id: str = Id
    candidate_id: str = Id
    interviewer_id: str = Field(min_length=1, max_length=128)
    value: float
    attendee: str = Field(min_length=1, max_length=200)

    def aggregate_id(self) -> str:
        return self.candidate_id


class InterviewSheet(BaseModel):
    interviewers: list[str] = []
    score_ids: list[str] = []


class CandidateInterview(Aggregate[InterviewSheet]):
    kind = "interview-sheet"
    state_type = InterviewSheet
    commands = (RecordInterviewScore,)

    async def context(self, command, store) -> Registered:
        return await look_up(store, command.candidate_id)

    def decide(self, command, state, context: Registered):
        context.require_active("interview")
        rubric = context.category.rubric
        if not any(i.method == "interview" for i in rubric.indicators):
            raise Rejected("no_interview_indicator", f"category {context.category.id} has no interview", 422)
        if not rubric.scale.min <= command.value <= rubric.scale.max:
            raise Rejected("score_outside_scale", f"{command.value} is outside the rubric's scale", 422)
        if command.score_id in state.score_ids:
            raise Rejected("duplicate_score_id", f"score {command.score_id} already exists")
        if command.interviewer_id in state.interviewers:
            raise Rejected("already_scored", "this interviewer already scored this candidate")
        return [InterviewScored(cycle_id=context.candidate["cycle_id"], **command.model_dump())]

    def evolve(self, state, event):
        return InterviewSheet(
            interviewers=[*state.interviewers, event.interviewer_id], score_ids=[*state.score_ids, event.score_id]
        )
