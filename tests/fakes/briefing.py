"""In-memory fakes of the briefing's two store ports (no network, milliseconds):

- ``FakeItemStore``: ``chalicelib.briefing.crawling.ports.ItemStorePort`` (the crawler's store). The
  same class serves ``gdesk crawl --dry-run``, so it lives in ``infra/commands/memory_items.py``.
- ``FakeNotifyStore``: ``chalicelib.briefing.notifying.ports.NotifyStorePort`` (the notifier's).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from chalicelib.briefing.matching import DocumentFrequencies
from chalicelib.briefing.notifying.ports import Delivery, ProfileChanged, match_key
from chalicelib.briefing.notifying.profiles import Profile
from chalicelib.settings import BriefingSettings, Settings
from infra.commands.memory_items import MemoryItemStore as FakeItemStore

__all__ = ["FakeItemStore", "FakeNotifyStore"]

FINAL = ("sent", "held", "undeliverable", "no_channel")


class FakeNotifyStore:
    """Profiles, matches, deliveries, the hourly counter, the digest queue, secrets, statistics,
    the queue and sent e-mail in dictionaries — with the DynamoDB store's conditions (optimistic
    profile lock, a match stored once, a delivery leased once)."""

    def __init__(self, settings: BriefingSettings | None = None) -> None:
        self.settings = settings or Settings.from_env({}).briefing
        self.profiles: dict[str, Profile] = {}
        self.secrets: dict[str, dict[str, dict[str, str]]] = {}
        self.org_secret: dict[str, str] = {}
        self.matches: dict[str, dict[str, dict[str, Any]]] = {}  # user → sort key → match
        self.deliveries: dict[tuple[str, str], dict[str, Any]] = {}
        self.counters: dict[tuple[str, str], int] = {}
        self.digest: dict[str, dict[str, dict[str, Any]]] = {}  # user → sort key → entry
        self.frequencies = DocumentFrequencies()
        self.queued: list[dict[str, Any]] = []
        self.delays: list[tuple[str, int]] = []
        self.emails: list[dict[str, Any]] = []

    # profiles
    def get_profile(self, user_id: str) -> Profile | None:
        return self.profiles.get(user_id)

    def put_profile(self, profile: Profile, expected_version: int) -> Profile:
        current = self.profiles.get(profile.user_id)
        if (current.version if current else 0) != expected_version:
            raise ProfileChanged()
        saved = replace(profile, version=expected_version + 1)
        self.profiles[profile.user_id] = saved
        return saved

    def iter_profiles(self) -> Iterator[Profile]:
        yield from list(self.profiles.values())

    # channel secrets
    def get_channel_secrets(self, user_id: str) -> dict[str, dict[str, str]]:
        return dict(self.secrets.get(user_id, {}))

    def put_channel_secrets(self, user_id: str, values: dict[str, dict[str, str]]) -> None:
        if values:
            self.secrets[user_id] = dict(values)
        else:
            self.secrets.pop(user_id, None)

    def get_org_secret(self) -> dict[str, str]:
        return dict(self.org_secret)

    # matches
    def put_match(self, user_id: str, record: dict[str, Any]) -> bool:
        sort_key = match_key(record["published_at"], record["item_id"])
        mine = self.matches.setdefault(user_id, {})
        if sort_key in mine:
            return False
        mine[sort_key] = {**record, "sk": sort_key, "user_id": user_id}
        return True

    def get_match(self, user_id: str, sort_key: str) -> dict[str, Any] | None:
        return self.matches.get(user_id, {}).get(sort_key)

    def find_match(self, user_id: str, item_id: str) -> dict[str, Any] | None:
        return next((m for m in self.matches.get(user_id, {}).values() if m["item_id"] == item_id), None)

    def set_match_status(self, user_id: str, sort_key: str, status: str) -> None:
        self.matches[user_id][sort_key]["status"] = status

    def set_feedback(self, user_id: str, sort_key: str, value: str) -> str | None:
        match = self.matches[user_id][sort_key]
        previous = match.get("feedback")
        match["feedback"] = value
        return previous

    def list_matches(self, user_id: str, *, limit: int, cursor: str | None,
                     filters: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
        rows = [m for k, m in sorted(self.matches.get(user_id, {}).items(), reverse=True)
                if (cursor is None or k < cursor) and all(m.get(f) == v for f, v in filters.items())]
        page = rows[:limit]
        return page, (page[-1]["sk"] if len(rows) > limit else None)

    # deliveries, the cap, the digest queue
    def acquire_delivery(self, user_id: str, key: str, lease_seconds: int = 60) -> Delivery | None:
        now = time.time()
        record = self.deliveries.setdefault((user_id, key), {
            "state": "pending", "attempts": 0, "decided": None, "sent": set(), "snapshot": (), "lease": 0.0})
        if record["state"] in FINAL:
            return self._delivery(record)
        if record["attempts"] and record["lease"] > now:
            return None
        record["attempts"] += 1
        record["lease"] = now + lease_seconds
        return self._delivery(record)

    def update_delivery(self, user_id: str, key: str, *, state: str | None = None,
                        decided: str | None = None, sent_channel: str | None = None,
                        error: str | None = None, snapshot: Iterable[str] | None = None,
                        release: bool = False) -> None:
        record = self.deliveries[(user_id, key)]
        record["state"] = state or record["state"]
        record["decided"] = decided or record["decided"]
        if error is not None:
            record["error"] = error
        if snapshot is not None:
            record["snapshot"] = tuple(snapshot)
        if sent_channel:
            record["sent"].add(sent_channel)
        if release:
            record["lease"] = 0.0

    def delete_delivery(self, user_id: str, key: str) -> None:
        self.deliveries.pop((user_id, key), None)

    def reserve_hourly_slot(self, user_id: str, hour: str, cap: int) -> bool:
        count = self.counters.get((user_id, hour), 0)
        if count >= cap:
            return False
        self.counters[(user_id, hour)] = count + 1
        return True

    def add_digest_entry(self, user_id: str, entry: dict[str, Any]) -> None:
        sort_key = f"{entry['published_at']}#{entry['item_id']}"
        self.digest.setdefault(user_id, {})[sort_key] = {**entry, "sk": sort_key}

    def digest_entries(self, user_id: str, limit: int = 50) -> list[dict[str, Any]]:
        return [e for _, e in sorted(self.digest.get(user_id, {}).items(), reverse=True)][:limit]

    def remove_digest_entries(self, user_id: str, sort_keys: Iterable[str]) -> None:
        for sort_key in sort_keys:
            self.digest.get(user_id, {}).pop(sort_key, None)

    # statistics, the queue, e-mail
    def load_frequencies(self) -> DocumentFrequencies:
        return DocumentFrequencies.from_dict(self.frequencies.to_dict())

    def save_frequencies(self, frequencies: DocumentFrequencies) -> None:
        self.frequencies = frequencies

    def enqueue(self, messages: list[dict[str, Any]]) -> None:
        self.queued.extend(messages)

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))

    def send_email(self, **request: Any) -> dict[str, str]:
        self.emails.append(request)
        return {"MessageId": f"fake-{len(self.emails)}"}

    @staticmethod
    def _delivery(record: dict[str, Any]) -> Delivery:
        return Delivery(record["state"], record["attempts"], record["decided"], frozenset(record["sent"]),
                        tuple(record["snapshot"]))
