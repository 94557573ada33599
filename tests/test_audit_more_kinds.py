"""End to end: the audit inventories AutoML (V1 and V2), labeling, edge packaging,
inference recommendations and AI benchmark/recommendation jobs, Studio lifecycle
configs, feature groups, inference experiments and routers, algorithms, partner apps,
projects, MLflow apps, hubs, model cards, code repositories, device fleets, flow
definitions, work teams, images and AI workload configs, and judges each as its
Create request.

Model cards are created in moto (it implements ListModelCards/DescribeModelCard).
moto lacks the others, so these calls are stubbed (and only these), answering the
seeded resources in AWS's Describe shapes: the List/Describe pair of every kind in
STUBBED, ListAutoMLJobs/DescribeAutoMLJobV2 included (moto's describe answers a
ModelDeployConfig the job was not created with).  The lists of the older kinds moto
lacks answer no items (tests/test_audit_new_kinds.py seeds those).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import partial
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import PaginationError
from botocore.stub import Stubber

from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit._kinds import KINDS, to_request
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.testing import EmbeddedAWS
from tests._audit_account import NetworkAndKey
from tests.test_audit_e2e import EMPTY_LISTS, stub

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1"
ART = "sagemaker-ml-artifacts"
LOOSE = "sagemaker-loose"
TEMPLATE = "https://templates.example.com/reviewed/"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LEAK = {"AWS_SECRET_ACCESS_KEY": SECRET}
CIDR = "203.0.113.0/24"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


class Account(NetworkAndKey):
    """The network and key the policy names, and the resources of the new kinds
    (``described``: what the stubbed Describe calls answer, per kind)."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self.described: dict[str, list[dict[str, Any]]] = {}

    def policy(self) -> SecurityPolicy:
        return SecurityPolicy(
            **self.network_and_key(),
            artifact_buckets=[ART],
            allowed_workforce_cidrs=[CIDR],
            allowed_project_templates=[TEMPLATE],
            allowed_image_registries=[IMAGE.split("/", 1)[0]],
        )

    def model_cards(self) -> None:  # in moto
        for name, secure in (("card-secure", True), ("card-loose", False)):
            content = {"model_overview": {"model_description": "churn"}}
            if not secure:
                content["model_overview"]["model_description"] = f"aws_secret_access_key={SECRET}"
            extra = {"SecurityConfig": {"KmsKeyId": self.key}} if secure else {}
            self.sm.create_model_card(
                ModelCardName=name, Content=json.dumps(content), ModelCardStatus="Draft", **extra
            )

    def seed(self) -> None:  # stubbed: one (secure, insecure) pair per kind
        for kind, build in self._builders().items():
            self.described[kind] = [build(f"{kind}-secure", True), build(f"{kind}-loose", False)]

    def _builders(self) -> dict[str, Any]:
        key, vpc = self.key, self.vpc_config()

        def bucket(secure: bool) -> str:
            return ART if secure else LOOSE

        def with_key(secure: bool, out: dict[str, Any], field: str = "KmsKeyId") -> Any:
            return {**out, field: key} if secure else out

        def automl(name: str, s: bool) -> dict[str, Any]:
            out: dict[str, Any] = {
                "AutoMLJobName": name,
                "OutputDataConfig": with_key(s, {"S3OutputPath": f"s3://{bucket(s)}/automl/"}),
            }
            if s:
                out["SecurityConfig"] = {
                    "VolumeKmsKeyId": key,
                    "EnableInterContainerTrafficEncryption": True,
                    "VpcConfig": vpc,
                }
            # an endpoint name the guard judges on its own vs. one the job makes
            out["ModelDeployConfig"] = {"AutoGenerateEndpointName": not s}
            return out

        def labeling(name: str, s: bool) -> dict[str, Any]:
            resource = {"VolumeKmsKeyId": key, "VpcConfig": vpc} if s else {}
            return {
                "LabelingJobName": name,
                "OutputConfig": with_key(s, {"S3OutputPath": f"s3://{bucket(s)}/labels/"}),
                "LabelingJobAlgorithmsConfig": {
                    "LabelingJobAlgorithmSpecificationArn": "arn:aws:sagemaker:x",
                    "LabelingJobResourceConfig": resource,
                },
            }

        def studio_lcc(name: str, s: bool) -> dict[str, Any]:
            script = "pip install ." if s else f"export AWS_SECRET_ACCESS_KEY={SECRET}"
            return {
                "StudioLifecycleConfigName": name,
                "StudioLifecycleConfigContent": base64.b64encode(script.encode()).decode(),
                "StudioLifecycleConfigAppType": "JupyterLab",
            }

        def feature_group(name: str, s: bool) -> dict[str, Any]:
            return {
                "FeatureGroupName": name,
                "OfflineStoreConfig": {
                    "S3StorageConfig": with_key(s, {"S3Uri": f"s3://{bucket(s)}/fs/"})
                },
                "OnlineStoreConfig": {
                    "EnableOnlineStore": True,
                    **({"SecurityConfig": {"KmsKeyId": key}} if s else {}),
                },
            }

        def edge(name: str, s: bool) -> dict[str, Any]:
            out = {
                "EdgePackagingJobName": name,
                "OutputConfig": with_key(s, {"S3OutputLocation": f"s3://{ART}/edge/"}),
            }
            return {**out, "ResourceKey": key} if s else out

        def recommend(name: str, s: bool) -> dict[str, Any]:
            inp: dict[str, Any] = {"ModelName": "m"}
            if s:
                inp |= {"VolumeKmsKeyId": key, "VpcConfig": vpc}
            return {"JobName": name, "JobType": "Default", "InputConfig": inp}

        def experiment(name: str, s: bool) -> dict[str, Any]:
            out = {
                "Name": name,
                "Type": "ShadowMode",
                "DataStorageConfig": with_key(
                    s, {"Destination": f"s3://{bucket(s)}/capture/"}, "KmsKey"
                ),
            }
            return with_key(s, out, "KmsKey")

        def algorithm(name: str, s: bool) -> dict[str, Any]:
            training = {
                "TrainingInputMode": "File",
                "InputDataConfig": [],
                "OutputDataConfig": with_key(s, {"S3OutputPath": f"s3://{ART}/val/"}),
                "ResourceConfig": with_key(
                    s,
                    {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
                    "VolumeKmsKeyId",
                ),
                "StoppingCondition": {"MaxRuntimeInSeconds": 60},
            }
            image = IMAGE if s else "docker.io/library/python:3"
            return {
                "AlgorithmName": name,
                "TrainingSpecification": {"TrainingImage": image},
                "InferenceSpecification": {
                    "Containers": [{"Image": IMAGE, "Environment": {} if s else LEAK}]
                },
                "ValidationSpecification": {
                    "ValidationRole": ROLE,
                    "ValidationProfiles": [{"ProfileName": "p", "TrainingJobDefinition": training}],
                },
            }

        def partner(name: str, s: bool) -> dict[str, Any]:
            args = {"LOG_LEVEL": "info"} if s else {"token": f"aws_secret_access_key={SECRET}"}
            out = {"Arn": _arn("partner-app", name), "Name": name}
            return with_key(s, {**out, "ApplicationConfig": {"Arguments": args}})

        def project(name: str, s: bool) -> dict[str, Any]:
            url = f"{TEMPLATE}ml.yaml" if s else "https://evil.example.com/t.yaml"
            param = {"Key": "Stage", "Value": "prod"} if s else {"Key": "Token", "Value": SECRET}
            return {
                "ProjectName": name,
                "TemplateProviderDetails": [
                    {
                        "CfnTemplateProviderDetail": {
                            "TemplateName": "t",
                            "TemplateURL": url,
                            "Parameters": [param],
                        }
                    }
                ],
            }

        def mlflow_app(name: str, s: bool) -> dict[str, Any]:
            out = {"Arn": _arn("mlflow-app", name), "Name": name, "RoleArn": ROLE}
            return with_key(s, {**out, "ArtifactStoreUri": f"s3://{bucket(s)}/mlflow"})

        def hub(name: str, s: bool) -> dict[str, Any]:
            return {"HubName": name, "S3StorageConfig": {"S3OutputPath": f"s3://{bucket(s)}/h/"}}

        def code_repo(name: str, s: bool) -> dict[str, Any]:
            url = "https://github.com/org/ml.git" if s else "https://bob:hunter2@github.com/o.git"
            return {"CodeRepositoryName": name, "GitConfig": {"RepositoryUrl": url}}

        def fleet(name: str, s: bool) -> dict[str, Any]:
            out = with_key(s, {"S3OutputLocation": f"s3://{bucket(s)}/fleet/"})
            return {"DeviceFleetName": name, "OutputConfig": out}

        def flow(name: str, s: bool) -> dict[str, Any]:
            out = with_key(s, {"S3OutputPath": f"s3://{bucket(s)}/a2i/"})
            return {"FlowDefinitionName": name, "OutputConfig": out}

        def workteam(name: str, s: bool) -> dict[str, Any]:
            out: dict[str, Any] = {"WorkteamName": name, "WorkteamArn": _arn("workteam", name)}
            if s:
                presign = {"IamPolicyConstraints": {"SourceIp": "Enabled"}}
                out["WorkerAccessConfiguration"] = {"S3Presign": presign}
            return out

        def image(name: str, s: bool) -> dict[str, Any]:
            return {"ImageName": name, **({"Description": "reviewed"} if s else {})}

        def router(name: str, s: bool) -> dict[str, Any]:
            out = with_key(
                s,
                {
                    "S3OutputPath": f"s3://{bucket(s)}/async/",
                    "S3FailurePath": f"s3://{bucket(s)}/async-failures/",
                },
            )
            target = {"Name": "t", "AsyncInferenceConfig": {"OutputConfig": out}}
            return {"InferenceRouterName": name, "RoutingTargets": [target]}

        def benchmark(name: str, s: bool) -> dict[str, Any]:
            out = {
                "AIBenchmarkJobName": name,
                "OutputConfig": {"S3OutputLocation": f"s3://{bucket(s)}/bench/"},
            }
            return {**out, "NetworkConfig": {"VpcConfig": vpc}} if s else out

        def ai_recommend(name: str, s: bool) -> dict[str, Any]:
            out = {"S3OutputLocation": f"s3://{bucket(s)}/rec/"}
            return {"AIRecommendationJobName": name, "OutputConfig": out}

        def workload(name: str, s: bool) -> dict[str, Any]:
            spec = "concurrency: 4" if s else f"aws_secret_access_key: {SECRET}"
            configs = {"WorkloadSpec": {"Inline": spec}}
            return {"AIWorkloadConfigName": name, "AIWorkloadConfigs": configs}

        return {
            "automl-job": automl,
            "labeling-job": labeling,
            "studio-lifecycle-config": studio_lcc,
            "feature-group": feature_group,
            "edge-packaging-job": edge,
            "inference-recommendations-job": recommend,
            "inference-experiment": experiment,
            "algorithm": algorithm,
            "partner-app": partner,
            "project": project,
            "mlflow-app": mlflow_app,
            "hub": hub,
            "code-repository": code_repo,
            "device-fleet": fleet,
            "flow-definition": flow,
            "workteam": workteam,
            "image": image,
            "inference-router": router,
            "ai-benchmark-job": benchmark,
            "ai-recommendation-job": ai_recommend,
            "ai-workload-config": workload,
        }


#: every insecure resource and exactly the rules of its Create operation it breaks
EXPECTED = {
    "automl-job-loose": {"SM201", "SM203", "SM204", "SM205", "SM220", "SM260"},
    "labeling-job-loose": {"SM201", "SM204", "SM205", "SM260"},
    "studio-lifecycle-config-loose": {"SM125"},
    "feature-group-loose": {"SM265", "SM420", "SM421"},
    "edge-packaging-job-loose": {"SM281", "SM282"},
    "inference-recommendations-job-loose": {"SM280", "SM282"},
    "inference-experiment-loose": {"SM260", "SM330", "SM331"},
    "algorithm-loose": {"SM283", "SM284", "SM285", "SM286"},
    "partner-app-loose": {"SM135", "SM140"},
    "project-loose": {"SM210", "SM211"},
    "mlflow-app-loose": {"SM132", "SM134"},
    "hub-loose": {"SM290"},
    "card-loose": {"SM291", "SM292"},
    "code-repository-loose": {"SM110"},
    "device-fleet-loose": {"SM290", "SM291"},
    "flow-definition-loose": {"SM205", "SM260"},
    "workteam-loose": {"SM296"},
    "image-loose": {"SM118"},
    "inference-router-loose": {"SM290", "SM291"},
    "ai-benchmark-job-loose": {"SM290", "SM295"},
    "ai-recommendation-job-loose": {"SM290"},
    "ai-workload-config-loose": {"SM292"},
}
_OPERATIONS = {
    xform_name(op): op
    for op in botocore.session.get_session().get_service_model("sagemaker").operation_names
}
#: the kinds moto lacks, stubbed here (kind -> its List and Describe operations)
STUBBED = {
    k.name: (_OPERATIONS[k.list_method], _OPERATIONS[k.describe_method])
    for k in KINDS
    if f"{k.name}-loose" in EXPECTED
}


def _install(session: Any, seeded: Account) -> None:
    by_name = {k.name: k for k in KINDS}
    for name, (list_op, describe_op) in STUBBED.items():
        kind, described = by_name[name], seeded.described[name]

        def listed(p: dict[str, Any], kind: Any = kind, described: Any = described) -> Any:
            items = [{f: d[f] for f in kind.ids.values()} for d in described]
            if kind.name != "hub":
                return {kind.list_key: items}
            # one item a page: ListHubs has no botocore paginator, the audit follows NextToken
            page = int(p.get("NextToken", "0"))
            more = {"NextToken": str(page + 1)} if page + 1 < len(items) else {}
            return {kind.list_key: items[page : page + 1], **more}

        def describe(p: dict[str, Any], kind: Any = kind, described: Any = described) -> Any:
            match = next(d for d in described if all(d[f] == p[i] for i, f in kind.ids.items()))
            return {kind.envelope: match} if kind.envelope else match

        stub(session, "sagemaker", list_op, listed)
        stub(session, "sagemaker", describe_op, describe)
    seeded_lists = {list_op for list_op, _ in STUBBED.values()}
    for operation, key in EMPTY_LISTS.items():
        if operation in seeded_lists:
            continue
        stub(session, "sagemaker", operation, partial(_no_items, key))
    for operation, key in OLDER_EMPTY.items():
        stub(session, "sagemaker", operation, partial(_no_items, key))


#: lists of older kinds moto lacks (not in EMPTY_LISTS), answering no items
OLDER_EMPTY = {
    "ListUserProfiles": "UserProfiles",
    "ListNotebookInstanceLifecycleConfigs": "NotebookInstanceLifecycleConfigs",
    "ListMonitoringSchedules": "MonitoringScheduleSummaries",
}


def _no_items(key: str, params: dict[str, Any]) -> dict[str, Any]:
    return {key: []}


@pytest.fixture(scope="module")
def seeded(aws: EmbeddedAWS) -> Iterator[tuple[Any, Account]]:
    aws.reset()
    account = Account(aws.session())
    account.model_cards()
    account.seed()
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
    types = {f.resource_type.removeprefix("AWS::SageMaker::") for f in report.findings}
    assert types == {
        k.resource_type.removeprefix("AWS::SageMaker::") for k in KINDS if k.name in STUBBED
    } | {"ModelCard"}


def test_every_kind_names_calls_and_fields_of_the_sagemaker_model() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    for kind in KINDS:
        listing = model.operation_model(_OPERATIONS[kind.list_method])
        item = listing.output_shape.members[kind.list_key].member
        assert set(kind.ids.values()) <= set(item.members), kind.name
        describe = model.operation_model(_OPERATIONS[kind.describe_method])
        assert set(kind.ids) <= set(describe.input_shape.members), kind.name
        assert kind.operation in model.operation_names or kind.operation == "@Endpoint"
        assert not listing.input_shape.required_members, kind.name  # lists need no parent


def test_a_project_is_judged_with_the_request_field_names() -> None:
    kind = next(k for k in KINDS if k.name == "project")
    detail = {"TemplateURL": TEMPLATE, "StackDetail": {"Name": "s"}}
    described = {"TemplateProviderDetails": [{"CfnTemplateProviderDetail": detail}]}
    request = to_request(kind, described)
    assert request == {"TemplateProviders": [{"CfnTemplateProvider": detail}]}
    assert "TemplateProviderDetails" in described  # the Describe output is not changed


def test_a_list_without_a_paginator_that_repeats_its_token_fails() -> None:
    client = botocore.session.get_session().create_client(
        "sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"
    )
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    hub = {
        "HubName": "h",
        "HubArn": _arn("hub", "h"),
        "HubStatus": "InService",
        "CreationTime": when,
        "LastModifiedTime": when,
    }
    with Stubber(client) as aws:  # emulation: AWS answering the same page again
        aws.add_response("list_hubs", {"HubSummaries": [hub], "NextToken": "t"}, {})
        aws.add_response("list_hubs", {"HubSummaries": [hub], "NextToken": "t"}, {"NextToken": "t"})
        with pytest.raises(PaginationError):
            fetch.paginate(client, "list_hubs", "HubSummaries")
