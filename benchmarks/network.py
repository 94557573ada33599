"""Benchmark: the network check before a notebook or job, against a moto server.

Ratios, measured in the same run:
* check_network on N subnets of one VPC (batched: one Describe call per kind) /
  a per-subnet check (the same views built one subnet at a time)       target < 0.5 at N=20
* SecureEstimator construction (builds and judges the request, no AWS) /
  secure_request + evaluate of the same request alone                   target < 2

Run: python benchmarks/network.py [subnets, default 20]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


import secure_sagemaker as ss
from benchmarks._timing import emulator, median_seconds
from secure_sagemaker import network
from secure_sagemaker.testing import capture_requests
from secure_sagemaker.training import SecureEstimator
from tests._examples import IMAGE, KEY, ROLE
from tests._examples_vpc import build_network


def timed(fn: Callable[[], object], rounds: int = 5) -> float:
    fn()
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with emulator():
        import boto3

        session = boto3.Session(region_name="us-east-1")
        net = build_network(session)
        ec2 = session.client("ec2")
        subnets = [net.subnet] + [
            ec2.create_subnet(VpcId=net.vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
            for i in range(2, n + 1)
        ]
        groups = [net.security_group]

        def batched() -> object:
            return network.check_network(session, subnets, groups)

        def per_subnet() -> object:
            return [network.check_network(session, [s], groups) for s in subnets]

        with capture_requests(session) as seen:
            batched()
        with capture_requests(session) as seen_each:
            per_subnet()
        a, b = timed(batched), timed(per_subnet)
        ratio = a / b
        print(
            f"check_network, {n} subnets: batched {a * 1e3:7.1f} ms ({seen.sent} requests)  "
            f"per subnet {b * 1e3:7.1f} ms ({seen_each.sent} requests)  ratio {ratio:5.3f}  "
            f"(target < 0.5: {'met' if ratio < 0.5 else 'MISSED'})"
        )

        policy = ss.SecurityPolicy(
            subnets=[net.subnet],
            security_group_ids=groups,
            kms_key_id=KEY,
            artifact_buckets=["ml-artifacts-bucket"],
        )

        def construct() -> object:
            return SecureEstimator(
                IMAGE,
                ROLE,
                1,
                "ml.m5.xlarge",
                policy=policy,
                session=session,
                output_path="s3://ml-artifacts-bucket/out/",
            )

        request = construct().request  # the same request, already filled

        def judge_only() -> object:
            filled, _ = ss.secure_request("CreateTrainingJob", request, policy)
            return ss.evaluate("CreateTrainingJob", filled, policy, region="us-east-1")

        c = median_seconds(construct, number=300)
        j = median_seconds(judge_only, number=300)
        ratio = c / j
        print(
            f"SecureEstimator(...) {c * 1e6:7.1f} us  secure_request+evaluate {j * 1e6:7.1f} us  "
            f"ratio {ratio:5.3f}  (target < 2: {'met' if ratio < 2 else 'MISSED'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
