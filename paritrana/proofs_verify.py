"""Check that an event is included under a published Merkle root (plug-in kit; standard library only).

    python -m paritrana.proofs_verify --root ROOT PROOF.json [--event EVENT.json]

ROOT is the `merkle_root` a publication carries (GET /publications/... on ranking). PROOF.json is
the answer of GET /publications/{cycle}/{category}/provinces/{province}/proofs/{event_id}, or any
JSON object with `path` (and `event`, unless EVENT.json gives the event: one envelope as the audit
export's JSON Lines holds it). Exit 0 when the event verifies, 1 with the reason when it does not.

What is checked (the tree is services/ranking/proofs.py's):
1. the event's own hash: SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8) of the
   envelope without `hash` must equal its `hash`; an altered event fails here;
2. the path: starting from the leaf (the 32 bytes of that hash), each step hashes
   0x01 || left || right with the step's sibling on its side; the result must be ROOT.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

NODE = b"\x01"


def event_hash(event: dict[str, Any]) -> str:
    """The hash an envelope must carry: SHA-256 over the canonical JSON of every other field."""
    fields = {k: v for k, v in event.items() if k != "hash"}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()


def verify(root: str, event: dict[str, Any], path: list[dict[str, str]]) -> tuple[bool, str]:
    """Whether the event is intact and included under `root`, and why not."""
    if event_hash(event) != event.get("hash"):
        return False, f"event {event.get('event_id')} was altered: its fields do not give its hash"
    try:
        current = bytes.fromhex(event["hash"])
        for step in path:
            sibling = bytes.fromhex(step["hash"])
            if step["side"] not in ("left", "right"):
                return False, f"a step's side is {step['side']!r}, not left or right"
            pair = sibling + current if step["side"] == "left" else current + sibling
            current = hashlib.sha256(NODE + pair).digest()
    except (KeyError, TypeError, ValueError) as bad:
        return False, f"the proof is malformed: {bad!r}"
    if current.hex() != root.lower():
        return False, f"the path leads to {current.hex()}, not to the root {root}"
    return True, f"event {event['event_id']} ({event.get('type')}) is included under {root}"


def _load(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="the published Merkle root (hex)")
    parser.add_argument("proof", help="the proof JSON: `path`, and `event` unless --event is given")
    parser.add_argument("--event", help="the event's envelope JSON (overrides the proof's `event`)")
    args = parser.parse_args(argv)
    proof = _load(args.proof)
    event = _load(args.event) if args.event else proof.get("event")
    if not isinstance(event, dict):
        print("NOT verified: no event given", file=sys.stderr)
        return 1
    ok, why = verify(args.root, event, proof.get("path", []))
    print(("verified: " if ok else "NOT verified: ") + why, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
