"""IAM policy documents: parsing, action matching, and the checks of the SM6xx rules.

Every check is ``(value, ctx) -> Verdict``, never raises, and never quotes a value:
a failure names the statement (``Statement[2].Action``) and what is wrong with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from secure_sagemaker.rules import MISSING, PASS, Check, Context, Verdict, fail

__all__ = [
    "BROAD_MANAGED_POLICIES",
    "RESOURCE_STAR_ACTIONS",
    "action_matches",
    "as_list",
    "load_document",
    "normalize_action",
    "statements",
]

#: SageMaker listings of top-level resources (what the audit lists): no resource type.
_SAGEMAKER_LISTS = (
    "ListAIBenchmarkJobs",
    "ListAIRecommendationJobs",
    "ListAIWorkloadConfigs",
    "ListAlgorithms",
    "ListApps",
    "ListAutoMLJobs",
    "ListClusters",
    "ListCodeRepositories",
    "ListCompilationJobs",
    "ListDataQualityJobDefinitions",
    "ListDeviceFleets",
    "ListDomains",
    "ListEdgePackagingJobs",
    "ListEndpointConfigs",
    "ListEndpoints",
    "ListFeatureGroups",
    "ListFlowDefinitions",
    "ListHubs",
    "ListHyperParameterTuningJobs",
    "ListImages",
    "ListInferenceComponents",
    "ListInferenceExperiments",
    "ListInferenceRecommendationsJobs",
    "ListInferenceRouters",
    "ListLabelingJobs",
    "ListMlflowApps",
    "ListMlflowTrackingServers",
    "ListModelBiasJobDefinitions",
    "ListModelCards",
    "ListModelExplainabilityJobDefinitions",
    "ListModelPackages",
    "ListModelQualityJobDefinitions",
    "ListModels",
    "ListNotebookInstanceLifecycleConfigs",
    "ListNotebookInstances",
    "ListOptimizationJobs",
    "ListPartnerApps",
    "ListPipelines",
    "ListProcessingJobs",
    "ListProjects",
    "ListSpaces",
    "ListStudioLifecycleConfigs",
    "ListTrainingJobs",
    "ListTransformJobs",
    "ListUserProfiles",
    "ListWorkforces",
    "ListWorkteams",
)

#: Actions that support no resource-level permission: ``"Resource": "*"`` is the only
#: way to grant them (AWS Service Authorization Reference: no resource type listed).
#: Read-only listings and account-level reads, plus the few writes below.
RESOURCE_STAR_ACTIONS = frozenset(
    a.lower()
    for a in (
        "ecr:GetAuthorizationToken",
        "cloudwatch:PutMetricData",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeRouteTables",
        "ec2:DescribeFlowLogs",
        "sts:GetCallerIdentity",
        "kms:ListAliases",
        "kms:ListKeys",
        "cloudtrail:DescribeTrails",
        "guardduty:ListDetectors",
        "macie2:GetMacieSession",
        "s3:GetAccountPublicAccessBlock",
        "secretsmanager:ListSecrets",
        "organizations:ListAccounts",
        "sagemaker:ListMonitoringSchedules",
        *(f"sagemaker:{name}" for name in _SAGEMAKER_LISTS),
    )
)

#: AWS-managed policies that grant administrator-equivalent power, or broad write,
#: read or decrypt power over what the policy protects (buckets, keys, secrets, roles,
#: the network, the audit trail): never attached to a role (SM606).  Name -> why.
#: tests/test_iam_rules.py checks each name against moto's snapshot of the AWS-managed
#: policies, and that every attachable one granting, on every resource and without a
#: condition, an IAM policy write, a key/bucket/secret policy write, every secret's
#: value or cloudtrail:StopLogging is listed; the others (PassRole to code-running
#: services, ec2:*/VPC writes, ssm:*, key and alias management, sagemaker:*) by review.
BROAD_MANAGED_POLICIES: Mapping[str, str] = {
    "AdministratorAccess": "every action on every resource",
    "PowerUserAccess": "every action but IAM and Organizations (NotAction): every key, "
    "bucket and secret",
    "AIDevOpsAgentActionsPolicy": "every action but IAM, STS and Organizations (NotAction)",
    "IAMFullAccess": "iam:* - grants itself any permission (privilege escalation)",
    "SystemAdministrator": "s3:* on every bucket, security groups, routes, CloudTrail "
    "StopLogging (job-function)",
    "NetworkAdministrator": "opens security groups, routes, gateways and VPC endpoints "
    "(job-function)",
    "AmazonVPCFullAccess": "opens security groups, routes, gateways and VPC endpoints",
    "AmazonEC2FullAccess": "ec2:* on every resource: the network, snapshots and instances",
    "DataScientist": "s3:Get*/PutObject on every bucket, sagemaker:*, PassRole (job-function)",
    "AmazonS3FullAccess": "s3:* on every bucket: every object, bucket policy and ACL",
    "AmazonSageMakerFullAccess": "sagemaker:* and iam:PassRole of any role to SageMaker",
    "SageMakerStudioAdminIAMPermissiveExecutionPolicy": "s3:*, sagemaker:*, glue:* ... on "
    "every resource",
    "SageMakerStudioUserIAMPermissiveExecutionPolicy": "s3:*, sagemaker:*, glue:* ... on "
    "every resource",
    "AWSKeyManagementServicePowerUser": "creates keys and deletes aliases of every key: "
    "an alias the policy names can be re-pointed",
    "SecretsManagerReadWrite": "secretsmanager:* on every secret: reads, deletes and opens it",
    "AWSLambda_FullAccess": "lambda:* and iam:PassRole to Lambda: runs code as any role",
    "AmazonSSMFullAccess": "ssm:* - runs commands on every managed instance, as its role",
    "AWSCloudTrail_FullAccess": "cloudtrail:* - stops and deletes the audit trail",
    "AmazonElasticMapReduceFullAccess": "s3:* on every bucket, security groups, PassRole",
    "AmazonDynamoDBFullAccesswithDataPipeline": "s3:Put* on every bucket, lambda:*, "
    "iam:PassRole of any role",
    "AdministratorAccess-Amplify": "writes bucket policies and ACLs, creates IAM roles "
    "and policies",
    "AmazonEC2RoleforDataPipelineRole": "s3:* on every bucket (service role)",
    "AmazonElasticMapReduceforEC2Role": "s3:* on every bucket (service role)",
    "AmazonCognitoUnAuthedIdentitiesSessionPolicy": "kms:Decrypt and Encrypt on every "
    "key (a session policy, never a role's)",
}

# possessive: a path segment ends at "/", so giving characters back never helps
_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:[\w+=,.@-]++/)*+([\w+=,.@-]++)$")
_CONFUSED_DEPUTY_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)


def as_list(value: Any) -> list[Any]:
    """``value`` as a list (``None`` -> ``[]``, a scalar -> ``[scalar]``)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def load_document(value: Any) -> Mapping[str, Any] | None:
    """A policy document from a JSON string or a mapping (boto3 returns IAM documents
    already decoded); ``None`` when it is neither."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            return None
    return value if isinstance(value, Mapping) else None


def statements(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, statement)`` for every statement; ``label`` is ``Statement[i]`` (or
    ``Statement`` for a single-object statement)."""
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        yield "Statement", raw
        return
    for i, st in enumerate(as_list(raw)):
        if isinstance(st, Mapping):
            yield f"Statement[{i}]", st


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards (see
    :func:`glob_matches`)."""
    return glob_matches(pattern.lower(), action.lower())


def glob_matches(pattern: str, text: str) -> bool:
    """IAM wildcard matching, case-sensitive (resources; actions lower-case both
    sides first): ``*`` any run, ``?`` any one character.

    Linear in the pattern's length (a policy in a request is as long as its sender
    likes; compiling such a pattern as an fnmatch regex took seconds)."""
    parts = pattern.split("*")
    if sum(map(len, parts)) > len(text):
        return False  # more characters to match than the text has
    if len(parts) == 1:
        return len(pattern) == len(text) and _fits(pattern, text, 0)
    first, *middle, last = parts
    end = len(text) - len(last)
    if len(first) > end or not (_fits(first, text, 0) and _fits(last, text, end)):
        return False
    at = len(first)
    for part in filter(None, middle):  # each at its leftmost place: the greedy glob
        at = _find(part, text, at, end)
        if at < 0:
            return False
        at += len(part)
    return True


def _fits(part: str, text: str, at: int) -> bool:
    """``part`` (``?`` standing for any one character) matches ``text`` at ``at``;
    the caller has checked it ends inside ``text``."""
    if "?" not in part:
        return text.startswith(part, at)
    return all(c in ("?", t) for c, t in zip(part, text[at : at + len(part)], strict=True))


def _find(part: str, text: str, start: int, end: int) -> int:
    """The leftmost place ``part`` fits in ``text[start:end]``, or -1."""
    if "?" not in part:
        return text.find(part, start, end)
    return next((at for at in range(start, end - len(part) + 1) if _fits(part, text, at)), -1)


def _allows(st: Mapping[str, Any]) -> bool:
    return st.get("Effect") == "Allow"


def _condition_keys(st: Mapping[str, Any]) -> set[str]:
    cond = st.get("Condition")
    if not isinstance(cond, Mapping):
        return set()
    keys: set[str] = set()
    for block in cond.values():
        if isinstance(block, Mapping):
            keys.update(str(k).lower() for k in block)
    return keys


def _covers(st: Mapping[str, Any], action: str) -> bool:
    """The statement's Action (or NotAction) covers ``action``."""
    if "NotAction" in st:
        return not any(action_matches(str(p), action) for p in as_list(st["NotAction"]))
    return any(action_matches(str(p), action) for p in as_list(st.get("Action")))


