"""Publication of a province's final results: who may publish and when, the board's digest, the
nominations, and reopening with four eyes; republication moves the nominations. Plus the board
status that freezes amendments, and the context read from the store."""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from services.ranking.projections import Standings
from services.ranking.publication import (
    ApproveReopening,
    ProvincialResults,
    PublishProvincialResults,
    Publishing,
    Reopening,
    RequestReopening,
    ResultsState,
    leaderboard_digest,
)
from services.ranking.leaderboard import leaderboard
from shared.board_status import BoardStatus, is_frozen, require_open
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.interview import InterviewScoreAmended, InterviewScored
from shared.contracts.ranking import (
    NominationWithdrawn,
    NomineeNominated,
    ProvincialResultsPublished,
    RankedEntry,
    ReopeningRequested,
    ResultsReopened,
)
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreFlaggedForReview

BOARD = "demo-2024:regency-city:jawa-barat"
WHERE = {"cycle_id": "demo-2024", "category_id": "regency-city", "province": "jawa-barat"}
KEYS = {"board_id": BOARD, **WHERE}


def config(national_nominees: int = 1) -> CycleConfig:
    return CycleConfig.model_validate({
        "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
        "categories": [{"id": "regency-city", "name": "Regencies", "segment": "government", "level": "regency_city",
                        "rubric": {"version": 3, "shortlist_size": 3, "national_nominees": national_nominees,
                                   "tie_break": ["interview"], "indicators": [
                                       {"id": "policy", "name": "Policy", "weight": 0.6, "method": "judged"},
                                       {"id": "interview", "name": "Interview", "weight": 0.4,
                                        "method": "interview"}]}}],
    })


CONFIG = config()
POLICY = {"kota-bandung": 90, "kab-bekasi": 80, "kab-bogor": 70, "kota-depok": 60}
INTERVIEW = {"kota-bandung": 60, "kab-bekasi": 80, "kab-bogor": 50}  # totals 78, 80, 62: bekasi, bandung, bogor
SHORTLIST = {**KEYS, "shortlist_id": BOARD, "shortlisted": ["kota-bandung", "kab-bekasi", "kab-bogor"]}


def standings(interview=INTERVIEW, extra=()) -> list[dict]:
    projection, docs = Standings(), {}
    events = [CandidateRegistered(candidate_id=c, kind="regency_city", name=c.title(), zone="jawa-bali", **WHERE)
              for c in POLICY]
    events += [IndicatorScored(score_id=f"s-{c}", candidate_id=c, cycle_id="demo-2024", category_id="regency-city",
                               indicator_id="policy", assessor_id="a-1", value=v, rubric_version=3, evidence=["d"])
               for c, v in POLICY.items()]
    events += [InterviewScored(score_id=f"i-{c}", candidate_id=c, cycle_id="demo-2024", interviewer_id="iv-1",
                               value=v, attendee="Wali Kota", indicator_id="interview")
               for c, v in interview.items() if v is not None]
    for event in [*events, *extra]:
        docs[event.candidate_id] = projection.apply(docs.get(event.candidate_id, {}), None, event)
    return [{**doc, "zone": "jawa-bali"} for doc in docs.values()]  # the lead's Standings keeps the zone too


def person(committee="jawa-barat", role="chair", person_id="sekda") -> dict:
    return {"person_id": person_id, "committees": {committee: role}}


SEKDA, SESMENKO, DIREKTUR = person(), person("national", "chair", "sesmenko"), person("national", "vice_chair", "dir")


def publishing(stage="provincial_results", member=SEKDA, docs=None, shortlist=SHORTLIST, cfg=CONFIG) -> Publishing:
    return Publishing(cfg, stage, member, standings() if docs is None else docs, shortlist)


def publish(**changes) -> PublishProvincialResults:
    return PublishProvincialResults(**{**WHERE, "published_by": "sekda", **changes})


def request(reason="a verified figure arrived late", by="sesmenko", **changes) -> RequestReopening:
    return RequestReopening(**{**WHERE, "requested_by": by, "reason": reason, **changes})


def approve(by="dir", **changes) -> ApproveReopening:
    return ApproveReopening(**{**WHERE, "approved_by": by, **changes})


