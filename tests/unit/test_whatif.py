"""What-if scenarios (pure): shadow boards from the events, rank changes with their causes, saved
scenarios, comparison; adoption of an exclusion and the live boards that follow it.

A generated province cycle (the demo rubric: policy .25, implementation .25, coverage .3 by bands
0/.3/.5/.7 -> 20/50/70/90, interview .2; mean of the assessors) with a third assessor, assessor-3,
generated lenient (far more so towards Kab. Bogor). Document totals (.25*P + .25*I + .3*C) / .8:

                 policy (a-1, a-2, a-3)  implementation   coverage   with assessor-3          without it
  Kota Bandung   80, 82, 90              70, 72, 82       700 -> 90  (.25*(84+74.6667)+27)/.8  (.25*(81+71)+27)/.8
                                                                     = 83.333333 (1)           = 81.25 (1)
  Kab. Bekasi    80, 80, 85              80, 80, 85       600 -> 70  (.25*(81.6667*2)+21)/.8   (.25*160+21)/.8
                                                                     = 77.291667 (3)           = 76.25 (2)
  Kab. Bogor     76, 76, 100             76, 76, 100      600 -> 70  (.25*(84+84)+21)/.8       (.25*152+21)/.8
                                                                     = 78.75 (2)               = 73.75 (3)
  Kota Depok     60, 60, 75              60, 60, 75       200 -> 20  (.25*(65+65)+6)/.8        (.25*120+6)/.8
                                                                     = 48.125 (4)              = 45 (4)
Excluding assessor-3 swaps Kab. Bekasi (up one) and Kab. Bogor (down one).
The median of the three gives the totals without assessor-3 but for Kota Bandung (82, 72):
(.25*154+27)/.8 = 81.875, the same order. Kab. Bogor's figure corrected to 250 of 600 (.4167 ->
band .3 -> 50): (.25*168+15)/.8 = 71.25, third behind Kab. Bekasi.
"""

from __future__ import annotations

import copy
import random
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from statistics import mean
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from services.ranking.aggregation import current_scores
from services.ranking.beyond_routes import beyond_routes
from services.ranking.leaderboard import leaderboard, row
from services.ranking.projections import STANDINGS, Standings
from services.ranking.replay import board, fold, up_to, views
from services.ranking.scenarios import (
    SCENARIOS,
    ExcludePanellist,
    Excluding,
    ExclusionState,
    Exclusions,
    SaveScenario,
    ScenarioBook,
    Scenarios,
    ScenarioState,
    touched,
)
from services.ranking.whatif import ScenarioInvalid, compare, outcome, scenario_config, shadow
from services.registration.cycle_files import shipped
from shared.board_status import BOARD_STATUS
from shared.commands import Rejected
from shared.contracts.ranking import CorrectedFigure, PanellistExcluded, ScenarioSaved, ScenarioSpec, ScoresExcluded
from shared.contracts.registration import CommitteeMemberAppointed, PanellistAppointed
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreFlaggedForReview
from shared.directory import CYCLES
from shared.envelope import Actor, seal
from shared.panel import PANELLISTS, PanelDirectory
from shared.readstore.embedded import EmbeddedReadStore
from tests.unit.test_replay_and_history import _filled
from tests.unit.test_trail_and_explain import (
    BOARD,
    CATEGORY,
    CYCLE,
    PROVINCE,
    Facts,
    advance,
    assess,
    interview,
    score,
    settle,
)

