"""Every service's dead letters over HTTP: list them, and replay one after a fix.

    GET  /dead-letters                                 the records the service parked, and why
    POST /dead-letters/{partition}/{offset}/replay     hand one to the service's handler again

A dead letter holds the parked record's key and bytes, and headers naming its reason and its
source position (shared.consumer.DeadLetters). A replay hands that original record to the handler
the service has now (a newer reader, a repaired projection) for its source topic: the reactions
of the followed events and, where read models come in generations (ranking), the live
generation's projections, never one being built (it reads the record in its turn; if it parked
it too, a rebuild started after the fix gives it the record). The outcome is
kept in the read store (`dead_letter_replays`), not in the dead-letter topic: handled, or parked
again with the new reason; a handled one is not replayed again (409). Only records of an events
topic the service follows can be replayed: a parked command is sent again by its client instead.

Projections are idempotent by stream sequence, so a record is replayed at most once in effect; but
a projection that applied a later event of the same stream takes the replayed one as applied.
For a record in the middle of a stream, rebuild the read models (`paritrana rebuild`) instead.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from shared import topics
from shared.consumer import TRANSIENT, DeadLetters, handle_or_park
from shared.ports import Record, Unavailable
from shared.projection import Reaction, event_handler

REPLAYS = "dead_letter_replays"
PREVIEW_CHARS = 2000
KEPT_ATTEMPTS = 20
Position = Annotated[int, Path(ge=0)]


class _Parked(DeadLetters):
    """Stands in for the dead letters during a replay: the reason is kept, nothing is appended."""

    def __init__(self) -> None:
        self.reason: str | None = None

    async def send(self, record: Record, reason: str) -> None:
        self.reason = reason


def _refuse(status: int, rule: str, reason: str) -> HTTPException:
    return HTTPException(status, {"rule": rule, "reason": reason})


def _shown(value: bytes) -> dict[str, Any]:
    """The raw value as text that cannot run anywhere: undecodable bytes escaped, long ones cut."""
    text = value.decode("utf-8", errors="backslashreplace")
    return {"bytes": len(value), "sha256": hashlib.sha256(value).hexdigest(),
            "text": text[:PREVIEW_CHARS], "truncated": len(text) > PREVIEW_CHARS}


def _source(record: Record) -> dict[str, Any]:
    headers = record.headers
    try:
        return {"topic": headers["source_topic"], "partition": int(headers["source_partition"]),
                "offset": int(headers["source_offset"])}
    except (KeyError, ValueError):
        return {"topic": headers.get("source_topic"), "partition": None, "offset": None}


def not_replayable(rt, record: Record) -> str | None:
    """Why this service cannot hand the record to a handler again, or None when it can."""
    where = _source(record)
    source = where["topic"]
    followed = {topics.events(rt.settings.namespace, s) for s in rt.spec.follows}
    if where["offset"] is None:
        return "the dead letter does not name its source position"
    if source == rt.commands_topic:
        return "a parked command is not replayed: its client sends it again (with its Idempotency-Key)"
    if source not in followed:
        return f"{source} is not an events topic {rt.spec.name} follows"
    if rt.uses_stream_worker():
        return f"{rt.spec.name}'s faust worker, not this process, follows {source} here"
    return None


async def _reactions(rt) -> list[Reaction]:
    """The service's handlers of followed events as they are now: its reactions, and the live
    generation's projections (read from the control document, not a cached value)."""
    reactions = list(rt.spec.reactions(rt))
    if rt.generations is not None:
        live = (await rt.generations.control())["active"]
        reactions += rt.spec.read_models.projections(rt.generations.view(live))
    return reactions


async def _letters(rt) -> list[Record]:
    topic = topics.dead_letters(rt.settings.namespace, rt.spec.name)
    async with contextlib.aclosing(rt.log.read_all(topic)) as records:
        return [record async for record in records]


def _listed(rt, record: Record, replay: dict | None) -> dict[str, Any]:
    why_not = not_replayable(rt, record)
    return {"partition": record.partition, "offset": record.offset, "key": record.key,
            "reason": record.headers.get("reason"), "source": _source(record), "value": _shown(record.value),
            "replayable": why_not is None, "not_replayable": why_not, "replay": replay}


def _replay_id(partition: int, offset: int) -> str:
    return f"{partition}:{offset}"


async def _replay(rt, letter: Record, who: str) -> dict[str, Any]:
    doc_id = _replay_id(letter.partition, letter.offset)
    before = await rt.base_store.get(REPLAYS, doc_id) or {}
    if before.get("outcome") == "handled":
        raise _refuse(409, "already_replayed", f"dead letter {doc_id} was replayed and handled at {before['at']}")
    source = _source(letter)
    original = Record(source["topic"], source["partition"], source["offset"], letter.key, letter.value)
    parked = _Parked()
    try:
        await handle_or_park(rt.spec.name, event_handler(await _reactions(rt), parked), original, parked)
    except TRANSIENT as exc:
        raise Unavailable(f"replay of dead letter {doc_id} waits for the backends: {str(exc)[:200]}") from exc
    attempt = {"at": datetime.now(UTC).isoformat(), "by": who,
               "outcome": "parked" if parked.reason else "handled", "reason": parked.reason}
    history = [*before.get("history", []), attempt][-KEPT_ATTEMPTS:]
    replay = {**attempt, "attempts": before.get("attempts", 0) + 1, "history": history}
    await rt.base_store.put(REPLAYS, doc_id, {"partition": letter.partition, "offset": letter.offset,
                                              "source": source, **replay})
    return {"partition": letter.partition, "offset": letter.offset, "source": source, **replay}


def dead_letter_routes() -> APIRouter:
    router = APIRouter(tags=["dead letters"])

    @router.get("/dead-letters")
    async def dead_letters(request: Request, since: Annotated[int, Query(ge=0)] = 0,
                           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
        """The records this service parked (from offset `since`, at most `limit`): why, where they
        came from, their bytes shown safely, whether they can be replayed and how a replay went."""
        rt = request.app.state.runtime
        letters = await _letters(rt)
        after = [r for r in letters if r.offset >= since]
        shown = after[:limit]
        replays = {d["_id"]: {k: v for k, v in d.items() if k not in ("_id", "source", "partition", "offset")}
                   for d in await rt.base_store.find(REPLAYS)}
        return {"service": rt.spec.name, "topic": topics.dead_letters(rt.settings.namespace, rt.spec.name),
                "total": len(letters), "more": len(after) > len(shown),
                "dead_letters": [_listed(rt, r, replays.get(_replay_id(r.partition, r.offset))) for r in shown]}

    @router.post("/dead-letters/{partition}/{offset}/replay")
    async def replay(partition: Position, offset: Position, request: Request) -> dict[str, Any]:
        """Hand the parked record to the service's handler of its source topic again (after a fix):
        `outcome` handled, or parked with the new reason. 409 when it was handled already or cannot
        be replayed here."""
        rt = request.app.state.runtime
        letter = next((r for r in await _letters(rt) if (r.partition, r.offset) == (partition, offset)), None)
        if letter is None:
            raise _refuse(404, "unknown_dead_letter", f"no dead letter at partition {partition} offset {offset}")
        why_not = not_replayable(rt, letter)
        if why_not is not None:
            raise _refuse(409, "not_replayable", why_not)
        return await _replay(rt, letter, request.state.principal.id)

    return router
