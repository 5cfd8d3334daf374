"""What the routes and the stream function share: the zones configuration, the tool's clock and
the store, each built once and lazily; and the three read views the API serves."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any

from chalicelib.cafeteria import density
from chalicelib.cafeteria.density import CafeteriaConfig
from chalicelib.cafeteria.store import CafeteriaStore, DeadLetterQueue, StoreUnavailable
from chalicelib.errors import AppError
from chalicelib.observability import logger
from chalicelib.settings import get_settings

DEFAULT_ZONES_FILE = Path(__file__).with_name("zones.json")


@lru_cache(maxsize=4)
def _config_from(path: str) -> CafeteriaConfig:
    return density.load_config_file(path)


def config() -> CafeteriaConfig:
    return _config_from(get_settings().cafeteria.zones_file or str(DEFAULT_ZONES_FILE))


def now() -> datetime:
    """The tool's clock: the wall clock, or in the demo a faster one from a simulated start."""
    real = time.time()
    clock = get_settings().cafeteria.clock
    if clock:
        real_anchor, simulated_anchor, speed = clock
        real = simulated_anchor + (real - real_anchor) * speed
    return datetime.fromtimestamp(real, UTC)


def store() -> CafeteriaStore:
    return CafeteriaStore(get_settings().cafeteria.table)


def dead_letters() -> DeadLetterQueue:
    return DeadLetterQueue(get_settings().cafeteria.dead_letter_queue_url)


def _available(view: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """A store outage is a 503 with the JSON error body, not an internal error."""

    @wraps(view)
    def guarded() -> dict[str, Any]:
        try:
            return view()
        except StoreUnavailable as exc:
            logger.warning("cafeteria store unavailable", extra={"error": str(exc)})
            raise AppError("혼잡도 데이터를 잠시 읽을 수 없습니다. 잠시 후 다시 시도하세요. "
                           "(store unavailable)", code="unavailable", status=503) from exc

    return guarded


def replay(cfg: CafeteriaConfig) -> dict[str, Any] | None:
    """In the demo the tool's clock is a faster replay of a lunch hour; the page must say so and
    show the real time next to it. None on the wall clock (every deployment)."""
    clock = get_settings().cafeteria.clock
    if not clock:
        return None
    real = datetime.fromtimestamp(time.time(), UTC).astimezone(cfg.tz)
    return {"speed": clock[2], "real_now": real.isoformat(timespec="seconds")}


@_available
def now_view() -> dict[str, Any]:
    cfg, moment = config(), now()
    window = max(cfg.trend_window_minutes, cfg.stale_seconds // 60) + 5
    view = density.now_view(cfg, store().get_minutes(density.recent_keys(cfg, moment, window)), moment)
    return {**view, "replay": replay(cfg)}


@_available
def today_view() -> dict[str, Any]:
    cfg, moment = config(), now()
    day = moment.astimezone(cfg.tz).date().isoformat()
    return density.today_view(cfg, store().minutes(day), moment)


@_available
def forecast_view() -> dict[str, Any]:
    """The forecast from the roll-ups of the same weekday in past weeks; a past day without a
    roll-up is rolled up from its minutes now and the roll-up stored (past days do not change)."""
    cfg, moment = config(), now()
    source = store()
    days = [d.isoformat() for d in density.history_dates(moment.astimezone(cfg.tz).date(), cfg)]
    history: dict[str, density.SlotMeans] = dict(source.summaries(days))
    for day in days:
        if day not in history:
            history[day] = density.slot_means(source.minutes(day), cfg)
            if any(history[day].values()):  # an empty day may still be imported: never cache it
                expires = int(datetime.fromisoformat(day).timestamp()) + cfg.retention_days * 86400
                source.put_summary(day, history[day], expires)
    return density.forecast_view(cfg, history, moment)
