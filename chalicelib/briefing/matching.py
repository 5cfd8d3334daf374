"""Relevance of an item to an employee's interest profile — the "AI" of the AI secretary.

Korean has no spaces between a stem and its particles ("도로를", "도로관리과의"), so whole-word
matching misses most hits. Instead every word is cut into character 2- and 3-grams, which match
across particles and compounds, weighted by BM25 (term saturation, length normalisation, IDF from
the items seen so far). On top of that similarity come the parts a person can reason about:

- keywords: an exact hit (spaces ignored: "탄소 중립" == "탄소중립") in the title or the body;
- followed agencies: a boost when the item comes from one;
- exclusions: a hard filter — an item that contains one is never matched;
- feedback: "useful" / "not useful" multiplies the weights of the terms (and the agency) that made
  the match, so the same kind of item ranks higher or lower for that person next time.

The score is ``SIM_WEIGHT * similarity + keyword part + agency part``; at or above
``ALERT_THRESHOLD`` the item is sent now, at or above ``DIGEST_THRESHOLD`` it waits for the
morning digest, below that it is not matched. Every match carries its reason in Korean.

Pure: no boto3, no Chalice; the document frequencies are a plain object the caller persists.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.briefing.attachment_text import split as split_attachments

ALERT_THRESHOLD = 0.5
DIGEST_THRESHOLD = 0.25
SIM_WEIGHT = 0.6
MAX_ATTACHMENT_CHARS = 50_000  # of each attachment's text, searched for keywords
KEYWORD_TITLE = 0.5  # one keyword in the title is enough for an alert
KEYWORD_BODY = 0.25  # one in the body only is enough for the digest
KEYWORD_CAP = 0.8
AGENCY_BOOST = 0.15
BM25_K1 = 1.2
BM25_B = 0.75
MAX_TEXT_CHARS = 4000  # the lead of a release says what it is about; the rest is detail
TITLE_REPEAT = 2  # title terms count twice
WEIGHT_MIN, WEIGHT_MAX = 0.1, 3.0
USEFUL_FACTOR, NOT_USEFUL_FACTOR = 1.25, 0.6

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HANGUL = re.compile(r"[가-힣]")
_SPACES = re.compile(r"\s+")

# Particles and endings stripped from the end of a word before it is shown in a reason or used as
# a duty word ("도로를" → "도로"). Longest first.
_JOSA = sorted(["으로써", "에서는", "에게서", "으로는", "이라는", "에서", "에게", "으로", "까지", "부터",
                "에는", "와의", "과의", "이나", "라는", "하는", "하고", "및", "을", "를", "이", "가",
                "은", "는", "의", "에", "와", "과", "로", "도", "만", "등"], key=len, reverse=True)
# Words that say nothing about a duty (in duties free text and department names).
_STOPWORDS = frozenset("""
업무 담당 관련 관리 및 등 기타 지원 추진 사항 운영 총괄 그 이 저 것 수 위 중 전 후 관한 대한 위한 통한
""".split())
# Grams that occur in almost every Korean sentence; never used as profile terms.
_STOP_GRAMS = frozenset("""
있다 했다 한다 이다 하는 에서 으로 밝혔 혔다 위해 대한 이번 지난 것으로 있는 했다고 라고 하고 등을 에는
하기 했으 으며 이라 것이 것을 따르 따라 통해 함께 대해 오는 이날 까지 부터 였다 된다 됐다 되는 하며
""".split())
_DEPARTMENT_SUFFIXES = ("담당관", "과", "팀", "국", "실", "단", "센터", "사업소")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII, compatibility jamo), case-folded, spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def squash(text: str) -> str:
    """Normalised with every space removed: phrase matching that ignores spacing."""
    return normalize(text).replace(" ", "")


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def strip_josa(word: str) -> str:
    if not _HANGUL.search(word):
        return word
    for suffix in _JOSA:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


def word_grams(word: str) -> list[str]:
    """Character 2- and 3-grams of a Korean word; a Latin/digit word is one term."""
    if not _HANGUL.search(word):
        return [word] if len(word) >= 2 else []
    if len(word) < 2:
        return []
    if len(word) == 2:
        return [word]
    grams = [word[i:i + 2] for i in range(len(word) - 1)]
    grams += [word[i:i + 3] for i in range(len(word) - 2)]
    return grams


def grams(text: str) -> list[str]:
    out: list[str] = []
    for word in words(text):
        out.extend(word_grams(word))
    return out


Squashed = tuple[str, str, tuple[tuple[str, str], ...]]


def squashed_item(title: str, text: str) -> Squashed:
    """Title, page body and each attachment (file name, text) as keyword and exclusion matching
    sees them (spaces ignored)."""
    page, sections = split_attachments(text or "")
    files = tuple((name, squash(body[:MAX_ATTACHMENT_CHARS])) for name, body in sections)
    return squash(title), squash(page[:20000]), files


def document_terms(title: str, text: str) -> Counter[str]:
    """Term counts of an item: the title repeated, then the lead of the body."""
    counts: Counter[str] = Counter()
    title_grams = grams(title)
    for _ in range(TITLE_REPEAT):
        counts.update(title_grams)
    counts.update(grams((text or "")[:MAX_TEXT_CHARS]))
    return counts


@dataclass
class DocumentFrequencies:
    """How many items contain each term: the IDF of BM25. Grows as items arrive; the matching round
    keeps it in the bucket. ``prune`` drops the rarest terms when it gets large.

    ``recent``: the packed meaning vectors (``embedding.pack_b64``) of the most recent items, oldest
    first — the pool on which ``relevance`` calibrates every profile's meaning — their titles
    (``recent_titles``, squashed: what the keywords are looked for in) and the model that made them
    (``recent_model``: a new model starts a new pool)."""

    n_docs: int = 0
    total_length: int = 0
    df: dict[str, int] = field(default_factory=dict)
    recent: list[str] = field(default_factory=list)
    recent_model: str = ""
    recent_titles: list[str] = field(default_factory=list)

    def add(self, terms: Mapping[str, int]) -> None:
        self.n_docs += 1
        self.total_length += sum(terms.values())
        for term in terms:
            self.df[term] = self.df.get(term, 0) + 1

    def idf(self, term: str) -> float:
        """BM25's IDF, floored at a small positive value so a term in every item still counts."""
        n = max(self.n_docs, 1)
        df = self.df.get(term, 0)
        return max(0.05, math.log(1 + (n - df + 0.5) / (df + 0.5)))

    @property
    def avg_length(self) -> float:
        return self.total_length / self.n_docs if self.n_docs else 300.0

    def prune(self, max_terms: int = 200_000) -> None:
        if len(self.df) <= max_terms:
            return
        floor = 1
        while len(self.df) > max_terms:
            self.df = {t: c for t, c in self.df.items() if c > floor}
            floor += 1

    def to_dict(self) -> dict[str, Any]:
        return {"n_docs": self.n_docs, "total_length": self.total_length, "df": self.df,
                "recent": self.recent, "recent_model": self.recent_model, "recent_titles": self.recent_titles}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> DocumentFrequencies:
        if not data:
            return cls()
        return cls(int(data.get("n_docs", 0)), int(data.get("total_length", 0)),
                   {str(k): int(v) for k, v in (data.get("df") or {}).items()},
                   [str(v) for v in (data.get("recent") or ())], str(data.get("recent_model") or ""),
                   [str(v) for v in (data.get("recent_titles") or ())])