LENIENT = "assessor-3"
ORGANISERS = {"sesmenko-pmk": "chair", "direktur-kepesertaan": "vice_chair"}
# candidate: (name, regency code, workers enrolled of 1000, {indicator: [assessor-1, -2, -3]}, interview)
LENIENT_CYCLE = {
    "kota-bandung": ("Kota Bandung", "32.73", 700, {"policy": [80, 82, 90], "implementation": [70, 72, 82]}, 88),
    "kab-bekasi": ("Kabupaten Bekasi", "32.16", 600, {"policy": [80, 80, 85], "implementation": [80, 80, 85]}, 90),
    "kab-bogor": ("Kabupaten Bogor", "32.01", 600, {"policy": [76, 76, 100], "implementation": [76, 76, 100]}, 80),
    "kota-depok": ("Kota Depok", "32.76", 200, {"policy": [60, 60, 75], "implementation": [60, 60, 75]}, 70),
}
WITH_LENIENT = [("kota-bandung", 83.333333), ("kab-bogor", 78.75), ("kab-bekasi", 77.291667), ("kota-depok", 48.125)]
WITHOUT_LENIENT = [("kota-bandung", 81.25), ("kab-bekasi", 76.25), ("kab-bogor", 73.75), ("kota-depok", 45.0)]
WITHOUT = ScenarioSpec(excluded=[LENIENT])


def record(facts: Facts, event, actor=("sesmenko-pmk", "organiser"), service: str = "ranking", minutes: int = 1):
    """Seal an event the demo's Facts does not place (people, ranking's decisions) in a stream of its
    service (ranking's: its aggregate's), a minute after the facts so far, with an id that orders
    like theirs."""
    stream = f"{service}/beyond/{event.cycle_id}"
    if isinstance(event, ScenarioSaved):
        stream = f"ranking/scenario/{event.scenario_id}"
    if isinstance(event, (PanellistExcluded, ScoresExcluded)):
        stream = f"ranking/panellist-exclusion/{event.cycle_id}:{event.person_id}"
    n = len(facts.pairs) + 1
    envelope = seal({
        "event_id": f"00000000-0000-7000-8000-{n:012x}", "type": event.TYPE, "schema_version": event.VERSION,
        "stream": stream, "sequence": 1 + sum(1 for e, _ in facts.pairs if e.stream == stream),
        "occurred_at": facts.pairs[-1][0].occurred_at + timedelta(minutes=minutes),
        "actor": Actor(id=actor[0], role=actor[1]), "causation_id": f"command-{n}", "correlation_id": "beyond",
        "payload": event.model_dump(mode="json"), "previous_hash": None,
    })
    facts.pairs.append((envelope, event))
    return envelope


def lenient_facts(lenient: dict = LENIENT_CYCLE, lenient_from: datetime | None = None) -> Facts:
    """Opened, registered, figures verified and scored by the bands, three assessors' scores (the
    third's after the others', from `lenient_from` if given, a minute apart), the panel and the
    organisers appointed."""
    facts = Facts()
    two = {c: (name, code, enrolled, {i: v[:2] for i, v in scores.items()}, iv)
           for c, (name, code, enrolled, scores, iv) in lenient.items()}
    assess(facts, two, shipped("demo"))
    for person in ("assessor-1", "assessor-2", LENIENT):
        record(facts, PanellistAppointed(person_id=person, name=person.title(), cycle_id=CYCLE, duty="assessor",
                                         province=PROVINCE, category_ids=[CATEGORY]), service="registration")
    for candidate_id, (_name, _code, _enrolled, scores, _iv) in lenient.items():
        for indicator, values in scores.items():
            gap = (lenient_from - facts.pairs[-1][0].occurred_at) // timedelta(minutes=1) if lenient_from else 1
            facts.add(score(candidate_id, indicator, LENIENT, values[2]), (LENIENT, "assessor"), minutes=gap)
            lenient_from = None
    for person, role in ORGANISERS.items():
        facts.add(CommitteeMemberAppointed(person_id=person, name=person, cycle_id=CYCLE, committee="national",
                                           role=role, represents="organiser"))
    return facts


def _order(board_: dict) -> list[tuple[str, float]]:
    return [(r["candidate_id"], r["document_total"]) for r in board_["ranked"]]


def _live(facts: Facts) -> dict:
    return board(views(up_to(facts.pairs)), CYCLE, CATEGORY, PROVINCE)


