"""Tamper evidence: check every stream's hash chain over the records of the event topics.

Every event names its `stream`, its `sequence` there (1, 2, ...), the `hash` of its own fields
and the `previous_hash` of the stream's previous event. `ChainChecker` is fed the records one by
one, in any order of topics but each partition in offset order (a stream lives in one partition,
keyed by its aggregate), and reports what does not hold. An exact republish of an event (same
event id and hash, as at-least-once delivery may leave after a crash) is a duplicate, not a break.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from shared import topics
from shared.envelope import Envelope
from shared.ports import EventLog, Record

MAX_FINDINGS = 100
_DIGEST = 16  # bytes of each hash kept to recognise a republished event: 128 bits, 16 bytes an event
_MAX_PAD = 10_000  # a gap wider than this stops recognising republishes in that stream


class Finding(BaseModel):
    """One broken link: where the record is, which event it claims to be, and what is wrong."""

    topic: str
    partition: int
    offset: int
    stream: str | None
    sequence: int | None
    event_id: str | None
    problem: str  # not_an_envelope | hash_mismatch | sequence_gap | out_of_order | previous_hash_mismatch
    detail: str


class Report(BaseModel):
    intact: bool
    events: int  # records checked, duplicates included
    streams: int
    duplicates: int
    topics: dict[str, int]  # records checked per topic
    first_break: Finding | None  # the first finding in reading order
    findings: list[Finding]  # the first MAX_FINDINGS
    findings_total: int


def read_envelope(value: bytes) -> Envelope | None:
    """The envelope a record holds as stored (its hash is not checked here), or None."""
    try:
        return Envelope.model_validate_json(value)
    except (ValidationError, ValueError):
        return None


@dataclass
class _Stream:
    last_sequence: int = 0
    last_hash: str | None = None
    last_at: str = ""  # topic/partition/offset of the last event, for the findings' detail
    digests: bytearray | None = field(default_factory=bytearray)  # sequence n at [(n-1)*_DIGEST, n*_DIGEST)

    def where(self) -> str:
        return self.last_at or "the start of the stream"

    def digest(self, sequence: int) -> bytes | None:
        if self.digests is None or sequence * _DIGEST > len(self.digests):
            return None
        return bytes(self.digests[(sequence - 1) * _DIGEST : sequence * _DIGEST])

    def advance(self, envelope: Envelope, at: str) -> None:
        if self.digests is not None:
            missing = envelope.sequence - 1 - self.last_sequence
            if missing > _MAX_PAD:
                self.digests = None
            else:
                self.digests += bytes(_DIGEST * missing) + _digest_of(envelope.hash)
        self.last_sequence, self.last_hash, self.last_at = envelope.sequence, envelope.hash, at


def _digest_of(hash_hex: str) -> bytes:
    try:
        return bytes.fromhex(hash_hex)[:_DIGEST].ljust(_DIGEST, b"\0")
    except ValueError:  # not hex at all: it will not match any real hash
        return bytes(_DIGEST)


class ChainChecker:
    """Feed records with `feed`, in offset order per partition; `report()` tells what was found so far."""

    def __init__(self, max_findings: int = MAX_FINDINGS) -> None:
        self._max = max_findings
        self._streams: dict[str, _Stream] = {}
        self._topics: dict[str, int] = {}
        self._findings: list[Finding] = []
        self._total = self._events = self._duplicates = 0

    def feed(self, record: Record) -> None:
        self._events += 1
        self._topics[record.topic] = self._topics.get(record.topic, 0) + 1
        envelope = read_envelope(record.value)
        if envelope is None:
            self._find(record, None, "not_an_envelope", "the record does not decode to an event envelope")
            return
        stream = self._streams.setdefault(envelope.stream, _Stream())
        hash_valid = envelope.hash_is_valid()
        if not hash_valid:
            self._find(record, envelope, "hash_mismatch",
                       f"the stored hash is not the hash of the event's fields ({envelope.expected_hash()})")
        at = f"{record.topic}/{record.partition}/{record.offset}"
        expected = stream.last_sequence + 1
        if envelope.sequence < expected:
            if hash_valid and stream.digest(envelope.sequence) == _digest_of(envelope.hash):
                self._duplicates += 1
                return
            self._find(record, envelope, "out_of_order",
                       f"sequence {envelope.sequence} comes after sequence {stream.last_sequence} (at {stream.where()})"
                       " and is not a republish of the event stored there")
            return  # the stream goes on from its last event, not from this one
        if envelope.sequence > expected:
            self._find(record, envelope, "sequence_gap",
                       f"sequence {envelope.sequence} follows {stream.last_sequence}: expected {expected}")
        elif envelope.previous_hash != stream.last_hash:
            self._find(record, envelope, "previous_hash_mismatch", _unchained(envelope, stream))
        stream.advance(envelope, at)

    def report(self) -> Report:
        return Report(
            intact=self._total == 0,
            events=self._events,
            streams=len(self._streams),
            duplicates=self._duplicates,
            topics=dict(self._topics),
            first_break=self._findings[0] if self._findings else None,
            findings=list(self._findings),
            findings_total=self._total,
        )

    def _find(self, record: Record, envelope: Envelope | None, problem: str, detail: str) -> None:
        self._total += 1
        if len(self._findings) < self._max:
            self._findings.append(Finding(
                topic=record.topic, partition=record.partition, offset=record.offset,
                stream=envelope.stream if envelope else None, sequence=envelope.sequence if envelope else None,
                event_id=envelope.event_id if envelope else None, problem=problem, detail=detail,
            ))


def _unchained(envelope: Envelope, stream: _Stream) -> str:
    if stream.last_hash is None:
        return f"the first event of the stream has previous_hash {envelope.previous_hash}, expected none"
    return (f"previous_hash {envelope.previous_hash} is not the hash {stream.last_hash} of sequence "
            f"{stream.last_sequence} (at {stream.where()})")


def event_topics(namespace: str) -> list[str]:
    return [topics.events(namespace, service) for service in topics.SERVICES]


async def event_records(log: EventLog, namespace: str) -> AsyncIterator[Record]:
    """Every record of every service's events topic: topic by topic, each partition in offset order."""
    for topic in event_topics(namespace):
        async for record in log.read_all(topic):
            yield record


async def verify_log(log: EventLog, namespace: str, max_findings: int = MAX_FINDINGS) -> Report:
    checker = ChainChecker(max_findings)
    async for record in event_records(log, namespace):
        checker.feed(record)
    return checker.report()
