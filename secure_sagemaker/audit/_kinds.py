"""What the audit lists and how Describe output becomes the request the rules judge.

One :class:`Kind` per SageMaker resource type: the list call (paginated), the
Describe call, where the ARN is, and the request operation whose rules judge it,
with the few field renames between Describe output and the request.  Everything
else in Describe output already has the request's field names.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
from botocore import xform_name

from secure_sagemaker._aws.s3uri import bucket_in
from secure_sagemaker.audit._kinds_more import MORE_KINDS

__all__ = ["KINDS", "NOT_AUDITED", "Kind", "References", "references", "to_request"]

#: Rules the audit does not report, and why (documented in docs/audit.md).
NOT_AUDITED: Mapping[str, str] = {
    "SM299": "tags are not part of Describe output; fetching them costs one call per resource",
    "SM117": "tags are not part of Describe output (images and app image configs)",
}


@attrs.frozen
class Kind:
    """A SageMaker resource type the audit inventories.

    ``ids`` maps each Describe parameter to the list-item field that holds it (a
    field absent from the item is not passed).  ``renames`` maps a Describe output
    path -> the request path (dotted, ``[]`` for each element of a list; the shared
    leading segments are walked once).  ``recent`` kinds are listed with
    ``CreationTimeAfter`` (jobs: only the last N days); ``list_params`` are passed to
    every list call.  ``envelope`` is the Describe output field that holds the
    resource (DescribeWorkforce answers ``{"Workforce": {...}}``).
    """

    name: str
    resource_type: str
    list_method: str
    list_key: str
    describe_method: str
    ids: Mapping[str, str]
    arn_field: str
    operation: str
    renames: Mapping[str, str] = attrs.field(factory=dict)
    recent: bool = False
    list_params: Mapping[str, Any] = attrs.field(factory=dict)
    envelope: str | None = None

    def describe_params(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {param: item[field] for param, field in self.ids.items() if field in item}

    def label(self, item: Mapping[str, Any]) -> str:
        """The resource's name (for messages and when no ARN is known)."""
        return "/".join(str(item[field]) for field in self.ids.values() if field in item) or "?"

    def unwrap(self, described: Mapping[str, Any]) -> Mapping[str, Any]:
        """The resource in a Describe response (inside ``envelope`` when it has one)."""
        if self.envelope is None:
            return described
        inner = described.get(self.envelope)
        return inner if isinstance(inner, Mapping) else {}


def _k(
    name: str,
    cfn: str,
    noun: str,
    *,
    list_key: str | None = None,
    ids: Mapping[str, str] | None = None,
    plural: str | None = None,
    describe: str | None = None,
    operation: str | None = None,
    arn_field: str | None = None,
    **kw: Any,
) -> Kind:
    """A kind named after its noun: ``List<plural>``, ``Describe<describe>`` and
    ``Create<noun>`` unless given (see :mod:`._kinds_more`)."""
    return Kind(
        name=name,
        resource_type=f"AWS::SageMaker::{cfn}",
        list_method=xform_name(f"List{plural or noun + 's'}"),
        list_key=list_key or f"{plural or noun + 's'}",
        describe_method=xform_name(f"Describe{describe or noun}"),
        ids=ids or {f"{noun}Name": f"{noun}Name"},
        arn_field=arn_field or f"{noun}Arn",
        operation=operation or f"Create{noun}",
        **kw,
    )


_JOB_DEF = {"JobDefinitionName": "MonitoringJobDefinitionName"}

