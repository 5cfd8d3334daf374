"""The notifier end to end on the local cloud: pipeline → NotifyQueue → NotifierFunction (driven
by the runtime in the real SQS event shape) → real receivers on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.briefing.notifying import new_item_matching as pipeline
from chalicelib.briefing.notifying.channels import webhook
from chalicelib.briefing.notifying.profiles import Channel
from infra.local.runtime import scheduled_event
from tests.integration.briefing.notify.items import KST, make_item, put_item

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-signing-key-0123456789"
ROAD_TEXT = ("국토교통부는 폭설에 대비해 고속도로와 국도의 제설 장비를 확충하고 포트홀 보수 예산을 "
             "늘린다고 밝혔다. 지방자치단체 도로관리 부서와 협력해 결빙 취약 구간을 집중 관리한다.")


def road_item(n: int = 0) -> Any:
    return make_item(f"겨울철 도로 제설 대책 {n}차 발표", ROAD_TEXT)


def webhook_user(new_user: Any, store: Any, url: str, **fields: Any) -> Any:
    fields.setdefault("department", "도로관리과")
    fields.setdefault("keywords", ("제설", "포트홀"))
    profile = new_user(channels=(Channel("c1", "webhook", url=url + "/hook", has_secret=True),),
                       **fields)
    store.put_channel_secrets(profile.user_id, {"c1": {"secret": SECRET}})
    return profile


def test_receiver_failing_twice_then_succeeding_gets_exactly_one_message(
        store: Any, new_user: Any, receiver: Any, drain: Any) -> None:
    user = webhook_user(new_user, store, receiver.url)
    receiver.fail_next = 2
    item = road_item()
    put_item(store, item)
    counts = pipeline.on_new_items([item], wiring.briefing_notify_store())
    assert counts["alerts"] >= 1

    drain(1)  # attempt 1: 500 → reported as a batch item failure, retried (backoff 0 in tests)
    assert len(receiver.requests) == 1 and not receiver.delivered
    assert store.get_delivery(user.user_id, f"ITEM#{item.item_id}")["state"] == "failed"
    drain(1)  # attempt 2: 500 again
    drain(1)  # attempt 3: 200
    drain(2)  # nothing left
    assert len(receiver.requests) == 3
    assert len(receiver.delivered) == 1
    ids = {r.headers["X-GDesk-Delivery"] for r in receiver.requests}
    assert len(ids) == 1  # the same idempotency key on every retry
    message = receiver.delivered[0]
    assert webhook.verify(SECRET, message.headers, message.body)
    payload = message.json()
    assert payload["type"] == "briefing.item"
    assert payload["item_id"] == item.item_id
    assert "키워드 ‘제설’" in payload["reason"]
    delivery = store.get_delivery(user.user_id, f"ITEM#{item.item_id}")
    assert delivery["state"] == "sent" and delivery["attempts"] == 3
    assert store.find_match(user.user_id, item.item_id)["status"] == "sent"


def test_the_same_item_twice_is_one_notification(store: Any, new_user: Any, receiver: Any,
                                                 drain: Any) -> None:
    user = webhook_user(new_user, store, receiver.url)
    item = road_item()
    notify_store = wiring.briefing_notify_store()
    pipeline.on_new_items([item], notify_store)
    pipeline.on_new_items([item], notify_store)  # the crawler (or its retry) hands the same item again
    drain(3)
    mine = [r for r in receiver.delivered if r.json().get("item_id") == item.item_id]
    assert len(mine) == 1
    assert store.find_match(user.user_id, item.item_id)["tier"] == "alert"


def test_a_near_duplicate_item_is_not_matched_again(store: Any, new_user: Any, receiver: Any,
                                                    drain: Any) -> None:
    webhook_user(new_user, store, receiver.url)
    original = road_item()
    copy = make_item(original.title, ROAD_TEXT, agency="행정안전부", duplicate_of=original.item_id)
    pipeline.on_new_items([original, copy], wiring.briefing_notify_store())
    drain(3)
    assert [r.json()["item_id"] for r in receiver.delivered] == [original.item_id]


def test_quiet_hours_hold_the_alert_for_the_morning_digest(store: Any, new_user: Any, receiver: Any,
                                                           drain: Any, runtime: Any, stack: Any) -> None:
    now = datetime.now(KST)
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    user = webhook_user(new_user, store, receiver.url, quiet_start=start, quiet_end=end)
    item = road_item()
    pipeline.on_new_items([item], wiring.briefing_notify_store())
    drain(2)
    assert receiver.delivered == []
    assert store.find_match(user.user_id, item.item_id)["status"] == "held_quiet"
    assert [e["item_id"] for e in store.digest_entries(user.user_id)] == [item.item_id]

    result = runtime.invoke("DigestFunction", scheduled_event(stack, "DigestFunction", "Morning"))
    assert result["queued"] >= 1
    drain(3)
    digests = [r.json() for r in receiver.delivered if r.json()["type"] == "briefing.digest"]
    assert len(digests) == 1
    assert [i["item_id"] for i in digests[0]["items"]] == [item.item_id]
    assert digests[0]["title"].endswith("1건")
    assert store.digest_entries(user.user_id) == []
    runtime.invoke("DigestFunction", scheduled_event(stack, "DigestFunction", "Morning"))
    drain(3)  # a second run the same day: already sent, nothing new
    assert len([r for r in receiver.delivered if r.json()["type"] == "briefing.digest"]) == 1


def test_the_hourly_cap_holds_the_rest_for_the_digest(store: Any, new_user: Any, receiver: Any,
                                                      drain: Any) -> None:
    user = webhook_user(new_user, store, receiver.url, hourly_cap=2)
    items = [road_item(n) for n in range(4)]
    pipeline.on_new_items(items, wiring.briefing_notify_store())
    drain(4)
    assert len(receiver.delivered) == 2
    statuses = sorted(store.find_match(user.user_id, i.item_id)["status"] for i in items)
    assert statuses == ["held_cap", "held_cap", "sent", "sent"]
    assert len(store.digest_entries(user.user_id)) == 2


def test_a_hook_that_keeps_failing_parks_in_the_dlq(store: Any, new_user: Any, receiver: Any,
                                                    drain: Any, stack: Any) -> None:
    import boto3

    sqs = boto3.client("sqs")
    dlq = stack.physical["NotifyDLQ"]
    sqs.purge_queue(QueueUrl=dlq)
    user = webhook_user(new_user, store, receiver.url)
    receiver.fail_next = 100
    item = road_item()
    pipeline.on_new_items([item], wiring.briefing_notify_store())
    drain(7)
    assert len(receiver.requests) == 5  # maxReceiveCount 5, then the DLQ
    parked = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["item_id"] for m in parked] == [item.item_id]
    assert store.get_delivery(user.user_id, f"ITEM#{item.item_id}")["state"] == "failed"


def test_slack_and_dooray_hooks_get_their_payloads(store: Any, new_user: Any, receiver: Any,
                                                   drain: Any) -> None:
    profile = new_user(department="도로관리과", keywords=("제설",), channels=(
        Channel("s1", "slack", url_hint="x", has_secret=True),
        Channel("d1", "dooray", url_hint="y", has_secret=True)))
    store.put_channel_secrets(profile.user_id, {"s1": {"url": receiver.url + "/slack"},
                                                "d1": {"url": receiver.url + "/dooray"}})
    item = road_item()
    pipeline.on_new_items([item], wiring.briefing_notify_store())
    drain(2)
    by_path = {r.path: r.json() for r in receiver.delivered}
    assert by_path["/slack"]["text"] == f"[AI 비서] {item.title}"
    assert item.url in by_path["/slack"]["blocks"][0]["text"]["text"]
    assert by_path["/dooray"]["attachments"][0]["titleLink"] == item.url
    assert by_path["/dooray"]["botName"] == "G-Desk AI 비서"


def test_email_through_ses(store: Any, new_user: Any, drain: Any) -> None:
    import boto3

    from chalicelib.settings import get_settings

    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress=get_settings().briefing.notify.mail_from)
    before = ses.get_send_quota()["SentLast24Hours"]
    profile = new_user(department="도로관리과", keywords=("제설",),
                       channels=(Channel("e1", "email", address="kim@example.go.kr"),))
    item = road_item()
    pipeline.on_new_items([item], wiring.briefing_notify_store())
    drain(2)
    assert ses.get_send_quota()["SentLast24Hours"] == before + 1
    assert store.get_delivery(profile.user_id, f"ITEM#{item.item_id}")["state"] == "sent"


def test_naver_works_bot_with_the_service_account_token(store: Any, new_user: Any, receiver: Any,
                                                        drain: Any, stack: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from chalicelib.settings import get_settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    boto3.client("secretsmanager").put_secret_value(
        SecretId=stack.physical["NaverWorksBotSecret"], SecretString=json.dumps({
            "bot_id": "2000001", "client_id": "cid-test", "client_secret": "csecret",
            "service_account": "svc@example.works", "private_key": pem}))
    monkeypatch.setenv("GDESK_NAVERWORKS_API_URL", receiver.url + "/v1.0")
    monkeypatch.setenv("GDESK_NAVERWORKS_TOKEN_URL", receiver.url + "/token")
    get_settings.cache_clear()
    receiver.answers["/token"] = {"access_token": "tok-123", "token_type": "Bearer", "expires_in": "86400"}
    profile = new_user(department="도로관리과", keywords=("제설",),
                       channels=(Channel("n1", "naverworks", recipient="user:kim@example.works"),))
    item = road_item()
    pipeline.on_new_items([item], wiring.briefing_notify_store())
    drain(2)
    token_request, message = receiver.delivered[0], receiver.delivered[1]
    assert token_request.path == "/token"
    form = dict(pair.split("=", 1) for pair in token_request.body.decode().split("&"))
    claims = jwt.decode(form["assertion"], key.public_key(), algorithms=["RS256"])
    assert claims["iss"] == "cid-test" and claims["sub"] == "svc%40example.works".replace("%40", "@")
    assert message.path == "/v1.0/bots/2000001/users/kim%40example.works/messages"
    assert message.headers["Authorization"] == "Bearer tok-123"
    assert message.json()["content"]["link"] == item.url
    assert store.get_delivery(profile.user_id, f"ITEM#{item.item_id}")["state"] == "sent"
