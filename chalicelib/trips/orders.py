"""Trip orders: validation of one order (API body or CSV row) and the HR-export CSV import.

Pure: takes plain values, returns ``TripOrder`` objects or raises ``InvalidField`` naming the
field. Times are wall-clock times in Asia/Seoul unless they carry an explicit offset.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from chalicelib import csvtext
from chalicelib.clock import KST
from chalicelib.errors import InvalidField
from chalicelib.trips.geo import valid_coordinates
from chalicelib.validation import bounded_datetime, finite_float

RADIUS_DEFAULT_M = 300
RADIUS_MIN_M, RADIUS_MAX_M = 50, 5000
MAX_TRIP_DAYS = 31
# A trip lies in a sane window around today: settlement may import last year's orders, planning
# this year's; a trip in year 9999 (or 1999) is a typo or an attack, not an order.
TRIP_WINDOW = timedelta(days=366)
MAX_IMPORT_ROWS = 5000
CSV_COLUMNS = ("employee_id", "name", "department", "destination", "address", "lat", "lon",
               "start", "end", "purpose")
# Korean headers of the HR system's export, accepted as aliases of the columns above.
CSV_ALIASES = {"사번": "employee_id", "직원번호": "employee_id", "성명": "name", "이름": "name",
               "부서": "department", "출장지": "destination", "목적지": "destination", "주소": "address",
               "위도": "lat", "경도": "lon", "시작": "start", "출발": "start", "시작일시": "start",
               "종료": "end", "종료일시": "end", "복귀": "end", "목적": "purpose", "출장목적": "purpose",
               "반경": "radius_m", "radius_m": "radius_m"}
_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class TripOrder:
    trip_id: str
    employee_id: str
    name: str
    department: str
    destination: str
    address: str
    lat: float
    lon: float
    radius_m: int
    start: datetime
    end: datetime
    purpose: str
    source: str = "api"  # api | import
    created_by: str = ""

    def covers_day(self, day: Any) -> bool:
        return self.start.astimezone(KST).date() <= day <= self.end.astimezone(KST).date()


def new_id(prefix: str, length: int = 11) -> str:
    """A random id: a letter, then lower-case letters and digits without look-alikes. It never
    starts with a character that a spreadsheet runs as a formula (the settlement CSV shows it as is)."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def new_trip_id() -> str:
    return new_id("t")


def imported_trip_id(employee_id: str, start: datetime, destination: str, key: bytes) -> str:
    """Deterministic id for an imported order, so importing the same file twice adds nothing.

    Keyed (HMAC-SHA256 with a secret of the deployment): whoever knows an order's employee, start
    and destination still cannot compute its id and probe for it."""
    if not key:
        raise ValueError("imported trip ids need a secret key")
    message = f"{employee_id}|{start.isoformat()}|{destination}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return "t" + "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:11])


def parse_kst(value: Any, name: str, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 date or date-time; naive values are Asia/Seoul wall-clock time."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(name, f"'{name}' 시각이 필요합니다 (예: 2025-05-20T09:00). (required)")
    text = value.strip().replace("Z", "+00:00")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.fromisoformat(text).date()
            return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), KST)
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as exc:
        raise InvalidField(name, f"'{name}' 시각 형식이 올바르지 않습니다: {value[:40]} "
                                 "(예: 2025-05-20T09:00)") from exc
    return bounded_datetime(parsed.replace(tzinfo=KST) if parsed.tzinfo is None else parsed, name)


def _text(data: dict[str, Any], name: str, *, max_len: int, required: bool = True) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(name, f"'{name}' 값이 필요합니다. (required)")
        return ""
    if not isinstance(value, str):
        raise InvalidField(name, f"'{name}' 은(는) 문자열이어야 합니다. (must be a string)")
    value = " ".join(value.split())
    if len(value) > max_len:
        raise InvalidField(name, f"'{name}' 은(는) {max_len}자 이하여야 합니다. (too long)")
    return value


def _number(data: dict[str, Any], name: str, lo: float, hi: float, default: float | None = None) -> float:
    value = data.get(name)
    if value is None or value == "":
        if default is not None:
            return default
        raise InvalidField(name, f"'{name}' 값이 필요합니다. (required)")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError as exc:
            raise InvalidField(name, f"'{name}' 은(는) 숫자여야 합니다: {text[:40]} "
                                     "(must be a number)") from exc
    value = finite_float(value, name)
    if not lo <= value <= hi:
        raise InvalidField(name, f"'{name}' 은(는) {lo:g}~{hi:g} 범위여야 합니다. (out of range)")
    return value


