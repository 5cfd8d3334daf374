"""The record that leaves the device: exactly the stream contract's fields, valid by construction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from gdesk_counter.records import RecordError, count_record, encode

KST = timezone(timedelta(hours=9))


def test_a_record_has_the_contract_fields_only() -> None:
    ts = datetime(2026, 11, 25, 12, 3, 10, 250000, KST)
    record = count_record("cam-korean-1", "korean", 14, ts, 0.9312)
    assert record == {"camera_id": "cam-korean-1", "zone": "korean", "count": 14,
                      "ts": "2026-11-25T12:03:10.250+09:00", "confidence": 0.931}
    assert json.loads(encode(record)) == record


def test_the_density_functions_parser_accepts_it() -> None:
    from chalicelib.cafeteria.density import Rejection, load_config_file, parse_record

    config = load_config_file(Path(__file__).parents[3] / "chalicelib/cafeteria/zones.json")
    now = datetime.now(UTC)
    data = encode(count_record("cam-korean-1", "korean", 7, now, 0.8))
    sample = parse_record(data, config, int(now.timestamp() * 1000), 3_600_000)
    assert not isinstance(sample, Rejection), sample


@pytest.mark.parametrize(("args", "message"), [
    (("bad id", "korean", 1), "camera id"),
    (("cam", "Korean", 1), "zone"),
    (("cam", "korean", -1), "count"),
    (("cam", "korean", True), "count"),
    (("cam", "korean", 1.5), "count"),
])
def test_invalid_records_are_refused_before_queueing(args: tuple, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        count_record(*args, datetime.now(UTC), 0.5)


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(RecordError, match="offset"):
        count_record("cam", "korean", 1, datetime(2026, 11, 25, 12, 0), 0.5)


def test_confidence_is_clamped() -> None:
    assert count_record("cam", "korean", 1, datetime.now(UTC), 1.7)["confidence"] == 1.0
    assert count_record("cam", "korean", 1, datetime.now(UTC), -0.2)["confidence"] == 0.0
