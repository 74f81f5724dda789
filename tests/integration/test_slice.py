"""One vertical slice through the five services as separate processes, on both backends.

The expected totals are worked out by hand from paritrana/scenario.py and the demo rubric
(weights policy .25, implementation .25, coverage .3, interview .2; coverage bands
0/.3/.5/.7 -> 20/50/70/90; shortlist of 3). Document stage (weights over .8):
  Kota Bandung  (.25*85 + .25*75 + .3*90) / .8 = 83.75
  Kab. Bekasi   (.25*92 + .25*85 + .3*50) / .8 = 74.0625
  Kab. Bogor    (.25*75 + .25*75 + .3*70) / .8 = 73.125   (policy 60 amended to 75)
  Kota Depok    (.25*70 + .25*60 + .3*20) / .8 = 48.125   (fourth: not shortlisted)
Final, with the interview:
  Kota Bandung  .25*85 + .25*75 + .3*90 + .2*88 = 84.60
  Kab. Bekasi   .25*92 + .25*85 + .3*50 + .2*90 = 77.25
  Kab. Bogor    .25*75 + .25*75 + .3*70 + .2*80 = 74.50
"""

from __future__ import annotations

import hashlib
import json

from concurrent.futures import ThreadPoolExecutor

import httpx

import pytest

from shared import topics
from paritrana.client import ApiError
from paritrana.scenario import (
    CATEGORY,
    PROVINCE,
    advance,
    appoint_panel,
    demo_config,
    open_cycle,
    play_demo,
    register,
)

EXPECTED = [("kota-bandung", 84.6), ("kab-bekasi", 77.25), ("kab-bogor", 74.5)]
BOARD = f"/leaderboards/demo-2024/{CATEGORY}/provinces/{PROVINCE}"


def _standing(board: dict) -> list[tuple[str, float]]:
    return [(r["candidate_id"], r["total"]) for r in board["ranked"]]


def test_demo_cycle_gives_the_hand_computed_leaderboard(running):
    board = play_demo(running.api)
    assert _standing(board) == EXPECTED
    assert [r["rank"] for r in board["ranked"]] == [1, 2, 3]
    assert board["stage"] == "final" and board["incomplete"] == []
    assert [(r["candidate_id"], r["document_total"]) for r in board["not_shortlisted"]] == [("kota-depok", 48.125)]
    shortlist = running.api.get("ranking", f"/shortlists/demo-2024/{CATEGORY}/provinces/{PROVINCE}")
    assert [(e["candidate_id"], e["total"]) for e in shortlist["ranking"]] == [
        ("kota-bandung", 83.75), ("kab-bekasi", 74.0625), ("kab-bogor", 73.125), ("kota-depok", 48.125)]
    assert shortlist["shortlisted"] == ["kota-bandung", "kab-bekasi", "kab-bogor"] and shortlist["deviations"] == []


def test_ranking_killed_and_restarted_gives_the_same_leaderboard(running):
    before = running.api.get("ranking", BOARD)
    running.services.kill("ranking")
    running.services.restart("ranking")
    # a new fact after the restart: the standing must build on the recovered state, not start
    # empty (an interview score equal to the first keeps the expected totals)
    body = {"score_id": "i-kota-bandung-2", "candidate_id": "kota-bandung", "interviewer_id": "interviewer-2",
            "indicator_id": "interview", "value": 88}
    running.api.as_actor("interviewer-2", "interviewer").post("interview", "/interview-scores", body)
    standing = running.api.wait_for(
        "ranking", "/standings/kota-bandung", until=lambda s: "i-kota-bandung-2" in s["interviews"], timeout=60
    )
    assert set(standing["interviews"]) == {"i-kota-bandung", "i-kota-bandung-2"}
    assert len([s for s in standing["scores"].values() if s["current"]]) == 5  # 4 judged + 1 computed
    after = running.api.wait_for("ranking", BOARD, until=lambda b: len(b["ranked"]) == len(EXPECTED))
    assert after == before


ASSESS = "assess-2024"


