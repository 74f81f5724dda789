"""Reference data imported through the registration API, on both backends: the shipped villages
file (all 83,441 rows) as a new version, a bad file refused with its report and nothing recorded,
the version's rules, a cycle pinning the imported version, and village candidates checked
against its villages."""

from __future__ import annotations

import gzip
import hashlib
import time

import httpx
import pytest

from services.registration import reference
from services.registration.cycle_files import shipped
from shared import topics
from tests.conftest import unique

VILLAGES = 83_441
SHIPPED_FILE = reference.HERE / "kemendagri-2024" / "villages.csv.gz"
HEADER = "code,regency_code,name\n"
# a small version: three Bali villages, two of Kutuh's regency (Badung, 51.03) and one of Denpasar
SMALL = HEADER + "51.03.05.2003,51.03,Kutuh\n51.03.05.2002,51.03,Ungasan\n51.71.01.1001,51.71,Serangan\n"


def _headers(running, key: str | None = None, content_type: str = "text/csv") -> dict[str, str]:
    headers = {**running.api.as_actor("organiser-1", "organiser").headers, "Content-Type": content_type}
    return {**headers, "Idempotency-Key": key} if key else headers


def _import(running, version: str, body: bytes, base: str = "kemendagri-2024", key: str | None = None):
    url = f"{running.services.url('registration')}/reference-data/{version}/villages"
    return httpx.post(url, params={"base": base}, content=body, headers=_headers(running, key), timeout=300)


def _get(running, path: str) -> httpx.Response:
    return httpx.get(f"{running.services.url('registration')}{path}", headers=_headers(running), timeout=30)


def _imports_recorded(running) -> list[str]:
    """The versions of every ReferenceDataImported event in registration's topic."""
    records = running.records(topics.events(running.settings.namespace, "registration"))
    return [r.key for r in records if r.headers.get("type") == "ReferenceDataImported"]


@pytest.fixture(scope="module")
def full_version(running):
    """The shipped villages file, decompressed, imported as a new version (timed)."""
    body = gzip.decompress(SHIPPED_FILE.read_bytes())
    version = unique("villages-")
    started = time.perf_counter()
    response = _import(running, version, body, key=f"import-{version}")
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text[:2000]
    print(f"\nimported {VILLAGES:,} villages ({len(body):,} bytes) on {running.settings.backend} in {elapsed:.1f} s")
    return version, body, elapsed, response.json()


@pytest.fixture(scope="module")
def small_version(running):
    version = unique("small-")
    response = _import(running, version, SMALL.encode())
    assert response.status_code == 201, response.text
    return version


def test_the_shipped_villages_import_as_a_new_version_in_reasonable_time(running, full_version):
    version, body, elapsed, answer = full_version
    assert elapsed < 120, f"{VILLAGES} villages took {elapsed:.1f} s"
    assert [e["type"] for e in answer["events"]] == ["ReferenceDataImported"]
    detail = _get(running, f"/reference-data/{version}").json()
    assert detail == {"version": version, "source": "imported", "base_version": "kemendagri-2024", "provinces": 38,
                      "regencies": 514, "villages": VILLAGES, "sha256": hashlib.sha256(body).hexdigest(),
                      "size": len(body), "imported_by": "organiser-1"}
    again = _import(running, version, body, key=f"import-{version}")  # a retry of the same import
    assert again.status_code == 201 and again.json()["events"] == answer["events"]
    assert _imports_recorded(running).count(version) == 1


def test_versions_are_listed_and_villages_looked_up(running, full_version):
    version = full_version[0]
    listed = running.api.wait_for(
        "registration", "/reference-data", lambda d: version in [v["version"] for v in d["versions"]])
    by_version = {v["version"]: v for v in listed["versions"]}
    assert by_version["kemendagri-2024"] == {"version": "kemendagri-2024", "source": "shipped", "provinces": 38,
                                             "regencies": 514, "villages": VILLAGES}
    assert by_version[version]["villages"] == VILLAGES and "imported_at" in by_version[version]
    kutuh = _get(running, f"/reference-data/{version}/villages/51.03.05.2003")
    assert kutuh.json() == {"version": version, "code": "51.03.05.2003", "name": "Kutuh", "regency_code": "51.03",
                            "regency": "Kabupaten Badung", "province": "bali"}
    assert _get(running, "/reference-data/kemendagri-2024/villages/51.03.05.2003").json()["name"] == "Kutuh"
    assert _get(running, f"/reference-data/{version}/villages/51.03.05.9999").status_code == 404
    assert _get(running, "/reference-data/bps-1999/villages/51.03.05.2003").status_code == 404
    assert _get(running, "/reference-data/bps-1999").status_code == 404


