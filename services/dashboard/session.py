"""Who is signed in: the pasted bearer token, kept in an HttpOnly, SameSite=Strict cookie, and the
page language, remembered in a cookie of its own."""

from __future__ import annotations

import jwt
from fastapi import Request, Response

from shared.auth import Principal, Unauthenticated, read_token

TOKEN_COOKIE = "paritrana_token"
LANG_COOKIE = "paritrana_lang"
YEAR = 365 * 24 * 3600


def check_token(token: str, secret: str | None) -> Principal:
    """The person a token names. With the key, its signature and expiry are checked here; without
    it only its shape (the services still refuse a bad one with 401)."""
    token = token.strip()
    if not token:
        raise Unauthenticated("no token given")
    if secret is not None:
        return read_token(secret, token)
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": True})
        return Principal(id=claims["sub"], role=claims["role"], provinces=claims.get("provinces", []),
                         candidate_id=claims.get("candidate_id"))
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Unauthenticated(f"invalid token: {exc}") from exc


def keep_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(TOKEN_COOKIE, token.strip(), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=8 * 3600)


def forget_token(response: Response) -> None:
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")


def keep_language(response: Response, request: Request, lang: str) -> None:
    response.set_cookie(LANG_COOKIE, lang, samesite="strict", path="/", max_age=YEAR,
                        secure=request.url.scheme == "https")
