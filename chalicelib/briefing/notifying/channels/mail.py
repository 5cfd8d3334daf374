"""E-mail through Amazon SES (``SendEmail``): a Korean subject, a text and an HTML part."""

from __future__ import annotations

import html
from typing import Any

from chalicelib.briefing.notifying.channels.base import Message


def subject(message: Message) -> str:
    return f"[AI 비서] {message.title}"[:200]


def html_body(message: Message) -> str:
    def item(title: str, url: str, agency: str, when: str, reason: str) -> str:
        return (f'<li><a href="{html.escape(url, quote=True)}">{html.escape(title)}</a>'
                f"<br><small>{html.escape(agency)} · {html.escape(when)}</small>"
                f"<br><small>사유: {html.escape(reason)}</small></li>")

    if message.kind == "digest":
        items = "".join(item(e["title"], e.get("url", ""), e.get("agency", ""),
                             str(e.get("published_at", ""))[:16].replace("T", " "), e.get("reason", ""))
                        for e in message.entries)
    else:
        items = item(message.title, message.url, message.agency, message.when(), message.reason)
    footer = (f'<p><a href="{html.escape(message.page_url, quote=True)}">내 브리핑 열기</a></p>'
              if message.page_url else "")
    return f'<html><body><h3>{html.escape(message.title)}</h3><ul>{items}</ul>{footer}</body></html>'


def request(message: Message, sender: str, address: str) -> dict[str, Any]:
    """The keyword arguments of ``ses.send_email``."""
    return {
        "Source": sender,
        "Destination": {"ToAddresses": [address]},
        "Message": {
            "Subject": {"Data": subject(message), "Charset": "UTF-8"},
            "Body": {"Text": {"Data": message.text(), "Charset": "UTF-8"},
                     "Html": {"Data": html_body(message), "Charset": "UTF-8"}},
        },
    }
