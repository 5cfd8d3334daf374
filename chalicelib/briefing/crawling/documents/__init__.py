"""Plain text of the documents officials read: HTML pages and HWP, HWPX and PDF attachments.

``read_document(data)`` sniffs the type from the bytes (never from a file name), reads the text
and NEVER raises for a bad file: a password-protected, corrupt, oversized or unknown file comes
back ``ok=False`` with a Korean reason the user sees (``reason``) and a short machine word
(``code``). Pure: no network, no boto3, no Chalice; each reader imports its library only when a
file of its kind arrives.
"""

from __future__ import annotations

from chalicelib.briefing.crawling.documents.base import (
    DEFAULT_LIMITS,
    DocumentText,
    Limits,
    Unreadable,
    read_document,
)
from chalicelib.briefing.crawling.documents.sniff import DocumentKind, sniff

__all__ = ["DEFAULT_LIMITS", "DocumentKind", "DocumentText", "Limits", "Unreadable", "read_document", "sniff"]
