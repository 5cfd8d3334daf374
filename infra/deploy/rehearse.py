"""The deploy rehearsal: ``gdesk deploy --rehearse``.

1. The SAM template is transformed to CloudFormation offline with aws-sam-translator (the same
   library the ``AWS::Serverless-2016-10-31`` transform runs), with a static map for the AWS
   managed policies a template may name, so no IAM call is made.
2. The result is checked the way CloudFormation checks it before creating anything: every
   ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` variable, ``DependsOn`` and ``Condition`` names something
   the template declares, and every parameter without a default gets a value.
3. The code and layer zips (``make package``'s, or the code zipped on the spot) are uploaded to an
   artifacts bucket on the endpoint, as ``sam deploy`` does, and the stack is created on the
   endpoint's CloudFormation (a moto server started here, or ``AWS_ENDPOINT_URL``) and waited for.

The result is one line: ``CREATE_COMPLETE`` with the resource count and the resource types the
emulator does not create (it accepts and skips them), or the failure with its reason.

Emulator adapters: moto's CloudFormation ignores an ``AWS::ApiGateway::RestApi`` ``Body`` (the
OpenAPI document SAM generates), so the API would have no methods and its deployment would fail.
For moto only, the Body's paths are expanded into ``AWS::ApiGateway::Resource``/``Method`` resources
with the same integrations (which CloudFormation does when it imports the Body) and the Name is
taken from ``info.title``. The adapter is reported in the result line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.deploy.package import BUILD, bundle_files, bundle_name, function_plans, write_zip
from infra.local.template import ROOT, Stack, load

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
# Values for parameters without a default: shaped like the real ones, so ARNs and URLs built
# from them are well-formed.
REHEARSAL_PARAMETERS = {
    "OidcIssuer": "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_Rehearsal",
    "OidcJwksUrl": "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_Rehearsal/.well-known/jwks.json",
}
# AWS managed policies a SAM template may name by name (SAM's policy templates need no lookup).
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}" for path, name in [
        ("service-role/", "AWSLambdaBasicExecutionRole"),
        ("service-role/", "AWSLambdaSQSQueueExecutionRole"),
        ("service-role/", "AWSLambdaKinesisExecutionRole"),
        ("service-role/", "AWSLambdaDynamoDBExecutionRole"),
        ("service-role/", "AWSLambdaVPCAccessExecutionRole"),
        ("", "AWSXRayDaemonWriteAccess"),
        ("", "CloudWatchLambdaInsightsExecutionRolePolicy"),
    ]
}
PSEUDO_PARAMETERS = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
                     "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}


class RehearsalError(RuntimeError):
    """The template cannot be transformed, checked or created."""


@dataclass
class Result:
    ok: bool
    status: str
    reason: str = ""
    created: int = 0
    not_emulated: dict[str, list[str]] = field(default_factory=dict)  # type → logical ids
    adapters: list[str] = field(default_factory=list)
    endpoint: str = ""

    def line(self) -> str:
        if not self.ok:
            return f"rehearsal FAILED: {self.status}: {self.reason}"
        parts = [f"rehearsal OK: {self.status}, {self.created} resources created on {self.endpoint}"]
        if self.not_emulated:
            kinds = ", ".join(f"{t} ({len(ids)})" for t, ids in sorted(self.not_emulated.items()))
            parts.append(f"not supported by the emulator (accepted, not created): {kinds}")
        if self.adapters:
            parts.append("emulator adapters: " + "; ".join(self.adapters))
        return "; ".join(parts)


# -- 1. transform ------------------------------------------------------------------------------

def transform(template: dict[str, Any], parameters: dict[str, str], stack_name: str) -> dict[str, Any]:
    """SAM → CloudFormation, offline."""
    import boto3.session
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    values: dict[str, Any] = {**parameters, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                              "AWS::Partition": "aws", "AWS::StackName": stack_name}
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    try:
        return translator.translate(json.loads(json.dumps(template)), parameter_values=values,
                                    get_managed_policy_map=lambda: MANAGED_POLICIES)
    except InvalidDocumentException as exc:
        causes = "; ".join(str(getattr(cause, "message", cause)) for cause in exc.causes)
        raise RehearsalError(f"SAM transform failed: {causes}") from exc


def cloudformation(template: dict[str, Any], stack_name: str = "gdesk") -> dict[str, Any]:
    """The CloudFormation a template becomes, with placeholder artifact URIs (for checks)."""
    uris: dict[str, str] = {}
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function":
            uris[f"code:{props.get('CodeUri', '.')}"] = "s3://artifacts/code.zip"
        elif resource.get("Type") == "AWS::Serverless::LayerVersion":
            uris[f"layer:{Path(str(props['ContentUri'])).name}"] = "s3://artifacts/layer.zip"
    parameters = {k: v for k, v in REHEARSAL_PARAMETERS.items() if k in template.get("Parameters", {})}
    return transform(point_at(template, uris), parameters, stack_name)


# -- 2. references ----------------------------------------------------------------------------------

def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _sub_names(arg: Any) -> tuple[list[str], set[str]]:
    text, local = (arg[0], set(arg[1])) if isinstance(arg, list) else (arg, set())
    names = [m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", str(text))]
    return names, local


def broken_references(template: dict[str, Any]) -> list[str]:
    """Names a template refers to but does not declare (CloudFormation's template validation)."""
    resources = template.get("Resources", {})
    known = set(resources) | set(template.get("Parameters", {})) | PSEUDO_PARAMETERS
    conditions = set(template.get("Conditions", {}))
    problems: list[str] = []
    for section in ("Resources", "Outputs", "Conditions"):
        for logical_id, body in (template.get(section) or {}).items():
            found = _references_in(body, known, resources, conditions)
            problems += [f"{section}.{logical_id}: {p}" for p in found]
    for logical_id, body in resources.items():
        depends = body.get("DependsOn", [])
        for name in [depends] if isinstance(depends, str) else depends:
            if name not in resources:
                problems.append(f"Resources.{logical_id}: DependsOn {name} is not a resource")
        if "Condition" in body and body["Condition"] not in conditions:
            problems.append(f"Resources.{logical_id}: Condition {body['Condition']} is not declared")
    return sorted(set(problems))


def _references_in(body: Any, known: set[str], resources: dict[str, Any], conditions: set[str]) -> list[str]:
    problems = []
    for key, arg in _walk(body):
        if key == "Ref" and isinstance(arg, str) and arg not in known:
            problems.append(f"Ref {arg} is not declared")
        elif key == "Fn::GetAtt":
            name = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
            if name not in resources:
                problems.append(f"GetAtt {name} is not a resource")
        elif key == "Fn::Sub":
            names, local = _sub_names(arg)
            problems += [f"Sub ${{{n}}} is not declared" for n in names if n not in known and n not in local]
        elif key == "Fn::If" and isinstance(arg, list) and arg and arg[0] not in conditions:
            problems.append(f"If {arg[0]} is not a condition")
        elif key == "Condition" and isinstance(arg, str) and arg not in conditions:
            problems.append(f"Condition {arg} is not declared")
    return problems


def missing_parameters(template: dict[str, Any], given: dict[str, str]) -> list[str]:
    return sorted(name for name, spec in (template.get("Parameters") or {}).items()
                  if "Default" not in spec and name not in given)


# -- 3. artifacts ----------------------------------------------------------------------------------

def _placeholder_layer(path: Path) -> None:
    """An empty layer (only ``python/``) for a rehearsal before the layers were built."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("python/", date_time=(1980, 1, 1, 0, 0, 0)), b"")


def artifacts(template: dict[str, Any], root: Path, build: Path) -> tuple[dict[str, Path], list[str]]:
    """Local zip per CodeUri / layer ContentUri (key: ``code:<uri>`` or ``layer:<name>``): the code
    zipped now, the layers as ``make package`` built them (or empty stand-ins, reported)."""
    dist = build / "dist"
    found: dict[str, Path] = {}
    notes: list[str] = []
    for code_uri in sorted({plan.code_uri for plan in function_plans(template)}):
        # The code is zipped afresh (it takes a moment), so the rehearsal never uses stale code.
        path = build / "rehearsal" / f"code-{bundle_name(code_uri)}.zip"
        write_zip(path, bundle_files(root, code_uri))
        found[f"code:{code_uri}"] = path
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        name = Path(str(resource["Properties"]["ContentUri"])).name
        path = dist / f"layer-{name}.zip"
        if not path.exists():
            path = build / "rehearsal" / f"layer-{name}-empty.zip"
            _placeholder_layer(path)
            notes.append(name)
        found[f"layer:{name}"] = path
    return found, notes


def upload(s3: Any, bucket: str, files: dict[str, Path]) -> dict[str, str]:
    """Upload like ``sam package``: content-addressed keys; returns key → s3:// URI."""
    uris = {}
    for key, path in files.items():
        digest = hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 - a content key, as sam uses
        s3.put_object(Bucket=bucket, Key=digest, Body=path.read_bytes())
        uris[key] = f"s3://{bucket}/{digest}"
    return uris


def point_at(template: dict[str, Any], uris: dict[str, str]) -> dict[str, Any]:
    doc = json.loads(json.dumps(template))
    for resource in doc["Resources"].values():
        props = resource.setdefault("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function":
            props["CodeUri"] = uris[f"code:{props.get('CodeUri', '.')}"]
        elif resource.get("Type") == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = uris[f"layer:{Path(str(props['ContentUri'])).name}"]
    return doc


# -- emulator adapters ----------------------------------------------------------------------------

def expand_rest_api_bodies(cfn: dict[str, Any]) -> list[str]:
    """For moto: the RestApi Body's paths as Resource/Method resources (see the module docstring)."""
    notes = []
    resources = cfn["Resources"]
    for logical_id, resource in list(resources.items()):
        props = resource.get("Properties", {})
        if resource.get("Type") != "AWS::ApiGateway::RestApi" or "Body" not in props:
            continue
        body = props.pop("Body")
        props.setdefault("Name", body.get("info", {}).get("title", logical_id))
        methods = _expand_paths(logical_id, body.get("paths", {}), resources)
        for other in resources.values():
            if other.get("Type") == "AWS::ApiGateway::Deployment" and \
                    other.get("Properties", {}).get("RestApiId") == {"Ref": logical_id}:
                depends = other.get("DependsOn", [])
                other["DependsOn"] = ([depends] if isinstance(depends, str) else depends) + methods
        notes.append(f"{logical_id} Body expanded into {len(methods)} methods")
    return notes


def _expand_paths(api: str, paths: dict[str, Any], resources: dict[str, Any]) -> list[str]:
    created: dict[str, str] = {}  # path → logical id of its Resource

    def resource_for(path: str) -> Any:
        if path == "/":
            return {"Fn::GetAtt": [api, "RootResourceId"]}
        if path not in created:
            parent, _, part = path.rpartition("/")
            logical_id = f"Rehearsal{api}Path{hashlib.sha1(path.encode()).hexdigest()[:10]}"  # noqa: S324
            resources[logical_id] = {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "RestApiId": {"Ref": api}, "ParentId": resource_for(parent or "/"), "PathPart": part}}
            created[path] = logical_id
        return {"Ref": created[path]}

    methods = []
    for path, operations in sorted(paths.items()):
        for verb, operation in sorted(operations.items()):
            integration = operation.get("x-amazon-apigateway-integration", {})
            key = f"{verb} {path}".encode()
            logical_id = f"Rehearsal{api}Method{hashlib.sha1(key).hexdigest()[:10]}"  # noqa: S324
            resources[logical_id] = {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": api}, "ResourceId": resource_for(path),
                "HttpMethod": "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper(),
                "AuthorizationType": "NONE",
                "Integration": {"Type": str(integration.get("type", "aws_proxy")).upper(),
                                "IntegrationHttpMethod": integration.get("httpMethod", "POST"),
                                "Uri": integration.get("uri", "")}}}
            methods.append(logical_id)
    return methods


