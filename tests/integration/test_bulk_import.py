"""Bulk registration from CSV through the HTTP API: all rows or none, each rejection explained."""

from __future__ import annotations

import httpx
import pytest

from paritrana.scenario import demo_config, open_cycle
from tests.conftest import unique

HEADER = "candidate_id,category_id,kind,name,province,regency_code\n"


@pytest.fixture(scope="module")
def cycle(running):
    cycle_id = unique("bulk-")
    open_cycle(running.api, {**demo_config(), "cycle_id": cycle_id})
    return cycle_id


def _post(running, cycle_id: str, body: bytes, key: str | None = None) -> httpx.Response:
    headers = {**running.api.headers, "Content-Type": "text/csv"}
    if key:
        headers["Idempotency-Key"] = key
    url = f"{running.services.url('registration')}/candidates/import"
    return httpx.post(url, params={"cycle_id": cycle_id}, content=body, headers=headers, timeout=120)


def _exists(running, candidate_id: str) -> bool:
    url = f"{running.services.url('registration')}/candidates/{candidate_id}"
    return httpx.get(url, headers=running.api.headers).status_code == 200


def test_a_file_with_any_bad_row_registers_nothing_and_reports_every_row(running, cycle):
    prefix = unique("r")
    rows = [
        f"{prefix}-ok,regency-city,regency_city,Kota Bandung,jawa-barat,32.73",
        f"{prefix}-bad-province,regency-city,regency_city,X,atlantis,",
        f"{prefix}-ok,regency-city,regency_city,Again,jawa-barat,",
        f"{prefix}-wrong-regency,regency-city,regency_city,Y,jawa-barat,11.01",
        f"{prefix}-short,regency-city",
        "BAD ID,regency-city,regency_city,Z,jawa-barat,",
    ]
    response = _post(running, cycle, (HEADER + "\n".join(rows) + "\n").encode())
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["rule"] == "rows_rejected" and detail["accepted"] == 0
    assert [(r["line"], r["rule"]) for r in detail["rejected"]] == [
        (3, "unknown_province"), (4, "duplicate_in_file"), (5, "regency_outside_province"), (6, "malformed_row"),
        (7, "invalid_field"),
    ]
    assert not _exists(running, f"{prefix}-ok")


def test_a_clean_file_registers_every_row_once(running, cycle):
    prefix = unique("r")
    rows = [f"{prefix}-{n},regency-city,regency_city,Candidate {n},jawa-barat," for n in range(40)]
    body = (HEADER + "\n".join(rows) + "\n").encode()
    first = _post(running, cycle, body, key=f"import-{prefix}")
    assert first.status_code == 201, first.text
    assert first.json() == {"accepted": 40, "accepted_by_an_earlier_try": 0, "refused_at_decision": []}
    assert _exists(running, f"{prefix}-0") and _exists(running, f"{prefix}-39")
    progress = httpx.get(f"{running.services.url('registration')}/imports/import-{prefix}",
                         headers=running.api.headers).json()
    assert progress == {"total": 40, "decided": 40}
    retried = _post(running, cycle, body, key=f"import-{prefix}")  # e.g. after a 503: nothing twice
    assert retried.status_code == 201
    assert retried.json() == {"accepted": 0, "accepted_by_an_earlier_try": 40, "refused_at_decision": []}
    other = _post(running, cycle, body, key=f"other-{prefix}")  # another import of the same rows
    assert other.status_code == 422
    assert {r["rule"] for r in other.json()["detail"]["rejected"]} == {"duplicate_candidate"}


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"candidate_id,name\nx,y\n", "lacks the columns"),
        ((HEADER + "caf\xe9,regency-city,regency_city,N,jawa-barat,\n").encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_whole(running, cycle, body, reason):
    response = _post(running, cycle, body)
    assert response.status_code == 422
    assert response.json()["detail"]["rule"] == "unreadable_file" and reason in response.json()["detail"]["reason"]