def decide(command, state=ResultsState(), context=None):
    return ProvincialResults().decide(command, state, publishing() if context is None else context)


def refused(command, state=ResultsState(), context=None) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def fold(state, events):
    for event in events:
        state = ProvincialResults().evolve(state, event)
    return state


def run(state, *steps):
    """Decide and fold each (command, context) in turn: the state and every event."""
    events = []
    for command, context in steps:
        decided = decide(command, state, context)
        state, events = fold(state, decided), [*events, *decided]
    return state, events


def final_board(docs=None) -> dict:
    board = leaderboard(CONFIG.category("regency-city").rubric, standings() if docs is None else docs,
                        SHORTLIST["shortlisted"])
    return {**WHERE, **board}


PLACES = [RankedEntry(candidate_id="kab-bekasi", rank=1, total=80), RankedEntry(candidate_id="kota-bandung", rank=2,
                                                                                total=78),
          RankedEntry(candidate_id="kab-bogor", rank=3, total=62)]
PUBLISHED = ResultsState(publication=1, nominees={"kab-bekasi": {"zone": "jawa-bali"}})
REQUESTED = PUBLISHED.model_copy(update={"reopening": Reopening(requested_by="sesmenko", reason="late figure")})
REOPENED = PUBLISHED.model_copy(update={"reopening": Reopening(requested_by="sesmenko", reason="late figure",
                                                               approved_by="dir")})


# publishing --------------------------------------------------------------------------------

def test_the_final_order_is_published_with_the_boards_digest_and_the_top_candidate_is_nominated():
    digest = leaderboard_digest(final_board())
    events = decide(publish())
    assert events == [
        ProvincialResultsPublished(**KEYS, rubric_version=3, publication=1, places=PLACES, leaderboard_digest=digest,
                                   published_by="sekda"),
        NomineeNominated(**KEYS, zone="jawa-bali", candidate_id="kab-bekasi", name="Kab-Bekasi", rank=1, total=80,
                         indicators={"policy": 80, "interview": 80}, leaderboard_digest=digest),
    ]
    assert fold(ResultsState(), events) == PUBLISHED
    assert publish().aggregate_id() == BOARD


def test_the_rubric_says_how_many_are_nominated():
    events = decide(publish(), context=publishing(cfg=config(national_nominees=2)))
    assert [(e.candidate_id, e.rank, e.total) for e in events if isinstance(e, NomineeNominated)] == [
        ("kab-bekasi", 1, 80), ("kota-bandung", 2, 78)]


def test_the_digest_is_the_sha256_of_the_canonical_json_of_the_board():
    board = final_board()
    text = json.dumps(board, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert leaderboard_digest(board) == hashlib.sha256(text.encode()).hexdigest()


def test_the_digest_is_stable_and_changes_with_the_board():
    docs = standings()
    shuffled = random.Random(7).sample(docs, len(docs))
    [first, *_] = decide(publish(), context=publishing(docs=docs))
    [again, *_] = decide(publish(), context=publishing(docs=shuffled))
    assert again.leaderboard_digest == first.leaderboard_digest == leaderboard_digest(final_board())
    [changed, *_] = decide(publish(), context=publishing(docs=standings({**INTERVIEW, "kab-bogor": 51})))
    assert changed.places[:2] == first.places[:2] and changed.leaderboard_digest != first.leaderboard_digest


def test_withdrawn_and_not_shortlisted_candidates_are_not_placed_and_a_withdrawn_one_is_not_nominated():
    withdrawn = CandidateWithdrawn(candidate_id="kab-bekasi", cycle_id="demo-2024", reason="merger")
    events = decide(publish(), context=publishing(docs=standings(extra=[withdrawn])))
    assert [(p.candidate_id, p.rank) for p in events[0].places] == [("kota-bandung", 1), ("kab-bogor", 2)]
    assert [e.candidate_id for e in events[1:]] == ["kota-bandung"]


@pytest.mark.parametrize("member", [SEKDA, person(role="secretary"), SESMENKO, DIREKTUR])
def test_the_province_chair_or_secretary_or_an_organiser_publishes(member):
    assert decide(publish(), context=publishing(member=member))


def flagged() -> list[dict]:
    return standings(extra=[ScoreFlaggedForReview(score_id="s-kab-bogor", candidate_id="kab-bogor",
                                                  indicator_id="policy", assessor_id="a-1", evidence_id="d",
                                                  reason="document d was rejected", cause="ev-1")])


NOT_PUBLISHERS = [None, person(role="member"), person(role="vice_chair"), person("bali"), person("national", "member"),
                  person("national", "secretary")]


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        (publish(category_id="village"), ResultsState(), publishing(), "unknown_category", 422),
        (publish(), ResultsState(), publishing(cfg=None), "unknown_category", 422),
        *[(publish(), ResultsState(), publishing(stage), "wrong_stage", 409)
          for stage in [*STAGES, None] if stage != "provincial_results"],
        *[(publish(), ResultsState(), publishing(member=m), "not_committee", 403) for m in NOT_PUBLISHERS],
        (publish(), ResultsState(), publishing(shortlist=None), "no_shortlist", 409),
        (publish(), ResultsState(), publishing(docs=standings({**INTERVIEW, "kab-bogor": None})), "board_incomplete",
         409),
        (publish(), ResultsState(), publishing(docs=flagged()), "scores_under_review", 409),
        (publish(), PUBLISHED, publishing(), "already_published", 409),
        (publish(), REQUESTED, publishing(), "already_published", 409),
    ],
)
def test_publication_rules(command, state, context, rule, status):
    assert refused(command, state, context) == (rule, status)


