"""The /briefing page in headless Chromium against the local cloud: my matched items with their
reason, agency, time and link; the filters; the feedback buttons; the profile editor (a channel
added, its secret never shown back)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.briefing.notifying import new_item_matching as pipeline
from tests.integration.briefing.notify.items import make_item

pytestmark = pytest.mark.e2e




@pytest.fixture
def store(local_cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from chalicelib.briefing.notifying.store import BriefingStore
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_NOTIFY_ALLOW_LOOPBACK", "1")  # the channel the page adds is on 127.0.0.1
    get_settings.cache_clear()
    yield BriefingStore()
    monkeypatch.undo()
    get_settings.cache_clear()


def test_briefing_page_items_feedback_and_profile(browser: Any, api_url: str, token: Any,
                                                  store: Any) -> None:
    from playwright.sync_api import expect

    from chalicelib.briefing.notifying.profiles import Profile

    user_id = "P" + secrets.token_hex(4)
    store.put_profile(Profile(user_id=user_id, department="기후환경정책과", keywords=("탄소중립",),
                              agencies=("환경부",)), 0)
    climate = make_item("환경부, 2030 탄소중립 이행 점검", "온실가스 감축 목표 점검 회의를 열었다.",
                        agency="환경부", published_at="2024-12-02T10:30:00+09:00")
    other = make_item("산업부, 탄소중립 산업 전환 지원", "탄소중립 설비 투자를 지원한다.",
                      agency="산업통상자원부", published_at="2024-12-01T09:00:00+09:00")
    pipeline.on_new_items([climate, other], wiring.briefing_notify_store())
    page = browser.new_page()
    bearer = token(user_id, department="기후환경정책과")
    page.add_init_script(f"localStorage.setItem('gdesk.token', '{bearer}')")
    try:
        page.goto(f"{api_url}/briefing")
        cards = page.locator("#items article.item")
        cards.first.wait_for()
        assert cards.count() == 2
        first = cards.nth(0)
        assert first.locator("h3 a").inner_text() == climate.title
        assert first.locator("h3 a").get_attribute("href") == climate.url
        assert first.locator(".meta").first.inner_text() == "환경부 · 2024-12-02 10:30 · 메신저 발송 중"
        reason = first.locator(".reason").inner_text()
        assert reason == "사유: 키워드 ‘탄소중립’ 일치(제목) · 관심 기관 환경부"

        page.select_option("#f-agency", "산업통상자원부")  # filter by agency
        expect(cards).to_have_count(1)
        assert cards.nth(0).locator("h3 a").inner_text() == other.title
        page.select_option("#f-agency", "")
        expect(cards).to_have_count(2)

        cards.nth(0).locator("button[data-value=not_useful]").click()
        expect(cards.nth(0).locator("button[data-value=not_useful]")).to_have_class("secondary chosen")
        assert store.find_match(user_id, climate.item_id)["feedback"] == "not_useful"

        page.fill("#p-duties", "탄소중립 이행계획, 온실가스 감축")
        page.select_option("#new-channel-type", "webhook")
        page.click("#add-channel")
        row = page.locator("#channels .channel").last
        row.locator("input[data-field=url]").fill("http://127.0.0.1:9/hook")
        row.locator("input[data-field=secret]").fill("page-secret-0123456789")
        page.click("#save")
        page.wait_for_selector("#saved:not(.hidden)")
        saved = store.get_profile(user_id)
        assert saved.duties == "탄소중립 이행계획, 온실가스 감축"
        assert [c.type for c in saved.channels] == ["webhook"]
        assert "page-secret-0123456789" not in page.content()
        assert "피드백으로 조정된 가중치" in page.inner_text("#learned")
        # Saved again without typing the secret: the stored one stays.
        page.click("#save")
        page.wait_for_selector("#saved:not(.hidden)")
        assert list(store.get_channel_secrets(user_id).values()) == [{"secret": "page-secret-0123456789"}]
    finally:
        page.close()
        current = store.get_profile(user_id)
        store.put_profile(replace(current, enabled=False), current.version)
