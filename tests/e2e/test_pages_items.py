"""Issue 16 "Pages a person enjoys", items 1-11, each as a person meets it in headless Chromium
(ko-KR, a 320/390 px phone or a 1366 px desktop) against the app served over HTTP."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import pagedata
from tests.e2e.pagekit import context, contrast

pytestmark = pytest.mark.e2e

PAGES = ["/", "/login", "/trip", "/verify", "/photo", "/photo/desk", "/cafeteria", "/cafeteria/widget",
         "/briefing"]


def _user(prefix: str = "U") -> str:
    return prefix + secrets.token_hex(4)


# 1 -------------------------------------------------------------------------------------------------
def test_1_briefing_cap_label_and_box_have_room_on_a_phone(browser: Any, api_url: str, token: Any) -> None:
    ctx = context(browser, 390, token(_user(), department="기후환경정책과"))
    page = ctx.new_page()
    try:
        page.goto(f"{api_url}/briefing")
        expect(page.locator("#p-cap")).to_have_value(re.compile(r"\d+"))
        label = page.locator("label[for=p-cap]").bounding_box()
        line = float(page.locator("label[for=p-cap]").evaluate(
            "el => parseFloat(getComputedStyle(el).lineHeight)"))
        assert label and label["height"] < 2.2 * line, f"the label wraps to {label} (line {line})"
        box = page.locator("#p-cap").bounding_box()
        assert box and box["width"] >= 88, f"the number box is {box and box['width']} px wide"
        page.fill("#p-cap", "20")
        assert page.locator("#p-cap").evaluate("el => el.scrollWidth <= el.clientWidth")
    finally:
        ctx.close()


# 2 -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [320, 390, 1366])
def test_2_cafeteria_chart_labels_and_legend_stay_whole(browser: Any, api_url: str, token: Any,
                                                       local_cloud: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    with pagedata.cafeteria(local_cloud, tmp_path, monkeypatch, demo_clock=True, counts={"k1": 14, "s1": 3}):
        ctx = context(browser, width, token(_user()))
        page = ctx.new_page()
        try:
            page.goto(f"{api_url}/cafeteria")
            page.locator("#chart text").first.wait_for()
            inside = page.evaluate("""() => {
              const svg = document.getElementById("chart");
              const width = svg.viewBox.baseVal.width;
              return [...svg.querySelectorAll("text")].map((t) => {
                const box = t.getBBox();
                return [t.textContent, box.x >= 0 && box.x + box.width <= width];
              });
            }""")
            cut = [text for text, ok in inside if not ok]
            assert inside and not cut, f"labels cut off: {cut}"
            assert inside[-1][0] == "14:00" or any(text == "14:00" for text, _ in inside)
            apart = page.evaluate("""() => [...document.querySelectorAll(".legend .key")].map((key) => {
              const text = key.nextSibling;
              const range = document.createRange();
              range.selectNodeContents(text);
              const first = range.getClientRects()[0];
              const swatch = key.getBoundingClientRect();
              const middle = (r) => (r.top + r.bottom) / 2;
              const sameLine = first && Math.abs(middle(first) - middle(swatch)) < 12;
              return [text.textContent.trim(), sameLine && range.getClientRects().length === 1];
            })""")
            assert len(apart) == 3 and all(ok for _, ok in apart), f"legend text off its swatch: {apart}"
        finally:
            ctx.close()


# 3 -------------------------------------------------------------------------------------------------
WORDS_JS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[가-힣]+/g;
      let m;
      while ((m = re.exec(node.textContent))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [320, 390])
def test_3_korean_words_are_not_broken_inside(browser: Any, api_url: str, token: Any, width: int) -> None:
    bearer = token(_user())
    pagedata.create_trip(api_url, bearer, "경상남도 창원시 의창구 사림동 위치정보확인센터")
    ctx = context(browser, width, bearer, geolocation=pagedata.PHONE_AT, permissions=["geolocation"])
    page = ctx.new_page()
    try:
        page.goto(f"{api_url}/trip")
        page.locator("#consent").wait_for(state="visible")
        style = page.evaluate("() => [getComputedStyle(document.body).wordBreak, "
                              "getComputedStyle(document.body).overflowWrap]")
        assert style == ["keep-all", "anywhere"]
        assert page.evaluate(WORDS_JS, "#consent") == []
        page.get_by_role("button", name="동의하고 계속").click()
        page.locator("#today").wait_for(state="visible")
        assert page.evaluate(WORDS_JS, "#today") == []
        assert page.evaluate("() => document.documentElement.scrollWidth <= "
                             "document.documentElement.clientWidth")
        page.locator("#tap").click()  # the full-screen QR and its texts (once a lone "빙" under it)
        page.locator("#qr-screen").wait_for(state="visible")
        assert page.evaluate(WORDS_JS, "#qr-screen") == []
    finally:
        ctx.close()


# 4 -------------------------------------------------------------------------------------------------
def test_4_verify_signed_out_offers_sign_in_and_comes_back_to_the_same_proof(
        browser: Any, api_url: str, token: Any) -> None:
    traveller = token(_user("E"), name="윤서아", department="복지정책과")
    trip = pagedata.create_trip(api_url, traveller, "창원시청")
    pagedata.consent(api_url, traveller)
    proof = pagedata.proof(api_url, traveller, trip["trip_id"])
    ctx = context(browser, 390)
    page = ctx.new_page()
    try:
        page.goto(proof["verify_url"])
        expect(page.locator("#verdict")).to_have_text("✔ 유효한 출장 증빙입니다")
        sign_in = page.get_by_role("link", name=re.compile("감사 담당자 로그인"))
        expect(sign_in).to_be_visible()
        assert proof["token"] not in (sign_in.get_attribute("href") or "")  # never in a URL the server logs
        sign_in.click()
        page.wait_for_url(re.compile(r"/login\?next="))
        page.locator("button[data-user=A2001]").click()
        page.wait_for_url(re.compile(r"/verify"))
        expect(page.locator("#record")).to_be_visible()
        assert "윤서아" in page.locator("#record").inner_text()
        logout = page.get_by_role("link", name="로그아웃")
        expect(logout).to_be_visible()
        expect(sign_in).to_be_hidden()
        logout.click()
        page.wait_for_url(re.compile(r"/login\?signed_out=1"))
        assert page.evaluate("localStorage.getItem('gdesk.token')") is None
    finally:
        ctx.close()


# 5 -------------------------------------------------------------------------------------------------
def test_5_consent_can_be_refused_and_withdrawn(browser: Any, api_url: str, token: Any) -> None:
    bearer = token(_user())
    trip = pagedata.create_trip(api_url, bearer)
    ctx = context(browser, 390, bearer)
    page = ctx.new_page()
    try:
        page.goto(f"{api_url}/trip")
        page.get_by_role("button", name="동의하지 않음").click()
        refused = page.locator("#refused")
        expect(refused).to_be_visible()
        expect(refused).to_contain_text("영수증")
        expect(refused).to_contain_text("QR")
        expect(page.locator("#consent")).to_be_hidden()
        expect(page.locator("#today")).to_be_hidden()
        page.reload()  # the choice is remembered on this phone
        expect(refused).to_be_visible()
        page.get_by_role("button", name="동의서 다시 보기").click()
        page.get_by_role("button", name="동의하고 계속").click()
        expect(page.locator("#today")).to_be_visible()
        earlier = pagedata.proof(api_url, bearer, trip["trip_id"])  # a proof made under the consent

        page.get_by_role("button", name="위치정보 동의 철회").click()
        expect(page.locator("#withdraw-card")).to_contain_text("보존 기간")
        page.get_by_role("button", name="철회하기").click()
        expect(page.locator("#consent")).to_be_visible()
        expect(page.locator("#today")).to_be_hidden()
        expect(page.locator("#consent-status")).to_contain_text("철회")
    finally:
        ctx.close()
    session = pagedata.http()
    listed = session.get(f"{api_url}/trips", headers=pagedata.bearer_headers(bearer)).json()
    assert listed["consent"] is None
    fix = {"lat": 35.2385, "lon": 128.6927, "accuracy_m": 9, "nonce": secrets.token_hex(8),
           "captured_at": datetime.now(pagedata.KST).isoformat()}
    refused_proof = session.post(f"{api_url}/trips/{trip['trip_id']}/proofs", json=fix,
                                 headers=pagedata.bearer_headers(bearer))
    assert refused_proof.status_code == 403
    assert refused_proof.json()["error"]["message"].startswith("위치정보 수집·이용 동의가 필요합니다")
    # The auditor still sees the verdict of the earlier proof, but no longer its exact position.
    record = session.post(f"{api_url}/proofs/verify", json={"token": earlier["token"]},
                          headers=pagedata.bearer_headers(token("A2001"))).json()
    assert record["valid"] is True
    assert record["record"]["position"] is None and record["record"]["stored_position"] is None
    assert "철회" in record["record"]["position_note"]


# 6 -------------------------------------------------------------------------------------------------
def test_6_no_page_asks_for_something_missing(browser: Any, api_url: str, token: Any) -> None:
    session = pagedata.http()
    icon = session.get(f"{api_url}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    config = session.get(f"{api_url}/auth/config")
    assert config.status_code == 200 and config.json() == {"sso": False}
    ctx = context(browser, 390, token(_user()))
    failures: list[str] = []
    ctx.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page = ctx.new_page()
    try:
        for path in PAGES:
            page.goto(f"{api_url}{path}")
            page.wait_for_load_state("networkidle")
    finally:
        ctx.close()
    assert failures == []


# 7 -------------------------------------------------------------------------------------------------
def test_7_badges_and_warnings_meet_aa_contrast(browser: Any, api_url: str, token: Any, local_cloud: Any,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 한식 12 (보통), one of its two cameras reporting: the warning shows.
    with pagedata.cafeteria(local_cloud, tmp_path, monkeypatch, demo_clock=False, counts={"k1": 12}):
        ctx = context(browser, 390, token(_user()))
        page = ctx.new_page()
        try:
            page.goto(f"{api_url}/cafeteria")
            expect(page.locator(".zone .badge.level-normal")).to_have_count(1)
            expect(page.locator(".zone .warn")).to_have_text(re.compile(r"카메라 1/2대 응답"))
            for selector in (".zone .badge.level-normal", "#badge.level-normal", ".zone .warn"):
                if page.locator(selector).count():
                    assert contrast(page, selector) >= 4.5, selector
        finally:
            ctx.close()


# 8 -------------------------------------------------------------------------------------------------
def test_8_feedback_buttons_say_which_is_chosen(browser: Any, api_url: str, token: Any) -> None:
    user_id = _user("P")
    bearer = token(user_id, department="기후환경정책과")
    pagedata.briefing_profile(api_url, bearer, keywords=["탄소중립"], agencies=["환경부"])
    pagedata.briefing_items(user_id, "기후환경정책과")
    ctx = context(browser, 390, bearer)
    page = ctx.new_page()
    try:
        page.goto(f"{api_url}/briefing")
        card = page.locator("#items article.item").first
        useful = card.locator("button[data-value=useful]")
        not_useful = card.locator("button[data-value=not_useful]")
        expect(useful).to_have_attribute("aria-pressed", "false")
        expect(not_useful).to_have_attribute("aria-pressed", "false")
        useful.click()
        expect(useful).to_have_attribute("aria-pressed", "true")
        expect(not_useful).to_have_attribute("aria-pressed", "false")
        page.reload()
        again = page.locator("#items article.item").first.locator("button[data-value=useful]")
        expect(again).to_have_attribute("aria-pressed", "true")
    finally:
        ctx.close()


# 9 -------------------------------------------------------------------------------------------------
def test_9_quiet_hours_off_is_said_and_head_answers(browser: Any, api_url: str, token: Any) -> None:
    bearer = token(_user())
    pagedata.briefing_profile(api_url, bearer, quiet_hours={"start": "00:00", "end": "00:00"})
    ctx = context(browser, 390, bearer)
    page = ctx.new_page()
    try:
        page.goto(f"{api_url}/briefing")
        expect(page.locator("#quiet-note")).to_have_text(re.compile("방해 금지 시간 없음"))
        page.fill("#p-quiet-start", "19:00")
        page.fill("#p-quiet-end", "08:00")
        expect(page.locator("#quiet-note")).to_have_text(re.compile("19:00부터 다음 날 08:00까지"))
    finally:
        ctx.close()
    session = pagedata.http()
    for path in PAGES:
        response = session.head(f"{api_url}{path}")
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html") and response.content == b""


# 10 ------------------------------------------------------------------------------------------------
def test_10_cafeteria_says_when_it_shows_a_replay(browser: Any, api_url: str, token: Any, local_cloud: Any,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bearer = token(_user())
    with pagedata.cafeteria(local_cloud, tmp_path, monkeypatch, demo_clock=True, counts={"k1": 14}):
        ctx = context(browser, 390, bearer)
        page = ctx.new_page()
        try:
            page.goto(f"{api_url}/cafeteria")
            replay = page.locator("#replay")
            expect(replay).to_be_visible()
            expect(replay).to_contain_text("재생")
            expect(replay).to_contain_text("실제 시각이 아닙니다")
            expect(page.locator("#updated")).to_contain_text("재생 시각")
        finally:
            ctx.close()
    with pagedata.cafeteria(local_cloud, tmp_path, monkeypatch, demo_clock=False, counts={"k1": 14}):
        ctx = context(browser, 390, bearer)
        page = ctx.new_page()
        try:
            page.goto(f"{api_url}/cafeteria")
            expect(page.locator("#updated")).to_contain_text("기준")
            expect(page.locator("#replay")).to_be_hidden()
            shown = re.search(r"(\d\d):(\d\d):(\d\d) 기준", page.locator("#updated").inner_text())
            assert shown, page.locator("#updated").inner_text()
            real = datetime.now(pagedata.KST)
            seconds = int(shown[1]) * 3600 + int(shown[2]) * 60 + int(shown[3])
            drift = abs(seconds - (real.hour * 3600 + real.minute * 60 + real.second))
            assert min(drift, 86400 - drift) < 180  # the real clock, not the simulator's
        finally:
            ctx.close()

# 11: tests/unit/platform/test_packaging.py (pyproject's SPDX licence; no browser needed)
