"""The notifier's demo: profiles for the demo employees and the local messenger inbox — a
release about 제설 reaches 김민준 (E1001), signed, and nobody else."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
import requests

from chalicelib import wiring
from chalicelib.briefing.notifying import new_item_matching as pipeline
from infra.demo import briefing_profiles
from infra.local.demo import DemoContext
from tests.integration.briefing.notify.items import make_item

pytestmark = pytest.mark.integration


def test_demo_profiles_and_inbox(local_cloud: Any, store: Any, drain: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(briefing_profiles, "INBOX_PORT", 0)
    monkeypatch.setenv("GDESK_NOTIFY_ALLOW_LOOPBACK", "1")
    ctx = DemoContext(stack=local_cloud.stack, api_url=local_cloud.api_url, home=local_cloud.home,
                      runtime=local_cloud.runtime, stop=threading.Event())
    lines = briefing_profiles.seed(ctx)
    try:
        inbox_url = lines[0].rsplit(" ", 1)[1]
        assert lines[0].startswith("AI 비서 데모 메신저 수신함") and inbox_url.startswith("http://127.0.0.1:")
        assert lines[1] == f"AI 비서 내 브리핑: {local_cloud.api_url}/briefing"
        for user_id in ("E1001", "E1002", "E1003"):
            profile = store.get_profile(user_id)
            assert profile.channels[0].url == f"{inbox_url.rstrip('/')}/hooks/{user_id}"
        assert briefing_profiles.seed_profiles(briefing_profiles.DemoInbox(0)) == []  # idempotent

        item = make_item("국토교통부, 겨울철 도로 제설 종합대책 발표",
                         "폭설에 대비해 제설 장비를 확충하고 포트홀 긴급 보수 체계를 가동한다.")
        pipeline.on_new_items([item], wiring.briefing_notify_store())
        drain(3)
        messages = requests.get(inbox_url + "messages.json", timeout=10).json()["messages"]
        mine = [m for m in messages if m["payload"].get("item_id") == item.item_id]
        assert [m["user"] for m in mine] == ["E1001"]
        assert mine[0]["verified"] is True
        assert "키워드 ‘제설’, ‘포트홀’" in mine[0]["payload"]["reason"]
        page = requests.get(inbox_url, timeout=10)
        assert page.status_code == 200 and "국토교통부, 겨울철 도로 제설 종합대책 발표" in page.text
        assert "서명 확인 ✓" in page.text
    finally:
        ctx.stop.set()
        for thread in ctx.threads:
            thread.join(timeout=5)
        for user_id in ("E1001", "E1002", "E1003"):  # later tests' rounds must not notify them
            profile = store.get_profile(user_id)
            store.put_profile(replace(profile, enabled=False), profile.version)
