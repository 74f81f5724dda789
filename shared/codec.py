"""Envelopes to bytes and back; anything that does not decode cleanly is a poison record."""

from __future__ import annotations

import json

from pydantic import ValidationError

from shared.contracts.base import DomainEvent, UnknownEventType, parse_payload
from shared.envelope import ENVELOPE_VERSION, Envelope, canonical_json


class PoisonRecord(ValueError):
    """A record no reader can take; it goes to the dead-letter topic with this reason."""


def encode(envelope: Envelope) -> bytes:
    return canonical_json(envelope.model_dump(mode="json"))


def decode(value: bytes) -> tuple[Envelope, DomainEvent]:
    try:
        envelope = Envelope.model_validate(json.loads(value))
    except (ValueError, ValidationError) as exc:
        raise PoisonRecord(f"malformed envelope: {_short(exc)}") from exc
    if envelope.envelope_version > ENVELOPE_VERSION:
        raise PoisonRecord(f"envelope version {envelope.envelope_version} is newer than this reader")
    if not envelope.hash_is_valid():
        raise PoisonRecord(f"hash mismatch for event {envelope.event_id}")
    try:
        event = parse_payload(envelope.type, envelope.schema_version, envelope.payload)
    except UnknownEventType as exc:
        raise PoisonRecord(str(exc)) from exc
    except ValidationError as exc:
        raise PoisonRecord(f"invalid {envelope.type} payload: {_short(exc)}") from exc
    return envelope, event


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
