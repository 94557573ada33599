"""What the audit tests share: an emulated account with the private network and
the customer key a policy names, and a session whose SageMaker list calls moto
lacks answer empty."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse

from benchmarks._moto import missing_lists
from secure_sagemaker.testing import EmbeddedAWS


def empty_lists_session(aws: EmbeddedAWS) -> Any:
    """A session of ``aws`` whose SageMaker list calls moto does not implement answer
    an empty page (hooks on this session reach every account's clients); the calls
    are the benchmarks' own list (:func:`benchmarks._moto.missing_lists`)."""
    session = aws.session()
    for operation, key in missing_lists().items():
        session.events.register(
            f"before-call.sagemaker.{operation}",
            lambda key=key, **kw: (AWSResponse("", 200, {}, None), {key: []}),
        )
    return session


class NetworkAndKey:
    """A VPC with one subnet and one security group, and a customer KMS key, made in
    the emulator; ``sm`` is the account's SageMaker client."""

    def __init__(self, session: Any) -> None:
        self.sm = session.client("sagemaker")
        ec2 = session.client("ec2")
        self.vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.1.0/24")
        self.subnet = subnet["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=self.vpc)
        self.sg = group["GroupId"]
        self.key = session.client("kms").create_key(Description="ml")["KeyMetadata"]["Arn"]

    def network_and_key(self) -> dict[str, Any]:
        """The policy fields naming them."""
        return {
            "subnets": [self.subnet],
            "security_group_ids": [self.sg],
            "vpc_id": self.vpc,
            "kms_key_id": self.key,
        }

    def vpc_config(self) -> dict[str, list[str]]:
        return {"Subnets": [self.subnet], "SecurityGroupIds": [self.sg]}
