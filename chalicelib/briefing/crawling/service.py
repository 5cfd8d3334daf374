"""The crawler's use case: one scheduled round over the sources that are due, within the
invocation's time (15 s kept spare), its new items handed to the notifier.

Takes the store (``ports.ItemStorePort``) and the briefing settings; the sources and the fetcher
come from the settings unless given (tests, the CLI)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.briefing.crawling.crawler import Crawler, RoundReport
from chalicelib.briefing.crawling.fetch import Fetcher
from chalicelib.briefing.crawling.ports import ItemStorePort
from chalicelib.briefing.crawling.sources import SourceSet, load_sources
from chalicelib.briefing.model import Item

SPARE_SECONDS = 15


def fetcher_for(sources: SourceSet, settings: Any, host_delay: float | None = None) -> Fetcher:
    """The crawler's fetcher: the SSRF allowlist the sources imply, the settings' politeness."""
    return Fetcher(sources.allowed_hosts(), allowed_origins=sources.allowed_origins(),
                   allow_loopback=settings.crawl_allow_loopback,
                   host_delay=settings.crawl_host_delay_ms / 1000 if host_delay is None else host_delay)


def scheduled_round(store: ItemStorePort, settings: Any, *, remaining_ms: int | None = None,
                    on_new_items: Callable[[Sequence[Item]], Any] | None = None,
                    sources: SourceSet | None = None, fetcher: Any = None,
                    clock: Callable[[], float] = time.time, embedder: Any = None) -> dict[str, Any]:
    """One round (``settings``: ``BriefingSettings``); returns the round's summary."""
    sources = sources or load_sources(settings.crawl_sources_path or None)
    deadline = time.monotonic() + remaining_ms / 1000 - SPARE_SECONDS if remaining_ms else None
    crawler = Crawler(sources, store, fetcher or fetcher_for(sources, settings),
                      max_age_days=settings.crawl_max_age_days, deadline=deadline,
                      on_new_items=on_new_items, clock=clock, embedder=embedder,
                      unhealthy_rounds=settings.crawl_unhealthy_rounds)
    report = crawler.run_round()
    summary = report.summary()
    crawler.log.info("briefing crawl round", extra=summary)
    _metrics(report)
    return summary


def _metrics(report: RoundReport) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    from chalicelib.observability import metrics

    metrics.add_metric(name="BriefingNewItems", unit=MetricUnit.Count,
                       value=sum(1 for i in report.new_items if not i.duplicate_of))
    metrics.add_metric(name="BriefingDuplicateItems", unit=MetricUnit.Count,
                       value=sum(1 for i in report.new_items if i.duplicate_of))
    metrics.add_metric(name="BriefingSourceFailures", unit=MetricUnit.Count,
                       value=sum(1 for r in report.sources if r.status == "error"))
    # every round, 0 included: the alarm on it must see the source recover
    metrics.add_metric(name="BriefingUnhealthySources", unit=MetricUnit.Count, value=len(report.unhealthy))
