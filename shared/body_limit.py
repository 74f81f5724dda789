"""A cap on JSON request bodies, counted as they arrive (declared length or not).

Uploads and imports stream their own bodies with their own limits; a command or query body in
JSON is small, so anything past the cap is refused with 413 before more of it is read. A body
without a declared length is gathered here up to the cap (the route would hold it whole anyway)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class JsonBodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit():
            if int(declared) > self.limit:
                await self._refuse(scope, send)
            else:
                await self.app(scope, receive, send)
            return
        gathered = await self._gather(receive)
        if gathered is None:
            await self._refuse(scope, send)
            return
        await self.app(scope, _replay(gathered, receive), send)

    async def _gather(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None once they pass the cap."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, send: Send) -> None:
        reason = f"a JSON body may be at most {self.limit} bytes"
        response = JSONResponse({"detail": {"rule": "body_too_large", "reason": reason}}, status_code=413)
        await response(scope, _nothing, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return ""


def _is_json(scope: Scope) -> bool:
    media_type = _header(scope, b"content-type").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")
