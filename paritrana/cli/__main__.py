"""`python -m paritrana.cli`: the same as the `paritrana` command."""

from paritrana.cli import app

app()
