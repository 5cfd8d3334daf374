"""Demo data for the trips tool (see infra/demo/__init__.py for the contract).

Today's trip order for 김민준 (E1001) to 경상남도청, and a finished example: 이서연 (E1002) at
창원시청 with a signed proof, so an auditor has a link to verify right away.
"""

from __future__ import annotations

from datetime import UTC, datetime

from infra.local.demo import DemoContext

GYEONGNAM_OFFICE = (35.2383, 128.6925)
CHANGWON_CITY_HALL = (35.2280, 128.6811)


def _today_order(employee: str, destination: str, address: str, at: tuple[float, float],
                 purpose: str) -> dict[str, object]:
    from chalicelib.clock import KST

    today = datetime.now(UTC).astimezone(KST).date().isoformat()
    return {"employee_id": employee, "destination": destination, "address": address, "lat": at[0],
            "lon": at[1], "radius_m": 300, "start": today, "end": today, "purpose": purpose}


def start(ctx: DemoContext) -> list[str]:
    from chalicelib.auth import User
    from chalicelib.devissuer import DEMO_USERS
    from chalicelib.trips import service as proofs
    from chalicelib.trips.inputs import parse_tap
    from chalicelib.trips.orders import imported_trip_id, parse_order
    from chalicelib.wiring import trips_store

    st = trips_store()
    orders = []
    for employee, destination, address, at, purpose in (
            ("E1001", "경상남도청", "창원시 의창구 중앙대로 300", GYEONGNAM_OFFICE, "도로 보수 현황 보고"),
            ("E1002", "창원시청", "창원시 의창구 중앙대로 151", CHANGWON_CITY_HALL, "복지 사업 협의")):
        name, department, _ = DEMO_USERS[employee]
        data = _today_order(employee, destination, address, at, purpose)
        order = parse_order(data, employee_id=employee, name=name, department=department,
                            trip_id="pending", source="import", created_by="demo")
        order = parse_order(data, employee_id=employee, name=name, department=department,
                            trip_id=imported_trip_id(employee, order.start, destination), source="import",
                            created_by="demo")
        st.put_trip(order)  # idempotent: the same id every run of the same day
        orders.append(order)

    example = orders[1]
    name, department, roles = DEMO_USERS["E1002"]
    traveller = User(id="E1002", name=name, department=department, roles=roles)
    st.set_consent(traveller.id, proofs.CONSENT_VERSION, datetime.now(UTC))
    proof = proofs.create_proof(st, traveller, example.trip_id, parse_tap({
        "lat": 35.22815, "lon": 128.68122, "accuracy_m": 14, "captured_at": datetime.now(UTC).isoformat(),
        "nonce": f"demo-{example.trip_id}"}), ctx.api_url)
    return [
        f"원터치 출장 증빙 (김민준 E1001로 로그인, 오늘 경상남도청 출장): {ctx.api_url}/trip",
        f"출장 증빙 검증 (감사 최감사 A2001로 로그인하면 상세 기록): {ctx.api_url}/verify",
        f"검증 예시 (이서연, 창원시청): {proof['verify_url']}",
        f"증빙서 PDF (이서연 E1002로 로그인 → 출장 카드의 '증빙서 PDF 저장'): {ctx.api_url}/trip",
    ]
