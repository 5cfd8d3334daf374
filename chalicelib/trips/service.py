"""Use cases of the trips tool: register orders, one-tap proofs, verification, revocation.

Each function takes a store (the ``TripsPort``), the signed-in user (or None) and typed input
(``inputs.py``), and returns plain values or raises a domain error; the rules themselves live in
``verdict.py`` (judging a fix) and ``token.py`` (the JWS and its sealed part).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.auth import User
from chalicelib.clock import KST, from_iso, iso, now_utc
from chalicelib.errors import Conflict, Forbidden, InvalidField, NotFound
from chalicelib.observability import metrics
from chalicelib.trips import token as jws
from chalicelib.trips import verdict as vd
from chalicelib.trips.inputs import CONSENT_VERSION, Tap
from chalicelib.trips.orders import TripOrder, decode_csv, new_id, parse_order, plan_import
from chalicelib.trips.ports import FixHistoryChanged, SeenTap, TapContext, TripsPort

AUDIT_ROLES = ("auditor", "admin")


# Someone else's trip or proof answers exactly like one that does not exist: a 403 would tell a
# prober which ids are real (issue 15).
NO_SUCH_TRIP = "출장을 찾을 수 없습니다. (no such trip)"
NO_SUCH_PROOF = "증빙을 찾을 수 없습니다. (no such proof)"


def new_proof_id() -> str:
    return new_id("v", 15)  # 75 random bits


def verify_url(base_url: str, token: str) -> str:
    """The QR's content: the verify page with the token in the fragment (never sent to servers)."""
    return f"{base_url}/verify#{token}"


# -- trip orders -------------------------------------------------------------------------------------

def trip_view(order: TripOrder) -> dict[str, Any]:
    return {"trip_id": order.trip_id, "employee_id": order.employee_id, "name": order.name,
            "department": order.department, "destination": order.destination,
            "address": order.address, "lat": order.lat, "lon": order.lon, "radius_m": order.radius_m,
            "start": order.start.isoformat(), "end": order.end.isoformat(), "purpose": order.purpose,
            "source": order.source}


def create_trip(st: TripsPort, user: User, body: dict[str, Any]) -> dict[str, Any]:
    order = parse_order(body, employee_id=user.id, name=user.name, department=user.department,
                        now=datetime.now(UTC))
    st.put_trip(order)
    return trip_view(order)


