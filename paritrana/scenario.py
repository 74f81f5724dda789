"""The demo cycle: one province, four regency/city candidates, played through the HTTP APIs:
registration, panel, coverage figures, assessors' scores and an amendment, the plenary's
shortlist, interviews, and the final provincial leaderboard."""

from __future__ import annotations

from collections.abc import Callable

from paritrana.client import Api
from services.registration.cycle_files import shipped
from shared.contracts.cycle_config import STAGES

PROVINCE = "jawa-barat"
CATEGORY = "regency-city"
ASSESSORS = ("assessor-1", "assessor-2")
INTERVIEWERS = ("interviewer-1", "interviewer-2")
CHAIR = "sekda-jabar"
ORGANISERS = (("sesmenko-pmk", "chair", "Secretary of the Coordinating Ministry (Kemenko PMK)"),
              ("direktur-kepesertaan", "vice_chair", "BPJS Ketenagakerjaan membership director"))

# candidate id: (name, workers enrolled of 1000, {indicator: [assessor scores]}, interview score)
CANDIDATES = {
    "kota-bandung": ("Kota Bandung", 700, {"policy": [80, 90], "implementation": [70, 80]}, 88),
    "kab-bekasi": ("Kabupaten Bekasi", 450, {"policy": [90, 94], "implementation": [85, 85]}, 90),
    "kab-bogor": ("Kabupaten Bogor", 620, {"policy": [60, 75], "implementation": [80, 70]}, 80),
    "kota-depok": ("Kota Depok", 200, {"policy": [70, 70], "implementation": [60, 60]}, 70),
}
AMENDMENT = ("kab-bogor", "policy", "assessor-1", 75, "regional regulation 4/2023 was overlooked at first reading")
SHORTLIST_SIZE = 3  # the demo rubric's: Kota Depok, fourth after the document stage, is not interviewed


def demo_config() -> dict:
    return shipped("demo").model_dump(mode="json")


def open_cycle(api: Api, config: dict) -> None:
    api.as_actor("organiser-1", "organiser").post("registration", "/cycles", config, key=f"open-{config['cycle_id']}")


def register(api: Api, cycle_id: str, candidates: dict[str, str], province: str = PROVINCE) -> None:
    """Register regency/city candidates ({id: name}) and wait until every service knows them."""
    organiser = api.as_actor("organiser-1", "organiser")
    for candidate_id, name in candidates.items():
        body = {"candidate_id": candidate_id, "cycle_id": cycle_id, "category_id": CATEGORY,
                "kind": "regency_city", "name": name, "province": province}
        organiser.post("registration", "/candidates", body, key=f"register-{candidate_id}")
    for service in ("evidence", "scoring", "interview"):
        for candidate_id in candidates:
            api.wait_for(service, f"/directory/candidates/{candidate_id}")


def appoint_panel(api: Api, cycle_id: str, province: str = PROVINCE, categories: tuple[str, ...] = (CATEGORY,),
                  assessors=ASSESSORS, interviewers=INTERVIEWERS, chair: str = CHAIR) -> None:
    """Appoint the province's committee chair, assessors and interviewers, and wait until scoring,
    interview and ranking know them."""
    organiser = api.as_actor("organiser-1", "organiser")
    organiser.post("registration", "/committee-members", {
        "person_id": chair, "name": f"Sekretaris Daerah {province}", "cycle_id": cycle_id, "committee": province,
        "role": "chair", "represents": "provincial secretary (Sekda)"}, key=f"{cycle_id}-{province}-chair-{chair}")
    duties = [("assessor", p) for p in assessors] + [("interviewer", p) for p in interviewers]
    for duty, person in duties:
        organiser.post("registration", "/panellists", {
            "person_id": person, "name": person.replace("-", " ").title(), "cycle_id": cycle_id, "duty": duty,
            "province": province, "category_ids": list(categories)}, key=f"{cycle_id}-{province}-{duty}-{person}")
    waits = [("ranking", chair)] + [("scoring", p) for p in assessors] + [("interview", p) for p in interviewers]
    for service, person in waits:
        api.wait_for(service, f"/directory/panellists/{cycle_id}/{person}", until=lambda doc: _places(doc) >= {province})


def _places(panellist: dict) -> set[str]:
    duties = panellist.get("duties", {})
    return {*panellist.get("committees", {}), *duties.get("assessor", {}), *duties.get("interviewer", {})}


