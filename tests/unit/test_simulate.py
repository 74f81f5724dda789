"""The simulation's plan: the same seed gives the same cycle; the mix looks like the award's."""

from __future__ import annotations

from collections import Counter

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
    assert set(planned.withdrawn) <= set(ids) and planned.conflict[1] in ids