@pytest.fixture(scope="module")
def assessing(running):
    """A second cycle, left in the assessment stage, with a few scores to amend; assessor-c declared
    a conflict with as-depok."""
    config = {**demo_config(), "cycle_id": ASSESS}
    open_cycle(running.api, config)
    candidates = {"as-bandung": "Kota Bandung", "as-depok": "Kota Depok", "as-bogor": "Kab. Bogor"}
    register(running.api, ASSESS, candidates)
    appoint_panel(running.api, ASSESS, assessors=("assessor-1", "assessor-2", "assessor-3", "assessor-c"))
    running.api.as_actor("organiser-1", "organiser").post("registration", "/conflicts", {
        "person_id": "assessor-c", "cycle_id": ASSESS, "candidate_id": "as-depok", "nature": "employed_by"})
    running.api.wait_for("scoring", f"/directory/panellists/{ASSESS}/assessor-c", until=lambda p: p["conflicts"])
    officer = running.api.as_actor("bpjs-data-office", "regional-service")
    for candidate in candidates:
        officer.post("evidence", "/coverage-figures", {"figure_id": f"f-{candidate}", "candidate_id": candidate,
                                                       "period": "2024", "workers_eligible": 100,
                                                       "workers_enrolled": 40, "source": "BPJS"})
        running.api.wait_for("scoring", f"/candidates/{candidate}/citable-evidence")
    advance(running.api, ASSESS, "assessment")
    for candidate, indicator, assessor in [("as-depok", "policy", 1), ("as-depok", "implementation", 1),
                                           ("as-bandung", "policy", 1), ("as-bandung", "policy", 2)]:
        body = {"score_id": f"s-{candidate}-{indicator}-{assessor}", "candidate_id": candidate,
                "indicator_id": indicator, "assessor_id": f"assessor-{assessor}", "value": 70,
                "evidence": [f"f-{candidate}"]}
        running.api.as_actor(f"assessor-{assessor}", "assessor").post("scoring", "/scores", body)
    return running


def _amend(api, value: float, key: str, **params):
    body = {"score_id": f"s-as-depok-policy-1-{key}", "candidate_id": "as-depok",
            "supersedes": "s-as-depok-policy-1", "assessor_id": "assessor-1", "value": value,
            "reason": f"second reading ({key})"}
    try:
        return 201, api.as_actor("assessor-1", "assessor").post("scoring", "/amendments", body, key=key, **params)
    except ApiError as exc:
        return exc.response.status_code, exc.response.json()


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value.response.status_code, refused.value.response.json()["detail"]["rule"]


def _version(api, candidate: str) -> int:
    return api.get("scoring", f"/candidates/{candidate}/scores")["version"]


def test_conflicting_amendments_only_one_takes_effect(assessing):
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda args: _amend(assessing.api, *args), [(71, "race-aaaa"), (72, "race-bbbb")]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409]
    refused = next(body for status, body in results if status == 409)
    assert refused["detail"]["rule"] == "score_superseded"
    sheet = assessing.api.get("scoring", "/candidates/as-depok/scores")
    mine = [s for s in sheet["scores"].values() if s["indicator_id"] == "policy" and s["assessor_id"] == "assessor-1"]
    assert [s["current"] for s in mine].count(True) == 1


def test_stale_expected_version_is_refused(assessing):
    version = _version(assessing.api, "as-depok")
    body = {"score_id": "late-amend", "candidate_id": "as-depok", "supersedes": "s-as-depok-implementation-1",
            "assessor_id": "assessor-1", "value": 61, "reason": "typo"}
    assessor = assessing.api.as_actor("assessor-1", "assessor")
    assert _refusal(lambda: assessor.post("scoring", "/amendments", body, expected_version=version - 1)) == (
        409, "stale_version")
    assert assessor.post("scoring", "/amendments", body, expected_version=version)["status"] == "accepted"


def test_same_idempotency_key_appends_once(assessing):
    before = _version(assessing.api, "as-bandung")
    body = {"score_id": "s-as-bandung-policy-3", "candidate_id": "as-bandung", "indicator_id": "policy",
            "assessor_id": "assessor-3", "value": 85, "evidence": ["f-as-bandung"]}
    assessor = assessing.api.as_actor("assessor-3", "assessor")
    first = assessor.post("scoring", "/scores", body, key="same-key-0001")
    second = assessor.post("scoring", "/scores", body, key="same-key-0001")
    assert first == second and first["version"] == before + 1
    assert _version(assessing.api, "as-bandung") == before + 1


