"""`paritrana token PERSON --role ROLE`: mint a bearer token with the services' key."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from paritrana.cli._http import fail
from shared.auth import Principal, issue_token


def token(person_id: str, role: Annotated[str, typer.Option(help="organiser, auditor, committee-chair, ...")],
          province: Annotated[list[str], typer.Option(help="a province acted for; repeat; * for all")] = ["*"],
          candidate: Annotated[str | None, typer.Option(help="for the candidate role: which candidate")] = None,
          hours: Annotated[int, typer.Option(help="how long the token is valid")] = 8):
    """Mint a bearer token with the services' key (PARITRANA_JWT_SECRET), for operators and the
    demo; set it as PARITRANA_TOKEN for the other commands."""
    secret = os.environ.get("PARITRANA_JWT_SECRET")
    if not secret:
        fail("set PARITRANA_JWT_SECRET to the services' key")
    try:
        who = Principal(id=person_id, role=role, provinces=province, candidate_id=candidate)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(issue_token(secret, who, hours * 3600))
