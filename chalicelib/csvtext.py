"""The text of a CSV file exported by a Korean office system (the HR trip orders, the duty table):
UTF-8 with or without a BOM, else CP949/EUC-KR, which Excel and HR systems in Korea still write.
The one place the upload charsets are tried; each import says in its own words what it refuses."""

from __future__ import annotations

ENCODINGS = ("utf-8-sig", "cp949")


def decode(data: bytes) -> str | None:
    """The file's text, or None when it is in neither encoding."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
