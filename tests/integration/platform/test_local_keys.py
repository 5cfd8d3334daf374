"""The local cloud's KMS keys are the same after a restart (issue 15, 19): two moto children started
on the same GDESK_HOME give the Nth P-256 key the same public key (so the proof signing key keeps
its kid); another GDESK_HOME gives other keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local import moto_server

pytestmark = pytest.mark.integration


def _keys(home: Path) -> list[bytes]:
    process, port = moto_server.start_moto_on_any_port(home=str(home))
    try:
        kms: Any = boto3.client("kms", endpoint_url=f"http://127.0.0.1:{port}", region_name="ap-northeast-2",
                                aws_access_key_id="testing", aws_secret_access_key="testing")
        public = []
        for _ in range(2):
            key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
            public.append(kms.get_public_key(KeyId=key)["PublicKey"])
        return public
    finally:
        moto_server.stop(process)


def test_kms_keys_survive_a_restart_of_the_local_cloud(tmp_path: Path) -> None:
    first = _keys(tmp_path / "home")
    again = _keys(tmp_path / "home")
    other = _keys(tmp_path / "other-home")
    assert first == again and first[0] != first[1]
    assert not set(first) & set(other)
    assert (tmp_path / "home" / "local-kms-seed").stat().st_mode & 0o077 == 0  # private to the user


# -- moto's DynamoDB under concurrency (the local cloud's child, infra/local/moto_child.py) --------


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Any:
    process, port = moto_server.start_moto_on_any_port(home=str(tmp_path_factory.mktemp("home")))
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="ap-northeast-2",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    yield client
    moto_server.stop(process)


def test_a_cancelled_transaction_changes_nothing(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "kept"}, "n": {"N": "1"}})
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}}}},
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "kept"}}, "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "x"}}, "ConditionExpression": "pk = :no",
                     "ExpressionAttributeValues": {":no": {"S": "no"}}}},
        ])
    assert "Item" not in dynamodb.get_item(TableName="t", Key={"pk": {"S": "new"}})
    assert dynamodb.get_item(TableName="t", Key={"pk": {"S": "kept"}})["Item"]["n"] == {"N": "1"}
    dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}}}}])
    assert "Item" in dynamodb.get_item(TableName="t", Key={"pk": {"S": "new"}})


def test_concurrent_transactions_and_writes_never_fail(dynamodb: Any) -> None:
    import threading

    failures: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                dynamodb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": f"tx-{n}-{i}"}, "v": {"S": "x" * 200}}}}])
                dynamodb.put_item(TableName="t", Item={"pk": {"S": f"put-{n}-{i}"}})
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures[:3]
    assert dynamodb.scan(TableName="t", Select="COUNT")["Count"] >= 16 * 15 * 2
