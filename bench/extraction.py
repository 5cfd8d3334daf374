"""Extraction quality and speed of the briefing crawler: trafilatura, its options, newspaper4k, a
readability-style extractor, a fallback and an ensemble — on two sets, in one run.

    python bench/extraction.py [--data ../shared/data/extraction] [--limit N]

Data: 181 real article pages with their main text (Scrapinghub article-extraction-benchmark), and
36 Korean government pages built by bench/korean_pages.py (board, portal and news layouts with
their boilerplate: survey forms, 공공누리 notices, previous/next rows, related lists).
A candidate replaces what the crawler ships only if its F1 is higher on BOTH sets.
Score: the benchmark's own — per page, true/false positives and negatives over the multiset of
overlapping 4-word shingles (words = \\w+, case-folded), normalised per page; precision and recall
are averaged over pages and F1 is computed from the two means. Also: import time of the library
in a fresh interpreter (median of 3) and pages per second on one core. The network is blocked
for the whole run: an extractor that tries to download something (NLTK data, a public suffix
list) fails here exactly as it would in Lambda. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared from the repo root (the main checkout), or from the worktrees' folder (/work/wt/<name>)
DEFAULT_DATA = next((d for d in (ROOT.parent / "shared" / "data" / "extraction",
                                 ROOT.parent.parent / "shared" / "data" / "extraction") if d.exists()),
                    ROOT.parent / "shared" / "data" / "extraction")
_WORD = re.compile(r"\w+")
PUBLISHED = {"trafilatura": 0.958, "newspaper4k": 0.949}


def block_network() -> list[str]:
    attempts: list[str] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(repr(address))
        raise OSError("network blocked by bench/extraction.py")

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    return attempts


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    words = _WORD.findall((text or "").casefold())
    return Counter(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1)) if words[i:i + n])


def page_counts(truth: str, predicted: str) -> tuple[float, float, float]:
    t, p = shingles(truth), shingles(predicted)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    precisions = [precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0  # nothing extracted anywhere
    r = statistics.mean(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def run_trafilatura_precision(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""


def run_trafilatura_recall(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, favor_recall=True) or ""


def run_readability(html: str, url: str) -> str:
    """Readability's scoring of candidate blocks (trafilatura's port of readability-lxml), as text."""
    import lxml.html
    from trafilatura.readability_lxml import Document

    try:
        tree = lxml.html.document_fromstring(html)
    except Exception:  # noqa: BLE001 - not HTML
        return ""
    summary = Document(tree).summary()
    if not summary.strip():
        return ""
    root = lxml.html.fromstring(summary)
    blocks = root.xpath("//p|//li|//td|//h1|//h2|//h3|//h4|//pre|//blockquote")
    lines = [" ".join(b.text_content().split()) for b in blocks] or [" ".join(root.text_content().split())]
    return "\n".join(line for line in lines if line)


def run_fallback(html: str, url: str) -> str:
    """trafilatura; readability only when trafilatura finds (almost) nothing."""
    text = run_trafilatura(html, url)
    return text if len(text) >= 200 else (run_readability(html, url) or text)


def run_ensemble(html: str, url: str) -> str:
    """favor_precision, unless it drops more than 40 % of the default's text (then the default)."""
    default = run_trafilatura(html, url)
    precise = run_trafilatura_precision(html, url)
    return precise if len(precise) >= 0.6 * len(default) else default


def run_newspaper4k(html: str, url: str) -> str:
    import newspaper

    # As the benchmark's runner does, minus its second parse() (newspaper.article() already
    # parses) and minus image fetching (no use for images; it is a quarter of the time).
    article = newspaper.Article(url, fetch_images=False)
    article.download(input_html=html)
    article.parse()
    return str(article.text or "")


def run_gdesk_before(html: str, url: str) -> str:
    """What the crawler shipped before this comparison: trafilatura's defaults, tables kept."""
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=False, include_comments=False,
                                           include_tables=True)
    return str(getattr(document, "text", "") or "") if document is not None else ""