def _by_hand(facts: Facts, ignored: set[str] = frozenset()) -> list[tuple[str, float]]:
    """The document-stage order recomputed from the score events alone: the mean of the current
    scores per indicator, leaving out those by `ignored` people, weighted by the demo rubric."""
    current: dict[tuple[str, str], dict[str, float]] = {}
    for _envelope, event in facts.pairs:
        if isinstance(event, ScoreAmended):
            current[(event.candidate_id, event.indicator_id)].pop(event.supersedes)
        if isinstance(event, (IndicatorScored, ScoreAmended)) and event.assessor_id not in ignored:
            current.setdefault((event.candidate_id, event.indicator_id), {})[event.score_id] = event.value
    weights = {"policy": .25, "implementation": .25, "coverage": .3}
    totals = {c: round(sum(w * mean(current[(c, i)].values()) for i, w in weights.items()) / .8, 6)
              for c in LENIENT_CYCLE}
    return sorted(totals.items(), key=lambda t: -t[1])


# --- scenarios against the events ------------------------------------------------------------------

def test_the_generated_cycle_ranks_as_worked_out_by_hand():
    facts = lenient_facts()
    assert _order(_live(facts)) == WITH_LENIENT == _by_hand(facts)


def test_excluding_the_lenient_assessor_changes_ranks_as_recomputed_by_hand_from_the_events():
    facts = lenient_facts()
    result = outcome(up_to(facts.pairs), CYCLE, WITHOUT, "without-a3")
    [found] = result["boards"]
    assert (found["category_id"], found["province"], found["stage"]) == (CATEGORY, PROVINCE, "document")
    assert [(r["candidate_id"], r["total"]) for r in found["ranking_before"]] == WITH_LENIENT
    assert [(r["candidate_id"], r["total"]) for r in found["ranking_after"]] == WITHOUT_LENIENT
    assert _by_hand(facts, ignored={LENIENT}) == WITHOUT_LENIENT
    moves = {c["candidate_id"]: c for c in found["changes"]}
    assert set(moves) == set(LENIENT_CYCLE)  # every total changes; two ranks do
    assert {c: m["moved"] for c, m in moves.items()} == {"kota-bandung": 0, "kab-bekasi": 1, "kab-bogor": -1,
                                                         "kota-depok": 0}
    bogor = moves["kab-bogor"]
    assert bogor["before"] == {"list": "ranked", "rank": 2, "total": 78.75}
    assert bogor["after"] == {"list": "ranked", "rank": 3, "total": 73.75} and bogor["total_change"] == -5.0
    assert bogor["indicators"] == {"policy": {"before": 84.0, "after": 76.0},
                                   "implementation": {"before": 84.0, "after": 76.0}}
    assert bogor["overtaken_by"] == ["kab-bekasi"] and moves["kab-bekasi"]["overtook"] == ["kab-bogor"]
    ignored = [c for c in bogor["causes"] if c["by"] == LENIENT]
    scored = {e.event_id for e, ev in facts.pairs if getattr(ev, "assessor_id", None) == LENIENT
              and ev.candidate_id == "kab-bogor"}
    assert {c["event_id"] for c in ignored} == scored and len(ignored) == 2
    assert all(c["because"] == f"scores by {LENIENT} are ignored" and c["value"] == 100 for c in ignored)
    assert result["summary"] == {"boards": 1, "boards_changed": 1, "candidates_moved": 2}
    assert (result["events"], result["last_event_id"]) == (len(facts.pairs), facts.pairs[-1][0].event_id)


def test_a_scenario_never_touches_what_it_is_run_on():
    facts = lenient_facts()
    known = views(up_to(facts.pairs))
    kept = copy.deepcopy(known)
    altered = shadow(known, CYCLE, WITHOUT.model_copy(update={"aggregation": "median"}))
    assert known == kept and altered.standings != known.standings
    assert all(s["excluded"] == {LENIENT: "scenario"} for s in altered.standings.values())


