"""Published proofs: the Merkle tree (by hand), the events a published board depends on, the root
the publication records, inclusion proofs over HTTP, and the plug-in kit's verifier."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

import pytest

from paritrana import proofs_verify
from services.ranking.proofs import inclusion_path, inclusion_proof, leaves, merkle_root, NotALeaf
from services.ranking.publication import ProvincialResults, PublishProvincialResults, Publishing, ResultsState, Trails
from services.ranking.replay import fold, up_to, views
from services.ranking.trail import AuditTrail, cycle_trail_id
from services.registration.cycle_files import shipped
from shared.board_status import BOARD_STATUS, BoardStatus
from shared.contracts.ranking import ProvincialResultsPublished
from shared.contracts.scoring import ScoreAmended
from shared.envelope import seal
from tests.unit.test_envelope import ONE_OF_EACH, fields
from tests.unit.test_trail_and_explain import BOARD, CATEGORY, CYCLE, DEMO, PROVINCE, Facts, advance, demo_facts
from tests.unit.test_whatif import record, serving


def _h(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


HASHES = [hashlib.sha256(bytes([n])).hexdigest() for n in range(9)]
A, B, C, D, E = (bytes.fromhex(h) for h in HASHES[:5])


# --- the tree ----------------------------------------------------------------------------------------

def test_the_root_by_hand():
    node = lambda left, right: _h(b"\x01", left, right)  # noqa: E731
    assert merkle_root([]) is None
    assert merkle_root(HASHES[:1]) == A.hex()
    assert merkle_root(HASHES[:2]) == node(A, B).hex()
    assert merkle_root(HASHES[:3]) == node(node(A, B), C).hex()
    assert merkle_root(HASHES[:5]) == node(node(node(A, B), node(C, D)), E).hex()
    assert inclusion_path(HASHES[:5], 4) == [{"side": "left", "hash": node(node(A, B), node(C, D)).hex()}]
    assert inclusion_path(HASHES[:3], 1) == [{"side": "left", "hash": A.hex()}, {"side": "right", "hash": C.hex()}]


def _sealed(n: int) -> list[dict]:
    return [seal(fields(event_id=f"ev-{i}", sequence=i + 1)).model_dump(mode="json") for i in range(n)]


@pytest.mark.parametrize("n", range(1, 10))
def test_every_leaf_of_every_tree_verifies_with_the_kit(n):
    events = _sealed(n)
    hashes = [e["hash"] for e in events]
    root = merkle_root(hashes)
    for index, event in enumerate(events):
        assert proofs_verify.verify(root, event, inclusion_path(hashes, index)) == (
            True, f"event ev-{index} (InterviewScored) is included under {root}")
    if n > 1:
        ok, why = proofs_verify.verify(root, events[0], inclusion_path(hashes, 1))
        assert not ok and why.startswith("the path leads to")


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.TYPE)
def test_the_kit_hashes_every_contract_as_the_envelope_does(event):
    envelope = seal(fields(event))
    assert proofs_verify.event_hash(json.loads(json.dumps(envelope.model_dump(mode="json")))) == envelope.hash


# --- a published board ---------------------------------------------------------------------------------

def published_facts() -> tuple[Facts, ProvincialResultsPublished]:
    """The demo cycle published by the province's chair, its root computed from the trails."""
    facts = demo_facts()
    advance(facts, CYCLE, "interview", "provincial_results")
    known, trails = views(up_to(facts.pairs)), fold(AuditTrail(), facts.pairs)
    standings = [s for s in known.standings.values() if s.get("province") == PROVINCE]
    context = Publishing(shipped("demo"), "provincial_results",
                         {"person_id": "sekda-jabar", "committees": {PROVINCE: "chair"}}, standings,
                         known.shortlists[BOARD], Trails([trails[s["candidate_id"]] for s in standings],
                                                         trails[cycle_trail_id(CYCLE)], trails[BOARD]))
    command = PublishProvincialResults(cycle_id=CYCLE, category_id=CATEGORY, province=PROVINCE,
                                       published_by="sekda-jabar")
    events = ProvincialResults().decide(command, ResultsState(), context)
    for event in events:
        record(facts, event, ("sekda-jabar", "committee-chair"))
    return facts, events[0]


def _depended_on(facts: Facts) -> list:
    kept = [e for e, ev in facts.pairs if getattr(ev, "candidate_id", None) in DEMO or e.type in (
        "CycleOpened", "ShortlistSettled")]
    return sorted((e for e in kept if e.type not in ("NomineeNominated",)), key=lambda e: e.event_id)


def test_the_publication_records_the_root_over_the_events_the_board_depends_on():
    facts, published = published_facts()
    depended = _depended_on(facts)
    # per candidate: registration, figure, its verification, the derived coverage score and four
    # assessors' scores; Kab. Bogor's amendment; interview scheduled and scored for the three
    # shortlisted; the cycle's opening and the shortlist
    assert published.merkle_leaves == len(depended) == 4 * 8 + 1 + 3 * 2 + 2
    assert published.merkle_root == merkle_root([e.hash for e in depended])
    assert published.merkle_as_of == max(e.occurred_at for e in depended)
    assert {e.type for e in depended} >= {"CycleOpened", "ShortlistSettled", "ScoreAmended", "InterviewScored"}
    payload = published.model_dump(mode="json")
    assert payload["merkle_root"] == published.merkle_root and "merkle_as_of" in payload
    without = ProvincialResultsPublished(**{k: v for k, v in payload.items() if not k.startswith("merkle")})
    assert not any(k.startswith("merkle") for k in without.model_dump())  # payloads as before roots existed


