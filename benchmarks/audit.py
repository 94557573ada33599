"""Benchmark: audit an account of 2,000 SageMaker resources in a moto server.

Compares, in the same run and against the same server, the audit's wall time with a
naive sequential loop that lists and describes the same resources (no judging at
all), counts API calls per resource (target: one Describe each plus list pages) and
measures the audit's peak Python memory (tracemalloc, in a separate run).

The server is ``moto_server`` in its own process (as a real endpoint would be), so
client and server do not share one interpreter lock.  The list calls moto lacks
(ListUserProfiles, ListSpaces ...: :func:`benchmarks._moto.missing_lists`) return
empty pages from a stub, for both contenders.

Run: python benchmarks/audit.py [N]        target: >= 3x faster than the naive loop
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from botocore.awsrequest import AWSResponse

from benchmarks._moto import missing_lists
from secure_sagemaker.audit import audit
from secure_sagemaker.audit._fetch import paginate
from secure_sagemaker.audit._kinds import KINDS
from secure_sagemaker.policy import SecurityPolicy

ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"
MISSING_IN_MOTO = missing_lists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto_server did not start")


def session(latency: float = 0.0) -> Any:
    s = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    if latency:  # a network round trip, as to a regional AWS endpoint
        s.events.register("before-send", lambda **kw: time.sleep(latency))
    for op, key in MISSING_IN_MOTO.items():
        s.events.register(
            f"before-call.sagemaker.{op}",
            lambda key=key, **kw: (AWSResponse("", 200, {}, None), {key: []}),
        )
    return s


def seed(sm: Any, n: int) -> Counter[str]:
    """n resources: 40% models, 20% endpoint configs, 20% training jobs, 10% notebook
    instances, 10% processing jobs."""
    made: Counter[str] = Counter()
    plan = [("model", 0.4), ("epc", 0.2), ("train", 0.2), ("nb", 0.1), ("proc", 0.1)]
    for what, share in plan:
        for i in range(int(n * share)):
            name = f"{what}-{i}"
            if what == "model":
                sm.create_model(
                    ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE}
                )
            elif what == "epc":
                sm.create_endpoint_config(
                    EndpointConfigName=name,
                    ProductionVariants=[
                        {
                            "VariantName": "v",
                            "ModelName": "model-0",
                            "InstanceType": "ml.m5.large",
                            "InitialInstanceCount": 1,
                        }
                    ],
                )
            elif what == "train":
                sm.create_training_job(
                    TrainingJobName=name,
                    RoleArn=ROLE,
                    AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                    OutputDataConfig={"S3OutputPath": "s3://ml-artifacts/out/"},
                    ResourceConfig={
                        "InstanceType": "ml.m5.xlarge",
                        "InstanceCount": 1,
                        "VolumeSizeInGB": 30,
                    },
                    StoppingCondition={"MaxRuntimeInSeconds": 3600},
                )
            elif what == "nb":
                sm.create_notebook_instance(
                    NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
                )
            else:
                sm.create_processing_job(
                    ProcessingJobName=name,
                    RoleArn=ROLE,
                    AppSpecification={"ImageUri": IMAGE},
                    ProcessingResources={
                        "ClusterConfig": {
                            "InstanceCount": 1,
                            "InstanceType": "ml.m5.xlarge",
                            "VolumeSizeInGB": 30,
                        }
                    },
                    StoppingCondition={"MaxRuntimeInSeconds": 3600},
                )
            made[what] += 1
    return made


def naive(url: str, latency: float) -> tuple[float, int, int]:
    """List (default pages) and describe every resource, one call at a time."""
    sm = session(latency).client("sagemaker", endpoint_url=url)
    calls = Counter[str]()
    sm.meta.events.register(
        "before-parameter-build.sagemaker",
        lambda event_name, **kw: calls.update([event_name.rsplit(".", 1)[-1]]),
    )
    start = time.perf_counter()
    described = 0
    for kind in KINDS:
        for item in paginate(sm, kind.list_method, kind.list_key):
            getattr(sm, kind.describe_method)(**kind.describe_params(item))
            described += 1
    return time.perf_counter() - start, described, sum(calls.values())


def audited(url: str, workers: int, latency: float = 0.0) -> tuple[float, Any, Counter[str]]:
    s = session(latency)
    calls = Counter[str]()
    s.events.register(
        "before-parameter-build.sagemaker",
        lambda event_name, **kw: calls.update([event_name.rsplit(".", 1)[-1]]),
    )
    start = time.perf_counter()
    report = audit(
        s,
        policy=SecurityPolicy(),
        services=["sagemaker"],
        max_workers=workers,
        endpoint_url=url,
        since_days=None,
    )
    return time.perf_counter() - start, report, calls


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    workers = int(os.environ.get("AUDIT_WORKERS", "16"))
    proc, url = start_server()
    try:
        sm = session().client("sagemaker", endpoint_url=url)
        t0 = time.perf_counter()
        made = seed(sm, n)
        print(
            f"seeded {sum(made.values())} resources {dict(made)} in "
            f"{time.perf_counter() - t0:.1f}s (moto_server, separate process)"
        )
        audited(url, workers)  # warm up: imports, catalog index, moto's lazy backends
        for latency in (0.0, 0.02):
            label = f"{latency * 1000:.0f} ms simulated round trip"
            t_naive, described, naive_calls = naive(url, latency)
            t_audit, report, calls = audited(url, workers, latency)
            assert report.listed == report.assessed == described, (report.listed, described)
            lists = sum(v for k, v in calls.items() if k.startswith("List"))
            describes = sum(v for k, v in calls.items() if k.startswith("Describe"))
            ratio = t_naive / t_audit
            print(f"[{label}]")
            print(
                f"  naive sequential list+describe: {t_naive:6.2f}s  {naive_calls} calls "
                "(no judging)"
            )
            print(
                f"  audit ({workers} workers):            {t_audit:6.2f}s  "
                f"{lists + describes} calls  {len(report.findings)} findings"
            )
            print(f"  speed-up: {ratio:.2f}x  (target >= 3x: {'met' if ratio >= 3 else 'MISSED'})")
        print(
            f"API calls per resource: {(lists + describes) / report.listed:.3f} "
            f"({describes} Describe = 1 per resource, {lists} List pages)"
        )
        tracemalloc.start()
        audited(url, workers)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"peak Python memory during the audit: {peak / 2**20:.1f} MiB "
            f"({peak / report.listed / 1024:.1f} KiB per resource)"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
