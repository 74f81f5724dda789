"""The demo cycle: one province, four regency/city candidates, played through the HTTP APIs."""

from __future__ import annotations

from paritrana.client import Api
from services.registration.cycle_files import shipped
from shared.contracts.cycle_config import STAGES

PROVINCE = "jawa-barat"
CATEGORY = "regency-city"

# candidate id: (name, workers enrolled of 1000, {indicator: [assessor scores]}, interview score)
CANDIDATES = {
    "kota-bandung": ("Kota Bandung", 700, {"policy": [80, 90], "implementation": [70, 80]}, 88),
    "kab-bekasi": ("Kabupaten Bekasi", 450, {"policy": [90, 94], "implementation": [85, 85]}, 90),
    "kab-bogor": ("Kabupaten Bogor", 620, {"policy": [60, 75], "implementation": [80, 70]}, 80),
    "kota-depok": ("Kota Depok", 200, {"policy": [70, 70], "implementation": [60, 60]}, 70),
}
AMENDMENT = ("kab-bogor", "policy", "assessor-1", 75, "regional regulation 4/2023 was overlooked at first reading")


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


def advance(api: Api, cycle_id: str, to_stage: str) -> None:
    """Move the cycle on through every stage up to `to_stage`, and wait until the services see it."""
    organiser = api.as_actor("organiser-1", "organiser")
    current = organiser.get("registration", f"/cycles/{cycle_id}")["stage"]
    for stage in STAGES[STAGES.index(current) + 1 : STAGES.index(to_stage) + 1]:
        organiser.post("registration", f"/cycles/{cycle_id}/stage", {"to_stage": stage}, key=f"{cycle_id}-to-{stage}")
    for service in ("evidence", "scoring", "interview"):
        api.wait_for(service, f"/directory/cycles/{cycle_id}", until=lambda c: c["stage"] == to_stage)


def play_demo(api: Api) -> dict:
    """Play the cycle end to end and return the provincial leaderboard once it is complete."""
    config = demo_config()
    cycle_id = config["cycle_id"]
    open_cycle(api, config)
    register(api, cycle_id, {candidate_id: name for candidate_id, (name, *_rest) in CANDIDATES.items()})
    _submit_figures(api.as_actor("bpjs-data-office", "data-officer"))
    _verify_figures(api.as_actor("secretary-jabar", "committee-secretary"))
    advance(api, cycle_id, "assessment")
    score_ids = _score(api)
    _amend(api, score_ids)
    advance(api, cycle_id, "interview")
    _interview(api.as_actor("interviewer-1", "interviewer"))
    return api.wait_for(
        "ranking",
        f"/leaderboards/{cycle_id}/{CATEGORY}/provinces/{PROVINCE}",
        until=lambda board: len(board["ranked"]) == len(CANDIDATES) and _amended(board),
    )


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
            for n, value in enumerate(values, start=1):
                assessor = f"assessor-{n}"
                score_id = f"s-{candidate_id}-{indicator}-{n}"
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


def _interview(interviewer: Api) -> None:
    for candidate_id, (_name, _enrolled, _scores, value) in CANDIDATES.items():
        body = {"score_id": f"i-{candidate_id}", "candidate_id": candidate_id, "interviewer_id": "interviewer-1",
                "value": value, "attendee": "regional head in person"}
        interviewer.post("interview", "/interview-scores", body, key=f"interview-{candidate_id}")


def _amended(board: dict) -> bool:
    candidate_id, indicator, _assessor, _value, _reason = AMENDMENT
    row = next(r for r in board["ranked"] if r["candidate_id"] == candidate_id)
    return row["indicators"][indicator] == 75
