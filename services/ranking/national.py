"""Zone and national boards of one category, from the provinces' nominations.

The current nominees are those nominated by their province's last publication and not withdrawn
since (the `Nominations` projection). No national-round rescoring exists yet (central
verification and national interviews are not recorded): a nominee is ranked by the final total
its province published, ties broken by the rubric's tie-break indicators as published, then by id.
A zone's board ranks the nominees of its provinces; its first is the best in the zone.
"""

from __future__ import annotations

from typing import Any

from services.ranking.leaderboard import _ranked
from shared.contracts.cycle_config import Rubric
from shared.contracts.ranking import NominationWithdrawn, NomineeNominated
from shared.projection import Projection, View

NOMINATIONS = "nominations"
SHOWN = ("candidate_id", "name", "province", "zone", "total", "indicators", "board_id", "leaderboard_digest")


def nomination_key(cycle_id: str, category_id: str, candidate_id: str) -> str:
    return f"{cycle_id}:{category_id}:{candidate_id}"


class Nominations(Projection):
    """One doc per candidate ever nominated: the last nomination, `nominated` false once withdrawn."""

    collection = NOMINATIONS

    def doc_id(self, envelope, event):
        if isinstance(event, (NomineeNominated, NominationWithdrawn)):
            return nomination_key(event.cycle_id, event.category_id, event.candidate_id)
        return None

    def apply(self, view: View, envelope, event) -> View:
        if isinstance(event, NomineeNominated):
            return {**event.model_dump(mode="json"), "nominated": True}
        withdrawal = event.model_dump(mode="json", include={"reason", "total", "leaderboard_digest"})
        return {**view, "nominated": False, "withdrawal": withdrawal}


def national_board(rubric: Rubric, nominations: list[dict[str, Any]]) -> dict[str, Any]:
    """The current nominees ranked by their published totals, and the best of each zone."""
    rows = [{k: n.get(k) for k in SHOWN} for n in nominations if n.get("nominated")]
    ranked = _ranked(rubric, rows, "final")["ranked"]
    best: dict[str, str] = {}
    for r in ranked:
        if r["zone"] is not None:
            best.setdefault(r["zone"], r["candidate_id"])
    return {"rubric_version": rubric.version, "stage": "national", "ranked": ranked, "best_in_zone": best}


def zone_board(rubric: Rubric, nominations: list[dict[str, Any]], zone: str) -> dict[str, Any]:
    """The current nominees of the zone's provinces ranked; `best` is the best in the zone."""
    board = national_board(rubric, [n for n in nominations if n.get("zone") == zone])
    ranked = board["ranked"]
    return {"rubric_version": rubric.version, "stage": "zone", "zone": zone, "ranked": ranked,
            "best": ranked[0]["candidate_id"] if ranked else None}