# reopening ---------------------------------------------------------------------------------

def test_a_reopening_is_asked_for_with_a_reason_and_approved_by_another_organiser():
    state, events = run(PUBLISHED, (request(), publishing(member=SESMENKO)), (approve(), publishing(member=DIREKTUR)))
    assert events == [
        ReopeningRequested(board_id=BOARD, requested_by="sesmenko", reason="a verified figure arrived late"),
        ResultsReopened(board_id=BOARD, requested_by="sesmenko", approved_by="dir",
                        reason="a verified figure arrived late"),
    ]
    assert state.reopened and state.publication == 1 and not PUBLISHED.reopened and not REQUESTED.reopened


ORGANISERS_ONLY = [None, SEKDA, person(role="secretary"), person("national", "member"),
                   person("national", "secretary")]


@pytest.mark.parametrize(
    "command, state, context, rule, status",
    [
        *[(command, PUBLISHED, publishing(stage, member=SESMENKO), "wrong_stage", 409)
          for stage in STAGES if stage != "provincial_results" for command in (request(), approve())],
        *[(request(), PUBLISHED, publishing(member=m), "not_committee", 403) for m in ORGANISERS_ONLY],
        *[(approve(), REQUESTED, publishing(member=m), "not_committee", 403) for m in ORGANISERS_ONLY],
        (request(reason=""), PUBLISHED, publishing(member=SESMENKO), "reopening_reason_required", 422),
        (request(reason=" \n"), PUBLISHED, publishing(member=SESMENKO), "reopening_reason_required", 422),
        (request(), ResultsState(), publishing(member=SESMENKO), "not_published", 409),
        (request(), REQUESTED, publishing(member=SESMENKO), "reopening_requested", 409),
        (request(), REOPENED, publishing(member=SESMENKO), "already_reopened", 409),
        (approve(), PUBLISHED, publishing(member=DIREKTUR), "no_reopening_request", 409),
        (approve(), ResultsState(), publishing(member=DIREKTUR), "no_reopening_request", 409),
        (approve(by="sesmenko"), REQUESTED, publishing(member=SESMENKO), "four_eyes", 403),
        (approve(), REOPENED, publishing(member=DIREKTUR), "already_reopened", 409),
        (approve(category_id="village"), REQUESTED, publishing(member=DIREKTUR), "unknown_category", 422),
    ],
)
def test_reopening_rules(command, state, context, rule, status):
    assert refused(command, state, context) == (rule, status)


def test_a_vice_chair_may_ask_and_the_chair_approve():
    _, events = run(PUBLISHED, (request(by="dir"), publishing(member=DIREKTUR)),
                    (approve(by="sesmenko"), publishing(member=SESMENKO)))
    assert events[-1].requested_by == "dir" and events[-1].approved_by == "sesmenko"


