"""The plenary's shortlists as a read model, for the ranking service that settles them and the
interview service that may interview only the shortlisted."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from shared.contracts.ranking import ShortlistSettled
from shared.projection import Projection, View, without_bookkeeping

SHORTLISTS = "shortlists"


def shortlist_key(cycle_id: str, category_id: str, province: str) -> str:
    return f"{cycle_id}:{category_id}:{province}"


class Shortlists(Projection):
    collection = SHORTLISTS

    def doc_id(self, envelope, event):
        return event.shortlist_id if isinstance(event, ShortlistSettled) else None

    def apply(self, view: View, envelope, event) -> View:
        return event.model_dump(mode="json")


def shortlist_routes() -> APIRouter:
    router = APIRouter(tags=["shortlists"])

    @router.get("/shortlists/{cycle_id}/{category_id}/provinces/{province}")
    async def shortlist(cycle_id: str, category_id: str, province: str, request: Request):
        """The plenary's shortlist as this service knows it, with the ranking it was settled from."""
        doc = await request.app.state.runtime.store.get(SHORTLISTS, shortlist_key(cycle_id, category_id, province))
        if doc is None:
            raise HTTPException(404, {"rule": "no_shortlist",
                                      "reason": f"no shortlist settled for {category_id} in {province} (yet)"})
        return without_bookkeeping(doc)

    return router
