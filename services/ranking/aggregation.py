"""Per-indicator aggregation: a candidate's current scores on one indicator become one score, by
the rubric's method (mean, median, trimmed mean, or mean of z-score adjusted values)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from math import floor
from statistics import mean, median, pstdev
from typing import Any, NamedTuple

from shared.contracts.cycle_config import Indicator, Rubric


class Score(NamedTuple):
    score_id: str
    person: str  # the assessor or interviewer who gave it, or the rule that derived it
    value: float


Aggregate = Callable[[Indicator, list[Score]], float]


def current_scores(rubric: Rubric, standing: dict[str, Any]) -> dict[str, list[Score]]:
    """Each rubric indicator's current scores. An interview score without an indicator (the first
    interview contract had none) counts for every interview indicator of the rubric. Scores by a
    person excluded from the candidate's cycle (`excluded`, see projections.excluding) never count."""
    found: dict[str, list[Score]] = {i.id: [] for i in rubric.indicators}
    interview_ids = [i.id for i in rubric.indicators if i.method == "interview"]
    excluded = standing.get("excluded", {})
    for score_id, s in standing.get("scores", {}).items():
        if s["assessor_id"] in excluded:
            continue
        if s["current"] and s["indicator_id"] in found and s["indicator_id"] not in interview_ids:
            found[s["indicator_id"]].append(Score(score_id, s["assessor_id"], s["value"]))
    for score_id, s in standing.get("interviews", {}).items():
        # standings built before part 2 have no `current`
        if not s.get("current", True) or s["interviewer_id"] in excluded:
            continue
        for indicator_id in interview_ids if s.get("indicator_id") is None else [s["indicator_id"]]:
            if indicator_id in interview_ids:
                found[indicator_id].append(Score(score_id, s["interviewer_id"], s["value"]))
    return found


def trimmed_mean(values: list[float], fraction: float) -> float:
    """The mean of what is left after cutting floor(n * fraction) values from each end of their order."""
    cut = floor(len(values) * fraction + 1e-9)  # 100 * 0.29 is 28.999999999999996
    return mean(sorted(values)[cut : len(values) - cut])


def aggregator(rubric: Rubric, standings: Iterable[dict[str, Any]]) -> Aggregate:
    """The rubric's aggregation; under z-score, people's scores are adjusted against everything
    they scored in `standings` (see `leaderboard` for the formula)."""
    if rubric.aggregation == "zscore":
        adjust = zscore_adjustment(rubric, standings)
        return lambda indicator, scores: mean(
            s.value if indicator.method == "computed" else adjust(s) for s in scores
        )
    combine = {
        "mean": mean,
        "median": median,
        "trimmed_mean": lambda values: trimmed_mean(values, rubric.trim_fraction),
    }[rubric.aggregation]
    return lambda _indicator, scores: combine([s.value for s in scores])


def zscore_adjustment(rubric: Rubric, standings: Iterable[dict[str, Any]]) -> Callable[[Score], float]:
    """A score given by a person, moved from that person's own mean and spread onto the pooled
    ones, and clipped to the rubric's scale."""
    given = _given_by_people(rubric, standings)
    pooled = [s.value for s in given]
    centre, spread = (mean(pooled), pstdev(pooled)) if pooled else (0.0, 0.0)
    by_person: dict[str, list[float]] = defaultdict(list)
    for s in given:
        by_person[s.person].append(s.value)
    own = {person: (mean(values), pstdev(values)) for person, values in by_person.items()}

    def adjust(score: Score) -> float:
        own_mean, own_spread = own[score.person]
        if own_spread > 0:
            value = centre + spread * (score.value - own_mean) / own_spread
        else:
            value = score.value - own_mean + centre
        return min(max(value, rubric.scale.min), rubric.scale.max)

    return adjust


def _given_by_people(rubric: Rubric, standings: Iterable[dict[str, Any]]) -> list[Score]:
    """Every current judged or interview score, once, though an interview score without an
    indicator serves several indicators."""
    once: dict[tuple[str, str, str], Score] = {}
    for standing in standings:
        found = current_scores(rubric, standing)
        for indicator in rubric.indicators:
            if indicator.method != "computed":
                for s in found[indicator.id]:
                    once[(standing["candidate_id"], indicator.method, s.score_id)] = s
    return list(once.values())
