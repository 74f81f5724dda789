"""Interview's decider: one score per interviewer, on the rubric's scale, during the interview
stage, for categories whose rubric has an interview indicator."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.interview.domain import CandidateInterview, InterviewSheet, RecordInterviewScore
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.interview import InterviewScored
from shared.directory import Registered


def _category(id_, indicators, scale=None):
    rubric = {"version": 1, "indicators": indicators, **({"scale": scale} if scale else {})}
    return {"id": id_, "name": id_, "segment": "government", "level": "regency_city", "rubric": rubric}


CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [
        _category("regency-city", [{"id": "policy", "name": "Policy", "weight": 0.8, "method": "judged"},
                                   {"id": "interview", "name": "Interview", "weight": 0.2, "method": "interview"}]),
        _category("no-interview", [{"id": "policy", "name": "Policy", "weight": 1, "method": "judged"}]),
        _category("ten-point", [{"id": "policy", "name": "Policy", "weight": 0.5, "method": "judged"},
                                {"id": "talk", "name": "Talk", "weight": 0.5, "method": "interview"}],
                  scale={"min": 1, "max": 10}),
    ],
})


def registered(stage: str = "interview", withdrawn: bool = False, category: str = "regency-city",
               candidate: bool = True) -> Registered:
    doc = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": category, "withdrawn": withdrawn}
    return Registered(doc if candidate else None, {"config": CONFIG.model_dump(mode="json"), "stage": stage})


def refused(command, state, context) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        CandidateInterview().decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def fold(state, events):
    for event in events:
        state = CandidateInterview().evolve(state, event)
    return state


INTERVIEW = dict(score_id="iv-1", candidate_id="kota-bandung", interviewer_id="panel-1", value=88,
                 attendee="Wali Kota Bandung")
ONE = InterviewSheet(interviewers=["panel-1"], score_ids=["iv-1"])


def test_an_interview_score_names_the_candidates_cycle_and_who_attended():
    [event] = CandidateInterview().decide(RecordInterviewScore(**INTERVIEW), InterviewSheet(), registered())
    assert event == InterviewScored(cycle_id="demo-2024", **INTERVIEW)
    assert fold(InterviewSheet(), [event]) == ONE
    assert RecordInterviewScore(**INTERVIEW).aggregate_id() == "kota-bandung"


def test_every_interviewer_scores_once():
    interview, state = CandidateInterview(), InterviewSheet()
    for n in (1, 2, 3):
        command = RecordInterviewScore(**{**INTERVIEW, "score_id": f"iv-{n}", "interviewer_id": f"panel-{n}"})
        state = fold(state, interview.decide(command, state, registered()))
    assert state.interviewers == ["panel-1", "panel-2", "panel-3"]
    assert state.score_ids == ["iv-1", "iv-2", "iv-3"]
    again = RecordInterviewScore(**{**INTERVIEW, "score_id": "iv-4", "interviewer_id": "panel-2"})
    assert refused(again, state, registered()) == ("already_scored", 409)


@pytest.mark.parametrize("value, category", [(0, "regency-city"), (100, "regency-city"), (1, "ten-point"),
                                             (10, "ten-point")])
def test_the_ends_of_the_scale_are_on_it(value, category):
    [event] = CandidateInterview().decide(RecordInterviewScore(**{**INTERVIEW, "value": value}), InterviewSheet(),
                                          registered(category=category))
    assert event.value == value


@pytest.mark.parametrize(
    "changes, state, context, rule, status",
    [
        ({"value": 100.5}, InterviewSheet(), registered(), "score_outside_scale", 422),
        ({"value": -1}, InterviewSheet(), registered(), "score_outside_scale", 422),
        ({"value": 0.5}, InterviewSheet(), registered(category="ten-point"), "score_outside_scale", 422),
        ({"value": 11}, InterviewSheet(), registered(category="ten-point"), "score_outside_scale", 422),
        ({}, InterviewSheet(), registered(category="no-interview"), "no_interview_indicator", 422),
        ({"score_id": "iv-2"}, ONE, registered(), "already_scored", 409),
        ({}, InterviewSheet(), registered(withdrawn=True), "candidate_withdrawn", 409),
        ({}, InterviewSheet(), registered(candidate=False), "unknown_candidate", 422),
        *[({}, InterviewSheet(), registered(stage), "wrong_stage", 409) for stage in STAGES if stage != "interview"],
    ],
)
def test_interview_rules(changes, state, context, rule, status):
    assert refused(RecordInterviewScore(**{**INTERVIEW, **changes}), state, context) == (rule, status)


def test_a_category_without_interview_is_refused_before_the_scale_is_checked():
    command = RecordInterviewScore(**{**INTERVIEW, "value": 1000})
    assert refused(command, InterviewSheet(), registered(category="no-interview")) == ("no_interview_indicator", 422)


@pytest.mark.parametrize(
    "changes",
    [{"score_id": "IV 1"}, {"candidate_id": "Kota"}, {"interviewer_id": ""}, {"attendee": ""},
     {"attendee": "x" * 201}, {"value": None}],
)
def test_malformed_interview_commands_do_not_validate(changes):
    with pytest.raises(ValidationError):
        RecordInterviewScore(**{**INTERVIEW, **changes})


def test_a_score_id_cannot_be_reused_by_another_interviewer():
    # Standings keys interviews by score id: a reused id would silently replace the first interviewer's score
    reused = RecordInterviewScore(**{**INTERVIEW, "interviewer_id": "panel-2", "value": 40})
    assert refused(reused, ONE, registered()) == ("duplicate_score_id", 409)
