"""The plenary: a province's committee settles the shortlist of a category from the
document-stage ranking. The decision records the ranking it started from, its digest, and a
reason for every candidate placed otherwise than the ranking says."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pydantic import BaseModel, Field

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import STANDINGS
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.cycle_config import Category, CycleConfig
from shared.contracts.ranking import Deviation, RankedEntry, ShortlistSettled
from shared.directory import CYCLES, parsed_config
from shared.panel import look_up_person, require_committee
from shared.shortlists import shortlist_key

DECIDING_ROLES = ("chair", "vice_chair", "secretary")


class SettleShortlist(CommandBody):
    NAME = "SettleShortlist"
    cycle_id: str = Id
    category_id: str = Id
    province: str = Id
    shortlisted: list[str] = Field(max_length=1000)
    decided_by: str = Field(min_length=1, max_length=128, description="the committee member who signs the decision")
    deviation_reasons: dict[str, str] = Field(default={}, description="candidate id: why it is placed otherwise")

    def aggregate_id(self) -> str:
        return shortlist_key(self.cycle_id, self.category_id, self.province)


class ShortlistState(BaseModel):
    settled: list[str] | None = None


@dataclass(frozen=True)
class Plenary:
    """The cycle and stage, the committee member deciding, and the province's standings."""

    config: CycleConfig | None
    stage: str | None
    member: dict | None
    standings: list[dict]


def ranking_digest(rubric_version: int, ranking: list[RankedEntry]) -> str:
    body = {"rubric_version": rubric_version, "ranking": [e.model_dump() for e in ranking]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Shortlist(Aggregate[ShortlistState]):
    kind = "shortlist"
    state_type = ShortlistState
    commands = (SettleShortlist,)

    async def context(self, command: SettleShortlist, store) -> Plenary:
        cycle = await store.get(CYCLES, command.cycle_id)
        where = {"cycle_id": command.cycle_id, "category_id": command.category_id, "province": command.province}
        return Plenary(
            parsed_config(cycle["config"]) if cycle else None,
            cycle.get("stage") if cycle else None,
            await look_up_person(store, command.cycle_id, command.decided_by),
            await store.find(STANDINGS, where),
        )

    def decide(self, command: SettleShortlist, state: ShortlistState, context: Plenary):
        category = context.config.category(command.category_id) if context.config else None
        if category is None:
            raise Rejected("unknown_category", f"no category {command.category_id} in cycle {command.cycle_id}", 422)
        if context.stage != "plenary":
            raise Rejected("wrong_stage", f"the cycle is in {context.stage}; a shortlist is settled in plenary")
        if state.settled is not None:
            raise Rejected("shortlist_settled", "this shortlist is already settled")
        require_committee(context.member, command.province, DECIDING_ROLES)
        if len(set(command.shortlisted)) != len(command.shortlisted):
            raise Rejected("duplicate_candidate", "a candidate is listed twice", 422)
        return [_settle(command, category, context.standings)]

    def evolve(self, state, event):
        return ShortlistState(settled=event.shortlisted)


def _settle(command: SettleShortlist, category: Category, standings: list[dict]) -> ShortlistSettled:
    rubric = category.rubric
    board = leaderboard(rubric, standings)
    reviewing = sorted(r["candidate_id"] for r in [*board["ranked"], *board["incomplete"]] if r["under_review"])
    if reviewing:
        raise Rejected("scores_under_review", f"scores of {reviewing} await their assessors' review")
    ranking = [RankedEntry(candidate_id=r["candidate_id"], rank=r["rank"], total=r["document_total"])
               for r in board["ranked"]]
    ranks = {e.candidate_id: e.rank for e in ranking}
    unranked = [c for c in command.shortlisted if c not in ranks]
    if unranked:
        raise Rejected("not_ranked", f"{unranked} have no complete document-stage score in this province", 422)
    if len(command.shortlisted) > rubric.shortlist_size:
        raise Rejected("shortlist_too_long", f"the rubric allows {rubric.shortlist_size}", 422)
    return ShortlistSettled(
        shortlist_id=command.aggregate_id(),
        rubric_version=rubric.version,
        ranking=ranking,
        ranking_digest=ranking_digest(rubric.version, ranking),
        deviations=_deviations(command, ranking[: rubric.shortlist_size], ranks),
        **command.model_dump(include={"cycle_id", "category_id", "province", "shortlisted"}),
    )


def _deviations(command: SettleShortlist, expected: list[RankedEntry], ranks: dict[str, int]) -> list[Deviation]:
    """Candidates shortlisted below the cut, or passed over above it; each needs its reason."""
    chosen, top = set(command.shortlisted), {e.candidate_id for e in expected}
    placed_otherwise = sorted(chosen ^ top, key=lambda c: ranks[c])
    missing = [c for c in placed_otherwise if not command.deviation_reasons.get(c, "").strip()]
    if missing:
        raise Rejected("deviation_reason_required", f"say why {missing} are placed otherwise than ranked", 422)
    surplus = sorted(set(command.deviation_reasons) - set(placed_otherwise))
    if surplus:
        raise Rejected("no_deviation", f"{surplus} are placed as ranked: no reason is needed", 422)
    return [Deviation(candidate_id=c, rank=ranks[c], shortlisted=c in chosen, reason=command.deviation_reasons[c])
            for c in placed_otherwise]
