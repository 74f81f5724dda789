"""CycleConfig / Rubric validation: what a cycle's configuration accepts and what it refuses."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from shared.contracts.cycle_config import STAGES, CycleConfig, Rubric

BANDS = [{"min_ratio": 0.0, "score": 20}, {"min_ratio": 0.3, "score": 50},
         {"min_ratio": 0.5, "score": 70}, {"min_ratio": 0.7, "score": 90}]


def rubric_doc() -> dict:
    return {
        "version": 1,
        "scale": {"min": 0, "max": 100},
        "aggregation": "mean",
        "min_assessors": 1,
        "tie_break": ["interview", "coverage"],
        "indicators": [
            {"id": "policy", "name": "Policy", "weight": 0.25, "method": "judged"},
            {"id": "implementation", "name": "Implementation", "weight": 0.25, "method": "judged"},
            {"id": "coverage", "name": "Coverage", "weight": 0.3, "method": "computed",
             "rule": {"id": "coverage-bands", "version": 1, "bands": copy.deepcopy(BANDS)}},
            {"id": "interview", "name": "Interview", "weight": 0.2, "method": "interview"},
        ],
    }


def stages_doc(start: date = date(2025, 1, 6)) -> list[dict]:
    return [{"stage": s, "opens": str(start + timedelta(days=7 * n)), "closes": str(start + timedelta(days=7 * n + 3))}
            for n, s in enumerate(STAGES)]


def config_doc() -> dict:
    return {
        "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
        "stages": stages_doc(),
        "categories": [{"id": "regency-city", "name": "Best regency/city", "segment": "government",
                        "level": "regency_city", "rubric": rubric_doc()}],
    }


def refused(doc: dict, model=CycleConfig) -> str:
    with pytest.raises(ValidationError) as error:
        model.model_validate(doc)
    return str(error.value)


# the valid baseline ------------------------------------------------------------------------

def test_baseline_config_is_valid_and_has_the_documented_defaults():
    config = CycleConfig.model_validate(config_doc())
    assert config.config_version == 1
    assert config.reference_data_version == "kemendagri-2024"
    rubric = config.category("regency-city").rubric
    assert (rubric.shortlist_size, rubric.national_nominees, rubric.min_assessors) == (5, 1, 1)
    assert rubric.indicator("coverage").rule.bands[2].score == 70
    assert rubric.indicator("nothing") is None
    assert config.category("village") is None


def test_scale_defaults_to_0_100_and_stages_may_be_omitted():
    doc = config_doc()
    del doc["stages"]
    del doc["categories"][0]["rubric"]["scale"]
    config = CycleConfig.model_validate(doc)
    assert config.stages == []
    assert (config.categories[0].rubric.scale.min, config.categories[0].rubric.scale.max) == (0, 100)


def test_config_is_frozen():
    config = CycleConfig.model_validate(config_doc())
    with pytest.raises(ValidationError):
        config.cycle_id = "other"  # type: ignore[misc]


def test_weights_that_sum_to_one_only_within_float_error_are_accepted():
    doc = rubric_doc()
    doc["tie_break"] = []
    doc["indicators"] = [{"id": f"i{n}", "name": "x", "weight": 0.1, "method": "judged"} for n in range(10)]
    assert sum([0.1] * 10) != 1  # 0.9999999999999999
    assert len(Rubric.model_validate(doc).indicators) == 10


def test_sub_indicators_adding_up_to_one_are_accepted():
    doc = rubric_doc()
    doc["indicators"][0]["sub_indicators"] = [{"id": "perda", "name": "Perda", "weight": 0.6},
                                              {"id": "perkada", "name": "Perkada", "weight": 0.4}]
    assert [s.id for s in Rubric.model_validate(doc).indicators[0].sub_indicators] == ["perda", "perkada"]


# what a rubric refuses --------------------------------------------------------------------

def _rubric(change) -> dict:
    doc = rubric_doc()
    change(doc)
    return doc


def _set(path: str, value):
    def change(doc):
        target = doc
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return change


@pytest.mark.parametrize(
    "change, message",
    [
        (_set("indicators.0.weight", 0.3), "indicator weights must add up to 1"),
        (_set("indicators.0.weight", 0.0), "greater than 0"),
        (_set("indicators.0.weight", 1.5), "less than or equal to 1"),
        (_set("indicators.1.id", "policy"), "indicator ids must be unique"),
        (_set("indicators.0.id", "Policy"), "should match pattern"),
        (_set("indicators.0.name", ""), "at least 1 character"),
        (_set("indicators.0.method", "guessed"), "'judged', 'computed' or 'interview'"),
        (_set("indicators", []), "at least 1 item"),
        (_set("tie_break", ["interview", "charisma"]), "tie_break names unknown indicators: ['charisma']"),
        (_set("aggregation", "mode"), "'trimmed_mean' or 'zscore'"),
        (_set("min_assessors", 0), "greater than or equal to 1"),
        (_set("shortlist_size", 0), "greater than or equal to 1"),
        (_set("national_nominees", 0), "greater than or equal to 1"),
        (_set("version", 0), "greater than or equal to 1"),
        (_set("scale", {"min": 100, "max": 100}), "scale min must be below max"),
        (_set("scale", {"min": 50, "max": 10}), "scale min must be below max"),
        (_set("indicators.2.rule.bands.3.score", 101), "band score 101.0 of coverage is outside the scale"),
        (_set("indicators.2.rule.bands.0.score", -1), "band score -1.0 of coverage is outside the scale"),
        (_set("indicators.2.rule.bands.0.min_ratio", 1.2), "less than or equal to 1"),
        (_set("indicators.2.rule.bands.0.min_ratio", -0.1), "greater than or equal to 0"),
        (_set("indicators.2.rule.bands", []), "at least 1 item"),
        (_set("indicators.2.rule.version", 0), "greater than or equal to 1"),
        (_set("indicators.2.rule", None), "a computed indicator needs a rule"),
        (_set("indicators.0.rule", {"id": "r", "version": 1, "bands": BANDS}), "a computed indicator needs a rule"),
        (_set("indicators.0.sub_indicators", [{"id": "a", "name": "A", "weight": 0.5},
                                              {"id": "b", "name": "B", "weight": 0.4}]),
         "sub-indicator weights of policy must add up to 1"),
        (_set("indicators.0.extra", 1), "Extra inputs are not permitted"),
        (_set("weights", {}), "Extra inputs are not permitted"),
    ],
)
def test_rubric_rules(change, message):
    assert message in refused(_rubric(change), Rubric)


def test_band_score_on_a_custom_scale_must_fit_that_scale():
    doc = rubric_doc()
    doc["scale"] = {"min": 1, "max": 5}
    assert "band score 20.0 of coverage is outside the scale" in refused(doc, Rubric)
    doc["indicators"][2]["rule"]["bands"] = [{"min_ratio": 0, "score": 1}, {"min_ratio": 0.5, "score": 5}]
    assert Rubric.model_validate(doc).scale.max == 5


# what a cycle refuses ---------------------------------------------------------------------

def _config(change) -> dict:
    doc = config_doc()
    change(doc)
    return doc


def _swap_stages(doc):
    doc["stages"][1], doc["stages"][2] = doc["stages"][2], doc["stages"][1]


def _second_category(doc):
    doc["categories"].append(copy.deepcopy(doc["categories"][0]))


@pytest.mark.parametrize(
    "change, message",
    [
        (_set("cycle_id", "Demo 2024"), "should match pattern"),
        (_set("cycle_id", "d" * 65), "should match pattern"),
        (_set("edition_year", 2016), "greater than or equal to 2017"),
        (_set("edition_year", 2101), "less than or equal to 2100"),
        (_set("name", ""), "at least 1 character"),
        (_set("config_version", 0), "greater than or equal to 1"),
        (_set("reference_data_version", ""), "at least 1 character"),
        (_set("categories", []), "at least 1 item"),
        (_second_category, "category ids must be unique"),
        (_set("categories.0.segment", "ngo"), "'government' or 'business'"),
        (_set("categories.0.level", "district"), "'province', 'regency_city'"),
        (_set("categories.0.eligibility", [{"rule": "looks_nice"}]), "'min_coverage_ratio', 'no_arrears'"),
        (lambda d: d["stages"].pop(), "stages must list every stage once, in order"),
        (_swap_stages, "stages must list every stage once, in order"),
        (lambda d: d["stages"].append(d["stages"][-1]), "stages must list every stage once, in order"),
        (_set("stages.3.opens", "2025-01-07"), "stage plenary opens before assessment"),
        (_set("stages.0.closes", "2025-01-05"), "stage registration closes before it opens"),
        (_set("stages.0.stage", "appeal"), "Input should be 'registration'"),
    ],
)
def test_cycle_rules(change, message):
    assert message in refused(_config(change))


def test_a_one_day_stage_and_stages_opening_the_same_day_are_accepted():
    doc = config_doc()
    doc["stages"][3]["opens"] = doc["stages"][3]["closes"] = doc["stages"][2]["opens"]
    config = CycleConfig.model_validate(doc)
    assert config.stages[3].opens == config.stages[2].opens == config.stages[3].closes


def test_stages_are_the_nine_of_the_brief_in_order():
    assert STAGES == ("registration", "screening", "assessment", "plenary", "interview", "provincial_results",
                      "national_round", "national_results", "closed")


def test_categories_of_a_cycle_are_found_by_id():
    doc = config_doc()
    village = copy.deepcopy(doc["categories"][0]) | {"id": "village", "level": "village", "name": "Best village"}
    doc["categories"].append(village)
    config = CycleConfig.model_validate(doc)
    assert config.category("village").level == "village"
    assert config.category("regency-city").level == "regency_city"


def test_config_round_trips_through_json():
    config = CycleConfig.model_validate(config_doc())
    assert CycleConfig.model_validate_json(config.model_dump_json()) == config



@pytest.mark.parametrize(
    "rule, message",
    [
        ({"rule": "min_coverage_ratio"}, "min_coverage_ratio needs a value between 0 and 1"),
        ({"rule": "min_coverage_ratio", "value": 1.5}, "min_coverage_ratio needs a value between 0 and 1"),
        ({"rule": "min_coverage_ratio", "value": -0.1}, "min_coverage_ratio needs a value between 0 and 1"),
        ({"rule": "documents_required"}, "documents_required needs the indicators"),
        ({"rule": "documents_required", "indicators": ["policy", "charisma"]},
         "eligibility rule documents_required of regency-city names unknown indicators ['charisma']"),
    ],
    ids=["ratio-without-value", "ratio-above-one", "ratio-below-zero", "documents-for-nothing",
         "documents-for-unknown-indicator"],
)
def test_meaningless_eligibility_rules_are_refused(rule, message):
    doc = config_doc()
    doc["categories"][0]["eligibility"] = [rule]
    assert message in refused(doc)


def test_meaningful_eligibility_rules_are_accepted():
    doc = config_doc()
    doc["categories"][0]["eligibility"] = [
        {"rule": "min_coverage_ratio", "value": 0}, {"rule": "min_coverage_ratio", "value": 1},
        {"rule": "no_arrears"}, {"rule": "documents_required", "indicators": ["policy", "implementation"]}]
    rules = CycleConfig.model_validate(doc).categories[0].eligibility
    assert [(r.rule, r.value, r.indicators) for r in rules] == [
        ("min_coverage_ratio", 0, []), ("min_coverage_ratio", 1, []), ("no_arrears", None, []),
        ("documents_required", None, ["policy", "implementation"])]


@pytest.mark.parametrize(
    "sector, size, candidate_sector, candidate_size, admitted",
    [
        (None, None, None, None, True),
        (None, None, "finance", "large", True),
        ("finance", None, "finance", "small", True),
        ("finance", None, "trade", None, False),
        ("finance", None, None, None, False),
        (None, "large", "trade", "large", True),
        (None, "large", "trade", "medium", False),
        (None, "large", "trade", None, False),
        (None, "medium-large", None, "medium", True),
        (None, "medium-large", None, "large", True),
        (None, "medium-large", None, "small", False),
        ("finance", "medium-large", "finance", "large", True),
        ("finance", "medium-large", "trade", "large", False),
    ],
)
def test_a_category_admits_businesses_of_its_sector_and_size(sector, size, candidate_sector, candidate_size,
                                                             admitted):
    doc = config_doc()["categories"][0] | {"segment": "business", "level": "business", "sector": sector,
                                           "size": size}
    category = CycleConfig.model_validate({**config_doc(), "categories": [doc]}).categories[0]
    assert category.admits(candidate_sector, candidate_size) is admitted
