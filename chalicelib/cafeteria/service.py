"""The cafeteria use cases: the three read views the API serves. Each takes the store (its
``CafeteriaReader`` port), the zones configuration and the tool's clock (a callable; the wall clock
unless the demo runs a faster one), and returns plain values. A store outage is a 503 error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from chalicelib.cafeteria import density
from chalicelib.cafeteria.density import CafeteriaConfig
from chalicelib.cafeteria.ports import CafeteriaReader, StoreUnavailable
from chalicelib.clock import now_utc
from chalicelib.errors import AppError
from chalicelib.observability import logger

Clock = Callable[[], datetime]


@contextmanager
def _available() -> Iterator[None]:
    """A store outage is a 503 with the JSON error body, not an internal error."""
    try:
        yield
    except StoreUnavailable as exc:
        logger.warning("cafeteria store unavailable", extra={"error": str(exc)})
        raise AppError("혼잡도 데이터를 잠시 읽을 수 없습니다. 잠시 후 다시 시도하세요. "
                       "(store unavailable)", code="unavailable", status=503) from exc


def now_view(store: CafeteriaReader, cfg: CafeteriaConfig, clock: Clock = now_utc) -> dict[str, Any]:
    moment = clock()
    window = max(cfg.trend_window_minutes, cfg.stale_seconds // 60) + 5
    with _available():
        return density.now_view(cfg, store.get_minutes(density.recent_keys(cfg, moment, window)), moment)


def today_view(store: CafeteriaReader, cfg: CafeteriaConfig, clock: Clock = now_utc) -> dict[str, Any]:
    moment = clock()
    day = moment.astimezone(cfg.tz).date().isoformat()
    with _available():
        return density.today_view(cfg, store.minutes(day), moment)


def forecast_view(store: CafeteriaReader, cfg: CafeteriaConfig, clock: Clock = now_utc) -> dict[str, Any]:
    """The forecast from the roll-ups of the same weekday in past weeks; a past day without a
    roll-up is rolled up from its minutes now and the roll-up stored (past days do not change)."""
    moment = clock()
    days = [d.isoformat() for d in density.history_dates(moment.astimezone(cfg.tz).date(), cfg)]
    with _available():
        history: dict[str, density.SlotMeans] = dict(store.summaries(days))
        for day in days:
            if day not in history:
                history[day] = density.slot_means(store.minutes(day), cfg)
                if any(history[day].values()):  # an empty day may still be imported: never cache it
                    expires = int(datetime.fromisoformat(day).timestamp()) + cfg.retention_days * 86400
                    store.put_summary(day, history[day], expires)
        return density.forecast_view(cfg, history, moment)