SCORE = {"candidate_id": "as-depok", "indicator_id": "policy", "assessor_id": "assessor-2", "value": 50,
         "evidence": ["f-as-depok"]}


@pytest.mark.parametrize(
    ("changes", "status", "rule"),
    [
        ({"value": 101}, 422, "score_outside_scale"),
        ({"candidate_id": "nobody"}, 422, "unknown_candidate"),
        ({"indicator_id": "coverage"}, 422, "indicator_not_judged"),
        ({"assessor_id": "assessor-1"}, 409, "already_scored"),
        ({"candidate_id": "kota-bandung", "evidence": ["cov-2024-kota-bandung"]}, 409, "wrong_stage"),
        ({"assessor_id": "assessor-x"}, 403, "not_assigned"),
        ({"assessor_id": "assessor-c"}, 403, "conflict_of_interest"),
        ({"evidence": []}, 422, "evidence_required"),
        ({"evidence": ["f-as-bandung"]}, 422, "evidence_not_citable"),
    ],
)
def test_rule_breaking_scores_are_refused_with_the_rule_and_append_nothing(assessing, changes, status, rule):
    body = {**SCORE, **changes}
    candidate = body["candidate_id"] if body["candidate_id"] != "nobody" else "as-depok"
    before = _version(assessing.api, candidate)
    post = assessing.api.as_actor(body["assessor_id"], "assessor").post
    assert _refusal(lambda: post("scoring", "/scores", {"score_id": "bad-score", **body})) == (status, rule)
    assert _version(assessing.api, candidate) == before


def test_amendment_without_reason_is_refused(assessing):
    body = {"score_id": "no-reason", "candidate_id": "as-bandung", "supersedes": "s-as-bandung-policy-2",
            "assessor_id": "assessor-2", "value": 10, "reason": ""}
    post = assessing.api.as_actor("assessor-2", "assessor").post
    before = _version(assessing.api, "as-bandung")
    assert _refusal(lambda: post("scoring", "/amendments", body)) == (422, "amendment_reason_required")
    assert _version(assessing.api, "as-bandung") == before


def test_malformed_command_gets_422_naming_the_field(running):
    with pytest.raises(ApiError) as refused:
        running.api.as_actor("assessor-1", "assessor").post("scoring", "/scores",
                                                            {"candidate_id": "kota-bandung", "value": "high"})
    assert refused.value.response.status_code == 422
    fields = {tuple(e["loc"]) for e in refused.value.response.json()["detail"]}
    assert ("body", "value") in fields and ("body", "indicator_id") in fields


def test_registration_refusals(assessing):
    organiser = assessing.api.as_actor("organiser-1", "organiser")
    late = {"candidate_id": "late-comer", "cycle_id": ASSESS, "category_id": CATEGORY, "kind": "regency_city",
            "name": "Late", "province": PROVINCE}
    assert _refusal(lambda: organiser.post("registration", "/candidates", late)) == (409, "wrong_stage")
    again = {**late, "candidate_id": "as-bandung"}
    assert _refusal(lambda: organiser.post("registration", "/candidates", again)) == (409, "duplicate_candidate")
    skip = {"to_stage": "interview"}
    assert _refusal(lambda: organiser.post("registration", f"/cycles/{ASSESS}/stage", skip)) == (409, "stage_order")
    with pytest.raises(ApiError) as missing:
        organiser.get("registration", "/candidates/late-comer")
    assert missing.value.response.status_code == 404


def test_withdrawn_candidate_cannot_be_scored_and_leaves_the_ranking(assessing):
    organiser = assessing.api.as_actor("organiser-1", "organiser")
    path = "/candidates/as-bogor/withdrawal"
    assert _refusal(lambda: organiser.post("registration", path, {"reason": " "})) == (422, "withdrawal_reason_required")
    organiser.post("registration", path, {"reason": "the regent asked to withdraw"})
    assert organiser.get("registration", "/candidates/as-bogor")["withdrawn"] is True
    assessing.api.wait_for("scoring", "/directory/candidates/as-bogor", until=lambda c: c["withdrawn"])
    body = {"score_id": "s-bogor", "candidate_id": "as-bogor", "indicator_id": "policy",
            "assessor_id": "assessor-1", "value": 50, "evidence": ["f-as-bogor"]}
    post = assessing.api.as_actor("assessor-1", "assessor").post
    assert _refusal(lambda: post("scoring", "/scores", body)) == (409, "candidate_withdrawn")
    board = assessing.api.wait_for(
        "ranking", f"/leaderboards/{ASSESS}/{CATEGORY}/provinces/{PROVINCE}", until=lambda b: b["withdrawn"]
    )
    assert board["withdrawn"] == ["as-bogor"]
    assert "as-bogor" not in [r["candidate_id"] for r in board["ranked"] + board["incomplete"]]


