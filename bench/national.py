"""Benchmark: the national cycle end to end through the APIs, measured rather than extrapolated.

    python -m bench.national BACKEND VILLAGES EMPLOYERS PEOPLE

`paritrana.simulate` at scale `national`: all 38 provinces, each with its committee and panel; the
38 provinces and all 514 regencies/cities as candidates, with VILLAGES villages and EMPLOYERS
employers sampled per province; PEOPLE verifiers, assessors and interviewers acting at once; played
on five service processes from empty to the published provincial boards. The screening of the
whole register (all 839,937 employers) is measured by bench/membership.py. Profiles scoring and
ranking with py-spy throughout, and ends with every service's peak RSS. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys

from bench.cycle import played
from bench.procs import peak_rss_mib, profile_with_py_spy
from paritrana.simulate import plan

PROFILED = ("scoring", "ranking")  # the decider of the most commands, and the follower of every topic


def run(backend: str, villages: int, employers: int, people: int) -> dict:
    the_plan = plan(1, villages=villages, employers=employers, scale="national")
    spies = {}

    def profile(services, data) -> None:
        for name in PROFILED:
            spies[name] = profile_with_py_spy(services.services[name].process.pid, data / f"{name}.pyspy.txt")

    with played(backend, the_plan, people, "national", profile) as (services, _api, result):
        result.update(villages_per_province=villages, employers_per_province=employers,
                      provinces=len(the_plan.provinces))
        result["profiles"] = {name: spy.finish() for name, spy in spies.items()}
        result["peak_rss_mib"] = {name: peak_rss_mib(p.process.pid) for name, p in services.services.items()}
    return result


if __name__ == "__main__":
    backend, villages, employers, people = sys.argv[1], *(int(a) for a in sys.argv[2:5])
    print(json.dumps(run(backend, villages, employers, people), default=str))
