"""Matching quality on real Korean news (../shared/data/news-rss; the section is a weak label).

Three department profiles of at most ten keywords each rank every item of the nine section feeds.
Printed: precision@10 (top ten items in the profile's sections), and at the digest threshold the
recall (share of the section's items matched) and precision, plus the scoring speed.

    python bench/matching.py [--data DIR]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.briefing import matching  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news-rss" / "categories"
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


def default_data() -> Path:
    """../shared/data/news-rss next to the checkout (or next to the worktrees' folder)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "data" / "news-rss" / "categories"
        if path.is_dir():
            return path
    return DEFAULT_DATA


def load(data: Path) -> list[tuple[str, str, set[str]]]:
    """(title, text, sections) per distinct link; an article in two feeds has both sections."""
    by_link: dict[str, tuple[str, str, set[str]]] = {}
    for path in sorted(data.glob("*.xml")):
        section = path.stem
        for item in ET.parse(path).getroot().iter("item"):
            link = (item.findtext("link") or "").strip()
            title = html.unescape(item.findtext("title") or "")
            text = html.unescape(_TAG.sub(" ", html.unescape(item.findtext(CONTENT) or "")))
            text = text.replace("기사보기", " ")
            entry = by_link.setdefault(link or f"{section}:{title}", (title, text, set()))
            entry[2].add(section)
    return list(by_link.values())


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--tokenizer", choices=("ngram", "kiwi"), default="ngram",
                        help="character 2/3-grams (default) or kiwipiepy morphemes (if installed)")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"news-rss data not found at {args.data} (shared/data is not part of a clone); skipped")
        return 0
    if args.tokenizer == "kiwi":
        print(f"kiwipiepy start-up (import + model + first call): {use_kiwi():.1f} s\n")
    docs = load(args.data)
    frequencies = matching.DocumentFrequencies()
    counts = []
    started = time.perf_counter()
    for title, text, _ in docs:
        terms = matching.document_terms(title, text)
        counts.append(terms)
        frequencies.add(terms)
    index_s = time.perf_counter() - started
    print(f"{len(docs)} items from {len(list(args.data.glob('*.xml')))} section feeds; "
          f"{len(frequencies.df)} distinct terms\n")
    print("| profile | sections (positives) | keywords | P@10 | recall | precision | matched "
          "| alerts |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    score_s, scored_n = 0.0, 0
    for department, sections, keywords, _duties in PROFILES[:3]:
        matcher = matching.Matcher(matching.Interest(department=department, keywords=keywords),
                                   frequencies)
        started = time.perf_counter()
        results = [(matcher.score(t, x, "", counts[i]), secs) for i, (t, x, secs) in enumerate(docs)]
        score_s += time.perf_counter() - started
        scored_n += len(results)
        positives = sum(1 for _, secs in results if secs & set(sections))
        ranked = sorted(results, key=lambda r: -r[0].score)
        p10 = sum(1 for m, secs in ranked[:10] if secs & set(sections)) / 10
        relevant = [(m, secs) for m, secs in results if m.relevant]
        hits = sum(1 for _, secs in relevant if secs & set(sections))
        alerts = sum(1 for m, _ in relevant if m.tier == "alert")
        print(f"| {department} | {'+'.join(sections)} ({positives}) | {len(keywords)} | {p10:.2f} | "
              f"{hits / max(positives, 1):.2f} | {hits / max(len(relevant), 1):.2f} | "
              f"{len(relevant)} | {alerts} |")
    print(f"\nindexing {len(docs) / index_s:,.0f} items/s; scoring {scored_n / score_s:,.0f} "
          f"(item, profile) pairs/s; thresholds: alert ≥ {matching.ALERT_THRESHOLD}, "
          f"digest ≥ {matching.DIGEST_THRESHOLD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
