"""The template bootstrap creates every declared resource on the endpoint, over HTTP."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.integration


def _client(service: str) -> Any:
    return boto3.client(service)


def test_every_table_has_the_template_keys_indexes_and_ttl(stack: Any) -> None:
    ddb = _client("dynamodb")
    tables = stack.of_type("AWS::DynamoDB::Table")
    for logical_id, resource in tables.items():
        props = stack.resolve(resource["Properties"])
        description = ddb.describe_table(TableName=stack.physical[logical_id])["Table"]
        assert description["KeySchema"] == props["KeySchema"], logical_id
        declared = {g["IndexName"] for g in props.get("GlobalSecondaryIndexes", [])}
        actual = {g["IndexName"] for g in description.get("GlobalSecondaryIndexes", [])}
        assert declared == actual, logical_id
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            status = ddb.describe_time_to_live(TableName=description["TableName"])["TimeToLiveDescription"]
            assert status["AttributeName"] == ttl["AttributeName"]


def test_every_bucket_exists_with_its_notifications(stack: Any) -> None:
    s3 = _client("s3")
    for logical_id, resource in stack.of_type("AWS::S3::Bucket").items():
        props = stack.resolve(resource.get("Properties", {}))
        name = stack.physical[logical_id]
        s3.head_bucket(Bucket=name)
        declared = props.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
        actual = s3.get_bucket_notification_configuration(Bucket=name).get("QueueConfigurations", [])
        assert sorted(q["Queue"] for q in declared) == sorted(q["QueueArn"] for q in actual)
        if props.get("PublicAccessBlockConfiguration"):
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
            assert block == props["PublicAccessBlockConfiguration"], logical_id
        if props.get("BucketEncryption"):
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
            declared_algorithms = [r["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
                                   for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            actual = [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules]
            assert actual == declared_algorithms, logical_id


def test_every_queue_and_stream_and_key_exists(stack: Any) -> None:
    sqs, kinesis, kms = _client("sqs"), _client("kinesis"), _client("kms")
    for logical_id in stack.of_type("AWS::SQS::Queue"):
        attributes = sqs.get_queue_attributes(QueueUrl=stack.physical[logical_id],
                                              AttributeNames=["All"])["Attributes"]
        declared = stack.resources[logical_id].get("Properties", {})
        if "RedrivePolicy" in declared:
            assert "RedrivePolicy" in attributes, logical_id
    for logical_id in stack.of_type("AWS::Kinesis::Stream"):
        summary = kinesis.describe_stream_summary(StreamName=stack.physical[logical_id])
        assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    for logical_id, resource in stack.of_type("AWS::KMS::Key").items():
        meta = kms.describe_key(KeyId=stack.physical[logical_id])["KeyMetadata"]
        assert meta["KeySpec"] == resource.get("Properties", {}).get("KeySpec", "SYMMETRIC_DEFAULT")
    for resource in stack.of_type("AWS::KMS::Alias").values():
        alias = stack.resolve(resource["Properties"]["AliasName"])
        assert kms.describe_key(KeyId=alias)["KeyMetadata"]["Enabled"]


def test_bootstrap_twice_reuses_what_exists(stack: Any) -> None:
    from infra.local.bootstrap import bootstrap
    from infra.local.template import Stack

    again = Stack(stack.template, name=stack.name, region=stack.region, parameters=stack.parameters)
    bootstrap(again, _client)
    for logical_id in stack.of_type("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue",
                                    "AWS::Kinesis::Stream", "AWS::KMS::Key"):
        assert again.physical[logical_id] == stack.physical[logical_id], logical_id


def test_the_api_serves_health_and_me_over_http(api_url: str, auth_headers: Any) -> None:
    import requests

    assert requests.get(f"{api_url}/health", timeout=5).json() == {"status": "ok"}
    me = requests.get(f"{api_url}/me", headers=auth_headers("E1001"), timeout=5)
    assert me.status_code == 200
    assert me.json() == {"id": "E1001", "name": "김민준", "department": "도로관리과", "roles": ["employee"]}
    missing = requests.get(f"{api_url}/no/such/path", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    anonymous = requests.get(f"{api_url}/me", timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
