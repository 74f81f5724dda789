"""Scale-out on Kafka: every service runs as two instances in one consumer group (the topics' three
partitions split between them). The seeded cycle gives the single-instance outcome; then, in a second
run, the second instance of each service is SIGKILLed at seeded points and not restarted: its
partitions go to the other instance once the session times out, and nothing is lost or applied twice."""

from __future__ import annotations

import random
import secrets
import sys
from pathlib import Path

import pytest

from paritrana.launcher import Cluster, ServiceProcess, cluster, free_port
from paritrana.simulate import Ledger
from shared.topics import SERVICES
from tests.chaos.conftest import PLAN_SEEDS, tally
from tests.chaos.harness import Faults, compare, play, running_cluster

SECOND = "-2"


def two_of_each(env: dict[str, str], log_dir: Path) -> Cluster:
    """The launcher's cluster plus a second instance of each service (same settings, so the same
    consumer groups), named `<service>-2`; the client talks to the first instances."""
    env = {"PARITRANA_JWT_SECRET": secrets.token_urlsafe(32), **env}
    first = cluster(env, log_dir)
    for name in SERVICES:
        one = first.services[name]
        port = free_port()
        first.services[f"{name}{SECOND}"] = ServiceProcess(
            f"{name}{SECOND}", port, one.env, log_dir / f"{name}{SECOND}.log",
            command=[sys.executable, "-m", "shared.serve", name, "--port", str(port)])
    return TwoOfEach(first.services, first.jwt_secret)


class TwoOfEach(Cluster):
    def urls(self) -> dict[str, str]:
        return {name: s.url for name, s in self.services.items() if not name.endswith(SECOND)}


@pytest.mark.infra
@pytest.mark.parametrize("kill_second", [False, True], ids=["two-each", "two-each-one-killed"])
def test_two_instances_per_service_give_the_single_instance_outcome(kill_second, infra_settings, references,
                                                                    chaos_root):
    plan_seed = PLAN_SEEDS[1]
    reference = references("kafka", plan_seed)
    rng = random.Random(f"scale-out-{kill_second}")
    points = sorted(rng.sample(range(2, reference.ledger.commands + 1), len(SERVICES))) if kill_second else []
    schedule = {point: (f"{name}{SECOND}", 0.0) for point, name in zip(points, rng.sample(SERVICES, len(SERVICES)))}
    with running_cluster("kafka", chaos_root, make=two_of_each) as (services, settings):
        faults = Faults(schedule, lambda name: services.services[name].kill())
        ledger = Ledger(before_command=faults)
        try:
            outcome = play(services, settings, plan_seed, ledger, expected=reference)
        finally:
            faults.finish()
    tally("scale-out", faults=len(faults.injected), commands=ledger.commands, events=outcome.log.events,
          retries=ledger.retries, unavailable=ledger.unavailable)
    assert len(faults.injected) == len(schedule)
    problems = compare(outcome, reference)
    assert not problems, "\n".join(problems)