# republication ---------------------------------------------------------------------------

AMENDED = InterviewScoreAmended(score_id="i-kota-bandung-2", supersedes="i-kota-bandung", candidate_id="kota-bandung",
                                interviewer_id="iv-1", indicator_id="interview", value=70, reason="annex read late")


def test_a_reopened_board_with_a_changed_score_is_published_again_and_the_nomination_moves():
    docs = standings(extra=[AMENDED])  # kota-bandung: 0.6 * 90 + 0.4 * 70 = 82 > 80
    state, events = run(ResultsState(), (publish(), publishing()), (request(), publishing(member=SESMENKO)),
                        (approve(), publishing(member=DIREKTUR)), (publish(), publishing(docs=docs)))
    digest = leaderboard_digest(final_board(docs))
    assert events[-3:] == [
        ProvincialResultsPublished(**KEYS, rubric_version=3, publication=2, leaderboard_digest=digest,
                                   published_by="sekda", places=[
                                       RankedEntry(candidate_id="kota-bandung", rank=1, total=82),
                                       RankedEntry(candidate_id="kab-bekasi", rank=2, total=80),
                                       RankedEntry(candidate_id="kab-bogor", rank=3, total=62)]),
        NominationWithdrawn(**KEYS, zone="jawa-bali", candidate_id="kab-bekasi", total=80, leaderboard_digest=digest,
                            reason="publication 2 does not place it among the top 1"),
        NomineeNominated(**KEYS, zone="jawa-bali", candidate_id="kota-bandung", name="Kota-Bandung", rank=1, total=82,
                         indicators={"policy": 90, "interview": 70}, leaderboard_digest=digest),
    ]
    assert events[0].leaderboard_digest != digest
    assert state == ResultsState(publication=2, nominees={"kota-bandung": {"zone": "jawa-bali"}})
    assert refused(publish(), state, publishing(docs=docs)) == ("already_published", 409)
    assert ResultsState.model_validate(state.model_dump(mode="json")) == state


def test_a_nominee_still_at_the_top_is_nominated_again_from_the_new_publication():
    docs = standings({**INTERVIEW, "kab-bogor": 55})
    events = decide(publish(), REOPENED, publishing(docs=docs))
    assert [type(e).__name__ for e in events] == ["ProvincialResultsPublished", "NomineeNominated"]
    assert events[0].publication == 2 and events[1].leaderboard_digest == events[0].leaderboard_digest
    assert events[1].candidate_id == "kab-bekasi"


def test_a_nominee_withdrawn_from_the_cycle_is_withdrawn_from_the_nomination_without_a_total():
    docs = standings(extra=[CandidateWithdrawn(candidate_id="kab-bekasi", cycle_id="demo-2024", reason="merger")])
    [_, withdrawal, nomination] = decide(publish(), REOPENED, publishing(docs=docs))
    assert (withdrawal.candidate_id, withdrawal.total) == ("kab-bekasi", None)
    assert nomination.candidate_id == "kota-bandung"


# the board status: the freeze ---------------------------------------------------------------

def status_after(*events) -> dict:
    view: dict = {}
    for event in events:
        view = BoardStatus().apply(view, None, event)
    return view


FIRST = ProvincialResultsPublished(**KEYS, rubric_version=3, publication=1, places=PLACES, leaderboard_digest="a" * 64,
                                   published_by="sekda")
SECOND = FIRST.model_copy(update={"publication": 2, "leaderboard_digest": "b" * 64})
ASKED = ReopeningRequested(board_id=BOARD, requested_by="sesmenko", reason="late figure")
REOPENED_EVENT = ResultsReopened(board_id=BOARD, requested_by="sesmenko", approved_by="dir", reason="late figure")
# the statuses scoring and interview decide amendments against
PUBLISHED_STATUS, ASKED_STATUS, REOPENED_STATUS, REPUBLISHED_STATUS = (
    status_after(*events) for events in ([FIRST], [FIRST, ASKED], [FIRST, ASKED, REOPENED_EVENT],
                                         [FIRST, ASKED, REOPENED_EVENT, SECOND]))