def advance(api: Api, cycle_id: str, to_stage: str) -> None:
    """Move the cycle on through every stage up to `to_stage`, and wait until the services see it."""
    organiser = api.as_actor("organiser-1", "organiser")
    current = organiser.get("registration", f"/cycles/{cycle_id}")["stage"]
    for stage in STAGES[STAGES.index(current) + 1 : STAGES.index(to_stage) + 1]:
        organiser.post("registration", f"/cycles/{cycle_id}/stage", {"to_stage": stage}, key=f"{cycle_id}-to-{stage}")
    for service in ("evidence", "scoring", "interview", "ranking"):
        api.wait_for(service, f"/directory/cycles/{cycle_id}", until=lambda c: c["stage"] == to_stage)


def board_path(cycle_id: str, category: str = CATEGORY, province: str = PROVINCE) -> str:
    return f"/leaderboards/{cycle_id}/{category}/provinces/{province}"


def play_demo(api: Api, after_step: Callable[[str], None] = lambda step: None) -> dict:
    """Play the cycle end to end and return the final provincial leaderboard; `after_step` is
    called with each step's name (tests interrupt services there)."""
    config = demo_config()
    cycle_id = config["cycle_id"]
    state: dict = {}

    def shortlist() -> None:
        document_stage = api.wait_for(
            "ranking", board_path(cycle_id),
            until=lambda board: len(board["ranked"]) == len(CANDIDATES) and _amended(board))
        advance(api, cycle_id, "plenary")
        state["shortlisted"] = [r["candidate_id"] for r in document_stage["ranked"][:SHORTLIST_SIZE]]
        settle_shortlist(api, cycle_id, state["shortlisted"])

    steps = [
        ("open", lambda: open_cycle(api, config)),
        ("register", lambda: register(api, cycle_id, {c: name for c, (name, *_rest) in CANDIDATES.items()})),
        ("panel", lambda: appoint_panel(api, cycle_id)),
        ("figures", lambda: _submit_figures(api.as_actor("bpjs-data-office", "regional-service"))),
        ("verification", lambda: _verify_figures(api.as_actor("secretary-jabar", "committee-secretary"))),
        ("assessment", lambda: advance(api, cycle_id, "assessment")),
        ("scores", lambda: state.update(score_ids=_score(api))),
        ("amendment", lambda: _amend(api, state["score_ids"])),
        ("plenary", shortlist),
        ("interview", lambda: advance(api, cycle_id, "interview")),
        ("interviews", lambda: _interview(api, state["shortlisted"])),
    ]
    for name, step in steps:
        step()
        after_step(name)
    return api.wait_for("ranking", board_path(cycle_id),
                        until=lambda board: len(board["ranked"]) == len(state["shortlisted"]))


def appoint_organisers(api: Api, cycle_id: str) -> None:
    """The national committee's chair and vice-chair: the organisers who may reopen results."""
    organiser = api.as_actor("organiser-1", "organiser")
    for person, role, represents in ORGANISERS:
        organiser.post("registration", "/committee-members", {
            "person_id": person, "name": represents, "cycle_id": cycle_id, "committee": "national",
            "role": role, "represents": represents}, key=f"{cycle_id}-national-{person}")
    for person, _role, _represents in ORGANISERS:
        api.wait_for("ranking", f"/directory/panellists/{cycle_id}/{person}",
                     until=lambda doc: "national" in doc.get("committees", {}))


def publish_results(api: Api, cycle_id: str, publication: int = 1, category: str = CATEGORY,
                    province: str = PROVINCE) -> dict:
    """The province's chair publishes the final results; wait until ranking shows them."""
    body = {"cycle_id": cycle_id, "category_id": category, "province": province, "published_by": CHAIR}
    api.as_actor(CHAIR, "committee-chair").post("ranking", "/publications", body,
                                                key=f"publish-{cycle_id}-{category}-{province}-{publication}")
    return api.wait_for("ranking", f"/publications/{cycle_id}/{category}/provinces/{province}",
                        until=lambda status: status["published"] == publication and _nominated(status))


def _nominated(status: dict) -> bool:
    """The nominations of the latest publication have all arrived too (they are events of their own,
    and the read store may show a batch's documents one by one): every nomination of the board,
    withdrawn ones included, carries the latest publication's digest, and one is nominated."""
    digest = status["publications"][-1]["leaderboard_digest"]
    nominations = status["nominations"]
    return all(_decided_by(n) == digest for n in nominations) and any(n["nominated"] for n in nominations)


