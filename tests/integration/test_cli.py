"""The `paritrana` commands against the five services (embedded; the CLI only speaks HTTP): a cycle
opened from its document, candidates and reference data imported, stages advanced, leaderboards of
every level shown, scenarios previewed, run and compared, analytics, and a publication's proof
verified here; each in rich (for people) and --json (the API's answer) form. The dead-letter
commands are tested in test_dead_letters.py, on both backends."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from paritrana import proofs_verify
from paritrana.cli import app
from paritrana.demo import publish_demo
from paritrana.scenario import CATEGORY, PROVINCE, board_path, demo_config, play_demo
from tests.conftest import unique

CYCLE = "demo-2024"
ORGANISER = ("sesmenko-pmk", "organiser")
SCENARIOS = {"cli-median": {"aggregation": "median"}, "cli-no-assessor-2": {"excluded": ["assessor-2"]}}
VILLAGES = "code,regency_code,name\n51.03.05.2003,51.03,Kutuh\n51.03.05.2002,51.03,Ungasan\n"


@pytest.fixture(scope="module")
def cli(running_embedded):
    env = {"PARITRANA_TOKEN": running_embedded.api.token or "", "COLUMNS": "200",
           **{f"PARITRANA_{s.upper()}_URL": url for s, url in running_embedded.services.urls().items()}}

    def invoke(*args: str, code: int = 0):
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result

    return invoke


@pytest.fixture(scope="module")
def published(running_embedded):
    """The demo cycle played, published (zone and national boards) and two scenarios saved."""
    api = running_embedded.api
    play_demo(api)
    publication = publish_demo(api, CYCLE)["publications"][-1]
    organiser = api.as_actor(*ORGANISER)
    for scenario_id, spec in SCENARIOS.items():
        organiser.post("ranking", "/scenarios", {"scenario_id": scenario_id, "cycle_id": CYCLE, "name": scenario_id,
                                                 "spec": spec, "saved_by": ORGANISER[0]}, key=f"save-{scenario_id}")
    for scenario_id in SCENARIOS:
        api.wait_for("ranking", f"/scenarios/{scenario_id}")
    return publication


def _json(result) -> dict:
    return json.loads(result.stdout)


def test_a_cycle_is_opened_from_its_document_gets_its_candidates_and_moves_on(cli, running_embedded, tmp_path):
    document = tmp_path / "cli-2024.json"
    document.write_text(json.dumps({**demo_config(), "cycle_id": "cli-2024", "name": "CLI cycle"}))
    assert "Opened cycle cli-2024 (CLI cycle), stage registration" in cli("cycle", "open", str(document)).stdout
    again = _json(cli("cycle", "open", str(document), "--json"))  # the same key: decided once
    assert (again["cycle_id"], again["stage"], again["categories"]) == ("cli-2024", "registration", [CATEGORY])
    shipped = _json(cli("cycle", "open", "services/registration/cycles/paritrana-2023.yaml", "--json"))
    assert shipped["cycle_id"] == "paritrana-2023" and len(shipped["categories"]) > 1

    header = "candidate_id,category_id,kind,name,province\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "cli-ok,regency-city,regency_city,Kota Bogor,jawa-barat\ncli-x,regency-city,"
                   "regency_city,X,atlantis\n")
    refused = cli("candidates", "import", "cli-2024", str(bad), code=2)
    assert "1 rows rejected" in refused.output and "unknown_province" in refused.output
    assert _json(cli("candidates", "import", "cli-2024", str(bad), "--json", code=2))["rejected"][0]["line"] == 3
    good = tmp_path / "good.csv"
    good.write_text(header + "".join(f"cli-{n},regency-city,regency_city,Candidate {n},jawa-barat\n"
                                     for n in range(30)))
    assert "Registered 30 candidates in cli-2024" in cli("candidates", "import", "cli-2024", str(good)).stdout
    retried = _json(cli("candidates", "import", "cli-2024", str(good), "--json"))
    assert (retried["accepted"], retried["accepted_by_an_earlier_try"]) == (0, 30)
    assert running_embedded.api.get("registration", "/candidates/cli-29")["name"] == "Candidate 29"

    assert "Cycle cli-2024 is in stage screening" in cli("cycle", "advance", "cli-2024", "screening").stdout
    moved = _json(cli("cycle", "advance", "cli-2024", "assessment", "--json"))
    assert (moved["stage"], moved["outcome"]["events"][0]["type"]) == ("assessment", "CycleStageAdvanced")
    assert "409" in cli("cycle", "advance", "cli-2024", "screening", "--key", unique("back-"), code=2).output


def test_reference_data_is_imported_from_csv(cli, tmp_path):
    villages, version = tmp_path / "villages.csv", unique("cli-villages-")
    villages.write_text(VILLAGES)
    shown = cli("reference", "import", version, str(villages), "--base", "kemendagri-2024").stdout
    assert f"Reference data {version} (from kemendagri-2024)" in shown and "2 villages" in shown
    described = _json(cli("reference", "import", version, str(villages), "--base", "kemendagri-2024", "--json"))
    assert (described["villages"], described["source"], described["outcome"]["status"]) == (2, "imported", "accepted")
    broken = tmp_path / "broken.csv"
    broken.write_text(VILLAGES + "99.99.99.9999,99.99,Nowhere\n")
    assert "rows rejected" in cli("reference", "import", unique("cli-bad-"), str(broken), "--base", "kemendagri-2024",
                                  code=2).output


def test_leaderboards_of_a_province_a_zone_and_the_nation(cli, running_embedded, published):
    board = running_embedded.api.get("ranking", board_path(CYCLE))
    shown = cli("leaderboards", "show", CYCLE, CATEGORY, "--province", PROVINCE).stdout
    assert "final stage" in shown and "Kota Bandung" in shown and "84.6" in shown and "not shortlisted" in shown
    assert _json(cli("leaderboards", "show", CYCLE, CATEGORY, "--province", PROVINCE, "--json")) == board
    zone = _json(cli("leaderboards", "show", CYCLE, CATEGORY, "--zone", "jawa-bali", "--json"))
    assert zone["stage"] == "zone" and zone["best"] == zone["ranked"][0]["candidate_id"]
    national = cli("leaderboards", "show", CYCLE, CATEGORY, "--national").stdout
    assert "national stage" in national and "best in zone: jawa-bali" in national
    assert "name one board" in cli("leaderboards", "show", CYCLE, CATEGORY, "--national", "--zone", "x", code=2).output


def test_scenarios_are_previewed_run_and_compared(cli, running_embedded, published, tmp_path):
    spec = tmp_path / "median.json"
    spec.write_text(json.dumps(SCENARIOS["cli-median"]))
    shown = cli("scenarios", "preview", CYCLE, "--spec", str(spec)).stdout
    assert f"preview of {CYCLE}" in shown and '"aggregation": "median"' in shown
    body = {"cycle_id": CYCLE, "spec": SCENARIOS["cli-median"]}
    api = running_embedded.api
    assert _json(cli("scenarios", "preview", CYCLE, "--spec", str(spec), "--json")) == api.post(
        "ranking", "/scenarios/preview", body)
    outcome = _json(cli("scenarios", "outcome", "cli-no-assessor-2", "--json"))
    assert outcome == api.get("ranking", "/scenarios/cli-no-assessor-2/outcome")
    assert "scenario cli-no-assessor-2 of demo-2024" in cli("scenarios", "outcome", "cli-no-assessor-2").stdout
    compared = cli("scenarios", "compare", "cli-median", "cli-no-assessor-2").stdout
    assert "baseline" in compared and "cli-no-assessor-2" in compared and "kota-bandung" in compared
    assert _json(cli("scenarios", "compare", "cli-median", "cli-no-assessor-2", "--json")) == api.get(
        "ranking", "/scenarios/compare?ids=cli-median&ids=cli-no-assessor-2")
    assert {s["scenario_id"] for s in _json(cli("scenarios", "list", "--cycle", CYCLE, "--json"))} == set(SCENARIOS)
    assert "404" in cli("scenarios", "outcome", "never-saved", code=2).output


def test_analytics_of_the_panel(cli, running_embedded, published):
    shown = cli("analytics", CYCLE).stdout
    assert "assessor-1" in shown and "interviewer-1" in shown and "leniency" in shown
    report = running_embedded.api.get("ranking", f"/analytics/{CYCLE}/panellists")
    assert _json(cli("analytics", CYCLE, "--json")) == report
    assert "cannot reach http://127.0.0.1:9" in cli("analytics", CYCLE, "--ranking-url", "http://127.0.0.1:9",
                                                    code=2).output


def test_a_proof_is_verified_here_and_a_wrong_root_is_not(cli, running_embedded, published, tmp_path):
    where = f"/publications/{CYCLE}/{CATEGORY}/provinces/{PROVINCE}"
    leaves = running_embedded.api.get("ranking", f"{where}/proof-leaves")["leaves"]
    event_id = next(leaf["event_id"] for leaf in leaves if leaf["type"] == "IndicatorScored")
    saved = tmp_path / "proof.json"
    shown = cli("proof", CYCLE, CATEGORY, PROVINCE, event_id, "--output", str(saved)).stdout
    assert "verified" in shown and f"of {len(leaves)} of publication 1" in shown
    assert proofs_verify.main(["--root", published["merkle_root"], str(saved)]) == 0
    checked = _json(cli("proof", CYCLE, CATEGORY, PROVINCE, event_id, "--json"))
    assert (checked["verified"], checked["root"], checked["event_id"]) == (True, published["merkle_root"], event_id)
    wrong = cli("proof", CYCLE, CATEGORY, PROVINCE, event_id, "--root", "0" * 64, code=1)
    assert "NOT verified" in wrong.stdout and "not to the root" in wrong.stdout
    assert "not_a_leaf" in cli("proof", CYCLE, CATEGORY, PROVINCE, "no-such-event", code=2).output


def test_dead_letters_of_a_service_without_any(cli, running_embedded):
    assert "Dead letters of scoring (0 in" in cli("dlq", "list", "scoring").stdout
    url = running_embedded.services.url("scoring")
    assert _json(cli("dlq", "list", "scoring", "--url", url, "--json"))["dead_letters"] == []
