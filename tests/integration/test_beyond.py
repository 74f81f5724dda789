"""What-if re-scoring, assessor analytics and published proofs through the five services, on both
backends: a generated province cycle with a third assessor, assessor-3, generated lenient.

Numbers by hand (demo rubric, see tests/unit/test_whatif.py): document totals with assessor-3
Kota Bandung 83.333333, Kab. Bogor 78.75, Kab. Bekasi 77.291667, Kota Depok 48.125; without
(the scenario, then the live board once the exclusion is adopted) 81.25, 76.25 (Bekasi up one),
73.75 (Bogor down one), 45. Final, with the interviews (88, 90, 80): .25P + .25I + .3C + .2*iv =
Kota Bandung 82.6, Kab. Bekasi 79, Kab. Bogor 75.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import httpx
import pytest

from paritrana import proofs_verify
from paritrana.client import ApiError
from paritrana.scenario import (
    CATEGORY,
    CHAIR,
    PROVINCE,
    advance,
    appoint_organisers,
    appoint_panel,
    board_path,
    demo_config,
    open_cycle,
    publish_results,
    register,
    settle_shortlist,
)
from shared.contracts.cycle_config import STAGES

CYCLE = "beyond-2024"
ASSESSORS = ("assessor-1", "assessor-2", "assessor-3")
LENIENT = "assessor-3"
INTERVIEWERS = ("interviewer-1", "interviewer-2")
ORGANISER = ("sesmenko-pmk", "organiser")
# candidate: (name, workers enrolled of 1000, {indicator: [assessor-1, -2, -3]}, interview)
CANDIDATES = {
    "kota-bandung": ("Kota Bandung", 700, {"policy": [80, 82, 90], "implementation": [70, 72, 82]}, 88),
    "kab-bekasi": ("Kabupaten Bekasi", 600, {"policy": [80, 80, 85], "implementation": [80, 80, 85]}, 90),
    "kab-bogor": ("Kabupaten Bogor", 600, {"policy": [76, 76, 100], "implementation": [76, 76, 100]}, 80),
    "kota-depok": ("Kota Depok", 200, {"policy": [60, 60, 75], "implementation": [60, 60, 75]}, 70),
}
WITH_LENIENT = [("kota-bandung", 83.333333), ("kab-bogor", 78.75), ("kab-bekasi", 77.291667), ("kota-depok", 48.125)]
WITHOUT_LENIENT = [("kota-bandung", 81.25), ("kab-bekasi", 76.25), ("kab-bogor", 73.75), ("kota-depok", 45.0)]
SCENARIO = {"scenario_id": "without-assessor-3", "cycle_id": CYCLE, "name": "Without assessor 3",
            "description": "assessor 3 works for the regional water company of Kabupaten Bogor",
            "spec": {"excluded": [LENIENT]}, "saved_by": ORGANISER[0]}
EXCLUSION = {"cycle_id": CYCLE, "person_id": LENIENT, "scenario_id": "without-assessor-3",
             "excluded_by": ORGANISER[0], "reason": "employed by the regional water company of Kabupaten Bogor"}


def _config() -> dict:
    """The demo cycle under another id, its stage windows around today (so that no score is late)."""
    start = date.today() - timedelta(days=3)
    windows = [{"stage": s, "opens": (start + timedelta(days=10 * n)).isoformat(),
                "closes": (start + timedelta(days=10 * n + 9)).isoformat()} for n, s in enumerate(STAGES)]
    return {**demo_config(), "cycle_id": CYCLE, "name": "Paritrana Award 2024 (what-if)", "stages": windows}


def _order(board: dict) -> list[tuple[str, float]]:
    total = "document_total" if board["stage"] == "document" else "total"
    return [(r["candidate_id"], r[total]) for r in board["ranked"]]


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value.response.status_code, refused.value.response.json()["detail"]["rule"]


@pytest.fixture(scope="module")
def cycle(running) -> dict:
    """The cycle played up to the assessors' scores; the event ids of assessor-1's scores."""
    api = running.api
    open_cycle(api, _config())
    register(api, CYCLE, {c: name for c, (name, *_rest) in CANDIDATES.items()})
    appoint_panel(api, CYCLE, assessors=ASSESSORS, interviewers=INTERVIEWERS)
    appoint_organisers(api, CYCLE)
    officer, secretary = api.as_actor("bpjs-data-office", "regional-service"), api.as_actor(
        "secretary-jabar", "committee-secretary")
    for candidate_id, (_name, enrolled, _scores, _interview) in CANDIDATES.items():
        figure = f"cov-{CYCLE}-{candidate_id}"
        officer.post("evidence", "/coverage-figures", {
            "figure_id": figure, "candidate_id": candidate_id, "period": "2024", "workers_eligible": 1000,
            "workers_enrolled": enrolled, "source": "BPJS Ketenagakerjaan membership"}, key=f"beyond-{figure}")
        secretary.post("evidence", "/verifications", {
            "candidate_id": candidate_id, "evidence_id": figure, "verdict": "verified",
            "reason": "matches the membership export"}, key=f"beyond-verify-{figure}")
    advance(api, CYCLE, "assessment")
    events = {}
    for n, assessor in enumerate(ASSESSORS):  # assessor-3 scores last
        for candidate_id, (_name, _enrolled, scores, _interview) in CANDIDATES.items():
            for indicator, values in scores.items():
                score_id = f"w-{candidate_id}-{indicator}-{n + 1}"
                outcome = api.as_actor(assessor, "assessor").post("scoring", "/scores", {
                    "score_id": score_id, "candidate_id": candidate_id, "indicator_id": indicator,
                    "assessor_id": assessor, "value": values[n], "evidence": [f"cov-{CYCLE}-{candidate_id}"]},
                    key=f"beyond-{score_id}")
                events[(candidate_id, indicator, assessor)] = outcome["events"][0]["event_id"]
    board = api.wait_for("ranking", board_path(CYCLE), timeout=60,
                         until=lambda b: _order(b) == WITH_LENIENT)
    return {"events": events, "board": board}


def test_the_analytics_flag_the_lenient_assessor_for_organisers_and_auditors_only(running, cycle):
    path = f"/analytics/{CYCLE}/panellists"
    report = running.api.as_actor("bpk-auditor", "auditor").get("ranking", path)
    assert report["flagged"] == [{"person_id": LENIENT, "duty": "assessor", "flags": ["lenient"]}]
    lenient = next(p for p in report["people"] if p["person_id"] == LENIENT)
    assert (lenient["leniency"], lenient["compared"]) == (13.25, 8)
    behind = {e["event_id"] for e in lenient["flags"][0]["events"]}
    assert behind == {event for (_c, _i, who), event in cycle["events"].items() if who == LENIENT}
    auditor = running.api.as_actor("bpk-auditor", "auditor")
    in_province = auditor.get("ranking", f"{path}?province={PROVINCE}&category_id={CATEGORY}&min_panel=3")
    assert in_province["flagged"] == report["flagged"]
    assert auditor.get("ranking", f"{path}?province=papua")["people"] == []
    assert _refusal(lambda: running.api.as_actor(LENIENT, "assessor").get("ranking", path)) == (403, "role_not_allowed")


def test_a_scenario_changes_ranks_as_worked_out_by_hand_and_leaves_the_live_board(running, cycle):
    organiser = running.api.as_actor(*ORGANISER)
    organiser.post("ranking", "/scenarios", SCENARIO, key="beyond-scenario-1")
    median = {**SCENARIO, "scenario_id": "median", "name": "Median", "spec": {"aggregation": "median"}}
    organiser.post("ranking", "/scenarios", median, key="beyond-scenario-2")
    assert _refusal(lambda: organiser.post("ranking", "/scenarios", SCENARIO)) == (409, "scenario_exists")
    bad = {**SCENARIO, "scenario_id": "bad", "spec": {"weights": {CATEGORY: {"policy": 0.9}}}}
    assert _refusal(lambda: organiser.post("ranking", "/scenarios", bad)) == (422, "weights_invalid")
    running.api.wait_for("ranking", "/scenarios/median")
    outcome = organiser.get("ranking", "/scenarios/without-assessor-3/outcome")
    [board] = outcome["boards"]
    assert [(r["candidate_id"], r["total"]) for r in board["ranking_before"]] == WITH_LENIENT
    assert [(r["candidate_id"], r["total"]) for r in board["ranking_after"]] == WITHOUT_LENIENT
    moved = {c["candidate_id"]: c["moved"] for c in board["changes"]}
    assert (moved["kab-bekasi"], moved["kab-bogor"]) == (1, -1)
    bogor = next(c for c in board["changes"] if c["candidate_id"] == "kab-bogor")
    ignored = {c["event_id"] for c in bogor["causes"] if c["by"] == LENIENT}
    assert ignored == {cycle["events"][("kab-bogor", i, LENIENT)] for i in ("policy", "implementation")}
    compared = organiser.get("ranking", "/scenarios/compare?ids=without-assessor-3&ids=median")
    assert compared["boards"][0]["same_order"] is True
    assert _order(running.api.get("ranking", board_path(CYCLE))) == WITH_LENIENT  # untouched


def test_adopting_the_exclusion_gives_the_live_board_the_scenarios(running, cycle):
    organiser = running.api.as_actor(*ORGANISER)
    assert _refusal(lambda: organiser.post("ranking", "/panellist-exclusions", {**EXCLUSION, "reason": ""})) == (
        422, "exclusion_reason_required")
    unknown = {**EXCLUSION, "scenario_id": "never-saved"}
    assert _refusal(lambda: organiser.post("ranking", "/panellist-exclusions", unknown)) == (422, "unknown_scenario")
    chair = running.api.as_actor(CHAIR, "committee-chair")
    assert _refusal(lambda: chair.post("ranking", "/panellist-exclusions", {**EXCLUSION, "excluded_by": CHAIR})) == (
        403, "role_not_allowed")
    decided = organiser.post("ranking", "/panellist-exclusions", EXCLUSION, key="beyond-exclusion")
    assert [e["type"] for e in decided["events"]] == ["PanellistExcluded"] + ["ScoresExcluded"] * len(CANDIDATES)
    scenario = organiser.get("ranking", "/scenarios/without-assessor-3/outcome")["boards"][0]
    live = running.api.wait_for("ranking", board_path(CYCLE), until=lambda b: _order(b) == WITHOUT_LENIENT)
    assert [(r["candidate_id"], r["rank"], r["document_total"]) for r in live["ranked"]] == [
        (r["candidate_id"], r["rank"], r["total"]) for r in scenario["ranking_after"]]
    assert all(r["excluded"] == [LENIENT] for r in live["ranked"])
    adopted = running.api.wait_for("ranking", "/scenarios/without-assessor-3", until=lambda s: s["adoptions"])
    assert adopted["adoptions"][0]["person_id"] == LENIENT
    assert _refusal(lambda: organiser.post("ranking", "/panellist-exclusions", EXCLUSION)) == (409, "already_excluded")


def test_the_publication_root_proves_a_real_event_and_not_an_altered_one(running, cycle, tmp_path):
    api = running.api
    advance(api, CYCLE, "plenary")
    settle_shortlist(api, CYCLE, ["kota-bandung", "kab-bekasi", "kab-bogor"])
    advance(api, CYCLE, "interview")
    for candidate_id in ("kota-bandung", "kab-bekasi", "kab-bogor"):
        name, _enrolled, _scores, value = CANDIDATES[candidate_id]
        api.as_actor(CHAIR, "committee-chair").post("interview", "/interviews", {
            "candidate_id": candidate_id, "scheduled_for": "2025-02-17T09:00:00+07:00", "panel": list(INTERVIEWERS),
            "principal": {"name": f"Head of {name}", "position": "regional head"}}, key=f"beyond-iv-{candidate_id}")
        api.as_actor(INTERVIEWERS[0], "interviewer").post("interview", "/interview-scores", {
            "score_id": f"wi-{candidate_id}", "candidate_id": candidate_id, "interviewer_id": INTERVIEWERS[0],
            "indicator_id": "interview", "value": value}, key=f"beyond-iv-score-{candidate_id}")
    final = api.wait_for("ranking", board_path(CYCLE), until=lambda b: b["stage"] == "final" and len(b["ranked"]) == 3)
    assert _order(final) == [("kota-bandung", 82.6), ("kab-bekasi", 79.0), ("kab-bogor", 75.0)]
    advance(api, CYCLE, "provincial_results")
    published = publish_results(api, CYCLE)["publications"][-1]
    root = published["merkle_root"]
    assert root is not None and published["merkle_leaves"] > 0

    event_id = cycle["events"][("kab-bogor", "policy", "assessor-1")]
    where = f"/publications/{CYCLE}/{CATEGORY}/provinces/{PROVINCE}"
    proof = api.get("ranking", f"{where}/proofs/{event_id}")
    assert proof["root"] == root and proof["event"]["event_id"] == event_id
    exported = api.as_actor("bpk-auditor", "auditor")
    lines = _export(running, exported)
    assert lines[event_id] == proof["event"]  # the audit export holds the very envelope
    assert proofs_verify.verify(root, lines[event_id], proof["path"])[0] is True
    altered = {**proof["event"], "payload": {**proof["event"]["payload"], "value": 100.0}}
    assert proofs_verify.verify(root, altered, proof["path"])[0] is False
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "altered.json").write_text(json.dumps(altered))
    kit = [sys.executable, "-m", "paritrana.proofs_verify", "--root", root, str(tmp_path / "proof.json")]
    assert subprocess.run(kit, capture_output=True).returncode == 0
    assert subprocess.run([*kit, "--event", str(tmp_path / "altered.json")], capture_output=True).returncode == 1
    excluded = api.get("ranking", f"{where}/proofs/{cycle['events'][('kab-bogor', 'policy', LENIENT)]}")
    assert excluded["root"] == root  # the ignored scores are among the facts the board depends on


def _export(running, api) -> dict[str, dict]:
    response = httpx.get(f"{running.services.url('ranking')}/audit/cycles/{CYCLE}/events.jsonl",
                         headers=api.headers, timeout=60)
    response.raise_for_status()
    return {e["event_id"]: e for e in map(json.loads, response.text.splitlines())}


def test_an_exclusion_waits_for_a_reopening_once_published_and_a_rebuild_agrees(running, cycle):
    organiser = running.api.as_actor(*ORGANISER)
    other = {**SCENARIO, "scenario_id": "without-assessor-2", "spec": {"excluded": ["assessor-2"]}}
    organiser.post("ranking", "/scenarios", other, key="beyond-scenario-3")
    running.api.wait_for("ranking", "/scenarios/without-assessor-2")
    late = {**EXCLUSION, "person_id": "assessor-2", "scenario_id": "without-assessor-2"}
    assert _refusal(lambda: organiser.post("ranking", "/panellist-exclusions", late)) == (409, "results_published")
    board = running.api.get("ranking", board_path(CYCLE))
    assert organiser.post("ranking", "/rebuilds", {})["building"] >= 2
    status = running.api.wait_for("ranking", "/rebuilds", until=lambda s: "digests" in s, timeout=120)
    assert status["identical"] is True, status["digests"]
    organiser.post("ranking", "/rebuilds/switch", {"generation": status["building"]})
    assert running.api.get("ranking", board_path(CYCLE)) == board
