"""The common envelope every event travels in, and the hash chain of a stream."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ENVELOPE_VERSION = 1


class Actor(BaseModel):
    """Who caused a fact, and in which role (organiser, assessor, interviewer, system...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    role: str = Field(min_length=1, max_length=64)


class Envelope(BaseModel):
    """An immutable recorded fact; `payload` is validated against its contract on decode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    envelope_version: int = ENVELOPE_VERSION
    event_id: str
    type: str
    schema_version: int
    stream: str
    sequence: int = Field(ge=1)
    occurred_at: datetime
    actor: Actor
    causation_id: str | None = None
    correlation_id: str
    payload: dict[str, Any]
    previous_hash: str | None
    hash: str

    def expected_hash(self) -> str:
        # chain_hash(self.model_dump(mode="json", exclude={"hash"})), without the layers between: the
        # serializer model_dump calls (with model_dump's arguments), and the encoder canonical_json
        # builds, kept (a fresh dump holds no cycle for its check to find)
        fields = self.__pydantic_serializer__.to_python(self, mode="json", exclude={"hash"}, warnings=True)
        return hashlib.sha256(_ACYCLIC(fields).encode()).hexdigest()

    def hash_is_valid(self) -> bool:
        return self.hash == self.expected_hash()


# what json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on every
# call, built once (an encoder keeps no state between calls)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
# the same for a fresh dump of a model, which holds no cycle to look for
_ACYCLIC = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode
# and refusing NaN and the infinities (ValueError) instead of writing them
_FINITE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False,
                           allow_nan=False).encode


def canonical_json(value: Any) -> bytes:
    return _CANONICAL(value).encode()


def parsed_hash_is_valid(envelope: Envelope) -> bool:
    """`envelope.hash_is_valid()` for an envelope parsed from JSON, whose payload holds nothing but
    what JSON gives (dicts with string keys, lists, strings, ints, floats, booleans, None), without
    dumping the payload: the JSON dump of such a payload is the payload itself, but for a NaN or
    an infinity (written null), so the payload is encoded as it is unless it holds one of those,
    and then the hash is checked the one way, over the full dump."""
    fields = envelope.__pydantic_serializer__.to_python(envelope, mode="json", exclude={"hash", "payload"},
                                                        warnings=True)
    fields["payload"] = envelope.payload
    try:
        text = _FINITE(fields)
    except ValueError:  # a NaN or an infinity somewhere in the payload
        return envelope.hash_is_valid()
    return envelope.hash == hashlib.sha256(text.encode()).hexdigest()


def chain_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of every field but the hash itself (previous hash included)."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def seal(fields: dict[str, Any]) -> Envelope:
    """Build an envelope from its fields (without `hash`), computing the hash that chains it."""
    draft = Envelope.model_validate({**fields, "hash": ""})
    return draft.model_copy(update={"hash": draft.expected_hash()})
