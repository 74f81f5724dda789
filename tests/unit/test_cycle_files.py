"""The shipped cycle configurations validate, and bad documents say which field is wrong."""

from __future__ import annotations

import pytest

from services.registration.cycle_files import InvalidCycleDocument, parse, shipped
from shared.contracts.cycle_config import STAGES

PROVINCIAL_2023 = {
    "regency-city", "village", "business-finance", "business-trade-services",
    "business-mining-manufacturing-construction", "business-agriculture-livestock-plantation-fisheries",
    "business-education", "small-micro",
}


@pytest.mark.parametrize("name", ["paritrana-2022", "paritrana-2023", "paritrana-2024", "demo"])
def test_shipped_configurations_validate_with_every_stage(name):
    config = shipped(name)
    assert [w.stage for w in config.stages] == list(STAGES)
    for category in config.categories:
        assert abs(sum(i.weight for i in category.rubric.indicators) - 1) < 1e-9


def test_editions_have_the_categories_of_the_domain_brief():
    assert {c.id for c in shipped("paritrana-2022").categories} == {
        "province", "regency-city", "business-large", "business-medium", "public-service"}
    # 2023: eight categories awarded in a province (24 awards = 3 places x 8) plus provinces nationally
    assert {c.id for c in shipped("paritrana-2023").categories} == PROVINCIAL_2023 | {"province"}
    small = next(c for c in shipped("paritrana-2024").categories if c.id == "small-micro")
    assert {i.id for i in small.rubric.indicators} == {"compliance", "performance"}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("cycle_id: x\nedition_year: 1990\nname: n\ncategories: []", ["edition_year", "categories"]),
        ("[1, 2]", ["document"]),
        ("cycle_id: [unclosed", ["document"]),
    ],
)
def test_invalid_documents_name_each_wrong_field(text, where):
    with pytest.raises(InvalidCycleDocument) as invalid:
        parse(text)
    message = str(invalid.value)
    assert all(field in message for field in where), message


def test_weights_that_do_not_add_up_are_refused():
    text = (shipped_text := open("services/registration/cycles/demo.yaml").read()).replace("weight: 0.3", "weight: 0.4")
    assert shipped_text != text
    with pytest.raises(InvalidCycleDocument, match="weights must add up to 1"):
        parse(text)
