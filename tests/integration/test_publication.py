"""Publication of provincial results: the nomination carries the published board's digest, the
board freezes, and only a reopening asked by one organiser and approved by another lets a score
change; the republication moves the nomination. Zone and national boards follow. Both backends.

After the demo (see test_slice.py): Kota Bandung 84.60, Kab. Bekasi 77.25, Kab. Bogor 74.50.
Kota Bandung's interview amended from 88 to 40: .25*85 + .25*75 + .3*90 + .2*40 = 75.00, so
Kab. Bekasi (77.25) becomes the nominee."""

from __future__ import annotations

import hashlib
import time

import pytest

from paritrana.client import ApiError
from paritrana.scenario import (
    CATEGORY,
    CHAIR,
    ORGANISERS,
    PROVINCE,
    advance,
    appoint_organisers,
    board_path,
    play_demo,
    publish_results,
)
from shared.envelope import canonical_json

CYCLE = "demo-2024"
PUBLICATION = f"/publications/{CYCLE}/{CATEGORY}/provinces/{PROVINCE}"
WHERE = {"cycle_id": CYCLE, "category_id": CATEGORY, "province": PROVINCE}
(CHAIR_ID, _, _), (VICE_CHAIR_ID, _, _) = ORGANISERS


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value.response.status_code, refused.value.response.json()["detail"]["rule"]


def _amend_interview(api, supersedes: str, score_id: str, value: float):
    body = {"score_id": score_id, "candidate_id": "kota-bandung", "supersedes": supersedes,
            "interviewer_id": "interviewer-1", "value": value, "reason": "the work plan was read from last year's"}
    return api.as_actor("interviewer-1", "interviewer").post("interview", "/interview-amendments", body)


def test_publication_nominates_from_the_published_board_and_freezes_it(running):
    api = running.api
    play_demo(api)
    appoint_organisers(api, CYCLE)
    chair = api.as_actor(CHAIR, "committee-chair")
    body = {**WHERE, "published_by": CHAIR}
    assert _refusal(lambda: chair.post("ranking", "/publications", body)) == (409, "wrong_stage")
    advance(api, CYCLE, "provincial_results")
    board = api.get("ranking", board_path(CYCLE))
    status = publish_results(api, CYCLE)

    [published] = status["publications"]
    digest = hashlib.sha256(canonical_json({"cycle_id": CYCLE, "category_id": CATEGORY, "province": PROVINCE,
                                            **{k: v for k, v in board.items() if k not in WHERE}})).hexdigest()
    assert published["leaderboard_digest"] == digest
    assert [(p["candidate_id"], p["rank"]) for p in published["places"]] == [
        ("kota-bandung", 1), ("kab-bekasi", 2), ("kab-bogor", 3)]
    [nominee] = status["nominations"]
    assert (nominee["candidate_id"], nominee["zone"], nominee["total"]) == ("kota-bandung", "jawa-bali", 84.6)
    assert nominee["leaderboard_digest"] == digest
    assert _refusal(lambda: chair.post("ranking", "/publications", body)) == (409, "already_published")
    assert _refusal(lambda: _amend_interview(api, "i-kota-bandung", "i-kota-bandung-b", 40)) == (
        409, "results_published")


def test_a_reopening_needs_two_organisers_and_the_republication_moves_the_nomination(running):
    api = running.api
    where = {**WHERE}
    asked = {**where, "requested_by": CHAIR_ID, "reason": "the interview panel scored last year's work plan"}
    assert _refusal(lambda: api.as_actor(CHAIR, "committee-chair").post(
        "ranking", "/reopening-requests", {**asked, "requested_by": CHAIR})) == (403, "role_not_allowed")
    provincial_organiser = api.as_actor("organiser-jabar", "organiser")
    assert _refusal(lambda: provincial_organiser.post(
        "ranking", "/reopening-requests", {**asked, "requested_by": "organiser-jabar"})) == (403, "not_committee")
    api.as_actor(CHAIR_ID, "organiser").post("ranking", "/reopening-requests", asked)
    same = {**where, "approved_by": CHAIR_ID}
    assert _refusal(lambda: api.as_actor(CHAIR_ID, "organiser").post("ranking", "/reopening-approvals", same)) == (
        403, "four_eyes")
    api.as_actor(VICE_CHAIR_ID, "organiser").post("ranking", "/reopening-approvals",
                                                  {**where, "approved_by": VICE_CHAIR_ID})
    _amend_when_reopened(api)

    status = publish_results(api, CYCLE, publication=2)
    assert [p["candidate_id"] for p in status["publications"][-1]["places"]] == [
        "kab-bekasi", "kota-bandung", "kab-bogor"]
    nominations = {n["candidate_id"]: n for n in status["nominations"]}
    assert nominations["kab-bekasi"]["nominated"] is True and nominations["kota-bandung"]["nominated"] is False
    assert nominations["kab-bekasi"]["leaderboard_digest"] == status["publications"][-1]["leaderboard_digest"]
    national = api.get("ranking", f"/leaderboards/{CYCLE}/{CATEGORY}/national")
    zone = api.get("ranking", f"/leaderboards/{CYCLE}/{CATEGORY}/zones/jawa-bali")
    assert [r["candidate_id"] for r in national["ranked"]] == ["kab-bekasi"]
    assert zone["best"] == "kab-bekasi" and national["best_in_zone"] == {"jawa-bali": "kab-bekasi"}
    assert api.get("ranking", "/audit/verify")["intact"] is True


def _amend_when_reopened(api) -> None:
    """The interview service learns of the reopening from ranking's events: retry until it has."""
    for _ in range(60):
        try:
            _amend_interview(api, "i-kota-bandung", "i-kota-bandung-b", 40)
            break
        except ApiError as refused:
            assert refused.response.json()["detail"]["rule"] == "results_published"
            time.sleep(0.5)
    api.wait_for("ranking", board_path(CYCLE), until=lambda b: b["ranked"][0]["candidate_id"] == "kab-bekasi")
