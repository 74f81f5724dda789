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
        return chain_hash(self.model_dump(mode="json", exclude={"hash"}))

    def hash_is_valid(self) -> bool:
        return self.hash == self.expected_hash()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of every field but the hash itself (previous hash included)."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def seal(fields: dict[str, Any]) -> Envelope:
    """Build an envelope from its fields (without `hash`), computing the hash that chains it."""
    draft = Envelope.model_validate({**fields, "hash": ""})
    return draft.model_copy(update={"hash": draft.expected_hash()})