def _all_wildcard(text: str) -> bool:
    return bool(text) and "*" in text and not text.strip("*?")


def normalize_action(action: str) -> str:
    """The IAM-equivalent canonical form of a wildcard action: a name made only of
    ``*`` and ``?`` with at least one ``*`` matches every action (``s3:**``, ``s3:?*``,
    ``s3:*?`` -> ``s3:*``; ``*:*``, ``**``, ``?*`` -> ``*``); the service prefix is
    lowercased (IAM compares actions case-insensitively); anything but a string is
    returned as given (the caller judges its type)."""
    if not isinstance(action, str):
        return action
    service, sep, name = action.partition(":")
    if not sep:
        return "*" if _all_wildcard(action) else action
    if _all_wildcard(service):
        return "*" if _all_wildcard(name) or not name else action
    if _all_wildcard(name):
        return f"{service.lower()}:*"
    return f"{service.lower()}:{name}"


def _is_full_wildcard(action: str) -> bool:
    """Every action of every service: ``*`` in any spelling, or a wildcard service
    prefix (``*:Get*`` spans every service)."""
    normal = normalize_action(action)
    return normal == "*" or _all_wildcard(normal.partition(":")[0])


def _is_service_wildcard(action: str) -> bool:
    """Every action of a service (``s3:*`` in any spelling: ``s3:**``, ``S3:?*``), or a
    pattern without a colon that spans one (``s3*``: IAM refuses it, judged anyway)."""
    normal = normalize_action(action)
    service, sep, name = normal.partition(":")
    if not sep:
        return normal != "*" and "*" in normal
    return bool(service) and not _all_wildcard(service) and name == "*"


