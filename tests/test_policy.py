"""SecurityPolicy: validation, loading order, clear errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import KEY, SG, SUBNET

GOOD = f"""
subnets = ["{SUBNET}"]
security-group-ids = ["{SG}"]
kms-key-id = "{KEY}"
artifact-buckets = ["s3://ml-artifacts/models", "other-bucket"]
allowed-instance-types = ["ml.m5.*"]
mode = "warn"
block-at = "high"

[kms-keys]
data-capture = "alias/capture"

[waivers]
SM313 = "single-instance dev endpoint; owner ml-platform; expires 2027-03-31"
"""


def test_a_policy_file_loads_with_kebab_case_keys(tmp_path: Path) -> None:
    path = tmp_path / "secure-sagemaker.toml"
    path.write_text(GOOD)
    policy = ss.SecurityPolicy.from_file(path)
    assert policy.subnets == (SUBNET,) and policy.mode == "warn"
    assert policy.artifact_buckets == ("ml-artifacts", "other-bucket")
    assert policy.kms_key("data_capture") == "alias/capture"
    assert policy.kms_key("volume") == KEY  # falls back to the default key
    assert policy.block_at is ss.Severity.HIGH
    assert "SM313" in policy.waivers


def test_load_order_env_then_own_file_then_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert ss.SecurityPolicy.load() == ss.SecurityPolicy()  # implicit search: may fall back
    (tmp_path / "pyproject.toml").write_text(f'[tool.secure-sagemaker]\nsubnets = ["{SUBNET}"]\n')
    assert ss.SecurityPolicy.load().subnets == (SUBNET,)
    assert ss.SecurityPolicy.load(tmp_path).subnets == (SUBNET,)  # an explicit directory
    (tmp_path / "secure-sagemaker.toml").write_text(f'security-group-ids = ["{SG}"]\n')
    assert ss.SecurityPolicy.load().security_group_ids == (SG,)
    other = tmp_path / "elsewhere.toml"
    other.write_text('mode = "warn"\n')
    monkeypatch.setenv("SECURE_SAGEMAKER_POLICY", str(other))
    assert ss.SecurityPolicy.load().mode == "warn"
    assert ss.SecurityPolicy.load(tmp_path).mode == "enforce"  # explicit beats the variable
    monkeypatch.setenv("SECURE_SAGEMAKER_POLICY", str(tmp_path / "missing.toml"))
    with pytest.raises(ss.PolicyError, match=r"missing\.toml"):
        ss.SecurityPolicy.load()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('subnetz = ["subnet-0123456789abcdef0"]', "subnetz"),
        ('subnets = ["sub-123"]', "subnets"),
        ('security-group-ids = ["sg-xyz"]', "security_group_ids"),
        ('kms-key-id = "alias/aws/sagemaker"', "kms_key_id"),
        ('kms-key-id = "arn:aws:kms:us-east-1:123:key/nope"', "kms_key_id"),
        ('mode = "yolo"', "mode"),
        ('block-at = "severe"', "block_at"),
        ('artifact-buckets = ["Not_A_Bucket"]', "artifact_buckets"),
        ('[waivers]\nSM999 = "reason"', "waivers.SM999"),
        ('[waivers]\nSM101 = ""', "waivers.SM101"),
        ('[kms-keys]\ncoffee = "alias/x"', "kms-keys.coffee"),
        ('allow-edge-devices = "yes"', "allow_edge_devices"),
        ("allow-global-inference-gateways = 1", "allow_global_inference_gateways"),
        ('allow-servicecatalog-portfolio = "true"', "allow_servicecatalog_portfolio"),
        ('allowed-project-templates = ["my-product"]', "allowed_project_templates"),
        ('allowed-project-templates = ["https://h/t.yaml?x=1"]', "allowed_project_templates"),
    ],
)
def test_malformed_policies_name_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "secure-sagemaker.toml"
    path.write_text(text)
    with pytest.raises(ss.PolicyError) as info:
        ss.SecurityPolicy.from_file(path)
    assert info.value.key == key and info.value.source == str(path)
    assert str(path) in str(info.value) and key in str(info.value)
    assert isinstance(info.value, ValueError)


def test_invalid_toml_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "secure-sagemaker.toml"
    path.write_text("subnets = [")
    with pytest.raises(ss.PolicyError, match="not valid TOML"):
        ss.SecurityPolicy.from_file(path)


def test_policy_is_frozen_and_evolvable() -> None:
    policy = ss.SecurityPolicy(subnets=SUBNET)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.subnets = ()  # type: ignore[misc]
    assert attrs.evolve(policy, mode="warn").subnets == (SUBNET,)
    assert policy.vpc_config is None
    assert attrs.evolve(policy, security_group_ids=[SG]).vpc_config == {
        "Subnets": [SUBNET], "SecurityGroupIds": [SG]}


def test_the_issue_14_switches_default_closed_and_load_from_kebab_case(tmp_path: Path) -> None:
    empty = ss.SecurityPolicy()
    assert not (
        empty.allow_global_inference_gateways
        or empty.allow_edge_devices
        or empty.allow_servicecatalog_portfolio
        or empty.allowed_project_templates
    )
    path = tmp_path / "secure-sagemaker.toml"
    path.write_text(
        "allow-global-inference-gateways = true\nallow-edge-devices = true\n"
        "allow-servicecatalog-portfolio = true\n"
        'allowed-project-templates = ["prod-abcdefghijklm", "https://t.example.com/ok/"]\n'
    )
    policy = ss.SecurityPolicy.from_file(path)
    assert policy.allow_global_inference_gateways and policy.allow_edge_devices
    assert policy.allow_servicecatalog_portfolio
    assert policy.allowed_project_templates == ("prod-abcdefghijklm", "https://t.example.com/ok/")
