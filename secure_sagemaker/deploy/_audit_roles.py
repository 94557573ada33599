"""The audit account's roles and state machine of the distributed audit: the task's
policy (assume the auditor roles, write the reports), the state machine's (invoke
the task, run the Distributed Map's children), the schedule's (start it), and the
state machine definition.  ``${Name}`` ... are the audit template's parameters.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.deploy import _cfn as cfn
from secure_sagemaker.deploy._cfn import ACCOUNT, PARTITION, REGION

__all__ = ["definition", "machine_policy", "schedule_policy", "task_policy"]

#: Lambda errors worth retrying (throttling, a service hiccup), with backoff.
_RETRY = [
    {
        "ErrorEquals": [
            "Lambda.TooManyRequestsException",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2,
        "JitterStrategy": "FULL",
    }
]


def task_policy(*, bucket_arn: str, key_arn: str, log_group_arn: str) -> dict[str, Any]:
    """The audit task's policy: assume the auditor role (inside the organisation
    only), list the organisation's accounts, write and read the bucket's ``runs/``
    prefix with its key, write its own logs."""
    arn = f"arn:{PARTITION}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeAuditorRoles",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": f"{arn}:iam::*:role/${{AuditorRoleName}}",
                "Condition": {"StringEquals": {"aws:ResourceOrgID": "${OrganizationId}"}},
            },
            {
                "Sid": "ListAccounts",  # no resource-level permission exists
                "Effect": "Allow",
                "Action": ["organizations:ListAccounts"],
                "Resource": "*",
            },
            {
                "Sid": "ShardReports",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                "Resource": f"{bucket_arn}/runs/*",
            },
            {
                "Sid": "FindShardReports",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": ["runs/*"]}},
            },
            cfn.use_key("EncryptReports", key_arn),
            cfn.write_own_logs(log_group_arn),
        ],
    }


def machine_policy() -> dict[str, Any]:
    """The state machine's policy: invoke the task, run its own child executions
    (a Distributed Map starts one per batch).  ARNs are built from ``${Name}``."""
    states = f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}"
    function = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:${{Name}}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeTask",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [function, f"{function}:*"],
            },
            {
                "Sid": "RunMapChildren",
                "Effect": "Allow",
                "Action": ["states:StartExecution"],
                "Resource": f"{states}:stateMachine:${{Name}}",
            },
            {
                "Sid": "WatchMapChildren",
                "Effect": "Allow",
                "Action": ["states:DescribeExecution", "states:StopExecution"],
                "Resource": f"{states}:execution:${{Name}}/*",
            },
        ],
    }


def schedule_policy() -> dict[str, Any]:
    """The schedule's policy: start the state machine, nothing else."""
    machine = f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:${{Name}}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StartAudit",
                "Effect": "Allow",
                "Action": ["states:StartExecution"],
                "Resource": machine,
            }
        ],
    }


def definition() -> dict[str, Any]:
    """The state machine: plan the shards, audit them in a Distributed Map (one
    Lambda task each, ``MaxConcurrency`` at once, no failure tolerated), merge.
    ``${...}`` are ``DefinitionSubstitutions``; each task invokes the function
    directly (its result is the state's output)."""
    return {
        "Comment": "secure-sagemaker: audit the organisation's accounts, one shard per task",
        "StartAt": "Plan",
        "States": {
            "Plan": {
                "Type": "Pass",
                "Parameters": {
                    "run.$": "$$.Execution.Name",
                    "items.$": "States.ArrayRange(1, ${Shards}, 1)",
                    "shards.$": "States.StringToJson('${Shards}')",
                    "concurrency.$": "States.StringToJson('${MaxConcurrency}')",
                },
                "Next": "AuditShards",
            },
            "AuditShards": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {
                    "action": "shard",
                    "shard.$": "$$.Map.Item.Value",
                    "shards.$": "$.shards",
                    "run.$": "$.run",
                },
                "MaxConcurrencyPath": "$.concurrency",
                "ToleratedFailurePercentage": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "AuditShard",
                    "States": {
                        "AuditShard": {
                            "Type": "Task",
                            "Resource": "${FunctionArn}",
                            "Retry": _RETRY,
                            "End": True,
                        }
                    },
                },
                "ResultPath": None,
                "Next": "Merge",
            },
            "Merge": {
                "Type": "Task",
                "Resource": "${FunctionArn}",
                "Parameters": {"action": "merge", "run.$": "$.run", "shards.$": "$.shards"},
                "Retry": _RETRY,
                "End": True,
            },
        },
    }
