"""Delivery of matches: alerts now, or held for the morning digest — exactly once per (user, item).

The NotifyQueue carries two kinds of message: ``{"kind": "item", "user", "item_id", "match_sk"}``
(from the matching round, ``new_item_matching``) and ``{"kind": "digest", "user", "date"}`` (from the
08:00 KST schedule). For each, the notifier

1. leases the delivery record (conditional write): a second message for the same (user, item) —
   the crawler re-sending, SQS delivering twice — finds it sent, or leased and comes back later;
2. on the first attempt only, decides: inside the user's quiet hours, or over the hourly cap →
   held for the digest; otherwise send;
3. sends to every enabled channel not yet sent to, marking each as it succeeds, with the same
   delivery id on every retry (``X-GDesk-Delivery``), so a receiver can drop a repeat;
4. on a retryable failure reports the message as failed and delays it (SQS visibility:
   ``retry_base × 2^(receives-1)``, at most 15 min); after 5 receives SQS parks it in NotifyDLQ.

Quiet hours and the cap are checked at send time, in KST.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.briefing.notifying import channels as channel_adapters
from chalicelib.briefing.notifying.channels.base import Message, SendError
from chalicelib.briefing.notifying.ports import NotifyStorePort
from chalicelib.clock import KST, now_kst

FINAL_STATES = ("sent", "held", "undeliverable", "no_channel")
MAX_BACKOFF_SECONDS = 900


class RetryLater(Exception):
    """The message must come back later (a send failed, or another attempt holds the lease)."""


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def in_quiet_hours(moment: datetime, start: str, end: str) -> bool:
    """Whether ``moment`` (any zone) falls in [start, end) KST; the window may wrap midnight.
    start == end: no quiet hours."""
    local = moment.astimezone(KST)
    now, begin, finish = local.hour * 60 + local.minute, _minutes(start), _minutes(end)
    if begin == finish:
        return False
    if begin < finish:
        return begin <= now < finish
    return now >= begin or now < finish


def hour_key(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%dT%H")


def backoff_seconds(receive_count: int, base: int) -> int:
    return int(min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, receive_count - 1)))


def delivery_id(user_id: str, key: str) -> str:
    """Stable across retries of one (user, item): the receivers' idempotency key."""
    return hashlib.sha256(f"gdesk-briefing:{user_id}:{key}".encode()).hexdigest()[:32]


def item_message(match: dict[str, Any], page_url: str) -> Message:
    return Message(kind="item", title=str(match["title"]), url=str(match.get("url", "")),
                   agency=str(match.get("agency", "")), published_at=str(match.get("published_at", "")),
                   reason=str(match.get("reason", "")), score=float(match.get("score", 0)),
                   item_id=str(match["item_id"]), page_url=page_url)


def digest_entry(match: dict[str, Any]) -> dict[str, Any]:
    return {k: match.get(k, "") for k in ("item_id", "title", "url", "agency", "published_at", "reason")}


def digest_message(entries: list[dict[str, Any]], date: str, page_url: str) -> Message:
    title = f"{date} 아침 브리핑: 담당업무 관련 자료 {len(entries)}건"
    return Message(kind="digest", title=title, page_url=page_url,
                   entries=tuple(digest_entry(e) for e in entries))


