"""The only module of the trips tool that touches AWS: the trips table, KMS and the taps' nonces.

Table layout (one table, ``pk``/``sk``; every item with personal data has a TTL ``expires_at``):

======================  ============================  ==========================================
pk                      sk                            what
======================  ============================  ==========================================
TRIP#<trip>             TRIP                          trip order (gsi1: EMP#<emp> / T#<start>)
TRIP#<trip>             LAST                          double-tap guard: last proof id and time
PROOF#<proof>           PROOF                         proof: verdict, token, revocation
                                                      (gsi1: TRIP#<trip> / P#<created>,
                                                      gsi2: MONTH#<yyyy-mm> / <created>#<proof>)
PROOF#<proof>           POS                           exact position (TTL: position retention)
PROOF#<proof>           LOG#<time>#<rand>             access log: who verified / read what
ACCESS#<yyyy-mm-dd>     LOG#<time>#<rand>             access log of tokens naming no known proof
EMP#<emp>               PROFILE                       pseudonym, location consent
EMP#<emp>               RECENT                        the traveller's last 10 fixes (speed/repeat flags),
                                                      newest first, and a version (TTL: position)
SIGNKEY                 <kid>                         signing key registry: KMS key, public JWK
DATAKEY                 <dkid>                        wrapped AES-256 data key (TTL: crypto-shredding)
DATAKEY                 CURRENT#<yyyymmdd>            the data key of that day (KST)
======================  ============================  ==========================================

A tap's nonce has its record in the idempotency table (``id`` = ``trips.tap#`` + a digest of
traveller, trip and nonce; the fingerprint of its fix and its proof id; TTL ``expiration``, a day),
written in the same transaction as the proof.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib import aws
from chalicelib.aws import plain
from chalicelib.clock import KST, from_iso, iso
from chalicelib.settings import TripsSettings
from chalicelib.trips import token as jws
from chalicelib.trips.orders import TripOrder
from chalicelib.trips.ports import FixHistoryChanged, SeenTap, TapContext
from chalicelib.trips.verdict import PreviousFix

DAY = 86400
RECENT_FIXES = 10
KEY_CACHE_SECONDS = 60
TAP_SECONDS = DAY  # a nonce's record: its repeats within a day get the same proof
UNKNOWN_KID_REFRESH_SECONDS = 10
SIGNING_PURPOSE_TAG = {"TagKey": "gdesk-purpose", "TagValue": "trips-proof-signing"}


class _KeyCache:
    """What one container remembers about keys between invocations (lives as long as its store)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.signing: dict[str, tuple[float, str, str]] = {}  # alias → (until, kid, key arn)
        self.public: tuple[float, dict[str, dict[str, Any]]] | None = None  # (until, kid → jwk)
        self.public_refreshed = 0.0
        self.registered: dict[str, str] = {}  # key arn → kid, once registered
        self.data_keys: dict[str, tuple[bytes, int]] = {}  # dkid → (plaintext, expires_at)
        self.current_data_key: dict[str, tuple[float, str]] = {}  # yyyymmdd → (until, dkid)
        self.import_keys: dict[str, bytes] = {}  # secret id → HMAC key of imported trip ids

    def clear(self) -> None:
        with self.lock:
            self.signing.clear()
            self.public = None
            self.public_refreshed = 0.0
            self.registered.clear()
            self.data_keys.clear()
            self.current_data_key.clear()
            self.import_keys.clear()


