"""CloudFormation building blocks shared by the templates secure-sagemaker writes:
the Lambda code parameters, a customer-managed key, a KMS-encrypted dead-letter
queue, a least-privilege service role and an encrypted log group.

Every account, region and partition is a pseudo parameter (``${AWS::AccountId}``
...), never a literal, so each template is StackSet-ready.  Strings holding
``${...}`` become ``Fn::Sub`` (:func:`subs`); the same documents with literal
values are what the IAM lint judges (:func:`literal`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from secure_sagemaker.iam import lint_policy, trust_policy

__all__ = [
    "ACCOUNT",
    "PARTITION",
    "REGION",
    "code_parameters",
    "dead_letter_queue",
    "encryption_key",
    "lint_role_documents",
    "literal",
    "log_group",
    "python_function",
    "service_role",
    "subs",
    "to_text",
    "unsub",
    "use_key",
    "write_own_logs",
]

Document = dict[str, Any]
ACCOUNT, REGION, PARTITION = "${AWS::AccountId}", "${AWS::Region}", "${AWS::Partition}"
#: Literal stand-ins used when a document is linted outside CloudFormation.
SAMPLE = {ACCOUNT: "111122223333", REGION: "us-east-1", PARTITION: "aws"}
_PLACEHOLDER_ACCOUNT = "000000000000"
RUNTIME = "python3.11"


def subs(node: Any) -> Any:
    """``node`` with every string holding ``${`` wrapped as ``{"Fn::Sub": ...}``."""
    if isinstance(node, str):
        return {"Fn::Sub": node} if "${" in node else node
    if isinstance(node, Mapping):
        return {k: subs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [subs(v) for v in node]
    return node


def unsub(node: Any) -> Any:
    """``node`` with every ``{"Fn::Sub": text}`` back to ``text``: the documents a
    template holds, as :func:`literal` and the IAM lint read them."""
    if isinstance(node, Mapping):
        if set(node) == {"Fn::Sub"}:
            return node["Fn::Sub"]
        return {k: unsub(v) for k, v in node.items()}
    if isinstance(node, list):
        return [unsub(v) for v in node]
    return node


def literal(node: Any, values: Mapping[str, str] | None = None) -> Any:
    """``node`` with ``${Name}`` placeholders replaced by ``values`` (default: a
    sample account, ``us-east-1``, ``aws``) - what a deployed stack would hold."""
    table = {**SAMPLE, **(values or {})}
    if isinstance(node, str):
        for key, value in table.items():
            node = node.replace(key, value)
        return node
    if isinstance(node, Mapping):
        return {k: literal(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [literal(v, values) for v in node]
    return node


def code_parameters(default_key: str = "secure-sagemaker-lambda.zip") -> Document:
    """``CodeBucket``/``CodeKey``: where the Lambda package (the project, its
    dependencies and ``secure-sagemaker.toml``) is stored."""
    return {
        "CodeBucket": {
            "Type": "String",
            "MinLength": 3,
            "Description": "S3 bucket holding the Lambda package (in StackSets: a bucket "
            "every target account can read, e.g. with aws:PrincipalOrgID)",
        },
        "CodeKey": {
            "Type": "String",
            "Default": default_key,
            "Description": "S3 key of the Lambda package zip",
        },
    }


def encryption_key(description: str, services: Sequence[str], *, logs: bool = True) -> Document:
    """A customer-managed key (rotation on) that the account administers (so IAM
    policies grant its use), that the given service principals (``events``,
    ``sns``) may use for data keys on behalf of this account only - an encrypted
    queue EventBridge writes to needs one - and, with ``logs``, that CloudWatch Logs
    may use for this account's log groups."""
    statements: list[Document] = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{PARTITION}:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "ServicesEncrypt",
            "Effect": "Allow",
            "Principal": {"Service": [f"{s}.amazonaws.com" for s in services]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        },
    ]
    if logs:
        statements.append(
            {
                "Sid": "LogsEncrypt",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:*"
                        )
                    }
                },
            }
        )
    return {
        "Type": "AWS::KMS::Key",
        "Properties": {
            "Description": description,
            "EnableKeyRotation": True,
            "KeyPolicy": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def dead_letter_queue(key: str, retention_days: int = 14) -> Document:
    """An SQS queue encrypted with the template's key ``key`` (logical ID)."""
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "KmsMasterKeyId": {"Ref": key},
            "KmsDataKeyReusePeriodSeconds": 3600,
            "MessageRetentionPeriod": retention_days * 86400,
        },
    }