def test_other_aggregation_and_weights():
    facts = lenient_facts()
    median = outcome(up_to(facts.pairs), CYCLE, ScenarioSpec(aggregation="median"))
    assert [(r["candidate_id"], r["total"]) for r in median["boards"][0]["ranking_after"]] == [
        ("kota-bandung", 81.875), ("kab-bekasi", 76.25), ("kab-bogor", 73.75), ("kota-depok", 45.0)]
    bogor = next(c for c in median["boards"][0]["changes"] if c["candidate_id"] == "kab-bogor")
    assert {c["because"] for c in bogor["causes"]} == {"aggregated by median instead of mean"}
    assert len(bogor["causes"]) == 6  # three assessors on each of the two judged indicators
    # policy .35, implementation .15: Kab. Bogor (.35*84 + .15*84 + 21)/.8 = 78.75 either way;
    # Kab. Bekasi (.35*81.6667 + .15*81.6667 + 21)/.8 = 77.291667; nothing moves
    spec = ScenarioSpec(weights={CATEGORY: {"policy": .35, "implementation": .15}})
    weighted = outcome(up_to(facts.pairs), CYCLE, spec)
    bandung = next(c for c in weighted["boards"][0]["changes"] if c["candidate_id"] == "kota-bandung")
    # (.35*84 + .15*74.6667 + 27)/.8 = 84.5
    assert bandung["after"]["total"] == 84.5 and bandung["moved"] == 0
    assert {c["because"] for c in bandung["causes"]} == {"weight 0.25 -> 0.35", "weight 0.25 -> 0.15"}
    assert weighted["summary"]["candidates_moved"] == 0


def test_a_corrected_figure_rescores_the_computed_indicator_by_its_bands():
    facts = lenient_facts()
    spec = ScenarioSpec(figures={"kab-bogor": CorrectedFigure(workers_eligible=600, workers_enrolled=250)})
    [found] = outcome(up_to(facts.pairs), CYCLE, spec)["boards"]
    bogor = next(c for c in found["changes"] if c["candidate_id"] == "kab-bogor")
    assert bogor["after"] == {"list": "ranked", "rank": 3, "total": 71.25}
    assert bogor["indicators"] == {"coverage": {"before": 70.0, "after": 50.0}}
    [cause] = bogor["causes"]
    derived = next(e for e, ev in facts.pairs if getattr(ev, "score_id", None) == "auto-cov-kab-bogor")
    assert (cause["event_id"], cause["because"]) == (derived.event_id, "derived from the figure the scenario corrects")
    altered = shadow(views(up_to(facts.pairs)), CYCLE, spec)
    assert altered.standings["kab-bogor"]["coverage"]["ratio"] == 250 / 600


@pytest.mark.parametrize("spec, rule", [
    (ScenarioSpec(weights={"villages": {"policy": 1}}), "unknown_category"),
    (ScenarioSpec(weights={CATEGORY: {"budget": .1}}), "unknown_indicator"),
    (ScenarioSpec(weights={CATEGORY: {"policy": .5}}), "weights_invalid"),
])
def test_a_scenario_that_does_not_fit_the_cycle_is_refused(spec, rule):
    with pytest.raises(ScenarioInvalid) as refused:
        scenario_config(shipped("demo"), spec)
    assert refused.value.rule == rule
    with pytest.raises(ScenarioInvalid):
        outcome(up_to(lenient_facts().pairs), CYCLE, spec)


def test_an_unknown_cycle_or_candidate_is_refused():
    with pytest.raises(ScenarioInvalid) as refused:
        outcome(up_to(lenient_facts().pairs), "no-cycle", WITHOUT)
    assert refused.value.rule == "unknown_cycle"
    figure = CorrectedFigure(workers_eligible=10, workers_enrolled=5)
    with pytest.raises(ScenarioInvalid) as refused:
        outcome(up_to(lenient_facts().pairs), CYCLE, ScenarioSpec(figures={"kota-bekasi": figure}))
    assert refused.value.rule == "unknown_candidate"


def test_scenarios_compared_side_by_side():
    pairs = up_to(lenient_facts().pairs)
    both = compare({"without-a3": outcome(pairs, CYCLE, WITHOUT), "median": outcome(
        pairs, CYCLE, ScenarioSpec(aggregation="median"))})
    [found] = both["boards"]
    assert found["same_order"] is True and both["scenarios"] == ["without-a3", "median"]
    assert [(c["candidate_id"], c["ranks"]) for c in found["candidates"]] == [
        ("kota-bandung", {"baseline": 1, "without-a3": 1, "median": 1}),
        ("kab-bogor", {"baseline": 2, "without-a3": 3, "median": 3}),
        ("kab-bekasi", {"baseline": 3, "without-a3": 2, "median": 2}),
        ("kota-depok", {"baseline": 4, "without-a3": 4, "median": 4})]
    differ = compare({"none": outcome(pairs, CYCLE, ScenarioSpec()), "without-a3": outcome(pairs, CYCLE, WITHOUT)})
    assert differ["boards"][0]["same_order"] is False


