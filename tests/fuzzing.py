"""Schemathesis over a running service: every operation of its OpenAPI, positive and negative
cases, each call authenticated as a role the route allows, and about half the cases pointed at the
seeded demo's real ids so that they reach the deciders and not only the 404s.

`Fuzz.run` counts every request and keeps each answer that breaks the contract: a 5xx, or a 4xx
without a reason (`reason_of`)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from paritrana.client import Api
from paritrana.scenario import ASSESSORS, CANDIDATES, CATEGORY, CHAIR, INTERVIEWERS, PROVINCE, demo_config
from shared.access import IDENTITY_FIELDS, POLICY

CYCLE = demo_config()["cycle_id"]
SECRETARY = "secretary-jabar"
# Who calls, by role: the people the demo appointed, so that a real id in the body is theirs.
ACTORS = {
    "organiser": ("test", ("*",), None),
    "auditor": ("auditor-1", ("*",), None),
    "committee-chair": (CHAIR, (PROVINCE,), None),
    "committee-secretary": (SECRETARY, (PROVINCE,), None),
    "assessor": (ASSESSORS[0], (PROVINCE,), None),
    "interviewer": (INTERVIEWERS[0], (PROVINCE,), None),
    "candidate": ("kota-bandung", (), "kota-bandung"),
    "regional-service": ("bpjs-data-office", ("*",), None),
}
# Real values of the seeded demo, by the field or parameter name that carries them.
KNOWN: dict[str, list] = {
    "candidate_id": list(CANDIDATES),
    "cycle_id": [CYCLE],
    "category_id": [CATEGORY],
    "province": [PROVINCE],
    "zone": ["jawa-bali"],
    "indicator_id": ["policy", "implementation", "interview"],
    "score_id": [f"s-{c}-policy-1" for c in CANDIDATES],
    "supersedes": [f"s-{c}-policy-1" for c in CANDIDATES] + [f"cov-2024-{c}" for c in CANDIDATES],
    "figure_id": [f"cov-2024-{c}" for c in CANDIDATES],
    "evidence_id": [f"cov-2024-{c}" for c in CANDIDATES],
    "evidence": [[f"cov-2024-{c}"] for c in CANDIDATES],
    "shortlisted": [list(CANDIDATES)[:3]],
    "panel": [list(INTERVIEWERS)],
    "version": ["kemendagri-2024"],
    "base": ["kemendagri-2024"],
    "kind": ["regency_city", "village", "business"],
    "export_format": ["jsonl", "csv"],
}
WHO = ("person_id", *IDENTITY_FIELDS)  # fields naming the caller: they get the caller's own id


def reason_of(response: requests.Response) -> str | None:
    """The reason a 4xx gives: {"detail": {"rule", "reason"}} (or a rows report), or FastAPI's
    validation list; None when it gives none."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return None
    if isinstance(detail, dict) and isinstance(detail.get("rule"), str) and detail["rule"]:
        reason = detail.get("reason") or detail.get("rejected")
        return f"{detail['rule']}: {reason}" if reason else None
    if isinstance(detail, list) and detail and all(isinstance(e, dict) and e.get("msg") for e in detail):
        return "; ".join(e["msg"] for e in detail)
    return None


@dataclass
class Fuzz:
    api: Api
    base_url: str
    statuses: Counter = field(default_factory=Counter)
    failures: dict[tuple[str, int, str], list[str]] = field(default_factory=dict)  # by (operation, status, answer)
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self._tokens = {role: self.api.as_actor(who, role, provinces, candidate).token
                        for role, (who, provinces, candidate) in ACTORS.items()}

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def split(self) -> dict[str, int]:
        """Requests by status class, and each status."""
        classes = Counter(f"{status // 100}xx" for status in self.statuses.elements())
        return {**dict(sorted(classes.items())), **{str(s): n for s, n in sorted(self.statuses.items())}}

    def run(self, at_least: int) -> None:
        """Generate cases for every operation until at least `at_least` requests were sent."""
        schema = schemathesis.openapi.from_url(f"{self.base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        while self.requests < at_least:
            per_operation = math.ceil((at_least - self.requests) * 1.05 / len(operations))
            for operation in operations:
                self._fuzz(operation, per_operation)
            # operations without inputs are exhausted after one case: the next round is for the rest
            operations = [op for op in operations if op.path_parameters or op.query or op.headers or op.body]
            if not operations:
                break

    def _fuzz(self, operation, examples: int) -> None:
        rule = POLICY.get((operation.method.upper(), operation.path))
        roles = sorted(rule.roles) if rule else ["organiser"]
        cases = st.one_of(*(operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))

        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=cases, role=st.sampled_from(roles), real=st.booleans(), data=st.data())
        def call(case, role, real, data):
            if real:
                _point_at_real_ids(case, ACTORS[role][0], data)
            headers = {"Authorization": f"Bearer {self._tokens[role]}"}
            response = case.call(base_url=self.base_url, session=self.session, headers=headers, timeout=60)
            self._judge(case, role, response)

        call()

    def _judge(self, case, role: str, response: requests.Response) -> None:
        status = response.status_code
        self.statuses[status] += 1
        if status >= 500 or (status >= 400 and reason_of(response) is None):
            key = (case.operation.label, status, _shape(response))
            self.failures.setdefault(key, []).append(f"as {role}: {response.text[:300]}\n"
                                                     f"      {case.as_curl_command()[:1000]}")

    def report(self) -> str:
        """Each kind of bad answer once: the operation, the status, how often, one example."""
        return "\n".join(f"  {label} -> {status} ({len(seen)}x) {seen[0]}"
                         for (label, status, _), seen in sorted(self.failures.items()))


def _shape(response: requests.Response) -> str:
    """What kind of bad answer: the same kind is reported once per operation and status."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return "not a JSON object"
    return f"detail is {type(detail).__name__}"


def _point_at_real_ids(case, who: str, data) -> None:
    """Replace generated values by the demo's real ones (or by the caller's own id) where the names match."""
    def pick(name: str, current):
        if name in WHO:
            return who
        return data.draw(st.sampled_from(KNOWN[name])) if name in KNOWN else current

    for container in (case.path_parameters, case.query):
        if isinstance(container, dict):
            for name in list(container):
                container[name] = pick(name, container[name])
    if isinstance(case.body, dict):
        for name in list(case.body):
            case.body[name] = pick(name, case.body[name])
