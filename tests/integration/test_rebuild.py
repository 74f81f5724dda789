"""Rebuilding ranking's read models from offset zero gives the same digests as the live ones,
also when the ranking service was killed in the middle of the cycle; switching to the rebuilt
generation keeps every answer the same. Both backends."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from paritrana.cli import app
from paritrana.client import ApiError
from paritrana.scenario import board_path, play_demo

BOARD = board_path("demo-2024")


def _rebuilt(api, timeout: float = 120) -> dict:
    return api.wait_for("ranking", "/rebuilds", until=lambda s: "digests" in s, timeout=timeout)


def test_rebuild_after_a_cycle_with_ranking_killed_midway_gives_identical_digests(running):
    def kill_ranking_after_scores(step: str) -> None:
        if step == "scores":  # scores are still flowing into ranking when it dies
            running.services.kill("ranking")
            running.services.restart("ranking")

    board = play_demo(running.api, after_step=kill_ranking_after_scores)
    organiser = running.api.as_actor("organiser-1", "organiser")
    assert organiser.get("ranking", "/rebuilds")["active"] == 1
    started = organiser.post("ranking", "/rebuilds", {})
    assert started == {"building": 2}
    with pytest.raises(ApiError) as again:
        organiser.post("ranking", "/rebuilds", {})
    assert again.value.response.status_code == 409

    status = _rebuilt(running.api)
    assert status["identical"] is True, status["digests"]
    assert status["digests"]["1"] == status["digests"]["2"]
    switched = organiser.post("ranking", "/rebuilds/switch", {"generation": 2})
    assert switched["active"] == 2 and switched["retired"] == [1]
    assert running.api.get("ranking", BOARD) == board


def test_a_second_rebuild_after_the_switch_still_agrees_and_a_restart_keeps_the_live_generation(running):
    organiser = running.api.as_actor("organiser-1", "organiser")
    running.services.kill("ranking")
    running.services.restart("ranking")
    assert organiser.get("ranking", "/rebuilds")["active"] == 2
    assert organiser.post("ranking", "/rebuilds", {}) == {"building": 3}
    status = _rebuilt(running.api)
    assert status["identical"] is True
    with pytest.raises(ApiError) as wrong:
        organiser.post("ranking", "/rebuilds/switch", {"generation": 4})
    assert wrong.value.response.json()["detail"]["rule"] == "not_building"
    organiser.post("ranking", "/rebuilds/switch", {"generation": 3})
    board = running.api.get("ranking", BOARD)
    assert [r["total"] for r in board["ranked"]] == [84.6, 77.25, 74.5]


def test_the_cli_rebuilds_compares_and_switches(running):
    url = running.services.url("ranking")
    result = CliRunner().invoke(app, ["rebuild", "--json", "--ranking-url", url], env=_token_env(running))
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["generation"] == 4 and outcome["identical"] is True
    assert outcome["switched"]["active"] == 4 and outcome["switched"]["retired"] == [3]


def _token_env(running) -> dict[str, str]:
    return {"PARITRANA_TOKEN": running.api.token or ""}