def test_the_final_stage_is_compared_on_final_totals():
    facts = lenient_facts()
    advance(facts, CYCLE, "assessment", "plenary")
    settle(facts, ranking=WITH_LENIENT, shortlisted=("kota-bandung", "kab-bogor", "kab-bekasi"))
    advance(facts, CYCLE, "plenary", "interview")
    interview(facts, ("kota-bandung", "kab-bogor", "kab-bekasi"))
    [found] = outcome(up_to(facts.pairs), CYCLE, WITHOUT)["boards"]
    # final totals .25P + .25I + .3C + .2*interview: Bekasi 61 + 18 = 79 (was 61.8333 + 18 = 79.833333),
    # Bogor 59 + 16 = 75 (was 63 + 16 = 79)
    assert found["stage"] == "final"
    assert [(r["candidate_id"], r["total"]) for r in found["ranking_after"]] == [
        ("kota-bandung", 82.6), ("kab-bekasi", 79.0), ("kab-bogor", 75.0)]
    depok = next(c for c in found["changes"] if c["candidate_id"] == "kota-depok")
    assert depok["before"] == {"list": "not_shortlisted", "rank": None, "total": 48.125}
    assert depok["after"]["total"] == 45.0 and depok["moved"] is None


# --- standings honour exclusions ---------------------------------------------------------------------

def test_an_excluded_persons_scores_never_count_nor_hold_a_review():
    facts = lenient_facts()
    standing = views(up_to(facts.pairs)).standings["kab-bogor"]
    flagged = ScoreFlaggedForReview(score_id="s-kab-bogor-policy-3", candidate_id="kab-bogor", indicator_id="policy",
                                    assessor_id=LENIENT, evidence_id="cov-kab-bogor", reason="figure corrected",
                                    cause="e-1")
    standing = Standings().apply(standing, None, flagged)
    rubric = shipped("demo").category(CATEGORY).rubric
    assert row(rubric, standing)["under_review"] == ["s-kab-bogor-policy-3"] and "excluded" not in row(rubric, standing)
    excluded = Standings().apply(standing, None, ScoresExcluded(cycle_id=CYCLE, candidate_id="kab-bogor",
                                                                person_id=LENIENT, scenario_id="without-a3"))
    assert excluded["excluded"] == {LENIENT: "without-a3"}
    assert {s.person for s in current_scores(rubric, excluded)["policy"]} == {"assessor-1", "assessor-2"}
    counted = row(rubric, excluded)
    assert counted["under_review"] == [] and counted["excluded"] == [LENIENT]
    assert counted["document_total"] == 73.75
    nobody = Standings().apply(standing, None, ScoresExcluded(cycle_id=CYCLE, candidate_id="kab-bogor",
                                                              person_id="assessor-9", scenario_id="s"))
    assert "excluded" not in row(rubric, nobody)  # named only where the person scored


def test_under_z_score_an_exclusion_is_as_if_the_scores_were_never_given():
    facts = lenient_facts()
    known = views(up_to(facts.pairs))
    rubric = shipped("demo").category(CATEGORY).rubric.model_copy(update={"aggregation": "zscore"})
    standings = [s for s in known.standings.values()]
    without = [Standings().apply(s, None, ScoresExcluded(cycle_id=CYCLE, candidate_id=s["candidate_id"],
                                                         person_id=LENIENT, scenario_id="s")) for s in standings]
    stripped = [{**s, "scores": {k: v for k, v in s["scores"].items() if v["assessor_id"] != LENIENT}}
                for s in standings]
    assert _order(leaderboard(rubric, without)) == _order(leaderboard(rubric, stripped))


# --- saving a scenario -----------------------------------------------------------------------------

