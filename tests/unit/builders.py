"""Builders for the pure-core tests: a cycle, its directory view, sealed envelopes."""

from __future__ import annotations

from datetime import UTC, datetime

from services.registration.cycle_files import shipped
from shared.directory import Registered
from shared.envelope import Actor, Envelope, seal

CONFIG = shipped("demo")
RUBRIC = CONFIG.categories[0].rubric


def candidate(candidate_id: str = "kota-bandung", withdrawn: bool = False) -> dict:
    return {"candidate_id": candidate_id, "cycle_id": CONFIG.cycle_id, "category_id": "regency-city",
            "kind": "regency_city", "name": "Kota Bandung", "province": "jawa-barat", "withdrawn": withdrawn}


def registered(stage: str = "assessment", **kwargs) -> Registered:
    return Registered(candidate(**kwargs), {"config": CONFIG.model_dump(mode="json"), "stage": stage})


def envelope(event, stream: str = "s/x/1", sequence: int = 1, previous: str | None = None) -> Envelope:
    return seal({
        "event_id": f"e-{stream}-{sequence}", "type": event.TYPE, "schema_version": event.VERSION,
        "stream": stream, "sequence": sequence, "occurred_at": datetime(2025, 2, 3, tzinfo=UTC),
        "actor": Actor(id="a", role="assessor"), "causation_id": "c", "correlation_id": "k",
        "payload": event.model_dump(mode="json"), "previous_hash": previous,
    })
