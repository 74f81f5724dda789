"""Interview's pure core: one candidate's interview. It is scheduled for a shortlisted candidate
before a panel of appointed interviewers; then each panellist scores each interview indicator
(amended only with a reason, never overwritten), or the candidate is recorded as missing it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from shared.board_status import look_up_board, require_open
from shared.shortlists import SHORTLISTS, shortlist_key
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.cycle_config import Indicator, Rubric
from shared.contracts.interview import (
    Attendee,
    InterviewMissed,
    InterviewScheduled,
    InterviewScoreAmended,
    InterviewScored,
    Substitute,
)
from shared.directory import Registered, look_up
from shared.judging import score_value
from shared.panel import look_up_person, require_panellist
from shared.projection import View

Person = Field(min_length=1, max_length=128)


class _OfCandidate(CommandBody):
    candidate_id: str = Id

    def aggregate_id(self) -> str:
        return self.candidate_id


class ScheduleInterview(_OfCandidate):
    """Schedule a shortlisted candidate's interview before a panel of appointed interviewers, naming
    who is to present: the principal in person or, with a reason, a substitute. A new schedule
    replaces the last until a score or a no-show is recorded."""

    NAME = "ScheduleInterview"
    scheduled_for: AwareDatetime  # the provinces span three time zones
    panel: list[Annotated[str, Person]] = Field(min_length=1, max_length=20)
    principal: Attendee
    officials: list[Attendee] = Field(default=[], max_length=10)
    substitute: Substitute | None = None

    @field_validator("panel")
    @classmethod
    def _each_once(cls, panel: list[str]) -> list[str]:
        if len(set(panel)) != len(panel):
            raise ValueError("a panel names each interviewer once")
        return panel


class _Scoring(_OfCandidate):
    score_id: str = Id
    interviewer_id: str = Person
    value: float | None = None
    criteria: dict[str, float] = {}


class RecordInterviewScore(_Scoring):
    """A panellist's score for one interview indicator: one value, or one per criterion."""

    NAME = "RecordInterviewScore"
    indicator_id: str = Id


class AmendInterviewScore(_Scoring):
    """A new score, by value or by criteria, superseding one of the interviewer's own, with its reason."""

    NAME = "AmendInterviewScore"
    supersedes: str = Id
    reason: str = Field(default="", max_length=2000)


class RecordNoShow(_OfCandidate):
    """The candidate did not come to its scheduled interview; nothing is recorded for it after this."""

    NAME = "RecordNoShow"
    reason: str = Field(min_length=1, max_length=2000)


class Schedule(BaseModel):
    scheduled_for: datetime
    panel: list[str]
    principal: Attendee
    officials: list[Attendee] = []
    substitute: Substitute | None = None

    def presenter(self) -> str:
        who = self.substitute or self.principal
        return f"{who.name}, {who.position}"[:200]  # the scores' limit; the schedule keeps the full names


class InterviewScore(BaseModel):
    indicator_id: str
    interviewer_id: str
    value: float
    criteria: dict[str, float] = {}
    current: bool = True


class NoShow(BaseModel):
    reason: str
    consequence: Literal["disqualified", "scale_minimum"]


class InterviewSheet(BaseModel):
    schedule: Schedule | None = None
    scores: dict[str, InterviewScore] = {}
    missed: NoShow | None = None

    def current(self, indicator_id: str, interviewer_id: str) -> str | None:
        return next(
            (
                sid
                for sid, s in self.scores.items()
                if s.current and s.indicator_id == indicator_id and s.interviewer_id == interviewer_id
            ),
            None,
        )

    @property
    def held(self) -> bool:
        return bool(self.scores) or self.missed is not None


@dataclass(frozen=True)
class Interviewing:
    """What a decision needs besides the interview itself: the candidate with its rubric, its
    province's shortlist for its category, the panel directory doc of each person named, and the
    status of the candidate's board (an amendment after the interview stage needs it reopened)."""

    registered: Registered
    shortlist: View | None = None
    people: Mapping[str, View | None] = field(default_factory=dict)
    board: View | None = None

    def rubric(self, amending: bool = False) -> Rubric:
        if amending:
            self.registered.require_active()
            require_open(self.board, self.registered.stage, "interview")
        else:
            self.registered.require_active("interview")
        rubric = self.registered.category.rubric
        if not rubric.has_interview():
            raise Rejected("no_interview_indicator", f"category {self.registered.category.id} has no interview", 422)
        return rubric

    def require_interviewer(self, person_id: str) -> None:
        require_panellist(self.people.get(person_id), "interviewer", self.registered.candidate)


def _require_open(state: InterviewSheet) -> Schedule:
    if state.missed is not None:
        raise Rejected("interview_missed", "the candidate missed its interview: nothing more is recorded for it")
    if state.schedule is None:
        raise Rejected("not_scheduled", "the candidate's interview is not scheduled")
    return state.schedule


def _interview_indicator(rubric: Rubric, indicator_id: str) -> Indicator:
    indicator = rubric.indicator(indicator_id)
    if indicator is None:
        raise Rejected("unknown_indicator", f"the rubric has no indicator {indicator_id}", 422)
    if indicator.method != "interview":
        raise Rejected("indicator_not_interview", f"{indicator.id} is {indicator.method}, not interview", 422)
    return indicator


