"""The one wiring place: which store (and what else is built once per container) each tool's
routes and event handlers get. Stores take their clients lazily from ``chalicelib.aws``; tests that
switch endpoints or settings call ``reset()``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.settings import BriefingSettings, Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.briefing.crawling.store import ItemStore
    from chalicelib.briefing.model import Item
    from chalicelib.briefing.notifying.notify import Notifier
    from chalicelib.briefing.notifying.store import BriefingStore

# --- briefing ---
# Built once per container and per settings: tests that change the environment clear
# ``get_settings`` and get stores for the new settings without calling ``reset()``.


def briefing_items_store() -> ItemStore:
    """The crawler's store (items, texts, duplicate indexes, source state)."""
    return _briefing_items_store(get_settings().briefing)


def briefing_notify_store() -> BriefingStore:
    """The notifier's store (profiles, matches, deliveries, secrets, the notify queue, SES)."""
    return _briefing_notify_store(get_settings().briefing)


def briefing_notifier() -> Notifier:
    return _briefing_notifier(get_settings())


def briefing_on_new_items() -> Callable[[Sequence[Item]], Any]:
    """The crawler's hand-off to the notifier: the matching round on the notifier's store."""
    from chalicelib.briefing.notifying.new_item_matching import on_new_items

    return functools.partial(on_new_items, store=briefing_notify_store())


@functools.cache
def _briefing_items_store(settings: BriefingSettings) -> ItemStore:
    from chalicelib.briefing.crawling.store import ItemStore

    return ItemStore(settings.table, settings.bucket)


@functools.cache
def _briefing_notify_store(settings: BriefingSettings) -> BriefingStore:
    from chalicelib.briefing.notifying.store import BriefingStore

    return BriefingStore(settings)


@functools.cache
def _briefing_notifier(settings: Settings) -> Notifier:
    from chalicelib.briefing.notifying.notify import Notifier

    return Notifier(_briefing_notify_store(settings.briefing), settings)


# --- end briefing ---


def reset() -> None:
    """Forget every cached store (tests that switch endpoints or settings)."""
    _briefing_items_store.cache_clear()
    _briefing_notify_store.cache_clear()
    _briefing_notifier.cache_clear()
