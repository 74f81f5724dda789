"""A cycle's audit trail: only its events, canonical order, republishes once, the same bytes every time."""

from __future__ import annotations

import csv
import io
import json
import random

from shared import topics
from shared.audit.export import COLUMNS, cycle_trail, to_csv, to_jsonl, trail
from shared.codec import encode
from shared.envelope import Envelope, seal
from tests.unit.test_audit_chains import embedded_log, event


def _log() -> dict[str, Envelope]:
    """Two cycles side by side; the names say which events belong to `c1`."""
    e = {
        "c1_opened": event("registration/cycle/c1", 1, None, {"config": {"cycle_id": "c1"}}, event_type="CycleOpened"),
        "c2_opened": event("registration/cycle/c2", 1, None, {"config": {"cycle_id": "c2"}}, event_type="CycleOpened"),
        "c1_x": event("registration/candidate/x", 1, None, {"candidate_id": "x", "cycle_id": "c1"},
                      event_type="CandidateRegistered"),
        "c2_y": event("registration/candidate/y", 1, None, {"candidate_id": "y", "cycle_id": "c2"},
                      event_type="CandidateRegistered"),
    }
    e["c1_stage"] = event("registration/cycle/c1", 2, e["c1_opened"].hash, {"cycle_id": "c1", "to": "assessment"},
                          event_type="CycleStageAdvanced")
    e["c1_score"] = event("scoring/candidate/x", 1, None, {"candidate_id": "x", "cycle_id": "c1", "value": 80})
    e["c2_score"] = event("scoring/candidate/y", 1, None, {"candidate_id": "y", "cycle_id": "c2", "value": 70})
    # amendments and review flags name the candidate only
    e["c1_amended"] = event("scoring/candidate/x", 2, e["c1_score"].hash, {"candidate_id": "x", "value": 85},
                            event_type="ScoreAmended")
    e["c2_amended"] = event("scoring/candidate/y", 2, e["c2_score"].hash, {"candidate_id": "y", "value": 75},
                            event_type="ScoreAmended")
    e["c1_shortlist"] = event("ranking/shortlist/s1", 1, None, {"cycle_id": "c1", "shortlisted": ["x"]},
                              event_type="ShortlistSettled")
    return e


LOG = _log()
C1 = [name for name in LOG if name.startswith("c1_")]


def shuffled(items: list, seed: int) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def test_the_trail_holds_only_the_cycles_events_including_those_naming_only_a_candidate():
    assert {e.event_id for e in trail(LOG.values(), "c1")} == {LOG[name].event_id for name in C1}
    assert {e.type for e in trail(LOG.values(), "c2")} == {"CycleOpened", "CandidateRegistered", "IndicatorScored",
                                                          "ScoreAmended"}
    assert trail(LOG.values(), "c3") == []


def test_the_trail_is_in_canonical_order_whatever_order_the_log_gives():
    expected = sorted((LOG[name] for name in C1), key=lambda e: e.event_id)
    for seed in range(5):
        assert trail(shuffled(list(LOG.values()), seed), "c1") == expected
    twin = seal({**LOG["c1_score"].model_dump(exclude={"hash"}), "stream": "scoring/candidate/a"})
    ordered = trail([LOG["c1_score"], twin], "c1")  # one event id, two streams: the stream decides
    assert [e.stream for e in ordered] == ["scoring/candidate/a", "scoring/candidate/x"]


def test_exact_republishes_appear_once_but_a_forged_copy_stays():
    values = list(LOG.values())
    republished = values + [LOG["c1_score"], LOG["c1_amended"], LOG["c1_score"]]
    assert trail(republished, "c1") == trail(values, "c1")
    forged = seal({**LOG["c1_score"].model_dump(exclude={"hash"}), "payload": {"candidate_id": "x", "cycle_id": "c1",
                                                                               "value": 100}})
    ids = [e.event_id for e in trail(values + [forged], "c1")]
    assert ids.count(LOG["c1_score"].event_id) == 2


def test_jsonl_is_the_stored_envelopes_one_a_line_and_identical_twice():
    first = to_jsonl(trail(shuffled(list(LOG.values()), 1), "c1"))
    second = to_jsonl(trail(shuffled(list(LOG.values()), 2) + [LOG["c1_x"]], "c1"))
    assert first == second
    lines = first.split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(C1) + 1
    assert lines[:-1] == [encode(e) for e in sorted((LOG[n] for n in C1), key=lambda e: e.event_id)]
    assert [Envelope.model_validate_json(line).hash_is_valid() for line in lines[:-1]] == [True] * len(C1)


def test_csv_has_the_columns_the_payload_as_canonical_json_and_is_identical_twice():
    first = to_csv(trail(shuffled(list(LOG.values()), 3), "c1"))
    assert first == to_csv(trail(shuffled(list(LOG.values()), 4), "c1"))
    assert first.count(b"\r\n") == len(C1) + 1
    rows = list(csv.DictReader(io.StringIO(first.decode())))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(C1)
    amended = next(r for r in rows if r["event_id"] == LOG["c1_amended"].event_id)
    assert amended["candidate_id"] == "x" and amended["type"] == "ScoreAmended" and amended["sequence"] == "2"
    assert amended["payload"] == '{"candidate_id":"x","value":85}'
    assert amended["previous_hash"] == LOG["c1_score"].hash and amended["actor_role"] == "assessor"
    assert amended["occurred_at"] == json.loads(encode(LOG["c1_amended"]))["occurred_at"]
    opened = next(r for r in rows if r["type"] == "CycleOpened")
    assert opened["candidate_id"] == "" and opened["previous_hash"] == ""


async def test_cycle_trail_reads_the_log_and_skips_what_is_not_an_envelope(tmp_path):
    async with embedded_log(tmp_path) as log:
        for envelope in shuffled(list(LOG.values()), 5):
            service = envelope.stream.split("/", 1)[0]
            await log.append(topics.events("ns", service), envelope.stream, encode(envelope))
        await log.append(topics.events("ns", "scoring"), "x", b'{"candidate_id": "x", "cycle_id": "c1"}')
        assert await cycle_trail(log, "ns", "c1") == trail(LOG.values(), "c1")
