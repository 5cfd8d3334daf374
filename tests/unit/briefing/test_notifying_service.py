"""Every use case of the notifier on the in-memory store (tests/fakes/briefing.py): the profile,
my items, feedback, the morning digest run, the matching round and the NotifyQueue record."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from chalicelib.auth import User
from chalicelib.briefing.model import Item
from chalicelib.briefing.notifying import new_item_matching, notify, service
from chalicelib.briefing.notifying.events import handle_notify_batch
from chalicelib.briefing.notifying.profiles import Profile
from chalicelib.clock import KST
from chalicelib.errors import Conflict, InvalidField, NotFound
from chalicelib.settings import Settings
from tests.events import load_event
from tests.fakes.briefing import FakeNotifyStore

USER = User(id="E1001", name="김도로", department="도로관리과", roles=("employee",))
HOOK = {"type": "webhook", "url": "https://hooks.example.com/a", "secret": "s" * 16}


def match(item_id: str, published_at: str, **extra: Any) -> dict[str, Any]:
    return {"item_id": item_id, "title": f"제설 {item_id}", "url": f"https://x.example/{item_id}",
            "agency": "국토교통부", "published_at": published_at, "reason": "키워드 ‘제설’", "score": 0.8,
            "tier": "alert", "keywords": ["제설"], "terms": [], **extra}


def test_profile_view_gives_the_default_profile_of_a_new_user() -> None:
    store = FakeNotifyStore()
    view = service.profile_view(store, USER)
    assert view["user_id"] == "E1001" and view["department"] == "도로관리과"
    assert view["hourly_cap"] == store.settings.notify.default_hourly_cap and view["channels"] == []


def test_update_profile_saves_with_a_version_and_keeps_secrets_out_of_the_profile() -> None:
    store = FakeNotifyStore()
    saved = service.update_profile(store, USER, {"keywords": ["제설"], "channels": [HOOK]})
    assert saved["keywords"] == ["제설"] and "s" * 16 not in str(saved["channels"])
    assert store.profiles["E1001"].version == 1
    (channel_id, secret), = store.secrets["E1001"].items()
    assert secret == {"secret": "s" * 16} and store.profiles["E1001"].channels[0].id == channel_id
    service.update_profile(store, USER, {"channels": []})  # a removed channel's secret goes
    assert "E1001" not in store.secrets and store.profiles["E1001"].version == 2


def test_update_profile_conflicts_when_someone_saved_first() -> None:
    store = FakeNotifyStore()

    class Racing(FakeNotifyStore):
        def put_profile(self, profile: Profile, expected_version: int) -> Profile:
            store.put_profile(profile, 0)  # another tab saved a moment ago
            return store.put_profile(profile, expected_version)

    racing = Racing()
    with pytest.raises(Conflict):
        service.update_profile(racing, USER, {"duties": "제설"})


def test_update_profile_rejects_a_bad_field() -> None:
    with pytest.raises(InvalidField):
        service.update_profile(FakeNotifyStore(), USER, {"hourly_cap": "many"})


def test_list_items_newest_first_filtered_and_paged() -> None:
    store = FakeNotifyStore()
    store.put_match("E1001", match("a", "2024-12-01T09:00:00+09:00"))
    store.put_match("E1001", match("b", "2024-12-02T09:00:00+09:00", tier="digest"))
    store.put_match("E1001", match("c", "2024-12-03T09:00:00+09:00"))
    store.put_match("E2002", match("z", "2024-12-04T09:00:00+09:00"))
    first = service.list_items(store, USER, {"limit": "1"})
    assert [i["item_id"] for i in first["items"]] == ["c"] and first["next_cursor"]
    rest = service.list_items(store, USER, {"limit": "5", "cursor": first["next_cursor"]})
    assert [i["item_id"] for i in rest["items"]] == ["b", "a"] and rest["next_cursor"] is None
    alerts = service.list_items(store, USER, {"tier": "alert"})
    assert [i["item_id"] for i in alerts["items"]] == ["c", "a"]
    with pytest.raises(InvalidField):
        service.list_items(store, USER, {"tier": "urgent"})


def test_give_feedback_records_it_and_learns_the_terms() -> None:
    store = FakeNotifyStore()
    store.put_match("E1001", match("a", "2024-12-01T09:00:00+09:00"))
    answer = service.give_feedback(store, USER, "a", {"value": "useful"})
    assert answer == {"item_id": "a", "feedback": "useful", "terms": ["제설"]}
    assert store.find_match("E1001", "a")["feedback"] == "useful"
    assert store.profiles["E1001"].term_weights["제설"] > 1
    with pytest.raises(NotFound):
        service.give_feedback(store, USER, "someone-elses", {"value": "useful"})
    with pytest.raises(InvalidField):
        service.give_feedback(store, USER, "a", {"value": "meh"})


def test_queue_digests_one_message_per_enabled_profile_with_a_channel() -> None:
    store = FakeNotifyStore()
    service.update_profile(store, USER, {"channels": [HOOK]})
    store.put_profile(Profile(user_id="E2002"), 0)  # no channel: nothing to send
    moment = datetime(2024, 12, 2, 8, 0, tzinfo=KST)
    assert service.queue_digests(store, moment) == {"queued": 1}
    assert store.queued == [{"kind": "digest", "user": "E1001", "date": "2024-12-02"}]


def test_matching_round_stores_matches_and_queues_alerts_once() -> None:
    store = FakeNotifyStore()
    store.put_profile(Profile(user_id="E1001", department="도로관리과", keywords=("제설",)), 0)
    item = Item(item_id="i1", url="https://x.example/1", canonical_url="https://x.example/1",
                title="겨울철 제설 대책 발표", text="도로 제설 작업과 제설제 비축 계획을 발표했다. " * 5,
                agency="국토교통부", source_id="molit", published_at="2024-12-02T10:00:00+09:00")
    counts = new_item_matching.on_new_items([item], store)
    assert counts["items"] == 1 and counts["matches"] == 1
    assert store.find_match("E1001", "i1") is not None
    new_item_matching.on_new_items([item], store)  # handed again: the match is kept once
    assert len(store.matches["E1001"]) == 1


def test_notify_batch_sends_once_and_delays_a_retry() -> None:
    store = FakeNotifyStore()
    quiet_never = {"start": "00:00", "end": "00:00"}
    service.update_profile(store, USER, {"channels": [HOOK], "quiet_hours": quiet_never})
    store.put_match("E1001", match("a", "2024-12-02T09:00:00+09:00"))
    sent: list[str] = []
    failures = [1]

    def sender(channel: Any, secret: Any, message: Any, ident: str, **_: Any) -> None:
        if failures[0]:
            failures[0] -= 1
            raise notify.SendError("HTTP 503")
        sent.append(message.item_id)

    notifier = notify.Notifier(store, Settings.from_env({}), sender=sender,
                               clock=lambda: datetime(2024, 12, 2, 10, 0, tzinfo=KST))
    body = json.dumps({"kind": "item", "user": "E1001", "item_id": "a",
                       "match_sk": "MATCH#2024-12-02T09:00:00+09:00#a"})
    record = load_event("sqs_record", body=body, attributes__ApproximateReceiveCount="2")
    event, receipt = {"Records": [record]}, record["receiptHandle"]
    failed = {"itemIdentifier": record["messageId"]}
    assert handle_notify_batch(event, notifier) == {"batchItemFailures": [failed]}
    assert store.delays == [(receipt, 60)] and sent == []  # 30 s × 2^(2-1)
    assert handle_notify_batch(event, notifier) == {"batchItemFailures": []}
    assert handle_notify_batch(event, notifier) == {"batchItemFailures": []}
    assert sent == ["a"]  # the third delivery of the message found it sent


def news(item_id: str, title: str, text: str) -> Item:
    return Item(item_id=item_id, url=f"https://x.example/{item_id}", canonical_url=f"https://x.example/{item_id}",
                title=title, text=text, agency="", source_id="news", published_at="2024-12-02T10:00:00+09:00")


def test_a_round_calibrated_on_recent_news_brings_in_an_item_by_meaning_alone() -> None:
    import numpy as np

    from chalicelib.briefing import relevance
    from chalicelib.briefing.embedding import pack_b64
    from tests.fakes.embedding import TopicEmbedder

    embedder = TopicEmbedder()  # 미술관/오케스트라 land near 공연·전시, as with the real model
    rng = np.random.default_rng(9)
    filler = list("가나다라마바사아자차카타파하호후히")
    recent = ["".join(rng.choice(filler, 14)) for _ in range(relevance.POOL_MIN + 40)]
    recent += ["지역 물가 금리 수출 동향 발표 " + "".join(rng.choice(filler, 3)) for _ in range(8)]
    culture_news = "문화예술 공연 전시 축제 지원, 미술관 기획전 오케스트라 연주회 "  # such news also says
    recent += [culture_news + "".join(rng.choice(filler, 3)) for _ in range(8)]
    store = FakeNotifyStore()
    store.frequencies.recent = [pack_b64(v) for v in embedder.encode(recent)]
    store.frequencies.recent_model = embedder.model_id
    store.put_profile(Profile(user_id="E3001", department="문화예술과",
                              duties="문화예술 진흥, 공연·전시·축제 지원"), 0)  # no keyword: the duty table
    store.put_profile(Profile(user_id="E1001", department="경제정책과", duties="물가, 금리, 수출 동향",
                              keywords=("경제",)), 0)
    festival = news("f", "미술관 기획전 개막", "오케스트라 연주회와 미술관 기획전이 이어진다")  # no duty word
    rates = news("r", "물가 금리 동향", "경제 지표: 물가 금리 수출 동향 발표")
    counts = new_item_matching.on_new_items([festival, rates], store, embedder)
    assert counts["items"] == 2
    culture = store.find_match("E3001", "f")
    assert culture is not None and culture["tier"] == "digest"
    assert culture["reason"].startswith("담당업무 ‘") and culture["terms"] == []  # by meaning alone
    assert store.find_match("E3001", "r") is None
    assert store.find_match("E1001", "r") is not None and store.find_match("E1001", "f") is None
    assert len(store.frequencies.recent) == len(recent) + 2  # the round's vectors joined the pool
    # with their titles (squashed, to find keywords in); the pool kept before titles lines up with ""
    assert store.frequencies.recent_titles == [""] * len(recent) + ["미술관기획전개막", "물가금리동향"]
