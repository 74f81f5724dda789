"""Bad input over HTTP: schemathesis against every service's OpenAPI (at least 1,000 generated
requests each, on the seeded demo), then the inputs a generator does not make: oversized bodies,
CSVs past the row limit or in the wrong encoding, a zip bomb, and path tricks in file names.

Whatever is sent, no service answers 5xx, every 4xx says why ({"detail": {"rule", "reason"}} or
FastAPI's validation list), and a refused upload or import appends nothing and keeps no file."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from contextlib import contextmanager

import httpx
import pytest

from paritrana.scenario import CATEGORY, PROVINCE, demo_config, open_cycle, play_demo, register
from shared.topics import SERVICES, events
from tests.conftest import unique
from tests.fuzzing import Fuzz, reason_of
from tests.integration import conftest

AT_LEAST = 1000  # generated requests per service
ROW_LIMIT = 2000  # the services' import row limit in this module (PARITRANA_MAX_IMPORT_ROWS)
MAX_DOCUMENT = 100_000  # PARITRANA_MAX_DOCUMENT_BYTES of the fixture
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def running_embedded(tmp_path_factory):
    """The fixture of conftest, with a row limit low enough to cross in a test."""
    started = conftest._running("embedded", tmp_path_factory)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PARITRANA_MAX_IMPORT_ROWS", str(ROW_LIMIT))
        running = next(started)
    yield running
    next(started, None)


@pytest.fixture(scope="module")
def seeded(running_embedded):
    play_demo(running_embedded.api)
    return running_embedded


@pytest.fixture(scope="module")
def fresh(seeded):
    """A cycle still in registration with one candidate: one that may still attach documents."""
    cycle_id, candidate_id = unique("fuzz-"), unique("cand-")
    open_cycle(seeded.api, {**demo_config(), "cycle_id": cycle_id})
    register(seeded.api, cycle_id, {candidate_id: "Kota Uji"})
    return cycle_id, candidate_id


@pytest.mark.parametrize("service", SERVICES)
def test_generated_requests_get_no_5xx_and_every_refusal_says_why(seeded, service):
    fuzz = Fuzz(seeded.api, seeded.services.url(service))
    started = time.monotonic()
    fuzz.run(AT_LEAST)
    print(f"\n{service}: {fuzz.requests} requests in {time.monotonic() - started:.0f}s: {fuzz.split()}")
    assert fuzz.requests >= AT_LEAST
    assert not fuzz.failures, f"bad answers of {service} ({fuzz.split()}):\n{fuzz.report()}"


# --- what a generator does not make ---------------------------------------------------------------

def _appended(running) -> tuple[int, ...]:
    ns = running.settings.namespace
    return tuple(len(running.records(events(ns, service))) for service in ("registration", "evidence"))


def _kept_files(running) -> set[str]:
    """Every file the two services that store uploads keep (documents; imported reference data)."""
    roots = [running.settings.data_dir / f"{running.settings.namespace}-{name}" for name in
             ("blobs", "registration-blobs")]
    return {str(p) for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


@contextmanager
def nothing_kept(running):
    """Whatever is refused inside appends no event and keeps no file."""
    before = _appended(running), _kept_files(running)
    yield
    assert (_appended(running), _kept_files(running)) == before


def refused(response: httpx.Response, status: int, rule: str | None = None) -> str:
    assert response.status_code == status, response.text[:500]
    reason = reason_of(response)
    assert reason, response.text[:500]
    if rule is not None:
        assert response.json()["detail"]["rule"] == rule, response.text[:500]
    return reason


def _post(running, service: str, path: str, body: bytes, content_type: str, **params) -> httpx.Response:
    headers = {**running.api.headers, "Content-Type": content_type}
    return httpx.post(f"{running.services.url(service)}{path}", params=params, content=body, headers=headers,
                      timeout=120)


def _upload(running, candidate_id: str, body: bytes, content_type: str = "application/pdf", **params):
    params = {"indicator_id": "policy", "title": "Peraturan daerah", "filename": "perda.pdf", **params}
    return _post(running, "evidence", f"/candidates/{candidate_id}/documents", body, content_type, **params)


def _pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + b"0" * (size - 9)


def test_a_document_over_the_size_limit_is_refused_and_nothing_is_kept(seeded, fresh):
    _cycle, candidate = fresh
    assert _upload(seeded, candidate, _pdf(MAX_DOCUMENT)).status_code == 201  # the limit itself is allowed
    with nothing_kept(seeded):
        for size in (MAX_DOCUMENT + 1, 20 * MAX_DOCUMENT):
            refused(_upload(seeded, candidate, _pdf(size)), 413, "file_too_large")


def test_a_csv_import_past_the_row_limit_is_refused_whole(seeded, fresh):
    cycle_id, _candidate = fresh
    prefix = unique("r")
    candidates = "candidate_id,category_id,kind,name,province\n" + "".join(
        f"{prefix}-{n},{CATEGORY},regency_city,Kota {n},{PROVINCE}\n" for n in range(ROW_LIMIT + 1))
    figures = "figure_id,candidate_id,period,workers_eligible,workers_enrolled,source\n" + "".join(
        f"{prefix}-{n},kota-bandung,2024,1000,500,BPJS\n" for n in range(ROW_LIMIT + 1))
    with nothing_kept(seeded):
        for service, path, body, params in [
            ("registration", "/candidates/import", candidates, {"cycle_id": cycle_id}),
            ("evidence", "/coverage-figures/import", figures, {}),
        ]:
            reason = refused(_post(seeded, service, path, body.encode(), "text/csv", **params), 422, "unreadable_file")
            assert f"more than {ROW_LIMIT} rows" in reason


CSV_ROW = ("candidate_id,category_id,kind,name,province\n"
           "kab-pandeglang,regency-city,regency_city,Kabupaten Pandéglang,banten\n")
VILLAGES = "code,regency_code,name\n51.03.01.2001,51.03,Kutuh Désa\n"


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252"])
def test_a_csv_in_another_encoding_is_refused_with_the_reason(seeded, fresh, encoding):
    cycle_id, _candidate = fresh
    with nothing_kept(seeded):
        for service, path, body, params in [
            ("registration", "/candidates/import", CSV_ROW, {"cycle_id": cycle_id}),
            ("evidence", "/coverage-figures/import", "figure_id,candidate_id\nf-1,Pandéglang\n", {}),
            ("registration", f"/reference-data/{unique('v-')}/villages", VILLAGES, {"base": "kemendagri-2024"}),
        ]:
            reason = refused(_post(seeded, service, path, body.encode(encoding), "text/csv", **params), 422,
                             "unreadable_file")
            assert "not UTF-8" in reason

def test_a_utf16_csv_document_is_not_taken_for_text(seeded, fresh):
    """Uploads are typed by their first bytes: UTF-16's byte order mark and NULs are not UTF-8 text.
    (A Latin-1 file whose first bytes are ASCII passes as text/csv: it is kept, never parsed.)"""
    _cycle, candidate = fresh
    with nothing_kept(seeded):
        refused(_upload(seeded, candidate, (CSV_ROW * 3).encode("utf-16"), "text/csv", filename="kandidat.csv"),
                415, "unsupported_file")


def _zip_bomb(expanded: int) -> bytes:
    """An .xlsx-looking zip whose one sheet inflates to `expanded` bytes (deflate: about 1,000 to 1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        bomb.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"0" * (1 << 20)
            for _ in range(expanded >> 20):
                sheet.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_is_kept_as_it_came_and_never_expanded(seeded, fresh):
    _cycle, candidate = fresh
    bomb = _zip_bomb(80 << 20)  # 80 MB inside
    assert len(bomb) < MAX_DOCUMENT
    stored = _upload(seeded, candidate, bomb, XLSX, filename="rekap.xlsx")
    assert stored.status_code == 201, stored.text
    sha256 = hashlib.sha256(bomb).hexdigest()
    assert all(os.path.getsize(f) <= MAX_DOCUMENT for f in _kept_files(seeded))
    url = f"{seeded.services.url('evidence')}/candidates/{candidate}/documents/{sha256}"
    download = httpx.get(url, headers=seeded.api.headers)
    assert download.content == bomb
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment")
    with nothing_kept(seeded):
        refused(_upload(seeded, candidate, _zip_bomb(200 << 20), XLSX, filename="lebih.xlsx"), 413, "file_too_large")
        refused(_upload(seeded, candidate, bomb, "application/pdf", filename="rekap.pdf"), 415, "unsupported_file")


@pytest.mark.parametrize("filename", [
    "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "C:\\boot.ini", "perda\x00.pdf", "perda.pdf\n",
    "perda.pdf\r", "....pdf", ".htaccess", "dir/perda.pdf", "%2e%2e%2fetc%2fpasswd", "perda\u202efdp.exe",
    " perda.pdf", "a" * 201, "a" * 5000,
])
def test_path_tricks_in_file_names_are_refused(seeded, fresh, filename):
    _cycle, candidate = fresh
    with nothing_kept(seeded):
        refused(_upload(seeded, candidate, _pdf(1000), filename=filename), 422)


def test_a_candidate_id_that_is_not_one_is_refused_before_the_file_is_read(seeded):
    with nothing_kept(seeded):
        for candidate in ("...", "Kota Bandung", "kota-bandung%00"):
            refused(_upload(seeded, candidate, _pdf(1000)), 422)


def test_cycle_documents_too_large_too_deep_or_aliased_are_refused(seeded):
    refs = ",".join
    bomb = (
        "x-band: &b {min_ratio: 0.5, score: 1}\n"
        f"x-bands: &bs [{refs(['*b'] * 300)}]\n"
        "x-ind: &i {id: cov, name: C, weight: 1, method: computed, rule: {id: r, version: 1, bands: *bs}}\n"
        f"x-inds: &is [{refs(['*i'] * 300)}]\n"
        "x-cat: &c {id: a, name: A, segment: government, level: province, rubric: {version: 1, indicators: *is}}\n"
        f"cycle_id: {unique('bomb-')}\nedition_year: 2024\nname: B\ncategories: [{refs(['*c'] * 300)}]\n"
    )
    with nothing_kept(seeded):
        for document in ("name: " + "x" * 1_200_000, "[" * 50_000, bomb):
            refused(_post(seeded, "registration", "/cycle-documents", document.encode(), "application/yaml"), 422)


@pytest.mark.parametrize("path, body, content_type", [
    ("/candidates", b'\xff\xfe{"candidate_id": "x"}', "text/plain"),
    ("/cycles/demo-2024/stage", "to_stage: screening".encode("utf-16"), "application/yaml"),
    ("/cycle-documents", "name: Désa Sukamaju\n".encode("latin-1"), "application/yaml"),
])
def test_a_body_that_is_not_utf8_under_a_non_json_type_is_refused(seeded, path, body, content_type):
    with nothing_kept(seeded):
        refused(_post(seeded, "registration", path, body, content_type), 422)


@pytest.mark.parametrize("service, path, params", [
    ("evidence", "/candidates/kota-bandung/documents", {"indicator_id": "policy", "title": "t", "filename": "a.pdf"}),
    ("registration", "/candidates/import", {"cycle_id": "demo-2024"}),
    ("evidence", "/coverage-figures/import", {}),
])
def test_deeply_nested_json_to_a_route_without_a_json_body_is_refused(seeded, service, path, params):
    nested = b"[" * 100_000 + b"]" * 100_000
    with nothing_kept(seeded):
        response = _post(seeded, service, path, nested, "application/json", **params)
        assert 400 <= response.status_code < 500 and reason_of(response), response.text[:300]


def _chunked(body: bytes, size: int = 1 << 16):
    for start in range(0, len(body), size):
        yield body[start:start + size]


@pytest.mark.parametrize("declared", [True, False])
def test_a_json_body_past_the_cap_is_refused_before_it_is_read_whole(seeded, declared):
    body = b'{"candidate_id": "' + b"x" * (3 << 20) + b'"}'  # past the 2 MiB default
    headers = {**seeded.api.headers, "Content-Type": "application/json"}
    with nothing_kept(seeded):
        response = httpx.post(f"{seeded.services.url('registration')}/candidates", headers=headers,
                              content=body if declared else _chunked(body), timeout=60)
        refused(response, 413, "body_too_large")


@pytest.mark.parametrize("service", SERVICES)
def test_a_path_or_method_no_route_has_is_refused_with_a_rule(seeded, service):
    url, headers = seeded.services.url(service), seeded.api.headers
    refused(httpx.get(f"{url}/no-such-thing", headers=headers), 404, "not_found")
    refused(httpx.delete(f"{url}/health", headers=headers), 405, "method_not_allowed")
