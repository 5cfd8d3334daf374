"""Entry points of the notifier's non-HTTP functions (wired in app.py): build the dependencies
from the settings and call the domain."""

from __future__ import annotations

from typing import Any

from chalicelib.briefing.notifying import notify
from chalicelib.briefing.notifying.store import BriefingStore
from chalicelib.settings import get_settings


def notify_batch(event: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    notifier = notify.Notifier(BriefingStore(settings.briefing), settings)
    return notify.handle_sqs_event(event, notifier)


def queue_digests() -> dict[str, Any]:
    store = BriefingStore(get_settings().briefing)
    messages = notify.digest_messages(store.iter_profiles(), notify.now_kst())
    if messages:
        store.enqueue(messages)
    return {"queued": len(messages)}
