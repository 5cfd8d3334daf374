"""The final relevance of an item to an employee: keywords + duties meaning + agency + feedback.

The lexical scorer (``matching``) stays as it is and keeps its reasons (keywords in title/body,
duty words, followed agency, exclusions). Beside it comes the meaning of the duties:

- A profile's *meaning vector* is the sentence vector of "department + duties text + keywords",
  moved by the person's feedback (Rocchio: towards the items marked 👍, away from the items marked 👎). Each
  duty phrase (사무분장 lines are comma/·-separated lists) also has its own vector, only to say
  *which* duty an item is close to.
- A duties sentence is a blunt query, and a cosine means something different for every profile.
  So the meaning is *expanded and calibrated* on the pool of recent items (``POOL_SIZE`` item
  vectors kept with the matching statistics, with their titles): pseudo-relevance feedback starts
  from the first of ``PRF_SHARES`` of the pool closest to the profile's vector (duties + keywords +
  👍/👎), joined by the pool items the person's own words vouch for — those with one of their
  keywords in the title, when there are at least ``ANCHOR_MIN`` (*anchors*); their mean minus the
  pool's mean is the expanded query (expanded once more with the next share), and an item's
  projection on it is standardised against the pool's projections: a z-score, on the same scale
  for every profile whatever its text. The anchors hold the feedback on the person's topic: the
  items nearest a duties sentence can be a neighbouring one (for 감염병 예방·의료기관 관리, news of
  disability programmes), the items with "백신" or "확진" in the title are not.
  ``meaning part = MEANING_WEIGHT * clip((z - Z_LOW) / (Z_HIGH - Z_LOW), 0, 1)``, minus
  ``OFF_TOPIC_PENALTY`` (one body keyword's worth) when the item is less related to the profile's
  topic than the average recent item (z < 0): a keyword that only occurs in an off-topic story no
  longer reaches the digest, and a title keyword in one goes to the digest instead of an alert.
  The tiers keep the lexical thresholds (alert ≥ 0.5, digest ≥ 0.25).
- What the meaning alone would bring in (the lexical score below the digest threshold) must also
  be close to one of the person's own phrases — a duty phrase or a keyword: its cosine with that
  phrase, standardised against the pool's cosines with it, at least ``PHRASE_GATE_Z``. Otherwise
  the meaning adds nothing to that pair: the expanded query can drift to a neighbouring topic
  (support programmes, statistics), and an item no phrase of the person is near is not theirs.
- With fewer than ``POOL_MIN`` items in the pool (a new installation) the plain cosine part is
  used: ``MEANING_WEIGHT * clip((cos - MEANING_LOW) / (MEANING_HIGH - MEANING_LOW), 0, 1)``.
  The constants and how they were chosen: docs/briefing-matching.md.
- Three 👎 on items whose vectors are within ``SIMILAR_ITEM`` cosine of a new item stop items of
  that kind: the item is ``suppressed`` (kept, not sent) whatever its score.

Pure: numpy and the lexical scorer; no boto3, no Chalice. Vectors come from an ``Embedder``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from chalicelib.briefing import matching
from chalicelib.briefing.embedding import Embedder, normalize_rows, pack_b64, unpack_b64

MEANING_WEIGHT = 0.4  # the most the meaning adds: below the alert threshold, so never an alert alone
MEANING_LOW = 0.0  # cosine at or below which the meaning adds nothing (USE: unrelated news ≈ 0.0–0.1)
MEANING_HIGH = 0.40  # cosine at which it adds the full weight
Z_LOW = 0.0  # calibrated: z-score at or below which the meaning adds nothing (0: the average item)
Z_HIGH = 2.0  # z-score at which it adds the full weight
OFF_TOPIC_Z = 0.0  # below: less related to the profile's topic than the average recent item
OFF_TOPIC_PENALTY = matching.KEYWORD_BODY  # what such an item loses: one body keyword's worth
POOL_SIZE = 1000  # recent item vectors kept for the calibration (≈ 2 days of a 500-item/day crawl)
POOL_MIN = 200  # fewer: no calibration, the cosine part
PRF_SHARES = (0.03, 0.10)  # pseudo-relevant shares of the pool: 30 of 1,000, then 100 of 1,000
ANCHOR_MIN = 10  # pool items with a keyword in the title that join the first share (fewer: none)
PHRASE_GATE_Z = 2.0  # what the meaning alone brings in must stand out this much against one own phrase
OFF_TOPIC_REASON = "담당업무와는 거리가 있는 내용"
REASON_MIN = 0.15  # below this cosine the meaning is not named as a reason
SIMILAR_ITEM = 0.45  # two items this close (cosine) are "of the same kind" for 👎 suppression
SUPPRESS_AFTER = 3
ROCCHIO_BETA = 0.5  # weight of the mean 👍 vector against the duties vector (1.0)
ROCCHIO_GAMMA = 0.25  # weight of the mean 👎 vector
MAX_FEEDBACK_VECTORS = 30  # per polarity, most recent kept
MAX_FACETS = 12
_EXPAND_CHUNK = 200  # profiles per step of expand_queries
_FACET_SPLIT = re.compile(r"[,\n;/·ㆍ、，]|\s및\s")


def duty_facets(duties: str) -> list[str]:
    """The duty phrases of a duties text: "물가·금리 동향, 고용 통계" → ["물가", "금리 동향", "고용 통계"].

    Very short pieces (one character) are dropped; at most MAX_FACETS, first ones first."""
    out: list[str] = []
    for piece in _FACET_SPLIT.split(duties or ""):
        piece = " ".join(piece.split()).strip(" -·.()")
        if len(piece) >= 2 and piece not in out:
            out.append(piece)
    return out[:MAX_FACETS]


def _keywords(keywords: Sequence[str]) -> list[str]:
    """The keywords as typed, spacing normalised, empty and repeated ones left out."""
    return [k for k in dict.fromkeys(" ".join((k or "").split()) for k in keywords) if k]


def profile_text(department: str, duties: str, keywords: Sequence[str] = ()) -> str:
    """What a profile's meaning vector is made from: the department, the duties and the keywords
    the person typed (what they told us their work is about; "경제정책과 지역 경제 동향, 물가, …,
    경제, 금리")."""
    words = ", ".join(_keywords(keywords))
    duties = ", ".join(part for part in ((duties or "").strip(), words) if part)
    return " ".join(part for part in ((department or "").strip(), duties) if part)


def _mean(vectors: Sequence[np.ndarray]) -> np.ndarray | None:
    if not vectors:
        return None
    return np.mean(np.vstack(vectors), axis=0)


@dataclass(frozen=True)
class MeaningProfile:
    """What the meaning signal knows about one person: stored with the profile (compact bytes)."""

    model_id: str
    base: np.ndarray  # vector of department + duties + keywords
    facets: tuple[tuple[str, np.ndarray], ...] = ()
    liked: tuple[np.ndarray, ...] = ()
    disliked: tuple[np.ndarray, ...] = ()
    source_text: str = ""  # the text ``base`` was made from (recompute when it changes)
    keyword_facets: tuple[tuple[str, np.ndarray], ...] = ()  # the keywords' own vectors (the gate)
    vector: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        vector = np.asarray(self.base, dtype=np.float32).copy()
        liked, disliked = _mean(self.liked), _mean(self.disliked)
        if liked is not None:
            vector += ROCCHIO_BETA * liked
        if disliked is not None:
            vector -= ROCCHIO_GAMMA * disliked
        object.__setattr__(self, "vector", normalize_rows(vector)[0])

    def phrase_matrix(self) -> np.ndarray | None:
        """The vectors of the person's own phrases (duty phrases and keywords), one per row."""
        rows = [vector for _, vector in (*self.facets, *self.keyword_facets)]
        return np.vstack(rows).astype(np.float32) if rows else None

    def feedback_direction(self, centre: np.ndarray) -> np.ndarray | None:
        """Where the person's 👍/👎 point on a pool with this mean: ``ROCCHIO_BETA`` towards what
        sets the liked items apart from the news, ``ROCCHIO_GAMMA`` away from the disliked ones
        (None without feedback)."""
        liked, disliked = _mean(self.liked), _mean(self.disliked)
        if liked is None and disliked is None:
            return None
        direction = np.zeros_like(centre, dtype=np.float32)
        if liked is not None:
            direction += ROCCHIO_BETA * normalize_rows(liked - centre)[0]
        if disliked is not None:
            direction -= ROCCHIO_GAMMA * normalize_rows(disliked - centre)[0]
        return direction

    def with_feedback(self, item_vector: np.ndarray, useful: bool) -> MeaningProfile:
        """Rocchio: remember the item as liked or disliked (most recent MAX_FEEDBACK_VECTORS)."""
        item_vector = np.asarray(item_vector, dtype=np.float32)
        if item_vector.shape != self.base.shape:  # a vector of another model: nothing to learn
            return self
        if useful:
            return replace(self, liked=(*self.liked, item_vector)[-MAX_FEEDBACK_VECTORS:])
        return replace(self, disliked=(*self.disliked, item_vector)[-MAX_FEEDBACK_VECTORS:])

    def without_feedback(self, item_vector: np.ndarray, useful: bool) -> MeaningProfile:
        """Take back one earlier feedback on this item (a person changes 👍 to 👎)."""
        item_vector = np.asarray(item_vector, dtype=np.float32)
        pool = list(self.liked if useful else self.disliked)
        for index, vector in enumerate(pool):
            if vector.shape == item_vector.shape and float(vector @ item_vector) > 0.999:
                del pool[index]
                break
        return replace(self, liked=tuple(pool)) if useful else replace(self, disliked=tuple(pool))

    def to_record(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id, "base": pack_b64(self.base), "source_text": self.source_text,
            "facets": [{"text": text, "vector": pack_b64(vector)} for text, vector in self.facets],
            "keyword_facets": [{"text": text, "vector": pack_b64(vector)}
                               for text, vector in self.keyword_facets],
            "liked": [pack_b64(v) for v in self.liked], "disliked": [pack_b64(v) for v in self.disliked],
        }

    @classmethod
    def from_record(cls, data: dict[str, Any] | None) -> MeaningProfile | None:
        if not data:
            return None
        base = unpack_b64(data.get("base"))
        if base is None:
            return None

        def vectors(key: str) -> tuple[np.ndarray, ...]:
            return tuple(v for v in (unpack_b64(x) for x in data.get(key) or ()) if v is not None)

        def phrases(key: str) -> tuple[tuple[str, np.ndarray], ...]:
            out = []
            for facet in data.get(key) or ():
                vector = unpack_b64(facet.get("vector"))
                if vector is not None:
                    out.append((str(facet.get("text", "")), vector))
            return tuple(out)

        return cls(str(data.get("model_id", "")), base, phrases("facets"), vectors("liked"),
                   vectors("disliked"), str(data.get("source_text", "")), phrases("keyword_facets"))


def build_meaning_profile(embedder: Embedder, department: str, duties: str,
                          previous: MeaningProfile | None = None,
                          keywords: Sequence[str] = ()) -> MeaningProfile | None:
    """The meaning profile for a department, duties text and keywords (None without duties: the
    signal is the meaning of the duties, and its reason names one; a department alone stays
    lexical). The facets (for the reason) are the duty phrases only.

    Feedback learned so far is kept when the model is the same; an unchanged text made by the
    same model is not encoded again."""
    text = profile_text(department, duties, keywords)
    if not (duties or "").strip():
        return None
    same_model = previous is not None and previous.model_id == embedder.model_id
    if same_model and previous is not None and previous.source_text == text:
        return previous
    facets = duty_facets(duties)
    words = [k for k in _keywords(keywords) if k not in facets][:MAX_FACETS]
    vectors = embedder.encode([text, *facets, *words])
    liked = previous.liked if same_model and previous else ()
    disliked = previous.disliked if same_model and previous else ()
    return MeaningProfile(embedder.model_id, vectors[0],
                          tuple(zip(facets, vectors[1:1 + len(facets)], strict=True)), liked, disliked, text,
                          tuple(zip(words, vectors[1 + len(facets):], strict=True)))


@dataclass(frozen=True)
class Meaning:
    similarity: float  # cosine of the item and the profile's meaning vector
    facet: str  # the duty phrase closest to the item ("" when there is none)
    part: float  # what the meaning adds to the score
    similar_dislikes: int = 0
    calibrated: float = float("nan")  # the z-score against the pool (NaN: no calibration)

    @property
    def suppressed(self) -> bool:
        return self.similar_dislikes >= SUPPRESS_AFTER


def meaning_part(similarity: float, weight: float = MEANING_WEIGHT) -> float:
    share = (similarity - MEANING_LOW) / (MEANING_HIGH - MEANING_LOW)
    return weight * min(1.0, max(0.0, share))


def calibrated_part(z: float, weight: float = MEANING_WEIGHT) -> float:
    """The meaning part from a z-score: up to ``weight``; minus OFF_TOPIC_PENALTY below OFF_TOPIC_Z."""
    share = (z - Z_LOW) / (Z_HIGH - Z_LOW)
    return weight * min(1.0, max(0.0, share)) - (OFF_TOPIC_PENALTY if z < OFF_TOPIC_Z else 0.0)


def part_for(similarity: float, calibrated: float) -> float:
    """What the meaning adds: the calibrated part when the pool gave a z-score, else the cosine part."""
    if similarity != similarity:  # NaN: no meaning vector
        return 0.0
    if calibrated == calibrated:
        return calibrated_part(calibrated)
    return meaning_part(similarity)


def title_anchors(keyword_lists: Sequence[Sequence[str]], titles: Sequence[str],
                  exclusion_lists: Sequence[Sequence[str]] = ()) -> list[np.ndarray | None]:
    """Per profile, the indices of the pool items whose title contains one of its keywords and none
    of its exclusions (spaces ignored, as the keyword matcher sees them): the items the person's
    own words vouch for. None when fewer than ``ANCHOR_MIN``. ``titles``: the pool's titles,
    squashed (``matching.squash``)."""
    by_char: dict[str, set[int]] = {}  # character → the titles that have it
    for row, title in enumerate(titles):
        for char in set(title):
            by_char.setdefault(char, set()).add(row)
    found: dict[str, frozenset[int]] = {}  # per keyword, shared by the profiles that have it

    def hits(word: str) -> frozenset[int]:
        if word not in found:  # only the titles with the word's rarest character are searched
            candidates = min((by_char.get(char, set()) for char in set(word)), key=len)
            found[word] = frozenset(row for row in candidates if word in titles[row])
        return found[word]

    def any_of(words: Sequence[str]) -> set[int]:
        rows: set[int] = set()
        for word in (matching.squash(w) for w in words):
            if word:
                rows |= hits(word)
        return rows

    anchors: list[np.ndarray | None] = []
    for index, keywords in enumerate(keyword_lists):
        rows = any_of(keywords)
        if rows and index < len(exclusion_lists):
            rows -= any_of(exclusion_lists[index])
        anchors.append(np.array(sorted(rows), dtype=np.int64) if len(rows) >= ANCHOR_MIN else None)
    return anchors


def expand_queries(vectors: np.ndarray, pool: np.ndarray, anchors: Sequence[np.ndarray | None] | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pseudo-relevance feedback on the pool for many profile vectors at once.

    For each profile vector: the ``PRF_SHARES[0]`` of the pool closest to it — joined, for a profile
    with ``anchors`` (``title_anchors``), by those pool items — their mean minus the pool's mean
    (what sets these items apart from the news in general), normalised: the expanded query; then the same
    again from that query with the next share (a wider set, chosen by the topic rather than by the
    wording of the duties). Returns (queries, mean, std) where mean/std are those of the pool's
    projections on each query, so that ``(item @ query - mean) / std`` is a z-score comparable
    across profiles."""
    pool = np.asarray(pool, dtype=np.float32)
    vectors = np.asarray(vectors, dtype=np.float32)
    anchors = list(anchors) if anchors is not None else [None] * len(vectors)
    centre = pool.mean(axis=0)
    queries = np.zeros_like(vectors)
    mean = np.zeros(len(vectors), dtype=np.float32)
    std = np.ones(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), _EXPAND_CHUNK):  # bounded memory for thousands of profiles
        rows = slice(start, start + _EXPAND_CHUNK)
        query = vectors[rows]
        for step, share in enumerate(PRF_SHARES):
            k = max(5, int(round(share * len(pool))))
            weights = query @ pool.T  # (profiles, pool): the projections, then the averaging weights
            top = np.argpartition(-weights, k - 1, axis=1)[:, :k]
            weights.fill(0.0)
            np.put_along_axis(weights, top, 1.0 / k, axis=1)  # a product, not a (profiles, k, dim) gather
            if step == 0:
                for row, anchor in enumerate(anchors[rows]):
                    if anchor is not None:  # the anchors join the nearest items
                        weights[row, anchor] = 1.0
                        weights[row] = (weights[row] > 0) / np.count_nonzero(weights[row])
            query = normalize_rows(weights @ pool - centre)
        queries[rows] = query
        projections = query @ pool.T
        mean[rows] = projections.mean(axis=1)
        std[rows] = projections.std(axis=1)
    std[std == 0] = 1.0
    return queries, mean, std


def meaning_of(profile: MeaningProfile, item_vector: np.ndarray, weight: float = MEANING_WEIGHT) -> Meaning:
    item_vector = np.asarray(item_vector, dtype=np.float32)
    similarity = float(profile.vector @ item_vector)
    facet = ""
    if profile.facets:
        sims = [float(vector @ item_vector) for _, vector in profile.facets]
        facet = profile.facets[int(np.argmax(sims))][0]
    dislikes = sum(1 for v in profile.disliked if float(v @ item_vector) >= SIMILAR_ITEM)
    return Meaning(similarity, facet, meaning_part(similarity, weight), dislikes)


def _josa_gwa(word: str) -> str:
    """과 after a final consonant, 와 after a vowel; 과(와) when the word does not end in Hangul."""
    last = word[-1:] if word else ""
    if "가" <= last <= "힣":
        return "과" if (ord(last) - 0xAC00) % 28 else "와"
    return "과(와)"


def meaning_reason(meaning: Meaning, duties: str = "") -> str:
    """'담당업무 ‘물가·금리 동향’과 내용이 가까움 (유사도 0.41)'."""
    shown = meaning.facet or " ".join((duties or "").split())[:30] or "담당업무"
    return f"담당업무 ‘{shown}’{_josa_gwa(shown)} 내용이 가까움 (유사도 {meaning.similarity:.2f})"


@dataclass(frozen=True)
class Relevance:
    """The lexical match, the meaning, and the combined score/tier/reason."""

    match: matching.Match
    meaning: Meaning | None
    score: float
    tier: str  # "alert" | "digest" | "none" | "excluded" | "suppressed"
    reason: str

    @property
    def relevant(self) -> bool:
        return self.tier in ("alert", "digest")

    def to_dict(self) -> dict[str, Any]:
        out = self.match.to_dict()
        out.update(score=round(self.score, 4), tier=self.tier, reason=self.reason)
        if self.meaning is not None:
            out.update(similarity=round(self.meaning.similarity, 4), duty=self.meaning.facet)
        return out


def tier_for(score: float) -> str:
    if score >= matching.ALERT_THRESHOLD:
        return "alert"
    return "digest" if score >= matching.DIGEST_THRESHOLD else "none"


def combine(match: matching.Match, meaning: Meaning | None, duties: str = "") -> Relevance:
    """Lexical score + meaning part; the reason lists keywords, duties meaning and agency."""
    if match.tier == "excluded":
        return Relevance(match, meaning, 0.0, "excluded", match.reason)
    part = meaning.part if meaning is not None else 0.0
    score = max(0.0, match.score + part)
    parts = matching.reason_parts(match)
    named = meaning is not None and (meaning.similarity >= REASON_MIN or meaning.calibrated >= Z_LOW)
    if meaning is not None and part > 0 and named:
        parts.insert(1 if match.keywords else 0, meaning_reason(meaning, duties))
    if part < 0:
        parts.append(OFF_TOPIC_REASON)
    reason = " · ".join(parts) or "담당업무와 유사한 내용"
    if meaning is not None and meaning.suppressed:
        return Relevance(match, meaning, score, "suppressed",
                         f"비슷한 자료에 ‘관심 없음’ {meaning.similar_dislikes}회 — 보내지 않음 ({reason})")
    return Relevance(match, meaning, score, tier_for(score), reason)


class MeaningIndex:
    """The meaning vectors of many profiles as one matrix: one matrix product per item batch.

    ``pool``: recent item vectors (``POOL_SIZE`` at most); with at least ``POOL_MIN`` of them every
    profile also gets its expanded, calibrated query (``expand_queries``; ``anchors``: per profile,
    the pool items its keywords vouch for, ``title_anchors``)."""

    def __init__(self, profiles: Sequence[MeaningProfile | None], pool: np.ndarray | None = None,
                 anchors: Sequence[np.ndarray | None] | None = None) -> None:
        self.profiles = list(profiles)
        dims = {p.vector.shape[0] for p in self.profiles if p is not None}
        self.dim = dims.pop() if len(dims) == 1 else 0
        rows = [p.vector if p is not None and p.vector.shape[0] == self.dim else None
                for p in self.profiles]
        self.present = np.array([r is not None for r in rows], dtype=bool)
        # profiles with enough 👎 to suppress: only their pairs need the full check when irrelevant
        self.may_suppress = [p is not None and len(p.disliked) >= SUPPRESS_AFTER for p in self.profiles]
        self.matrix = np.vstack([r if r is not None else np.zeros(self.dim, np.float32) for r in rows]) \
            if self.dim else np.zeros((len(rows), 0), np.float32)
        self.queries: np.ndarray | None = None
        self._pool: np.ndarray | None = None
        self._phrases: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray] | None] = {}
        if pool is not None and self.dim and len(pool) >= POOL_MIN and np.ndim(pool) == 2 \
                and np.shape(pool)[1] == self.dim and len(self.profiles):
            self._pool = np.asarray(pool, dtype=np.float32)
            self.queries, self._centre, self._spread = expand_queries(self.matrix, self._pool, anchors)
            self._move_by_feedback(self._pool, self.queries)

    def _move_by_feedback(self, pool: np.ndarray, queries: np.ndarray) -> None:
        """Rocchio on the expanded query: the person's 👍/👎 also move it, after the pseudo-relevance
        feedback (which follows the pool's items — the anchors' above all — and would otherwise
        wash them out). Only profiles with feedback; their pool statistics are worked out again."""
        pool_mean = pool.mean(axis=0)
        for row, profile in enumerate(self.profiles):
            direction = profile.feedback_direction(pool_mean) if self.present[row] and profile else None
            if direction is None:
                continue
            query = normalize_rows(queries[row] + direction)[0]
            projections = pool @ query
            queries[row] = query
            self._centre[row] = projections.mean()
            self._spread[row] = projections.std() or 1.0

    def similarities(self, item_vectors: np.ndarray) -> np.ndarray:
        """(items, profiles) cosines; NaN where a profile has no meaning vector (or the item none)."""
        items = np.asarray(item_vectors, dtype=np.float32)
        if not self.dim or items.ndim != 2 or items.shape[1] != self.dim:
            return np.full((len(items), len(self.profiles)), np.nan, dtype=np.float32)
        out = items @ self.matrix.T
        out[:, ~self.present] = np.nan
        return out

    def calibrated(self, item_vectors: np.ndarray) -> np.ndarray:
        """(items, profiles) z-scores on the expanded queries; NaN without a pool (or a vector)."""
        items = np.asarray(item_vectors, dtype=np.float32)
        if self.queries is None or items.ndim != 2 or items.shape[1] != self.dim:
            return np.full((len(items), len(self.profiles)), np.nan, dtype=np.float32)
        out = (items @ self.queries.T - self._centre) / self._spread
        out[:, ~self.present] = np.nan
        return out.astype(np.float32)

    def phrase_z(self, profile_index: int, item_vector: np.ndarray) -> float:
        """How far the item stands out against the person's own phrases: the largest z-score of its
        cosine with one phrase among the pool's cosines with that phrase (NaN without a pool or
        phrases). The pool's statistics are worked out once per profile, when first needed."""
        profile = self.profiles[profile_index]
        if self._pool is None or profile is None:
            return float("nan")
        if profile_index not in self._phrases:
            phrases = profile.phrase_matrix()
            stats = None
            if phrases is not None and phrases.shape[1] == self.dim:
                cosines = phrases @ self._pool.T
                spread = cosines.std(axis=1)
                spread[spread == 0] = 1.0
                stats = (phrases, cosines.mean(axis=1), spread)
            self._phrases[profile_index] = stats
        stats = self._phrases[profile_index]
        if stats is None:
            return float("nan")
        phrases, centre, spread = stats
        return float(np.max((phrases @ np.asarray(item_vector, dtype=np.float32) - centre) / spread))

    def surely_irrelevant(self, profile_index: int, lexical_score: float, similarity: float,
                          calibrated: float = float("nan")) -> bool:
        """True when the pair cannot reach the digest and the profile cannot suppress it: most
        pairs of a round, skipped without building a Relevance."""
        if self.may_suppress[profile_index]:
            return False
        return lexical_score + part_for(similarity, calibrated) < matching.DIGEST_THRESHOLD

    def relevance(self, profile_index: int, match: matching.Match, item_vector: np.ndarray | None,
                  similarity: float, duties: str = "", calibrated: float = float("nan"),
                  phrase_z: float | None = None) -> Relevance:
        """``combine`` for one pair whose cosine (and z-score) came from ``similarities`` (and
        ``calibrated``). The closest duty and the 👎 count are worked out only when they can
        matter (the pair is relevant, or the profile has enough 👎 to suppress): most pairs are
        neither. A pair the meaning alone would bring in passes the phrase gate first
        (``phrase_z``: given, or worked out here)."""
        profile = self.profiles[profile_index]
        if profile is None or item_vector is None or np.isnan(similarity):
            return combine(match, None, duties)
        part = part_for(float(similarity), float(calibrated))
        if match.score < matching.DIGEST_THRESHOLD <= match.score + part and calibrated == calibrated:
            gate = self.phrase_z(profile_index, item_vector) if phrase_z is None else phrase_z
            if gate < PHRASE_GATE_Z:  # not near any phrase of the person: the meaning adds nothing
                part = 0.0
        if match.score + part < matching.DIGEST_THRESHOLD and len(profile.disliked) < SUPPRESS_AFTER:
            quick = Meaning(float(similarity), "", part, calibrated=float(calibrated))
            score = 0.0 if match.tier == "excluded" else max(0.0, match.score + part)
            tier = "excluded" if match.tier == "excluded" else tier_for(score)
            return Relevance(match, quick, score, tier, "")
        full = meaning_of(profile, item_vector)
        return combine(match, replace(full, similarity=float(similarity), part=part,
                                      calibrated=float(calibrated)), duties)
