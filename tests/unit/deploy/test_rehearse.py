"""The rehearsal's offline parts: SAM transform, reference checks, and the moto adapters."""

from __future__ import annotations

from typing import Any

import pytest

from infra.deploy import rehearse
from infra.local.template import load


def test_the_template_transforms_offline_to_cloudformation() -> None:
    cfn = rehearse.cloudformation(load())
    types = {r["Type"] for r in cfn["Resources"].values()}
    assert "AWS::Serverless::Function" not in types
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ApiGateway::RestApi",
            "AWS::Lambda::LayerVersion"} <= types
    assert rehearse.broken_references(cfn) == []


def test_a_sam_error_is_a_rehearsal_error() -> None:
    function = {"Type": "AWS::Serverless::Function", "Properties": {
        "Handler": "app.app", "Runtime": "python3.12", "CodeUri": "s3://b/k",
        "Events": {"E": {"Type": "Nope"}}}}
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": function}}
    with pytest.raises(rehearse.RehearsalError, match="SAM transform failed"):
        rehearse.transform(template, {}, "st")


def test_broken_references_are_listed() -> None:
    cfn: dict[str, Any] = {"Parameters": {"Stage": {"Type": "String"}}, "Conditions": {"IsProd": {}},
                           "Resources": {
        "A": {"Type": "AWS::SQS::Queue", "DependsOn": ["Ghost"], "Condition": "Nope", "Properties": {
            "QueueName": {"Fn::Sub": "${Stage}-${AWS::Region}-${Missing}-${!Literal}"},
            "Other": {"Fn::Sub": ["${Local}-${B.Arn}", {"Local": "x"}]},
            "Tags": [{"Fn::If": ["IsDev", 1, 2]}, {"Ref": "Unknown"}, {"Fn::GetAtt": ["Nowhere", "Arn"]}]}},
        "B": {"Type": "AWS::SQS::Queue"}}}
    assert rehearse.broken_references(cfn) == sorted([
        "Resources.A: Condition Nope is not declared", "Resources.A: DependsOn Ghost is not a resource",
        "Resources.A: GetAtt Nowhere is not a resource", "Resources.A: If IsDev is not a condition",
        "Resources.A: Ref Unknown is not declared", "Resources.A: Sub ${Missing} is not declared"])


def test_parameters_without_a_default_or_value_are_missing() -> None:
    template = {"Parameters": {"A": {"Type": "String"}, "B": {"Type": "String", "Default": ""},
                               "C": {"Type": "String"}}}
    assert rehearse.missing_parameters(template, {"A": "x"}) == ["C"]


def test_the_rest_api_body_becomes_resources_and_methods_for_moto() -> None:
    uri = {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/x/${Fn.Arn}/invocations"}
    op = {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}}
    cfn: dict[str, Any] = {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
            "info": {"title": {"Ref": "AWS::StackName"}},
            "paths": {"/": {"get": op}, "/a/{id}/b": {"get": op, "post": op}}}}},
        "Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}}}}
    notes = rehearse.expand_rest_api_bodies(cfn)
    assert notes == ["Api Body expanded into 3 methods"]
    resources = cfn["Resources"]
    assert resources["Api"]["Properties"] == {"Name": {"Ref": "AWS::StackName"}}
    paths = {r["Properties"]["PathPart"] for r in resources.values()
             if r["Type"] == "AWS::ApiGateway::Resource"}
    assert paths == {"a", "{id}", "b"}
    methods = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Method"]
    assert sorted(m["HttpMethod"] for m in methods) == ["GET", "GET", "POST"]
    integration = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": uri}
    assert all(m["Integration"] == integration for m in methods)
    assert len(resources["Deployment"]["DependsOn"]) == 3


def test_get_att_of_types_moto_lacks_become_placeholders() -> None:
    cfn: dict[str, Any] = {"Resources": {
        "Alarm": {"Type": "AWS::CloudWatch::Alarm"},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
            "Body": {"Fn::Sub": '["${Alarm.Arn}", "${Queue.Arn}", "${AWS::Region}"]'},
            "Other": {"Fn::GetAtt": ["Alarm", "Arn"]}, "Kept": {"Fn::GetAtt": "Queue.Arn"}}}},
        "Outputs": {"A": {"Value": {"Fn::Sub": ["${Alarm.Arn}", {}]}}}}
    notes = rehearse.stub_unsupported_attributes(cfn, {"AWS::SQS::Queue", "AWS::CloudWatch::Dashboard"})
    placeholder = "arn:aws:rehearsal:ap-northeast-2:123456789012:Alarm/Arn"
    board = cfn["Resources"]["Board"]["Properties"]
    assert board["Body"] == {"Fn::Sub": f'["{placeholder}", "${{Queue.Arn}}", "${{AWS::Region}}"]'}
    assert board["Other"] == placeholder and board["Kept"] == {"Fn::GetAtt": "Queue.Arn"}
    assert cfn["Outputs"]["A"]["Value"] == {"Fn::Sub": [placeholder, {}]}
    assert notes == ["GetAtt of 1 resources moto does not create: placeholders"]


def test_kms_key_tags_take_the_kms_api_shape_for_moto() -> None:
    cfn: dict[str, Any] = {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "Tags": [{"Key": "app", "Value": "gdesk"}]}}}}
    assert rehearse.adapt_kms_key_tags(cfn) == ["Tags of 1 KMS keys in the KMS API's shape"]
    assert cfn["Resources"]["Key"]["Properties"]["Tags"] == [{"TagKey": "app", "TagValue": "gdesk"}]


def test_the_result_line() -> None:
    ok = rehearse.Result(True, "CREATE_COMPLETE", created=3, endpoint="http://e",
                         not_emulated={"AWS::X::Y": ["A", "B"]}, adapters=["one"])
    assert ok.line() == ("rehearsal OK: CREATE_COMPLETE, 3 resources created on http://e; not supported by "
                         "the emulator (accepted, not created): AWS::X::Y (2); emulator adapters: one")
    assert rehearse.Result(False, "ROLLBACK_COMPLETE", "Q: bad").line() == \
        "rehearsal FAILED: ROLLBACK_COMPLETE: Q: bad"
