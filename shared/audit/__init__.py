"""Audit of the event log: tamper evidence (every stream's hash chain) and a cycle's trail for export."""

from shared.audit.chains import ChainChecker, Finding, Report, verify_log
from shared.audit.export import COLUMNS, cycle_trail, to_csv, to_jsonl, trail

__all__ = ["COLUMNS", "ChainChecker", "Finding", "Report", "cycle_trail", "to_csv", "to_jsonl", "trail", "verify_log"]
