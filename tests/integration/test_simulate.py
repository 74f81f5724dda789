"""A small seeded province cycle played through the APIs from start to publication (embedded):
every stage happens, the chains hold, and the analytics flag the assessor the plan made lenient."""

from __future__ import annotations

from paritrana.simulate import LENIENT, Simulation, plan


def test_a_simulated_province_cycle_runs_to_publication(running_embedded):
    api = running_embedded.api
    stages = []
    summary = Simulation(api, plan(4, villages=4, employers=16), lambda s, d, n: stages.append(s)).play()
    assert summary["chains_intact"] is True
    counts = summary["counts"]
    assert counts["eligible"] > 10 and counts["scores"] > 50 and counts["shortlisted"] > 0
    assert counts["published boards"] > 0 and counts["interview scores"] > 0
    assert set(stages) >= {"registration", "evidence", "assessment", "plenary", "interview"}
    events = summary["events_per_topic"]
    assert all(events[f"{running_embedded.settings.namespace}.{s}.events"] > 0
               for s in ("registration", "evidence", "scoring", "interview", "ranking"))
    report = api.as_actor("auditor-1", "auditor").get("ranking", f"/analytics/{summary['cycle_id']}/panellists")
    flagged = {p["person_id"] for p in report["people"] if any(f["flag"] == "lenient" for f in p["flags"])}
    assert LENIENT in flagged
