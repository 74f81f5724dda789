"""What the schemathesis run (tests/integration/test_fuzz.py) found, one test per fix: ids in paths
checked before a command is built from them, uploads typed (and refused) before they are kept,
file names and CSV encodings told apart, every 404 with a rule, imports bounded, and cycle
documents that cannot nest or alias their way into minutes of validation."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from pydantic import ValidationError

from services.evidence import documents
from services.evidence.http import routes as evidence_routes
from services.interview.http import routes as interview_routes
from services.ranking.analytics import Thresholds, panellists
from services.ranking.replay import up_to
from services.ranking.http import routes as ranking_routes
from services.registration.cycle_files import InvalidCycleDocument, parse
from services.registration.http import routes as registration_routes
from services.scoring.http import routes as scoring_routes
from shared import bulk
from shared.auth import Principal
from shared.blobs import BlobStore
from shared.commands import Outcome
from tests.unit.test_trail_and_explain import CYCLE
from tests.unit.test_whatif import LENIENT, lenient_facts


class EmptyStore:
    """A read store that knows nothing."""

    async def get(self, collection, doc_id):
        return None

    async def find(self, collection, where=None, **options):
        return []


class Refusing:
    """A runtime whose commands must never be sent: the route has to refuse first."""

    def __init__(self, tmp_path) -> None:
        self.store = EmptyStore()
        self.settings = SimpleNamespace(data_dir=tmp_path, namespace="t", max_document_bytes=1000,
                                        max_import_rows=1000)

    async def submit(self, *args, **kwargs) -> Outcome:
        raise AssertionError("a command was sent for input the route should have refused")


def client(routes, tmp_path) -> httpx.AsyncClient:
    """The routes as the service serves them, to an organiser (shared.access has let them in)."""
    app = FastAPI()

    @app.middleware("http")
    async def organiser(request, call_next):
        request.state.principal = Principal(id="organiser-1", role="organiser", provinces=["*"])
        request.state.correlation_id = "c-1"
        return await call_next(request)

    app.include_router(routes())
    app.state.runtime = Refusing(tmp_path)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


def kept_files(tmp_path) -> list[str]:
    return [p.name for p in tmp_path.rglob("*") if p.is_file()]


# --- ids in paths: a 500 (pydantic's error building the command) before -------------------------

@pytest.mark.parametrize("path, body", [
    ("/cycles/%0F/stage", {"to_stage": "screening"}),
    ("/cycles/Not A Slug/stage", {"to_stage": "screening"}),
    ("/candidates/%C3%87%40/withdrawal", {}),
])
async def test_a_path_id_that_is_not_a_slug_is_refused_before_the_command(tmp_path, path, body):
    async with client(registration_routes, tmp_path) as http:
        response = await http.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "path"


# --- uploads: typed before they are kept ----------------------------------------------------------

UPLOAD = {"indicator_id": "policy", "title": "Regulation", "filename": "perda.pdf"}


async def _upload(tmp_path, candidate: str, body: bytes, content_type: str, **params) -> httpx.Response:
    async with client(evidence_routes, tmp_path) as http:
        return await http.post(f"/candidates/{candidate}/documents", params={**UPLOAD, **params}, content=body,
                               headers={"Content-Type": content_type})


async def test_an_upload_for_a_candidate_id_that_is_not_a_slug_is_refused_and_not_kept(tmp_path):
    response = await _upload(tmp_path, "Kota Bandung", b"%PDF-1.7 x", "application/pdf")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["path", "candidate_id"]
    assert kept_files(tmp_path) == []


async def test_an_empty_upload_is_refused_with_a_reason(tmp_path):
    response = await _upload(tmp_path, "kota-bandung", b"", "text/csv", filename="figures.csv")
    assert (response.status_code, response.json()["detail"]["rule"]) == (422, "empty_file")
    assert kept_files(tmp_path) == []


async def test_a_file_of_another_type_than_declared_is_refused_and_not_kept(tmp_path):
    response = await _upload(tmp_path, "kota-bandung", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    assert (response.status_code, response.json()["detail"]["rule"]) == (415, "unsupported_file")
    assert kept_files(tmp_path) == []


async def test_a_store_check_that_refuses_keeps_nothing(tmp_path):
    async def chunks():
        yield b"some bytes"

    def refuse(stored):
        raise HTTPException(415, {"rule": "unsupported_file", "reason": "no"})

    with pytest.raises(HTTPException):
        await BlobStore(tmp_path).save(chunks(), 1000, refuse)
    assert kept_files(tmp_path) == []


@pytest.mark.parametrize("name", ["perda.pdf\n", "perda.pdf\r\n", "../perda.pdf", "/etc/passwd", "a\x00.pdf",
                                  ".hidden", "dir/perda.pdf", "C:\\perda.pdf", "perda\u202efdp.exe"])
def test_file_names_with_paths_or_control_characters_are_refused(name):
    with pytest.raises(HTTPException) as refused:
        documents.safe_filename(name)
    assert (refused.value.status_code, refused.value.detail["rule"]) == (422, "bad_filename")


def test_plain_file_names_pass():
    assert documents.safe_filename("Perda 4 (2023) final.pdf") == "Perda 4 (2023) final.pdf"


@pytest.mark.parametrize("body", [
    "nama,jumlah\nDésa Sukamaju,12\n".encode("latin-1"),
    "nama,jumlah\nDesa Sukamaju,12\n".encode("utf-16"),  # a byte order mark, then NUL bytes
    b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
])
def test_a_csv_document_must_be_utf8_text(body):
    with pytest.raises(HTTPException) as refused:
        documents.media_type_of(body[:16], "text/csv", "desa.csv", len(body))
    assert refused.value.status_code == 415


def test_a_utf8_character_cut_by_the_first_bytes_is_still_text():
    body = ("nama,jumlah,ké" + "é" * 10).encode()
    assert documents.media_type_of(body[:16], "text/csv", "desa.csv", len(body)) == "text/csv"


# --- every 404 names its rule ---------------------------------------------------------------------

@pytest.mark.parametrize("routes, path", [
    (registration_routes, "/cycles/demo-2024"),
    (registration_routes, "/candidates/kota-bandung"),
    (registration_routes, "/people/assessor-1"),
    (registration_routes, "/reference-data/bps-1999"),
    (evidence_routes, "/candidates/kota-bandung/evidence"),
    (evidence_routes, f"/candidates/kota-bandung/documents/{'a' * 64}"),
    (evidence_routes, "/directory/candidates/kota-bandung"),
    (evidence_routes, "/directory/cycles/demo-2024"),
    (evidence_routes, "/directory/panellists/demo-2024/assessor-1"),
    (scoring_routes, "/candidates/kota-bandung/scores"),
    (scoring_routes, "/candidates/kota-bandung/citable-evidence"),
    (interview_routes, "/candidates/kota-bandung/interview"),
    (interview_routes, "/shortlists/demo-2024/regency-city/provinces/jawa-barat"),
    (ranking_routes, "/standings/kota-bandung"),
    (ranking_routes, "/leaderboards/demo-2024/regency-city/provinces/jawa-barat"),
    (ranking_routes, "/leaderboards/demo-2024/regency-city/national"),
    (ranking_routes, "/publications/demo-2024/regency-city/provinces/jawa-barat"),
])
async def test_what_is_not_there_is_a_404_with_a_rule_and_a_reason(tmp_path, routes, path):
    async with client(routes, tmp_path) as http:
        response = await http.get(path)
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail["rule"] and detail["reason"], detail


# --- CSV imports: rows counted, reports bounded ---------------------------------------------------

async def _rows(text: str, max_rows: int) -> list[tuple[int, dict]]:
    async def lines():
        for line in text.split("\n"):
            yield line

    return [row async for row in bulk.rows(lines(), ("a", "b"), max_rows=max_rows)]


async def test_blank_lines_are_not_counted_as_rows():
    assert [n for n, _ in await _rows("a,b\n" + "\n" * 50 + "1,2\n3,4\n", max_rows=2)] == [52, 53]


async def test_a_file_past_the_row_limit_is_unreadable_whatever_its_rows():
    with pytest.raises(bulk.BadFile, match="more than 2 rows"):
        await _rows("a,b\n1,2\n3,4\n5,6\n", max_rows=2)


async def _lines_of(body: bytes) -> list[str]:
    async def chunks():
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    return [line async for line in bulk.lines(chunks())]


async def test_a_field_past_csvs_limit_is_a_rejected_row_not_an_error():
    text = "a,b\n1,2\n" + "x" * 200_000 + ",y\n3,4\n"
    found = await _rows(text, max_rows=10)
    assert [n for n, _ in found] == [2, 3, 4] and "field larger than field limit" in found[1][1]["__error__"]
    with pytest.raises(bulk.BadFile, match="the header is unreadable"):
        await _rows("a" * 200_000 + ",b\n1,2\n", max_rows=10)


async def test_a_line_without_end_is_refused_before_it_is_held_whole():
    with pytest.raises(bulk.BadFile, match="line 2 is longer than"):
        await _lines_of(b"a,b\n" + b"x" * (bulk.MAX_LINE + 65536))


def test_a_report_lists_the_first_rejected_rows_and_counts_them_all():
    validation = bulk.Validation(SimpleNamespace, "a")
    for line in range(2, bulk.MAX_REPORTED + 502):
        validation.reject(line, None, "malformed_row", "1 value for 2 columns")
    assert len(validation.rejected) == bulk.MAX_REPORTED and validation.rejected_total == bulk.MAX_REPORTED + 500
    assert bulk.RowsRejected(validation.rejected, validation.rejected_total).total == bulk.MAX_REPORTED + 500


# --- cycle documents: no recursion, no alias bombs ------------------------------------------------

@pytest.mark.parametrize("document", ["[" * 50_000, "categories: " + "[" * 2000 + "]" * 2000,
                                      "cycle_id: x\ncategories: [" + "{a: " * 900 + "1" + "}" * 900 + "]"])
def test_a_document_nested_too_deeply_is_invalid_not_an_error(document):
    with pytest.raises(InvalidCycleDocument, match="nested too deeply"):
        parse(document)


def test_a_document_whose_aliases_expand_past_the_limit_is_refused_at_once():
    """Three levels of 300 aliases: 1.5 KB of YAML, 27 million coverage bands to validate."""
    refs = ",".join
    document = (
        "x-band: &b {min_ratio: 0.5, score: 1}\n"
        f"x-bands: &bs [{refs(['*b'] * 300)}]\n"
        "x-ind: &i {id: cov, name: C, weight: 1, method: computed, rule: {id: r, version: 1, bands: *bs}}\n"
        f"x-inds: &is [{refs(['*i'] * 300)}]\n"
        "x-cat: &c {id: a, name: A, segment: government, level: province, rubric: {version: 1, indicators: *is}}\n"
        f"cycle_id: bomb\nedition_year: 2024\nname: B\ncategories: [{refs(['*c'] * 300)}]\n"
    )
    started = time.monotonic()
    with pytest.raises(InvalidCycleDocument, match="values once its aliases are followed"):
        parse(document)
    assert time.monotonic() - started < 5


# --- analytics thresholds: a window no date can be subtracted by ---------------------------------

@pytest.mark.parametrize("hours", [1.56e152, float("inf"), 24 * 366 + 1])
def test_a_deadline_window_past_a_year_is_refused(hours):
    with pytest.raises(ValidationError, match="near_deadline_hours"):
        Thresholds(near_deadline_hours=hours)


def test_the_widest_deadline_window_counts_every_early_score():
    facts = lenient_facts(lenient_from=datetime(2025, 2, 12, 16, 55, tzinfo=UTC))
    widest = panellists(up_to(facts.pairs), CYCLE, Thresholds(near_deadline_hours=24 * 366))
    # of the lenient assessor's eight scores, the five before the deadline (three came after it)
    assert {p["person_id"]: p["near_deadline"] for p in widest["people"]}[LENIENT] == 5
