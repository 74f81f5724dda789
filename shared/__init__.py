"""Paritrana's common library: event envelope, contracts, ports and adapters, wiring."""
