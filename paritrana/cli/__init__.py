"""`paritrana`: the organisers' and auditors' command line, talking to the services' HTTP APIs.

    paritrana cycle open FILE                                 (registration)
    paritrana cycle advance CYCLE STAGE
    paritrana candidates import CYCLE FILE.csv                progress while the rows are decided
    paritrana reference import VERSION FILE.csv --base V
    paritrana leaderboards show CYCLE CATEGORY (--province P | --zone Z | --national)   (ranking)
    paritrana leaderboards export CYCLE --output FILE
    paritrana explain CANDIDATE                               exit 1 when it differs from the live board
    paritrana audit verify                                    exit 1 when a hash chain is broken
    paritrana audit export CYCLE --format jsonl|csv --output FILE
    paritrana rebuild [--no-switch] [--accept-difference REASON]   exit 1 when the digests differ
    paritrana scenarios preview CYCLE --spec FILE.json | outcome ID | compare ID ID... | list
    paritrana analytics CYCLE
    paritrana proof CYCLE CATEGORY PROVINCE EVENT_ID          verified here; exit 1 when it is not
    paritrana dlq list SERVICE | replay SERVICE PARTITION OFFSET   (any service; exit 1 parked again)
    paritrana token PERSON --role ROLE [--province P]         (needs PARITRANA_JWT_SECRET)
    paritrana simulate [--scale province|zone|national]  a seeded cycle, services of its own

Every command but `token` sends PARITRANA_TOKEN as its bearer token, and every read command
takes `--json`. Service URLs: `--registration-url`, `--ranking-url` (or PARITRANA_<SERVICE>_URL;
by default the ports `make run` uses, 8101 to 8105). Exit codes: 0 done, 1 the answer is bad
news, 2 the service could not be asked or refused (paritrana.cli._http).

Each group is a Typer app of its own module, added here; a command reaches a service through
`http(ctx).client(url)`, whose transport tests replace by passing `Http(transport=httpx.MockTransport(...))`
as CliRunner's `obj`.
"""

from __future__ import annotations

import typer

from paritrana.cli import audit, cycles, dlq, imports, leaderboards, scenarios
from paritrana.cli._http import Http
from paritrana.cli.analytics import analytics
from paritrana.cli.explain import explain
from paritrana.cli.proof import proof
from paritrana.cli.rebuild import rebuild
from paritrana.cli.simulate import simulate
from paritrana.cli.token import token

__all__ = ["Http", "app"]

app = typer.Typer(name="paritrana", help="Paritrana Award: organisers' and auditors' commands.", no_args_is_help=True)
for group, name in ((cycles.app, "cycle"), (imports.candidates, "candidates"), (imports.reference, "reference"),
                    (leaderboards.app, "leaderboards"), (audit.app, "audit"), (scenarios.app, "scenarios"),
                    (dlq.app, "dlq")):
    app.add_typer(group, name=name)
for command, name in ((explain, "explain"), (rebuild, "rebuild"), (analytics, "analytics"), (proof, "proof"),
                      (token, "token"), (simulate, "simulate")):
    app.command(name)(command)
