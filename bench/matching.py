"""Matching quality and speed on real Korean news (../shared/data/news-rss; the section is a weak label).

Four profiles — three department profiles with ten keywords and a duties sentence, and one
duties-only profile (an employee known only from the duty table, no keywords) — rank every item
of the nine section feeds with three scorers:

  (a) substring: a plain keyword alert (an item matches when a keyword occurs; ranked by hits),
  (b) lexical: today's scorer (character n-gram BM25 + keywords + agency, chalicelib/briefing/matching.py),
  (c) new: (b) + the duties meaning (USE multilingual v3 vectors, chalicelib/briefing/relevance.py),
      expanded and calibrated on the pool of recent items, simulated here in date order: items
      come in rounds of 100, the pool is the last 1,000 (a new installation's first rounds, with
      fewer than 200 items, use the plain cosine).

Profiles: the four of the issue (the constants were chosen on them, on the *tune* half) and six
held-out ones for other sections (never tuned on). Items are split into halves by a hash of the
link: tune (0) and test (1); the tables show all items and the test half.

Relevance: twice — the item's section(s) (a weak label), and whether a reader judged the item
relevant to the profile (bench/data/matching-judgements.jsonl, every item, all ten profiles; how it
was made: matching-judgements.md). The constants were chosen on the judged tune half.

Printed per profile and scorer: P@10, nDCG@10 (binary gain), and at the digest threshold the
recall and precision, the best recall any threshold reaches at precision ≥ 0.6; the agreement of
the judgements with the sections and between two readers. Then the speed of (c): encoding
time per item, (item, profile) pairs/s with 1,000 profiles on one core, the matcher's memory, and
the cold start of the function that loads the model. ``--grid`` prints the grid the meaning
constants were chosen from (``grid``: the rule).

    python bench/matching.py [--data DIR] [--grid] [--tokenizer ngram|kiwi]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import itertools
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.briefing import matching  # noqa: E402

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the issue measures
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news-rss" / "categories"
# Relevance judged by people for the ten profiles, every item (how: the .md beside it)
JUDGEMENTS = ROOT / "bench" / "data" / "matching-judgements.jsonl"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_TAG = re.compile(r"<[^>]+>")

# (department, sections that count as relevant, keywords, duties text). The last one has no
# keywords at all: an employee known only from the duty table (사무분장).
PROFILES = [
    ("경제정책과", ("economy",),
     ("경제", "금리", "물가", "수출", "기업", "투자", "부동산", "금융", "소비", "증시"),
     "지역 경제 동향, 물가, 금리, 수출입, 고용 통계 분석"),
    ("감염병관리과", ("health",),
     ("코로나", "백신", "확진", "방역", "의료", "병원", "건강", "질병", "감염", "치료"),
     "감염병 예방과 방역, 예방접종, 의료기관 관리, 보건 통계"),
    ("과학기술정책과", ("science", "tech"),
     ("과학", "연구", "기술", "인공지능", "반도체", "우주", "데이터", "디지털", "플랫폼", "스마트폰"),
     "과학기술 연구개발 지원, 인공지능·반도체·우주 산업 육성, 디지털 전환"),
    ("문화예술과", ("culture",), (),
     "문화예술 진흥, 공연·전시·축제 지원, 문화유산 보존, 도서관·박물관 운영, 출판·영화 산업"),
]


# Held out: other sections, never used to choose a constant.
HELD_OUT = [
    ("체육진흥과", ("sports",),
     ("체육", "스포츠", "경기", "선수", "올림픽", "생활체육", "체육시설", "대회", "축구", "야구"),
     "생활체육·전문체육 육성, 체육시설 관리, 도민체육대회 및 국제 스포츠 대회 유치"),
    ("국제통상과", ("international",),
     ("통상", "무역", "수출", "외교", "정상회담", "FTA", "관세", "해외", "국제", "협력"),
     "국제 통상 협력, 해외 자매도시 교류, 수출 기업 해외시장 개척 지원, 국제기구 협력"),
    ("자치행정과", ("politics", "society"),
     ("선거", "지방자치", "행정", "국회", "정당", "자치", "의회", "시민", "주민", "공무원"),
     "지방자치 제도 운영, 선거 지원, 주민자치회, 민원·행정 혁신, 공무원 복무"),
    ("디지털정책과", ("tech",),
     ("디지털", "플랫폼", "인공지능", "메타버스", "앱", "통신", "5G", "개인정보", "스타트업", "소프트웨어"),
     "정보통신 산업 육성, 디지털 플랫폼 정책, 개인정보 보호, 소프트웨어·스타트업 지원"),
    ("생활체육과", ("sports",), (), "생활체육 진흥, 체육시설 관리, 도민체육대회, 프로·실업 스포츠 팀 지원"),
    ("국제협력과", ("international",), (), "국제 교류 협력, 외교·통상 동향 분석, 해외 자매도시 교류"),
]
ROUND = 100  # items per simulated round (the pool grows in date order)


def default_data() -> Path:
    """../shared/data/news-rss next to the checkout (or next to the worktrees' folder)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "data" / "news-rss" / "categories"
        if path.is_dir():
            return path
    return DEFAULT_DATA


def load(data: Path) -> tuple[list[tuple[str, str, set[str]]], list[str], list[str]]:
    """(title, text, sections) per distinct link (an article in two feeds has both sections), and
    the items' publication dates and links."""
    by_link: dict[str, tuple[str, str, set[str]]] = {}
    meta: dict[str, tuple[str, str]] = {}
    for path in sorted(data.glob("*.xml")):
        section = path.stem
        for item in ET.parse(path).getroot().iter("item"):
            link = (item.findtext("link") or "").strip()
            title = html.unescape(item.findtext("title") or "")
            text = html.unescape(_TAG.sub(" ", html.unescape(item.findtext(CONTENT) or "")))
            text = text.replace("기사보기", " ")
            key = link or f"{section}:{title}"
            entry = by_link.setdefault(key, (title, text, set()))
            meta.setdefault(key, ((item.findtext("pubDate") or "").strip(), key))
            entry[2].add(section)
    return list(by_link.values()), [meta[k][0] for k in by_link], [meta[k][1] for k in by_link]


def use_kiwi() -> float:
    """Swap the character n-grams for kiwipiepy morphemes (content words); returns the start-up
    seconds (import + model load + first analysis)."""
    from functools import lru_cache

    started = time.perf_counter()
    try:
        from kiwipiepy import Kiwi
    except ImportError as exc:
        raise SystemExit("kiwipiepy is not installed (pip install 'kiwipiepy>=0.20,<1')") from exc

    kiwi = Kiwi()
    keep = ("NNG", "NNP", "NR", "SL", "SH", "SN", "XR", "VV", "VA")

    @lru_cache(maxsize=100_000)
    def tokens(text: str) -> tuple[str, ...]:
        return tuple(t.form for t in kiwi.tokenize(text) if t.tag.startswith(keep))

    tokens("워밍업 문장입니다.")
    matching.word_grams = lambda word: list(tokens(word))  # type: ignore[assignment]
    matching.grams = lambda text: list(tokens(matching.normalize(text)))  # type: ignore[assignment]
    return time.perf_counter() - started


@dataclass
class Corpus:
    docs: list[tuple[str, str, set[str]]]
    counts: list
    squashed: list[tuple[str, str]]
    frequencies: matching.DocumentFrequencies
    vectors: object  # numpy (items, dim)
    encode_ms: float
    dates: list[str]
    halves: list[int]  # 0 tune, 1 test (a hash of the link)
    ids: list[str]  # the first 12 hex digits of the link's SHA-1: the key of the judged labels


def build_corpus(data: Path) -> Corpus:
    from chalicelib.briefing import embedding

    docs, dates, links = load(data)
    frequencies = matching.DocumentFrequencies()
    counts, squashed = [], []
    for title, text, _ in docs:
        terms = matching.document_terms(title, text)
        counts.append(terms)
        squashed.append(matching.squashed_item(title, text))
        frequencies.add(terms)
    embedder = embedding.PackagedEmbedder()
    embedder.encode(["워밍업"])
    started = time.perf_counter()
    vectors = embedder.encode([embedding.item_text(t, x) for t, x, _ in docs])
    encode_ms = (time.perf_counter() - started) * 1000 / len(docs)
    digests = [hashlib.sha1(link.encode()).hexdigest() for link in links]
    halves = [int(digest, 16) % 2 for digest in digests]
    return Corpus(docs, counts, squashed, frequencies, vectors, encode_ms, dates, halves,
                  [digest[:12] for digest in digests])


def substring_scores(keywords: tuple[str, ...], corpus: Corpus) -> list[float]:
    """(a): keyword hits, a title hit counting twice; matched when > 0."""
    out = []
    for title_sq, body_sq, _files in corpus.squashed:
        score = 0.0
        for keyword in keywords:
            squashed = matching.squash(keyword)
            score += 2.0 if squashed in title_sq else 1.0 if squashed in body_sq else 0.0
        out.append(score)
    return out


def quality(scores: list[float], relevant: list[bool], matched: list[bool]) -> tuple[float, ...]:
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:10]
    top = [relevant[i] and scores[i] > 0 for i in order]
    positives = sum(relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, positives)))
    ndcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(top) if rel) / ideal if ideal else 0.0
    hits = sum(1 for m, r in zip(matched, relevant, strict=True) if m and r)
    return sum(top) / 10, ndcg, hits / max(positives, 1), hits / max(sum(matched), 1), float(sum(matched))


