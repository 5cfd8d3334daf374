"""Scoring and reasons: Korean n-grams, keywords, exclusions, agencies, feedback, thresholds."""

from __future__ import annotations

import pytest

from chalicelib.briefing import matching as m

ROAD = ("국토부, 겨울철 도로 제설 대책 발표",
        "국토교통부는 폭설에 대비해 고속도로와 국도의 제설 장비를 확충하고 포트홀 보수 예산을 늘린다고 "
        "밝혔다. 지방자치단체 도로관리 부서와 협력해 결빙 취약 구간을 집중 관리한다.")
WELFARE = ("보건복지부, 기초생활보장 수급 기준 완화",
           "보건복지부는 내년부터 기초생활보장 생계급여 선정 기준을 완화하고 부양의무자 기준을 폐지한다.")
CLIMATE = ("환경부, 탄소중립 이행 점검 회의 개최",
           "환경부는 2030 온실가스 감축 목표 달성을 위한 탄소 중립 이행 상황을 점검했다.")
SPORTS = ("프로야구 개막전 매진", "올해 프로야구 개막전 입장권이 모두 팔렸다. 구단들은 관중 맞이에 나섰다.")


def corpus() -> m.DocumentFrequencies:
    freq = m.DocumentFrequencies()
    for title, text in (ROAD, WELFARE, CLIMATE, SPORTS):
        freq.add(m.document_terms(title, text))
    return freq


ROAD_PROFILE = m.Interest(department="도로관리과", duties="도로 유지보수, 제설 작업, 포트홀 민원 처리",
                          keywords=("제설", "포트홀"), agencies=("국토교통부",))


def test_korean_grams_match_across_particles() -> None:
    assert m.word_grams("도로를") == ["도로", "로를", "도로를"]
    assert m.strip_josa("도로를") == "도로"
    assert m.strip_josa("복지부의") == "복지부"
    assert m.strip_josa("물을") == "물을"  # a one-syllable stem is kept whole
    assert m.grams("AI 반도체") == ["ai", "반도", "도체", "반도체"]
    assert "도로" in m.grams("고속도로와 국도의")


def test_normalize_is_nfkc_and_casefolded() -> None:
    assert m.normalize("  ＡＩ　반도체  ") == "ai 반도체"
    assert m.squash("탄소 중립") == "탄소중립"


def test_the_right_department_ranks_its_item_first() -> None:
    freq = corpus()
    docs = [(*ROAD, "국토교통부"), (*WELFARE, "보건복지부"), (*CLIMATE, "환경부"), (*SPORTS, "")]
    welfare = m.Interest(department="복지정책과", duties="기초생활보장 급여 기준, 복지 사각지대 발굴",
                         keywords=("기초생활보장",))
    climate = m.Interest(department="기후환경정책과", duties="온실가스 감축, 탄소중립 이행",
                         keywords=("탄소 중립",))
    for interest, expected in ((ROAD_PROFILE, 0), (welfare, 1), (climate, 2)):
        ranked = m.rank(m.Matcher(interest, freq), docs)
        assert ranked[0][0] == expected
        assert ranked[0][1].relevant
        assert all(not match.relevant for i, match in ranked if i == 3)  # sports: nobody's


def test_alert_with_reason_naming_keywords_terms_and_agency() -> None:
    match = m.Matcher(ROAD_PROFILE, corpus()).score(*ROAD, agency="국토교통부")
    assert match.tier == "alert"
    assert match.score >= m.ALERT_THRESHOLD
    assert match.keywords == ("제설", "포트홀")
    assert match.in_title == ("제설",)
    assert match.terms == ("도로관리", "도로")
    assert match.agency == "국토교통부"
    assert match.reason == ("키워드 ‘제설’, ‘포트홀’ 일치(제목·본문) · 담당업무 관련어 ‘도로관리’, ‘도로’ · "
                            "관심 기관 국토교통부")


def test_keyword_matches_regardless_of_spacing() -> None:
    interest = m.Interest(keywords=("탄소 중립",))
    match = m.Matcher(interest, corpus()).score("탄소중립 선언", "본문", agency="환경부")
    assert match.keywords == ("탄소 중립",)
    assert match.reason.startswith("키워드 ‘탄소 중립’ 일치(제목)")


