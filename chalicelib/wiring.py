"""The one wiring place: which store (and what else is built once per container) each use case
gets. Every factory is cached for the life of the container; tests that switch endpoints or
settings call ``reset()``. Stores get their boto3 clients from ``chalicelib.aws`` here."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

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


def reset() -> None:
    """Forget everything built (tests that switch endpoints or settings)."""
    for factory in (photos_store, cafeteria_store, cafeteria_dead_letters, cafeteria_config,
                    cafeteria_clock):
        factory.cache_clear()
