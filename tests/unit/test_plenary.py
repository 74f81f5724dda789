"""The plenary's decider: a shortlist from the document-stage ranking, deviations with reasons."""

from __future__ import annotations

import pytest

from services.ranking.plenary import Plenary, SettleShortlist, Shortlist, ShortlistState, ranking_digest
from services.ranking.projections import Standings
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.ranking import Deviation, RankedEntry, ShortlistSettled
from shared.contracts.registration import CandidateRegistered, CandidateWithdrawn
from shared.contracts.scoring import IndicatorScored, ScoreFlaggedForReview

CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [{"id": "regency-city", "name": "Regencies", "segment": "government", "level": "regency_city",
                    "rubric": {"version": 3, "shortlist_size": 2, "indicators": [
                        {"id": "policy", "name": "Policy", "weight": 0.6, "method": "judged"},
                        {"id": "interview", "name": "Interview", "weight": 0.4, "method": "interview"}]}}],
})
CHAIR = {"person_id": "sekda", "committees": {"jawa-barat": "chair"}}
POLICY = {"kota-bandung": 90, "kab-bekasi": 80, "kab-bogor": 70, "kota-depok": 60}


def standings(policy=POLICY, extra=()) -> list[dict]:
    projection, docs = Standings(), {}
    events = [CandidateRegistered(candidate_id=c, cycle_id="demo-2024", category_id="regency-city",
                                  kind="regency_city", name=c, province="jawa-barat") for c in policy]
    events += [IndicatorScored(score_id=f"s-{c}", candidate_id=c, cycle_id="demo-2024", category_id="regency-city",
                               indicator_id="policy", assessor_id="a-1", value=v, rubric_version=3, evidence=["d"])
               for c, v in policy.items()]
    for event in [*events, *extra]:
        docs[event.candidate_id] = projection.apply(docs.get(event.candidate_id, {}), None, event)
    return list(docs.values())


def plenary(stage="plenary", member=CHAIR, docs=None) -> Plenary:
    return Plenary(CONFIG, stage, member, standings() if docs is None else docs)


def settle(shortlisted, reasons=None, **changes) -> SettleShortlist:
    return SettleShortlist(**{"cycle_id": "demo-2024", "category_id": "regency-city", "province": "jawa-barat",
                              "shortlisted": shortlisted, "decided_by": "sekda",
                              "deviation_reasons": reasons or {}, **changes})


def refused(command, context=None, state=ShortlistState()) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        Shortlist().decide(command, state, plenary() if context is None else context)
    return rejection.value.rule, rejection.value.status


RANKING = [RankedEntry(candidate_id=c, rank=n, total=v) for n, (c, v) in enumerate(POLICY.items(), start=1)]


def test_the_top_of_the_ranking_is_shortlisted_and_the_ranking_is_recorded_with_its_digest():
    [event] = Shortlist().decide(settle(["kota-bandung", "kab-bekasi"]), ShortlistState(), plenary())
    assert event == ShortlistSettled(
        shortlist_id="demo-2024:regency-city:jawa-barat", cycle_id="demo-2024", category_id="regency-city",
        province="jawa-barat", rubric_version=3, shortlisted=["kota-bandung", "kab-bekasi"], ranking=RANKING,
        ranking_digest=ranking_digest(3, RANKING), deviations=[])
    assert Shortlist().evolve(ShortlistState(), event).settled == ["kota-bandung", "kab-bekasi"]


def test_the_digest_changes_with_the_ranking():
    swapped = [RANKING[1].model_copy(update={"rank": 1}), RANKING[0].model_copy(update={"rank": 2}), *RANKING[2:]]
    assert ranking_digest(3, swapped) != ranking_digest(3, RANKING) != ranking_digest(4, RANKING)


def test_a_deviation_from_the_ranking_is_recorded_with_its_reason_for_each_candidate_moved():
    reasons = {"kab-bogor": "field visit showed the regulation in force", "kab-bekasi": "arrears found in plenary"}
    [event] = Shortlist().decide(settle(["kota-bandung", "kab-bogor"], reasons), ShortlistState(), plenary())
    assert event.deviations == [
        Deviation(candidate_id="kab-bekasi", rank=2, shortlisted=False, reason=reasons["kab-bekasi"]),
        Deviation(candidate_id="kab-bogor", rank=3, shortlisted=True, reason=reasons["kab-bogor"]),
    ]


