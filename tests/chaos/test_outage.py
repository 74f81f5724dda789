"""Broker and store restarts: in the middle of a seeded cycle on the kafka backend, Kafka (and, in the
other test, FerretDB) of the suite's own is stopped and started again. While it is down a command
is answered 503 with Retry-After within a bounded time, never hung, and never lost: sent again with
its idempotency key after the restart it is decided once. The services' producers and consumers
recover on their own (nothing is restarted but the server), and the outcome equals the undisturbed run."""

from __future__ import annotations

import os
import random
import time

import httpx
import pytest

from paritrana.simulate import Ledger
from tests.chaos.conftest import PLAN_SEEDS, tally
from tests.chaos.harness import Faults, compare, play, running_cluster
from tests.chaos.infra import OwnInfra

RUNS = int(os.environ.get("PARITRANA_CHAOS_OUTAGE_RUNS", "1"))  # per backend, each at a seeded other point
DOWN_FOR = 8.0  # seconds each outage lasts at least (the probes run meanwhile)
ANSWER_WITHIN = 45.0  # a request while a backend is down is answered (503) within this, never hangs
PROBE = {"score_id": "probe-a", "candidate_id": "probe-nobody", "supersedes": "probe-none",
         "assessor_id": "assessor-1", "value": 50, "reason": "probing an outage"}


@pytest.fixture(scope="module")
def own_infra(infra_settings, tmp_path_factory):
    infra = OwnInfra.prepare(tmp_path_factory.mktemp("own-infra"))
    infra.up()
    yield infra
    infra.down()


def _probe(services, token: str, key: str) -> dict:
    """One command and one read, as a person would send them now: status, Retry-After, seconds."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    answers = {}
    for name, call in (("command", lambda c: c.post(f"{services.url('scoring')}/amendments", json=PROBE,
                                                     headers=headers)),
                       ("read", lambda c: c.get(f"{services.url('scoring')}/directory/candidates/nobody",
                                                headers=headers))):
        started = time.monotonic()
        with httpx.Client(timeout=ANSWER_WITHIN + 15) as client:
            response = call(client)
        answers[name] = {"status": response.status_code, "retry_after": response.headers.get("Retry-After"),
                         "seconds": round(time.monotonic() - started, 1)}
    return answers


@pytest.mark.infra
@pytest.mark.parametrize("run", range(RUNS))
@pytest.mark.parametrize("which", ["kafka", "ferretdb"])
def test_a_backend_restarted_mid_cycle_loses_nothing_and_answers_503_meanwhile(which, run, own_infra, references,
                                                                               chaos_root):
    plan_seed = PLAN_SEEDS[0]
    reference = references("kafka", plan_seed)
    commands = reference.ledger.commands
    at = random.Random(f"outage-{which}" + (f"-{run}" if run else "")).randrange(commands // 3, 2 * commands // 3)
    probes: list[dict] = []
    with running_cluster("kafka", chaos_root, own_infra.service_env) as (services, settings):
        token = services.jwt_secret and _token(services)

        def outage(_target: str) -> None:
            own_infra.stop(which)
            stopped = time.monotonic()
            try:
                probes.append(_probe(services, token, f"probe-{which}"))
            except httpx.HTTPError as hung:  # the assertions below say so; the backend comes back regardless
                probes.append({"command": {"status": None, "error": repr(hung), "seconds": None}})
            finally:
                time.sleep(max(0.0, DOWN_FOR - (time.monotonic() - stopped)))
                own_infra.up()

        faults = Faults({at: (which, 0.1)}, outage)
        ledger = Ledger(before_command=faults)
        try:
            outcome = play(services, settings, plan_seed, ledger, expected=reference)
        finally:
            faults.finish()
        after = _probe(services, token, f"probe-{which}")  # the same key again, now that it is back
    tally(f"outage-{which}", faults=len(faults.injected), commands=ledger.commands + 2 * len(probes) + 2,
          events=outcome.log.events, retries=ledger.retries, unavailable=ledger.unavailable)
    assert faults.injected == [(at, which)]
    [while_down] = probes
    assert while_down["command"]["status"] == 503, while_down
    assert while_down["command"]["retry_after"] is not None
    assert while_down["command"]["seconds"] < ANSWER_WITHIN, while_down
    if which == "ferretdb":  # reads come from the store; with Kafka down they still answer from it
        assert while_down["read"]["status"] == 503 and while_down["read"]["retry_after"] is not None, while_down
    assert while_down["read"]["seconds"] < ANSWER_WITHIN
    assert after["command"]["status"] == 409, after  # decided (refused: no such score), once, after the restart
    problems = compare(outcome, reference)
    assert not problems, "\n".join(problems)


def _token(services) -> str:
    from paritrana.client import Api

    return Api(services.urls(), "assessor-1", "assessor", services.jwt_secret).token