def run_gdesk(html: str, url: str) -> str:
    from chalicelib.briefing.crawling.extract import extract

    return extract(html, url).text


BASELINE = "gdesk extract before (trafilatura defaults, tables kept)"
SHIPPED = "gdesk extract now (trafilatura favor_precision, tables kept)"
EXTRACTORS: dict[str, tuple[Callable[[str, str], str], str]] = {
    "trafilatura": (run_trafilatura, "import trafilatura"),
    "trafilatura favor_precision": (run_trafilatura_precision, "import trafilatura"),
    "trafilatura favor_recall": (run_trafilatura_recall, "import trafilatura"),
    "newspaper4k": (run_newspaper4k, "import newspaper"),
    "readability (trafilatura's readability-lxml port)": (run_readability,
                                                          "import trafilatura.readability_lxml"),
    "fallback: trafilatura, readability when < 200 chars": (run_fallback, "import trafilatura"),
    "ensemble: favor_precision unless it keeps < 60 % of the default": (run_ensemble, "import trafilatura"),
    BASELINE: (run_gdesk_before, "import chalicelib.briefing.crawling.extract, trafilatura"),
    SHIPPED: (run_gdesk, "import chalicelib.briefing.crawling.extract, trafilatura"),
}


def import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def measure(run: Callable[[str, str], str], pages: dict[str, tuple[str, str, str]]
            ) -> tuple[float, float, float, float, int]:
    """(precision, recall, F1, pages/s, pages it crashed on) of one extractor on one set."""
    first = next(iter(pages.values()))
    try:
        run(first[0], first[1])  # warm up: lazy imports and caches
    except Exception:  # noqa: BLE001 - counted below
        pass
    counts = []
    crashes = 0
    started = time.perf_counter()
    for html, url, truth in pages.values():
        try:
            predicted = run(html, url)
        except Exception:  # noqa: BLE001 - a crash is an empty extraction
            predicted, crashes = "", crashes + 1
        counts.append(page_counts(truth, predicted))
    elapsed = time.perf_counter() - started
    return (*score(counts), len(pages) / elapsed, crashes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (quick look)")
    args = parser.parse_args(argv)
    truth_file = args.data / "ground-truth.json"
    if not truth_file.exists():
        print(f"skipped: no extraction data at {args.data} (it lives in the shared data folder)")
        return 0
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    ids = sorted(truth)[: args.limit or None]
    shared = {i: (gzip.decompress((args.data / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8"),
                  truth[i]["url"], truth[i]["articleBody"]) for i in ids}
    sys.path.insert(0, str(ROOT))
    from bench.korean_pages import pages as korean_pages

    korean = korean_pages()
    imports = {name: import_seconds(statement) for name, (_, statement) in EXTRACTORS.items()}
    attempts = block_network()
    rows = []
    for name, (run, _) in EXTRACTORS.items():
        rows.append((name, measure(run, shared), measure(run, korean), imports[name]))
    print(f"Extraction on {len(shared)} pages of the shared set and {len(korean)} Korean government pages "
          f"(4-word shingles; network blocked, {len(attempts)} connection attempts refused)\n")
    print("| extractor | shared P | shared R | shared F1 | published F1 | shared pages/s "
          "| Korean P | Korean R | Korean F1 | Korean pages/s | crashed (shared/Korean) | import (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, (p, r, f1, speed, crashed), (kp, kr, kf1, kspeed, kcrashed), imported in rows:
        published = PUBLISHED.get(name)
        shown = f"{published:.3f}" if published else "–"
        print(f"| {name} | {p:.3f} | {r:.3f} | **{f1:.3f}** | {shown} | {speed:.1f} | {kp:.3f} | {kr:.3f} "
              f"| **{kf1:.3f}** | {kspeed:.1f} | {crashed}/{kcrashed} | {imported:.2f} |")
    baseline = next(row for row in rows if row[0] == BASELINE)
    winners = [row[0] for row in rows if row[0] != BASELINE
               and row[1][2] > baseline[1][2] and row[2][2] > baseline[2][2]]
    print(f"\nBetter than the crawler's former extraction on both sets: {', '.join(winners) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
