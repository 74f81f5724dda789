"""Ranking's audit trails (one per candidate, cycle and board, ordered, each event once) and the
pure explanation of a candidate's totals: every fact in order with who, when and what, the
aggregation per indicator, totals recomputed from the trail alone, z-score peers, the live rank.

The demo facts are those of paritrana/scenario.py (demo rubric: policy .25, implementation .25,
coverage .3 by bands 0/.3/.5/.7 -> 20/50/70/90, interview .2). Kab. Bogor by hand:
  policy         assessor-1 60, amended to 75; assessor-2 75  -> mean 75 (67.5 before the amendment)
  implementation 80, 70                                      -> 75
  coverage       620 of 1000 = .62, band .5                  -> 70
  interview      80
  document total (.25*75 + .25*75 + .3*70) / .8 = 73.125     (before the amendment: 56.625 / .8 = 70.78125)
  final total    .25*75 + .25*75 + .3*70 + .2*80 = 74.5
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from statistics import mean

import pytest

from services.ranking.explain import Unexplained, explain, registration_of
from services.ranking.plenary import ranking_digest
from services.ranking.replay import board, fold, up_to, views
from services.ranking.trail import AUDIT_TRAILS, AuditTrail, cycle_trail_id, decoded
from services.registration.cycle_files import shipped
from shared.codec import PoisonRecord
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.evidence import (
    CandidateScreened,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    DocumentAttached,
    EvidenceRejected,
    EvidenceVerified,
    Figures,
    RuleFailure,
)
from shared.contracts.interview import (
    Attendee,
    InterviewMissed,
    InterviewScheduled,
    InterviewScoreAmended,
    InterviewScored,
)
from shared.contracts.ranking import Deviation, RankedEntry, ShortlistSettled
from shared.contracts.registration import (
    CandidateRegistered,
    CandidateWithdrawn,
    CommitteeMemberAppointed,
    ConflictDeclared,
    CycleOpened,
    CycleStageAdvanced,
)
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
from shared.envelope import Actor, seal
from shared.projection import apply_once, project
from shared.shortlists import shortlist_key

CYCLE, CATEGORY, PROVINCE = "demo-2024", "regency-city", "jawa-barat"
BOARD = shortlist_key(CYCLE, CATEGORY, PROVINCE)
T0 = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
RULE = "rule:coverage-bands:v1"
ORGANISER, RULES = ("organiser-1", "organiser"), ("scoring-rules", "system")
# candidate: (name, regency code, workers enrolled of 1000, {indicator: [assessor-1, assessor-2]}, interview)
DEMO = {
    "kota-bandung": ("Kota Bandung", "32.73", 700, {"policy": [80, 90], "implementation": [70, 80]}, 88),
    "kab-bekasi": ("Kabupaten Bekasi", "32.16", 450, {"policy": [90, 94], "implementation": [85, 85]}, 90),
    "kab-bogor": ("Kabupaten Bogor", "32.01", 620, {"policy": [60, 75], "implementation": [80, 70]}, 80),
    "kota-depok": ("Kota Depok", "32.76", 200, {"policy": [70, 70], "implementation": [60, 60]}, 70),
}
REASON = "regional regulation 4/2023 was overlooked at first reading"
DOCUMENT_RANKING = [("kota-bandung", 83.75), ("kab-bekasi", 74.0625), ("kab-bogor", 73.125), ("kota-depok", 48.125)]
SERVICE_OF = {
    "registration": (CycleOpened, CycleStageAdvanced, CandidateRegistered, CandidateWithdrawn, ConflictDeclared,
                     CommitteeMemberAppointed),
    "evidence": (CoverageFigureSubmitted, CoverageFigureCorrected, EvidenceVerified, EvidenceRejected,
                 DocumentAttached, CandidateScreened),
    "scoring": (IndicatorScored, ScoreAmended, ScoreFlaggedForReview, ScoreConfirmed),
    "interview": (InterviewScheduled, InterviewScored, InterviewScoreAmended, InterviewMissed),
    "ranking": (ShortlistSettled,),
}


def _stream(event) -> str:
    service = next(s for s, kinds in SERVICE_OF.items() if isinstance(event, kinds))
    keys = ("candidate_id", "shortlist_id", "cycle_id", "config")
    subject = next(getattr(event, k) for k in keys if hasattr(event, k))
    return f"{service}/sheet/{getattr(subject, 'cycle_id', subject)}"


class Facts:
    """A log in the making: each fact sealed in its stream, a minute after the one before, with an
    id that orders like a uuid7."""

    def __init__(self) -> None:
        self.pairs: list = []
        self._sequences: Counter = Counter()

    def add(self, event, actor=ORGANISER, minutes: int = 1):
        stream = _stream(event)
        self._sequences[stream] += 1
        n = len(self.pairs) + 1
        at = (self.pairs[-1][0].occurred_at if self.pairs else T0) + timedelta(minutes=minutes)
        envelope = seal({
            "event_id": f"00000000-0000-7000-8000-{n:012x}", "type": event.TYPE, "schema_version": event.VERSION,
            "stream": stream, "sequence": self._sequences[stream], "occurred_at": at,
            "actor": Actor(id=actor[0], role=actor[1]), "causation_id": f"command-{n}", "correlation_id": "demo",
            "payload": event.model_dump(mode="json"), "previous_hash": None,
        })
        self.pairs.append((envelope, event))
        return envelope

    def trails(self) -> dict[str, dict]:
        return fold(AuditTrail(), self.pairs)


def advance(facts: Facts, cycle_id: str, before: str, after: str) -> None:
    facts.add(CycleStageAdvanced(cycle_id=cycle_id, from_stage=before, to_stage=after))


def score(candidate_id, indicator, assessor, value, cycle_id=CYCLE, **derived) -> IndicatorScored:
    score_id = derived.pop("score_id", f"s-{candidate_id}-{indicator}-{assessor[-1]}")
    return IndicatorScored(score_id=score_id, candidate_id=candidate_id, cycle_id=cycle_id, category_id=CATEGORY,
                           indicator_id=indicator, assessor_id=assessor, value=value, rubric_version=1,
                           evidence=[f"cov-{candidate_id}"], **derived)


def assess(facts: Facts, candidates: dict, config: CycleConfig, cycle_id: str = CYCLE, province: str = PROVINCE):
    """Open, register, figures verified and scored by the bands, assessors' scores (the demo's facts)."""
    facts.add(CycleOpened(config=config))
    for candidate_id, (name, code, *_rest) in candidates.items():
        facts.add(CandidateRegistered(candidate_id=candidate_id, cycle_id=cycle_id, category_id=CATEGORY,
                                      kind="regency_city", name=name, province=province, regency_code=code))
    rubric = config.category(CATEGORY).rubric
    for candidate_id, (_name, _code, enrolled, _scores, _interview) in candidates.items():
        figures = {"period": "2024", "workers_eligible": 1000, "workers_enrolled": enrolled}
        facts.add(CoverageFigureSubmitted(figure_id=f"cov-{candidate_id}", candidate_id=candidate_id,
                                          cycle_id=cycle_id, category_id=CATEGORY, source="BPJS", **figures),
                  ("bpjs-data-office", "regional-service"))
        verified = facts.add(EvidenceVerified(evidence_id=f"cov-{candidate_id}", kind="figure",
                                              candidate_id=candidate_id, cycle_id=cycle_id, category_id=CATEGORY,
                                              figures=Figures(**figures), reason="matches the membership export"),
                             ("secretary-jabar", "committee-secretary"))
        band = max((b for b in rubric.indicator("coverage").rule.bands if enrolled / 1000 >= b.min_ratio),
                   key=lambda b: b.min_ratio)
        facts.add(score(candidate_id, "coverage", RULE, band.score, cycle_id, score_id=f"auto-cov-{candidate_id}",
                        rule="coverage-bands@v1", inputs={"figure_id": f"cov-{candidate_id}", **figures},
                        cause=verified.event_id), RULES)
    advance(facts, cycle_id, "registration", "screening")
    advance(facts, cycle_id, "screening", "assessment")
    for candidate_id, (_name, _code, _enrolled, scores, _interview) in candidates.items():
        for indicator, values in scores.items():
            for assessor, value in zip(("assessor-1", "assessor-2"), values):
                facts.add(score(candidate_id, indicator, assessor, value, cycle_id), (assessor, "assessor"))


def amend(facts: Facts, value: float = 75):
    return facts.add(ScoreAmended(score_id="s-kab-bogor-policy-1-a1", supersedes="s-kab-bogor-policy-1",
                                  candidate_id="kab-bogor", indicator_id="policy", assessor_id="assessor-1",
                                  value=value, reason=REASON), ("assessor-1", "assessor"))


def settle(facts: Facts, ranking=DOCUMENT_RANKING, shortlisted=("kota-bandung", "kab-bekasi", "kab-bogor")):
    entries = [RankedEntry(candidate_id=c, rank=n, total=t) for n, (c, t) in enumerate(ranking, start=1)]
    return facts.add(ShortlistSettled(shortlist_id=BOARD, cycle_id=CYCLE, category_id=CATEGORY, province=PROVINCE,
                                      rubric_version=1, shortlisted=list(shortlisted), ranking=entries,
                                      ranking_digest=ranking_digest(1, entries)), ("sekda-jabar", "committee-chair"))


def interview(facts: Facts, shortlisted=("kota-bandung", "kab-bekasi", "kab-bogor")) -> None:
    for candidate_id in shortlisted:
        facts.add(InterviewScheduled(candidate_id=candidate_id, cycle_id=CYCLE, category_id=CATEGORY,
                                     province=PROVINCE, scheduled_for=datetime(2025, 2, 17, 2, tzinfo=UTC),
                                     panel=["interviewer-1", "interviewer-2"],
                                     principal=Attendee(name="Regent", position="regional head")),
                  ("sekda-jabar", "committee-chair"))
        facts.add(InterviewScored(score_id=f"i-{candidate_id}", candidate_id=candidate_id, cycle_id=CYCLE,
                                  interviewer_id="interviewer-1", indicator_id="interview", value=DEMO[candidate_id][4],
                                  attendee="Regent"), ("interviewer-1", "interviewer"))


def demo_facts(facts: Facts | None = None) -> Facts:
    """The whole demo cycle, as scenario.play_demo records it (after the given facts, if any)."""
    facts = facts or Facts()
    assess(facts, DEMO, shipped("demo"))
    amend(facts)
    advance(facts, CYCLE, "assessment", "plenary")
    settle(facts)
    advance(facts, CYCLE, "plenary", "interview")
    interview(facts)
    return facts


def live(facts: Facts) -> dict:
    return board(views(up_to(facts.pairs)), CYCLE, CATEGORY, PROVINCE)


def explained(facts: Facts, candidate_id: str = "kab-bogor", **options) -> dict:
    trails = facts.trails()
    return explain(trails[candidate_id], trails[cycle_trail_id(CYCLE)], trails.get(BOARD), **options)


# --- the audit trail -------------------------------------------------------------------------------

def test_facts_go_to_the_trail_of_their_candidate_cycle_or_board():
    trails = demo_facts().trails()
    assert set(trails) == {*DEMO, cycle_trail_id(CYCLE), BOARD}
    cycle = trails[cycle_trail_id(CYCLE)]
    assert (cycle["subject"], cycle["subject_id"]) == ("cycle", CYCLE)
    assert [e["type"] for e in cycle["events"]] == ["CycleOpened"] + ["CycleStageAdvanced"] * 4
    assert [(e["type"], trails[BOARD]["subject"]) for e in trails[BOARD]["events"]] == [("ShortlistSettled", "board")]
    bogor = Counter(e["type"] for e in trails["kab-bogor"]["events"])
    assert bogor == {"CandidateRegistered": 1, "CoverageFigureSubmitted": 1, "EvidenceVerified": 1,
                     "IndicatorScored": 5, "ScoreAmended": 1, "InterviewScheduled": 1, "InterviewScored": 1}
    assert "InterviewScored" not in {e["type"] for e in trails["kota-depok"]["events"]}


def test_events_about_no_candidate_cycle_or_board_have_no_trail():
    member = CommitteeMemberAppointed(person_id="sekda-jabar", name="Sekda", cycle_id=CYCLE, committee=PROVINCE,
                                      role="chair", represents="provincial secretary")
    facts = Facts()
    envelope = facts.add(member)
    assert AuditTrail().doc_id(envelope, member) is None


def test_a_trail_entry_is_the_envelope_as_recorded():
    facts = demo_facts()
    envelope, _event = next(p for p in facts.pairs if p[1].TYPE == "ScoreAmended")
    [entry] = [e for e in facts.trails()["kab-bogor"]["events"] if e["type"] == "ScoreAmended"]
    assert entry == envelope.model_dump(mode="json")
    assert {"event_id", "type", "occurred_at", "actor", "stream", "sequence", "hash", "causation_id",
            "correlation_id", "payload"} <= set(entry)
    assert entry["actor"] == {"id": "assessor-1", "role": "assessor"} and entry["payload"]["reason"] == REASON


def test_a_trail_is_ordered_by_time_then_event_id_whatever_the_arrival_order():
    facts = demo_facts()
    mine = [p for p in facts.pairs if getattr(p[1], "candidate_id", None) == "kab-bogor"]
    in_order = [e.event_id for e, _ in mine]
    # one stream after another (each in its own order, as a partition delivers it), the last stream first
    arrival = sorted(mine, key=lambda p: p[0].stream, reverse=True)
    assert [e.event_id for e, _ in arrival] != in_order
    assert [e["event_id"] for e in fold(AuditTrail(), arrival)["kab-bogor"]["events"]] == in_order


def test_same_time_orders_by_event_id():
    facts = Facts()
    first = facts.add(CandidateRegistered(candidate_id="c-1", cycle_id=CYCLE, category_id=CATEGORY,
                                          kind="regency_city", name="A", province=PROVINCE))
    second = facts.add(score("c-1", "policy", "assessor-1", 50), minutes=0)
    assert first.occurred_at == second.occurred_at
    trail = fold(AuditTrail(), [facts.pairs[1], facts.pairs[0]])["c-1"]
    assert [e["event_id"] for e in trail["events"]] == [first.event_id, second.event_id]


def test_an_event_is_kept_once_however_often_it_is_delivered():
    facts = demo_facts()
    trail = facts.trails()["kab-bogor"]
    envelope, event = next(p for p in facts.pairs if p[1].TYPE == "ScoreAmended")
    assert apply_once(AuditTrail(), trail, envelope, event) is None  # the _seen bookkeeping
    again = fold(AuditTrail(), facts.pairs + facts.pairs)["kab-bogor"]
    assert again == trail and len({e["event_id"] for e in again["events"]}) == len(again["events"])


async def test_the_projection_keeps_trails_in_the_store():
    class Store:
        def __init__(self):
            self.docs = {}

        async def get(self, collection, doc_id):
            return self.docs.get((collection, doc_id))

        async def put(self, collection, doc_id, doc):
            self.docs[(collection, doc_id)] = doc

        async def put_if_revision(self, collection, doc_id, doc, expected):
            if (self.docs.get((collection, doc_id)) or {}).get("_revision", 0) != expected:
                return False
            self.docs[(collection, doc_id)] = doc
            return True

    store, facts = Store(), demo_facts()
    react = project(AuditTrail(), store)
    for envelope, event in facts.pairs + facts.pairs[:5]:
        await react(envelope, event)
    assert {k for _c, k in store.docs} == set(facts.trails()) and {c for c, _k in store.docs} == {AUDIT_TRAILS}
    assert {k: v for k, v in store.docs[(AUDIT_TRAILS, "kab-bogor")].items() if k != "_revision"} \
        == facts.trails()["kab-bogor"]


def test_a_tampered_entry_does_not_decode():
    trail = demo_facts().trails()["kab-bogor"]
    assert [e.TYPE for _envelope, e in decoded(trail)][:1] == ["CandidateRegistered"]
    forged = {**trail, "events": [{**e, "payload": {**e["payload"], "value": 95}} if e["type"] == "ScoreAmended"
                                  else e for e in trail["events"]]}
    with pytest.raises(PoisonRecord, match="hash mismatch"):
        decoded(forged)


def test_a_trail_read_again_is_decoded_once_and_a_forgery_of_it_refused_every_time():
    trail = demo_facts().trails()["kab-bogor"]
    first, again = decoded(trail), decoded({**trail, "events": [dict(e) for e in trail["events"]]})
    assert all(a is b for a, b in zip(first, again)) and len(first) == len(again)
    forged = {**trail, "events": [{**e, "actor": {**e["actor"], "id": "someone-else"}} for e in trail["events"]]}
    for _ in range(2):
        with pytest.raises(PoisonRecord, match="hash mismatch"):
            decoded(forged)


# --- the explanation -------------------------------------------------------------------------------

def test_the_chain_lists_every_fact_in_order_with_who_when_and_what():
    facts = demo_facts()
    explanation = explained(facts)
    chain = explanation["events"]
    assert [s["when"] for s in chain] == sorted(s["when"] for s in chain)
    kinds = Counter(s["type"] for s in chain)
    assert kinds == {"CycleOpened": 1, "CycleStageAdvanced": 4, "CandidateRegistered": 1,
                     "CoverageFigureSubmitted": 1, "EvidenceVerified": 1, "IndicatorScored": 5, "ScoreAmended": 1,
                     "ShortlistSettled": 1, "InterviewScheduled": 1, "InterviewScored": 1}
    [amendment] = [s for s in chain if s["type"] == "ScoreAmended"]
    assert amendment["who"] == {"id": "assessor-1", "role": "assessor"}
    assert amendment["what"] == f"policy score s-kab-bogor-policy-1 amended by assessor-1: 60 -> 75 ({REASON})"
    assert amendment["details"]["reason"] == REASON and amendment["details"]["supersedes"] == "s-kab-bogor-policy-1"
    [computed] = [s for s in chain if s["type"] == "IndicatorScored" and s["details"]["rule"]]
    assert computed["who"] == {"id": "scoring-rules", "role": "system"}
    assert computed["details"]["inputs"] == {"figure_id": "cov-kab-bogor", "period": "2024",
                                             "workers_eligible": 1000, "workers_enrolled": 620}
    assert computed["what"].startswith("coverage scored 70 by rule coverage-bands@v1")
    [verification] = [s for s in chain if s["type"] == "EvidenceVerified"]
    assert verification["who"]["role"] == "committee-secretary"
    [plenary] = [s for s in chain if s["type"] == "ShortlistSettled"]
    assert plenary["what"] == "plenary: shortlisted (document-stage rank 3)"
    assert plenary["details"]["document_total"] == 73.125 and plenary["details"]["deviation_reason"] is None
    [opened] = [s for s in chain if s["type"] == "CycleOpened"]
    assert opened["details"]["rubric"]["version"] == 1 and "categories" not in opened["details"]


def test_the_aggregation_per_indicator_and_the_totals():
    explanation = explained(demo_facts())
    assert explanation["rubric"]["aggregation"] == "mean" and explanation["rubric"]["version"] == 1
    indicators = {i["indicator_id"]: i for i in explanation["indicators"]}
    assert [(s["score_id"], s["by"], s["value"]) for s in indicators["policy"]["scores"]] == [
        ("s-kab-bogor-policy-2", "assessor-2", 75), ("s-kab-bogor-policy-1-a1", "assessor-1", 75)]
    assert {k: (i["weight"], i["value"], i["contribution"]) for k, i in indicators.items()} == {
        "policy": (0.25, 75, 18.75), "implementation": (0.25, 75, 18.75), "coverage": (0.3, 70, 21.0),
        "interview": (0.2, 80, 16.0)}
    assert indicators["coverage"]["rule"] == "coverage-bands@v1" and indicators["coverage"]["needs"] == 1
    totals = explanation["totals"]
    assert (totals["stage"], totals["document_total"], totals["interview_total"], totals["total"]) == (
        "final", 73.125, 80, 74.5)


def fold_listed(chain: list[dict]) -> tuple[dict, dict[str, list[float]]]:
    """The rubric of the CycleOpened listed, and each indicator's current values: every listed score,
    less those a listed amendment superseded. Nothing else is read."""
    [opened] = [s["details"] for s in chain if s["type"] == "CycleOpened"]
    current: dict[str, tuple[str, float]] = {}
    for step in chain:
        d = step["details"]
        if step["type"] in ("IndicatorScored", "InterviewScored", "ScoreAmended", "InterviewScoreAmended"):
            current.pop(d.get("supersedes"), None)
            current[d["score_id"]] = (d["indicator_id"], d["value"])
    by_indicator: dict[str, list[float]] = {}
    for indicator, value in current.values():
        by_indicator.setdefault(indicator, []).append(value)
    return opened["rubric"], by_indicator


def test_the_total_is_recomputed_from_the_listed_events_alone():
    explanation = explained(demo_facts())
    rubric, values = fold_listed(explanation["events"])
    assert values == {"coverage": [70], "policy": [75, 75], "implementation": [80, 70], "interview": [80]}
    total = sum(i["weight"] * mean(values[i["id"]]) for i in rubric["indicators"])
    assert total == pytest.approx(74.5) and explanation["totals"]["total"] == pytest.approx(total)


def test_the_live_rank_and_whether_the_recomputed_totals_match_it():
    facts = demo_facts()
    explanation = explained(facts, live_board=live(facts))
    assert explanation["live"] == {"stage": "final", "list": "ranked", "rank": 3, "document_total": 73.125,
                                   "interview_total": 80, "total": 74.5}
    assert explanation["matches_live"] is True
    stale = live(facts)
    stale["ranked"][2] = {**stale["ranked"][2], "total": 72.625}  # a board that missed the amendment
    assert explained(facts, live_board=stale)["matches_live"] is False
    depok = explained(facts, "kota-depok", live_board=live(facts))
    assert depok["live"]["list"] == "not_shortlisted" and depok["totals"]["stage"] == "document"
    assert depok["totals"]["document_total"] == 48.125 and depok["matches_live"] is True
    assert explained(facts)["live"] is None and explained(facts)["matches_live"] is None


def test_before_the_plenary_the_explanation_is_of_the_document_stage():
    facts = Facts()
    assess(facts, DEMO, shipped("demo"))
    explanation = explained(facts, live_board=live(facts))
    assert explanation["totals"]["stage"] == "document" and explanation["totals"]["document_total"] == 70.78125
    assert explanation["totals"]["total"] is None and explanation["totals"]["missing"] == []
    assert explanation["live"]["rank"] == 3 and explanation["matches_live"] is True  # Bekasi 74.0625 ahead


def test_no_registration_or_no_cycle_opening_is_unexplained():
    facts = demo_facts()
    trails = facts.trails()
    without = {**trails["kab-bogor"], "events": trails["kab-bogor"]["events"][1:]}
    assert registration_of(without) is None and registration_of(trails["kab-bogor"]).name == "Kabupaten Bogor"
    with pytest.raises(Unexplained, match="no registration"):
        explain(without, trails[cycle_trail_id(CYCLE)])
    with pytest.raises(Unexplained, match="no opening of cycle demo-2024"):
        explain(trails["kab-bogor"], {})


# z-score by hand: policy (.6, judged) and coverage (.4, computed). assessor-1 is harsh, assessor-2 lenient:
#   c-1: assessor-1 57, assessor-2 81      c-2: assessor-1 39, assessor-2 63
#   assessor-1 mean 48, sd 9; assessor-2 mean 72, sd 9; all four: mean 60, sd 15 (deviations -21, -3, 3, 21)
#   c-1: 60 + 15 * (57 - 48) / 9 = 75 and 60 + 15 * (81 - 72) / 9 = 75 -> policy 75; c-2: 45 and 45 -> 45
#   c-1 total .6 * 75 + .4 * 90 (coverage .7) = 81; alone (no peers) each assessor has one score, sd 0:
#   57 - 57 + 69 and 81 - 81 + 69 -> policy 69, total .6 * 69 + 36 = 77.4
ZSCORE = {"c-1": ("Kota A", "32.71", 700, {"policy": [57, 81]}, None),
          "c-2": ("Kota B", "32.72", 200, {"policy": [39, 63]}, None)}


def zscore_config() -> CycleConfig:
    demo = shipped("demo").model_dump(mode="json")
    rubric = demo["categories"][0]["rubric"]
    indicators = [{**rubric["indicators"][0], "weight": 0.6}, {**rubric["indicators"][2], "weight": 0.4}]
    category = {**demo["categories"][0], "rubric": {**rubric, "aggregation": "zscore", "tie_break": [],
                                                     "indicators": indicators}}
    return CycleConfig.model_validate({**demo, "categories": [category]})


def test_zscore_totals_take_the_peers_scores_by_the_same_people_and_list_them():
    facts = Facts()
    assess(facts, ZSCORE, zscore_config())
    trails = facts.trails()
    explanation = explained(facts, "c-1", peers=[trails["c-2"]], live_board=live(facts))
    indicators = {i["indicator_id"]: i for i in explanation["indicators"]}
    assert [(s["by"], s["value"], s["adjusted"]) for s in indicators["policy"]["scores"]] == [
        ("assessor-1", 57, 75), ("assessor-2", 81, 75)]
    assert "adjusted" not in indicators["coverage"]["scores"][0]
    assert explanation["totals"]["total"] == 81 and explanation["matches_live"] is True
    assert explanation["live"]["rank"] == 1
    assert explanation["peers"]["candidates"] == ["c-2"]
    assert [(s["candidate_id"], s["by"], s["value"]) for s in explanation["peers"]["scores"]] == [
        ("c-2", "assessor-1", 39), ("c-2", "assessor-2", 63)]  # the computed coverage score is not a person's
    alone = explained(facts, "c-1", live_board=live(facts))
    assert alone["totals"]["total"] == pytest.approx(77.4) and alone["matches_live"] is False
    assert alone["peers"] == {"candidates": [], "scores": []}


def test_peers_of_another_board_are_not_taken():
    facts = Facts()
    assess(facts, ZSCORE, zscore_config())
    other = Facts()
    assess(other, {"c-9": ("Kota C", "51.71", 700, {"policy": [10, 100]}, None)}, zscore_config(), province="bali")
    explanation = explained(facts, "c-1", peers=[facts.trails()["c-2"], other.trails()["c-9"]])
    assert explanation["peers"]["candidates"] == ["c-2"] and explanation["totals"]["total"] == 81


def test_the_chain_of_a_mean_rubric_lists_no_peer_scores():
    facts = demo_facts()
    trails = facts.trails()
    explanation = explained(facts, peers=[trails["kota-bandung"]])
    assert explanation["peers"] == {"candidates": ["kota-bandung"], "scores": []}
    assert explanation["totals"]["total"] == 74.5


def test_every_kind_of_fact_says_what_it_did():
    facts = Facts()
    assess(facts, {"kab-bogor": DEMO["kab-bogor"]}, shipped("demo"))
    bogor, secretary = "kab-bogor", ("secretary-jabar", "committee-secretary")
    common = {"candidate_id": bogor, "cycle_id": CYCLE}
    facts.add(ConflictDeclared(person_id="assessor-9", nature="employed_by", **common))
    facts.add(CoverageFigureCorrected(figure_id="cov-2", supersedes=f"cov-{bogor}", reason="late payroll", period="2024",
                                      workers_eligible=1000, workers_enrolled=640, source="BPJS", category_id=CATEGORY,
                                      **common), ("bpjs-data-office", "regional-service"))
    facts.add(EvidenceRejected(evidence_id="doc-1", kind="document", reason="unsigned", **common), secretary)
    facts.add(DocumentAttached(document_id="doc-2", indicator_id="policy", title="Perda 4/2023", filename="p.pdf",
                               media_type="application/pdf", size=10, sha256="a" * 64, replaces="doc-1", **common))
    facts.add(CandidateScreened(category_id=CATEGORY, eligible=False, passed=[], **common,
                                failed=[RuleFailure(rule="no_arrears", reason="3 months")]))
    facts.add(ScoreFlaggedForReview(score_id="s-kab-bogor-policy-2", candidate_id=bogor, indicator_id="policy",
                                    assessor_id="assessor-2", evidence_id="doc-1", reason="document doc-1 rejected",
                                    cause="e-1"), RULES)
    facts.add(ScoreConfirmed(score_id="s-kab-bogor-policy-2", candidate_id=bogor, assessor_id="assessor-2",
                             note="the regulation stands"), ("assessor-2", "assessor"))
    facts.add(ShortlistSettled(shortlist_id=BOARD, cycle_id=CYCLE, category_id=CATEGORY, province=PROVINCE,
                               rubric_version=1, shortlisted=[], ranking=[], ranking_digest="0" * 64,
                               deviations=[Deviation(candidate_id=bogor, rank=None, shortlisted=False,
                                                     reason="screened out")]))
    facts.add(InterviewScored(score_id="i-1", interviewer_id="interviewer-1", value=60, attendee="Regent", **common))
    facts.add(InterviewScoreAmended(score_id="i-2", supersedes="i-1", candidate_id=bogor,
                                    interviewer_id="interviewer-1", value=65, reason="the annex"))
    facts.add(InterviewMissed(reason="flood", consequence="scale_minimum", **common))
    facts.add(CandidateWithdrawn(reason="the regent asked", **common))
    said = [s["what"] for s in explained(facts)["events"][-12:]]
    assert said == [
        "assessor-9 declared a conflict (employed_by)",
        "coverage figure cov-2 corrects cov-kab-bogor: 640 of 1000 (late payroll)",
        "document doc-1 rejected: unsigned",
        "document doc-2 'Perda 4/2023' attached for policy, replacing doc-1",
        "screened: not eligible (no_arrears)",
        "policy score s-kab-bogor-policy-2 flagged for review: document doc-1 rejected",
        "score s-kab-bogor-policy-2 confirmed by assessor-2: the regulation stands",
        "plenary: not shortlisted (not ranked at the document stage): screened out",
        "interview (every interview indicator) scored 60 by interviewer-1",
        "interview score i-1 amended by interviewer-1: 60 -> 65 (the annex)",
        "missed the interview (flood): scale_minimum",
        "withdrew: the regent asked",
    ]
    totals = explained(facts)["totals"]
    assert totals["withdrawn"] and totals["no_show"] == {"reason": "flood", "consequence": "scale_minimum"}
