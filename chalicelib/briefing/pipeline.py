"""The seam between the crawler and the notifier.

The crawler calls ``on_new_items`` once per round with the items it stored for the first time.
Near-duplicates (the same release from another agency: ``duplicate_of`` set) are stored but NOT
passed here, so one release gives one alert. The notifier half of the tool fills this in
(match every profile, queue the alerts); the crawler half only guarantees the call. It must be
idempotent per item: a crawler retry may hand the same item again.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.briefing.model import Item


def on_new_items(items: Sequence[Item]) -> None:
    """Filled in by the notifier (matching + notification); the crawler only calls it."""
    return None
