"""People acting at once (`clients`): the simulation sends the same commands whatever order they go in."""

from __future__ import annotations

import threading
import time

import pytest

from paritrana.simulate import Ledger, Simulation, plan


class Recorder:
    """Stands in for the APIs: records who posted what, slowly enough for threads to interleave."""

    def __init__(self, sent: list | None = None, who: tuple = ("organiser-1", "organiser"),
                 lock: threading.Lock | None = None) -> None:
        self.sent, self.who, self.lock = sent if sent is not None else [], who, lock or threading.Lock()
        self.threads: set[str] = set()

    def as_actor(self, actor_id, role, provinces=(), candidate_id=None) -> Recorder:
        clone = Recorder(self.sent, (actor_id, role, tuple(provinces)), self.lock)
        clone.threads = self.threads
        return clone

    def post(self, service, path, body, key=None, **params) -> dict:
        time.sleep(0.001)
        with self.lock:
            self.sent.append((self.who, service, path, key, tuple(sorted(body.items(), key=str))))
            self.threads.add(threading.current_thread().name)
        return {}


def assessed(clients: int) -> tuple[Simulation, Recorder]:
    api = Recorder()
    simulation = Simulation(api, plan(3, villages=4, employers=30), clients=clients)
    simulation.eligible = simulation.plan.candidates
    simulation._each("assessment", simulation.plan.candidates, simulation._score_candidate)
    return simulation, api


def test_many_clients_send_exactly_what_one_sends():
    one, alone = assessed(clients=1)
    many, together = assessed(clients=6)
    assert len(alone.sent) == one.counts["scores"] + one.counts["amendments"] > 100
    assert sorted(together.sent, key=str) == sorted(alone.sent, key=str)
    assert many.counts == one.counts and many.sent == one.sent
    assert len(together.threads) > 1 and alone.threads == {threading.current_thread().name}


def test_a_failure_stops_the_stage_and_reaches_the_caller():
    simulation = Simulation(Recorder(), plan(3, villages=4, employers=30), clients=4)
    done: list[int] = []

    def act(n: int) -> None:
        if n == 5:
            raise RuntimeError("refused")
        time.sleep(0.01)
        done.append(n)

    with pytest.raises(RuntimeError, match="refused"):
        simulation._each("assessment", list(range(200)), act)
    assert len(done) < 199  # the rest were cancelled, not all played


def test_reads_by_many_people_come_back_in_the_items_order_with_progress_only_for_a_stage():
    reported: list[tuple[str, int, int]] = []
    simulation = Simulation(Recorder(), plan(3, villages=4, employers=30), lambda *p: reported.append(p), clients=4)
    items = list(range(40))
    assert simulation._map(lambda n: (time.sleep(0.001 * (n % 3)), n * n)[1], items) == [n * n for n in items]
    assert reported == []
    simulation._map(lambda n: n, items, "interview")
    assert sorted(done for _stage, done, _total in reported) == list(range(1, 41))


def test_the_ledger_counts_every_command_and_retry_of_people_acting_at_once():
    ledger = Ledger()
    numbers: list[int] = []

    def send(_n: int) -> None:
        for _ in range(200):
            numbers.append(ledger.counted())
            ledger.retried(unavailable=True)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (ledger.commands, ledger.retries, ledger.unavailable) == (1600, 1600, 1600)
    assert sorted(numbers) == list(range(1, 1601))  # each command its own number
