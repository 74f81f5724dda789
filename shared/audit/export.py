"""A cycle's audit trail from the log, reproducible byte for byte, as JSON Lines or CSV.

The trail holds every event of the cycle: those whose payload names it (`cycle_id`), the
CycleOpened whose configuration is it, and every event of a candidate registered in it (score
amendments, review flags and confirmations name only the candidate). Exact republishes (same
event id and hash) appear once. The order is canonical: by event id (a time-ordered uuid7), then
stream and sequence, so the same log gives the same bytes whichever backend or partitioning holds it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from shared import topics
from shared.audit.chains import event_records, read_envelope
from shared.codec import encode
from shared.envelope import Envelope, canonical_json
from shared.ports import EventLog

COLUMNS = (
    "event_id", "occurred_at", "type", "schema_version", "stream", "sequence", "actor_id", "actor_role",
    "candidate_id", "causation_id", "correlation_id", "hash", "previous_hash", "payload",
)


def candidates_of(envelopes: Iterable[Envelope], cycle_id: str) -> set[str]:
    return {
        e.payload["candidate_id"]
        for e in envelopes
        if e.type == "CandidateRegistered" and e.payload.get("cycle_id") == cycle_id
        and isinstance(e.payload.get("candidate_id"), str)
    }


def belongs(envelope: Envelope, cycle_id: str, candidates: set[str]) -> bool:
    payload = envelope.payload
    candidate = payload.get("candidate_id")
    if payload.get("cycle_id") == cycle_id or (isinstance(candidate, str) and candidate in candidates):
        return True
    config = payload.get("config")
    return envelope.type == "CycleOpened" and isinstance(config, dict) and config.get("cycle_id") == cycle_id


def canonical(envelopes: Iterable[Envelope]) -> list[Envelope]:
    """Exact republishes once, in the canonical order (a forged copy of an event differs in hash: both stay)."""
    unique = {(e.event_id, e.hash): e for e in envelopes}
    return sorted(unique.values(), key=lambda e: (e.event_id, e.stream, e.sequence, e.hash))


def trail(envelopes: Iterable[Envelope], cycle_id: str) -> list[Envelope]:
    """The cycle's audit trail from envelopes in any order."""
    envelopes = list(envelopes)
    candidates = candidates_of(envelopes, cycle_id)
    return canonical(e for e in envelopes if belongs(e, cycle_id, candidates))


async def cycle_trail(log: EventLog, namespace: str, cycle_id: str) -> list[Envelope]:
    """The cycle's audit trail from the log: one pass over registrations for its candidates, one over all."""
    candidates = candidates_of(
        [e async for e in _envelopes(log.read_all(topics.events(namespace, "registration")))], cycle_id
    )
    return canonical([e async for e in _envelopes(event_records(log, namespace)) if belongs(e, cycle_id, candidates)])


async def _envelopes(records):
    async for record in records:
        envelope = read_envelope(record.value)
        if envelope is not None:  # what is not an envelope is no event; `verify` reports it
            yield envelope


def to_jsonl(envelopes: Iterable[Envelope]) -> bytes:
    """One canonical envelope JSON a line, as the log stores it."""
    return b"".join(encode(e) + b"\n" for e in envelopes)


def to_csv(envelopes: Iterable[Envelope]) -> bytes:
    """RFC 4180 CSV (CRLF line ends, UTF-8) with a header row; the payload as canonical JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in envelopes:
        fields = e.model_dump(mode="json")
        writer.writerow([
            e.event_id, fields["occurred_at"], e.type, e.schema_version, e.stream, e.sequence, e.actor.id,
            e.actor.role, e.payload.get("candidate_id") or "", e.causation_id or "", e.correlation_id, e.hash,
            e.previous_hash or "", canonical_json(e.payload).decode(),
        ])
    return out.getvalue().encode()
