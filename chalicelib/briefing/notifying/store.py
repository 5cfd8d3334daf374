"""The notifier's storage: profiles, matches, deliveries, the hourly counter, the digest queue,
feedback, channel secrets, matching statistics and the notify queue. The only module of the
notifier half that touches AWS (port: ``ports.NotifyStorePort``).

Single table (shared with the crawler), keys:

| record | pk | sk | gsi1pk / gsi1sk |
|---|---|---|---|
| profile | ``USER#<user>`` | ``PROFILE`` | ``PROFILES`` / ``<user>`` |
| match | ``USER#<user>`` | ``MATCH#<published_at>#<item>`` | ``UITEM#<user>#<item>`` / ``MATCH`` |
| delivery | ``DELIVERY#<user>#<key>`` | ``DELIVERY`` | |
| hourly counter | ``RATE#<user>`` | ``HOUR#<yyyy-mm-ddThh KST>`` | |
| digest entry | ``DIGESTQ#<user>`` | ``<published_at>#<item>`` | |
| channel secrets | ``USER#<user>`` | ``SECRETS`` | |

Channel secrets are envelope-encrypted: one item per user holds the AES-256-GCM ciphertext of
the JSON, the KMS-wrapped data key (encryption context: the user id and purpose) and a format
version. Only the API (GenerateDataKey, Decrypt) and the notifier (Decrypt) may use the key.

Deliveries are the exactly-once guard: created by a conditional write and leased, so two
concurrent or repeated notifications of one (user, item) cannot both send.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from chalicelib import aws
from chalicelib.aws import plain
from chalicelib.briefing.matching import DocumentFrequencies
from chalicelib.briefing.notifying.ports import Delivery, ProfileChanged, match_key
from chalicelib.briefing.notifying.profiles import Profile
from chalicelib.clock import now_kst
from chalicelib.errors import InvalidField
from chalicelib.settings import BriefingSettings, get_settings

FREQUENCIES_KEY = "matching/frequencies.json"
MATCH_TTL_DAYS = 180
DELIVERY_TTL_DAYS = 30
DIGEST_TTL_DAYS = 14
DAY = 86400

__all__ = ["BriefingStore", "Delivery", "ProfileChanged", "match_key", "open_secrets", "seal_secrets",
           "secrets_context", "SECRETS_FORMAT"]
SECRETS_FORMAT = 1  # the ``version`` of a SECRETS item: AES-256-GCM under a KMS data key
SECRETS_PURPOSE = "briefing-channels"




def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def secrets_context(user_id: str) -> dict[str, str]:
    """KMS encryption context of a user's wrapped data key: a data key (and so the ciphertext it
    seals) cannot be unwrapped for another user or another purpose."""
    return {"user_id": user_id, "purpose": SECRETS_PURPOSE}


def _secrets_aad(user_id: str) -> bytes:
    return f"gdesk/{SECRETS_PURPOSE}/v{SECRETS_FORMAT}/USER#{user_id}".encode()


def seal_secrets(key: bytes, plaintext: bytes, user_id: str) -> tuple[bytes, bytes]:
    """AES-256-GCM with a random 12-byte nonce; the user id is authenticated data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, _secrets_aad(user_id))


def open_secrets(key: bytes, nonce: bytes, ciphertext: bytes, user_id: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key).decrypt(nonce, ciphertext, _secrets_aad(user_id))