@dataclass(frozen=True)
class Interest:
    """The matching-relevant part of a profile (the stored profile also has channels etc.)."""

    department: str = ""
    duties: str = ""
    keywords: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    term_weights: Mapping[str, float] = field(default_factory=dict)  # learned from feedback


@dataclass(frozen=True)
class Match:
    score: float
    tier: str  # "alert" | "digest" | "none" | "excluded"
    keywords: tuple[str, ...]  # profile keywords found in the item
    terms: tuple[str, ...]  # duty words found in the item
    agency: str | None  # the followed agency the item came from
    excluded_by: str | None = None
    in_title: tuple[str, ...] = ()
    in_attachment: tuple[tuple[str, str], ...] = ()  # (keyword, file name): found only in that attachment

    @property
    def relevant(self) -> bool:
        return self.tier in ("alert", "digest")

    @property
    def reason(self) -> str:
        return reason_text(self)

    def reason_terms(self) -> list[str]:
        """What feedback adjusts: the keywords and duty words of the match, and the agency."""
        out = list(self.keywords) + list(self.terms)
        if self.agency:
            out.append(agency_key(self.agency))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "tier": self.tier, "keywords": list(self.keywords),
                "terms": list(self.terms), "agency": self.agency, "reason": self.reason}


def agency_key(agency: str) -> str:
    return "기관:" + normalize(agency)


