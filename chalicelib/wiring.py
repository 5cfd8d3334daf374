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


def reset() -> None:
    """Forget every store built so far (with whatever it cached)."""
    trips_store.cache_clear()
