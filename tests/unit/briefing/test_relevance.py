"""Keywords + duties meaning + agency + feedback: the combined score, its reason, Rocchio, 👎 suppression."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.briefing import matching
from chalicelib.briefing import relevance as r
from chalicelib.briefing.embedding import normalize_rows
from tests.fakes.embedding import FakeEmbedder


def unit(*components: float, dim: int = 8) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[: len(components)] = components
    return normalize_rows(vector)[0]


def test_duty_facets_split_the_duty_table_phrasing() -> None:
    assert r.duty_facets("물가·금리 동향, 고용 통계 분석\n수출입 및 투자 유치") == [
        "물가", "금리 동향", "고용 통계 분석", "수출입", "투자 유치"]
    assert r.duty_facets("") == []
    assert len(r.duty_facets(", ".join(f"업무{i}" for i in range(40)))) == r.MAX_FACETS


def test_meaning_part_is_zero_below_low_and_capped_above_high() -> None:
    assert r.meaning_part(r.MEANING_LOW) == 0.0
    assert r.meaning_part(-0.3) == 0.0
    assert r.meaning_part(r.MEANING_HIGH) == pytest.approx(r.MEANING_WEIGHT)
    assert r.meaning_part(0.9) == pytest.approx(r.MEANING_WEIGHT)
    middle = (r.MEANING_LOW + r.MEANING_HIGH) / 2
    assert r.meaning_part(middle) == pytest.approx(r.MEANING_WEIGHT / 2)


def test_build_profile_encodes_text_and_facets_once() -> None:
    embedder = FakeEmbedder()
    profile = r.build_meaning_profile(embedder, "경제정책과", "물가, 금리 동향")
    assert profile is not None and profile.model_id == embedder.model_id
    assert [text for text, _ in profile.facets] == ["물가", "금리 동향"]
    assert embedder.calls == [["경제정책과 물가, 금리 동향", "물가", "금리 동향"]]
    again = r.build_meaning_profile(embedder, "경제정책과", "물가, 금리 동향", profile)
    assert again is profile and len(embedder.calls) == 1  # unchanged text: not encoded again
    assert r.build_meaning_profile(embedder, "", "  ") is None
    assert r.build_meaning_profile(embedder, "도로관리과", "") is None  # no duties: lexical only


def test_the_keywords_join_the_meaning_but_not_the_duty_phrases() -> None:
    embedder = FakeEmbedder()
    text = r.profile_text("경제정책과", "물가 동향", ("금리", " ", "증시"))
    assert text == "경제정책과 물가 동향, 금리, 증시"
    assert r.profile_text("", "", ("금리",)) == "금리"
    profile = r.build_meaning_profile(embedder, "경제정책과", "물가 동향", keywords=("금리", "증시"))
    assert profile is not None and profile.source_text == "경제정책과 물가 동향, 금리, 증시"
    assert embedder.calls == [["경제정책과 물가 동향, 금리, 증시", "물가 동향", "금리", "증시"]]
    assert [text for text, _ in profile.facets] == ["물가 동향"]  # the reason names a duty, not a keyword
    assert [text for text, _ in profile.keyword_facets] == ["금리", "증시"]  # the phrase gate's too
    back = r.MeaningProfile.from_record(profile.to_record())
    assert back is not None and [t for t, _ in back.keyword_facets] == ["금리", "증시"]
    assert back.phrase_matrix() is not None and back.phrase_matrix().shape == (3, 512)
    # still needs duties (the meaning's reason names one)
    assert r.build_meaning_profile(embedder, "경제정책과", "", keywords=("금리",)) is None


def test_record_round_trip_is_compact() -> None:
    profile = r.build_meaning_profile(FakeEmbedder(), "경제정책과", "물가, 금리 동향")
    assert profile is not None
    assert profile.with_feedback(unit(1, 0), True) is profile  # another model's vector: ignored
    profile = profile.with_feedback(unit(1, 0, dim=512), True).with_feedback(unit(0, 1, dim=512), False)
    record = profile.to_record()
    back = r.MeaningProfile.from_record(record)
    assert back is not None
    assert float(back.vector @ profile.vector) > 0.999
    assert [t for t, _ in back.facets] == ["물가", "금리 동향"]
    assert len(back.liked) == 1 and len(back.disliked) == 1
    assert r.MeaningProfile.from_record(None) is None
    assert r.MeaningProfile.from_record({"base": "garbage"}) is None


def test_combined_reason_names_the_closest_duty_with_the_similarity() -> None:
    match = matching.Match(0.05, "none", (), (), None)
    meaning = r.Meaning(0.42, "물가·금리 동향", r.meaning_part(0.42))
    rel = r.combine(match, meaning)
    assert rel.score == pytest.approx(0.05 + r.MEANING_WEIGHT)
    assert rel.tier == "digest"
    assert rel.reason == "담당업무 ‘물가·금리 동향’과 내용이 가까움 (유사도 0.42)"
    kw = matching.Match(0.5, "alert", ("금리",), (), "한국은행", in_title=("금리",))
    both = r.combine(kw, meaning)
    assert both.reason == ("키워드 ‘금리’ 일치(제목) · 담당업무 ‘물가·금리 동향’과 내용이 가까움 "
                           "(유사도 0.42) · 관심 기관 한국은행")
    assert both.tier == "alert"
    assert "‘물가’와 내용이" in r.combine(kw, r.Meaning(0.42, "물가", 0.2)).reason
    assert "‘AI’과(와) 내용이" in r.combine(kw, r.Meaning(0.42, "AI", 0.2)).reason


def test_weak_meaning_is_not_a_reason_and_exclusions_win() -> None:
    match = matching.Match(0.3, "digest", (), ("도로",), None)
    weak = r.combine(match, r.Meaning(0.1, "도로 보수", r.meaning_part(0.1)))
    assert "내용이 가까움" not in weak.reason and weak.reason == "담당업무 관련어 ‘도로’"
    excluded = matching.Match(0.0, "excluded", (), (), None, excluded_by="광고")
    assert r.combine(excluded, r.Meaning(0.9, "x", 0.3)).tier == "excluded"
    assert r.combine(match, None).score == pytest.approx(0.3)


def test_rocchio_moves_the_profile_towards_liked_and_away_from_disliked() -> None:
    base = unit(1, 0, 0)
    profile = r.MeaningProfile("m", base)
    liked_kind, disliked_kind = unit(0, 1, 0), unit(0, 0, 1)
    up = profile.with_feedback(liked_kind, True)
    assert float(up.vector @ liked_kind) > float(profile.vector @ liked_kind)
    down = profile.with_feedback(disliked_kind, False)
    assert float(down.vector @ disliked_kind) < float(profile.vector @ disliked_kind)
    assert np.allclose(np.linalg.norm(up.vector), 1.0)
    undone = up.without_feedback(liked_kind, True)
    assert undone.liked == () and np.allclose(undone.vector, profile.vector)
    many = profile
    for _ in range(r.MAX_FEEDBACK_VECTORS + 5):
        many = many.with_feedback(liked_kind, True)
    assert len(many.liked) == r.MAX_FEEDBACK_VECTORS


def test_three_dislikes_on_similar_items_suppress_that_kind_only() -> None:
    profile = r.MeaningProfile("m", unit(1, 1, 0, 0), (("행사", unit(1, 1, 0, 0)),))
    promo = [unit(1, 0.1 * i, 0, 1) for i in range(3)]
    for vector in promo[:2]:
        profile = profile.with_feedback(vector, False)
    similar_item, other_item = unit(1, 0.15, 0, 1), unit(0, 1, 1, 0)
    match = matching.Match(0.6, "alert", ("행사",), (), None)
    assert r.combine(match, r.meaning_of(profile, similar_item)).tier == "alert"  # two 👎: not yet
    profile = profile.with_feedback(promo[2], False)
    stopped = r.combine(match, r.meaning_of(profile, similar_item))
    assert stopped.tier == "suppressed" and not stopped.relevant
    assert stopped.reason.startswith("비슷한 자료에 ‘관심 없음’ 3회")
    assert r.combine(match, r.meaning_of(profile, other_item)).tier == "alert"


def test_index_scores_many_profiles_at_once_like_one_by_one() -> None:
    embedder = FakeEmbedder()
    profiles = [r.build_meaning_profile(embedder, "경제정책과", "물가, 금리 동향"), None,
                r.build_meaning_profile(embedder, "체육진흥과", "프로야구, 생활체육")]
    index = r.MeaningIndex(profiles)
    items = embedder.encode(["한국은행 금리 동결 물가 안정", "프로야구 개막전 생활체육 행사"])
    sims = index.similarities(items)
    assert sims.shape == (2, 3) and np.isnan(sims[:, 1]).all()
    assert profiles[0] is not None and profiles[2] is not None
    assert sims[0, 0] == pytest.approx(float(profiles[0].vector @ items[0]), abs=1e-5)
    assert sims[0, 0] > sims[0, 2] and sims[1, 2] > sims[1, 0]
    nothing = matching.Match(0.0, "none", (), (), None)
    rel = index.relevance(0, nothing, items[0], float(sims[0, 0]))
    assert rel.score == pytest.approx(r.meaning_part(float(sims[0, 0])))
    assert index.relevance(1, nothing, items[0], float(sims[0, 1])).meaning is None
    assert np.isnan(r.MeaningIndex([None]).similarities(items)).all()


def test_the_shortcut_agrees_with_the_full_combination() -> None:
    embedder = FakeEmbedder()
    quiet = r.build_meaning_profile(embedder, "경제정책과", "물가, 금리 동향")
    assert quiet is not None
    grumpy = quiet
    for n in range(r.SUPPRESS_AFTER):
        grumpy = grumpy.with_feedback(embedder.encode([f"행사 {n}"])[0], False)
    index = r.MeaningIndex([quiet, grumpy, None])
    item = embedder.encode(["금리 동결"])[0]
    for lexical in (0.0, 0.1, 0.2, 0.3, 0.6):
        for j, sim in ((0, 0.0), (0, 0.2), (0, 0.5), (2, float("nan"))):
            match = matching.Match(lexical, "none", (), (), None)
            full = index.relevance(j, match, item if j != 2 else None, sim)
            if index.surely_irrelevant(j, lexical, sim):
                assert not full.relevant and full.tier != "suppressed"
    assert not index.surely_irrelevant(1, 0.0, 0.0)  # enough 👎 to suppress: always checked


def news_pool(topic: np.ndarray, n: int = 400, on_topic: int = 12, seed: int = 7) -> np.ndarray:
    """Unit vectors of ``n`` recent items: random news, ``on_topic`` of them near ``topic``."""
    rng = np.random.default_rng(seed)
    pool = rng.normal(size=(n, topic.shape[0])).astype(np.float32)
    pool[:on_topic] = topic + 0.08 * pool[:on_topic]
    return normalize_rows(pool)


def test_expanded_queries_give_comparable_z_scores_on_the_pool() -> None:
    rng = np.random.default_rng(1)
    topic = normalize_rows(rng.normal(size=64))[0]
    pool = news_pool(topic)
    duties = normalize_rows(topic + 0.9 * normalize_rows(rng.normal(size=64))[0])  # a blunt query
    queries, centre, spread = r.expand_queries(duties, pool)
    z = (pool @ queries.T - centre) / spread
    assert abs(float(z.mean())) < 1e-4 and float(z.std()) == pytest.approx(1.0, abs=1e-3)
    assert float(z[:12].min()) > 3.0 > float(np.abs(z[12:]).mean())  # the topic stands out
    assert float(queries[0] @ topic) > float(duties[0] @ topic)  # the feedback moved the query to it


def test_a_duties_only_profile_is_calibrated_on_the_pool_and_brings_in_a_close_item() -> None:
    rng = np.random.default_rng(2)
    topic = normalize_rows(rng.normal(size=64))[0]
    pool = news_pool(topic)
    noise = rng.normal(size=64)
    noise = normalize_rows(noise - (noise @ topic) * topic)[0]  # orthogonal to the topic
    blunt = normalize_rows(topic + 4.0 * noise)[0]  # a duties sentence: cosine 0.24 with the topic
    profile = r.MeaningProfile("m", blunt, (("공연 지원", topic),))
    item = normalize_rows(topic + 0.08 * rng.normal(size=64))[0]
    index = r.MeaningIndex([profile], pool)
    sim, z = float(index.similarities(item[None])[0, 0]), float(index.calibrated(item[None])[0, 0])
    nothing = matching.Match(0.0, "none", (), (), None)
    assert r.meaning_part(sim) < matching.DIGEST_THRESHOLD  # the cosine alone would not bring it in
    rel = index.relevance(0, nothing, item, sim, "공연 지원", calibrated=z)
    assert rel.relevant and rel.score == pytest.approx(r.calibrated_part(z))
    assert rel.reason.startswith("담당업무 ‘공연 지원’과 내용이 가까움 (유사도 ")
    # an unrelated item stays out
    other = normalize_rows(rng.normal(size=64))[0]
    z_other = float(index.calibrated(other[None])[0, 0])
    assert not index.relevance(0, nothing, other, float(other @ profile.vector), "", z_other).relevant


def test_an_off_topic_keyword_hit_is_held_back() -> None:
    rng = np.random.default_rng(6)
    topic = normalize_rows(rng.normal(size=64))[0]
    profile = r.MeaningProfile("m", topic)
    index = r.MeaningIndex([profile], news_pool(topic))
    on_topic = normalize_rows(topic + 0.3 * rng.normal(size=64))[0]
    off_topic = normalize_rows(-0.3 * topic + normalize_rows(rng.normal(size=64))[0])[0]
    z_on, z_off = (float(index.calibrated(v[None])[0, 0]) for v in (on_topic, off_topic))
    assert z_off < r.OFF_TOPIC_Z <= r.Z_LOW < z_on
    body = matching.Match(matching.KEYWORD_BODY, "digest", ("경제",), (), None)  # "경제" in a politics story
    held = index.relevance(0, body, off_topic, float(off_topic @ topic), "", z_off)
    assert held.tier == "none" and held.score == 0.0
    kept = index.relevance(0, body, on_topic, float(on_topic @ topic), "", z_on)
    assert kept.relevant and kept.score > matching.KEYWORD_BODY
    title = matching.Match(matching.KEYWORD_TITLE, "alert", ("경제",), (), None, in_title=("경제",))
    demoted = index.relevance(0, title, off_topic, float(off_topic @ topic), "", z_off)
    assert demoted.tier == "digest" and demoted.reason == "키워드 ‘경제’ 일치(제목) · " + r.OFF_TOPIC_REASON
    assert index.relevance(0, title, on_topic, float(on_topic @ topic), "", z_on).tier == "alert"


def test_without_enough_recent_items_there_is_no_calibration() -> None:
    rng = np.random.default_rng(3)
    topic = normalize_rows(rng.normal(size=64))[0]
    profile = r.MeaningProfile("m", topic)
    small = r.MeaningIndex([profile], news_pool(topic, n=r.POOL_MIN - 1))
    assert small.queries is None and np.isnan(small.calibrated(topic[None])).all()
    assert np.isnan(r.MeaningIndex([profile]).calibrated(topic[None])).all()
    other_dim = r.MeaningIndex([profile], news_pool(normalize_rows(rng.normal(size=32))[0]))
    assert other_dim.queries is None  # a pool of another model's vectors is not used
    # NaN z: the cosine part, as before
    assert r.part_for(0.2, float("nan")) == pytest.approx(r.meaning_part(0.2))
    assert r.part_for(float("nan"), 2.0) == 0.0


def test_the_shortcut_agrees_with_the_full_combination_when_calibrated() -> None:
    rng = np.random.default_rng(4)
    topic = normalize_rows(rng.normal(size=64))[0]
    profile = r.MeaningProfile("m", topic)
    index = r.MeaningIndex([profile], news_pool(topic))
    items = normalize_rows(np.vstack([topic + s * rng.normal(size=64) for s in (0.05, 0.2, 0.5, 2.0, 9.0)]))
    sims, zs = index.similarities(items)[:, 0], index.calibrated(items)[:, 0]
    for lexical in (0.0, 0.1, 0.2):
        match = matching.Match(lexical, "none", (), (), None)
        for row in range(len(items)):
            full = index.relevance(0, match, items[row], float(sims[row]), "", float(zs[row]))
            assert index.surely_irrelevant(0, lexical, float(sims[row]), float(zs[row])) \
                == (not full.relevant)


def test_expanding_many_profiles_in_steps_equals_one_by_one() -> None:
    rng = np.random.default_rng(8)
    pool = news_pool(normalize_rows(rng.normal(size=32))[0], n=300)
    profiles = normalize_rows(rng.normal(size=(450, 32)))  # more than one step
    queries, centre, spread = r.expand_queries(profiles, pool)
    for row in (0, 199, 200, 449):
        one = r.expand_queries(profiles[row:row + 1], pool)
        assert np.allclose(queries[row], one[0][0], atol=1e-5)
        assert centre[row] == pytest.approx(float(one[1][0]), abs=1e-5)
        assert spread[row] == pytest.approx(float(one[2][0]), abs=1e-5)


def test_phrase_z_says_how_far_an_item_stands_out_against_ones_own_phrases() -> None:
    rng = np.random.default_rng(11)
    topic, phrase = (normalize_rows(rng.normal(size=64))[0] for _ in range(2))
    pool = news_pool(phrase)  # 12 recent items near the phrase, the rest random news
    profile = r.MeaningProfile("m", topic, (("공연 지원", phrase),))
    index = r.MeaningIndex([profile, None], pool)
    near = normalize_rows(phrase + 0.1 * rng.normal(size=64))[0]
    elsewhere = normalize_rows(rng.normal(size=64))[0]
    assert index.phrase_z(0, near) > 3.0 > r.PHRASE_GATE_Z > index.phrase_z(0, elsewhere)
    assert np.isnan(index.phrase_z(1, near))  # no meaning profile
    assert np.isnan(r.MeaningIndex([profile]).phrase_z(0, near))  # no pool: no gate


def test_what_the_meaning_alone_brings_in_must_be_near_one_own_phrase() -> None:
    rng = np.random.default_rng(12)
    topic = normalize_rows(rng.normal(size=64))[0]
    profile = r.MeaningProfile("m", topic, (("공연 지원", topic),))
    index = r.MeaningIndex([profile], news_pool(topic))
    item = normalize_rows(topic + 0.3 * rng.normal(size=64))[0]
    nothing = matching.Match(0.0, "none", (), (), None)
    z = 3.0  # the expanded query says: very close
    far = index.relevance(0, nothing, item, 0.2, "공연 지원", calibrated=z, phrase_z=r.PHRASE_GATE_Z - 0.5)
    assert not far.relevant and far.meaning is not None and far.meaning.part == 0.0
    near = index.relevance(0, nothing, item, 0.2, "공연 지원", calibrated=z, phrase_z=r.PHRASE_GATE_Z + 0.5)
    assert near.tier == "digest" and near.reason.startswith("담당업무 ‘공연 지원’")
    worked_out = index.relevance(0, nothing, item, 0.2, "공연 지원", calibrated=z)  # phrase z from the pool
    assert worked_out.relevant == (index.phrase_z(0, item) >= r.PHRASE_GATE_Z)
    keyword = matching.Match(0.25, "digest", ("공연",), (), None)  # a keyword hit: no gate
    with_keyword = index.relevance(0, keyword, item, 0.2, "공연 지원", calibrated=z,
                                   phrase_z=r.PHRASE_GATE_Z - 0.5)
    assert with_keyword.relevant and with_keyword.score > 0.25


def test_title_anchors_are_the_pool_items_with_one_of_the_keywords_in_the_title() -> None:
    shown = ["코로나 백신 3차 접종 시작", "기준금리 동결", "확진자 2만명 넘어",
             "프로야구 개막", "…백", "신규 채용"]
    titles = [matching.squash(t) for t in shown]
    titles = titles * r.ANCHOR_MIN  # 60 items, oldest first
    anchors = r.title_anchors([["백신", "확 진"], ["금리"], ["반도체"], ["", "야구"]], titles)
    assert anchors[0] is not None and set(anchors[0] % 6) == {0, 2}  # spaces ignored, as the matcher does
    assert len(anchors[0]) == 2 * r.ANCHOR_MIN and list(anchors[0]) == sorted(anchors[0])
    assert anchors[1] is not None and set(anchors[1] % 6) == {1}  # "…백" + "신규": no title across two
    assert anchors[2] is None  # no title has it
    assert anchors[3] is not None and set(anchors[3] % 6) == {3}
    excluded = r.title_anchors([["백신", "확진"], ["백신", "확진"]], titles, [["코로나"]])
    assert excluded[0] is not None and set(excluded[0] % 6) == {2}  # the matcher would exclude the rest
    assert excluded[1] is not None and set(excluded[1] % 6) == {0, 2}  # no exclusions given for it
    few = r.title_anchors([["금리"]], titles[:6 * (r.ANCHOR_MIN - 1)])
    assert few == [None]  # fewer than ANCHOR_MIN: the feedback starts from the closest items
    assert r.title_anchors([["금리"]], []) == [None]


def test_anchors_keep_the_feedback_on_the_persons_topic() -> None:
    """A duties sentence closer to a neighbouring topic than to the person's: the items nearest
    to it are the neighbour's, and the feedback follows them; joined by the items the keywords
    vouch for, it stays on the person's topic."""
    rng = np.random.default_rng(21)
    mine, neighbour = (normalize_rows(rng.normal(size=64))[0] for _ in range(2))
    pool = normalize_rows(rng.normal(size=(400, 64)))
    pool[:40] = normalize_rows(mine + 0.06 * rng.normal(size=(40, 64)))
    pool[40:70] = normalize_rows(neighbour + 0.06 * rng.normal(size=(30, 64)))
    duties = normalize_rows(0.8 * neighbour + 0.5 * mine)
    new_mine, new_neighbour = (normalize_rows(t + 0.06 * rng.normal(size=64))[0] for t in (mine, neighbour))

    def z(anchors: list[np.ndarray | None] | None) -> tuple[float, float]:
        queries, centre, spread = r.expand_queries(duties, pool, anchors)
        return tuple(float((v @ queries[0] - centre[0]) / spread[0]) for v in (new_mine, new_neighbour))

    drifted_mine, drifted_neighbour = z(None)
    assert drifted_neighbour > 2.0 > 0.0 > drifted_mine  # without anchors: the neighbour's topic
    anchored_mine, anchored_neighbour = z([np.arange(40)])  # a keyword in the title of each of mine
    assert anchored_mine > 2.0 > 0.0 > anchored_neighbour
    assert z([None]) == (drifted_mine, drifted_neighbour)  # no anchors for this profile: as before


