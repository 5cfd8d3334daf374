"""The one wiring place: which store (and client) each use case gets, built once per container.

Routes and event handlers obtain their stores only from here. Each tool keeps its factories in its
own section; every factory is a ``functools.cache`` so a Lambda container builds it once, and
``reset()`` forgets them all (tests and the local cloud call it after changing settings or the
endpoint). Stores take their boto3 clients from ``chalicelib.aws`` unless given others.
"""

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
    from chalicelib.trips.store import TripsStore


# --- trips ---
@functools.cache
def trips_store() -> TripsStore:
    """The trips table, KMS and idempotency; also holds the container's signing/data key caches."""
    from chalicelib.trips.store import TripsStore

    return TripsStore(get_settings().trips)

# --- end trips ---

# --- photos ---
if TYPE_CHECKING:
    from chalicelib.photos.store import PhotoStore


@functools.cache
def photos_store() -> PhotoStore:
    from chalicelib import aws
    from chalicelib.photos.store import PhotoStore
    from chalicelib.settings import get_settings

    return PhotoStore(get_settings().photos, ddb=aws.resource("dynamodb"), s3=aws.client("s3"))


# --- end photos ---

# --- cafeteria ---
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from chalicelib.cafeteria.density import CafeteriaConfig
    from chalicelib.cafeteria.store import CafeteriaStore, DeadLetterQueue


@functools.cache
def cafeteria_store() -> CafeteriaStore:
    from chalicelib import aws
    from chalicelib.cafeteria.store import CafeteriaStore
    from chalicelib.settings import get_settings

    return CafeteriaStore(get_settings().cafeteria.table, client=aws.client("dynamodb"))


@functools.cache
def cafeteria_dead_letters() -> DeadLetterQueue:
    from chalicelib import aws
    from chalicelib.cafeteria.store import DeadLetterQueue
    from chalicelib.settings import get_settings

    return DeadLetterQueue(get_settings().cafeteria.dead_letter_queue_url, client=aws.client("sqs"))


@functools.cache
def cafeteria_config() -> CafeteriaConfig:
    from chalicelib.cafeteria.density import DEFAULT_ZONES_FILE, load_config_file
    from chalicelib.settings import get_settings

    return load_config_file(get_settings().cafeteria.zones_file or DEFAULT_ZONES_FILE)


@functools.cache
def cafeteria_clock() -> Callable[[], datetime]:
    """The tool's clock: the wall clock, or in the demo a faster one from a simulated start."""
    from chalicelib.cafeteria.density import scaled_clock
    from chalicelib.clock import now_utc
    from chalicelib.settings import get_settings

    anchors = get_settings().cafeteria.clock
    return now_utc if anchors is None else scaled_clock(*anchors)


# --- end cafeteria ---


# --- briefing ---
# Built once per container and per settings (the cache is keyed on them): tests that change the
# environment clear ``get_settings`` and get stores for the new settings.


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
    """Forget everything built so far (tests and the local cloud call it after changing settings or
    the endpoint): every cached factory of this module, whichever section it is in."""
    for value in list(globals().values()):
        if getattr(value, "__module__", None) == __name__ and hasattr(value, "cache_clear"):
            value.cache_clear()
