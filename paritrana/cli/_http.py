"""How the commands reach the services: base URLs, the bearer token, answers and failures.

Each service's base URL comes from its option (`--ranking-url`), else its variable
(`PARITRANA_RANKING_URL`), else the port `make run` gives it (8101 registration ... 8105 ranking,
in shared.topics.SERVICES order). Exit codes: 0 done, 1 the answer is bad news (a broken chain, a
proof that fails, a record parked again), 2 the service could not be asked or refused.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from shared.topics import SERVICES

FIRST_PORT = 8101  # paritrana.demo's PARITRANA_PORT_BASE


def default_url(service: str) -> str:
    return f"http://127.0.0.1:{FIRST_PORT + SERVICES.index(service)}"


def url_of(service: str, given: str | None = None) -> str:
    """The base URL of a service named at run time (`paritrana dlq list scoring`)."""
    return given or os.environ.get(f"PARITRANA_{service.upper()}_URL") or default_url(service)


def _url_option(service: str) -> Any:
    return typer.Option(f"--{service}-url", envvar=f"PARITRANA_{service.upper()}_URL",
                        help=f"Base URL of the {service} service.")


RegistrationUrl = Annotated[str, _url_option("registration")]
RankingUrl = Annotated[str, _url_option("ranking")]
JsonOutput = Annotated[bool, typer.Option("--json", help="Machine-readable JSON instead of a rich summary.")]


@dataclass(frozen=True)
class Http:
    """How commands reach the services (tests pass one with an httpx.MockTransport as CliRunner's obj)."""

    transport: httpx.BaseTransport | None = None
    timeout: float = 300.0  # verifying a large log reads all of it
    token: str | None = None  # else PARITRANA_TOKEN

    def client(self, base_url: str) -> httpx.Client:
        token = self.token or os.environ.get("PARITRANA_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=base_url, transport=self.transport, timeout=self.timeout, headers=headers)


def http(ctx: typer.Context) -> Http:
    return ctx.obj if isinstance(ctx.obj, Http) else Http()


def fail(message: str) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(2)


def checked(response: httpx.Response) -> httpx.Response:
    """The answer; an error answer ends the command with exit code 2 and what the service said."""
    if response.status_code >= 400:
        request = response.request
        fail(f"{request.method} {request.url} -> {response.status_code}: {response.text[:500]}")
    return response


def get(ctx: typer.Context, base_url: str, path: str, params: Any = None) -> httpx.Response:
    """GET a path; an unreachable service or an error answer ends the command with exit code 2."""
    try:
        with http(ctx).client(base_url) as client:
            response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {base_url}: {exc}")
    return checked(response)


def post(ctx: typer.Context, base_url: str, path: str, body: dict[str, Any] | None = None,
         key: str | None = None, **request: Any) -> httpx.Response:
    """POST a JSON body (or `content=`), with an Idempotency-Key when given; an unreachable service
    or an error answer ends the command with exit code 2."""
    headers = {**request.pop("headers", {}), **({"Idempotency-Key": key} if key else {})}
    try:
        with http(ctx).client(base_url) as client:
            response = client.post(path, json=body, headers=headers, **request)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {base_url}: {exc}")
    return checked(response)


def echo_json(value: Any, err: bool = False) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False), err=err)


def show(value: Any, as_json: bool, printer: Callable[[Any], None]) -> None:
    """With --json the answer as the service gave it, else its rich view."""
    if as_json:
        echo_json(value)
    else:
        printer(value)


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def cells(values: Iterable[Any]) -> list[str]:
    """Table cells from values that may come from the log: never read as rich markup."""
    return [escape("-" if v is None else str(v)) for v in values]


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on standard error while the service works (only on a terminal: stdout stays clean)."""
    console = Console(stderr=True)
    with console.status(message) if console.is_terminal else contextlib.nullcontext():
        yield
