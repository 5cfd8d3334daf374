"""NAVER WORKS bot message API (API 2.0).

``POST {api}/bots/{botId}/users/{userId}/messages`` (or ``/channels/{channelId}/messages``) with
``Authorization: Bearer <access token>`` and a ``link`` content (text + a button to the release).

The organisation's bot credentials live in one Secrets Manager secret (JSON):
``{"bot_id", "client_id", "client_secret", "service_account", "private_key"}`` — the access token
is then obtained with the service-account JWT grant (RS256 assertion, ``scope=bot``) and cached
until shortly before it expires — or, simpler, ``{"bot_id", "access_token"}`` with a token
rotated by the organisation. A 401 drops the cached token so the retry fetches a new one.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import quote

from chalicelib.briefing.notifying.channels.base import Message, SendError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_lock = threading.Lock()
_cache: dict[str, tuple[str, float]] = {}  # client_id → (token, expires at)


def payload(message: Message) -> dict[str, Any]:
    text = message.text()
    if len(text) > 1900:
        text = text[:1900] + "…"
    link = message.url if message.kind == "item" else message.page_url
    if not link:
        return {"content": {"type": "text", "text": text}}
    return {"content": {"type": "link", "contentText": text,
                        "linkText": "원문 보기" if message.kind == "item" else "브리핑 열기", "link": link}}


def message_url(api_url: str, bot_id: str, recipient: str) -> str:
    kind, _, target = recipient.partition(":")
    segment = "users" if kind == "user" else "channels"
    return f"{api_url}/bots/{quote(bot_id, safe='')}/{segment}/{quote(target, safe='')}/messages"


def assertion(credentials: dict[str, str], now: float) -> str:
    import jwt

    claims = {"iss": credentials["client_id"], "sub": credentials["service_account"],
              "iat": int(now), "exp": int(now) + 3600}
    return str(jwt.encode(claims, credentials["private_key"], algorithm="RS256"))


def access_token(credentials: dict[str, str], token_url: str, *, timeout: float, allow_loopback: bool,
                 now: float | None = None) -> str:
    from chalicelib.briefing.notifying.channels import transport as http

    if credentials.get("access_token"):
        return credentials["access_token"]
    missing = [k for k in ("client_id", "client_secret", "service_account", "private_key")
               if not credentials.get(k)]
    if missing:
        raise SendError(f"NAVER WORKS secret lacks {missing}", retryable=False)
    current = time.time() if now is None else now
    with _lock:
        cached = _cache.get(credentials["client_id"])
        if cached and cached[1] > current + 60:
            return cached[0]
    answer = http.post_form(token_url, {
        "grant_type": JWT_GRANT, "assertion": assertion(credentials, current),
        "client_id": credentials["client_id"], "client_secret": credentials["client_secret"],
        "scope": "bot"}, timeout=timeout, allow_loopback=allow_loopback)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise SendError("NAVER WORKS token endpoint returned no access_token")
    expires_in = int(answer.get("expires_in") or 3600)
    with _lock:
        _cache[credentials["client_id"]] = (token, current + expires_in)
    return token


def forget_token(credentials: dict[str, str]) -> None:
    with _lock:
        _cache.pop(credentials.get("client_id", ""), None)
