"""The briefing routes over real HTTP: profile (channels, secrets never echoed), my items (newest
first, reason, paging, filters), feedback — and nobody sees or touches another user's data."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
import requests

from chalicelib import wiring
from chalicelib.briefing.model import Attachment
from chalicelib.briefing.notifying import new_item_matching as pipeline
from tests.integration.briefing.notify.items import make_item

pytestmark = pytest.mark.integration

HOOK_SECRET = "hook-signing-key-abcdef0123"
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"


@pytest.fixture
def user(notify_env: None, auth_headers: Any, store: Any) -> Any:
    """A fresh employee of 도로관리과 (and their headers); their profile is disabled afterwards."""
    from dataclasses import replace

    made = []

    def make(department: str = "도로관리과") -> tuple[str, dict[str, str]]:
        user_id = "U" + secrets.token_hex(4)
        made.append(user_id)
        return user_id, auth_headers(user_id, department=department)

    yield make
    for user_id in made:
        profile = store.get_profile(user_id)
        if profile is not None and profile.enabled:
            store.put_profile(replace(profile, enabled=False), profile.version)


def put(api_url: str, headers: dict[str, str], body: Any) -> requests.Response:
    return requests.put(f"{api_url}/briefing/profile", json=body, headers=headers, timeout=10)


def test_default_profile_comes_from_my_department(api_url: str, user: Any) -> None:
    _, headers = user("복지정책과")
    answer = requests.get(f"{api_url}/briefing/profile", headers=headers, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["department"] == "복지정책과"
    assert body["channels"] == [] and body["keywords"] == []
    assert body["quiet_hours"] == {"start": "19:00", "end": "08:00"}
    assert body["enabled"] is True


def test_put_profile_stores_channels_and_never_echoes_secrets(api_url: str, user: Any, store: Any) -> None:
    user_id, headers = user()
    answer = put(api_url, headers, {
        "duties": "도로 유지보수, 제설", "keywords": ["제설", " 포트홀 ", "제설"], "exclusions": ["인사"],
        "agencies": ["국토교통부"], "quiet_hours": {"start": "20:00", "end": "07:30"}, "hourly_cap": 3,
        "channels": [{"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": HOOK_SECRET},
                     {"type": "slack", "url": SLACK_URL},
                     {"type": "email", "address": "kim@example.go.kr"},
                     {"type": "naverworks", "recipient": "user:kim@example.works", "enabled": False}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["keywords"] == ["제설", "포트홀"]
    assert body["quiet_hours"] == {"start": "20:00", "end": "07:30"} and body["hourly_cap"] == 3
    webhook, slack, email, works = body["channels"]
    assert webhook["secret_set"] is True and "secret" not in webhook
    assert slack == {"id": slack["id"], "type": "slack", "enabled": True,
                     "url_hint": "https://hooks.slack.com/…XXXX", "url_set": True}
    assert email["address"] == "kim@example.go.kr" and works["enabled"] is False
    for text in (answer.text, requests.get(f"{api_url}/briefing/profile", headers=headers, timeout=10).text):
        assert HOOK_SECRET not in text and "XXXXsecretXXXX" not in text
    stored = store.get_channel_secrets(user_id)
    assert stored == {webhook["id"]: {"secret": HOOK_SECRET}, slack["id"]: {"url": SLACK_URL}}

    # Sent back without secrets (what the page does): the stored secrets stay.
    again = put(api_url, headers, {"channels": [
        {"id": webhook["id"], "type": "webhook", "url": "http://127.0.0.1:9/hook2"},
        {"id": slack["id"], "type": "slack"}]})
    assert again.status_code == 200, again.text
    assert [c["id"] for c in again.json()["channels"]] == [webhook["id"], slack["id"]]
    assert store.get_channel_secrets(user_id) == stored
    assert again.json()["keywords"] == ["제설", "포트홀"]  # fields left out keep their values


@pytest.mark.parametrize(("body", "field"), [
    ({"channels": [{"type": "webhook", "url": "http://169.254.169.254/latest/meta-data",
                    "secret": HOOK_SECRET}]}, "channels[0].url"),
    ({"channels": [{"type": "slack", "url": "http://hooks.example.com/x"}]}, "channels[0].url"),
    ({"channels": [{"type": "dooray", "url": "https://10.1.2.3/services/x"}]}, "channels[0].url"),
    ({"channels": [{"type": "webhook", "url": "https://hooks.example.com/x"}]}, "channels[0].secret"),
    ({"channels": [{"type": "email", "address": "not-an-address"}]}, "channels[0].address"),
    ({"channels": [{"type": "naverworks", "recipient": "kim"}]}, "channels[0].recipient"),
    ({"channels": [{"type": "fax"}]}, "channels[0].type"),
    ({"channels": "webhook"}, "channels"),
    ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours.start"),
    ({"keywords": "제설"}, "keywords"),
    ({"keywords": ["\u202e제설, 포트홀"]}, "keywords"),  # a bidi override would show the list reversed
    ({"department": "도로\x00관리과"}, "department"),
    ({"hourly_cap": 0}, "hourly_cap"),
    ({"enabled": "yes"}, "enabled"),
])
def test_bad_profiles_are_422_naming_the_field_and_change_nothing(api_url: str, user: Any, body: Any,
                                                                 field: str) -> None:
    _, headers = user()
    assert put(api_url, headers, {"keywords": ["제설"]}).status_code == 200
    answer = put(api_url, headers, {"duties": "바뀌면 안 됨", **body})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    current = requests.get(f"{api_url}/briefing/profile", headers=headers, timeout=10).json()
    assert current["keywords"] == ["제설"] and current["duties"] == "" and current["channels"] == []


def test_malformed_json_and_no_token(api_url: str, user: Any) -> None:
    _, headers = user()
    bad = requests.put(f"{api_url}/briefing/profile", data=b"{nope", timeout=10,
                       headers={**headers, "Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
    for method, path in (("GET", "/briefing/profile"), ("GET", "/briefing/items"),
                         ("POST", "/briefing/items/x/feedback")):
        answer = requests.request(method, f"{api_url}{path}", json={"value": "useful"}, timeout=10)
        assert answer.status_code == 401 and "error" in answer.json()


def _seed(api_url: str, headers: dict[str, str], n: int) -> list[Any]:
    assert put(api_url, headers, {"keywords": ["제설"], "agencies": ["국토교통부"]}).status_code == 200
    hwp = (Attachment("붙임1. 제설 대책.hwp", "https://www.korea.kr/files/a.hwp", "hwp"),)
    items = [make_item(f"제설 대책 {i}", "도로 제설 장비를 확충한다.", attachments=hwp if i == 0 else (),
                       published_at=f"2024-12-0{i + 1}T09:00:00+09:00") for i in range(n)]
    pipeline.on_new_items(items, wiring.briefing_notify_store())
    return items


def test_my_items_newest_first_with_reason_and_pages(api_url: str, user: Any) -> None:
    _, headers = user()
    items = _seed(api_url, headers, 3)
    first = requests.get(f"{api_url}/briefing/items?limit=2", headers=headers, timeout=10)
    assert first.status_code == 200
    page = first.json()
    assert [i["item_id"] for i in page["items"]] == [items[2].item_id, items[1].item_id]
    assert page["items"][0]["reason"] == "키워드 ‘제설’ 일치(제목) · 관심 기관 국토교통부"
    assert page["items"][0]["agency"] == "국토교통부" and page["items"][0]["tier"] == "alert"
    assert page["next_cursor"]
    second = requests.get(f"{api_url}/briefing/items", params={"limit": 2, "cursor": page["next_cursor"]},
                          headers=headers, timeout=10).json()
    assert [i["item_id"] for i in second["items"]] == [items[0].item_id]
    assert second["items"][0]["attachments"] == [
        {"name": "붙임1. 제설 대책.hwp", "url": "https://www.korea.kr/files/a.hwp", "kind": "hwp"}]
    assert second["next_cursor"] is None
    filtered = requests.get(f"{api_url}/briefing/items", params={"agency": "환경부"}, headers=headers,
                            timeout=10).json()
    assert filtered["items"] == []
    for params in ({"limit": 0}, {"tier": "soon"}, {"cursor": "!!"}, {"feedback": "meh"}):
        bad = requests.get(f"{api_url}/briefing/items", params=params, headers=headers, timeout=10)
        assert bad.status_code == 422, params


def test_nobody_sees_or_rates_another_users_items(api_url: str, user: Any) -> None:
    _, kim = user()
    _, lee = user("복지정책과")
    assert put(api_url, lee, {"keywords": ["기초생활"]}).status_code == 200
    items = _seed(api_url, kim, 1)
    mine = requests.get(f"{api_url}/briefing/items", headers=kim, timeout=10).json()["items"]
    assert [i["item_id"] for i in mine] == [items[0].item_id]
    assert requests.get(f"{api_url}/briefing/items", headers=lee, timeout=10).json()["items"] == []
    # A cursor cannot reach into another partition: it carries only a sort key.
    url = f"{api_url}/briefing/items/{items[0].item_id}/feedback"
    answer = requests.post(url, json={"value": "useful"}, headers=lee, timeout=10)
    assert answer.status_code == 404
    listed = requests.get(f"{api_url}/briefing/items", headers=kim, timeout=10).json()
    assert listed["items"][0]["feedback"] is None


def learned(api_url: str, headers: dict[str, str]) -> dict[str, float]:
    profile = requests.get(f"{api_url}/briefing/profile", headers=headers, timeout=10).json()
    return {w["term"]: w["weight"] for w in profile["learned_weights"]}


def test_feedback_records_and_adjusts_my_weights(api_url: str, user: Any) -> None:
    _, headers = user()
    items = _seed(api_url, headers, 1)
    url = f"{api_url}/briefing/items/{items[0].item_id}/feedback"
    answer = requests.post(url, json={"value": "not_useful"}, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"item_id": items[0].item_id, "feedback": "not_useful",
                             "terms": ["제설", "기관:국토교통부"]}
    weights = learned(api_url, headers)
    assert weights == {"제설": 0.6, "기관:국토교통부": 0.6}
    # The same feedback again changes nothing; changing it takes the first one back.
    requests.post(url, json={"value": "not_useful"}, headers=headers, timeout=10)
    requests.post(url, json={"value": "useful"}, headers=headers, timeout=10)
    weights = learned(api_url, headers)
    assert weights == {"제설": 1.25, "기관:국토교통부": 1.25}
    listed = requests.get(f"{api_url}/briefing/items?feedback=useful", headers=headers, timeout=10).json()
    assert [i["feedback"] for i in listed["items"]] == ["useful"]
    for body in ({"value": "great"}, {}, {"value": 1}):
        assert requests.post(url, json=body, headers=headers, timeout=10).status_code == 422
    assert requests.post(f"{api_url}/briefing/items/nope/feedback", json={"value": "useful"},
                         headers=headers, timeout=10).status_code == 404
    assert requests.post(url, data=b"[", headers={**headers, "Content-Type": "application/json"},
                         timeout=10).status_code == 400


def test_the_page_is_served_with_its_script(api_url: str) -> None:
    page = requests.get(f"{api_url}/briefing", timeout=10)
    assert page.status_code == 200 and "AI 비서" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(f"{api_url}/static/briefing.js", timeout=10)
    assert script.status_code == 200 and "/briefing/items" in script.text
    assert json.loads(json.dumps({"ok": True}))
