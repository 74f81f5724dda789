"""The regional plug-in kit's two examples against the real broker, run as a province runs them.

The provincial feed (kit/examples/provincial_feed.py) sends coverage figures from a CSV with the
province's regional-service token: they reach the evidence service, a second run records nothing
twice, and another province's token is refused for them. After the demo cycle is published, the
provincial notifier (kit/examples/provincial_notifier.py) sees its province's publication and
nomination with valid hashes and chains; its group resumes after its commits; another province's
notifier sees nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paritrana.regional_access import KafkaAdmin, grant
from paritrana.scenario import CANDIDATES, PROVINCE, advance, appoint_organisers, demo_config, play_demo, publish_results
from paritrana_kit import (InboundProducer, KafkaCredentials, decode, events_topic, ranking, verify_chain,
                           verify_event, verify_topic)
from paritrana_kit.events import evidence
from services.evidence.domain import SubmitCoverageFigure
from tests.conftest import unique
from tests.integration.conftest import SASL_BOOTSTRAP, Running, _running

pytestmark = pytest.mark.infra

EXAMPLES = Path(__file__).resolve().parents[2] / "kit" / "examples"
CYCLE = demo_config()["cycle_id"]
PERIOD = "2024-12"
FIGURES = {candidate_id: (1000 + 10 * n, 400 + 100 * n) for n, candidate_id in enumerate(CANDIDATES)}


@pytest.fixture(scope="module")
def kafka_running(request, tmp_path_factory) -> Running:
    request.getfixturevalue("infra_settings")
    yield from _running("kafka", tmp_path_factory)


def _example(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=180, env={**os.environ, **env})


def _feed(running: Running, csv: Path, province: str) -> subprocess.CompletedProcess:
    token = running.api.as_actor(f"dinas-{province}", "regional-service", (province,)).token
    return _example("provincial_feed.py", "--province", province, "--csv", str(csv), "--json",
                    "--evidence-url", running.services.url("evidence"), PARITRANA_TOKEN=token)


def _inbound(running: Running, candidate_id: str) -> dict:
    """The province's service, with a Kafka user of its own, writes one figure to its inbound topic twice."""
    namespace, user, password = running.settings.namespace, unique("regional-jabar-"), unique("pw-")
    grant(KafkaAdmin(running.settings.kafka_bootstrap), namespace, PROVINCE, user, password)
    figure = SubmitCoverageFigure(figure_id=f"inbound-{PERIOD}-{candidate_id}", candidate_id=candidate_id,
                                  period=PERIOD, workers_eligible=900, workers_enrolled=450, source="SIAPKerja")

    async def send() -> list[tuple[int, int]]:
        async with InboundProducer(SASL_BOOTSTRAP, namespace, PROVINCE, KafkaCredentials(user, password)) as inbound:
            return [await inbound.send(figure, key=f"jabar-{PERIOD}-{candidate_id}") for _ in range(2)]

    return {"figure_id": figure.figure_id, "candidate_id": candidate_id, "positions": asyncio.run(send())}


def _log(running: Running) -> str | Path:
    """Where the events are: Kafka's bootstrap address (or the embedded backend's log file)."""
    settings = running.settings
    return settings.kafka_bootstrap if settings.backend == "kafka" else settings.data_dir / (
        f"{settings.namespace}-events.sqlite")


def _notifier(running: Running, province: str, out: Path, group: str) -> subprocess.CompletedProcess:
    """Run the notifier as the consumer group `<namespace>.<group>` until it has been idle for a while."""
    settings, log = running.settings, _log(running)
    source = ["--event-log-file", str(log)] if isinstance(log, Path) else ["--bootstrap", log]
    return _example("provincial_notifier.py", "--province", province, "--namespace", settings.namespace, *source,
                    "--group", f"{settings.namespace}.{group}", "--out", str(out), "--idle-timeout", "8")


@pytest.fixture(scope="module")
def cycle(kafka_running: Running, tmp_path_factory) -> dict:
    """The demo cycle with the feed run once its candidates are registered, then published."""
    csv = tmp_path_factory.mktemp("feed") / "coverage.csv"
    csv.write_text("figure_id,candidate_id,period,workers_eligible,workers_enrolled,notes\n" + "".join(
        f"prov-{PERIOD}-{c},{c},{PERIOD},{eligible},{enrolled},from the province's own register\n"
        for c, (eligible, enrolled) in FIGURES.items()), encoding="utf-8")
    feeds: dict[str, subprocess.CompletedProcess] = {}

    def after(step: str) -> None:
        if step == "panel":  # registered, still in the registration stage: evidence takes figures
            feeds["first"] = _feed(kafka_running, csv, PROVINCE)
            feeds["again"] = _feed(kafka_running, csv, PROVINCE)
            feeds["other province"] = _feed(kafka_running, csv, "bali")
            feeds["inbound"] = _inbound(kafka_running, next(iter(CANDIDATES)))

    api = kafka_running.api
    play_demo(api, after_step=after)
    appoint_organisers(api, CYCLE)
    advance(api, CYCLE, "provincial_results")
    return {"feeds": feeds, "publication": publish_results(api, CYCLE)}


