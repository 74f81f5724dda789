"""Who is asking: bearer tokens (JWT, HS256, the key from settings) naming a person, their role
and the provinces (or the one candidate) they act for."""

from __future__ import annotations

import time
from typing import Literal

import jwt
from pydantic import BaseModel, Field

Role = Literal[
    "organiser",  # national organiser (the national committee's secretariat)
    "committee-chair",  # a provincial committee's chair
    "committee-secretary",  # a provincial committee's secretary
    "assessor",
    "interviewer",
    "auditor",
    "candidate",
    "regional-service",  # a province's (or BPJS Ketenagakerjaan's) system feeding data in
]
ALL_PROVINCES = "*"
ISSUER = "paritrana"


class Principal(BaseModel):
    id: str = Field(min_length=1, max_length=128)
    role: Role
    provinces: list[str] = []  # "*" for every province
    candidate_id: str | None = None  # for the candidate role: which candidate it is

    def covers(self, province: str | None) -> bool:
        return ALL_PROVINCES in self.provinces or (province is not None and province in self.provinces)


class Unauthenticated(Exception):
    pass


def issue_token(secret: str, principal: Principal, ttl_seconds: int = 8 * 3600) -> str:
    now = int(time.time())
    claims = {"sub": principal.id, "role": principal.role, "provinces": principal.provinces, "iss": ISSUER,
              "iat": now, "exp": now + ttl_seconds}
    if principal.candidate_id is not None:
        claims["candidate_id"] = principal.candidate_id
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                            options={"require": ["sub", "role", "exp", "iss"]})
        return Principal(id=claims["sub"], role=claims["role"], provinces=claims.get("provinces", []),
                         candidate_id=claims.get("candidate_id"))
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthenticated(f"invalid token: {exc}") from exc
