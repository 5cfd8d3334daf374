"""The template parser resolves the intrinsic functions the local cloud needs, like CloudFormation."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.template import Stack, TemplateError, load

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: prod}
  Retention: {Type: Number, Default: 90}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref Retention, "90"]]
  Either: !Or [!Condition IsDev, !Equals [a, b]]
Globals:
  Function:
    Timeout: 15
    Environment:
      Variables:
        GDESK_STAGE: !Ref Stage
        SHARED: global
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.app
      Timeout: 30
      Environment:
        Variables:
          SHARED: mine
          QUEUE: !Ref Queue
          MAYBE: !If [IsDev, dev-only, !Ref AWS::NoValue]
Outputs:
  X: {Value: 1}
"""


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    result = Stack(load(path), name="st", region="ap-northeast-2", account="111122223333")
    result.physical["Queue"] = "https://q/st-Queue"
    result.attributes[("Queue", "Arn")] = "arn:aws:sqs:ap-northeast-2:111122223333:st-Queue"
    return result


def test_short_form_tags_become_long_form(stack: Stack) -> None:
    props = stack.resources["Fn"]["Properties"]["Environment"]["Variables"]
    assert props["QUEUE"] == {"Ref": "Queue"}
    assert props["MAYBE"] == {"Fn::If": ["IsDev", "dev-only", {"Ref": "AWS::NoValue"}]}


def test_ref_to_parameters_pseudo_parameters_and_resources(stack: Stack) -> None:
    assert stack.resolve({"Ref": "Stage"}) == "prod"
    assert stack.resolve({"Ref": "AWS::StackName"}) == "st"
    assert stack.resolve({"Ref": "AWS::Region"}) == "ap-northeast-2"
    assert stack.resolve({"Ref": "AWS::AccountId"}) == "111122223333"
    assert stack.resolve({"Ref": "Queue"}) == "https://q/st-Queue"
    with pytest.raises(TemplateError, match="unknown"):
        stack.resolve({"Ref": "Nope"})


def test_parameters_given_override_defaults(stack: Stack) -> None:
    stack.parameters["Stage"] = "dev"
    assert stack.resolve({"Ref": "Stage"}) == "dev"
    assert stack.condition("IsDev") is True


def test_get_att_in_both_forms(stack: Stack) -> None:
    arn = "arn:aws:sqs:ap-northeast-2:111122223333:st-Queue"
    assert stack.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == arn
    assert stack.resolve({"Fn::GetAtt": "Queue.Arn"}) == arn
    with pytest.raises(TemplateError):
        stack.resolve({"Fn::GetAtt": ["Queue", "Nope"]})


def test_sub(stack: Stack) -> None:
    assert stack.resolve({"Fn::Sub": "${AWS::StackName}-trips"}) == "st-trips"
    arn = "arn:aws:sqs:ap-northeast-2:111122223333:st-Queue"
    assert stack.resolve({"Fn::Sub": "q=${Queue.Arn}"}) == f"q={arn}"
    assert stack.resolve({"Fn::Sub": "${Stage}/${!Literal}"}) == "prod/${Literal}"
    assert stack.resolve({"Fn::Sub": ["${Name}-${AWS::Region}", {"Name": {"Ref": "Stage"}}]}) == \
        "prod-ap-northeast-2"


def test_join_and_select(stack: Stack) -> None:
    assert stack.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, "c"]]}) == "a-prod-c"
    assert stack.resolve({"Fn::Select": [1, ["a", "b", "c"]]}) == "b"


def test_conditions(stack: Stack) -> None:
    assert stack.condition("IsProd") is True
    assert stack.condition("IsDev") is False
    assert stack.condition("Both") is True
    assert stack.condition("Either") is False
    assert stack.resolve({"Fn::If": ["IsProd", "yes", "no"]}) == "yes"
    with pytest.raises(TemplateError):
        stack.condition("Missing")


def test_no_value_removes_keys_and_list_items(stack: Stack) -> None:
    assert stack.resolve({"A": {"Ref": "AWS::NoValue"}, "B": 1}) == {"B": 1}
    assert stack.resolve([1, {"Ref": "AWS::NoValue"}, 2]) == [1, 2]


def test_if_with_no_value_removes_the_key(stack: Stack) -> None:
    """``!If [Cond, x, !Ref AWS::NoValue]`` removes the property when the condition is false."""
    value = {"MAYBE": {"Fn::If": ["IsDev", "dev-only", {"Ref": "AWS::NoValue"}]}, "B": 1}
    assert stack.resolve(value) == {"B": 1}
    assert stack.resolve([{"Fn::If": ["IsDev", "x", {"Ref": "AWS::NoValue"}]}, "y"]) == ["y"]
    stack.parameters["Stage"] = "dev"
    assert stack.resolve(value) == {"MAYBE": "dev-only", "B": 1}


def test_function_environment_merges_globals_and_resolves(stack: Stack) -> None:
    assert stack.function_environment("Fn") == {"GDESK_STAGE": "prod", "SHARED": "mine",
                                                "QUEUE": "https://q/st-Queue"}
    assert stack.function_property("Fn", "Timeout") == 30
    assert stack.function_property("Fn", "MemorySize", 128) == 128


def test_the_real_template_parses_and_declares_the_api_function() -> None:
    template = load()
    assert template["Resources"]["ApiFunction"]["Properties"]["Handler"] == "app.app"


@pytest.mark.parametrize("text", ["Resources: [", "just a string", "Parameters: {}\n"])
def test_a_broken_template_is_a_template_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError):
        load(path)


def test_a_missing_template_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        load(tmp_path / "missing.yaml")