def parse_order(data: dict[str, Any], *, employee_id: str, name: str, department: str,
                trip_id: str | None = None, source: str = "api", created_by: str = "",
                now: datetime | None = None) -> TripOrder:
    """Validate one order; raises ``InvalidField`` for the first bad field. With ``now`` (every
    use case passes it) the trip must also lie within ``TRIP_WINDOW`` of it."""
    destination = _text(data, "destination", max_len=100)
    address = _text(data, "address", max_len=200, required=False)
    lat = _number(data, "lat", -90, 90)
    lon = _number(data, "lon", -180, 180)
    if not valid_coordinates(lat, lon) or (lat == 0 and lon == 0):
        raise InvalidField("lat", "목적지 좌표가 올바르지 않습니다. (invalid coordinates)")
    radius = _number(data, "radius_m", RADIUS_MIN_M, RADIUS_MAX_M, default=RADIUS_DEFAULT_M)
    if radius != int(radius):
        raise InvalidField("radius_m", "'radius_m' 은(는) 정수(미터)여야 합니다. (must be an integer)")
    start = parse_kst(data.get("start"), "start")
    end = parse_kst(data.get("end"), "end", end_of_day=True)
    if end <= start:
        raise InvalidField("end", "종료 시각은 시작 시각보다 뒤여야 합니다. (end must be after start)")
    if end - start > timedelta(days=MAX_TRIP_DAYS):
        raise InvalidField("end", f"출장 기간은 최대 {MAX_TRIP_DAYS}일입니다. (window too long)")
    if now is not None:
        check_window(start, end, now)
    purpose = _text(data, "purpose", max_len=300)
    return TripOrder(
        trip_id=trip_id or new_trip_id(), employee_id=employee_id, name=name, department=department,
        destination=destination, address=address, lat=round(lat, 7), lon=round(lon, 7),
        radius_m=int(radius), start=start.astimezone(KST), end=end.astimezone(KST), purpose=purpose,
        source=source, created_by=created_by or employee_id)


def check_window(start: datetime, end: datetime, now: datetime) -> None:
    if start < now - TRIP_WINDOW:
        raise InvalidField("start", f"출장 시작은 오늘로부터 {TRIP_WINDOW.days}일 이내여야 합니다. "
                                    "(start too far in the past)")
    if end > now + TRIP_WINDOW:
        raise InvalidField("end", f"출장 종료는 오늘로부터 {TRIP_WINDOW.days}일 이내여야 합니다. "
                                  "(end too far in the future)")


# -- CSV import ----------------------------------------------------------------------------------

@dataclass
class RowError:
    line: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class ImportPlan:
    orders: list[tuple[int, TripOrder]] = field(default_factory=list)  # (line, order)
    errors: list[RowError] = field(default_factory=list)


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or CP949/EUC-KR, which Korean HR systems still export."""
    text = csvtext.decode(raw)
    if text is None:
        raise InvalidField("file", "CSV 인코딩을 알 수 없습니다 (UTF-8 또는 CP949). (unknown encoding)")
    return text


def plan_import(text: str, created_by: str, *, id_key: bytes, now: datetime | None = None) -> ImportPlan:
    """Parse the HR export: each row is validated on its own; errors carry the file line number.
    Imported ids are keyed with ``id_key`` (see ``imported_trip_id``).

    A broken header is a file-level error (``InvalidField``): nothing can be imported then.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise InvalidField("file", "빈 CSV 파일입니다. (empty file)") from exc
    except csv.Error as exc:
        raise InvalidField("file", f"CSV 헤더를 읽을 수 없습니다: {exc}") from exc
    columns = [CSV_ALIASES.get(h.strip().lstrip("\ufeff"), h.strip().lstrip("\ufeff").lower())
               for h in header]
    missing = [c for c in CSV_COLUMNS if c not in columns and c != "address"]
    if missing:
        raise InvalidField("file", f"CSV에 필요한 열이 없습니다: {', '.join(missing)} (missing columns)")
    plan = ImportPlan()
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            plan.errors.append(RowError(line, "row", f"CSV 형식 오류: {exc}"))
            break
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if len(plan.orders) + len(plan.errors) >= MAX_IMPORT_ROWS:
            raise InvalidField("file", f"한 번에 최대 {MAX_IMPORT_ROWS}행까지 가져올 수 있습니다. "
                                       "(too many rows)")
        if len(row) != len(columns):
            plan.errors.append(RowError(line, "row",
                                        f"열 개수가 {len(row)}개입니다 ({len(columns)}개 필요)."))
            continue
        data = dict(zip(columns, row, strict=True))
        try:
            order = _row_order(data, created_by, id_key, now)
        except InvalidField as exc:
            plan.errors.append(RowError(line, exc.field or "row", exc.message))
            continue
        if order.trip_id in seen:
            plan.errors.append(RowError(line, "row", f"{seen[order.trip_id]}행과 같은 출장입니다 (중복)."))
            continue
        seen[order.trip_id] = line
        plan.orders.append((line, order))
    return plan


def _row_order(data: dict[str, Any], created_by: str, id_key: bytes, now: datetime | None) -> TripOrder:
    employee_id = (data.get("employee_id") or "").strip()
    if not _EMPLOYEE_ID.match(employee_id):
        raise InvalidField("employee_id", "사번이 올바르지 않습니다. (invalid employee id)")
    name = _text(data, "name", max_len=50)
    department = _text(data, "department", max_len=100)
    order = parse_order(data, employee_id=employee_id, name=name, department=department,
                        trip_id="pending", source="import", created_by=created_by, now=now)
    trip_id = imported_trip_id(employee_id, order.start, order.destination, id_key)
    return TripOrder(**{**order.__dict__, "trip_id": trip_id})
