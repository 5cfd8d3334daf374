"""The crawler's event handler: the 5-minute schedule (template: CrawlerFunction, Handler app.crawl).

app.py imports this module on every cold start (the API's too), so the crawler is imported only
when the schedule fires."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.settings import get_settings

# Import name "app": Chalice names the Lambda handler <import name>.<function>, and template.yaml
# keeps app.crawl (app.py re-exports the handler).
bp = Blueprint("app")


@bp.schedule("rate(5 minutes)", name="crawl")
def crawl(event: Any) -> dict[str, Any]:
    """One round over the sources that are due (per-source intervals)."""
    from chalicelib.briefing.crawling import service

    return service.scheduled_round(wiring.briefing_items_store(), get_settings().briefing,
                                   remaining_ms=event.context.get_remaining_time_in_millis(),
                                   on_new_items=wiring.briefing_on_new_items())
