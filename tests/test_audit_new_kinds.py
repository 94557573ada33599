"""End to end: the audit inventories HyperPod clusters, Studio spaces and apps,
inference components, MLflow tracking servers, workforces, model packages and
compilation/optimization jobs, and judges each as its Create request.

moto implements ListClusters/DescribeCluster, ListModelPackages/DescribeModelPackage
and ListCompilationJobs/DescribeCompilationJob: those resources are created in moto.
moto lacks the others, so these calls are stubbed (and only these), answering the
seeded resources in AWS's Describe shapes: ListSpaces/DescribeSpace,
ListApps/DescribeApp, ListInferenceComponents/DescribeInferenceComponent,
ListMlflowTrackingServers/DescribeMlflowTrackingServer, ListWorkforces/DescribeWorkforce,
ListOptimizationJobs/DescribeOptimizationJob; ListUserProfiles,
ListNotebookInstanceLifecycleConfigs and ListMonitoringSchedules answer no items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit._kinds import KINDS, to_request
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.testing import EmbeddedAWS
from tests._audit_account import NetworkAndKey
from tests.test_audit_e2e import EMPTY_LISTS, stub

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/serve:1"
ART = "sagemaker-ml-artifacts"  # HyperPod lifecycle buckets are sagemaker-*
LOOSE = "sagemaker-loose"
DOMAIN = "d-abc123"
CIDR = "203.0.113.0/24"
LEAK = {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


class Account(NetworkAndKey):
    """The network and key the policy names, and the resources of the new kinds."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self.s = session
        self.stubbed: dict[str, list[dict[str, Any]]] = {}

    def policy(self) -> SecurityPolicy:
        return SecurityPolicy(
            **self.network_and_key(),
            artifact_buckets=[ART],
            allowed_workforce_cidrs=[CIDR],
            allowed_instance_types=["ml.t3.*", "ml.c5.*"],
            allowed_image_registries=[IMAGE.split("/", 1)[0]],
        )

    # ---- in moto
    def clusters(self) -> None:
        def group(secure: bool) -> dict[str, Any]:
            out: dict[str, Any] = {
                "InstanceGroupName": "workers",
                "InstanceType": "ml.c5.xlarge",
                "InstanceCount": 1,
                "ThreadsPerCore": 1,  # moto needs it
                "ExecutionRole": ROLE,
                "LifeCycleConfig": {
                    "SourceS3Uri": f"s3://{ART if secure else LOOSE}/lifecycle/",
                    "OnCreate": "on_create.sh",
                },
            }
            ebs: dict[str, Any] = {"VolumeSizeInGB": 100}
            if secure:
                ebs["VolumeKmsKeyId"] = self.key
            out["InstanceStorageConfigs"] = [{"EbsVolumeConfig": ebs}]
            return out

        self.sm.create_cluster(
            ClusterName="hp-secure", InstanceGroups=[group(True)], VpcConfig=self.vpc_config()
        )
        self.sm.create_cluster(ClusterName="hp-loose", InstanceGroups=[group(False)])

    def model_packages(self) -> None:
        self.sm.create_model_package(
            ModelPackageName="mp-secure",
            InferenceSpecification={
                "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{ART}/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
        self.sm.create_model_package(
            ModelPackageName="mp-loose",
            InferenceSpecification={
                "Containers": [{"Image": "docker.io/library/nginx:latest", "Environment": LEAK}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )

    def compilation_jobs(self) -> None:
        for name, secure in (("neo-secure", True), ("neo-loose", False)):
            output: dict[str, Any] = {"S3OutputLocation": f"s3://{ART}/neo/"}
            extra: dict[str, Any] = {}
            if secure:
                output["KmsKeyId"] = self.key
                extra["VpcConfig"] = self.vpc_config()
            self.sm.create_compilation_job(
                CompilationJobName=name,
                RoleArn=ROLE,
                InputConfig={
                    "S3Uri": f"s3://{ART}/model.tar.gz",
                    "DataInputConfig": '{"data": [1, 3, 224, 224]}',
                    "Framework": "PYTORCH",
                },
                OutputConfig={**output, "TargetDevice": "ml_c5"},
                StoppingCondition={"MaxRuntimeInSeconds": 900},
                **extra,
            )

    # ---- stubbed: moto lacks these kinds
    def spaces_and_apps(self) -> None:
        self.stubbed["space"] = [
            {
                "DomainId": DOMAIN,
                "SpaceName": name,
                "SpaceArn": _arn("space", f"{DOMAIN}/{name}"),
                "SpaceSettings": {"AppType": "JupyterLab", "RemoteAccess": remote},
            }
            for name, remote in (("space-secure", "DISABLED"), ("space-loose", "ENABLED"))
        ]
        self.stubbed["app"] = [
            {
                "DomainId": DOMAIN,
                "SpaceName": "space-secure",
                "AppType": "JupyterLab",
                "AppName": name,
                "AppArn": _arn("app", f"{DOMAIN}/space-secure/jupyterlab/{name}"),
                "Status": "InService",
                "ResourceSpec": {"InstanceType": instance},
            }
            for name, instance in (("app-secure", "ml.t3.medium"), ("app-loose", "ml.p4d.24xlarge"))
        ]

    def inference_components(self) -> None:
        self.stubbed["inference-component"] = [
            {
                "InferenceComponentName": name,
                "InferenceComponentArn": _arn("inference-component", name),
                "EndpointName": "ep",
                "VariantName": "v",
                "Specification": {
                    "Container": {
                        "DeployedImage": {"SpecifiedImage": image, "ResolvedImage": image},
                        "ArtifactUrl": f"s3://{ART}/model.tar.gz",
                        "Environment": env,
                    },
                    "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 1024},
                },
            }
            for name, image, env in (
                ("ic-secure", IMAGE, {"LOG_LEVEL": "info"}),
                ("ic-loose", "docker.io/library/nginx:latest", LEAK),
            )
        ]

    def mlflow(self) -> None:
        self.stubbed["mlflow-tracking-server"] = [
            {
                "TrackingServerName": name,
                "TrackingServerArn": _arn("mlflow-tracking-server", name),
                "ArtifactStoreUri": f"s3://{bucket}/mlflow",
                "RoleArn": ROLE,
                "S3BucketOwnerVerification": verified,
            }
            for name, bucket, verified in (("mlf-secure", ART, True), ("mlf-loose", LOOSE, False))
        ]

    def workforces(self) -> None:
        self.stubbed["workforce"] = [
            {
                "WorkforceName": "wf-secure",
                "WorkforceArn": _arn("workforce", "wf-secure"),
                "SourceIpConfig": {"Cidrs": [CIDR]},
                "WorkforceVpcConfig": {
                    "VpcId": self.vpc,
                    **self.vpc_config(),
                    "VpcEndpointId": "vpce-0123456789abcdef0",
                },
            },
            {
                "WorkforceName": "wf-loose",
                "WorkforceArn": _arn("workforce", "wf-loose"),
                "SourceIpConfig": {"Cidrs": []},
            },
        ]

    def optimization_jobs(self) -> None:
        def job(name: str, secure: bool) -> dict[str, Any]:
            out: dict[str, Any] = {
                "OptimizationJobName": name,
                "OptimizationJobArn": _arn("optimization-job", name),
                "RoleArn": ROLE,
                "ModelSource": {"S3": {"S3Uri": f"s3://{ART}/model/"}},
                "DeploymentInstanceType": "ml.g5.xlarge",
                "OptimizationConfigs": [{"ModelQuantizationConfig": {"Image": IMAGE}}],
                "OutputConfig": {"S3OutputLocation": f"s3://{ART}/optimized/"},
            }
            if secure:
                out["OutputConfig"]["KmsKeyId"] = self.key
                out["VpcConfig"] = self.vpc_config()
            else:
                out["OptimizationEnvironment"] = LEAK
            return out

        self.stubbed["optimization-job"] = [job("opt-secure", True), job("opt-loose", False)]


#: kind -> (List, its item key, Describe, the Describe parameters from an item)
STUBBED = {
    "space": ("ListSpaces", "Spaces", "DescribeSpace", ("DomainId", "SpaceName")),
    "app": ("ListApps", "Apps", "DescribeApp", ("DomainId", "SpaceName", "AppType", "AppName")),
    "inference-component": (
        "ListInferenceComponents",
        "InferenceComponents",
        "DescribeInferenceComponent",
        ("InferenceComponentName",),
    ),
    "mlflow-tracking-server": (
        "ListMlflowTrackingServers",
        "TrackingServerSummaries",
        "DescribeMlflowTrackingServer",
        ("TrackingServerName",),
    ),
    "workforce": ("ListWorkforces", "Workforces", "DescribeWorkforce", ("WorkforceName",)),
    "optimization-job": (
        "ListOptimizationJobs",
        "OptimizationJobSummaries",
        "DescribeOptimizationJob",
        ("OptimizationJobName",),
    ),
}
#: lists of older kinds moto lacks, answering no items
EMPTY = {
    "ListUserProfiles": "UserProfiles",
    "ListNotebookInstanceLifecycleConfigs": "NotebookInstanceLifecycleConfigs",
    "ListMonitoringSchedules": "MonitoringScheduleSummaries",
}


def _install(session: Any, seeded: Account) -> None:
    for kind, (list_op, key, describe_op, ids) in STUBBED.items():
        described = seeded.stubbed[kind]

        def listed(p: dict[str, Any], key: str = key, described: Any = described) -> Any:
            return {key: [{k: v for k, v in d.items() if isinstance(v, str)} for d in described]}

        def describe(p: dict[str, Any], described: Any = described, ids: Any = ids) -> Any:
            match = next(d for d in described if all(d.get(i) == p.get(i) for i in ids))
            return {"Workforce": match} if "WorkforceName" in p else match

        stub(session, "sagemaker", list_op, listed)
        stub(session, "sagemaker", describe_op, describe)
    for operation, key in EMPTY.items():
        stub(session, "sagemaker", operation, partial(_no_items, key))
    seeded_lists = {list_op for list_op, *_ in STUBBED.values()}
    for operation, key in EMPTY_LISTS.items():  # the kinds test_audit_more_kinds.py seeds
        if operation not in seeded_lists:
            stub(session, "sagemaker", operation, partial(_no_items, key))


def _no_items(key: str, params: dict[str, Any]) -> dict[str, Any]:
    return {key: []}


@pytest.fixture(scope="module")
def seeded(aws: EmbeddedAWS) -> Iterator[tuple[Any, Account]]:
    aws.reset()
    account = Account(aws.session())
    account.clusters()
    account.model_packages()
    account.compilation_jobs()
    account.spaces_and_apps()
    account.inference_components()
    account.mlflow()
    account.workforces()
    account.optimization_jobs()
    audited = aws.session()
    _install(audited, account)
    yield audited, account


@pytest.fixture(scope="module")
def report(seeded: tuple[Any, Account]) -> AuditReport:
    session, account = seeded
    return audit(session, policy=account.policy(), services=["sagemaker"], max_workers=4)


def _verdicts(report: AuditReport) -> dict[str, dict[str, set[str]]]:
    """``{resource name: {status: {rule IDs}}}``."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in report.findings:
        out[f.resource.rsplit("/", 1)[-1]][f.status].add(f.rule_id)
    return out


#: every insecure resource and exactly the rules of its Create operation it breaks
EXPECTED = {
    "hp-loose": {"SM270", "SM271", "SM272"},
    "space-loose": {"SM120"},
    "app-loose": {"SM124"},
    "ic-loose": {"SM364", "SM365"},
    "mlf-loose": {"SM132", "SM133"},
    "wf-loose": {"SM130", "SM131"},
    "mp-loose": {"SM283", "SM286"},
    "neo-loose": {"SM280", "SM281"},
    "opt-loose": {"SM280", "SM281", "SM286"},
}


def test_each_insecure_resource_fails_exactly_its_rules(report: AuditReport) -> None:
    failed = {name: v["fail"] for name, v in _verdicts(report).items() if v.get("fail")}
    assert failed == EXPECTED


def test_each_secure_resource_passes_every_rule_that_judges_it(report: AuditReport) -> None:
    verdicts = _verdicts(report)
    for name in EXPECTED:
        secure = name.replace("-loose", "-secure")
        assert set(verdicts[secure]) == {"pass"}, secure
        assert EXPECTED[name] <= verdicts[secure]["pass"], secure


def test_every_listed_resource_is_assessed(report: AuditReport) -> None:
    assert report.listed == report.assessed == 2 * len(EXPECTED)
    assert report.complete
    assert [f for f in report.findings if f.status == "error"] == []
    types = {f.resource_type for f in report.findings}
    assert {
        "AWS::SageMaker::Cluster",
        "AWS::SageMaker::Space",
        "AWS::SageMaker::App",
        "AWS::SageMaker::InferenceComponent",
        "AWS::SageMaker::MlflowTrackingServer",
        "AWS::SageMaker::Workforce",
        "AWS::SageMaker::ModelPackage",
        "AWS::SageMaker::CompilationJob",
        "AWS::SageMaker::OptimizationJob",
    } == types


def test_inference_component_image_is_renamed_to_the_request_field() -> None:
    kind = next(k for k in KINDS if k.name == "inference-component")
    described: dict[str, Any] = {
        "Specification": {"Container": {"DeployedImage": {"SpecifiedImage": IMAGE}}},
        "Specifications": [{"Container": {"DeployedImage": {"SpecifiedImage": IMAGE}}}, {}],
    }
    request = to_request(kind, described)
    assert request["Specification"]["Container"]["Image"] == IMAGE
    assert request["Specifications"][0]["Container"]["Image"] == IMAGE
    assert described["Specification"]["Container"] == {"DeployedImage": {"SpecifiedImage": IMAGE}}


def test_a_workforce_is_judged_inside_its_envelope() -> None:
    kind = next(k for k in KINDS if k.name == "workforce")
    assert to_request(kind, {"Workforce": {"WorkforceName": "w"}, "ResponseMetadata": {}}) == {
        "WorkforceName": "w"
    }
