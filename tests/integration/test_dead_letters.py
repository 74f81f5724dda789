"""Dead letters through the services' API and `paritrana dlq`, on both backends: a poison record on a
followed events topic is parked, listed (its bytes shown safely) and parked again by a replay, with
nothing appended; a record that an older ranking parked (it did not know the event's version) is
handled by a replay after the upgrade, once; a parked command is not replayed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time

import pytest
from typer.testing import CliRunner

from paritrana.cli import app
from paritrana.client import ApiError
from paritrana.scenario import CATEGORY, PROVINCE, demo_config, open_cycle, register
from shared import topics
from shared.backends import build_event_log
from shared.codec import decode
from shared.consumer import DeadLetters
from shared.ports import Record

POISON = b'\xff[bold red]not an envelope[/bold red] {"oops": '
CYCLE = demo_config()["cycle_id"]


def _dlq(running, *args: str):
    env = {"PARITRANA_TOKEN": running.api.token or "", "COLUMNS": "250",
           **{f"PARITRANA_{s.upper()}_URL": url for s, url in running.services.urls().items()}}
    return CliRunner().invoke(app, ["dlq", *args], env=env)


def _letter(running, service: str, found, timeout: float = 60) -> dict:
    """The first dead letter of the service that `found` accepts, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        letters = running.api.get(service, "/dead-letters")["dead_letters"]
        match = next((letter for letter in letters if found(letter)), None)
        if match is not None:
            return match
        time.sleep(0.2)
    raise TimeoutError(f"no such dead letter of {service}: {letters}")


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value.response.status_code, refused.value.response.json()["detail"]["rule"]


def test_a_poison_record_is_parked_listed_safely_and_parked_again_by_a_replay(running):
    source = topics.events(running.settings.namespace, "interview")  # only ranking follows it
    running.append(source, "dlq-poison", POISON)
    letter = _letter(running, "ranking", lambda letter: letter["key"] == "dlq-poison")
    assert letter["reason"].startswith("malformed envelope")
    assert letter["source"]["topic"] == source and letter["source"]["offset"] >= 0
    assert letter["value"] == {"bytes": len(POISON), "sha256": hashlib.sha256(POISON).hexdigest(),
                               "text": POISON.decode("utf-8", errors="backslashreplace"), "truncated": False}
    assert letter["replayable"] is True and letter["replay"] is None
    position = (str(letter["partition"]), str(letter["offset"]))

    shown = _dlq(running, "list", "ranking")
    assert shown.exit_code == 0, shown.output
    assert "malformed envelope" in shown.stdout and "[bold red]not an envelope" in shown.stdout  # not markup
    listed = json.loads(_dlq(running, "list", "ranking", "--json").stdout)
    assert letter in listed["dead_letters"] and listed["service"] == "ranking"
    total = listed["total"]

    again = running.api.post("ranking", f"/dead-letters/{position[0]}/{position[1]}/replay", {})
    assert (again["outcome"], again["attempts"]) == ("parked", 1) and again["reason"].startswith("malformed envelope")
    by_cli = _dlq(running, "replay", "ranking", *position)
    assert by_cli.exit_code == 1, by_cli.output
    assert "parked again" in by_cli.stdout and "malformed envelope" in by_cli.stdout
    replayed = _letter(running, "ranking", lambda x: x["key"] == "dlq-poison")["replay"]
    assert (replayed["outcome"], replayed["attempts"], replayed["by"]) == ("parked", 2, "test")
    assert running.api.get("ranking", "/dead-letters")["total"] == total  # a replay appends no dead letter