SAVE = SaveScenario(scenario_id="without-a3", cycle_id=CYCLE, name="Without assessor 3", saved_by="sesmenko-pmk",
                    description="a conflict of interest found late", spec=WITHOUT)


def test_saving_a_scenario_records_it_once():
    [saved] = Scenarios().decide(SAVE, ScenarioState(), shipped("demo"))
    assert saved == ScenarioSaved(**SAVE.model_dump())
    state = Scenarios().evolve(ScenarioState(), saved)
    for command, state_, config, rule, status in [
        (SAVE, state, shipped("demo"), "scenario_exists", 409),
        (SAVE, ScenarioState(), None, "unknown_cycle", 422),
        (SAVE.model_copy(update={"spec": ScenarioSpec(weights={CATEGORY: {"policy": .9}})}), ScenarioState(),
         shipped("demo"), "weights_invalid", 422),
    ]:
        with pytest.raises(Rejected) as refused:
            Scenarios().decide(command, state_, config)
        assert (refused.value.rule, refused.value.status) == (rule, status)


def test_the_scenario_book_keeps_each_scenario_and_its_adoptions_in_any_arrival_order():
    facts = lenient_facts()
    [saved] = Scenarios().decide(SAVE, ScenarioState(), shipped("demo"))
    record(facts, saved)
    adopted = PanellistExcluded(cycle_id=CYCLE, person_id=LENIENT, scenario_id="without-a3", reason="conflict",
                                excluded_by="sesmenko-pmk", candidate_ids=["kab-bogor"])
    record(facts, adopted)
    ours = facts.pairs[-2:]
    in_order, reversed_ = fold(ScenarioBook(), ours), fold(ScenarioBook(), ours[::-1])
    assert set(in_order) == {"without-a3"} and in_order == reversed_
    strip = {k: v for k, v in in_order["without-a3"].items() if k != "_seen"}
    assert strip["spec"]["excluded"] == [LENIENT] and strip["saved_by"] == "sesmenko-pmk"
    assert strip["event_id"] == ours[0][0].event_id
    [adoption] = strip["adoptions"]
    assert adoption == {"person_id": LENIENT, "reason": "conflict", "excluded_by": "sesmenko-pmk", "candidates": 1,
                        "event_id": ours[1][0].event_id, "at": ours[1][0].occurred_at.isoformat()}


# --- adopting an exclusion ---------------------------------------------------------------------------

EXCLUDE = ExcludePanellist(cycle_id=CYCLE, person_id=LENIENT, scenario_id="without-a3", excluded_by="sesmenko-pmk",
                           reason="employed by the regional water company of Kabupaten Bogor")


async def _excluding(facts: Facts, tmp_path, command: ExcludePanellist = EXCLUDE, boards: dict | None = None):
    """The context the ranking service reads for the command, from a store holding the read models."""
    store = EmbeddedReadStore(tmp_path / f"ranking-{len(facts.pairs)}.sqlite")
    await store.start()
    known = views(up_to(facts.pairs))
    folded = {CYCLES: known.cycles, STANDINGS: known.standings, PANELLISTS: fold(PanelDirectory(), facts.pairs),
              SCENARIOS: fold(ScenarioBook(), facts.pairs), BOARD_STATUS: boards or {}}
    for collection, docs in folded.items():
        for doc_id, doc in docs.items():
            await store.put(collection, doc_id, doc)
    try:
        return await Exclusions().context(command, store)
    finally:
        await store.close()


def _saved(facts: Facts) -> Facts:
    record(facts, Scenarios().decide(SAVE, ScenarioState(), shipped("demo"))[0])
    return facts


