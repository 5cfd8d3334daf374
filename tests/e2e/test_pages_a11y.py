"""Accessibility and layout as tests (issue 16, "Beyond the list"): every page in its main states
(signed out, signed in, empty, with data, error), in headless Chromium at 320, 390 and 1366 px:
- axe-core (vendored npm package) finds no serious or critical violation;
- no element leaves the viewport and every control is at least 44 x 44 px;
- every control has a Korean accessible name;
- a screenshot of each state at both phone widths is kept under test-artifacts/pages/.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import pagedata
from tests.e2e.pagekit import (
    ARTIFACTS,
    PHONE_WIDTHS,
    WIDTHS,
    axe_violations,
    context,
    layout_problems,
    screenshot,
)

pytestmark = pytest.mark.e2e

HANGUL = re.compile(r"[가-힣]")


@dataclass
class State:
    """A page in one of its states: how to reach it and what shows that it is there."""

    name: str
    path: str | Callable[[dict[str, Any]], str]
    ready: str  # a selector that is visible once the state is reached
    user: str | None = None  # the key of a bearer token in the data, None: signed out
    fail: str | None = None  # an API path pattern that answers 503 (the error state)
    cafeteria: dict[str, int] | None = None  # camera counts (an empty dict: zones without data)
    init: str | None = None  # a script run before the page's own
    options: dict[str, Any] = field(default_factory=dict)
    then: Callable[[Any], None] | None = None  # a step after loading (a tap, a bad token)


def _tap(page: Any) -> None:
    page.locator("#tap").click()
    page.locator("#qr-screen").wait_for(state="visible")


def _bad_token(page: Any) -> None:
    page.fill("#token", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA")
    page.click("#check")
    page.locator("#verdict").wait_for()


STATES = [
    State("login", "/login", "#dev-users"),
    State("home", "/", "#roles:not(:empty)", user="employee"),
    State("trip-consent", "/trip", "#consent", user="fresh"),
    State("trip-refused", "/trip", "#refused", user="fresh",
          init="localStorage.setItem('gdesk.trips.refused', '1')"),
    State("trip-today", "/trip", "#today", user="traveller"),
    State("trip-qr", "/trip", "#today", user="traveller", then=_tap,
          options={"geolocation": pagedata.PHONE_AT, "permissions": ["geolocation"]}),
    State("trip-none", "/trip", "#no-trip", user="idle"),
    State("trip-error", "/trip", "#error", user="traveller", fail="**/trips"),
    State("verify-signed-out", "/verify", "#auditor-login"),
    State("verify-valid", lambda d: d["verify_path"], "#verdict"),
    State("verify-invalid", "/verify", "#auditor-login", then=_bad_token),
    State("verify-auditor", lambda d: d["verify_path"], "#record", user="auditor"),
    State("verify-error", "/verify", "#auditor-login", fail="**/proofs/verify",
          then=lambda page: page.fill("#token", "a.b.c") or page.click("#check")),
    State("photo-signed-out", "/photo", "#need-pairing"),
    State("photo", "/photo", "#uploader", user="employee"),
    State("photo-desk", "/photo/desk", "#qr[src^='data:image/svg']", user="fresh"),
    State("photo-desk-photos", "/photo/desk", "#grid li.photo[data-status=ready]", user="photographer"),
    State("cafeteria", "/cafeteria", ".zone .badge.level-normal", user="employee",
          cafeteria={"k1": 12, "s1": 3}),
    State("cafeteria-empty", "/cafeteria", "#badge:has-text('데이터 없음')", user="employee",
          cafeteria={}),
    State("cafeteria-error", "/cafeteria", "#error", user="employee", fail="**/cafeteria/now"),
    State("cafeteria-widget-signed-out", "/cafeteria/widget", "#signin"),
    State("cafeteria-widget", "/cafeteria/widget", "#updated:not(:empty)", user="employee",
          cafeteria={"k1": 30}),
    State("briefing-empty", "/briefing", "#empty", user="fresh"),
    State("briefing", "/briefing", "#items article.item", user="reader"),
    State("briefing-error", "/briefing", "#error", user="employee", fail="**/briefing/items*"),
]


@pytest.fixture(scope="module")
def data(api_url: str, token: Callable[..., str], local_cloud: Any) -> dict[str, Any]:
    """Users in the states the pages show: new (no consent, a trip), a traveller with a proof, an
    auditor, a reader of two matched press releases, an employee with a photo."""
    fresh_id, traveller_id, reader_id, photographer_id, idle_id = (p + secrets.token_hex(4) for p in "FTRPI")
    users: dict[str, tuple[str, dict[str, str]]] = {
        "employee": ("E1001", {}), "auditor": ("A2001", {}),
        "fresh": (fresh_id, {"name": "신입", "department": "총무과"}),
        "traveller": (traveller_id, {"name": "한지우", "department": "도로관리과"}),
        "reader": (reader_id, {"name": "박지훈", "department": "기후환경정책과"}),
        "photographer": (photographer_id, {"name": "이서연", "department": "복지정책과"}),
        # consent given, no trip today (E1001 may have trips from other tests of the session)
        "idle": (idle_id, {"name": "오하늘", "department": "총무과"})}

    def sign_in(user: str) -> str:
        """A token issued now: a page never carries one that waited through the whole module."""
        user_id, claims = users[user]
        return token(user_id, **claims)

    tokens = {user: sign_in(user) for user in users}
    pagedata.photo(local_cloud, api_url, tokens["photographer"])
    pagedata.create_trip(api_url, tokens["fresh"])
    trip = pagedata.create_trip(api_url, tokens["traveller"])
    pagedata.consent(api_url, tokens["traveller"])
    pagedata.consent(api_url, tokens["employee"])
    pagedata.consent(api_url, tokens["idle"])
    proof = pagedata.proof(api_url, tokens["traveller"], trip["trip_id"])
    pagedata.briefing_profile(api_url, tokens["reader"], keywords=["탄소중립"], agencies=["환경부"])
    pagedata.briefing_items(reader_id, "기후환경정책과")
    return {"sign_in": sign_in, "verify_path": "/verify#" + proof["token"]}


Counts = dict[str, int] | None


@pytest.fixture
def cafeteria_data(local_cloud: Any, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Callable[[Counts], AbstractContextManager[Any]]:
    def make(counts: Counts) -> AbstractContextManager[Any]:
        if counts is None:
            return nullcontext()
        return pagedata.cafeteria(local_cloud, tmp_path, monkeypatch, demo_clock=False, counts=counts)

    return make


ACCESSIBLE_NAMES = """() => [...document.querySelectorAll(
    'button, a[href], input:not([type=hidden]), select, textarea, summary, [role=button]')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
  .map((el) => {
    const labelled = el.getAttribute("aria-labelledby");
    const name = el.getAttribute("aria-label") ||
      (labelled ? labelled.split(" ").map((id) => (document.getElementById(id) || {}).textContent || "")
        .join(" ") : "") ||
      (el.labels && el.labels.length ? [...el.labels].map((l) => l.textContent).join(" ") : "") ||
      el.textContent || el.getAttribute("title") || el.getAttribute("alt") || "";
    return [el.outerHTML.slice(0, 80), name.trim()];
  })"""


def _open(browser: Any, api_url: str, data: dict[str, Any], state: State, width: int) -> Iterator[Any]:
    bearer = data["sign_in"](state.user) if state.user else None
    ctx = context(browser, width, bearer, **state.options)
    if state.init:
        ctx.add_init_script(state.init)
    page = ctx.new_page()
    answers: list[str] = []  # the API's error answers, to say why a state never showed

    def answered(response: Any) -> None:
        if response.status >= 400:
            request = response.request
            answers.append(f"{response.status} {request.method} {response.url} {response.text()[:200]}")

    page.on("response", answered)

    def shows(selector: str) -> None:
        try:
            page.locator(selector).first.wait_for(state="visible")
        except PlaywrightTimeout as exc:
            raise AssertionError(f"{selector} never showed on {page.url}; error answers: {answers}") from exc

    try:
        if state.fail:
            pagedata.failing(page, state.fail)
        path = state.path(data) if callable(state.path) else state.path
        page.goto(api_url + path)
        shows(state.ready)
        if state.then:
            state.then(page)
            if state.fail:
                shows("#error")
        page.wait_for_timeout(150)  # let the last paint settle (fonts, the chart)
        yield page
    finally:
        ctx.close()


@pytest.mark.parametrize("state", STATES, ids=[s.name for s in STATES])
def test_every_page_state_is_accessible_and_fits(browser: Any, api_url: str, data: dict[str, Any],
                                                 cafeteria_data: Any, state: State) -> None:
    problems: dict[str, Any] = {}
    with cafeteria_data(state.cafeteria):
        for width in WIDTHS:
            for page in _open(browser, api_url, data, state, width):
                if width in PHONE_WIDTHS:
                    screenshot(page, state.name, width)
                layout = layout_problems(page)
                if layout:
                    problems[f"layout at {width}px"] = layout
                if width != 320:  # axe's rules do not depend on the width; twice is enough
                    violations = axe_violations(page)
                    if violations:
                        problems[f"axe at {width}px"] = violations
                silent = page.evaluate("""() => [...document.querySelectorAll(".error-box")]
                  .filter((el) => el.getClientRects().length && el.getAttribute("role") !== "alert")
                  .map((el) => el.id)""")
                if silent:
                    problems[f"error text not announced (role=alert) at {width}px"] = silent
                unnamed = [html for html, name in page.evaluate(ACCESSIBLE_NAMES) if not HANGUL.search(name)]
                if unnamed:
                    problems[f"controls without a Korean name at {width}px"] = unnamed
    report = ARTIFACTS / f"{state.name}-problems.json"
    if problems:
        report.write_text(json.dumps(problems, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        report.unlink(missing_ok=True)
    assert not problems, problems


def test_the_checks_can_fail(browser: Any, api_url: str) -> None:
    """The same checks on a page made wrong on purpose: a tiny unlabeled button, a box wider than
    the phone and grey-on-grey text."""
    ctx = context(browser, 390)
    page = ctx.new_page()
    try:
        page.goto(api_url + "/verify")
        page.locator("#auditor-login").wait_for(state="visible")
        page.evaluate("""() => {
          const b = document.createElement("button");
          b.style.cssText = "width:20px;height:20px;min-height:0;min-width:0;padding:0";
          document.querySelector("main").append(b);
          const wide = document.createElement("div");
          wide.style.cssText = "width:600px;height:10px;color:#ccc;background:#ddd";
          wide.textContent = "보이지 않는 글";
          document.querySelector("main").append(wide);
        }""")
        layout = layout_problems(page)
        assert any("outside the viewport" in p for p in layout)
        assert any("target smaller than 44 px" in p and "20x20" in p for p in layout)
        ids = {v["id"] for v in axe_violations(page)}
        assert {"button-name", "color-contrast"} <= ids
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/login", "/verify"])
def test_keyboard_focus_is_clearly_visible(browser: Any, api_url: str, path: str) -> None:
    """KRDS: a thick ring around whatever the keyboard is on, in a colour that stands out on the
    white page and on the blue header alike."""
    ctx = context(browser, 1366)
    page = ctx.new_page()
    try:
        page.goto(api_url + path)
        page.wait_for_load_state("networkidle")
        seen = []
        for _ in range(4):
            page.keyboard.press("Tab")
            seen.append(page.evaluate("""() => {
              const el = document.activeElement, style = getComputedStyle(el);
              return [el.tagName, style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor];
            }"""))
        assert all(style == "solid" and width >= 3 and color == "rgb(255, 176, 0)"
                   for _, style, width, color in seen), seen
    finally:
        ctx.close()
