"""The fault suites. By default a smoke subset runs (the checks' own tests and one crash run on the
embedded backend, as `make test` does in CI); `make chaos` runs them in full: PARITRANA_CHAOS_FULL=1 (adds the
broker/store restarts and the scale-out), PARITRANA_CHAOS_RUNS=20 (crash runs per backend),
PARITRANA_CHAOS_BACKENDS=embedded,kafka, PARITRANA_CHAOS_OUTAGE_RUNS=3 (restarts per backend), and
PARITRANA_CHAOS_REPORT=<file> to write the counts as JSON
(tests/RESULTS.md quotes them). Kafka runs are marked `infra`: without Kafka and FerretDB they fail."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from tests.chaos.harness import Outcome, play, running_cluster

RUNS = int(os.environ.get("PARITRANA_CHAOS_RUNS", "1"))
FULL = os.environ.get("PARITRANA_CHAOS_FULL") == "1"
FULL_ONLY = ("test_outage.py", "test_scale_out.py")  # long: in `make chaos`, not in the CI smoke
BACKENDS = [b for b in os.environ.get("PARITRANA_CHAOS_BACKENDS", "embedded,kafka").split(",") if b]
PLAN_SEEDS = (4, 7)  # crash run i plays plan seed PLAN_SEEDS[i % 2]; its faults come from seed i
TALLY: Counter = Counter()


def backend_params():
    return [pytest.param(b, marks=[pytest.mark.infra] if b == "kafka" else [], id=b) for b in BACKENDS]


@pytest.fixture
def backend(request):
    if request.param == "kafka":
        request.getfixturevalue("infra_settings")  # fails (never skips) without Kafka and FerretDB
    return request.param


@pytest.fixture(scope="session")
def chaos_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("chaos")


@pytest.fixture(scope="session")
def references(chaos_root):
    """The undisturbed run of each (backend, plan seed), played once per session when first needed."""
    cache: dict[tuple[str, int], Outcome] = {}

    def reference(backend: str, plan_seed: int) -> Outcome:
        if (backend, plan_seed) not in cache:
            with running_cluster(backend, chaos_root) as (services, settings):
                outcome = play(services, settings, plan_seed)
            assert not outcome.log.problems, outcome.log.problems
            assert outcome.digests["identical"], outcome.digests
            assert outcome.ledger.retries == 0, "the undisturbed run needed retries"
            cache[(backend, plan_seed)] = outcome
            tally("reference runs", commands=outcome.ledger.commands, events=outcome.log.events,
                  refused=len(outcome.ledger.refused))
        return cache[(backend, plan_seed)]

    return reference


def tally(suite: str, runs: int = 1, faults: int = 0, commands: int = 0, events: int = 0, inputs: int = 0,
          retries: int = 0, unavailable: int = 0, refused: int = 0) -> None:
    for name, value in (("runs", runs), ("faults", faults), ("commands", commands), ("events", events),
                        ("inputs", inputs), ("retries", retries), ("unavailable", unavailable),
                        ("refused", refused)):
        TALLY[f"{suite}|{name}"] += value


def pytest_collection_modifyitems(config, items) -> None:
    """Outside `make chaos` the long suites, and the crash runs on Kafka (minutes each), are deselected
    (not skipped): the smoke subset is the rest, the checks and a crash run on the embedded backend."""
    if FULL:
        return
    long = [item for item in items if item.nodeid.split("::")[0].endswith(FULL_ONLY)
            or ("test_crash.py" in item.nodeid and "kafka" in item.nodeid)]
    if long:
        config.hook.pytest_deselected(items=long)
        items[:] = [item for item in items if item not in long]


def pytest_runtest_logreport(report) -> None:
    """Count the fault tests' outcomes (a failed set-up counts as a failure too)."""
    if "tests/chaos" in report.nodeid and (report.when == "call" or report.failed):
        TALLY[f"{report.nodeid.split('::')[0].rsplit('/', 1)[-1]}|tests {report.outcome}"] += 1


def pytest_sessionfinish(session) -> None:
    target = os.environ.get("PARITRANA_CHAOS_REPORT")
    if target and TALLY:
        suites: dict[str, dict[str, int]] = {}
        for key, value in sorted(TALLY.items()):
            suite, name = key.split("|")
            suites.setdefault(suite, {})[name] = value
        Path(target).write_text(json.dumps({"runs_per_backend": RUNS, "backends": BACKENDS, "suites": suites},
                                           indent=2) + "\n")
