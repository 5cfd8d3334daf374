"""Every use case of the trips tool against the in-memory store (no network, milliseconds)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.auth import User
from chalicelib.clock import KST
from chalicelib.errors import Conflict, Forbidden, InvalidField, NotFound
from chalicelib.trips import service
from chalicelib.trips import token as jws
from chalicelib.trips.inputs import CONSENT_VERSION, Tap, parse_consent, parse_tap
from tests.fakes.trips import FakeTripsStore, expire_tap_window

BASE = "https://gdesk.example.kr"
TRAVELLER = User(id="E1001", name="김민준", department="도로관리과", roles=("employee",))
COLLEAGUE = User(id="E1002", name="이서연", department="복지정책과", roles=("employee",))
AUDITOR = User(id="A2001", name="최감사", department="감사위원회", roles=("employee", "auditor"))
ADMIN = User(id="M9001", name="관리자", department="정보화담당관", roles=("employee", "admin"))
OFFICE = (35.2383, 128.6925)


@pytest.fixture
def st() -> FakeTripsStore:
    return FakeTripsStore()


def _trip(st: FakeTripsStore, user: User = TRAVELLER, hours_ago: float = 2, **overrides: Any
          ) -> dict[str, Any]:
    start = datetime.now(UTC).astimezone(KST) - timedelta(hours=hours_ago)
    body = {"destination": "경상남도청", "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 300,
            "start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat(),
            "purpose": "도로 정비 현장 점검", **overrides}
    return service.create_trip(st, user, body)


def _tap(lat: float = 35.2386, lon: float = 128.6929, **extra: Any) -> Tap:
    return parse_tap({"lat": lat, "lon": lon, "accuracy_m": 12.0, "nonce": secrets.token_urlsafe(12),
                      "captured_at": datetime.now(UTC).isoformat(), **extra})


def _proof(st: FakeTripsStore, user: User = TRAVELLER, **tap: Any) -> dict[str, Any]:
    trip = _trip(st, user)
    service.give_consent(st, user, CONSENT_VERSION)
    return service.create_proof(st, user, trip["trip_id"], _tap(**tap), BASE)


# -- trip orders ---------------------------------------------------------------------------------

def test_create_trip_stores_the_order_of_the_signed_in_user(st: FakeTripsStore) -> None:
    view = _trip(st)
    order = st.get_trip(view["trip_id"])
    assert order is not None and order.employee_id == "E1001" and order.name == "김민준"
    assert view["destination"] == "경상남도청" and view["radius_m"] == 300 and view["source"] == "api"


def test_create_trip_rejects_a_bad_order_and_stores_nothing(st: FakeTripsStore) -> None:
    with pytest.raises(InvalidField) as caught:
        _trip(st, lat=0, lon=0)
    assert caught.value.field == "lat" and st.trips == {}


def test_my_trips_orders_today_upcoming_past_and_shows_consent(st: FakeTripsStore) -> None:
    past = _trip(st, hours_ago=24 * 5)
    upcoming = _trip(st, hours_ago=-24 * 3)
    today = _trip(st)
    _trip(st, COLLEAGUE)
    listed = service.my_trips(st, TRAVELLER)
    assert [t["trip_id"] for t in listed["trips"]] == [today["trip_id"], upcoming["trip_id"], past["trip_id"]]
    assert [t["today"] for t in listed["trips"]] == [True, False, False]
    assert listed["trips"][0]["last_proof"] is None
    assert listed["consent"] is None and listed["consent_version"] == CONSENT_VERSION
    assert listed["retention"] == {"position_days": 90, "proof_days": 1825}


def test_give_consent_records_version_and_time(st: FakeTripsStore) -> None:
    result = service.give_consent(st, TRAVELLER, parse_consent({"version": CONSENT_VERSION, "agree": True}))
    assert result["consent"]["version"] == CONSENT_VERSION and result["consent"]["at"]
    assert service.my_trips(st, TRAVELLER)["consent"] == result["consent"]
    with pytest.raises(InvalidField) as caught:
        parse_consent({"version": CONSENT_VERSION, "agree": False})
    assert caught.value.field == "agree"


def test_withdraw_consent_stops_proofs_and_erases_the_positions_but_keeps_the_verdict(
        st: FakeTripsStore) -> None:
    earlier = _proof(st)  # _proof gives consent first
    other = _proof(st, COLLEAGUE)
    assert service.withdraw_consent(st, TRAVELLER) == {"consent": None, "positions_erased": 1}
    assert service.my_trips(st, TRAVELLER)["consent"] is None
    with pytest.raises(Forbidden, match="동의"):
        service.create_proof(st, TRAVELLER, earlier["trip_id"], _tap(), BASE)
    assert st.get_position(earlier["proof_id"]) is None and st.recent_fixes(TRAVELLER.id) == []
    record = service.verify(st, earlier["token"], AUDITOR, "10.0.0.3")["record"]
    assert record["position"] is None and record["stored_position"] is None
    assert "철회" in record["position_note"]
    assert record["verdict"]["passed"] is True  # kept for the settlement
    assert st.get_position(other["proof_id"]) is not None  # a colleague's proofs are untouched
    assert service.withdraw_consent(st, TRAVELLER)["positions_erased"] == 0  # again: nothing left


# -- one tap ---------------------------------------------------------------------------------------

def test_create_proof_signs_a_token_that_verifies(st: FakeTripsStore) -> None:
    result = _proof(st)
    assert result["repeated"] is False and result["verdict"]["passed"] is True
    assert result["verify_url"] == f"{BASE}/verify#{result['token']}"
    assert result["qr_png"] == f"/proofs/{result['proof_id']}/qr.png"
    assert service.check_token(st, result["token"]).valid
    position = st.get_position(result["proof_id"])
    assert position is not None and position["lat"] == pytest.approx(35.2386)
    listed = service.my_trips(st, TRAVELLER)["trips"][0]
    assert listed["last_proof"]["proof_id"] == result["proof_id"]


def test_create_proof_far_away_is_a_failed_but_signed_proof(st: FakeTripsStore) -> None:
    result = _proof(st, lat=35.10, lon=128.60)
    assert result["verdict"]["passed"] is False and result["verdict"]["within_radius"] is False
    assert service.check_token(st, result["token"]).valid


def test_create_proof_needs_consent_and_ones_own_trip(st: FakeTripsStore) -> None:
    trip = _trip(st)
    with pytest.raises(Forbidden, match="동의"):
        service.create_proof(st, TRAVELLER, trip["trip_id"], _tap(), BASE)
    service.give_consent(st, COLLEAGUE, CONSENT_VERSION)
    with pytest.raises(NotFound, match="출장을 찾을 수 없습니다"):  # like an unknown trip (issue 15)
        service.create_proof(st, COLLEAGUE, trip["trip_id"], _tap(), BASE)
    with pytest.raises(NotFound):
        service.create_proof(st, TRAVELLER, "tnosuchtrip", _tap(), BASE)
    assert st.proofs == {}


def test_a_second_tap_within_the_window_returns_the_first_proof(st: FakeTripsStore) -> None:
    first = _proof(st)
    again = service.create_proof(st, TRAVELLER, first["trip_id"], _tap(), BASE)
    assert again["repeated"] is True and again["proof_id"] == first["proof_id"]
    expire_tap_window(st, first["trip_id"])
    later = service.create_proof(st, TRAVELLER, first["trip_id"], _tap(), BASE)
    assert later["repeated"] is False and later["proof_id"] != first["proof_id"]


def _first_tap(st: FakeTripsStore) -> tuple[dict[str, Any], Tap, dict[str, Any]]:
    """A consenting traveller's trip, a tap, and the proof it made."""
    trip = _trip(st)
    service.give_consent(st, TRAVELLER, CONSENT_VERSION)
    tap = _tap()
    return trip, tap, service.create_proof(st, TRAVELLER, trip["trip_id"], tap, BASE)


