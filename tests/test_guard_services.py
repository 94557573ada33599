"""Hook completeness: for every watched service, an insecure request through a real
client (HTTPS to the embedded moto server) is refused with 0 HTTP requests, and the
guard's handler sits on the event name botocore actually emits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

import secure_sagemaker as ss
from secure_sagemaker.controls import CATALOG, REGISTRY
from tests._examples import POLICY
from tests.controls import all_examples

pytestmark = pytest.mark.e2e


# an explicit insecure value where every example of the service is fixable by filling
EXPLICIT = {"logs": ("SM803", "CreateLogGroup", {"logGroupName": "/aws/sagemaker/x",
                                                 "kmsKeyId": "alias/aws/logs"})}


def _judged_example(service: str) -> tuple[str, str, dict[str, Any]]:
    """The first rule example of ``service`` that the guard must refuse: the rule blocks
    at the policy's ``block_at`` and the policy cannot fill the insecure field."""
    if service in EXPLICIT:
        return EXPLICIT[service]
    for rule_id, (operation, _secure, insecure) in sorted(all_examples().items()):
        rule = CATALOG.rule(rule_id)
        if rule.service != service or operation.startswith("@"):
            continue
        _, filled = ss.secure_request(operation, insecure, POLICY, service=service)
        if rule.severity >= POLICY.block_at and not filled:
            return rule_id, operation, insecure
    raise AssertionError(f"no request example for {service}")


# services without request rules: an unclassified write, refused once block_at is low
UNCLASSIFIED = {
    "ec2": ("DeleteFlowLogs", {"FlowLogIds": ["fl-0123456789abcdef0"]}),
    "cloudformation": ("DeleteStack", {"StackName": "ml-network"}),
    "sts": ("AssumeRoot", {"TargetPrincipal": "111122223333", "TaskPolicyArn": {"arn": "x"}}),
}
JUDGED = sorted(
    s for s in REGISTRY.services if s not in UNCLASSIFIED and s != "sagemaker-runtime"
)


class Sent:
    def __init__(self, client: Any) -> None:
        self.ops: list[str] = []
        client.meta.events.register("before-send", self._count)

    def _count(self, request: Any, **kwargs: Any) -> None:
        self.ops.append(kwargs["event_name"])


@pytest.fixture
def session(fresh_aws: Any) -> Iterator[boto3.Session]:
    yield fresh_aws.session()
    ss.uninstall()


@pytest.mark.parametrize("service", JUDGED)
def test_an_insecure_request_is_refused_with_zero_http_requests(
    session: boto3.Session, service: str
) -> None:
    rule_id, operation, insecure = _judged_example(service)
    ss.install(POLICY)
    client = session.client(service, region_name="us-east-1")
    sent = Sent(client)
    with pytest.raises(ss.InsecureRequestError) as info:
        getattr(client, xform_name(operation))(**insecure)
    assert sent.ops == []
    assert rule_id in {f.rule_id for f in info.value.findings}


@pytest.mark.parametrize("service", sorted(UNCLASSIFIED))
def test_unclassified_writes_of_log_stance_services_are_refused_at_block_at_low(
    session: boto3.Session, service: str
) -> None:
    operation, params = UNCLASSIFIED[service]
    ss.install(attrs.evolve(POLICY, block_at="low"))
    client = session.client(service, region_name="us-east-1")
    sent = Sent(client)
    with pytest.raises(ss.InsecureRequestError) as info:
        getattr(client, xform_name(operation))(**params)
    assert sent.ops == []
    assert [f.rule_id for f in info.value.findings] == ["SM001"]


def test_s3control_events_reach_the_guard(session: boto3.Session) -> None:
    """SM409 used to be registered under 's3control'; botocore emits 's3-control'."""
    ss.install(POLICY)
    client = session.client("s3control", region_name="us-east-1")
    sent = Sent(client)
    bad = {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
           "RestrictPublicBuckets": True}
    with pytest.raises(ss.InsecureRequestError, match="SM409"):
        client.put_public_access_block(AccountId="123456789012", PublicAccessBlockConfiguration=bad)
    with pytest.raises(ss.InsecureRequestError, match="SM000"):
        client.delete_public_access_block(AccountId="123456789012")
    assert sent.ops == []


def test_an_unknown_sagemaker_operation_is_refused_and_an_allowed_one_is_sent(
    session: boto3.Session,
) -> None:
    ss.install(POLICY)
    sm = session.client("sagemaker", region_name="us-east-1")
    sent = Sent(sm)
    with pytest.raises(ss.InsecureRequestError, match="sagemaker:DeleteModelCard"):
        sm.delete_model_card(ModelCardName="churn")
    assert sent.ops == []
    sm.list_model_package_groups()  # read
    with pytest.raises(ClientError):  # sent: moto has no such model
        sm.add_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:model/m", Tags=[])
    assert [e.rsplit(".", 1)[-1] for e in sent.ops] == ["ListModelPackageGroups", "AddTags"]


def test_the_policy_allows_an_unknown_operation_by_name(session: boto3.Session) -> None:
    policy = attrs.evolve(
        POLICY,
        allow_operations={"sagemaker:DeleteModelCard": "draft cards; ml-platform; 2027-06"},
    )
    ss.install(policy)
    sm = session.client("sagemaker", region_name="us-east-1")
    sent = Sent(sm)
    with pytest.raises(ClientError):  # sent: moto holds no such card
        sm.delete_model_card(ModelCardName="churn")
    assert [e.rsplit(".", 1)[-1] for e in sent.ops] == ["DeleteModelCard"]


def test_sagemaker_runtime_invocations_are_allowed_and_judged_by_nothing(
    session: boto3.Session,
) -> None:
    ss.install(POLICY)
    runtime = session.client("sagemaker-runtime", region_name="us-east-1")
    assert all(
        REGISTRY.classify("sagemaker-runtime", op) == "allowed"
        for op in runtime.meta.service_model.operation_names
    )
    assert getattr(runtime, "_secure_sagemaker_binding", None) is not None


def test_trusted_accounts_default_to_the_callers_own_account(session: boto3.Session) -> None:
    ss.install(POLICY)
    sm = session.client("sagemaker", region_name="us-east-1")
    binding = sm._secure_sagemaker_binding
    effective = binding.effective_policy(POLICY)
    account = session.client("sts").get_caller_identity()["Account"]
    assert effective.trusted_accounts == (account,)
    assert binding.effective_policy(POLICY) is effective  # asked once, cached
    explicit = attrs.evolve(POLICY, trusted_accounts=["111122223333"])
    assert binding.effective_policy(explicit) is explicit
