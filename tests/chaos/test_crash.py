"""Crash suite: during a seeded province cycle each of the five services is SIGKILLed once, in a
seeded order at seeded points (some while a request is in flight), and restarted; the client sends
every unanswered command again with its idempotency key. Afterwards the leaderboards equal those of
an undisturbed run of the same plan, every accepted command's events are in the log once, no stream
sequence was decided twice, and the counts of events by type are the undisturbed run's."""

from __future__ import annotations

import pytest

from paritrana.simulate import Ledger
from shared.topics import SERVICES
from tests.chaos.conftest import PLAN_SEEDS, RUNS, backend_params, tally
from tests.chaos.harness import Faults, compare, crash_schedule, play, running_cluster


def _restarting(services):
    def crash(service: str) -> None:
        services.kill(service)
        services.restart(service)

    return crash


@pytest.mark.parametrize("backend", backend_params(), indirect=True)
@pytest.mark.parametrize("run", range(RUNS))
def test_killing_each_service_midway_changes_nothing(backend, run, references, chaos_root):
    plan_seed = PLAN_SEEDS[run % len(PLAN_SEEDS)]
    reference = references(backend, plan_seed)
    schedule = crash_schedule(1000 + run, reference.ledger.commands)
    with running_cluster(backend, chaos_root) as (services, settings):
        faults = Faults(schedule, _restarting(services))
        ledger = Ledger(before_command=faults)
        try:
            outcome = play(services, settings, plan_seed, ledger, expected=reference)
        finally:
            faults.finish()
    assert sorted(target for _n, target in faults.injected) == sorted(SERVICES), faults.injected
    tally("crash", faults=len(faults.injected), commands=ledger.commands, events=outcome.log.events,
          retries=ledger.retries, unavailable=ledger.unavailable, refused=len(ledger.refused))
    problems = compare(outcome, reference)
    assert not problems, "\n".join(problems)
    assert outcome.log.events == reference.log.events