class BriefingStore:
    def __init__(self, settings: BriefingSettings | None = None, *, dynamodb: Any = None,
                 s3: Any = None, sqs: Any = None, secrets: Any = None, kms: Any = None,
                 ses: Any = None) -> None:
        self.settings = settings or get_settings().briefing
        self._dynamodb = dynamodb
        self._clients = {"s3": s3, "sqs": sqs, "secretsmanager": secrets, "kms": kms, "ses": ses}

    # -- clients: the ones given, else chalicelib.aws's (created on first use) --------------------

    @property
    def table(self) -> Any:
        return (self._dynamodb or aws.resource("dynamodb")).Table(self.settings.table)

    def _client(self, service: str) -> Any:
        return self._clients[service] or aws.client(service)

    s3 = property(lambda self: self._client("s3"))
    sqs = property(lambda self: self._client("sqs"))
    secretsmanager = property(lambda self: self._client("secretsmanager"))  # the NAVER WORKS secret only
    kms = property(lambda self: self._client("kms"))
    ses = property(lambda self: self._client("ses"))

    # -- profiles -------------------------------------------------------------------------

    def get_profile(self, user_id: str) -> Profile | None:
        item = self.table.get_item(Key={"pk": f"USER#{user_id}", "sk": "PROFILE"},
                                   ConsistentRead=True).get("Item")
        return Profile.from_record(plain(item)) if item else None

    def put_profile(self, profile: Profile, expected_version: int) -> Profile:
        """Write with optimistic locking: ``expected_version`` is the version read (0: new)."""
        from dataclasses import replace

        saved = replace(profile, version=expected_version + 1, updated_at=now_kst().isoformat())
        record = {"pk": f"USER#{profile.user_id}", "sk": "PROFILE", "gsi1pk": "PROFILES",
                  "gsi1sk": profile.user_id, **saved.to_record()}
        condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :v"
        kwargs: dict[str, Any] = {"Item": record, "ConditionExpression": condition}
        if expected_version:
            kwargs["ExpressionAttributeValues"] = {":v": expected_version}
        try:
            self.table.put_item(**kwargs)
        except Exception as exc:
            if _conditional_failed(exc):
                raise ProfileChanged() from exc
            raise
        return saved

    def iter_profiles(self) -> Iterator[Profile]:
        kwargs: dict[str, Any] = {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                                  "ExpressionAttributeValues": {":p": "PROFILES"}}
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                yield Profile.from_record(plain(item))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- channel secrets (envelope-encrypted item per user) ----------------------------------

    def _secrets_key(self, user_id: str) -> dict[str, str]:
        return {"pk": f"USER#{user_id}", "sk": "SECRETS"}

    def get_channel_secrets(self, user_id: str) -> dict[str, dict[str, str]]:
        """The user's channel secrets (channel id → {"secret"} or {"url"}); {} when none."""
        item = self.table.get_item(Key=self._secrets_key(user_id), ConsistentRead=True).get("Item")
        if not item:
            return {}
        if int(item.get("version", 0)) != SECRETS_FORMAT:
            raise RuntimeError(f"channel secrets of an unknown format {item.get('version')!r}")
        plaintext_key = self.kms.decrypt(CiphertextBlob=bytes(item["data_key"]),
                                         KeyId=self.settings.notify.channel_key,
                                         EncryptionContext=secrets_context(user_id))["Plaintext"]
        data = json.loads(open_secrets(plaintext_key, bytes(item["nonce"]),
                                       bytes(item["ciphertext"]), user_id))
        return data if isinstance(data, dict) else {}

    def put_channel_secrets(self, user_id: str, values: dict[str, dict[str, str]]) -> None:
        """Replace the user's channel secrets: a fresh AES-256 data key from KMS per write (bound
        to the user by the encryption context), the JSON sealed with AES-GCM; only the wrapped data
        key is stored. No values: the item is deleted."""
        if not values:
            self.table.delete_item(Key=self._secrets_key(user_id))
            return
        generated = self.kms.generate_data_key(KeyId=self.settings.notify.channel_key, KeySpec="AES_256",
                                               EncryptionContext=secrets_context(user_id))
        payload = json.dumps(values, ensure_ascii=False, sort_keys=True).encode()
        nonce, ciphertext = seal_secrets(generated["Plaintext"], payload, user_id)
        self.table.put_item(Item={**self._secrets_key(user_id), "version": SECRETS_FORMAT,
                                  "kms_key": str(generated.get("KeyId", "")),
                                  "data_key": generated["CiphertextBlob"], "nonce": nonce,
                                  "ciphertext": ciphertext, "updated_at": int(time.time())})

    def get_org_secret(self) -> dict[str, str]:
        secret_id = self.settings.notify.naverworks_secret
        if not secret_id:
            return {}
        data = json.loads(self.secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"] or "{}")
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    # -- matches ---------------------------------------------------------------------------

    def put_match(self, user_id: str, record: dict[str, Any]) -> bool:
        """Store a match once (True: new). A repeated call keeps the first (and its feedback)."""
        item = {
            "pk": f"USER#{user_id}", "sk": match_key(record["published_at"], record["item_id"]),
            "gsi1pk": f"UITEM#{user_id}#{record['item_id']}", "gsi1sk": "MATCH",
            "user_id": user_id, "matched_at": int(time.time()),
            "expires_at": int(time.time()) + MATCH_TTL_DAYS * DAY,
            **{k: (Decimal(str(v)) if isinstance(v, float) else v) for k, v in record.items()},
        }
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def get_match(self, user_id: str, sort_key: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"USER#{user_id}", "sk": sort_key},
                                   ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def find_match(self, user_id: str, item_id: str) -> dict[str, Any] | None:
        page = self.table.query(IndexName="gsi1", KeyConditionExpression="gsi1pk = :p AND gsi1sk = :s",
                                ExpressionAttributeValues={":p": f"UITEM#{user_id}#{item_id}",
                                                           ":s": "MATCH"}, Limit=1)
        items = page.get("Items", [])
        return plain(items[0]) if items else None

    def set_match_status(self, user_id: str, sort_key: str, status: str) -> None:
        self.table.update_item(Key={"pk": f"USER#{user_id}", "sk": sort_key},
                               UpdateExpression="SET #s = :s", ConditionExpression="attribute_exists(pk)",
                               ExpressionAttributeNames={"#s": "status"},
                               ExpressionAttributeValues={":s": status})

    def set_feedback(self, user_id: str, sort_key: str, value: str) -> str | None:
        """Record the feedback; returns the previous value (None: first feedback)."""
        answer = self.table.update_item(
            Key={"pk": f"USER#{user_id}", "sk": sort_key},
            UpdateExpression="SET feedback = :f, feedback_at = :t",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":f": value, ":t": int(time.time())}, ReturnValues="ALL_OLD")
        return answer.get("Attributes", {}).get("feedback")

    def list_matches(self, user_id: str, *, limit: int, cursor: str | None,
                     filters: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
        """The user's matches newest first. The cursor carries only the sort key (the partition is
        always the caller's own), so a cursor cannot reach another user's data."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :m)",
            "ExpressionAttributeValues": {":p": f"USER#{user_id}", ":m": "MATCH#"},
            "ScanIndexForward": False, "Limit": limit,
        }
        clauses, names = [], {}
        for i, (name, value) in enumerate(sorted(filters.items())):
            clauses.append(f"#f{i} = :f{i}")
            names[f"#f{i}"] = name
            kwargs["ExpressionAttributeValues"][f":f{i}"] = value
        if clauses:
            kwargs["FilterExpression"] = " AND ".join(clauses)
            kwargs["ExpressionAttributeNames"] = names
        if cursor:
            kwargs["ExclusiveStartKey"] = {"pk": f"USER#{user_id}", "sk": _decode_cursor(cursor)}
        items: list[dict[str, Any]] = []
        for _ in range(10):  # a filter can leave pages short: read on, a bounded number of times
            page = self.table.query(**kwargs)
            items.extend(plain(i) for i in page.get("Items", []))
            last = page.get("LastEvaluatedKey")
            if not last or len(items) >= limit:
                break
            kwargs["ExclusiveStartKey"] = last
        if len(items) > limit:
            items = items[:limit]
            next_cursor: str | None = _encode_cursor(items[-1]["sk"])
        else:
            next_cursor = _encode_cursor(last["sk"]) if last else None
        return items, next_cursor

    # -- deliveries (exactly once per (user, key)) ---------------------------------------------

    def acquire_delivery(self, user_id: str, key: str, lease_seconds: int = 60) -> Delivery | None:
        """Create or lease the delivery; None when another attempt holds the lease right now.
        A final delivery (sent/held/empty) is returned as is, without a lease: nothing to do."""
        now = int(time.time())
        pk = f"DELIVERY#{user_id}#{key}"
        try:
            answer = self.table.update_item(
                Key={"pk": pk, "sk": "DELIVERY"},
                UpdateExpression="SET lease_until = :l, attempts = if_not_exists(attempts, :z) + :one, "
                                 "#st = if_not_exists(#st, :pending), "
                                 "created_at = if_not_exists(created_at, :n), expires_at = :e",
                ConditionExpression="attribute_not_exists(pk) OR "
                                    "(#st IN (:pending, :failed) AND lease_until < :n)",
                ExpressionAttributeNames={"#st": "state"},
                ExpressionAttributeValues={":l": now + lease_seconds, ":z": 0, ":one": 1,
                                           ":pending": "pending", ":failed": "failed", ":n": now,
                                           ":e": now + DELIVERY_TTL_DAYS * DAY},
                ReturnValues="ALL_NEW")
        except Exception as exc:
            if not _conditional_failed(exc):
                raise
            current = self.table.get_item(Key={"pk": pk, "sk": "DELIVERY"}, ConsistentRead=True).get("Item")
            if current and current.get("state") not in ("pending", "failed"):
                return _delivery(plain(current))
            return None
        return _delivery(plain(answer["Attributes"]))

    def update_delivery(self, user_id: str, key: str, *, state: str | None = None,
                        decided: str | None = None, sent_channel: str | None = None,
                        error: str | None = None, snapshot: Iterable[str] | None = None,
                        release: bool = False) -> None:
        sets: list[str] = []
        adds: list[str] = []
        values: dict[str, Any] = {}
        names: dict[str, str] = {}
        if state:
            sets.append("#st = :st")
            values[":st"], names["#st"] = state, "state"
        if decided:
            sets.append("decided = :d")
            values[":d"] = decided
        if error is not None:
            sets.append("last_error = :err")
            values[":err"] = error[:500]
        if snapshot is not None:
            sets.append("digest_entries = :snap")
            values[":snap"] = list(snapshot)
        if release:
            sets.append("lease_until = :zero")
            values[":zero"] = 0
        if sent_channel:
            adds.append("sent_channels :ch")
            values[":ch"] = {sent_channel}
        expression = ("SET " + ", ".join(sets) if sets else "") + (" ADD " + ", ".join(adds) if adds else "")
        kwargs: dict[str, Any] = {"Key": {"pk": f"DELIVERY#{user_id}#{key}", "sk": "DELIVERY"},
                                  "UpdateExpression": expression.strip(),
                                  "ExpressionAttributeValues": values}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        self.table.update_item(**kwargs)

    def delete_delivery(self, user_id: str, key: str) -> None:
        self.table.delete_item(Key={"pk": f"DELIVERY#{user_id}#{key}", "sk": "DELIVERY"})

    def get_delivery(self, user_id: str, key: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"DELIVERY#{user_id}#{key}", "sk": "DELIVERY"},
                                   ConsistentRead=True).get("Item")
        return plain(item) if item else None

    # -- the hourly cap ---------------------------------------------------------------------

    def reserve_hourly_slot(self, user_id: str, hour: str, cap: int) -> bool:
        """Count one alert in ``hour``; False (and no count) when ``cap`` is already reached."""
        try:
            self.table.update_item(
                Key={"pk": f"RATE#{user_id}", "sk": f"HOUR#{hour}"},
                UpdateExpression="ADD n :one SET expires_at = :e",
                ConditionExpression="attribute_not_exists(n) OR n < :cap",
                ExpressionAttributeValues={":one": 1, ":cap": cap, ":e": int(time.time()) + 2 * DAY})
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    # -- digest queue -------------------------------------------------------------------------

    def add_digest_entry(self, user_id: str, entry: dict[str, Any]) -> None:
        """Idempotent: the same item twice is one entry."""
        self.table.put_item(Item={
            "pk": f"DIGESTQ#{user_id}", "sk": f"{entry['published_at']}#{entry['item_id']}",
            "expires_at": int(time.time()) + DIGEST_TTL_DAYS * DAY,
            **{k: (Decimal(str(v)) if isinstance(v, float) else v) for k, v in entry.items()}})

    def digest_entries(self, user_id: str, limit: int = 50) -> list[dict[str, Any]]:
        page = self.table.query(KeyConditionExpression="pk = :p",
                                ExpressionAttributeValues={":p": f"DIGESTQ#{user_id}"},
                                ScanIndexForward=False, Limit=limit, ConsistentRead=True)
        return [plain(i) for i in page.get("Items", [])]

    def remove_digest_entries(self, user_id: str, sort_keys: Iterable[str]) -> None:
        with self.table.batch_writer() as batch:
            for sk in sort_keys:
                batch.delete_item(Key={"pk": f"DIGESTQ#{user_id}", "sk": sk})

    # -- matching statistics (S3) ---------------------------------------------------------------

    def load_frequencies(self) -> DocumentFrequencies:
        s3 = self.s3
        try:
            body = s3.get_object(Bucket=self.settings.bucket, Key=FREQUENCIES_KEY)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return DocumentFrequencies()
        return DocumentFrequencies.from_dict(json.loads(body))

    def save_frequencies(self, frequencies: DocumentFrequencies) -> None:
        self.s3.put_object(Bucket=self.settings.bucket, Key=FREQUENCIES_KEY,
                           Body=json.dumps(frequencies.to_dict(), ensure_ascii=False).encode("utf-8"),
                           ContentType="application/json")

    # -- the notify queue ----------------------------------------------------------------------

    def enqueue(self, messages: list[dict[str, Any]]) -> None:
        url = self.settings.notify.queue_url
        if not url:
            raise RuntimeError("GDESK_NOTIFY_QUEUE_URL is not set")
        for start in range(0, len(messages), 10):
            entries = [{"Id": str(i), "MessageBody": json.dumps(m, ensure_ascii=False)}
                       for i, m in enumerate(messages[start:start + 10])]
            answer = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
            if answer.get("Failed"):
                raise RuntimeError(f"SQS rejected {len(answer['Failed'])} notifications: "
                                   f"{answer['Failed'][0].get('Message')}")

    def send_email(self, **request: Any) -> Any:
        """E-mail channel: SES ``SendEmail``; botocore errors reach the caller unchanged."""
        return self.ses.send_email(**request)

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        self.sqs.change_message_visibility(QueueUrl=self.settings.notify.queue_url,
                                           ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)


def _delivery(item: dict[str, Any]) -> Delivery:
    return Delivery(state=str(item.get("state", "pending")), attempts=int(item.get("attempts", 0)),
                    decided=item.get("decided"), sent_channels=frozenset(item.get("sent_channels") or ()),
                    snapshot=tuple(item.get("digest_entries") or ()))


def _encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidField("cursor", "'cursor' 값이 올바르지 않습니다.") from exc
    if not value.startswith("MATCH#") or len(value) > 300:
        raise InvalidField("cursor", "'cursor' 값이 올바르지 않습니다.")
    return value
