"""The one wiring place: which store (and client) each use case gets, built once per container.

Routes and event handlers obtain their stores only from here. Each tool keeps its factories in its
own section; every factory is a ``functools.cache`` so a Lambda container builds it once, and
``reset()`` forgets them all (tests and the local cloud call it after changing settings or the
endpoint). Stores take their boto3 clients from ``chalicelib.aws`` unless given others.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalicelib.settings import get_settings

if TYPE_CHECKING:
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


def reset() -> None:
    """Forget everything built so far (tests and the local cloud call it after changing settings or
    the endpoint): every cached factory of this module, whichever section it is in."""
    for value in list(globals().values()):
        if getattr(value, "__module__", None) == __name__ and hasattr(value, "cache_clear"):
            value.cache_clear()
