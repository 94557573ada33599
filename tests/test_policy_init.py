"""`secure-sagemaker policy init` against a moto account with private and public networks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker.cli import main
from secure_sagemaker.policy_init import discover, render_policy_toml
from tests._examples_vpc import build_network

pytestmark = pytest.mark.e2e


def test_discovers_private_subnets_closed_groups_and_customer_keys(fresh_aws: Any) -> None:
    session = fresh_aws.session()
    private = build_network(session, cidr="10.1.0.0/16")
    public = build_network(
        session, cidr="10.2.0.0/16", internet_route=True, open_ingress="0.0.0.0/0"
    )
    kms = session.client("kms")
    key = kms.create_key(Description="ml")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/ml", TargetKeyId=key)
    found = discover(session)
    assert private.subnet in found.subnets and public.subnet not in found.subnets
    assert private.security_group in found.security_groups
    assert public.security_group not in found.security_groups
    assert found.kms_keys[0] == (key, "alias/ml")
    assert (public.subnet, "SM702") in found.rejected


def test_the_written_file_is_a_valid_policy(
    fresh_aws: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = fresh_aws.session()
    net = build_network(session)
    session.client("kms").create_key(Description="ml")
    monkeypatch.chdir(tmp_path)
    assert main(["policy", "init"]) == 0
    policy = ss.SecurityPolicy.from_file(tmp_path / "secure-sagemaker.toml")
    assert policy.subnets == (net.subnet,) and policy.kms_key_id
    assert main(["policy", "init"]) == 2  # refuses to overwrite
    assert "exists" in capsys.readouterr().err
    assert "# Review every value" in render_policy_toml(discover(session))


def test_a_group_with_no_inbound_rule_is_proposed(fresh_aws: Any) -> None:
    # SM703 finds nothing to judge in an empty rule list: before, no finding meant
    # "not passing" and the best group of all was never proposed
    session = fresh_aws.session()
    net = build_network(session, cidr="10.3.0.0/16")
    ec2 = session.client("ec2")
    vpc = ec2.describe_subnets(SubnetIds=[net.subnet])["Subnets"][0]["VpcId"]
    empty = ec2.create_security_group(GroupName="no-ingress", Description="jobs", VpcId=vpc)
    groups = ec2.describe_security_groups(GroupIds=[empty["GroupId"]])["SecurityGroups"]
    assert groups[0]["IpPermissions"] == []
    found = discover(session)
    assert empty["GroupId"] in found.security_groups
    assert net.security_group in found.security_groups


def test_a_group_open_to_the_internet_is_still_rejected(fresh_aws: Any) -> None:
    session = fresh_aws.session()
    net = build_network(session, cidr="10.4.0.0/16", open_ingress="::/0")
    found = discover(session)
    assert net.security_group not in found.security_groups
    assert (net.security_group, "SM703") in found.rejected


def test_policy_init_keeps_a_backup_with_force(
    fresh_aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_network(fresh_aws.session())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secure-sagemaker.toml").write_text("# mine\n")
    assert main(["policy", "init", "--force"]) == 0
    assert (tmp_path / "secure-sagemaker.toml.bak").read_text() == "# mine\n"
    ss.SecurityPolicy.from_file(tmp_path / "secure-sagemaker.toml")
