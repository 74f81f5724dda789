"""A 2024-edition cycle for one province (Bali), through the HTTP APIs only, on both backends:
opened from its document, candidates in every category from CSV, coverage figures from CSV,
verification, documents, screening; then the panel, assessors' scores (by criteria where the
rubric has them) and an amendment, a figure correction that re-derives the computed score and
flags the judged scores citing the old figure, the plenary's shortlists, interviews, and the
final provincial totals, worked out by hand below."""

from __future__ import annotations

import httpx

from paritrana.client import ApiError
from paritrana.scenario import advance

CYCLE = "paritrana-2024"
SECTORS = ["finance", "trade-services", "mining-manufacturing-construction",
           "agriculture-livestock-plantation-fisheries", "education"]
CANDIDATES = [
    "candidate_id,category_id,kind,name,province,regency_code,employer_id,sector,size",
    "bali,province,province,Provinsi Bali,bali,,,,",
    "kota-denpasar,regency-city,regency_city,Kota Denpasar,bali,51.71,,,",
    "desa-kutuh,village,village,Desa Kutuh,bali,51.03,,,",
    *[f"pt-{s},business-{s},business,PT {s.title()},bali,51.71,emp-{n},{s},large" for n, s in enumerate(SECTORS)],
    "warung-bali,small-micro,business,Warung Bali,bali,51.03,emp-9,,small",
]
IDS = [line.split(",")[0] for line in CANDIDATES[1:]]


def _post(running, service: str, path: str, content: bytes, content_type: str, key: str, **params) -> httpx.Response:
    headers = {**running.api.as_actor("organiser-1", "organiser").headers, "Content-Type": content_type,
               "Idempotency-Key": key}
    return httpx.post(f"{running.services.url(service)}{path}", content=content, headers=headers, params=params,
                      timeout=120)


BUSINESS_DOCUMENTS = ("supply-chain", "vulnerable-workers")
GOVERNMENT_DOCUMENTS = ("policy", "implementation")


def _attach_verified(running, secretary, candidate_id: str, indicator: str) -> None:
    upload = _post(running, "evidence", f"/candidates/{candidate_id}/documents",
                   f"%PDF-1.7 {candidate_id} {indicator}".encode(), "application/pdf", f"doc-{candidate_id}-{indicator}",
                   indicator_id=indicator, title=indicator, filename=f"{indicator}.pdf")
    assert upload.status_code == 201, upload.text
    documents = running.api.get("evidence", f"/candidates/{candidate_id}/evidence")["documents"]
    document_id = next(d for d, doc in documents.items() if doc["indicator_id"] == indicator)
    secretary.post("evidence", "/verifications",
                   {"candidate_id": candidate_id, "evidence_id": document_id, "verdict": "verified"})