def test_a_bad_file_is_refused_with_its_report_and_nothing_is_recorded(running, full_version):
    version = unique("bad-")
    rows = [
        "51.03.05.2003,51.03,Kutuh",
        "51.03.05.2003,51.03,Kutuh again",  # 3: twice
        "99.99.01.2001,99.99,Nowhere",  # 4: no such regency in the base
        "51.03.05,51.03,Short code",  # 5
        "51.03.05.2005,51.71,Elsewhere",  # 6: its code is in 51.03
        "51.03.05.2006,51.03",  # 7: a field missing
    ]
    response = _import(running, version, (HEADER + "\n".join(rows) + "\n").encode())
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert (detail["rule"], detail["accepted"], detail["rejected_total"]) == ("rows_rejected", 0, 5)
    assert [(r["line"], r["rule"]) for r in detail["rejected"]] == [
        (3, "duplicate_in_file"), (4, "unknown_regency"), (5, "invalid_village_code"),
        (6, "village_outside_regency"), (7, "malformed_row")]
    unreadable = _import(running, version, (HEADER + "51.03.05.2003,51.03,Kut\xfch\n").encode("latin-1"))
    assert unreadable.status_code == 422 and unreadable.json()["detail"]["rule"] == "unreadable_file"
    no_header = _import(running, version, b"kode,nama\n51.03.05.2003,Kutuh\n")
    assert no_header.status_code == 422 and "lacks the columns" in no_header.json()["detail"]["reason"]
    assert _get(running, f"/reference-data/{version}").status_code == 404
    assert version not in _imports_recorded(running)


@pytest.mark.parametrize(
    "version, base, status, rule",
    [
        (None, "kemendagri-2024", 409, "reference_data_already_imported"),
        ("kemendagri-2024", "kemendagri-2024", 409, "shipped_reference_data"),
        ("new", "bps-1999", 422, "unknown_base_version"),
    ],
    ids=["imported-again", "shipped-name", "unknown-base"],
)
def test_a_version_is_imported_once_never_over_a_shipped_one_and_only_on_a_known_base(
    running, full_version, version, base, status, rule
):
    version = version or full_version[0]
    version = unique("new-") if version == "new" else version
    before = _imports_recorded(running)
    response = _import(running, version, SMALL.encode(), base=base)
    assert (response.status_code, response.json()["detail"]["rule"]) == (status, rule)
    assert _imports_recorded(running) == before


def test_an_imported_version_may_be_based_on_an_imported_one(running, full_version):
    version = unique("derived-")
    response = _import(running, version, SMALL.encode(), base=full_version[0])
    assert response.status_code == 201, response.text
    assert _get(running, f"/reference-data/{version}").json()["base_version"] == full_version[0]


def _open_cycle(running, version: str) -> str:
    config = shipped("paritrana-2024").model_dump(mode="json")
    cycle_id = unique("villages-cycle-")
    running.api.post("registration", "/cycles", {**config, "cycle_id": cycle_id, "reference_data_version": version})
    return cycle_id


def _register(running, cycle_id: str, village_code: str | None, regency_code: str = "51.03") -> httpx.Response:
    body = {"candidate_id": unique("desa-"), "cycle_id": cycle_id, "category_id": "village", "kind": "village",
            "name": "Desa", "province": "bali", "regency_code": regency_code, "village_code": village_code}
    url = f"{running.services.url('registration')}/candidates"
    return httpx.post(url, json=body, headers=_headers(running, content_type="application/json"), timeout=30)


def test_a_cycle_pins_the_imported_version_and_its_village_candidates_are_checked(running, full_version):
    cycle_id = _open_cycle(running, full_version[0])
    assert running.api.get("registration", f"/cycles/{cycle_id}")["config"]["reference_data_version"] == \
        full_version[0]
    accepted = _register(running, cycle_id, "51.03.05.2003")
    assert accepted.status_code == 201, accepted.text
    candidate = running.api.get("registration", f"/candidates/{accepted.json()['aggregate_id']}")
    assert (candidate["village_code"], candidate["regency_code"]) == ("51.03.05.2003", "51.03")
    for code, regency, rule in (("51.03.05.9999", "51.03", "unknown_village"),
                                ("51.71.01.1001", "51.03", "village_outside_regency")):
        refused = _register(running, cycle_id, code, regency)
        assert (refused.status_code, refused.json()["detail"]["rule"]) == (422, rule)
    rows = ["candidate_id,category_id,kind,name,province,regency_code,village_code",
            f"{unique('desa-')},village,village,Desa Ungasan,bali,51.03,51.03.05.2002",
            f"{unique('desa-')},village,village,Desa X,bali,51.03,51.03.05.9999"]
    url = f"{running.services.url('registration')}/candidates/import"
    imported = httpx.post(url, params={"cycle_id": cycle_id}, content="\n".join(rows).encode(),
                          headers=_headers(running), timeout=60)
    assert imported.status_code == 422
    assert [(r["line"], r["rule"]) for r in imported.json()["detail"]["rejected"]] == [(3, "unknown_village")]
    clean = httpx.post(url, params={"cycle_id": cycle_id}, content="\n".join(rows[:2]).encode(),
                       headers=_headers(running), timeout=60)
    assert clean.status_code == 201 and clean.json()["accepted"] == 1, clean.text


def test_villages_are_those_of_the_pinned_version(running, small_version):
    cycle_id = _open_cycle(running, small_version)
    assert _register(running, cycle_id, "51.03.05.2002").status_code == 201
    # a shipped village the small version does not have
    refused = _register(running, cycle_id, "51.03.01.1002")
    assert (refused.status_code, refused.json()["detail"]["rule"]) == (422, "unknown_village")


def test_a_cycle_cannot_pin_a_version_never_imported(running):
    config = shipped("paritrana-2024").model_dump(mode="json")
    url = f"{running.services.url('registration')}/cycles"
    response = httpx.post(url, json={**config, "cycle_id": unique("c-"), "reference_data_version": "bad-version"},
                          headers=_headers(running, content_type="application/json"), timeout=30)
    assert (response.status_code, response.json()["detail"]["rule"]) == (422, "unknown_reference_data")
