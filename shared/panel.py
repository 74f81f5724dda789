"""Who sits on which panel: assessors, interviewers and committee members per cycle, with their
declared conflicts. A lagging copy of registration's people, used to refuse a score from someone
not appointed to the candidate's province and category, or conflicted with the candidate."""

from __future__ import annotations

from shared.commands import Rejected
from shared.contracts.registration import CommitteeMemberAppointed, ConflictDeclared, PanellistAppointed
from shared.projection import Projection, View

PANELLISTS = "directory_panellists"
NATIONAL = "national"


def panellist_key(cycle_id: str, person_id: str) -> str:
    return f"{cycle_id}:{person_id}"


class PanelDirectory(Projection):
    collection = PANELLISTS

    def doc_id(self, envelope, event):
        if isinstance(event, (PanellistAppointed, ConflictDeclared, CommitteeMemberAppointed)):
            return panellist_key(event.cycle_id, event.person_id)
        return None

    def apply(self, view: View, envelope, event) -> View:
        view = {"person_id": event.person_id, "cycle_id": event.cycle_id, "duties": {}, "committees": {},
                "conflicts": {}, **view}
        if isinstance(event, ConflictDeclared):
            return {**view, "conflicts": {**view["conflicts"], event.candidate_id: event.nature}}
        if isinstance(event, CommitteeMemberAppointed):
            return {**view, "name": event.name, "committees": {**view["committees"], event.committee: event.role}}
        places = {**view["duties"].get(event.duty, {}), event.province: event.category_ids}
        return {**view, "name": event.name, "duties": {**view["duties"], event.duty: places}}


def require_panellist(person: View | None, duty: str, candidate: dict) -> None:
    """Refuse unless `person` is appointed `duty` for the candidate's province (or nationally) and
    category, and has declared no conflict with the candidate."""
    places = (person or {}).get("duties", {}).get(duty, {})
    assigned = [p for p in (candidate["province"], NATIONAL) if candidate["category_id"] in places.get(p, [])]
    if not assigned:
        raise Rejected(
            "not_assigned",
            f"{(person or {}).get('person_id', 'this person')} is not appointed {duty} for "
            f"{candidate['category_id']} in {candidate['province']}",
            403,
        )
    nature = person.get("conflicts", {}).get(candidate["candidate_id"])
    if nature is not None:
        raise Rejected("conflict_of_interest", f"{person['person_id']} declared a conflict ({nature}) with "
                       f"{candidate['candidate_id']}", 403)


def require_committee(person: View | None, province: str, roles: tuple[str, ...]) -> None:
    role = (person or {}).get("committees", {}).get(province)
    if role not in roles:
        raise Rejected("not_committee", f"only the {' or '.join(roles)} of the {province} committee may do this", 403)


async def look_up_person(store, cycle_id: str, person_id: str) -> View | None:
    return await store.get(PANELLISTS, panellist_key(cycle_id, person_id))
