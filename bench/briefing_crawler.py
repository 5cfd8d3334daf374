"""The briefing crawler's cold start and round speed.

    python bench/briefing_crawler.py

1. Import time in a fresh interpreter (median of 5), in the order a cold Lambda pays it: the
   handler module ``app`` (Chalice, Powertools, every blueprint), then the crawler (sources,
   fetcher, store — imported inside the handler), then feedparser (first feed), then trafilatura
   (first new article).
2. One dry round over the local demo site (12 releases, in memory, no cloud): wall time and
   articles per second, fetch + extraction + dedupe included.
Prints Markdown tables.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CRAWLER = "import app; import chalicelib.briefing.crawling.crawler"
STEPS = [
    ("handler module (`import app`)", "import app"),
    ("+ crawler (`chalicelib.briefing.crawling.crawler`)", CRAWLER),
    ("+ feedparser (first feed)", f"{CRAWLER}; import feedparser"),
    ("+ trafilatura (first article)",
     f"{CRAWLER}; import feedparser; import chalicelib.briefing.crawling.extract, trafilatura"),
]


def import_seconds(statement: str, runs: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def demo_round() -> tuple[int, float]:
    sys.path.insert(0, str(ROOT))
    from chalicelib.briefing.crawling.crawler import Crawler
    from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
    from chalicelib.briefing.crawling.sources import parse_sources
    from infra.commands.memory_items import MemoryItemStore
    from infra.demo.briefing_releases import RELEASES
    from infra.demo.briefing_site import PressSite

    site = PressSite(initial=len(RELEASES), interval=3600).start()
    try:
        sources = parse_sources(site.sources())
        fetcher = Fetcher(sources.allowed_hosts(), allow_loopback=True, host_delay=0, robots=RobotsCache())
        crawler = Crawler(sources, MemoryItemStore(), fetcher, logger=_Silent())
        started = time.perf_counter()
        report = crawler.run_round(force=True)
        return len(report.new_items), time.perf_counter() - started
    finally:
        site.stop()


class _Silent:
    def info(self, *args: object, **kwargs: object) -> None: ...
    def warning(self, *args: object, **kwargs: object) -> None: ...
    def error(self, *args: object, **kwargs: object) -> None: ...


def main() -> int:
    print("Cold start of CrawlerFunction (fresh interpreter, median of 5)\n")
    print("| what is imported | seconds |")
    print("|---|---:|")
    for label, statement in STEPS:
        print(f"| {label} | {import_seconds(statement):.2f} |")
    count, seconds = demo_round()
    print("\nOne round over the local demo site (in memory, loopback HTTP)\n")
    print("| articles | seconds | articles/s |")
    print("|---:|---:|---:|")
    print(f"| {count} | {seconds:.2f} | {count / seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