def meaning_signals(corpus: Corpus, meaning: object, keywords: tuple[str, ...] = (),
                    anchored: bool = True) -> tuple[list[float], list[float], list[float]]:
    """Cosine, calibrated z-score and phrase z-score (the gate) of every item for one meaning
    profile, the items arriving in date order in rounds of ROUND, the pool being the last POOL_SIZE
    items with their titles (as the product keeps it; ``anchored``: the pool items with a keyword
    in the title join the feedback's first pass, as in the product)."""
    from chalicelib.briefing import relevance

    order = sorted(range(len(corpus.docs)), key=lambda i: corpus.dates[i])
    sims, zs, gates = ([math.nan] * len(order) for _ in range(3))
    for start in range(0, len(order), ROUND):
        end = start + ROUND
        batch = order[start:end]
        rows = order[max(0, end - relevance.POOL_SIZE):end]
        pool = corpus.vectors[rows]
        titles = [corpus.squashed[i][0] for i in rows]
        anchors = relevance.title_anchors([keywords], titles) if anchored else None
        index = relevance.MeaningIndex([meaning], pool, anchors)  # type: ignore[list-item]
        for i, sim, z in zip(batch, index.similarities(corpus.vectors[batch])[:, 0],
                             index.calibrated(corpus.vectors[batch])[:, 0], strict=True):
            sims[i], zs[i], gates[i] = float(sim), float(z), index.phrase_z(0, corpus.vectors[i])
    return sims, zs, gates


def profile_scores(corpus: Corpus, department: str, keywords: tuple[str, ...], duties: str
                   ) -> dict[str, tuple[list[float], list[bool]]]:
    from chalicelib.briefing import embedding, relevance

    interest = matching.Interest(department=department, duties=duties, keywords=keywords)
    matcher = matching.Matcher(interest, corpus.frequencies)
    meaning = relevance.build_meaning_profile(embedding.PackagedEmbedder(), department, duties,
                                              keywords=keywords)
    index = relevance.MeaningIndex([meaning])
    sims, zs, gates = meaning_signals(corpus, meaning, keywords)
    lexical, new = [], []
    for i, (title, text, _) in enumerate(corpus.docs):
        match = matcher.score(title, text, "", corpus.counts[i], corpus.squashed[i])
        lexical.append(match)
        new.append(index.relevance(0, match, corpus.vectors[i], sims[i], duties, zs[i], gates[i]))
    substring = substring_scores(keywords, corpus)
    return {
        "(a) substring": (substring, [s > 0 for s in substring]),
        "(b) lexical": ([m.score for m in lexical], [m.relevant for m in lexical]),
        "(c) new": ([r.score for r in new], [r.relevant for r in new]),
    }


def best_recall(scores: list[float], relevant: list[bool], floor: float = 0.6) -> float:
    """The largest recall any single threshold reaches at precision ≥ floor (the ceiling of a cut;
    items of equal score are cut together, a score of 0 never matches)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits, best, positives = 0, 0.0, max(sum(relevant), 1)
    for n, i in enumerate(order, 1):
        if scores[i] <= 0:
            break
        hits += relevant[i]
        last_of_tie = n == len(order) or scores[order[n]] != scores[i]
        if last_of_tie and hits / n >= floor:
            best = max(best, hits / positives)
    return best


def load_judgements(path: Path = JUDGEMENTS) -> dict[str, dict]:
    """Item id → {"labels": {department: 0|1}, "second": {...} (a second judge, on some items)}."""
    if not path.is_file():
        return {}
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def relevance_labels(corpus: Corpus, department: str, sections: tuple[str, ...],
                     judged: dict[str, dict] | None) -> list[bool]:
    """Whether each item is relevant to the profile: judged by a person (``judged``) or, without
    judgements, in the profile's section(s)."""
    if judged is not None:
        return [bool(judged[i]["labels"][department]) for i in corpus.ids]
    return [bool(secs & set(sections)) for _, _, secs in corpus.docs]


