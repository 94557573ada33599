"""Benchmark: audit an organisation of N accounts x R regions in a moto server.

moto keys each request's account from its credentials, so assuming
``arn:aws:iam::<account>:role/Auditor`` reaches that account.  Each account-region
is seeded with 20 SageMaker resources, a VPC with two subnets and two security
groups; each account with an artifact bucket, a KMS key and two roles.

Each audit runs in a fresh process (so its peak RSS is its own) with stubs for the
SageMaker list calls moto lacks, installed for every botocore session of the
process (and of the processes it spawns) through ``sitecustomize``: the same for
every code version.  Printed per size: wall time, HTTP calls per listed resource
(in-process runs; the workers of --processes are not counted),
peak RSS (the audit process; with --processes also the largest worker and all of
them together, sampled), and the
growth fitted between the two sizes (MiB and seconds per added account).

``OLD=/path/to/checkout`` also runs that checkout's code (e.g. a ``git worktree``
of the previous commit) at every size, in the same run, for comparison.  Each
measured process starts with ``python -P`` (this directory is not put on
``sys.path``: a module here must never shadow the standard library's, as
``secrets.py`` once did, importing this checkout's code into the OLD runs) and
reports the package it imported, checked against the code it was meant to run.
CPU seconds are printed for the audit (its process and the processes it spawned)
and for the moto server during that audit: each audit call is a new connection to
the server (it answers ``Connection: close``).  So are the CPU seconds the
hypervisor took from this machine during each run (``steal``): on a shared virtual
machine they make wall times of one run incomparable with another's.

Run: python benchmarks/audit_org.py            20x2 and 100x2 (QUICK=1: 5x1 and 10x1)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if "--measure" not in sys.argv:  # a measured process imports the code under test only
    sys.path.insert(0, str(ROOT))

TEMPLATE = "arn:aws:iam::{account}:role/Auditor"
REGIONS = ("us-east-1", "eu-west-1")

_SITE = """
import json, os, threading
import botocore.handlers
from botocore.awsrequest import AWSResponse

_lock = threading.Lock()
calls = [0]


def _count(**kw):
    with _lock:
        calls[0] += 1


def _stub(key):
    return lambda **kw: (AWSResponse("", 200, {}, None), {key: []})


for _op, _key in json.loads(os.environ.get("AUDIT_ORG_STUBS", "{}")).items():
    botocore.handlers.BUILTIN_HANDLERS.append((f"before-call.sagemaker.{_op}", _stub(_key)))
