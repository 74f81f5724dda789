"""What-if scenarios (pure): a cycle's events replayed into shadow read models with a scenario's
changes, and the rank changes that makes on every provincial board of the cycle.

A scenario (shared.contracts.ranking.ScenarioSpec) may
- aggregate otherwise: another method (and trim fraction) in every category of the cycle;
- weigh otherwise: indicator weights per category (each category's must still add up to 1);
- exclude people: every score an excluded assessor or interviewer gave in the cycle is ignored,
  the way an adopted exclusion (ScoresExcluded, projections.excluding) makes the live boards do,
  so that adopting the exclusion gives the live boards the scenario's;
- correct a coverage figure: each computed indicator of the candidate takes the score of the band
  the corrected ratio reaches, in place of the scores derived from the verified figure.

Both the baseline (what the live service answers) and the shadow are folded in memory from the
same events (services.ranking.replay); the live read models are never touched. Each change names
the candidate, its place before and after, by how much it moved, the indicators that changed, the
events whose scores the scenario treats otherwise (`causes`), and whom it overtook or was
overtaken by.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from services.ranking.aggregation import current_scores
from services.ranking.leaderboard import STAGE_TOTAL
from services.ranking.projections import excluding
from services.ranking.replay import Pair, Views, boards, places, views
from shared.contracts.cycle_config import CoverageRule, CycleConfig, Rubric
from shared.contracts.interview import InterviewScoreAmended, InterviewScored
from shared.contracts.ranking import CorrectedFigure, ScenarioSpec
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.directory import parsed_config
from shared.envelope import Envelope

SCORE_EVENTS = (IndicatorScored, ScoreAmended, InterviewScored, InterviewScoreAmended)
Board = tuple[str, str]  # (category id, province)


class ScenarioInvalid(ValueError):
    """The scenario does not fit the cycle; `rule` names what is wrong."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule, self.reason = rule, reason


def scenario_rubric(rubric: Rubric, weights: dict[str, float], spec: ScenarioSpec) -> Rubric:
    """The rubric as the scenario has it; refused (ScenarioInvalid) unless it is a valid rubric."""
    unknown = sorted(set(weights) - {i.id for i in rubric.indicators})
    if unknown:
        raise ScenarioInvalid("unknown_indicator", f"no indicators {unknown} in the rubric")
    changes: dict[str, Any] = {k: v for k, v in spec.model_dump(include={"aggregation", "trim_fraction"}).items()
                               if v is not None}
    indicators = [{**i.model_dump(), "weight": weights.get(i.id, i.weight)} for i in rubric.indicators]
    try:
        return Rubric.model_validate({**rubric.model_dump(), **changes, "indicators": indicators})
    except ValidationError as invalid:
        raise ScenarioInvalid("weights_invalid", invalid.errors()[0]["msg"]) from None


def scenario_config(config: CycleConfig, spec: ScenarioSpec) -> CycleConfig:
    """The cycle's configuration with the scenario's rubrics; ScenarioInvalid if they do not fit."""
    unknown = sorted(set(spec.weights) - {c.id for c in config.categories})
    if unknown:
        raise ScenarioInvalid("unknown_category", f"no categories {unknown} in cycle {config.cycle_id}")
    categories = [c.model_copy(update={"rubric": scenario_rubric(c.rubric, spec.weights.get(c.id, {}), spec)})
                  for c in config.categories]
    return config.model_copy(update={"categories": categories})


def band_score(rule: CoverageRule, ratio: float, floor: float) -> float:
    """The score of the highest band the ratio reaches (as scoring derives it); below every band, `floor`."""
    fitting = [b for b in rule.bands if ratio >= b.min_ratio]
    return max(fitting, key=lambda b: b.min_ratio).score if fitting else floor


def _with_figure(standing: dict, rubric: Rubric, figure: CorrectedFigure, label: str) -> dict:
    """The standing with each computed indicator scored from the corrected figure instead."""
    ratio = figure.workers_enrolled / figure.workers_eligible
    scores = dict(standing.get("scores", {}))
    for indicator in (i for i in rubric.indicators if i.method == "computed"):
        for score_id, s in list(scores.items()):
            if s["indicator_id"] == indicator.id and s["current"]:
                scores[score_id] = {**s, "current": False}
        scores[f"{label}:figure:{indicator.id}"] = {
            "indicator_id": indicator.id, "assessor_id": f"scenario:{indicator.rule.id}:v{indicator.rule.version}",
            "value": band_score(indicator.rule, ratio, rubric.scale.min), "current": True}
    coverage = {**standing.get("coverage", {}), "figure_id": f"{label}:figure",
                **figure.model_dump(exclude={"note"}), "ratio": ratio}
    return {**standing, "scores": scores, "coverage": coverage}