def reason_text(match: Match) -> str:
    """One Korean sentence: which keywords (title/body), which duty words, which agency."""
    if match.tier == "excluded":
        return f"제외어 ‘{match.excluded_by}’ 포함으로 제외"
    return " · ".join(reason_parts(match)) or "담당업무와 유사한 내용"


def reason_parts(match: Match) -> list[str]:
    """The lexical reasons of a match, each a short Korean phrase (the meaning signal adds its own)."""
    parts = []
    attached = dict(match.in_attachment)
    on_page = [k for k in match.keywords if k not in attached]
    if on_page:
        quoted = ", ".join(f"‘{k}’" for k in on_page)
        where = "제목" if match.in_title and set(match.in_title) == set(on_page) else \
            ("제목·본문" if match.in_title else "본문")
        parts.append(f"키워드 {quoted} 일치({where})")
    for name in dict.fromkeys(attached.values()):
        quoted = ", ".join(f"‘{k}’" for k, file in match.in_attachment if file == name)
        parts.append(f"키워드 {quoted} 일치(첨부파일 ‘{name}’)")
    if match.terms:
        parts.append("담당업무 관련어 " + ", ".join(f"‘{t}’" for t in match.terms))
    if match.agency:
        parts.append(f"관심 기관 {match.agency}")
    return parts


def duty_words(interest: Interest) -> list[str]:
    """Meaningful words of the department name and the duties text, particles stripped."""
    out: list[str] = []
    dept = normalize(interest.department)
    for suffix in _DEPARTMENT_SUFFIXES:
        if dept.endswith(suffix) and len(dept) - len(suffix) >= 2:
            dept = dept[: -len(suffix)]
            break
    for word in words(dept) + words(interest.duties):
        word = strip_josa(word)
        if len(word) >= 2 and word not in _STOPWORDS and word not in out:
            out.append(word)
    return out


@dataclass(frozen=True)
class _Query:
    grams: dict[str, float]  # gram → weight (before IDF)
    word_grams: dict[str, list[str]]  # duty word → its grams
    keywords: tuple[tuple[str, str, float], ...]  # (shown, squashed, weight)
    keyword_grams: dict[str, frozenset[str]]  # keyword → grams only it contributes
    exclusions: tuple[tuple[str, str], ...]
    agencies: frozenset[str]


def _weight(interest: Interest, key: str) -> float:
    value = interest.term_weights.get(key, 1.0)
    return min(WEIGHT_MAX, max(WEIGHT_MIN, float(value)))


def build_query(interest: Interest) -> _Query:
    gram_weights: dict[str, float] = {}

    def add(word: str, weight: float) -> list[str]:
        word_gs = [g for g in word_grams(word) if g not in _STOP_GRAMS]
        for g in word_gs:
            gram_weights[g] = max(gram_weights.get(g, 0.0), weight)
        return word_gs

    keywords, keyword_grams = [], {}
    for keyword in interest.keywords:
        shown = keyword.strip()
        if not squash(shown) or shown in keyword_grams:
            continue
        weight = _weight(interest, shown)
        keywords.append((shown, squash(shown), weight))
        keyword_grams[shown] = frozenset(g for word in words(shown) for g in add(word, 2.0 * weight))
    word_grams_map = {}
    for word in duty_words(interest):
        word_grams_map[word] = add(word, _weight(interest, word))
    duty_grams = {g for gs in word_grams_map.values() for g in gs}
    keyword_grams = {k: gs - duty_grams for k, gs in keyword_grams.items()}
    exclusions = tuple((e.strip(), squash(e)) for e in interest.exclusions if squash(e))
    return _Query(gram_weights, word_grams_map, tuple(keywords), keyword_grams, exclusions,
                  frozenset(normalize(a) for a in interest.agencies if a.strip()))