botocore.handlers.BUILTIN_HANDLERS.append(("before-send", _count))
"""


def accounts(n: int) -> list[str]:
    return [str(210000000000 + i) for i in range(n)]


def seed_one(url: str, account: str, regions: tuple[str, ...]) -> int:
    import boto3

    base = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=TEMPLATE.format(account=account), RoleSessionName="seed"
    )["Credentials"]
    s = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    iam = s.client("iam", endpoint_url=url, region_name="us-east-1")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sagemaker.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    for name in ("sagemaker-exec", "sagemaker-loose"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    role = f"arn:aws:iam::{account}:role/sagemaker-exec"
    bucket = f"ml-{account}"
    s.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=bucket)
    s.client("kms", endpoint_url=url, region_name="us-east-1").create_key(Description="k")
    made = 0
    for region in regions:
        ec2 = s.client("ec2", endpoint_url=url, region_name=region)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
            for i in range(2)
        ]
        groups = [
            ec2.create_security_group(GroupName=f"g{i}", Description="g", VpcId=vpc)["GroupId"]
            for i in range(2)
        ]
        sm = s.client("sagemaker", endpoint_url=url, region_name=region)
        image = f"{account}.dkr.ecr.{region}.amazonaws.com/m:1"
        vpc_config = {"Subnets": subnets, "SecurityGroupIds": groups}
        for i in range(8):
            sm.create_model(
                ModelName=f"model-{i}",
                ExecutionRoleArn=role,
                PrimaryContainer={"Image": image},
                VpcConfig=vpc_config,
            )
        for i in range(4):
            sm.create_endpoint_config(
                EndpointConfigName=f"epc-{i}",
                ProductionVariants=[
                    {
                        "VariantName": "v",
                        "ModelName": "model-0",
                        "InstanceType": "ml.m5.large",
                        "InitialInstanceCount": 1,
                    }
                ],
            )
        for i in range(4):
            sm.create_training_job(
                TrainingJobName=f"train-{i}",
                RoleArn=role,
                AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
                OutputDataConfig={"S3OutputPath": f"s3://{bucket}/out/"},
                ResourceConfig={
                    "InstanceType": "ml.m5.xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                },
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
                VpcConfig=vpc_config,
            )
        for i in range(2):
            sm.create_processing_job(
                ProcessingJobName=f"proc-{i}",
                RoleArn=role,
                AppSpecification={"ImageUri": image},
                ProcessingResources={
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 30,
                    }
                },
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
            )
        for i in range(2):
            sm.create_notebook_instance(
                NotebookInstanceName=f"nb-{i}",
                InstanceType="ml.t3.medium",
                RoleArn=role,
                SubnetId=subnets[0],
                SecurityGroupIds=groups,
            )
        made += 20 + 5
    return made + 4


def seed(url: str, n: int, regions: tuple[str, ...], start: int = 0) -> int:
    with ThreadPoolExecutor(max_workers=8) as pool:
        done = pool.map(lambda a: seed_one(url, a, regions), accounts(start + n)[start:])
        return sum(done)


# --------------------------------------------------------------------------- measured


def _status(pid: int | str, field: str) -> float:
    """A ``/proc/<pid>/status`` memory field in MiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler:
    """Samples this process's RSS plus its children's every 50 ms: the peak total
    and the largest child.  (``ru_maxrss`` will not do: after fork and exec it
    still counts the parent's pages the child had mapped.)"""

    def __init__(self) -> None:
        import threading

        self.total = self.child = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _children(self) -> list[str]:
        me, out = str(os.getpid()), []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[1] == me:
                    out.append(entry.name)
        return out

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            kids = [_status(pid, "VmRSS") for pid in self._children()]
            self.total = max(self.total, _status("self", "VmRSS") + sum(kids))
            self.child = max([self.child, *kids])

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measured(url: str, n: int, r: int, processes: int) -> dict[str, Any]:
    """One audit in this process (started by :func:`run`); its numbers as a dict."""
    import inspect

    import boto3
    import sitecustomize  # type: ignore[import-not-found]

    from secure_sagemaker.audit import _audit
    from secure_sagemaker.policy import SecurityPolicy

    ids, regions = accounts(n), list(REGIONS[:r])
    streaming = "sink" in inspect.signature(_audit.audit).parameters
    sampler = Sampler()
    start = time.perf_counter()
    if processes > 1:
        from secure_sagemaker.cli import main

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.jsonl"
            argv = ["audit", "--endpoint-url", url, "--accounts", ",".join(ids)]
            argv += ["--role-arn-template", TEMPLATE, "--since-days", "0"]
            argv += ["--processes", str(processes), "--format", "jsonl", "--output", str(out)]
            argv += ["--allow-errors", "--fail-on", "critical"]
            for region in regions:
                argv += ["--region", region]
            main(argv)
            summary = json.loads(out.read_text().splitlines()[-1])
        listed, assessed, counts = summary["listed"], summary["assessed"], summary["counts"]
    else:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=regions[0]
        )
        kw: dict[str, Any] = {
            "policy": SecurityPolicy(),
            "regions": regions,
            "accounts": ids,
            "role_arn_template": TEMPLATE,
            "endpoint_url": url,
            "since_days": None,
        }
        if streaming:
            kw["sink"] = lambda finding: None
        report = _audit.audit(session, **kw)
        listed, assessed, counts = report.listed, report.assessed, report.counts()
    wall = time.perf_counter() - start
    sampler.stop()
    return {
        "code": str(Path(_audit.__file__).resolve().parents[2]),
        "wall": wall,
        "listed": listed,
        "assessed": assessed,
        "counts": counts,
        "calls": sitecustomize.calls[0],
        "rss_mib": _status("self", "VmHWM"),  # this process's own peak (reset by exec)
        "worker_rss_mib": sampler.child,
        "total_rss_mib": max(sampler.total, _status("self", "VmHWM")),
    }


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) the process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _missing_lists() -> dict[str, str]:
    from benchmarks._moto import missing_lists  # the parent process only (ROOT on the path)

    return missing_lists()