def shadow(known: Views, cycle_id: str, spec: ScenarioSpec, label: str = "scenario") -> Views:
    """The read models the cycle's events would give under the scenario (other cycles untouched)."""
    cycle = known.cycles.get(cycle_id)
    if cycle is None:
        raise ScenarioInvalid("unknown_cycle", f"no cycle {cycle_id} in the log")
    config = scenario_config(parsed_config(cycle["config"]), spec)
    unknown = sorted(set(spec.figures) - {c for c, s in known.standings.items() if s.get("cycle_id") == cycle_id})
    if unknown:
        raise ScenarioInvalid("unknown_candidate", f"no candidates {unknown} in cycle {cycle_id}")
    standings = {}
    for candidate_id, standing in known.standings.items():
        if standing.get("cycle_id") == cycle_id:
            for person in spec.excluded:
                standing = excluding(standing, person, label)
            category = config.category(standing.get("category_id", ""))
            if candidate_id in spec.figures and category is not None:
                standing = _with_figure(standing, category.rubric, spec.figures[candidate_id], label)
        standings[candidate_id] = standing
    cycles = {**known.cycles, cycle_id: {**cycle, "config": config.model_dump(mode="json")}}
    return Views(cycles, standings, known.shortlists)


def score_events(pairs: Iterable[Pair]) -> dict[tuple[str, str], Envelope]:
    """The event that gave each score, by (candidate id, score id)."""
    return {(e.candidate_id, e.score_id): envelope for envelope, e in pairs if isinstance(e, SCORE_EVENTS)}


def _position(board: dict, place: dict) -> dict[str, Any]:
    row = place["row"] or {}
    by = "document_total" if place["list"] == "not_shortlisted" else STAGE_TOTAL[board["stage"]]
    return {"list": place["list"], "rank": place["rank"], "total": row.get(by), "indicators": row.get("indicators", {})}


def _positions(board: dict | None) -> dict[str, dict[str, Any]]:
    return {p["candidate_id"]: _position(board, p) for p in places(board)} if board else {}


def _ranking(board: dict | None) -> list[dict[str, Any]]:
    by = STAGE_TOTAL[board["stage"]] if board else "total"
    ranked = (board or {}).get("ranked", [])
    return [{"candidate_id": r["candidate_id"], "rank": r["rank"], "total": r[by]} for r in ranked]


class _Causes:
    """Which of a candidate's scores the scenario treats otherwise, and why."""

    def __init__(self, known: Views, cycle_id: str, spec: ScenarioSpec, events: dict) -> None:
        self.known, self.spec, self.events = known, spec, events
        self.config = parsed_config(known.cycles[cycle_id]["config"])
        self.changed = scenario_config(self.config, spec)

    def __call__(self, candidate_id: str, indicators: dict[str, dict]) -> list[dict[str, Any]]:
        standing = self.known.standings.get(candidate_id, {"candidate_id": candidate_id})
        category_id = standing.get("category_id", "")
        category, changed = self.config.category(category_id), self.changed.category(category_id)
        if category is None:
            return []
        found = current_scores(category.rubric, standing)
        causes = []
        for indicator, new in zip(category.rubric.indicators, changed.rubric.indicators):
            why = self._why(indicator, new, candidate_id, category.rubric, indicator.id in indicators)
            reasons = [(score, why(score)) for score in found[indicator.id]]
            causes += [self._cause(candidate_id, indicator.id, score, r) for score, r in reasons if r]
        return causes

    def _why(self, indicator, new, candidate_id: str, rubric: Rubric, value_changed: bool):
        spec = self.spec
        reweighted = f"weight {indicator.weight:g} -> {new.weight:g}" if new.weight != indicator.weight else None
        aggregated = (f"aggregated by {spec.aggregation} instead of {rubric.aggregation}"
                      if spec.aggregation not in (None, rubric.aggregation) and indicator.method != "computed"
                      else None)

        def why(score) -> str | None:
            if score.person in spec.excluded:
                return f"scores by {score.person} are ignored"
            if indicator.method == "computed" and candidate_id in spec.figures:
                return "derived from the figure the scenario corrects"
            if value_changed:
                return aggregated or reweighted or "aggregated again from the scores the scenario leaves"
            return reweighted

        return why

    def _cause(self, candidate_id: str, indicator_id: str, score, because: str) -> dict[str, Any]:
        envelope = self.events.get((candidate_id, score.score_id))
        return {"event_id": envelope.event_id if envelope else None, "type": envelope.type if envelope else None,
                "score_id": score.score_id, "indicator_id": indicator_id, "by": score.person, "value": score.value,
                "because": because}


