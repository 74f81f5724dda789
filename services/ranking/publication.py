"""Publication of a province's final results for one category, its nominations to the national
round, and reopening with four eyes.

The province's committee (chair or secretary), or an organiser (the national committee's chair or
vice-chair), publishes the final board once the plenary has settled the shortlist and every
shortlisted candidate is scored and out of review; the event records the full order and the
digest of the board, and the Merkle root over the events the board depends on
(services.ranking.proofs). The top `national_nominees` are nominated, each with what the province
published of it. A published board is frozen (shared.board_status): reopening it takes a request
by one organiser with a reason and the approval of another; it is then published again, and a
nominee no longer at the top is withdrawn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, Field

from services.ranking.leaderboard import leaderboard
from services.ranking.projections import STANDINGS
from services.ranking.proofs import leaves, publication_proof
from services.ranking.trail import AUDIT_TRAILS, cycle_trail_id
from shared.board_status import REOPENED_STAGE
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.cycle_config import Category, CycleConfig
from shared.contracts.ranking import (
    NominationWithdrawn,
    NomineeNominated,
    ProvincialResultsPublished,
    RankedEntry,
    ReopeningRequested,
    ResultsReopened,
)
from shared.directory import CYCLES, parsed_config
from shared.envelope import canonical_json
from shared.panel import NATIONAL, look_up_person
from shared.shortlists import SHORTLISTS, shortlist_key

Person = Field(min_length=1, max_length=128)
PROVINCE_PUBLISHERS = ("chair", "secretary")
ORGANISERS = ("chair", "vice_chair")  # of the national committee


class _OfBoard(CommandBody):
    cycle_id: str = Id
    category_id: str = Id
    province: str = Id

    def aggregate_id(self) -> str:
        return shortlist_key(self.cycle_id, self.category_id, self.province)


class PublishProvincialResults(_OfBoard):
    """Publish the province's final board of the category and nominate its top candidates."""

    NAME = "PublishProvincialResults"
    published_by: str = Person


class RequestReopening(_OfBoard):
    """An organiser asks to reopen a published board, saying why; another must approve it."""

    NAME = "RequestReopening"
    requested_by: str = Person
    reason: str = Field(default="", max_length=2000)


class ApproveReopening(_OfBoard):
    """A second organiser approves the reopening asked for: the board's scores may be amended."""

    NAME = "ApproveReopening"
    approved_by: str = Person


class Nominee(BaseModel):
    zone: str | None = None


class Reopening(BaseModel):
    requested_by: str
    reason: str
    approved_by: str | None = None


class ResultsState(BaseModel):
    publication: int = 0  # the last one's number; 0 before the first
    reopening: Reopening | None = None  # asked for, or approved, since the last publication
    nominees: dict[str, Nominee] = {}  # the current nominees by candidate id

    @property
    def reopened(self) -> bool:
        return self.reopening is not None and self.reopening.approved_by is not None


@dataclass(frozen=True)
class Trails:
    """The audit trails of the board's candidates, its cycle and itself (services.ranking.proofs)."""

    candidates: list[dict | None] = field(default_factory=list)
    cycle: dict | None = None
    board: dict | None = None


@dataclass(frozen=True)
class Publishing:
    """The cycle and stage, the person signing, and (to publish) the board's standings, the
    plenary's settled shortlist and the trails of the events the board depends on."""

    config: CycleConfig | None
    stage: str | None
    person: dict | None
    standings: list[dict] = field(default_factory=list)
    shortlist: dict | None = None
    trails: Trails = field(default_factory=Trails)


