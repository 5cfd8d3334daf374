"""Channel adapters: one ``send`` that dispatches on the channel type.

Each adapter module builds its payload purely (unit-tested); ``send`` adds the transport: HTTP
with the SSRF guard for hooks and the NAVER WORKS API, SES for e-mail. ``delivery_id`` is the same
on every retry of one (user, item), sent where the channel has a place for it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.briefing.notifying.channels import dooray, mail, naverworks, slack, webhook
from chalicelib.briefing.notifying.channels.base import Message, SendError

__all__ = ["Message", "SendError", "send"]


def send(channel: Any, secret: dict[str, str], message: Message, delivery_id: str, *,
         settings: Any, org_secret: Any = None, mailer: Any = None) -> None:
    """Deliver ``message`` to one channel (a ``profiles.Channel``) or raise ``SendError``.

    ``org_secret``: a callable returning the NAVER WORKS credentials (fetched only when needed);
    ``mailer``: for e-mail, anything with SES's ``send_email(**request)`` — the notifier's store,
    the only place an SES client is built."""
    from chalicelib.briefing.notifying.channels import transport as http

    timeout = settings.send_timeout_seconds
    loopback = settings.allow_loopback
    delivery = {webhook.DELIVERY_HEADER: delivery_id}
    if channel.type == "webhook":
        if not secret.get("secret"):
            raise SendError("webhook secret missing", retryable=False)
        body, headers = webhook.request(message, delivery_id, secret["secret"])
        http.post_json(channel.url, body, headers, timeout=timeout, allow_loopback=loopback)
    elif channel.type in ("slack", "dooray"):
        if not secret.get("url"):
            raise SendError(f"{channel.type} hook URL missing", retryable=False)
        body_dict = slack.payload(message) if channel.type == "slack" else dooray.payload(message)
        http.post_json(secret["url"], body_dict, delivery, timeout=timeout, allow_loopback=loopback)
    elif channel.type == "naverworks":
        _naverworks(channel, message, delivery, settings, org_secret() if org_secret else {})
    elif channel.type == "email":
        if mailer is None:
            raise SendError("no SES client", retryable=False)
        try:
            mailer.send_email(**mail.request(message, settings.mail_from, channel.address))
        except Exception as exc:  # noqa: BLE001 - botocore errors: throttling and 5xx retry
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            permanent = code in ("MessageRejected", "MailFromDomainNotVerifiedException",
                                 "ConfigurationSetDoesNotExistException", "InvalidParameterValue")
            raise SendError(f"SES {code}", retryable=not permanent) from exc
    else:
        raise SendError(f"unknown channel type {channel.type}", retryable=False)


def _naverworks(channel: Any, message: Message, headers: dict[str, str], settings: Any,
                credentials: dict[str, str]) -> None:
    from chalicelib.briefing.notifying.channels import transport as http

    bot_id = credentials.get("bot_id")
    if not bot_id:
        raise SendError("NAVER WORKS secret has no bot_id", retryable=False)
    token = naverworks.access_token(credentials, settings.naverworks_token_url,
                                    timeout=settings.send_timeout_seconds,
                                    allow_loopback=settings.allow_loopback)
    url = naverworks.message_url(settings.naverworks_api_url, bot_id, channel.recipient)
    try:
        http.post_json(url, naverworks.payload(message), {**headers, "Authorization": f"Bearer {token}"},
                       timeout=settings.send_timeout_seconds, allow_loopback=settings.allow_loopback)
    except SendError as exc:
        if exc.status == 401:
            naverworks.forget_token(credentials)
            raise SendError("NAVER WORKS token rejected (401); a new one is fetched on retry") from exc
        raise
