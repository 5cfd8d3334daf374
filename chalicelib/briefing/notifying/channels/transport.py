"""Outbound HTTP for channel adapters: JSON POST, short timeout, no redirects, SSRF guard.

Only public addresses are reached (the resolved address is checked, not just the name); loopback
only when the settings allow it (local demo and tests). Redirects are never followed: a hook that
redirects is misconfigured, and following would bypass the address check.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from chalicelib.briefing.notifying.channels.base import SendError

USER_AGENT = "GDesk-Briefing/1.0"
MAX_RESPONSE_BYTES = 64 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def check_destination(url: str, *, allow_loopback: bool) -> None:
    """Refuse URLs whose host resolves to a non-public address (loopback only if allowed)."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise SendError(f"unsupported URL {parts.scheme}://", retryable=False)
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SendError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_loopback:
            if allow_loopback:
                continue
            raise SendError(f"{host} is a loopback address", retryable=False)
        if not address.is_global:
            raise SendError(f"{host} resolves to a non-public address {address}", retryable=False)
    if parts.scheme == "http" and not all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos):
        raise SendError("plain http is allowed only to loopback", retryable=False)


def post_json(url: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None, *,
              timeout: float, allow_loopback: bool, check: bool = True) -> tuple[int, bytes]:
    """POST and return (status, body) of a 2xx answer; anything else raises ``SendError``
    (retryable for network errors, 408, 429 and 5xx)."""
    if check:
        check_destination(url, allow_loopback=allow_loopback)
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **(headers or {})})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        status = exc.code
        retryable = status in (408, 425, 429) or status >= 500
        raise SendError(f"HTTP {status} from {urlsplit(url).hostname}", retryable=retryable,
                        status=status) from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc


def post_form(url: str, form: dict[str, str], *, timeout: float, allow_loopback: bool) -> dict[str, Any]:
    """POST a form (OAuth token endpoints) and parse the JSON answer."""
    from urllib.parse import urlencode

    check_destination(url, allow_loopback=allow_loopback)
    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return dict(json.loads(response.read(MAX_RESPONSE_BYTES)))
    except urllib.error.HTTPError as exc:
        raise SendError(f"token endpoint HTTP {exc.code}", retryable=exc.code >= 500,
                        status=exc.code) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SendError(f"token endpoint: {type(exc).__name__}: {exc}") from exc
