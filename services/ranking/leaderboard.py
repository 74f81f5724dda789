"""Pure ranking: per-indicator aggregation, stage totals, order with the rubric's tie-break."""

from __future__ import annotations

from typing import Any

from services.ranking.aggregation import Aggregate, aggregator, current_scores
from shared.contracts.cycle_config import Indicator, Rubric

STAGE_TOTAL = {"document": "document_total", "final": "total"}


def _no_show(standing: dict[str, Any]) -> str | None:
    return (standing.get("no_show") or {}).get("consequence")


def indicator_scores(
    rubric: Rubric, standing: dict[str, Any], aggregate: Aggregate | None = None
) -> tuple[dict[str, float], list[str]]:
    """Aggregated score per indicator, and the indicators still lacking enough scores. A no-show
    scored at the scale's minimum has that minimum on every interview indicator."""
    aggregate = aggregate or aggregator(rubric, [standing])
    found = current_scores(rubric, standing)
    scores: dict[str, float] = {}
    missing: list[str] = []
    for indicator in rubric.indicators:
        needed = rubric.min_assessors if indicator.method == "judged" else 1
        if indicator.method == "interview" and _no_show(standing) == "scale_minimum":
            scores[indicator.id] = rubric.scale.min
        elif len(found[indicator.id]) < needed:
            missing.append(indicator.id)
        else:
            scores[indicator.id] = round(aggregate(indicator, found[indicator.id]), 6)
    return scores, missing


def _weighted(indicators: list[Indicator], scores: dict[str, float], mean: bool) -> float | None:
    if not indicators or any(i.id not in scores for i in indicators):
        return None
    total = sum(i.weight * scores[i.id] for i in indicators)
    return round(total / sum(i.weight for i in indicators) if mean else total, 6)


def _in_stage(rubric: Rubric, stage: str) -> list[Indicator]:
    return [i for i in rubric.indicators if stage == "final" or i.method != "interview"]


def row(
    rubric: Rubric, standing: dict[str, Any], stage: str = "document", aggregate: Aggregate | None = None
) -> dict[str, Any]:
    scores, missing = indicator_scores(rubric, standing, aggregate)
    interviews = [i for i in rubric.indicators if i.method == "interview"]
    counted = {i.id for i in _in_stage(rubric, stage)}
    excluded, excluded_scorers = standing.get("excluded", {}), _excluded_scorers(standing)
    return {
        "candidate_id": standing["candidate_id"],
        "name": standing.get("name"),
        "province": standing.get("province"),
        "document_total": _weighted(_in_stage(rubric, "document"), scores, mean=True),
        "interview_total": _weighted(interviews, scores, mean=True),
        "total": _weighted(rubric.indicators, scores, mean=False),
        "indicators": scores,
        "missing": [m for m in missing if m in counted],
        "under_review": sorted(k for k, s in standing.get("scores", {}).items()
                               if s["current"] and "review" in s and s["assessor_id"] not in excluded),
        "coverage_ratio": standing.get("coverage", {}).get("ratio"),
        **({"excluded": excluded_scorers} if excluded_scorers else {}),
    }


def _excluded_scorers(standing: dict[str, Any]) -> list[str]:
    """The excluded people who scored this candidate (any score, amended or not)."""
    excluded = standing.get("excluded", {})
    given = [s["assessor_id"] for s in standing.get("scores", {}).values()]
    given += [s["interviewer_id"] for s in standing.get("interviews", {}).values()]
    return sorted(excluded.keys() & set(given))


def _ranked(rubric: Rubric, rows: list[dict[str, Any]], stage: str) -> dict[str, list[dict[str, Any]]]:
    by = STAGE_TOTAL[stage]
    tie_break = [t for t in rubric.tie_break if t in {i.id for i in _in_stage(rubric, stage)}]
    ranked = sorted(
        (r for r in rows if r[by] is not None),
        key=lambda r: (-r[by], *(-r["indicators"][t] for t in tie_break), r["candidate_id"]),
    )
    for place, r in enumerate(ranked, start=1):
        r["rank"] = place
    incomplete = sorted((r for r in rows if r[by] is None), key=lambda r: r["candidate_id"])
    return {"ranked": ranked, "incomplete": incomplete}


def leaderboard(
    rubric: Rubric, standings: list[dict[str, Any]], shortlist: list[str] | None = None
) -> dict[str, Any]:
    """The board of one stage. Withdrawn candidates are listed apart (ids) in both.

    Document stage (no shortlist): candidates complete on the indicators that are not interviews
    are ranked by `document_total`; the others are incomplete (never counted as zero).
    Final stage (the plenary's shortlist): shortlisted candidates complete on every indicator are
    ranked by `total`; a no-show whose consequence is "disqualified" is listed apart (ids), one
    scored at the scale's minimum takes that minimum on every interview indicator; shortlisted
    candidates without a standing yet are incomplete; the others are `not_shortlisted` (their
    document-stage rows, by id).
    Ties are broken by the rubric's tie-break indicators scored in that stage, then by id.

    Scores by a person excluded from the cycle (an adopted PanellistExcluded) never count, nor
    hold a board under review; the row of a candidate such a person scored names them (`excluded`).

    Totals: `document_total` and `interview_total` are weighted means over their indicators,
    `total` is the weighted sum over every indicator (the weights add up to 1); each None while
    an indicator it needs lacks scores. Judged indicators need `min_assessors` scores, computed
    and interview ones one.

    Aggregation of one indicator's current scores: mean, median, or trimmed_mean (sort, cut
    floor(n * trim_fraction) values from each end, mean of the rest). zscore adjusts each value
    given by a person (judged and interview indicators, never computed ones) before the mean:
    over all current scores of those indicators in `standings` (every candidate, withdrawn ones
    too, so a withdrawal or the stage does not move anyone's scores), each assessor or
    interviewer has a mean m_a and population standard deviation s_a, and all those scores
    together a mean M and population standard deviation S; a value v becomes
    M + S * (v - m_a) / s_a, or v - m_a + M when s_a is 0, clipped to the rubric's scale.
    """
    aggregate = aggregator(rubric, standings)
    active = [s for s in standings if not s.get("withdrawn")]
    board: dict[str, Any] = {
        "rubric_version": rubric.version,
        "aggregation": rubric.aggregation,
        "stage": "document" if shortlist is None else "final",
        "ranked": [],
        "incomplete": [],
        "withdrawn": sorted(s["candidate_id"] for s in standings if s.get("withdrawn")),
        "disqualified": [],
        "not_shortlisted": [],
    }
    if shortlist is None:
        return {**board, **_ranked(rubric, [row(rubric, s, "document", aggregate) for s in active], "document")}
    listed = set(shortlist)
    known = {s["candidate_id"] for s in standings}
    shortlisted = [s for s in active if s["candidate_id"] in listed]
    shortlisted += [{"candidate_id": c} for c in sorted(listed - known)]
    finalists = [s for s in shortlisted if _no_show(s) != "disqualified"]
    return {
        **board,
        **_ranked(rubric, [row(rubric, s, "final", aggregate) for s in finalists], "final"),
        "disqualified": sorted(s["candidate_id"] for s in shortlisted if _no_show(s) == "disqualified"),
        "not_shortlisted": sorted(
            (row(rubric, s, "document", aggregate) for s in active if s["candidate_id"] not in listed),
            key=lambda r: r["candidate_id"],
        ),
    }