KINDS: tuple[Kind, ...] = (
    _k(
        "notebook-instance",
        "NotebookInstance",
        "NotebookInstance",
        renames={
            "SecurityGroups": "SecurityGroupIds",
            "NotebookInstanceLifecycleConfigName": "LifecycleConfigName",
        },
    ),
    _k(
        "notebook-lifecycle-config",
        "NotebookInstanceLifecycleConfig",
        "NotebookInstanceLifecycleConfig",
    ),
    _k("domain", "Domain", "Domain", ids={"DomainId": "DomainId"}),
    _k(
        "user-profile",
        "UserProfile",
        "UserProfile",
        ids={"DomainId": "DomainId", "UserProfileName": "UserProfileName"},
    ),
    _k("training-job", "TrainingJob", "TrainingJob", list_key="TrainingJobSummaries", recent=True),
    _k(
        "processing-job",
        "ProcessingJob",
        "ProcessingJob",
        list_key="ProcessingJobSummaries",
        recent=True,
    ),
    _k(
        "transform-job",
        "TransformJob",
        "TransformJob",
        list_key="TransformJobSummaries",
        recent=True,
    ),
    _k(
        "tuning-job",
        "HyperParameterTuningJob",
        "HyperParameterTuningJob",
        list_key="HyperParameterTuningJobSummaries",
        recent=True,
    ),
    _k("model", "Model", "Model"),
    _k("endpoint-config", "EndpointConfig", "EndpointConfig"),
    attrs.evolve(_k("endpoint", "Endpoint", "Endpoint"), operation="@Endpoint"),
    _k(
        "monitoring-schedule",
        "MonitoringSchedule",
        "MonitoringSchedule",
        list_key="MonitoringScheduleSummaries",
    ),
    *(
        _k(
            f"{slug}-job-definition",
            f"{noun}JobDefinition",
            f"{noun}JobDefinition",
            list_key="JobDefinitionSummaries",
            ids=_JOB_DEF,
        )
        for slug, noun in (
            ("data-quality", "DataQuality"),
            ("model-bias", "ModelBias"),
            ("model-explainability", "ModelExplainability"),
            ("model-quality", "ModelQuality"),
        )
    ),
    attrs.evolve(
        _k("pipeline", "Pipeline", "Pipeline", list_key="PipelineSummaries"),
        arn_field="PipelineArn",
    ),
    _k("cluster", "Cluster", "Cluster", list_key="ClusterSummaries"),
    _k("space", "Space", "Space", ids={"DomainId": "DomainId", "SpaceName": "SpaceName"}),
    _k(
        "app",
        "App",
        "App",
        # an app belongs to a user profile or to a space: the other one is absent
        ids={
            "DomainId": "DomainId",
            "UserProfileName": "UserProfileName",
            "SpaceName": "SpaceName",
            "AppType": "AppType",
            "AppName": "AppName",
        },
    ),
    _k(
        "inference-component",
        "InferenceComponent",
        "InferenceComponent",
        renames={
            f"{spec}.Container.DeployedImage.SpecifiedImage": f"{spec}.Container.Image"
            for spec in ("Specification", "Specifications[]")
        },
    ),
    _k(
        "mlflow-tracking-server",
        "MlflowTrackingServer",
        "MlflowTrackingServer",
        list_key="TrackingServerSummaries",
        ids={"TrackingServerName": "TrackingServerName"},
        arn_field="TrackingServerArn",
    ),
    _k("workforce", "Workforce", "Workforce", envelope="Workforce"),
    _k(
        "model-package",
        "ModelPackage",
        "ModelPackage",
        list_key="ModelPackageSummaryList",
        # versioned packages (a model registry's) too; the ARN names either kind
        ids={"ModelPackageName": "ModelPackageArn"},
        list_params={"ModelPackageType": "Both"},
    ),
    _k(
        "compilation-job",
        "CompilationJob",
        "CompilationJob",
        list_key="CompilationJobSummaries",
        recent=True,
    ),
    _k(
        "optimization-job",
        "OptimizationJob",
        "OptimizationJob",
        list_key="OptimizationJobSummaries",
        recent=True,
    ),
)
# the job-definition ARN field is JobDefinitionArn, not <Noun>JobDefinitionArn
KINDS = tuple(
    attrs.evolve(k, arn_field="JobDefinitionArn") if k.ids == _JOB_DEF else k for k in KINDS
) + tuple(_k(name, noun, noun, **options) for name, noun, options in MORE_KINDS)


def to_request(kind: Kind, described: Mapping[str, Any]) -> dict[str, Any]:
    """Describe output (unwrapped) -> the request shape ``kind.operation``'s rules judge."""
    body = kind.unwrap(described)
    out = {k: v for k, v in body.items() if k != "ResponseMetadata"}
    if any("." in path for path in kind.renames):
        out = copy.deepcopy(out)  # nested renames must not change the Describe output
    for old, new in kind.renames.items():
        _rename(out, old.split("."), new.split("."))
    return out


def _rename(node: Any, old: list[str], new: list[str]) -> None:
    """Move the value at path ``old`` to path ``new`` under ``node`` (both relative to
    it); segments they share are walked, ``seg[]`` into each element of a list."""
    if len(old) > 1 and len(new) > 1 and old[0] == new[0]:
        key = old[0].removesuffix("[]")
        if not isinstance(node, dict) or key not in node:
            return
        children = node[key] if old[0].endswith("[]") else [node[key]]
        for child in children if isinstance(children, list) else []:
            _rename(child, old[1:], new[1:])
        return
    if not isinstance(node, dict):
        return
    holder: Any = node
    for seg in old[:-1]:
        holder = holder.get(seg) if isinstance(holder, dict) else None
    if not isinstance(holder, dict) or old[-1] not in holder:
        return
    value = holder.pop(old[-1])
    target = node
    for seg in new[:-1]:
        target = target.setdefault(seg, {})
    target[new[-1]] = value


# --------------------------------------------------------------------------- references

_ROLE_KEYS = frozenset({"RoleArn", "ExecutionRoleArn", "ExecutionRole"})
_SUBNET_KEYS = frozenset({"SubnetId", "SubnetIds", "Subnets"})
_SG_KEYS = frozenset({"SecurityGroupIds", "SecurityGroups"})
_KEY_FIELDS = re.compile(r"Kms|KMS")


@attrs.define
class References:
    """Resources a SageMaker resource uses, audited after it: buckets and roles per
    account, subnets, security groups and VPCs per region."""

    buckets: set[str] = attrs.field(factory=set)
    roles: set[str] = attrs.field(factory=set)
    subnets: set[str] = attrs.field(factory=set)
    security_groups: set[str] = attrs.field(factory=set)
    vpcs: set[str] = attrs.field(factory=set)
    kms_keys: set[str] = attrs.field(factory=set)

    def update(self, other: References) -> None:
        for field in attrs.fields(References):
            getattr(self, field.name).update(getattr(other, field.name))


def _walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _walk(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


def references(described: Mapping[str, Any]) -> References:
    """Buckets (from every ``s3://`` URI), roles, subnets, security groups, VPCs and
    KMS keys named anywhere in a Describe response."""
    refs = References()
    for key, value in _walk(described):
        if not isinstance(value, str):
            continue
        if bucket := bucket_in(value):
            refs.buckets.add(bucket)
        elif key in _ROLE_KEYS and value.startswith("arn:"):
            refs.roles.add(value)
        elif key in _SUBNET_KEYS and value.startswith("subnet-"):
            refs.subnets.add(value)
        elif key in _SG_KEYS and value.startswith("sg-"):
            refs.security_groups.add(value)
        elif key == "VpcId" and value.startswith("vpc-"):
            refs.vpcs.add(value)
        elif _KEY_FIELDS.search(key) and value:
            refs.kms_keys.add(value)
    return refs
