"""What an uploaded file is: its type told by its first bytes, and a file name safe to keep."""

from __future__ import annotations

import re

from fastapi import HTTPException

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    XLSX: (b"PK\x03\x04",),
}
SAFE_NAME = re.compile(r"^[\w][\w .()-]{0,199}$")


def media_type_of(head: bytes, declared: str, filename: str) -> str:
    """The declared type if the file's first bytes agree with it; 415 otherwise."""
    if declared == "text/csv" and filename.lower().endswith(".csv") and _is_text(head):
        return declared
    if any(head.startswith(magic) for magic in SIGNATURES.get(declared, ())):
        return declared
    accepted = ", ".join([*SIGNATURES, "text/csv"])
    raise HTTPException(415, {"rule": "unsupported_file", "reason": f"not a {declared or 'typed'} file; accepted: {accepted}"})


def safe_filename(filename: str) -> str:
    """A plain file name: no directories, no leading dots, no control characters."""
    if not SAFE_NAME.match(filename) or ".." in filename:
        raise HTTPException(422, {"rule": "bad_filename", "reason": "use a plain file name (letters, digits, . _ - space)"})
    return filename


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return len(head) == 16  # a multi-byte character may be cut at the end of the first bytes
    return b"\x00" not in head