async def test_adopting_the_exclusion_gives_the_live_board_the_scenarios(tmp_path):
    facts = _saved(lenient_facts())
    scenario = outcome(up_to(facts.pairs), CYCLE, WITHOUT, "without-a3")["boards"][0]
    context = await _excluding(facts, tmp_path)
    events = Exclusions().decide(EXCLUDE, ExclusionState(), context)
    decision, *parts = events
    assert decision == PanellistExcluded(cycle_id=CYCLE, person_id=LENIENT, scenario_id="without-a3",
                                         reason=EXCLUDE.reason, excluded_by="sesmenko-pmk",
                                         candidate_ids=sorted(LENIENT_CYCLE))
    assert parts == [ScoresExcluded(cycle_id=CYCLE, candidate_id=c, person_id=LENIENT, scenario_id="without-a3")
                     for c in sorted(LENIENT_CYCLE)]
    for event in events:
        record(facts, event)
    live = _live(facts)
    assert _order(live) == WITHOUT_LENIENT == [(r["candidate_id"], r["total"]) for r in scenario["ranking_after"]]
    assert [r["rank"] for r in live["ranked"]] == [r["rank"] for r in scenario["ranking_after"]]
    assert all(r["excluded"] == [LENIENT] for r in live["ranked"])
    again = outcome(up_to(facts.pairs), CYCLE, WITHOUT, "without-a3")
    assert again["summary"]["boards_changed"] == 0  # the live board is the scenario's now
    state = Exclusions().evolve(ExclusionState(), decision)
    with pytest.raises(Rejected) as twice:
        Exclusions().decide(EXCLUDE, state, context)
    assert twice.value.rule == "already_excluded"


async def test_a_rebuild_in_another_arrival_order_gives_the_same_boards(tmp_path):
    facts = _saved(lenient_facts())
    for event in Exclusions().decide(EXCLUDE, ExclusionState(), await _excluding(facts, tmp_path)):
        record(facts, event)
    by_stream: dict[str, list] = {}
    for pair in facts.pairs:
        by_stream.setdefault(pair[0].stream, []).append(pair)
    streams = list(by_stream)
    random.Random(9).shuffle(streams)
    arrival = [pair for stream in streams for pair in by_stream[stream]]  # each stream in order, ranking's early
    rebuilt = views(arrival)
    assert rebuilt.standings == views(facts.pairs).standings
    assert board(rebuilt, CYCLE, CATEGORY, PROVINCE) == _live(facts)


def _refused(command: ExcludePanellist, context: Excluding, state: ExclusionState = ExclusionState()):
    with pytest.raises(Rejected) as refused:
        Exclusions().decide(command, state, context)
    return refused.value.rule, refused.value.status


async def test_an_exclusion_is_refused_without_a_reason_a_scenario_or_an_organiser(tmp_path):
    facts = _saved(lenient_facts())
    context = await _excluding(facts, tmp_path)
    other = await _excluding(facts, tmp_path, EXCLUDE.model_copy(update={"scenario_id": "nothing-saved"}))
    assert _refused(EXCLUDE.model_copy(update={"reason": "  "}), context) == ("exclusion_reason_required", 422)
    assert _refused(EXCLUDE.model_copy(update={"scenario_id": "nothing-saved"}), other) == ("unknown_scenario", 422)
    chair = await _excluding(facts, tmp_path, EXCLUDE.model_copy(update={"excluded_by": "assessor-1"}))
    assert _refused(EXCLUDE, chair) == ("not_committee", 403)
    a1 = EXCLUDE.model_copy(update={"person_id": "assessor-1"})
    assert _refused(a1, await _excluding(facts, tmp_path, a1)) == ("not_in_scenario", 422)
    assert _refused(EXCLUDE, replace(context, person=None)) == ("not_panellist", 422)
    assert _refused(EXCLUDE, replace(context, stage="registration")) == ("wrong_stage", 409)
    assert _refused(EXCLUDE, replace(context, config=None)) == ("unknown_cycle", 422)
    elsewhere = replace(context, scenario={**context.scenario, "cycle_id": "demo-2023"})
    assert _refused(EXCLUDE, elsewhere) == ("unknown_scenario", 422)


async def test_an_exclusion_waits_for_a_reopening_of_a_published_board(tmp_path):
    facts = _saved(lenient_facts())
    status = {"board_id": BOARD, "published": 1, "reopened": False}
    context = await _excluding(facts, tmp_path, boards={BOARD: status})
    assert set(context.boards) == {BOARD}
    assert _refused(EXCLUDE, context) == ("results_published", 409)
    reopened = await _excluding(facts, tmp_path, boards={BOARD: {**status, "reopened": True}})
    assert len(Exclusions().decide(EXCLUDE, ExclusionState(), reopened)) == 1 + len(LENIENT_CYCLE)