def my_trips(st: TripsPort, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Today's trips first (by start), then upcoming (soonest first), then past (latest first)."""
    today = (now or now_utc()).astimezone(KST).date()
    orders = st.trips_of(user.id)
    current = sorted((o for o in orders if o.covers_day(today)), key=lambda o: o.start)
    upcoming = sorted((o for o in orders if o.start.astimezone(KST).date() > today), key=lambda o: o.start)
    past = sorted((o for o in orders if o.end.astimezone(KST).date() < today), key=lambda o: o.start,
                  reverse=True)
    trips = []
    for order in current:
        view = {**trip_view(order), "today": True}
        proofs = st.proofs_of_trip(order.trip_id)
        view["last_proof"] = _proof_brief(proofs[0]) if proofs else None
        trips.append(view)
    trips += [{**trip_view(o), "today": False} for o in upcoming + past]
    profile = st.profile(user.id)
    consent = ({"version": profile["consent_version"], "at": profile["consent_at"]}
               if profile.get("consent_at") else None)
    return {"trips": trips, "consent": consent, "consent_version": CONSENT_VERSION,
            "retention": {"position_days": st.settings.position_retention_days,
                          "proof_days": st.settings.proof_retention_days}}


def _proof_brief(proof: dict[str, Any]) -> dict[str, Any]:
    return {"proof_id": proof["proof_id"], "created_at": proof["created_at"],
            "passed": proof["verdict"]["passed"], "message": proof["verdict"]["message"],
            "revoked": bool(proof.get("revoked"))}


def give_consent(st: TripsPort, user: User, version: str) -> dict[str, Any]:
    profile = st.set_consent(user.id, version, now_utc())
    return {"consent": {"version": profile["consent_version"], "at": profile["consent_at"]}}


def withdraw_consent(st: TripsPort, user: User) -> dict[str, Any]:
    """위치정보법: consent can be withdrawn at any time; the positions collected under it go now."""
    erased = st.withdraw_consent(user.id, now_utc())
    return {"consent": None, "positions_erased": erased}


def _own_trip(st: TripsPort, user: User, trip_id: str, *, auditors: bool = False) -> TripOrder:
    order = st.get_trip(trip_id)
    if order is None:
        raise NotFound(NO_SUCH_TRIP)
    if order.employee_id != user.id and not (auditors and any(user.has(r) for r in AUDIT_ROLES)):
        raise NotFound(NO_SUCH_TRIP)
    return order


# -- one tap ----------------------------------------------------------------------------------------

JUDGE_ATTEMPTS = 3  # a tap is judged again when another proof of its traveller was written meanwhile


def create_proof(st: TripsPort, user: User, trip_id: str, tap: Tap, base_url: str) -> dict[str, Any]:
    """One tap → a signed proof. Idempotent per (traveller, trip, nonce): the nonce's record is
    written in the proof's own transaction, so one nonce makes at most one proof and its repeats get
    that proof; a second tap on the same trip within the double-tap window returns the first proof.
    The verdict's speed and repeat flags see the traveller's last fixes as they were when it was
    written: if another of their proofs was written in between, the tap is judged again."""
    for _ in range(JUDGE_ATTEMPTS):
        try:
            return _with_links(_tap(st, user, trip_id, tap), base_url)
        except FixHistoryChanged:
            continue
    raise Conflict("같은 요청을 처리하고 있습니다. 잠시 후 다시 시도하세요. (in progress)",
                   code="in_progress")


def _tap(st: TripsPort, user: User, trip_id: str, tap: Tap) -> dict[str, Any]:
    context = st.load_for_tap(trip_id, user.id, tap.nonce)
    order, profile, last, seen = context.order, context.profile, context.last, context.seen
    if order is None:
        raise NotFound(NO_SUCH_TRIP)
    if order.employee_id != user.id:
        raise NotFound(NO_SUCH_TRIP)
    if not profile.get("consent_at"):
        raise Forbidden("위치정보 수집·이용 동의가 필요합니다. (location consent required)")
    fingerprint = fix_fingerprint(tap.fix)
    if seen is not None:
        return _replay(st, seen, fingerprint)
    window = st.settings.double_tap_seconds
    if last and float(last["at"]) >= time.time() - window:
        earlier = st.get_proof(str(last["proof_id"]))
        if earlier is not None:
            return {**_proof_result(earlier), "repeated": True}
    return _create(st, user, order, profile["pseudonym"], tap, fingerprint, context)


def fix_fingerprint(fix: dict[str, Any]) -> str:
    """The fix a nonce came with, as a digest: the same nonce with another fix is refused."""
    return hashlib.sha256(json.dumps(fix, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _replay(st: TripsPort, seen: SeenTap, fingerprint: str) -> dict[str, Any]:
    """The answer to a nonce that already made its proof: that proof, as it was first answered."""
    if seen.fix != fingerprint:
        raise Conflict("같은 요청 번호(nonce)로 다른 위치가 전송되었습니다. (nonce reused with another fix)",
                       code="nonce_reused")
    proof = st.get_proof(seen.proof_id)
    if proof is None:  # its proof has expired or was never readable: nothing to answer with
        raise Conflict("같은 요청을 처리하고 있습니다. 잠시 후 다시 시도하세요. (in progress)",
                       code="in_progress")
    return {**_proof_result(proof), "repeated": False}


def _create(st: TripsPort, user: User, order: TripOrder, pseudonym: str, tap: Tap,
            fingerprint: str, context: TapContext) -> dict[str, Any]:
    fix_in, nonce = tap.fix, tap.nonce
    now = now_utc()
    captured = from_iso(fix_in["captured_at"])
    if fix_in["delayed"] and not now - vd.MAX_DELAY <= captured <= now + timedelta(minutes=5):
        raise InvalidField("captured_at",
                           "오프라인 기록은 24시간 안에 전송해야 합니다. (delayed fix too old)")
    proof_id = new_proof_id()
    fix = vd.Fix(lat=fix_in["lat"], lon=fix_in["lon"], accuracy_m=fix_in["accuracy_m"],
                 captured_at=captured, delayed=fix_in["delayed"])
    dest = vd.Destination(lat=order.lat, lon=order.lon, radius_m=order.radius_m, start=order.start,
                          end=order.end)
    rules = vd.Rules(accuracy_limit_m=st.settings.accuracy_limit_m)
    verdict = vd.evaluate(dest, fix, now, list(context.recent), rules)
    token = _sign(st, order, proof_id, pseudonym, user, fix, verdict, now)
    proof = {"proof_id": proof_id, "trip_id": order.trip_id, "employee_id": user.id,
             "pseudonym": pseudonym, "created_at": iso(now), "judged_at": iso(verdict.judged_at),
             "delayed": fix.delayed, "nonce": nonce, "verdict": verdict.summary(), "token": token}
    lost = st.save_proof(proof, {**fix_in, "distance_m": round(verdict.distance_m, 1)},
                         st.settings.double_tap_seconds, fingerprint, context)
    if isinstance(lost, SeenTap):  # the same nonce, sent twice at once: the other request's proof
        return _replay(st, lost, fingerprint)
    if lost is not None:  # another tap on this trip committed first: that is the proof
        winner = st.get_proof(lost)
        if winner is None:
            raise Conflict("방금 누른 증빙을 처리하고 있습니다. 잠시 후 다시 시도하세요. (in progress)",
                           code="in_progress")
        return {**_proof_result(winner), "repeated": True}
    return {**_proof_result(proof), "repeated": False}


def _sign(st: TripsPort, order: TripOrder, proof_id: str, pseudonym: str, user: User, fix: vd.Fix,
          verdict: vd.Verdict, now: datetime) -> str:
    iat = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": st.settings.issuer, "iat": iat, "exp": iat + st.settings.proof_retention_days * 86400,
        "jti": proof_id, "trp": order.trip_id, "sub": pseudonym, "fat": int(verdict.judged_at.timestamp()),
        "vd": jws.verdict_bits(verdict.passed, verdict.within_window, verdict.within_radius,
                               verdict.accuracy_ok),
    }
    if verdict.flags:
        claims["fl"] = [jws.FLAG_CODES[f] for f in verdict.flags]
    dkid, key = st.current_data_key(now)
    private = jws.pack_private(fix.lat, fix.lon, fix.accuracy_m, verdict.distance_m, user.id, user.name)
    claims["pd"] = jws.seal(dkid, key, private, jws.aad_for(claims))
    return st.sign_jws(claims)


def _proof_result(proof: dict[str, Any]) -> dict[str, Any]:
    return {"proof_id": proof["proof_id"], "trip_id": proof["trip_id"], "token": proof["token"],
            "created_at": proof["created_at"], "judged_at": proof["judged_at"],
            "delayed": bool(proof.get("delayed")), "verdict": proof["verdict"],
            "revoked": proof.get("revoked")}


def _with_links(result: dict[str, Any], base_url: str) -> dict[str, Any]:
    pid = result["proof_id"]
    return {**result, "verify_url": verify_url(base_url, result["token"]),
            "qr_png": f"/proofs/{pid}/qr.png", "qr_svg": f"/proofs/{pid}/qr.svg"}


def proof_for_viewer(st: TripsPort, user: User, proof_id: str) -> dict[str, Any]:
    proof = st.get_proof(proof_id)
    if proof is None:
        raise NotFound(NO_SUCH_PROOF)
    if proof["employee_id"] != user.id and not any(user.has(r) for r in AUDIT_ROLES):
        raise NotFound(NO_SUCH_PROOF)
    return proof


# -- verification ------------------------------------------------------------------------------------

def check_token(st: TripsPort, token: str, now: float | None = None) -> jws.Checked:
    """Signature and claims only (no table read besides the cached key set, no decryption)."""
    kid = jws.peek_kid(token)
    jwk = st.public_key(kid) if kid else None
    keys = {kid: jws.cached_public_key(kid, jwk["x"], jwk["y"])} if kid and jwk else {}
    return jws.check(token, keys, st.settings.issuer, time.time() if now is None else now)


def verify(st: TripsPort, token: str, viewer: User | None, source_ip: str) -> dict[str, Any]:
    checked = check_token(st, token)
    proof = None
    if checked.valid:
        claims = checked.claims
        proof = st.get_proof(str(claims["jti"]))
        if proof is None:
            checked.fail("등록되지 않은 증빙입니다. (unknown proof)")
        elif proof["trip_id"] != claims["trp"] or proof["token"] != token.strip():
            checked.fail("이 증빙 번호로 발급된 토큰이 아닙니다. (token does not match the proof)")
        elif proof.get("revoked"):
            revoked = proof["revoked"]
            checked.fail(f"관리자가 취소한 증빙입니다: {revoked['reason']} "
                         f"({vd.kst_text(from_iso(revoked['at']))}) (revoked)")
    auditor = viewer is not None and any(viewer.has(r) for r in AUDIT_ROLES)
    # The auditor's record only for a valid token, and only then is anything decrypted.
    record = _record(st, checked, proof) if auditor and proof is not None and checked.valid else None
    proof_id = str(checked.claims.get("jti")) if proof else None
    now = now_utc()
    if not checked.signed:
        # Garbage, forgeries, unknown keys: counted, never stored (anyone could grow a table kept
        # five years). Only tokens signed by our keys leave an access-log item.
        metrics.add_metric(name="ProofVerifyUnsigned", unit="Count", value=1)
    else:
        st.log_access(proof_id, {"action": "verify", "who": viewer.id if viewer else "anonymous",
                                 "roles": list(viewer.roles) if viewer else [], "ip": source_ip,
                                 "valid": checked.valid, "reasons": checked.reasons[:3]}, now)
    result: dict[str, Any] = {"valid": checked.valid, "reasons": checked.reasons,
                              "summary": _summary(checked, proof) if proof else None}
    if record is not None:
        assert viewer is not None
        result["record"] = record
        st.log_access(proof_id, {"action": "position", "who": viewer.id, "roles": list(viewer.roles),
                                 "ip": source_ip, "valid": checked.valid}, now)
    return result


def _summary(checked: jws.Checked, proof: dict[str, Any]) -> dict[str, Any]:
    claims, verdict = checked.claims, proof["verdict"]
    return {"proof_id": claims["jti"], "key_id": checked.header.get("kid"), "issuer": claims["iss"],
            "issued_at": vd.kst_text(datetime.fromtimestamp(claims["iat"], UTC)),
            "judged_at": vd.kst_text(datetime.fromtimestamp(claims["fat"], UTC)),
            **jws.bits_verdict(claims["vd"]),
            "flags": [jws.FLAG_NAMES.get(c, c) for c in claims.get("fl", [])],
            "message": verdict["message"], "reasons": verdict["reasons"], "revoked": proof.get("revoked")}


def _record(st: TripsPort, checked: jws.Checked, proof: dict[str, Any]) -> dict[str, Any] | None:
    """What an auditor sees: the decrypted private part, the stored position and the order.
    None (and ``checked`` failed with the reason) when the sealed part does not open."""
    from cryptography.exceptions import InvalidTag

    claims = checked.claims
    private = None
    try:
        key = st.data_key(jws.sealed_key_id(str(claims.get("pd", ""))))
        if key is not None:
            private = jws.unpack_private(jws.unseal(claims["pd"], key, jws.aad_for(claims)))
    except (InvalidTag, ValueError):  # altered, truncated, or sealed for another proof
        checked.fail("봉인된 위치 정보가 변조되었습니다. (sealed private part altered)")
        return None
    withdrawn = bool(proof.get("position_erased_at"))
    note = ("본인이 위치정보 동의를 철회하여 정확한 위치를 파기했습니다. (erased on withdrawal)" if withdrawn
            else "보존 기간이 지나 정확한 위치는 파기되었습니다. (shredded)")
    order = st.get_trip(proof["trip_id"])
    stored = st.get_position(proof["proof_id"])
    return {
        "traveller": {"employee_id": proof["employee_id"],
                      "name": private["name"] if private else (order.name if order else ""),
                      "department": order.department if order else ""},
        "position": ({k: private[k] for k in ("lat", "lon", "accuracy_m", "distance_m")}
                     if private and not withdrawn else None),
        "position_note": None if private and not withdrawn else note,
        "stored_position": stored and {k: stored.get(k) for k in
                                       ("lat", "lon", "accuracy_m", "altitude", "speed", "heading",
                                        "captured_at", "delayed", "distance_m")},
        "trip": trip_view(order) if order else None,
        "verdict": proof["verdict"], "created_at": proof["created_at"], "judged_at": proof["judged_at"],
        "delayed": bool(proof.get("delayed")), "revoked": proof.get("revoked"),
    }


def revoke(st: TripsPort, admin: User, proof_id: str, reason: str) -> dict[str, Any]:
    """Revocations are history: the first one stays in force (its reason, author and time); a
    later one is added to ``revocations`` and changes nothing else."""
    proof = st.revoke(proof_id, admin.id, reason, now_utc())
    if proof is None:
        raise NotFound(NO_SUCH_PROOF)
    history = proof.get("revocations") or [proof["revoked"]]
    return {"proof_id": proof_id, "revoked": proof["revoked"], "revocations": history,
            "already_revoked": len(history) > 1}


def jwks(st: TripsPort) -> dict[str, Any]:
    return {"keys": list(st.public_keys().values())}


# -- evidence, settlement export, import -------------------------------------------------------------

def _evidence_of(st: TripsPort, user: User, trip_id: str, base_url: str
                 ) -> tuple[TripOrder, list[dict[str, Any]], dict[str, str]]:
    """The order, its proofs (valid first, oldest first) and the verify links of those shown with a QR."""
    from chalicelib.trips import reports

    order = _own_trip(st, user, trip_id, auditors=True)
    proof_list = sorted(st.proofs_of_trip(trip_id), key=lambda p: (bool(p.get("revoked")), p["created_at"]))
    links = {p["proof_id"]: verify_url(base_url, p["token"]) for p in proof_list[:reports.QR_ON_SHEET]}
    return order, proof_list, links


def evidence(st: TripsPort, user: User, trip_id: str, base_url: str) -> str:
    from chalicelib import qr
    from chalicelib.trips import reports

    order, proof_list, links = _evidence_of(st, user, trip_id, base_url)
    svgs = {pid: qr.svg(link) for pid, link in links.items()}
    return reports.evidence_html(order, proof_list, svgs, now_utc(), base_url)


def evidence_pdf(st: TripsPort, user: User, trip_id: str, base_url: str) -> bytes:
    from chalicelib import qr
    from chalicelib.trips import reports

    order, proof_list, links = _evidence_of(st, user, trip_id, base_url)
    pngs = {pid: qr.png(link, scale=4) for pid, link in links.items()}
    return reports.evidence_pdf(order, proof_list, pngs, now_utc(), base_url)


def export_month(st: TripsPort, month: str) -> bytes:
    from chalicelib.trips import reports

    proof_list = sorted(st.proofs_of_month(month), key=lambda p: p["created_at"])
    orders: dict[str, TripOrder | None] = {}
    for proof in proof_list:
        if proof["trip_id"] not in orders:
            orders[proof["trip_id"]] = st.get_trip(proof["trip_id"])
    return reports.proofs_csv([(p, orders[p["trip_id"]]) for p in proof_list])


def import_trips(st: TripsPort, raw: bytes, created_by: str, dry_run: bool = False) -> dict[str, Any]:
    """Import the HR export: invalid rows are reported by line number, every valid row is written;
    if a write fails midway, the rows this run created are removed again (all or nothing), and a
    re-run skips orders that exist (ids are derived from employee, start and destination)."""
    plan = plan_import(decode_csv(raw), created_by, id_key=st.import_id_key(), now=datetime.now(UTC))
    created: list[str] = []
    existing: list[int] = []
    if not dry_run:
        try:
            for line, order in plan.orders:
                if st.put_trip(order):
                    created.append(order.trip_id)
                else:
                    existing.append(line)
        except Exception:
            for trip_id in created:
                st.delete_trip(trip_id)
            raise
    return {"valid_rows": len(plan.orders), "imported": len(created), "already_imported_lines": existing,
            "errors": [e.to_dict() for e in plan.errors], "dry_run": dry_run,
            "trips": [{"line": line, "trip_id": o.trip_id, "employee_id": o.employee_id,
                       "destination": o.destination} for line, o in plan.orders]}
