"""The registration directory: its two projections and `Registered`, the context other services'
deciders check a candidate against."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn, CycleOpened, CycleStageAdvanced
from shared.contracts.scoring import IndicatorScored
from shared.directory import CandidateDirectory, CycleDirectory, Registered
from shared.envelope import Actor, seal
from shared.projection import apply_once

CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [{"id": "regency-city", "name": "Best regency/city", "segment": "government",
                    "level": "regency_city",
                    "rubric": {"version": 3, "indicators": [{"id": "policy", "name": "Policy", "weight": 1,
                                                             "method": "judged"}]}}],
})
CYCLE_DOC = {"config": CONFIG.model_dump(mode="json"), "stage": "assessment"}
CANDIDATE_DOC = {"candidate_id": "kota-bandung", "cycle_id": "demo-2024", "category_id": "regency-city",
                 "withdrawn": False}


def envelope(event, stream="registration/x", sequence=1):
    return seal({"event_id": f"{stream}-{sequence}", "type": event.TYPE, "schema_version": 1, "stream": stream,
                 "sequence": sequence, "occurred_at": datetime(2025, 1, 6, tzinfo=UTC),
                 "actor": Actor(id="org", role="organiser"), "correlation_id": "k",
                 "payload": event.model_dump(mode="json"), "previous_hash": None})


def rule_of(registered: Registered, *stages: str) -> tuple[str, int] | None:
    try:
        registered.require_active(*stages)
    except Rejected as rejection:
        return rejection.rule, rejection.status
    return None


# Registered ----------------------------------------------------------------------------------

def test_registered_exposes_the_candidates_category_rubric_and_the_cycle_stage():
    registered = Registered(CANDIDATE_DOC, CYCLE_DOC)
    assert registered.config == CONFIG
    assert registered.stage == "assessment"
    assert registered.category.id == "regency-city" and registered.category.rubric.version == 3
    assert rule_of(registered, "assessment") is None
    assert rule_of(registered, "registration", "assessment") is None
    assert rule_of(registered) is None  # no stages named: any stage will do


@pytest.mark.parametrize(
    "candidate, cycle, rule",
    [
        (None, None, ("unknown_candidate", 422)),
        (None, CYCLE_DOC, ("unknown_candidate", 422)),
        (CANDIDATE_DOC, None, ("unknown_candidate", 422)),
        (CANDIDATE_DOC, {"stage": "assessment"}, ("unknown_candidate", 422)),  # stage known before the config
        ({**CANDIDATE_DOC, "category_id": "village"}, CYCLE_DOC, ("unknown_candidate", 422)),
        ({**CANDIDATE_DOC, "withdrawn": True}, CYCLE_DOC, ("candidate_withdrawn", 409)),
        ({**CANDIDATE_DOC, "withdrawn": True}, {**CYCLE_DOC, "stage": "closed"}, ("candidate_withdrawn", 409)),
        (CANDIDATE_DOC, {**CYCLE_DOC, "stage": "plenary"}, ("wrong_stage", 409)),
    ],
)
def test_require_active_rules(candidate, cycle, rule):
    assert rule_of(Registered(candidate, cycle), "assessment") == rule


@pytest.mark.parametrize("stage", STAGES)
def test_require_active_accepts_exactly_the_named_stages(stage):
    registered = Registered(CANDIDATE_DOC, {**CYCLE_DOC, "stage": stage})
    allowed = ("registration", "screening", "assessment")
    assert (rule_of(registered, *allowed) is None) == (stage in allowed)


def test_a_missing_candidate_has_no_category_and_no_stage():
    registered = Registered(None, None)
    assert (registered.category, registered.config, registered.stage) == (None, None, None)


# the directory projections ---------------------------------------------------------------------

def test_cycle_directory_follows_opening_and_every_stage():
    projection, view = CycleDirectory(), {}
    opened = CycleOpened(config=CONFIG)
    assert projection.doc_id(envelope(opened), opened) == "demo-2024"
    view = apply_once(projection, view, envelope(opened, "registration/cycle/demo-2024", 1), opened)
    assert view["stage"] == "registration" and CycleConfig.model_validate(view["config"]) == CONFIG
    for n, (before, after) in enumerate(zip(STAGES, STAGES[1:]), start=2):
        advanced = CycleStageAdvanced(cycle_id="demo-2024", from_stage=before, to_stage=after)
        assert projection.doc_id(envelope(advanced), advanced) == "demo-2024"
        view = apply_once(projection, view, envelope(advanced, "registration/cycle/demo-2024", n), advanced)
    assert view["stage"] == "closed"
    assert view["_seen"] == {"registration/cycle/demo-2024": len(STAGES)}
    # a redelivered opening changes nothing
    assert apply_once(projection, view, envelope(opened, "registration/cycle/demo-2024", 1), opened) is None


def test_cycle_directory_keeps_a_stage_it_already_knows_when_the_opening_arrives():
    view = CycleDirectory().apply({"stage": "screening"}, None, CycleOpened(config=CONFIG))
    assert view["stage"] == "screening"


REG = CandidateRegistered(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                          kind="regency_city", name="Kota Bandung", province="jawa-barat")
WITHDRAWN = CandidateWithdrawn(candidate_id="kota-bandung", cycle_id="demo-2024", reason="surat")


def test_candidate_directory_records_the_registration_then_the_withdrawal():
    projection = CandidateDirectory()
    assert projection.doc_id(envelope(REG), REG) == "kota-bandung"
    assert projection.doc_id(envelope(WITHDRAWN), WITHDRAWN) == "kota-bandung"
    view = projection.apply({}, envelope(REG), REG)
    assert view == {"withdrawn": False, **REG.model_dump(mode="json")}
    view = projection.apply(view, envelope(WITHDRAWN), WITHDRAWN)
    assert view["withdrawn"] is True and view["category_id"] == "regency-city"
    assert rule_of(Registered(view, CYCLE_DOC), "assessment") == ("candidate_withdrawn", 409)


def test_candidate_directory_keeps_a_withdrawal_that_arrived_first():
    view = CandidateDirectory().apply({"withdrawn": True}, envelope(REG), REG)
    assert view["withdrawn"] is True


def test_directories_ignore_other_events():
    score = IndicatorScored(score_id="s", candidate_id="kota-bandung", cycle_id="demo-2024",
                            category_id="regency-city", indicator_id="policy", assessor_id="a", value=1,
                            rubric_version=1)
    assert CycleDirectory().doc_id(envelope(score), score) is None
    assert CandidateDirectory().doc_id(envelope(score), score) is None
    assert CycleDirectory().doc_id(envelope(REG), REG) is None
