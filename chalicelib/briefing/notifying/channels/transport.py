"""Outbound HTTP for channel adapters: JSON or form POST through the one guarded transport
(``chalicelib/outbound.py``): short timeout, no redirects, SSRF guard, a capped answer.

Only public addresses are reached (the resolved address is checked and pinned, not just the
name); loopback only when the settings allow it (local demo and tests); plain http only to
loopback. Redirects are never followed: a hook that redirects is misconfigured, and following
would bypass the address check. Failures become ``SendError`` (retryable for network errors,
408, 425, 429 and 5xx; not for a refused destination).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalicelib import outbound
from chalicelib.briefing.notifying.channels.base import SendError

USER_AGENT = "GDesk-Briefing/1.0"
MAX_RESPONSE_BYTES = 64 * 1024


def _guard(allow_loopback: bool) -> outbound.Guard:
    return outbound.Guard(allow_loopback=allow_loopback, plain_http_loopback_only=True)


def _refused(exc: outbound.OutboundError) -> SendError:
    return SendError(f"{exc.reason}: {exc}", retryable=not exc.permanent)


def check_destination(url: str, *, allow_loopback: bool) -> None:
    """Refuse URLs whose host resolves to a non-public address (loopback only if allowed)."""
    try:
        _guard(allow_loopback).check(url)
    except outbound.OutboundError as exc:
        raise _refused(exc) from exc


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float,
          allow_loopback: bool) -> outbound.Response:
    try:
        return outbound.request("POST", url, guard=_guard(allow_loopback), body=data, timeout=timeout,
                                max_bytes=MAX_RESPONSE_BYTES, headers={"User-Agent": USER_AGENT, **headers})
    except outbound.OutboundError as exc:
        raise _refused(exc) from exc


def post_json(url: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None, *,
              timeout: float, allow_loopback: bool) -> tuple[int, bytes]:
    """POST and return (status, body) of a 2xx answer; anything else raises ``SendError``."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    answer = _post(url, data, {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
                   timeout, allow_loopback)
    if not 200 <= answer.status < 300:
        status = answer.status
        retryable = status in (408, 425, 429) or status >= 500
        raise SendError(f"HTTP {status} from {urlsplit(url).hostname}", retryable=retryable, status=status)
    return answer.status, answer.body


def post_form(url: str, form: dict[str, str], *, timeout: float, allow_loopback: bool) -> dict[str, Any]:
    """POST a form (OAuth token endpoints) and parse the JSON answer."""
    answer = _post(url, urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"},
                   timeout, allow_loopback)
    if not 200 <= answer.status < 300:
        raise SendError(f"token endpoint HTTP {answer.status}", retryable=answer.status >= 500,
                        status=answer.status)
    try:
        return dict(json.loads(answer.body))
    except (ValueError, TypeError) as exc:
        raise SendError(f"token endpoint: {type(exc).__name__}: {exc}") from exc
