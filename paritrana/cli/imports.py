"""`paritrana candidates import CYCLE FILE.csv` and `paritrana reference import VERSION FILE.csv
--base V` (registration): the file streamed with a progress bar, then the decisions' progress."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from paritrana.cli._http import (
    JsonOutput, RegistrationUrl, cells, checked, default_url, echo_json, fail, get, http,
)

candidates = typer.Typer(help="Candidates of a cycle.", no_args_is_help=True)
reference = typer.Typer(help="Reference data versions (provinces, regencies, villages).", no_args_is_help=True)
CsvFile = Annotated[Path, typer.Argument(metavar="FILE.csv", exists=True, dir_okay=False, help="UTF-8 CSV.")]
Key = Annotated[str | None, typer.Option(help="Idempotency-Key (default: derived from the file, so a retried "
                                              "import decides nothing twice).")]
CHUNK = 1 << 16


@candidates.command("import")
def import_candidates(ctx: typer.Context, cycle_id: Annotated[str, typer.Argument(metavar="CYCLE")], file: CsvFile,
                      key: Key = None, registration_url: RegistrationUrl = default_url("registration"),
                      as_json: JsonOutput = False):
    """Register a cycle's candidates from CSV: all rows or none; every rejected row is reported.
    Exit code 1 when some were refused at decision."""
    key = key or f"candidates-{cycle_id}-{_digest(file)[:32]}"
    response = _upload(ctx, registration_url, "/candidates/import", {"cycle_id": cycle_id}, file, key, as_json,
                       rows=True)
    result = {"cycle_id": cycle_id, "import_key": key, **response.json()}
    if as_json:
        echo_json(result)
    else:
        Console(highlight=False).print(
            f"Registered {result['accepted']} candidates in {cycle_id} ({result['accepted_by_an_earlier_try']} "
            f"by an earlier try of import {key}); refused at decision: {len(result['refused_at_decision'])}",
            markup=False)
        _print_rows("Refused at decision", result["refused_at_decision"])
    if result["refused_at_decision"]:
        raise typer.Exit(1)


@reference.command("import")
def import_reference(ctx: typer.Context, version: Annotated[str, typer.Argument(metavar="VERSION")], file: CsvFile,
                     base: Annotated[str, typer.Option(help="The version whose provinces and regencies it keeps.")],
                     key: Key = None, registration_url: RegistrationUrl = default_url("registration"),
                     as_json: JsonOutput = False):
    """Import villages (columns code, regency_code, name) as a new reference data version derived
    from BASE: all rows or none; the file is stored by its SHA-256."""
    key = key or f"reference-{version}-{_digest(file)[:32]}"
    outcome = _upload(ctx, registration_url, f"/reference-data/{version}/villages", {"base": base}, file, key,
                      as_json).json()
    described = get(ctx, registration_url, f"/reference-data/{version}").json()
    if as_json:
        echo_json({**described, "outcome": outcome})
    else:
        Console(highlight=False).print(
            f"Reference data {version} (from {described.get('base_version')}): {described['provinces']} provinces, "
            f"{described['regencies']} regencies/cities, {described['villages']} villages; "
            f"file sha256 {described.get('sha256')}", markup=False)


def _digest(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _upload(ctx: typer.Context, base_url: str, path: str, params: dict[str, str], file: Path, key: str,
            as_json: bool, rows: bool = False) -> httpx.Response:
    """POST the file in chunks from a worker thread while this one shows the bytes sent and (for
    row imports) the rows decided, from GET /imports/{key}. Rejected rows end with exit code 2."""
    answer: dict[str, Any] = {}
    with Progress(console=Console(stderr=True), transient=True) as progress:
        sent = progress.add_task(f"sending {file.name}", total=file.stat().st_size)
        decided = progress.add_task("decided", total=None, visible=False)

        def chunks() -> Iterator[bytes]:
            with file.open("rb") as handle:
                while block := handle.read(CHUNK):
                    yield block
                    progress.advance(sent, len(block))

        def send() -> None:
            headers = {"Content-Type": "text/csv", "Idempotency-Key": key}
            try:
                with http(ctx).client(base_url) as client:
                    answer["response"] = client.post(path, params=params, content=chunks(), headers=headers)
            except httpx.HTTPError as exc:
                answer["error"] = exc

        worker = threading.Thread(target=send, name="upload", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.5)
            if rows and worker.is_alive():
                _show_decided(ctx, base_url, key, progress, decided)
    if "error" in answer:
        fail(f"cannot reach {base_url}: {answer['error']}")
    _refused_rows(answer["response"], as_json)
    return checked(answer["response"])


def _show_decided(ctx: typer.Context, base_url: str, key: str, progress: Progress, task) -> None:
    try:
        with http(ctx).client(base_url) as client:
            response = client.get(f"/imports/{key}")
    except httpx.HTTPError:
        return  # the import itself says whether the service is there
    if response.status_code == 200:
        done = response.json()
        progress.update(task, total=done["total"], completed=done["decided"], visible=True)


def _refused_rows(response: httpx.Response, as_json: bool) -> None:
    """A file refused for its rows: each rejected row and why, then exit code 2."""
    detail = response.json().get("detail") if response.status_code == 422 else None
    if not isinstance(detail, dict) or detail.get("rule") != "rows_rejected":
        return
    if as_json:
        echo_json(detail)
        raise typer.Exit(2)
    console = Console(stderr=True, highlight=False)
    console.print(f"[red]refused:[/red] {detail.get('rejected_total', len(detail['rejected']))} rows rejected; "
                  "nothing was recorded")
    _print_rows("Rejected rows", detail["rejected"], console)
    raise typer.Exit(2)


def _print_rows(title: str, rows: list[dict[str, Any]], console: Console | None = None) -> None:
    if not rows:
        return
    table = Table(*rows[0].keys(), title=title)
    for row in rows:
        table.add_row(*cells(row.values()))
    (console or Console()).print(table)