def adapt_kms_key_tags(cfn: dict[str, Any]) -> list[str]:
    """For moto: its AWS::KMS::Key reads Tags in the KMS API's shape (TagKey/TagValue), not
    CloudFormation's (Key/Value), and fails on the latter."""
    keys = [r for r in cfn["Resources"].values()
            if r["Type"] == "AWS::KMS::Key" and r.get("Properties", {}).get("Tags")]
    for resource in keys:
        resource["Properties"]["Tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]}
                                          for tag in resource["Properties"]["Tags"]]
    return [f"Tags of {len(keys)} KMS keys in the KMS API's shape"] if keys else []


_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class _AttributeStubber:
    """Replaces GetAtt (and ``${X.Attr}``) of the given resources by placeholder ARNs."""

    def __init__(self, unsupported: set[str]) -> None:
        self.unsupported = unsupported
        self.stubbed: set[str] = set()

    def placeholder(self, name: str, attribute: str) -> str:
        self.stubbed.add(name)
        return f"arn:aws:rehearsal:{REGION}:{ACCOUNT}:{name}/{attribute}"

    def _in_sub(self, match: re.Match[str]) -> str:
        name, _, attribute = match.group(1).partition(".")
        return self.placeholder(name, attribute) if attribute and name in self.unsupported else match.group(0)

    def _get_att(self, arg: Any) -> Any:
        name, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
        if name in self.unsupported:
            return self.placeholder(str(name), str(attribute))
        return {"Fn::GetAtt": arg}

    def visit(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.visit(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Fn::GetAtt"}:
            return self._get_att(value["Fn::GetAtt"])
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return {"Fn::Sub": _SUB_VARIABLE.sub(self._in_sub, value["Fn::Sub"])}
        if set(value) == {"Fn::Sub"}:
            text, variables = value["Fn::Sub"]
            return {"Fn::Sub": [_SUB_VARIABLE.sub(self._in_sub, text), self.visit(variables)]}
        return {k: self.visit(v) for k, v in value.items()}


def stub_unsupported_attributes(cfn: dict[str, Any], supported: set[str]) -> list[str]:
    """For moto: ``Fn::GetAtt`` (also ``${X.Attr}`` in ``Fn::Sub``) of a resource whose type moto
    does not create cannot resolve there; it becomes a placeholder string. The reference itself
    was already checked (``broken_references``)."""
    stubber = _AttributeStubber({k for k, v in cfn["Resources"].items() if v["Type"] not in supported})
    cfn["Resources"] = stubber.visit(cfn["Resources"])
    if "Outputs" in cfn:
        cfn["Outputs"] = stubber.visit(cfn["Outputs"])
    if not stubber.stubbed:
        return []
    return [f"GetAtt of {len(stubber.stubbed)} resources moto does not create: placeholders"]


def _moto_supported_types() -> set[str] | None:
    try:
        from moto.cloudformation.parsing import get_model_map
    except ImportError:
        return None
    return set(get_model_map())


# -- 4. the stack ---------------------------------------------------------------------------------

def wait_for_stack(cfn_client: Any, name: str, timeout: float,
                   sleep: Callable[[float], None] = time.sleep) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        stack = cfn_client.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return stack
        sleep(1.0)


def failure_reasons(cfn_client: Any, name: str) -> str:
    events = cfn_client.describe_stack_events(StackName=name)["StackEvents"]
    failed = [f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason', '')}"
              for e in events if e["ResourceStatus"].endswith("_FAILED") and e["ResourceType"] !=
              "AWS::CloudFormation::Stack"]
    return "; ".join(failed)


@dataclass
class Rehearsal:
    client: Callable[[str], Any]  # service name → boto3 client on the endpoint
    endpoint: str
    is_moto: bool
    root: Path = ROOT
    build: Path = BUILD
    template_path: Path | None = None
    stack_name: str = field(default_factory=lambda: f"gdesk-rehearsal-{secrets.token_hex(3)}")
    timeout: float = 300.0
    keep: bool = False

    def run(self) -> Result:
        try:
            return self._run()
        except RehearsalError as exc:
            return Result(False, "CHECK_FAILED", str(exc), endpoint=self.endpoint)

    def _run(self) -> Result:
        template = load(self.template_path or self.root / "template.yaml")
        parameters = {k: v for k, v in REHEARSAL_PARAMETERS.items() if k in template.get("Parameters", {})}
        missing = missing_parameters(template, parameters)
        if missing:
            raise RehearsalError(f"parameters without a default or a rehearsal value: {', '.join(missing)}")
        files, placeholder_layers = artifacts(template, self.root, self.build)
        bucket = f"{self.stack_name}-artifacts"
        s3 = self.client("s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        cfn = transform(point_at(template, upload(s3, bucket, files)), parameters, self.stack_name)
        problems = broken_references(cfn)
        if problems:
            raise RehearsalError("broken references: " + "; ".join(problems))
        adapters = expand_rest_api_bodies(cfn) + adapt_kms_key_tags(cfn) if self.is_moto else []
        supported = _moto_supported_types() if self.is_moto else None
        if supported is not None:
            adapters += stub_unsupported_attributes(cfn, supported)
        if placeholder_layers:
            adapters.append(f"layers not built, empty stand-ins: {', '.join(placeholder_layers)}")
        try:
            result = self._create(cfn, parameters)
        finally:
            if not self.keep:
                self._clean_up(bucket)
        result.adapters = adapters
        return result

    def _create(self, cfn: dict[str, Any], parameters: dict[str, str]) -> Result:
        from botocore.exceptions import ClientError

        client = self.client("cloudformation")
        try:
            client.create_stack(
                StackName=self.stack_name, TemplateBody=json.dumps(cfn), Capabilities=CAPABILITIES,
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
        except ClientError as exc:
            # moto creates the resources inside CreateStack and answers a failing one with an error
            return Result(False, "CREATE_FAILED", str(exc), endpoint=self.endpoint)
        stack = wait_for_stack(client, self.stack_name, self.timeout)
        status = stack["StackStatus"]
        if status != "CREATE_COMPLETE":
            reason = failure_reasons(client, self.stack_name) or stack.get("StackStatusReason", "")
            return Result(False, status, reason, endpoint=self.endpoint)
        created = {r.get("LogicalResourceId"): r for r in
                   client.describe_stack_resources(StackName=self.stack_name)["StackResources"]}
        supported = _moto_supported_types() if self.is_moto else None
        conditions = Stack(cfn, name=self.stack_name, region=REGION, account=ACCOUNT, parameters=parameters)
        not_emulated: dict[str, list[str]] = {}
        expected = {k: v for k, v in cfn["Resources"].items()
                    if "Condition" not in v or conditions.condition(v["Condition"])}
        for logical_id, resource in expected.items():
            rtype = resource["Type"]
            done = logical_id in created and created[logical_id]["ResourceStatus"] == "CREATE_COMPLETE"
            if not done or (supported is not None and rtype not in supported):
                not_emulated.setdefault(rtype, []).append(logical_id)
        count = len(expected) - sum(len(v) for v in not_emulated.values())
        return Result(True, status, created=count, not_emulated=not_emulated, endpoint=self.endpoint)

    def _clean_up(self, bucket: str) -> None:
        try:
            self.client("cloudformation").delete_stack(StackName=self.stack_name)
            s3 = self.client("s3")
            for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=bucket)
        except Exception:  # noqa: BLE001 - clean-up is best effort; the result stands
            pass


def client_factory(endpoint: str) -> Callable[[str], Any]:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        region_name=REGION)

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)  # type: ignore[call-overload]

    return make