def test_a_shorter_shortlist_says_why_each_passed_over_candidate_is_left_out():
    assert refused(settle(["kota-bandung"])) == ("deviation_reason_required", 422)
    [event] = Shortlist().decide(settle(["kota-bandung"], {"kab-bekasi": "withdrew its regulation"}),
                                 ShortlistState(), plenary())
    assert [(d.candidate_id, d.shortlisted) for d in event.deviations] == [("kab-bekasi", False)]


def test_withdrawn_candidates_are_not_ranked_and_the_next_one_moves_up():
    docs = standings(extra=[CandidateWithdrawn(candidate_id="kota-bandung", cycle_id="demo-2024", reason="r")])
    [event] = Shortlist().decide(settle(["kab-bekasi", "kab-bogor"]), ShortlistState(), plenary(docs=docs))
    assert [e.candidate_id for e in event.ranking] == ["kab-bekasi", "kab-bogor", "kota-depok"]
    assert refused(settle(["kota-bandung", "kab-bekasi"]), plenary(docs=docs)) == ("not_ranked", 422)


def flagged() -> list[dict]:
    return standings(extra=[ScoreFlaggedForReview(score_id="s-kab-bogor", candidate_id="kab-bogor",
                                                  indicator_id="policy", assessor_id="a-1", evidence_id="d",
                                                  reason="document d was rejected", cause="ev-1")])


@pytest.mark.parametrize(
    "command, context, state, rule, status",
    [
        (settle(["kota-bandung", "kab-bekasi"]), plenary(), ShortlistState(settled=["x"]), "shortlist_settled", 409),
        (settle(["kota-bandung", "kota-bandung"]), plenary(), ShortlistState(), "duplicate_candidate", 422),
        (settle(["kota-bandung", "kab-bekasi", "kab-bogor"], {"kab-bogor": "r"}), plenary(), ShortlistState(),
         "shortlist_too_long", 422),
        (settle(["kota-bandung", "kab-x"]), plenary(), ShortlistState(), "not_ranked", 422),
        (settle(["kota-bandung", "kab-bekasi"], {"kab-bekasi": "r"}), plenary(), ShortlistState(), "no_deviation", 422),
        (settle(["kota-bandung", "kab-bekasi"], {"kab-bogor": " "}), plenary(), ShortlistState(), "no_deviation", 422),
        (settle(["kota-bandung", "kab-bekasi"]), plenary(member={"person_id": "sekda", "committees": {"bali": "chair"}}),
         ShortlistState(), "not_committee", 403),
        (settle(["kota-bandung", "kab-bekasi"]), plenary(member=None), ShortlistState(), "not_committee", 403),
        (settle(["kota-bandung", "kab-bekasi"]), plenary(member={"committees": {"jawa-barat": "member"}}),
         ShortlistState(), "not_committee", 403),
        (settle(["kota-bandung", "kab-bekasi"], category_id="village"), plenary(), ShortlistState(),
         "unknown_category", 422),
        (settle(["kota-bandung", "kab-bekasi"]), plenary(docs=flagged()), ShortlistState(), "scores_under_review",
         409),
        *[(settle(["kota-bandung", "kab-bekasi"]), plenary(stage), ShortlistState(), "wrong_stage", 409)
          for stage in STAGES if stage != "plenary"],
    ],
)
def test_plenary_rules(command, context, state, rule, status):
    assert refused(command, context, state) == (rule, status)


@pytest.mark.parametrize("role", ["chair", "vice_chair", "secretary"])
def test_the_chair_vice_chair_or_secretary_signs_the_decision(role):
    member = {"person_id": "sekda", "committees": {"jawa-barat": role}}
    assert Shortlist().decide(settle(["kota-bandung", "kab-bekasi"]), ShortlistState(), plenary(member=member))
