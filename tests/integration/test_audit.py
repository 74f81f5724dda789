"""Tamper evidence and the audit export over the ranking service's API and the `paritrana` CLI, on
both backends: a demo cycle verifies intact and exports the same bytes twice; an event edited in
the embedded log's file, or a forged copy appended to a Kafka topic, is pinpointed by verify."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import httpx
import pytest
from typer.testing import CliRunner

from paritrana.cli import Http, app
from paritrana.scenario import demo_config, open_cycle, play_demo, register
from shared import topics
from shared.audit.chains import event_topics, read_envelope
from shared.codec import encode
from shared.envelope import Envelope, seal

CYCLE = "demo-2024"
OTHER = "other-2024"


@pytest.fixture(scope="module")
def played(running):
    """The demo cycle, and beside it another cycle with one candidate that must stay out of the export."""
    play_demo(running.api)
    open_cycle(running.api, {**demo_config(), "cycle_id": OTHER, "name": "Another cycle"})
    register(running.api, OTHER, {"other-kota-cimahi": "Kota Cimahi"})
    return running


def _get(running, path: str) -> httpx.Response:
    response = httpx.get(f"{running.services.url('ranking')}{path}", timeout=120, headers=running.api.headers)
    assert response.status_code == 200, response.text
    return response


def _cli(running, *args: str):
    url = running.services.url("ranking")
    return CliRunner().invoke(app, ["audit", *args, "--ranking-url", url], env=_token_env(running))


def _log_events(running) -> list[tuple]:
    """(record, envelope) for every record of every events topic."""
    return [(r, read_envelope(r.value)) for topic in event_topics(running.settings.namespace)
            for r in running.records(topic)]


def test_the_played_log_verifies_intact(played):
    report = _get(played, "/audit/verify").json()
    assert report["intact"] is True and report["first_break"] is None and report["findings"] == []
    logged = _log_events(played)
    assert report["events"] == len(logged) > 50
    assert report["streams"] == len({e.stream for _r, e in logged})
    assert set(report["topics"]) <= set(event_topics(played.settings.namespace))


def test_export_is_the_cycles_events_identical_twice(played):
    first = _get(played, f"/audit/cycles/{CYCLE}/events.jsonl")
    assert first.headers["content-type"] == "application/x-ndjson"
    assert _get(played, f"/audit/cycles/{CYCLE}/events.jsonl").content == first.content
    exported = [Envelope.model_validate_json(line) for line in first.content.splitlines()]
    assert [e.event_id for e in exported] == sorted(e.event_id for e in exported)
    assert int(first.headers["x-event-count"]) == len(exported)
    other = {(e.event_id, e.hash) for _r, e in _log_events(played)
             if e.payload.get("cycle_id") == OTHER or e.payload.get("config", {}).get("cycle_id") == OTHER
             or e.payload.get("candidate_id") == "other-kota-cimahi"}
    assert len(other) == 2  # the other cycle opened, its candidate registered
    assert {(e.event_id, e.hash) for e in exported} == {(e.event_id, e.hash) for _r, e in _log_events(played)} - other
    types = [e.type for e in exported]
    assert types.count("CandidateRegistered") == 4 and "ScoreAmended" in types and "ShortlistSettled" in types

    table = _get(played, f"/audit/cycles/{CYCLE}/events.csv")
    assert table.headers["content-type"].startswith("text/csv")
    assert _get(played, f"/audit/cycles/{CYCLE}/events.csv").content == table.content
    rows = list(csv.DictReader(io.StringIO(table.content.decode())))
    assert [(r["event_id"], r["hash"]) for r in rows] == [(e.event_id, e.hash) for e in exported]
    missing = f"{played.services.url('ranking')}/audit/cycles/no-such-cycle/events.csv"
    assert httpx.get(missing, headers=played.api.headers).status_code == 404


def test_cli_verify_and_export(played, tmp_path):
    summary = _cli(played, "verify")
    assert summary.exit_code == 0, summary.output
    assert "Every hash chain holds" in summary.output
    as_json = _cli(played, "verify", "--json")
    assert as_json.exit_code == 0 and json.loads(as_json.output)["intact"] is True
    events = len(_get(played, f"/audit/cycles/{CYCLE}/events.jsonl").content.splitlines())
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"trail.{fmt}"
        result = _cli(played, "export", CYCLE, "--format", fmt, "--output", str(out), "--json")
        assert result.exit_code == 0, result.output
        written = json.loads(result.output)
        assert out.read_bytes() == _get(played, f"/audit/cycles/{CYCLE}/events.{fmt}").content
        assert (written["bytes"], written["events"], written["format"]) == (out.stat().st_size, events, fmt)
    to_stdout = _cli(played, "export", CYCLE)  # jsonl by default
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout_bytes == _get(played, f"/audit/cycles/{CYCLE}/events.jsonl").content


def test_tampering_is_pinpointed(played):
    """Last in the module: it leaves the log broken."""
    scoring = topics.events(played.settings.namespace, "scoring")
    record, original = next((r, e) for r, e in _log_events(played) if e.type == "ScoreAmended")
    payload = {**original.payload, "value": 100.0}
    if played.settings.backend == "embedded":  # edit the stored event in place, keeping its hash
        raw = json.loads(record.value)
        raw["payload"] = payload
        path = played.settings.data_dir / f"{played.settings.namespace}-events.sqlite"
        with sqlite3.connect(path, timeout=30) as db:
            changed = db.execute('UPDATE records SET value = ? WHERE topic = ? AND partition = ? AND "offset" = ?',
                                 (json.dumps(raw).encode(), record.topic, record.partition, record.offset))
            assert changed.rowcount == 1
        position, problem = (record.topic, record.partition, record.offset), "hash_mismatch"
    else:  # a log cannot be altered in place: append a forged copy that even carries a valid hash of its own
        forged = encode(seal({**original.model_dump(exclude={"hash"}), "payload": payload}))
        played.append(scoring, record.key, forged)
        copy = next(r for r in played.records(scoring) if r.value == forged)
        position, problem = (copy.topic, copy.partition, copy.offset), "out_of_order"
    report = _get(played, "/audit/verify").json()
    first = report["first_break"]
    assert report["intact"] is False and report["findings_total"] == 1
    assert (first["topic"], first["partition"], first["offset"]) == position
    assert (first["event_id"], first["stream"], first["sequence"], first["problem"]) == (
        original.event_id, original.stream, original.sequence, problem)
    broken = _cli(played, "verify")
    assert broken.exit_code == 1 and "Chain broken" in broken.output and original.event_id in broken.output


def test_cli_reports_an_unreachable_service_with_exit_code_2():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = CliRunner().invoke(app, ["audit", "verify"], obj=Http(transport=httpx.MockTransport(refuse)))
    assert result.exit_code == 2 and "cannot reach http://127.0.0.1:8105" in result.output


def _token_env(running) -> dict[str, str]:
    return {"PARITRANA_TOKEN": running.api.token or ""}
