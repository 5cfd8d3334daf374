"""The verdict on one GPS fix against a trip order: pure, deterministic, explained in Korean.

The server's clock decides: the window is judged at the time the server received the fix. Only a
fix the phone kept while offline (``delayed``) is judged at its own timestamp, and that is always
flagged. Flags never block a proof; they are kept in it so that an auditor sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.clock import KST
from chalicelib.trips.geo import format_distance_ko, haversine_m

# Flag names (stable: they appear in tokens, CSV exports and the API).
FLAG_ACCURACY = "accuracy_suspicious"
FLAG_SPEED = "speed_implausible"
FLAG_SKEW = "clock_skew"
FLAG_REPEATED = "repeated_fix"
FLAG_DELAYED = "delayed"
FLAGS = (FLAG_ACCURACY, FLAG_SPEED, FLAG_SKEW, FLAG_REPEATED, FLAG_DELAYED)

# How long a phone may keep an offline fix before sending it.
MAX_DELAY = timedelta(hours=24)


@dataclass(frozen=True)
class Rules:
    accuracy_limit_m: float = 100.0
    min_plausible_accuracy_m: float = 1.0  # phones report ≥ ~3 m; 0 or sub-metre means a fake fix
    max_speed_kmh: float = 300.0
    max_clock_skew_s: float = 300.0


@dataclass(frozen=True)
class Destination:
    lat: float
    lon: float
    radius_m: float
    start: datetime  # aware
    end: datetime  # aware


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float
    captured_at: datetime  # aware; the phone's clock
    delayed: bool = False  # kept offline and sent later


@dataclass(frozen=True)
class PreviousFix:
    lat: float
    lon: float
    at: datetime  # aware; the time the previous proof was judged at


@dataclass(frozen=True)
class Verdict:
    passed: bool
    within_window: bool
    distance_m: float
    within_radius: bool
    accuracy_ok: bool
    judged_at: datetime
    flags: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)  # Korean, failures first, then flags
    message: str = ""  # one Korean line for the phone screen

    def summary(self) -> dict[str, object]:
        return {"passed": self.passed, "within_window": self.within_window,
                "within_radius": self.within_radius, "accuracy_ok": self.accuracy_ok,
                "distance_m": round(self.distance_m), "flags": list(self.flags),
                "reasons": list(self.reasons), "message": self.message,
                "judged_at": self.judged_at.astimezone(KST).isoformat()}


def kst_text(moment: datetime, with_date: bool = True) -> str:
    local = moment.astimezone(KST)
    return local.strftime("%Y-%m-%d %H:%M") if with_date else local.strftime("%H:%M")


def window_text(start: datetime, end: datetime) -> str:
    same_day = start.astimezone(KST).date() == end.astimezone(KST).date()
    return f"{kst_text(start)} ~ {kst_text(end, with_date=not same_day)}"


def _minutes_text(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    if minutes < 60:
        return f"{minutes}분"
    hours, rest = divmod(minutes, 60)
    return f"{hours}시간 {rest}분" if rest else f"{hours}시간"


def evaluate(dest: Destination, fix: Fix, server_now: datetime,
             previous: Sequence[PreviousFix] = (), rules: Rules = Rules()) -> Verdict:
    """Judge ``fix`` for ``dest`` at ``server_now`` (or at the fix's own time when delayed)."""
    judged_at = fix.captured_at if fix.delayed else server_now
    distance = haversine_m(dest.lat, dest.lon, fix.lat, fix.lon)
    within_window = dest.start <= judged_at <= dest.end
    within_radius = distance <= dest.radius_m
    accuracy_ok = fix.accuracy_m <= rules.accuracy_limit_m

    reasons: list[str] = []
    if not within_window:
        when = "출장 시작 전입니다" if judged_at < dest.start else "출장 종료 후입니다"
        reasons.append(f"{when} (출장 시간 {window_text(dest.start, dest.end)}, 한국 시각)")
    if not within_radius:
        reasons.append(f"목적지에서 {format_distance_ko(distance)} 떨어져 있습니다 "
                       f"(허용 반경 {format_distance_ko(dest.radius_m)})")
    if not accuracy_ok:
        reasons.append(f"위치 정확도가 낮습니다 ({format_distance_ko(fix.accuracy_m)}, "
                       f"기준 {format_distance_ko(rules.accuracy_limit_m)} 이하)")

    flags, notes = _flags(fix, judged_at, server_now, previous, rules)
    passed = within_window and within_radius and accuracy_ok
    if passed:
        message = f"출장지 확인: 목적지에서 {format_distance_ko(distance)}, {kst_text(judged_at)} (한국 시각)"
    else:
        message = "출장지 미확인: " + reasons[0]
    return Verdict(passed=passed, within_window=within_window, distance_m=distance,
                   within_radius=within_radius, accuracy_ok=accuracy_ok, judged_at=judged_at,
                   flags=tuple(flags), reasons=tuple(reasons + notes), message=message)


def _flags(fix: Fix, judged_at: datetime, server_now: datetime, previous: Sequence[PreviousFix],
           rules: Rules) -> tuple[list[str], list[str]]:
    flags: list[str] = []
    notes: list[str] = []
    if fix.accuracy_m < rules.min_plausible_accuracy_m:
        flags.append(FLAG_ACCURACY)
        notes.append(f"위치 정확도 값({fix.accuracy_m:g}m)이 비정상적으로 작습니다 (조작 의심)")
    if previous:
        last = max(previous, key=lambda p: p.at)
        seconds = max(abs((judged_at - last.at).total_seconds()), 1.0)
        kmh = haversine_m(last.lat, last.lon, fix.lat, fix.lon) / seconds * 3.6
        if kmh > rules.max_speed_kmh:
            flags.append(FLAG_SPEED)
            notes.append(f"직전 증빙 위치에서의 이동 속도(약 {round(kmh):,}km/h)가 비현실적입니다")
    skew = (fix.captured_at - server_now).total_seconds()
    if not fix.delayed and abs(skew) > rules.max_clock_skew_s:
        flags.append(FLAG_SKEW)
        notes.append(f"단말기 시각이 서버 시각과 {_minutes_text(skew)} 차이 납니다")
    if any(p.lat == fix.lat and p.lon == fix.lon for p in previous):
        flags.append(FLAG_REPEATED)
        notes.append("이전 증빙과 좌표가 소수점까지 완전히 같습니다 (재사용 의심)")
    if fix.delayed:
        flags.append(FLAG_DELAYED)
        notes.append(f"오프라인에서 {kst_text(fix.captured_at)}에 기록되어 "
                     f"{_minutes_text((server_now - fix.captured_at).total_seconds())} 뒤 전송되었습니다 "
                     "(단말기 시각 기준 판정)")
    return flags, notes