def quality_table(corpus: Corpus, profiles: list, half: int | None = None,
                  judged: dict[str, dict] | None = None) -> list[str]:
    """Per profile and scorer; ``half``: only the items of that half (None: all); ``judged``: the
    relevance judgements instead of the sections."""
    positives = "judged relevant" if judged is not None else "sections (positives)"
    lines = [f"| profile | {positives} | keywords | scorer | P@10 | nDCG@10 | recall | precision "
             "| matched | best recall at precision ≥ 0.6 |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    keep = [half is None or h == half for h in corpus.halves]
    for department, sections, keywords, duties in profiles:
        labels = relevance_labels(corpus, department, sections, judged)
        relevant = [r for r, k in zip(labels, keep, strict=True) if k]
        name = department + ("" if keywords else " (duties only)")
        label = f"{sum(relevant)}" if judged is not None else f"{'+'.join(sections)} ({sum(relevant)})"
        for scorer, (scores, matched) in profile_scores(corpus, department, keywords, duties).items():
            scores = [s for s, k in zip(scores, keep, strict=True) if k]
            matched = [m for m, k in zip(matched, keep, strict=True) if k]
            p10, ndcg, recall, precision, n = quality(scores, relevant, matched)
            lines.append(f"| {name} | {label} | {len(keywords)} | {scorer} "
                         f"| {p10:.2f} | {ndcg:.2f} | {recall:.2f} | {precision:.2f} | {n:.0f} "
                         f"| {best_recall(scores, relevant):.2f} |")
    return lines


def kappa(a: list[bool], b: list[bool]) -> float:
    """Cohen's kappa of two binary labelings (1 = perfect agreement, 0 = chance)."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement_table(corpus: Corpus, profiles: list, judged: dict[str, dict]) -> list[str]:
    """How far the judgements can be trusted: two judges on the items judged twice, and the
    judgements against the sections."""
    twice = [i for i in corpus.ids if judged[i].get("second")]
    lines = [f"| profile | judged relevant | in the sections | both | judge vs sections κ "
             f"| two judges agree ({len(twice)} items) | two judges κ |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for department, sections, _, _ in profiles:
        mine = relevance_labels(corpus, department, sections, judged)
        secs = relevance_labels(corpus, department, sections, None)
        first = [bool(judged[i]["labels"][department]) for i in twice]
        second = [bool(judged[i]["second"][department]) for i in twice]
        agree = sum(x == y for x, y in zip(first, second, strict=True)) / max(len(twice), 1)
        lines.append(f"| {department} | {sum(mine)} | {sum(secs)} | "
                     f"{sum(m and s for m, s in zip(mine, secs, strict=True))} | {kappa(mine, secs):.2f} "
                     f"| {agree:.2f} | {kappa(first, second) if twice else float('nan'):.2f} |")
    return lines


def changes_table(corpus: Corpus, profiles: list, judged: dict[str, dict] | None = None) -> list[str]:
    """What the meaning changes at the digest threshold, (c) against (b): the items it brings in
    and the keyword/duty-word matches it holds back, and how many of each are in the sections
    (and judged relevant, for the profiles with judgements)."""
    lines = ["| profile | brought in | in the sections | judged relevant | held back | in the sections "
             "| judged relevant |", "|---|---:|---:|---:|---:|---:|---:|"]
    for department, sections, keywords, duties in profiles:
        scores = profile_scores(corpus, department, keywords, duties)
        lexical, new = scores["(b) lexical"][1], scores["(c) new"][1]
        in_sections = relevance_labels(corpus, department, sections, None)
        has_judgement = bool(judged) and department in next(iter(judged.values()))["labels"]
        by_judge = relevance_labels(corpus, department, sections, judged) if has_judgement else None
        cells = [department]
        for changed in ([c and not b for b, c in zip(lexical, new, strict=True)],
                        [b and not c for b, c in zip(lexical, new, strict=True)]):
            cells += [str(sum(changed)), str(sum(x and r for x, r in zip(changed, in_sections, strict=True)))]
            judged_in = sum(x and r for x, r in zip(changed, by_judge, strict=True)) if by_judge else None
            cells.append("—" if judged_in is None else str(judged_in))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


GRID_SHARES = ((0.03,), (0.03, 0.03), (0.03, 0.10))  # one pass as before, or a second pass
GRID_WEIGHTS = (0.3, 0.4)  # below the alert threshold: the meaning alone never makes an alert
GRID_Z_LOW = (0.0, 0.5, 1.0)
GRID_Z_HIGH = (1.5, 2.0, 2.5, 3.0, 3.5)
GRID_GATES = (None, 1.0, 1.5, 2.0, 2.5)  # PHRASE_GATE_Z; None: no gate
GRID_ANCHORS = (False, True)  # whether the items a keyword vouches for join the feedback's first pass


def grid(corpus: Corpus, judged: dict[str, dict], top: int = 8) -> list[str]:
    """How the meaning's constants were chosen: on the *tune* half, the issue's four profiles and
    the judged relevance only. Every combination of the pseudo-relevant shares (PRF_SHARES), the
    weight, the z range, the phrase gate (PHRASE_GATE_Z) and the title anchors (ANCHOR_MIN, or
    none) is scored; the rule: among the combinations that meet the issue's goals on the tune half
    — economy recall ≥ 0.7 at precision ≥ 0.6 at the digest threshold; on each of the four, P@10
    and nDCG@10 not below the lexical scorer's and F1 at the digest threshold not below it either
    ("(c) beats (b) on every profile") — the one with the best mean F1 at the digest threshold.
    The off-topic penalty (z < 0, one body keyword) is not tuned. Printed: the best combinations
    by that rule, and the best without the goals."""
    import numpy as np

    from chalicelib.briefing import embedding, relevance

    tune = np.asarray([h == 0 for h in corpus.halves])
    embedder = embedding.PackagedEmbedder()
    profiles = []
    for department, sections, keywords, duties in PROFILES:
        matcher = matching.Matcher(matching.Interest(department=department, duties=duties, keywords=keywords),
                                   corpus.frequencies)
        lexical = np.asarray([matcher.score(t, x, "", corpus.counts[i], corpus.squashed[i]).score
                              for i, (t, x, _) in enumerate(corpus.docs)])[tune]
        relevant = np.asarray(relevance_labels(corpus, department, sections, judged))[tune]
        meaning = relevance.build_meaning_profile(embedder, department, duties, keywords=keywords)
        signals = {}
        shipped = relevance.PRF_SHARES
        try:
            for shares, anchored in itertools.product(GRID_SHARES, GRID_ANCHORS):
                relevance.PRF_SHARES = shares
                signals[shares, anchored] = tuple(np.asarray(v)[tune] for v in
                                                  meaning_signals(corpus, meaning, keywords, anchored))
        finally:
            relevance.PRF_SHARES = shipped
        profiles.append((department, lexical, relevant, signals))

    def measure(scores: np.ndarray, relevant: np.ndarray) -> tuple[float, ...]:
        return quality(list(scores), list(relevant), list(scores >= matching.DIGEST_THRESHOLD))

    baseline = [measure(lexical, relevant) for _, lexical, relevant, _ in profiles]
    rows = []
    digest = matching.DIGEST_THRESHOLD
    for shares, anchored, weight, low, high, gate in itertools.product(
            GRID_SHARES, GRID_ANCHORS, GRID_WEIGHTS, GRID_Z_LOW, GRID_Z_HIGH, GRID_GATES):
        if high <= low:
            continue
        results = []
        for _, lexical, relevant, signals in profiles:
            sims, zs, phrase_z = signals[shares, anchored]
            penalty = np.where(zs < relevance.OFF_TOPIC_Z, relevance.OFF_TOPIC_PENALTY, 0.0)
            part = np.where(np.isnan(zs), weight * np.clip(sims / relevance.MEANING_HIGH, 0, 1),
                            weight * np.clip((zs - low) / (high - low), 0, 1) - penalty)
            if gate is not None:  # what the meaning alone brings in must be near one own phrase
                part = np.where((lexical < digest) & (lexical + part >= digest) & ~np.isnan(zs)
                                & (phrase_z < gate), 0.0, part)
            results.append(measure(np.maximum(0.0, lexical + part), relevant))
        economy = results[0][2] >= 0.7 and results[0][3] >= 0.6
        not_below = all(r[0] >= b[0] - 1e-9 and r[1] >= b[1] - 1e-9 and f1(r[2], r[3]) >= f1(b[2], b[3])
                        for r, b in zip(results, baseline, strict=True))
        mean_f1 = sum(f1(r[2], r[3]) for r in results) / len(results)
        rows.append((economy and not_below, mean_f1, shares, anchored, weight, low, high, gate, results))
    header = ("| PRF shares | title anchors | weight | Z_LOW | Z_HIGH | phrase gate | mean F1 | "
              + " | ".join(f"{d} P@10 / nDCG / recall / precision" for d, *_ in profiles) + " |")
    rule = "|---|---|---:|---:|---:|---:|---:|" + "---|" * len(profiles)

    def line(row: tuple) -> str:
        _, mean_f1, shares, anchored, weight, low, high, gate, results = row
        cells = " | ".join(f"{r[0]:.2f} / {r[1]:.2f} / {r[2]:.2f} / {r[3]:.2f}" for r in results)
        named = "+".join(f"{x:.0%}" for x in shares)
        anchors = f"≥ {relevance.ANCHOR_MIN}" if anchored else "—"
        return (f"| {named} | {anchors} | {weight} | {low} | {high} | {gate or '—'} | {mean_f1:.3f} "
                f"| {cells} |")

    meeting = sorted((r for r in rows if r[0]), key=lambda r: -r[1])
    lines = ["Combinations meeting the goals on the tune half (judged), best mean F1 first:", "",
             header, rule]
    lines += [line(r) for r in meeting[:top]] or ["| (none) |"]
    lines += ["", "Best mean F1 without the goals (tune half, judged):", "", header, rule]
    lines += [line(r) for r in sorted(rows, key=lambda r: -r[1])[:top]]
    lines += ["", "Lexical scorer (tune half, judged): " + " · ".join(
        f"{d} {b[0]:.2f} / {b[1]:.2f} / {b[2]:.2f} / {b[3]:.2f}"
        for (d, *_), b in zip(profiles, baseline, strict=True))]
    return lines


def throughput(corpus: Corpus, n_profiles: int = 1000, n_items: int = 100) -> dict[str, float]:
    """(c) for n_items × n_profiles pairs, one core: per-round matchers and the meaning index are
    built first (as the pipeline does once per round) and timed apart."""
    from chalicelib.briefing import embedding, relevance

    embedder = embedding.PackagedEmbedder()
    embedder.encode(["워밍업"])  # the model is loaded once per container, not per round
    base = [(f"{d}{k % 7}", kw, duties) for k in range(n_profiles // len(PROFILES) + 1)
            for d, _, kw, duties in PROFILES][:n_profiles]

    def set_up() -> tuple[list[matching.Matcher], relevance.MeaningIndex]:
        texts = {(d, duties, kw) for d, kw, duties in base}
        cache = {(d, duties, kw): relevance.build_meaning_profile(embedder, d, duties, keywords=kw)
                 for d, duties, kw in texts}
        matchers = [matching.Matcher(matching.Interest(department=d, duties=duties, keywords=kw),
                                     corpus.frequencies) for d, kw, duties in base]
        pool = corpus.vectors[-relevance.POOL_SIZE:]  # the pool: calibrated queries for every profile
        titles = [title for title, _, _ in corpus.squashed[-relevance.POOL_SIZE:]]
        anchors = relevance.title_anchors([kw for _, kw, _ in base], titles)
        return matchers, relevance.MeaningIndex([cache[(d, duties, kw)] for d, kw, duties in base], pool,
                                                anchors)

    tracemalloc.start()
    set_up()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    matchers, index = set_up()
    setup_s = time.perf_counter() - started
    step = max(1, len(corpus.docs) // n_items)
    items = list(range(0, len(corpus.docs), step))[:n_items]
    vectors = corpus.vectors[items]
    started = time.perf_counter()
    sims = index.similarities(vectors)
    zs = index.calibrated(vectors)
    relevant = 0
    for row, i in enumerate(items):
        title, text, _ = corpus.docs[i]
        for j, matcher in enumerate(matchers):
            match = matcher.score(title, text, "", corpus.counts[i], corpus.squashed[i])
            sim, z = float(sims[row, j]), float(zs[row, j])
            if match.tier == "excluded" or index.surely_irrelevant(j, match.score, sim, z):
                continue  # as the matching round does (round_scoring.score_round)
            relevant += index.relevance(j, match, vectors[row], sim, base[j][2], z).relevant
    new_s = time.perf_counter() - started
    started = time.perf_counter()
    for i in items:
        title, text, _ = corpus.docs[i]
        for matcher in matchers:
            matcher.score(title, text, "", corpus.counts[i], corpus.squashed[i])
    lexical_s = time.perf_counter() - started
    pairs = len(items) * len(matchers)
    return {"pairs": pairs, "new_pairs_s": pairs / new_s, "lexical_pairs_s": pairs / lexical_s,
            "setup_s": setup_s, "matcher_mb": peak / 1e6, "relevant": relevant}


COLD = """
import os, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
from chalicelib import wiring
wiring.briefing_embedder().encode(["지역 경제 동향, 물가, 금리"])
t2 = time.perf_counter()
import resource
print((t1 - t0) * 1000, (t2 - t1) * 1000, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def cold_start(runs: int = 5) -> tuple[float, float, float]:
    """Fresh interpreters: import the app (every app.* handler's module), then the model's load
    and first encode (what the crawler's first round pays); and the process's peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDESK_", "AWS_ENDPOINT"))}
    env.update({"AWS_REGION": "ap-northeast-2", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"})
    samples = []
    for _ in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT))], capture_output=True,
                             text=True, env=env, cwd=ROOT, check=True)
        samples.append([float(x) for x in out.stdout.strip().splitlines()[-1].split()])
    samples = samples[1:]  # the first warms the bytecode cache, as a deployed package ships .pyc files
    return tuple(statistics.median(s[k] for s in samples) for k in range(3))  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--tokenizer", choices=("ngram", "kiwi"), default="ngram",
                        help="character 2/3-grams (default) or kiwipiepy morphemes (if installed)")
    parser.add_argument("--grid", action="store_true", help="print the grid the meaning constants come from")
    parser.add_argument("--profiles", type=int, default=1000)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"news-rss data not found at {args.data} (shared/data is not part of a clone); skipped")
        return 0
    if args.tokenizer == "kiwi":
        print(f"kiwipiepy start-up (import + model + first call): {use_kiwi():.1f} s\n")
    from chalicelib.briefing import relevance

    corpus = build_corpus(args.data)
    print(f"{len(corpus.docs)} items from {len(list(args.data.glob('*.xml')))} section feeds; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
          f"halves: tune "
          f"{corpus.halves.count(0)}, test {corpus.halves.count(1)} items\n")
    print("The issue's profiles (constants chosen on them, tune half), all items:\n")
    print("\n".join(quality_table(corpus, PROFILES)))
    print("\nThe issue's profiles, test half only:\n")
    print("\n".join(quality_table(corpus, PROFILES, half=1)))
    print("\nHeld-out profiles (never tuned on), all items:\n")
    print("\n".join(quality_table(corpus, HELD_OUT)))
    judged = load_judgements()
    if judged and all(i in judged for i in corpus.ids):
        print(f"\nThe issue's profiles against relevance judged by people ({JUDGEMENTS.name}), all items:\n")
        print("\n".join(quality_table(corpus, PROFILES, judged=judged)))
        print("\nThe same, test half only:\n")
        print("\n".join(quality_table(corpus, PROFILES, half=1, judged=judged)))
        print("\nHeld-out profiles against relevance judged by people, all items:\n")
        print("\n".join(quality_table(corpus, HELD_OUT, judged=judged)))
        print("\nThe judgements: against the sections, and two judges on the items judged twice:\n")
        print("\n".join(agreement_table(corpus, PROFILES + HELD_OUT, judged)))
    else:
        judged = None
        print(f"\n(no judgements for these items in {JUDGEMENTS}: the judged tables are skipped)")
    print(f"\nthresholds: alert ≥ {matching.ALERT_THRESHOLD}, digest ≥ {matching.DIGEST_THRESHOLD}; "
          f"meaning part = {relevance.MEANING_WEIGHT} × clip((z − {relevance.Z_LOW}) / "
          f"({relevance.Z_HIGH} − {relevance.Z_LOW}), 0, 1) − {relevance.OFF_TOPIC_PENALTY} if z < "
          f"{relevance.OFF_TOPIC_Z}, z on the pool of the last {relevance.POOL_SIZE} items "
          f"(pseudo-relevant shares {relevance.PRF_SHARES}); with fewer than {relevance.POOL_MIN}: "
          f"{relevance.MEANING_WEIGHT} × clip((cos − {relevance.MEANING_LOW}) / "
          f"({relevance.MEANING_HIGH} − {relevance.MEANING_LOW}), 0, 1)")
    print("\nWhat the meaning changes at the digest threshold ((c) against (b)), all items:\n")
    print("\n".join(changes_table(corpus, [p for p in PROFILES + HELD_OUT if p[2]], judged)))
    if args.grid and judged:
        print("\n" + "\n".join(grid(corpus, judged)))
    speed = throughput(corpus, args.profiles)
    import_ms, model_ms, rss_mb = cold_start()
    print("\n| measure | value |\n|---|---:|")
    print(f"| encode time per item (title + lead, batches of 32, one core) | {corpus.encode_ms:.1f} ms |")
    print(f"| (c) new: (item, profile) pairs/s, {args.profiles:,} profiles, one core | "
          f"{speed['new_pairs_s']:,.0f} |")
    print(f"| (b) lexical alone: pairs/s, same pairs | {speed['lexical_pairs_s']:,.0f} |")
    print(f"| per-round set-up of {args.profiles:,} matchers + meaning index | {speed['setup_s']:.2f} s |")
    print(f"| matcher memory (matchers + meaning profiles + index, traced peak) | "
          f"{speed['matcher_mb']:.1f} MB |")
    print(f"| cold start: import app (fresh interpreter, median of 5) | {import_ms:.0f} ms |")
    print(f"| cold start: load the model + first encode | {model_ms:.0f} ms |")
    print(f"| process peak RSS with the model loaded | {rss_mb:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
