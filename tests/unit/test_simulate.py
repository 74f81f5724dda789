"""The simulation's plan: the same seed gives the same cycle; the mix looks like the award's."""

from __future__ import annotations

from collections import Counter

import pytest

from paritrana.simulate import plan


def test_the_same_seed_plans_the_same_cycle_and_another_seed_another():
    assert plan(5, villages=10, employers=50) == plan(5, villages=10, employers=50)
    assert plan(5, villages=10, employers=50).candidates != plan(6, villages=10, employers=50).candidates


def test_every_category_of_the_province_is_there_and_most_employers_are_micro():
    planned = plan(11, province="bali", villages=20, employers=400)
    kinds = Counter(c.kind for c in planned.candidates)
    assert kinds == {"province": 1, "regency_city": 9, "village": 20, "business": 400}
    sizes = Counter(c.size for c in planned.candidates if c.kind == "business")
    assert sizes["micro"] > sizes["small"] > sizes["medium"] > sizes["large"] > 0
    assert all(c.category == "small-micro" for c in planned.candidates if c.size in ("micro", "small"))
    assert {c.category for c in planned.candidates if c.size in ("medium", "large")} <= {
        "business-finance", "business-trade-services", "business-mining-manufacturing-construction",
        "business-agriculture-livestock-plantation-fisheries", "business-education"}


def test_figures_are_plausible_and_some_employers_are_in_arrears():
    planned = plan(3, villages=30, employers=400)
    assert all(0 <= c.enrolled <= c.eligible for c in planned.candidates)
    ratios = [c.enrolled / c.eligible for c in planned.candidates]
    assert min(ratios) < 0.4 < 0.7 < max(ratios)
    assert 0 < sum(1 for c in planned.candidates if c.arrears) < 60


def test_villages_are_real_villages_of_the_province_and_ids_are_unique():
    planned = plan(2, province="bali", villages=25, employers=10)
    villages = [c for c in planned.candidates if c.kind == "village"]
    assert all(c.village.startswith("51.") and c.village.startswith(c.regency) for c in villages)
    ids = [c.id for c in planned.candidates]
    assert len(ids) == len(set(ids)) and all(len(i) <= 64 for i in ids)
    assert set(planned.withdrawn) <= set(ids) and planned.conflicts == [("assessor-2-bali", planned.conflicts[0][1])]
    assert planned.conflicts[0][1] in ids


def test_a_zone_is_every_province_of_it_each_with_its_own_candidates_and_conflict():
    planned = plan(8, province="bali", villages=3, employers=12, scale="zone")
    assert planned.provinces == ["dki-jakarta", "jawa-barat", "jawa-tengah", "di-yogyakarta", "jawa-timur",
                                 "banten", "bali"]
    by_province = Counter((c.province, c.kind) for c in planned.candidates)
    assert all(by_province[p, "province"] == 1 and by_province[p, "village"] == 3 and by_province[p, "business"] == 12
               for p in planned.provinces)
    assert {c.province for c in planned.candidates if c.kind == "regency_city"} == set(planned.provinces)
    owners = {c.id: c.province for c in planned.candidates}
    assert [(a, owners[c]) for a, c in planned.conflicts] == [(f"assessor-2-{p}", p) for p in planned.provinces]
    ids = [c.id for c in planned.candidates]
    assert len(ids) == len(set(ids))


def test_the_nation_is_38_provinces_and_514_regencies_and_cities():
    planned = plan(1, villages=1, employers=2, scale="national")
    kinds = Counter(c.kind for c in planned.candidates)
    assert kinds == {"province": 38, "regency_city": 514, "village": 38, "business": 76}
    assert len(planned.conflicts) == 38 and plan(1, villages=1, employers=2, scale="national") == planned


def test_an_unknown_scale_or_province_is_refused():
    with pytest.raises(ValueError, match="unknown scale"):
        plan(1, scale="planet")
    with pytest.raises(ValueError, match="unknown province"):
        plan(1, province="atlantis")
