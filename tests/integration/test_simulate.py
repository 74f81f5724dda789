"""A small seeded zone cycle (Kalimantan: five provinces, each with its committee and panel) played
through the APIs from start to publication (embedded), by four people at once: every stage happens in
every province, the chains hold, and the analytics flag each province's assessor the plan made lenient."""

from __future__ import annotations

from paritrana.simulate import Simulation, lenient, plan


def test_a_simulated_zone_cycle_runs_to_publication_in_each_of_its_provinces(running_embedded):
    api = running_embedded.api
    stages = []
    planned = plan(3, province="kalimantan-barat", villages=1, employers=4, scale="zone")
    assert len(planned.provinces) == 5
    summary = Simulation(api, planned, lambda s, d, n: stages.append(s), clients=4).play()
    assert summary["chains_intact"] is True
    counts = summary["counts"]
    assert counts["eligible"] > 40 and counts["scores"] > 300 and counts["shortlisted"] >= 5
    assert counts["published boards"] >= 5 and counts["interview scores"] > 0
    assert set(stages) >= {"registration", "panel", "evidence", "assessment", "plenary", "interview"}
    events = summary["events_per_topic"]
    assert all(events[f"{running_embedded.settings.namespace}.{s}.events"] > 0
               for s in ("registration", "evidence", "scoring", "interview", "ranking"))
    auditor = api.as_actor("auditor-1", "auditor")
    report = auditor.get("ranking", f"/analytics/{summary['cycle_id']}/panellists")
    flagged = {p["person_id"] for p in report["people"] if any(f["flag"] == "lenient" for f in p["flags"])}
    assert {lenient(p) for p in planned.provinces} <= flagged
    progress = auditor.get("ranking", f"/progress/{summary['cycle_id']}")["provinces"]
    assert sorted(progress) == sorted(planned.provinces)
    assert all(row["scored"] > 0 and row["shortlisted"] > 0 and row["published"] > 0 for row in progress.values())
