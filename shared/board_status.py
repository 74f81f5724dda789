"""Whether a province's board (one category in one province) is published, and whether it is
reopened: the freeze on its candidates' scores. Kept by ranking, which publishes, and by scoring
and interview, which refuse amendments to a published board until an approved reopening."""

from __future__ import annotations

from shared.commands import Rejected
from shared.contracts.ranking import ProvincialResultsPublished, ReopeningRequested, ResultsReopened
from shared.projection import Projection, View
from shared.shortlists import shortlist_key

BOARD_STATUS = "board_status"
REOPENED_STAGE = "provincial_results"  # a reopened board's scores are amended in this stage only
_FOLLOWED = (ProvincialResultsPublished, ReopeningRequested, ResultsReopened)


class BoardStatus(Projection):
    """One doc per board id: `published` (the last publication's number, 0 before the first),
    `reopened`, the `reopening` asked for or approved since, and each publication's content."""

    collection = BOARD_STATUS

    def doc_id(self, envelope, event):
        return event.board_id if isinstance(event, _FOLLOWED) else None

    def apply(self, view: View, envelope, event) -> View:
        view = {"board_id": event.board_id, "published": 0, "reopened": False, "reopening": None,
                "publications": [], **view}
        if isinstance(event, ProvincialResultsPublished):
            where = event.model_dump(include={"cycle_id", "category_id", "province"})
            content = event.model_dump(mode="json", exclude={"board_id", *where})
            return {**view, **where, "published": event.publication, "reopened": False, "reopening": None,
                    "publications": [*view["publications"], content]}
        reopening = event.model_dump(exclude={"board_id"})
        return {**view, "reopened": isinstance(event, ResultsReopened), "reopening": reopening}


def is_frozen(status: View | None) -> bool:
    """Published, and not reopened since."""
    return bool(status and status.get("published") and not status.get("reopened"))


def require_open(status: View | None, stage: str | None, *stages: str) -> None:
    """Refuse a change to a candidate's scores unless the cycle is in one of `stages` (where such
    changes belong), or in provincial_results with the candidate's board reopened. A published
    board that is not reopened refuses it as `results_published`."""
    if stage in stages:
        return
    if is_frozen(status):
        raise Rejected("results_published", f"board {status['board_id']} is published: its scores change only after "
                       "an approved reopening")
    if stage == REOPENED_STAGE and status and status.get("reopened"):
        return
    raise Rejected("wrong_stage", f"the cycle is in {stage}; this needs {' or '.join(stages)}, "
                   f"or a reopened board in {REOPENED_STAGE}")


async def look_up_board(store, candidate: dict | None) -> View | None:
    """The status of the board the candidate is ranked on (None before its first publication)."""
    if candidate is None:
        return None
    return await store.get(BOARD_STATUS, shortlist_key(candidate["cycle_id"], candidate["category_id"],
                                                       candidate["province"]))