def test_an_exclusion_touches_the_standings_the_person_scored_or_could_score():
    known = views(up_to(lenient_facts().pairs))
    standings = list(known.standings.values())
    elsewhere = {"candidate_id": "kota-bekasi", "cycle_id": CYCLE, "category_id": CATEGORY, "province": "banten",
                 "scores": {}, "interviews": {}}
    appointed = {"person_id": LENIENT, "duties": {"assessor": {PROVINCE: [CATEGORY]}}}
    assert {s["candidate_id"] for s in touched(appointed, LENIENT, [*standings, elsewhere])} == set(LENIENT_CYCLE)
    national = {"person_id": LENIENT, "duties": {"interviewer": {"national": [CATEGORY]}}}
    assert len(touched(national, LENIENT, [*standings, elsewhere])) == 5
    assert {s["candidate_id"] for s in touched(None, "assessor-1", standings)} == set(LENIENT_CYCLE)
    assert touched(None, "assessor-9", standings) == []



# --- over HTTP: organisers and auditors only -------------------------------------------------------

@asynccontextmanager
async def serving(tmp_path, facts: Facts, projections=(), **headers: str):
    """beyond_routes over an embedded log holding the facts and a ranking store holding the read
    models (replay's, the audit trails, and `projections` folded from the facts); the store too."""
    log, store = await _filled(tmp_path, facts)
    for projection in projections:
        for doc_id, doc in fold(projection, facts.pairs).items():
            await store.put(projection.collection, doc_id, doc)
    app = FastAPI()
    app.include_router(beyond_routes())
    app.state.runtime = SimpleNamespace(log=log, store=store, settings=SimpleNamespace(namespace="t"))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ranking",
                                     headers=headers) as http:
            yield http, store
    finally:
        await store.close()
        await log.close()


@pytest.fixture
async def client(tmp_path):
    facts = lenient_facts()
    record(facts, Scenarios().decide(SAVE, ScenarioState(), shipped("demo"))[0])
    record(facts, Scenarios().decide(SAVE.model_copy(update={"scenario_id": "median", "spec": ScenarioSpec(
        aggregation="median")}), ScenarioState(), shipped("demo"))[0])
    async with serving(tmp_path, facts, [ScenarioBook()], **{"X-Actor-Role": "auditor"}) as (http, _store):
        yield http


async def _rule(response) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]["rule"]


async def test_the_scenario_routes(client):
    listed = (await client.get("/scenarios", params={"cycle_id": CYCLE})).json()
    assert [s["scenario_id"] for s in listed] == ["median", "without-a3"]
    assert (await client.get("/scenarios/without-a3")).json()["spec"]["excluded"] == [LENIENT]
    result = (await client.get("/scenarios/without-a3/outcome")).json()
    assert result["scenario_id"] == "without-a3"
    assert [(r["candidate_id"], r["total"]) for r in result["boards"][0]["ranking_after"]] == WITHOUT_LENIENT
    preview = (await client.post("/scenarios/preview", json={"cycle_id": CYCLE, "spec": WITHOUT.model_dump()})).json()
    assert preview["boards"] == result["boards"]
    compared = (await client.get("/scenarios/compare", params=[("ids", "without-a3"), ("ids", "median")])).json()
    assert compared["boards"][0]["same_order"] is True
    for response, expected in [
        (await client.get("/scenarios/nothing"), (404, "unknown_scenario")),
        (await client.get("/scenarios/compare", params={"ids": "nothing"}), (404, "unknown_scenario")),
        (await client.post("/scenarios/preview", json={"cycle_id": "no-cycle", "spec": {}}), (404, "unknown_cycle")),
        (await client.post("/scenarios/preview", json={"cycle_id": CYCLE, "spec": {"weights": {
            CATEGORY: {"policy": 0.9}}}}), (422, "weights_invalid")),
    ]:
        assert await _rule(response) == expected
