"""Envelopes to bytes and back; anything that does not decode cleanly is a poison record."""

from __future__ import annotations

import json

from pydantic import ValidationError

from shared.contracts.base import DomainEvent, UnknownEventType, parse_payload
from shared.envelope import ENVELOPE_VERSION, Envelope, canonical_json, parsed_hash_is_valid


class PoisonRecord(ValueError):
    """A record no reader can take; it goes to the dead-letter topic with this reason."""


def encode(envelope: Envelope) -> bytes:
    return canonical_json(envelope.model_dump(mode="json"))


def decode(value: bytes) -> tuple[Envelope, DomainEvent]:
    """The envelope and its event; raises PoisonRecord with the reason when either does not decode.

    Tried first in one step: pydantic parses the bytes straight into the envelope (no dict in
    between) and the hash is checked over the same canonical form as ever (`parsed_hash_is_valid`).
    Whatever that step does not take cleanly, or does not verify, goes the checked way
    (`_decode_checked`, the path before this one), which decides and gives the reason. pydantic's
    JSON parser refuses what `json`'s refuses and more (lone surrogates, raw control characters in
    strings, a byte-order mark, encodings other than UTF-8) and reads alike what both read, so the
    one-step way returns only what the checked way would (tests/unit/test_decode_fast_path.py);
    and a reading that differed would still have to verify against the stored hash."""
    if type(value) is bytes:
        try:
            envelope = Envelope.__pydantic_validator__.validate_json(value)  # Envelope.model_validate_json
            if envelope.envelope_version <= ENVELOPE_VERSION and parsed_hash_is_valid(envelope):
                return envelope, parse_payload(envelope.type, envelope.schema_version, envelope.payload)
        except Exception:  # noqa: BLE001 - the checked way raises whatever it must, with its reason
            pass
    return _decode_checked(value)


def _decode_checked(value: bytes) -> tuple[Envelope, DomainEvent]:
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
