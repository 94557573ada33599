"""EventBridge pieces of the detector template: one rule per CloudTrail event
source with the events the detector judges, its invoke permission and dead-letter
queue policy, and (organisation variant) a twin rule forwarding the same events to
a central event bus through a role limited to ``events:PutEvents`` on that bus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = [
    "DETAIL_TYPE",
    "PATTERN_LIMIT",
    "event_patterns",
    "forward_role",
    "queue_policy",
    "rules",
]

DETAIL_TYPE = "AWS API Call via CloudTrail"
#: EventBridge's limit on one rule's pattern (PutRule EventPattern, characters).
PATTERN_LIMIT = 4096


def event_patterns(buckets: Sequence[str] = ("*",)) -> dict[str, dict[str, Any]]:
    """``{eventSource: EventBridge pattern}``: per service, the CloudTrail events
    the detector judges (:func:`secure_sagemaker.watch._events.watched_events`,
    itself derived from the catalog's judged operations).  Raises
    ``InvalidArgumentError`` if one pattern outgrows EventBridge's limit."""
    from secure_sagemaker.watch._events import watched_events

    out: dict[str, dict[str, Any]] = {}
    for source, names in sorted(watched_events().items()):
        if not names:
            continue
        detail: dict[str, Any] = {"eventSource": [source], "eventName": sorted(names)}
        if source == "s3.amazonaws.com" and "*" not in buckets:  # only the judged buckets
            bucket_names = [{"wildcard": b} if "*" in b else b for b in buckets]
            detail["requestParameters"] = {"bucketName": bucket_names}
        pattern = {
            "source": [f"aws.{source.split('.', 1)[0]}"],
            "detail-type": [DETAIL_TYPE],
            "detail": detail,
        }
        if len(json.dumps(pattern, separators=(",", ":"))) > PATTERN_LIMIT:
            raise InvalidArgumentError(f"the {source} event pattern exceeds {PATTERN_LIMIT}")
        out[source] = pattern
    return out


def rules(org: bool, buckets: Sequence[str] = ("*",)) -> dict[str, Any]:
    """One rule per event source (each pattern within EventBridge's limit), each
    with its invoke permission; with ``org``, a forwarding twin per rule."""
    out: dict[str, Any] = {}
    for source, pattern in event_patterns(buckets).items():
        name = "".join(p.capitalize() for p in source.split(".", 1)[0].split("-"))
        rule = f"{name}Events"
        out[rule] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": f"{source} calls secure-sagemaker judges",
                "EventPattern": pattern,
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "detector",
                        "Arn": {"Fn::GetAtt": ["Detector", "Arn"]},
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}},
                        "RetryPolicy": {
                            "MaximumRetryAttempts": 8,
                            "MaximumEventAgeInSeconds": 3600,
                        },
                    }
                ],
            },
        }
        out[f"{rule}Invoke"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Detector"},
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        }
        if org:
            out[f"{rule}Forward"] = {
                "Type": "AWS::Events::Rule",
                "Condition": "Forward",
                "Properties": {
                    "Description": f"{source} calls secure-sagemaker judges, to the central bus",
                    "EventPattern": pattern,
                    "State": "ENABLED",
                    "Targets": [
                        {
                            "Id": "central-bus",
                            "Arn": {"Ref": "CentralEventBusArn"},
                            "RoleArn": {"Fn::GetAtt": ["ForwardRole", "Arn"]},
                            "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}},
                        }
                    ],
                },
            }
    return out


def forward_role() -> dict[str, Any]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            }
        ],
    }
    return {
        "Type": "AWS::IAM::Role",
        "Condition": "Forward",
        "Properties": {
            "Description": "EventBridge forwards judged calls to the central bus",
            "AssumeRolePolicyDocument": trust,
            "Policies": [
                {
                    "PolicyName": "put-events-central-bus",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["events:PutEvents"],
                                "Resource": {"Ref": "CentralEventBusArn"},
                            }
                        ],
                    },
                }
            ],
        },
    }


def queue_policy(org: bool, buckets: Sequence[str] = ("*",)) -> dict[str, Any]:
    """EventBridge may put the events it could not deliver in the dead-letter queue,
    for this stack's rules only (a forwarding rule only when it exists)."""
    sources: list[Any] = []
    for name in rules(org, buckets):
        if name.endswith("Events"):
            sources.append({"Fn::GetAtt": [name, "Arn"]})
        elif name.endswith("Forward"):
            arn = {"Fn::GetAtt": [name, "Arn"]}
            sources.append({"Fn::If": ["Forward", arn, {"Ref": "AWS::NoValue"}]})
    statement: dict[str, Any] = {
        "Sid": "EventBridgeDeadLetters",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "Condition": {"ArnEquals": {"aws:SourceArn": sources}},
    }
    return {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": "DeadLetterQueue"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        },
    }