def test_poison_record_goes_to_the_dead_letters_and_the_consumer_goes_on(running):
    ns = running.settings.namespace
    running.append(topics.events(ns, "interview"), "kab-bekasi", b'{"not": "an envelope"')
    body = {"score_id": "i-kab-bekasi-2", "candidate_id": "kab-bekasi", "interviewer_id": "interviewer-2",
            "indicator_id": "interview", "value": 90}
    running.api.as_actor("interviewer-2", "interviewer").post("interview", "/interview-scores", body)
    running.api.wait_for(
        "ranking", "/standings/kab-bekasi", until=lambda s: "i-kab-bekasi-2" in s["interviews"]
    )
    dead = [r for r in running.records(topics.dead_letters(ns, "ranking")) if r.value == b'{"not": "an envelope"']
    assert len(dead) == 1
    assert dead[0].headers["reason"].startswith("malformed envelope")
    assert dead[0].headers["source_topic"] == topics.events(ns, "interview")
    assert json.loads(dead[0].headers["source_offset"]) >= 0


def test_cycle_opened_from_a_shipped_yaml_document(running):
    organiser = running.api.as_actor("organiser-1", "organiser")
    text = open("services/registration/cycles/paritrana-2024.yaml").read()
    url = running.services.url("registration")
    headers = {**running.api.as_actor("organiser-1", "organiser").headers, "Content-Type": "application/yaml"}
    created = httpx.post(f"{url}/cycle-documents", content=text, headers=headers)
    assert created.status_code == 201, created.text
    cycle = organiser.get("registration", "/cycles/paritrana-2024")
    assert cycle["stage"] == "registration" and len(cycle["config"]["categories"]) == 9
    broken = httpx.post(f"{url}/cycle-documents", content=text.replace("edition_year: 2024", "edition_year: 1900"),
                        headers=headers)
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["loc"] == ["edition_year"]


def test_screening_checks_verified_evidence_against_the_2024_rules(running):
    organiser = running.api.as_actor("organiser-1", "organiser")
    text = open("services/registration/cycles/paritrana-2024.yaml").read().replace("paritrana-2024", "screen-2024")
    headers = {**running.api.as_actor("organiser-1", "organiser").headers, "Content-Type": "application/yaml"}
    assert httpx.post(f"{running.services.url('registration')}/cycle-documents", content=text,
                      headers=headers).status_code == 201
    register(running.api, "screen-2024", {"sc-covered": "Kota Cimahi", "sc-silent": "Kab. Garut"})
    officer = running.api.as_actor("bpjs-data-office", "regional-service")
    officer.post("evidence", "/coverage-figures", {"figure_id": "sc-f", "candidate_id": "sc-covered", "period": "2024",
                                                  "workers_eligible": 100, "workers_enrolled": 50, "source": "BPJS"})
    secretary = running.api.as_actor("secretary", "committee-secretary")
    secretary.post("evidence", "/verifications", {"candidate_id": "sc-covered", "evidence_id": "sc-f",
                                                  "verdict": "verified"})
    for indicator in ("policy", "implementation"):
        attached = _upload(running, "sc-covered", indicator, f"%PDF-1.7 {indicator} evidence".encode())
        assert attached.status_code == 201, attached.text
        document_id = organiser.get("evidence", "/candidates/sc-covered/evidence")["documents"]
        evidence_id = next(d for d, doc in document_id.items() if doc["indicator_id"] == indicator)
        secretary.post("evidence", "/verifications", {"candidate_id": "sc-covered", "evidence_id": evidence_id,
                                                      "verdict": "verified"})
    too_early = organiser.post("evidence", "/screenings", {}, cycle_id="screen-2024")
    assert too_early["screened"] == 0 and {r["rule"] for r in too_early["refused"]} == {"wrong_stage"}
    advance(running.api, "screen-2024", "screening")
    result = organiser.post("evidence", "/screenings", {}, cycle_id="screen-2024", key="screening-2024-run-2")
    assert result == {"screened": 2, "refused": []}
    covered = organiser.get("evidence", "/candidates/sc-covered/evidence")["screening"]
    silent = organiser.get("evidence", "/candidates/sc-silent/evidence")
    assert covered["eligible"] and covered["passed"] == ["min_coverage_ratio", "documents_required"]
    assert silent["screening"]["eligible"] is False
    assert silent["screening"]["failed"] == [
        {"rule": "min_coverage_ratio", "reason": "no verified coverage figure"},
        {"rule": "documents_required", "reason": "no verified document for policy, implementation"},
    ]


