"""Interview's decider: a shortlisted candidate's interview is scheduled before appointed,
unconflicted interviewers; each panellist scores each interview indicator once (by value or by
criteria, on the scale), amends only its own score with a reason; or the candidate is recorded as
missing it, after which nothing is recorded. Plus the shortlists the service keeps, and the context."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.interview.domain import (
    AmendInterviewScore,
    CandidateInterview,
    Interviewing,
    InterviewScore,
    InterviewSheet,
    NoShow,
    RecordInterviewScore,
    RecordNoShow,
    Schedule,
    ScheduleInterview,
)
from shared.board_status import BOARD_STATUS
from shared.shortlists import SHORTLISTS, Shortlists, shortlist_key
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.interview import InterviewMissed, InterviewScheduled, InterviewScoreAmended, InterviewScored
from shared.contracts.ranking import RankedEntry, ShortlistSettled
from shared.contracts.registration import (
    CandidateRegistered,
    ConflictDeclared,
    CycleOpened,
    CycleStageAdvanced,
    PanellistAppointed,
)
from shared.directory import CandidateDirectory, CycleDirectory, Registered
from shared.envelope import Actor, seal
from shared.panel import PanelDirectory
from shared.projection import project
from tests.unit.test_publication import BOARD, FREEZE, PUBLISHED_STATUS, REOPENED_STATUS

CRITERIA = [{"id": "commitment", "name": "Forward commitment", "weight": 0.3},
            {"id": "work-plan", "name": "Work plan", "weight": 0.3},
            {"id": "budget", "name": "Budget policy", "weight": 0.2},
            {"id": "presentation", "name": "Presentation", "weight": 0.2}]


def _category(id_, indicators, **rubric):
    return {"id": id_, "name": id_, "segment": "government", "level": "regency_city",
            "rubric": {"version": 1, "indicators": indicators, **rubric}}


CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [
        _category("regency-city", [
            {"id": "policy", "name": "Policy", "weight": 0.6, "method": "judged"},
            {"id": "understanding", "name": "Understanding", "weight": 0.2, "method": "interview",
             "sub_indicators": CRITERIA},
            {"id": "talk", "name": "Talk", "weight": 0.2, "method": "interview"},
        ]),
        _category("no-interview", [{"id": "policy", "name": "Policy", "weight": 1, "method": "judged"}]),
        _category("ten-point", [{"id": "policy", "name": "Policy", "weight": 0.5, "method": "judged"},
                                {"id": "talk", "name": "Talk", "weight": 0.5, "method": "interview"}],
                  scale={"min": 1, "max": 10}, interview_no_show="scale_minimum"),
    ],
})
WHERE = {"cycle_id": "demo-2024", "province": "jawa-barat"}
WHEN = datetime(2025, 2, 17, 9, 0, tzinfo=UTC)
WALI_KOTA = {"name": "Muhammad Farhan", "position": "Wali Kota Bandung"}
DEPUTY = {"name": "Erwin", "position": "Wakil Wali Kota Bandung", "reason": "the mayor is abroad"}


def person(person_id, province="jawa-barat", categories=("regency-city", "ten-point", "no-interview"),
           duty="interviewer", conflicts=None):
    return {"person_id": person_id, "cycle_id": "demo-2024", "duties": {duty: {province: list(categories)}},
            "committees": {}, "conflicts": conflicts or {}}


PANEL = {p: person(p) for p in ("iv-1", "iv-2", "iv-3")}


def interviewing(stage="interview", category="regency-city", withdrawn=False, candidate=True, shortlisted=True,
                 people=None, board=None) -> Interviewing:
    doc = {"candidate_id": "kota-bandung", "category_id": category, "withdrawn": withdrawn, **WHERE}
    cycle = {"config": CONFIG.model_dump(mode="json"), "stage": stage}
    shortlist = {"shortlisted": ["kota-bogor", *(["kota-bandung"] if shortlisted else [])]}
    return Interviewing(Registered(doc if candidate else None, cycle), shortlist, PANEL if people is None else people,
                        board)


def decide(command, state, context=None):
    return CandidateInterview().decide(command, state, interviewing() if context is None else context)


def refused(command, state, context=None) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def fold(state, events):
    for event in events:
        state = CandidateInterview().evolve(state, event)
    return state


def run(state, *commands, context=None):
    for command in commands:
        state = fold(state, decide(command, state, context))
    return state


SCHEDULE = dict(candidate_id="kota-bandung", scheduled_for=WHEN, panel=["iv-1", "iv-2"], principal=WALI_KOTA,
                officials=[{"name": "Ema Sumarna", "position": "Sekretaris Daerah"}])
SCORE = dict(score_id="s-1", candidate_id="kota-bandung", interviewer_id="iv-1", indicator_id="talk", value=80)
BY_CRITERIA = dict(SCORE, indicator_id="understanding", value=None,
                   criteria={"commitment": 80, "work-plan": 70, "budget": 90, "presentation": 60})
AMEND = dict(score_id="s-1b", candidate_id="kota-bandung", supersedes="s-1", interviewer_id="iv-1", value=85,
             reason="the work plan was read again")
NO_SHOW = dict(candidate_id="kota-bandung", reason="nobody came at 09:00 nor by noon")

SCHEDULED = run(InterviewSheet(), ScheduleInterview(**SCHEDULE))
SCORED = run(SCHEDULED, RecordInterviewScore(**SCORE))
MISSED = run(SCHEDULED, RecordNoShow(**NO_SHOW))
NOT_CURRENT = SCORED.model_copy(update={"scores": {"s-1": SCORED.scores["s-1"].model_copy(update={"current": False})}})


def not_interview_stages(command, state):
    return [(command, state, interviewing(stage), "wrong_stage", 409) for stage in STAGES if stage != "interview"]


def candidate_rules(command, state):
    """What every command is refused for: the candidate, its stage and its category."""
    return [
        *not_interview_stages(command, state),
        (command, state, interviewing(withdrawn=True), "candidate_withdrawn", 409),
        (command, state, interviewing(candidate=False), "unknown_candidate", 422),
        (command, state, interviewing(category="gone"), "unknown_candidate", 422),
        (command, state, interviewing(category="no-interview"), "no_interview_indicator", 422),
    ]


# scheduling ----------------------------------------------------------------------------------

def test_an_interview_is_scheduled_where_the_candidate_is_registered():
    [event] = decide(ScheduleInterview(**SCHEDULE), InterviewSheet())
    assert event == InterviewScheduled(category_id="regency-city", **WHERE, **SCHEDULE)
    assert fold(InterviewSheet(), [event]) == InterviewSheet(schedule=Schedule(**{
        k: v for k, v in SCHEDULE.items() if k != "candidate_id"}))
    assert ScheduleInterview(**SCHEDULE).aggregate_id() == "kota-bandung"


def test_a_schedule_is_replaced_until_the_interview_is_held():
    later = ScheduleInterview(**{**SCHEDULE, "scheduled_for": WHEN.replace(hour=13), "panel": ["iv-3"],
                                 "substitute": DEPUTY})
    state = run(SCHEDULED, later)
    assert state.schedule.scheduled_for == WHEN.replace(hour=13)
    assert (state.schedule.panel, state.schedule.substitute.name) == (["iv-3"], "Erwin")


@pytest.mark.parametrize("people", [
    {"iv-1": person("iv-1"), "iv-2": person("iv-2", province="national")},
    {"iv-1": person("iv-1", conflicts={"kota-bogor": "employed_by"}), "iv-2": person("iv-2")},
])
def test_interviewers_appointed_nationally_or_conflicted_with_others_may_sit(people):
    assert decide(ScheduleInterview(**SCHEDULE), InterviewSheet(), interviewing(people=people))


SCHEDULING = ScheduleInterview(**SCHEDULE)


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        *candidate_rules(SCHEDULING, InterviewSheet()),
        (SCHEDULING, InterviewSheet(), interviewing(shortlisted=False), "not_shortlisted", 409),
        (SCHEDULING, InterviewSheet(), Interviewing(interviewing().registered, None, PANEL), "not_shortlisted", 409),
        (SCHEDULING, InterviewSheet(), interviewing(people={"iv-1": PANEL["iv-1"]}), "not_assigned", 403),
        (SCHEDULING, InterviewSheet(), interviewing(people={**PANEL, "iv-2": person("iv-2", duty="assessor")}),
         "not_assigned", 403),
        (SCHEDULING, InterviewSheet(), interviewing(people={**PANEL, "iv-2": person("iv-2", province="bali")}),
         "not_assigned", 403),
        (SCHEDULING, InterviewSheet(), interviewing(people={**PANEL, "iv-2": person("iv-2", categories=["village"])}),
         "not_assigned", 403),
        (SCHEDULING, InterviewSheet(),
         interviewing(people={**PANEL, "iv-2": person("iv-2", conflicts={"kota-bandung": "related_to"})}),
         "conflict_of_interest", 403),
        (SCHEDULING, SCORED, interviewing(), "interview_held", 409),
        (SCHEDULING, MISSED, interviewing(), "interview_held", 409),
    ],
)
def test_scheduling_rules(command, state, context, rule, status):
    assert refused(command, state, context) == (rule, status)


@pytest.mark.parametrize(
    "changes",
    [{"panel": []}, {"panel": ["iv-1", "iv-1"]}, {"panel": [""]}, {"panel": [f"iv-{n}" for n in range(21)]},
     {"scheduled_for": datetime(2025, 2, 17, 9)}, {"principal": {"name": "Farhan"}},
     {"substitute": {"name": "Erwin", "position": "Wakil"}}, {"candidate_id": "Kota Bandung"}, {"room": "A"}],
)
def test_malformed_schedules_do_not_validate(changes):
    with pytest.raises(ValidationError):
        ScheduleInterview(**{**SCHEDULE, **changes})


# scores --------------------------------------------------------------------------------------

def test_a_score_names_the_cycle_the_indicator_and_the_principal_who_presented():
    [event] = decide(RecordInterviewScore(**SCORE), SCHEDULED)
    assert event == InterviewScored(**SCORE, cycle_id="demo-2024", attendee="Muhammad Farhan, Wali Kota Bandung")
    assert fold(SCHEDULED, [event]).scores == {"s-1": InterviewScore(indicator_id="talk", interviewer_id="iv-1",
                                                                     value=80)}
    assert SCORED.current("talk", "iv-1") == "s-1"
    assert SCORED.current("talk", "iv-2") is None and SCORED.current("understanding", "iv-1") is None


def test_a_substitute_is_named_as_who_presented():
    state = run(InterviewSheet(), ScheduleInterview(**SCHEDULE, substitute=DEPUTY))
    [event] = decide(RecordInterviewScore(**SCORE), state)
    assert event.attendee == "Erwin, Wakil Wali Kota Bandung"


def test_who_presented_is_cut_to_the_length_a_score_can_hold():
    state = run(InterviewSheet(), ScheduleInterview(**{**SCHEDULE, "principal": {"name": "N" * 190,
                                                                                  "position": "P" * 200}}))
    [event] = decide(RecordInterviewScore(**SCORE), state)
    assert event.attendee == "N" * 190 + ", " + "P" * 8
    assert state.schedule.principal.position == "P" * 200


@pytest.mark.parametrize(
    "criteria, value",
    [({"commitment": 80, "work-plan": 70, "budget": 90, "presentation": 60}, 75),
     ({"commitment": 100, "work-plan": 100, "budget": 100, "presentation": 100}, 100),
     ({"commitment": 0, "work-plan": 0, "budget": 0, "presentation": 0}, 0),
     ({"commitment": 33.3, "work-plan": 66.7, "budget": 10, "presentation": 0}, 32)],
)
def test_a_score_by_criteria_is_their_weighted_sum_and_keeps_them(criteria, value):
    [event] = decide(RecordInterviewScore(**{**BY_CRITERIA, "criteria": criteria}), SCHEDULED)
    assert (event.value, event.criteria, event.indicator_id) == (value, criteria, "understanding")
    assert fold(SCHEDULED, [event]).scores["s-1"].criteria == criteria


@pytest.mark.parametrize("value, category", [(0, "regency-city"), (100, "regency-city"), (1, "ten-point"),
                                             (10, "ten-point")])
def test_the_ends_of_the_scale_are_on_it(value, category):
    [event] = decide(RecordInterviewScore(**{**SCORE, "value": value}), SCHEDULED, interviewing(category=category))
    assert (event.value, event.criteria) == (value, None)


def test_each_panellist_scores_each_interview_indicator_once():
    state = run(SCHEDULED, RecordInterviewScore(**SCORE), RecordInterviewScore(**{**SCORE, "score_id": "s-2",
                                                                                  "interviewer_id": "iv-2"}),
                RecordInterviewScore(**{**BY_CRITERIA, "score_id": "s-3"}))
    assert {sid: (s.indicator_id, s.interviewer_id, s.value) for sid, s in state.scores.items()} == {
        "s-1": ("talk", "iv-1", 80), "s-2": ("talk", "iv-2", 80), "s-3": ("understanding", "iv-1", 75)}


def _score(**changes):
    return RecordInterviewScore(**{**SCORE, **changes})


def _by_criteria(**criteria):
    return RecordInterviewScore(**{**BY_CRITERIA, "criteria": {**BY_CRITERIA["criteria"], **criteria}})


CONFLICTED = {**PANEL, "iv-1": person("iv-1", conflicts={"kota-bandung": "advises"})}


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        *candidate_rules(_score(), SCHEDULED),
        (_score(), InterviewSheet(), interviewing(), "not_scheduled", 409),
        (_score(), MISSED, interviewing(), "interview_missed", 409),
        (_score(interviewer_id="iv-3"), SCHEDULED, interviewing(), "not_on_panel", 403),
        (_score(), SCHEDULED, interviewing(people=CONFLICTED), "conflict_of_interest", 403),
        (_score(), SCHEDULED, interviewing(people={}), "not_assigned", 403),
        (_score(indicator_id="charisma"), SCHEDULED, interviewing(), "unknown_indicator", 422),
        (_score(indicator_id="understanding"), SCHEDULED, interviewing(category="ten-point"), "unknown_indicator",
         422),
        (_score(indicator_id="policy"), SCHEDULED, interviewing(), "indicator_not_interview", 422),
        (_score(value=None), SCHEDULED, interviewing(), "criteria_mismatch", 422),
        (_score(criteria={"presentation": 80}), SCHEDULED, interviewing(), "criteria_mismatch", 422),
        (_score(indicator_id="understanding"), SCHEDULED, interviewing(), "criteria_mismatch", 422),
        (_by_criteria(charisma=50), SCHEDULED, interviewing(), "criteria_mismatch", 422),
        (RecordInterviewScore(**{**BY_CRITERIA, "criteria": {"commitment": 80}}), SCHEDULED, interviewing(),
         "criteria_mismatch", 422),
        (RecordInterviewScore(**{**BY_CRITERIA, "value": 75}), SCHEDULED, interviewing(), "criteria_mismatch", 422),
        (_score(value=100.01), SCHEDULED, interviewing(), "score_outside_scale", 422),
        (_score(value=-1), SCHEDULED, interviewing(), "score_outside_scale", 422),
        (_score(value=float("nan")), SCHEDULED, interviewing(), "score_outside_scale", 422),
        (_score(value=0.5), SCHEDULED, interviewing(category="ten-point"), "score_outside_scale", 422),
        (_score(value=11), SCHEDULED, interviewing(category="ten-point"), "score_outside_scale", 422),
        # the weighted sum would be 70, on the scale, but one criterion is not
        (_by_criteria(commitment=120, **{"work-plan": 20}), SCHEDULED, interviewing(), "score_outside_scale", 422),
        (_by_criteria(budget=-5), SCHEDULED, interviewing(), "score_outside_scale", 422),
        (_score(score_id="s-2"), SCORED, interviewing(), "already_scored", 409),
        (_score(indicator_id="understanding"), SCORED, interviewing(), "duplicate_score_id", 409),
        (_score(interviewer_id="iv-2"), SCORED, interviewing(), "duplicate_score_id", 409),
    ],
)
def test_scoring_rules(command, state, context, rule, status):
    assert refused(command, state, context) == (rule, status)


@pytest.mark.parametrize(
    "changes",
    [{"score_id": "S1"}, {"indicator_id": ""}, {"interviewer_id": ""}, {"interviewer_id": "i" * 129},
     {"value": "high"}, {"criteria": {"budget": "high"}}, {"attendee": "Wali Kota"}],
)
def test_malformed_scores_do_not_validate(changes):
    with pytest.raises(ValidationError):
        RecordInterviewScore(**{**SCORE, **changes})


# amendments ----------------------------------------------------------------------------------

def test_an_amendment_names_what_it_supersedes_and_why():
    [event] = decide(AmendInterviewScore(**AMEND), SCORED)
    assert event == InterviewScoreAmended(indicator_id="talk", **AMEND)
    state = fold(SCORED, [event])
    assert state.scores == {
        "s-1": InterviewScore(indicator_id="talk", interviewer_id="iv-1", value=80, current=False),
        "s-1b": InterviewScore(indicator_id="talk", interviewer_id="iv-1", value=85),
    }
    assert state.current("talk", "iv-1") == "s-1b"


def test_amendments_chain_and_may_give_criteria():
    state = run(SCHEDULED, RecordInterviewScore(**BY_CRITERIA), AmendInterviewScore(**{
        **AMEND, "value": None, "criteria": {**BY_CRITERIA["criteria"], "presentation": 100}}))
    assert (state.scores["s-1b"].value, state.scores["s-1b"].criteria["presentation"]) == (83, 100)
    state = run(state, AmendInterviewScore(**{**AMEND, "score_id": "s-1c", "supersedes": "s-1b", "value": None,
                                              "criteria": {**BY_CRITERIA["criteria"], "budget": 40}}))
    assert [sid for sid, s in state.scores.items() if s.current] == ["s-1c"]
    assert state.scores["s-1c"].value == 65


def _amend(**changes):
    return AmendInterviewScore(**{**AMEND, **changes})


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        *candidate_rules(_amend(), SCORED),
        (_amend(reason=""), SCORED, interviewing(), "amendment_reason_required", 422),
        (_amend(reason=" \n\t"), SCORED, interviewing(), "amendment_reason_required", 422),
        (_amend(), MISSED, interviewing(), "interview_missed", 409),
        (_amend(supersedes="s-9"), SCORED, interviewing(), "unknown_score", 409),
        (_amend(), NOT_CURRENT, interviewing(), "score_superseded", 409),
        (_amend(interviewer_id="iv-2"), SCORED, interviewing(), "not_own_score", 409),
        (_amend(), SCORED, interviewing(people=CONFLICTED), "conflict_of_interest", 403),
        (_amend(value=101), SCORED, interviewing(), "score_outside_scale", 422),
        (_amend(value=None), SCORED, interviewing(), "criteria_mismatch", 422),
        (_amend(criteria={"budget": 80}), SCORED, interviewing(), "criteria_mismatch", 422),
        (_amend(score_id="s-1"), SCORED, interviewing(), "duplicate_score_id", 409),
    ],
)
def test_amendment_rules(command, state, context, rule, status):
    assert refused(command, state, context) == (rule, status)


# the freeze once the province's results are published ---------------------------------------



def test_a_reopened_board_takes_amendments_in_provincial_results():
    [event] = decide(_amend(), SCORED, interviewing("provincial_results", board=REOPENED_STATUS))
    assert event == InterviewScoreAmended(indicator_id="talk", **AMEND)


@pytest.mark.parametrize("stage, board, rule", [*FREEZE, ("plenary", None, "wrong_stage")])
def test_a_published_board_freezes_amendments(stage, board, rule):
    assert refused(_amend(), SCORED, interviewing(stage, board=board)) == (rule, 409)


@pytest.mark.parametrize("board", [None, PUBLISHED_STATUS, REOPENED_STATUS])
def test_scores_schedules_and_no_shows_stay_in_the_interview_stage_even_on_a_reopened_board(board):
    context = interviewing("provincial_results", board=board)
    assert refused(RecordInterviewScore(**{**SCORE, "score_id": "s-2", "indicator_id": "understanding"}), SCORED,
                   context) == ("wrong_stage", 409)
    assert refused(RecordNoShow(**NO_SHOW), SCHEDULED, context) == ("wrong_stage", 409)
    assert refused(ScheduleInterview(**SCHEDULE), InterviewSheet(), context) == ("wrong_stage", 409)


def test_a_reopened_board_does_not_lift_the_other_rules():
    reopened = dict(stage="provincial_results", board=REOPENED_STATUS)
    assert refused(_amend(), SCORED, interviewing(withdrawn=True, **reopened)) == ("candidate_withdrawn", 409)
    assert refused(_amend(), SCORED, interviewing(people=CONFLICTED, **reopened)) == ("conflict_of_interest", 403)
    assert refused(_amend(), MISSED, interviewing(**reopened)) == ("interview_missed", 409)


# no-shows ------------------------------------------------------------------------------------

@pytest.mark.parametrize("category, consequence", [("regency-city", "disqualified"), ("ten-point", "scale_minimum")])
def test_a_no_show_carries_the_consequence_the_rubric_sets(category, consequence):
    [event] = decide(RecordNoShow(**NO_SHOW), SCHEDULED, interviewing(category=category))
    assert event == InterviewMissed(cycle_id="demo-2024", consequence=consequence, **NO_SHOW)
    assert fold(SCHEDULED, [event]).missed == NoShow(reason=NO_SHOW["reason"], consequence=consequence)


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        *candidate_rules(RecordNoShow(**NO_SHOW), SCHEDULED),
        (RecordNoShow(**NO_SHOW), InterviewSheet(), interviewing(), "not_scheduled", 409),
        (RecordNoShow(**NO_SHOW), SCORED, interviewing(), "interview_held", 409),
        (RecordNoShow(**NO_SHOW), MISSED, interviewing(), "interview_missed", 409),
    ],
)
def test_no_show_rules(command, state, context, rule, status):
    assert refused(command, state, context) == (rule, status)


@pytest.mark.parametrize("changes", [{"reason": ""}, {"reason": "x" * 2001}, {"candidate_id": ""}])
def test_malformed_no_shows_do_not_validate(changes):
    with pytest.raises(ValidationError):
        RecordNoShow(**{**NO_SHOW, **changes})


def test_every_command_is_for_the_candidates_interview():
    commands = [ScheduleInterview(**SCHEDULE), RecordInterviewScore(**SCORE), AmendInterviewScore(**AMEND),
                RecordNoShow(**NO_SHOW)]
    assert {c.aggregate_id() for c in commands} == {"kota-bandung"}
    assert {c.NAME for c in commands} == {type(c).__name__ for c in commands}


def test_the_state_survives_its_round_trip_through_the_store():
    state = run(SCORED, AmendInterviewScore(**AMEND), RecordInterviewScore(**{**BY_CRITERIA, "score_id": "s-2"}))
    assert InterviewSheet.model_validate(state.model_dump(mode="json")) == state
    assert InterviewSheet.model_validate(MISSED.model_dump(mode="json")) == MISSED


# the shortlists and the context --------------------------------------------------------------

class Store:
    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], dict] = {}

    async def get(self, collection, doc_id):
        return self.docs.get((collection, doc_id))

    async def put(self, collection, doc_id, doc):
        self.docs[(collection, doc_id)] = doc

    async def put_if_revision(self, collection, doc_id, doc, expected):
        if (self.docs.get((collection, doc_id)) or {}).get("_revision", 0) != expected:
            return False
        self.docs[(collection, doc_id)] = doc
        return True


def envelope(event, stream="upstream/x", sequence=1):
    return seal({"event_id": f"{stream}-{sequence}", "type": event.TYPE, "schema_version": 1, "stream": stream,
                 "sequence": sequence, "occurred_at": datetime(2025, 2, 10, tzinfo=UTC),
                 "actor": Actor(id="org", role="organiser"), "correlation_id": "k",
                 "payload": event.model_dump(mode="json"), "previous_hash": None})


def settled(shortlisted, sequence=1):
    return ShortlistSettled(
        shortlist_id=shortlist_key("demo-2024", "regency-city", "jawa-barat"), category_id="regency-city",
        rubric_version=1, shortlisted=shortlisted, ranking_digest="0" * 64, **WHERE,
        ranking=[RankedEntry(candidate_id=c, rank=n, total=90 - n) for n, c in enumerate(shortlisted, start=1)])


async def feed(store, *events):
    reactions = [project(p, store) for p in (CycleDirectory(), CandidateDirectory(), PanelDirectory(), Shortlists())]
    for n, event in enumerate(events, start=1):
        for react in reactions:
            await react(envelope(event, sequence=n), event)


async def test_a_shortlist_is_kept_by_province_and_category_with_its_ranking():
    store = Store()
    await feed(store, settled(["kota-bogor"]), settled(["kota-bandung", "kota-bogor"]))
    doc = await store.get(SHORTLISTS, "demo-2024:regency-city:jawa-barat")
    assert doc["shortlisted"] == ["kota-bandung", "kota-bogor"]
    assert [e["candidate_id"] for e in doc["ranking"]] == ["kota-bandung", "kota-bogor"]
    assert doc["ranking_digest"] == "0" * 64 and doc["province"] == "jawa-barat"
    assert Shortlists().doc_id(envelope(NO_SHOW_EVENT), NO_SHOW_EVENT) is None


NO_SHOW_EVENT = InterviewMissed(cycle_id="demo-2024", consequence="disqualified", **NO_SHOW)
DIRECTORY = [
    CycleOpened(config=CONFIG),
    CycleStageAdvanced(cycle_id="demo-2024", from_stage="plenary", to_stage="interview"),
    CandidateRegistered(candidate_id="kota-bandung", category_id="regency-city", kind="regency_city",
                        name="Kota Bandung", **WHERE),
    *[PanellistAppointed(person_id=p, name=p, cycle_id="demo-2024", duty="interviewer", province="jawa-barat",
                         category_ids=["regency-city"]) for p in ("iv-1", "iv-2")],
    ConflictDeclared(person_id="iv-2", cycle_id="demo-2024", candidate_id="kota-bandung", nature="related_to"),
    settled(["kota-bandung"]),
]


async def test_the_context_reads_the_candidate_its_shortlist_and_the_people_named_from_the_store():
    store = Store()
    await feed(store, *DIRECTORY)
    interview = CandidateInterview()
    scheduling = await interview.context(ScheduleInterview(**{**SCHEDULE, "panel": ["iv-1", "iv-9"]}), store)
    assert scheduling.registered.stage == "interview" and scheduling.registered.category.id == "regency-city"
    assert scheduling.shortlist["shortlisted"] == ["kota-bandung"]
    assert scheduling.people["iv-1"]["duties"] == {"interviewer": {"jawa-barat": ["regency-city"]}}
    assert set(scheduling.people) == {"iv-1", "iv-9"} and scheduling.people["iv-9"] is None
    assert refused(ScheduleInterview(**SCHEDULE), InterviewSheet(), scheduling) == ("not_assigned", 403)
    scoring = await interview.context(RecordInterviewScore(**{**SCORE, "interviewer_id": "iv-2"}), store)
    assert (scoring.shortlist, list(scoring.people)) == (None, ["iv-2"])
    assert scoring.people["iv-2"]["conflicts"] == {"kota-bandung": "related_to"}
    amending = await interview.context(AmendInterviewScore(**AMEND), store)
    assert list(amending.people) == ["iv-1"]
    no_show = await interview.context(RecordNoShow(**NO_SHOW), store)
    assert (no_show.shortlist, no_show.people, no_show.registered.stage) == (None, {}, "interview")
    unknown = await interview.context(RecordInterviewScore(**{**SCORE, "candidate_id": "kota-bogor"}), store)
    assert (unknown.registered.candidate, unknown.people) == (None, {})


async def test_the_context_of_an_amendment_reads_the_candidates_board_status():
    store = Store()
    await feed(store, *DIRECTORY)
    interview = CandidateInterview()
    assert (await interview.context(AmendInterviewScore(**AMEND), store)).board is None
    await store.put(BOARD_STATUS, BOARD, REOPENED_STATUS)
    assert (await interview.context(AmendInterviewScore(**AMEND), store)).board == REOPENED_STATUS
    assert (await interview.context(RecordInterviewScore(**SCORE), store)).board is None
    assert (await interview.context(ScheduleInterview(**SCHEDULE), store)).board is None


async def test_a_schedule_decided_on_the_stored_context_is_accepted():
    store = Store()
    await feed(store, *DIRECTORY)
    command = ScheduleInterview(**{**SCHEDULE, "panel": ["iv-1"]})
    [event] = CandidateInterview().decide(command, InterviewSheet(), await CandidateInterview().context(command,
                                                                                                        store))
    assert (event.category_id, event.province, event.panel) == ("regency-city", "jawa-barat", ["iv-1"])
