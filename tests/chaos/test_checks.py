"""The checks the fault suites rely on find what they are meant to find (no servers needed): an event
republished with its id is not a duplicate, but a second decision of a stream sequence, a lost
accepted event, a command decided twice and a gap are each reported."""

from __future__ import annotations

from datetime import UTC, datetime

from paritrana.simulate import Ledger
from shared.codec import encode
from shared.envelope import seal
from shared.ports import Record
from tests.chaos.harness import _audit, crash_schedule

TOPIC = "ns.scoring.events"


def _event(event_id: str, sequence: int, key: str, previous: str | None = None):
    return seal({"event_id": event_id, "type": "ScoreConfirmed", "schema_version": 1, "stream": "scoring/sheet/c1",
                 "sequence": sequence, "occurred_at": datetime(2025, 1, 1, tzinfo=UTC),
                 "actor": {"id": "a", "role": "assessor"}, "causation_id": key, "correlation_id": "c",
                 "payload": {"candidate_id": "c1", "score_id": "s1", "assessor_id": "a", "note": "stands"},
                 "previous_hash": previous})


def _records(*envelopes) -> list[Record]:
    return [Record(TOPIC, 0, n, "c1", encode(e)) for n, e in enumerate(envelopes)]


def _ledger(**accepted: list[str]) -> Ledger:
    return Ledger(accepted={k: {"events": [{"event_id": i} for i in ids]} for k, ids in accepted.items()})


def test_a_republished_event_is_counted_once_and_is_no_problem():
    one, two = _event("e1", 1, "k1"), _event("e2", 2, "k2")
    audit = _audit(_records(one, two, one), _ledger(k1=["e1"], k2=["e2"]))
    assert (audit.records, audit.events, audit.problems) == (3, 2, [])
    assert audit.by_type[("scoring", "ScoreConfirmed")] == 2 and audit.by_key == {"k1": ["ScoreConfirmed"],
                                                                                  "k2": ["ScoreConfirmed"]}


def test_a_sequence_decided_twice_a_lost_event_a_double_decision_and_a_gap_are_reported():
    audit = _audit(_records(_event("e1", 1, "k1"), _event("e1b", 1, "k1")), _ledger(k1=["e1"]))
    assert any("decided twice" in p for p in audit.problems)
    assert any("the log holds" in p for p in audit.problems)
    lost = _audit(_records(_event("e1", 1, "k1")), _ledger(k1=["e1"], k2=["e9"]))
    assert any("e9" in p and "not in the log" in p for p in lost.problems)
    gap = _audit(_records(_event("e1", 1, "k1"), _event("e3", 3, "k3")), _ledger())
    assert any("gap" in p for p in gap.problems)


def test_the_crash_schedule_kills_each_service_once_and_depends_only_on_its_seed():
    schedule = crash_schedule(7, 200)
    assert sorted(target for target, _delay in schedule.values()) == sorted(
        ["registration", "evidence", "scoring", "interview", "ranking"])
    assert all(2 <= point <= 200 for point in schedule) and schedule == crash_schedule(7, 200)
    assert schedule != crash_schedule(8, 200)
