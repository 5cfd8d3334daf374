"""Extraction quality and speed of the briefing crawler: trafilatura vs newspaper4k.

    python bench/extraction.py [--data ../shared/data/extraction] [--limit N]

Data: 181 real article pages with their main text (Scrapinghub article-extraction-benchmark).
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
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction"
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

    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return p, r, 2 * p * r / (p + r)


def run_trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def run_newspaper4k(html: str, url: str) -> str:
    import newspaper

    # As the benchmark's runner does, minus its second parse() (newspaper.article() already
    # parses) and minus image fetching (no use for images; it is a quarter of the time).
    article = newspaper.Article(url, fetch_images=False)
    article.download(input_html=html)
    article.parse()
    return str(article.text or "")


def run_gdesk(html: str, url: str) -> str:
    from chalicelib.briefing.crawling.extract import extract

    return extract(html, url).text


EXTRACTORS: dict[str, tuple[Callable[[str, str], str], str]] = {
    "trafilatura": (run_trafilatura, "import trafilatura"),
    "newspaper4k": (run_newspaper4k, "import newspaper"),
    "gdesk extract (trafilatura text + own title, time, attachments)": (
        run_gdesk, "import chalicelib.briefing.crawling.extract, trafilatura"),
}


def import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


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
    pages = {i: gzip.decompress((args.data / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8")
             for i in ids}
    sys.path.insert(0, str(ROOT))
    imports = {name: import_seconds(statement) for name, (_, statement) in EXTRACTORS.items()}
    attempts = block_network()
    rows = []
    for name, (run, _) in EXTRACTORS.items():
        run(pages[ids[0]], truth[ids[0]]["url"])  # warm up: lazy imports and caches
        counts = []
        started = time.perf_counter()
        for i in ids:
            try:
                predicted = run(pages[i], truth[i]["url"])
            except Exception:  # noqa: BLE001 - a crash is an empty extraction
                predicted = ""
            counts.append(page_counts(truth[i]["articleBody"], predicted))
        elapsed = time.perf_counter() - started
        p, r, f1 = score(counts)
        rows.append((name, p, r, f1, PUBLISHED.get(name), imports[name], len(ids) / elapsed))
    print(f"Extraction on {len(ids)} pages (4-word shingles; network blocked, "
          f"{len(attempts)} connection attempts refused)\n")
    print("| extractor | precision | recall | F1 | published F1 | import (s) | pages/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, p, r, f1, published, imported, speed in rows:
        shown = f"{published:.3f}" if published else "–"
        print(f"| {name} | {p:.3f} | {r:.3f} | **{f1:.3f}** | {shown} | {imported:.2f} | {speed:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