def _is_wildcard_resource(resource: str) -> bool:
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    return len(parts) == 6 and set(parts[5]) <= {"*", "/"}


def _first(failures: list[tuple[str, str]], reason: str) -> Verdict:
    at, _ = failures[0]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return fail(reason + more, at)


def _document_check(judge: Any) -> Check:
    """A check over an identity policy document: ``judge(label, statement)`` returns a
    list of ``(at, reason)`` failures for one statement."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING:
            return fail("is absent")
        doc = load_document(value)
        if doc is None:
            return fail("is not a JSON policy document")
        failures: list[tuple[str, str]] = []
        for label, st in statements(doc):
            failures.extend(judge(label, st))
        if not failures:
            return PASS
        return _first(failures, failures[0][1])

    return check


def _wildcard_action(label: str, st: Mapping[str, Any]) -> list[tuple[str, str]]:
    if _allows(st) and any(_is_full_wildcard(str(a)) for a in as_list(st.get("Action"))):
        return [(f"{label}.Action", "allows every action of every service (Action *)")]
    return []


def _service_wildcard(label: str, st: Mapping[str, Any]) -> list[tuple[str, str]]:
    if _allows(st) and any(_is_service_wildcard(str(a)) for a in as_list(st.get("Action"))):
        return [(f"{label}.Action", "allows every action of a service (service:*)")]
    return []


def _wildcard_resource(label: str, st: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not _allows(st) or "Resource" not in st:
        return []
    if not any(_is_wildcard_resource(str(r)) for r in as_list(st["Resource"])):
        return []
    actions = [str(a).lower() for a in as_list(st.get("Action"))]
    if actions and "NotAction" not in st and all(a in RESOURCE_STAR_ACTIONS for a in actions):
        return []  # these actions cannot be scoped to a resource
    return [(f"{label}.Resource", "applies to every resource (Resource *)")]


def _not_elements(label: str, st: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not _allows(st):
        return []
    out = []
    for element in ("NotAction", "NotResource"):
        if element in st:
            out.append((f"{label}.{element}", f"allows by exclusion ({element})"))
    return out


def _pass_role(label: str, st: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not _allows(st) or not _covers(st, "iam:PassRole"):
        return []
    if "iam:passedtoservice" in _condition_keys(st):
        return []
    return [
        (
            f"{label}.Condition",
            "allows iam:PassRole without an iam:PassedToService condition",
        )
    ]


wildcard_action = _document_check(_wildcard_action)
service_wildcard = _document_check(_service_wildcard)
wildcard_resource = _document_check(_wildcard_resource)
not_action_or_resource = _document_check(_not_elements)
pass_role_scoped = _document_check(_pass_role)


def _service_principals(st: Mapping[str, Any]) -> list[str]:
    principal = st.get("Principal")
    if not isinstance(principal, Mapping):
        return []
    return [str(s) for s in as_list(principal.get("Service"))]


def _trust(label: str, st: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not _allows(st) or not _service_principals(st):
        return []
    if _condition_keys(st) & _CONFUSED_DEPUTY_KEYS:
        return []
    return [
        (
            f"{label}.Condition",
            "trusts a service principal without aws:SourceAccount, aws:SourceArn or "
            "aws:SourceOrgID (confused deputy)",
        )
    ]


confused_deputy_conditions = _document_check(_trust)


def permissions_boundary(value: Any, ctx: Context) -> Verdict:
    if value is MISSING or not value:
        return fail("is absent, so nothing caps what later policy changes can grant")
    return PASS


def managed_policy_name(arn: Any) -> str | None:
    """The name of an AWS-managed policy ARN, ``None`` for any other value."""
    if not isinstance(arn, str):
        return None
    m = _MANAGED_ARN.match(arn)
    return m.group(1) if m else None


def not_broad_managed_policy(value: Any, ctx: Context) -> Verdict:
    if not isinstance(value, str):
        return fail("must be a policy ARN")
    why = BROAD_MANAGED_POLICIES.get(managed_policy_name(value) or "")
    if why is not None:
        return fail(f"is a broad AWS-managed policy ({why})")
    return PASS