def test_anchored_and_plain_profiles_expand_together_as_one_by_one() -> None:
    rng = np.random.default_rng(22)
    pool = news_pool(normalize_rows(rng.normal(size=32))[0], n=300)
    profiles = normalize_rows(rng.normal(size=(230, 32)))
    anchors = [np.arange(row % 7, 300, 17) if row % 3 else None for row in range(230)]
    queries, centre, spread = r.expand_queries(profiles, pool, anchors)
    for row in (0, 1, 199, 200, 229):
        one = r.expand_queries(profiles[row:row + 1], pool, anchors[row:row + 1])
        assert np.allclose(queries[row], one[0][0], atol=1e-5)
        assert centre[row] == pytest.approx(float(one[1][0]), abs=1e-5)
        assert spread[row] == pytest.approx(float(one[2][0]), abs=1e-5)


def test_with_anchors_feedback_still_moves_the_query() -> None:
    """The pseudo-relevance feedback follows the anchors' items, which would wash out a few 👍 on
    items of a kind no keyword names: the 👍/👎 move the expanded query itself."""
    rng = np.random.default_rng(23)
    mine, liked_kind = (normalize_rows(rng.normal(size=64))[0] for _ in range(2))
    pool = normalize_rows(rng.normal(size=(400, 64)))
    pool[:40] = normalize_rows(mine + 0.06 * rng.normal(size=(40, 64)))
    pool[40:60] = normalize_rows(liked_kind + 0.06 * rng.normal(size=(20, 64)))
    profile = r.MeaningProfile("m", mine)
    liked = profile
    for vector in pool[40:43]:
        liked = liked.with_feedback(vector, useful=True)
    item = normalize_rows(liked_kind + 0.06 * rng.normal(size=64))[0]
    anchors = [np.arange(40)]
    before, after = (r.MeaningIndex([p], pool, anchors).calibrated(item[None])[0, 0]
                     for p in (profile, liked))
    assert after > before + 0.5
