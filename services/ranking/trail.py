"""Ranking's audit trails: every recorded fact that can explain a rank, kept as it was recorded.

One document per candidate holds the envelope of every event about it (any followed event that
names its `candidate_id`: registration, evidence, scoring, interview, ranking). Facts that explain
ranks without naming a candidate have trails of their own: the cycle's (CycleOpened with the whole
configuration, CycleStageAdvanced), keyed `cycle:<cycle id>` so that no cycle id can meet a
candidate id, and the board's (ShortlistSettled, and any other event naming the board by
`board_id`), keyed by the shortlist id `<cycle>:<category>:<province>`. A trail is ordered by
(occurred_at, event_id); each event is applied once (the `_seen` bookkeeping of `apply_once`).

A trail document: {"subject": "candidate" | "cycle" | "board", "subject_id": ..., "events": [envelope, ...]}
where each envelope is the event's envelope as recorded (JSON), so its hash can be checked again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from shared.codec import decode
from shared.contracts.base import DomainEvent
from shared.contracts.registration import CycleOpened, CycleStageAdvanced
from shared.envelope import Envelope, canonical_json
from shared.projection import Projection, View

AUDIT_TRAILS = "audit_trails"


def cycle_trail_id(cycle_id: str) -> str:
    return f"cycle:{cycle_id}"


def _subject(event: DomainEvent) -> tuple[str, str] | None:
    if isinstance(event, CycleOpened):
        return "cycle", event.config.cycle_id
    if isinstance(event, CycleStageAdvanced):
        return "cycle", event.cycle_id
    candidate_id = getattr(event, "candidate_id", None)
    if candidate_id:
        return "candidate", candidate_id
    board_id = getattr(event, "shortlist_id", None) or getattr(event, "board_id", None)
    return ("board", board_id) if board_id else None


def aware(at: datetime) -> datetime:
    """A time with its zone; one recorded without is UTC, as every service's clock is."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def chronological(pair: tuple[Envelope, DomainEvent]) -> tuple[datetime, str]:
    """The order of trails and replays: (occurred_at, event_id)."""
    return aware(pair[0].occurred_at), pair[0].event_id


def _order(entry: dict) -> tuple[datetime, str]:
    return aware(datetime.fromisoformat(entry["occurred_at"])), entry["event_id"]


class AuditTrail(Projection):
    collection = AUDIT_TRAILS

    def doc_id(self, envelope, event):
        subject = _subject(event)
        if subject is None:
            return None
        kind, subject_id = subject
        return cycle_trail_id(subject_id) if kind == "cycle" else subject_id

    def apply(self, view: View, envelope: Envelope, event: DomainEvent) -> View:
        kind, subject_id = _subject(event)
        events = view.get("events", [])
        if any(e["event_id"] == envelope.event_id for e in events):
            return view  # republished under another stream position: already in the trail
        entry = envelope.model_dump(mode="json")
        return {"subject": kind, "subject_id": subject_id, **view, "events": sorted([*events, entry], key=_order)}


def decoded(trail: dict | None) -> list[tuple[Envelope, DomainEvent]]:
    """A trail's envelopes and their events (payloads upcast to this reader's contracts). An entry
    whose hash no longer matches its fields raises PoisonRecord: a trail is evidence, never guessed at."""
    return [_recorded(canonical_json(entry)) for entry in (trail or {}).get("events", [])]


@lru_cache(maxsize=8192)
def _recorded(text: bytes) -> tuple[Envelope, DomainEvent]:
    """One recorded envelope, decoded: a function of its bytes alone (the models are frozen), so the
    trails every explanation reads again, its cycle's above all, are decoded once per process. A
    refusal (PoisonRecord) is raised each time, never kept."""
    return decode(text)