def leaderboard_digest(board: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the board (what GET .../provinces/{province} answers)."""
    return hashlib.sha256(canonical_json(board)).hexdigest()


def _require_role(person: dict | None, province: str, province_roles: tuple[str, ...]) -> None:
    committees = (person or {}).get("committees", {})
    if committees.get(NATIONAL) in ORGANISERS or committees.get(province) in province_roles:
        return
    who = f"the {' or '.join(province_roles)} of the {province} committee, or " if province_roles else ""
    raise Rejected("not_committee", f"only {who}the national committee's chair or vice-chair may do this", 403)


def require_organiser(person: dict | None) -> None:
    """Refuse unless the person is the national committee's chair or vice-chair."""
    _require_role(person, NATIONAL, ())


class ProvincialResults(Aggregate[ResultsState]):
    kind = "provincial-results"
    state_type = ResultsState
    commands = (PublishProvincialResults, RequestReopening, ApproveReopening)

    async def context(self, command, store) -> Publishing:
        cycle = await store.get(CYCLES, command.cycle_id)
        signer = {PublishProvincialResults: "published_by", RequestReopening: "requested_by",
                  ApproveReopening: "approved_by"}[type(command)]
        publishing = Publishing(
            parsed_config(cycle["config"]) if cycle else None,
            cycle.get("stage") if cycle else None,
            await look_up_person(store, command.cycle_id, getattr(command, signer)),
        )
        if not isinstance(command, PublishProvincialResults):
            return publishing
        where = {"cycle_id": command.cycle_id, "category_id": command.category_id, "province": command.province}
        standings = await store.find(STANDINGS, where)
        trails = Trails([await store.get(AUDIT_TRAILS, s["candidate_id"]) for s in standings],
                        await store.get(AUDIT_TRAILS, cycle_trail_id(command.cycle_id)),
                        await store.get(AUDIT_TRAILS, command.aggregate_id()))
        return replace(publishing, standings=standings, shortlist=await store.get(SHORTLISTS, command.aggregate_id()),
                       trails=trails)

    def decide(self, command, state: ResultsState, context: Publishing):
        category = context.config.category(command.category_id) if context.config else None
        if category is None:
            raise Rejected("unknown_category", f"no category {command.category_id} in cycle {command.cycle_id}", 422)
        if context.stage != REOPENED_STAGE:
            raise Rejected("wrong_stage", f"the cycle is in {context.stage}; this needs {REOPENED_STAGE}")
        if isinstance(command, PublishProvincialResults):
            return _publish(command, state, context, category)
        if isinstance(command, RequestReopening):
            return [_request(command, state, context)]
        return [_approve(command, state, context)]

    def evolve(self, state: ResultsState, event):
        if isinstance(event, ProvincialResultsPublished):
            return ResultsState(publication=event.publication, nominees=state.nominees)
        if isinstance(event, NomineeNominated):
            nominees = {**state.nominees, event.candidate_id: Nominee(zone=event.zone)}
            return state.model_copy(update={"nominees": nominees})
        if isinstance(event, NominationWithdrawn):
            nominees = {c: n for c, n in state.nominees.items() if c != event.candidate_id}
            return state.model_copy(update={"nominees": nominees})
        reopening = Reopening(**event.model_dump(exclude={"board_id"}))
        return state.model_copy(update={"reopening": reopening})


def _publish(command: PublishProvincialResults, state: ResultsState, context: Publishing, category: Category):
    if state.publication and not state.reopened:
        raise Rejected("already_published", f"publication {state.publication} stands; republishing needs a reopening")
    _require_role(context.person, command.province, PROVINCE_PUBLISHERS)
    if context.shortlist is None:
        raise Rejected("no_shortlist", f"the plenary has not settled the shortlist of {command.category_id} in "
                       f"{command.province}")
    rubric = category.rubric
    board = {**command.model_dump(include={"cycle_id", "category_id", "province"}),
             **leaderboard(rubric, context.standings, context.shortlist["shortlisted"])}
    incomplete = [r["candidate_id"] for r in board["incomplete"]]
    if incomplete:
        raise Rejected("board_incomplete", f"{incomplete} lack scores the final board needs")
    reviewing = sorted(r["candidate_id"] for r in board["ranked"] if r["under_review"])
    if reviewing:
        raise Rejected("scores_under_review", f"scores of {reviewing} await their assessors' review")
    digest, board_id = leaderboard_digest(board), command.aggregate_id()
    places = [RankedEntry(candidate_id=r["candidate_id"], rank=r["rank"], total=r["total"]) for r in board["ranked"]]
    where = {"board_id": board_id, **command.model_dump(include={"cycle_id", "category_id", "province"})}
    published = ProvincialResultsPublished(**where, rubric_version=rubric.version, publication=state.publication + 1,
                                           places=places, leaderboard_digest=digest,
                                           published_by=command.published_by,
                                           **_proof(context.trails))
    top = board["ranked"][: rubric.national_nominees]
    zones = {s["candidate_id"]: s.get("zone") for s in context.standings}
    totals = {p.candidate_id: p.total for p in places}
    withdrawn = [
        NominationWithdrawn(**where, zone=nominee.zone, candidate_id=candidate, total=totals.get(candidate),
                            leaderboard_digest=digest,
                            reason=f"publication {published.publication} does not place it among the top "
                                   f"{rubric.national_nominees}")
        for candidate, nominee in sorted(state.nominees.items()) if candidate not in {r["candidate_id"] for r in top}
    ]
    nominated = [
        NomineeNominated(**where, zone=zones.get(r["candidate_id"]), candidate_id=r["candidate_id"], name=r["name"],
                         rank=r["rank"], total=r["total"], indicators=r["indicators"], leaderboard_digest=digest)
        for r in top
    ]
    return [published, *withdrawn, *nominated]


def _proof(trails: Trails) -> dict[str, Any]:
    """The Merkle root over the events the board depends on (none without trails)."""
    return publication_proof(leaves(trails.candidates, trails.cycle, trails.board))


def _request(command: RequestReopening, state: ResultsState, context: Publishing) -> ReopeningRequested:
    _require_role(context.person, command.province, ())
    if not command.reason.strip():
        raise Rejected("reopening_reason_required", "a reopening must give its reason", 422)
    if not state.publication:
        raise Rejected("not_published", "only published results can be reopened")
    if state.reopening is not None:
        rule = "already_reopened" if state.reopened else "reopening_requested"
        raise Rejected(rule, "a reopening of these results is already asked for or approved")
    return ReopeningRequested(board_id=command.aggregate_id(), requested_by=command.requested_by, reason=command.reason)


def _approve(command: ApproveReopening, state: ResultsState, context: Publishing) -> ResultsReopened:
    _require_role(context.person, command.province, ())
    request = state.reopening
    if request is None:
        raise Rejected("no_reopening_request", "no reopening of these results is asked for")
    if state.reopened:
        raise Rejected("already_reopened", f"{request.approved_by} already approved this reopening")
    if command.approved_by == request.requested_by:
        raise Rejected("four_eyes", "a reopening is approved by another organiser than the one who asked for it", 403)
    return ResultsReopened(board_id=command.aggregate_id(), approved_by=command.approved_by,
                           **request.model_dump(include={"requested_by", "reason"}))