def _assert_nonce_reused_with_another_fix(st: FakeTripsStore, trip: dict[str, Any], tap: Tap) -> None:
    moved = Tap(nonce=tap.nonce, fix={**tap.fix, "lat": 35.3})
    with pytest.raises(Conflict) as caught:
        service.create_proof(st, TRAVELLER, trip["trip_id"], moved, BASE)
    assert caught.value.code == "nonce_reused"


def test_the_same_nonce_is_idempotent_and_a_reused_nonce_with_another_fix_conflicts(
        st: FakeTripsStore) -> None:
    trip, tap, first = _first_tap(st)
    assert service.create_proof(st, TRAVELLER, trip["trip_id"], tap, BASE) == first
    _assert_nonce_reused_with_another_fix(st, trip, tap)


def test_the_same_nonce_sent_twice_at_once_makes_one_proof_and_one_answer(
        st: FakeTripsStore, monkeypatch: pytest.MonkeyPatch) -> None:
    trip, tap, first = _first_tap(st)
    # A second request that read before the first one committed: it signs a proof of its own, loses
    # the nonce in the transaction and answers with the first proof.
    read = st.load_for_tap
    monkeypatch.setattr(st, "load_for_tap", lambda *args: dataclasses.replace(
        read(*args), last=None, seen=None, recent=(), recent_version=0))
    assert service.create_proof(st, TRAVELLER, trip["trip_id"], tap, BASE) == first
    assert list(st.proofs) == [first["proof_id"]]
    _assert_nonce_reused_with_another_fix(st, trip, tap)


