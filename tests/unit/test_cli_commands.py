"""Every job the organisers' CLI is meant to cover has its command (the commands' behaviour is
tested against running services in tests/integration/test_cli.py)."""

from __future__ import annotations

from typer.testing import CliRunner

from paritrana.cli import app

JOBS = ("cycle", "candidates", "reference", "leaderboards", "explain", "audit", "rebuild", "dlq", "scenarios",
        "analytics", "proof", "token", "simulate")


def test_the_cli_lists_a_command_for_every_job():
    listed = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    assert [job for job in JOBS if f" {job} " not in listed.output] == []


def test_simulate_takes_the_seed_and_the_scale():
    shown = CliRunner().invoke(app, ["simulate", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert all(option in shown.output for option in ("--seed", "--villages", "--employers"))
