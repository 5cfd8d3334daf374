"""Dooray! incoming hook (NHN Dooray messenger): ``botName``, ``text`` and attachments with a
title link. The hook URL (https://hook.dooray.com/services/...) is the credential."""

from __future__ import annotations

from typing import Any

from chalicelib.briefing.notifying.channels.base import Message

BOT_NAME = "G-Desk AI 비서"


def payload(message: Message) -> dict[str, Any]:
    if message.kind == "digest":
        attachments = [{"title": e["title"], "titleLink": e.get("url", ""),
                        "text": f"{e.get('agency', '')} · 사유: {e.get('reason', '')}",
                        "color": "#4a6fa5"} for e in message.entries[:20]]
        return {"botName": BOT_NAME, "text": message.title, "attachments": attachments}
    return {"botName": BOT_NAME, "text": f"[{message.agency}] 새 보도자료가 담당업무와 관련됩니다.",
            "attachments": [{"title": message.title, "titleLink": message.url,
                             "text": f"{message.when()} · 사유: {message.reason}", "color": "#2b6cb0"}]}
