"""HyperPod clusters and Studio spaces, apps and domain features are judged (issue 14),
end to end: with the guard installed against the embedded emulator, each insecure
request is refused before anything is sent (0 HTTP requests on that client) with its
rule ID, and its secure variant is sent (moto's own error accepted where it does not
implement the operation)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import POLICY, SG, domain, drop
from tests._guarded import Sent, refused, sent_anyway
from tests.controls.test_sm1_studio_spaces import TOKEN_REPO, app, space, studio_script
from tests.controls.test_sm2_hyperpod import cluster, group

pytestmark = pytest.mark.e2e

FOREIGN_SG = "sg-0fffffffffffffff0"


# --------------------------------------------------------------------------- HyperPod


def test_a_cluster_runs_in_the_policy_s_vpc(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    outside = {"Subnets": ["subnet-0fffffffffffffff0"], "SecurityGroupIds": [SG]}
    refused(sm.create_cluster, sent, "SM270", **cluster(VpcConfig=outside))
    refused(sm.update_cluster, sent, "SM270", ClusterName="hp-1",
            InstanceGroups=[group(OverrideVpcConfig=outside)])
    sent_anyway(sm.create_cluster, sent, "CreateCluster", **cluster())


def test_an_absent_cluster_vpc_is_filled_from_the_policy(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    sent_anyway(sm.create_cluster, sent, "CreateCluster", **drop(cluster(), "VpcConfig"))
    assert b"subnet-0123456789abcdef0" in sent.bodies[-1]


def test_cluster_volumes_use_a_customer_key(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    aws_key = [{"EbsVolumeConfig": {"VolumeSizeInGB": 500, "VolumeKmsKeyId": "alias/aws/ebs"}}]
    refused(sm.create_cluster, sent, "SM271", **cluster(group(InstanceStorageConfigs=aws_key)))
    refused(sm.update_cluster, sent, "SM271", ClusterName="hp-1",
            InstanceGroups=[group(InstanceStorageConfigs=aws_key)])
    no_key = [{"EbsVolumeConfig": {"VolumeSizeInGB": 500}}]
    sent_anyway(sm.create_cluster, sent, "CreateCluster",
                **cluster(group(InstanceStorageConfigs=no_key)))  # the policy's key is filled
    assert b"VolumeKmsKeyId" in sent.bodies[-1]


def test_lifecycle_scripts_come_from_an_artifact_bucket(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    foreign = {"SourceS3Uri": "s3://someone-elses-bucket/lc/", "OnCreate": "on_create.sh"}
    refused(sm.create_cluster, sent, "SM272", **cluster(group(LifeCycleConfig=foreign)))
    refused(sm.update_cluster, sent, "SM272", ClusterName="hp-1",
            InstanceGroups=[group(LifeCycleConfig=foreign)])
    sent_anyway(sm.update_cluster, sent, "UpdateCluster", ClusterName="hp-1",
                InstanceGroups=[group()])


def test_cluster_instance_types_are_allowed(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    refused(sm.create_cluster, sent, "SM273", **cluster(group(InstanceType="ml.p5.48xlarge")))
    sent_anyway(sm.create_cluster, sent, "CreateCluster", **cluster(group()))


# --------------------------------------------------------------------------- Studio


def test_spaces_allow_no_remote_access_unless_the_policy_does(fresh_aws: Any) -> None:
    for policy, allowed in ((POLICY, False), (attrs.evolve(POLICY, allow_remote_access=True), True)):
        ss.install(policy)
        try:
            sm = fresh_aws.session().client("sagemaker", region_name="us-east-1")
            sent = Sent(sm)
            if allowed:
                sent_anyway(sm.create_space, sent, "CreateSpace", **space(RemoteAccess="ENABLED"))
            else:
                refused(sm.create_space, sent, "SM120", **space(RemoteAccess="ENABLED"))
                refused(sm.update_space, sent, "SM120", **space(RemoteAccess="ENABLED"))
                sent_anyway(sm.create_space, sent, "CreateSpace", **space(RemoteAccess="DISABLED"))
        finally:
            ss.uninstall()


def test_studio_repository_urls_carry_no_credentials(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    token = {"CodeRepositories": [{"RepositoryUrl": TOKEN_REPO}]}
    refused(sm.create_space, sent, "SM121", **space(JupyterLabAppSettings=token))
    refused(sm.update_domain, sent, "SM121", DomainId="d-1",
            DefaultUserSettings={"JupyterLabAppSettings": token})
    sent_anyway(sm.update_space, sent, "UpdateSpace", **space())


def test_domains_give_no_docker_access_unless_the_policy_does(fresh_aws: Any) -> None:
    docker = {"DockerSettings": {"EnableDockerAccess": "ENABLED"}}
    for policy, allowed in ((POLICY, False), (attrs.evolve(POLICY, allow_docker_access=True), True)):
        ss.install(policy)
        try:
            sm = fresh_aws.session().client("sagemaker", region_name="us-east-1")
            sent = Sent(sm)
            if allowed:
                sent_anyway(sm.update_domain, sent, "UpdateDomain", DomainId="d-1",
                            DomainSettingsForUpdate=docker)
            else:
                refused(sm.create_domain, sent, "SM122", **domain(DomainSettings=docker))
                refused(sm.update_domain, sent, "SM122", DomainId="d-1",
                        DomainSettingsForUpdate=docker)
                sent_anyway(sm.update_domain, sent, "UpdateDomain", DomainId="d-1",
                            DomainSettingsForUpdate={"DockerSettings": {"EnableDockerAccess": "DISABLED"}})
        finally:
            ss.uninstall()


def test_domain_and_space_security_groups_are_the_policy_s(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    refused(sm.create_domain, sent, "SM123", **domain(DomainSettings={"SecurityGroupIds": [FOREIGN_SG]}))
    refused(sm.update_domain, sent, "SM123", DomainId="d-1",
            DefaultSpaceSettings={"SecurityGroups": [FOREIGN_SG]})
    sent_anyway(sm.create_domain, sent, "CreateDomain",
                **domain(DefaultSpaceSettings={"ExecutionRole": domain()["DefaultUserSettings"]["ExecutionRole"]}))
    assert SG.encode() in sent.bodies[-1]  # the space groups were filled from the policy


def test_studio_apps_use_allowed_instance_types(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    refused(sm.create_app, sent, "SM124", **app("ml.p4d.24xlarge"))
    sent_anyway(sm.create_app, sent, "CreateApp", **app("ml.t3.medium"))


def test_studio_lifecycle_scripts_hold_no_secret(sagemaker: tuple[Any, Sent]) -> None:
    sm, sent = sagemaker
    refused(sm.create_studio_lifecycle_config, sent, "SM125",
            **studio_script("export DB_PASSWORD=hunter2hunter2\n"))
    sent_anyway(sm.create_studio_lifecycle_config, sent, "CreateStudioLifecycleConfig",
                **studio_script("pip install -r requirements.txt\n"))