def test_one_province_through_registration_evidence_and_screening(running):
    document = open("services/registration/cycles/paritrana-2024.yaml").read()
    opened = _post(running, "registration", "/cycle-documents", document.encode(), "application/yaml", "open-2024")
    assert opened.status_code == 201, opened.text
    imported = _post(running, "registration", "/candidates/import", "\n".join(CANDIDATES).encode(), "text/csv",
                     "candidates-bali-2024", cycle_id=CYCLE)
    assert imported.status_code == 201, imported.text
    assert imported.json()["accepted"] == len(IDS) == 9
    for candidate_id in IDS:
        running.api.wait_for("evidence", f"/directory/candidates/{candidate_id}")

    figures = ["figure_id,candidate_id,period,workers_eligible,workers_enrolled,source,arrears_months,"
               "wage_earners_enrolled,non_wage_earners_enrolled,jp_enrolled,vulnerable_workers_payer"]
    figures += [f"cov-{c},{c},2024,1000,{400 + 50 * n},BPJS Ketenagakerjaan,{1 if c == 'pt-education' else 0},"
                f"{300 + 50 * n},100,{200 + n},{'regional_budget' if n < 3 else 'employer'}"
                for n, c in enumerate(IDS)]
    recorded = _post(running, "evidence", "/coverage-figures/import", "\n".join(figures).encode(), "text/csv",
                     "figures-bali-2024")
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["accepted"] == 9
    numbers = running.api.get("evidence", "/candidates/pt-finance/evidence")["figures"]["cov-pt-finance"]["figures"]
    assert (numbers["wage_earners_enrolled"], numbers["non_wage_earners_enrolled"], numbers["jp_enrolled"],
            numbers["vulnerable_workers_payer"]) == (450, 100, 203, "employer")

    secretary = running.api.as_actor("secretary-bali", "committee-secretary")
    for candidate_id in IDS:
        secretary.post("evidence", "/verifications",
                       {"candidate_id": candidate_id, "evidence_id": f"cov-{candidate_id}", "verdict": "verified"})
    documented = {"pt-finance": BUSINESS_DOCUMENTS, "pt-mining-manufacturing-construction": BUSINESS_DOCUMENTS,
                  "pt-agriculture-livestock-plantation-fisheries": BUSINESS_DOCUMENTS,
                  "bali": GOVERNMENT_DOCUMENTS, "kota-denpasar": GOVERNMENT_DOCUMENTS}
    for candidate_id, indicators in documented.items():
        for indicator in indicators:
            _attach_verified(running, secretary, candidate_id, indicator)

    advance(running.api, CYCLE, "screening")
    screened = running.api.as_actor("organiser-1", "organiser").post("evidence", "/screenings", {}, cycle_id=CYCLE)
    assert screened == {"screened": 9, "refused": []}
    result = {c: running.api.get("evidence", f"/candidates/{c}/evidence")["screening"] for c in IDS}
    # pt-finance: coverage .55 >= .5, no arrears, both documents verified
    assert result["pt-finance"]["eligible"] is True
    # pt-education: one month of arrears; pt-trade-services lacks documents
    assert [f["rule"] for f in result["pt-education"]["failed"]] == ["no_arrears", "documents_required"]
    assert [f["rule"] for f in result["pt-trade-services"]["failed"]] == ["documents_required"]
    # the village rule is coverage >= .05 only; the small/micro rule is no arrears only
    assert result["desa-kutuh"]["eligible"] and result["warung-bali"]["eligible"]
    assert [c for c in IDS if result[c]["eligible"]] == ELIGIBLE


# The assessment, by hand. Every assessor-1 score is 70 and every assessor-2 score 80 (each
# criterion alike where the indicator has criteria), except:
#   kota-denpasar policy: a-1 criteria 90/60 -> .6*90 + .4*60 = 78; a-2 80/70 -> 76; mean 77
#   kota-denpasar innovation: a-2 amends 80 -> 60 with a reason; mean (70 + 60) / 2 = 65
#   pt-finance supply-chain: a-2 amends 80 -> 90 after the figure correction; median 80
# Computed scores (bands .25/.5/.7/.9 -> 40/60/80/100 of the 2024 rubric): bali .40 -> 40,
# kota-denpasar .45 -> 40, desa-kutuh .50 -> 60, pt-finance .55 -> 60 corrected to .72 -> 80,
# pt-mining .65 -> 60, pt-agriculture .70 -> 80, warung-bali .80 -> 80.
# Interviews: interviewer-1 gives 80 on every criterion, interviewer-2 90: 85 (mean or median).
ELIGIBLE = ["bali", "kota-denpasar", "desa-kutuh", "pt-finance", "pt-mining-manufacturing-construction",
            "pt-agriculture-livestock-plantation-fisheries", "warung-bali"]
JUDGED = {
    "bali": ["policy", "implementation", "innovation"],
    "kota-denpasar": ["policy", "implementation", "innovation"],
    "desa-kutuh": ["village-regulation", "innovation"],
    "pt-finance": ["supply-chain", "vulnerable-workers", "innovation"],
    "pt-mining-manufacturing-construction": ["supply-chain", "vulnerable-workers", "innovation"],
    "pt-agriculture-livestock-plantation-fisheries": ["supply-chain", "vulnerable-workers", "innovation"],
    "warung-bali": ["performance"],
}
FINAL = {
    # .2*75 + .25*75 + .3*40 + .1*75 + .15*85
    "bali": 66.0,
    # .2*77 + .25*75 + .3*40 + .1*65 + .15*85
    "kota-denpasar": 65.4,
    # .4*60 + .2*75 + .15*75 + .25*85
    "desa-kutuh": 71.5,
    # .35*80 + .15*80 + .15*75 + .1*75 + .25*85
    "pt-finance": 80.0,
    # .35*60 + .15*75 + .15*75 + .1*75 + .25*85
    "pt-mining-manufacturing-construction": 72.25,
    # .35*80 + .15*75 + .15*75 + .1*75 + .25*85
    "pt-agriculture-livestock-plantation-fisheries": 79.25,
    # .6*80 + .4*75 (no interview in this category)
    "warung-bali": 78.0,
}
CRITERIA = {"policy": ["regional-regulation", "other-legal-products"],
            "implementation": ["non-civil-servant-staff", "employer-compliance", "vulnerable-workers", "budget"]}
