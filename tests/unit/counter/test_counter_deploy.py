"""The counter's place in the deployment: a least-privilege identity in the template, and none of its
dependencies in a Lambda layer or the function bundle."""

from __future__ import annotations

from pathlib import Path

from infra.local.template import load

ROOT = Path(__file__).resolve().parents[3]


def test_the_counter_identity_may_only_put_records_on_the_density_stream() -> None:
    resources = load()["Resources"]
    policy = resources["CameraCounterPolicy"]["Properties"]["PolicyDocument"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": ["kinesis:PutRecord", "kinesis:PutRecords"],
                                    "Resource": {"Fn::GetAtt": ["DensityStream", "Arn"]}}]
    user = resources["CameraCounterUser"]["Properties"]
    assert user == {"ManagedPolicyArns": [{"Ref": "CameraCounterPolicy"}]}  # no inline policy, no login
    assert not [k for k, r in resources.items() if r["Type"] == "AWS::IAM::AccessKey"]  # no key in the stack
    granted = [k for k, r in resources.items() if "CameraCounterPolicy" in str(r.get("Properties", {}))]
    assert granted == ["CameraCounterUser"]


def test_the_stack_tells_the_operator_the_stream_and_the_user() -> None:
    outputs = load()["Outputs"]
    assert outputs["DensityStreamName"]["Value"] == {"Ref": "DensityStream"}
    assert outputs["CameraCounterUserName"]["Value"] == {"Ref": "CameraCounterUser"}


def test_opencv_stays_out_of_the_lambda_layers_and_bundle() -> None:
    # (numpy may be in a layer: the AI secretary's meaning signal uses it; OpenCV never is)
    from infra.deploy.package import APP_BUNDLE

    assert "gdesk_counter" not in APP_BUNDLE
    for requirements in (ROOT / "layers").rglob("requirements*.txt"):
        assert "opencv" not in requirements.read_text(encoding="utf-8").lower(), requirements
