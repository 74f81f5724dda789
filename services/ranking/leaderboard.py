"""Pure ranking: per-indicator aggregation, weighted totals, order with the rubric's tie-break."""

from __future__ import annotations

from statistics import mean, median
from typing import Any

from shared.contracts.cycle_config import Indicator, Rubric

AGGREGATE = {"mean": mean, "median": median}


def _values(indicator: Indicator, standing: dict[str, Any]) -> list[float]:
    if indicator.method == "interview":
        return [i["value"] for i in standing.get("interviews", {}).values()]
    return [
        s["value"] for s in standing.get("scores", {}).values() if s["current"] and s["indicator_id"] == indicator.id
    ]


def indicator_scores(rubric: Rubric, standing: dict[str, Any]) -> tuple[dict[str, float], list[str]]:
    """Aggregated score per indicator, and the indicators still lacking enough scores."""
    scores, missing = {}, []
    for indicator in rubric.indicators:
        values = _values(indicator, standing)
        needed = rubric.min_assessors if indicator.method == "judged" else 1
        if len(values) < needed:
            missing.append(indicator.id)
        else:
            scores[indicator.id] = round(AGGREGATE[rubric.aggregation](values), 6)
    return scores, missing


def row(rubric: Rubric, standing: dict[str, Any]) -> dict[str, Any]:
    scores, missing = indicator_scores(rubric, standing)
    total = None if missing else round(sum(i.weight * scores[i.id] for i in rubric.indicators), 6)
    return {
        "candidate_id": standing["candidate_id"],
        "name": standing.get("name"),
        "province": standing.get("province"),
        "total": total,
        "indicators": scores,
        "missing": missing,
        "coverage_ratio": standing.get("coverage", {}).get("ratio"),
    }


def leaderboard(rubric: Rubric, standings: list[dict[str, Any]]) -> dict[str, Any]:
    """Complete candidates ranked (ties broken by the rubric's order, then by id); incomplete and
    withdrawn candidates listed apart."""
    rows = [row(rubric, s) for s in standings if not s.get("withdrawn")]
    withdrawn = sorted((s["candidate_id"] for s in standings if s.get("withdrawn")))
    complete = [r for r in rows if r["total"] is not None]
    complete.sort(
        key=lambda r: (-r["total"], *(-r["indicators"][t] for t in rubric.tie_break), r["candidate_id"])
    )
    for place, r in enumerate(complete, start=1):
        r["rank"] = place
    incomplete = sorted((r for r in rows if r["total"] is None), key=lambda r: r["candidate_id"])
    return {"rubric_version": rubric.version, "ranked": complete, "incomplete": incomplete, "withdrawn": withdrawn}
