"""The duty table under `gdesk up` as a user runs it: an admin imports 사무분장 with
`gdesk briefing import-duties`, a culture release is published on the demo press site, and the
new employee — who never typed a keyword — finds it on /briefing (headless Chromium) with the
reason "담당업무 ‘…’과 내용이 가까움 (유사도 …)" after the next crawl round; the suggested
keywords are offered on the page."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.support import publish_and_wait, signed_in_page
from tests.e2e.test_briefing_crawl import SITE, SPEED, _items, up  # noqa: F401 - the gdesk up fixture
from tests.e2e.test_local_cloud import GDESK, READY, Up, _env

TITLE = "도, 가을 문화예술 축제 개최… 공연·전시 한자리에 (e2e)"


def test_a_duty_table_row_alone_gets_matches_with_reasons_on_the_next_crawl(
        up: tuple[Up, int], tmp_path: Path, browser: object) -> None:  # noqa: F811
    current, aws_port = up
    api_url = current.wait_for(READY, timeout=90).group(1)
    site = current.wait_for(SITE, timeout=10).group(1)
    table = tmp_path / "사무분장.csv"
    duties = "문화예술 진흥, 공연·전시·축제 지원, 도서관·박물관 운영"
    table.write_bytes(f"사번,부서,팀,담당업무\nE2901,문화예술과,예술진흥팀,\"{duties}\"\n,문화예술과,,축제\n"
                      .encode("cp949"))
    env = _env(tmp_path / "home", AWS_ENDPOINT_URL=f"http://127.0.0.1:{aws_port}",
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-northeast-2",
               GDESK_BRIEFING_TABLE="gdesk-local-BriefingTable",
               GDESK_BRIEFING_BUCKET="gdesk-local-briefingbucket")
    result = subprocess.run([str(GDESK), "briefing", "import-duties", str(table)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr  # one row error → exit 1, the good row applied
    assert "가져온 행 1개: 새 프로필 1, 갱신 0, 변경 없음 0 · 오류 1개" in result.stdout
    assert "3행: 사번이 비어 있습니다." in result.stderr

    publish_and_wait(site, {
        "agency": "문화체육관광부", "department": "지역문화정책과", "title": TITLE,
        "paragraphs": ["도는 다음 달 도립미술관과 문예회관에서 가을 문화예술 축제를 열어 공연과 전시, "
                       "지역 예술인 작품을 선보인다고 밝혔다.",
                       "축제 기간 박물관과 도서관도 야간 개방한다."]},
        lambda: [str(r["title"]) for r in _items(aws_port)], max(300 / SPEED, 60) + 60)
    assert any(r["title"] == TITLE for r in _items(aws_port)), "not crawled"

    with signed_in_page(browser, api_url, GDESK, tmp_path, _env(tmp_path / "home"), "E2901",
                        "/briefing") as page:
        card = page.locator("article.item", has_text=TITLE)
        card.wait_for(timeout=30000)
        reason = card.locator(".reason").inner_text()
        assert reason.startswith("사유: 담당업무 ‘") and "내용이 가까움 (유사도 0." in reason, reason
        chips = page.locator("#p-suggested button[data-keyword]")
        chips.first.wait_for(timeout=10000)
        offered = chips.all_inner_texts()
        assert "+ 축제" in offered, offered
        page.locator("#p-suggested button[data-keyword='축제']").click()
        assert "축제" in page.input_value("#p-keywords")
        page.screenshot(path=str(tmp_path / "briefing-duties.png"), full_page=True)
