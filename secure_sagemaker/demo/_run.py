"""``secure-sagemaker demo``: the whole secure workflow on an embedded AWS emulator.

No AWS account is needed: an embedded moto server on 127.0.0.1 (HTTPS with a
self-signed certificate made at start) stands in for AWS, and every step uses the
real public API.  The one call moto lacks (CreateMonitoringSchedule) is stubbed
and labelled as such.  Output fits 80 columns; errors are one line, no traceback.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any, TextIO

import attrs

import secure_sagemaker as ss
from secure_sagemaker.demo._infra import (
    ENDPOINT_SERVICES,
    access_log_bucket,
    account_evidence,
    apigateway_role,
    legacy_notebook,
    provision_network,
    rotation_function,
    stub_monitoring_schedules,
)
from secure_sagemaker.demo._outside import NAME as CONSOLE
from secure_sagemaker.demo._outside import console_notebook, detect
from secure_sagemaker.network import check_network
from secure_sagemaker.testing import EmbeddedAWS, environment

WIDTH = 80
DEMO_TAGS = {"owner": "ml-platform", "project": "secure-sagemaker-demo"}
IMAGE = "{account}.dkr.ecr.{region}.amazonaws.com/demo-trainer:1.0"
DATASET = (
    b"sepal_length,sepal_width,petal_length,petal_width,species\n" + b"5.1,3.5,1.4,0.2,0\n" * 50
)


@attrs.define
class Printer:
    """Numbered steps, each one line plus indented details, at most 80 columns."""

    out: TextIO
    total: int
    n: int = 0
    results: list[tuple[str, str]] = attrs.field(factory=list)

    def step(self, title: str) -> None:
        self.n += 1
        self.out.write(f"\n[{self.n:>2}/{self.total}] {title}\n")
        self.out.flush()

    def detail(self, text: str, indent: int = 7) -> None:
        for line in text.splitlines() or [""]:
            wrapped = textwrap.wrap(
                line,
                WIDTH - indent,
                subsequent_indent="  ",
                break_on_hyphens=False,
                break_long_words=False,
            ) or [""]
            for part in wrapped:
                self.out.write(" " * indent + part + "\n")
        self.out.flush()

    def done(self, summary: str) -> None:
        self.detail(f"-> {summary}")
        self.results.append((self.current_title(), summary))

    def current_title(self) -> str:
        return f"step {self.n}"


def run(session: Any, out: TextIO, *, stubbed: bool = True) -> int:
    """The walk-through against whatever AWS ``session`` points at; returns 0 on success."""

    p = Printer(out, total=16)
    region = session.region_name or "us-east-1"
    account = session.client("sts").get_caller_identity()["Account"]
    started = time.perf_counter()
    summary: list[tuple[str, str]] = []

    p.step("Private network: VPC, private subnets, closed security group")
    vpc, subnets, group = provision_network(session, region)
    p.detail(f"VPC {vpc}; subnets {', '.join(subnets)}; security group {group}")
    p.detail(f"VPC endpoints: {', '.join(ENDPOINT_SERVICES)}, s3 (gateway); flow logs on")

    p.step("Customer-managed KMS key with automatic rotation")
    kms = session.client("kms")
    key = kms.create_key(Description="secure-sagemaker demo")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    kms.create_alias(AliasName="alias/secure-sagemaker-demo", TargetKeyId=key)
    rotation = kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"]
    p.detail(
        f"key {key.rsplit('/', 1)[-1]} (alias/secure-sagemaker-demo), rotation enabled: {rotation}"
    )

    bucket = f"secure-sagemaker-demo-{account}"
    policy = ss.SecurityPolicy(
        subnets=subnets,
        security_group_ids=[group],
        kms_key_id=key,
        vpc_id=vpc,
        artifact_buckets=[bucket],
        required_tags=sorted(DEMO_TAGS),
    )
    network = [
        f
        for f in check_network(session, subnets, [group], needs_secrets=True, policy=policy)
        if f.status == "fail"
    ]
    p.detail(f"network check (SM702-SM705): {len(network)} failing rules")
    ss.install(policy)
    p.detail("secure_sagemaker.install(policy): every SageMaker request is now judged")
    summary.append(("network + KMS", f"private VPC, {len(ENDPOINT_SERVICES) + 1} endpoints, CMK"))

    p.step("ArtifactStore bucket: versioned, SSE-KMS, TLS-only")
    store = ss.ArtifactStore(bucket, policy=policy, session=session)
    log_bucket = access_log_bucket(session, account, bucket)
    report = store.ensure(access_log_bucket=log_bucket, access_log_prefix="artifacts/")
    p.detail(f"s3://{bucket}: {len(report.changes)} changes applied")
    for change in report.changes:
        p.detail(f"- {change}", indent=9)
    p.detail(f"MFA delete: {report.mfa_delete} (only the root user with MFA can enable it)")
    summary.append(("artifact store", f"s3://{bucket}, versioned, SSE-KMS, TLS-only"))

    p.step("Least-privilege execution role")
    document = ss.execution_role_policy(
        account_id=account,
        region=region,
        artifact_stores=[bucket],
        kms_keys=[key],
        secrets=["secure-sagemaker-demo/*"],
        ecr_repositories=["demo-trainer"],
        vpc_id=vpc,
        subnets=subnets,
        security_groups=[group],
    )
    lint = [f for f in ss.lint_policy(document) if f.status == "fail"]
    role = ss.create_execution_role(
        "secure-sagemaker-demo-execution", document, account_id=account, session=session
    )
    p.detail(f"{role.arn}\n{len(document['Statement'])} statements, lint failures: {len(lint)}")
    summary.append(
        (
            "execution role",
            f"{len(document['Statement'])} scoped statements, {len(lint)} lint fails",
        )
    )

    p.step("A secret in Secrets Manager, read through SecretClient")
    secrets = ss.SecretClient(session=session, policy=policy)
    secret_arn = secrets.create(
        "secure-sagemaker-demo/db", {"user": "app", "password": os.urandom(12).hex()}
    )
    secrets.ensure_rotation(
        "secure-sagemaker-demo/db",
        rotation_function(session, account),
        days=30,
        rotate_immediately=False,
    )
    value = secrets.get_json("secure-sagemaker-demo/db")
    p.detail(
        f"secret {secret_arn.rsplit(':', 1)[-1]}: encrypted with the demo key, "
        f"rotates every 30 days;\nthe value prints as {value['password']!r}"
    )
    summary.append(("secret", "customer key, 30-day rotation, value never printed"))

    p.step("Upload a dataset as a version-pinned, checksummed ArtifactRef")
    ref = store.put(DATASET, "datasets/iris.csv")
    p.detail(f"s3://{ref.bucket}/{ref.key}\nversionId={ref.version_id}\nsha256={ref.sha256}")
    summary.append(("dataset", f"version {ref.version_id[:12]}..., sha256 {ref.sha256[:12]}..."))

    p.step("An insecure training request (legacy code) is refused")
    image = IMAGE.format(account=account, region=region)
    insecure = {
        "TrainingJobName": "legacy-training",
        "RoleArn": role.arn,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/legacy"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": False,
        "HyperParameters": {"db_password": "hunter2-do-not-do-this"},
    }
    try:
        session.client("sagemaker").create_training_job(**insecure)
    except ss.InsecureRequestError as err:
        p.detail(f"InsecureRequestError: {err.operation} refused, nothing sent:")
        for f in err.findings:
            p.detail(f"{f.rule_id} [{f.severity}] {f.field}: {f.message}", indent=9)
            p.detail(f"fix: {f.remediation}", indent=13)
        summary.append(
            ("insecure request", f"refused: {', '.join(f.rule_id for f in err.findings)}")
        )
    else:  # pragma: no cover - would be a bug worth shouting about
        raise RuntimeError("the insecure request was not refused")

    p.step("SecureEstimator trains on the pinned dataset")
    estimator = ss.SecureEstimator(
        image_uri=image,
        role=role.arn,
        instance_count=1,
        instance_type="ml.m5.large",
        output_path=f"s3://{bucket}/models",
        hyperparameters={"epochs": 3},
        tags=DEMO_TAGS,
        policy=policy,
        session=session,
    )
    estimator.fit({"train": ref}, wait=True)
    job = estimator.latest_training_job
    p.detail(
        f"job {job.job_name if job else '?'}: VPC, network isolation, encrypted "
        "traffic, KMS on volume and output"
    )
    model_key = estimator.model_data.split(f"s3://{bucket}/", 1)[1]
    store.put(b"model weights", model_key)  # what SageMaker writes; moto writes nothing
    p.detail(
        f"model: .../{model_key.rsplit('/', 3)[-3]}/output/model.tar.gz "
        "(written by the demo: moto's training writes no artifact)"
    )
    summary.append(("training", "isolated, in VPC, KMS volume + output"))

    p.step("SecureEndpoint with data capture and Model Monitor")
    if stubbed:
        stub_monitoring_schedules(session, region, account)
    endpoint = estimator.deploy(
        2, "ml.m5.large", endpoint_name="secure-sagemaker-demo", tags=DEMO_TAGS
    )
    baseline = store.put(
        json.dumps(
            {"version": 0.0, "features": [{"name": "sepal_length", "inferred_type": "Fractional"}]}
        ).encode(),
        "monitoring/baseline/statistics.json",
    )
    monitoring = endpoint.enable_monitoring(f"s3://{bucket}/monitoring/baseline")
    p.detail(
        f"endpoint {endpoint.name}: 2 instances, KMS, 100% data capture to "
        f"s3://{bucket}/data-capture/"
    )
    p.detail(
        f"monitoring: {monitoring.schedule_name} hourly + drift alarm"
        + (" (CreateMonitoringSchedule stubbed: moto lacks it)" if stubbed else "")
    )
    del baseline
    summary.append(("endpoint", "isolated, KMS, data capture, monitored"))

    p.step("Invoke the endpoint")
    answer = endpoint.invoke(b"5.1,3.5,1.4,0.2", content_type="text/csv")
    p.detail(f"response: {answer!r}"[: WIDTH - 40] + " (the emulator's canned answer)")

    p.step("Expose it through API Gateway with access logs and a WAF rate limit")
    invoke_role = apigateway_role(session, account, region, endpoint.name)
    exposure = endpoint.expose("secure-sagemaker-demo-api", rate_limit=300, invoke_role=invoke_role)
    p.detail(
        f"{exposure.invoke_url}\nIAM auth; JSON access logs in {exposure.log_group_name} "
        f"(KMS); WAF {exposure.web_acl_name}: 300 requests / 5 min / IP"
    )
    summary.append(("exposure", "IAM auth, access logs, WAF rate limit"))

    p.step("Account evidence: CloudTrail, GuardDuty, Macie, public access block")
    account_evidence(session, account)
    p.detail(
        "multi-region trail with log-file validation; GuardDuty S3 protection; "
        "Macie; account-wide S3 public access block"
    )

    p.step("A legacy notebook that predates the guard")
    legacy = legacy_notebook(session, role.arn)
    p.detail(f"{legacy}: direct internet and root access enabled (guard was off)")

    p.step("A notebook made outside Python, caught by the event-driven detector")
    console_notebook(session, role.arn)
    caught, state = detect(session, policy, account, region)
    p.detail(
        f"{CONSOLE}: a raw call with the guard off, as the console makes it\n"
        "its CloudTrail event -> secure_sagemaker.watch.handler (the demo builds\n"
        "the event: moto records none)"
    )
    p.detail(f"failing: {', '.join(caught['failing'])}", indent=9)
    p.detail(f"opt-in remediation of SM103: notebook stopped ({state})", indent=9)
    summary.append(("detector", f"caught {CONSOLE}: {len(caught['failing'])} rules, {state}"))

    p.step("Audit the account with the same rules")
    audit = ss.audit(session, policy=policy, regions=[region])
    failing = audit.failures("medium")
    flagged = sorted({f.resource.rsplit("/", 1)[-1] for f in failing})
    p.detail(
        f"listed {audit.listed} resources, assessed {audit.assessed}; "
        f"{len(failing)} failing findings on: {', '.join(flagged) or 'nothing'}"
    )
    for f in failing:
        p.detail(f"{f.rule_id} {f.resource.rsplit('/', 1)[-1]}: {f.message}", indent=9)
    summary.append(("audit", f"{audit.assessed} assessed, flagged: {', '.join(flagged) or 'none'}"))

    p.step("Summary")
    for what, result in summary:
        p.detail(f"{what:<17}{result}")
    p.detail(f"finished in {time.perf_counter() - started:.1f} s")
    return 0


def main(
    endpoint_url: str | None = None,
    keep: bool = False,
    out: TextIO = sys.stdout,
    wait_forever: Callable[[], None] | None = None,
) -> int:
    """Run the demo; returns the exit code (0 ok, 1 a step failed, 130 interrupted)."""
    import logging

    # people read this output: no library chatter (restored on the way out)
    quiet = ("secure_sagemaker", "werkzeug", "moto", "botocore", "docker")
    levels = {name: logging.getLogger(name).level for name in quiet}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return _main(endpoint_url, keep, out, wait_forever)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _main(
    endpoint_url: str | None, keep: bool, out: TextIO, wait_forever: Callable[[], None] | None
) -> int:
    import boto3

    try:
        if endpoint_url is not None:
            out.write(f"secure-sagemaker demo against {endpoint_url}\n")
            try:
                with environment({"AWS_ENDPOINT_URL": endpoint_url, "AWS_MAX_ATTEMPTS": "1"}):
                    return run(boto3.Session(), out)
            finally:
                ss.uninstall()  # the demo's guard must not outlive it
        if not all(importlib.util.find_spec(m) for m in ("moto", "cryptography")):
            out.write("the demo needs the emulator: pip install 'secure-sagemaker[demo]'\n")
            return 2

        aws = EmbeddedAWS()
        aws.start()
        aws.reset()  # moto's state is per process: start from an empty account
        _quiet_moto_docker_probe()
        try:
            out.write(
                f"secure-sagemaker demo: embedded AWS emulator at {aws.endpoint_url}\n"
                "(moto over HTTPS with a self-signed certificate; no AWS account used)\n"
            )
            with environment(aws.env()):
                code = run(aws.session(), out)
                if keep:
                    out.write("\nThe emulator keeps running. Point the AWS CLI at it:\n")
                    for k, v in aws.env().items():
                        out.write(f"  export {k}={v}\n")
                    out.write("  aws sagemaker list-endpoints\nPress Ctrl-C to stop.\n")
                    out.flush()
                    (wait_forever or _sleep_forever)()
                return code
        finally:
            ss.uninstall()
            aws.stop()
    except KeyboardInterrupt:
        out.write("\ninterrupted; the emulator was stopped\n")
        return 130
    except Exception as err:  # one line, no traceback: the demo is for people
        out.write(f"\ndemo failed: {type(err).__name__}: {err}\n")
        return 1


def _quiet_moto_docker_probe() -> None:
    """moto's Lambda looks for Docker once (cached) and prints what it finds to stdout;
    let it look now, into a buffer, so the demo output stays readable."""
    import io

    from moto import settings

    with contextlib.redirect_stdout(io.StringIO()):
        settings.moto_server_host()


def _sleep_forever() -> None:
    while True:
        time.sleep(3600)
