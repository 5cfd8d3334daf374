from __future__ import annotations

import pytest

from chalicelib.briefing.crawling import items

RELEASE = (
    "행정안전부는 5월 1일부터 지방자치단체의 도로 포트홀 신고를 국민비서 알림으로 "
    "안내하는 서비스를 시작한다고 밝혔다. "
    "이번 서비스는 시민이 안전신문고 앱으로 포트홀을 신고하면 관할 지자체 도로관리 부서에 즉시 전달되고, "
    "처리 결과가 신고자에게 알림으로 돌아가는 방식이다. 행정안전부와 국토교통부는 올해 하반기까지 "
    "전국 243개 지방자치단체로 서비스를 확대하고, 도로 보수 예산의 집행 현황도 함께 공개할 계획이다. "
    "장관은 \"작은 불편도 빠르게 해결하는 것이 생활 안전의 시작\"이라며 적극적인 신고를 당부했다. "
    "정부는 시범 운영 기간 동안 접수된 신고 1만 2천여 건을 분석한 결과, 평균 처리 기간이 기존 9일에서 "
    "3일로 줄어든 것으로 나타났다고 설명했다. 특히 우기에는 포트홀이 급증하는 만큼 6월부터 9월까지를 "
    "집중 관리 기간으로 정하고, 지방자치단체별 도로 순찰 인력과 긴급 보수 장비를 추가로 배치한다. "
    "아울러 신고가 반복되는 구간은 도로 포장 상태를 정밀 점검해 재포장 우선순위에 반영하도록 했다. "
    "국토교통부는 고속국도와 일반국도의 보수 현황도 같은 시스템에서 조회할 수 있도록 연계할 예정이며, "
    "관련 예산은 재난안전특별교부세로 지원한다. 자세한 내용은 붙임 자료를 참고하면 된다."
)


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://WWW.Korea.KR:443/briefing/pressReleaseView.do?newsId=156&call_from=rsslink#top",
     "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156"),
    ("https://www.korea.kr/a?b=2&a=1&utm_source=x&utm_medium=rss&fbclid=z",
     "https://www.korea.kr/a?a=1&b=2"),
    ("http://www.mois.go.kr:80/frt/bbs/type010/commonSelectBoardArticle.do;jsessionid=ABC123.node1?bbsId=BBSMSTR_1&nttId=9",
     "http://www.mois.go.kr/frt/bbs/type010/commonSelectBoardArticle.do?bbsId=BBSMSTR_1&nttId=9"),
    ("http://127.0.0.1:8081/press/1", "http://127.0.0.1:8081/press/1"),
    ("https://example.go.kr", "https://example.go.kr/"),
    ("https://example.go.kr/%7euser/%2f%e1%84%80", "https://example.go.kr/~user/%2F%E1%84%80"),
    ("https://example.go.kr/보도자료/1", "https://example.go.kr/%EB%B3%B4%EB%8F%84%EC%9E%90%EB%A3%8C/1"),
    ("https://example.go.kr/s?q=a+b", "https://example.go.kr/s?q=a%20b"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert items.canonical_url(url) == expected
    assert items.canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/relative/path", "mailto:a@b.kr", "ftp://x.go.kr/f"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        items.canonical_url(url)


def test_item_id_is_stable_and_follows_the_canonical_url() -> None:
    a = items.item_id_for(items.canonical_url("https://www.korea.kr/v.do?newsId=1&call_from=rss"))
    b = items.item_id_for(items.canonical_url("https://WWW.KOREA.KR/v.do?newsId=1"))
    c = items.item_id_for(items.canonical_url("https://www.korea.kr/v.do?newsId=2"))
    assert a == b != c
    assert len(a) == 32 and int(a, 16) >= 0
    assert a == items.item_id_for("https://www.korea.kr/v.do?newsId=1")


def test_content_hash_ignores_spacing_width_and_case() -> None:
    assert items.content_hash("제목 A", "본문  내용\n\n끝") == items.content_hash("제목 Ａ", " 본문 내용 끝 ")
    assert items.content_hash("제목", "본문") != items.content_hash("제목", "본문 다름")


def test_the_same_release_from_two_agencies_is_a_near_duplicate() -> None:
    header_a = "국토교통부 보도자료 배포일시 2024. 5. 1.(수) 담당 부서 도로정책과 담당자 김철수 044-201-0000 "
    header_b = "행정안전부 보도자료 보도시점 2024. 5. 1. 담당 부서 재난안전정책과 담당자 이영희 044-205-1111 "
    a, b = items.minhash(header_a + RELEASE), items.minhash(header_b + RELEASE)
    assert items.similarity(a, b) >= items.NEAR_DUPLICATE_JACCARD
    assert set(items.band_keys(a)) & set(items.band_keys(b))
    # Korean word spacing differs between copies: shingles ignore spaces
    c = items.minhash(header_b + RELEASE.replace("지방자치단체의 도로", "지방자치단체의도로"))
    assert items.similarity(a, c) >= items.NEAR_DUPLICATE_JACCARD


def test_different_releases_are_not_near_duplicates() -> None:
    other = ("보건복지부는 기초연금 수급자의 소득 인정액 산정 기준을 개선하는 시행령 개정안을 "
             "입법예고한다고 밝혔다. 개정안은 근로소득 공제액을 상향하고, 노인 일자리 사업 참여 "
             "소득의 일부를 소득 인정액에서 제외한다. "
             "복지부는 의견 수렴을 거쳐 하반기 시행을 목표로 하고 있다.")
    a, b = items.minhash(RELEASE), items.minhash(other)
    assert items.similarity(a, b) < 0.3
    assert items.exact_jaccard(RELEASE, other) < 0.1


def test_signatures_pack_and_estimate_jaccard() -> None:
    sig = items.minhash(RELEASE)
    assert len(sig) == items.NUM_HASHES and len(items.band_keys(sig)) == items.BANDS
    assert items.unpack_signature(items.pack_signature(sig)) == sig
    assert items.minhash(RELEASE) == sig  # deterministic across calls (and processes: fixed seeds)
    half = RELEASE[: len(RELEASE) // 2]
    estimate = items.similarity(items.minhash(half), sig)
    assert abs(estimate - items.exact_jaccard(half, RELEASE)) < 0.2
    assert items.minhash("") == items.minhash("   ")