def log_group(name: str, key: str, retention_days: int = 90) -> Document:
    """The function's log group, created up front: encrypted, with a retention."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": name,
            "KmsKeyId": {"Fn::GetAtt": [key, "Arn"]},
            "RetentionInDays": retention_days,
        },
    }


def use_key(sid: str, key_arn: str) -> Document:
    """The statement letting a role encrypt and decrypt with the template's key."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": key_arn,
    }


def write_own_logs(log_group_arn: str) -> Document:
    """The statement letting a function write to its own log group, and no other."""
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [log_group_arn, f"{log_group_arn}:*"],
    }


def service_role(
    service: str, policy: Document, *, description: str, policy_name: str
) -> tuple[Document, Document]:
    """``(managed policy, role)`` for ``service`` (``lambda.amazonaws.com``): the
    role's trust comes from :func:`secure_sagemaker.iam.trust_policy` (confused-
    deputy condition on the stack's own account) and the permissions are ``policy``,
    attached and also set as the role's permissions boundary (SM608), so a
    permission added to the role later has no effect.  Refer to the managed policy
    as logical ID ``policy_name``."""
    trust = json.loads(
        json.dumps(trust_policy(_PLACEHOLDER_ACCOUNT, service=service)).replace(
            _PLACEHOLDER_ACCOUNT, ACCOUNT
        )
    )
    managed = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"Description": description, "PolicyDocument": subs(policy)},
    }
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": description,
            "AssumeRolePolicyDocument": subs(trust),
            "ManagedPolicyArns": [{"Ref": policy_name}],
            "PermissionsBoundary": {"Ref": policy_name},
        },
    }
    return managed, role


def lint_role_documents(policy: Document, service: str) -> list[Any]:
    """The failing SM6xx findings on ``policy`` (with sample literal values) and on
    the CreateRole request :func:`service_role` stands for; ``[]`` when clean."""
    from secure_sagemaker.evaluation import evaluate

    found = [f for f in lint_policy(literal(policy)) if f.status != "pass"]
    trust = trust_policy(SAMPLE[ACCOUNT], service=service)
    boundary = f"arn:aws:iam::{SAMPLE[ACCOUNT]}:policy/secure-sagemaker-watch"
    params = {
        "RoleName": "secure-sagemaker-watch",
        "AssumeRolePolicyDocument": json.dumps(trust),
        "PermissionsBoundary": boundary,
    }
    role = evaluate("CreateRole", params)
    found += [f for f in role if f.rule_id.startswith("SM6") and f.status != "pass"]
    return found


def python_function(
    *,
    handler: str,
    role: str,
    environment: Mapping[str, Any],
    dead_letter: str | None,
    log_group_name: Any,
    timeout: int,
    memory: Any,
    reserved: Any,
    description: str,
) -> Document:
    """A Python 3.11 function from ``CodeBucket``/``CodeKey`` running as ``role``
    (logical IDs), with ``dead_letter`` (a queue) for failed asynchronous events, or
    ``None`` for a function only ever invoked synchronously.  ``memory`` and
    ``reserved``: numbers or ``{"Ref": ...}`` of parameters."""
    function: Document = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Description": description,
            "Runtime": RUNTIME,
            "Handler": handler,
            "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
            "Role": {"Fn::GetAtt": [role, "Arn"]},
            "Timeout": timeout,
            "MemorySize": memory,
            "ReservedConcurrentExecutions": reserved,
            "Environment": {"Variables": dict(environment)},
            "LoggingConfig": {"LogGroup": log_group_name, "LogFormat": "JSON"},
            "TracingConfig": {"Mode": "PassThrough"},
        },
    }
    if dead_letter is not None:
        function["Properties"]["DeadLetterConfig"] = {
            "TargetArn": {"Fn::GetAtt": [dead_letter, "Arn"]}
        }
    return function


def to_text(template: Mapping[str, Any]) -> str:
    """The template as indented JSON (CloudFormation reads JSON and YAML alike)."""
    return json.dumps(template, indent=2) + "\n"
