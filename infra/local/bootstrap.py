"""Create every resource that ``template.yaml`` declares on an AWS endpoint (moto, LocalStack).

The template is the single source of truth: tables with their keys, GSIs and TTL; buckets with
encryption, public-access block, CORS, lifecycle and notification configuration; queues with their
redrive policies; streams; KMS keys and aliases; SSM parameters; secrets; SNS topics. Resources are
created in dependency order (a resource whose references are not created yet is retried after the
others) and creation is idempotent, so bootstrapping an endpoint twice reuses what exists.

Types that need no local counterpart (IAM roles, log groups, alarms, the API itself, Lambda
permissions) are recorded as skipped; functions get a physical name and ARN so references resolve.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from infra.local.template import Stack, TemplateError

# Resource types the local cloud has nothing to create for (AWS manages them or they only matter
# in a real account); references to them still resolve.
PASSIVE_TYPES = {
    "AWS::Logs::LogGroup", "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard",
    "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::Lambda::Permission", "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy", "AWS::Serverless::Api", "AWS::Serverless::LayerVersion",
    "AWS::Events::Rule", "AWS::Scheduler::Schedule", "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig", "AWS::SNS::Subscription",
}


class Bootstrapper:
    def __init__(self, stack: Stack, client_factory: Callable[[str], Any]) -> None:
        self.stack = stack
        self.client = client_factory
        self.created: list[str] = []
        self.skipped: list[str] = []

    def run(self) -> Stack:
        pending = dict(self.stack.resources)
        while pending:
            progressed = False
            errors: dict[str, str] = {}
            for logical_id, resource in list(pending.items()):
                try:
                    self._create(logical_id, resource)
                except TemplateError as exc:
                    errors[logical_id] = str(exc)
                    continue
                del pending[logical_id]
                progressed = True
            if not progressed:
                detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
                raise TemplateError(f"cannot resolve references: {detail}")
        return self.stack

    # -- dispatch --------------------------------------------------------------------------

    def _create(self, logical_id: str, resource: dict[str, Any]) -> None:
        rtype = resource.get("Type", "")
        if "Condition" in resource and not self.stack.condition(resource["Condition"]):
            self.skipped.append(logical_id)
            self.stack.physical[logical_id] = ""
            return
        handler = getattr(self, "_" + rtype.replace("::", "_").replace("AWS_", "", 1), None)
        if handler is None:
            if rtype not in PASSIVE_TYPES:
                self.skipped.append(f"{logical_id} ({rtype})")
            self.stack.physical[logical_id] = f"{self.stack.name}-{logical_id}"
            self.stack.attributes[(logical_id, "Arn")] = self._arn("local", logical_id)
            return
        props = self.stack.resolve(resource.get("Properties", {}))
        handler(logical_id, props)
        self.created.append(logical_id)

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.stack.region}:{self.stack.account}:{resource}"

    def _name(self, logical_id: str, props: dict[str, Any], key: str) -> str:
        return str(props.get(key) or f"{self.stack.name}-{logical_id}")

    # -- DynamoDB ---------------------------------------------------------------------------

    def _DynamoDB_Table(self, logical_id: str, props: dict[str, Any]) -> None:
        ddb = self.client("dynamodb")
        name = self._name(logical_id, props, "TableName")
        args: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                args[key] = [{k: v for k, v in index.items() if k != "ContributorInsightsSpecification"}
                             for index in props[key]]
        if props.get("StreamSpecification"):
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        try:
            ddb.create_table(**args)
        except ddb.exceptions.ResourceInUseException:
            pass
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        description = ddb.describe_table(TableName=name)["Table"]
        self.stack.physical[logical_id] = name
        self.stack.attributes[(logical_id, "Arn")] = description["TableArn"]
        if description.get("LatestStreamArn"):
            self.stack.attributes[(logical_id, "StreamArn")] = description["LatestStreamArn"]

    # -- S3 -------------------------------------------------------------------------------

    def _S3_Bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = self._name(logical_id, props, "BucketName").lower()
        try:
            if self.stack.region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={
                    "LocationConstraint": self.stack.region})
        except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
            pass
        self.stack.physical[logical_id] = name
        self.stack.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"
        self.stack.attributes[(logical_id, "DomainName")] = f"{name}.s3.amazonaws.com"
        self.stack.attributes[(logical_id, "RegionalDomainName")] = \
            f"{name}.s3.{self.stack.region}.amazonaws.com"
        if props.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props[
                "PublicAccessBlockConfiguration"])
        if props.get("BucketEncryption"):
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
            rules = [{("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v
                      for k, v in rule.items()}
                     for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if props.get("CorsConfiguration"):
            s3.put_bucket_cors(Bucket=name, CORSConfiguration=_cors(props["CorsConfiguration"]))
        if props.get("LifecycleConfiguration"):
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration=_lifecycle(props["LifecycleConfiguration"]))
        if props.get("NotificationConfiguration"):
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration=_notifications(props["NotificationConfiguration"]))

    # -- SQS / SNS ------------------------------------------------------------------------

    def _SQS_Queue(self, logical_id: str, props: dict[str, Any]) -> None:
        sqs = self.client("sqs")
        name = self._name(logical_id, props, "QueueName")
        attributes: dict[str, str] = {}
        for key in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
                    "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "FifoQueue",
                    "ContentBasedDeduplication"):
            if key in props:
                attributes[key] = str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.stack.physical[logical_id] = url
        self.stack.attributes[(logical_id, "Arn")] = arn
        self.stack.attributes[(logical_id, "QueueName")] = name
        self.stack.attributes[(logical_id, "QueueUrl")] = url

    def _SNS_Topic(self, logical_id: str, props: dict[str, Any]) -> None:
        arn = self.client("sns").create_topic(Name=self._name(logical_id, props, "TopicName"))["TopicArn"]
        self.stack.physical[logical_id] = arn
        self.stack.attributes[(logical_id, "TopicArn")] = arn
        self.stack.attributes[(logical_id, "TopicName")] = arn.rsplit(":", 1)[-1]

    # -- Kinesis --------------------------------------------------------------------------

    def _Kinesis_Stream(self, logical_id: str, props: dict[str, Any]) -> None:
        kinesis = self.client("kinesis")
        name = self._name(logical_id, props, "Name")
        try:
            kinesis.create_stream(StreamName=name, ShardCount=int(props.get("ShardCount", 1)))
        except kinesis.exceptions.ResourceInUseException:
            pass
        kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2,
                                                                                 "MaxAttempts": 100})
        encryption = props.get("StreamEncryption")
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if encryption and summary.get("EncryptionType", "NONE") == "NONE":
            try:
                kinesis.start_stream_encryption(StreamName=name, EncryptionType=encryption["EncryptionType"],
                                                KeyId=encryption["KeyId"])
            except Exception:  # noqa: BLE001 - emulators may not implement stream encryption
                self.skipped.append(f"{logical_id} encryption")
        self.stack.physical[logical_id] = name
        self.stack.attributes[(logical_id, "Arn")] = summary["StreamARN"]

    # -- KMS ------------------------------------------------------------------------------

    def _KMS_Key(self, logical_id: str, props: dict[str, Any]) -> None:
        kms = self.client("kms")
        # Reuse the key an alias of this stack already points at (idempotent re-bootstrap).
        for alias in self.stack.of_type("AWS::KMS::Alias").values():
            target = alias.get("Properties", {}).get("TargetKeyId")
            if target in ({"Ref": logical_id}, {"Fn::GetAtt": [logical_id, "Arn"]}):
                alias_name = self.stack.resolve(alias["Properties"]["AliasName"])
                try:
                    key = kms.describe_key(KeyId=alias_name)["KeyMetadata"]
                except kms.exceptions.NotFoundException:
                    continue
                self._record_key(logical_id, key)
                return
        args: dict[str, Any] = {
            "Description": props.get("Description", logical_id),
            "KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeySpec": props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "Tags": [{"TagKey": "gdesk:logical-id", "TagValue": logical_id}],
        }
        key = kms.create_key(**args)["KeyMetadata"]
        if props.get("EnableKeyRotation") and args["KeySpec"] == "SYMMETRIC_DEFAULT":
            kms.enable_key_rotation(KeyId=key["KeyId"])
        self._record_key(logical_id, key)

    def _record_key(self, logical_id: str, key: dict[str, Any]) -> None:
        self.stack.physical[logical_id] = key["KeyId"]
        self.stack.attributes[(logical_id, "Arn")] = key["Arn"]
        self.stack.attributes[(logical_id, "KeyId")] = key["KeyId"]

    def _KMS_Alias(self, logical_id: str, props: dict[str, Any]) -> None:
        kms = self.client("kms")
        name = props["AliasName"]
        try:
            kms.create_alias(AliasName=name, TargetKeyId=props["TargetKeyId"])
        except kms.exceptions.AlreadyExistsException:
            pass
        self.stack.physical[logical_id] = name

    # -- SSM / Secrets Manager --------------------------------------------------------------

    def _SSM_Parameter(self, logical_id: str, props: dict[str, Any]) -> None:
        ssm = self.client("ssm")
        name = self._name(logical_id, props, "Name")
        try:
            ssm.put_parameter(Name=name, Value=str(props["Value"]), Type=props.get("Type", "String"),
                              Description=props.get("Description", ""))
        except ssm.exceptions.ParameterAlreadyExists:
            pass  # keep values changed at run time (e.g. rotated key lists)
        self.stack.physical[logical_id] = name

    def _SecretsManager_Secret(self, logical_id: str, props: dict[str, Any]) -> None:
        sm = self.client("secretsmanager")
        name = self._name(logical_id, props, "Name")
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None and generate:
            generated = secrets.token_urlsafe(int(generate.get("PasswordLength", 32)))
            if generate.get("SecretStringTemplate") and generate.get("GenerateStringKey"):
                payload = json.loads(generate["SecretStringTemplate"])
                payload[generate["GenerateStringKey"]] = generated
                value = json.dumps(payload)
            else:
                value = generated
        try:
            arn = sm.create_secret(Name=name, SecretString=value or "{}")["ARN"]
        except sm.exceptions.ResourceExistsException:
            arn = sm.describe_secret(SecretId=name)["ARN"]
        self.stack.physical[logical_id] = arn
        self.stack.attributes[(logical_id, "Id")] = arn

    # -- Lambda functions ---------------------------------------------------------------------

    def _Serverless_Function(self, logical_id: str, props: dict[str, Any]) -> None:
        name = str(props.get("FunctionName") or f"{self.stack.name}-{logical_id}")
        self.stack.physical[logical_id] = name
        self.stack.attributes[(logical_id, "Arn")] = self._arn("lambda", f"function:{name}")
        role = f"arn:aws:iam::{self.stack.account}:role/{name}-role"
        self.stack.physical[f"{logical_id}Role"] = f"{name}-role"
        self.stack.attributes[(f"{logical_id}Role", "Arn")] = role


def _cors(config: dict[str, Any]) -> dict[str, Any]:
    # CloudFormation's MaxAge/ExposedHeaders are the API's MaxAgeSeconds/ExposeHeaders.
    renamed = {"MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders", "Id": "ID"}
    rules = []
    for rule in config.get("CorsRules", []):
        rules.append({renamed.get(k, k): (int(v) if k == "MaxAge" else v) for k, v in rule.items()})
    return {"CORSRules": rules}


def _lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config.get("Rules", []):
        out: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule.get("Status", "Enabled"),
                               "Filter": {"Prefix": rule.get("Prefix", "")}}
        if "ExpirationInDays" in rule:
            out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            out["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
        if "NoncurrentVersionExpiration" in rule:
            out["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])}
        rules.append(out)
    return {"Rules": rules}


def _notifications(config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cfn_key, api_key, target in (("QueueConfigurations", "QueueConfigurations", "Queue"),
                                     ("TopicConfigurations", "TopicConfigurations", "Topic"),
                                     ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function")):
        entries = []
        for entry in config.get(cfn_key, []):
            item: dict[str, Any] = {"Events": [entry["Event"]],
                                    ("LambdaFunctionArn" if target == "Function" else f"{target}Arn"):
                                        entry[target]}
            if entry.get("Filter"):
                rules = entry["Filter"]["S3Key"]["Rules"]
                item["Filter"] = {"Key": {"FilterRules": rules}}
            entries.append(item)
        if entries:
            out[api_key] = entries
    return out


def bootstrap(stack: Stack, client_factory: Callable[[str], Any]) -> Bootstrapper:
    """Create the stack's resources; returns the bootstrapper (``created``/``skipped`` lists)."""
    started = time.monotonic()
    runner = Bootstrapper(stack, client_factory)
    runner.run()
    runner.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    return runner
