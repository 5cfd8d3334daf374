"""Demo data for the cafeteria tool (see infra/demo/__init__.py for the contract).

- Four weeks of history, written directly through the store as the daily roll-ups the forecast
  reads (the mean queue per zone and 10-minute slot, from the same curve as the cameras).
- A demo clock that starts the day at 11:20 and runs 12× faster, shared by the app and the
  simulated cameras, so the whole lunch curve passes in about ten minutes.
- The simulated cameras on the density stream (through Kinesis and the stream function, like
  the real ones).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.demo import DemoContext

HISTORY_FIRST, HISTORY_LAST = 11 * 60, 14 * 60  # seeded minutes of each past day


def seed_history(store: Any, config: Any, days: list[str]) -> None:
    """Past days as the forecast reads them: one roll-up (mean queue per zone and slot) per day."""
    from chalicelib.cafeteria.density import MinuteRecord, slot_means
    from infra.commands.cafeteria import history_minutes

    for day in days:
        records = [MinuteRecord(*key, cams) for key, cams in
                   history_minutes(config, day, int(day.replace("-", "")), HISTORY_FIRST, HISTORY_LAST)]
        expires = int(datetime.fromisoformat(day).timestamp()) + config.retention_days * 86400
        store.put_summary(day, slot_means(records, config), expires)


def start(ctx: DemoContext) -> list[str]:
    import boto3

    from chalicelib import wiring
    from chalicelib.settings import get_settings
    from infra.commands.cafeteria import CameraSimulator, kinesis_putter

    settings = get_settings().cafeteria
    config = wiring.cafeteria_config()
    today = datetime.now(UTC).astimezone(config.tz)
    hh, mm = (int(part) for part in settings.demo_start.split(":"))
    simulated = today.replace(hour=hh, minute=mm, second=0, microsecond=0)
    # The demo clock: the app (routes, stream function) and the cameras all read wiring.cafeteria_clock().
    os.environ["GDESK_CAFETERIA_CLOCK"] = f"{time.time()},{simulated.timestamp()},{settings.demo_speed}"
    get_settings.cache_clear()
    wiring.reset()

    four_weeks = [(today.date() - timedelta(days=d)).isoformat() for d in range(1, 29)]
    seed_history(wiring.cafeteria_store(), config, four_weeks)

    kinesis = boto3.client("kinesis", region_name=ctx.stack.region)
    put = kinesis_putter(ctx.stack.physical["DensityStream"], kinesis)
    simulator = CameraSimulator(config, put, wiring.cafeteria_clock())
    ctx.spawn("cafeteria-cameras", lambda: simulator.run(ctx.stop, interval=1.0))
    speed = settings.demo_speed
    return [f"구내식당 혼잡도 (cafeteria): {ctx.api_url}/cafeteria",
            f"구내식당 위젯 (portal widget): {ctx.api_url}/cafeteria/widget",
            f"  카메라 시뮬레이터: {settings.demo_start}부터 {speed:g}배속 - 점심 곡선이 약 "
            f"{round(130 / speed)}분 동안 지나갑니다"]