def _changes(before: dict | None, after: dict | None, causes: _Causes) -> list[dict[str, Any]]:
    old, new = _positions(before), _positions(after)
    changes = []
    for candidate_id in sorted(old.keys() | new.keys()):
        was, now = old.get(candidate_id, {}), new.get(candidate_id, {})
        if {k: was.get(k) for k in ("list", "rank", "total")} == {k: now.get(k) for k in ("list", "rank", "total")}:
            continue
        indicators = {i: {"before": was.get("indicators", {}).get(i), "after": now.get("indicators", {}).get(i)}
                      for i in sorted(was.get("indicators", {}).keys() | now.get("indicators", {}).keys())}
        indicators = {i: v for i, v in indicators.items() if v["before"] != v["after"]}
        ranked = was.get("rank") is not None and now.get("rank") is not None
        totals = was.get("total") is not None and now.get("total") is not None
        changes.append({
            "candidate_id": candidate_id,
            "before": {k: was.get(k) for k in ("list", "rank", "total")},
            "after": {k: now.get(k) for k in ("list", "rank", "total")},
            "moved": was["rank"] - now["rank"] if ranked else None,  # places up (negative: down)
            "total_change": round(now["total"] - was["total"], 6) if totals else None,
            "indicators": indicators,
            "causes": causes(candidate_id, indicators),
            "overtook": _crossed(old, new, candidate_id, above_before=True),
            "overtaken_by": _crossed(old, new, candidate_id, above_before=False),
        })
    return sorted(changes, key=lambda c: (c["after"]["rank"] is None, c["after"]["rank"] or 0, c["candidate_id"]))


def _crossed(old: dict, new: dict, candidate_id: str, above_before: bool) -> list[str]:
    """Candidates ranked above it before and below it after (or the other way round)."""
    def above(positions: dict, other: str) -> bool | None:
        mine, theirs = positions.get(candidate_id, {}).get("rank"), positions.get(other, {}).get("rank")
        return None if mine is None or theirs is None else theirs < mine

    others = sorted((old.keys() & new.keys()) - {candidate_id})
    return [o for o in others if above(old, o) is above_before and above(new, o) is (not above_before)]


def outcome(pairs: list[Pair], cycle_id: str, spec: ScenarioSpec, label: str = "scenario") -> dict[str, Any]:
    """Every board of the cycle before (as the live service has it) and under the scenario. Pass the
    events in order (replay.up_to). Raises ScenarioInvalid when the scenario does not fit the cycle."""
    known = views(pairs)
    altered = shadow(known, cycle_id, spec, label)
    causes = _Causes(known, cycle_id, spec, score_events(pairs))
    before = {(b["category_id"], b["province"]): b for b in boards(known, cycle_id)}
    after = {(b["category_id"], b["province"]): b for b in boards(altered, cycle_id)}
    found = []
    for category_id, province in sorted(before.keys() | after.keys()):
        old, new = before.get((category_id, province)), after.get((category_id, province))
        found.append({"category_id": category_id, "province": province, "stage": (new or old)["stage"],
                      "ranking_before": _ranking(old), "ranking_after": _ranking(new),
                      "changes": _changes(old, new, causes)})
    moved = [c for b in found for c in b["changes"] if c["moved"] or c["before"]["list"] != c["after"]["list"]]
    return {
        "cycle_id": cycle_id, "scenario": spec.model_dump(mode="json"),
        "events": len(pairs), "last_event_id": pairs[-1][0].event_id if pairs else None,
        "summary": {"boards": len(found), "boards_changed": sum(1 for b in found if b["changes"]),
                    "candidates_moved": len(moved)},
        "boards": found,
    }


def compare(outcomes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Several scenarios' outcomes side by side: per board, each candidate's rank in the baseline and
    under each scenario, and whether the scenarios give one order."""
    rows: dict[Board, dict[str, dict[str, Any]]] = {}
    for name, result in outcomes.items():
        for board in result["boards"]:
            ranks = rows.setdefault((board["category_id"], board["province"]), {})
            for entry in board["ranking_before"]:
                ranks.setdefault(entry["candidate_id"], {})["baseline"] = entry["rank"]
            for entry in board["ranking_after"]:
                ranks.setdefault(entry["candidate_id"], {})[name] = entry["rank"]
    compared = []
    for (category_id, province), ranks in sorted(rows.items()):
        orders = {name: sorted((c for c in ranks if ranks[c].get(name)), key=lambda c: ranks[c][name])
                  for name in outcomes}
        listed = sorted(ranks, key=lambda c: (ranks[c].get("baseline") is None, ranks[c].get("baseline") or 0, c))
        compared.append({"category_id": category_id, "province": province,
                         "candidates": [{"candidate_id": c, "ranks": {n: ranks[c].get(n) for n in
                                                                       ["baseline", *outcomes]}} for c in listed],
                         "same_order": len({tuple(o) for o in orders.values()}) <= 1})
    return {"scenarios": list(outcomes), "boards": compared}
