"""Membership data: the snapshot's row checks and totals, the screening of every employer, and the
two aggregates' refusals (services/evidence/membership.py, membership_data.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from paritrana.employers import register
from services.evidence import membership
from services.evidence.membership_data import (
    ImportMembershipData, MembershipScreening, MembershipSnapshot, ScreeningContext, ScreeningState, ScreenMembership,
    screening_refusal,
)
from services.registration.cycle_files import parse
from shared.bulk import BadFile
from shared.commands import Rejected
from shared.contracts.evidence import MembershipDataImported

HEADER = ",".join(membership.COLUMNS)
CONFIG = parse((Path(membership.__file__).parents[1] / "registration/cycles/paritrana-2024.yaml").read_text())


def checked(lines) -> membership.MembershipFile:
    check = membership.MembershipFile()
    for line in lines:
        check.feed(line)
    check.finish()
    return check


def employers_of(lines) -> list[membership.Employer]:
    return list(membership.employers(line + "\n" for line in lines))


def test_a_generated_register_is_clean_and_its_totals_are_the_sums_of_its_rows():
    lines = list(register(seed=3, count=3000))
    check = checked(lines)
    assert (check.rejected_total, check.employers) == (0, 3000)
    rows = employers_of(lines)
    by_province = check.by_province()
    for province in {e.province for e in rows}:
        mine = [e for e in rows if e.province == province]
        region = by_province[province]
        assert region.employers == len(mine)
        assert region.workers_enrolled == sum(e.workers_enrolled for e in mine)
        assert region.workers_eligible == sum(e.workers_eligible for e in mine)
        assert region.in_arrears == sum(e.arrears_months > 0 for e in mine)
        assert region.by_size == dict(sorted(Counter(e.size for e in mine).items()))
    assert Counter(e.size for e in rows).most_common(1)[0][0] == "micro"


def test_the_same_seed_gives_the_same_register():
    assert list(register(7, 50)) == list(register(7, 50))
    assert list(register(7, 50)) != list(register(8, 50))


@pytest.mark.parametrize("row, rule", [
    ("00000001,PT A,finance,medium,jawa-barat,32.73,100,120,0", "enrolled_above_eligible"),
    ("00000001,PT A,finance,giant,jawa-barat,32.73,100,20,0", "bad_size"),
    ("00000001,PT A,Finance,medium,jawa-barat,32.73,100,20,0", "bad_sector"),
    ("00000001,PT A,finance,medium,jawa-barat,3273,100,20,0", "bad_regency_code"),
    ("00000001,PT A,finance,medium,jawa-barat,32.73,-1,0,0", "bad_count"),
    ("00000001,PT A,finance,medium,jawa-barat,32.73,100,20,two", "bad_count"),
    ("../etc,PT A,finance,medium,jawa-barat,32.73,100,20,0", "bad_employer_id"),
    ("00000001,,finance,medium,jawa-barat,32.73,100,20,0", "bad_name"),
    ("00000001,PT A,finance,medium,jawa-barat,32.73,100", "malformed_row"),
])
def test_a_bad_row_is_reported_with_its_line_and_rule(row, rule):
    good = "00000002,PT B,finance,large,jawa-barat,32.73,300,200,0"
    check = checked([HEADER, good, row])
    assert check.rejected_total == 1
    assert (check.rejected[0]["line"], check.rejected[0]["rule"]) == (3, rule)


def test_an_employer_twice_is_refused_and_a_quoted_name_with_a_comma_is_read():
    row = '00000001,"PT Maju, Tbk",finance,large,jawa-barat,32.73,300,200,0'
    check = checked([HEADER, row, row])
    assert [r["rule"] for r in check.rejected] == ["duplicate_in_file"]
    assert employers_of([HEADER, row])[0].name == "PT Maju, Tbk"


@pytest.mark.parametrize("lines, message", [([], "empty"), ([HEADER], "no employer rows"),
                                            (["employer_id,name"], "lacks the columns")])
def test_a_file_without_header_or_rows_is_unreadable(lines, message):
    with pytest.raises(BadFile, match=message):
        checked(lines)


def test_screening_counts_every_admitted_employer_and_puts_forward_the_best_per_province():
    rows = employers_of(list(register(seed=5, count=4000)))
    categories = membership.business_categories(CONFIG)
    result = membership.screen(rows, categories, per_province=2)
    expected_considered, expected_eligible, groups = Counter(), Counter(), {}
    for e in rows:
        category = next((c for c in categories if c.admits(e.sector, e.size)), None)
        if category is None:
            continue
        expected_considered[category.id] += 1
        ratio_ok = all(e.coverage >= r.value for r in category.eligibility if r.rule == "min_coverage_ratio")
        arrears_ok = e.arrears_months == 0 or all(r.rule != "no_arrears" for r in category.eligibility)
        if ratio_ok and arrears_ok:
            expected_eligible[category.id] += 1
            groups.setdefault((e.province, category.id), []).append(e)
    assert {c: s.considered for c, s in result.summary().items()} == dict(expected_considered)
    assert {c: s.eligible for c, s in result.summary().items()} == dict(expected_eligible)
    assert result.eligible == sum(expected_eligible.values()) < result.considered
    best = {key: sorted(group, key=lambda e: (-e.coverage, -e.workers_enrolled, e.employer_id))[:2]
            for key, group in groups.items()}
    rows_out = list(result.candidate_rows())
    assert len(rows_out) == result.nominated == sum(len(b) for b in best.values())
    assert rows_out == [[e.candidate_id, category, "business", e.name, province, e.regency_code, e.employer_id,
                         e.sector, e.size] for (province, category), b in sorted(best.items()) for e in b]


SNAPSHOT = dict(period="2025-02", employers=2, by_province={}, sha256="a" * 64, size=100, imported_by="bpjs")


def test_a_snapshot_is_imported_once():
    snapshot = MembershipSnapshot()
    [event] = snapshot.decide(ImportMembershipData(**SNAPSHOT), snapshot.initial_state(), None)
    assert isinstance(event, MembershipDataImported)
    with pytest.raises(Rejected) as refused:
        snapshot.decide(ImportMembershipData(**SNAPSHOT), snapshot.evolve(snapshot.initial_state(), event), None)
    assert refused.value.rule == "membership_data_already_imported"


SCREEN = dict(cycle_id="c-2024", period="2025-02", snapshot_sha256="a" * 64, considered=2, eligible=1,
              by_category={}, per_province=5, nominated=1, eligible_sha256="b" * 64, eligible_size=10,
              screened_by="organiser-1")


@pytest.mark.parametrize("context, rule", [
    (ScreeningContext(stage=None, snapshot_sha256="a" * 64), "unknown_cycle"),
    (ScreeningContext(stage="screening", snapshot_sha256="a" * 64), "wrong_stage"),
    (ScreeningContext(stage="registration", snapshot_sha256=None), "unknown_membership_data"),
    (ScreeningContext(stage="registration", snapshot_sha256="c" * 64), "membership_data_mismatch"),
])
def test_a_screening_is_refused_outside_registration_or_without_its_snapshot(context, rule):
    with pytest.raises(Rejected) as refused:
        MembershipScreening().decide(ScreenMembership(**SCREEN), ScreeningState(), context)
    assert refused.value.rule == rule


def test_a_cycle_is_screened_against_a_period_once():
    screening, context = MembershipScreening(), ScreeningContext(stage="registration", snapshot_sha256="a" * 64)
    [event] = screening.decide(ScreenMembership(**SCREEN), ScreeningState(), context)
    state = screening.evolve(ScreeningState(), event)
    assert screening_refusal("c-2024", "2025-02", state, context).rule == "membership_already_screened"