def _stolen() -> float:
    """CPU seconds the hypervisor has taken from this machine so far (``steal`` in
    /proc/stat, all cores; 0 where there is none): wall times of runs that lost
    seconds here are not comparable."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def _children_cpu() -> float:
    got = resource.getrusage(resource.RUSAGE_CHILDREN)
    return got.ru_utime + got.ru_stime


def run(
    code: Path, url: str, n: int, r: int, processes: int, site: Path, server: int
) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(code)]),
        "AUDIT_ORG_STUBS": json.dumps(_missing_lists()),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": url,
    }
    script = str(Path(__file__).resolve())
    argv = [sys.executable, "-P", script, "--measure", url, str(n), str(r), str(processes)]
    server0, audit0, stolen0 = _cpu(server), _children_cpu(), _stolen()
    got = subprocess.run(argv, env=env, capture_output=True, text=True, check=True, cwd=site)
    result: dict[str, Any] = json.loads(got.stdout.strip().splitlines()[-1])
    if Path(result["code"]) != code.resolve():
        raise RuntimeError(f"measured {result['code']}, not {code}")
    result["audit_cpu"] = _children_cpu() - audit0  # the audit and the processes it spawned
    result["server_cpu"] = _cpu(server) - server0
    result["stolen"] = _stolen() - stolen0
    return result


def show(label: str, n: int, r: int, got: dict[str, Any]) -> None:
    per = f"{got['calls'] / got['listed']:.2f}" if got["listed"] and got["calls"] else "n/a"
    workers = (
        f" (largest worker {got['worker_rss_mib']:,.0f} MiB, all {got['total_rss_mib']:,.0f} MiB)"
        if got["worker_rss_mib"]
        else ""
    )
    lost = "" if got["listed"] == got["assessed"] else "  LISTED != ASSESSED"
    errors = got["counts"].get("error", 0)
    print(
        f"  {label:<22} {n:>3}x{r}: {got['wall']:7.1f} s  {got['listed']:>6} listed "
        f"({errors} error verdicts)  {per} calls/resource  "
        f"CPU {got['audit_cpu']:.1f} s audit + {got['server_cpu']:.1f} s server  "
        f"peak RSS {got['rss_mib']:,.0f} MiB{workers}  "
        f"{got['stolen']:.1f} s CPU stolen by the hypervisor{lost}"
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        url, n, r, p = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(measured(url, n, r, p)))
        return 0
    from benchmarks.audit import start_server

    quick = os.environ.get("QUICK") == "1"
    sizes = [(5, 1), (10, 1)] if quick else [(20, 2), (100, 2)]
    old = os.environ.get("OLD")
    proc, url = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp)
            (site / "sitecustomize.py").write_text(_SITE)
            seeded = 0
            results: dict[tuple[str, int], dict[str, Any]] = {}
            for n, r in sizes:
                t0 = time.perf_counter()
                made = seed(url, n - seeded, REGIONS[:r], start=seeded)
                seeded = n
                print(
                    f"seeded accounts up to {n} ({made} resources) in "
                    f"{time.perf_counter() - t0:.1f}s"
                )
                for label, code, p in (
                    ("this code, 1 process", ROOT, 1),
                    ("this code, 2 processes", ROOT, 2),
                    *([("OLD code, 1 process", Path(old), 1)] if old else []),
                ):
                    got = run(code, url, n, r, p, site, proc.pid)
                    results[(label, n)] = got
                    show(label, n, r, got)
            (n1, _), (n2, _) = sizes
            labels = ["this code, 1 process", "this code, 2 processes"]
            for label in labels + (["OLD code, 1 process"] if old else []):
                a, b = results[(label, n1)], results[(label, n2)]
                rss = (b["total_rss_mib"] - a["total_rss_mib"]) / (n2 - n1)
                wall = (b["wall"] - a["wall"]) / (n2 - n1)
                print(
                    f"  fitted growth, {label}: {rss:+.2f} MiB and {wall:.2f} s per added "
                    f"account ({sizes[1][1]} regions)"
                )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)  # a server holding 100 accounts takes its time
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