def _decided_by(nomination: dict) -> str | None:
    """The digest of the publication that last nominated or withdrew it."""
    withdrawal = None if nomination["nominated"] else nomination.get("withdrawal")
    return (withdrawal or nomination)["leaderboard_digest"]


def settle_shortlist(api: Api, cycle_id: str, shortlisted: list[str], reasons: dict | None = None,
                     category: str = CATEGORY, province: str = PROVINCE) -> dict:
    """The chair settles the shortlist; wait until the interview service knows it."""
    body = {"cycle_id": cycle_id, "category_id": category, "province": province, "shortlisted": shortlisted,
            "decided_by": CHAIR, "deviation_reasons": reasons or {}}
    outcome = api.as_actor(CHAIR, "committee-chair").post("ranking", "/shortlists", body,
                                                          key=f"plenary-{cycle_id}-{category}-{province}")
    api.wait_for("interview", f"/shortlists/{cycle_id}/{category}/provinces/{province}")
    return outcome


def _submit_figures(officer: Api) -> None:
    for candidate_id, (_name, enrolled, _scores, _interview) in CANDIDATES.items():
        body = {"figure_id": f"cov-2024-{candidate_id}", "candidate_id": candidate_id, "period": "2024",
                "workers_eligible": 1000, "workers_enrolled": enrolled, "source": "BPJS Ketenagakerjaan membership"}
        officer.post("evidence", "/coverage-figures", body, key=f"figure-{candidate_id}")


def _verify_figures(secretary: Api) -> None:
    for candidate_id in CANDIDATES:
        body = {"candidate_id": candidate_id, "evidence_id": f"cov-2024-{candidate_id}", "verdict": "verified",
                "reason": "matches the BPJS Ketenagakerjaan membership export"}
        secretary.post("evidence", "/verifications", body, key=f"verify-{candidate_id}")


def _score(api: Api) -> dict[tuple[str, str, str], str]:
    score_ids = {}
    for candidate_id, (_name, _enrolled, scores, _interview) in CANDIDATES.items():
        for indicator, values in scores.items():
            for assessor, value in zip(ASSESSORS, values):
                score_id = f"s-{candidate_id}-{indicator}-{assessor[-1]}"
                body = {"score_id": score_id, "candidate_id": candidate_id, "indicator_id": indicator,
                        "assessor_id": assessor, "value": value, "evidence": [f"cov-2024-{candidate_id}"]}
                api.as_actor(assessor, "assessor").post("scoring", "/scores", body, key=f"score-{score_id}")
                score_ids[(candidate_id, indicator, assessor)] = score_id
    return score_ids


def _amend(api: Api, score_ids: dict[tuple[str, str, str], str]) -> None:
    candidate_id, indicator, assessor, value, reason = AMENDMENT
    original = score_ids[(candidate_id, indicator, assessor)]
    # the first score of this indicator was lower; the demo data holds the second assessor's
    api.as_actor(assessor, "assessor").post(
        "scoring",
        "/amendments",
        {"score_id": f"{original}-a1", "candidate_id": candidate_id, "supersedes": original,
         "assessor_id": assessor, "value": value, "reason": reason},
        key=f"amend-{original}",
    )


def _interview(api: Api, shortlisted: list[str]) -> None:
    interviewer = INTERVIEWERS[0]
    for candidate_id in shortlisted:
        name, _enrolled, _scores, value = CANDIDATES[candidate_id]
        schedule = {"candidate_id": candidate_id, "scheduled_for": "2025-02-17T09:00:00+07:00",
                    "panel": list(INTERVIEWERS), "principal": {"name": f"Head of {name}", "position": "regional head"},
                    "officials": [{"name": "Regional secretary", "position": "Sekda"},
                                  {"name": "Head of manpower office", "position": "Kadisnaker"}]}
        api.as_actor(CHAIR, "committee-chair").post("interview", "/interviews", schedule,
                                                    key=f"schedule-{candidate_id}")
        body = {"score_id": f"i-{candidate_id}", "candidate_id": candidate_id, "interviewer_id": interviewer,
                "indicator_id": "interview", "value": value}
        api.as_actor(interviewer, "interviewer").post("interview", "/interview-scores", body,
                                                      key=f"interview-{candidate_id}")


def _amended(board: dict) -> bool:
    candidate_id, indicator, _assessor, _value, _reason = AMENDMENT
    row = next(r for r in board["ranked"] if r["candidate_id"] == candidate_id)
    return row["indicators"][indicator] == 75