def test_leaves_keep_the_cycles_opening_the_shortlist_and_nothing_after_the_publication():
    facts, published = published_facts()
    later = facts.add(ScoreAmended(score_id="s-kab-bogor-policy-2-a1", supersedes="s-kab-bogor-policy-2",
                                   candidate_id="kab-bogor", indicator_id="policy", assessor_id="assessor-2",
                                   value=80, reason="after a reopening"), ("assessor-2", "assessor"))
    trails = fold(AuditTrail(), facts.pairs)
    candidates = [trails[c] for c in DEMO]
    everything = leaves(candidates, trails[cycle_trail_id(CYCLE)], trails[BOARD])
    assert later.event_id in {e["event_id"] for e in everything}
    assert not {e["type"] for e in everything} & {"CycleStageAdvanced", "ProvincialResultsPublished"}
    then = leaves([*candidates, candidates[0]], trails[cycle_trail_id(CYCLE)], trails[BOARD], published.merkle_as_of)
    assert [e["event_id"] for e in then] == sorted(e["event_id"] for e in then)  # by event id, each once
    assert merkle_root([e["hash"] for e in then]) == published.merkle_root and len(then) == published.merkle_leaves


def test_an_inclusion_proof_verifies_for_a_real_event_and_fails_for_an_altered_one(tmp_path):
    facts, published = published_facts()
    trails = fold(AuditTrail(), facts.pairs)
    entries = leaves([trails[c] for c in DEMO], trails[cycle_trail_id(CYCLE)], trails[BOARD], published.merkle_as_of)
    amendment = next(e for e, ev in facts.pairs if isinstance(ev, ScoreAmended))
    proof = inclusion_proof(entries, amendment.event_id)
    assert proof["event"] == amendment.model_dump(mode="json") and proof["root"] == published.merkle_root
    assert proofs_verify.verify(published.merkle_root, proof["event"], proof["path"])[0] is True
    altered = {**proof["event"], "payload": {**proof["event"]["payload"], "value": 95.0}}
    assert proofs_verify.verify(published.merkle_root, altered, proof["path"]) == (
        False, f"event {amendment.event_id} was altered: its fields do not give its hash")
    forged = {**altered, "hash": proofs_verify.event_hash(altered)}  # re-hashed: the tree gives it away
    ok, why = proofs_verify.verify(published.merkle_root, forged, proof["path"])
    assert not ok and why.startswith("the path leads to")
    with pytest.raises(NotALeaf):
        inclusion_proof(entries, "00000000-0000-7000-8000-ffffffffffff")
    # the kit on the command line
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "altered.json").write_text(json.dumps(altered))
    assert proofs_verify.main(["--root", published.merkle_root, str(tmp_path / "proof.json")]) == 0
    assert proofs_verify.main(["--root", published.merkle_root, str(tmp_path / "proof.json"),
                               "--event", str(tmp_path / "altered.json")]) == 1
    assert proofs_verify.main(["--root", "0" * 64, str(tmp_path / "proof.json")]) == 1
    (tmp_path / "bad.json").write_text(json.dumps({**proof, "path": [{"side": "up", "hash": "00"}]}))
    assert proofs_verify.main(["--root", published.merkle_root, str(tmp_path / "bad.json")]) == 1


# --- over HTTP ---------------------------------------------------------------------------------------

@pytest.fixture
async def served(tmp_path):
    facts, published = published_facts()
    async with serving(tmp_path, facts, [BoardStatus()]) as (http, store):
        yield SimpleNamespace(http=http, facts=facts, published=published, store=store)


PUBLICATIONS = f"/publications/{CYCLE}/{CATEGORY}/provinces/{PROVINCE}"


async def test_the_proof_routes_serve_what_the_kit_verifies(served):
    amendment = next(e for e, ev in served.facts.pairs if isinstance(ev, ScoreAmended))
    answer = (await served.http.get(f"{PUBLICATIONS}/proofs/{amendment.event_id}")).json()  # no role needed
    root = served.published.merkle_root
    assert (answer["board_id"], answer["publication"], answer["merkle_root"], answer["root"]) == (BOARD, 1, root, root)
    assert proofs_verify.verify(root, answer["event"], answer["path"])[0] is True
    listed = (await served.http.get(f"{PUBLICATIONS}/proof-leaves", params={"publication": 1})).json()
    assert merkle_root([leaf["hash"] for leaf in listed["leaves"]]) == root
    assert len(listed["leaves"]) == served.published.merkle_leaves == answer["leaves"]
    for path, status, rule in [
        (f"{PUBLICATIONS}/proofs/00000000-0000-7000-8000-ffffffffffff", 404, "not_a_leaf"),
        (f"{PUBLICATIONS}/proofs/{amendment.event_id}?publication=2", 404, "not_published"),
        (f"/publications/{CYCLE}/{CATEGORY}/provinces/banten/proof-leaves", 404, "not_published"),
    ]:
        response = await served.http.get(path)
        assert (response.status_code, response.json()["detail"]["rule"]) == (status, rule), path


async def test_a_trail_that_no_longer_gives_the_root_is_reported(served):
    trail = await served.store.get("audit_trails", "kab-bogor")
    await served.store.put("audit_trails", "kab-bogor", {**trail, "events": trail["events"][1:]})
    response = await served.http.get(f"{PUBLICATIONS}/proof-leaves")
    assert (response.status_code, response.json()["detail"]["rule"]) == (409, "leaves_changed")


async def test_a_publication_without_a_root_has_no_proofs(served):
    status = await served.store.get(BOARD_STATUS, BOARD)
    [publication] = status["publications"]
    bare = {k: v for k, v in publication.items() if not k.startswith("merkle")}
    await served.store.put(BOARD_STATUS, BOARD, {**status, "publications": [bare]})
    response = await served.http.get(f"{PUBLICATIONS}/proof-leaves")
    assert (response.status_code, response.json()["detail"]["rule"]) == (404, "no_root")