def test_the_feeds_figures_reach_the_evidence_service_once_and_only_for_its_province(kafka_running, cycle):
    first, again, other = (cycle["feeds"][k] for k in ("first", "again", "other province"))
    assert first.returncode == 0, first.stderr
    recorded = json.loads(first.stdout)["recorded"]
    assert sorted(f["candidate_id"] for f in recorded) == sorted(FIGURES)
    assert all(len(f["events"]) == 1 for f in recorded)
    for candidate_id, (eligible, enrolled) in FIGURES.items():
        figure = kafka_running.api.get("evidence", f"/candidates/{candidate_id}/evidence")["figures"][
            f"prov-{PERIOD}-{candidate_id}"]
        assert figure["figures"] == {**figure["figures"], "period": PERIOD, "workers_eligible": eligible,
                                     "workers_enrolled": enrolled}
    assert again.returncode == 0, again.stderr
    assert len(json.loads(again.stdout)["recorded"]) == len(FIGURES)
    submitted = [event for _envelope, event in (decode(r.value) for r in kafka_running.records(
        events_topic(kafka_running.settings.namespace, "evidence")))
        if isinstance(event, evidence.CoverageFigureSubmitted) and event.figure_id.startswith(f"prov-{PERIOD}-")]
    assert len(submitted) == len(FIGURES)  # the second run recorded nothing twice
    assert {e.source for e in submitted} == {f"{PROVINCE} provincial system"}
    assert other.returncode == 1
    refused = json.loads(other.stdout)["refused"]
    assert len(refused) == len(FIGURES)
    assert {(r["status"], r["rule"]) for r in refused} == {(403, "outside_scope")}


def test_the_evidence_service_takes_the_provinces_inbound_figure_once_as_its_regional_service(kafka_running, cycle):
    sent = cycle["feeds"]["inbound"]
    assert len({position for position in sent["positions"]}) == 2  # two records on the topic
    figure = kafka_running.api.wait_for("evidence", f"/candidates/{sent['candidate_id']}/evidence",
                                        until=lambda doc: sent["figure_id"] in doc.get("figures", {}))
    assert figure["figures"][sent["figure_id"]]["figures"]["workers_enrolled"] == 450
    recorded = [(envelope, event) for envelope, event in (decode(r.value) for r in kafka_running.records(
        events_topic(kafka_running.settings.namespace, "evidence")))
        if isinstance(event, evidence.CoverageFigureSubmitted) and event.figure_id == sent["figure_id"]]
    assert len(recorded) == 1  # the second record carried the same idempotency key
    [(envelope, _event)] = recorded
    assert (envelope.actor.id, envelope.actor.role) == (f"regional-{PROVINCE}", "regional-service")


def test_the_notifier_sees_its_provinces_publication_and_nomination_with_valid_hashes(kafka_running, cycle, tmp_path):
    ranked = _notifier(kafka_running, PROVINCE, tmp_path, "kit-it-jabar")
    assert ranked.returncode == 0, ranked.stderr
    notices = {n["notice"]: n for n in (json.loads(p.read_text()) for p in tmp_path.glob("*.json"))}
    assert set(notices) == {"results_published", "nominated"}, ranked.stdout
    published = cycle["publication"]["publications"][-1]
    [nominee] = [n for n in cycle["publication"]["nominations"] if n["nominated"]]
    results, nomination = notices["results_published"], notices["nominated"]
    assert results["details"]["leaderboard_digest"] == published["leaderboard_digest"]
    assert [p["candidate_id"] for p in results["details"]["places"]] == [p["candidate_id"] for p in published["places"]]
    assert (results["cycle_id"], results["category_id"], results["province"]) == (CYCLE, "regency-city", PROVINCE)
    assert nomination["details"]["candidate_id"] == nominee["candidate_id"] == published["places"][0]["candidate_id"]
    assert nomination["details"]["leaderboard_digest"] == published["leaderboard_digest"]
    for notice in notices.values():
        assert notice["event"]["hash_valid"] is True and notice["event"]["chain"] == "linked"
    # the notices name the very events on the topic, whose hashes and chains hold
    records = kafka_running.records(events_topic(kafka_running.settings.namespace, "ranking"))
    stored = {verify_event(r.value).event_id: r.value for r in records}
    for notice in notices.values():
        value, hash_ = stored[notice["event"]["event_id"]], notice["event"]["hash"]
        assert verify_event(value).hash == hash_
        # the rule docs/plugin-kit.md gives other languages: the stored bytes less the hash member
        assert hashlib.sha256(value.replace(f',"hash":"{hash_}"'.encode(), b"", 1)).hexdigest() == hash_
    assert verify_chain(r.value for r in records).intact
    assert asyncio.run(verify_topic(_log(kafka_running), kafka_running.settings.namespace, "ranking")).intact
    assert {decode(v)[0].type for v in stored.values()} >= {ranking.ProvincialResultsPublished.TYPE,
                                                           ranking.NomineeNominated.TYPE}


def test_the_notifier_resumes_after_its_commits_and_others_provinces_news_are_not_its_own(kafka_running, cycle,
                                                                                            tmp_path):
    first = _notifier(kafka_running, PROVINCE, tmp_path / "first", "kit-it-resume")
    assert first.returncode == 0, first.stderr
    assert len(list((tmp_path / "first").glob("*.json"))) == 2
    resumed = _notifier(kafka_running, PROVINCE, tmp_path / "resumed", "kit-it-resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "0 notices" in resumed.stdout and not (tmp_path / "resumed").exists()
    bali = _notifier(kafka_running, "bali", tmp_path / "bali", "kit-it-bali")
    assert bali.returncode == 0, bali.stderr
    assert "0 notices" in bali.stdout and not (tmp_path / "bali").exists()