def _upload(running, candidate: str, indicator: str, content: bytes, content_type: str = "application/pdf",
            filename: str = "evidence.pdf") -> httpx.Response:
    headers = {**running.api.as_actor("secretary", "committee-secretary").headers, "Content-Type": content_type}
    params = {"indicator_id": indicator, "title": f"{indicator} evidence", "filename": filename}
    return httpx.post(f"{running.services.url('evidence')}/candidates/{candidate}/documents", params=params,
                      content=content, headers=headers)


def test_documents_are_stored_by_hash_and_bad_uploads_are_refused(assessing):
    content = b"%PDF-1.7 regional regulation 4/2023"
    attached = _upload(assessing, "as-bandung", "policy", content)
    assert attached.status_code == 201, attached.text
    evidence = assessing.api.get("evidence", "/candidates/as-bandung/evidence")
    [document] = evidence["documents"].values()
    url = f"{assessing.services.url('evidence')}/candidates/as-bandung/documents/{document['sha256']}"
    download = httpx.get(url, headers=assessing.api.headers)
    assert download.content == content and download.headers["X-Content-SHA256"] == hashlib.sha256(content).hexdigest()
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment")
    elsewhere = f"{assessing.services.url('evidence')}/candidates/as-depok/documents/{document['sha256']}"
    assert httpx.get(elsewhere, headers=assessing.api.headers).status_code == 404
    refusals = [
        (_upload(assessing, "as-bandung", "policy", content), 409, "duplicate_document"),
        (_upload(assessing, "as-bandung", "policy", b"x" * 100_001), 413, "file_too_large"),
        (_upload(assessing, "as-bandung", "policy", b"MZ\x90\x00 not a pdf"), 415, "unsupported_file"),
        (_upload(assessing, "as-bandung", "policy", content + b"!", filename="../../etc/passwd"), 422, "bad_filename"),
        (_upload(assessing, "as-bandung", "charisma", content + b"?"), 422, "unknown_indicator"),
    ]
    for response, status, rule in refusals:
        assert (response.status_code, response.json()["detail"]["rule"]) == (status, rule)
    after = assessing.api.get("evidence", "/candidates/as-bandung/evidence")
    assert after["version"] == evidence["version"]  # nothing appended by any refusal


def test_committee_panel_and_conflicts_are_recorded(assessing):
    organiser = assessing.api.as_actor("organiser-1", "organiser")
    organiser.post("registration", "/committee-members", {
        "person_id": "union-jabar", "name": "KSPSI Jawa Barat", "cycle_id": ASSESS,
        "committee": "jawa-barat", "role": "member", "represents": "union"})
    organiser.post("registration", "/panellists", {
        "person_id": "assessor-9", "name": "Dr. Sari", "cycle_id": ASSESS, "duty": "assessor",
        "province": "jawa-barat", "category_ids": [CATEGORY]})
    organiser.post("registration", "/conflicts", {
        "person_id": "assessor-9", "cycle_id": ASSESS, "candidate_id": "as-bandung", "nature": "related_to"})
    person = organiser.get("registration", "/people/assessor-9")
    assert person["roles"] == [f"{ASSESS}/assessor/jawa-barat"] and person["conflicts"] == [f"{ASSESS}/as-bandung"]
    again = {"person_id": "assessor-9", "name": "Dr. Sari", "cycle_id": ASSESS, "duty": "assessor",
             "province": "jawa-barat", "category_ids": [CATEGORY]}
    assert _refusal(lambda: organiser.post("registration", "/panellists", again)) == (409, "already_appointed")
    assert organiser.get("registration", "/people/assessor-9")["version"] == person["version"]
