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


def media_type_of(head: bytes, declared: str, filename: str, size: int) -> str:
    """The declared type if the file's first bytes agree with it; 415 otherwise (422 if empty)."""
    if size == 0:
        raise HTTPException(422, {"rule": "empty_file", "reason": "the file is empty; send the document as the body"})
    if declared == "text/csv" and filename.lower().endswith(".csv") and _is_text(head):
        return declared
    if any(head.startswith(magic) for magic in SIGNATURES.get(declared, ())):
        return declared
    accepted = ", ".join([*SIGNATURES, "text/csv"])
    raise HTTPException(415, {"rule": "unsupported_file", "reason": f"not a {declared or 'typed'} file; accepted: {accepted}"})


def safe_filename(filename: str) -> str:
    """A plain file name: no directories, no leading dots, no control characters."""
    if not SAFE_NAME.fullmatch(filename) or ".." in filename:  # fullmatch: `$` would let a final newline in
        raise HTTPException(422, {"rule": "bad_filename", "reason": "use a plain file name (letters, digits, . _ - space)"})
    return filename


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes (UTF-16 has them); only a character cut at the end of the first
    bytes may be incomplete, not an invalid byte anywhere (Latin-1, UTF-16's byte order mark)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) < 16 or exc.reason != "unexpected end of data":
            return False
    return b"\x00" not in head
