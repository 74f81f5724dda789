"""A 2024-edition cycle for one province, through the HTTP APIs only: opened from its document,
candidates in every category from CSV, coverage figures from CSV, verification, documents,
screening. Runs on both backends."""

from __future__ import annotations

import httpx

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
    headers = {"X-Actor-Id": "organiser-1", "X-Actor-Role": "organiser", "Content-Type": content_type,
               "Idempotency-Key": key}
    return httpx.post(f"{running.services.url(service)}{path}", content=content, headers=headers, params=params,
                      timeout=120)


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

    figures = ["figure_id,candidate_id,period,workers_eligible,workers_enrolled,source,arrears_months"]
    figures += [f"cov-{c},{c},2024,1000,{400 + 50 * n},BPJS Ketenagakerjaan,{1 if c == 'pt-education' else 0}"
                for n, c in enumerate(IDS)]
    recorded = _post(running, "evidence", "/coverage-figures/import", "\n".join(figures).encode(), "text/csv",
                     "figures-bali-2024")
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["accepted"] == 9

    secretary = running.api.as_actor("secretary-bali", "committee-secretary")
    for candidate_id in IDS:
        secretary.post("evidence", "/verifications",
                       {"candidate_id": candidate_id, "evidence_id": f"cov-{candidate_id}", "verdict": "verified"})
    for indicator in ("supply-chain", "vulnerable-workers"):
        upload = _post(running, "evidence", "/candidates/pt-finance/documents", f"%PDF-1.7 {indicator}".encode(),
                       "application/pdf", f"doc-{indicator}", indicator_id=indicator, title=indicator,
                       filename=f"{indicator}.pdf")
        assert upload.status_code == 201, upload.text
        document_id = next(
            d for d, doc in running.api.get("evidence", "/candidates/pt-finance/evidence")["documents"].items()
            if doc["indicator_id"] == indicator)
        secretary.post("evidence", "/verifications",
                       {"candidate_id": "pt-finance", "evidence_id": document_id, "verdict": "verified"})

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