INTERVIEW = ["forward-commitment", "work-plan", "budget-policy", "presentation"]
CHAIR = "sekda-bali"


def _category(candidate_id: str) -> str:
    line = next(line for line in CANDIDATES if line.startswith(f"{candidate_id},"))
    return line.split(",")[1]


def _board(running, candidate_id: str, until=lambda board: True) -> dict:
    path = f"/leaderboards/{CYCLE}/{_category(candidate_id)}/provinces/bali"
    return running.api.wait_for("ranking", path, until=until, timeout=60)


def _sid(candidate_id: str, indicator: str, who: str) -> str:
    return f"{candidate_id[:20]}-{indicator}-{who}"


def _sheet_version(api, candidate_id: str) -> int:
    try:
        return api.get("scoring", f"/candidates/{candidate_id}/scores")["version"]
    except ApiError as missing:
        assert missing.response.status_code == 404
        return 0


def _score_body(candidate_id: str, indicator: str, assessor: str, value: float) -> dict:
    body = {"score_id": _sid(candidate_id, indicator, assessor), "candidate_id": candidate_id,
            "indicator_id": indicator, "assessor_id": assessor, "evidence": [f"cov-{candidate_id}"]}
    if indicator not in CRITERIA:
        return {**body, "value": value}
    criteria = {c: value for c in CRITERIA[indicator]}
    if (candidate_id, indicator) == ("kota-denpasar", "policy"):
        criteria = {"regional-regulation": 90, "other-legal-products": 60} if assessor == "assessor-1" else {
            "regional-regulation": 80, "other-legal-products": 70}
    return {**body, "criteria": criteria}


def _panel(running) -> None:
    categories = sorted({_category(c) for c in IDS})
    organiser = running.api.as_actor("organiser-1", "organiser")
    organiser.post("registration", "/committee-members", {
        "person_id": CHAIR, "name": "Sekretaris Daerah Provinsi Bali", "cycle_id": CYCLE, "committee": "bali",
        "role": "chair", "represents": "provincial secretary (Sekda)"}, key="bali-chair")
    people = [("assessor", "assessor-1"), ("assessor", "assessor-2"), ("assessor", "assessor-x"),
              ("interviewer", "interviewer-1"), ("interviewer", "interviewer-2")]
    for duty, person in people:
        organiser.post("registration", "/panellists", {
            "person_id": person, "name": person, "cycle_id": CYCLE, "duty": duty, "province": "bali",
            "category_ids": categories}, key=f"bali-{person}")
    organiser.post("registration", "/conflicts", {"person_id": "assessor-x", "cycle_id": CYCLE,
                                                  "candidate_id": "pt-finance", "nature": "employed_by"})
    running.api.wait_for("ranking", f"/directory/panellists/{CYCLE}/{CHAIR}")
    running.api.wait_for("scoring", f"/directory/panellists/{CYCLE}/assessor-x", until=lambda p: p["conflicts"])
    for person in ("interviewer-1", "interviewer-2"):
        running.api.wait_for("interview", f"/directory/panellists/{CYCLE}/{person}")


def _refused(call) -> tuple[int, str]:
    try:
        call()
    except ApiError as refusal:
        detail = refusal.response.json()["detail"]
        return refusal.response.status_code, detail.get("rule") if isinstance(detail, dict) else None
    raise AssertionError("the command was accepted")


