"""The photos resources in template.yaml: private encrypted storage, the S3 → SQS → function path
with a DLQ, least-privilege policies, expiry, and routes identical to the app's and the spec's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.local.template import load

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(load(ROOT / "template.yaml")["Resources"])


def test_table_is_on_demand_encrypted_recoverable_with_ttl(resources: dict[str, Any]) -> None:
    props = resources["PhotosTable"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_bucket_is_private_encrypted_expiring_and_notifies_the_queue(resources: dict[str, Any]) -> None:
    bucket = resources["PhotosBucket"]
    props = bucket["Properties"]
    block = props["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rule = props["LifecycleConfiguration"]["Rules"][0]
    assert rule["ExpirationInDays"] == {"Ref": "PhotoRetentionDays"} and rule["Status"] == "Enabled"
    (queue,) = props["NotificationConfiguration"]["QueueConfigurations"]
    assert queue["Event"] == "s3:ObjectCreated:*"
    assert queue["Queue"] == {"Fn::GetAtt": ["PhotoEventsQueue", "Arn"]}
    assert queue["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "originals/"}]
    cors = props["CorsConfiguration"]["CorsRules"][0]
    assert "POST" in cors["AllowedMethods"] and "PUT" not in cors["AllowedMethods"]
    assert bucket["DependsOn"] == "PhotoEventsQueuePolicy"  # S3 checks it may send before saving


def test_queue_has_a_dlq_and_outlives_the_function(resources: dict[str, Any]) -> None:
    queue = resources["PhotoEventsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["PhotoEventsDLQ", "Arn"]}
    assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    function = resources["PhotoProcessorFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    statement = resources["PhotoEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def test_processor_is_the_chalice_handler_with_partial_batch_responses(resources: dict[str, Any]) -> None:
    import app

    props = resources["PhotoProcessorFunction"]["Properties"]
    assert props["Handler"] == "app.photo_processor" and callable(app.photo_processor)
    (event,) = props["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    log_group = resources["PhotoProcessorFunctionLogGroup"]["Properties"]
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def _actions(policies: list[Any]) -> list[str]:
    found = []
    for policy in policies:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions = statement["Action"]
            found += actions if isinstance(actions, list) else [actions]
    return found


def test_policies_name_their_actions(resources: dict[str, Any]) -> None:
    processor = _actions(resources["PhotoProcessorFunction"]["Properties"]["Policies"])
    assert processor and not any("*" in a for a in processor)
    assert set(processor) == {"dynamodb:GetItem", "dynamodb:UpdateItem", "s3:GetObject", "s3:DeleteObject",
                              "s3:PutObject"}
    api = _actions(resources["ApiFunction"]["Properties"]["Policies"])
    assert not any("*" in a for a in api)


def test_photo_routes_are_the_same_in_app_template_and_spec(resources: dict[str, Any]) -> None:
    from app import app

    def mine(path: str) -> bool:
        return path == "/photos" or path.startswith(("/photos/", "/photo"))

    in_app = {(path, method) for path, entries in app.routes.items() if mine(path) for method in entries}
    events = resources["ApiFunction"]["Properties"]["Events"].values()
    in_template = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in events
                   if e["Type"] == "Api" and mine(e["Properties"]["Path"])}
    spec = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    in_spec = {(path, method.upper()) for path, item in spec["paths"].items() if mine(path)
               for method in item if method in {"get", "put", "post", "delete", "head"}}
    assert in_app == in_template == in_spec
    assert len(in_app) == 15  # 13 + HEAD on the two pages (issue 16)
