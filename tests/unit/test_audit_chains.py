"""The chain checker: intact logs, every kind of break pinpointed, republishes counted apart."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from shared import topics
from shared.audit.chains import ChainChecker, Report, verify_log
from shared.codec import encode
from shared.envelope import Actor, Envelope, seal
from shared.eventlog.embedded import EmbeddedEventLog
from shared.ports import Record

SCORING = "ns.scoring.events"
INTERVIEW = "ns.interview.events"
WHEN = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)
_ids = iter(range(1, 1_000_000))


def event(stream: str, sequence: int, previous: str | None, payload: dict | None = None, event_id: str = "",
          event_type: str = "IndicatorScored") -> Envelope:
    n = next(_ids)
    return seal({
        "event_id": event_id or f"0190-{n:06d}", "type": event_type, "schema_version": 1, "stream": stream,
        "sequence": sequence, "occurred_at": WHEN + timedelta(seconds=n), "actor": Actor(id="a-1", role="assessor"),
        "causation_id": f"cmd-{n}", "correlation_id": "corr-1", "payload": payload or {"value": n},
        "previous_hash": previous,
    })


def chain(stream: str, length: int, payload=None) -> list[Envelope]:
    """A well-chained stream of `length` events; `payload(sequence)` gives each payload."""
    events: list[Envelope] = []
    for sequence in range(1, length + 1):
        previous = events[-1].hash if events else None
        events.append(event(stream, sequence, previous, payload(sequence) if payload else None))
    return events


def records(values, topic: str = SCORING, partition: int = 0) -> list[Record]:
    """Records at offsets 0, 1, ... of one partition; envelopes are encoded as the log stores them."""
    return [Record(topic, partition, offset, "k", encode(v) if isinstance(v, Envelope) else v)
            for offset, v in enumerate(values)]


def check(*record_lists: list[Record], max_findings: int = 100) -> Report:
    checker = ChainChecker(max_findings)
    for batch in record_lists:
        for record in batch:
            checker.feed(record)
    return checker.report()


def altered(envelope: Envelope, **payload_changes) -> bytes:
    """The stored bytes with the payload changed but the hash left as it was (an edit in place)."""
    raw = json.loads(encode(envelope))
    raw["payload"].update(payload_changes)
    return json.dumps(raw).encode()


def resealed(envelope: Envelope, **changes) -> Envelope:
    """A forgery that recomputes its own hash."""
    return seal({**envelope.model_dump(exclude={"hash"}), **changes})


@asynccontextmanager
async def embedded_log(tmp_path):
    """An embedded event log with every topic of namespace `ns`."""
    log = EmbeddedEventLog(tmp_path / "events.sqlite")
    await log.start()
    try:
        await log.ensure_topics(topics.all_topics("ns", 3))
        yield log
    finally:
        await log.close()


def where(report: Report) -> tuple:
    b = report.first_break
    return (b.topic, b.partition, b.offset, b.stream, b.sequence, b.event_id, b.problem)


def test_intact_log_of_interleaved_streams_in_two_topics():
    a, b, c = chain("scoring/c/a", 3), chain("scoring/c/b", 2), chain("interview/c/a", 2)
    report = check(records([a[0], b[0], a[1], b[1], a[2]]), records(c, INTERVIEW, partition=2))
    assert report.intact and report.first_break is None and report.findings == []
    assert (report.events, report.streams, report.duplicates, report.findings_total) == (7, 3, 0, 0)
    assert report.topics == {SCORING: 5, INTERVIEW: 2}


def test_altered_payload_is_pinpointed_and_the_rest_of_the_chain_still_holds():
    a = chain("scoring/c/a", 4)
    report = check(records([a[0], a[1], altered(a[2], value=99), a[3]]))
    assert not report.intact and report.findings_total == 1
    assert where(report) == (SCORING, 0, 2, "scoring/c/a", 3, a[2].event_id, "hash_mismatch")
    assert a[2].hash not in report.first_break.detail  # it names the hash the fields really have


def test_altered_hash_breaks_the_event_and_the_link_to_the_next():
    a = chain("scoring/c/a", 3)
    raw = json.loads(encode(a[1]))
    raw["hash"] = "0" * 64
    report = check(records([a[0], json.dumps(raw).encode(), a[2]]))
    assert [(f.offset, f.problem) for f in report.findings] == [(1, "hash_mismatch"), (2, "previous_hash_mismatch")]
    assert where(report)[2:] == (1, "scoring/c/a", 2, a[1].event_id, "hash_mismatch")


def test_a_resealed_forgery_shows_where_the_next_event_no_longer_links():
    a = chain("scoring/c/a", 3)
    report = check(records([a[0], resealed(a[1], payload={"value": 100}), a[2]]))
    assert [(f.offset, f.problem) for f in report.findings] == [(2, "previous_hash_mismatch")]
    assert "sequence 2" in report.first_break.detail and f"{SCORING}/0/1" in report.first_break.detail


def test_a_missing_event_is_a_gap_at_the_event_after_it():
    a = chain("scoring/c/a", 4)
    report = check(records([a[0], a[1], a[3]]))
    assert [(f.offset, f.sequence, f.problem) for f in report.findings] == [(2, 4, "sequence_gap")]
    assert "expected 3" in report.first_break.detail


def test_a_stream_must_start_at_one_without_a_previous_hash():
    a = chain("scoring/c/a", 2)
    assert where(check(records([a[1]])))[4:] == (2, a[1].event_id, "sequence_gap")
    orphan = event("scoring/c/b", 1, previous="f" * 64)
    assert where(check(records([orphan])))[-1] == "previous_hash_mismatch"


def test_reordered_events_break_where_the_order_goes_wrong():
    a = chain("scoring/c/a", 4)
    report = check(records([a[0], a[2], a[1], a[3]]))
    assert [(f.offset, f.sequence, f.problem) for f in report.findings][:2] == [
        (1, 3, "sequence_gap"), (2, 2, "out_of_order")]
    assert where(report)[2] == 1


def test_a_forged_previous_hash_is_a_broken_link():
    a = chain("scoring/c/a", 3)
    report = check(records([a[0], a[1], resealed(a[2], previous_hash=a[0].hash)]))
    assert where(report) == (SCORING, 0, 2, "scoring/c/a", 3, a[2].event_id, "previous_hash_mismatch")


def test_junk_is_not_an_envelope_and_does_not_disturb_the_chains():
    a = chain("scoring/c/a", 2)
    report = check(records([a[0], b'{"not": "an envelope"', b"\xff\xfe", a[1]]))
    assert [(f.offset, f.problem, f.stream, f.event_id) for f in report.findings] == [
        (1, "not_an_envelope", None, None), (2, "not_an_envelope", None, None)]
    assert report.events == 4 and report.streams == 1


def test_exact_republishes_are_duplicates_not_breaks():
    a, b = chain("scoring/c/a", 3), chain("scoring/c/b", 1)
    # a crash after publishing an outbox of three events: the next command publishes it again
    report = check(records([a[0], a[1], a[2], b[0], a[1], a[2], b[0]]))
    assert report.intact and report.duplicates == 3 and report.events == 7 and report.streams == 2


def test_a_different_event_under_a_republished_sequence_is_a_break():
    a = chain("scoring/c/a", 3)
    forged = resealed(a[1], payload={"value": 100})  # same event id and sequence, a valid hash of its own
    report = check(records([a[0], a[1], a[2], forged]))
    assert report.duplicates == 0 and where(report) == (SCORING, 0, 3, "scoring/c/a", 2, a[1].event_id,
                                                        "out_of_order")
    in_place = check(records([a[0], a[1], a[2], altered(a[1], value=100)]))  # same hash field, altered fields
    assert [f.problem for f in in_place.findings] == ["hash_mismatch", "out_of_order"] and in_place.duplicates == 0


def test_the_first_broken_link_is_reported_and_the_findings_are_bounded():
    a, b = chain("scoring/c/a", 3), chain("interview/c/b", 3)
    first_topic = records([a[0], altered(a[1], value=0), a[2]])
    second_topic = records([b[0], b[2], b"junk"], INTERVIEW, partition=1)
    report = check(first_topic, second_topic, max_findings=2)
    assert where(report) == (SCORING, 0, 1, "scoring/c/a", 2, a[1].event_id, "hash_mismatch")
    assert report.findings_total == 3 and [f.problem for f in report.findings] == ["hash_mismatch", "sequence_gap"]
    assert report.findings[1].topic == INTERVIEW and report.findings[1].partition == 1


def test_the_report_is_plain_json():
    a = chain("scoring/c/a", 2)
    report = check(records([a[0], altered(a[1], value=0)]))
    body = json.loads(report.model_dump_json())
    assert body["intact"] is False and body["first_break"]["offset"] == 1
    assert set(body) == {"intact", "events", "streams", "duplicates", "topics", "first_break", "findings",
                         "findings_total"}


async def test_verify_log_reads_every_service_events_topic(tmp_path):
    async with embedded_log(tmp_path) as log:
        a, b = chain("registration/cycle/c", 2), chain("ranking/shortlist/s", 2)
        await log.append_many(topics.events("ns", "registration"), [("c", encode(e), None) for e in a])
        await log.append_many(topics.events("ns", "ranking"), [("s", encode(e), None) for e in b])
        await log.append(topics.commands("ns", "scoring"), "x", b"commands are not checked")
        intact = await verify_log(log, "ns")
        assert intact.intact and intact.events == 4 and intact.streams == 2
        assert set(intact.topics) == {topics.events("ns", "registration"), topics.events("ns", "ranking")}
        partition, offset = await log.append(topics.events("ns", "ranking"), "s", altered(b[1], value=7))
        broken = await verify_log(log, "ns")
        assert (broken.first_break.topic, broken.first_break.partition, broken.first_break.offset) == (
            topics.events("ns", "ranking"), partition, offset)
