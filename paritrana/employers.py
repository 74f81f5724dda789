"""A seeded register of employers as BPJS Ketenagakerjaan would export it (membership data), for
demos, tests and benchmarks: `python -m paritrana.employers SEED COUNT > employers.csv`.

Plausible, not real: sizes as in February 2025 (839,937 employers, 677,820 of them micro),
employers spread over the regencies/cities of the reference data with more of them on Java,
workers per employer by size class, coverage ratios spread between none and all, and some
employers in arrears."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from itertools import accumulate

from services.evidence.membership import COLUMNS
from services.registration import reference

FULL_REGISTER = 839_937
SIZES = (("micro", 677_820), ("small", 104_000), ("medium", 39_000), ("large", 19_117))
WORKERS = {"micro": (1, 9), "small": (10, 49), "medium": (50, 249), "large": (250, 5000)}
SECTORS = ("finance", "trade-services", "mining-manufacturing-construction",
           "agriculture-livestock-plantation-fisheries", "education")
SECTOR_WEIGHTS = (5, 45, 25, 20, 5)
JAVA_WEIGHT = 3  # employers per regency on Java (and Bali) against elsewhere
FORMS = ("CV", "PT", "UD", "Koperasi", "Yayasan")
WORDS = ("Sumber", "Rejeki", "Makmur", "Jaya", "Abadi", "Sejahtera", "Mandiri", "Karya", "Bersama", "Nusantara")
ARREARS_SHARE = 0.08


def register(seed: int, count: int, version: str = "kemendagri-2024") -> Iterator[str]:
    """The CSV lines (header first) of `count` employers, the same for the same seed."""
    rng = random.Random(seed)
    regions = reference.load(version)
    regencies = list(regions.regencies.values())
    weights = [JAVA_WEIGHT if regions.provinces[r.province_id].zone == "jawa-bali" else 1 for r in regencies]
    regency_cum, sizes = list(accumulate(weights)), [s for s, _ in SIZES]
    size_cum, sector_cum = list(accumulate(n for _, n in SIZES)), list(accumulate(SECTOR_WEIGHTS))
    yield ",".join(COLUMNS)
    for n in range(1, count + 1):
        regency = rng.choices(regencies, cum_weights=regency_cum)[0]
        size = rng.choices(sizes, cum_weights=size_cum)[0]
        eligible = rng.randint(*WORKERS[size])
        enrolled = round(eligible * rng.betavariate(2.5, 1.5))
        arrears = rng.randint(1, 12) if rng.random() < ARREARS_SHARE else 0
        name = f"{rng.choice(FORMS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
        sector = rng.choices(SECTORS, cum_weights=sector_cum)[0]
        yield (f"{n:08d},{name},{sector},{size},{regency.province_id},{regency.code},"
               f"{eligible},{enrolled},{arrears}")


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    count = int(sys.argv[2]) if len(sys.argv) > 2 else FULL_REGISTER
    out = sys.stdout
    for line in register(seed, count):
        out.write(line + "\n")


if __name__ == "__main__":
    main()
