"""Is an event what it claims to be, and does it follow the previous event of its stream?

Every envelope carries the SHA-256 of its own fields (`hash`) and the hash of its stream's
previous event (`previous_hash`). A single event is sound when its hash is the hash of its
fields; that alone does not catch a forged event (anyone can hash what they forge), so a stream
is sound only when every event names the hash of the one before it, sequence after sequence: an
event edited, dropped or slipped in among the others then shows. (What is appended at a stream's
end by someone allowed to write the topic is not caught by hashes: only the services may write.)

    KitError
     ├── InvalidEvent      a record that is not a sound event: malformed, unknown, hash mismatch
     │    └── BrokenChain  a sound event that does not follow its stream's previous event
     └── ApiError          (paritrana_kit.client) a service refused, or could not be asked
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from shared.audit.chains import ChainChecker, Finding, Report, read_envelope
from shared.codec import PoisonRecord, encode
from shared.contracts.base import DomainEvent, UnknownEventType, parse_payload
from shared.envelope import ENVELOPE_VERSION, Envelope
from shared.ports import EventLog, Record

from paritrana_kit.events import events_topic


class KitError(Exception):
    """Anything the kit reports."""


class InvalidEvent(KitError, PoisonRecord):
    """A record that is not a sound event; `where` says where it was read (topic/partition/offset)."""

    def __init__(self, reason: str, where: str | None = None) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason, self.where = reason, where


class BrokenChain(InvalidEvent):
    """The event does not follow the previous event of its stream (a gap, a fork, a forged link)."""


def verify_event(data: bytes | str | Envelope, where: str | None = None) -> Envelope:
    """The envelope, if it is one this reader understands and its hash is the hash of its fields.

    Its payload is not parsed: `typed_event` does that, for the types a reader cares about."""
    envelope = data if isinstance(data, Envelope) else read_envelope(data.encode() if isinstance(data, str) else data)
    if envelope is None:
        raise InvalidEvent("not an event envelope", where)
    if envelope.envelope_version > ENVELOPE_VERSION:
        raise InvalidEvent(f"envelope version {envelope.envelope_version} is newer than this reader", where)
    if not envelope.hash_is_valid():
        raise InvalidEvent(f"hash mismatch for event {envelope.event_id}: its fields hash to "
                           f"{envelope.expected_hash()}, not {envelope.hash}", where)
    return envelope


def typed_event(envelope: Envelope, where: str | None = None) -> DomainEvent:
    """The envelope's payload as its contract class (upcast to the newest version this reader knows)."""
    try:
        return parse_payload(envelope.type, envelope.schema_version, envelope.payload)
    except UnknownEventType as exc:
        raise InvalidEvent(str(exc), where) from exc
    except ValidationError as exc:
        raise InvalidEvent(f"invalid {envelope.type} payload: {str(exc).splitlines()[0]}", where) from exc


def verify_chain(events: Iterable[Envelope | bytes]) -> Report:
    """Check the hash chains of the streams in `events`, given in the order they were appended and
    each stream from its first event (as read from offset zero). `Report.intact` says whether all
    holds; `first_break` names the first event that does not."""
    checker = ChainChecker()
    for n, item in enumerate(events):
        checker.feed(Record("given", 0, n, "", encode(item) if isinstance(item, Envelope) else item))
    return checker.report()


async def verify_records(records: AsyncIterable[Record]) -> Report:
    """The same over records read from a log (each partition in offset order), e.g. a whole topic."""
    checker = ChainChecker()
    async for record in records:
        checker.feed(record)
    return checker.report()


async def verify_topic(source: str | Path, namespace: str, service: str) -> Report:
    """Read a service's whole events topic from offset zero and check every stream's chain: `source`
    is Kafka's bootstrap address, or (a Path) the embedded backend's log file of a local `make run`."""
    log: EventLog
    if isinstance(source, Path):
        from shared.eventlog.embedded import EmbeddedEventLog

        if not source.is_file():
            raise FileNotFoundError(f"no event log at {source}")
        log = EmbeddedEventLog(source)
    else:
        from shared.eventlog.kafka import KafkaEventLog

        log = KafkaEventLog(source, "paritrana-kit-verify")
    await log.start()
    try:
        return await verify_records(log.read_all(events_topic(namespace, service)))
    finally:
        await log.close()


Link = Literal["linked", "anchored", "duplicate"]
_RECENT = 64  # hashes kept per stream to recognise a republished event


@dataclass
class _Followed:
    sequence: int
    hash: str
    recent: dict[int, str] = field(default_factory=dict)  # sequence: hash, of the last _RECENT events


class ChainFollower:
    """Checks each event against the previous one of its stream, as a consumer reads them.

    `follow` answers "linked" when the event opens its stream or names the hash of the previous
    event followed; "anchored" for the first event of a stream met in the middle (a consumer that
    resumed from a committed offset has not seen what came before: `verify_records` over the
    topic from offset zero checks those); "duplicate" for an exact republish of an event already
    followed (at-least-once delivery). Anything else raises BrokenChain."""

    def __init__(self) -> None:
        self._streams: dict[str, _Followed] = {}

    def follow(self, envelope: Envelope, where: str | None = None) -> Link:
        seen = self._streams.get(envelope.stream)
        if seen is None:
            if envelope.sequence == 1 and envelope.previous_hash is not None:
                raise BrokenChain(f"{envelope.event_id} opens {envelope.stream} but names a previous hash", where)
            self._streams[envelope.stream] = _Followed(envelope.sequence, envelope.hash,
                                                       {envelope.sequence: envelope.hash})
            return "linked" if envelope.sequence == 1 else "anchored"
        if envelope.sequence <= seen.sequence:
            if seen.recent.get(envelope.sequence) == envelope.hash:
                return "duplicate"
            raise BrokenChain(f"{envelope.event_id} claims sequence {envelope.sequence} of {envelope.stream}, which "
                              f"already holds another event (the stream is at {seen.sequence})", where)
        if envelope.sequence != seen.sequence + 1:
            raise BrokenChain(f"{envelope.stream} jumps from sequence {seen.sequence} to {envelope.sequence}", where)
        if envelope.previous_hash != seen.hash:
            raise BrokenChain(f"{envelope.event_id} names previous hash {envelope.previous_hash}, but sequence "
                              f"{seen.sequence} of {envelope.stream} hashes to {seen.hash}", where)
        seen.sequence, seen.hash = envelope.sequence, envelope.hash
        seen.recent[envelope.sequence] = envelope.hash
        seen.recent.pop(envelope.sequence - _RECENT, None)
        return "linked"


__all__ = ["BrokenChain", "ChainFollower", "Finding", "InvalidEvent", "KitError", "Link", "Report", "typed_event",
           "verify_chain", "verify_event", "verify_records", "verify_topic"]
