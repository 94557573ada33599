"""The CloudFormation templates of the distributed audit (``secure-sagemaker audit
template``).

:func:`audit_template` is the audit account's stack: a Step Functions state machine
whose Distributed Map runs one Lambda task per shard
(:func:`secure_sagemaker.audit.task_handler`, ``--shard K/N`` of the organisation's
accounts) and then merges the shards' JSON Lines into one report in an encrypted,
versioned artifact bucket; an optional EventBridge schedule starts it.  Its roles
and the state machine definition are in :mod:`._audit_roles`; the member
accounts' auditor role is :func:`secure_sagemaker.deploy._auditor.member_template`.
It holds no account, region or partition literal.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.deploy import _cfn as cfn
from secure_sagemaker.deploy._audit_roles import (
    definition,
    machine_policy,
    schedule_policy,
    task_policy,
)
from secure_sagemaker.deploy._cfn import ACCOUNT, PARTITION, REGION
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["HANDLER", "audit_template"]

HANDLER = "secure_sagemaker.audit.task_handler"
POLICY_PATH = "/var/task/secure-sagemaker.toml"
TIMEOUT = 900  # Lambda's maximum: a shard must finish within it
TASK_ROLE = "${Name}-task"
DEFAULT_SHARDS, MAX_SHARDS = 8, 10_000


def _parameters(shards: int) -> dict[str, Any]:
    return {
        **cfn.code_parameters(),
        "Name": {
            "Type": "String",
            "Default": "secure-sagemaker-audit",
            "AllowedPattern": "[a-zA-Z0-9-_]{1,58}",
            "Description": "name of the state machine and the task function; the task's "
            "role is NAME-task (the member accounts' auditor role trusts it)",
        },
        "OrganizationId": {
            "Type": "String",
            "AllowedPattern": "o-[a-z0-9]{10,32}",
            "Description": "the AWS Organization whose accounts are audited",
        },
        "AuditorRoleName": {
            "Type": "String",
            "Default": "secure-sagemaker-auditor",
            "Description": "the read-only role each member account has (the member StackSet)",
        },
        "Regions": {
            "Type": "CommaDelimitedList",
            "Description": "regions to audit in every account (or: all)",
        },
        "Shards": {
            "Type": "Number",
            "Default": shards,
            "MinValue": 1,
            "MaxValue": MAX_SHARDS,
            "Description": "tasks the accounts are split into; each must finish in 15 minutes",
        },
        "MaxConcurrency": {
            "Type": "Number",
            "Default": 8,
            "MinValue": 1,
            "MaxValue": 1000,
            "Description": "shards audited at once (also the function's reserved concurrency)",
        },
        "MemorySize": {
            "Type": "Number",
            "Default": 2048,
            "MinValue": 512,
            "MaxValue": 10240,
            "Description": "memory of each task in MiB (CPU grows with it)",
        },
        "Schedule": {
            "Type": "String",
            "Default": "rate(7 days)",
            "Description": "EventBridge schedule expression starting the audit; empty: none",
        },
        "ReportRetentionDays": {
            "Type": "Number",
            "Default": 365,
            "MinValue": 1,
            "Description": "days a report (and a replaced version) is kept",
        },
    }


def _bucket() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": {"Fn::GetAtt": ["EncryptionKey", "Arn"]},
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireReports",
                        "Status": "Enabled",
                        "ExpirationInDays": {"Ref": "ReportRetentionDays"},
                        "NoncurrentVersionExpiration": {
                            "NoncurrentDays": {"Ref": "ReportRetentionDays"}
                        },
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        },
    }


def _bucket_policy() -> dict[str, Any]:
    """The ArtifactStore's own deny statements (TLS only, SSE-KMS with the stack's
    key only), on the report bucket."""
    from secure_sagemaker.artifacts._bucket import required_statements

    statements = required_statements("${ReportBucket}", "${EncryptionKey.Arn}", partition=PARTITION)
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "ReportBucket"},
            "PolicyDocument": cfn.subs({"Version": "2012-10-17", "Statement": statements}),
        },
    }


def _key() -> dict[str, Any]:
    """The customer-managed key of the reports and the logs (no service but
    CloudWatch Logs uses it on the account's behalf)."""
    key = cfn.subs(cfn.encryption_key("secure-sagemaker audit reports", ["logs"]))
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    statements[:] = [s for s in statements if s["Sid"] != "ServicesEncrypt"]
    return dict(key)


def audit_template(*, shards: int = DEFAULT_SHARDS) -> dict[str, Any]:
    """The audit account's CloudFormation template as a dict (see the module
    docstring); deploy it with ``CAPABILITY_NAMED_IAM`` (the task's role is named
    ``NAME-task`` so member accounts can trust it).  ``shards``: the ``Shards``
    parameter's default.  Raises ``InvalidArgumentError`` unless
    ``1 <= shards <= 10000``."""
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
        raise InvalidArgumentError(f"shards must be a whole number from 1 to {MAX_SHARDS}")
    group = "/aws/lambda/${Name}"
    group_arn = f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    task, task_role = cfn.service_role(
        "lambda.amazonaws.com",
        task_policy(
            bucket_arn="${ReportBucket.Arn}",
            key_arn="${EncryptionKey.Arn}",
            log_group_arn=group_arn,
        ),
        description="secure-sagemaker audit task: assume auditor roles, write reports",
        policy_name="TaskPermissions",
    )
    task_role["Properties"]["RoleName"] = cfn.subs(TASK_ROLE)
    machine, machine_role = cfn.service_role(
        "states.amazonaws.com",
        machine_policy(),
        description="secure-sagemaker audit state machine: run the audit tasks",
        policy_name="MachinePermissions",
    )
    schedule, schedule_role = cfn.service_role(
        "events.amazonaws.com",
        schedule_policy(),
        description="secure-sagemaker audit schedule: start the audit",
        policy_name="SchedulePermissions",
    )
    env: dict[str, Any] = {
        "SECURE_SAGEMAKER_POLICY": POLICY_PATH,
        "SECURE_SAGEMAKER_AUDIT_BUCKET": {"Ref": "ReportBucket"},
        "SECURE_SAGEMAKER_AUDIT_KEY": {"Fn::GetAtt": ["EncryptionKey", "Arn"]},
        "SECURE_SAGEMAKER_AUDIT_ROLE_TEMPLATE": cfn.subs(
            f"arn:{PARTITION}:iam::{{account}}:role/${{AuditorRoleName}}"
        ),
        "SECURE_SAGEMAKER_AUDIT_REGIONS": {"Fn::Join": [",", {"Ref": "Regions"}]},
    }
    function = cfn.python_function(
        handler=HANDLER,
        role="TaskRole",
        environment=env,
        dead_letter=None,  # invoked synchronously by Step Functions, which retries
        log_group_name={"Ref": "LogGroup"},
        timeout=TIMEOUT,
        memory={"Ref": "MemorySize"},
        reserved={"Ref": "MaxConcurrency"},
        description="secure-sagemaker: audit one shard of the organisation, or merge",
    )
    function["Properties"]["FunctionName"] = {"Ref": "Name"}
    resources: dict[str, Any] = {
        "EncryptionKey": _key(),
        "ReportBucket": _bucket(),
        "ReportBucketPolicy": _bucket_policy(),
        "LogGroup": cfn.log_group(cfn.subs(group), "EncryptionKey"),
        "TaskPermissions": task,
        "TaskRole": task_role,
        "Task": function,
        "MachinePermissions": machine,
        "MachineRole": machine_role,
        "StateMachine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": {"Ref": "Name"},
                "StateMachineType": "STANDARD",
                "RoleArn": {"Fn::GetAtt": ["MachineRole", "Arn"]},
                "Definition": definition(),
                "DefinitionSubstitutions": {
                    "FunctionArn": {"Fn::GetAtt": ["Task", "Arn"]},
                    "Shards": {"Ref": "Shards"},
                    "MaxConcurrency": {"Ref": "MaxConcurrency"},
                },
            },
        },
        "SchedulePermissions": {**schedule, "Condition": "Scheduled"},
        "ScheduleRole": {**schedule_role, "Condition": "Scheduled"},
        "AuditSchedule": {
            "Type": "AWS::Events::Rule",
            "Condition": "Scheduled",
            "Properties": {
                "Description": "secure-sagemaker: start the organisation audit",
                "ScheduleExpression": {"Ref": "Schedule"},
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "audit",
                        "Arn": {"Ref": "StateMachine"},
                        "RoleArn": {"Fn::GetAtt": ["ScheduleRole", "Arn"]},
                    }
                ],
            },
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "secure-sagemaker distributed organisation audit (Step Functions)",
        "Parameters": _parameters(shards),
        "Conditions": {"Scheduled": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Schedule"}, ""]}]}},
        "Resources": resources,
        "Outputs": {
            "StateMachineArn": {"Value": {"Ref": "StateMachine"}},
            "ReportBucketName": {"Value": {"Ref": "ReportBucket"}},
            "TaskRoleArn": {"Value": {"Fn::GetAtt": ["TaskRole", "Arn"]}},
        },
    }
