"""Poison and drift on an events topic, on both backends: a record that is not an envelope, an
envelope of a newer version, an unknown event type, a newer schema version of a known one, a payload
its contract refuses, and a record whose hash does not match its content are each parked in every
follower's dead-letter topic with the reason; the followers go on with the records after them;
`paritrana dlq list` shows them and a replay before any fix parks them again, appending nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from paritrana.cli import app
from paritrana.client import ApiError
from paritrana.scenario import CATEGORY, PROVINCE, demo_config, open_cycle
from shared import topics
from shared.envelope import canonical_json, seal

CYCLE = demo_config()["cycle_id"]
FOLLOWERS = ("evidence", "scoring", "interview", "ranking", "registration")  # all follow registration


def _envelope(key: str, **changes) -> dict:
    """A well-formed, correctly hashed CandidateRegistered envelope, with `changes` made before sealing."""
    payload = {"candidate_id": key, "cycle_id": CYCLE, "category_id": CATEGORY, "kind": "regency_city",
               "name": "Kota Poison", "province": PROVINCE}
    fields = {"event_id": f"evt-{key}", "type": "CandidateRegistered", "schema_version": 1,
              "stream": f"registration/candidate/{key}", "sequence": 1, "occurred_at": datetime.now(UTC),
              "actor": {"id": "intruder", "role": "organiser"}, "correlation_id": key, "payload": payload,
              "previous_hash": None, **changes}
    return seal(fields).model_dump(mode="json")


def _broken_hash(key: str) -> dict:
    doc = _envelope(key)
    return {**doc, "payload": {**doc["payload"], "name": "Kota Tampered"}}  # the hash is of the original


POISONS = {  # key: (bytes, the reason's start)
    "poison-bytes": (lambda k: b"\x00\xffnot json at all", "malformed envelope"),
    "poison-envelope-v9": (lambda k: canonical_json(_envelope(k, envelope_version=9)),
                           "envelope version 9 is newer than this reader"),
    "poison-unknown-type": (lambda k: canonical_json(_envelope(k, type="CandidateTeleported")),
                            "unknown event type 'CandidateTeleported'"),
    "poison-future-schema": (lambda k: canonical_json(_envelope(k, schema_version=99)),
                             "CandidateRegistered v99 is newer than this reader"),
    "poison-bad-payload": (lambda k: canonical_json(_envelope(k, payload={"candidate_id": k})),
                           "invalid CandidateRegistered payload"),
    "poison-broken-hash": (lambda k: canonical_json(_broken_hash(k)), "hash mismatch for event evt-poison-broken-hash"),
}


def _dlq(running, *args: str):
    env = {"PARITRANA_TOKEN": running.api.token or "", "COLUMNS": "250",
           **{f"PARITRANA_{s.upper()}_URL": url for s, url in running.services.urls().items()}}
    return CliRunner().invoke(app, ["dlq", *args], env=env)


@pytest.fixture(scope="module")
def parked(running):
    """The poison appended to the registration events, then a real registration after it."""
    open_cycle(running.api, demo_config())
    source = topics.events(running.settings.namespace, "registration")
    for key, (value, _reason) in POISONS.items():
        running.append(source, key, value(key))
    running.api.as_actor("organiser-1", "organiser").post("registration", "/candidates", {
        "candidate_id": "after-poison", "cycle_id": CYCLE, "category_id": CATEGORY, "kind": "regency_city",
        "name": "Kota Cirebon", "province": PROVINCE}, key="register-after-poison")
    return source


@pytest.mark.parametrize("service", FOLLOWERS)
def test_every_follower_parks_each_poison_with_its_reason_and_goes_on(running, parked, service):
    def all_parked(listing: dict) -> bool:
        return set(POISONS) <= {letter["key"] for letter in listing["dead_letters"]}

    listing = running.api.wait_for(service, "/dead-letters?limit=1000", until=all_parked, timeout=60)
    letters = {letter["key"]: letter for letter in listing["dead_letters"] if letter["key"] in POISONS}
    for key, (_value, reason) in POISONS.items():
        assert letters[key]["reason"].startswith(reason), (key, letters[key]["reason"])
        assert letters[key]["source"]["topic"] == parked
    assert len(letters) == len(POISONS)  # each parked once
    if service == "ranking":  # it went on past them
        standing = running.api.wait_for("ranking", "/standings/after-poison")
        assert standing["name"] == "Kota Cirebon"
    for key in ("poison-unknown-type", "poison-future-schema", "poison-broken-hash"):
        with pytest.raises(ApiError) as unknown:
            running.api.get("ranking", f"/standings/{key}")  # nothing of the poison was applied
        assert unknown.value.response.status_code == 404


def test_the_cli_lists_the_poison_and_a_replay_before_a_fix_parks_it_again(running, parked):
    listed = _dlq(running, "list", "ranking", "--json")
    assert listed.exit_code == 0, listed.output
    letters = {x["key"]: x for x in json.loads(listed.stdout)["dead_letters"] if x["key"] in POISONS}
    assert set(letters) == set(POISONS)
    total = json.loads(listed.stdout)["total"]
    for key, (_value, reason) in POISONS.items():
        letter = letters[key]
        assert letter["replayable"] is True
        again = _dlq(running, "replay", "ranking", str(letter["partition"]), str(letter["offset"]), "--json")
        assert again.exit_code == 1, again.output  # parked again: the reader has not been fixed
        assert json.loads(again.stdout)["reason"].startswith(reason)
    assert running.api.get("ranking", "/dead-letters?limit=1000")["total"] == total
