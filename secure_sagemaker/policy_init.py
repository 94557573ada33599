"""``secure-sagemaker policy init``: discover a starting policy in an account.

Finds the private subnets (no internet route, no public IPs on launch: rule SM702),
the security groups of their VPCs that allow no ingress from anywhere (SM703), and
the enabled customer-managed KMS keys, and writes a commented
``secure-sagemaker.toml`` to review and commit.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

import attrs

from secure_sagemaker.controls.sm7_network import SECURITY_GROUP, SUBNET
from secure_sagemaker.network import judge_views, security_group_views, subnet_views
from secure_sagemaker.policy import SecurityPolicy

__all__ = ["Discovery", "discover", "render_policy_toml"]


@attrs.frozen
class Discovery:
    """What :func:`discover` found: candidates, and what it rejected and why."""

    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    kms_keys: tuple[tuple[str, str], ...]  # (key ARN, aliases or "")
    rejected: tuple[tuple[str, str], ...]  # (resource ID, rule ID)
    region: str


def _passing(
    operation: str, views: list[dict[str, Any]], rule_id: str, id_key: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """IDs of the views that pass ``rule_id``, and ``(id, rule)`` of those that do not.

    A view passes with a passing finding and no other, or, for a security group with
    an empty rule list (no ingress at all: the rule finds nothing to judge), with no
    finding; any finding that is not a pass (a failure, or an error) rejects it."""
    bad: dict[str, str] = {}
    passed: set[str] = set()
    for f in judge_views(operation, views, SecurityPolicy()):
        if f.rule_id == rule_id and f.status != "pass":
            bad.setdefault(f.resource, f.rule_id)
        elif f.rule_id == rule_id:
            passed.add(f.resource)
    good = [
        str(v[id_key])
        for v in views
        if str(v[id_key]) not in bad
        and (str(v[id_key]) in passed or (operation == SECURITY_GROUP and not v["IpPermissions"]))
    ]
    return good, sorted(bad.items())


def _customer_keys(kms: Any) -> list[tuple[str, str]]:
    aliases: dict[str, list[str]] = {}
    for page in kms.get_paginator("list_aliases").paginate():
        for alias in page.get("Aliases", ()):
            if alias.get("TargetKeyId") and not alias["AliasName"].startswith("alias/aws/"):
                aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    keys = []
    for page in kms.get_paginator("list_keys").paginate():
        for key in page.get("Keys", ()):
            meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            if (
                meta.get("KeyManager") == "CUSTOMER"
                and meta.get("KeyState") == "Enabled"
                and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
                and meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
            ):
                keys.append((meta["Arn"], ", ".join(sorted(aliases.get(meta["KeyId"], [])))))
    return keys


def discover(session: Any, *, endpoint_url: str | None = None) -> Discovery:
    """Look through one region of the account ``session`` points at (read-only calls:
    EC2 Describe*, KMS List*/DescribeKey).  Raises botocore errors (e.g. no credentials)."""
    ec2 = session.client("ec2", endpoint_url=endpoint_url)
    subnets = subnet_views(ec2)
    private, rejected = _passing(SUBNET, subnets, "SM702", "SubnetId")
    vpcs = sorted({v["VpcId"] for v in subnets if v["SubnetId"] in private})
    groups = [g for g in security_group_views(ec2) if g.get("VpcId") in vpcs]
    closed, open_groups = _passing(SECURITY_GROUP, groups, "SM703", "GroupId")
    return Discovery(
        subnets=tuple(sorted(private)),
        security_groups=tuple(sorted(closed)),
        kms_keys=tuple(_customer_keys(session.client("kms", endpoint_url=endpoint_url))),
        rejected=tuple(rejected + open_groups),
        region=str(ec2.meta.region_name or ""),
    )


def _toml_list(items: Sequence[str]) -> str:
    """A TOML array, one item per line when there are several (fits 80 columns)."""
    if len(items) < 2:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"
    return "[\n" + "".join(f"    {json.dumps(i)},\n" for i in items) + "]"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, 78, initial_indent="# ", subsequent_indent="#   ")


def render_policy_toml(found: Discovery) -> str:
    """A commented policy file from a :class:`Discovery` (loads with
    :meth:`SecurityPolicy.from_file`)."""
    lines = [
        f"# secure-sagemaker policy discovered in {found.region or 'the default region'}.",
        "# Review every value, then commit this file. Docs: docs/policy.md",
        "",
        "# Private subnets: no internet gateway route, no public IPs on launch (SM702).",
        f"subnets = {_toml_list(found.subnets)}",
        "",
        "# Security groups in those VPCs with no ingress from 0.0.0.0/0 or ::/0 (SM703),",
        "# including groups with no inbound rule at all (the best choice for jobs).",
        f"security-group-ids = {_toml_list(found.security_groups)}",
        "",
    ]
    if not found.security_groups:
        lines[-2:-1] = [
            "# None found: create a security group with no inbound rules in the subnets' VPC,",
            "# then list its ID here.",
            "security-group-ids = []",
        ]
    if found.kms_keys:
        arn, alias = found.kms_keys[0]
        lines += _comment(
            "Customer-managed KMS key used by default" + (f" ({alias})." if alias else ".")
        )
        lines.append(f"kms-key-id = {json.dumps(arn)}")
        for other, other_alias in found.kms_keys[1:]:
            lines += _comment(
                f"other customer key: {other}" + (f" ({other_alias})" if other_alias else "")
            )
    else:
        lines.append(
            "# No enabled customer-managed KMS key found: create one with rotation, then set"
        )
        lines.append('# kms-key-id = "arn:aws:kms:<region>:<account>:key/<id>"')
    if found.rejected:
        lines.append("")
        lines += _comment(
            "Not proposed (failed a rule): "
            + ", ".join(f"{r} ({rule})" for r, rule in found.rejected)
        )
    lines += [
        "",
        "# Buckets whose writes must be SSE-KMS; the first also gets endpoint data",
        "# capture.",
        '# artifact-buckets = ["s3://my-ml-artifacts"]',
        "",
        'mode = "enforce"     # or "warn" to log instead of refusing',
        'block-at = "medium"  # failures below this severity are logged, not refused',
        "",
        "[waivers]",
        '# SM204 = "reason; owner; expiry"',
        "",
    ]
    return "\n".join(lines)