FREEZE = [  # an amendment after the interview stage: (stage, the board's status, the rule refusing it)
    ("provincial_results", None, "wrong_stage"),
    ("provincial_results", PUBLISHED_STATUS, "results_published"),
    ("provincial_results", ASKED_STATUS, "results_published"),
    ("provincial_results", REPUBLISHED_STATUS, "results_published"),
    ("national_round", PUBLISHED_STATUS, "results_published"),
    ("closed", PUBLISHED_STATUS, "results_published"),
    ("national_round", REOPENED_STATUS, "wrong_stage"),
]


def test_the_board_status_follows_publication_reopening_and_republication():
    published = PUBLISHED_STATUS
    assert {k: published[k] for k in ("board_id", "published", "reopened", "reopening", "province")} == {
        "board_id": BOARD, "published": 1, "reopened": False, "reopening": None, "province": "jawa-barat"}
    assert published["publications"] == [{"rubric_version": 3, "publication": 1, "leaderboard_digest": "a" * 64,
                                           "published_by": "sekda",
                                           "places": [p.model_dump() for p in PLACES]}]
    asked = ASKED_STATUS
    assert (asked["reopened"], asked["reopening"]) == (False, {"requested_by": "sesmenko", "reason": "late figure"})
    reopened = REOPENED_STATUS
    assert reopened["reopened"] and reopened["reopening"]["approved_by"] == "dir"
    again = REPUBLISHED_STATUS
    assert (again["published"], again["reopened"], again["reopening"]) == (2, False, None)
    assert [p["leaderboard_digest"] for p in again["publications"]] == ["a" * 64, "b" * 64]
    assert [is_frozen(s) for s in (None, {}, published, asked, reopened, again)] == [False, False, True, True, False,
                                                                                     True]
    assert BoardStatus().doc_id(None, ASKED) == BOARD and BoardStatus().doc_id(None, AMENDED) is None


@pytest.mark.parametrize(
    "status, stage, rule",
    [
        (None, "assessment", None),
        (PUBLISHED_STATUS, "assessment", None),  # cannot happen (stages go forward), but the stage decides
        (REOPENED_STATUS, "provincial_results", None),
        (None, "plenary", "wrong_stage"),
        *[(status, stage, rule) for stage, status, rule in FREEZE],
    ],
)
def test_require_open(status, stage, rule):
    if rule is None:
        require_open(status, stage, "assessment")
        return
    with pytest.raises(Rejected) as rejection:
        require_open(status, stage, "assessment")
    assert (rejection.value.rule, rejection.value.status) == (rule, 409)


# the context -----------------------------------------------------------------------------

class Store:
    def __init__(self, docs: dict[tuple[str, str], dict]) -> None:
        self.docs = docs

    async def get(self, collection, doc_id):
        return self.docs.get((collection, doc_id))

    async def find(self, collection, where):
        return [doc for (c, _), doc in self.docs.items()
                if c == collection and all(doc.get(k) == v for k, v in where.items())]


async def test_the_context_reads_the_cycle_the_signer_and_to_publish_the_standings_and_shortlist():
    cycle = {"config": CONFIG.model_dump(mode="json"), "stage": "provincial_results"}
    docs = {("directory_cycles", "demo-2024"): cycle,
            ("directory_panellists", "demo-2024:sekda"): SEKDA, ("directory_panellists", "demo-2024:dir"): DIREKTUR,
            ("shortlists", BOARD): SHORTLIST,
            **{("standings", s["candidate_id"]): s for s in standings()},
            ("standings", "elsewhere"): {"candidate_id": "elsewhere", **WHERE, "province": "bali"}}
    aggregate = ProvincialResults()
    context = await aggregate.context(publish(), Store(docs))
    assert (context.config, context.stage, context.person, context.shortlist) == (CONFIG, "provincial_results", SEKDA,
                                                                                  SHORTLIST)
    assert sorted(s["candidate_id"] for s in context.standings) == sorted(POLICY)
    assert aggregate.decide(publish(), ResultsState(), context)[0].places == PLACES
    approving = await aggregate.context(approve(), Store(docs))
    assert (approving.person, approving.standings, approving.shortlist) == (DIREKTUR, [], None)
    nobody = await aggregate.context(request(cycle_id="demo-2023"), Store(docs))
    assert (nobody.config, nobody.stage, nobody.person) == (None, None, None)
