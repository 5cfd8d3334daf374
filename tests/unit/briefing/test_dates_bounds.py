"""Issue 15, the same class of fault in the crawler: a hostile feed's absurd dates are no date (the
item keeps its crawl time), never an OverflowError that breaks the source's round."""

from __future__ import annotations

import pytest

from chalicelib.briefing import dates


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59",
                                   "0001-01-01", "9999년 12월 31일", "1800.01.01"])
def test_absurd_dates_never_overflow(value: str) -> None:
    moment = dates.parse_any(value)  # None, or a plausible reading of part of the text
    assert moment is None or 1970 <= moment.year <= 2100
    if moment is not None:
        dates.to_kst_iso(moment)
    assert dates.parse_iso(value) is None


def test_plausible_dates_still_parse() -> None:
    moment = dates.parse_any("2026-11-25T12:00:00+09:00")
    assert moment is not None and dates.to_kst_iso(moment) == "2026-11-25T12:00:00+09:00"
    assert dates.parse_any("2026년 11월 25일") is not None
