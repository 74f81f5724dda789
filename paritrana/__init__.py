"""The organisers' side: HTTP client, process launcher, the demo cycle (and, later, the CLI)."""