class CandidateInterview(Aggregate[InterviewSheet]):
    kind = "interview-sheet"
    state_type = InterviewSheet
    commands = (ScheduleInterview, RecordInterviewScore, AmendInterviewScore, RecordNoShow)

    async def context(self, command, store) -> Interviewing:
        registered = await look_up(store, command.candidate_id)
        candidate = registered.candidate
        if candidate is None or isinstance(command, RecordNoShow):
            return Interviewing(registered)
        cycle_id, shortlist, board = candidate["cycle_id"], None, None
        if isinstance(command, ScheduleInterview):
            key = shortlist_key(cycle_id, candidate["category_id"], candidate["province"])
            shortlist, people = await store.get(SHORTLISTS, key), command.panel
        else:
            people = [command.interviewer_id]
        if isinstance(command, AmendInterviewScore):
            board = await look_up_board(store, candidate)
        people_docs = {p: await look_up_person(store, cycle_id, p) for p in people}
        return Interviewing(registered, shortlist, people_docs, board)

    def decide(self, command, state, context: Interviewing):
        if isinstance(command, ScheduleInterview):
            return self._schedule(command, state, context)
        if isinstance(command, RecordNoShow):
            return self._no_show(command, state, context)
        if command.score_id in state.scores:
            raise Rejected("duplicate_score_id", f"score {command.score_id} already exists")
        if isinstance(command, RecordInterviewScore):
            return self._score(command, state, context)
        return self._amend(command, state, context)

    def _schedule(self, command: ScheduleInterview, state: InterviewSheet, context: Interviewing):
        context.rubric()
        if state.held:
            raise Rejected("interview_held", "a score or a no-show is recorded: the interview cannot be rescheduled")
        candidate = context.registered.candidate
        if command.candidate_id not in (context.shortlist or {}).get("shortlisted", []):
            raise Rejected("not_shortlisted", f"{command.candidate_id} is not on the settled shortlist of "
                           f"{candidate['category_id']} in {candidate['province']}")
        for person_id in command.panel:
            context.require_interviewer(person_id)
        where = {k: candidate[k] for k in ("cycle_id", "category_id", "province")}
        return [InterviewScheduled(**where, **command.model_dump())]

    def _score(self, command: RecordInterviewScore, state: InterviewSheet, context: Interviewing):
        rubric = context.rubric()
        schedule = _require_open(state)
        if command.interviewer_id not in schedule.panel:
            raise Rejected("not_on_panel", f"{command.interviewer_id} is not on this interview's panel", 403)
        context.require_interviewer(command.interviewer_id)
        indicator = _interview_indicator(rubric, command.indicator_id)
        value = score_value(rubric, indicator, command.value, command.criteria)
        if state.current(indicator.id, command.interviewer_id):
            raise Rejected("already_scored", "this interviewer already scored this indicator: amend it instead")
        return [
            InterviewScored(
                cycle_id=context.registered.candidate["cycle_id"],
                attendee=schedule.presenter(),
                **{**command.model_dump(), "value": value, "criteria": command.criteria or None},
            )
        ]

    def _amend(self, command: AmendInterviewScore, state: InterviewSheet, context: Interviewing):
        if not command.reason.strip():
            raise Rejected("amendment_reason_required", "an amendment must give its reason", 422)
        rubric = context.rubric(amending=True)
        _require_open(state)
        old = state.scores.get(command.supersedes)
        if old is None:
            raise Rejected("unknown_score", f"no interview score {command.supersedes} for this candidate")
        if not old.current:
            raise Rejected("score_superseded", f"score {command.supersedes} was already amended")
        if old.interviewer_id != command.interviewer_id:
            raise Rejected("not_own_score", "only the interviewer who gave a score may amend it")
        context.require_interviewer(command.interviewer_id)
        value = score_value(rubric, _interview_indicator(rubric, old.indicator_id), command.value, command.criteria)
        return [
            InterviewScoreAmended(
                indicator_id=old.indicator_id,
                **{**command.model_dump(), "value": value, "criteria": command.criteria or None},
            )
        ]

    def _no_show(self, command: RecordNoShow, state: InterviewSheet, context: Interviewing):
        rubric = context.rubric()
        _require_open(state)
        if state.scores:
            raise Rejected("interview_held", "the candidate was interviewed: scores are recorded")
        return [
            InterviewMissed(
                cycle_id=context.registered.candidate["cycle_id"],
                consequence=rubric.interview_no_show,
                **command.model_dump(),
            )
        ]

    def evolve(self, state, event):
        if isinstance(event, InterviewScheduled):
            schedule = Schedule.model_validate(event.model_dump(include=set(Schedule.model_fields)))
            return state.model_copy(update={"schedule": schedule})
        if isinstance(event, InterviewMissed):
            return state.model_copy(update={"missed": NoShow(reason=event.reason, consequence=event.consequence)})
        scores = dict(state.scores)
        if isinstance(event, InterviewScoreAmended):
            scores[event.supersedes] = scores[event.supersedes].model_copy(update={"current": False})
        scores[event.score_id] = InterviewScore(
            indicator_id=event.indicator_id,
            interviewer_id=event.interviewer_id,
            value=event.value,
            criteria=event.criteria or {},
        )
        return state.model_copy(update={"scores": scores})
