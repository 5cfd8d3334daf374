"""Demo of the briefing tool (see infra/demo/__init__.py for the contract).

The crawler half: a local press-release site (infra/demo/briefing_site.py) on a free 127.0.0.1
port, a sources file pointing the crawler at it (and at nothing else), loopback allowed for the
crawler, a publisher thread releasing a new press release every few minutes, and a first crawl
round right away so the items are there when the pages open.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from infra.local.demo import DemoContext

PUBLISH_EVERY_S = 180.0


def start(ctx: DemoContext) -> list[str]:
    from chalicelib.settings import get_settings
    from infra.demo import briefing_profiles
    from infra.demo.briefing_site import PressSite
    from infra.local.runtime import scheduled_event

    site = PressSite(interval=PUBLISH_EVERY_S).start()
    sources = Path(ctx.home) / "briefing" / "demo-sources.yaml"
    sources.parent.mkdir(parents=True, exist_ok=True)
    listing = yaml.safe_dump(site.sources(), allow_unicode=True, sort_keys=False)
    sources.write_text("# Written by `gdesk up`: the crawler's sources for the local demo site.\n" + listing,
                       encoding="utf-8")
    os.environ.update({"GDESK_CRAWL_SOURCES": str(sources), "GDESK_CRAWL_ALLOW_LOOPBACK": "1",
                       "GDESK_CRAWL_HOST_DELAY_MS": "100"})
    get_settings.cache_clear()

    def publish() -> None:
        while not ctx.stop.wait(PUBLISH_EVERY_S):
            if site.publish() is None:
                break
        ctx.stop.wait()
        site.stop()

    def first_round() -> None:
        if "CrawlerFunction" in ctx.stack.functions():
            try:
                ctx.runtime.invoke("CrawlerFunction", scheduled_event(ctx.stack, "CrawlerFunction", "demo"))
            except Exception as exc:  # noqa: BLE001 - the schedule will run it again
                print(f"  briefing: first crawl failed: {type(exc).__name__}: {exc}", flush=True)

    # The notifier half: demo profiles for E1001-E1003 and the messenger inbox their alerts reach,
    # seeded before the first crawl round so its items are matched.
    profile_lines = briefing_profiles.seed(ctx)
    ctx.spawn("briefing-site", publish)
    ctx.spawn("briefing-first-crawl", first_round)
    return profile_lines + [
        f"AI 비서 데모 보도자료 사이트 (press releases, RSS + list page): {site.url}/",
        f"  새 보도자료 게시 (publish one now): curl -X POST {site.url}/admin/publish",
        "  크롤링 한 번 (one crawl round): "
        f"GDESK_CRAWL_ALLOW_LOOPBACK=1 gdesk crawl --once --sources {sources}",
    ]
