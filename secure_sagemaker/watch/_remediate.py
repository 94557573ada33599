"""Opt-in remediation: one action per rule, run only for the rule IDs named in
``SECURE_SAGEMAKER_WATCH_REMEDIATE`` and only on a failing finding.

* notebook rules (SM101-SM110) -> stop the notebook instance (its data stays; an
  owner fixes the setting and starts it again);
* endpoint rules (SM340-SM342) -> delete the endpoint (its config and model stay);
* SM403 -> re-enable versioning on the artifact bucket;
* SM408 -> put back the bucket's public access block (all four settings on).

Refused - logged, never run - when the policy exempts the resource: a waived rule
(``waivers``) gives a ``waived`` finding, never a ``fail``, and a rule waived in the
policy is refused even if a finding says ``fail``.  Events caused by the detector's
own calls never get this far (see :mod:`secure_sagemaker.watch._watch`).

AWS notes: StopNotebookInstance fails while the instance is still ``Pending``;
the call raises, and Lambda's retries (1 and 2 minutes later) try again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import attrs

from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

__all__ = ["REMEDIATIONS", "Action", "Planned", "plan", "run"]

Clients = Callable[[str], Any]


def _name(resource: str) -> str:
    return resource.rsplit("/", 1)[-1]


def _bucket(resource: str) -> str:
    return resource.split(":::", 1)[-1]


def _stop_notebook(clients: Clients, resource: str) -> None:
    fetch.call(clients("sagemaker"), "stop_notebook_instance", NotebookInstanceName=_name(resource))


def _delete_endpoint(clients: Clients, resource: str) -> None:
    fetch.call(clients("sagemaker"), "delete_endpoint", EndpointName=_name(resource))


def _enable_versioning(clients: Clients, resource: str) -> None:
    fetch.call(
        clients("s3"),
        "put_bucket_versioning",
        Bucket=_bucket(resource),
        VersioningConfiguration={"Status": "Enabled"},
    )


_ALL_BLOCKED = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)


def _block_public_access(clients: Clients, resource: str) -> None:
    fetch.call(
        clients("s3"),
        "put_public_access_block",
        Bucket=_bucket(resource),
        PublicAccessBlockConfiguration=_ALL_BLOCKED,
    )


@attrs.frozen
class Action:
    """What a remediation does (``name``), to which resource type, and how."""

    name: str
    resource_type: str
    run: Callable[[Clients, str], None] = attrs.field(eq=False, repr=False)


STOP_NOTEBOOK = Action("stop-notebook-instance", "AWS::SageMaker::NotebookInstance", _stop_notebook)
DELETE_ENDPOINT = Action("delete-endpoint", "AWS::SageMaker::Endpoint", _delete_endpoint)
ENABLE_VERSIONING = Action("enable-bucket-versioning", "AWS::S3::Bucket", _enable_versioning)
BLOCK_PUBLIC_ACCESS = Action("put-public-access-block", "AWS::S3::Bucket", _block_public_access)

#: Rule ID -> its remediation.
REMEDIATIONS: Mapping[str, Action] = {
    **{f"SM{n}": STOP_NOTEBOOK for n in range(101, 111) if n != 109},
    **{f"SM{n}": DELETE_ENDPOINT for n in (340, 341, 342)},
    "SM403": ENABLE_VERSIONING,
    "SM408": BLOCK_PUBLIC_ACCESS,
}


@attrs.frozen
class Planned:
    """One remediation for one resource: the rules that call for it, or why refused."""

    action: Action
    resource: str
    rules: tuple[str, ...]
    refused: str = ""


def plan(
    findings: Iterable[Finding], enabled: Collection[str], policy: SecurityPolicy
) -> list[Planned]:
    """The remediations ``findings`` call for, one per action and resource; those the
    policy exempts come back with ``refused`` set (never run)."""
    runs: dict[tuple[str, str], list[str]] = {}
    refusals: dict[tuple[str, str], list[str]] = {}
    actions: dict[str, Action] = {}
    for f in findings:
        action = REMEDIATIONS.get(f.rule_id)
        if action is None or f.rule_id not in enabled or f.resource_type != action.resource_type:
            continue
        if not f.resource or f.status not in ("fail", "waived"):
            continue
        actions[action.name] = action
        key = (action.name, f.resource)
        exempt = f.status == "waived" or f.rule_id in policy.waivers
        (refusals if exempt else runs).setdefault(key, []).append(f.rule_id)
    out = [
        Planned(actions[name], resource, tuple(rules), refused="waived by the policy")
        for (name, resource), rules in refusals.items()
        if (name, resource) not in runs
    ]
    out += [
        Planned(actions[name], resource, tuple(rules)) for (name, resource), rules in runs.items()
    ]
    return out


def run(planned: Planned, clients: Clients) -> None:
    """Run one planned remediation (refused ones are skipped).  Raises the AWS error
    (after the shared retries) when the call fails."""
    if not planned.refused:
        planned.action.run(clients, planned.resource)
