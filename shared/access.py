"""Who may do what: every route's rule (roles, and what scopes it), checked before the route runs.

A route without a rule is refused (default deny). Provincial roles act only on their provinces'
candidates and boards, a candidate only on itself; organisers and auditors are national, and an
auditor only reads. A command naming a person (the assessor who scores, the member who signs)
must name the one who is asking: nobody acts on behalf of someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import HTTPException, Request

from shared.auth import Principal, Unauthenticated, read_token
from shared.processor import stored_aggregate

# "own provinces": a read answered for the caller's provinces only (`answered_provinces`)
Scope = Literal["any", "candidate", "province", "national", "self", "own provinces"]

N, A = "organiser", "auditor"
CH, CS, AS, IV = "committee-chair", "committee-secretary", "assessor", "interviewer"
CA, RS = "candidate", "regional-service"
PROVINCIAL = frozenset({CH, CS, AS, IV})
BOARD_READERS = frozenset({N, A}) | PROVINCIAL
CANDIDATE_READERS = BOARD_READERS | {CA}
EVERYONE = CANDIDATE_READERS | {RS}


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    scope: Scope = "any"


def _rule(*roles: str | frozenset[str], scope: Scope = "any") -> Rule:
    flat = set()
    for role in roles:
        flat |= set(role) if isinstance(role, frozenset) else {role}
    return Rule(frozenset(flat), scope)


PUBLIC = frozenset({"/health", "/ready", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
IDENTITY_FIELDS = ("assessor_id", "interviewer_id", "decided_by", "published_by", "requested_by", "approved_by",
                   "saved_by", "excluded_by")

POLICY: dict[tuple[str, str], Rule] = {
    # registration
    ("POST", "/cycles"): _rule(N),
    ("POST", "/cycle-documents"): _rule(N),
    ("POST", "/cycles/{cycle_id}/stage"): _rule(N),
    ("GET", "/cycles/{cycle_id}"): _rule(EVERYONE),
    ("POST", "/candidates"): _rule(N),
    ("POST", "/candidates/import"): _rule(N),
    ("GET", "/candidates/{candidate_id}"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("POST", "/candidates/{candidate_id}/withdrawal"): _rule(N, CA, scope="candidate"),
    ("POST", "/committee-members"): _rule(N),
    ("POST", "/panellists"): _rule(N),
    ("POST", "/conflicts"): _rule(N, AS, IV, scope="self"),
    ("GET", "/people/{person_id}"): _rule(N, A, PROVINCIAL, scope="self"),
    ("POST", "/reference-data/{version}/villages"): _rule(N),
    ("GET", "/reference-data"): _rule(EVERYONE),
    ("GET", "/reference-data/{version}"): _rule(EVERYONE),
    ("GET", "/reference-data/{version}/villages/{code}"): _rule(EVERYONE),
    # evidence
    ("POST", "/coverage-figures"): _rule(N, RS, CS, scope="candidate"),
    ("POST", "/coverage-figures/corrections"): _rule(N, RS, CS, scope="candidate"),
    ("POST", "/coverage-figures/import"): _rule(N, RS, scope="national"),
    ("POST", "/verifications"): _rule(N, CS, scope="candidate"),
    ("POST", "/screenings"): _rule(N),
    ("POST", "/candidates/{candidate_id}/documents"): _rule(N, CS, CA, scope="candidate"),
    ("GET", "/candidates/{candidate_id}/documents/{sha256}"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("GET", "/candidates/{candidate_id}/evidence"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("POST", "/membership-data/{period}"): _rule(N, RS, scope="national"),
    ("GET", "/membership-data/{period}"): _rule(N, A, RS),
    ("POST", "/membership-screenings"): _rule(N),
    ("GET", "/membership-screenings/{cycle_id}/{period}"): _rule(N, A),
    ("GET", "/membership-screenings/{cycle_id}/{period}/eligible.csv"): _rule(N, A),
    # scoring
    ("POST", "/scores"): _rule(AS, scope="candidate"),
    ("POST", "/amendments"): _rule(AS, scope="candidate"),
    ("POST", "/confirmations"): _rule(AS, scope="candidate"),
    ("GET", "/candidates/{candidate_id}/scores"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("GET", "/candidates/{candidate_id}/citable-evidence"): _rule(CANDIDATE_READERS, scope="candidate"),
    # interview
    ("POST", "/interviews"): _rule(N, CH, CS, scope="candidate"),
    ("POST", "/no-shows"): _rule(N, CH, CS, scope="candidate"),
    ("POST", "/interview-scores"): _rule(IV, scope="candidate"),
    ("POST", "/interview-amendments"): _rule(IV, scope="candidate"),
    ("GET", "/candidates/{candidate_id}/interview"): _rule(CANDIDATE_READERS, scope="candidate"),
    # ranking
    ("POST", "/shortlists"): _rule(CH, CS, scope="province"),
    ("GET", "/shortlists/{cycle_id}/{category_id}/provinces/{province}"): _rule(BOARD_READERS, scope="province"),
    ("POST", "/publications"): _rule(N, CH, CS, scope="province"),
    ("GET", "/publications/{cycle_id}/{category_id}/provinces/{province}"): _rule(BOARD_READERS, scope="province"),
    ("POST", "/reopening-requests"): _rule(N),
    ("POST", "/reopening-approvals"): _rule(N),
    ("GET", "/leaderboards/{cycle_id}/{category_id}/provinces/{province}"): _rule(BOARD_READERS, scope="province"),
    ("GET", "/leaderboards/{cycle_id}/{category_id}/provinces/{province}/as-of"):
        _rule(BOARD_READERS, scope="province"),
    ("GET", "/leaderboards/{cycle_id}/{category_id}/zones/{zone}"): _rule(N, A, CH, CS),
    ("GET", "/leaderboards/{cycle_id}/{category_id}/national"): _rule(N, A, CH, CS),
    ("GET", "/standings/{candidate_id}"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("GET", "/candidates/{candidate_id}/explanation"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("GET", "/exports/{cycle_id}/leaderboards.csv"): _rule(N, A),
    ("GET", "/history/{kind}/{subject_key}"): _rule(N, A),
    ("GET", "/audit/verify"): _rule(N, A),
    ("GET", "/audit/cycles/{cycle_id}/events.{export_format}"): _rule(N, A),
    ("POST", "/rebuilds"): _rule(N),
    ("GET", "/rebuilds"): _rule(N, A),
    ("POST", "/rebuilds/switch"): _rule(N),
    ("POST", "/scenarios"): _rule(N),
    ("POST", "/scenarios/preview"): _rule(N, A),
    ("GET", "/scenarios"): _rule(N, A),
    ("GET", "/scenarios/compare"): _rule(N, A),
    ("GET", "/scenarios/{scenario_id}"): _rule(N, A),
    ("GET", "/scenarios/{scenario_id}/outcome"): _rule(N, A),
    ("POST", "/panellist-exclusions"): _rule(N),
    ("GET", "/analytics/{cycle_id}/panellists"): _rule(N, A),
    ("GET", "/cycles"): _rule(EVERYONE),
    ("GET", "/progress/{cycle_id}"): _rule(N, A, CH, CS, scope="own provinces"),
    ("GET", "/coverage/{cycle_id}/provinces"): _rule(N, A, CH, CS, scope="own provinces"),
    ("GET", "/publications/{cycle_id}/{category_id}/provinces/{province}/proof-leaves"): _rule(EVERYONE),
    ("GET", "/publications/{cycle_id}/{category_id}/provinces/{province}/proofs/{event_id}"): _rule(EVERYONE),
    # every service
    ("GET", "/imports/{key}"): _rule(N, RS),
    ("GET", "/dead-letters"): _rule(N, A),
    ("POST", "/dead-letters/{partition}/{offset}/replay"): _rule(N),
    ("GET", "/directory/candidates/{candidate_id}"): _rule(CANDIDATE_READERS, scope="candidate"),
    ("GET", "/directory/cycles/{cycle_id}"): _rule(EVERYONE),
    ("GET", "/directory/panellists/{cycle_id}/{person_id}"): _rule(N, A, PROVINCIAL, scope="self"),
}


def forbidden(rule: str, reason: str) -> HTTPException:
    return HTTPException(403, {"rule": rule, "reason": reason})


def principal_of(request: Request) -> Principal:
    secret = request.app.state.settings.jwt_secret
    if secret is None:
        raise HTTPException(401, {"rule": "authentication_not_configured",
                                  "reason": "set PARITRANA_JWT_SECRET: there is no default key"})
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, {"rule": "token_required", "reason": "send Authorization: Bearer <token>"},
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        return read_token(secret.get_secret_value(), token.strip())
    except Unauthenticated as exc:
        raise HTTPException(401, {"rule": "invalid_token", "reason": str(exc)},
                            headers={"WWW-Authenticate": "Bearer"}) from exc


async def authorize(request: Request) -> None:
    """Runs before every route: who asks, and may they ask this of this target."""
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    if path in PUBLIC:
        return
    principal = principal_of(request)
    rule = POLICY.get((request.method, path))
    if rule is None:
        raise forbidden("no_access_rule", f"{request.method} {path} has no access rule: refused")
    if principal.role not in rule.roles:
        raise forbidden("role_not_allowed", f"a {principal.role} may not {request.method} {path}")
    body = await _body(request)
    await _check_scope(request, principal, rule, body)
    _check_identity(principal, body)
    request.state.principal = principal
    if rule.scope == "own provinces":
        national = principal.role in (N, A) or principal.covers(None)  # covers(None): every province
        request.state.answered_provinces = None if national else sorted(set(principal.provinces))


def answered_provinces(request: Request) -> list[str] | None:
    """The provinces a read whose rule is scoped "own provinces" is answered for (None: every one).
    A route without that rule has none to ask for: it would answer more than its rule allows."""
    try:
        return request.state.answered_provinces
    except AttributeError:
        raise RuntimeError(f"{request.url.path} has no 'own provinces' access rule") from None


async def _body(request: Request) -> dict[str, Any]:
    """The JSON body, if the request has one (streamed uploads and imports are not read here)."""
    if request.method != "POST" or not request.headers.get("content-type", "").startswith("application/json"):
        return {}
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        return {}  # the route answers a malformed body with its own 4xx
    return body if isinstance(body, dict) else {}


def _target(request: Request, body: dict[str, Any], field: str) -> str | None:
    value = request.path_params.get(field) or body.get(field)
    return value if isinstance(value, str) else None


async def _check_scope(request: Request, who: Principal, rule: Rule, body: dict[str, Any]) -> None:
    if who.role in (N, A) or rule.scope == "any":
        return
    if rule.scope == "national":
        if not who.covers(None):
            raise forbidden("outside_scope", "only a national service may do this for every province")
    elif rule.scope == "self":
        person = _target(request, body, "person_id")
        if person is not None and person != who.id:
            raise forbidden("outside_scope", f"{who.id} may see or declare only for themselves")
    elif rule.scope == "province":
        province = _target(request, body, "province")
        if not who.covers(province):
            raise forbidden("outside_scope", f"{who.id} does not act for {province}")
    else:
        await _check_candidate(request, who, _target(request, body, "candidate_id"))


async def _check_candidate(request: Request, who: Principal, candidate_id: str | None) -> None:
    if candidate_id is None:
        return  # nothing targeted yet: the route refuses the body on its own
    if who.role == CA:
        if who.candidate_id != candidate_id:
            raise forbidden("outside_scope", "a candidate sees and acts only for itself")
        return
    province = await candidate_province(request.app.state.runtime, candidate_id)
    if province is not None and not who.covers(province):
        raise forbidden("outside_scope", f"{candidate_id} is not in a province {who.id} acts for")


async def candidate_province(rt, candidate_id: str) -> str | None:
    """Where the service knows the candidate from: its directory, its standings, or (registration)
    the candidate aggregate itself. None for an unknown candidate (the route then says so)."""
    for collection in ("directory_candidates", "standings"):
        doc = await rt.store.get(collection, candidate_id)
        if doc and doc.get("province"):
            return doc["province"]
    doc = await stored_aggregate(rt.store, f"candidate/{candidate_id}")
    registered = (doc or {}).get("state", {}).get("registered") or {}
    return registered.get("province")


def _check_identity(who: Principal, body: dict[str, Any]) -> None:
    for field in IDENTITY_FIELDS:
        named = body.get(field)
        if named is not None and named != who.id:
            raise forbidden("not_yourself", f"{field} {named!r} is not {who.id}: nobody acts on behalf of another")
