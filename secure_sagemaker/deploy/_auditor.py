"""The member accounts' side of the distributed audit: the read-only auditor role
(:func:`auditor_policy`, also its permissions boundary) that only the audit task's
role, from inside the organisation, may assume - :func:`member_template`, the
StackSet every member account runs (``secure-sagemaker audit template --member``).
It holds no account, region or partition literal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from secure_sagemaker.deploy import _cfn as cfn
from secure_sagemaker.deploy._cfn import ACCOUNT, PARTITION, REGION
from secure_sagemaker.deploy._detector import (
    _S3_READS,
    DEFAULT_BUCKETS,
    _describe_actions,
    _snake,
    check_buckets,
)

__all__ = ["auditor_policy", "member_template", "member_trust", "policy_size"]

_ANY_REGION = "*"
#: Read-only calls of the audit that have no resource-level permission in IAM:
#: ``Resource`` can only be ``*`` (what SM603 accepts for such actions).
_UNSCOPED = (
    "cloudtrail:DescribeTrails",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcEndpoints",
    "guardduty:ListDetectors",
    "kms:ListAliases",
    "kms:ListKeys",
    "macie2:GetMacieSession",
    "s3:GetAccountPublicAccessBlock",
    "secretsmanager:ListSecrets",
)


def _list_actions() -> list[str]:
    """``sagemaker:List*`` of each audited kind and of the monitoring schedules
    (SageMaker's List actions have no resource-level permission)."""
    from secure_sagemaker._aws.loader import botocore_session
    from secure_sagemaker.audit._kinds import KINDS

    model = botocore_session().get_service_model("sagemaker")
    by_method = {_snake(op): op for op in model.operation_names}
    methods = {k.list_method for k in KINDS} | {"list_monitoring_schedules"}
    return sorted(f"sagemaker:{by_method[m]}" for m in methods)


def auditor_policy(buckets: Sequence[str] = DEFAULT_BUCKETS) -> dict[str, Any]:
    """The member-account auditor role's policy: the read-only calls the audit makes
    and nothing else - never ``secretsmanager:GetSecretValue`` or ``s3:GetObject``,
    no write.  Scoped to the account's own resources in every region where IAM has
    resource-level permissions, ``*`` only for the actions that have none.
    ``buckets``: name patterns of the buckets whose settings are read (others are
    reported as not assessed).  Raises ``InvalidArgumentError`` for a bad pattern."""
    arn = f"arn:{PARTITION}"
    here = f"{_ANY_REGION}:{ACCOUNT}"
    _, kinds = _describe_actions()
    # any partition and region (a role acts in its own partition only): shorter ARNs
    kinds = [
        k.replace(f"arn:{PARTITION}:", "arn:*:").replace(f":{REGION}:", f":{_ANY_REGION}:")
        for k in kinds
    ]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ListWithoutResourceLevelPermissions",
            "Effect": "Allow",
            "Action": sorted([*_list_actions(), *_UNSCOPED]),
            "Resource": "*",
        },
        {
            # Describe* rather than each DescribeX: the list of 48 would not fit in a
            # managed policy (6,144 characters); the resource types bound it to the
            # audited kinds
            "Sid": "DescribeAuditedSageMakerResources",
            "Effect": "Allow",
            "Action": ["sagemaker:Describe*"],
            "Resource": kinds,
        },
        {
            "Sid": "ReadEndpointExposure",
            "Effect": "Allow",
            "Action": ["apigateway:GET"],
            "Resource": [
                f"{arn}:apigateway:{_ANY_REGION}::/restapis",
                f"{arn}:apigateway:{_ANY_REGION}::/restapis/*",
            ],
        },
        {
            "Sid": "ReadBucketSettings",  # never GetObject
            "Effect": "Allow",
            "Action": list(_S3_READS),
            "Resource": [f"{arn}:s3:::{b}" for b in check_buckets(buckets)],
        },
        {
            "Sid": "ReadKeySettings",
            "Effect": "Allow",
            "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus"],
            "Resource": f"{arn}:kms:{here}:key/*",
        },
        {
            "Sid": "ReadSecretSettings",  # never GetSecretValue
            "Effect": "Allow",
            "Action": ["secretsmanager:GetResourcePolicy"],
            "Resource": f"{arn}:secretsmanager:{here}:secret:*",
        },
        {
            "Sid": "ReadExecutionRoles",
            "Effect": "Allow",
            "Action": ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"],
            "Resource": f"{arn}:iam::{ACCOUNT}:role/*",
        },
        {
            "Sid": "ReadTrails",  # an organisation trail lives in the management account
            "Effect": "Allow",
            "Action": ["cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus"],
            "Resource": f"{arn}:cloudtrail:{_ANY_REGION}:*:trail/*",
        },
        {
            "Sid": "ReadThreatDetection",
            "Effect": "Allow",
            "Action": ["guardduty:GetDetector"],
            "Resource": f"{arn}:guardduty:{here}:detector/*",
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def member_trust() -> dict[str, Any]:
    """Who may assume the auditor role: the audit task's role in the audit account,
    from inside the organisation, and nobody else."""
    task = f"arn:{PARTITION}:iam::${{AuditAccountId}}:role/${{AuditTaskRoleName}}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AuditTaskOnly",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{PARTITION}:iam::${{AuditAccountId}}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": task},
                    "StringEquals": {"aws:PrincipalOrgID": "${OrganizationId}"},
                },
            }
        ],
    }


def member_template(buckets: Sequence[str] = DEFAULT_BUCKETS) -> dict[str, Any]:
    """The StackSet template of every member account: the auditor role, read-only
    (:func:`auditor_policy` with ``buckets``, attached and as its permissions
    boundary), assumable only by the audit task.  Raises ``InvalidArgumentError``
    for a bad bucket pattern."""
    policy = auditor_policy(buckets)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "secure-sagemaker read-only auditor role (StackSet, per member account)",
        "Parameters": {
            "AuditAccountId": {
                "Type": "String",
                "AllowedPattern": "[0-9]{12}",
                "Description": "the account running the audit stack",
            },
            "AuditTaskRoleName": {
                "Type": "String",
                "Default": "secure-sagemaker-audit-task",
                "Description": "the audit task's role name (NAME-task of the audit stack)",
            },
            "OrganizationId": {
                "Type": "String",
                "AllowedPattern": "o-[a-z0-9]{10,32}",
                "Description": "the AWS Organization the audit account belongs to",
            },
            "AuditorRoleName": {
                "Type": "String",
                "Default": "secure-sagemaker-auditor",
                "Description": "name of this role (the audit stack's AuditorRoleName)",
            },
        },
        "Resources": {
            "AuditorPermissions": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "Description": "secure-sagemaker auditor: read what the audit judges",
                    "PolicyDocument": cfn.subs(policy),
                },
            },
            "AuditorRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": {"Ref": "AuditorRoleName"},
                    "Description": "secure-sagemaker auditor: read-only, for the audit task",
                    "AssumeRolePolicyDocument": cfn.subs(member_trust()),
                    "ManagedPolicyArns": [{"Ref": "AuditorPermissions"}],
                    "PermissionsBoundary": {"Ref": "AuditorPermissions"},
                    "MaxSessionDuration": 3600,
                },
            },
        },
        "Outputs": {"AuditorRoleArn": {"Value": {"Fn::GetAtt": ["AuditorRole", "Arn"]}}},
    }


def policy_size(policy: dict[str, Any]) -> int:
    """Characters IAM counts against a managed policy's 6,144 (whitespace aside)."""
    return len(json.dumps(policy, separators=(",", ":")))
