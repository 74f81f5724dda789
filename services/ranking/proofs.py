"""Published proofs (pure): a Merkle root over the events a published board depends on, and
inclusion proofs of single events.

The events a provincial board depends on: every event of its candidates (each candidate's audit
trail, services.ranking.trail), the cycle's opening (CycleOpened, with the rubric) and the plenary's
shortlist (ShortlistSettled), as they stood when the board was published: those that occurred at
or before `as_of`, the latest of them, recorded on the publication (`merkle_as_of`).

The tree, which paritrana/proofs_verify.py (standard library only) checks:
- a leaf is an event's own hash (the 32 bytes of its envelope's `hash`: SHA-256 of the canonical
  JSON of the envelope without `hash`, see shared.envelope);
- leaves are ordered by event id, each event once;
- an internal node is SHA-256(0x01 || left || right); canonical JSON starts with `{` (0x7b), so
  no node can pass for an event;
- a level of odd length moves its last node up unchanged; the root of one leaf is that leaf, of
  none there is none.
A proof is the path from the leaf up: each step the sibling's hash and its side ("left" or
"right"); a node moved up unchanged adds no step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.ranking.trail import aware

NODE = b"\x01"
DEPENDED_ON = {"cycle": ("CycleOpened",), "board": ("ShortlistSettled",)}


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [leaves]
    while len(levels[-1]) > 1:
        level = levels[-1]
        levels.append([node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                       for i in range(0, len(level), 2)])
    return levels


def merkle_root(hashes: list[str]) -> str | None:
    """The root over these event hashes (hex), in the order given; None without any."""
    return _levels([bytes.fromhex(h) for h in hashes])[-1][0].hex() if hashes else None


def inclusion_path(hashes: list[str], index: int) -> list[dict[str, str]]:
    """The path from leaf `index` to the root: each step the sibling's hash and side."""
    path = []
    for level in _levels([bytes.fromhex(h) for h in hashes])[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append({"side": "left" if sibling < index else "right", "hash": level[sibling].hex()})
        index //= 2
    return path


def _when(entry: dict) -> datetime:
    return aware(datetime.fromisoformat(entry["occurred_at"]))


def leaves(candidate_trails: Iterable[dict | None], cycle_trail: dict | None, board_trail: dict | None,
           as_of: datetime | None = None) -> list[dict[str, Any]]:
    """The envelopes (JSON, as the trails keep them) a board depends on, each once, by event id;
    only those that occurred at or before `as_of`, if given."""
    found: dict[str, dict] = {}
    for trail in candidate_trails:
        found.update({e["event_id"]: e for e in (trail or {}).get("events", [])})
    for trail, kind in ((cycle_trail, "cycle"), (board_trail, "board")):
        found.update({e["event_id"]: e for e in (trail or {}).get("events", []) if e["type"] in DEPENDED_ON[kind]})
    kept = (e for e in found.values() if as_of is None or _when(e) <= aware(as_of))
    return sorted(kept, key=lambda e: e["event_id"])


def publication_proof(entries: list[dict]) -> dict[str, Any]:
    """What a publication records of its leaves: the root, their number and the latest time."""
    if not entries:
        return {}
    latest = max(_when(e) for e in entries)
    return {"merkle_root": merkle_root([e["hash"] for e in entries]), "merkle_leaves": len(entries),
            "merkle_as_of": latest}


class NotALeaf(LookupError):
    pass


def inclusion_proof(entries: list[dict], event_id: str) -> dict[str, Any]:
    """The event's envelope, its place among the leaves, the path to the root, and the root."""
    hashes = [e["hash"] for e in entries]
    index = next((n for n, e in enumerate(entries) if e["event_id"] == event_id), None)
    if index is None:
        raise NotALeaf(f"event {event_id} is not among the {len(entries)} events the board depends on")
    return {"root": merkle_root(hashes), "leaves": len(entries), "index": index, "event": entries[index],
            "path": inclusion_path(hashes, index)}
