"""Base of every event contract and the registry that maps (type, version) to its model.

A contract is a pydantic model; its (type, version) pair is fixed forever once published.
A change that old readers cannot take needs a new version and an upcaster from the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
Id = Field(pattern=ID_PATTERN)  # a slug id: candidates, cycles, categories, indicators, scores, people


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


_registry: dict[tuple[str, int], type[DomainEvent]] = {}
_upcasters: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def contract(cls: type[DomainEvent]) -> type[DomainEvent]:
    """Class decorator registering an event contract."""
    key = (cls.TYPE, cls.VERSION)
    if key in _registry:
        raise ValueError(f"event contract {key} registered twice")
    _registry[key] = cls
    return cls


def upcaster(event_type: str, from_version: int):
    """Register a function turning a payload of `from_version` into one of `from_version + 1`."""

    def register(fn: Callable[[dict[str, Any]], dict[str, Any]]):
        _upcasters[(event_type, from_version)] = fn
        return fn

    return register


def registered() -> dict[tuple[str, int], type[DomainEvent]]:
    return dict(_registry)


class UnknownEventType(LookupError):
    pass


def latest_version(event_type: str) -> int:
    versions = [v for (t, v) in _registry if t == event_type]
    if not versions:
        raise UnknownEventType(f"unknown event type {event_type!r}")
    return max(versions)


def parse_payload(event_type: str, version: int, payload: dict[str, Any]) -> DomainEvent:
    """Validate a stored payload, upcasting it to the newest version this reader knows."""
    newest = latest_version(event_type)
    if version > newest:
        raise UnknownEventType(f"{event_type} v{version} is newer than this reader (v{newest})")
    if (event_type, version) not in _registry:
        raise UnknownEventType(f"unknown event version {event_type} v{version}")
    while version < newest:
        step = _upcasters.get((event_type, version))
        if step is None:
            raise UnknownEventType(f"no upcaster for {event_type} v{version}")
        # validated against its own version first, so an upcaster only ever sees a well-formed payload
        old = _registry[(event_type, version)].model_validate(payload)
        payload, version = step(old.model_dump(mode="json")), version + 1
    return _registry[(event_type, version)].model_validate(payload)
