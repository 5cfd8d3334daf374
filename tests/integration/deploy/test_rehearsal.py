"""The deploy rehearsal against a real moto server over HTTP: the real template reaches
CREATE_COMPLETE; broken references, missing parameters and wrong ARNs are caught."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.deploy.rehearse import Rehearsal, client_factory
from infra.local import moto_server
from infra.local.template import ROOT

pytestmark = pytest.mark.integration

HEADER = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: prod}
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: build/layers/shared, CompatibleRuntimes: [python3.12]}
"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = moto_server.free_port()
    process = moto_server.start_moto(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        moto_server.stop(process)


def rehearse(endpoint: str, tmp_path: Path, text: str | None = None) -> Rehearsal:
    rehearsal = Rehearsal(client=client_factory(endpoint), endpoint=endpoint, is_moto=True,
                          build=tmp_path / "build", timeout=60)
    if text is not None:
        rehearsal.template_path = tmp_path / "template.yaml"
        rehearsal.template_path.write_text(HEADER + text)
    return rehearsal


def test_the_real_template_reaches_create_complete(endpoint: str, tmp_path: Path) -> None:
    rehearsal = rehearse(endpoint, tmp_path)
    rehearsal.keep = True
    result = rehearsal.run()
    assert result.ok, result.line()
    assert result.status == "CREATE_COMPLETE"
    cfn = client_factory(endpoint)("cloudformation")
    resources = cfn.describe_stack_resources(StackName=rehearsal.stack_name)["StackResources"]
    types = {r.get("ResourceType") for r in resources}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::LayerVersion"} <= types
    function = next(r["PhysicalResourceId"] for r in resources if r.get("LogicalResourceId") == "ApiFunction")
    config = client_factory(endpoint)("lambda").get_function(FunctionName=function)["Configuration"]
    assert config["Runtime"] == "python3.12" and config["Handler"] == "app.app"
    role = config["Role"].rsplit("/", 1)[1]
    policies = client_factory(endpoint)("iam").list_role_policies(RoleName=role)["PolicyNames"]
    assert policies, "the SAM policy templates became the role's inline policies"
    assert "AWS::ApiGateway::Stage" in result.not_emulated
    assert result.line().startswith("rehearsal OK: CREATE_COMPLETE")


def test_a_broken_reference_is_reported_before_anything_is_created(endpoint: str, tmp_path: Path) -> None:
    result = rehearse(endpoint, tmp_path, """
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-${NoSuchParameter}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.app
      Runtime: python3.12
      Layers: [!Ref SharedLayer]
      Environment: {Variables: {QUEUE: !GetAtt MissingQueue.Arn}}
""").run()
    assert not result.ok
    assert result.status == "CHECK_FAILED"
    assert "Sub ${NoSuchParameter} is not declared" in result.reason
    assert "GetAtt MissingQueue is not a resource" in result.reason


def test_a_parameter_without_a_value_is_reported(endpoint: str, tmp_path: Path) -> None:
    rehearsal = rehearse(endpoint, tmp_path, "  Queue: {Type: AWS::SQS::Queue}\n")
    assert rehearsal.template_path is not None
    rehearsal.template_path.write_text(rehearsal.template_path.read_text().replace(
        "Parameters:\n", "Parameters:\n  WebhookSecretArn: {Type: String}\n"))
    result = rehearsal.run()
    assert not result.ok
    assert "WebhookSecretArn" in result.reason


def test_a_wrong_arn_fails_the_stack_on_the_emulator(endpoint: str, tmp_path: Path) -> None:
    result = rehearse(endpoint, tmp_path, """
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !Sub "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:no-such-dlq"
        maxReceiveCount: 3
""").run()
    assert not result.ok, result.line()
    assert result.line().startswith("rehearsal FAILED")


def test_the_command_starts_and_stops_its_own_moto_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env["PYTHONPATH"] = str(ROOT)
    port = moto_server.free_port()
    command = [sys.executable, "-m", "infra.cli", "deploy", "--rehearse", "--aws-port", str(port)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rehearsal OK: CREATE_COMPLETE"), done.stdout
    assert moto_server.port_free(port), "the moto server it started is stopped"


def test_without_rehearse_the_command_says_how_to_deploy(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "infra.cli", "deploy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 2
    assert "sam deploy" in done.stderr
