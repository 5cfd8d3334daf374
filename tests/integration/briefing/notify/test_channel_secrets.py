"""Channel secrets at rest: envelope-encrypted in the briefing table (no plaintext in the raw
item), bound to their user by the KMS encryption context, and without a Secrets Manager secret."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.briefing.notifying.store import SECRETS_FORMAT, open_secrets, secrets_context

pytestmark = pytest.mark.integration

HOOK_URL = "https://hooks.slack.com/services/T000/B000/plainXXsecretXX"
HMAC_KEY = "hmac-signing-key-0123456789abcdef"


def _raw_item(user_id: str) -> dict[str, Any]:
    from chalicelib.settings import get_settings

    answer = boto3.client("dynamodb").get_item(TableName=get_settings().briefing.table,
                                               Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "SECRETS"}},
                                               ConsistentRead=True)
    return dict(answer["Item"])


def test_stored_secrets_hold_no_plaintext_and_round_trip(store: Any) -> None:
    user_id = "S" + secrets.token_hex(4)
    values = {"c1": {"url": HOOK_URL}, "c2": {"secret": HMAC_KEY}}
    store.put_channel_secrets(user_id, values)

    item = _raw_item(user_id)
    assert set(item) >= {"pk", "sk", "version", "data_key", "nonce", "ciphertext"}
    assert item["version"] == {"N": str(SECRETS_FORMAT)}
    assert len(item["nonce"]["B"]) == 12
    raw = json.dumps(item, default=lambda b: b.hex() if isinstance(b, bytes) else str(b)).encode()
    blobs = b"".join(v["B"] for v in item.values() if "B" in v)
    for plain in (HOOK_URL, HMAC_KEY, "plainXXsecretXX", "hmac-signing-key"):
        assert plain.encode() not in raw and plain.encode() not in blobs
        assert plain.encode().hex().encode() not in raw
    assert store.get_channel_secrets(user_id) == values

    # A new write re-encrypts under a fresh data key and nonce.
    store.put_channel_secrets(user_id, {"c2": {"secret": HMAC_KEY}})
    again = _raw_item(user_id)
    assert again["nonce"] != item["nonce"] and again["data_key"] != item["data_key"]
    assert store.get_channel_secrets(user_id) == {"c2": {"secret": HMAC_KEY}}

    # No values: nothing is kept.
    store.put_channel_secrets(user_id, {})
    assert store.get_channel_secrets(user_id) == {}
    assert "Item" not in boto3.client("dynamodb").get_item(
        TableName=store.settings.table, Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "SECRETS"}})


def test_a_ciphertext_cannot_be_moved_to_another_user(store: Any) -> None:
    owner, other = "S" + secrets.token_hex(4), "S" + secrets.token_hex(4)
    store.put_channel_secrets(owner, {"c1": {"secret": HMAC_KEY}})
    item = _raw_item(owner)
    kms = boto3.client("kms")

    # KMS refuses to unwrap the data key under another user's encryption context...
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=item["data_key"]["B"], EncryptionContext=secrets_context(other))
    # ...and under the owner's it unwraps a key that opens only the owner's record.
    key = kms.decrypt(CiphertextBlob=item["data_key"]["B"],
                      EncryptionContext=secrets_context(owner))["Plaintext"]
    assert json.loads(open_secrets(key, item["nonce"]["B"], item["ciphertext"]["B"], owner)) == {
        "c1": {"secret": HMAC_KEY}}

    # The owner's item copied under the other user's key cannot be read by the store.
    moved = {**item, "pk": {"S": f"USER#{other}"}}
    boto3.client("dynamodb").put_item(TableName=store.settings.table, Item=moved)
    with pytest.raises(ClientError) as refused:
        store.get_channel_secrets(other)
    assert refused.value.response["Error"]["Code"] == "InvalidCiphertextException"
    assert store.get_channel_secrets(owner) == {"c1": {"secret": HMAC_KEY}}


def test_the_data_keys_come_from_the_stacks_channel_key(store: Any, stack: Any) -> None:
    user_id = "S" + secrets.token_hex(4)
    store.put_channel_secrets(user_id, {"c1": {"secret": HMAC_KEY}})
    kms = boto3.client("kms")
    key_id = stack.physical["BriefingChannelKey"]
    assert store.settings.notify.channel_key == stack.physical["BriefingChannelKeyAlias"]
    assert kms.describe_key(KeyId=store.settings.notify.channel_key)["KeyMetadata"]["KeyId"] == key_id
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert key_id in _raw_item(user_id)["kms_key"]["S"]
    # No per-user Secrets Manager secret is made any more.
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    assert not any(user_id in name for name in names)
