"""The panel directory (appointments, committees, conflicts) and scoring's evidence index."""

from __future__ import annotations

import pytest

from services.scoring.evidence_index import EvidenceIndex, not_citable, screened_out
from shared.commands import Rejected
from shared.contracts.evidence import (
    CandidateScreened,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    DocumentAttached,
    EvidenceRejected,
    EvidenceVerified,
    RuleFailure,
)
from shared.contracts.registration import CommitteeMemberAppointed, ConflictDeclared, PanellistAppointed
from shared.panel import PanelDirectory, panellist_key, require_committee, require_panellist

CYCLE = "demo-2024"


def fold(projection, events) -> dict:
    docs = {}
    for event in events:
        key = projection.doc_id(None, event)
        docs[key] = projection.apply(docs.get(key, {}), None, event)
    return docs


def appointed(duty="assessor", province="jawa-barat", categories=("regency-city",)) -> PanellistAppointed:
    return PanellistAppointed(person_id="p-1", name="Dr. Sari", cycle_id=CYCLE, duty=duty, province=province,
                              category_ids=list(categories))


def test_a_person_collects_duties_committees_and_conflicts_per_cycle():
    docs = fold(PanelDirectory(), [
        appointed(), appointed(province="bali", categories=("village",)), appointed("interviewer"),
        CommitteeMemberAppointed(person_id="p-1", name="Dr. Sari", cycle_id=CYCLE, committee="jawa-barat",
                                 role="member", represents="law expert"),
        ConflictDeclared(person_id="p-1", cycle_id=CYCLE, candidate_id="kota-bandung", nature="related_to"),
        ConflictDeclared(person_id="p-1", cycle_id="other-2023", candidate_id="kab-bogor", nature="other"),
    ])
    assert docs[panellist_key(CYCLE, "p-1")] == {
        "person_id": "p-1", "cycle_id": CYCLE, "name": "Dr. Sari",
        "duties": {"assessor": {"jawa-barat": ["regency-city"], "bali": ["village"]},
                   "interviewer": {"jawa-barat": ["regency-city"]}},
        "committees": {"jawa-barat": "member"}, "conflicts": {"kota-bandung": "related_to"},
    }
    assert docs[panellist_key("other-2023", "p-1")]["conflicts"] == {"kab-bogor": "other"}


CANDIDATE = {"candidate_id": "kota-bandung", "province": "jawa-barat", "category_id": "regency-city"}


@pytest.mark.parametrize(
    "events, duty, rule",
    [
        ([], "assessor", "not_assigned"),
        ([appointed()], "interviewer", "not_assigned"),
        ([appointed(province="bali")], "assessor", "not_assigned"),
        ([appointed(categories=("village",))], "assessor", "not_assigned"),
        ([appointed(), ConflictDeclared(person_id="p-1", cycle_id=CYCLE, candidate_id="kota-bandung",
                                        nature="employed_by")], "assessor", "conflict_of_interest"),
    ],
)
def test_require_panellist_refusals(events, duty, rule):
    person = fold(PanelDirectory(), events).get(panellist_key(CYCLE, "p-1"))
    with pytest.raises(Rejected) as refused:
        require_panellist(person, duty, CANDIDATE)
    assert (refused.value.rule, refused.value.status) == (rule, 403)


@pytest.mark.parametrize("province", ["jawa-barat", "national"])
def test_an_appointment_in_the_province_or_nationally_suffices(province):
    person = fold(PanelDirectory(), [appointed(province=province)])[panellist_key(CYCLE, "p-1")]
    require_panellist(person, "assessor", CANDIDATE)


def test_require_committee_takes_the_listed_roles_of_that_province_only():
    chair = {"committees": {"jawa-barat": "chair", "bali": "member"}}
    require_committee(chair, "jawa-barat", ("chair",))
    for province in ("bali", "aceh"):
        with pytest.raises(Rejected):
            require_committee(chair, province, ("chair", "secretary"))


def figure(figure_id, cls=CoverageFigureSubmitted, **more):
    return cls(figure_id=figure_id, candidate_id="kota-bandung", cycle_id=CYCLE, category_id="regency-city",
               period="2024", workers_eligible=100, workers_enrolled=50, source="BPJS", **more)


def document(document_id, sha="a", replaces=None):
    return DocumentAttached(document_id=document_id, candidate_id="kota-bandung", cycle_id=CYCLE,
                            indicator_id="policy", title="Perda", filename="perda.pdf", media_type="application/pdf",
                            size=10, sha256=sha * 64, replaces=replaces)


def test_the_evidence_index_follows_each_items_status_and_only_standing_items_are_citable():
    doc = fold(EvidenceIndex(), [
        figure("f-1"), figure("f-2", CoverageFigureCorrected, supersedes="f-1", reason="late enrolments"),
        EvidenceVerified(evidence_id="f-2", kind="figure", candidate_id="kota-bandung", cycle_id=CYCLE,
                         category_id="regency-city"),
        document("d-1"), document("d-2", "b", replaces="d-1"), document("d-3", "c"),
        EvidenceRejected(evidence_id="d-3", kind="document", candidate_id="kota-bandung", cycle_id=CYCLE,
                         reason="unsigned"),
    ])["kota-bandung"]
    assert {k: v["status"] for k, v in doc["evidence"].items()} == {
        "f-1": "superseded", "f-2": "verified", "d-1": "replaced", "d-2": "submitted", "d-3": "rejected"}
    assert doc["evidence"]["d-2"]["sha256"] == "b" * 64
    assert not_citable(doc, ["f-2", "d-2"]) == []
    assert not_citable(doc, ["f-1", "d-1", "d-3", "d-9", "f-2"]) == ["f-1", "d-1", "d-3", "d-9"]
    assert not_citable(None, ["f-2"]) == ["f-2"]


def test_the_evidence_index_keeps_the_latest_screening():
    def screened(eligible):
        failed = [] if eligible else [RuleFailure(rule="no_arrears", reason="2 months")]
        return CandidateScreened(candidate_id="kota-bandung", cycle_id=CYCLE, category_id="regency-city",
                                 eligible=eligible, passed=[], failed=failed)

    doc = fold(EvidenceIndex(), [figure("f-1"), screened(False)])["kota-bandung"]
    assert screened_out(doc) == ["no_arrears"] and doc["evidence"]["f-1"]["status"] == "submitted"
    assert screened_out(fold(EvidenceIndex(), [screened(False), screened(True)])["kota-bandung"]) is None
    assert screened_out(None) is None
