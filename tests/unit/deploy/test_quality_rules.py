"""Each template quality rule catches a bad template (so the template tests can fail)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.deploy import quality
from infra.deploy.rehearse import cloudformation
from infra.local.template import ROOT

GOOD_FUNCTION = {"Type": "AWS::Serverless::Function", "Properties": {
    "CodeUri": ".", "Handler": "app.app", "Runtime": "python3.12", "Layers": [{"Ref": "SharedLayer"}]}}
SHARED = {"Type": "AWS::Serverless::LayerVersion",
          "Properties": {"ContentUri": "build/layers/shared", "CompatibleRuntimes": ["python3.12"]}}


def template(**resources: Any) -> dict[str, Any]:
    return {"Transform": "AWS::Serverless-2016-10-31", "Parameters": {"LogRetentionDays": {"Type": "Number"}},
            "Resources": resources}


def test_wildcard_actions_and_unneeded_star_resources_are_caught() -> None:
    fn = {"Type": "AWS::Serverless::Function", "Properties": {
        "CodeUri": ".", "Handler": "app.app", "Runtime": "python3.12",
        "Policies": [{"Statement": [
            {"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"},
            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
            {"Effect": "Allow", "Action": ["sqs:SendMessage*"], "Resource": "arn:aws:sqs:x:1:q"}]},
            "AmazonS3FullAccess"]}}
    cfn = cloudformation(template(Fn=fn))
    problems = quality.privilege_problems(cfn)
    assert "FnRole: wildcard action s3:*" in problems
    assert "FnRole: dynamodb:GetItem on Resource '*'" in problems
    assert not any("PutMetricData" in p for p in problems), "an action AWS cannot scope may use '*'"
    assert not any("SendMessage" in p for p in problems), "SAM's own SQSSendMessagePolicy is allowed"
    assert any("AmazonS3FullAccess" in p for p in problems)


def test_a_shared_or_foreign_role_is_caught() -> None:
    cfn = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "A": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "B": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "C": {"Type": "AWS::Lambda::Function", "Properties": {"Role": "arn:aws:iam::1:role/admin"}}}}
    assert quality.role_problems(cfn) == ["B shares the role Role with A",
                                          "C: its role must be made by this stack"]


def test_a_public_or_unencrypted_bucket_is_caught() -> None:
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": False,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "AccessControl": "PublicRead"}}
    assert quality.bucket_problems(template(B=bucket)) == [
        "B: Block Public Access must set all four flags", "B: default encryption (BucketEncryption)",
        "B: must not be public (AccessControl/WebsiteConfiguration)"]


def test_a_table_without_pitr_is_caught() -> None:
    table = {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PROVISIONED"}}
    assert quality.table_problems(template(T=table)) == [
        "T: point-in-time recovery", "T: BillingMode PAY_PER_REQUEST", "T: SSESpecification.SSEEnabled"]


def test_async_sources_without_somewhere_to_fail_are_caught() -> None:
    fn = {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "app.x", "Events": {
        "Q": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Queue", "Arn"]}}},
        "K": {"Type": "Kinesis", "Properties": {"Stream": {"Fn::GetAtt": ["Stream", "Arn"]}}},
        "Cron": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}}}}
    problems = quality.async_source_problems(template(Fn=fn, Queue={"Type": "AWS::SQS::Queue"},
                                                      Stream={"Type": "AWS::Kinesis::Stream"}))
    assert problems == [
        "Fn.Q: Queue needs a RedrivePolicy (dead-letter queue)",
        "Fn.Q: FunctionResponseTypes [ReportBatchItemFailures]",
        "Fn.K: DestinationConfig.OnFailure", "Fn.K: bounded retries (MaximumRetryAttempts)",
        "Fn.Cron: asynchronous invocation needs a DeadLetterConfig, the function's DeadLetterQueue or "
        "EventInvokeConfig OnFailure"]


def test_async_sources_with_dead_letter_queues_pass() -> None:
    fn = {"Type": "AWS::Serverless::Function", "Properties": {
        "Handler": "app.x", "EventInvokeConfig": {"DestinationConfig": {"OnFailure": {"Type": "SQS"}}},
        "Events": {
            "Q": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Queue", "Arn"]},
                                                "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
            "K": {"Type": "Kinesis", "Properties": {"MaximumRetryAttempts": 3, "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}}}},
            "Cron": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}}}}
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {
        "deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}, "maxReceiveCount": 5}}}
    assert quality.async_source_problems(template(Fn=fn, Queue=queue, Dlq={"Type": "AWS::SQS::Queue"})) == []


def test_an_alarm_that_notifies_nobody_is_caught() -> None:
    silent = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Errors"}}
    loud = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "Topic"}]}}
    problems = quality.alarm_problems(template(Silent=silent, Loud=loud))
    assert len(problems) == 1 and problems[0].startswith("Silent: AlarmActions")


def test_a_function_without_its_log_group_or_retention_is_caught() -> None:
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${B}"}}}
    problems = quality.log_problems(template(A=GOOD_FUNCTION, B=GOOD_FUNCTION, BLogs=group))
    assert problems == ["A: one AWS::Logs::LogGroup named /aws/lambda/${A}",
                        "B: log group RetentionInDays !Ref LogRetentionDays"]


def test_layer_rules_catch_a_missing_shared_layer_and_an_unknown_layer() -> None:
    fn = {"Type": "AWS::Serverless::Function", "Properties": {"Layers": [{"Ref": "Other"}]}}
    problems = quality.layer_problems(template(Fn=fn, SharedLayer=SHARED), ROOT)
    assert "Fn: Layers must include !Ref SharedLayer" in problems
    assert "Fn: layer Other is not a layer of this template" in problems
    assert "layers/imaging is not a layer of the template" in problems


def test_layers_from_globals_count_and_a_layer_listed_twice_is_caught() -> None:
    fn = {"Type": "AWS::Serverless::Function", "Properties": {"Layers": [{"Ref": "SharedLayer"}]}}
    bare = {"Type": "AWS::Serverless::Function", "Properties": {}}
    doc = template(Fn=fn, Bare=bare, SharedLayer=SHARED)
    doc["Globals"] = {"Function": {"Layers": [{"Ref": "SharedLayer"}]}}
    problems = quality.layer_problems(doc, ROOT)
    assert "Fn: a layer is listed twice (Globals and the function?)" in problems
    assert not any(p.startswith("Bare:") for p in problems)


def test_handlers_and_function_directories_must_match(tmp_path: Path) -> None:
    (tmp_path / "functions" / "density_stream").mkdir(parents=True)
    (tmp_path / "functions" / "density_stream" / "handler.py").write_text("")
    (tmp_path / "functions" / "orphan").mkdir()
    (tmp_path / "functions" / "orphan" / "handler.py").write_text("")
    fns = {
        "Api": GOOD_FUNCTION,
        "Density": {"Type": "AWS::Serverless::Function",
                    "Properties": {"Handler": "functions/density_stream/handler.handler"}},
        "Gone": {"Type": "AWS::Serverless::Function",
                 "Properties": {"Handler": "functions/gone/handler.handler"}},
        "OnUpload": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "app.on_upload"}},
    }
    problems = quality.handler_problems(template(**fns), {"app.on_upload", "app.crawl"}, tmp_path)
    assert problems == ["Chalice handler app.crawl has no function in the template",
                        "Gone: handler must be functions/<name>/handler.py (got functions.gone.handler)",
                        "functions/orphan/handler.py has no function in the template"]


def test_a_function_in_its_own_code_uri_directory_is_recognised(tmp_path: Path) -> None:
    (tmp_path / "functions" / "x").mkdir(parents=True)
    (tmp_path / "functions" / "x" / "handler.py").write_text("")
    fn = {"Type": "AWS::Serverless::Function",
          "Properties": {"CodeUri": "functions/x", "Handler": "handler.handler"}}
    assert quality.handler_problems(template(X=fn), set(), tmp_path) == []
