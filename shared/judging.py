"""Rules every person's score obeys, whether an assessor's or an interviewer's."""

from __future__ import annotations

from shared.commands import Rejected
from shared.contracts.cycle_config import Indicator, Rubric


def score_value(rubric: Rubric, indicator: Indicator, value: float | None, criteria: dict[str, float]) -> float:
    """The score the value or criteria give, refused unless they fit the indicator and the scale."""
    try:
        score = indicator.score_of(value, criteria)
    except ValueError as misfit:
        raise Rejected("criteria_mismatch", str(misfit), 422) from misfit
    scale = rubric.scale
    given = [*criteria.items(), (indicator.id, score)]
    outside = [f"{name} {v}" for name, v in given if not scale.min <= v <= scale.max]
    if outside:
        raise Rejected("score_outside_scale", f"{', '.join(outside)} outside the scale {scale.min}-{scale.max}", 422)
    return score