class Matcher:
    """Scores items for one profile. Build once per profile and round; ``score`` is cheap."""

    def __init__(self, interest: Interest, frequencies: DocumentFrequencies) -> None:
        self.interest = interest
        self.frequencies = frequencies
        self.query = build_query(interest)
        self._idf = {g: frequencies.idf(g) for g in self.query.grams}
        self._max = {g: w * self._idf[g] * (BM25_K1 + 1) for g, w in self.query.grams.items()}
        self._max_total = sum(self._max.values())

    def similarity(self, counts: Mapping[str, int], skip: frozenset[str] = frozenset()
                   ) -> tuple[float, dict[str, float]]:
        """Normalised BM25 in [0, 1]: the share of the profile's weight the item covers.

        ``skip``: grams of keywords that already hit as a whole (counted once, as keywords)."""
        length = sum(counts.values())
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(self.frequencies.avg_length, 1.0))
        per_gram: dict[str, float] = {}
        for g, w in self.query.grams.items():
            tf = counts.get(g, 0)
            if tf:
                per_gram[g] = w * self._idf[g] * tf * (BM25_K1 + 1) / (tf + norm)
        total = sum(v for g, v in self._max.items() if g not in skip) if skip else self._max_total
        if not total:
            return 0.0, per_gram
        return sum(v for g, v in per_gram.items() if g not in skip) / total, per_gram

    def score(self, title: str, text: str, agency: str = "",
              counts: Mapping[str, int] | None = None, prepared: Squashed | None = None) -> Match:
        """``text``: the page's text, followed by its attachments' (``attachment_text.compose``);
        a keyword found only in an attachment counts as in the body and its reason names the file.
        ``counts`` and ``prepared`` (``squashed_item``) may be computed once per item when one item
        is scored for many profiles."""
        title_sq, body_sq, files = prepared or squashed_item(title, text)
        for shown, squashed, in self.query.exclusions:
            if squashed in title_sq or squashed in body_sq or any(squashed in sq for _n, sq in files):
                return Match(0.0, "excluded", (), (), None, excluded_by=shown)
        kw_part, hits, in_title, in_file = 0.0, [], [], []
        for shown, squashed, weight in self.query.keywords:
            found_in = next((name for name, sq in files if squashed in sq), None)
            if squashed in title_sq:
                kw_part += KEYWORD_TITLE * weight
                hits.append(shown)
                in_title.append(shown)
            elif squashed in body_sq or found_in is not None:
                kw_part += KEYWORD_BODY * weight
                hits.append(shown)
                if squashed not in body_sq:
                    in_file.append((shown, str(found_in)))
        counts = document_terms(title, text) if counts is None else counts
        skip = frozenset(g for k in hits for g in self.query.keyword_grams.get(k, ()))
        sim, per_gram = self.similarity(counts, skip)
        followed = normalize(agency) in self.query.agencies if agency else False
        agency_part = AGENCY_BOOST * _weight(self.interest, agency_key(agency)) if followed else 0.0
        score = SIM_WEIGHT * sim + min(KEYWORD_CAP, kw_part) + agency_part
        haystack = " ".join([title_sq, body_sq, *(sq for _n, sq in files)])
        terms = self._duty_terms(per_gram, haystack, set(hits))
        tier = "alert" if score >= ALERT_THRESHOLD else "digest" if score >= DIGEST_THRESHOLD else "none"
        return Match(score, tier, tuple(hits), tuple(terms), agency if followed else None,
                     in_title=tuple(in_title), in_attachment=tuple(in_file))

    def _duty_terms(self, per_gram: Mapping[str, float], haystack: str, hits: set[str],
                    limit: int = 3) -> list[str]:
        """Duty words that literally occur in the item, strongest contribution first."""
        scored = []
        for word, word_gs in self.query.word_grams.items():
            if word in hits or word not in haystack:
                continue
            scored.append((sum(per_gram.get(g, 0.0) for g in word_gs), word))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [word for contribution, word in scored[:limit] if contribution > 0]


def apply_feedback(weights: Mapping[str, float], terms: Iterable[str], useful: bool) -> dict[str, float]:
    """New per-user weights after a feedback on a match made by ``terms``."""
    factor = USEFUL_FACTOR if useful else NOT_USEFUL_FACTOR
    out = dict(weights)
    for term in terms:
        out[term] = round(min(WEIGHT_MAX, max(WEIGHT_MIN, out.get(term, 1.0) * factor)), 4)
    return out


def undo_feedback(weights: Mapping[str, float], terms: Iterable[str], useful: bool) -> dict[str, float]:
    """Take back an earlier feedback (a person changes "useful" to "not useful")."""
    factor = USEFUL_FACTOR if useful else NOT_USEFUL_FACTOR
    out = dict(weights)
    for term in terms:
        out[term] = round(min(WEIGHT_MAX, max(WEIGHT_MIN, out.get(term, 1.0) / factor)), 4)
    return out


def rank(matcher: Matcher, docs: Sequence[tuple[str, str, str]]) -> list[tuple[int, Match]]:
    """Indexes and matches of ``(title, text, agency)`` docs, best first (excluded ones dropped)."""
    scored = [(i, matcher.score(*doc)) for i, doc in enumerate(docs)]
    scored = [pair for pair in scored if pair[1].tier != "excluded"]
    scored.sort(key=lambda pair: -pair[1].score)
    return scored
