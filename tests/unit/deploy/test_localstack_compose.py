"""The LocalStack compose file: pinned image, the services the template needs, loopback only."""

from __future__ import annotations

import yaml

from infra.local.template import ROOT

COMPOSE = yaml.safe_load((ROOT / "infra" / "localstack" / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICE = COMPOSE["services"]["localstack"]


def test_the_image_is_pinned() -> None:
    assert SERVICE["image"] == "localstack/localstack:4.14"


def test_it_runs_every_service_the_template_uses() -> None:
    services = set(SERVICE["environment"]["SERVICES"].split(","))
    assert services == {"s3", "dynamodb", "kinesis", "sqs", "sns", "kms", "ssm", "secretsmanager",
                        "cloudformation", "iam", "sts", "lambda", "events", "logs", "ses", "apigateway",
                        "cloudwatch"}
    from infra.local.template import Stack, load

    # Resources behind a condition that is off by default (the optional WAF) are not created.
    stack = Stack(load())
    created = [r for r in stack.resources.values() if "Condition" not in r or stack.condition(r["Condition"])]
    namespaces = {rtype.split("::")[1].lower() for rtype in
                  (r["Type"] for r in created) if rtype.startswith("AWS::")}
    # AWS::Serverless::Function/LayerVersion are Lambda, AWS::Serverless::Api is API Gateway.
    namespaces = {n for n in namespaces if n != "serverless"} | {"lambda", "apigateway"}
    assert namespaces <= services


def test_the_port_is_bound_to_loopback_only() -> None:
    assert SERVICE["ports"] == ["127.0.0.1:4566:4566"]
