"""Committee members, assessors and interviewers, and declared conflicts of interest."""

from __future__ import annotations

import pytest

from services.registration import reference
from services.registration.cycle_files import shipped
from services.registration.domain import CycleState, RegistrationContext
from services.registration.people import AppointCommitteeMember, AppointPanellist, DeclareConflict, Person, PersonState
from shared.commands import Rejected

CONFIG = shipped("demo")

OPEN = RegistrationContext(cycle=CycleState(config=CONFIG, stage="assessment"), regions=reference.load())
PANEL = dict(person_id="assessor-1", name="Dr. Sari", cycle_id="demo-2024", duty="assessor", province="jawa-barat",
             category_ids=["regency-city"])
CHAIR = dict(person_id="sekda-jabar", name="Sekda Jawa Barat", cycle_id="demo-2024", committee="jawa-barat",
             role="chair", represents="provincial secretary (Sekda)")


def decide(command, state=PersonState(), context=OPEN):
    return Person().decide(command, state, context)


def refused(command, state=PersonState(), context=OPEN) -> str:
    with pytest.raises(Rejected) as rejection:
        decide(command, state, context)
    return rejection.value.rule


def test_appointments_are_recorded_once_per_role_and_place():
    person, state = Person(), PersonState()
    for event in decide(AppointPanellist(**PANEL)):
        state = person.evolve(state, event)
    assert refused(AppointPanellist(**PANEL), state) == "already_appointed"
    national = AppointPanellist(**{**PANEL, "province": "national"})
    assert decide(national, state)[0].province == "national"
    interviewer = AppointPanellist(**{**PANEL, "duty": "interviewer"})
    assert decide(interviewer, state)[0].duty == "interviewer"


def test_committee_member_of_a_province():
    [event] = decide(AppointCommitteeMember(**CHAIR))
    assert (event.committee, event.role) == ("jawa-barat", "chair")


@pytest.mark.parametrize(
    "command, rule",
    [
        (AppointPanellist(**{**PANEL, "province": "atlantis"}), "unknown_province"),
        (AppointPanellist(**{**PANEL, "category_ids": ["village"]}), "unknown_category"),
        (AppointCommitteeMember(**{**CHAIR, "committee": "atlantis"}), "unknown_province"),
    ],
)
def test_appointments_must_name_known_places_and_categories(command, rule):
    assert refused(command) == rule


def test_appointments_need_an_open_cycle_before_results():
    assert refused(AppointPanellist(**PANEL), context=RegistrationContext(cycle=CycleState())) == "unknown_cycle"
    closed = RegistrationContext(cycle=CycleState(config=CONFIG, stage="closed"), regions=reference.load())
    assert refused(AppointPanellist(**PANEL), context=closed) == "wrong_stage"


def test_conflict_is_declared_once():
    conflict = DeclareConflict(person_id="assessor-1", cycle_id="demo-2024", candidate_id="kota-bandung",
                               nature="employed_by", note="was head of the regional manpower office until 2023")
    person, state = Person(), PersonState()
    for event in decide(conflict):
        state = person.evolve(state, event)
    assert state.conflicts == ["demo-2024/kota-bandung"]
    assert refused(conflict, state) == "conflict_already_declared"