def test_a_parked_command_is_listed_but_not_replayed(running):
    running.append(topics.commands(running.settings.namespace, "evidence"), "dlq-command", b"not a command")
    letter = _letter(running, "evidence", lambda letter: letter["key"] == "dlq-command")
    assert letter["reason"].startswith("malformed command") and letter["replayable"] is False
    assert "sends it again" in letter["not_replayable"]
    path = f"/dead-letters/{letter['partition']}/{letter['offset']}/replay"
    assert _refusal(lambda: running.api.post("evidence", path, {})) == (409, "not_replayable")
    assert _refusal(lambda: running.api.post("evidence", "/dead-letters/0/99999/replay", {})) == (
        404, "unknown_dead_letter")
    auditor = running.api.as_actor("bpk-auditor", "auditor")
    assert auditor.get("evidence", "/dead-letters")["total"] >= 1
    assert _refusal(lambda: auditor.post("evidence", path, {})) == (403, "role_not_allowed")
    refused = _dlq(running, "replay", "evidence", str(letter["partition"]), str(letter["offset"]))
    assert refused.exit_code == 2 and "not_replayable" in refused.output


def test_a_record_an_older_reader_parked_is_handled_by_a_replay_after_the_upgrade_once(running):
    api, organiser = running.api, running.api.as_actor("organiser-1", "organiser")
    open_cycle(api, demo_config())
    register(api, CYCLE, {"dlq-kota-bandung": "Kota Bandung"})
    api.wait_for("ranking", "/standings/dlq-kota-bandung")  # ranking has caught up with registration
    running.services.services["ranking"].stop()  # the older release of ranking ...
    organiser.post("registration", "/candidates", {
        "candidate_id": "dlq-kota-cirebon", "cycle_id": CYCLE, "category_id": CATEGORY, "kind": "regency_city",
        "name": "Kota Cirebon", "province": PROVINCE}, key="dlq-register-kota-cirebon")
    parked = asyncio.run(_park_as_an_older_ranking(running, "dlq-kota-cirebon"))  # ... parks the new event
    running.services.restart("ranking")  # the upgrade
    letter = _letter(running, "ranking", lambda x: x["source"]["offset"] == parked.offset and x["source"][
        "topic"] == parked.topic)
    assert letter["reason"] == OLDER_READER and letter["replayable"] is True
    with pytest.raises(ApiError) as unknown:
        api.get("ranking", "/standings/dlq-kota-cirebon")
    assert unknown.value.response.status_code == 404  # ranking went past it

    handled = _dlq(running, "replay", "ranking", str(letter["partition"]), str(letter["offset"]))
    assert handled.exit_code == 0, handled.output
    assert "handled" in handled.stdout
    standing = api.get("ranking", "/standings/dlq-kota-cirebon")
    assert (standing["name"], standing["province"]) == ("Kota Cirebon", PROVINCE)
    path = f"/dead-letters/{letter['partition']}/{letter['offset']}/replay"
    assert _refusal(lambda: organiser.post("ranking", path, {})) == (409, "already_replayed")
    twice = _dlq(running, "replay", "ranking", str(letter["partition"]), str(letter["offset"]), "--json")
    assert twice.exit_code == 2 and "already_replayed" in twice.output
    listed = json.loads(_dlq(running, "list", "ranking", "--json").stdout)
    [shown] = [x for x in listed["dead_letters"] if x["offset"] == letter["offset"]]
    assert (shown["replay"]["outcome"], shown["replay"]["attempts"], shown["replay"]["reason"]) == ("handled", 1, None)


OLDER_READER = "unknown event version CandidateRegistered v1"  # what parse_payload says when it knows none


async def _park_as_an_older_ranking(running, candidate_id: str) -> Record:
    """What ranking's consumer did before the upgrade: read the candidate's event in its group,
    park it in its dead letters, and commit past it."""
    ns = running.settings.namespace
    log = build_event_log(running.settings, "older-ranking")
    await log.start()
    subscription = log.subscribe(f"{ns}.ranking.projections", [topics.events(ns, "registration")])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for record in await subscription.poll(timeout=0.5):
                if getattr(decode(record.value)[1], "candidate_id", None) == candidate_id:
                    await DeadLetters("ranking", log, topics.dead_letters(ns, "ranking")).send(record, OLDER_READER)
                    await subscription.commit([record])
                    return record
        raise TimeoutError(f"no event of {candidate_id} for ranking's group")
    finally:
        await subscription.close()
        await log.close()
