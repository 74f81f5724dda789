"""The event models and their wire format, as the services use them (re-exported from `shared`).

Every fact travels as an `Envelope` whose `payload` is one contract (a `DomainEvent` subclass,
e.g. `ranking.ProvincialResultsPublished`), encoded as canonical JSON. `decode` turns the bytes
of a record back into (envelope, typed event), refusing anything malformed, unknown or whose
hash does not match its fields (`PoisonRecord`). Nothing is copied here: these are the very
classes the five services validate against, so the kit and the services cannot drift apart.
"""

from __future__ import annotations

from shared import topics
from shared.codec import PoisonRecord, decode, encode
from shared.contracts import evidence, interview, ranking, registration, scoring
from shared.contracts.base import DomainEvent, UnknownEventType, parse_payload, registered
from shared.envelope import ENVELOPE_VERSION, Actor, Envelope, canonical_json, chain_hash, seal

SERVICES = topics.SERVICES  # the five services, each owning one events topic


def events_topic(namespace: str, service: str) -> str:
    """The topic a service appends its events to: `<namespace>.<service>.events`."""
    if service not in SERVICES:
        raise ValueError(f"no service {service!r}: one of {', '.join(SERVICES)}")
    return topics.events(namespace, service)


def event_type(name: str, version: int | None = None) -> type[DomainEvent]:
    """The contract class of an event type (its newest version unless one is named)."""
    versions = {v: model for (t, v), model in registered().items() if t == name}
    wanted = max(versions, default=None) if version is None else version
    if wanted not in versions:
        raise UnknownEventType(f"unknown event type {name!r}" + (f" v{version}" if version else ""))
    return versions[wanted]


__all__ = [
    "ENVELOPE_VERSION", "SERVICES", "Actor", "DomainEvent", "Envelope", "PoisonRecord", "UnknownEventType",
    "canonical_json", "chain_hash", "decode", "encode", "event_type", "events_topic", "evidence", "interview",
    "parse_payload", "ranking", "registered", "registration", "scoring", "seal",
]
