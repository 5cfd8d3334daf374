"""Quiet hours, backoff, the cap and exactly-once decisions of the notifier (in-memory store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.briefing.notifying import notify
from chalicelib.briefing.notifying.channels.base import SendError
from chalicelib.briefing.notifying.events import handle_notify_batch
from chalicelib.briefing.notifying.ports import Delivery
from chalicelib.briefing.notifying.profiles import Channel, Profile
from chalicelib.settings import Settings
from tests.events import load_event


@pytest.mark.parametrize(("hhmm", "quiet"), [("18:59", False), ("19:00", True), ("23:30", True),
                                             ("00:00", True), ("07:59", True), ("08:00", False),
                                             ("12:00", False)])
def test_default_quiet_hours_wrap_midnight_in_kst(hhmm: str, quiet: bool) -> None:
    hours, minutes = map(int, hhmm.split(":"))
    moment = datetime(2024, 12, 2, hours, minutes, tzinfo=notify.KST)
    assert notify.in_quiet_hours(moment, "19:00", "08:00") is quiet
    assert notify.in_quiet_hours(moment.astimezone(UTC), "19:00", "08:00") is quiet  # any zone in


def test_daytime_window_and_no_window() -> None:
    noon = datetime(2024, 12, 2, 12, 0, tzinfo=notify.KST)
    assert notify.in_quiet_hours(noon, "12:00", "13:00")
    assert not notify.in_quiet_hours(noon, "13:00", "14:00")
    assert not notify.in_quiet_hours(noon, "00:00", "00:00")


def test_backoff_doubles_and_is_capped() -> None:
    assert [notify.backoff_seconds(n, 30) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 480]
    assert notify.backoff_seconds(10, 30) == notify.MAX_BACKOFF_SECONDS
    assert notify.backoff_seconds(3, 0) == 0


def test_delivery_id_is_stable_and_distinct() -> None:
    assert notify.delivery_id("E1001", "ITEM#a") == notify.delivery_id("E1001", "ITEM#a")
    assert notify.delivery_id("E1001", "ITEM#a") != notify.delivery_id("E1002", "ITEM#a")


@dataclass
class FakeStore:
    profile: Profile
    match: dict[str, Any]
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    digest: list[dict[str, Any]] = field(default_factory=list)
    status: str = ""

    def get_profile(self, user: str) -> Profile:
        return self.profile

    def get_match(self, user: str, sk: str) -> dict[str, Any]:
        return self.match

    def acquire_delivery(self, user: str, key: str) -> Delivery | None:
        d = self.deliveries.setdefault(key, {"state": "pending", "attempts": 0, "decided": None,
                                             "sent": set()})
        d["attempts"] += 1
        return Delivery(d["state"], d["attempts"], d["decided"], frozenset(d["sent"]))

    def update_delivery(self, user: str, key: str, *, state: str | None = None, decided: str | None = None,
                        sent_channel: str | None = None, error: str | None = None,
                        snapshot: Any = None, release: bool = False) -> None:
        d = self.deliveries[key]
        d["state"] = state or d["state"]
        d["decided"] = decided or d["decided"]
        if sent_channel:
            d["sent"].add(sent_channel)

    def reserve_hourly_slot(self, user: str, hour: str, cap: int) -> bool:
        if self.counters.get(hour, 0) >= cap:
            return False
        self.counters[hour] = self.counters.get(hour, 0) + 1
        return True

    def add_digest_entry(self, user: str, entry: dict[str, Any]) -> None:
        self.digest.append(entry)

    def set_match_status(self, user: str, sk: str, status: str) -> None:
        self.status = status

    def get_channel_secrets(self, user: str) -> dict[str, Any]:
        return {}

    def get_org_secret(self) -> dict[str, str]:
        return {}


MATCH = {"item_id": "i1", "title": "제설 대책", "url": "https://x.example/1", "agency": "국토교통부",
         "published_at": "2024-12-02T10:00:00+09:00", "reason": "키워드 ‘제설’ 일치(제목)", "score": 0.9}


def notifier(store: FakeStore, at: str, sent: list[Any], fail: int = 0) -> notify.Notifier:
    failures = [fail]

    def sender(channel: Any, secret: Any, message: Any, ident: str, **_: Any) -> None:
        if failures[0] > 0:
            failures[0] -= 1
            raise SendError("HTTP 500")
        sent.append((channel.id, message.item_id, ident))

    settings = Settings.from_env({})
    moment = datetime.fromisoformat(at)
    return notify.Notifier(store, settings, sender=sender, clock=lambda: moment)


def profile(**fields: Any) -> Profile:
    return Profile(user_id="E1001", channels=(Channel("c1", "webhook", url="https://h.example/x"),), **fields)


def test_in_quiet_hours_the_alert_is_held_for_the_digest() -> None:
    store, sent = FakeStore(profile(), dict(MATCH)), []
    outcome = notifier(store, "2024-12-02T22:00:00+09:00", sent).handle(
        {"kind": "item", "user": "E1001", "item_id": "i1", "match_sk": "MATCH#x#i1"})
    assert outcome == "held_quiet" and sent == [] and store.digest[0]["item_id"] == "i1"
    assert store.deliveries["ITEM#i1"]["state"] == "held"


def test_over_the_cap_the_alert_is_held() -> None:
    store, sent = FakeStore(profile(hourly_cap=1), dict(MATCH)), []
    n = notifier(store, "2024-12-02T10:00:00+09:00", sent)
    assert n.handle({"kind": "item", "user": "E1001", "item_id": "i1", "match_sk": "s"}) == "sent"
    store.match = {**MATCH, "item_id": "i2"}
    assert n.handle({"kind": "item", "user": "E1001", "item_id": "i2", "match_sk": "s"}) == "held_cap"
    assert [s[1] for s in sent] == ["i1"]


def test_a_retry_after_a_failure_sends_once_and_a_repeat_is_a_duplicate() -> None:
    store, sent = FakeStore(profile(), dict(MATCH)), []
    n = notifier(store, "2024-12-02T10:00:00+09:00", sent, fail=1)
    body = {"kind": "item", "user": "E1001", "item_id": "i1", "match_sk": "s"}
    with pytest.raises(notify.RetryLater):
        n.handle(body)
    assert n.handle(body) == "sent"
    assert n.handle(body) == "duplicate"
    assert len(sent) == 1
    assert store.counters == {"2024-12-02T10": 1}  # the retry did not count against the cap again


def test_sqs_batch_reports_only_the_failed_message() -> None:
    class Delays(FakeStore):
        delays: list[int] = []

        def delay_retry(self, receipt: str, seconds: int) -> None:
            self.delays.append(seconds)

    store, sent = Delays(profile(), dict(MATCH)), []
    n = notifier(store, "2024-12-02T10:00:00+09:00", sent, fail=1)
    event = {"Records": [
        load_event("sqs_record", messageId="m1", receiptHandle="r1",
                   attributes={"ApproximateReceiveCount": "3"},
                   body='{"kind": "item", "user": "E1001", "item_id": "i1", "match_sk": "s"}'),
        load_event("sqs_record", messageId="m2", receiptHandle="r2", attributes={}, body="not json")]}
    result = handle_notify_batch(event, n)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert store.delays == [120]  # 30 s × 2^(3-1)
