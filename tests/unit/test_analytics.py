"""Assessor and interviewer analytics from the events (pure), and who may see them over HTTP.

The generated cycle of test_whatif: assessor-3 is lenient. Offsets from the panel's median (three
assessors on every judged indicator of every candidate):
  Kota Bandung  policy 90 - 82 = +8,  implementation 82 - 72 = +10
  Kab. Bekasi   85 - 80 = +5, +5      Kab. Bogor 100 - 76 = +24, +24    Kota Depok 75 - 60 = +15, +15
  mean +106/8 = +13.25 points, .1325 of the 0-100 scale: beyond .1, lenient. Within .1 of the
  median: 8, 10, 5, 5 -> agreement 4/8 = .5 (not below .5).
  assessor-1: -2 (Bandung policy 80 vs 82), -2 (implementation 70 vs 72), 0 elsewhere -> -.5.
"""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import pstdev

import pytest

from services.ranking.analytics import Thresholds, panellists
from services.ranking.replay import up_to
from shared.contracts.interview import InterviewScored
from shared.contracts.ranking import PanellistExcluded
from shared.contracts.scoring import ScoreAmended
from tests.unit.test_trail_and_explain import CYCLE, demo_facts
from tests.unit.test_whatif import LENIENT, lenient_facts, record, serving


def _people(report: dict) -> dict[str, dict]:
    return {p["person_id"]: p for p in report["people"]}


def test_the_lenient_assessor_is_flagged_with_the_scores_behind_the_flag():
    facts = lenient_facts()
    report = panellists(up_to(facts.pairs), CYCLE)
    people = _people(report)
    assert report["flagged"] == [{"person_id": LENIENT, "duty": "assessor", "flags": ["lenient"]}]
    lenient = people[LENIENT]
    assert (lenient["leniency"], lenient["leniency_share"], lenient["agreement"]) == (13.25, 0.1325, 0.5)
    assert (lenient["scores"], lenient["compared"], lenient["amendments"], lenient["churn"]) == (8, 8, 0, 0.0)
    assert lenient["spread"] == round(pstdev([90, 82, 85, 85, 100, 100, 75, 75]), 6)
    assert lenient["name"] == "Assessor-3"
    [flag] = lenient["flags"]
    mine = {e.event_id for e, ev in facts.pairs if getattr(ev, "assessor_id", None) == LENIENT}
    assert {e["event_id"] for e in flag["events"]} == mine
    first = flag["events"][0]
    assert (first["candidate_id"], first["value"], first["panel_median"], first["offset"]) == (
        "kab-bogor", 100.0, 76.0, 24.0)
    assert people["assessor-1"]["leniency"] == -0.5 and people["assessor-2"]["leniency"] == 0
    assert people["assessor-1"]["flags"] == [] == people["assessor-2"]["flags"]
    assert "scoring-rules" not in people and not any(p.startswith("rule:") for p in people)


def test_panels_of_two_are_not_compared():
    report = panellists(up_to(demo_facts().pairs), CYCLE)
    assert all(p["compared"] == 0 and p["leniency"] is None for p in report["people"])
    loose = panellists(up_to(demo_facts().pairs), CYCLE, Thresholds(min_panel=2))
    assert _people(loose)["assessor-1"]["compared"] == 8


def test_an_amendment_after_anothers_score_of_the_same_indicator():
    facts = demo_facts()  # assessor-1 amended Kab. Bogor's policy 60 -> 75 after assessor-2 had given 75
    people = _people(panellists(up_to(facts.pairs), CYCLE))
    [after] = people["assessor-1"]["amendments_after_others"]
    amendment = next(e for e, ev in facts.pairs if isinstance(ev, ScoreAmended))
    others = next(e for e, ev in facts.pairs if getattr(ev, "score_id", None) == "s-kab-bogor-policy-2")
    assert (after["event_id"], after["after"], after["was"], after["value"]) == (
        amendment.event_id, [others.event_id], 60.0, 75.0)
    assert after["towards_others"] is True and after["others_mean"] == 75.0
    assert [f["flag"] for f in people["assessor-1"]["flags"]] == ["amended_towards_others"]
    assert people["assessor-1"]["amended_after_others"] == 1 and people["assessor-2"]["amended_after_others"] == 0