def test_body_only_keyword_is_a_digest_not_an_alert() -> None:
    interest = m.Interest(keywords=("결빙",))
    match = m.Matcher(interest, corpus()).score("겨울철 안전 대책", "결빙 구간 점검을 실시한다.")
    assert match.tier == "digest"
    assert "본문" in match.reason


def test_unrelated_item_is_not_matched() -> None:
    match = m.Matcher(ROAD_PROFILE, corpus()).score(*SPORTS)
    assert match.tier == "none"
    assert not match.relevant


def test_exclusion_is_a_hard_filter() -> None:
    interest = m.Interest(keywords=("제설", "포트홀"), exclusions=("고속 도로",), agencies=("국토교통부",))
    match = m.Matcher(interest, corpus()).score(*ROAD, agency="국토교통부")
    assert match.tier == "excluded"
    assert match.score == 0
    assert match.reason == "제외어 ‘고속 도로’ 포함으로 제외"


def test_followed_agency_boosts() -> None:
    freq = corpus()
    interest = m.Interest(keywords=("결빙",), agencies=("국토교통부",))
    base = m.Matcher(interest, freq).score("안전 대책", "결빙 구간 점검", agency="환경부")
    boosted = m.Matcher(interest, freq).score("안전 대책", "결빙 구간 점검", agency="국토교통부")
    assert boosted.score == pytest.approx(base.score + m.AGENCY_BOOST)
    assert base.agency is None and boosted.agency == "국토교통부"


def test_not_useful_feedback_lowers_and_useful_raises_the_same_kind_of_item() -> None:
    freq = corpus()
    first = m.Matcher(ROAD_PROFILE, freq).score(*ROAD, agency="국토교통부")
    weights: dict[str, float] = {}
    for _ in range(3):
        weights = m.apply_feedback(weights, first.reason_terms(), useful=False)
    assert weights["제설"] == pytest.approx(0.6 ** 3, abs=1e-3)
    assert weights[m.agency_key("국토교통부")] < 1
    muted = m.Interest(**{**ROAD_PROFILE.__dict__, "term_weights": weights})
    after = m.Matcher(muted, freq).score(*ROAD, agency="국토교통부")
    assert after.score < first.score
    assert after.tier != "alert"
    boosted = m.Interest(**{**ROAD_PROFILE.__dict__,
                            "term_weights": m.apply_feedback({}, first.reason_terms(), useful=True)})
    assert m.Matcher(boosted, freq).score(*ROAD, agency="국토교통부").score > first.score


def test_feedback_weights_are_clipped() -> None:
    weights: dict[str, float] = {}
    for _ in range(30):
        weights = m.apply_feedback(weights, ["제설"], useful=True)
    assert weights["제설"] == m.WEIGHT_MAX
    for _ in range(30):
        weights = m.apply_feedback(weights, ["제설"], useful=False)
    assert weights["제설"] == m.WEIGHT_MIN


def test_duty_words_strip_department_suffix_particles_and_stopwords() -> None:
    interest = m.Interest(department="도로관리과", duties="도로의 유지보수 업무 및 제설 관련 민원을 담당")
    assert m.duty_words(interest) == ["도로관리", "도로", "유지보수", "제설", "민원"]


def test_empty_profile_matches_nothing() -> None:
    match = m.Matcher(m.Interest(), corpus()).score(*ROAD, agency="국토교통부")
    assert match.tier == "none" and match.score == 0


def test_frequencies_round_trip_and_prune() -> None:
    freq = corpus()
    again = m.DocumentFrequencies.from_dict(freq.to_dict())
    assert again == freq
    assert freq.idf("프로야구") > freq.idf("없는말") - 10  # defined for unseen terms
    assert freq.idf("도로") < freq.idf("프로야구") or freq.df["도로"] == freq.df.get("프로야구")
    freq.prune(max_terms=10)
    assert len(freq.df) <= 10
    assert m.DocumentFrequencies.from_dict(None).n_docs == 0
