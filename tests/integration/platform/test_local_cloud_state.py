"""The local cloud's state (issue 15, 19-21): its KMS keys are the same after a restart (two moto
children on the same GDESK_HOME give the Nth P-256 key the same public key, so the proof signing
key keeps its kid; another GDESK_HOME gives other keys); its DynamoDB takes concurrent transactions
and answers a Query from the partition alone exactly as moto did from the whole table; CLI commands
find it through the record in GDESK_HOME."""

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
    client.create_table(
        TableName="ranged", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")],
        GlobalSecondaryIndexes=[{"IndexName": "byg", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}]}])
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


def test_a_query_answers_from_its_partition_in_order_with_limits_and_pages(dynamodb: Any) -> None:
    for p in ("A", "B", "C"):
        for n in (5, 1, 9, 3, 7):
            dynamodb.put_item(TableName="ranged", Item={"pk": {"S": p}, "sk": {"S": f"FIX#{n}"},
                                                        "g": {"S": f"G{n % 2}"}, "v": {"S": f"{p}{n}"}})
    dynamodb.put_item(TableName="ranged", Item={"pk": {"S": "B"}, "sk": {"S": "PROFILE"}})

    def query(**kwargs: Any) -> dict[str, Any]:
        response: dict[str, Any] = dynamodb.query(TableName="ranged", **kwargs)
        return response

    values = {":p": {"S": "B"}, ":s": {"S": "FIX#"}}
    newest = query(KeyConditionExpression="pk = :p AND begins_with(sk, :s)", ExpressionAttributeValues=values,
                   ScanIndexForward=False, Limit=3)
    assert [i["v"]["S"] for i in newest["Items"]] == ["B9", "B7", "B5"]
    rest = query(KeyConditionExpression="pk = :p AND begins_with(sk, :s)", ExpressionAttributeValues=values,
                 ScanIndexForward=False, ExclusiveStartKey=newest["LastEvaluatedKey"])
    assert [i["v"]["S"] for i in rest["Items"]] == ["B3", "B1"] and "LastEvaluatedKey" not in rest
    whole = query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "B"}})
    assert [i["sk"]["S"] for i in whole["Items"]] == [f"FIX#{n}" for n in (1, 3, 5, 7, 9)] + ["PROFILE"]
    none = query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "Z"}})
    assert none["Items"] == []
    # An index is still answered across partitions; a hash-only table from its one item.
    odd = query(IndexName="byg", KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "G1"}})
    expected = sorted(f"{p}{n}" for p in "ABC" for n in (1, 3, 5, 7, 9))
    assert sorted(i["v"]["S"] for i in odd["Items"]) == expected
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "solo"}, "n": {"N": "7"}})
    solo = dynamodb.query(TableName="t", KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "solo"}})["Items"]
    assert solo == [{"pk": {"S": "solo"}, "n": {"N": "7"}}]


def test_the_moto_child_expires_items_itself_like_dynamodb_ttl(tmp_path: Path) -> None:
    import time

    process, port = moto_server.start_moto_on_any_port(home=str(tmp_path), ttl_seconds=0.2)
    try:
        ddb: Any = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}",
                                region_name="ap-northeast-2", aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        schema = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
        for name in ("with_ttl", "without_ttl"):
            ddb.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=schema,
                AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")])
        ddb.update_time_to_live(TableName="with_ttl",
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
        past, future = str(int(time.time()) - 10), str(int(time.time()) + 3600)
        items = {"gone": {"N": past}, "kept": {"N": future}, "text": {"S": past}, "none": None}
        for table in ("with_ttl", "without_ttl"):
            for sk, ttl in items.items():
                ddb.put_item(TableName=table, Item={"pk": {"S": "P"}, "sk": {"S": sk},
                                                    **({"expires_at": ttl} if ttl else {})})

        def left(table: str) -> list[str]:
            return sorted(i["sk"]["S"] for i in ddb.scan(TableName=table)["Items"])

        deadline = time.monotonic() + 20
        while "gone" in left("with_ttl") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert left("with_ttl") == ["kept", "none", "text"]  # like DynamoDB: a string TTL is ignored
        assert left("without_ttl") == ["gone", "kept", "none", "text"]
    finally:
        moto_server.stop(process)


# -- CLI commands find the running local cloud through GDESK_HOME ---------------------------------


def test_gdesk_crawl_uses_the_endpoint_and_names_the_running_cloud_recorded(
        local_cloud: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from infra.commands.briefing import _use_local_cloud_if_unconfigured
    from infra.local.cloud import LocalCloud, reset_app_caches

    recorded = LocalCloud(home=str(tmp_path), endpoint_url=local_cloud.endpoint_url,
                          stack_name=local_cloud.stack_name, runtime=local_cloud.runtime)
    path = recorded.write_record()
    names = local_cloud.runtime.environment()
    for name in ("AWS_ENDPOINT_URL", "GDESK_BRIEFING_TABLE", "GDESK_BRIEFING_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GDESK_HOME", str(tmp_path))
    reset_app_caches()
    try:
        _use_local_cloud_if_unconfigured()
        assert os.environ["AWS_ENDPOINT_URL"] == local_cloud.endpoint_url  # not :4566
        assert os.environ["GDESK_BRIEFING_TABLE"] == names["GDESK_BRIEFING_TABLE"]
        assert not os.environ["GDESK_BRIEFING_TABLE"].startswith("gdesk-local-")  # the session's stack
    finally:
        path.unlink()
        monkeypatch.undo()
        reset_app_caches()


def test_without_a_running_cloud_gdesk_crawl_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.commands.briefing import _use_local_cloud_if_unconfigured
    from infra.local.cloud import reset_app_caches

    for name in ("AWS_ENDPOINT_URL", "GDESK_BRIEFING_TABLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GDESK_HOME", str(tmp_path))
    (tmp_path / "local-cloud.json").write_text('{"pid": 999999999, "endpoint_url": "http://127.0.0.1:9"}')
    reset_app_caches()
    try:
        with pytest.raises(RuntimeError, match="gdesk up"):
            _use_local_cloud_if_unconfigured()
    finally:
        monkeypatch.undo()
        reset_app_caches()
