"""Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat accept this shape):
``{"text": fallback, "blocks": [...]}`` with mrkdwn links. The hook URL is the credential."""

from __future__ import annotations

from typing import Any

from chalicelib.briefing.notifying.channels.base import Message


def escape(text: str) -> str:
    """Slack mrkdwn control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, title: str) -> str:
    return f"<{url}|{escape(title)}>" if url else escape(title)


def payload(message: Message) -> dict[str, Any]:
    if message.kind == "digest":
        lines = [f"• {_link(e.get('url', ''), e['title'])} — {escape(e.get('agency', ''))}\n"
                 f"   _{escape(e.get('reason', ''))}_" for e in message.entries]
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}},
        ]
    else:
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text":
                f"*{_link(message.url, message.title)}*\n{escape(message.agency)} · {message.when()}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"사유: {escape(message.reason)}"}]},
        ]
    return {"text": f"[AI 비서] {message.title}", "blocks": blocks}