class Notifier:
    def __init__(self, store: NotifyStorePort, settings: Any, *, sender: Callable[..., None] | None = None,
                 clock: Callable[[], datetime] = now_kst) -> None:
        self.store = store  # also the e-mail adapter (``send_email``): SES is built only in the store
        self.settings = settings  # chalicelib.settings.Settings
        self.sender = sender or channel_adapters.send
        self.clock = clock

    @property
    def page_url(self) -> str:
        return f"{self.settings.public_url}/briefing"

    def handle(self, body: dict[str, Any]) -> str:
        """Process one queue message; returns the outcome, raises ``RetryLater``."""
        kind, user = body.get("kind"), body.get("user")
        if not isinstance(user, str) or not user:
            raise ValueError("message without a user")
        if kind == "item":
            return self._item(user, str(body["item_id"]), str(body["match_sk"]))
        if kind == "digest":
            return self._digest(user, str(body["date"]))
        raise ValueError(f"unknown message kind {kind!r}")

    def _item(self, user: str, item_id: str, match_sk: str) -> str:
        profile = self.store.get_profile(user)
        if profile is None or not profile.enabled:
            return "disabled"
        match = self.store.get_match(user, match_sk)
        if match is None:
            return "no_match"
        key = f"ITEM#{item_id}"
        delivery = self._acquire(user, key)
        if delivery.state in FINAL_STATES:
            return "duplicate"
        if delivery.decided is None:
            moment = self.clock()
            held = None
            if in_quiet_hours(moment, profile.quiet_start, profile.quiet_end):
                held = "held_quiet"
            elif not self.store.reserve_hourly_slot(user, hour_key(moment), profile.hourly_cap):
                held = "held_cap"
            if held:
                self.store.add_digest_entry(user, digest_entry(match))
                self.store.update_delivery(user, key, state="held", error=held, release=True)
                self.store.set_match_status(user, match_sk, held)
                _observability().metrics.add_metric(name="BriefingAlertsHeld", unit="Count", value=1)
                return held
            self.store.update_delivery(user, key, decided="send")
        outcome = self._send_all(user, key, profile, item_message(match, self.page_url), delivery)
        self.store.set_match_status(user, match_sk, outcome)
        return outcome

    def _digest(self, user: str, date: str) -> str:
        profile = self.store.get_profile(user)
        if profile is None or not profile.enabled:
            return "disabled"
        key = f"DIGEST#{date}"
        delivery = self._acquire(user, key)
        if delivery.state in FINAL_STATES:
            return "duplicate"
        entries = self.store.digest_entries(user)
        if delivery.decided is None:
            if not entries:  # nothing yet: no record, so a later run the same day can still send
                self.store.delete_delivery(user, key)
                return "empty"
            self.store.update_delivery(user, key, decided="send", snapshot=[e["sk"] for e in entries])
            snapshot = {e["sk"] for e in entries}
        else:
            snapshot = set(delivery.snapshot)
            entries = [e for e in entries if e["sk"] in snapshot]
            if not entries:  # removed by an attempt that sent but could not record it
                self.store.update_delivery(user, key, state="sent", release=True)
                return "sent"
        outcome = self._send_all(user, key, profile, digest_message(entries, date, self.page_url),
                                 delivery)
        if outcome == "sent":
            self.store.remove_digest_entries(user, sorted(snapshot))
        return outcome

    def _acquire(self, user: str, key: str) -> Any:
        delivery = self.store.acquire_delivery(user, key)
        if delivery is None:
            raise RetryLater(f"delivery {key} of {user} is being sent by another attempt")
        return delivery

    def _send_all(self, user: str, key: str, profile: Any, message: Message, delivery: Any) -> str:
        targets = [c for c in profile.channels if c.enabled]
        if not targets:
            self.store.update_delivery(user, key, state="no_channel", release=True)
            return "no_channel"
        secrets = self.store.get_channel_secrets(user) if any(c.has_secret for c in targets) else {}
        ident = delivery_id(user, key)
        failures: list[tuple[str, SendError]] = []
        for channel in targets:
            if channel.id in delivery.sent_channels:
                continue
            try:
                self.sender(channel, secrets.get(channel.id, {}), message, ident,
                            settings=self.settings.briefing.notify, org_secret=self.store.get_org_secret,
                            mailer=self.store if channel.type == "email" else None)
            except SendError as exc:
                failures.append((channel.type, exc))
                _observability().logger.warning("briefing send failed", extra={
                    "user_id": user, "delivery": key, "channel": channel.type, "error": str(exc),
                    "retryable": exc.retryable})
                continue
            self.store.update_delivery(user, key, sent_channel=channel.id)
            _observability().metrics.add_metric(name="BriefingMessagesSent", unit="Count", value=1)
        if not failures:
            self.store.update_delivery(user, key, state="sent", release=True)
            return "sent"
        error = "; ".join(f"{kind}: {exc}" for kind, exc in failures)
        if all(not exc.retryable for _, exc in failures):
            self.store.update_delivery(user, key, state="undeliverable", error=error, release=True)
            return "undeliverable"
        self.store.update_delivery(user, key, state="failed", error=error, release=True)
        _observability().metrics.add_metric(name="BriefingSendRetries", unit="Count", value=1)
        raise RetryLater(error)


def handle_record(notifier: Notifier, message_id: str, body: str, receipt_handle: str,
                  receives: int) -> str:
    """One NotifyQueue record (the record handler under the events' BatchProcessor): the outcome,
    or the exception that marks the record failed. On ``RetryLater`` the message is first delayed
    by the backoff (``retry_base × 2^(receives-1)``); malformed bodies and store errors are retried
    by SQS as they are, then parked in NotifyDLQ."""
    try:
        message = json.loads(body)
        outcome = notifier.handle(message)
    except RetryLater as exc:
        base = notifier.settings.briefing.notify.retry_base_seconds
        try:
            notifier.store.delay_retry(receipt_handle, backoff_seconds(receives, base))
        except Exception:  # noqa: BLE001 - the queue's own visibility timeout still applies
            _observability().logger.exception("could not delay the retry")
        _observability().logger.info("briefing notification retry", extra={
            "message_id": message_id, "receives": receives, "error": str(exc)})
        raise
    except Exception:
        _observability().logger.exception("briefing notification failed", extra={"message_id": message_id})
        raise
    _observability().logger.info("briefing notification", extra={
        "outcome": outcome, "user_id": message.get("user"), "message_id": message_id})
    return outcome


def digest_messages(profiles: Any, moment: datetime) -> list[dict[str, Any]]:
    """The morning digest run: one queue message per enabled profile with a channel."""
    date = moment.astimezone(KST).strftime("%Y-%m-%d")
    return [{"kind": "digest", "user": p.user_id, "date": date} for p in profiles
            if p.enabled and any(c.enabled for c in p.channels)]


def _observability() -> Any:
    """Powertools' logger and metrics, imported on first use: they load botocore, and this module
    stays importable without it."""
    from chalicelib import observability

    return observability
