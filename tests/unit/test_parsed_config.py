"""A cycle's config is parsed once per distinct document, and parsed again once the document changes."""

from __future__ import annotations

import copy

from paritrana.scenario import demo_config
from shared.contracts.cycle_config import CycleConfig
from shared.directory import parsed_config


def test_the_same_config_is_parsed_once_and_a_changed_one_again():
    stored = CycleConfig.model_validate(demo_config()).model_dump(mode="json")
    first = parsed_config(stored)
    assert parsed_config(copy.deepcopy(stored)) is first  # equal documents, read again from the store
    changed = copy.deepcopy(stored)
    changed["name"] = "Paritrana Award 2024 (corrected)"
    again = parsed_config(changed)
    assert again is not first and again.name == "Paritrana Award 2024 (corrected)"
    assert parsed_config(stored) == first and parsed_config(stored).name != again.name