def test_the_province_is_assessed_shortlisted_interviewed_and_totalled(running):
    _panel(running)
    advance(running.api, CYCLE, "assessment")
    api = running.api
    for candidate_id, indicators in JUDGED.items():
        for indicator in indicators:
            for assessor, value in (("assessor-1", 70), ("assessor-2", 80)):
                body = _score_body(candidate_id, indicator, assessor, value)
                api.as_actor(assessor, "assessor").post("scoring", "/scores", body, key=body["score_id"])
    _assessment_refusals(running)
    api.as_actor("assessor-2", "assessor").post("scoring", "/amendments", {
        "score_id": "kota-denpasar-innovation-a2-b", "candidate_id": "kota-denpasar",
        "supersedes": "kota-denpasar-innovation-assessor-2", "assessor_id": "assessor-2", "value": 60,
        "reason": "the innovation started after the assessment period"}, key="amend-denpasar-innovation")

    before = _board(running, "pt-finance", until=lambda b: len(b["ranked"]) == 1)
    assert before["ranked"][0]["indicators"]["compliance"] == 60
    _correct_pt_finance(running)

    advance(running.api, CYCLE, "plenary")
    for candidate_id in ELIGIBLE:
        _board(running, candidate_id, until=lambda b: len(b["ranked"]) == 1 and not b["ranked"][0]["under_review"])
    shortlisted = {}
    for category in sorted({_category(c) for c in IDS}):
        board = api.get("ranking", f"/leaderboards/{CYCLE}/{category}/provinces/bali")
        shortlisted[category] = [r["candidate_id"] for r in board["ranked"]]
        api.as_actor(CHAIR, "committee-chair").post("ranking", "/shortlists", {
            "cycle_id": CYCLE, "category_id": category, "province": "bali", "shortlisted": shortlisted[category],
            "decided_by": CHAIR}, key=f"plenary-bali-{category}")
    assert shortlisted["business-education"] == [] and shortlisted["business-trade-services"] == []

    advance(running.api, CYCLE, "interview")
    interviewed = [c for c in ELIGIBLE if c != "warung-bali"]
    for candidate_id in interviewed:
        api.wait_for("interview", f"/shortlists/{CYCLE}/{_category(candidate_id)}/provinces/bali")
        _interview(running, candidate_id)
    _interview_refusals(running)
    for candidate_id in interviewed:  # ranking follows the interviews' events: a board read earlier may lack one
        ids = {_sid("i", candidate_id, who) for who in ("interviewer-1", "interviewer-2")}
        api.wait_for("ranking", f"/standings/{candidate_id}", timeout=60,
                     until=lambda standing, ids=ids: ids <= set(standing.get("interviews", {})))

    for candidate_id, total in FINAL.items():
        board = _board(running, candidate_id, until=lambda b: b["stage"] == "final" and b["ranked"])
        assert [(r["candidate_id"], r["total"], r["rank"]) for r in board["ranked"]] == [(candidate_id, total, 1)]
    for candidate_id in ("pt-trade-services", "pt-education"):
        board = _board(running, candidate_id)
        assert board["ranked"] == [] and [r["candidate_id"] for r in board["not_shortlisted"]] == [candidate_id]


def _assessment_refusals(running) -> None:
    """Each refusal leaves the score sheet as it was."""
    api = running.api
    cases = [
        ("pt-finance", "assessor-x", {}, (403, "conflict_of_interest")),
        ("pt-finance", "assessor-9", {}, (403, "not_assigned")),
        ("pt-finance", "assessor-1", {"value": 101}, (422, "score_outside_scale")),
        ("pt-education", "assessor-1", {}, (409, "screened_out")),
    ]
    for candidate_id, assessor, changes, expected in cases:
        body = {**_score_body(candidate_id, "innovation", assessor, 70), "score_id": "refused-score", **changes}
        if candidate_id == "pt-education":
            body["indicator_id"] = "supply-chain"
        before = _sheet_version(api, candidate_id)
        assert _refused(lambda: api.as_actor(assessor, "assessor").post("scoring", "/scores", body)) == expected
        assert _sheet_version(api, candidate_id) == before
    amendment = {"score_id": "no-reason", "candidate_id": "pt-finance", "supersedes": "pt-finance-innovation-assessor-1",
                 "assessor_id": "assessor-1", "value": 75, "reason": ""}
    assert _refused(lambda: api.as_actor("assessor-1", "assessor").post("scoring", "/amendments", amendment)) == (
        422, "amendment_reason_required")


