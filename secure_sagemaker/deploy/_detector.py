"""The CloudFormation template of the event-driven detector (``secure-sagemaker
watch template``): EventBridge rules for the CloudTrail events the detector judges,
the Lambda (:func:`secure_sagemaker.watch.handler`), its least-privilege role, a
KMS-encrypted dead-letter queue and, on request, an SNS topic.

``org=True`` writes the StackSet-ready variant for an AWS Organization: every
member account runs its own detector (it describes resources with its own
read-only role), and an optional ``CentralEventBusArn`` forwards the same events to
a central bus for central archiving and alerting.  Both variants hold no account,
region or partition literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from secure_sagemaker.deploy import _cfn as cfn
from secure_sagemaker.deploy._cfn import ACCOUNT, PARTITION, REGION
from secure_sagemaker.deploy._events import forward_role, queue_policy, rules
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = [
    "HANDLER",
    "SINKS",
    "detector_policy",
    "detector_template",
    "remediation_actions",
]

HANDLER = "secure_sagemaker.watch.handler"
SINKS = ("log", "securityhub", "sns")
POLICY_PATH = "/var/task/secure-sagemaker.toml"
TIMEOUT, MEMORY = 120, 512
#: Bucket name patterns judged by default: SageMaker's default buckets.
DEFAULT_BUCKETS = ("sagemaker-*",)
BUCKETS = "<buckets>"  # stands for every bucket pattern in a remediation's resource
_ROLE_SERVICE = "lambda.amazonaws.com"

#: IAM actions of each remediation (:data:`secure_sagemaker.watch._remediate.REMEDIATIONS`).
_REMEDIATION_IAM: Mapping[str, tuple[str, str]] = {
    "stop-notebook-instance": (
        "sagemaker:StopNotebookInstance",
        f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/*",
    ),
    "delete-endpoint": (
        "sagemaker:DeleteEndpoint",
        f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:endpoint/*",
    ),
    "enable-bucket-versioning": ("s3:PutBucketVersioning", BUCKETS),
    "put-public-access-block": ("s3:PutBucketPublicAccessBlock", BUCKETS),
}
#: S3 reads of the bucket view (audit/_fetch.bucket_requests), as IAM actions.
_S3_READS = (
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
)


#: Kinds whose IAM resource type is not their audit name.
_IAM_TYPES = {
    "notebook-lifecycle-config": "notebook-instance-lifecycle-config",
    "tuning-job": "hyper-parameter-tuning-job",
}


def _describe_actions() -> tuple[list[str], list[str]]:
    """``sagemaker:Describe*`` of each audited kind the detector describes, and the
    resource patterns of those kinds (``notebook-instance/*`` ...)."""
    from secure_sagemaker._aws.loader import botocore_session
    from secure_sagemaker.audit._kinds import KINDS

    model = botocore_session().get_service_model("sagemaker")
    by_method = {_snake(op): op for op in model.operation_names}
    actions = sorted({f"sagemaker:{by_method[k.describe_method]}" for k in KINDS})
    here = f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}"
    types = sorted({_IAM_TYPES.get(k.name, k.name) for k in KINDS})
    return actions, [f"{here}:{t}/*" for t in types]


_BUCKET_PATTERN = re.compile(r"^[a-z0-9*][a-z0-9.*-]{0,62}$")


def check_buckets(buckets: Iterable[str]) -> tuple[str, ...]:
    """Bucket name patterns, validated (lowercase, digits, ``.-*``); raises
    ``InvalidArgumentError`` naming the rule, never the value."""
    out = tuple(dict.fromkeys(b.strip() for b in buckets if b.strip()))
    if not out or not all(_BUCKET_PATTERN.match(b) for b in out):
        raise InvalidArgumentError(
            "bucket patterns are S3 bucket names with optional * wildcards (a-z 0-9 . - *)"
        )
    return out


def _snake(name: str) -> str:
    from botocore import xform_name

    return str(xform_name(name))


def remediation_actions(rules: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{remediation name: (IAM action, resource)}`` for these rule IDs; raises
    ``InvalidArgumentError`` (listing the valid IDs) for a rule with no remediation."""
    from secure_sagemaker.watch._remediate import REMEDIATIONS

    out: dict[str, tuple[str, str]] = {}
    for rule in rules:
        action = REMEDIATIONS.get(rule.strip().upper())
        if action is None:
            valid = ", ".join(sorted(REMEDIATIONS))
            raise InvalidArgumentError(f"no remediation for that rule; choose among {valid}")
        out[action.name] = _REMEDIATION_IAM[action.name]
    return out


def detector_policy(
    *,
    queue_arn: str,
    key_arn: str,
    log_group_arn: str,
    sinks: Sequence[str] = ("log",),
    topic_arn: str | None = None,
    remediate: Iterable[str] = (),
    buckets: Sequence[str] = DEFAULT_BUCKETS,
) -> dict[str, Any]:
    """The detector role's identity policy: read-only Describe/Get/List of what it
    judges (in its own account and region), the dead-letter queue and its key, its
    log group, ``securityhub:BatchImportFindings`` / ``sns:Publish`` for those sinks,
    and the write action of each remediation asked for - nothing else.  ``buckets``:
    name patterns (``*`` wildcards) of the buckets judged.  Account, region and
    partition are ``${AWS::...}`` placeholders."""
    arn = f"arn:{PARTITION}"
    bucket_arns = [f"{arn}:s3:::{b}" for b in buckets]
    here = f"{REGION}:{ACCOUNT}"
    describe, kinds = _describe_actions()
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DescribeJudgedSageMakerResources",
            "Effect": "Allow",
            "Action": describe,
            "Resource": kinds,
        },
        {
            "Sid": "ListEndpointMonitoring",  # no resource-level permission exists
            "Effect": "Allow",
            "Action": ["sagemaker:ListMonitoringSchedules"],
            "Resource": "*",
        },
        {
            "Sid": "ReadEndpointExposure",
            "Effect": "Allow",
            "Action": ["apigateway:GET"],
            "Resource": [
                f"{arn}:apigateway:{REGION}::/restapis",
                f"{arn}:apigateway:{REGION}::/restapis/*",
            ],
        },
        {
            "Sid": "ReadBucketSettings",
            "Effect": "Allow",
            "Action": list(_S3_READS),
            "Resource": bucket_arns,
        },
        {
            "Sid": "ReadKeySettings",
            "Effect": "Allow",
            "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus"],
            "Resource": f"{arn}:kms:{here}:key/*",
        },
        {
            "Sid": "ListKeyAliases",  # no resource-level permission exists
            "Effect": "Allow",
            "Action": ["kms:ListAliases"],
            "Resource": "*",
        },
        {
            "Sid": "ReadSecretSettings",  # never GetSecretValue
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
            "Resource": f"{arn}:secretsmanager:{here}:secret:*",
        },
        {
            "Sid": "DeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": queue_arn,
        },
        cfn.use_key("EncryptDeadLettersAndAlerts", key_arn),
        cfn.write_own_logs(log_group_arn),
    ]
    if "securityhub" in sinks:
        statements.append(
            {
                "Sid": "ImportFindings",
                "Effect": "Allow",
                "Action": ["securityhub:BatchImportFindings"],
                "Resource": f"{arn}:securityhub:{here}:product/{ACCOUNT}/default",
            }
        )
    if "sns" in sinks:
        if not topic_arn:
            raise InvalidArgumentError("the sns sink needs a topic")
        statements.append(
            {"Sid": "Alert", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": topic_arn}
        )
    for name, (action, resource) in sorted(remediation_actions(remediate).items()):
        sid = "Remediate" + "".join(p.capitalize() for p in name.split("-"))
        where: Any = bucket_arns if resource == BUCKETS else resource
        statements.append({"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": where})
    return {"Version": "2012-10-17", "Statement": statements}


def _parameters(org: bool) -> dict[str, Any]:
    params: dict[str, Any] = {
        **cfn.code_parameters(),
        "FunctionName": {
            "Type": "String",
            "Default": "secure-sagemaker-watch",
            "AllowedPattern": "[a-zA-Z0-9-_]{1,64}",
            "Description": "name of the detector function (and of its log group)",
        },
        "ReservedConcurrency": {
            "Type": "Number",
            "Default": 5,
            "MinValue": 1,
            "Description": "concurrent detector runs at most (bounds cost and API calls)",
        },
    }
    if org:
        params["CentralEventBusArn"] = {
            "Type": "String",
            "Default": "",
            "Description": "optional: ARN of an event bus in a central account that also "
            "receives the matched events (its policy must allow aws:PrincipalOrgID)",
        }
    return params


def detector_template(
    *,
    org: bool = False,
    sinks: Sequence[str] = ("log",),
    remediate: Iterable[str] = (),
    buckets: Sequence[str] = DEFAULT_BUCKETS,
) -> dict[str, Any]:
    """The detector's CloudFormation template as a dict.

    ``sinks``: among :data:`SINKS` (``log`` is always on; ``sns`` adds an encrypted
    topic).  ``remediate``: rule IDs whose remediation runs (their write actions are
    the only writes the role gets).  ``buckets``: name patterns of the buckets
    judged (the S3 rule matches only their events; the role reads only them).
    Raises ``InvalidArgumentError`` for an unknown sink, a rule without remediation
    or an invalid bucket pattern.
    """
    names = check_buckets(buckets)
    chosen = sorted({"log", *(s.strip().lower() for s in sinks if s.strip())})
    unknown = [s for s in chosen if s not in SINKS]
    if unknown:
        raise InvalidArgumentError(f"unknown sink; choose among {', '.join(SINKS)}")
    fixes = sorted({r.strip().upper() for r in remediate if r.strip()})
    remediation_actions(fixes)  # validates before anything is built
    group = "/aws/lambda/${FunctionName}"
    group_arn = f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    topic = "${AlertTopic}" if "sns" in chosen else None
    policy = detector_policy(
        queue_arn="${DeadLetterQueue.Arn}",
        key_arn="${EncryptionKey.Arn}",
        log_group_arn=group_arn,
        sinks=chosen,
        topic_arn=topic,
        remediate=fixes,
        buckets=names,
    )
    services = ["events"] + (["sns"] if topic else [])
    managed, role = cfn.service_role(
        _ROLE_SERVICE,
        policy,
        description="secure-sagemaker detector: read what it judges, report, remediate",
        policy_name="DetectorPermissions",
    )
    env: dict[str, Any] = {
        "SECURE_SAGEMAKER_POLICY": POLICY_PATH,
        "SECURE_SAGEMAKER_WATCH_SINKS": ",".join(chosen),
        "SECURE_SAGEMAKER_WATCH_REMEDIATE": ",".join(fixes),
        "SECURE_SAGEMAKER_WATCH_SELF": {"Fn::GetAtt": ["DetectorRole", "Arn"]},
    }
    if topic:
        env["SECURE_SAGEMAKER_WATCH_SNS_TOPIC"] = {"Ref": "AlertTopic"}
    resources: dict[str, Any] = {
        "EncryptionKey": cfn.subs(cfn.encryption_key("secure-sagemaker detector", services)),
        "DeadLetterQueue": cfn.dead_letter_queue("EncryptionKey"),
        "DeadLetterQueuePolicy": queue_policy(org, names),
        "LogGroup": cfn.log_group(cfn.subs(group), "EncryptionKey"),
        "DetectorPermissions": managed,
        "DetectorRole": role,
        "Detector": cfn.python_function(
            handler=HANDLER,
            role="DetectorRole",
            environment=env,
            dead_letter="DeadLetterQueue",
            log_group_name={"Ref": "LogGroup"},
            timeout=TIMEOUT,
            memory=MEMORY,
            reserved={"Ref": "ReservedConcurrency"},
            description="secure-sagemaker: judges what the console, CLI and IaC create",
        ),
        "DetectorAsyncConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Detector"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 2,
                "MaximumEventAgeInSeconds": 3600,
            },
        },
        **rules(org, names),
    }
    resources["Detector"]["Properties"]["FunctionName"] = {"Ref": "FunctionName"}
    if topic:
        resources["AlertTopic"] = {
            "Type": "AWS::SNS::Topic",
            "Properties": {"KmsMasterKeyId": {"Ref": "EncryptionKey"}},
        }
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "secure-sagemaker event-driven detector"
        + (" (StackSet-ready, per member account)" if org else ""),
        "Parameters": _parameters(org),
        "Resources": resources,
        "Outputs": {
            "DetectorArn": {"Value": {"Fn::GetAtt": ["Detector", "Arn"]}},
            "DetectorRoleArn": {"Value": {"Fn::GetAtt": ["DetectorRole", "Arn"]}},
            "DeadLetterQueueUrl": {"Value": {"Ref": "DeadLetterQueue"}},
        },
    }
    if topic:
        template["Outputs"]["AlertTopicArn"] = {"Value": {"Ref": "AlertTopic"}}
    if org:
        template["Conditions"] = {
            "Forward": {"Fn::Not": [{"Fn::Equals": [{"Ref": "CentralEventBusArn"}, ""]}]}
        }
        resources["ForwardRole"] = forward_role()
    return template
