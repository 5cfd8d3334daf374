"""A matching round with the meaning signal (fake embedder: pure, milliseconds)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from chalicelib.briefing import matching, relevance
from chalicelib.briefing import round_scoring as rs
from chalicelib.briefing.notifying.profiles import Profile
from tests.fakes.embedding import FakeEmbedder


@dataclass(frozen=True)
class It:
    item_id: str
    title: str
    text: str
    agency: str = ""


FESTIVAL = It("i1", "도, 가을 문화예술 축제 개최",
              "도립미술관과 공연장에서 전시와 공연 축제를 연다. 문화예술 진흥 사업")
RATES = It("i2", "기준금리 동결", "한국은행이 기준금리를 동결하고 물가 흐름을 지켜보기로 했다")
SOCCER = It("i3", "프로축구 개막", "주말 프로축구 개막전에 관중이 몰렸다")
ITEMS = [FESTIVAL, RATES, SOCCER]


def frequencies() -> matching.DocumentFrequencies:
    freq = matching.DocumentFrequencies()
    for item in ITEMS:
        freq.add(matching.document_terms(item.title, item.text))
    return freq


def run_round(profiles: list[Profile], embedder: FakeEmbedder | None) -> tuple[list[rs.Scored], list]:
    vectors, packed = rs.item_vectors(ITEMS, embedder)
    meanings, changed = rs.refresh_meanings(profiles, embedder)
    return list(rs.score_round(ITEMS, vectors, packed, profiles, meanings, frequencies())), changed


def test_a_duties_only_profile_gets_its_items_with_the_meaning_reason() -> None:
    culture = Profile("E3001", department="문화예술과", duties="문화예술 진흥, 공연·전시·축제 지원")
    scored, changed = run_round([culture], FakeEmbedder())
    assert [s.item.item_id for s in scored] == ["i1"]
    reason = scored[0].relevance.reason
    assert "내용이 가까움 (유사도 0." in reason and "담당업무 ‘" in reason
    assert scored[0].vector  # the item's packed vector travels with the match (feedback uses it)
    assert [p.user_id for p, record in changed] == ["E3001"] and changed[0][1]["model_id"] == "fake-bigram"


def test_profile_vectors_are_made_once_and_again_only_when_the_text_changes() -> None:
    embedder = FakeEmbedder()
    culture = Profile("E3001", department="문화예술과", duties="공연 지원")
    meanings, changed = rs.refresh_meanings([culture], embedder)
    culture = replace(culture, meaning=changed[0][1])
    calls = len(embedder.calls)
    meanings, changed = rs.refresh_meanings([culture], embedder)
    assert changed == [] and meanings[0] is not None and len(embedder.calls) == calls
    edited = replace(culture, duties="전시 지원")
    _, changed = rs.refresh_meanings([edited], embedder)
    assert len(changed) == 1 and changed[0][1]["source_text"] == "문화예술과 전시 지원"
    with_keywords = replace(culture, keywords=("뮤지컬",))  # what the person typed is part of the meaning
    _, changed = rs.refresh_meanings([with_keywords], embedder)
    assert len(changed) == 1 and changed[0][1]["source_text"] == "문화예술과 공연 지원, 뮤지컬"
    emptied = replace(culture, duties="")
    meanings, changed = rs.refresh_meanings([emptied], embedder)
    assert meanings == [None] and changed == [(emptied, None)]


def test_refresh_is_bounded_per_round() -> None:
    profiles = [Profile(f"E{i}", department="도로과", duties=f"도로 {i}") for i in range(5)]
    meanings, changed = rs.refresh_meanings(profiles, FakeEmbedder(), limit=2)
    assert len(changed) == 2 and sum(m is not None for m in meanings) == 2


def test_without_an_embedder_the_round_is_lexical() -> None:
    road = Profile("E1", department="경제정책과", duties="물가, 금리 동향", keywords=("금리",))
    scored, changed = run_round([road], None)
    assert changed == [] and [s.item.item_id for s in scored] == ["i2"]
    assert scored[0].relevance.meaning is None and scored[0].vector == ""


def test_stored_item_vectors_are_reused() -> None:
    embedder = FakeEmbedder()
    _, packed = rs.item_vectors(ITEMS, embedder)
    embedder.calls.clear()
    matrix, again = rs.item_vectors(ITEMS, embedder, packed)
    assert embedder.calls == [] and again == packed and matrix is not None and matrix.shape == (3, 512)


def test_feedback_changes_what_the_next_round_sends() -> None:
    """Three 👎 on festival-like items stop them; a 👍 on the rates item lifts its score."""
    embedder = FakeEmbedder()
    person = Profile("E9", department="문화예술과", duties="문화예술 진흥, 공연·전시·축제 지원, 금리")
    scored, changed = run_round([person], embedder)
    person = replace(person, meaning=changed[0][1])
    before = {s.item.item_id: s.relevance for s in scored}
    assert before["i1"].relevant
    meaning = relevance.MeaningProfile.from_record(person.meaning)
    assert meaning is not None
    festival_like = embedder.encode([f"{FESTIVAL.title} {n}회" for n in range(3)])
    for vector in festival_like:
        meaning = meaning.with_feedback(vector, useful=False)
    rates_vector = embedder.encode([f"{RATES.title}. {RATES.text}"])[0]
    meaning = meaning.with_feedback(rates_vector, useful=True)
    person = replace(person, meaning=meaning.to_record())
    after = {s.item.item_id: s.relevance for s in run_round([person], embedder)[0]}
    assert after["i1"].tier == "suppressed" and not after["i1"].relevant
    vectors, packed = rs.item_vectors(ITEMS, embedder)
    sims_before = relevance.MeaningProfile.from_record(changed[0][1]).vector @ vectors[1]  # type: ignore[union-attr]
    sims_after = meaning.vector @ vectors[1]
    assert float(sims_after) > float(sims_before) + 0.05
    assert np.isfinite(sims_after)


def test_the_pool_keeps_the_latest_vectors_and_titles_of_one_model() -> None:
    freq = matching.DocumentFrequencies()
    _, packed = rs.item_vectors(ITEMS, FakeEmbedder())
    pool, titles = rs.updated_pool(freq, ITEMS, packed, "fake-bigram", size=2)
    assert pool is not None and pool.shape == (2, 512) and titles == ["기준금리동결", "프로축구개막"]
    assert freq.recent == [packed["i2"], packed["i3"]] and freq.recent_model == "fake-bigram"
    again = matching.DocumentFrequencies.from_dict(freq.to_dict())  # kept in the bucket with the statistics
    assert again.recent == freq.recent and again.recent_model == "fake-bigram"
    assert again.recent_titles == titles
    rs.updated_pool(freq, ITEMS[:1], packed, "another-model")  # a new model starts a new pool
    assert freq.recent == [packed["i1"]] and freq.recent_model == "another-model"
    assert freq.recent_titles == ["도,가을문화예술축제개최"]
    assert rs.updated_pool(freq, ITEMS, {}, "another-model") == (None, []) and freq.recent == [packed["i1"]]
    no_embedder = rs.updated_pool(freq, ITEMS, packed, "")
    assert no_embedder == (None, []) and freq.recent == [packed["i1"]]


def test_a_pool_kept_before_titles_were_kept_lines_up_with_them() -> None:
    _, packed = rs.item_vectors(ITEMS, FakeEmbedder())
    kept = {"recent": [packed["i1"], packed["i2"]], "recent_model": "fake-bigram"}  # an older bucket
    freq = matching.DocumentFrequencies.from_dict(kept)
    pool, titles = rs.updated_pool(freq, ITEMS[2:], packed, "fake-bigram")
    assert pool is not None and len(pool) == 3 and titles == ["", "", "프로축구개막"]


def test_a_duties_only_profile_is_calibrated_on_recent_items_in_the_round() -> None:
    rng = np.random.default_rng(5)
    syllables = list("가나다라마바사아자차카타파하경제물가금리선거국회야구축구날씨교통")
    recent = ["".join(rng.choice(syllables, 12)) for _ in range(relevance.POOL_SIZE // 4)]
    recent += ["문화예술 공연 전시 축제 소식 " + "".join(rng.choice(syllables, 3)) for _ in range(10)]
    embedder = FakeEmbedder()
    pool = embedder.encode(recent)
    culture = Profile("E3001", department="문화예술과", duties="문화예술 진흥, 공연·전시·축제 지원")
    vectors, packed = rs.item_vectors(ITEMS, embedder)
    meanings, _ = rs.refresh_meanings([culture], embedder)
    scored = list(rs.score_round(ITEMS, vectors, packed, [culture], meanings, frequencies(), pool=pool))
    assert [s.item.item_id for s in scored] == ["i1"]
    meaning = scored[0].relevance.meaning
    assert meaning is not None and meaning.calibrated > relevance.Z_LOW  # the calibrated part decided
    assert scored[0].relevance.score >= matching.DIGEST_THRESHOLD
    assert "담당업무 ‘" in scored[0].relevance.reason


def test_the_round_starts_the_feedback_from_the_pool_items_a_keyword_vouches_for() -> None:
    """The pool has the person's topic (titles with their keyword) and a neighbouring one the
    duties sentence is written closer to: the round's z-scores follow the keyword's items."""
    embedder = FakeEmbedder()
    rng = np.random.default_rng(9)
    syllables = list("가나다라마바사아자차카타파하선거국회야구축구날씨교통")
    noise = ["".join(rng.choice(syllables, 14)) for _ in range(300)]
    mine = [f"백신 접종 확대 {''.join(rng.choice(syllables, 2))}" for _ in range(40)]
    near = [f"의료기관 관리 지원 사업 {''.join(rng.choice(syllables, 2))}" for _ in range(40)]
    titles = noise + mine + near
    pool = embedder.encode(titles)
    squashed = [matching.squash(t) for t in titles]
    health = Profile("E4001", department="감염병관리과", duties="의료기관 관리 지원 사업", keywords=("백신",))
    items = [It("n1", "백신 접종 확대 안내", "예방접종 일정"),
             It("n2", "의료기관 관리 지원 사업 공모", "안내")]
    vectors, packed = rs.item_vectors(items, embedder)
    meanings, _ = rs.refresh_meanings([health], embedder)

    def tiers(pool_titles: list[str]) -> dict[str, tuple[str, float]]:
        scored = rs.score_round(items, vectors, packed, [health], meanings, frequencies(), pool=pool,
                                pool_titles=pool_titles)
        return {s.item.item_id: (s.relevance.tier, s.relevance.meaning.calibrated)  # type: ignore[union-attr]
                for s in scored}

    anchored, plain = tiers(squashed), tiers([])  # no titles (an older pool): the closest items, as before
    assert set(anchored) == {"n1"} and anchored["n1"][0] == "alert" and anchored["n1"][1] > 2.0
    assert plain["n2"][0] in ("alert", "digest") and plain["n1"][1] < 0  # the drift these anchors stop