def _correct_pt_finance(running) -> None:
    """A corrected figure re-derives pt-finance's computed score, and only that one, and flags the
    six judged scores that cited the old figure until their assessors confirm or amend them."""
    api = running.api
    other_sheets = {c: api.get("scoring", f"/candidates/{c}/scores") for c in ELIGIBLE if c != "pt-finance"}
    api.as_actor("bpjs-data-office", "regional-service").post("evidence", "/coverage-figures/corrections", {
        "figure_id": "cov-pt-finance-2", "supersedes": "cov-pt-finance", "candidate_id": "pt-finance",
        "period": "2024", "workers_eligible": 1000, "workers_enrolled": 720, "source": "BPJS Ketenagakerjaan",
        "reason": "late enrolments of contract workers"}, key="correct-pt-finance")
    api.as_actor("secretary-bali", "committee-secretary").post("evidence", "/verifications", {
        "candidate_id": "pt-finance", "evidence_id": "cov-pt-finance-2", "verdict": "verified"}, key="verify-fix")
    sheet = api.wait_for("scoring", "/candidates/pt-finance/scores", until=lambda s: len(
        [x for x in s["scores"].values() if x["review"]]) == 6 and "auto-cov-pt-finance-2-compliance" in s["scores"])
    auto = {sid: (x["value"], x["current"]) for sid, x in sheet["scores"].items() if sid.startswith("auto-")}
    assert auto == {"auto-cov-pt-finance-compliance": (60, False), "auto-cov-pt-finance-2-compliance": (80, True)}
    assert {c: api.get("scoring", f"/candidates/{c}/scores") for c in other_sheets} == other_sheets
    for indicator in ("supply-chain", "vulnerable-workers", "innovation"):
        api.as_actor("assessor-1", "assessor").post("scoring", "/confirmations", {
            "candidate_id": "pt-finance", "score_id": f"pt-finance-{indicator}-assessor-1", "assessor_id": "assessor-1",
            "note": "the score does not rest on the corrected numbers"})
    for indicator in ("vulnerable-workers", "innovation"):
        api.as_actor("assessor-2", "assessor").post("scoring", "/confirmations", {
            "candidate_id": "pt-finance", "score_id": f"pt-finance-{indicator}-assessor-2", "assessor_id": "assessor-2",
            "note": "unchanged"})
    api.as_actor("assessor-2", "assessor").post("scoring", "/amendments", {
        "score_id": "pt-finance-supply-chain-a2-b", "candidate_id": "pt-finance",
        "supersedes": "pt-finance-supply-chain-assessor-2", "assessor_id": "assessor-2", "value": 90,
        "reason": "vendors' enrolment is higher in the corrected figure", "evidence": ["cov-pt-finance-2"]})
    after = _board(running, "pt-finance", until=lambda b: b["ranked"] and not b["ranked"][0]["under_review"]
                   and b["ranked"][0]["indicators"]["compliance"] == 80)
    # (.35*80 + .15*80 + .15*75 + .1*75) / .75
    assert after["ranked"][0]["document_total"] == round(58.75 / 0.75, 6)


def _interview(running, candidate_id: str) -> None:
    secretary = running.api.as_actor("secretary-bali", "committee-secretary")
    principal = {"name": "Chief executive", "position": "CEO"} if candidate_id.startswith("pt-") else {
        "name": "Regional head", "position": "governor, regent or mayor"}
    secretary.post("interview", "/interviews", {
        "candidate_id": candidate_id, "scheduled_for": "2025-02-14T09:00:00+08:00",
        "panel": ["interviewer-1", "interviewer-2"], "principal": principal,
        "officials": [{"name": "Head of manpower office", "position": "Kadisnaker"}]}, key=f"schedule-{candidate_id}")
    for interviewer, value in (("interviewer-1", 80), ("interviewer-2", 90)):
        running.api.as_actor(interviewer, "interviewer").post("interview", "/interview-scores", {
            "score_id": _sid("i", candidate_id, interviewer), "candidate_id": candidate_id,
            "interviewer_id": interviewer, "indicator_id": "interview",
            "criteria": {c: value for c in INTERVIEW}}, key=f"i-{candidate_id}-{interviewer}")


def _interview_refusals(running) -> None:
    secretary = running.api.as_actor("secretary-bali", "committee-secretary")
    schedule = {"candidate_id": "pt-education", "scheduled_for": "2025-02-14T09:00:00+08:00",
                "panel": ["interviewer-1"], "principal": {"name": "Rector", "position": "rector"}}
    assert _refused(lambda: secretary.post("interview", "/interviews", schedule)) == (409, "not_shortlisted")
    unscheduled = _refused(lambda: running.api.get("interview", "/candidates/pt-education/interview"))
    assert unscheduled == (404, "not_scheduled")
    before = running.api.get("interview", "/candidates/bali/interview")["version"]
    score = {"score_id": "i-bali-x", "candidate_id": "bali", "interviewer_id": "assessor-1",
             "indicator_id": "interview", "criteria": {c: 80 for c in INTERVIEW}}
    stranger = running.api.as_actor("assessor-1", "interviewer")
    assert _refused(lambda: stranger.post("interview", "/interview-scores", score)) == (403, "not_on_panel")
    off_scale = {**score, "interviewer_id": "interviewer-1", "criteria": {c: 180 for c in INTERVIEW}}
    interviewer = running.api.as_actor("interviewer-1", "interviewer")
    assert _refused(lambda: interviewer.post("interview", "/interview-scores", off_scale)) == (
        422, "score_outside_scale")
    assert running.api.get("interview", "/candidates/bali/interview")["version"] == before
