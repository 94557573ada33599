"""Least-privilege documents for SageMaker execution roles: permissions and trust."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from secure_sagemaker._aws.s3uri import SCHEME
from secure_sagemaker.exceptions import PolicyError

__all__ = ["SAGEMAKER_METRIC_NAMESPACES", "execution_role_policy", "trust_policy"]

Document = dict[str, Any]

#: CloudWatch namespaces SageMaker containers publish to (``/aws/sagemaker/...`` and
#: the SDK's ``sagemaker``-prefixed custom metrics).
SAGEMAKER_METRIC_NAMESPACES = ("/aws/sagemaker/*", "sagemaker*", "SageMaker*")
#: log groups SageMaker jobs, endpoints and notebooks write to
SAGEMAKER_LOG_GROUPS = (
    "/aws/sagemaker/TrainingJobs",
    "/aws/sagemaker/ProcessingJobs",
    "/aws/sagemaker/TransformJobs",
    "/aws/sagemaker/Endpoints/*",
    "/aws/sagemaker/NotebookInstances",
)
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+$|^arn:.*mrk-[0-9a-f]+$"
)


def _strs(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _bucket_and_prefix(uri: str) -> tuple[str, str]:
    rest = uri.removeprefix(SCHEME)
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise PolicyError("each entry must be s3://bucket/prefix or a bucket name", key="s3")
    return bucket, prefix.strip("/")


def _s3_statements(partition: str, read: Sequence[str], write: Sequence[str]) -> list[Document]:
    """Object actions on the prefixes only; ListBucket constrained to the prefixes."""
    out: list[Document] = []
    targets = [(uri, False) for uri in read] + [(uri, True) for uri in write]
    if not targets:
        return out
    objects_read: list[str] = []
    objects_write: list[str] = []
    listing: dict[str, list[str]] = {}
    for uri, writable in targets:
        bucket, prefix = _bucket_and_prefix(uri)
        pattern = f"{prefix}/*" if prefix else "*"
        arn = f"arn:{partition}:s3:::{bucket}/{pattern}"
        (objects_write if writable else objects_read).append(arn)
        listing.setdefault(bucket, []).append(f"{prefix}/*" if prefix else "*")
    if objects_read or objects_write:
        out.append(
            {
                "Sid": "ReadArtifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": sorted(set(objects_read + objects_write)),
            }
        )
    if objects_write:
        out.append(
            {
                "Sid": "WriteArtifacts",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": sorted(set(objects_write)),
            }
        )
    for i, (bucket, prefixes) in enumerate(sorted(listing.items())):
        statement: Document = {
            "Sid": f"ListArtifactPrefixes{i}",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": f"arn:{partition}:s3:::{bucket}",
        }
        if "*" not in prefixes:
            plain = sorted({p.removesuffix("/*") for p in prefixes})
            statement["Condition"] = {
                "StringLike": {"s3:prefix": sorted({*plain, *(f"{p}/*" for p in plain)})}
            }
        out.append(statement)
    return out


def _kms_statement(keys: Sequence[str], region: str, services: Sequence[str]) -> Document:
    for key in keys:
        if not _KEY_ARN.match(key):
            raise PolicyError(
                "each entry must be a KMS key ARN (arn:aws:kms:...:key/...)", key="kms"
            )
    return {
        "Sid": "UseKmsKeysThroughServices",
        "Effect": "Allow",
        "Action": [
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:DescribeKey",
            "kms:CreateGrant",
        ],
        "Resource": sorted(set(keys)),
        "Condition": {
            "StringEquals": {
                "kms:ViaService": sorted({f"{s}.{region}.amazonaws.com" for s in services})
            }
        },
    }


def _secret_arn(secret: str, partition: str, region: str, account: str) -> str:
    if secret.startswith("arn:"):
        return secret
    # Secrets Manager appends "-" and six random characters to every secret's ARN
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret}-??????"


def _repository_arn(repo: str, partition: str, region: str, account: str) -> str:
    if repo.startswith("arn:"):
        return repo
    return f"arn:{partition}:ecr:{region}:{account}:repository/{repo}"


def _vpc_statements(
    partition: str,
    region: str,
    account: str,
    vpc_id: str | None,
    subnets: Sequence[str],
    security_groups: Sequence[str],
) -> list[Document]:
    prefix = f"arn:{partition}:ec2:{region}:{account}"
    eni = f"{prefix}:network-interface/*"
    create_resources = [eni]
    create_resources += [f"{prefix}:subnet/{s}" for s in subnets] or [f"{prefix}:subnet/*"]
    create_resources += [f"{prefix}:security-group/{g}" for g in security_groups] or [
        f"{prefix}:security-group/*"
    ]
    condition: Document | None = None
    if vpc_id:
        condition = {"ArnEquals": {"ec2:Vpc": f"{prefix}:vpc/{vpc_id}"}}
    create: Document = {
        "Sid": "CreateJobNetworkInterfaces",
        "Effect": "Allow",
        "Action": ["ec2:CreateNetworkInterface"],
        "Resource": create_resources,
    }
    manage: Document = {
        "Sid": "ManageJobNetworkInterfaces",
        "Effect": "Allow",
        "Action": [
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
        ],
        "Resource": [eni],
    }
    if condition:
        create["Condition"] = condition
        manage["Condition"] = condition
    describe: Document = {
        "Sid": "DescribeJobNetwork",
        "Effect": "Allow",
        "Action": [
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
        ],
        "Resource": "*",
    }
    return [create, manage, describe]


def execution_role_policy(
    *,
    account_id: str,
    region: str,
    artifact_stores: str | Iterable[str] = (),
    s3_prefixes: str | Iterable[str] = (),
    kms_keys: str | Iterable[str] = (),
    secrets: str | Iterable[str] = (),
    ecr_repositories: str | Iterable[str] = (),
    log_groups: str | Iterable[str] = SAGEMAKER_LOG_GROUPS,
    vpc: bool = True,
    vpc_id: str | None = None,
    subnets: str | Iterable[str] = (),
    security_groups: str | Iterable[str] = (),
    partition: str = "aws",
) -> Document:
    """The identity policy a SageMaker training/processing/endpoint execution role needs
    for exactly these resources, and nothing else.

    * ``artifact_stores``: ``s3://bucket/prefix`` URIs the job reads **and writes**
      (outputs, checkpoints, model artifacts); ``s3_prefixes``: URIs it only reads.
    * ``kms_keys``: key ARNs; used only through S3, SageMaker, Secrets Manager and EC2
      (``kms:ViaService``), never directly.
    * ``secrets``: secret names or ARNs (``secretsmanager:GetSecretValue`` only).
    * ``ecr_repositories``: repository names or ARNs the job pulls images from.
    * ``log_groups``: CloudWatch log groups (default: SageMaker's own).
    * ``vpc``: add the EC2 network-interface actions VPC jobs need; ``vpc_id``,
      ``subnets`` and ``security_groups`` narrow them (``ec2:Vpc`` condition, named
      subnets and groups).

    ``cloudwatch:PutMetricData`` is limited to SageMaker namespaces.  Raises
    :class:`~secure_sagemaker.PolicyError` for a malformed account, region, S3 URI or
    KMS key ARN (the message names the argument, never its value).

    >>> doc = execution_role_policy(account_id="123456789012", region="us-east-1",
    ...     artifact_stores="s3://ml-artifacts/team-a", kms_keys=[
    ...     "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"])
    >>> sorted(s["Sid"] for s in doc["Statement"])[:2]
    ['CreateJobNetworkInterfaces', 'DescribeJobNetwork']
    """
    if not _ACCOUNT.match(account_id):
        raise PolicyError("must be a 12-digit AWS account ID", key="account_id")
    if not _REGION.match(region):
        raise PolicyError("must be a region name such as eu-west-1", key="region")
    read, write = _strs(s3_prefixes), _strs(artifact_stores)
    keys = _strs(kms_keys)
    statements: list[Document] = _s3_statements(partition, read, write)
    if keys:
        services = ["s3", "sagemaker", "secretsmanager"] + (["ec2"] if vpc else [])
        statements.append(_kms_statement(keys, region, services))
    secret_arns = [_secret_arn(s, partition, region, account_id) for s in _strs(secrets)]
    if secret_arns:
        statements.append(
            {
                "Sid": "ReadNamedSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": sorted(set(secret_arns)),
            }
        )
    repos = [_repository_arn(r, partition, region, account_id) for r in _strs(ecr_repositories)]
    if repos:
        statements.append(
            {
                "Sid": "PullNamedImages",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": sorted(set(repos)),
            }
        )
        statements.append(
            {
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken"],
                "Resource": "*",
            }
        )
    groups = _strs(log_groups)
    if groups:
        base = f"arn:{partition}:logs:{region}:{account_id}:log-group:"
        statements.append(
            {
                "Sid": "WriteSageMakerLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                "Resource": sorted(
                    {f"{base}{g}" for g in groups} | {f"{base}{g}:*" for g in groups}
                ),
            }
        )
    statements.append(
        {
            "Sid": "PublishSageMakerMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {
                "StringLike": {"cloudwatch:namespace": list(SAGEMAKER_METRIC_NAMESPACES)}
            },
        }
    )
    if vpc:
        statements.extend(
            _vpc_statements(
                partition, region, account_id, vpc_id, _strs(subnets), _strs(security_groups)
            )
        )
    return {"Version": "2012-10-17", "Statement": statements}


def trust_policy(
    account_id: str,
    *,
    source_arns: str | Iterable[str] = (),
    service: str = "sagemaker.amazonaws.com",
) -> Document:
    """A trust policy letting ``service`` assume the role only on behalf of
    ``account_id`` (``aws:SourceAccount``) and, when given, only for these resources
    (``aws:SourceArn``, wildcards allowed) - the confused-deputy conditions.

    >>> trust_policy("123456789012")["Statement"][0]["Condition"]
    {'StringEquals': {'aws:SourceAccount': '123456789012'}}
    """
    if not _ACCOUNT.match(account_id):
        raise PolicyError("must be a 12-digit AWS account ID", key="account_id")
    condition: Document = {"StringEquals": {"aws:SourceAccount": account_id}}
    arns = _strs(source_arns)
    if arns:
        condition["ArnLike"] = {"aws:SourceArn": arns if len(arns) > 1 else arns[0]}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }
