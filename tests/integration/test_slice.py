"""One vertical slice through the five services as separate processes, on both backends.

The expected totals are worked out by hand from shared/scenario.py and the demo rubric
(weights policy .25, implementation .25, coverage .3, interview .2; coverage bands
0/.3/.5/.7 -> 20/50/70/90):
  Kota Bandung  .25*85 + .25*75 + .3*90 + .2*88 = 84.60
  Kab. Bekasi   .25*92 + .25*85 + .3*50 + .2*90 = 77.25
  Kab. Bogor    .25*75 + .25*75 + .3*70 + .2*80 = 74.50  (policy 60 amended to 75)
  Kota Depok    .25*70 + .25*60 + .3*20 + .2*70 = 52.50
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared import topics
from shared.client import ApiError
from shared.scenario import CATEGORY, PROVINCE, play_demo

EXPECTED = [("kota-bandung", 84.6), ("kab-bekasi", 77.25), ("kab-bogor", 74.5), ("kota-depok", 52.5)]
BOARD = f"/leaderboards/demo-2024/{CATEGORY}/provinces/{PROVINCE}"


def _standing(board: dict) -> list[tuple[str, float]]:
    return [(r["candidate_id"], r["total"]) for r in board["ranked"]]


def test_demo_cycle_gives_the_hand_computed_leaderboard(running):
    board = play_demo(running.api)
    assert _standing(board) == EXPECTED
    assert [r["rank"] for r in board["ranked"]] == [1, 2, 3, 4]
    assert board["incomplete"] == []


def test_ranking_killed_and_restarted_gives_the_same_leaderboard(running):
    before = running.api.get("ranking", BOARD)
    running.services.kill("ranking")
    running.services.restart("ranking")
    # a new fact after the restart: the standing must build on the recovered state, not start
    # empty (an interview score equal to the first keeps the expected totals)
    body = {"score_id": "i-kota-bandung-2", "candidate_id": "kota-bandung", "interviewer_id": "interviewer-2",
            "value": 88, "attendee": "regional head in person"}
    running.api.as_actor("interviewer-2", "interviewer").post("interview", "/interview-scores", body)
    standing = running.api.wait_for(
        "ranking", "/standings/kota-bandung", until=lambda s: "i-kota-bandung-2" in s["interviews"], timeout=60
    )
    assert set(standing["interviews"]) == {"i-kota-bandung", "i-kota-bandung-2"}
    assert len([s for s in standing["scores"].values() if s["current"]]) == 5  # 4 judged + 1 computed
    after = running.api.wait_for("ranking", BOARD, until=lambda b: len(b["ranked"]) == len(EXPECTED))
    assert after == before


def _amend(api, value: float, key: str, **params):
    body = {"score_id": f"s-kota-depok-policy-1-{key}", "candidate_id": "kota-depok",
            "supersedes": "s-kota-depok-policy-1", "assessor_id": "assessor-1", "value": value,
            "reason": f"second reading ({key})"}
    try:
        return 201, api.as_actor("assessor-1", "assessor").post("scoring", "/amendments", body, key=key, **params)
    except ApiError as exc:
        return exc.response.status_code, exc.response.json()


def test_conflicting_amendments_only_one_takes_effect(running):
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda args: _amend(running.api, *args), [(71, "race-aaaa"), (72, "race-bbbb")]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409]
    refused = next(body for status, body in results if status == 409)
    assert refused["detail"]["rule"] == "score_superseded"
    sheet = running.api.get("scoring", "/candidates/kota-depok/scores")
    current = [s for s in sheet["scores"].values() if s["indicator_id"] == "policy" and s["assessor_id"] == "assessor-1"]
    assert [s["current"] for s in current].count(True) == 1


def test_stale_expected_version_is_refused(running):
    sheet = running.api.get("scoring", "/candidates/kota-depok/scores")
    current = next(
        sid for sid, s in sheet["scores"].items()
        if s["current"] and s["indicator_id"] == "implementation" and s["assessor_id"] == "assessor-1"
    )
    body = {"score_id": "late-amend", "candidate_id": "kota-depok", "supersedes": current,
            "assessor_id": "assessor-1", "value": 61, "reason": "typo"}
    assessor = running.api.as_actor("assessor-1", "assessor")
    with pytest.raises(ApiError) as refused:
        assessor.post("scoring", "/amendments", body, expected_version=sheet["version"] - 1)
    assert refused.value.response.status_code == 409
    assert refused.value.response.json()["detail"]["rule"] == "stale_version"
    assert assessor.post("scoring", "/amendments", body, expected_version=sheet["version"])["status"] == "accepted"


def test_same_idempotency_key_appends_once(running):
    before = running.api.get("scoring", "/candidates/kota-bandung/scores")["version"]
    body = {"score_id": "s-bandung-policy-3", "candidate_id": "kota-bandung", "indicator_id": "policy",
            "assessor_id": "assessor-3", "value": 85}
    assessor = running.api.as_actor("assessor-3", "assessor")
    first = assessor.post("scoring", "/scores", body, key="same-key-0001")
    second = assessor.post("scoring", "/scores", body, key="same-key-0001")
    assert first == second and first["version"] == before + 1
    assert running.api.get("scoring", "/candidates/kota-bandung/scores")["version"] == before + 1


@pytest.mark.parametrize(
    ("body", "status", "rule"),
    [
        ({"candidate_id": "kota-bandung", "indicator_id": "policy", "assessor_id": "a", "value": 101}, 422,
         "score_outside_scale"),
        ({"candidate_id": "nobody", "indicator_id": "policy", "assessor_id": "a", "value": 50}, 422,
         "unknown_candidate"),
        ({"candidate_id": "kota-bandung", "indicator_id": "coverage", "assessor_id": "a", "value": 50}, 422,
         "indicator_not_judged"),
        ({"candidate_id": "kota-bandung", "indicator_id": "policy", "assessor_id": "assessor-1", "value": 50}, 409,
         "already_scored"),
    ],
)
def test_rule_breaking_scores_are_refused_with_the_rule_and_append_nothing(running, body, status, rule):
    before = running.api.get("scoring", "/candidates/kota-bandung/scores")["version"]
    with pytest.raises(ApiError) as refused:
        running.api.as_actor("a", "assessor").post("scoring", "/scores", {"score_id": "bad-score", **body})
    assert refused.value.response.status_code == status
    assert refused.value.response.json()["detail"]["rule"] == rule
    assert running.api.get("scoring", "/candidates/kota-bandung/scores")["version"] == before


def test_amendment_without_reason_is_refused(running):
    body = {"score_id": "no-reason", "candidate_id": "kota-bandung", "supersedes": "s-kota-bandung-policy-2",
            "assessor_id": "assessor-2", "value": 10, "reason": ""}
    with pytest.raises(ApiError) as refused:
        running.api.as_actor("assessor-2", "assessor").post("scoring", "/amendments", body)
    assert refused.value.response.status_code == 422
    assert refused.value.response.json()["detail"]["rule"] == "amendment_reason_required"


def test_malformed_command_gets_422_naming_the_field(running):
    with pytest.raises(ApiError) as refused:
        running.api.post("scoring", "/scores", {"candidate_id": "kota-bandung", "value": "high"})
    assert refused.value.response.status_code == 422
    fields = {tuple(e["loc"]) for e in refused.value.response.json()["detail"]}
    assert ("body", "value") in fields and ("body", "indicator_id") in fields


def test_poison_record_goes_to_the_dead_letters_and_the_consumer_goes_on(running):
    ns = running.settings.namespace
    running.append(topics.events(ns, "interview"), "kota-depok", b'{"not": "an envelope"')
    body = {"score_id": "i-kota-depok-2", "candidate_id": "kota-depok", "interviewer_id": "interviewer-2",
            "value": 90, "attendee": "regional secretary (substitute)"}
    running.api.as_actor("interviewer-2", "interviewer").post("interview", "/interview-scores", body)
    running.api.wait_for(
        "ranking", "/standings/kota-depok", until=lambda s: "i-kota-depok-2" in s["interviews"]
    )
    dead = [r for r in running.records(topics.dead_letters(ns, "ranking")) if r.value == b'{"not": "an envelope"']
    assert len(dead) == 1
    assert dead[0].headers["reason"].startswith("malformed envelope")
    assert dead[0].headers["source_topic"] == topics.events(ns, "interview")
    assert json.loads(dead[0].headers["source_offset"]) >= 0