def test_a_tap_is_judged_again_when_another_proof_of_the_traveller_was_written_meanwhile(
        st: FakeTripsStore, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _proof(st, lat=35.23912, lon=128.69311)
    other_trip = _trip(st)
    # The second tap read the traveller's history before the first proof was written.
    read, stale = st.load_for_tap, [True]

    def load(*args: Any) -> Any:
        context = read(*args)
        if stale.pop() if stale else False:
            return dataclasses.replace(context, recent=(), recent_version=0)
        return context

    monkeypatch.setattr(st, "load_for_tap", load)
    tap = _tap(lat=35.23912, lon=128.69311)
    second = service.create_proof(st, TRAVELLER, other_trip["trip_id"], tap, BASE)
    assert "repeated_fix" in second["verdict"]["flags"] and first["verdict"]["flags"] == []
    assert len(st.proofs) == 2 and st.fix_versions[TRAVELLER.id] == 2


def test_a_tap_still_in_progress_is_a_conflict(st: FakeTripsStore, monkeypatch: pytest.MonkeyPatch) -> None:
    trip = _trip(st)
    service.give_consent(st, TRAVELLER, CONSENT_VERSION)
    tap = _tap()
    service.create_proof(st, TRAVELLER, trip["trip_id"], tap, BASE)
    monkeypatch.setattr(st, "get_proof", lambda proof_id: None)  # its nonce is taken, its proof not readable
    with pytest.raises(Conflict) as caught:
        service.create_proof(st, TRAVELLER, trip["trip_id"], tap, BASE)
    assert caught.value.code == "in_progress"


def test_an_offline_fix_older_than_a_day_is_refused(st: FakeTripsStore) -> None:
    trip = _trip(st)
    service.give_consent(st, TRAVELLER, CONSENT_VERSION)
    old = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    with pytest.raises(InvalidField) as caught:
        service.create_proof(st, TRAVELLER, trip["trip_id"], _tap(delayed=True, captured_at=old), BASE)
    assert caught.value.field == "captured_at" and st.proofs == {}


def test_proof_for_viewer_is_the_traveller_or_an_auditor(st: FakeTripsStore) -> None:
    proof = _proof(st)
    assert service.proof_for_viewer(st, TRAVELLER, proof["proof_id"])["token"] == proof["token"]
    assert service.proof_for_viewer(st, AUDITOR, proof["proof_id"])["proof_id"] == proof["proof_id"]
    with pytest.raises(NotFound):
        service.proof_for_viewer(st, COLLEAGUE, proof["proof_id"])
    with pytest.raises(NotFound):
        service.proof_for_viewer(st, TRAVELLER, "vnosuchproof")


# -- verification ----------------------------------------------------------------------------------

def test_check_token_refuses_a_tampered_token(st: FakeTripsStore) -> None:
    token = _proof(st)["token"]
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert service.check_token(st, token).valid
    assert not service.check_token(st, tampered).valid
    assert not service.check_token(st, "not-a-token").valid


def test_verify_shows_the_summary_to_anyone_and_the_record_to_auditors_and_logs_both(
        st: FakeTripsStore) -> None:
    proof = _proof(st)
    public = service.verify(st, proof["token"], None, "10.0.0.1")
    assert public["valid"] is True and public["summary"]["proof_id"] == proof["proof_id"]
    assert "record" not in public
    audited = service.verify(st, proof["token"], AUDITOR, "10.0.0.2")
    record = audited["record"]
    assert record["traveller"]["name"] == "김민준" and record["position"]["lat"] == pytest.approx(35.2386)
    actions = [(pid, e["action"], e["who"]) for pid, e in st.access]
    assert actions == [(proof["proof_id"], "verify", "anonymous"), (proof["proof_id"], "verify", "A2001"),
                       (proof["proof_id"], "position", "A2001")]


def test_verify_refuses_a_token_for_an_unknown_proof(st: FakeTripsStore) -> None:
    proof = _proof(st)
    claims = jws.b64url_decode(proof["token"].split(".")[1])
    forged = st.sign_jws({**json.loads(claims), "jti": "vneverissued"})
    result = service.verify(st, forged, None, "10.0.0.1")
    assert result["valid"] is False and "등록되지 않은 증빙" in result["reasons"][0]
    assert st.access[-1][0] is None  # logged under the day, not under a proof


def test_revoke_makes_the_token_invalid(st: FakeTripsStore) -> None:
    proof = _proof(st)
    revoked = service.revoke(st, ADMIN, proof["proof_id"], "중복 청구")
    assert revoked["revoked"]["by"] == "M9001"
    result = service.verify(st, proof["token"], None, "10.0.0.1")
    assert result["valid"] is False
    assert result["reasons"][0].startswith("관리자가 취소한 증빙입니다: 중복 청구")
    with pytest.raises(NotFound):
        service.revoke(st, ADMIN, "vnosuchproof", "없음")


def test_jwks_publishes_the_signing_keys(st: FakeTripsStore) -> None:
    keys = service.jwks(st)["keys"]
    assert [k["kid"] for k in keys] == [st.jwk["kid"]] and keys[0]["alg"] == "ES256"
    assert "d" not in keys[0]


# -- evidence, export, import ------------------------------------------------------------------------

def test_evidence_sheet_for_the_traveller_and_auditors_only(st: FakeTripsStore) -> None:
    proof = _proof(st)
    html = service.evidence(st, TRAVELLER, proof["trip_id"], BASE)
    assert "경상남도청" in html and "<svg" in html
    assert "<svg" in service.evidence(st, AUDITOR, proof["trip_id"], BASE)
    with pytest.raises(NotFound):
        service.evidence(st, COLLEAGUE, proof["trip_id"], BASE)


def test_evidence_pdf_is_a_pdf(st: FakeTripsStore) -> None:
    proof = _proof(st)
    pdf = service.evidence_pdf(st, TRAVELLER, proof["trip_id"], BASE)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    with pytest.raises(NotFound):
        service.evidence_pdf(st, TRAVELLER, "tnosuchtrip", BASE)


def test_export_month_lists_the_months_proofs_with_their_orders(st: FakeTripsStore) -> None:
    proof = _proof(st)
    month = datetime.now(UTC).astimezone(KST).strftime("%Y-%m")
    rows = list(csv.DictReader(io.StringIO(service.export_month(st, month).decode("utf-8-sig"))))
    assert len(rows) == 1 and proof["proof_id"] in rows[0].values()
    assert list(csv.DictReader(io.StringIO(service.export_month(st, "2001-01").decode("utf-8-sig")))) == []


_DAY = [(datetime.now(UTC).astimezone(KST) + timedelta(days=n)).strftime("%Y-%m-%d") for n in (2, 3, 4)]
IMPORT = ("employee_id,name,department,destination,lat,lon,start,end,purpose\n"  # days near today
          f"E1002,이서연,복지정책과,함안군청,35.2723,128.4064,{_DAY[0]}T09:00,{_DAY[0]}T18:00,협의\n"
          f"E1002,이서연,복지정책과,통영시청,34.8544,128.4331,{_DAY[1]}T09:00,{_DAY[1]}T18:00,점검\n"
          f"E1002,이서연,복지정책과,어딘가,95,128.4,{_DAY[2]}T09:00,{_DAY[2]}T18:00,오류\n").encode()


def test_import_trips_writes_valid_rows_reports_bad_ones_and_skips_existing(st: FakeTripsStore) -> None:
    dry = service.import_trips(st, IMPORT, "M9001", dry_run=True)
    assert dry["valid_rows"] == 2 and dry["imported"] == 0 and st.trips == {}
    report = service.import_trips(st, IMPORT, "M9001")
    assert report["imported"] == 2 and [e["line"] for e in report["errors"]] == [4]
    assert {o.destination for o in st.trips_of("E1002")} == {"함안군청", "통영시청"}
    again = service.import_trips(st, IMPORT, "M9001")
    assert again["imported"] == 0 and again["already_imported_lines"] == [2, 3]


def test_import_trips_is_all_or_nothing_when_a_write_fails(st: FakeTripsStore) -> None:
    st.fail_put_after = 1
    with pytest.raises(ConnectionError):
        service.import_trips(st, IMPORT, "M9001")
    assert st.trips == {}


# -- issue 15 -----------------------------------------------------------------------------------------

def test_tokens_not_signed_by_our_keys_leave_no_access_log(st: FakeTripsStore) -> None:
    proof = _proof(st)
    header, payload, _ = proof["token"].split(".")
    for token in ("garbage", "a.b.c", f"{header}.{payload}.{'A' * 86}"):
        assert service.verify(st, token, None, "10.0.0.1")["valid"] is False
    assert st.access == []
    assert service.verify(st, proof["token"], None, "10.0.0.1")["valid"] is True
    assert [p for p, _ in st.access] == [proof["proof_id"]]


def test_a_second_revocation_is_added_to_the_history_and_changes_nothing_else(st: FakeTripsStore) -> None:
    proof = _proof(st)
    first = service.revoke(st, ADMIN, proof["proof_id"], "중복 청구")
    second = service.revoke(st, ADMIN, proof["proof_id"], "다른 사유")
    assert second["revoked"] == first["revoked"] and second["already_revoked"] is True
    assert [r["reason"] for r in second["revocations"]] == ["중복 청구", "다른 사유"]


def test_an_auditor_gets_no_record_when_the_sealed_part_does_not_open(st: FakeTripsStore) -> None:
    proof = _proof(st)
    claims = json.loads(jws.b64url_decode(proof["token"].split(".")[1]))
    dkid, _, blob = claims["pd"].partition(".")
    altered = bytearray(jws.b64url_decode(blob))
    altered[-1] ^= 1
    st.proofs[proof["proof_id"]]["token"] = token = st.sign_jws(
        {**claims, "pd": f"{dkid}.{jws.b64url(bytes(altered))}"})
    result = service.verify(st, token, AUDITOR, "10.0.0.1")
    assert result["valid"] is False and "변조" in result["reasons"][-1] and "record" not in result