def test_an_amendment_away_from_the_others_is_counted_not_flagged_and_churn_has_a_threshold():
    facts = demo_facts()
    facts.add(ScoreAmended(score_id="s-kab-bogor-policy-1-a2", supersedes="s-kab-bogor-policy-1-a1",
                           candidate_id="kab-bogor", indicator_id="policy", assessor_id="assessor-1", value=40,
                           reason="read again"), ("assessor-1", "assessor"))
    people = _people(panellists(up_to(facts.pairs), CYCLE))
    second = people["assessor-1"]["amendments_after_others"][1]
    assert (second["was"], second["value"], second["towards_others"]) == (75.0, 40.0, False)
    assert people["assessor-1"]["churn"] == 0.25 and people["assessor-1"]["current"] == 8
    churned = _people(panellists(up_to(facts.pairs), CYCLE, Thresholds(churn=0.2)))["assessor-1"]
    [flag] = [f for f in churned["flags"] if f["flag"] == "amendment_churn"]
    assert [e["supersedes"] for e in flag["events"]] == ["s-kab-bogor-policy-1", "s-kab-bogor-policy-1-a1"]


def test_scores_near_and_after_the_assessment_deadline():
    # the demo's assessment closes 2025-02-12: the deadline is midnight WIB, 2025-02-12T17:00Z;
    # assessor-3 gives five scores in the last hours, three after it
    facts = lenient_facts(lenient_from=datetime(2025, 2, 12, 16, 55, tzinfo=UTC))
    lenient = _people(panellists(up_to(facts.pairs), CYCLE))[LENIENT]
    assert (lenient["near_deadline"], lenient["after_deadline"]) == (5, 3)
    assert lenient["deadline"] == "2025-02-13T00:00:00+07:00"
    flags = {f["flag"]: f for f in lenient["flags"]}
    assert set(flags) == {"lenient", "deadline_rush", "after_deadline"}
    assert [e["at"] for e in flags["after_deadline"]["events"]] == [
        "2025-02-12T17:00:00+00:00", "2025-02-12T17:01:00+00:00", "2025-02-12T17:02:00+00:00"]
    relaxed = _people(panellists(up_to(facts.pairs), CYCLE, Thresholds(near_deadline_hours=0.01)))[LENIENT]
    assert relaxed["near_deadline"] == 0 and "deadline_rush" not in {f["flag"] for f in relaxed["flags"]}


def test_a_harsh_interviewer_and_agreement():
    facts = demo_facts()
    for interviewer, values in (("interviewer-2", (86, 90, 82)), ("interviewer-3", (60, 65, 55))):
        for candidate_id, value in zip(("kota-bandung", "kab-bekasi", "kab-bogor"), values):
            facts.add(InterviewScored(score_id=f"i-{candidate_id}-{interviewer[-1]}", candidate_id=candidate_id,
                                      cycle_id=CYCLE, interviewer_id=interviewer, indicator_id="interview",
                                      value=value, attendee="Regent"), (interviewer, "interviewer"))
    report = panellists(up_to(facts.pairs), CYCLE)
    harsh = _people(report)["interviewer-3"]
    # medians 86, 90, 80: offsets -26, -25, -25
    assert (harsh["duty"], harsh["leniency"], harsh["agreement"]) == ("interviewer", round(-76 / 3, 6), 0.0)
    assert [f["flag"] for f in harsh["flags"]] == ["harsh", "disagrees"]
    assert {p["person_id"] for p in report["flagged"]} == {"interviewer-3", "assessor-1"}
    assert _people(report)["interviewer-1"]["flags"] == []


def test_disagreement_and_filters_and_exclusions():
    facts = lenient_facts()
    strict = _people(panellists(up_to(facts.pairs), CYCLE, Thresholds(tolerance=0.05)))[LENIENT]
    assert strict["agreement"] == 0.25 and [f["flag"] for f in strict["flags"]] == ["lenient", "disagrees"]
    assert panellists(up_to(facts.pairs), CYCLE, province="banten")["people"] == []
    assert len(panellists(up_to(facts.pairs), CYCLE, category_id="regency-city")["people"]) == 3
    assert panellists(up_to(facts.pairs), "another-cycle")["people"] == []
    record(facts, PanellistExcluded(cycle_id=CYCLE, person_id=LENIENT, scenario_id="without-a3", reason="conflict",
                                    excluded_by="sesmenko-pmk", candidate_ids=[]))
    assert _people(panellists(up_to(facts.pairs), CYCLE))[LENIENT]["excluded_by_scenario"] == "without-a3"


# --- over HTTP: organisers and auditors only -------------------------------------------------------

@pytest.fixture
async def client(tmp_path):
    async with serving(tmp_path, lenient_facts()) as (http, _store):
        yield http