def _ddb(value: Any) -> Any:
    """Python → DynamoDB resource values (floats become Decimals)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _ddb(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_ddb(v) for v in value]
    return value


class TripsStore:
    """The DynamoDB/KMS implementation of ``TripsPort``. Built once per container (``wiring``):
    it keeps the container's key caches, so a new store is a container that remembers nothing."""

    def __init__(self, settings: TripsSettings, dynamodb: Any = None, kms: Any = None,
                 secretsmanager: Any = None) -> None:
        self.settings = settings
        self._secretsmanager = secretsmanager  # only imports need it: made on first use
        self._dynamodb = dynamodb or aws.resource("dynamodb")
        self.table = self._dynamodb.Table(settings.table)
        self.kms = kms or aws.client("kms")
        self._keys = _KeyCache()

    def _client(self) -> Any:
        return self.table.meta.client

    def _expiry(self, days: int, start: datetime | None = None) -> int:
        return int((start or datetime.now(UTC)).timestamp()) + days * DAY

    def _query_all(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**kwargs)
            items += [plain(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- trip orders -----------------------------------------------------------------------------

    def _trip_item(self, order: TripOrder) -> dict[str, Any]:
        return _ddb({
            "pk": f"TRIP#{order.trip_id}", "sk": "TRIP", "gsi1pk": f"EMP#{order.employee_id}",
            "gsi1sk": f"T#{iso(order.start)}#{order.trip_id}", "trip_id": order.trip_id,
            "employee_id": order.employee_id, "name": order.name, "department": order.department,
            "destination": order.destination, "address": order.address, "lat": order.lat,
            "lon": order.lon, "radius_m": order.radius_m, "start": order.start.isoformat(),
            "end": order.end.isoformat(), "purpose": order.purpose, "source": order.source,
            "created_by": order.created_by, "created_at": iso(datetime.now(UTC)),
            "expires_at": self._expiry(self.settings.proof_retention_days, order.end),
        })

    def put_trip(self, order: TripOrder) -> bool:
        """Store a new order; False when an order with this id exists (a re-import)."""
        client = self._client()
        try:
            self.table.put_item(Item=self._trip_item(order), ConditionExpression="attribute_not_exists(pk)")
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete_trip(self, trip_id: str) -> None:
        self.table.delete_item(Key={"pk": f"TRIP#{trip_id}", "sk": "TRIP"})

    def get_trip(self, trip_id: str) -> TripOrder | None:
        item = self.table.get_item(Key={"pk": f"TRIP#{trip_id}", "sk": "TRIP"},
                                   ConsistentRead=True).get("Item")
        return _order(plain(item)) if item else None

    def trips_of(self, employee_id: str) -> list[TripOrder]:
        from boto3.dynamodb.conditions import Key

        items = self._query_all(IndexName="gsi1",
                                KeyConditionExpression=Key("gsi1pk").eq(f"EMP#{employee_id}"))
        return [_order(i) for i in items if i.get("sk") == "TRIP"]

    # -- traveller profile -------------------------------------------------------------------------

    def profile(self, employee_id: str) -> dict[str, Any]:
        """The traveller's profile; creates the random pseudonym on first use (race-safe)."""
        key = {"pk": f"EMP#{employee_id}", "sk": "PROFILE"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        if item and item.get("pseudonym"):
            return plain(item)
        pseudonym = "p" + secrets.token_urlsafe(8)
        client = self._client()
        try:
            self.table.update_item(Key=key, UpdateExpression="SET pseudonym = :p",
                                   ConditionExpression="attribute_not_exists(pseudonym)",
                                   ExpressionAttributeValues={":p": pseudonym})
        except client.exceptions.ConditionalCheckFailedException:
            pass
        return plain(self.table.get_item(Key=key, ConsistentRead=True)["Item"])

    def set_consent(self, employee_id: str, version: str, at: datetime) -> dict[str, Any]:
        self.profile(employee_id)
        self.table.update_item(Key={"pk": f"EMP#{employee_id}", "sk": "PROFILE"},
                               UpdateExpression="SET consent_version = :v, consent_at = :t",
                               ExpressionAttributeValues={":v": version, ":t": iso(at)})
        return self.profile(employee_id)

    def withdraw_consent(self, employee_id: str, at: datetime) -> int:
        """The traveller withdraws location consent: no new proofs, and the exact positions kept
        for them are erased now (their fixes, each proof's stored position, and a mark on each
        proof so that the copy sealed inside its token is no longer opened). Returns how many
        proofs had their position erased. The verdicts stay (expense settlement)."""
        self.profile(employee_id)
        self.table.update_item(
            Key={"pk": f"EMP#{employee_id}", "sk": "PROFILE"},
            UpdateExpression="REMOVE consent_version, consent_at SET consent_withdrawn_at = :t",
            ExpressionAttributeValues={":t": iso(at)})
        proofs = [p for order in self.trips_of(employee_id) for p in self.proofs_of_trip(order.trip_id)
                  if p.get("employee_id") == employee_id and not p.get("position_erased_at")]
        with self.table.batch_writer() as batch:
            batch.delete_item(Key={"pk": f"EMP#{employee_id}", "sk": "RECENT"})
            for proof in proofs:
                batch.delete_item(Key={"pk": f"PROOF#{proof['proof_id']}", "sk": "POS"})
        for proof in proofs:
            self.table.update_item(Key={"pk": f"PROOF#{proof['proof_id']}", "sk": "PROOF"},
                                   UpdateExpression="SET position_erased_at = :t",
                                   ExpressionAttributeValues={":t": iso(at)})
        return len(proofs)

    # -- proofs ------------------------------------------------------------------------------------

    def _tap_key(self, employee_id: str, trip_id: str, nonce: str) -> dict[str, str]:
        """The nonce's record in the idempotency table (its id names no one: a digest)."""
        digest = hashlib.sha256(json.dumps([employee_id, trip_id, nonce]).encode()).hexdigest()
        return {"id": f"trips.tap#{digest}"}

    def _read(self, keys: list[dict[str, Any]], tap_key: dict[str, str]
              ) -> tuple[dict[tuple[str, str], dict[str, Any]], SeenTap | None]:
        """Items of the trips table by (pk, sk) and the nonce's record: one consistent BatchGetItem."""
        trips, taps = self.settings.table, self.settings.idempotency_table
        requests: dict[str, Any] = {trips: {"Keys": keys, "ConsistentRead": True},
                                    taps: {"Keys": [tap_key], "ConsistentRead": True}}
        found: dict[str, list[dict[str, Any]]] = {trips: [], taps: []}
        for _ in range(5):  # unprocessed keys (throttling) are asked again, as DynamoDB advises
            response = self._dynamodb.batch_get_item(RequestItems=requests)
            for table, items in response["Responses"].items():
                found[table] += [plain(i) for i in items]
            requests = response.get("UnprocessedKeys") or {}
            if not requests:
                break
        else:
            raise RuntimeError("BatchGetItem left keys unprocessed five times")
        items = {(i["pk"], i["sk"]): i for i in found[trips]}
        tap = next(iter(found[taps]), None)
        seen = (SeenTap(fix=str(tap["fix"]), proof_id=str(tap["proof_id"]))
                if tap and int(tap.get("expiration", 0)) > time.time() else None)
        return items, seen

    def load_for_tap(self, trip_id: str, employee_id: str, nonce: str) -> TapContext:
        """The order, the traveller's profile and last fixes, the trip's double-tap guard and what
        this nonce already produced, in one round trip."""
        found, seen = self._read([{"pk": f"TRIP#{trip_id}", "sk": "TRIP"},
                                  {"pk": f"EMP#{employee_id}", "sk": "PROFILE"},
                                  {"pk": f"EMP#{employee_id}", "sk": "RECENT"},
                                  {"pk": f"TRIP#{trip_id}", "sk": "LAST"}],
                                 self._tap_key(employee_id, trip_id, nonce))
        trip = found.get((f"TRIP#{trip_id}", "TRIP"))
        profile = found.get((f"EMP#{employee_id}", "PROFILE")) or {}
        if trip and trip["employee_id"] == employee_id and not profile.get("pseudonym"):
            profile = self.profile(employee_id)
        recent = found.get((f"EMP#{employee_id}", "RECENT"))
        return TapContext(order=_order(trip) if trip else None, profile=profile,
                          last=found.get((f"TRIP#{trip_id}", "LAST")), seen=seen,
                          recent=tuple(self._fixes(recent)),
                          recent_version=int(recent["version"]) if recent else 0)

    def _fixes(self, recent: dict[str, Any] | None) -> list[PreviousFix]:
        """The fixes of a RECENT item still within the position retention (its TTL may lag)."""
        if not recent or int(recent.get("expires_at", 0)) < time.time():
            return []
        cutoff = datetime.now(UTC) - timedelta(days=self.settings.position_retention_days)
        fixes = [PreviousFix(float(f["lat"]), float(f["lon"]), from_iso(str(f["at"])))
                 for f in recent["fixes"]]
        return [f for f in fixes if f.at > cutoff]

    def recent_fixes(self, employee_id: str) -> list[PreviousFix]:
        return self._fixes(plain(self.table.get_item(Key={"pk": f"EMP#{employee_id}", "sk": "RECENT"},
                                                     ConsistentRead=True).get("Item")))

    def save_proof(self, proof: dict[str, Any], position: dict[str, Any], double_tap_s: int,
                   fix_fingerprint: str, context: TapContext) -> SeenTap | str | None:
        """Proof, exact position, the traveller's last fixes (this one first), the trip's double-tap
        guard and the nonce's record in one transaction. Returns None when written; else nothing of
        this proof was written and it returns what was there first: the nonce's record (the same
        nonce committed by another request) or the id of the proof that won the double-tap window;
        or raises ``FixHistoryChanged`` when another proof of the traveller was written since
        ``context`` was read (the tap is to be judged again)."""
        created = from_iso(proof["created_at"])
        judged_at = proof["judged_at"]
        pid, trip_id, emp = proof["proof_id"], proof["trip_id"], proof["employee_id"]
        month = created.astimezone(KST).strftime("%Y-%m")
        proof_item = _ddb({**proof, "pk": f"PROOF#{pid}", "sk": "PROOF",
                           "gsi1pk": f"TRIP#{trip_id}", "gsi1sk": f"P#{proof['created_at']}#{pid}",
                           "gsi2pk": f"MONTH#{month}", "gsi2sk": f"{proof['created_at']}#{pid}",
                           "expires_at": self._expiry(self.settings.proof_retention_days, created)})
        position_expiry = self._expiry(self.settings.position_retention_days, created)
        position_item = _ddb({**position, "pk": f"PROOF#{pid}", "sk": "POS", "expires_at": position_expiry})
        fixes = [{"lat": position["lat"], "lon": position["lon"], "at": judged_at}] + [
            {"lat": f.lat, "lon": f.lon, "at": iso(f.at)} for f in context.recent[:RECENT_FIXES - 1]]
        version = context.recent_version
        recent: dict[str, Any] = {"Put": {
            "TableName": self.settings.table,
            "Item": _ddb({"pk": f"EMP#{emp}", "sk": "RECENT", "fixes": fixes, "version": version + 1,
                          "expires_at": position_expiry}),
            # Written over the history this tap was judged against, or not at all.
            "ConditionExpression": "version = :v" if version else "attribute_not_exists(pk)"}}
        if version:
            recent["Put"]["ExpressionAttributeValues"] = {":v": version}
        now = created.timestamp()
        guard = _ddb({"pk": f"TRIP#{trip_id}", "sk": "LAST", "proof_id": pid, "at": now,
                      "expires_at": int(now) + DAY})
        name = self.settings.table
        tap_key = self._tap_key(emp, trip_id, proof["nonce"])
        tap_item = {**tap_key, "fix": fix_fingerprint, "proof_id": pid, "expiration": int(now) + TAP_SECONDS}
        client = self._client()
        try:
            client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.settings.idempotency_table, "Item": tap_item,
                         "ConditionExpression": "attribute_not_exists(id)"}},
                {"Put": {"TableName": name, "Item": guard,
                         "ConditionExpression": "attribute_not_exists(pk) OR #at < :cutoff",
                         "ExpressionAttributeNames": {"#at": "at"},
                         "ExpressionAttributeValues": {":cutoff": _ddb(float(now - double_tap_s))}}},
                {"Put": {"TableName": name, "Item": proof_item,
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": name, "Item": position_item}},
                recent,
            ])
        except client.exceptions.TransactionCanceledException:
            found, seen = self._read([{"pk": f"TRIP#{trip_id}", "sk": "LAST"},
                                      {"pk": f"EMP#{emp}", "sk": "RECENT"}], tap_key)
            if seen is not None:
                return seen
            last = found.get((f"TRIP#{trip_id}", "LAST"))
            if last and last["proof_id"] != pid and float(last["at"]) >= now - double_tap_s:
                return str(last["proof_id"])
            now_version = found.get((f"EMP#{emp}", "RECENT"), {}).get("version", 0)
            if int(now_version) != version:
                raise FixHistoryChanged from None
            raise
        return None

    def get_proof(self, proof_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"PROOF#{proof_id}", "sk": "PROOF"},
                                   ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def get_position(self, proof_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"PROOF#{proof_id}", "sk": "POS"},
                                   ConsistentRead=True).get("Item")
        if not item or int(item.get("expires_at", 0)) < time.time():
            return None  # expired (the TTL sweep may lag behind)
        return plain(item)

    def proofs_of_trip(self, trip_id: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        return self._query_all(IndexName="gsi1", ScanIndexForward=False,
                               KeyConditionExpression=Key("gsi1pk").eq(f"TRIP#{trip_id}"))

    def proofs_of_month(self, month: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        return self._query_all(IndexName="gsi2", KeyConditionExpression=Key("gsi2pk").eq(f"MONTH#{month}"))

    def revoke(self, proof_id: str, by: str, reason: str, at: datetime) -> dict[str, Any] | None:
        """Append-only: ``revoked`` is set once (the revocation in force); every revocation, the
        first included, is appended to ``revocations``."""
        client = self._client()
        entry = {"at": iso(at), "by": by, "reason": reason}
        try:
            result = self.table.update_item(
                Key={"pk": f"PROOF#{proof_id}", "sk": "PROOF"}, ConditionExpression="attribute_exists(pk)",
                UpdateExpression="SET revoked = if_not_exists(revoked, :r), "
                                 "revocations = list_append(if_not_exists(revocations, :none), :one)",
                ExpressionAttributeValues={":r": entry, ":one": [entry], ":none": []},
                ReturnValues="ALL_NEW")
        except client.exceptions.ConditionalCheckFailedException:
            return None
        return plain(result["Attributes"])

    # -- imported trip ids -----------------------------------------------------------------------------

    def import_id_key(self) -> bytes:
        """The HMAC key that derives imported trip ids (Secrets Manager; read once per container)."""
        secret_id = self.settings.import_id_secret
        if not secret_id:
            raise RuntimeError("GDESK_TRIPS_IMPORT_ID_SECRET is not configured")
        with self._keys.lock:
            cached = self._keys.import_keys.get(secret_id)
        if cached is None:
            secrets_manager = self._secretsmanager or aws.client("secretsmanager")
            cached = str(secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"]).encode()
            with self._keys.lock:
                self._keys.import_keys[secret_id] = cached
        return cached

    # -- access log (위치정보법 §16②) ----------------------------------------------------------------

    def log_access(self, proof_id: str | None, entry: dict[str, Any], at: datetime) -> None:
        stamp = iso(at)
        pk = f"PROOF#{proof_id}" if proof_id else f"ACCESS#{at.astimezone(KST).date().isoformat()}"
        self.table.put_item(Item=_ddb({
            **entry, "pk": pk, "sk": f"LOG#{stamp}#{secrets.token_hex(3)}", "at": stamp,
            "proof_id": proof_id or "", "expires_at": self._expiry(self.settings.proof_retention_days, at)}))

    def access_log(self, proof_id: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        return self._query_all(KeyConditionExpression=Key("pk").eq(f"PROOF#{proof_id}")
                               & Key("sk").begins_with("LOG#"))

    # -- signing keys ------------------------------------------------------------------------------

    def current_signing_key(self) -> tuple[str, str]:
        """(kid, KMS key ARN) of the key the alias points at; registered in the JWKS on first use."""
        alias = self.settings.signing_key_alias
        now = time.monotonic()
        cache = self._keys
        with cache.lock:
            cached = cache.signing.get(alias)
        if cached and cached[0] > now:
            return cached[1], cached[2]
        arn = self.kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
        with cache.lock:
            kid = cache.registered.get(arn)
        if kid is None:  # a key's public half never changes: register it once per container
            kid = self._register(arn)
            with cache.lock:
                cache.registered[arn] = kid
        with cache.lock:
            cache.signing[alias] = (now + KEY_CACHE_SECONDS, kid, arn)
        return kid, arn

    def _register(self, key_arn: str, status: str = "active") -> str:
        jwk = jws.public_jwk(self.kms.get_public_key(KeyId=key_arn)["PublicKey"])
        client = self._client()
        try:
            self.table.put_item(Item={"pk": "SIGNKEY", "sk": jwk["kid"], "key_arn": key_arn, "jwk": jwk,
                                      "status": status, "created_at": iso(datetime.now(UTC))},
                                ConditionExpression="attribute_not_exists(pk)")
        except client.exceptions.ConditionalCheckFailedException:
            pass
        return jwk["kid"]

    def sign_jws(self, claims: dict[str, Any]) -> str:
        """The compact JWS of ``claims`` signed in KMS by the current key (one retry after a rotation
        disabled the key this container had cached)."""
        for attempt in range(2):
            kid, arn = self.current_signing_key()
            message = jws.signing_input(kid, claims)
            try:
                der = self.kms.sign(KeyId=arn, Message=message, MessageType="RAW",
                                    SigningAlgorithm="ECDSA_SHA_256")["Signature"]
                return jws.assemble(message, der)
            except (self.kms.exceptions.DisabledException, self.kms.exceptions.KMSInvalidStateException):
                with self._keys.lock:
                    self._keys.signing.pop(self.settings.signing_key_alias, None)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def public_keys(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """kid → public JWK of every signing key whose tokens may still be unexpired."""
        now = time.monotonic()
        with self._keys.lock:
            cached = self._keys.public
        if cached and cached[0] > now and not refresh:
            return cached[1]
        self.current_signing_key()
        from boto3.dynamodb.conditions import Key

        items = self._query_all(KeyConditionExpression=Key("pk").eq("SIGNKEY"))
        wall = time.time()
        keys = {str(i["sk"]): i["jwk"] for i in items if int(i.get("expires_at", wall + 1)) > wall}
        with self._keys.lock:
            self._keys.public = (now + KEY_CACHE_SECONDS, keys)
            self._keys.public_refreshed = now
        return keys

    def public_key(self, kid: str) -> dict[str, Any] | None:
        keys = self.public_keys()
        if kid not in keys:
            with self._keys.lock:
                last = self._keys.public_refreshed
            if time.monotonic() - last > UNKNOWN_KID_REFRESH_SECONDS:
                keys = self.public_keys(refresh=True)
        return keys.get(kid)

    def signing_keys(self) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        return self._query_all(KeyConditionExpression=Key("pk").eq("SIGNKEY"))

    def rotate_signing_key(self, now: datetime | None = None) -> tuple[str, str]:
        """New KMS key signs from now on; the old one is disabled (it can sign nothing more) and its
        public key stays published until every token it signed has expired. Returns (old, new) kid."""
        now = now or datetime.now(UTC)
        old_kid, old_arn = self.current_signing_key()
        new = self.kms.create_key(Description="G-Desk trip proof token signing (ES256)",
                                  KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY",
                                  Tags=[SIGNING_PURPOSE_TAG])["KeyMetadata"]
        new_kid = self._register(new["Arn"])
        self.kms.update_alias(AliasName=self.settings.signing_key_alias, TargetKeyId=new["KeyId"])
        retire_until = self._expiry(self.settings.proof_retention_days + 1, now)
        self.table.update_item(Key={"pk": "SIGNKEY", "sk": old_kid},
                               UpdateExpression="SET #s = :s, retired_at = :r, expires_at = :e",
                               ExpressionAttributeNames={"#s": "status"},
                               ExpressionAttributeValues={":s": "retired", ":r": iso(now),
                                                          ":e": retire_until})
        self.kms.disable_key(KeyId=old_arn.rsplit("/", 1)[-1])  # moto accepts only the bare key id here
        self._keys.clear()
        return old_kid, new_kid

    # -- data keys ---------------------------------------------------------------------------------

    def current_data_key(self, now: datetime) -> tuple[str, bytes]:
        """(dkid, AES-256 key) of ``now``'s day in KST, created on first use (race-safe).

        One key per day: deleting its wrapped copy (TTL = end of the day + position retention)
        makes every position sealed under it unreadable - crypto-shredding, within a day."""
        day = now.astimezone(KST).strftime("%Y%m%d")
        with self._keys.lock:
            cached = self._keys.current_data_key.get(day)
        if cached and cached[0] > time.monotonic():
            key = self.data_key(cached[1])
            if key is not None:
                return cached[1], key
        pointer = self.table.get_item(Key={"pk": "DATAKEY", "sk": f"CURRENT#{day}"},
                                      ConsistentRead=True).get("Item")
        dkid = str(pointer["dkid"]) if pointer else self._new_data_key(day, now, replace=False)
        key = self.data_key(dkid)
        if key is None:
            raise RuntimeError(f"data key {dkid} is missing")
        with self._keys.lock:
            self._keys.current_data_key[day] = (time.monotonic() + KEY_CACHE_SECONDS * 5, dkid)
        return dkid, key

    def _new_data_key(self, day: str, now: datetime, replace: bool) -> str:
        generated = self.kms.generate_data_key(KeyId=self.settings.data_key_alias, KeySpec="AES_256")
        dkid = "k" + day[2:] + secrets.token_urlsafe(3)
        day_end = datetime.combine(now.astimezone(KST).date() + timedelta(days=1), datetime.min.time(), KST)
        expires = self._expiry(self.settings.position_retention_days, day_end)
        pointer: dict[str, Any] = {"Put": {
            "TableName": self.settings.table,
            "Item": _ddb({"pk": "DATAKEY", "sk": f"CURRENT#{day}", "dkid": dkid, "expires_at": expires})}}
        if not replace:
            pointer["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        key_item = {"Put": {"TableName": self.settings.table, "Item": _ddb({
            "pk": "DATAKEY", "sk": dkid, "blob": generated["CiphertextBlob"], "day": day,
            "created_at": iso(now), "expires_at": expires})}}
        client = self._client()
        try:
            client.transact_write_items(TransactItems=[pointer, key_item])
        except client.exceptions.TransactionCanceledException:
            item = self.table.get_item(Key={"pk": "DATAKEY", "sk": f"CURRENT#{day}"}, ConsistentRead=True)
            return str(item["Item"]["dkid"])
        with self._keys.lock:
            self._keys.data_keys[dkid] = (generated["Plaintext"], expires)
        return dkid

    def rotate_data_key(self, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        dkid = self._new_data_key(now.astimezone(KST).strftime("%Y%m%d"), now, replace=True)
        self._keys.clear()
        return dkid

    def data_key(self, dkid: str) -> bytes | None:
        """The plaintext data key, or None when it was never made or has been shredded."""
        with self._keys.lock:
            cached = self._keys.data_keys.get(dkid)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        item = self.table.get_item(Key={"pk": "DATAKEY", "sk": dkid}, ConsistentRead=True).get("Item")
        if not item or int(item.get("expires_at", 0)) < time.time():
            return None  # shredded (the TTL sweep may lag behind the expiry)
        blob = item["blob"]
        plaintext = self.kms.decrypt(CiphertextBlob=getattr(blob, "value", blob),
                                     KeyId=self.settings.data_key_alias)["Plaintext"]
        with self._keys.lock:
            if len(self._keys.data_keys) > 256:
                self._keys.data_keys.clear()
            self._keys.data_keys[dkid] = (plaintext, int(item["expires_at"]))
        return plaintext


def _order(item: dict[str, Any]) -> TripOrder:
    return TripOrder(
        trip_id=item["trip_id"], employee_id=item["employee_id"], name=item.get("name", ""),
        department=item.get("department", ""), destination=item["destination"],
        address=item.get("address", ""), lat=float(item["lat"]), lon=float(item["lon"]),
        radius_m=int(item["radius_m"]), start=datetime.fromisoformat(item["start"]),
        end=datetime.fromisoformat(item["end"]), purpose=item.get("purpose", ""),
        source=item.get("source", "api"), created_by=item.get("created_by", ""))

