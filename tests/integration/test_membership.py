"""Membership data through the evidence service, on both backends: a generated register imported,
its totals as worked out from the rows, screened for the 2024 edition, and the employers it puts
forward registered as candidates from the file it gives."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from paritrana.client import ApiError
from paritrana.employers import register
from services.evidence import membership
from services.registration.cycle_files import parse
from tests.conftest import unique

PERIOD = "2025-02"
EMPLOYERS = 3000
EDITION = Path("services/registration/cycles/paritrana-2024.yaml").read_text()


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value.response.status_code, refused.value.response.json()["detail"]["rule"]


@pytest.fixture(scope="module")
def imported(running):
    api, lines = running.api, list(register(seed=11, count=EMPLOYERS))
    body = "\n".join(lines).encode()
    outcome = api.post_raw("evidence", f"/membership-data/{PERIOD}", body, "text/csv")
    return running, lines, outcome


def test_a_register_is_imported_once_with_its_totals_per_province(imported):
    running, lines, outcome = imported
    [event] = outcome["events"]
    check = membership.MembershipFile()
    for line in lines:
        check.feed(line)
    expected = {p: r.model_dump(mode="json") for p, r in check.by_province().items()}
    snapshot = running.api.get("evidence", f"/membership-data/{PERIOD}")
    assert (event["type"], snapshot["employers"], snapshot["by_province"]) == (
        "MembershipDataImported", EMPLOYERS, expected)
    again = "\n".join(lines).encode()
    assert _refusal(lambda: running.api.post_raw("evidence", f"/membership-data/{PERIOD}", again, "text/csv")) == (
        409, "membership_data_already_imported")


def test_a_register_with_a_bad_row_is_refused_whole(imported):
    running, lines, _ = imported
    bad = [*lines[:10], lines[5]]  # an employer twice
    with pytest.raises(ApiError) as refused:
        running.api.post_raw("evidence", "/membership-data/2025-03", "\n".join(bad).encode(), "text/csv")
    detail = refused.value.response.json()["detail"]
    assert (detail["rule"], detail["rejected_total"], detail["rejected"][0]["rule"]) == (
        "rows_rejected", 1, "duplicate_in_file")
    assert _refusal(lambda: running.api.get("evidence", "/membership-data/2025-03")) == (404, "unknown_membership_data")


def test_the_screening_puts_forward_the_best_eligible_and_they_register(imported):
    running, lines, _ = imported
    api, cycle_id = running.api, unique("membership-")
    api.post_raw("registration", "/cycle-documents", EDITION.replace("cycle_id: paritrana-2024", f"cycle_id: {cycle_id}")
                 .encode(), "application/yaml")
    api.wait_for("evidence", f"/directory/cycles/{cycle_id}")
    outcome = api.post("evidence", "/membership-screenings", {"cycle_id": cycle_id, "period": PERIOD, "per_province": 2})
    assert [e["type"] for e in outcome["events"]] == ["MembershipScreened"]
    config = parse(EDITION)
    expected = membership.screen(membership.employers(line + "\n" for line in lines),
                                 membership.business_categories(config), per_province=2)
    payload = api.get("evidence", f"/membership-screenings/{cycle_id}/{PERIOD}")
    assert (payload["considered"], payload["eligible"], payload["nominated"]) == (
        expected.considered, expected.eligible, expected.nominated)
    assert payload["by_category"] == {c: s.model_dump() for c, s in expected.summary().items()}

    url = f"{running.services.url('evidence')}/membership-screenings/{cycle_id}/{PERIOD}/eligible.csv"
    download = httpx.get(url, headers=api.headers)
    assert download.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows == [list(membership.CANDIDATE_COLUMNS), *expected.candidate_rows()]
    registered = api.post_raw("registration", "/candidates/import", download.content, "text/csv", cycle_id=cycle_id)
    assert registered["accepted"] == expected.nominated
    first = rows[1][0]
    assert api.get("registration", f"/candidates/{first}")["employer_id"] == rows[1][6]

    again = {"cycle_id": cycle_id, "period": PERIOD, "per_province": 3}
    assert _refusal(lambda: api.post("evidence", "/membership-screenings", again)) == (409, "membership_already_screened")
    other = {"cycle_id": cycle_id, "period": "2024-02", "per_province": 3}
    assert _refusal(lambda: api.post("evidence", "/membership-screenings", other)) == (404, "unknown_membership_data")
