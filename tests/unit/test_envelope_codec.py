"""The envelope's hash chain and the codec that turns poison into dead letters."""

from __future__ import annotations

import json

import pytest

from shared.codec import PoisonRecord, decode, encode
from shared.contracts.interview import InterviewScored
from tests.unit.builders import envelope

EVENT = InterviewScored(score_id="i-1", candidate_id="kota-bandung", cycle_id="demo-2024",
                        interviewer_id="i", value=80, attendee="regional head")


def test_round_trip_and_hash():
    sealed = envelope(EVENT)
    back, event = decode(encode(sealed))
    assert back == sealed and event == EVENT and back.hash_is_valid()


def test_hash_chains_to_the_previous_event():
    first = envelope(EVENT, sequence=1)
    second = envelope(EVENT, sequence=2, previous=first.hash)
    assert second.previous_hash == first.hash
    assert second.hash != envelope(EVENT, sequence=2, previous="0" * 64).hash


@pytest.mark.parametrize(
    "field, value",
    [("payload", {**EVENT.model_dump(), "value": 81.0}), ("sequence", 2), ("actor", {"id": "b", "role": "assessor"}),
     ("previous_hash", "f" * 64), ("correlation_id", "other")],
)
def test_any_altered_field_breaks_the_hash(field, value):
    raw = json.loads(encode(envelope(EVENT)))
    raw[field] = value
    with pytest.raises(PoisonRecord, match="hash mismatch"):
        decode(json.dumps(raw).encode())


def _resealed(**changes) -> bytes:
    from shared.envelope import seal

    fields = {k: v for k, v in json.loads(encode(envelope(EVENT))).items() if k != "hash"}
    return encode(seal({**fields, **changes}))


@pytest.mark.parametrize(
    "value, reason",
    [
        (b"not json", "malformed envelope"),
        (b'{"event_id": "x"}', "malformed envelope"),
        (_resealed(type="Nonexistent"), "unknown event type"),
        (_resealed(schema_version=9), "newer than this reader"),
        (_resealed(payload={"score_id": "x"}), "invalid InterviewScored payload"),
    ],
)
def test_poison_records_say_why(value, reason):
    with pytest.raises(PoisonRecord, match=reason):
        decode(value)
